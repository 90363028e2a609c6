"""Figures INSEE publishes per QPV of 2015, read to be shown beside Cartopolis' estimates (private to ``qpv``).

- ``qpv-indicators-csv``: the QPV indicators table (Hackaviz 2021 compilation of INSEE, CAF and Pôle
  emploi figures): ``code_qp``, ``pop_mun`` (population municipale), ``tp60`` (taux de pauvreté
  at 60 % of the median standard of living, in %);
- ``qpv-population-csv``: INSEE's population municipale per QPV (``qp``,
  ``population_municipale_YYYY``).

The years come from the source options ``population_year`` / ``poverty_year`` (the files do not
say them). Figures are on the **2015** contour of each QPV: they are joined on ``code_qp_2015``.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog import Source
from ..errors import SourceFormatError

PUBLISHED_FORMATS = ("qpv-indicators-csv", "qpv-population-csv")
COLUMNS = ["code_qp_2015", "published_population", "published_population_year", "published_poverty_rate",
           "published_poverty_year", "published_source"]  # fmt: skip
_POPULATION_COLUMN = re.compile(r"population_municipale_(\d{4})")


def _number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series.astype(str).str.replace(",", ".", regex=False).str.strip(), errors="coerce")


def read_published(source: Source, path: Path) -> pd.DataFrame:
    """Published population (and poverty rate, share 0–1) per 2015 QPV code, with their years."""
    try:
        table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", sep=None, engine="python")
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise SourceFormatError(f"`{path}`: cannot read as a table of QPV figures ({exc})") from None
    options = source.options
    out = pd.DataFrame(columns=COLUMNS)
    if source.format == "qpv-indicators-csv":
        missing = [c for c in ("code_qp", "pop_mun") if c not in table.columns]
        if missing:
            raise SourceFormatError(f"`{path}`: column(s) {missing} missing; columns are {list(table.columns)[:12]}")
        out = pd.DataFrame(
            {
                "code_qp_2015": table["code_qp"].str.strip(),
                "published_population": _number(table["pop_mun"]),
                "published_population_year": options.get("population_year"),
                "published_poverty_rate": _number(table["tp60"]) / 100 if "tp60" in table else np.nan,
                "published_poverty_year": options.get("poverty_year") if "tp60" in table else None,
            }
        )
    elif source.format == "qpv-population-csv":
        column = next((c for c in table.columns if _POPULATION_COLUMN.fullmatch(str(c))), None)
        if "qp" not in table.columns or column is None:
            raise SourceFormatError(
                f"`{path}`: columns `qp` and `population_municipale_YYYY` expected; columns are {list(table.columns)}"
            )
        out = pd.DataFrame(
            {
                "code_qp_2015": table["qp"].str.strip(),
                "published_population": _number(table[column]),
                "published_population_year": options.get("population_year", _POPULATION_COLUMN.fullmatch(column)[1]),
                "published_poverty_rate": np.nan,
                "published_poverty_year": None,
            }
        )
    out["published_source"] = source.id
    return out[COLUMNS]


def attach_published(frame: pd.DataFrame, tables: list[pd.DataFrame]) -> pd.DataFrame:
    """``frame`` (qpv rows) with the published columns joined on ``code_qp_2015`` (first table wins a code)."""
    if not tables:
        return frame
    published = pd.concat(tables, ignore_index=True).drop_duplicates("code_qp_2015")
    return frame.merge(published, on="code_qp_2015", how="left")

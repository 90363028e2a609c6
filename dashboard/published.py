"""INSEE's published QPV figures beside our estimates, and whether a commune has QPV in 2024 — without
Dash (shared by the QPV cards, the per-QPV tables and the printed reports)."""

from __future__ import annotations

import pandas as pd

from . import i18n
from .data import Data


def no_qpv_in_2024(data: Data, territory: str) -> bool:
    """True when the territory's commune hosts no QPV of the 2024 generation (national 2024 list)."""
    entry = data.layer_entry(territory, "qpv") or {}
    return bool(data.layer_ok(territory, "qpv") and entry.get("no_qpv_2024"))


def published_rows(data: Data, territory: str, zone: str | None = None) -> pd.DataFrame:
    """Rows of the ``published`` table (every QPV, or one), empty when the territory has none."""
    table = data.table(territory, "published")
    if table is None or table.empty:
        return pd.DataFrame(columns=["zone_id"])
    return table if zone is None else table[table["zone_id"] == zone]


def published_text(row: pd.Series) -> str:
    """``14 621 en 2015 (contour 2015 QP030001) ; estimation sur ce contour : 10 802 (écart −26,1 %)``."""
    if row["indicator"] == "population":
        gap = "" if pd.isna(row["gap_pct"]) else f", écart {i18n.fmt_number(row['gap_pct'], 1)} %"
        estimate = i18n.fmt_value(row["estimate"], "habitants")
        return (
            f"{i18n.fmt_value(row['published'], 'habitants')} en {row['published_year']} ({row['geography']}) ; "
            f"estimation sur ce contour : {estimate}{gap}"
        )
    return (
        f"{i18n.fmt_share(row['published'])} des personnes en {row['published_year']} ({row['geography']}) ; "
        f"autre définition que la part des ménages pauvres : {i18n.fmt_share(row['estimate'])}"
    )

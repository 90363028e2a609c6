"""What a QPV's card and tables say of its residents: our estimate (with its method) beside what INSEE
published (with its year and contour), and the share of poor households beside INSEE's poverty rate.

Read from the territory's ``indicators`` and ``published`` tables (written by the build); nothing is
computed here but the wording.
"""

from __future__ import annotations

import pandas as pd
from dash import html

from .. import i18n
from ..data import Data
from ..published import no_qpv_in_2024, published_rows, published_text  # noqa: F401 - re-exported to the views
from .tables import html_table


def _value(indicators: pd.DataFrame | None, indicator: str, zone: str) -> tuple[float | None, str]:
    """(value, method) of one indicator of one zone (None when absent or unknown)."""
    if indicators is None:
        return None, ""
    rows = indicators[(indicators["indicator"] == indicator) & (indicators["zone_id"] == zone)]
    if rows.empty or pd.isna(rows["value"].iloc[0]):
        return None, ""
    method = rows["method"].iloc[0] if "method" in rows else ""
    return float(rows["value"].iloc[0]), method if isinstance(method, str) else ""


def qpv_facts(data: Data, territory: str, zone: str) -> list[tuple[str, str]]:
    """(term, text) lines for a QPV's card: residents, poor households, INSEE's figures."""
    indicators = data.table(territory, "indicators")
    lines = []
    residents, method = _value(indicators, "residents", zone)
    if residents is not None:
        lines.append(("Habitants (estimation)", f"{i18n.fmt_value(residents, 'habitants')} — {method}"))
    poverty, method = _value(indicators, "poverty_rate", zone)
    if poverty is not None:
        hors, _ = _value(indicators, "poverty_rate", "hors_qpv")
        elsewhere = "" if hors is None else f" ({i18n.fmt_share(hors)} hors QPV)"
        lines.append(("Ménages pauvres", f"{i18n.fmt_share(poverty)} des ménages{elsewhere} — {method}"))
    for _, row in published_rows(data, territory, zone).iterrows():
        term = "Habitants publiés (INSEE)" if row["indicator"] == "population" else "Taux de pauvreté publié (INSEE)"
        lines.append((term, published_text(row)))
    return lines


def published_table(data: Data, territory: str) -> html.Table | None:
    """Every published QPV figure beside our estimate (the per-QPV table of the population layer)."""
    rows = published_rows(data, territory)
    if rows.empty:
        return None
    names = {}
    qpv = data.frame(territory, "qpv")
    if qpv is not None:
        names = dict(zip(qpv["code_qp"].fillna(qpv["code_qp_2015"]), qpv["name"], strict=True))
    body = []
    for _, r in rows.iterrows():
        share = r["indicator"] != "population"
        fmt = i18n.fmt_share if share else (lambda v: i18n.fmt_value(v, "habitants"))
        gap = "—" if pd.isna(r["gap_pct"]) else f"{i18n.fmt_number(r['gap_pct'], 1)} %"
        body.append(
            [
                f"{names.get(r['zone_id'], r['zone_id'])} ({r['zone_id']})",
                r["label"],
                f"{fmt(r['published'])} ({r['published_year']}, {r['geography']})",
                f"{fmt(r['estimate'])} ({r['estimate_label']})",
                gap,
            ]
        )
    header = ["QPV", "Chiffre publié", "Valeur publiée (année, contour)", "Estimation Cartopolis (méthode)", "Écart"]
    return html_table(header, body, "Chiffres publiés par l'INSEE et estimations", "indicators published")

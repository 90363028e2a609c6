"""A territory's zone profile: each QPV, hors QPV and the commune on flood, heat, vacancy,
poverty and cycle access — a chart, then the same numbers as a table."""

from __future__ import annotations

from dash import html

from ..charts.base import graph
from ..charts.base import label as chart_label
from ..charts.zones import profile_figure, profile_rows, zones_of
from ..data import Data
from .tables import html_table

CAPTION = "Les mêmes chiffres sont dans le tableau ci-dessous ; « inconnu » : couche absente ou valeur non calculable."


def profile_table(rows) -> html.Table:
    """Indicators (rows) × zones (columns), formatted as on the chart."""
    zones = list(dict.fromkeys(rows["zone_name"].astype(str)))
    body = []
    for title, part in rows.groupby("title", sort=False):
        values = dict(zip(part["zone_name"].astype(str), part["value"], strict=True))
        body.append([title, *[chart_label(values.get(z), "part") for z in zones]])
    return html_table(["Indicateur", *zones], body, "Profil des zones", "profile")


def zone_profile(data: Data, territory: str) -> list:
    """Chart and table of the territory's zone profile (nothing when its indicators are missing)."""
    indicators = data.table(territory, "indicators")
    zones = zones_of(indicators)
    if zones.empty:
        return []
    rows = profile_rows(indicators, zones)
    figure = profile_figure(rows)
    return [
        html.H3("Profil des zones", className="h6 mt-3"),
        graph("chart-profile", figure, f"profil-{territory}", CAPTION),
        profile_table(rows),
    ]

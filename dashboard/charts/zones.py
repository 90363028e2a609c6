"""A territory's zone profile (each QPV, hors QPV and the commune on flood, heat, vacancy,
poverty and cycle access) and the ranking of QPV across built territories by one indicator."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .base import ZONE_COLOURS, french_layout, is_unknown, label, plotted, ranked_bars, short, unknown_marks, value_axis

#: The indicators of the profile, in order: (layer, indicators tried in turn, French title). For
#: flood the widest scenario the source has is used (a missing scenario's share is unknown).
PROFILE = (
    ("flood", ("share_faible_ou_plus", "share_moyen_ou_fort", "share_fort"), "Surface inondable (tous scénarios)"),
    ("heat", ("share_chaud",), "Surface en zone chaude"),
    ("shops", ("vacancy_rate",), "Taux de vacance commerciale"),
    ("population", ("poverty_rate",), "Taux de pauvreté des ménages"),
    ("cycle", ("share_near_protected",), "Habitants à moins de 300 m d'un aménagement cyclable protégé"),
)
ZONE_ORDER = {"qpv": 0, "hors_qpv": 1, "commune": 2}


def _first_code(part: pd.DataFrame, codes: tuple[str, ...]) -> str:
    """The first of ``codes`` with a known value in ``part``, else the first present, else the first."""
    known = set(part.loc[part["value"].notna(), "indicator"])
    present = set(part["indicator"])
    return next((c for c in codes if c in known), next((c for c in codes if c in present), codes[0]))


def profile_rows(indicators: pd.DataFrame | None, zones: pd.DataFrame) -> pd.DataFrame:
    """One row per (profile indicator, zone): columns title, indicator, label (the indicator's
    own French label), zone_id, zone_name, zone_kind, value (None when unknown), unit.

    ``zones`` lists every zone of the territory (zone_id, zone_name, zone_kind). For each
    indicator of :data:`PROFILE` the first code present in ``indicators`` is used, else the
    first one, all unknown (its layer is missing).
    """
    table = indicators if indicators is not None else pd.DataFrame(columns=["layer", "indicator", "zone_id", "value"])
    rows = []
    for layer, codes, title in PROFILE:
        part = table[table["layer"] == layer]
        code = _first_code(part, codes)
        chosen = part[part["indicator"] == code].set_index("zone_id")
        own = chosen["label"].dropna().iloc[0] if "label" in chosen and chosen["label"].notna().any() else title
        if layer == "flood" and own != title:  # the scenario drawn depends on what the source has
            title = own[:1].upper() + own[1:]
        for zone in zones.itertuples():
            value = chosen["value"].get(zone.zone_id) if len(chosen) else None
            rows.append(
                {
                    "title": title,
                    "indicator": code,
                    "label": own,
                    "zone_id": zone.zone_id,
                    "zone_name": zone.zone_name,
                    "zone_kind": zone.zone_kind,
                    "value": None if is_unknown(value) else float(value),
                    "unit": "part",
                }
            )
    return pd.DataFrame(rows)


def zones_of(indicators: pd.DataFrame | None) -> pd.DataFrame:
    """The zones of a territory's indicators (QPV first, then hors QPV, then the commune)."""
    if indicators is None or indicators.empty:
        return pd.DataFrame(columns=["zone_id", "zone_name", "zone_kind"])
    zones = indicators[["zone_id", "zone_name", "zone_kind"]].drop_duplicates("zone_id")
    order = zones["zone_kind"].map(ZONE_ORDER).fillna(3)
    return zones.assign(_o=order).sort_values(["_o", "zone_name"]).drop(columns="_o").reset_index(drop=True)


def profile_figure(rows: pd.DataFrame) -> go.Figure:
    """Small multiples, one per indicator of the profile: a bar per zone, « inconnu » where unknown."""
    titles = list(dict.fromkeys(rows["title"]))
    figure = make_subplots(rows=len(titles), cols=1, subplot_titles=titles, vertical_spacing=0.32 / max(len(titles), 1))
    for i, title in enumerate(titles, start=1):
        part = rows[rows["title"] == title]
        names = short(part["zone_name"].astype(str).tolist())
        values = part["value"].tolist()
        xs = [plotted(v, "part") for v in values]
        figure.add_trace(
            go.Bar(
                x=xs,
                y=names,
                orientation="h",
                marker_color=[ZONE_COLOURS.get(k, "#555555") for k in part["zone_kind"]],
                text=[label(v, "part") for v in values],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y} : %{text}<extra></extra>",
            ),
            row=i,
            col=1,
        )
        suffix = "" if i == 1 else str(i)
        unknown_marks(figure, names, [not is_unknown(v) for v in values], xref=f"x{suffix}", yref=f"y{suffix}")
        figure.update_xaxes(ticksuffix="\u00a0%", row=i, col=1, **value_axis(xs))
    figure.update_yaxes(autorange="reversed")
    zones = rows["zone_id"].nunique()
    return french_layout(figure, height=len(titles) * (60 + 24 * zones) + 40)


def ranking_figure(rows: pd.DataFrame, title: str) -> go.Figure:
    """The QPV of every built territory ranked by one indicator: ``rows`` has columns name
    (« QPV (ville) »), value and unit; the largest first, the unknown ones last (« inconnu »)."""
    return ranked_bars(rows, ZONE_COLOURS["qpv"], title)

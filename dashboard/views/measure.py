"""One measure of a programme: its quote, its target, and its indicators on the territory (the
need, its share in QPV, the equity ratio, the per-QPV table), or why they are missing."""

from __future__ import annotations

import pandas as pd
from dash import html

from pipelines.measures import SCOPES, SELECTIONS

from .. import i18n
from ..components.badges import theme_badges
from ..components.tables import html_table, qpv_perimeters, url_links
from ..data import Data


def measure_quote(programme, measure) -> html.Figure:
    """The measure's words, quoted, with the programme's title and source."""
    return html.Figure(
        [
            html.Blockquote(f"« {measure.quote} »", className="quote"),
            html.Figcaption(f"{programme.title} — source : {programme.source}", className="small"),
        ],
        className="quote-figure",
    )


def target_text(target) -> str:
    """« vitrines vides dans toute la commune » for a target."""
    what = SELECTIONS.get(target.layer, {}).get(target.select, f"{target.layer} {target.select}")
    text = f"{what} {SCOPES.get(target.scope, target.scope)}"
    if target.buffer_m:
        text += f", à moins de {target.buffer_m:.0f} m"
    return text


def _measure_row(data: Data, territory: str, programme_id: str, measure_id: str) -> pd.Series | None:
    table = data.table(territory, "measures")
    if table is None or "measure_id" not in table:
        return None
    hit = table[(table["measure_id"] == measure_id) & (table.get("programme", programme_id) == programme_id)]
    return None if hit.empty else hit.iloc[0]


#: Columns of ``measures_qpv`` shown in the per-QPV table: (column, French header, kind).
PER_QPV_COLUMNS = (
    ("zone_name", "Quartier prioritaire", "text"),
    ("zone_id", "Code", "text"),
    ("need", "Besoin", "need"),
    ("share_of_commune", "Part du besoin communal", "share"),
    ("rate", "Taux", "rate"),
    ("residents", "Habitants concernés", "number"),
)


def _per_qpv(data: Data, territory: str, programme_id: str, measure_id: str) -> html.Table | None:
    table = data.table(territory, "measures_qpv")
    if table is None or "measure_id" not in table:
        return None
    part = table[table["measure_id"] == measure_id]
    if "programme" in part:
        part = part[part["programme"] == programme_id]
    if part.empty:
        return None
    columns = [c for c in PER_QPV_COLUMNS if c[0] in part]
    perimeters = qpv_perimeters(data, territory)
    rows = []
    for _, row in part.iterrows():
        cells = []
        for name, _, kind in columns:
            value = row[name]
            if kind == "text":
                cells.append(str(value))
            elif kind == "share":
                cells.append(i18n.fmt_share(value))
            elif kind == "need":
                cells.append(i18n.fmt_value(value, row.get("need_unit")))
            elif kind == "rate":
                cells.append(i18n.fmt_value(value, row.get("rate_unit")))
            else:
                cells.append(i18n.fmt_number(None if pd.isna(value) else round(float(value)), 0))
        cells.append(i18n.perimeter_label(perimeters.get(str(row.get("zone_id")))))
        rows.append(cells)
    header = [c[1] for c in columns] + ["Contour"]
    return html_table(header, rows, "Détail par quartier prioritaire", "per-qpv")


def measure_indicators(data: Data, territory: str, programme_id: str, measure) -> list:
    """The need, its share in QPV, the equity ratio and the per-QPV table, or why there are none."""
    out = []
    target = measure.target
    entry = data.layer_entry(territory, target.layer) or {}
    if not data.layer_ok(territory, target.layer):
        out.append(
            html.Div(
                [
                    html.Strong(f"Couche « {i18n.layer_label(target.layer)} » indisponible"),
                    f" pour ce territoire : {entry.get('reason', 'couche non construite')}",
                    html.Div(url_links(entry.get("urls") or []), className="urls"),
                ],
                className="alert alert-warning unavailable-reason",
            )
        )
    row = _measure_row(data, territory, programme_id, measure.id)
    if row is None:
        out.append(html.P("Indicateurs de la mesure non calculés pour ce territoire.", className="small"))
        return out
    status = str(row.get("status", "") or "")
    already_said = status == "unavailable" and not data.layer_ok(territory, target.layer)
    if status and status not in ("ok", "non_spatial") and not already_said:
        reason = row.get("reason")
        out.append(
            html.P(
                [
                    html.Strong(i18n.MEASURE_STATUS.get(status, status)),
                    f" : {reason}" if isinstance(reason, str) else "",
                ],
                className="small measure-status",
            )
        )
    text = lambda key: row.get(key) if isinstance(row.get(key), str) else None  # noqa: E731
    need = row.get("need")
    facts = []
    if need is not None and not pd.isna(need):
        label = text("need_label")
        facts.append(("Besoin", f"{i18n.fmt_value(need, text('need_unit'))}" + (f" — {label}" if label else "")))
        if "need_in_qpv" in row and not pd.isna(row.get("need_in_qpv")):
            facts.append(("Dont en QPV", i18n.fmt_value(row["need_in_qpv"], text("need_unit"))))
        facts.append(("Part du besoin en QPV", i18n.fmt_share(row.get("share_in_qpv"))))
        for key, term in (("rate_qpv", "Taux en QPV"), ("rate_hors_qpv", "Taux hors QPV")):
            if key in row and not pd.isna(row.get(key)):
                facts.append((term, i18n.fmt_value(row[key], text("rate_unit"))))
        ratio = row.get("equity_ratio")
        missing = ratio is None or pd.isna(ratio)
        facts.append(
            (
                "Ratio d'équité (taux QPV ÷ hors QPV)",
                (text("reason") or "non calculable") if missing else i18n.fmt_number(ratio, 2),
            )
        )
    if facts:
        out.append(
            html.Dl(
                [item for term, value in facts for item in (html.Dt(term), html.Dd(value, className="figure"))],
                className="facts measure-facts",
            )
        )
    per_qpv = _per_qpv(data, territory, programme_id, measure.id)
    if per_qpv is not None:
        out.append(per_qpv)
    return out


def measure_detail(data: Data, territory: str | None, programme_id: str | None, measure_id: str | None) -> list:
    programme = data.programme(programme_id)
    if programme is None or not measure_id:
        return [html.P("Choisissez une mesure pour lire son texte et ses indicateurs.", className="small")]
    measure = next((m for m in programme.measures if m.id == measure_id), None)
    if measure is None:
        return [html.P("Mesure introuvable.", className="small")]
    out = [html.H3(measure.title, className="h5"), html.Div(theme_badges(measure)), measure_quote(programme, measure)]
    if measure.target is None:
        out.append(html.P(["Non spatialisée : ", measure.non_spatial_reason or "sans lieu désigné"]))
        return out
    out.append(html.P([html.Strong("Cible : "), target_text(measure.target)]))
    if measure.figures:
        figures = ", ".join(f"{k} : {i18n.fmt_number(v)}" for k, v in measure.figures.items())
        out.append(html.P(f"Chiffres du programme : {figures}", className="small"))
    if territory in (None, i18n.NATIONAL):
        out.append(html.P("Choisissez un territoire pour voir les indicateurs.", className="small"))
        return out
    return out + measure_indicators(data, territory, programme.id, measure)

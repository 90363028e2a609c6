"""Provenance badges: « réel » / « fictif », producer, vintage, licence and notes of each layer."""

from __future__ import annotations

from dash import html

from pipelines.measures import THEMES

from .. import i18n
from ..data import Data
from ..maps import TOGGLE_LAYERS


def layer_entry(data: Data, territory: str, layer: str) -> dict:
    """The layer's manifest entry, or an « unavailable, never built » one when the store has none."""
    return data.layer_entry(territory, layer) or {"status": "unavailable", "reason": "couche jamais construite"}


def provenance_badge(entry: dict) -> html.Span:
    """« réel » or « fictif » (the latter in a loud style)."""
    kind = (entry.get("provenance") or {}).get("kind", "real")
    label = i18n.PROVENANCE.get(kind, kind)
    return html.Span(label, className="badge badge-fictif" if kind == "fictional" else "badge badge-real")


def badges(data: Data, territory: str, layers: list[str]) -> list:
    """Provenance of each drawn layer: source, vintage, licence, real or fictional."""
    info = data.manifest(territory).get("territory") or {}
    out = []
    if info.get("fictional"):
        out.append(
            html.Div(
                [html.Span("fictif", className="badge badge-fictif"), " Territoire fictif : données inventées."],
                className="fictif-banner",
                role="note",
            )
        )
    for layer in ("commune", *[x for x in TOGGLE_LAYERS if x in layers]):
        if not data.layer_ok(territory, layer):
            continue
        out.append(source_badge(layer_entry(data, territory, layer), layer))
    return out


def source_badge(entry: dict, layer: str) -> html.Details:
    """One line per layer (provenance, name, first publisher); « détails » opens the full text and notes."""
    prov = entry.get("provenance") or {}
    publishers = [str(v) for v in prov.get("publishers") or []]
    short = publishers[0] if publishers else ""
    if len(publishers) > 1:
        short += f" +{len(publishers) - 1}"
    full = [
        html.Div(f"{title} : {', '.join(str(v) for v in prov.get(key) or []) or '—'}")
        for key, title in (("publishers", "Producteur"), ("vintages", "Millésime"), ("licences", "Licence"))
    ]
    notes = layer_note_list(entry)
    return html.Details(
        [
            html.Summary(
                [
                    provenance_badge(entry),
                    html.Strong(i18n.layer_label(layer)),
                    html.Span(f" — {short}" if short else "", className="badge-short"),
                    html.Span("détails", className="badge-more"),
                ]
            ),
            html.Div([*full, *([notes] if notes else [])], className="badge-body"),
        ],
        className="source-badge",
    )


def layer_note_list(entry: dict) -> html.Ul | None:
    """The layer's manifest notes (French sentences), or None when it has none."""
    notes = [str(n) for n in entry.get("notes") or [] if str(n).strip()]
    return html.Ul([html.Li(n) for n in notes], className="layer-notes-list") if notes else None


def theme_badges(measure) -> list:
    """One badge per theme of a measure (French theme names)."""
    return [html.Span(THEMES.get(t, t), className="badge badge-theme") for t in measure.themes]

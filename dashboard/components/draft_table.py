"""The review table of the import screen: one row per draft measure, its fields as controls
(pattern-matching ids ``{"type": "imp-<field>", "index": <measure id>}``), its indicators cell
and its actions; and the text of a draft's indicators."""

from __future__ import annotations

import math

from dash import dcc, html

from pipelines.measures import SCOPES, SELECTIONS, THEMES

from .. import i18n

#: Draft measures shown per page of the review table.
PAGE_SIZE = 10
NO_LAYER = ""
FIELDS = ("title", "section", "themes", "layer", "select", "scope")
_THEME_OPTIONS = [{"label": label, "value": key} for key, label in THEMES.items()]
_LAYER_OPTIONS = [{"label": "Sans lieu (non spatialisée)", "value": NO_LAYER}] + [
    {"label": i18n.layer_label(layer), "value": layer} for layer in SELECTIONS
]
_SCOPE_OPTIONS = [{"label": label, "value": key} for key, label in SCOPES.items()]
_LABELS = i18n.DROPDOWN_LABELS
_THEME_LABELS = {**_LABELS, "selected_count": "{num_selected} thèmes"}


def control_id(kind: str, measure_id: str) -> dict:
    return {"type": f"imp-{kind}", "index": measure_id}


def select_options(layer: str | None) -> list[dict]:
    """Choices of the selection dropdown for a target layer (none without a layer)."""
    return [{"label": label, "value": key} for key, label in SELECTIONS.get(layer or "", {}).items()]


def _known(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def facts(row: dict | None) -> list:
    """The need, its share in QPV and the equity ratio of a draft (or why they are missing)."""
    if row is None:
        return [html.Span("non spatialisée", className="small")]
    if row.get("status") != "ok" and not _known(row.get("need")):
        status = i18n.MEASURE_STATUS.get(row.get("status"), row.get("status"))
        return [html.Span(f"{status} : {row.get('reason') or ''}", className="small import-why")]
    unit = row.get("need_unit") if isinstance(row.get("need_unit"), str) else None
    ratio = row.get("equity_ratio")
    ratio_text = i18n.fmt_number(ratio, 2) if _known(ratio) else (_text(row.get("reason")) or "non calculable")
    return [
        html.Div(["Besoin : ", html.Strong(i18n.fmt_value(row.get("need"), unit))], className="import-need"),
        html.Div(["Part en QPV : ", html.Strong(i18n.fmt_share(row.get("share_in_qpv")))]),
        html.Div(["Ratio d'équité : ", html.Strong(ratio_text)]),
    ]


def labelled(text: str, control) -> html.Label:
    return html.Label([html.Span(text, className="import-label"), control], className="import-field")


def _quote(measure: dict) -> html.Details:
    quote = measure.get("quote", "")
    head = quote if len(quote) <= 90 else quote[:88].rstrip() + "…"
    notes = []
    if measure.get("citation_discontinue"):
        notes.append(html.P("Citation discontinue ([…]) : à reprendre pour check-programmes.", className="small"))
    if measure.get("same_as"):
        notes.append(html.P(f"Reprise de la mesure « {measure['same_as']} ».", className="small"))
    return html.Details([html.Summary(head), html.Blockquote(f"« {quote} »", className="quote"), *notes])


def draft_row(measure: dict) -> html.Tr:
    """One draft measure: its fields as controls, its indicators cell, its actions."""
    mid = measure["id"]
    target = measure.get("target") or {}
    layer = target.get("layer", NO_LAYER)
    text_input = lambda kind, value, hint: dcc.Input(  # noqa: E731
        id=control_id(kind, mid), value=value, type="text", debounce=True, placeholder=hint, className="import-input"
    )
    dropdown = lambda kind, options, value, **kw: dcc.Dropdown(  # noqa: E731
        id=control_id(kind, mid), options=options, value=value, **{"clearable": False, "labels": _LABELS, **kw}
    )
    themes = dropdown("themes", _THEME_OPTIONS, measure.get("themes", []), multi=True, labels=_THEME_LABELS)
    return html.Tr(
        [
            html.Td(
                [
                    html.Div(f"Ligne {measure.get('ligne') or '?'} du texte", className="import-line"),
                    labelled("Titre", text_input("title", measure.get("title", ""), "Titre de la mesure")),
                    labelled("Section", text_input("section", measure.get("section", ""), "Section du texte")),
                    _quote(measure),
                ]
            ),
            html.Td(
                [
                    labelled("Thèmes", themes),
                    labelled("Couche", dropdown("layer", _LAYER_OPTIONS, layer)),
                    labelled("Sélection", dropdown("select", select_options(layer), target.get("select"))),
                    labelled("Périmètre", dropdown("scope", _SCOPE_OPTIONS, target.get("scope"), disabled=not layer)),
                ]
            ),
            html.Td("…", id=control_id("facts", mid), className="import-facts", **{"aria-live": "polite"}),
            html.Td(
                [
                    dcc.Checklist(
                        id=control_id("merge", mid), options=[{"label": " à fusionner", "value": mid}], value=[]
                    ),
                    html.Button(
                        "Supprimer",
                        id=control_id("delete", mid),
                        n_clicks=0,
                        className="btn import-delete",
                        **{"aria-label": f"Supprimer la mesure de la ligne {measure.get('ligne') or '?'}"},
                    ),
                ]
            ),
        ],
        className="import-row",
        **{"data-measure": mid},
    )


def review_table(programme: dict | None, page: int) -> list:
    """The page ``page`` of the review table, with its pager text."""
    measures = (programme or {}).get("measures", [])
    if not measures:
        return []
    pages = max(1, -(-len(measures) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = measures[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    first, last = page * PAGE_SIZE + 1, page * PAGE_SIZE + len(shown)
    header = ["Mesure (titre, section, citation)", "Thèmes et cible", "Indicateurs sur le territoire", "Actions"]
    return [
        html.P(f"Mesures {first} à {last} sur {len(measures)} (page {page + 1} / {pages})", className="small"),
        html.Table(
            [
                html.Caption("Brouillon à relire : chaque ligne est une mesure proposée par l'importeur"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
                html.Tbody([draft_row(m) for m in shown]),
            ],
            className="table import-table",
        ),
    ]

"""The « Importer un programme » view: choose the territory, drop a programme file, review its
draft measures in a table (title, quote, themes, target, section; delete, merge, change a
target), see the targeted ones on the map with their indicators, download the reviewed YAML.

The file goes from the browser to ``POST /api/import`` (:mod:`dashboard.import_route`) through
the static script ``assets/import.js``, which puts the JSON answer in the ``import-result`` store;
nothing is written on the server. The draft under review lives in the ``import-draft`` store
(the programme dict of :mod:`dashboard.components.drafts`). Indicators are computed in memory
from the store's layers by :func:`pipelines.evaluate.evaluate_measures`, once per distinct target.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import dash
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update

from pipelines.errors import CartopolisError
from pipelines.evaluate import evaluate_measures
from pipelines.indicators import make_zones
from pipelines.measures import Measure, Programme
from pipelines.schemas import LAYERS

from .. import i18n
from ..components import drafts
from ..components.draft_table import FIELDS, PAGE_SIZE, facts, labelled, review_table, select_options
from ..components.draft_table import control_id as _id
from ..data import Data
from ..import_route import target_url
from ..security import DEFAULT_BODY_LIMIT
from .map_layers import target_geojson

if TYPE_CHECKING:
    from ..state import ViewState


#: Largest draft (JSON bytes) the table reviews: every review callback carries it, and a
#: callback body is capped (:data:`dashboard.security.DEFAULT_BODY_LIMIT`); 251 drafts weigh 0.28 MB.
REVIEW_MAX_BYTES = int(DEFAULT_BODY_LIMIT * 0.8)


# -- indicators, in memory ------------------------------------------------------------------------
def _target_key(measure: Measure) -> tuple:
    t = measure.target
    return (t.layer, t.select, t.scope, t.buffer_m)


def target_result(data: Data, territory: str, measure: Measure) -> dict:
    """The ``measures.parquet`` row of a draft's target on ``territory``, computed in memory.

    One :func:`evaluate_measures` call per distinct target (memoised until the territory's files
    change): drafts with the same target share the numbers.
    """

    def build() -> dict:
        manifest = data.manifest(territory)
        layers = {layer: data.frame(territory, layer) for layer in LAYERS if data.layer_ok(territory, layer)}
        if "commune" not in layers:
            return {"status": "unavailable", "reason": "couche commune indisponible : pas de zones"}
        zones = data.memo(("import-zones",), territory, lambda: make_zones(layers["commune"], layers.get("qpv")))
        probe = Programme(id="brouillon", title="", kind="programme_electoral", source="", measures=(measure,))
        rows, _ = evaluate_measures(territory, zones, layers, manifest, [probe])
        return rows.iloc[0].to_dict()

    return data.memo(("import-target", *_target_key(measure)), territory, build)


def results(data: Data, territory: str | None, programme: dict | None) -> dict[str, dict | None]:
    """Measure id → its indicators row (None for a measure without a target)."""
    if not programme or not territory or territory == i18n.NATIONAL:
        return {}
    try:
        model = drafts.draft_programme(programme, territory)
    except CartopolisError:
        return {}
    return {m.id: target_result(data, territory, m) if m.target else None for m in model.measures}


def map_targets(data: Data, territory: str | None, programme: dict | None) -> list:
    """One layer per distinct target of the drafts whose layer is available (the target pane)."""
    if not programme or not territory or territory == i18n.NATIONAL:
        return []
    seen: dict[str, str] = {}
    for measure in programme.get("measures", []):
        target = measure.get("target")
        if target and data.layer_ok(territory, target["layer"]):
            seen.setdefault(target_url(data, territory, target), target["layer"])
    # class ``import-target`` (shown on this tab only, see assets/import.css) and one per layer
    classes = {url: f"import-target import-{layer}" for url, layer in seen.items()}
    return [target_geojson(url, f"gj-import-{n}", classes[url]) for n, url in enumerate(seen)]


def panel(view: ViewState, options: list[dict]) -> list:
    """The panel's children; ``options`` are the header's territory options (the national
    overview is left out: a programme belongs to a town, the fictional demo town included)."""
    territory = None if view.territory == i18n.NATIONAL else view.territory
    return [
        html.H2("Importer un programme", className="h5"),
        html.P(
            "Déposez le programme d'une liste (texte .txt ou .md, PDF texte, page HTML, Word .docx ; 5 Mo au "
            "plus). Il est lu en mémoire puis oublié : rien n'est enregistré sur le serveur. Chaque mesure "
            "proposée est à relire avant de télécharger le programme en YAML.",
            className="small",
        ),
        labelled(
            "Territoire du programme",
            dcc.Dropdown(
                id="import-territory",
                options=[o for o in options if o["value"] != i18n.NATIONAL],
                value=territory,
                clearable=False,
                placeholder="Choisir un territoire",
                labels=i18n.DROPDOWN_LABELS,
            ),
        ),
        dcc.Upload(
            html.Div(["Déposez le fichier ici, ou ", html.Span("choisissez-le", className="import-pick")]),
            id="import-upload",
            accept=".txt,.md,.markdown,.pdf,.html,.htm,.docx",
            multiple=False,
            className="import-drop",
            className_active="import-drop is-active",
        ),
        html.Div(id="import-status", role="status", className="small import-status"),
        html.Div(id="import-error", role="alert", className="alert alert-warning", hidden=True),
        dcc.Store(id="import-result"),
        dcc.Store(id="import-draft"),
        dcc.Store(id="import-page", data=0),
        dcc.Download(id="import-yaml"),
        html.Div(
            [
                labelled("Titre du programme", dcc.Input(id="import-title", type="text", debounce=True)),
                html.Div(id="import-summary", className="small", **{"aria-live": "polite"}),
                html.Div(
                    [
                        html.Button("Fusionner les mesures cochées", id="import-merge", n_clicks=0, className="btn"),
                        html.Button("← Précédentes", id="import-prev", n_clicks=0, className="btn"),
                        html.Button("Suivantes →", id="import-next", n_clicks=0, className="btn"),
                        html.Button("Télécharger le YAML", id="import-download", n_clicks=0, className="btn"),
                    ],
                    className="import-actions",
                ),
                html.Div(id="import-rows"),
            ],
            id="import-review",
            hidden=True,
        ),
    ]


# -- callbacks --------------------------------------------------------------------------------------
def loaded(result: dict) -> tuple[dict | None, str | None, str]:
    """(draft programme, French refusal, status line) of what ``assets/import.js`` received."""
    status, body = result.get("status"), result.get("body") or {}
    if status == 200 and (body.get("programme") or {}).get("measures"):
        programme = body["programme"]
        count = i18n.plural(len(programme["measures"]), "mesure proposée", "mesures proposées")
        size = len(json.dumps(programme, ensure_ascii=False).encode())
        if size > REVIEW_MAX_BYTES:
            weight, limit = i18n.fmt_number(size / 1e6, 1), i18n.fmt_number(REVIEW_MAX_BYTES / 1e6, 1)
            too_big = (
                f"{result.get('file')} : {count}, trop pour la relecture à l'écran ({weight} Mo de brouillon ; "
                f"{limit} Mo au plus). Découpez le fichier, ou utilisez la commande import-programme."
            )
            return None, too_big, ""
        seconds = i18n.fmt_number((result.get("ms") or 0) / 1000, 1)
        return programme, None, f"{result.get('file')} : {count} en {seconds} s. Relisez-les ci-dessous."
    message = body.get("error") or f"Envoi refusé par le serveur ({status})."
    name = result.get("file")
    return None, (message if not name or name in message else f"{name} — {message}"), ""


def _same(a: object, b: object) -> bool:
    return (a or None) == (b or None)


def apply_edits(programme: dict, rows: dict[str, dict], title: str | None = None) -> dict | None:
    """The programme with the values of the table's controls (``rows``: measure id → field →
    value, fields of :data:`FIELDS`) and the programme's ``title``; None when nothing changed."""
    out, changed = programme, False
    if title is not None and title.strip() and title.strip() != programme.get("title"):
        out, changed = {**out, "title": title.strip()}, True
    by_id = {m["id"]: m for m in programme.get("measures", [])}
    for mid, values in rows.items():
        measure = by_id.get(mid)
        if measure is None:
            continue
        fields = {key: values.get(key) for key in ("title", "themes", "section")}
        if any(not _same(fields[k], measure.get(k)) for k in fields):
            out, changed = drafts.edit_draft(out, mid, **{k: v or "" for k, v in fields.items()}), True
        target = measure.get("target") or {}
        wanted = (values.get("layer") or None, values.get("select"), values.get("scope"))
        if wanted[0] is None and not target:
            continue
        if wanted != (target.get("layer"), target.get("select"), target.get("scope")):
            out, changed = drafts.set_target(out, mid, *wanted), True
    return out if changed else None


def summary(programme: dict, data: Data, territory: str | None) -> str:
    """« 43 mesures proposées : 4 localisées (3 cibles sur la carte), 39 sans lieu. »"""
    if not territory or territory == i18n.NATIONAL:
        return "Choisissez un territoire pour voir les cibles sur la carte et leurs indicateurs."
    measures = programme.get("measures", [])
    placed = [m["target"] for m in measures if m.get("target")]
    drawn = {json.dumps(t, sort_keys=True) for t in placed if data.layer_ok(territory, t["layer"])}
    missing = sorted({i18n.layer_label(t["layer"]) for t in placed if not data.layer_ok(territory, t["layer"])})
    text = (
        f"{i18n.plural(len(measures), 'mesure proposée', 'mesures proposées')} : "
        f"{i18n.plural(len(placed), 'localisée', 'localisées')} ({i18n.plural(len(drawn), 'cible')} sur la "
        f"carte), {len(measures) - len(placed)} sans lieu."
    )
    return text + (f" Couches indisponibles sur ce territoire : {', '.join(missing)}." if missing else "")


def _pages(programme: dict) -> int:
    return max(1, -(-len(programme.get("measures", [])) // PAGE_SIZE))


def _rows(columns: list[list[dict]]) -> dict[str, dict]:
    """Measure id → field → value, from the pattern-matching entries of the :data:`FIELDS` controls."""
    values = [{entry["id"]["index"]: entry.get("value") for entry in entries} for entries in columns]
    return {mid: {field: column.get(mid) for field, column in zip(FIELDS, values, strict=True)} for mid in values[0]}


def register(app: dash.Dash, data: Data) -> None:
    """Attach the view's callbacks: upload (a static client-side function), territory, review
    (load, delete, merge, pages), edits, target choices, indicators and map, download."""
    app.clientside_callback(
        ClientsideFunction(namespace="cartopolisImport", function_name="upload"),
        Output("import-status", "children"),
        Input("import-upload", "contents"),
        State("import-upload", "filename"),
        State("import-territory", "value"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("territory", "value", allow_duplicate=True),
        Output("import-territory", "value"),
        Input("territory", "value"),
        Input("import-territory", "value"),
        prevent_initial_call=True,
    )
    def same_territory(header, chosen):
        # one territory for the page: the header's picker and this view's follow each other
        if ctx.triggered_id == "import-territory":
            return (chosen if chosen and chosen != header else no_update), no_update
        wanted = None if header == i18n.NATIONAL else header
        return no_update, (wanted if wanted != chosen else no_update)

    @app.callback(
        Output("import-draft", "data", allow_duplicate=True),
        Output("import-page", "data"),
        Output("import-rows", "children"),
        Output("import-review", "hidden"),
        Output("import-error", "children"),
        Output("import-error", "hidden"),
        Output("import-status", "children", allow_duplicate=True),
        Output("import-title", "value"),
        Output("import-prev", "disabled"),
        Output("import-next", "disabled"),
        Output("import-result", "data"),  # emptied once read: the next calls need not carry it
        Input("import-result", "data"),
        Input(_id("delete", ALL), "n_clicks"),
        Input("import-merge", "n_clicks"),
        Input("import-prev", "n_clicks"),
        Input("import-next", "n_clicks"),
        State("import-draft", "data"),
        State(_id("merge", ALL), "value"),
        State("import-page", "data"),
        *[State(_id(field, ALL), "value") for field in FIELDS],
        prevent_initial_call=True,
    )
    def review(result, _deletes, _merge, _prev, _next, programme, ticked, page, *_fields):
        trigger = ctx.triggered_id
        clicked = any(item.get("value") for item in ctx.triggered)
        keep = no_update
        if trigger == "import-result":
            if not result:
                raise dash.exceptions.PreventUpdate
            programme, error, status = loaded(result)
            if programme is None:
                return None, 0, [], True, error, False, "", "", True, True, None
            last = _pages(programme) - 1
            shown = review_table(programme, 0)
            return programme, 0, shown, False, "", True, status, programme.get("title"), True, last == 0, None
        if not clicked or not programme:
            raise dash.exceptions.PreventUpdate  # rows just drawn, not a click
        page = page or 0
        error, error_hidden = "", True
        # what the controls show wins over a store an edit may not have reached yet
        programme = apply_edits(programme, _rows(ctx.states_list[3:])) or programme
        if isinstance(trigger, dict):
            programme = drafts.delete_draft(programme, trigger["index"])
        elif trigger == "import-merge":
            chosen = [mid for values in ticked for mid in values or []]
            if len(chosen) < 2:
                error, error_hidden = "Cochez au moins deux mesures à fusionner.", False
            else:
                programme = drafts.merge_drafts(programme, chosen)
        else:
            page += 1 if trigger == "import-next" else -1
        last = _pages(programme) - 1
        page = min(max(page, 0), last)
        shown = review_table(programme, page)
        return programme, page, shown, False, error, error_hidden, keep, keep, page == 0, page == last, keep

    @app.callback(
        Output("import-draft", "data", allow_duplicate=True),
        *[Input(_id(field, ALL), "value") for field in FIELDS],
        Input("import-title", "value"),
        State("import-draft", "data"),
        prevent_initial_call=True,
    )
    def edit(*args):
        title, programme = args[-2], args[-1]
        if not programme:
            raise dash.exceptions.PreventUpdate
        changed = apply_edits(programme, _rows(ctx.inputs_list[: len(FIELDS)]), title)
        if changed is None:
            raise dash.exceptions.PreventUpdate
        return changed

    @app.callback(
        Output(_id("select", MATCH), "options"),
        Output(_id("select", MATCH), "value"),
        Output(_id("scope", MATCH), "disabled"),
        Output(_id("scope", MATCH), "value"),
        Input(_id("layer", MATCH), "value"),
        State(_id("select", MATCH), "value"),
        State(_id("scope", MATCH), "value"),
        prevent_initial_call=True,
    )
    def layer_chosen(layer, select, scope):
        options = select_options(layer)
        values = [o["value"] for o in options]
        select = select if select in values else (values[0] if values else None)
        return options, select, not layer, (scope or "commune") if layer else None

    @app.callback(
        Output(_id("facts", ALL), "children"),
        Output("import-summary", "children"),
        Output("map-import", "children"),
        Input("import-draft", "data"),
        Input("import-territory", "value"),
        prevent_initial_call=True,
    )
    def show_results(programme, territory):
        ids = [item["id"]["index"] for item in ctx.outputs_list[0]]
        if not programme:
            return ["…" for _ in ids], "", []
        found = results(data, territory, programme)
        cells = [facts(found.get(mid)) if found else "…" for mid in ids]
        return cells, summary(programme, data, territory), map_targets(data, territory, programme)

    @app.callback(
        Output("import-yaml", "data"),
        Input("import-download", "n_clicks"),
        State("import-draft", "data"),
        State("import-territory", "value"),
        prevent_initial_call=True,
    )
    def download(clicks, programme, territory):
        if not clicks or not programme:
            raise dash.exceptions.PreventUpdate
        text = drafts.reviewed_yaml(programme, territory)
        return dcc.send_string(text, f"{programme.get('id') or 'programme'}.yaml", type="application/yaml")

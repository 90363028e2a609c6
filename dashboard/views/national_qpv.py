"""Every QPV of France on the national overview: the map layer, the search, the QPV's sheet and
the ranking of the built territories' QPV by indicator.

Reads the store's national QPV table (``_national/qpv.parquet``, written by a national build:
:mod:`pipelines.national_qpv`). The map gets the contours simplified for the national zoom
(:data:`SIMPLIFY_DEG`, 5 decimals) from ``/carto/_national/qpv.geojson``, coloured by 2024 status.
An indicator that is not known for a QPV (its layer unavailable) reads « inconnu », never zero.
"""

from __future__ import annotations

import dash
import dash_leaflet as dl
import flask
import geopandas as gpd
import pandas as pd
import shapely
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from unidecode import unidecode

from pipelines.errors import CartopolisError
from pipelines.national_qpv import FOLDER, TABLE

from ..components.ranking import RANKING_ROWS  # the same length as the chart's ranking
from ..components.tables import html_table
from ..data import Data
from ..maps import feature_collection, pane_name, round_coordinates

#: 2024 status → (French label, colour).
STATUS = {
    "unchanged": ("inchangé en 2024", "#1b7837"),
    "modified": ("périmètre modifié en 2024", "#e08214"),
    "new": ("nouveau en 2024", "#762a83"),
    "left": ("sorti de la géographie prioritaire en 2024", "#878787"),
    "undocumented": ("code 2024 en « C » (Mayotte), statut non documenté", "#2166ac"),
}
STYLES = {
    f"qpv_{key}": {"color": colour, "weight": 3, "fillColor": colour, "fillOpacity": 0.5}
    for key, (_, colour) in STATUS.items()
}
#: Indicators of the ranking: column → (French label, unit kind).
RANKED = {
    "flood_share_fort": ("Part en zone inondable (scénario fort)", "share"),
    "heat_share_chaud": ("Part en zone chaude (LCZ)", "share"),
    "vacancy_rate": ("Taux de vacance commerciale", "share"),
    "poverty_rate": ("Taux de pauvreté des ménages", "share"),
    "cycle_share_near_protected": ("Part des habitants près d'un aménagement cyclable protégé", "share"),
    "residents": ("Habitants (estimation)", "count"),
}
UNKNOWN = "inconnu"
#: Simplification for the national map (degrees, about 100 m) and coordinate decimals.
SIMPLIFY_DEG, DECIMALS = 0.001, 4
SEARCH_LIMIT = 12


# -- the table -------------------------------------------------------------------------------
def qpv_table(data: Data) -> gpd.GeoDataFrame | None:
    """The national QPV table (EPSG:4326), read once per version of the store's table; None when not built."""
    try:
        return data.national_memo(("qpv-table",), TABLE, lambda: _searchable(data.store.read_geotable(FOLDER, TABLE)))
    except CartopolisError:  # removed between the version check and the read
        return None


def _searchable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The table with its ``key`` (2024 code, else 2015) and the folded text the search looks in."""
    frame["key"] = frame["code_qp"].fillna(frame["code_qp_2015"])
    frame["_search"] = (frame["name"] + " " + frame["key"] + " " + frame["code_qp_2015"].fillna("") + " "
                        + frame["commune_names"] + " " + frame["communes"]).map(_fold)  # fmt: skip
    return frame


def _fold(text: str) -> str:
    return " ".join(unidecode(str(text)).lower().replace("-", " ").replace("'", " ").split())


def qpv_geojson(frame: gpd.GeoDataFrame) -> str:
    """Every QPV contour simplified for the national zoom, ``_k`` its status, ``_t`` its tooltip, ``key``."""
    drawn = frame[frame.geometry.notna()]
    geoms = shapely.simplify(drawn.geometry.values, SIMPLIFY_DEG, preserve_topology=True)
    shapes = drawn.set_geometry(round_coordinates(geoms, DECIMALS))
    properties = pd.DataFrame(
        {
            "_k": "qpv_" + drawn["status"],
            "_t": drawn["name"] + " (" + drawn["key"] + ") — " + drawn["status"].map(lambda s: STATUS[s][0]),
            "key": drawn["key"],
        }
    )
    return feature_collection(shapes, properties)


def search(frame: gpd.GeoDataFrame, text: str, limit: int = SEARCH_LIMIT) -> pd.DataFrame:
    """QPV whose name, code or commune contains every word of ``text`` (accent- and case-insensitive)."""
    words = _fold(text).split()
    if not words:
        return frame.iloc[0:0]
    hits = frame
    for word in words:
        hits = hits[hits["_search"].str.contains(word, regex=False)]
    name = hits["name"].map(_fold)
    rank = pd.DataFrame(
        {
            "in_name": ~name.map(lambda n: all(w in n for w in words)),  # the QPV's own name first
            "starts": ~name.str.startswith(words[0]),
            "unbuilt": hits["territory"].isna(),
            "name": name,
        },
        index=hits.index,
    )
    return hits.loc[rank.sort_values(list(rank.columns)).index].head(limit)


def fmt_value(value, kind: str) -> str:
    """« 12,5 % », « 8 319 », or « inconnu » for a missing value (never zero)."""
    if value is None or pd.isna(value):
        return UNKNOWN
    if kind == "share":
        return f"{100 * float(value):.1f} %".replace(".", ",")
    return f"{float(value):,.0f}".replace(",", " ")


# -- components ------------------------------------------------------------------------------
def qpv_layer() -> dl.GeoJSON:
    """The map layer of every QPV of France (fetched from the national route)."""
    return dl.GeoJSON(
        id="gj-qpv-national",
        url="/carto/_national/qpv.geojson",
        pane=pane_name("qpv"),
        style={"variable": "cartopolis.style"},
        onEachFeature={"variable": "cartopolis.tooltip"},
        hideout={"styles": STYLES},
    )


def legend() -> list:
    """Legend items of the QPV layer, one per 2024 status."""
    return [
        html.Li([html.Span(className="swatch", style={"background": colour}), f"QPV {label}"])
        for label, colour in STATUS.values()
    ]


def section(data: Data) -> list:
    """Search, sheet and ranking under the national map (or a notice when no national build ran)."""
    frame = qpv_table(data)
    if frame is None:
        return [
            html.P(
                "Table nationale des QPV absente : lancez « python -m pipelines build --all-qpv ».",
                className="small",
                id="qpv-national-missing",
            )
        ]
    counts = frame["status"].value_counts()
    words = {"unchanged": "inchangés", "modified": "modifiés", "new": "nouveaux", "left": "sortis"}
    summary = ", ".join(f"{counts.get(k, 0)} {w}" for k, w in words.items()) + " en 2024"
    if counts.get("undocumented"):
        summary += f", {counts['undocumented']} au statut non documenté (codes en « C » de Mayotte)"
    options = [{"label": label, "value": column} for column, (label, _) in RANKED.items()]
    return [
        html.H2("Tous les QPV de France", className="h5"),
        html.P(f"{len(frame)} quartiers prioritaires : {summary}.", className="small", id="qpv-national-count"),
        html.Label("Rechercher un QPV (nom, code ou commune)", htmlFor="qpv-search", className="form-label"),
        dcc.Input(id="qpv-search", type="search", debounce=True, placeholder="ex. Villeneuve, QN03807M, Montpellier"),
        html.Div(id="qpv-results", role="list", className="qpv-results"),
        html.Div(id="qpv-sheet", role="region", **{"aria-label": "Fiche du QPV", "aria-live": "polite"}),
        html.H2("Classement des QPV des territoires construits", className="h5"),
        html.Label("Indicateur", htmlFor="qpv-rank-by", className="form-label"),
        dcc.Dropdown(id="qpv-rank-by", options=options, value="flood_share_fort", clearable=False),
        html.Div(ranking(frame, "flood_share_fort"), id="qpv-ranking"),
    ]


def results(hits: pd.DataFrame) -> list:
    """One button per QPV found (Enter opens its sheet)."""
    if hits.empty:
        return [html.P("Aucun QPV trouvé.", className="small")]
    return [
        html.Button(
            f"{r.name} — {r.key} — {r.commune_names}",
            id={"type": "qpv-hit", "key": r.key},
            className="btn btn-link qpv-hit",
            role="listitem",
            n_clicks=0,
        )
        for r in hits.itertuples()
    ]


def sheet(row: pd.Series) -> html.Div:
    """The QPV's sheet: codes, name, communes, area, 2024 status, its territory or the command that builds it."""
    area = "inconnue (pas de contour)" if pd.isna(row["area_ha"]) else f"{row['area_ha']:.1f} ha".replace(".", ",")
    fields = [
        ("Code 2024", row["code_qp"] or "aucun (sorti en 2024)"),
        ("Code 2015", row["code_qp_2015"] or "aucun (nouveau en 2024)"),
        ("Communes", f"{row['commune_names']} ({row['communes']})"),
        ("Statut 2024", STATUS[row["status"]][0]),
        ("Contour", row["perimeter"]),
        ("Surface", area),
    ]
    fields += [(label, fmt_value(row[column], kind)) for column, (label, kind) in RANKED.items()]
    if isinstance(row["territory"], str):
        where = html.A(
            f"Ouvrir le territoire « {row['territory']} »", href=f"?t={row['territory']}", id="qpv-sheet-link"
        )
    else:
        where = html.Span(
            ["Territoire non construit : ", html.Code(row["build_command"], id="qpv-sheet-command")], className="small"
        )
    return html.Div(
        [
            html.H3(row["name"], className="h6", id="qpv-sheet-name"),
            html.Dl([item for label, value in fields for item in (html.Dt(label), html.Dd(value))]),
            where,
        ],
        className="card qpv-sheet",
    )


def ranking(frame: gpd.GeoDataFrame, column: str) -> list:
    """The built territories' QPV sorted by ``column`` (largest first, unknown values last, « inconnu »)."""
    label, kind = RANKED[column]
    built = frame[frame["territory"].notna()]
    if built.empty:
        return [html.P("Aucun territoire construit.", className="small")]
    ordered = built.assign(_missing=built[column].isna()).sort_values(["_missing", column], ascending=[True, False])
    rows = [
        [str(i), r["name"], r["key"], r["commune_names"], fmt_value(r[column], kind)]
        for i, (_, r) in enumerate(ordered.head(RANKING_ROWS).iterrows(), start=1)
    ]
    shown = f"{len(rows)} premiers sur {len(ordered)}" if len(ordered) > len(rows) else f"{len(rows)} QPV"
    caption = f"QPV des territoires construits classés par « {label} », {shown} (inconnu : couche indisponible)"
    return [html_table(["Rang", "QPV", "Code", "Communes", label], rows, caption, "qpv-ranking")]


# -- callbacks and route ---------------------------------------------------------------------
def register(app: dash.Dash, data: Data) -> None:
    """The GeoJSON route, the search, the sheet (from a result or a click on the map), the ranking."""

    @app.server.route("/carto/_national/qpv.geojson")
    def carto_national_qpv():
        frame = qpv_table(data)
        text = None if frame is None else data.national_memo(("qpv-geojson",), TABLE, lambda: qpv_geojson(frame))
        if text is None:
            return flask.Response('{"error": "table nationale des QPV absente"}', 404, mimetype="application/json")
        response = flask.Response(text, mimetype="application/geo+json")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    @app.callback(Output("qpv-results", "children"), Input("qpv-search", "value"), prevent_initial_call=True)
    def find(text):
        frame = qpv_table(data)
        return [] if frame is None or not text else results(search(frame, text))

    @app.callback(
        Output("qpv-sheet", "children"),
        Input({"type": "qpv-hit", "key": ALL}, "n_clicks"),
        Input("gj-qpv-national", "clickData"),
        State("qpv-sheet", "children"),
        prevent_initial_call=True,
    )
    def open_sheet(clicks, feature, current):
        frame = qpv_table(data)
        trigger = ctx.triggered_id
        if frame is None or trigger is None:
            return no_update
        if isinstance(trigger, dict):
            if not any(clicks):
                return no_update
            key = trigger["key"]
        else:
            key = ((feature or {}).get("properties") or {}).get("key")
        rows = frame[frame["key"] == key]
        return sheet(rows.iloc[0]) if len(rows) else no_update

    @app.callback(Output("qpv-ranking", "children"), Input("qpv-rank-by", "value"), prevent_initial_call=True)
    def rank(column):
        frame = qpv_table(data)
        return no_update if frame is None or column not in RANKED else ranking(frame, column)

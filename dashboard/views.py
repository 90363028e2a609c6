"""HTML pieces of each view, built from :class:`dashboard.data.Data`. French text only.

Callbacks call these; each returns Dash components (or plain options lists). The numbers come
from the store's tables (``indicators``, ``measures``, ``measures_qpv``) and from the pure
builders of :mod:`dashboard.maps` and :mod:`dashboard.place`.
"""

from __future__ import annotations

from urllib.parse import urlencode

import dash_leaflet as dl
import geopandas as gpd
import pandas as pd
import shapely
from dash import dcc, html
from unidecode import unidecode

from pipelines.measures import SCOPES, SELECTIONS, THEMES
from pipelines.schemas import CONTEXT_LAYERS, LAYERS
from pipelines.settings import CRS_L93, CRS_WGS84

from . import i18n, maps, place
from .data import Data
from .maps import TOGGLE_LAYERS, pane_name

ALL_LAYERS = (*LAYERS, *CONTEXT_LAYERS)
#: Checklist value suffix of an unavailable layer (see :func:`layer_options`).
UNAVAILABLE_VALUE = "indisponible"


# -- styles ---------------------------------------------------------------------------------------
def _path_style(layer: str, colour: str, key: str) -> dict:
    if layer == "commune":
        return {"color": colour, "weight": 2.5, "fill": False, "interactive": False}
    if layer == "streets":
        return {"color": colour, "weight": 1, "opacity": 0.8}
    if layer == "cycle":
        style = {"color": colour, "weight": 3, "opacity": 0.95}
        return {**style, "dashArray": "6 5"} if key == "projet" else style
    if layer == "shops":
        return {"color": "#ffffff", "weight": 1, "fillColor": colour, "fillOpacity": 0.95, "radius": 5}
    if layer == "qpv":
        # an approximate (2015) contour: thinner, dotted, lighter fill — never mistaken for an exact one
        if key == "qpv_approx":
            return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.06, "dashArray": "1 5"}
        return {"color": colour, "weight": 2.5, "fillColor": colour, "fillOpacity": 0.12, "dashArray": "4 3"}
    if layer == "target":
        return {"color": "#b8860b", "weight": 3, "fillColor": colour, "fillOpacity": 0.35, "radius": 7}
    return {"color": colour, "weight": 0.5, "fillColor": colour, "fillOpacity": 0.55}


STYLES: dict[str, dict[str, dict]] = {
    layer: {key: _path_style(layer, colour, key) for key, _, colour in entries}
    for layer, entries in i18n.LEGENDS.items()
}


def geojson_layer(data: Data, territory: str, layer: str, band: int, slugs: list[str] | None = None) -> dl.GeoJSON:
    """A map layer fetched from ``/carto/…`` (the version in the URL lets the browser cache it).

    ``slugs`` (URL words of the classes to show, None for all) go into ``hideout.only`` as legend
    keys: the browser's filter (``cartopolis.filter``) hides the other features. A change of the
    class checkboxes only rewrites ``hideout`` in the browser (``hideout.keys`` maps URL words to
    legend keys), so no geometry is requested again.
    """
    version = (data.layer_entry(territory, layer) or {}).get("sha256", "")[:12]
    band = 0 if layer in ("shops",) else maps.clamp_band(band)
    hideout = {"styles": STYLES.get(layer, {}), "pane": pane_name(layer), "only": maps.class_keys(layer, slugs)}
    if layer in maps.CLASS_LAYERS:
        hideout["keys"] = maps.SLUG_KEYS[layer]
    return dl.GeoJSON(
        id={"type": "gj", "layer": layer},
        url=f"/carto/{territory}/{layer}/{band}.geojson?v={version}",
        pane=pane_name(layer),
        style={"variable": "cartopolis.style"},
        pointToLayer={"variable": "cartopolis.point"},
        onEachFeature={"variable": "cartopolis.tooltip"},
        filter={"variable": "cartopolis.filter"},
        hideout=hideout,
    )


def target_layer(territory: str, programme_id: str, measure_id: str) -> dl.GeoJSON:
    query = urlencode({"programme": programme_id, "measure": measure_id})
    return dl.GeoJSON(
        id="gj-target",
        url=f"/carto/{territory}/target/1.geojson?{query}",
        pane=pane_name("target"),
        style={"variable": "cartopolis.style"},
        pointToLayer={"variable": "cartopolis.point"},
        onEachFeature={"variable": "cartopolis.tooltip"},
        hideout={"styles": STYLES["target"], "pane": pane_name("target")},
    )


def selected_target(data: Data, territory: str, programme_id: str | None, measure_id: str | None):
    """The target of the selected measure when it can be drawn (its layer is available)."""
    programme = data.programme(programme_id)
    if programme is None or not measure_id or territory not in programme.territories:
        return None
    measure = next((m for m in programme.measures if m.id == measure_id), None)
    if measure is None or measure.target is None or not data.layer_ok(territory, measure.target.layer):
        return None
    return measure.target


def territory_bounds(data: Data, territory: str) -> list | None:
    """[[south, west], [north, east]] of the commune, or None."""
    commune = data.frame(territory, "commune")
    if commune is None or not len(commune):
        return None
    west, south, east, north = commune.to_crs(CRS_WGS84).total_bounds
    return [[round(south, 5), round(west, 5)], [round(north, 5), round(east, 5)]]


# -- Carte ----------------------------------------------------------------------------------------
def _entry(data: Data, territory: str, layer: str) -> dict:
    return data.layer_entry(territory, layer) or {"status": "unavailable", "reason": "couche jamais construite"}


def layer_options(data: Data, territory: str) -> list[dict]:
    """Checklist options: available layers enabled; the others disabled and labelled « indisponible ».

    An unavailable layer's value is ``<layer>:indisponible``, never in the checklist's value, so
    its disabled box is never shown ticked (the view keeps the layer: another territory may have it).
    """
    options = []
    for layer in TOGGLE_LAYERS:
        entry = _entry(data, territory, layer)
        ok = data.layer_ok(territory, layer)
        label = i18n.layer_label(layer)
        if ok:
            label += f" ({i18n.fmt_number(entry.get('rows', 0))})"
        else:
            label += f" — {i18n.STATUS.get(entry.get('status'), 'indisponible')}"
        options.append({"label": label, "value": layer if ok else f"{layer}:{UNAVAILABLE_VALUE}", "disabled": not ok})
    return options


def class_options(data: Data, territory: str, layer: str) -> list[dict]:
    """Sub-toggles of a layer's classes: value = URL word, label with the count of features.

    Only the classes present are listed, except flood scenarios: all four are, the absent ones
    disabled and labelled « absent de la source » (listed in the manifest's ``scenarios_missing``,
    or the manifest says nothing) or « aucune zone dans la commune » (the source has it).
    """
    frame = data.frame(territory, layer)
    if frame is None:
        return []
    counts = maps.legend_keys(layer, frame).value_counts() if len(frame) else {}
    entry = _entry(data, territory, layer)
    missing = set(entry.get("scenarios_missing") or [])
    told = "scenarios_present" in entry or "scenarios_missing" in entry
    options = []
    for key, label in i18n.CLASS_LABELS[layer].items():
        count = int(counts.get(key, 0))
        if count:
            options.append({"label": f"{label} ({i18n.fmt_number(count)})", "value": maps.class_slug(key)})
        elif layer == "flood":
            why = i18n.ABSENT_FROM_SOURCE if key in missing or not told else i18n.ABSENT_FROM_TOWN
            options.append({"label": f"{label} — {why}", "value": maps.class_slug(key), "disabled": True})
    return options


def class_lists(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]]) -> list:
    """One collapsible list of class checkboxes per available layer with classes.

    The list of a hidden layer is hidden too; a list opens by itself when the view restricts it.
    """
    blocks = []
    for layer in maps.CLASS_LAYERS:
        if not data.layer_ok(territory, layer):
            continue
        options = data.memo(("classes", layer), territory, lambda layer=layer: class_options(data, territory, layer))
        if not options:
            continue
        enabled = [o["value"] for o in options if not o.get("disabled")]
        wanted = classes.get(layer)
        value = enabled if wanted is None else [v for v in enabled if v in wanted]
        blocks.append(
            html.Details(
                [
                    html.Summary(i18n.CLASS_TITLES[layer]),
                    dcc.Checklist(
                        id={"type": "classes", "layer": layer},
                        options=options,
                        value=value,
                        className="layer-list class-list",
                        inputClassName="me-2",
                    ),
                    *([html.P(i18n.CLASS_HINTS[layer], className="small mb-0")] if layer in i18n.CLASS_HINTS else []),
                ],
                id={"type": "class-box", "layer": layer},
                className="class-box",
                open=wanted is not None,
                hidden=layer not in layers,
            )
        )
    return blocks


def _urls(urls: list[str]) -> list:
    return [html.A(url, href=url, className="url", target="_blank", rel="noopener") for url in urls or []]


def layer_notes(data: Data, territory: str) -> html.Div:
    """Every layer that is not available, named, with its reason and the official URLs."""
    items = []
    for layer in (*LAYERS[1:], *CONTEXT_LAYERS):
        entry = _entry(data, territory, layer)
        if data.layer_ok(territory, layer):
            continue
        items.append(
            html.Li(
                [
                    html.Strong(i18n.layer_label(layer)),
                    f" — {i18n.STATUS.get(entry.get('status'), 'indisponible')} : {entry.get('reason', '')}",
                    html.Div(_urls(entry.get("urls") or []), className="urls"),
                ],
                className="unavailable",
            )
        )
    if not items:
        return html.Div()
    return html.Div([html.H3("Couches indisponibles", className="h6 mt-3"), html.Ul(items, className="small")])


def _legend_entries(data: Data, territory: str, layer: str) -> list[tuple[str, str, str]]:
    """(key, label, colour) of the classes present in the layer; population labels carry the breaks."""
    entries = i18n.LEGENDS.get(layer, [])
    frame = data.frame(territory, layer) if layer not in ("commune", "target") else None
    if frame is None:
        return entries
    present = set(maps.legend_keys(layer, frame))
    if layer == "population":
        low, high = maps.density_breaks(maps.density_per_km2(frame))
        low_text, high_text = i18n.fmt_number(round(low)), i18n.fmt_number(round(high))
        words = {
            "p0": f"jusqu'à {low_text} hab./km²",
            "p1": f"de {low_text} à {high_text} hab./km²",
            "p2": f"plus de {high_text} hab./km²",
        }
        entries = [(key, f"{label} ({words[key]})", colour) for key, label, colour in entries]
    return [entry for entry in entries if entry[0] in present]


def shown(layer: str, key: str, classes: dict[str, list[str]] | None) -> bool:
    """Whether class ``key`` of ``layer`` is shown under the restrictions ``classes`` (URL words)."""
    words = (classes or {}).get(layer)
    return words is None or maps.class_slug(key) in words


def legend(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]] | None = None) -> list:
    """Legend of the commune, the active layers (classes present and shown) and the measure target."""
    rows = []
    for layer in ("commune", *[x for x in TOGGLE_LAYERS if x in layers], "target"):
        if layer not in ("commune", "target") and not data.layer_ok(territory, layer):
            continue
        entries = data.memo(("legend", layer), territory, lambda layer=layer: _legend_entries(data, territory, layer))
        for key, label, colour in [e for e in entries if shown(layer, e[0], classes)]:
            swatch_class = "swatch line" if layer in ("commune", "cycle", "streets") else "swatch"
            if layer == "shops":
                swatch_class = "swatch dot"
            style = {"background": colour, "borderColor": colour}
            if key == "projet":
                style = {"background": f"repeating-linear-gradient(90deg, {colour} 0 5px, transparent 5px 9px)"}
            if key == "qpv_approx":
                swatch_class, style = "swatch dotted", {"borderColor": colour}
            rows.append(html.Li([html.Span(className=swatch_class, style=style), label]))
    return [html.Ul(rows, className="legend-list")]


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
        out.append(source_badge(_entry(data, territory, layer), layer))
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


def _table(header: list[str], rows: list[list], caption: str | None = None, class_name: str = "") -> html.Table:
    return html.Table(
        ([html.Caption(caption)] if caption else [])
        + [
            html.Thead(html.Tr([html.Th(h, scope="col") for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        className=f"table {class_name}".strip(),
    )


def qpv_perimeters(data: Data, territory: str) -> dict[str, str]:
    """``perimeter_status`` of each QPV of the territory, keyed by its 2024 and its 2015 code."""
    qpv = data.frame(territory, "qpv")
    if qpv is None or "perimeter_status" not in qpv:
        return {}
    out = {}
    for row in qpv.itertuples():
        for code in (getattr(row, "code_qp", None), getattr(row, "code_qp_2015", None)):
            if isinstance(code, str) and code:
                out.setdefault(code, row.perimeter_status)
    return out


def indicator_table(table: pd.DataFrame, layer: str, perimeters: dict[str, str] | None = None) -> html.Table | None:
    """Indicators of one layer, one row per indicator, one column per zone (QPV…, hors QPV, commune).

    The label is the table's own ``label`` column when present (French, written by the
    pipeline), else :func:`dashboard.i18n.indicator_label`. With ``perimeters`` (QPV code →
    ``perimeter_status``) a first row says how each QPV's contour was obtained.
    """
    part = table[table["layer"] == layer]
    if part.empty:
        return None
    kinds = {"qpv": 0, "hors_qpv": 1, "commune": 2}
    zones = (
        part[["zone_id", "zone_kind", "zone_name"]]
        .drop_duplicates("zone_id")
        .assign(_o=lambda f: f["zone_kind"].map(kinds).fillna(3))
        .sort_values(["_o", "zone_name"])
    )
    header = ["Indicateur", *[str(z) for z in zones["zone_name"]]]
    rows = []
    if perimeters:
        rows.append(
            [
                "Contour du quartier",
                *[
                    i18n.perimeter_label(perimeters.get(str(z))) if kind == "qpv" else "—"
                    for z, kind in zip(zones["zone_id"], zones["zone_kind"], strict=True)
                ],
            ]
        )
    for indicator, group in part.groupby("indicator", sort=False):
        first = group.iloc[0]
        unit = first.get("unit")
        unit_text = None if unit is None or pd.isna(unit) else str(unit)
        label = first.get("label") if isinstance(first.get("label"), str) and first.get("label") else None
        label = label or i18n.indicator_label(str(indicator))
        if unit_text and unit_text not in i18n.SHARE_UNITS:
            label = f"{label} ({unit_text})"
        values = group.set_index("zone_id")["value"]
        rows.append([label, *[i18n.fmt_value(values.get(z), unit_text, bare=True) for z in zones["zone_id"]]])
    caption = "Zones" if layer == "zone" else i18n.layer_label(layer)
    caption = f"{caption} — indicateurs par zone (chaque QPV pour sa partie dans la commune)"
    return _table(header, rows, caption, f"indicators indicators-{layer}")


def map_table(data: Data, territory: str, layers: list[str], classes: dict[str, list[str]] | None = None) -> list:
    """The accessible equivalent of the map: features per shown legend class, then indicators per zone."""
    rows = []
    for layer in ("commune", *[x for x in TOGGLE_LAYERS if x in layers]):
        keyed = data.memo(("summary", layer), territory, lambda layer=layer: _summary_rows(data, territory, layer))
        rows += [row for key, row in keyed if shown(layer, key, classes)]
    out = [_table(["Couche", "Classe", "Objets", "Étendue"], rows, "Contenu de la carte", "summary")]
    indicators = data.table(territory, "indicators")
    if indicators is None:
        out.append(html.P("Indicateurs non calculés pour ce territoire.", className="small"))
        return out
    for layer in ["zone", *[x for x in TOGGLE_LAYERS if x in layers]]:
        table = data.memo(
            ("indicators", layer),
            territory,
            lambda layer=layer: indicator_table(indicators, layer, qpv_perimeters(data, territory)),
        )
        if table is not None:
            out.append(table)
    return out


def _summary_rows(data: Data, territory: str, layer: str) -> list[tuple[str, list]]:
    """(legend key, table row) of each class of the layer."""
    frame = data.frame(territory, layer)
    if frame is None:
        return []
    return [
        (r["cle"], [r["couche"], r["classe"], i18n.fmt_number(r["nombre"]), r["mesure"]])
        for r in maps.layer_summary(layer, frame)
    ]


# -- national overview ---------------------------------------------------------------------------
NATIONAL_STYLES = {
    "departement": {"color": "#9e9e9e", "weight": 1, "fillColor": "#ffffff", "fillOpacity": 0.6, "interactive": False},
    "programme": {"color": "#ffffff", "weight": 1.5, "fillColor": "#7b3294", "fillOpacity": 0.95, "radius": 8},
    "collectif": {"color": "#ffffff", "weight": 1, "fillColor": "#1b9e77", "fillOpacity": 0.95, "radius": 6},
}


def national_map(data: Data) -> list:
    """Département outlines, then one point per commune listing its programmes and collectives."""
    points = data.national_points().dropna(subset=["lon", "lat"])
    features = []
    for (lon, lat), group in points.groupby(["lon", "lat"], sort=False):
        kind = "programme" if (group["kind"] == "programme").any() else "collectif"
        names = "; ".join(dict.fromkeys(group["name"]))
        features.append(
            {
                "type": "Feature",
                "properties": {"_k": kind, "_t": f"{group['commune'].iloc[0]} : {names}"},
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
            }
        )
    return [
        dl.GeoJSON(
            id="gj-departements",
            url="/carto/_national/departements.geojson",
            pane=pane_name("fond"),
            style={"variable": "cartopolis.style"},
            hideout={"styles": NATIONAL_STYLES},
        ),
        dl.GeoJSON(
            id="gj-national",
            data={"type": "FeatureCollection", "features": features},
            pane=pane_name("points"),
            pointToLayer={"variable": "cartopolis.point"},
            onEachFeature={"variable": "cartopolis.tooltip"},
            hideout={"styles": NATIONAL_STYLES, "pane": pane_name("points")},
        ),
    ]


def national_legend() -> list:
    items = [
        html.Li([html.Span(className="swatch dot", style={"background": "#7b3294"}), "Ville d'un programme"]),
        html.Li([html.Span(className="swatch dot", style={"background": "#1b9e77"}), "Collectif municipaliste"]),
    ]
    return [html.Ul(items, className="legend-list")]


def national_badges() -> list:
    return [html.Div("Vue nationale : villes des programmes et collectifs, placés au centre de leur commune.")]


def national_table(data: Data) -> list:
    points = data.national_points()
    rows = [
        ["Programme" if r.kind == "programme" else "Collectif", r.name, f"{r.commune} ({r.insee})", _detail(r)]
        for r in points.itertuples()
    ]
    missing = points[points["lon"].isna()]
    out = [_table(["Type", "Nom", "Commune", "Détail"], rows, "Programmes et collectifs de la carte", "summary")]
    if len(missing):
        out.append(
            html.P(
                f"{i18n.plural(len(missing), 'ligne')} sans position sur la carte (voir « Détail »).", className="small"
            )
        )
    return out


def _detail(row) -> object:
    """A collective's description is quoted from its (English) site: said so, not translated."""
    if row.kind != "collectif" or not isinstance(row.detail, str) or not row.detail.strip():
        return row.detail
    return html.Span([f"« {row.detail.strip()} » ", html.Em(COLLECTIVE_QUOTE, className="small")])


COLLECTIVE_QUOTE = "(citation en anglais)"


# -- Programmes -----------------------------------------------------------------------------------
def distinct_measures(programme) -> list:
    """The programme's measures without those that repeat an earlier one (``same_as``)."""
    return [m for m in programme.measures if not m.same_as]


def repeated_title(programme, measure) -> str | None:
    """Title of the measure that ``measure`` repeats (its ``same_as``), or None."""
    if not measure.same_as:
        return None
    first = next((m for m in programme.measures if m.id == measure.same_as), None)
    return first.title if first is not None else measure.same_as


def split_measures(programme, theme: str | None):
    """(measures with a target, measures without) of a programme, filtered by theme."""
    chosen = [m for m in programme.measures if not theme or theme in m.themes]
    spatial = [m for m in chosen if m.spatial and not m.same_as]
    return spatial, [m for m in chosen if m not in spatial]


def _theme_badges(measure) -> list:
    return [html.Span(THEMES.get(t, t), className="badge badge-theme") for t in measure.themes]


def _quote(programme, measure) -> html.Figure:
    return html.Figure(
        [
            html.Blockquote(f"« {measure.quote} »", className="quote"),
            html.Figcaption(f"{programme.title} — source : {programme.source}", className="small"),
        ],
        className="quote-figure",
    )


def non_spatial_list(programme, measures) -> list:
    """Measures without a place; a repeat (``same_as``) is one line « reprise de : <title> », not counted."""
    if not measures:
        return [html.P("Aucune.", className="small")]
    items, repeats = [], []
    for m in measures:
        if m.same_as:
            repeats.append(
                html.Li([m.title, html.Span(f" — reprise de : {repeated_title(programme, m)}", className="small")])
            )
            continue
        reason = m.non_spatial_reason or "sans lieu désigné"
        items.append(
            html.Details(
                [
                    html.Summary(m.title),
                    _quote(programme, m),
                    html.P(["Non spatialisée : ", reason], className="small"),
                    html.Div(_theme_badges(m)),
                ],
                className="ns-measure",
            )
        )
    out = [html.P(f"{i18n.plural(len(items), 'mesure')} sans lieu, listées à part :", className="small"), *items]
    if repeats:
        out += [
            html.P(f"{i18n.plural(len(repeats), 'reprise')} d'une mesure déjà listée :", className="small mt-2"),
            html.Ul(repeats, className="small repeats"),
        ]
    return out


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
    return _table(header, rows, "Détail par quartier prioritaire", "per-qpv")


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
                    html.Div(_urls(entry.get("urls") or []), className="urls"),
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
    out = [html.H3(measure.title, className="h5"), html.Div(_theme_badges(measure)), _quote(programme, measure)]
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


# -- Mon quartier ---------------------------------------------------------------------------------
def search_text(label: str) -> str:
    """What the place search matches: the label in lower case without accents (« pres saint » finds
    « Près Saint Jean »), then the label itself."""
    return f"{unidecode(label).lower()} {label}"


def place_options(data: Data, territory: str) -> list[dict]:
    """Search options: every QPV (name and code), then every named street (accent-insensitive search)."""
    options = []
    qpv = data.frame(territory, "qpv")
    if qpv is not None:
        for _, row in qpv[qpv.geometry.notna()].iterrows():
            code = row.get("code_qp") or row.get("code_qp_2015") or ""
            options.append({"label": f"QPV — {row['name']} ({code})", "value": f"qpv:{code or row['name']}"})
    streets = data.frame(territory, "streets")
    if streets is not None:
        names = sorted({str(n) for n in streets["name"].dropna() if str(n).strip()})
        options += [{"label": f"Rue — {name}", "value": f"rue:{name}"} for name in names]
    return [{**o, "search": search_text(o["label"])} for o in options]


def street_anchor(data: Data, territory: str, name: str):
    """(point, whole street) in EPSG:2154 of a named street, the point inside the commune; (None, None)."""
    streets = data.frame(territory, "streets")
    if streets is None:
        return None, None
    hit = streets[streets["name"] == name]
    if hit.empty:
        return None, None
    commune = data.frame(territory, "commune")
    town = shapely.union_all(commune.geometry.values) if commune is not None and len(commune) else None
    return maps.street_anchor(hit.geometry, town)


def place_point(data: Data, territory: str, value: str):
    """(point in EPSG:4326, label) of a search choice (``qpv:CODE`` or ``rue:NAME``)."""
    kind, _, key = value.partition(":")
    if kind == "qpv":
        qpv = data.frame(territory, "qpv")
        if qpv is None:
            return None, None
        hit = qpv[(qpv["code_qp"] == key) | (qpv["code_qp_2015"] == key) | (qpv["name"] == key)]
        hit = hit[hit.geometry.notna()]
        if hit.empty:
            return None, None
        geom = hit.geometry.iloc[0].representative_point()
        label = f"QPV {hit['name'].iloc[0]}"
    else:
        geom, _ = street_anchor(data, territory, key)
        if geom is None:
            return None, None
        label = key
    point = gpd.GeoSeries([geom], crs=CRS_L93).to_crs(CRS_WGS84).iloc[0]
    return shapely.Point(point.x, point.y), label


HEAT_WORDS = {"chaud": "chaude", "tiede": "tiède", "frais": "fraîche"}
PLACE_LAYERS = ("commune", "qpv", "flood", "heat", "shops", "cycle", "population")


def place_card(
    data: Data, territory: str, point_l93: shapely.Point, label: str | None, street: str | None = None
) -> html.Div:
    """The card of a place: QPV, flood, heat, shops, cycle, and the measures that reach it.

    With ``street`` (a street's name, when the place comes from a street search) the shops are
    counted within 300 m of the whole street, not of its midpoint.
    """
    layers = {layer: data.frame(territory, layer) for layer in PLACE_LAYERS}
    around = street_anchor(data, territory, street)[1] if street else None
    card = place.describe_place(point_l93, layers, around=around)
    unavailable = "donnée indisponible pour ce territoire"
    lines = []
    if not card.in_commune:
        lines.append(("Commune", "ce lieu est hors de la commune"))
    if card.qpv is None:
        lines.append(("Quartier prioritaire", unavailable))
    elif card.qpv:
        lines.append(
            (
                "Quartier prioritaire",
                ", ".join(f"{q['name']} ({q['code']}, {i18n.perimeter_label(q.get('perimeter'))})" for q in card.qpv),
            )
        )
    else:
        lines.append(("Quartier prioritaire", "non, ce lieu n'est pas dans un QPV"))
    if card.flood is None:
        lines.append(("Inondation", unavailable))
    else:
        lines.append(
            (
                "Inondation",
                "zone inondable : " + ", ".join(i18n.CLASS_LABELS["flood"].get(s, s) for s in card.flood)
                if card.flood
                else "hors zone inondable connue",
            )
        )
    if card.heat is None:
        lines.append(("Chaleur", unavailable))
    else:
        heat = f"zone {HEAT_WORDS.get(card.heat, card.heat)}" if card.heat else "aucune zone climatique renseignée"
        lines.append(("Chaleur", heat))
    shops_term = "Commerces à moins de 300 m" + (" de la rue" if street else "")
    if card.shops is None:
        lines.append((shops_term, unavailable))
    else:
        lines.append(
            (shops_term, f"{i18n.plural(card.shops, 'commerce')} dont {i18n.plural(card.vacant, 'vitrine vide')}")
        )
    if card.cycle_m is None:
        lines.append(
            ("Aménagement cyclable protégé le plus proche", unavailable if layers["cycle"] is None else "aucun")
        )
    else:
        lines.append(
            (
                "Aménagement cyclable protégé le plus proche",
                f"{card.cycle_facility}, à {i18n.fmt_number(round(card.cycle_m))} m",
            )
        )
    reached, unknown = [], []
    for programme in data.programmes_for(territory):
        for measure in distinct_measures(programme):
            reach = place.measure_reach(measure.target, point_l93, card, layers)
            item = html.Li([html.Strong(programme.title), f" — {measure.title}"])
            if reach == "oui":
                reached.append(item)
            elif reach:
                unknown.append(item)
    title = label or "Lieu choisi sur la carte"
    children = [
        html.H3(title, className="h5 place-title"),
        html.Dl([item for term, value in lines for item in (html.Dt(term), html.Dd(value))], className="facts"),
        html.H4("Mesures qui concernent ce lieu", className="h6"),
        html.Ul(reached) if reached else html.P("Aucune mesure localisée ne l'atteint.", className="small"),
    ]
    if unknown:
        children.append(
            html.Details(
                [
                    html.Summary(
                        f"{i18n.plural(len(unknown), 'mesure')} à vérifier : leur couche manque pour ce territoire"
                    ),
                    html.Ul(unknown, className="small"),
                ]
            )
        )
    return html.Div(
        children,
        className="card place-card",
    )


# -- Comparer -------------------------------------------------------------------------------------
def _programmes_with_measures(data: Data) -> list:
    return [p for p in data.programmes().values() if p.measures]


def matrix(data: Data) -> html.Table:
    """Themes (rows) × programmes (columns): counts, each a button listing the measures."""
    programmes = _programmes_with_measures(data)
    header = [html.Th("Thème", scope="col"), *[html.Th(p.title, scope="col") for p in programmes]]
    rows = []
    for theme, label in THEMES.items():
        cells = [html.Th(label, scope="row")]
        for p in programmes:
            count = sum(theme in m.themes for m in distinct_measures(p))
            cells.append(
                html.Td(
                    html.Button(
                        str(count),
                        id={"type": "cell", "programme": p.id, "theme": theme},
                        className="cell-button",
                        title=f"{label} — {p.title}",
                        **{"aria-label": f"{i18n.plural(count, 'mesure')} {label}, {p.title}"},
                    )
                    if count
                    else html.Span("·", className="zero")
                )
            )
        rows.append(html.Tr(cells))
    return html.Div(
        html.Table([html.Thead(html.Tr(header)), html.Tbody(rows)], className="table matrix"), className="scroll-x"
    )


def matrix_list(data: Data, programme_id: str, theme: str) -> html.Div:
    programme = data.programme(programme_id)
    if programme is None:
        return html.Div()
    chosen = [m for m in distinct_measures(programme) if theme in m.themes]
    return html.Div(
        [
            html.H3(f"{programme.title} — {THEMES.get(theme, theme)} ({len(chosen)})", className="h6"),
            html.Ul(
                [
                    html.Li([m.title, html.Span(" (non spatialisée)" if not m.spatial else "", className="small")])
                    for m in chosen
                ]
            ),
        ],
        className="card p-2",
    )


def contrat(data: Data) -> html.Div:
    """The contrat de ville's orientations, each beside the Alès programme's measures on its themes."""
    programmes = data.programmes()
    contracts = [p for p in programmes.values() if p.kind == "contrat_de_ville"]
    if not contracts:
        return html.P("Aucun contrat de ville chargé.", className="small")
    blocks = []
    for contract in contracts:
        others = [
            p for p in programmes.values() if p.kind == "programme_electoral" and p.territory == contract.territory
        ]
        header = ["Orientation du contrat de ville", *[p.title for p in others]]
        rows = []
        for orientation in contract.measures:
            cells = [html.Div([html.Strong(orientation.title), html.Div(_theme_badges(orientation))])]
            for other in others:
                related = [m.title for m in distinct_measures(other) if set(m.themes) & set(orientation.themes)]
                cells.append(
                    html.Ul([html.Li(t) for t in related]) if related else html.Span("aucune mesure", className="small")
                )
            rows.append(cells)
        blocks.append(html.Div(_table(header, rows, contract.title, "contrat"), className="scroll-x"))
    return html.Div(blocks)


#: For each layer, the selection that expresses a need located in a QPV.
NEED_SELECTIONS = {"flood": "faible_ou_plus", "heat": "chaud", "shops": "vacant"}


def uncovered_needs(data: Data) -> pd.DataFrame:
    """Needs (layer × QPV) that no measure of the territory's programmes targets.

    A need is present when the layer's need selection intersects the QPV (its part inside the
    commune, as in the indicators); it is covered when a measure targets that layer with scope
    ``qpv`` or ``commune``. When the layer is missing the need is ``inconnu``. Columns:
    territoire, qpv, couche, besoin, known (bool).
    """
    rows = []
    for info in data.territories():
        tid = info["id"]
        qpv = data.frame(tid, "qpv")
        commune = data.frame(tid, "commune")
        if qpv is None or not len(qpv) or commune is None:
            continue
        town = shapely.union_all(commune.geometry.values)
        targeted = {
            m.target.layer
            for p in data.programmes_for(tid)
            for m in p.measures
            if m.target is not None and m.target.scope in ("qpv", "commune")
        }
        for layer, select in NEED_SELECTIONS.items():
            if layer in targeted:
                continue
            frame = data.frame(tid, layer)
            for _, zone in qpv[qpv.geometry.notna()].iterrows():
                if frame is None:
                    rows.append((info.get("name", tid), zone["name"], i18n.layer_label(layer), "inconnu", False))
                    continue
                area = zone.geometry.intersection(town)
                chosen = maps.select_features(layer, frame, select)
                hits = chosen.iloc[chosen.sindex.query(area, predicate="intersects")]
                if hits.empty or area.is_empty:
                    continue
                if layer == "shops":
                    figure = i18n.plural(len(hits), "vitrine vide")
                else:
                    share = shapely.union_all(hits.geometry.intersection(area).values).area / area.area
                    figure = f"{i18n.fmt_share(share)} de la surface"
                rows.append((info.get("name", tid), zone["name"], i18n.layer_label(layer), figure, True))
    return pd.DataFrame(rows, columns=["territoire", "qpv", "couche", "besoin", "known"])


def uncovered(data: Data) -> html.Div:
    table = uncovered_needs(data)
    known = table[table["known"]]
    out = []
    if known.empty:
        out.append(html.P("Aucun besoin repéré sans mesure parmi les couches disponibles.", className="small"))
    else:
        rows = known[["territoire", "qpv", "couche", "besoin"]].values.tolist()
        out.append(
            html.Div(_table(["Territoire", "QPV", "Besoin", "Ampleur"], rows, None, "uncovered"), className="scroll-x")
        )
    unknown = table[~table["known"]]
    if not unknown.empty:
        items = [
            html.Li(f"{town} : {', '.join(sorted(set(part['couche'])))} ({part['qpv'].nunique()} QPV)")
            for town, part in unknown.groupby("territoire", sort=True)
        ]
        out += [
            html.P("Besoins inconnus, faute de couche pour ce territoire (voir Sources) :", className="small mt-2"),
            html.Ul(items, className="small"),
        ]
    return html.Div(out)


# -- Sources --------------------------------------------------------------------------------------
#: Said beside the producer, licence and vintage of a layer that is not built.
DECLARED_NOTE = "(source qui remplirait la couche)"


def source_cells(entry: dict) -> tuple[str, str, str]:
    """(producer, licence, vintage) of a layer; for one not built, those of the sources declared
    for it (manifest ``declared``), followed by « (source qui remplirait la couche) »."""
    prov = entry.get("provenance") or {}
    if prov or entry.get("status") == "ok":
        return tuple(", ".join(str(v) for v in prov.get(key) or []) for key in ("publishers", "licences", "vintages"))
    declared = entry.get("declared") or []
    if not declared:
        return ("", "", "")
    joined = [
        ", ".join(dict.fromkeys(str(d.get(key) or "—") for d in declared))
        for key in ("publisher", "licence", "vintage")
    ]
    return (f"{joined[0]} {DECLARED_NOTE}", joined[1], joined[2])


def sources_table(data: Data) -> html.Div:
    """Every layer of every territory: status, publisher, licence, vintage, provenance, notes, URL."""
    rows = []
    for info in data.territories():
        tid = info["id"]
        for layer in ALL_LAYERS:
            entry = data.layer_entry(tid, layer)
            if entry is None:
                continue
            prov = entry.get("provenance") or {}
            declared_urls = [d.get(key) for d in entry.get("declared") or [] for key in ("url", "page") if d.get(key)]
            urls = list(entry.get("urls") or []) or list(prov.get("pages") or []) or declared_urls
            status = i18n.STATUS.get(entry.get("status"), entry.get("status"))
            if entry.get("status") != "ok":
                status = f"{status} : {entry.get('reason', '')}"
            rows.append(
                [
                    info.get("name", tid),
                    i18n.layer_label(layer),
                    status,
                    *source_cells(entry),
                    provenance_badge(entry) if prov else "",
                    layer_note_list(entry) or "",
                    html.Div(_urls(list(dict.fromkeys(urls)))),
                ]
            )
    header = [
        "Territoire",
        "Couche",
        "État",
        "Producteur",
        "Licence",
        "Millésime",
        "Provenance",
        "Notes",
        "Adresse officielle",
    ]
    return html.Div(_table(header, rows, None, "sources"), className="scroll-x")


# -- exports --------------------------------------------------------------------------------------
def export_links(data: Data, territory: str, layers: list[str], measure: tuple | None) -> html.Details:
    """Download links for the current selection: indicators CSV, layers (and target) as GeoJSON/GPKG."""
    links = []
    if data.table(territory, "indicators") is not None:
        params = {"layers": ",".join(layers)}
        if measure:  # the CSV then carries the measure's result and its per-QPV table too
            params.update(programme=measure[0], measure=measure[1])
        query = urlencode(params)
        href = f"/export/{territory}/indicators.csv?{query}"
        links.append(
            html.Li(
                [
                    html.A("Indicateurs (CSV)", href=href, download="", id="export-csv"),
                    " · ",
                    html.A("pour Excel (;)", href=f"{href}&sep=%3B", download=""),
                ]
            )
        )
    if data.table(territory, "measures") is not None:
        links.append(
            html.Li(
                html.A(
                    "Résultats de toutes les mesures (CSV)",
                    href=f"/export/{territory}/measures.csv",
                    download="",
                    id="export-measures-csv",
                )
            )
        )
    if measure and selected_target(data, territory, *measure) is not None:
        query = urlencode({"programme": measure[0], "measure": measure[1]})
        links.append(
            html.Li(
                [
                    "Cible de la mesure : ",
                    html.A("GeoJSON", href=f"/export/{territory}/target.geojson?{query}", download=""),
                    " · ",
                    html.A("GeoPackage", href=f"/export/{territory}/target.gpkg?{query}", download=""),
                ]
            )
        )
    for layer in ["commune", *[x for x in TOGGLE_LAYERS if x in layers]]:
        if not data.layer_ok(territory, layer):
            continue
        links.append(
            html.Li(
                [
                    f"{i18n.layer_label(layer)} : ",
                    html.A("GeoJSON", href=f"/export/{territory}/{layer}.geojson", download=""),
                    " · ",
                    html.A("GeoPackage", href=f"/export/{territory}/{layer}.gpkg", download=""),
                ]
            )
        )
    return html.Details(
        [html.Summary("Exporter", className="btn btn-outline"), html.Ul(links, className="export-list")]
    )

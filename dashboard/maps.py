"""Pure map builders: layer classes and styles, simplified GeoJSON, tables (targets: :mod:`.targets`).

No file or network I/O here: frames in (EPSG:2154), text or frames out. The browser receives
GeoJSON in EPSG:4326 with coordinates rounded to 6 decimals (about 0.1 m), simplified with a
tolerance that depends on the zoom band, each feature carrying ``_k`` (its legend key, which the
map's style function in ``assets/cartopolis.js`` turns into a colour) and ``_t`` (a tooltip).
"""

from __future__ import annotations

import json
import unicodedata

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipelines.gpkg import export_frame  # noqa: F401 (used by the API as maps.export_frame)
from pipelines.settings import CRS_WGS84
from pipelines.styles import density_breaks, density_per_km2

from . import i18n

# The measure targets live in :mod:`dashboard.targets`; their names stay importable from here.
from .targets import scope_area, select_features, target_frame  # noqa: F401

#: France métropolitaine, for the national overview.
FRANCE_BOUNDS = [[41.3, -5.2], [51.1, 9.6]]
#: Layers a person can toggle, in the order of the checklist; drawn by default.
TOGGLE_LAYERS = ("qpv", "qpv_2015", "flood", "heat", "shops", "cycle", "population", "streets")
DEFAULT_LAYERS = ["qpv", "streets"]
#: Layers drawn under the others first (population at the bottom, shops on top).
DRAW_ORDER = ("population", "heat", "flood", "qpv_2015", "qpv", "cycle", "streets", "shops")
#: Map panes, bottom to top: layers arrive asynchronously, panes keep their stacking order.
PANES = (
    "fond", "population", "heat", "flood", "qpv_2015", "qpv", "commune", "streets", "cycle", "target", "shops", "points"
)  # fmt: skip


def pane_name(layer: str) -> str:
    """Leaflet pane of a layer (``overlayPane`` for an unknown one)."""
    return f"p-{layer}" if layer in PANES else "overlayPane"


def bounds_center(bounds: list) -> list[float]:
    """[lat, lon] centre of Leaflet bounds [[south, west], [north, east]]."""
    (south, west), (north, east) = bounds
    return [round((south + north) / 2, 6), round((west + east) / 2, 6)]


#: Douglas-Peucker tolerance (m) per zoom band: band 0 (zoom ≤ 12), 1 (13–14), 2 (≥ 15).
BAND_TOLERANCE_M = {0: 12.0, 1: 4.0, 2: 1.0}
#: Street types drawn at the town scale (band 0); every street from band 1 on.
MAJOR_STREETS = frozenset(
    {"motorway", "trunk", "primary", "secondary", "tertiary", "motorway_link", "trunk_link", "primary_link"}
)
#: Distance (m) that "near" means when a target has no ``buffer_m``, and around a place.
NEAR_M = 300.0
COORD_DECIMALS = 6


def band_for_zoom(zoom: float | None) -> int:
    """Zoom band of a Leaflet zoom level: 0 below 13, 1 for 13–14, 2 from 15."""
    if zoom is None:
        return 0
    return 0 if zoom < 13 else (1 if zoom < 15 else 2)


def clamp_band(band: object) -> int:
    """A valid band (0, 1 or 2) from any input; 0 when unreadable."""
    try:
        value = int(band)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0
    return min(max(value, 0), 2)


# -- legend keys ---------------------------------------------------------------------------------
def legend_keys(layer: str, frame: gpd.GeoDataFrame) -> pd.Series:
    """Legend key of every feature (see :data:`dashboard.i18n.LEGENDS`)."""
    index = frame.index
    if layer == "flood":
        return frame["scenario"].astype(str)
    if layer == "qpv":
        approx = frame["perimeter_status"].isin(i18n.APPROXIMATE) if "perimeter_status" in frame else False
        return pd.Series(np.where(approx, "qpv_approx", "qpv"), index=index)
    if layer == "qpv_2015":
        return frame["status_2024"].map(i18n.QPV_2015_KEYS).fillna("inconnu")
    if layer == "heat":
        return frame["heat_class"].astype(str)
    if layer == "shops":
        return pd.Series(np.where(frame["vacant"].astype(bool), "vacant", "actif"), index=index)
    if layer == "cycle":
        # one colour per facility; every planned segment is drawn as "projet" (dashed)
        keys = np.where(frame["status"].astype(str) == "projet", "projet", frame["facility"].astype(str))
        return pd.Series(keys, index=index)
    if layer == "population":
        density = density_per_km2(frame)
        low, high = density_breaks(density)
        return pd.Series(np.where(density > high, "p2", np.where(density > low, "p1", "p0")), index=index)
    return pd.Series(layer, index=index)


def _tooltips(layer: str, frame: gpd.GeoDataFrame) -> pd.Series:
    """Short French text of each feature, shown on hover."""
    if layer == "qpv":
        code = frame["code_qp"].fillna(frame["code_qp_2015"]).fillna("")
        status = frame.get("perimeter_status", pd.Series(None, index=frame.index, dtype=object))
        words = status.astype(object).map(i18n.perimeter_label)
        return "QPV " + frame["name"].astype(str) + " (" + code.astype(str) + ") — " + words
    if layer == "qpv_2015":
        return pd.Series([_qpv_2015_tooltip(r) for r in frame.itertuples()], index=frame.index, dtype=object)
    if layer == "flood":
        return frame["scenario"].map(i18n.flood_label)
    if layer == "heat":
        labels = [i18n.heat_label(h, z) for h, z in zip(frame["heat_class"], frame["lcz"], strict=True)]
        return pd.Series(labels, index=frame.index)
    if layer == "shops":
        name = frame["name"].fillna("").astype(str)
        state = np.where(frame["vacant"].astype(bool), "vitrine vide", frame["category"].map(i18n.shop_category))
        return (name + " — " + pd.Series(state, index=frame.index)).str.strip(" —")
    if layer == "cycle":
        return frame["facility"].astype(str) + " (" + frame["status"].astype(str) + ")"
    if layer == "population":
        if "support" in frame and (frame["support"] == "batiment").any():
            return frame["population"].map(lambda v: f"{i18n.fmt_number(v, 1)} hab. estimés (estimation par le bâti)")
        density = density_per_km2(frame)
        return (
            frame["population"].round().astype(int).astype(str)
            + " hab. ("
            + density.round().astype(int).astype(str)
            + " hab./km²)"
        )
    if layer in ("commune", "streets"):
        return frame["name"].fillna("").astype(str)
    return pd.Series("", index=frame.index)


def _qpv_2015_tooltip(row) -> str:
    """``QPV 2015 Bellevue (QP035007) — sorti en 2024``, with the area gained and lost when known."""
    text = f"QPV 2015 {row.name} ({row.code_qp_2015}) — {row.status_2024}"
    if isinstance(getattr(row, "code_qp", None), str):
        text += f" ({row.code_qp})"
    gained, lost = getattr(row, "area_gained_ha", None), getattr(row, "area_lost_ha", None)
    if gained is not None and lost is not None and not (pd.isna(gained) or pd.isna(lost)):
        text += f" : {i18n.fmt_number(gained, 1)} ha gagnés, {i18n.fmt_number(lost, 1)} ha perdus en 2024"
    return text


# -- classes within a layer (sub-toggles, permalink) ---------------------------------------------
#: Layers whose classes (legend keys) can be shown or hidden one by one.
CLASS_LAYERS = ("flood", "heat", "shops", "cycle")
#: Permalink word for "every class of this layer hidden" (``l=flood:aucun``).
NO_CLASS = "aucun"


def class_slug(key: str) -> str:
    """URL word of a legend key: ASCII, spaces as ``_`` (``zone apaisée`` → ``zone_apaisee``)."""
    ascii_text = unicodedata.normalize("NFKD", key).encode("ascii", "ignore").decode()
    return ascii_text.replace(" ", "_")


#: Legend key of each URL word, per layer with classes.
SLUG_KEYS: dict[str, dict[str, str]] = {
    layer: {class_slug(key): key for key, _, _ in i18n.LEGENDS[layer]} for layer in CLASS_LAYERS
}


def class_keys(layer: str, slugs: list[str] | None) -> list[str] | None:
    """Legend keys (``_k``) of URL words; None (every class) when ``slugs`` is None."""
    if slugs is None:
        return None
    return [SLUG_KEYS[layer][s] for s in slugs if s in SLUG_KEYS.get(layer, {})]


def parse_layers(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """Layers and class restrictions of the ``l`` query value.

    ``l=qpv,flood:fort,flood:moyen,shops:vacant`` → ``(["qpv", "flood", "shops"],
    {"flood": ["fort", "moyen"], "shops": ["vacant"]})``. A bare layer name means every class (old
    links keep working, and a bare name wins over restrictions); ``flood:aucun`` means none;
    unknown layers and words are dropped (a layer whose words are all unknown shows every class).
    Restrictions are in legend order.
    """
    layers: list[str] = []
    chosen: dict[str, set[str]] = {}
    bare: set[str] = set()
    for token in text.split(","):
        name, sep, word = token.strip().partition(":")
        if name not in TOGGLE_LAYERS:
            continue
        if name not in layers:
            layers.append(name)
        if not sep or name not in CLASS_LAYERS:
            bare.add(name)
        elif word == NO_CLASS:
            chosen.setdefault(name, set())
        elif word in SLUG_KEYS[name]:
            chosen.setdefault(name, set()).add(word)
    classes = {name: [s for s in SLUG_KEYS[name] if s in words] for name, words in chosen.items() if name not in bare}
    return layers, classes


def format_layers(layers: list[str], classes: dict[str, list[str]] | None = None) -> str:
    """The ``l`` query value of shown layers and their restrictions (inverse of :func:`parse_layers`).

    Restrictions of hidden layers are not written (the layer is off: nothing to restrict).
    """
    classes = classes or {}
    tokens = []
    for layer in layers:
        words = classes.get(layer)
        if words is None or layer not in CLASS_LAYERS:
            tokens.append(layer)
        else:
            tokens += [f"{layer}:{w}" for w in words] or [f"{layer}:{NO_CLASS}"]
    return ",".join(tokens)


# -- GeoJSON --------------------------------------------------------------------------------------
def round_coordinates(geoms: np.ndarray, decimals: int = COORD_DECIMALS) -> np.ndarray:
    """Geometries with every coordinate rounded to ``decimals`` (structure kept)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def to_wgs84(frame: gpd.GeoDataFrame, tolerance_m: float = 0.0) -> gpd.GeoDataFrame:
    """Simplify (in metres, in the territory's projected CRS) then reproject to EPSG:4326, 6 decimals."""
    if frame.crs is None:
        raise ValueError("frame has no CRS; expected the territory's projected CRS")
    out = frame
    if tolerance_m > 0 and frame.crs.is_projected:
        out = frame.copy()
        kinds = out.geom_type
        lines_or_polys = ~kinds.isin(["Point", "MultiPoint"])
        out.loc[lines_or_polys, "geometry"] = out.geometry[lines_or_polys].simplify(tolerance_m, preserve_topology=True)
    out = out.to_crs(CRS_WGS84)
    out["geometry"] = round_coordinates(out.geometry.values)
    return out


def feature_collection(frame: gpd.GeoDataFrame, properties: pd.DataFrame) -> str:
    """GeoJSON FeatureCollection text from EPSG:4326 geometries and a table of properties."""
    geoms = frame.geometry.values
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    texts = shapely.to_geojson(geoms[keep])
    records = properties.loc[keep].to_dict(orient="records")
    dumps = lambda props: json.dumps(props, ensure_ascii=False, default=_json_default)
    features = [
        f'{{"type":"Feature","properties":{dumps(props)},"geometry":{g}}}'
        for props, g in zip(records, texts, strict=True)
    ]
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _json_default(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return str(value)


#: Attributes kept for the map per layer (the API and the exports keep every column).
MAP_COLUMNS = {
    "qpv": ["name", "code_qp", "code_qp_2015", "perimeter_status"],
    "flood": ["scenario"],
    "heat": ["heat_class", "lcz"],
    "shops": ["name", "category", "vacant"],
    "cycle": ["facility", "status", "protected"],
    "population": ["population"],
    "commune": ["name", "insee"],
    "streets": ["name"],
}


def layer_geojson(layer: str, frame: gpd.GeoDataFrame, band: int = 0) -> str:
    """Map GeoJSON of a stored layer (EPSG:2154 in), simplified for ``band``, styled by ``_k``.

    Parameters
    ----------
    layer : str
        Layer id (``target`` for a measure's selection).
    frame : GeoDataFrame
        The features in EPSG:2154.
    band : int
        Zoom band (0, 1, 2): sets the simplification tolerance (m) and, for streets, which are drawn.
    """
    band = clamp_band(band)
    if layer == "streets" and band == 0 and "highway" in frame:
        frame = frame[frame["highway"].astype(str).isin(MAJOR_STREETS)]
    props = pd.DataFrame(index=frame.index)
    for column in MAP_COLUMNS.get(layer, []):
        if column in frame:
            props[column] = frame[column].astype(object).where(frame[column].notna(), None)
    props["_k"] = legend_keys(layer, frame) if len(frame) else pd.Series(dtype=object)
    props["_t"] = _tooltips(layer, frame) if len(frame) else pd.Series(dtype=object)
    if layer == "target" and "_t" in frame:
        props["_t"] = frame["_t"]
    simplified = to_wgs84(frame[["geometry"]], BAND_TOLERANCE_M[band]) if len(frame) else frame[["geometry"]]
    return feature_collection(simplified, props)


# -- tables ---------------------------------------------------------------------------------------
def street_anchor(lines: gpd.GeoSeries, commune: shapely.Geometry | None) -> tuple[shapely.Point, shapely.Geometry]:
    """Where a street search lands: the midpoint of the street's length inside the commune.

    Parameters
    ----------
    lines : GeoSeries
        Every segment of the street (EPSG:2154, m).
    commune : shapely geometry or None
        The commune; None (or a street wholly outside it) keeps the whole street.

    Returns
    -------
    (Point, geometry)
        The point at half the in-commune length (m) of the merged street, and the whole street
        (segments merged), around which "nearby" is measured.
    """
    whole = shapely.line_merge(shapely.union_all(lines.values))
    inside = whole.intersection(commune) if commune is not None else whole
    if inside.is_empty or inside.length == 0:
        inside = whole
    parts = list(getattr(inside, "geoms", [inside]))
    parts = [g for g in parts if g.length > 0] or [inside]
    half = sum(g.length for g in parts) / 2
    for part in parts:
        if half <= part.length:
            return part.interpolate(half), whole
        half -= part.length
    return parts[-1].interpolate(1.0, normalized=True), whole


def layer_summary(layer: str, frame: gpd.GeoDataFrame) -> list[dict]:
    """Rows for the accessible table beside the map: one per legend class (count, km², km)."""
    if frame is None or not len(frame):
        return []
    keys = legend_keys(layer, frame)
    labels = {key: label for key, label, _ in i18n.LEGENDS.get(layer, [])}
    rows = []
    for key in [k for k, _, _ in i18n.LEGENDS.get(layer, [])] or sorted(set(keys)):
        part = frame[keys == key]
        if not len(part):
            continue
        kind = part.geom_type.iloc[0]
        if kind in ("Polygon", "MultiPolygon"):
            measure = f"{i18n.fmt_number(part.area.sum() / 1e6, 2)} km²"
        elif kind in ("LineString", "MultiLineString"):
            measure = f"{i18n.fmt_number(part.length.sum() / 1e3, 1)} km"
        else:
            measure = ""
        rows.append(
            {
                "cle": key,
                "couche": i18n.layer_label(layer),
                "classe": labels.get(key, key),
                "nombre": len(part),
                "mesure": measure,
            }
        )
    return rows

"""What the map draws: layer styles, the GeoJSON layers fetched from ``/carto/…``, the target of
the selected measure, and the commune's bounds."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_leaflet as dl

from pipelines.settings import CRS_WGS84

from .. import i18n, maps
from ..data import Data
from ..maps import pane_name


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

"""GeoPackage export of stored layers, each labelled with where it comes from.

One implementation for the dashboard's downloads (``/export/<t>/<layer>.gpkg``) and the QGIS
project (``python -m pipelines qgis-project``): every exported layer carries, per feature, the
columns ``provenance`` (``fictional`` or ``real``) and ``licence`` (the manifest's licences, with
the OpenStreetMap attribution when a source is ODbL), and the same fields as GeoPackage layer
metadata and description, so that the demo town can never pass for a real place once it is out
of Cartopolis.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pyogrio

from .settings import CRS_L93

FICTIONAL_NOTE = "Données inventées pour la démonstration : ville fictive, aucun chiffre ne décrit un lieu réel."
REAL_NOTE = "Données publiques ; citer les éditeurs et respecter les licences indiquées."
OSM_ATTRIBUTION = "© les contributeurs d'OpenStreetMap, ODbL"


def provenance(manifest: dict, territory: str, layer: str) -> dict:
    """Provenance of one layer of a territory, from its manifest (the ``cartopolis`` member).

    Returns
    -------
    dict
        ``territory``, ``territory_name``, ``layer``, ``fictional`` (bool), ``provenance``
        (``fictional`` / ``real``), ``publishers``, ``licences``, ``vintages``, ``pages`` (lists),
        ``attribution`` (the OpenStreetMap attribution for ODbL sources, else None), ``licence``
        (one string for a column) and ``note`` (French).
    """
    info = manifest.get("territory") or {}
    entry = (manifest.get("layers") or {}).get(layer) or {}
    prov = entry.get("provenance") or {}
    fictional = bool(info.get("fictional")) or prov.get("kind") == "fictional"
    licences = [str(x) for x in prov.get("licences") or []]
    publishers = [str(x) for x in prov.get("publishers") or []]
    osm = any("odbl" in x.lower() for x in licences) or any("openstreetmap" in x.lower() for x in publishers)
    licence = " ; ".join(licences)
    # The ODbL asks for the attribution wherever the data goes; add it unless a licence already says it.
    if osm and "contributeurs d'openstreetmap" not in licence.lower():
        licence = " ; ".join(x for x in (licence, OSM_ATTRIBUTION) if x)
    return {
        "territory": territory,
        "territory_name": info.get("name", territory),
        "layer": layer,
        "fictional": fictional,
        "provenance": "fictional" if fictional else "real",
        "publishers": publishers,
        "licences": licences,
        "vintages": [str(x) for x in prov.get("vintages") or []],
        "pages": [str(x) for x in prov.get("pages") or []],
        "attribution": OSM_ATTRIBUTION if osm else None,
        "licence": licence,
        "note": FICTIONAL_NOTE if fictional else REAL_NOTE,
    }


def label_features(frame: gpd.GeoDataFrame, info: dict) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with the columns ``provenance`` and ``licence`` (they survive in QGIS)."""
    out = frame.copy()
    out["provenance"] = info["provenance"]
    out["licence"] = info["licence"]
    return out.set_geometry(frame.geometry.name)


def export_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A layer ready for export: plain dtypes (QGIS reads them), no empty geometries."""
    out = frame[~(frame.geometry.isna() | frame.geometry.is_empty)].copy()
    for column in out.columns:
        if column == out.geometry.name:
            continue
        if str(out[column].dtype) in ("boolean", "Int64", "string"):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def write_gpkg(frame: gpd.GeoDataFrame, path: Path, layer: str, info: dict, crs: str | None = CRS_L93) -> Path:
    """Write ``frame`` as layer ``layer`` of the GeoPackage ``path``, labelled with ``info``.

    ``frame`` already carries the feature columns of :func:`label_features`; ``info`` is
    :func:`provenance` of the layer: its fields become the layer's metadata and description. An
    existing GeoPackage keeps its other layers (a layer of the same name is replaced). ``crs``:
    EPSG:2154 by default, None keeps the frame's own (the territory's) CRS. The file is a
    GeoPackage 1.2, which QGIS 3.22 (Debian 12) reads without a warning.
    """
    metadata = {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in info.items()
        if value is not None
    }
    description = f"{info['territory_name']} — {info['layer']} — {info['provenance']} — {info['licence']}"
    pyogrio.write_dataframe(
        frame if crs is None else frame.to_crs(crs),
        path,
        driver="GPKG",
        layer=layer,
        layer_metadata=metadata,
        layer_options={"DESCRIPTION": f"{description}. {info['note']}", "OVERWRITE": "YES"},
        dataset_options={"VERSION": "1.2"},
    )
    return Path(path)

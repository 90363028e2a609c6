"""``python -m pipelines qgis-project``: a QGIS project of a territory's layers, styled as on the map.

The project (``.qgz``: a zip holding the ``.qgs`` XML, or a plain ``.qgs``) opens the territory's
built layers from a GeoPackage written beside it (``ales.qgz`` → ``ales.gpkg``, one GeoPackage
layer per Cartopolis layer, labelled with provenance and licence by :mod:`pipelines.gpkg`, in the
territory's CRS), or, when the store is PostGIS, from its tables (QGIS' ``postgres`` provider; no
password is written: QGIS asks for it or reads ``~/.pgpass``). Each layer is drawn with the
classes and colours of the dashboard legend (:data:`pipelines.styles.LEGENDS`): a categorized
renderer whose categories are the legend keys, computed by a QGIS expression from the layer's own
columns (flood scenario, heat class, vacant or active shop, cycle facility or ``projet``, exact or
approximate QPV contour, population density tertile). Layers are grouped and named in French,
and each carries its sources, publishers, vintages, licences and notes in its QGIS metadata.
Layers that are not built are listed in the project's description with their reason, never drawn
empty.
"""

from __future__ import annotations

import argparse
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
from pyproj import CRS

from . import _qgis_xml as qx
from .errors import CartopolisError, UsageError
from .gpkg import FICTIONAL_NOTE, export_frame, label_features, provenance, write_gpkg
from .schemas import SCHEMAS
from .store import Store, open_store
from .styles import APPROXIMATE, LEGENDS, density_breaks, density_per_km2
from .transaction import SERVED_STATUSES

#: The QGIS version the project is written for (Debian 12 ships 3.22 LTR; later versions read it).
QGIS_VERSION = "3.22.0-Białowieża"
#: Layer tree, top to bottom (QGIS draws the bottom first): the dashboard's pane order.
GROUPS: list[tuple[str, list[str]]] = [
    ("Commerces et mobilité", ["shops", "cycle"]),
    ("Contexte", ["streets", "commune"]),
    ("Quartiers prioritaires", ["qpv", "qpv_2015"]),
    ("Risques et climat", ["flood", "heat"]),
    ("Habitants", ["population"]),
]
#: Layers shown when the project opens (the dashboard's defaults); the others are one tick away.
VISIBLE = frozenset({"commune", "qpv", "streets"})
LAYER_NAMES = {name: schema.label for name, schema in SCHEMAS.items()} | {"streets": "Rues"}


def _quote(text: str) -> str:
    """A QGIS expression string literal."""
    return "'" + text.replace("'", "''") + "'"


def class_expression(layer: str, frame: gpd.GeoDataFrame) -> str | None:
    """The QGIS expression giving each feature its legend key (as ``dashboard.maps.legend_keys``).

    None for the layers drawn with one symbol (commune, streets).
    """
    if layer == "flood":
        return '"scenario"'
    if layer == "heat":
        return '"heat_class"'
    if layer == "shops":
        return "CASE WHEN \"vacant\" THEN 'vacant' ELSE 'actif' END"
    if layer == "cycle":
        return "CASE WHEN \"status\" = 'projet' THEN 'projet' ELSE \"facility\" END"
    if layer == "qpv":
        approx = ", ".join(_quote(status) for status in sorted(APPROXIMATE))
        return f"CASE WHEN \"perimeter_status\" IN ({approx}) THEN 'qpv_approx' ELSE 'qpv' END"
    if layer == "qpv_2015":
        keys = {"sorti en 2024": "sorti", "modifié en 2024": "modifie", "inchangé en 2024": "inchange"}
        cases = " ".join(f'WHEN "status_2024" = {_quote(k)} THEN {_quote(v)}' for k, v in keys.items())
        return f"CASE {cases} ELSE 'inconnu' END"
    if layer == "population":
        low, high = density_breaks(density_per_km2(frame))
        density = '"population" / (area($geometry) / 1000000)'
        return f"CASE WHEN {density} > {high!r} THEN 'p2' WHEN {density} > {low!r} THEN 'p1' ELSE 'p0' END"
    return None


def _style(layer: str, key: str, colour: str) -> dict[str, str]:
    """Symbol options of one class, with the dashboard's widths, dashes and opacities."""
    if layer == "cycle":
        return qx.line_style(colour, 3, 0.95, "dash" if key == "projet" else "solid")
    if layer == "streets":
        return qx.line_style(colour, 1, 0.8)
    if layer == "shops":
        return qx.marker_style(colour, 5)
    if layer == "commune":
        return qx.fill_style(colour, 0.0, 2.5)
    if layer == "qpv":
        return (
            qx.fill_style(colour, 0.06, 2, "dot") if key == "qpv_approx" else qx.fill_style(colour, 0.12, 2.5, "dash")
        )
    if layer == "qpv_2015":
        return qx.fill_style(colour, 0.04, 2, "dash")
    return qx.fill_style(colour, 0.55, 0.5)


def _kind(frame: gpd.GeoDataFrame) -> tuple[str, str, str]:
    """(QGIS symbol kind, ``geometry`` attribute, ``wkbType``) of a frame's geometries."""
    types = set(frame.geom_type.dropna())
    if types <= {"Point", "MultiPoint"}:
        return "marker", "Point", "MultiPoint" if "MultiPoint" in types else "Point"
    if types <= {"LineString", "MultiLineString"}:
        return "line", "Line", "MultiLineString" if "MultiLineString" in types else "LineString"
    return "fill", "Polygon", "MultiPolygon" if "MultiPolygon" in types else "Polygon"


def _renderer(parent: ET.Element, layer: str, frame: gpd.GeoDataFrame, kind: str) -> None:
    expression = class_expression(layer, frame)
    entries = LEGENDS[layer]
    if expression is None:
        qx.single_renderer(parent, kind, _style(layer, entries[0][0], entries[0][2]))
        return
    # the schemas allow no class outside the legend (facility, scenario, heat class are vocabularies)
    categories = [(key, label) for key, label, _ in entries]
    styles = [_style(layer, key, colour) for key, _, colour in entries]
    qx.categorized_renderer(parent, expression, categories, kind, styles)


def _metadata(parent: ET.Element, manifest: dict, territory: str, layer: str, info: dict) -> None:
    entry = (manifest.get("layers") or {}).get(layer) or {}
    name = f"{LAYER_NAMES.get(layer, layer)} — {info['territory_name']}"
    lines = [
        f"Producteurs : {', '.join(info['publishers']) or 'non renseigné'}.",
        f"Millésimes : {', '.join(info['vintages']) or 'non renseigné'}.",
        f"Licence : {info['licence'] or 'non renseignée'}.",
        f"Données {'fictives' if info['fictional'] else 'réelles'} : {info['note']}",
        *[str(note) for note in entry.get("notes") or []],
    ]
    qx.resource_metadata(
        parent,
        title=name,
        abstract="\n".join(lines),
        rights=[info["licence"]] if info["licence"] else [],
        licences=info["licences"],
        links=[(f"Page de la source {i + 1}", url) for i, url in enumerate(info["pages"])],
        keywords={
            "cartopolis:sources": [str(s) for s in entry.get("sources") or []],
            "cartopolis:provenance": [info["provenance"]],
        },
        history=[f"Construit le {entry.get('built_at', '?')} par Cartopolis {entry.get('pipeline_version', '?')}"],
    )


@dataclass(frozen=True)
class ProjectLayer:
    """One layer of the project: its id in the XML, its source (GeoPackage or PostGIS) and its frame."""

    layer: str
    layer_id: str
    source: str
    frame: gpd.GeoDataFrame
    provider: str = "ogr"


def postgis_source(dsn: str, schema: str, table: str, frame: gpd.GeoDataFrame) -> str:
    """QGIS ``postgres`` provider URI of a store table (never with the password: QGIS asks, or reads ~/.pgpass)."""
    from psycopg.conninfo import conninfo_to_dict  # imported here: every CLI command registers this module

    from ._pg_io import ROW_KEY

    params = conninfo_to_dict(dsn)
    parts = [f"dbname='{params.get('dbname', '')}'", f"host={params.get('host', 'localhost')}"]
    parts += [f"port={params.get('port', 5432)}", f"user='{params.get('user', '')}'"]
    if params.get("sslmode"):
        parts.append(f"sslmode={params['sslmode']}")
    _, _, wkb = _kind(frame)
    parts += [f"key='{ROW_KEY}'", f"srid={frame.crs.to_epsg()}", f"type={wkb}", "checkPrimaryKeyUnicity='0'"]
    parts.append(f'table="{schema}"."{table}" ({frame.geometry.name})')
    return " ".join(parts)


def _maplayer(parent: ET.Element, item: ProjectLayer, manifest: dict, territory: str) -> None:
    kind, geometry, wkb = _kind(item.frame)
    node = qx.sub(parent, "maplayer", type="vector", geometry=geometry, wkbType=wkb, readOnly="0", labelsEnabled="0")
    qx.sub(node, "id", item.layer_id)
    qx.sub(node, "datasource", item.source)
    qx.sub(node, "layername", LAYER_NAMES.get(item.layer, item.layer))
    qx.spatialrefsys(qx.sub(node, "srs"), CRS.from_user_input(item.frame.crs))
    _metadata(node, manifest, territory, item.layer, provenance(manifest, territory, item.layer))
    qx.sub(node, "provider", item.provider, encoding="UTF-8")
    _renderer(node, item.layer, item.frame, kind)
    qx.sub(node, "blendMode", "0")
    qx.sub(node, "featureBlendMode", "0")
    qx.sub(node, "layerOpacity", "1")


def project_xml(manifest: dict, territory: str, items: list[ProjectLayer], crs: CRS, bounds: list[float]) -> bytes:
    """The ``.qgs`` XML of a territory's project (UTF-8 bytes with the QGIS doctype)."""
    info = manifest.get("territory") or {}
    fictional = bool(info.get("fictional"))
    title = f"Cartopolis — {info.get('name', territory)}{' (FICTIF)' if fictional else ''}"
    root = ET.Element("qgis", {"projectname": title, "version": QGIS_VERSION})
    qx.sub(root, "homePath", path="")
    qx.sub(root, "title", title)
    qx.spatialrefsys(qx.sub(root, "projectCrs"), crs)
    tree = qx.sub(root, "layer-tree-group")
    by_layer = {item.layer: item for item in items}
    for group_name, layers in GROUPS:
        present = [by_layer[name] for name in layers if name in by_layer]
        if not present:
            continue
        group = qx.sub(tree, "layer-tree-group", name=group_name, checked="Qt::Checked", expanded="1")
        for item in present:
            qx.sub(
                group,
                "layer-tree-layer",
                id=item.layer_id,
                name=LAYER_NAMES.get(item.layer, item.layer),
                source=item.source,
                providerKey=item.provider,
                checked="Qt::Checked" if item.layer in VISIBLE else "Qt::Unchecked",
                expanded="1",
            )
    canvas = qx.sub(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    qx.sub(canvas, "units", "meters")
    extent = qx.sub(canvas, "extent")
    for tag, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True):
        qx.sub(extent, tag, repr(float(value)))
    qx.sub(canvas, "rotation", "0")
    qx.spatialrefsys(qx.sub(canvas, "destinationsrs"), crs)
    layers_node = qx.sub(root, "projectlayers")
    for item in items:
        _maplayer(layers_node, item, manifest, territory)
    properties = qx.sub(root, "properties")
    qx.sub(qx.sub(properties, "Paths"), "Absolute", "false", type="bool")  # sources beside the project
    qx.sub(qx.sub(properties, "SpatialRefSys"), "ProjectionsEnabled", "1", type="int")
    _project_metadata(root, manifest, title, fictional)
    ET.indent(root)
    return b"<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="utf-8")


def _project_metadata(root: ET.Element, manifest: dict, title: str, fictional: bool) -> None:
    missing = [
        f"{LAYER_NAMES.get(name, name)} : {entry.get('reason', 'non construite')}"
        for name, entry in (manifest.get("layers") or {}).items()
        if entry.get("status") != "ok"
    ]
    abstract = "Couches de Cartopolis, stylées comme la carte du tableau de bord."
    if fictional:
        abstract += " " + FICTIONAL_NOTE
    if missing:
        abstract += "\nCouches indisponibles :\n" + "\n".join(f"- {line}" for line in missing)
    meta = qx.sub(root, "projectMetadata")
    qx.sub(meta, "language", "fr")
    qx.sub(meta, "type", "dataset")
    qx.sub(meta, "title", title)
    qx.sub(meta, "abstract", abstract)
    qx.sub(meta, "author", "Cartopolis")


def resolve_territory(store: Store, key: str) -> str:
    """The id of a built territory named by its id or INSEE code (UsageError when not built)."""
    built = store.territories()
    if key in built:
        return key
    for tid in built:
        if str((store.manifest(tid).get("territory") or {}).get("insee")) == key:
            return tid
    raise UsageError(
        f"territory `{key}` is not built in the store `{store.root}`: run "
        f"`python -m pipelines build --territory {key}` first (built: {', '.join(built) or 'none'})"
    )


def write_project(
    store: Store, key: str, out: Path, *, gpkg_from_postgis: bool = False
) -> tuple[Path, Path | None, list[str]]:
    """Write the QGIS project ``out`` (``.qgz`` or ``.qgs``) and, for a folder store, its GeoPackage beside it.

    With a PostGIS store the layers open from the database (its tables, ``postgres`` provider),
    unless ``gpkg_from_postgis`` asks for the GeoPackage as well.

    Returns
    -------
    (Path, Path or None, list of str)
        The project, the GeoPackage (None when the layers are PostGIS tables), and the layers in it.
    """
    out = Path(out)
    if out.suffix.lower() not in (".qgz", ".qgs"):
        raise UsageError(f"`{out}`: a QGIS project ends in .qgz (or .qgs), not `{out.suffix or 'nothing'}`")
    if not out.parent.is_dir():
        raise UsageError(f"`{out}`: the folder `{out.parent}` does not exist")
    territory = resolve_territory(store, key)
    manifest = store.manifest(territory)
    dsn = getattr(store, "dsn", None)
    gpkg = None if dsn and not gpkg_from_postgis else out.with_suffix(".gpkg")
    if gpkg is not None:
        gpkg.unlink(missing_ok=True)
    items: list[ProjectLayer] = []
    for _, layers in GROUPS:
        for layer in layers:
            if ((manifest.get("layers") or {}).get(layer) or {}).get("status") not in SERVED_STATUSES:
                continue
            frame = export_frame(store.read_layer(territory, layer, crs=None))
            if frame.empty:
                continue
            # QGIS keeps a layer id only when it is longer than 10 characters (else it makes a new one)
            layer_id = f"cartopolis_{territory}_{layer}"
            if gpkg is None:
                source = postgis_source(dsn, territory, layer, frame)
                items.append(ProjectLayer(layer, layer_id, source, frame, "postgres"))
                continue
            info = provenance(manifest, territory, layer)
            write_gpkg(label_features(frame, info), gpkg, layer, info, crs=None)
            items.append(ProjectLayer(layer, layer_id, f"./{gpkg.name}|layername={layer}", frame))
    if not items:
        raise CartopolisError(f"territory `{territory}` has no built layer to put in a QGIS project")
    anchor = next((item.frame for item in items if item.layer == "commune"), items[0].frame)
    xml = project_xml(manifest, territory, items, CRS.from_user_input(anchor.crs), list(anchor.total_bounds))
    if out.suffix.lower() == ".qgs":
        out.write_bytes(xml)
    else:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(out.with_suffix(".qgs").name, xml)
    return out, gpkg, [item.layer for item in items]


def cmd_qgis_project(args: argparse.Namespace, console) -> int:
    """CLI: write the project and say what is in it."""
    store = open_store(args.data)
    project, gpkg, layers = write_project(store, args.territory, Path(args.out), gpkg_from_postgis=args.gpkg)
    console.print(f"projet QGIS : {project} ({len(layers)} couches : {', '.join(layers)})")
    console.print(f"GeoPackage : {gpkg}" if gpkg else f"couches lues dans PostGIS : {store.root}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``qgis-project`` to the CLI's subcommands."""
    p = commands.add_parser("qgis-project", help="write a QGIS project (.qgz) of a territory's layers, styled")
    p.add_argument("--territory", required=True, help="territory id or INSEE code (built)")
    p.add_argument("--out", required=True, help="project file (.qgz or .qgs); the GeoPackage is written beside it")
    p.add_argument("--data", help="store, a folder or postgresql://… (default: CARTOPOLIS_STORE, CARTOPOLIS_DATA)")
    p.add_argument("--gpkg", action="store_true", help="with a PostGIS store, write the GeoPackage and use it")
    p.set_defaults(func=cmd_qgis_project)

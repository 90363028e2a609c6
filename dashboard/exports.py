"""Exports of the current selection: provenance labels, GeoJSON / GeoPackage files and CSV tables.

Pure functions on frames and manifests; :mod:`dashboard.api` wires them to the routes.

Provenance
    Every exported layer carries where it comes from, so that the demo town can never pass for
    a real place once it is out of the dashboard: per feature the columns ``provenance``
    (``fictional`` or ``real``) and ``licence`` (the manifest's licences, with the OpenStreetMap
    attribution when a source is ODbL); in GeoJSON a top-level member ``cartopolis`` (see
    :func:`provenance`); in a GeoPackage the same fields as layer metadata and description.

CSV of the current selection (``/export/<t>/indicators.csv``)
    UTF-8 with a byte-order mark (Excel then reads the accents), one header line, RFC 4180
    quoting. Default separator ``,`` with a decimal point (QGIS, pandas, LibreOffice);
    ``?sep=;`` gives ``;`` with a decimal comma, the form a French Excel opens by double-click.
    One tidy long table, one value per row, with the columns :data:`CSV_COLUMNS`. ``section``
    tells the rows apart:

    - ``indicateur``: rows of ``indicators.parquet`` for the toggled layers (``?layers=a,b``;
      all layers when absent), always with the ``zone`` and ``population`` rows (areas and
      residents, the denominators of every rate) and the target layer of the measure;
    - ``mesure``: with ``?programme=…&measure=…``, the measure's result over the commune
      (``indicator`` = ``need``, ``need_in_qpv``, ``share_in_qpv``, ``equity_ratio``,
      ``rate_qpv``, ``rate_hors_qpv``…; ``unit`` = ``need_unit`` for the need; ``label`` =
      ``need_label``; ``status`` and ``reason`` of the measure on every row);
    - ``mesure_qpv``: its per-QPV table (``indicator`` = ``need``, ``share_of_commune``,
      ``rate``, ``residents``; ``zone_id`` = the QPV code).

    Values that are not computed (status ``unavailable``, ``non_spatial``) are empty cells; the
    ``need`` row is always written so that the reason is never lost.

``/export/<t>/measures.csv``: ``measures.parquet`` as is (one row per measure, wide), same
encoding and separator options, plus ``provenance`` and ``licence``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from pipelines.gpkg import (  # noqa: F401 (provenance and notes are read from here by the dashboard)
    FICTIONAL_NOTE,
    OSM_ATTRIBUTION,
    REAL_NOTE,
    export_frame,
    label_features,
    provenance,
    write_gpkg,
)
from pipelines.settings import CRS_L93, CRS_WGS84

from . import maps

CSV_COLUMNS = [
    "section",
    "territory",
    "programme",
    "measure_id",
    "zone_id",
    "zone_kind",
    "zone_name",
    "layer",
    "indicator",
    "value",
    "unit",
    "label",
    "status",
    "reason",
    "provenance",
    "licence",
]
#: Layers whose indicator rows are in every CSV: zone areas and residents are the denominators.
ALWAYS_LAYERS = ("zone", "population")

#: Measure figures written as rows of section ``mesure``: column → (unit column or unit, label).
MEASURE_FIGURES = {
    "need": ("need_unit", None),
    "need_in_qpv": ("need_unit", "besoin situé dans les QPV"),
    "share_in_qpv": ("part", "part du besoin située dans les QPV"),
    "equity_ratio": ("ratio", "rapport d'équité : taux dans les QPV ÷ taux hors QPV"),
    "need_commune": ("need_unit", "besoin dans toute la commune"),
    "need_residents": ("habitants", "habitants concernés"),
    "rate_qpv": ("rate_unit", "taux dans les QPV"),
    "rate_hors_qpv": ("rate_unit", "taux hors QPV"),
}
#: Per-QPV figures written as rows of section ``mesure_qpv``.
QPV_FIGURES = {
    "need": ("need_unit", "besoin dans le QPV"),
    "share_of_commune": ("part", "part du besoin de la commune"),
    "rate": ("rate_unit", "taux dans le QPV"),
    "residents": ("habitants", "habitants du QPV"),
}


# -- provenance -----------------------------------------------------------------------------------
def territory_provenance(manifest: dict) -> str:
    """``fictional`` or ``real`` for a whole territory (its manifest's ``territory.fictional``)."""
    return "fictional" if (manifest.get("territory") or {}).get("fictional") else "real"


def with_member(geojson_text: str, info: dict) -> str:
    """GeoJSON FeatureCollection text with the top-level member ``cartopolis`` inserted after ``type``.

    The text is not re-parsed when it opens with its ``type`` member (the output of
    :func:`dashboard.maps.feature_collection` and of GDAL): exports of large layers stay cheap.
    """
    member = json.dumps(info, ensure_ascii=False)
    head = re.match(r'\{\s*"type"\s*:\s*"FeatureCollection"\s*,', geojson_text)
    if head:
        return f'{head.group(0)}"cartopolis":{member},{geojson_text[head.end() :]}'
    data = json.loads(geojson_text)
    return json.dumps({"type": data.pop("type"), "cartopolis": info, **data}, ensure_ascii=False)


def write_export(frame: gpd.GeoDataFrame, fmt: str, folder: Path, stem: str, info: dict) -> Path:
    """Write a labelled frame as GeoJSON (EPSG:4326, 6 decimals) or GeoPackage (the territory's CRS:
    EPSG:2154 in metropolitan France, the local UTM overseas, as stored).

    ``info`` is :func:`provenance` of the layer: its fields become feature columns, the GeoJSON
    member ``cartopolis``, and the GeoPackage layer's metadata and description.
    """
    frame = label_features(export_frame(frame), info)
    if fmt == "geojson":
        path = folder / f"{stem}.geojson"
        out = frame.to_crs(CRS_WGS84)
        out["geometry"] = maps.round_coordinates(out.geometry.values)
        pyogrio.write_dataframe(out, path, driver="GeoJSON", layer=stem)
        path.write_text(with_member(path.read_text(encoding="utf-8"), info), encoding="utf-8")
        return path
    # the territory's own projected CRS (Lambert-93, or the official one overseas)
    crs = None if frame.crs is not None and frame.crs.is_projected else CRS_L93
    return write_gpkg(frame, folder / f"{stem}.gpkg", stem, info, crs=crs)


# -- CSV ------------------------------------------------------------------------------------------
def _long_rows(row: pd.Series, figures: dict, base: dict) -> list[dict]:
    out = []
    for indicator, (unit, label) in figures.items():
        if indicator not in row.index:
            continue
        value = row[indicator]
        if indicator != "need" and pd.isna(value):
            continue
        unit_value = row[unit] if unit in row.index else unit  # a column of the row, or the unit itself
        out.append(
            {
                **base,
                "indicator": indicator,
                "value": None if pd.isna(value) else float(value),
                "unit": None if pd.isna(unit_value) else unit_value,
                "label": label or row.get("need_label"),
            }
        )
    return out


def measure_rows(measure: pd.Series, per_qpv: pd.DataFrame | None, zone_name: str) -> pd.DataFrame:
    """The ``mesure`` and ``mesure_qpv`` rows of one measure (a row of ``measures.parquet``)."""
    base = {
        "territory": measure["territory"],
        "programme": measure["programme"],
        "measure_id": measure["measure_id"],
        "layer": measure.get("layer"),
        "status": measure.get("status"),
        "reason": measure.get("reason"),
    }
    rows = _long_rows(
        measure, MEASURE_FIGURES, {**base, "section": "mesure", "zone_id": "commune", "zone_kind": "commune"}
    )
    for rec in rows:
        rec["zone_name"] = zone_name
    for _, qpv in (per_qpv if per_qpv is not None else pd.DataFrame()).iterrows():
        extra = {"section": "mesure_qpv", "zone_id": qpv["zone_id"], "zone_kind": "qpv", "zone_name": qpv["zone_name"]}
        rows += _long_rows(qpv, QPV_FIGURES, {**base, **extra})
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def selection_table(
    manifest: dict,
    territory: str,
    indicators: pd.DataFrame,
    layers: list[str] | None,
    measure: pd.Series | None = None,
    per_qpv: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The long table of the CSV export (columns :data:`CSV_COLUMNS`, see the module docstring).

    Parameters
    ----------
    manifest : dict
        The territory's manifest (provenance of each layer).
    indicators : DataFrame
        ``indicators.parquet``.
    layers : list of str or None
        Toggled layers; None or empty keeps every layer.
    measure : Series, optional
        The measure's row of ``measures.parquet``; its target layer is added to ``layers``.
    per_qpv : DataFrame, optional
        Its rows of ``measures_qpv.parquet``.
    """
    table = indicators.copy()
    if layers and "layer" in table:
        wanted = [*ALWAYS_LAYERS, *layers]
        if measure is not None and isinstance(measure.get("layer"), str):
            wanted.append(measure["layer"])
        table = table[table["layer"].isin(wanted)]
    table.insert(0, "section", "indicateur")
    out = table.reindex(columns=CSV_COLUMNS)
    if measure is not None:
        name = (manifest.get("territory") or {}).get("name", territory)
        out = pd.concat([out, measure_rows(measure, per_qpv, name)], ignore_index=True)
    return add_provenance(out, manifest, territory)


def add_provenance(table: pd.DataFrame, manifest: dict, territory: str) -> pd.DataFrame:
    """Fill ``provenance`` and ``licence`` per row from the manifest entry of the row's ``layer``.

    Rows of the ``zone`` layer (or without a layer) take the commune's licence.
    """
    out = table.copy()
    layer = out["layer"] if "layer" in out else pd.Series("commune", index=out.index)
    layer = layer.where(layer.notna() & (layer != "zone"), "commune")
    infos = {name: provenance(manifest, territory, name) for name in layer.unique()}
    out["provenance"] = layer.map(lambda name: infos[name]["provenance"])
    out["licence"] = layer.map(lambda name: infos[name]["licence"])
    return out


def to_csv(table: pd.DataFrame, sep: str = ",") -> str:
    """CSV text with a byte-order mark; ``sep=";"`` also writes a decimal comma (French Excel)."""
    if sep not in (",", ";"):
        raise ValueError(f"séparateur inconnu : « {sep} » (« , » ou « ; »)")
    decimal = "," if sep == ";" else "."
    return "\ufeff" + table.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\r\n")

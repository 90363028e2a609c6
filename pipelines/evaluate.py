"""Evaluate a built territory: its indicators and the measures of the programmes applied to it.

The I/O side of :mod:`pipelines.indicators`: read the layers that are ``ok`` in the territory's
manifest, make the zones, compute the indicators and, for every measure of every programme
applied to the territory, its need; write three tables with :meth:`Store.write_table`:

- ``indicators.parquet``: territory, zone_id, zone_kind, zone_name, layer, indicator, value, unit,
  label, reason (one row per zone × indicator);
- ``measures.parquet``: one row per (programme, measure) — need in scope, need in QPV, share in
  QPV, equity ratio, status (``ok``, ``unavailable``, ``non_spatial``, ``no_qpv``) and reason;
- ``measures_qpv.parquet``: one row per (programme, measure, QPV).

A measure is never silently dropped: when its target layer is not ``ok`` its row says
``unavailable`` with the layer's reason from the manifest.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .errors import CartopolisError
from .indicators import (
    PROXIMITY_M,
    NeedUnavailable,
    compute_indicators,
    describe_need,
    make_zones,
    need_per_qpv,
    summarise_need,
    target_need,
)
from .measures import SCOPES, Measure, Programme, load_programmes, programmes_for
from .schemas import LAYERS
from .store import Store

MEASURE_COLUMNS = [
    "programme",
    "measure_id",
    "territory",
    "title",
    "layer",
    "select",
    "scope",
    "buffer_m",
    "need",
    "need_unit",
    "need_label",
    "need_in_qpv",
    "share_in_qpv",
    "equity_ratio",
    "status",
    "reason",
    "need_commune",
    "need_residents",
    "rate_qpv",
    "rate_hors_qpv",
    "rate_unit",
]
MEASURE_QPV_COLUMNS = [
    "programme",
    "measure_id",
    "territory",
    "zone_id",
    "zone_name",
    "need",
    "need_unit",
    "share_of_commune",
    "rate",
    "rate_unit",
    "residents",
]
#: Layers whose absence makes a target's need impossible (population: resident needs).
_NEEDS = {"qpv": ("qpv", "population"), "population": ("population",)}


def layer_reason(manifest: dict, layer: str) -> str | None:
    """Why ``layer`` cannot be used (French), or None when it is ``ok``."""
    entry = manifest.get("layers", {}).get(layer)
    if entry is None:
        return f"couche {layer} non construite"
    if entry.get("status") == "ok":
        return None
    state = "indisponible" if entry.get("status") == "unavailable" else "en erreur"
    return f"couche {layer} {state} : {entry.get('reason', '')}"


def read_ok_layers(store: Store, territory: str, manifest: dict) -> dict[str, gpd.GeoDataFrame]:
    """The thematic layers that are ``ok`` in the manifest, read from the store (EPSG:2154)."""
    return {layer: store.read_layer(territory, layer) for layer in LAYERS if layer_reason(manifest, layer) is None}


def _required_layers(measure: Measure) -> tuple[str, ...]:
    target = measure.target
    if target.layer == "cycle" and target.buffer_m is not None:
        return ("cycle", "population")
    return _NEEDS.get(target.layer, (target.layer,))


def evaluate_measure(
    programme: Programme,
    measure: Measure,
    territory: str,
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    manifest: dict,
    needs: dict | None = None,
) -> tuple[dict, pd.DataFrame | None]:
    """One measure's row of ``measures.parquet`` and its per-QPV table (None when there is none).

    ``needs`` memoises the needs per (layer, select, buffer_m) across the measures of a territory:
    a contrat de ville names the same target for many measures.
    """
    row = {column: None for column in MEASURE_COLUMNS}
    row.update(programme=programme.id, measure_id=measure.id, territory=territory, title=measure.title)
    target = measure.target
    if target is None:
        reason = measure.non_spatial_reason or (f"même mesure que « {measure.same_as} »" if measure.same_as else "")
        return {**row, "status": "non_spatial", "reason": reason or "mesure sans lieu"}, None
    described = describe_need(target.layer, target.select, target.buffer_m)
    row.update(
        layer=target.layer,
        select=target.select,
        scope=target.scope,
        buffer_m=target.buffer_m,
        need_unit=described["unit"],
        need_label=f"{described['label']}, {SCOPES.get(target.scope, target.scope)}",
        rate_unit=described["rate_unit"],
    )
    missing = [why for layer in _required_layers(measure) if (why := layer_reason(manifest, layer))]
    if missing:
        return {**row, "status": "unavailable", "reason": "; ".join(missing)}, None
    flood_scenarios = manifest["layers"].get("flood", {}).get("scenarios_present")
    key = (target.layer, target.select, target.buffer_m)
    needs = {} if needs is None else needs
    try:
        if key not in needs:
            needs[key] = target_need(zones, layers, *key, flood_scenarios=flood_scenarios)
    except NeedUnavailable as exc:
        return {**row, "status": "unavailable", "reason": str(exc)}, None
    need = needs[key]
    summary = summarise_need(zones, need, target.scope)
    if not (zones["zone_kind"] == "qpv").any():
        qpv_why = layer_reason(manifest, "qpv") or "aucun périmètre de QPV dans la commune"
        summary["reason"] = "; ".join(r for r in (summary["reason"], qpv_why) if r)
        return {**row, **summary}, None
    per_qpv = need_per_qpv(zones, need)
    per_qpv.insert(0, "territory", territory)
    per_qpv.insert(0, "measure_id", measure.id)
    per_qpv.insert(0, "programme", programme.id)
    return {**row, **summary}, per_qpv[MEASURE_QPV_COLUMNS]


def evaluate_measures(
    territory: str,
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    manifest: dict,
    programmes: list[Programme],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``measures`` and ``measures_qpv`` tables of every measure of ``programmes``."""
    rows, tables, needs = [], [], {}
    for programme in programmes:
        for measure in programme.measures:
            row, per_qpv = evaluate_measure(programme, measure, territory, zones, layers, manifest, needs)
            rows.append(row)
            if per_qpv is not None:
                tables.append(per_qpv)
    measures = pd.DataFrame(rows, columns=MEASURE_COLUMNS)
    for column in ("buffer_m", "need", "need_in_qpv", "share_in_qpv", "equity_ratio", "need_commune",
                   "need_residents", "rate_qpv", "rate_hors_qpv"):  # fmt: skip
        measures[column] = measures[column].astype("float64")
    per_qpv = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=MEASURE_QPV_COLUMNS)
    return measures, per_qpv


def evaluate_territory(
    store: Store,
    territory: str,
    programmes: dict[str, Programme] | None = None,
    *,
    proximity_m: float = PROXIMITY_M,
) -> dict[str, dict]:
    """Compute and write the indicators and measures tables of ``territory``; record them in the manifest.

    Parameters
    ----------
    store : Store
        Where the territory's layers were built; the tables are written beside them.
    territory : str
        Territory id.
    programmes : dict, optional
        Programme id → Programme (default: :func:`pipelines.measures.load_programmes`).
    proximity_m : float
        Distance (m) for "residents near a protected cycle facility".

    Returns
    -------
    dict
        Table name → ``{"status": "ok", "rows": n, "file": …}``, also stored as
        ``manifest["tables"]``.

    Raises
    ------
    CartopolisError
        When the commune layer is not ``ok`` (no zone can be drawn).
    """
    manifest = store.manifest(territory)
    why = layer_reason(manifest, "commune")
    if why:
        raise CartopolisError(f"{territory}: indicateurs impossibles, {why}")
    layers = read_ok_layers(store, territory, manifest)
    zones = make_zones(layers["commune"], layers.get("qpv"))
    thematic = {k: v for k, v in layers.items() if k not in ("commune", "qpv")}
    flood_scenarios = manifest["layers"].get("flood", {}).get("scenarios_present")
    indicators = compute_indicators(zones, thematic, flood_scenarios=flood_scenarios, proximity_m=proximity_m)
    indicators.insert(0, "territory", territory)
    if programmes is None:
        programmes = load_programmes()
    measures, per_qpv = evaluate_measures(territory, zones, layers, manifest, programmes_for(territory, programmes))
    tables = {}
    for name, frame in (("indicators", indicators), ("measures", measures), ("measures_qpv", per_qpv)):
        path = store.write_table(territory, name, frame)
        tables[name] = {"status": "ok", "rows": int(len(frame)), "file": path.name}
    store.record_tables(territory, tables)
    return tables

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
import shapely

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
from .schemas import LAYERS, NO_QPV_2024
from .store import Store
from .transaction import SERVED_STATUSES

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
    if entry.get("status") in SERVED_STATUSES:  # a stale layer is its last good version
        return None
    state = "indisponible" if entry.get("status") == "unavailable" else "en erreur"
    return f"couche {layer} {state} : {entry.get('reason', '')}"


def no_qpv_reason(manifest: dict) -> str:
    """Why a territory has no QPV zone (French): none in 2024, a qpv layer not built, or no perimeter."""
    entry = manifest.get("layers", {}).get("qpv", {})
    if entry.get("status") == "ok" and entry.get("no_qpv_2024"):
        return NO_QPV_2024
    return layer_reason(manifest, "qpv") or "aucun périmètre de QPV dans la commune"


def read_ok_layers(store: Store, territory: str, manifest: dict) -> dict[str, gpd.GeoDataFrame]:
    """The thematic layers that are ``ok`` in the manifest, read from the store (EPSG:2154)."""
    return {layer: store.read_layer(territory, layer) for layer in LAYERS if layer_reason(manifest, layer) is None}


def _required_layers(measure: Measure) -> tuple[str, ...]:
    target = measure.target
    if target.layer == "cycle" and target.buffer_m is not None:
        return ("cycle", "population")
    return _NEEDS.get(target.layer, (target.layer,))


#: Below this share of a zone inside a source's extent, the zone's figure for that layer is unknown.
COVERED_SHARE = 0.5


def coverage_shares(zones: gpd.GeoDataFrame, manifest: dict, layer: str) -> pd.Series | None:
    """Share (0–1) of each zone inside the extent of ``layer``'s source, by zone_id (None: whole extent).

    An extract (Redon's OSM file is a town-centre bounding box) says nothing of what lies outside
    it: counting zero shops there would be a false figure, not a small one.
    """
    coverage = manifest["layers"].get(layer, {}).get("coverage")
    if not coverage:
        return None
    extent = shapely.box(*coverage["bbox"])
    inside = shapely.area(shapely.intersection(zones.geometry.values, extent))
    return pd.Series(inside / zones.area.to_numpy(), index=zones["zone_id"].to_numpy())


def _partial_reason(share: float, masked: bool) -> str:
    if masked:
        return f"hors de l'emprise de la source ({share:.0%} de la zone couverte) : valeur inconnue"
    return f"compté dans l'emprise de la source seulement ({share:.0%} de la zone couverte)"


def mask_uncovered_indicators(indicators: pd.DataFrame, zones: gpd.GeoDataFrame, manifest: dict) -> pd.DataFrame:
    """Indicators of a layer whose source covers part of the commune only.

    A QPV mostly outside the source's extent gets NaN and a reason; the commune and hors-QPV zones
    keep what the extent holds, with a reason saying how much of the zone it covers.
    """
    out = indicators.copy()
    for layer in out["layer"].unique():
        shares = coverage_shares(zones, manifest, layer)
        if shares is None:
            continue
        rows = out.index[out["layer"] == layer]
        share = out.loc[rows, "zone_id"].map(shares)
        masked = (out.loc[rows, "zone_kind"] == "qpv") & (share < COVERED_SHARE)
        partial = share < 0.99
        reasons = [_partial_reason(v, m) for v, m in zip(share[partial], masked[partial], strict=True)]
        out.loc[share[partial].index, "reason"] = reasons
        out.loc[masked[masked].index, "value"] = float("nan")
    return out


def mask_uncovered_measure(row: dict, per_qpv: pd.DataFrame | None, zones, manifest: dict):
    """The measure row and per-QPV table with the QPV outside the target layer's extent made unknown."""
    shares = coverage_shares(zones, manifest, row.get("layer") or "")
    if shares is None or row.get("status") != "ok":
        return row, per_qpv
    coverage = manifest["layers"][row["layer"]]["coverage"]
    row = dict(row)
    row["need_label"] = (
        f"{row['need_label']} (dans l'emprise de la source : {coverage['share_of_commune']:.0%} de la commune)"
    )
    notes = [row["reason"]] if row.get("reason") else []
    notes.append(f"source partielle : son emprise couvre {coverage['share_of_commune']:.0%} de la commune")
    if per_qpv is not None and len(per_qpv):
        outside = per_qpv["zone_id"].map(shares) < COVERED_SHARE
        if outside.any():
            per_qpv = per_qpv.copy()
            per_qpv.loc[outside, ["need", "share_of_commune", "rate"]] = float("nan")
            for key in ("need_in_qpv", "share_in_qpv", "equity_ratio", "rate_qpv"):
                row[key] = None
            names = ", ".join(per_qpv.loc[outside, "zone_name"].astype(str))
            notes.append(f"QPV hors de l'emprise ({names}) : part en QPV inconnue")
    row["reason"] = "; ".join(notes)
    return row, per_qpv


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
    if not (zones["zone_kind"] == "qpv").any():
        summary = summarise_need(zones, need, target.scope, no_qpv_reason=no_qpv_reason(manifest))
        return {**row, **summary}, None
    summary = summarise_need(zones, need, target.scope)
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
            row, per_qpv = mask_uncovered_measure(row, per_qpv, zones, manifest)
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
    indicators = mask_uncovered_indicators(indicators, zones, manifest)
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

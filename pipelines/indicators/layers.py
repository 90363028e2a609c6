"""Indicators per zone and layer: flood, heat, shops, cycle, population (long format)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .overlay import (
    _components,
    _geoms,
    count_in_zones,
    in_reach,
    length_in_zones,
    mean_in_zones,
    overlay_pairs,
    selection_parts,
)
from .zones import _resident_reason, exposure, residents

#: Default distance for "residents near a protected cycle facility" (m).
PROXIMITY_M = 300.0
#: Flood selections → TRI scenarios they unite (``moyen_cc`` is the medium event with climate
#: change: counted with every scenario, not with ``moyen_ou_fort`` which is today's medium event).
FLOOD_SELECTIONS: dict[str, tuple[str, ...]] = {
    "fort": ("fort",),
    "moyen_ou_fort": ("fort", "moyen"),
    "faible_ou_plus": ("fort", "moyen", "moyen_cc", "faible"),
}
#: Heat selections → heat classes.
HEAT_SELECTIONS: dict[str, tuple[str, ...]] = {"chaud": ("chaud",), "chaud_ou_tiede": ("chaud", "tiede")}
#: Labels of the flood selections in the indicators table (French).
_FLOOD_LABELS = {"fort": "scénario fort", "moyen_ou_fort": "scénario moyen ou fort", "faible_ou_plus": "tous scénarios"}
INDICATOR_COLUMNS = ["zone_id", "layer", "indicator", "value", "unit", "label", "reason"]


# -- per-layer indicators -----------------------------------------------------------------------
def _rows(
    zones: gpd.GeoDataFrame,
    layer: str,
    indicator: str,
    values,
    unit: str,
    label: str,
    reason: pd.Series | str = "",
) -> pd.DataFrame:
    values = pd.Series(values).reindex(zones["zone_id"].to_numpy()).astype(float)
    if isinstance(reason, str):
        reason = pd.Series(reason if reason else "", index=values.index)
    reason = reason.reindex(values.index).fillna("").where(values.isna(), "")
    return pd.DataFrame(
        {
            "zone_id": values.index,
            "layer": layer,
            "indicator": indicator,
            "value": values.to_numpy(),
            "unit": unit,
            "label": label,
            "reason": reason.to_numpy(),
        }
    )


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return num / den.where(den > 0)


def flood_selection_missing(select: str, present: Iterable[str]) -> list[str]:
    """Scenarios a flood selection needs that the source lacks (empty when computable).

    ``moyen_ou_fort`` needs fort and moyen; ``faible_ou_plus`` needs fort, moyen and faible
    (``moyen_cc`` exists only on coasts and is never required).
    """
    present = set(present)
    return [s for s in FLOOD_SELECTIONS[select] if s != "moyen_cc" and s not in present]


def flood_indicators(
    zones: gpd.GeoDataFrame,
    flood: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | None = None,
    scenarios_present: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Flood area share, hectares and residents exposed per zone and selection.

    A selection whose scenarios are absent from the source (``scenarios_present``, default the
    scenarios found in ``flood``) is not computed: its share is NaN with the reason.
    """
    row = partial(_rows, zones, "flood")
    present = set(flood["scenario"]) if scenarios_present is None else set(scenarios_present)
    out = []
    done: tuple[tuple[str, ...], np.ndarray | None] = ((), None)  # each selection contains the previous one
    for select, scenarios in FLOOD_SELECTIONS.items():
        label = _FLOOD_LABELS[select]
        missing = flood_selection_missing(select, present)
        if missing:
            why = f"scénario(s) {', '.join(missing)} absent(s) de la source"
            out.append(row(f"share_{select}", np.nan, "part", f"part inondable ({label})", why))
            continue
        added = [scenario for scenario in scenarios if scenario not in done[0]]
        polygons = selection_parts(zones, flood[flood["scenario"].isin(added)], done[1])
        done = (scenarios, polygons)
        area, exposed = exposure(zones, polygons, population)
        out.append(row(f"share_{select}", _ratio(area, _zone_area(zones)), "part", f"part inondable ({label})"))
        out.append(row(f"area_{select}", area / 1e4, "ha", f"surface inondable ({label})"))
        reason = _resident_reason(population, zones, masked=True)
        out.append(row(f"residents_{select}", exposed, "habitants", f"habitants exposés ({label})", reason))
    return pd.concat(out, ignore_index=True)


def _zone_area(zones: gpd.GeoDataFrame) -> pd.Series:
    return pd.Series(zones["area_m2"].to_numpy(), index=zones["zone_id"].to_numpy())


def heat_indicators(
    zones: gpd.GeoDataFrame, heat: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Area share per heat class, residents in ``chaud`` zones, mean surface-temperature anomaly."""
    row = partial(_rows, zones, "heat")
    out = []
    for heat_class in ("chaud", "tiede", "frais"):
        polygons = selection_parts(zones, heat[heat["heat_class"] == heat_class])
        area, hot = exposure(zones, polygons, population if heat_class == "chaud" else None)
        out.append(row(f"share_{heat_class}", _ratio(area, _zone_area(zones)), "part", f"part {heat_class}"))
        out.append(row(f"area_{heat_class}", area / 1e4, "ha", f"surface {heat_class}"))
        if heat_class == "chaud":
            reason = _resident_reason(population, zones, masked=True)
            out.append(row("residents_chaud", hot, "habitants", "habitants en zone chaude", reason))
    if "lst_anomaly_c" in heat and heat["lst_anomaly_c"].notna().any():
        mean = mean_in_zones(zones, heat, "lst_anomaly_c")
        out.append(row("lst_anomaly_mean", mean, "°C", "écart moyen de température de surface"))
    return pd.concat(out, ignore_index=True)


def shops_indicators(
    zones: gpd.GeoDataFrame, shops: gpd.GeoDataFrame, population: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Shops, vacant shops, vacancy rate, shops per km² and per 1,000 residents per zone."""
    row = partial(_rows, zones, "shops")
    total = count_in_zones(zones, shops)
    vacant = count_in_zones(zones, shops[shops["vacant"].astype(bool)])
    people = residents(zones, population)["population"] if population is not None else pd.Series(np.nan, total.index)
    return pd.concat(
        [
            row("shops", total, "commerces", "commerces"),
            row("vacant", vacant, "commerces", "vitrines vides"),
            row("vacancy_rate", _ratio(vacant, total), "part", "taux de vacance", "aucun commerce"),
            row("shops_per_km2", total / (_zone_area(zones) / 1e6), "par km²", "commerces par km²"),
            row(
                "shops_per_1000",
                _ratio(total * 1000, people),
                "pour 1 000 habitants",
                "commerces pour 1 000 habitants",
                _resident_reason(population, zones, masked=False).replace("", "aucun habitant"),
            ),
        ],
        ignore_index=True,
    )


def cycle_selection(cycle: gpd.GeoDataFrame, select: str) -> gpd.GeoDataFrame:
    """The segments of a cycle selection: ``protege`` and ``tous`` are existing, ``projet`` planned."""
    existing = cycle["status"] == "existant"
    if select == "protege":
        return cycle[existing & cycle["protected"].astype(bool)]
    if select == "tous":
        return cycle[existing]
    if select == "projet":
        return cycle[cycle["status"] == "projet"]
    raise ValueError(f"unknown cycle selection `{select}`")


def near(lines: gpd.GeoDataFrame, distance_m: float, zones: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Disjoint polygons covering everything within ``distance_m`` (m) of ``lines``.

    Lines closer than 2 × ``distance_m`` to each other (whose buffers may meet) are grouped, and
    each group is buffered as one MultiLineString: GEOS merges the buffers while building them,
    about twice as fast as uniting one buffer per line. Groups farther apart give disjoint parts.
    With ``zones``, only the lines that can reach them are buffered.
    """
    geoms = _geoms(lines) if zones is None else in_reach(zones, _geoms(lines), distance_m)
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return np.array([], dtype=object)
    i, j = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=2 * distance_m)
    keep = i < j
    _, group = np.unique(_components(len(geoms), i[keep], j[keep]), return_inverse=True)
    order = np.argsort(group, kind="stable")
    multi = shapely.multilinestrings(geoms[order], indices=group[order])
    return shapely.get_parts(shapely.buffer(multi, distance_m))


def cycle_indicators(
    zones: gpd.GeoDataFrame,
    cycle: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame | None = None,
    proximity_m: float = PROXIMITY_M,
) -> pd.DataFrame:
    """Cycle km per zone: existing by facility and in all, per km², protected share, planned; residents near.

    "Near" is within ``proximity_m`` (m) of a protected existing facility (area-weighted residents).
    """
    row = partial(_rows, zones, "cycle")
    existing = cycle_selection(cycle, "tous")
    zi, ci, pieces = overlay_pairs(_geoms(zones), _geoms(existing))
    parts = pd.DataFrame(
        {
            "zone_id": zones["zone_id"].to_numpy()[zi],
            "facility": existing["facility"].to_numpy()[ci],
            "protected": existing["protected"].to_numpy(dtype=bool)[ci],
            "km": shapely.length(pieces) / 1000,
        }
    )
    ids = zones["zone_id"].to_numpy()
    table = parts.pivot_table(index="zone_id", columns="facility", values="km", aggfunc="sum", fill_value=0.0)
    table = table.reindex(ids, fill_value=0.0)
    km = table.sum(axis=1)
    protected = parts[parts["protected"]].groupby("zone_id")["km"].sum().reindex(ids, fill_value=0.0)
    out = [row(f"km_{f}", table[f], "km", f"km {f}") for f in sorted(set(existing["facility"]))]
    out += [
        # "non aménagée" segments are signed cycle routes without a facility: routes, not facilities
        row("km", km, "km", "km d'itinéraires cyclables existants (aménagés ou non)"),
        row("km_per_km2", km / (_zone_area(zones) / 1e6), "km/km²", "km d'itinéraires cyclables par km²"),
        row("protected_share", _ratio(protected, km), "part", "part des itinéraires protégée", "aucun itinéraire"),
        row("km_projet", length_in_zones(zones, cycle_selection(cycle, "projet")) / 1000, "km", "km en projet"),
    ]
    if population is not None:
        people = residents(zones, population)["population"]
        close = residents(zones, population, near(cycle_selection(cycle, "protege"), proximity_m, zones), disjoint=True)
        close = close["population"]
        reason = _resident_reason(population, zones, masked=True)
        label = f"à moins de {proximity_m:g} m d'un aménagement protégé"
        out.append(row("residents_near_protected", close, "habitants", f"habitants {label}", reason))
        out.append(row("share_near_protected", _ratio(close, people), "part", f"part des habitants {label}", reason))
    return pd.concat(out, ignore_index=True)


def population_indicators(zones: gpd.GeoDataFrame, population: gpd.GeoDataFrame) -> pd.DataFrame:
    """Residents, density (per km²), households, poor households and poverty rate when present."""
    row = partial(_rows, zones, "population")
    sums = residents(zones, population, columns=("population", "households", "poor_households"))
    reason = _resident_reason(population, zones, masked=False)
    out = [
        row("residents", sums["population"], "habitants", "habitants", reason),
        _rows(
            zones, "population", "density", sums["population"] / (_zone_area(zones) / 1e6), "hab/km²", "densité", reason
        ),
    ]
    if "households" in sums and population["households"].notna().any():
        out.append(row("households", sums["households"], "ménages", "ménages", reason))
    if "poor_households" in sums and population["poor_households"].notna().any():
        out.append(row("poor_households", sums["poor_households"], "ménages", "ménages pauvres", reason))
        rate = _ratio(sums["poor_households"], sums.get("households", pd.Series(np.nan, index=sums.index)))
        out.append(row("poverty_rate", rate, "part", "taux de pauvreté des ménages", reason))
    return pd.concat(out, ignore_index=True)


def compute_indicators(
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    flood_scenarios: Iterable[str] | None = None,
    proximity_m: float = PROXIMITY_M,
) -> pd.DataFrame:
    """Every indicator the given layers allow, long format, with zone kind and name.

    Parameters
    ----------
    zones : GeoDataFrame
        From :func:`make_zones`.
    layers : dict
        Layer name → GeoDataFrame (the zones' CRS), only the layers that are ``ok``.
    flood_scenarios : iterable of str, optional
        Scenarios present in the flood source (manifest ``scenarios_present``).

    Returns
    -------
    DataFrame
        zone_id, zone_kind, zone_name, layer, indicator, value, unit, label, reason.
    """
    population = layers.get("population")
    parts = [_rows(zones, "zone", "area_ha", _zone_area(zones) / 1e4, "ha", "surface de la zone")]
    if population is not None:
        parts.append(population_indicators(zones, population))
    if "flood" in layers:
        parts.append(flood_indicators(zones, layers["flood"], population, flood_scenarios))
    if "heat" in layers:
        parts.append(heat_indicators(zones, layers["heat"], population))
    if "shops" in layers:
        parts.append(shops_indicators(zones, layers["shops"], population))
    if "cycle" in layers:
        parts.append(cycle_indicators(zones, layers["cycle"], population, proximity_m))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=INDICATOR_COLUMNS)
    names = zones.set_index("zone_id")[["zone_kind", "zone_name"]]
    frame = frame.join(names, on="zone_id")
    return frame[["zone_id", "zone_kind", "zone_name", *INDICATOR_COLUMNS[1:]]]

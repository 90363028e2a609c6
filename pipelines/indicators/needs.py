"""The need behind each measure: a target's need per zone, its summary in scope and per QPV."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from ..measures import SELECTIONS
from .layers import FLOOD_SELECTIONS, HEAT_SELECTIONS, _zone_area, cycle_selection, flood_selection_missing, near
from .overlay import _geoms, count_in_zones, length_in_zones, selection_parts
from .zones import _resident_reason, exposure, residents


# -- measures: the need in scope ----------------------------------------------------------------
class NeedUnavailable(Exception):
    """The need of a target cannot be computed (the reason is French, for the UI)."""


@dataclass
class Need:
    """A target's need per zone, and what normalises it into a rate.

    ``frame`` is indexed by zone_id with ``need`` (in ``unit``), ``base`` (the denominator of the
    rate: zone area, shops, residents) and ``residents`` (residents concerned, a second figure
    for area needs, NaN otherwise). ``reason`` says, per zone, why a need is NaN.
    """

    frame: pd.DataFrame
    unit: str
    label: str
    rate_unit: str
    rate_label: str
    reason: pd.Series


def describe_need(layer: str, select: str, buffer_m: float | None = None) -> dict[str, str]:
    """Unit, French label, rate unit and rate label of a target's need (see :func:`target_need`)."""
    what = SELECTIONS.get(layer, {}).get(select, select)
    if layer in ("flood", "heat"):
        return {"unit": "ha", "label": f"hectares en {what}", "rate_unit": "part", "rate_label": "part de la surface"}
    if layer == "shops" and select == "vacant":
        return {"unit": "commerces", "label": what, "rate_unit": "part", "rate_label": "taux de vacance"}
    if layer == "shops":
        rate = "commerces pour 1 000 habitants"
        return {"unit": "commerces", "label": what, "rate_unit": "pour 1 000 hab.", "rate_label": rate}
    if layer == "cycle" and buffer_m is not None:
        label = f"habitants à plus de {buffer_m:g} m des {what}"
        return {"unit": "habitants", "label": label, "rate_unit": "part", "rate_label": "part des habitants"}
    if layer == "cycle":
        return {"unit": "km", "label": f"km d'{what}", "rate_unit": "km/km²", "rate_label": "km par km²"}
    return {"unit": "habitants", "label": what, "rate_unit": "hab/km²", "rate_label": "densité de population"}


def target_need(
    zones: gpd.GeoDataFrame,
    layers: dict[str, gpd.GeoDataFrame],
    layer: str,
    select: str,
    buffer_m: float | None = None,
    *,
    flood_scenarios: Iterable[str] | None = None,
) -> Need:
    """The need of a target ``(layer, select, buffer_m)`` in every zone.

    - flood / heat selection: hectares of the selection; rate = share of the zone's area;
      residents exposed as a second figure;
    - shops ``vacant``: vacant shops; rate = vacancy rate (vacant ÷ shops). ``tous``: shops;
      rate per 1,000 residents;
    - cycle with ``buffer_m``: residents farther than ``buffer_m`` (m) from the selection; rate =
      share of residents. Without: km of the selection; rate = km per km²;
    - population / qpv ``tous``: residents; rate = residents per km².

    Raises
    ------
    NeedUnavailable
        When a layer the need requires is missing, or the flood scenarios of the selection.
    """
    population = layers.get("population")
    index = zones["zone_id"].to_numpy()
    area_ha = _zone_area(zones) / 1e4
    described = describe_need(layer, select, buffer_m)

    def result(values, base, people=np.nan, reason=None) -> Need:
        frame = pd.DataFrame({"need": values, "base": base, "residents": people}, index=index).astype(float)
        reason = pd.Series("", index=index, dtype=object) if reason is None else reason
        return Need(frame, reason=reason, **described)

    def require(name: str) -> gpd.GeoDataFrame:
        if name not in layers:
            raise NeedUnavailable(f"couche {name} indisponible pour ce territoire")
        return layers[name]

    if layer in ("flood", "heat"):
        frame = require(layer)
        if layer == "flood":
            present = set(frame["scenario"]) if flood_scenarios is None else set(flood_scenarios)
            missing = flood_selection_missing(select, present)
            if missing:
                raise NeedUnavailable(f"scénario(s) {', '.join(missing)} absent(s) de la source des zones inondables")
            polygons = _geoms(frame[frame["scenario"].isin(FLOOD_SELECTIONS[select])])
        else:
            polygons = _geoms(frame[frame["heat_class"].isin(HEAT_SELECTIONS[select])])
        area, people = exposure(zones, selection_parts(zones, polygons), population)
        return result(area / 1e4, area_ha, people, _resident_reason(population, zones, masked=True))
    if layer == "shops":
        shops = require("shops")
        total = count_in_zones(zones, shops)
        if select == "vacant":
            return result(count_in_zones(zones, shops[shops["vacant"].astype(bool)]), total)
        people = residents(zones, population)["population"] / 1000 if population is not None else np.nan
        return result(total, people)
    if layer == "cycle":
        lines = cycle_selection(require("cycle"), select)
        if buffer_m is None:
            return result(length_in_zones(zones, lines) / 1000, area_ha / 100)
        pop = require("population")
        people = residents(zones, pop)["population"]
        far = people - residents(zones, pop, near(lines, buffer_m, zones), disjoint=True)["population"]
        return result(far, people, far, _resident_reason(pop, zones, masked=True))
    if layer in ("population", "qpv"):
        pop = require("population")
        people = residents(zones, pop)["population"]
        return result(people, area_ha / 100, people, _resident_reason(pop, zones, masked=False))
    raise NeedUnavailable(f"couche cible inconnue « {layer} »")


def summarise_need(zones: gpd.GeoDataFrame, need: Need, scope: str, no_qpv_reason: str | None = None) -> dict:
    """The measure row: need in scope, need in QPV, share in QPV, equity ratio, with reasons.

    ``need_in_qpv`` sums the QPV zones; ``share_in_qpv`` = need in QPV ÷ need in the commune;
    ``equity_ratio`` = (Σ need ÷ Σ base over the QPV) ÷ (need ÷ base hors QPV): above 1 the need
    weighs more in the QPV. Each is None with a French reason when it cannot be computed.
    Without QPV zones, ``no_qpv_reason`` says why ("sans objet : aucun QPV en 2024").
    """
    frame = need.frame
    kinds = zones.set_index("zone_id")["zone_kind"]
    qpv_ids = kinds.index[kinds == "qpv"]
    zone_reasons = need.reason[need.reason != ""]
    unknown = zone_reasons.iloc[0] if len(zone_reasons) else "besoin non calculable"
    row = dict.fromkeys(("need", "need_in_qpv", "share_in_qpv", "equity_ratio", "rate_qpv", "rate_hors_qpv"))
    row.update(need_commune=_number(frame.loc["commune", "need"]), need_residents=None, status="ok")
    if len(qpv_ids) == 0:
        why = no_qpv_reason or "aucun périmètre de QPV"
        if scope != "commune":
            return {**row, "status": "no_qpv", "reason": f"{why} — pas de partage QPV / hors QPV"}
        row.update(need=row["need_commune"], need_residents=_number(frame.loc["commune", "residents"]))
        if row["need"] is None:
            return {**row, "status": "unavailable", "reason": unknown}
        return {**row, "reason": f"{why} — part en QPV et ratio d'équité non calculables"}
    in_qpv = frame.loc[qpv_ids].sum(min_count=1)
    hors = frame.loc["hors_qpv"]
    scoped = {"commune": frame.loc["commune"], "qpv": in_qpv, "hors_qpv": hors}[scope]
    row.update(need=_number(scoped["need"]), need_residents=_number(scoped["residents"]))
    if row["need"] is None:
        return {**row, "status": "unavailable", "reason": unknown}
    reasons: list[str] = []
    row["need_in_qpv"] = _number(in_qpv["need"])
    if row["need_in_qpv"] is not None and row["need_commune"]:
        row["share_in_qpv"] = min(1.0, row["need_in_qpv"] / row["need_commune"])
    else:
        reasons.append("besoin nul ou inconnu dans la commune : part en QPV non définie")
    row["rate_qpv"] = _rate(in_qpv["need"], in_qpv["base"])
    row["rate_hors_qpv"] = _rate(hors["need"], hors["base"])
    undefined = [
        where for where, rate in (("en QPV", row["rate_qpv"]), ("hors QPV", row["rate_hors_qpv"])) if rate is None
    ]
    if undefined:
        where = " et ".join(undefined)
        reasons.append(f"ratio d'équité non calculable : {need.rate_label} non défini(e) {where} (dénominateur nul)")
    elif row["rate_hors_qpv"] == 0:
        reasons.append(f"ratio d'équité non défini : {need.rate_label} égal(e) à 0 hors QPV")
    else:
        row["equity_ratio"] = row["rate_qpv"] / row["rate_hors_qpv"]
    return {**row, "reason": "; ".join(reasons)}


def need_per_qpv(zones: gpd.GeoDataFrame, need: Need) -> pd.DataFrame:
    """Per QPV: need, rate, share of the commune's need, residents concerned, with zone name."""
    qpv = zones[zones["zone_kind"] == "qpv"]
    frame = need.frame.loc[qpv["zone_id"].to_numpy()]
    commune = need.frame.loc["commune", "need"]
    return pd.DataFrame(
        {
            "zone_id": qpv["zone_id"].to_numpy(),
            "zone_name": qpv["zone_name"].to_numpy(),
            "need": frame["need"].to_numpy(),
            "need_unit": need.unit,
            "share_of_commune": (frame["need"] / commune).to_numpy() if commune else np.nan,
            "rate": (frame["need"] / frame["base"].where(frame["base"] > 0)).to_numpy(),
            "rate_unit": need.rate_unit,
            "residents": frame["residents"].to_numpy(),
        }
    )


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _rate(need, base) -> float | None:
    need, base = _number(need), _number(base)
    return None if need is None or base is None or base <= 0 else need / base

"""Needs in numbers, without Dash (shared by the views and the printed reports).

- :func:`uncovered_needs`: the needs (layer × QPV) that no measure of a territory targets;
- :func:`need_by_zone`: a measure's need in QPV, hors QPV and in the commune (rate and count).
"""

from __future__ import annotations

import pandas as pd
import shapely

from . import i18n, maps
from .data import Data

#: For each layer, the selection that expresses a need located in a QPV.
NEED_SELECTIONS = {"flood": "faible_ou_plus", "heat": "chaud", "shops": "vacant"}


#: The population selection of the poverty need (poor households, Filosofi).
POVERTY_SELECTION = "menages_pauvres"
POVERTY_NEED = "Pauvreté des ménages"


def _poverty_needs(data: Data, tid: str, town: str, qpv) -> list[tuple]:
    """Poverty rows of the uncovered needs: each QPV whose share of poor households exceeds hors QPV's."""
    table = data.table(tid, "indicators")
    rates = None if table is None else table[table["indicator"] == "poverty_rate"].set_index("zone_id")["value"]
    rows = []
    for _, zone in qpv[qpv.geometry.notna()].iterrows():
        code = zone["code_qp"] if isinstance(zone["code_qp"], str) else zone["code_qp_2015"]
        where = (town, zone["name"], POVERTY_NEED)
        if rates is None or rates.empty or pd.isna(rates.get(code)):
            rows.append((*where, i18n.UNKNOWN, False, "poverty", None, None))
        elif rates[code] > rates.get("hors_qpv", float("inf")):
            figure = f"{i18n.fmt_share(rates[code])} des ménages ({i18n.fmt_share(rates['hors_qpv'])} hors QPV)"
            rows.append((*where, figure, True, "poverty", float(rates[code]), "part"))
    return rows


def uncovered_needs(data: Data, territory: str | None = None) -> pd.DataFrame:
    """Needs (layer × QPV) that no measure of the territory's programmes targets.

    A need is present when the layer's need selection intersects the QPV (its part inside the
    commune, as in the indicators); it is covered when a measure targets that layer with scope
    ``qpv`` or ``commune``. Poverty is a need where a QPV's share of poor households exceeds the
    share hors QPV, covered by a measure targeting poor households (``population``
    ``menages_pauvres``). When the layer is missing the need is ``inconnu``. Columns:
    territoire, qpv, couche, besoin, known (bool), layer, value, unit. With ``territory``, that
    territory only.
    """
    rows = []
    for info in data.territories():
        tid = info["id"]
        if territory is not None and tid != territory:
            continue
        qpv = data.frame(tid, "qpv")
        commune = data.frame(tid, "commune")
        if qpv is None or not len(qpv) or commune is None:
            continue
        town = shapely.union_all(commune.geometry.values)
        targets = [
            m.target
            for p in data.programmes_for(tid)
            for m in p.measures
            if m.target is not None and m.target.scope in ("qpv", "commune")
        ]
        targeted = {t.layer for t in targets if t.layer != "population"}
        for layer, select in NEED_SELECTIONS.items():
            if layer in targeted:
                continue
            frame = data.frame(tid, layer)
            for _, zone in qpv[qpv.geometry.notna()].iterrows():
                where = (info.get("name", tid), zone["name"], i18n.layer_label(layer))
                if frame is None:
                    rows.append((*where, i18n.UNKNOWN, False, layer, None, None))
                    continue
                area = zone.geometry.intersection(town)
                chosen = maps.select_features(layer, frame, select)
                hits = chosen.iloc[chosen.sindex.query(area, predicate="intersects")]
                if hits.empty or area.is_empty:
                    continue
                if layer == "shops":
                    value, unit = float(len(hits)), "vitrines vides"
                    figure = i18n.plural(len(hits), "vitrine vide")
                else:
                    value = shapely.union_all(hits.geometry.intersection(area).values).area / area.area
                    unit, figure = "part", f"{i18n.fmt_share(value)} de la surface"
                rows.append((*where, figure, True, layer, value, unit))
        if not any(t.layer == "population" and t.select == POVERTY_SELECTION for t in targets):
            rows += _poverty_needs(data, tid, info.get("name", tid), qpv)
    return pd.DataFrame(rows, columns=["territoire", "qpv", "couche", "besoin", "known", "layer", "value", "unit"])


ZONES = ("qpv", "hors_qpv", "commune")


ZONE_LABELS = {"qpv": "En QPV", "hors_qpv": "Hors QPV", "commune": "Commune"}


def number_or_none(row: pd.Series | dict, key: str) -> float | None:
    """``row[key]`` as a float, or None when it is missing or NaN."""
    value = row.get(key)
    try:
        return None if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def commune_rate(row: pd.Series | dict) -> float | None:
    """The commune's rate of a measure's need (need ÷ base), from the QPV and hors-QPV figures.

    ``measures.parquet`` stores the rate in QPV and hors QPV, not the commune's. The two zones
    tile the commune, so the bases add up: base = need ÷ rate in each zone, and the commune's
    rate is the commune's need ÷ the sum of the bases. A stored ``rate_commune`` wins; when a
    zone's base cannot be recovered (its rate is 0 or unknown) the rate is unknown (None).
    """
    stored = number_or_none(row, "rate_commune")
    if stored is not None:
        return stored
    commune, in_qpv = number_or_none(row, "need_commune"), number_or_none(row, "need_in_qpv")
    rate_qpv, rate_hors = number_or_none(row, "rate_qpv"), number_or_none(row, "rate_hors_qpv")
    if None in (commune, in_qpv, rate_qpv, rate_hors) or not rate_qpv or not rate_hors:
        return None
    bases = in_qpv / rate_qpv + (commune - in_qpv) / rate_hors
    return commune / bases if bases > 0 else None


def need_by_zone(row: pd.Series | dict) -> pd.DataFrame:
    """Rate and count of a measure's need per zone: columns zone, label, rate, count.

    Counts: need in QPV, the commune's need minus it (hors QPV), the commune's need. Rates:
    ``rate_qpv``, ``rate_hors_qpv`` and :func:`commune_rate`. Unknown values are None.
    """
    commune, in_qpv = number_or_none(row, "need_commune"), number_or_none(row, "need_in_qpv")
    hors = None if commune is None or in_qpv is None else max(commune - in_qpv, 0.0)
    rates = {
        "qpv": number_or_none(row, "rate_qpv"),
        "hors_qpv": number_or_none(row, "rate_hors_qpv"),
        "commune": commune_rate(row),
    }
    counts = {"qpv": in_qpv, "hors_qpv": hors, "commune": commune}
    return pd.DataFrame(
        {
            "zone": list(ZONES),
            "label": [ZONE_LABELS[z] for z in ZONES],
            "rate": [rates[z] for z in ZONES],
            "count": [counts[z] for z in ZONES],
        }
    )

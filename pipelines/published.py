"""Figures INSEE publishes per QPV, beside Cartopolis' estimates of the same thing. Pure, no I/O.

The ``qpv`` layer carries, per 2024 QPV, what INSEE published for its 2015 counterpart
(``published_population`` and its year, ``published_poverty_rate``…, read by the layer from the QPV
figure tables). Published figures are counted on the **2015** contour, so the estimate put beside
them is computed on that contour too (from the historical layer ``qpv_2015``) when it is known,
else on the 2024 perimeter — the ``geography`` column says which.

- population: residents (population municipale) vs our residents; the gap in % of the published
  figure;
- poverty: INSEE's *taux de pauvreté* (share of **people** below 60 % of the median standard of
  living) vs our share of **poor households** (Filosofi ``men_pauv`` ÷ ``men``): two definitions, so
  no gap is computed — they are shown side by side.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .indicators import residents

COLUMNS = [
    "zone_id",
    "code_qp_2015",
    "indicator",
    "label",
    "published",
    "published_year",
    "published_source",
    "estimate",
    "estimate_label",
    "geography",
    "gap_pct",
]
POPULATION_LABEL = "population municipale (INSEE)"
POVERTY_LABEL = "taux de pauvreté des personnes (INSEE)"
POVERTY_ESTIMATE_LABEL = "part des ménages pauvres"


def _contours(zones: gpd.GeoDataFrame, qpv: gpd.GeoDataFrame, qpv_2015: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """For each QPV zone with a published figure: the contour to estimate on (2015 when known), in the commune."""
    commune = shapely.union_all(zones.loc[zones["zone_kind"] == "commune", "geometry"].to_numpy())
    by_zone = zones.set_index("zone_id").geometry
    old = {} if qpv_2015 is None else dict(zip(qpv_2015["code_qp_2015"], qpv_2015.geometry, strict=True))
    rows = []
    for r in qpv.itertuples():
        zone = r.code_qp if isinstance(r.code_qp, str) else r.code_qp_2015
        if zone not in by_zone.index:
            continue
        if r.code_qp_2015 in old:
            geometry, where = shapely.intersection(old[r.code_qp_2015], commune), f"contour 2015 {r.code_qp_2015}"
        else:
            geometry, where = by_zone[zone], f"périmètre {zone}"
        rows.append(
            {
                "zone_id": str(r.code_qp_2015),
                "zone_kind": "qpv",
                "qpv_zone": zone,
                "geography": where,
                "geometry": geometry,
            }
        )
    # the commune row: residents() needs it to keep IRIS inside their commune
    rows.append(
        {"zone_id": "commune", "zone_kind": "commune", "qpv_zone": None, "geography": None, "geometry": commune}
    )
    return gpd.GeoDataFrame(rows, columns=["zone_id", "zone_kind", "qpv_zone", "geography", "geometry"], crs=zones.crs)


def _figure(indicator, label, published, year, estimate, estimate_label, gap) -> dict:
    return {
        "indicator": indicator,
        "label": label,
        "published": published,
        "published_year": year,
        "estimate": estimate,
        "estimate_label": estimate_label,
        "gap_pct": gap,
    }


def published_vs_estimates(
    zones: gpd.GeoDataFrame,
    qpv: gpd.GeoDataFrame | None,
    qpv_2015: gpd.GeoDataFrame | None,
    population: gpd.GeoDataFrame | None,
    population_method: str = "",
) -> pd.DataFrame:
    """One row per (QPV, published figure): the published value and year, our estimate, the gap.

    Parameters
    ----------
    zones : GeoDataFrame
        From :func:`pipelines.indicators.make_zones`.
    qpv, qpv_2015 : GeoDataFrame or None
        The layers (``qpv`` with its ``published_*`` columns).
    population : GeoDataFrame or None
        The population layer (estimates are NaN without one finer than the commune total).
    population_method : str
        How residents were estimated ("pondération surfacique, carreaux de 200 m (Filosofi 2021)").

    Returns
    -------
    DataFrame
        :data:`COLUMNS`; ``gap_pct`` = (estimate − published) ÷ published × 100, population only.
    """
    if qpv is None or "published_population" not in qpv or not qpv["published_population"].notna().any():
        return pd.DataFrame(columns=COLUMNS)
    qpv = qpv[qpv["published_population"].notna() | qpv.get("published_poverty_rate", pd.Series(dtype=float)).notna()]
    places = _contours(zones, qpv, qpv_2015)
    if (places["zone_kind"] == "qpv").sum() == 0:
        return pd.DataFrame(columns=COLUMNS)
    if population is not None:
        sums = residents(places, population, columns=("population", "households", "poor_households"))
    else:
        sums = pd.DataFrame(np.nan, index=places["zone_id"], columns=["population"])
    published = qpv.set_index("code_qp_2015")
    rows = []
    for place in places[places["zone_kind"] == "qpv"].itertuples():
        figures, estimate = published.loc[place.zone_id], sums.loc[place.zone_id]
        where = {
            "zone_id": place.qpv_zone,
            "code_qp_2015": place.zone_id,
            "geography": place.geography,
            "published_source": figures.get("published_source"),
        }
        value, ours = figures.get("published_population"), estimate.get("population", np.nan)
        if pd.notna(value):
            gap = (ours - value) / value * 100 if pd.notna(ours) and value else np.nan
            label = f"habitants estimés ({population_method})"
            year = figures.get("published_population_year")
            rows.append({**where, **_figure("population", POPULATION_LABEL, value, year, ours, label, gap)})
        rate = figures.get("published_poverty_rate")
        if pd.notna(rate):
            poor, households = estimate.get("poor_households", np.nan), estimate.get("households", np.nan)
            ours = poor / households if pd.notna(households) and households > 0 else np.nan
            label = f"{POVERTY_ESTIMATE_LABEL}, {population_method}"
            year = figures.get("published_poverty_year")
            rows.append({**where, **_figure("poverty_rate", POVERTY_LABEL, rate, year, ours, label, np.nan)})
    return pd.DataFrame(rows, columns=COLUMNS)

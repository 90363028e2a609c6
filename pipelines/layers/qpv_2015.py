"""Layer ``qpv_2015``: the commune's QPV of the 2015 generation and what became of them in 2024.

A historical, context layer (never counted as QPV by the indicators): it shows the former priority
districts of a commune that has none in 2024 ("QPV 2015, sortis de la géographie prioritaire en
2024": Redon's Bellevue), and, where both generations exist, the 2015 contour of each QPV for
comparison with the area gained and lost in 2024. Built from the sources of the ``qpv`` layer
(:func:`pipelines.layers.qpv.compute`, read once per build).

``status_2024`` of each 2015 QPV overlapping the commune:

- ``inchangé en 2024`` / ``modifié en 2024``: matched by name to a 2024 code ending in ``I`` / ``M``
  (``code_qp`` is that code); a 2015 QPV left unmatched whose contour lies mostly (> 50 %) inside a
  2024 perimeter was merged into it: ``modifié en 2024``;
- ``sorti en 2024``: the commune is absent from an authoritative 2024 list, or every 2024 QPV of the
  commune has its perimeter and none takes this one;
- ``sans équivalent certain en 2024``: unmatched while some 2024 perimeters are unknown;
- ``statut 2024 inconnu``: no 2024 list covers the département.

``area_gained_ha`` / ``area_lost_ha``: area of the 2024 perimeter outside the 2015 contour, and of the
2015 contour outside the 2024 perimeter (full contours, ha), where the 2024 perimeter is exact and
succeeds this QPV alone.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from ..errors import LayerUnavailable
from ._common import BuildContext, LayerResult
from .qpv import Generations, compute

#: Share of a 2015 contour inside a 2024 perimeter above which the QPV was merged into it.
MERGED_SHARE = 0.5
_HA = 10_000.0


def _status(found: Generations, code15: str, contour) -> tuple[str, str | None]:
    """(status_2024, code of the 2024 successor) of one 2015 QPV."""
    if not found.covered and found.perimeters is None:
        return "statut 2024 inconnu", None
    if found.no_qpv_2024:
        return "sorti en 2024", None
    match = next((m for m in found.matches if m.code_qp_2015 == code15), None)
    if match is not None:
        return ("inchangé en 2024" if match.code_qp.endswith("I") else "modifié en 2024"), match.code_qp
    if found.perimeters is not None and len(found.perimeters):
        shares = found.perimeters.geometry.intersection(contour).area / contour.area
        if shares.max() > MERGED_SHARE:
            return "modifié en 2024", str(shares.idxmax())
    exact = set(found.frame.loc[found.frame["perimeter_status"] == "exact", "code_qp"].dropna())
    every_perimeter_known = set(found.frame["code_qp"].dropna()) <= exact
    return ("sorti en 2024" if every_perimeter_known else "sans équivalent certain en 2024"), None


def table(found: Generations, insee: str) -> gpd.GeoDataFrame:
    """The qpv_2015 rows of a commune from the combined QPV sources."""
    contours = found.contours_2015
    exact = found.frame[found.frame["perimeter_status"] == "exact"].dropna(subset=["code_qp"])
    successors = pd.Series(list(exact.geometry), index=exact["code_qp"].to_numpy(), dtype=object)
    statuses = [_status(found, r.code_qp_2015, r.geometry) for r in contours.itertuples()]
    heirs = pd.Series([successor for _, successor in statuses]).value_counts()
    rows = []
    for r, (status, successor) in zip(contours.itertuples(), statuses, strict=True):
        gained = lost = None
        if successor in successors.index and heirs.get(successor) == 1:
            after = successors[successor]
            gained = shapely.area(shapely.difference(after, r.geometry)) / _HA
            lost = shapely.area(shapely.difference(r.geometry, after)) / _HA
        rows.append(
            {
                "code_qp_2015": r.code_qp_2015,
                "name": r.name,
                "insee_com": insee,
                "status_2024": status,
                "code_qp": successor,
                "area_ha": r.area_ha,
                "area_in_commune_ha": r.area_in_commune_ha,
                "area_gained_ha": gained,
                "area_lost_ha": lost,
                "geometry": r.geometry,
            }
        )
    columns = ["code_qp_2015", "name", "insee_com", "status_2024", "code_qp", "area_ha", "area_in_commune_ha"]
    columns += ["area_gained_ha", "area_lost_ha", "geometry"]  # also when the commune has no 2015 QPV (43 do)
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=contours.crs).sort_values("code_qp_2015", ignore_index=True)


def build(ctx: BuildContext) -> LayerResult:
    """Build the historical layer of the 2015 QPV of the territory."""
    found = compute(ctx)
    if found.contours_2015 is None:
        raise LayerUnavailable(
            "contours des QPV 2015 non disponibles (fichier national 2015)",
            [s.url for s in ctx.sources("qpv") if s.format == "qpv2015-shp"],
        )
    frame = table(found, ctx.territory.insee)
    notes = []
    if found.no_qpv_2024 and len(frame):
        notes.append(
            "QPV 2015, sortis de la géographie prioritaire en 2024 : "
            f"{ctx.territory.name} n'accueille aucun QPV en 2024"
        )
    elif not len(frame):
        notes.append(f"aucun QPV de la géographie 2015 à {ctx.territory.name}")
    else:
        notes.append("contours de la géographie prioritaire 2015-2023, pour comparaison : jamais comptés comme QPV")
    return LayerResult(frame, [found.source_2015], notes, {"no_qpv_2024": bool(found.no_qpv_2024)})

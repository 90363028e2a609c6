"""The map palette, shared by the dashboard legend and the QGIS project: classes and colours per layer.

:data:`LEGENDS` gives, per layer, its legend entries ``(key, French label, colour)``; a feature's
key is its class (flood scenario, heat class, ``actif`` / ``vacant`` shop, cycle facility or
``projet``, exact or approximate QPV contour, population density tertile). The dashboard draws
with these colours (``dashboard.i18n`` imports them) and ``pipelines.qgis`` writes the same
classes into the QGIS renderers, so that a planner sees in QGIS what the map shows.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

#: Legend entries per layer: (key, French label, colour).
LEGENDS: dict[str, list[tuple[str, str, str]]] = {
    "commune": [("commune", "Limite communale", "#333333")],
    "qpv": [
        ("qpv", "Quartier prioritaire (QPV), contour exact", "#7b3294"),
        ("qpv_approx", "QPV au contour 2015 (approximatif, pointillés fins)", "#7b3294"),
    ],
    "qpv_2015": [
        ("sorti", "Ancien QPV 2015, sorti de la géographie prioritaire en 2024", "#a6611a"),
        ("modifie", "Contour 2015 d'un QPV modifié en 2024 (comparaison)", "#636363"),
        ("inchange", "Contour 2015 d'un QPV inchangé en 2024", "#636363"),
        ("inconnu", "QPV 2015, statut 2024 inconnu", "#636363"),
    ],
    "flood": [
        ("fort", "Inondation — scénario fort (crue fréquente)", "#08306b"),
        ("moyen", "Inondation — scénario moyen", "#2171b5"),
        ("moyen_cc", "Inondation — scénario moyen avec changement climatique", "#4292c6"),
        ("faible", "Inondation — scénario faible (crue extrême)", "#9ecae1"),
    ],
    "heat": [
        ("chaud", "Zone climatique chaude", "#d7301f"),
        ("tiede", "Zone climatique tiède", "#fc8d59"),
        ("frais", "Zone climatique fraîche", "#c7e9c0"),
    ],
    # active shops blue, not green: red and green dots look alike to red-green colour-blind eyes
    "shops": [
        ("actif", "Commerce actif", "#4575b4"),
        ("vacant", "Vitrine vide (local vacant)", "#d73027"),
    ],
    "cycle": [
        ("piste", "Piste cyclable (protégée)", "#006d2c"),
        ("voie verte", "Voie verte (protégée)", "#1b7837"),
        ("bande", "Bande cyclable", "#41ab5d"),
        ("double sens cyclable", "Double sens cyclable", "#78c679"),
        ("zone apaisée", "Zone apaisée", "#7fbc41"),
        ("partagée", "Voie partagée", "#a6d96a"),
        ("non aménagée", "Non aménagée", "#bdbdbd"),
        ("projet", "Aménagement en projet (tirets orange)", "#e6550d"),
    ],
    "population": [
        ("p0", "Densité faible", "#fee8c8"),
        ("p1", "Densité moyenne", "#fdbb84"),
        ("p2", "Densité forte", "#e34a33"),
    ],
    "streets": [("streets", "Rues", "#9e9e9e")],
    "target": [("target", "Cible de la mesure sélectionnée", "#ffd700")],
}

#: Statuses whose contour is drawn (and counted) as an approximation.
APPROXIMATE = frozenset({"contour 2015, modifié en 2024", "contour 2015"})


def density_per_km2(frame: gpd.GeoDataFrame) -> pd.Series:
    """Residents per km² of each population polygon (frame in EPSG:2154)."""
    area_km2 = frame.geometry.area / 1e6
    return (frame["population"].astype(float) / area_km2.where(area_km2 > 0)).fillna(0.0)


def density_breaks(density: pd.Series) -> tuple[float, float]:
    """Tertile breaks (residents per km²) splitting populated cells into three classes."""
    populated = density[density > 0]
    if populated.empty:
        return (0.0, 0.0)
    low, high = np.quantile(populated, [1 / 3, 2 / 3])
    return (float(low), float(high))

"""The fictional town's cycle network, with its gaps: tracks, lanes, a greenway, planned links."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.ops import substring

from .plan import CENTRE, CORE_M, RIVER_NAME, _frame, _lines, _Plan, _polar
from .streets import _RING_NAMES


def _cycle(plan: _Plan, axes: list[LineString], rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Protected tracks on the east and west axes (stopping short of the centre), lanes, a greenway, plans."""
    edge = plan.urban.buffer(60)
    rows: list[tuple[str, bool, str, str, shapely.Geometry]] = [
        ("piste", True, "existant", "Avenue de la Gare", substring(axes[0], 520, 2600)),
        ("piste", True, "existant", "Avenue Jean Jaurès", substring(axes[3], 600, 1500)),
        ("piste", True, "projet", "Avenue Jean Jaurès", substring(axes[3], 1500, 2200)),
        ("bande", False, "existant", "Avenue des Tilleuls", substring(axes[1], 480, 1300)),
        ("bande", False, "existant", "Avenue des Tilleuls", substring(axes[1], 1500, 2000)),
        ("piste", True, "projet", "Avenue Victor Hugo", substring(axes[4], 450, 1800)),
        ("piste", True, "projet", "Grande Rue", substring(axes[0], 60, 520)),
    ]
    ring = LineString(np.asarray(Point(CENTRE).buffer(CORE_M, 16).exterior.coords))
    rows.append(("bande", False, "existant", _RING_NAMES[0], substring(ring, 0.0, 0.25, normalized=True)))
    rows.append(("bande", False, "existant", _RING_NAMES[1], substring(ring, 0.25, 0.4, normalized=True)))
    rows.append(("zone apaisée", False, "existant", "Rue du Commerce", substring(axes[3], 60, CORE_M)))
    rows.append(("double sens cyclable", False, "existant", "Rue Nationale", substring(axes[2], 60, CORE_M)))
    greenway = plan.river.offset_curve(35).intersection(plan.commune)
    rows += [("voie verte", True, "existant", f"Voie verte de {RIVER_NAME}", g) for g in _lines(greenway)]
    link = LineString([_polar(1300, 20), _polar(1450, 45), plan.qpv["Les Tilleuls"].centroid.coords[0]])
    rows.append(("piste", True, "projet", "Liaison Gare – Tilleuls", link.intersection(edge)))
    rows = [r[:4] + (g,) for r in rows for g in _lines(r[4])]
    return _frame(
        {
            "segment_id": [f"demo-cycle-{i + 1:03d}" for i in range(len(rows))],
            "facility": [r[0] for r in rows],
            "protected": [r[1] for r in rows],
            "length_m": [r[4].length for r in rows],
            "status": [r[2] for r in rows],
            "name": [r[3] for r in rows],
        },
        [r[4] for r in rows],
    )

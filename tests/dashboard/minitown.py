"""A hand-built 2 km × 2 km town for the dashboard tests, with numbers checkable by hand.

Coordinates are Lambert-93 metres from the origin (X0, Y0) = (700 000, 6 600 000):

- commune ``testville`` (99001): the square 0–2000 × 0–2000 (4 km²);
- one QPV « Les Tilleuls » (QN09901A): the square 0–500 × 0–500 (0.25 km²);
- flood: ``fort`` on 0–1000 × 0–250 (so half of the QPV is in the ``fort`` zone),
  ``moyen`` on 1000–2000 × 0–250;
- heat: ``chaud`` (LCZ 2) on 0–1000 × 0–1000, ``frais`` (LCZ A) on 1000–2000 × 0–2000;
- shops: vacant at (100, 100), active at (200, 200), vacant at (1500, 1500);
- cycle: a protected ``piste`` y = 600 (2 km), a ``bande`` x = 600 (2 km), a ``projet`` piste x = 1800;
- population: four 1 km cells with 400, 300, 200 and 100 residents;
- streets: « Rue des Lilas » (residential, y = 300) and « Avenue Jean Jaurès » (primary, x = 1200).

A second territory ``fictiveville`` (fictional) has only its commune; its heat layer is recorded
unavailable with a reason and an official URL.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point, box

from pipelines.evaluate import MEASURE_QPV_COLUMNS
from pipelines.store import Store

X0, Y0 = 700_000.0, 6_600_000.0
CRS = "EPSG:2154"
REAL = {"kind": "real", "publishers": ["Éditeur test"], "licences": ["Licence Ouverte"], "vintages": ["2024"]}
FICTIONAL = {"kind": "fictional", "publishers": ["Cartopolis"], "licences": ["Licence Ouverte"], "vintages": ["fictif"]}

PROGRAMME_YAML = """\
id: test-prog
title: "Programme test"
territory: testville
source: 999_test.txt
kind: programme_electoral
measures:
  - id: vitrines
    title: "Reprendre les vitrines vides"
    quote: "nous reprendrons les locaux vides"
    themes: [commerce]
    target: {layer: shops, select: vacant, scope: commune}
  - id: chaleur-qpv
    title: "Ombrager les quartiers chauds"
    quote: "des arbres dans les quartiers"
    themes: [chaleur]
    target: {layer: heat, select: chaud, scope: qpv}
  - id: velo-proche
    title: "Des pistes près de chez vous"
    quote: "une piste à moins de 300 mètres"
    themes: [mobilite_cyclable]
    target: {layer: cycle, select: protege, scope: commune, buffer_m: 300}
  - id: veto
    title: "Un droit de veto citoyen"
    quote: "un droit de veto"
    themes: [democratie]
    non_spatial_reason: "procédure, sans lieu"
"""


def _gdf(rows: list[dict], geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def sq(x0: float, y0: float, x1: float, y1: float):
    """A rectangle in town coordinates (m from the origin)."""
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def line(*points: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in points])


def pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def entry(prov: dict = REAL) -> dict:
    return {"sources": ["test.source"], "provenance": prov, "notes": []}


def build(root: Path) -> tuple[Store, Path]:
    """Write the mini store under ``root/layers`` and the programme under ``root/programmes``."""
    store = Store(root / "layers")
    store.write_territory(
        "testville", {"insee": "99001", "name": "Testville", "departement": "99", "fictional": False, "programmes": []}
    )
    store.write_layer(
        "testville",
        "commune",
        _gdf([{"insee": "99001", "name": "Testville", "population": 1000}], [sq(0, 0, 2000, 2000)]),
        entry(),
    )
    qpv = _gdf(
        [
            {
                "code_qp": "QN09901A",
                "code_qp_2015": "QP099001",
                "name": "Les Tilleuls",
                "insee_com": "99001",
                "generation": "2024",
                "perimeter_status": "exact",
            }
        ],
        [sq(0, 0, 500, 500)],
    )
    store.write_layer("testville", "qpv", qpv, entry())
    flood = _gdf(
        [{"scenario": "fort", "tri_name": "TRI test"}, {"scenario": "moyen", "tri_name": "TRI test"}],
        [sq(0, 0, 1000, 250), sq(1000, 0, 2000, 250)],
    )
    store.write_layer("testville", "flood", flood, entry())
    heat = _gdf(
        [{"lcz": "2", "heat_class": "chaud"}, {"lcz": "A", "heat_class": "frais"}],
        [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 2000)],
    )
    store.write_layer("testville", "heat", heat, entry())
    shops = _gdf(
        [
            {"shop_id": "s1", "name": "Ex-boulangerie", "category": "bakery", "vacant": True, "vacancy_source": "osm"},
            {"shop_id": "s2", "name": "Épicerie", "category": "convenience", "vacant": False, "vacancy_source": None},
            {"shop_id": "s3", "name": None, "category": "vacant", "vacant": True, "vacancy_source": "osm"},
        ],
        [pt(100, 100), pt(200, 200), pt(1500, 1500)],
    )
    store.write_layer("testville", "shops", shops, entry())
    cycle = _gdf(
        [
            {"segment_id": "c1", "facility": "piste", "protected": True, "length_m": 2000.0, "status": "existant"},
            {"segment_id": "c2", "facility": "bande", "protected": False, "length_m": 2000.0, "status": "existant"},
            {"segment_id": "c3", "facility": "piste", "protected": True, "length_m": 2000.0, "status": "projet"},
        ],
        [line((0, 600), (2000, 600)), line((600, 0), (600, 2000)), line((1800, 0), (1800, 2000))],
    )
    store.write_layer("testville", "cycle", cycle, entry())
    cells = [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 1000), sq(0, 1000, 1000, 2000), sq(1000, 1000, 2000, 2000)]
    population = _gdf(
        [
            {"cell_id": f"p{i}", "population": float(p), "support": "carreau_1km"}
            for i, p in enumerate([400, 300, 200, 100])
        ],
        cells,
    )
    store.write_layer("testville", "population", population, entry())
    streets = _gdf(
        [{"name": "Rue des Lilas", "highway": "residential"}, {"name": "Avenue Jean Jaurès", "highway": "primary"}],
        [line((0, 300), (2000, 300)), line((1200, 0), (1200, 2000))],
    )
    store.write_layer("testville", "streets", streets, entry())
    fort = "part inondable (scénario fort)"
    indicators = pd.DataFrame(
        [
            ("testville", "QN09901A", "qpv", "Les Tilleuls", "flood", "share_fort", 0.5, "part", fort),
            ("testville", "hors_qpv", "hors_qpv", "Hors QPV", "flood", "share_fort", 0.125 / 3.75, "part", fort),
            ("testville", "commune", "commune", "Testville", "flood", "share_fort", 0.0625, "part", fort),
            ("testville", "QN09901A", "qpv", "Les Tilleuls", "shops", "vacant", 1.0, "commerces", "vitrines vides"),
            ("testville", "commune", "commune", "Testville", "shops", "vacant", 2.0, "commerces", "vitrines vides"),
        ],
        columns=["territory", "zone_id", "zone_kind", "zone_name", "layer", "indicator", "value", "unit", "label"],
    )
    store.write_table("testville", "indicators", indicators)
    measures = pd.DataFrame(
        [
            ("test-prog", "vitrines", "testville", 2.0, "commerces", "vitrines vides", 1.0, 0.5, 16.0, "ok", None),
            ("test-prog", "chaleur-qpv", "testville", 25.0, "ha", "zones chaudes", 25.0, 1.0, None, "ok", None),
        ],
        columns=[
            "programme",
            "measure_id",
            "territory",
            "need",
            "need_unit",
            "need_label",
            "need_in_qpv",
            "share_in_qpv",
            "equity_ratio",
            "status",
            "reason",
        ],
    )
    store.write_table("testville", "measures", measures)
    per_qpv = pd.DataFrame(
        [("test-prog", "vitrines", "testville", "QN09901A", "Les Tilleuls", 1.0, "commerces", 0.5, 0.5, "part", None)],
        columns=MEASURE_QPV_COLUMNS,
    )
    store.write_table("testville", "measures_qpv", per_qpv)

    store.write_territory(
        "fictiveville",
        {"insee": "99002", "name": "Fictiveville", "departement": "99", "fictional": True, "programmes": []},
    )
    store.write_layer(
        "fictiveville",
        "commune",
        _gdf([{"insee": "99002", "name": "Fictiveville", "population": 10}], [sq(3000, 0, 4000, 1000)]),
        entry(FICTIONAL),
    )
    store.record_status(
        "fictiveville",
        "heat",
        "unavailable",
        {"reason": "aucune donnée de chaleur hors ligne", "urls": ["https://example.org/lcz"], "sources": []},
    )
    programmes = root / "programmes"
    programmes.mkdir(parents=True, exist_ok=True)
    (programmes / "test-prog.yaml").write_text(PROGRAMME_YAML, encoding="utf-8")
    return store, programmes


def text_of(component) -> str:
    """Every string inside a Dash component tree (JSON text), for asserting what a person reads."""
    return json.dumps(
        component.to_plotly_json() if hasattr(component, "to_plotly_json") else component,
        default=lambda c: c.to_plotly_json(),
        ensure_ascii=False,
    )

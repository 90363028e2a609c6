"""The historical QPV layer on the map: legend keys by 2024 status, tooltips with the area gained and lost."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import box

from dashboard import i18n, maps


def history() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code_qp_2015": ["QP099001", "QP099002", "QP099003"],
            "name": ["Bellevue", "Les Hauts", "Centre"],
            "insee_com": ["99998"] * 3,
            "status_2024": ["sorti en 2024", "modifié en 2024", "statut 2024 inconnu"],
            "code_qp": [None, "QN09902M", None],
            "area_gained_ha": [None, 15.4, None],
            "area_lost_ha": [None, 1.03, None],
        },
        geometry=[box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)],
        crs="EPSG:2154",
    )


def test_legend_keys_follow_the_2024_status():
    assert maps.legend_keys("qpv_2015", history()).tolist() == ["sorti", "modifie", "inconnu"]
    assert {key for key, _, _ in i18n.LEGENDS["qpv_2015"]} >= {"sorti", "modifie", "inconnu"}
    assert "qpv_2015" in maps.TOGGLE_LAYERS and maps.pane_name("qpv_2015") == "p-qpv_2015"


def test_tooltips_say_what_became_of_each_district():
    tips = maps._tooltips("qpv_2015", history()).tolist()
    assert tips[0] == "QPV 2015 Bellevue (QP099001) — sorti en 2024"
    assert (
        tips[1] == "QPV 2015 Les Hauts (QP099002) — modifié en 2024 (QN09902M) : 15,4 ha gagnés, 1,0 ha perdus en 2024"
    )

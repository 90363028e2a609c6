"""Files read once per process (national files on Dask workers), re-read whenever any part changes."""

from __future__ import annotations

import os

import geopandas as gpd
from shapely.geometry import box

from pipelines.layers._common import read_once


def test_a_changed_sidecar_file_is_read_again(tmp_path):
    calls = []

    @read_once
    def reader(path):
        calls.append(path)
        return gpd.read_file(path).crs.to_epsg()

    shp = tmp_path / "zones.shp"
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:2154").to_file(shp)
    assert reader(shp) == 2154 and reader(shp) == 2154 and len(calls) == 1  # served from memory
    # another .prj beside the same .shp (a wrong CRS, the reliability suite's case) is another file
    gpd.GeoDataFrame({"n": [1]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:4326").to_file(tmp_path / "other.shp")
    os.replace(tmp_path / "other.prj", tmp_path / "zones.prj")
    assert reader(shp) == 4326 and len(calls) == 2
    # the same files reached through a link in another folder are read from there
    (tmp_path / "linked").mkdir()
    for part in tmp_path.glob("zones.*"):
        (tmp_path / "linked" / part.name).symlink_to(part)
    assert reader(tmp_path / "linked" / "zones.shp") == 4326 and len(calls) == 3
    reader.cache_clear()

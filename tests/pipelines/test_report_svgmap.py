"""The reports' SVG maps, on hand-drawn squares whose coordinates can be checked by hand."""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, box

from pipelines.reports.svgmap import WIDTH, Style, draw, framed, path_data


def test_path_is_scaled_and_north_up():
    # a 100 m square at (1000, 2000) in a frame starting at x0 = 1000, top y0 = 2100, 2 units per m
    assert (
        path_data(box(1000, 2000, 1100, 2100), 1000, 2100, 2.0)
        == "M200.0 200.0L200.0 0.0L0.0 0.0L0.0 200.0L200.0 200.0Z"
    )


def test_draw_clips_to_the_frame_and_keeps_points():
    squares = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100), box(5000, 5000, 5100, 5100)], crs="EPSG:2154")
    shops = gpd.GeoDataFrame(geometry=[Point(50, 50)], crs="EPSG:2154")
    svg = draw((0, 0, 200, 100), [(squares, Style("#ff0000", None)), (shops, Style("#0000ff", None))], "carte")
    assert f'viewBox="0 0 {WIDTH:.0f} 500"' in svg and 'aria-label="carte"' in svg
    assert svg.count("<path") == 1  # the far square is outside the frame
    assert 'cx="250.0" cy="250.0"' in svg and "200 m" in svg


def test_framed_adds_the_margin_and_a_printable_ratio():
    minx, miny, maxx, maxy = framed((0, 0, 1000, 100), 50)
    assert (minx, maxx) == (-50, 1050) and round((maxy - miny) / (maxx - minx), 3) == 0.62


def test_many_small_shapes_are_one_filled_path_without_a_union():
    # 1,600 buildings of 10 m × 10 m on a 40 × 40 grid: drawn side by side, in one element
    squares = [box(x * 20, y * 20, x * 20 + 10, y * 20 + 10) for x in range(40) for y in range(40)]
    frame = gpd.GeoDataFrame(geometry=squares, crs="EPSG:2154")
    svg = draw((0, 0, 800, 800), [(frame, Style("#7b3294", None))], "bâtiments")
    assert svg.count("<path") == 1 and 'fill="#7b3294"' in svg
    assert svg.count("Z") == 1600  # every square kept as its own ring

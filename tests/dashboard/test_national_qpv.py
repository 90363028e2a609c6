"""The national QPV view's builders on the real national table (built from the mirror into a temporary store)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from dashboard.data import Data
from dashboard.layout import territory_options
from dashboard.views import national_qpv
from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.national_qpv import build_national_qpv
from pipelines.store import Store


@pytest.fixture(scope="module")
def data(tmp_path_factory, mirror) -> Data:
    """Grenoble built (declared), then the national QPV table."""
    store = Store(tmp_path_factory.mktemp("national-view") / "layers")
    catalog = Catalog.load()
    build_territory(catalog.territory("grenoble"), catalog, store, offline=True, mirror=mirror, log=lambda m: None)
    build_national_qpv(store, catalog, offline=True, mirror=mirror)
    return Data(store)


def test_every_qpv_with_a_contour_is_drawn_and_the_first_view_stays_small(data):
    frame = national_qpv.qpv_table(data)
    text = national_qpv.qpv_geojson(frame)
    features = json.loads(text)["features"]
    assert len(features) == int(frame.geometry.notna().sum()) == 1514  # every contour of the 2015 national file
    assert {f["properties"]["_k"] for f in features} <= set(national_qpv.STYLES)
    assert len(text.encode()) < 1.0e6 and len(gzip.compress(text.encode())) < 0.3e6  # first view ≤ 1.5 MB in all


def test_search_finds_villeneuve_of_grenoble_first(data):
    hits = national_qpv.search(national_qpv.qpv_table(data), "villeneuve")
    first = hits.iloc[0]
    assert (first["name"], first["key"], first["communes"], first["territory"]) == (
        "Villeneuve - Village Olympique", "QN03807M", "38185", "grenoble",
    )  # fmt: skip
    assert national_qpv.search(national_qpv.qpv_table(data), "QN03404M")["name"].tolist() == ["Celleneuve"]


def test_sheet_links_a_built_territory_or_gives_the_command(data):
    frame = national_qpv.qpv_table(data)
    built = str(national_qpv.sheet(frame[frame["key"] == "QN03807M"].iloc[0]))
    assert "?t=grenoble" in built and "modifié en 2024" in built
    other = str(national_qpv.sheet(frame[frame["key"] == "QN03404M"].iloc[0]))
    assert "python -m pipelines build --territory 34172" in other and "inconnu" in other


def test_ranking_puts_unknown_values_last_as_inconnu(data):
    frame = national_qpv.qpv_table(data)
    assert set(frame.loc[frame["territory"].notna(), "key"]) == {"QN03806M", "QN03807M", "QN03808M", "QN03809M"}
    text = str(national_qpv.ranking(frame, "flood_share_fort"))
    assert text.count("inconnu") >= 4  # Grenoble has no flood layer offline: unknown, never 0 %
    assert "0,0 %" not in text


def test_fmt_value_never_turns_a_missing_value_into_zero():
    assert national_qpv.fmt_value(None, "share") == national_qpv.fmt_value(float("nan"), "count") == "inconnu"
    assert national_qpv.fmt_value(0.125, "share") == "12,5 %"
    assert national_qpv.fmt_value(8319.4, "count") == "8 319"
    assert national_qpv.fmt_value(pd.NA, "share") == "inconnu"


def test_picker_options_search_names_codes_and_departements(data):
    options = territory_options(data)
    grenoble = next(o for o in options if o["value"] == "grenoble")
    assert grenoble["label"] == "Grenoble (38185) — dép. 38"
    assert "38185" in grenoble["search"] and "38" in grenoble["search"].split()

"""``publish``: territories copied between the folder store and PostGIS, as they are, idempotently."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.store import Store, open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dashboard"))

import minitown  # noqa: E402


@pytest.fixture
def mini(tmp_path) -> Store:
    store, _ = minitown.build(tmp_path / "mini")
    return store


def _same_data(a, b, territory: str) -> None:
    for layer, entry in a.manifest(territory)["layers"].items():
        if entry["status"] != "ok":
            assert not b.has_layer(territory, layer), layer
            continue
        left, right = a.read_layer(territory, layer, crs=None), b.read_layer(territory, layer, crs=None)
        assert left.crs == right.crs and left.geometry.geom_equals_exact(right.geometry, tolerance=0).all(), layer
        attributes = [pd.DataFrame(frame.drop(columns="geometry")) for frame in (left, right)]
        pd.testing.assert_frame_equal(*attributes)
    for table in ("indicators", "measures", "measures_qpv"):
        assert a.has_table(territory, table) == b.has_table(territory, table), table
        if a.has_table(territory, table):
            pd.testing.assert_frame_equal(a.read_table(territory, table), b.read_table(territory, table))


def test_publish_copies_every_territory_as_it_is_and_twice_changes_nothing(mini, postgis_dsn, capsys):
    assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn]) == 0
    out = capsys.readouterr().out
    assert "testville    copié (8 couches, 3 tables)" in out and "fictiveville copié (1 couches, 0 tables)" in out
    pg = open_store(postgis_dsn)
    try:
        assert pg.territories() == ["fictiveville", "testville"]
        for territory in pg.territories():
            assert pg.manifest(territory) == mini.manifest(territory)  # verbatim: dates, statuses, checksums
            _same_data(mini, pg, territory)
        versions = {t: pg.version(t) for t in pg.territories()}
        assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn, "--territory", "99001"]) == 0
        assert "testville    déjà à jour" in capsys.readouterr().out
        assert {t: pg.version(t) for t in pg.territories()} == versions  # nothing was rewritten
    finally:
        pg.close()


def test_a_layer_gone_from_the_source_is_gone_from_the_target(mini, postgis_dsn):
    assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn]) == 0
    mini.record_status("testville", "shops", "unavailable", {"reason": "source retirée", "urls": []})
    assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn]) == 0
    pg = open_store(postgis_dsn)
    try:
        assert pg.manifest("testville")["layers"]["shops"]["status"] == "unavailable"
        assert not pg.has_layer("testville", "shops") and pg.has_layer("testville", "heat")
    finally:
        pg.close()


def test_from_postgis_back_to_a_folder(mini, postgis_dsn, tmp_path):
    assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn]) == 0
    back = Store(tmp_path / "back")
    assert main(["publish", "--from", postgis_dsn, "--to", str(back.root), "--territory", "testville"]) == 0
    assert back.territories() == ["testville"]
    _same_data(mini, back, "testville")
    manifest, original = back.manifest("testville"), mini.manifest("testville")
    for layer, entry in manifest["layers"].items():
        if entry["status"] == "ok":  # a folder vouches for its own files
            assert entry["sha256"] == hashlib.sha256(back.layer_path("testville", layer).read_bytes()).hexdigest()
            entry["sha256"] = original["layers"][layer]["sha256"]
    assert manifest == original  # everything else as built


def test_publish_mistakes_are_usage_errors(mini, postgis_dsn, capsys):
    assert main(["publish", "--from", str(mini.root), "--to", postgis_dsn, "--territory", "lyon"]) == 2
    assert "`lyon` is not built" in capsys.readouterr().out
    assert main(["publish", "--from", str(mini.root), "--to", str(mini.root)]) == 2
    assert "the same store" in capsys.readouterr().out

"""A build killed mid-way with the PostGIS store: every layer's previous version stays readable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import psycopg

from pipelines.build import build_territory
from pipelines.catalog import Catalog
from pipelines.settings import PROJECT_ROOT
from pipelines.store import open_store

# The child builds the demo town into PostGIS and stops for good after its third layer, once it
# has said so in a file: the test kills it there, in the middle of its store transaction.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import pipelines.build as build
    from pipelines.catalog import Catalog
    from pipelines.store import open_store

    dsn, flag = sys.argv[1], Path(sys.argv[2])
    real, done = build._build_layer, []

    def stop_after_three(ctx, tx, layer, **kwargs):
        outcome = real(ctx, tx, layer, **kwargs)
        done.append(layer)
        if len(done) == 3:
            flag.write_text(",".join(done))
            time.sleep(600)
        return outcome

    build._build_layer = stop_after_three
    catalog = Catalog.load()
    build.build_territory(catalog.territory("demo"), catalog, open_store(dsn), log=lambda message: None)
    """
)


def _layers(store) -> dict[str, pd.DataFrame]:
    manifest = store.manifest("demo")
    return {name: store.read_layer("demo", name) for name, e in manifest["layers"].items() if e["status"] == "ok"}


def test_a_killed_build_leaves_the_previous_version_of_every_layer(postgis_dsn, tmp_path):
    catalog = Catalog.load()
    store = open_store(postgis_dsn)
    try:
        build_territory(catalog.territory("demo"), catalog, store, log=lambda message: None)
        before, version, frames = store.manifest("demo"), store.version("demo"), _layers(store)
        indicators = store.read_table("demo", "indicators")
        assert len(frames) == 8
        flag = tmp_path / "three-layers-written"
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, postgis_dsn, str(flag)],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        )
        deadline = time.monotonic() + 120
        while not flag.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert flag.exists(), "the child build never reached its third layer"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert flag.read_text() == "commune,qpv,flood"
        with psycopg.connect(postgis_dsn) as conn:  # the killed build had written its new layers aside
            staged = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'demo__staging'").fetchall()
            assert sorted(name for (name,) in staged) == ["commune", "flood", "qpv"]
        assert store.manifest("demo") == before and store.version("demo") == version
        after = _layers(store)
        assert after.keys() == frames.keys()
        for name, frame in frames.items():
            assert after[name].geometry.geom_equals_exact(frame.geometry, tolerance=0).all(), name
            pd.testing.assert_frame_equal(
                pd.DataFrame(after[name].drop(columns="geometry")), pd.DataFrame(frame.drop(columns="geometry"))
            )
        pd.testing.assert_frame_equal(store.read_table("demo", "indicators"), indicators)
        # the next writer is not blocked (the lock died with the killed connection) and clears the leftovers
        tx = store.transaction("demo")
        tx.rollback()
        with psycopg.connect(postgis_dsn) as conn:
            assert conn.execute("SELECT to_regnamespace('demo__staging')").fetchone()[0] is None
    finally:
        store.close()

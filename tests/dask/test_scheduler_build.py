"""The national build through an existing Dask cluster (scheduler and workers as separate processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd

from pipelines import settings
from pipelines.fetch import sha256_path
from pipelines.store import Store

THREE = "34172,67482,97411"  # Montpellier, Strasbourg, Saint-Denis (La Réunion)


def build(*args: str, data: Path, mirror: Path, wait: bool = True):
    command = [sys.executable, "-m", "pipelines", "build", *args, "--offline", "--mirror", str(mirror)]
    command += ["--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(settings.PROJECT_ROOT)}
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    if not wait:
        return subprocess.Popen(command, cwd=settings.PROJECT_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=settings.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)


def last_build(data: Path) -> dict:
    return json.loads((data / "_national" / "last_build.json").read_text(encoding="utf-8"))


def assert_published_whole(store: Store) -> None:
    """Every published territory: each ``ok`` layer's file exists, reads, and has the recorded sha256."""
    for tid in store.territories():
        manifest = store.manifest(tid)
        for layer, entry in manifest["layers"].items():
            if entry["status"] == "ok":
                path = store.layer_path(tid, layer)
                assert sha256_path(path) == entry["sha256"], (tid, layer)
                assert len(gpd.read_parquet(path)) == entry["rows"], (tid, layer)


def test_three_communes_built_through_the_scheduler(dask_cluster, tmp_path, mirror):
    dask_cluster.start_worker("w1")
    data = tmp_path / "store"
    result = build("--territory", THREE, "--scheduler", dask_cluster.address, data=data, mirror=mirror)
    assert result.returncode == 0, result.stdout + result.stderr
    report = last_build(data)
    assert (report["built"], report["skipped"], report["failed"]) == (3, 0, 0)
    assert {t["worker"].split(":")[1] for t in report["territories"]} == {str(dask_cluster.workers[0].pid)}
    store = Store(data)
    assert {"montpellier", "strasbourg", "saint-denis-97411"} <= set(store.territories())
    assert store.manifest("saint-denis-97411")["layers"]["commune"]["crs"] == "EPSG:2975"
    assert_published_whole(store)
    again = build("--territory", THREE, "--scheduler", dask_cluster.address, data=data, mirror=mirror)
    assert again.returncode == 0, again.stdout
    assert (last_build(data)["built"], last_build(data)["skipped"]) == (0, 3)


def test_a_worker_killed_mid_build_publishes_nothing_half_written(dask_cluster, tmp_path, mirror):
    first = dask_cluster.start_worker("w1")
    data = tmp_path / "store"
    run = build("--territory", THREE, "--scheduler", dask_cluster.address, data=data, mirror=mirror, wait=False)
    try:
        staging = _wait_for(lambda: next((data / ".versions").glob("*/staging-*"), None), timeout=180)
        first.send_signal(signal.SIGKILL)  # mid-build: a territory's next version is being staged
        first.wait(timeout=30)
        killed = staging.parent.name
        store = Store(data)
        published = store.territories()
        # killed while staging: not published (unless it was swapped in the same millisecond: then whole)
        assert killed not in published or store.manifest(killed)["territory"].get("fingerprint")
        assert_published_whole(store)
        run.send_signal(signal.SIGINT)  # the operator stops the run (Ctrl-C)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    dask_cluster.start_worker("w2")
    rerun = build("--territory", THREE, "--scheduler", dask_cluster.address, data=data, mirror=mirror)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    report = last_build(data)
    assert report["failed"] == 0 and report["built"] + report["skipped"] == 3 and report["built"] >= 1
    store = Store(data)
    assert {"montpellier", "strasbourg", "saint-denis-97411"} <= set(store.territories())
    assert not list((data / ".versions").glob("*/staging-*")), "the killed build's staging folder is cleaned"
    assert_published_whole(store)


def _wait_for(probe, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.02)
    raise TimeoutError("condition not met")

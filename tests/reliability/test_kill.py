"""SIGKILL during builds: the store always shows one whole version, and the next build leaves
nothing stale nor orphaned.

Two kinds of kill: a handful of real ``python -m pipelines build`` processes killed at random
moments of their build (seeded), and a forked build killed (``os._exit``, no clean-up, like a
SIGKILL) at each rename of the store in turn, from the first layer file to the final swap.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _expect import build_args

from pipelines import cli, settings
from pipelines.fetch import sha256_path
from pipelines.transaction import SERVED_STATUSES

KILLS = 5
SEED = 13


def consistent(store: Path) -> dict:
    """The published version is whole: its manifest reads, and every served layer's file is the one
    the manifest vouches for (same sha256). Returns the manifest."""
    folder = store / "perigueux"
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for layer, entry in manifest["layers"].items():
        if entry["status"] in SERVED_STATUSES:
            assert sha256_path(folder / entry["file"]) == entry["sha256"], layer
        else:
            assert not (folder / f"{layer}.parquet").exists(), layer
    for name, table in (manifest.get("tables") or {}).items():
        if table.get("status") == "ok":
            assert (folder / table["file"]).is_file(), name
    return manifest


def no_orphans(store: Path, temp: Path | None = None) -> None:
    versions = store / ".versions" / "perigueux"
    assert sorted(p.name for p in versions.iterdir()) == [".lock", (store / "perigueux").resolve().name]
    assert not [p for p in store.rglob("*") if p.name.endswith((".tmp", ".part")) or ".link-" in p.name]
    if temp is not None:
        assert not list(temp.glob("cartopolis-*"))


def statuses(manifest: dict) -> dict[str, str]:
    return {layer: entry["status"] for layer, entry in manifest["layers"].items()}


def test_sigkill_at_random_moments_then_rebuild(good_store, mirror, tmp_path, capsys):
    store = tmp_path / "layers"
    shutil.copytree(good_store, store, symlinks=True)
    good = statuses(consistent(store))
    temp = tmp_path / "tmp"
    temp.mkdir()
    environ = {**os.environ, "TMPDIR": str(temp), "GEODATA_MIRROR": str(mirror)}
    rng = random.Random(SEED)
    killed = 0
    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines", *build_args(store, mirror)],
            cwd=settings.PROJECT_ROOT,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for line in process.stdout:  # the build has begun once its territory's rule is printed
            if "Périgueux (perigueux" in line:
                break
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment of the build (about 1.5 s here)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait(timeout=60)
        process.stdout.close()
        assert statuses(consistent(store)) == good  # the old version or the new one, whole
    assert killed >= KILLS - 1, "the kills came too late: the builds had ended"
    capsys.readouterr()
    assert cli.main(build_args(store, mirror)) == 0
    manifest = consistent(store)
    assert statuses(manifest) == good and "stale" not in statuses(manifest).values()
    no_orphans(store, temp)


def _forked_build(store: Path, mirror: Path, die_at: int) -> int:
    """Build in a forked child that dies without clean-up at its ``die_at``-th rename or symlink;
    return how many such calls it made (when it lived to the end) or -9 when it died."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns to pytest
        os.close(read)
        calls = [0]

        def deadly(real):
            def call(*args, **kwargs):
                calls[0] += 1
                if calls[0] == die_at:
                    os._exit(137)  # no finally, no atexit: what SIGKILL does
                return real(*args, **kwargs)

            return call

        os.replace, os.symlink = deadly(os.replace), deadly(os.symlink)
        try:
            with open(os.devnull, "w") as quiet:
                sys.stdout = sys.stderr = quiet
                cli.main(build_args(store, mirror, "--only", "flood"))
            os.write(write, str(calls[0]).encode())
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    made = os.read(read, 32).decode()
    os.close(read)
    return -9 if os.waitstatus_to_exitcode(status) == 137 else int(made)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_kill_at_each_rename_of_a_build(good_store, mirror, tmp_path, capsys):
    store = tmp_path / "layers"
    shutil.copytree(good_store, store, symlinks=True)
    good = statuses(consistent(store))
    steps = _forked_build(store, mirror, die_at=10**6)  # a full run counts the renames
    assert steps >= 5  # layer, three tables, manifest, version, link
    for die_at in range(1, steps + 1):
        assert _forked_build(store, mirror, die_at) == -9
        assert statuses(consistent(store)) == good, f"killed at rename {die_at}"
    capsys.readouterr()
    assert cli.main(build_args(store, mirror)) == 0
    assert statuses(consistent(store)) == good
    no_orphans(store)

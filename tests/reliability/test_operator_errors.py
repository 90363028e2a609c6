"""Operator mistakes: a wrong command line (exit 2), a broken catalog (exit 3), a store that cannot
be written (exit 4). Each names the file and the fix, prints no traceback, and leaves every file
of the last good build byte-identical (nothing is touched before the command is known to work)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import geopandas as gpd
import pytest
from _expect import build_args, expect, untouched

from pipelines.settings import SOURCES_FILE, TERRITORIES_FILE


# -- exit 2: usage -------------------------------------------------------------------------------
def test_missing_mirror_root(env):
    """The issue's case: `--mirror /nonexistent` removed commune, qpv, flood and population."""
    before = env.files()
    code, out = env.run(args=build_args(env.store, Path("/nonexistent")))
    expect(code, out, 2, r"mirror `/nonexistent` is not a folder \(missing, or a file\): give the mirror folder")
    untouched(before, env)


def test_mirror_root_that_is_a_file(env, tmp_path):
    before = env.files()
    (tmp_path / "miroir.txt").write_text("pas un dossier")
    code, out = env.run(args=build_args(env.store, tmp_path / "miroir.txt"))
    expect(code, out, 2, r"miroir.txt` is not a folder .* nothing was built or changed")
    untouched(before, env)


def test_unreadable_mirror_root(env, monkeypatch):
    before = env.files()
    real = os.scandir

    def refuse(path="."):
        if Path(path) == env.mirror:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    code, out = env.run()
    expect(code, out, 2, r"mirror `\S+/mirror` cannot be read \(Permission denied\): give the mirror folder")
    untouched(before, env)


def test_geodata_mirror_pointing_nowhere(env, monkeypatch):
    before = env.files()
    monkeypatch.setenv("GEODATA_MIRROR", "/nulle/part")
    code, out = env.run(args=["build", "--territory", "perigueux", "--offline", "--data", str(env.store)])
    expect(code, out, 2, r"mirror `/nulle/part` is not a folder .* --mirror or GEODATA_MIRROR")
    untouched(before, env)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--only", "floods"], r"unknown layer `floods`; known: commune, qpv, flood"),
        (["--bogus"], r"unrecognized arguments: --bogus"),
        # any French commune is a territory: an unknown name suggests the closest communes
        (["--territory", "atlantis"], r"unknown territory `atlantis`: no commune named « atlantis » .*closest names"),
    ],
    ids=["unknown-layer", "unknown-option", "unknown-territory"],
)
def test_wrong_command_line(env, extra, message):
    before = env.files()
    code, out = env.run(*extra)
    expect(code, out, 2, message)
    untouched(before, env)


def test_build_all_with_missing_mirror_touches_no_territory(env):
    before = env.files()
    code, out = env.run(args=build_args(env.store, Path("/nonexistent"), territory="all"))
    expect(code, out, 2, r"mirror `/nonexistent` is not a folder")
    untouched(before, env)
    assert sorted(p.name for p in env.store.iterdir()) == [".versions", "perigueux"]


# -- exit 3: catalog -----------------------------------------------------------------------------
def _edited(tmp_path: Path, original: Path, old: str, new: str) -> Path:
    text = original.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / original.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            TERRITORIES_FILE,
            'insee: "24322"',
            "insee: 01004",
            r"territories.yaml:\d+: `insee: 01004` is read by YAML as the number 516: "
            r'write it in quotes, `insee: "01004"`',
        ),
        (
            TERRITORIES_FILE,
            'departement: "24"',
            "departement: 01",
            r"`departement: 01` is read by YAML as the number 1: write it in quotes",
        ),
        (
            SOURCES_FILE,
            "mirror: flood/perigueux_FRF_TRI_PERI",
            "mirror: ../../../../etc/passwd",
            r"sources.yaml:\d+: source `georisques.tri.24`: "
            r"mirror path `../../../../etc/passwd` leaves the mirror root",
        ),
        (
            SOURCES_FILE,
            "mirror: flood/perigueux_FRF_TRI_PERI",
            "mirror: /etc/passwd",
            r"mirror path `/etc/passwd` leaves the mirror root: give a path relative to the mirror",
        ),
        (
            SOURCES_FILE,
            "sha256: 2b83a4e345f196b286708af50deb8d8ef6f8838c9a579ed52cf97cc5919231d5",
            "sha256: 2b83a4e3",
            r"source `georisques.tri.24` has a malformed sha256 `2b83a4e3`",
        ),
        (
            TERRITORIES_FILE,
            "commune: [ign.bdtopo.commune.perigueux, template]",
            "commune: [ign.bdtopo.commune.2A, template]",
            r"territory `perigueux`, layer `commune`: unknown source id `ign.bdtopo.commune.2A`",
        ),
        (
            TERRITORIES_FILE,
            "  - id: perigueux\n",
            "  - id: perigueux\n    oops: [unclosed\n",
            r"territories.yaml: invalid YAML",
        ),
        (
            SOURCES_FILE,
            "  - id: insee.filosofi2021.carreaux200m.grenoble\n",
            "  - id: insee.filosofi2021.carreaux200m.ales\n",
            r"duplicate source id `insee.filosofi2021.carreaux200m.ales`",
        ),
    ],
    ids=[
        "insee-octal",
        "departement-octal",
        "mirror-escape",
        "mirror-absolute",
        "bad-sha",
        "unknown-id",
        "yaml",
        "dup",
    ],
)
def test_broken_catalog(env, tmp_path, file, old, new, message):
    before = env.files()
    edited = _edited(tmp_path, file, old, new)
    if file == SOURCES_FILE:
        env.catalog(sources=edited)
    else:
        env.catalog(territories=edited)
    code, out = env.run()
    expect(code, out, 3, message)
    untouched(before, env)


def test_unreadable_catalog(env, tmp_path):
    before = env.files()
    env.catalog(territories=tmp_path / "absent.yaml")
    code, out = env.run()
    expect(code, out, 3, r"absent.yaml: cannot read \(No such file or directory\)")
    untouched(before, env)


# -- exit 4: nothing built -----------------------------------------------------------------------
def test_store_that_is_a_file(env, tmp_path):
    (tmp_path / "store.parquet").write_bytes(b"PAR1")
    code, out = env.run(args=build_args(tmp_path / "store.parquet", env.mirror))
    expect(
        code, out, 4, r"store `\S+store.parquet`: cannot create its folders; a file stands where a folder is expected"
    )
    assert (tmp_path / "store.parquet").read_bytes() == b"PAR1"


def test_store_below_a_file(env, tmp_path):
    (tmp_path / "fichier").write_text("x")
    code, out = env.run(args=build_args(tmp_path / "fichier" / "layers", env.mirror))
    expect(
        code, out, 4, r"cannot create its folders; a file stands where a folder is expected: give a folder to --data"
    )


def _refuse_writes(monkeypatch, code: int, only: str = "") -> None:
    """Every parquet write of the store fails with ``code`` (only those whose file name holds ``only``)."""
    real = gpd.GeoDataFrame.to_parquet

    def refuse(self, path, *args, **kwargs):
        if only in Path(path).name:
            raise OSError(code, os.strerror(code), str(path))
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", refuse)


def test_disk_full_mid_build(env, monkeypatch):
    """The issue's case: a disk filling up while flood.parquet was written removed it."""
    before = env.files()
    _refuse_writes(monkeypatch, errno.ENOSPC, only="flood")
    code, out = env.run()
    expect(code, out, 4, r"cannot write `perigueux/flood.parquet`; no space left on its device: free some space")
    expect(code, out, 4, r"Nothing was published: the previous version stays")
    untouched(before, env)
    assert sorted(p.name for p in (env.store / ".versions" / "perigueux").iterdir())[0] == ".lock"
    assert len(list((env.store / ".versions" / "perigueux").iterdir())) == 2  # no staging left behind


@pytest.mark.parametrize(
    ("code", "fix"),
    [(errno.EROFS, "read-only"), (errno.EACCES, "not writable by this account"), (errno.EDQUOT, "no space left")],
    ids=["read-only-fs", "permission", "quota"],
)
def test_store_that_refuses_writes(env, monkeypatch, code, fix):
    before = env.files()
    _refuse_writes(monkeypatch, code)
    rc, out = env.run()
    expect(rc, out, 4, rf"store `\S+layers`: cannot write `perigueux/commune.parquet`; .*{fix}")
    untouched(before, env)


def test_read_only_store_folder(env, monkeypatch):
    """The store's folders cannot be created (a read-only mount)."""
    before = env.files()
    real = Path.mkdir

    def refuse(self, *args, **kwargs):
        if env.store in (self, *self.parents):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", refuse)
    code, out = env.run()
    expect(code, out, 4, r"cannot create its folders; the folder is read-only or not writable by this account")
    untouched(before, env)

"""Shared fixtures: the mirror of official data, a temporary store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines import settings


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The mirror of official files; fails under CI when missing, skips elsewhere."""
    path = settings.mirror_dir()
    if path is None or not path.is_dir():
        message = "mirror of official data not found: set GEODATA_MIRROR to shared/geodata/raw"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def mirror_links(mirror, tmp_path) -> Path:
    """``tmp_path/mirror``: the mirror as symbolic links to its files (cheap), for a test to break one file."""
    copy = tmp_path / "mirror"
    for path in mirror.rglob("*"):
        if path.is_file():
            dest = copy / path.relative_to(mirror)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(path)
    return copy


@pytest.fixture(scope="session")
def postgis_server():
    """A temporary PostgreSQL + PostGIS on 127.0.0.1 for the session (see :mod:`pipelines._pgserver`).

    Skips with the reason when PostgreSQL or PostGIS is not installed, except under CI (fails).
    """
    from pipelines import _pgserver

    if _pgserver.find_postgres()[0] is None:
        reason = _pgserver.find_postgres()[1]
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with _pgserver.temporary_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgis_database(postgis_server) -> str:
    """DSN of a scratch database (a copy of the empty PostGIS one) shared by the session's tests."""
    from pipelines import _pgserver

    with _pgserver.scratch_database(postgis_server) as dsn:
        yield dsn


@pytest.fixture
def postgis_dsn(postgis_database) -> str:
    """DSN of the scratch database, emptied for this test (only PostGIS itself is left in it)."""
    from pipelines import _pgserver

    _pgserver.empty_database(postgis_database)
    return postgis_database


@pytest.fixture
def store(tmp_path: Path):
    """An empty layer store in a temporary folder."""
    from pipelines.store import Store

    return Store(tmp_path / "layers")

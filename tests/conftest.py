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
def store(tmp_path: Path):
    """An empty layer store in a temporary folder."""
    from pipelines.store import Store

    return Store(tmp_path / "layers")

"""Fixtures of the dashboard tests: the hand-built mini town and an app on it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import minitown  # noqa: E402


@pytest.fixture(scope="session")
def mini(tmp_path_factory):
    """(store, programmes folder) of the mini town (see ``minitown.py``)."""
    return minitown.build(tmp_path_factory.mktemp("mini"))


@pytest.fixture(scope="session")
def data(mini):
    """The dashboard's read side on the mini town."""
    from dashboard.data import Data

    store, programmes = mini
    return Data(store, programmes)


@pytest.fixture(scope="session")
def mini_app(mini):
    from dashboard.app import create_app

    store, programmes = mini
    return create_app(store, programmes)


@pytest.fixture
def client(mini_app):
    return mini_app.server.test_client()

"""The client-side callbacks are served as an asset, never as inline scripts (CSP)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import maps

ASSET = Path(__file__).resolve().parents[2] / "dashboard" / "assets" / "clientside.js"


def test_no_inline_clientside_script(mini_app):
    assert mini_app._inline_scripts == []
    names = set(re.findall(r"^        (\w+): function", ASSET.read_text(), re.M))
    used = {
        callback["clientside_function"]["function_name"]
        for callback in mini_app._callback_list
        if callback.get("clientside_function")
    }
    assert used == {"restore", "permalink", "classes", "classBoxes", "hideout"}
    assert used <= names


def test_asset_uses_the_same_no_class_word_as_the_server():
    assert f"const NO_CLASS = '{maps.NO_CLASS}';" in ASSET.read_text()

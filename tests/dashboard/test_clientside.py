"""The client-side callbacks are served as an asset, never as inline scripts (CSP)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard import maps

ASSET = Path(__file__).resolve().parents[2] / "dashboard" / "assets" / "clientside.js"


def test_no_inline_clientside_script(mini_app):
    assert mini_app._inline_scripts == []
    names = set(re.findall(r"^        (\w+): function", ASSET.read_text(), re.M))
    functions = [c["clientside_function"] for c in mini_app._callback_list if c.get("clientside_function")]
    used = {f["function_name"] for f in functions if f["namespace"] == "cartopolis"}
    assert used == {"restore", "permalink", "classes", "classBoxes", "hideout"}
    assert used <= names
    # the import screen's upload lives in its own asset
    others = {(f["namespace"], f["function_name"]) for f in functions if f["namespace"] != "cartopolis"}
    assert others == {("cartopolisImport", "upload")}
    assert "upload" in (ASSET.parent / "import.js").read_text()


def test_asset_uses_the_same_no_class_word_as_the_server():
    assert f"const NO_CLASS = '{maps.NO_CLASS}';" in ASSET.read_text()


def test_asset_restores_every_tab_of_the_page():
    from dashboard import i18n

    listed = re.search(r"const tabs = \[([^\]]*)\];", ASSET.read_text())[1]
    assert [t.strip(" '") for t in listed.split(",")] == list(i18n.TABS)

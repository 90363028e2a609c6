"""Shared fixtures of the reliability suite: one good Périgueux store, copied and broken per case.

A "last good" store is built once per session from the real mirror (Périgueux builds in about a
second). Each case gets a copy of it, a copy of the mirror made of symbolic links (a file is
replaced by a real, altered copy only when a case breaks it: the real mirror is never touched),
and runs ``pipelines.cli.main`` in-process as an operator would run the command.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from _expect import TERRITORY, build_args

from pipelines import cli
from pipelines.catalog import Catalog
from pipelines.settings import SOURCES_FILE, TERRITORIES_FILE

_LOAD = Catalog.load.__func__


@pytest.fixture(scope="session")
def good_store(mirror, tmp_path_factory) -> Path:
    """A store where Périgueux was built once, every layer as the mirror gives it."""
    root = tmp_path_factory.mktemp("good") / "layers"
    assert cli.main(build_args(root, mirror)) == 0
    return root


@dataclasses.dataclass
class Env:
    """One case: a copy of the good store, a linked copy of the mirror, and how to run the CLI."""

    store: Path
    mirror: Path
    real_mirror: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture

    def own(self, relative: str) -> Path:
        """Replace the link ``relative`` of the mirror copy by a real copy, to alter it; return it."""
        path = self.mirror / relative
        path.unlink()
        shutil.copyfile(self.real_mirror / relative, path)
        return path

    def run(self, *extra: str, args: list[str] | None = None) -> tuple[int, str]:
        """Run the CLI (a Périgueux build by default); return the exit code and everything printed."""
        self.capsys.readouterr()
        code = cli.main(args if args is not None else build_args(self.store, self.mirror, *extra))
        out = self.capsys.readouterr()
        return code, " ".join((out.out + out.err).split())  # rich wraps long lines: compare on words

    def catalog(self, edit: Callable[[Catalog], Catalog] | None = None, *, sources=None, territories=None) -> None:
        """Make every ``Catalog.load()`` of the case return an edited catalog, or read other YAML files."""

        def load(cls, sources_path=SOURCES_FILE, territories_path=TERRITORIES_FILE):
            if sources is not None or territories is not None:
                return _LOAD(cls, sources or SOURCES_FILE, territories or TERRITORIES_FILE)
            catalog = _LOAD(cls, sources_path, territories_path)
            return edit(catalog) if edit else catalog

        self.monkeypatch.setattr(Catalog, "load", classmethod(load))

    def without_sha(self, *source_ids: str) -> None:
        """Sources that declare no sha256 (as the Géorisques and 2024 QPV zips): only the read checks guard them."""

        def edit(catalog: Catalog) -> Catalog:
            for sid in source_ids:
                catalog.sources[sid] = dataclasses.replace(catalog.sources[sid], sha256=None)
            return catalog

        self.catalog(edit)

    def files(self) -> dict[str, bytes]:
        """Every file a reader of the territory sees, by name."""
        folder = self.store / TERRITORY
        return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}

    def manifest(self) -> dict:
        return json.loads((self.store / TERRITORY / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture
def env(good_store, mirror, mirror_links, tmp_path, monkeypatch, capsys) -> Env:
    store = tmp_path / "layers"
    shutil.copytree(good_store, store, symlinks=True)
    return Env(store, mirror_links, mirror, monkeypatch, capsys)

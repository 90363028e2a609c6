"""The command every case runs, and what it asserts after it: the exit code, the message, what was kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipelines.transaction import stale_notice

TERRITORY = "perigueux"


def build_args(store: Path, mirror: Path, *extra: str, territory: str = TERRITORY) -> list[str]:
    """The build command of a case: offline, from ``mirror``, into ``store``."""
    return ["build", "--territory", territory, "--offline", "--mirror", str(mirror), "--data", str(store), *extra]


#: Fields a stale entry adds to (or changes in) the last good entry.
STALE_FIELDS = ("status", "reason", "failed_at")


def expect(code: int, out: str, rc: int, message: str) -> None:
    """The exit code is ``rc`` and the output holds ``message`` (a regular expression, on words)."""
    assert code == rc, f"exit code {code}, expected {rc}: {out[-1500:]}"
    assert re.search(message, out), f"{message!r} not in: {out[-1500:]}"
    assert "Traceback" not in out


def untouched(before: dict[str, bytes], env) -> None:
    """Every file of the territory (layers, tables, manifest) is byte-identical."""
    after = env.files()
    assert sorted(after) == sorted(before)
    changed = [name for name in before if after[name] != before[name]]
    assert not changed, f"changed: {changed}"


def kept(before: dict[str, bytes], env, *layers: str, reason: str | None = None) -> list[str]:
    """Each of ``layers`` is stale: its file byte-identical, its entry the last good one plus
    status, reason and failed_at; the manifest holds no absolute path. Returns the UI notices."""
    good = json.loads(before["manifest.json"])["layers"]
    manifest = env.manifest()
    files = env.files()
    notices = []
    for layer in layers:
        assert files[f"{layer}.parquet"] == before[f"{layer}.parquet"], layer
        entry = manifest["layers"][layer]
        assert entry["status"] == "stale", (layer, entry)
        assert {k: v for k, v in entry.items() if k not in STALE_FIELDS} == {
            k: v for k, v in good[layer].items() if k not in STALE_FIELDS
        }
        if reason:
            assert re.search(reason, entry["reason"]), entry["reason"]
        notices.append(stale_notice(entry))
    text = json.dumps(manifest, ensure_ascii=False)
    assert not re.search(r"(?<![\w.~/:])/(tmp|work|home|root|etc|var)/", text), "absolute path in the manifest"
    assert not any(s == "stale" for k, e in manifest["layers"].items() if k not in layers for s in [e["status"]])
    return notices

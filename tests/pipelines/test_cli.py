"""`python -m pipelines` commands, run as a person runs them."""

from __future__ import annotations

import json
import subprocess
import sys

from pipelines import settings


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_sources_json_lists_every_source_with_its_resolution(mirror):
    result = run("sources", "--json", "--mirror", str(mirror))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["sources"]) >= 15
    by_id = {s["id"]: s for s in data["sources"]}
    assert by_id["anct.qpv2015.perimetres"]["resolution"] == "mirror"
    assert by_id["georisques.tri.30"]["resolution"] in ("missing", "cache")
    assert all(s["resolution"] in ("mirror", "cache", "missing") for s in data["sources"])


def test_build_ales_commune_offline(mirror, tmp_path):
    result = run(
        "build",
        "--territory",
        "30007",
        "--offline",
        "--mirror",
        str(mirror),
        "--data",
        str(tmp_path),
        "--only",
        "commune",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "ales" / "manifest.json").read_text())
    assert manifest["layers"]["commune"]["status"] == "ok"
    assert manifest["territory"]["insee"] == "30007"


def test_unknown_territory_is_a_clear_error(tmp_path):
    result = run("build", "--territory", "atlantis", "--offline", "--data", str(tmp_path))
    assert result.returncode == 2
    assert "unknown territory `atlantis`" in result.stdout


def test_territories_search(mirror):
    result = run("territories", "perigueux", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows[0]["insee"] == "24322" and rows[0]["name"] == "Périgueux"


def test_build_exits_zero_with_unavailable_layers_and_prints_the_table(mirror, tmp_path):
    result = run("build", "--territory", "redon", "--offline", "--mirror", str(mirror), "--data", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unavailable" in result.stdout and "flood" in result.stdout
    manifest = json.loads((tmp_path / "redon" / "manifest.json").read_text())
    assert manifest["layers"]["flood"]["status"] == "unavailable"


def test_exit_codes_of_a_real_process(tmp_path):
    """The codes the README documents, from `python -m pipelines` itself, without a traceback."""
    missing = run("build", "--territory", "perigueux", "--offline", "--mirror", "/nonexistent", "--data", str(tmp_path))
    assert missing.returncode == 2 and "mirror `/nonexistent` is not a folder" in missing.stdout
    (tmp_path / "file").write_text("x")
    store = run("build", "--territory", "demo", "--data", str(tmp_path / "file"))
    assert store.returncode == 4 and "a file stands where a folder is expected" in store.stdout
    for result in (missing, store):
        assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "perigueux").exists()

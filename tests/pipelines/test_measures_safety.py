"""Hostile programme files: refused before any recursion, left out alone, one line each."""

from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipelines import safe_yaml
from pipelines.catalog import load_sources
from pipelines.errors import CatalogError
from pipelines.measures import ProgrammeFileError, load_programme, load_programmes, read_programmes
from pipelines.programme_check import check_programmes

GOOD = textwrap.dedent(
    """\
    id: bon
    title: "Bon programme"
    territory: ales
    source: seed.txt
    kind: programme_electoral
    measures:
      - id: veto
        title: "Droit de veto citoyen"
        quote: "droit de veto citoyen"
        themes: [democratie]
        non_spatial_reason: "droit politique, sans lieu"
    """
)

#: Nine levels of ten aliases each: 10**9 "lol" once expanded.
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)

#: file name → (text, the one line check-programmes must print for it)
HOSTILE = {
    "laughs.yaml": (GOOD + BILLION_LAUGHS, "laughs.yaml: -: refused YAML (line 12: anchor `&a` refused"),
    "deep_flow.yaml": (
        GOOD + "metadata: " + "[" * 20_000 + "]" * 20_000 + "\n",
        "deep_flow.yaml: -: refused YAML (line 12: nesting deeper than 32",
    ),
    "deep_block.yaml": (GOOD + "metadata:\n  x:\n    " + "- " * 20_000 + "1\n", "deep_block.yaml: -: refused YAML"),
    "oops.yaml": (GOOD.replace("id: bon", "id: oops").split("measures:")[0] + "measures: oops\n", None),
    "types.yaml": (GOOD.replace("id: bon", "id: types").replace('"Droit de veto citoyen"', "[Droit, de, veto]"), None),
}
EXPECTED_REASONS = {
    "oops.yaml": "`measures:` must be a list, not a str",
    "types.yaml": "veto: `title` must be a text, not a list",
}


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(programmes, seeds): one good programme and the hostile files above."""
    programmes, seeds = tmp_path / "programmes", tmp_path / "seeds"
    programmes.mkdir()
    seeds.mkdir()
    (seeds / "seed.txt").write_text("Une ville où les habitants décident : droit de veto citoyen.", encoding="utf-8")
    (programmes / "a_bon.yaml").write_text(GOOD, encoding="utf-8")
    for name, (text, _) in HOSTILE.items():
        (programmes / name).write_text(text, encoding="utf-8")
    return programmes, seeds


def test_safe_yaml_refuses_before_building():
    # 20,000 levels would exhaust the recursive composer (limit 1,000): refused while scanning.
    assert sys.getrecursionlimit() < 20_000
    with pytest.raises(safe_yaml.UnsafeYAMLError, match=r"line 1: nesting deeper than 32 levels refused"):
        safe_yaml.load("- " * 20_000 + "1")
    with pytest.raises(safe_yaml.UnsafeYAMLError, match=r"line 2: alias `\*a` refused"):
        safe_yaml.check_text("a: 1\nb: *a\n")
    with pytest.raises(safe_yaml.UnsafeYAMLError, match=r"file too large \(11 bytes, at most 10 accepted\)"):
        safe_yaml.load("a: 1234567\n", max_bytes=10)
    # 32 levels are fine, 33 are not
    nested = safe_yaml.load("[" * 32 + "]" * 32)
    for _ in range(31):
        (nested,) = nested
    assert nested == []
    with pytest.raises(safe_yaml.UnsafeYAMLError):
        safe_yaml.load("[" * 33 + "]" * 33)


def test_billion_laughs_is_refused_fast_and_small(tmp_path):
    path = tmp_path / "laughs.yaml"
    path.write_text(GOOD + BILLION_LAUGHS, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ProgrammeFileError, match="anchor `&a` refused"):
        load_programme(path)
    assert time.perf_counter() - started < 0.5


def test_size_cap_is_checked_on_disk_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_text(GOOD + "# " + "x" * safe_yaml.MAX_BYTES + "\n", encoding="utf-8")
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("the file was read"))
    size = len(GOOD.encode()) + 3 + safe_yaml.MAX_BYTES
    with pytest.raises(ProgrammeFileError, match=rf"big.yaml: refused YAML \(file too large \({size:,} bytes"):
        load_programme(path)


def test_a_bad_file_is_left_out_and_the_others_stay(folders):
    programmes, _ = folders
    result = read_programmes(programmes)
    assert list(result.programmes) == ["bon"]
    assert sorted(result.failures) == sorted(HOSTILE)
    for name, reason in EXPECTED_REASONS.items():
        assert result.failures[name] == reason
    assert result.failures["laughs.yaml"].startswith("refused YAML (line 12: anchor `&a` refused")
    # no absolute path in what the public may read
    assert not any(str(programmes) in reason for reason in result.failures.values())
    # the strict loader (build, CLI) names the first bad file
    with pytest.raises(ProgrammeFileError, match="deep_block.yaml: refused YAML"):
        load_programmes(programmes)


def test_check_programmes_reports_each_hostile_file_in_one_line(folders):
    programmes, seeds = folders
    problems = check_programmes(programmes, seeds)
    assert len(problems) == len(HOSTILE), problems
    by_file = {line.split(":", 1)[0]: line for line in problems}
    for name, (_, start) in HOSTILE.items():
        line = by_file[name]
        assert line.startswith(start or f"{name}: -: {EXPECTED_REASONS[name]}"), line
        assert "\n" not in line and "RecursionError" not in line


def test_catalog_files_get_the_same_loader(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - &s {id: a}\n  - *s\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"sources.yaml: invalid YAML \(line 2: anchor `&s` refused"):
        load_sources(path)

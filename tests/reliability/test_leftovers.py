"""What a killed build leaves is removed by the next one; store files are readable by another
account; an empty programme text is refused (exit 4) without replacing an earlier draft."""

from __future__ import annotations

import os
import stat
import tempfile

from _expect import build_args, expect


def test_orphans_of_a_killed_build_are_removed(env):
    versions = env.store / ".versions" / "perigueux"
    (versions / "staging-999999-dead").mkdir()
    (versions / "staging-999999-dead" / "flood.parquet").write_bytes(b"half a file")
    (env.store / ".perigueux.link-dead").symlink_to("nowhere")
    code, out = env.run("--only", "flood")
    expect(code, out, 0, r"flood ok 36 ligne")
    current = (env.store / "perigueux").resolve().name
    assert sorted(p.name for p in versions.iterdir()) == [".lock", current]
    assert not list(env.store.glob(".perigueux.link-*"))


def test_tmp_files_of_a_store_built_before_versions_are_removed(env, tmp_path):
    """A store made by an older Cartopolis (a plain folder) holding a `.tmp` left by a kill before os.replace."""
    legacy = tmp_path / "legacy"
    (legacy / "perigueux").mkdir(parents=True)
    for name, data in env.files().items():
        (legacy / "perigueux" / name).write_bytes(data)
    (legacy / "perigueux" / ".flood.parquet.k1ll.tmp").write_bytes(b"killed before os.replace")
    code, out = env.run(args=build_args(legacy, env.mirror, "--only", "flood"))
    expect(code, out, 0, r"flood ok 36 ligne")
    assert (legacy / "perigueux").is_symlink()
    assert not [p.name for p in (legacy / "perigueux").iterdir() if p.name.startswith(".")]


def test_temp_folders_of_dead_readers_are_removed(env, tmp_path, monkeypatch):
    """`/tmp/cartopolis-osm-*` left by a kill during the OSM read, and a partial download of the
    cache; those of a running process stay."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = tmp_path / "cartopolis-osm-999999-abcd"
    dead.mkdir()
    (dead / "cleaned.osm").write_text("<osm/>")
    alive = tmp_path / f"cartopolis-osm-{os.getpid()}-efgh"
    alive.mkdir()
    unrelated = tmp_path / "cartopolis-export-xyz"  # the dashboard's, not named after a process
    unrelated.mkdir()
    cache = tmp_path / "cache"
    monkeypatch.setenv("CARTOPOLIS_CACHE", str(cache))
    (cache / "georisques.tri.30").mkdir(parents=True)
    partial = cache / "georisques.tri.30" / ".tri_2020_sig_di_30.zip.999999.part"  # a download cut by a kill
    partial.write_bytes(b"PK\x03\x04 half")
    running = cache / "georisques.tri.30" / f".tri_2020_sig_di_30.zip.{os.getpid()}.part"
    running.write_bytes(b"PK\x03\x04 still coming")
    code, out = env.run("--only", "flood")
    expect(code, out, 0, r"flood ok")
    assert not dead.exists() and alive.is_dir() and unrelated.is_dir()
    assert not partial.exists() and running.exists()


def test_store_files_are_world_readable_under_a_strict_umask(env):
    previous = os.umask(0o077)
    try:
        code, out = env.run()
    finally:
        os.umask(previous)
    expect(code, out, 0, r"population ok")
    folder = (env.store / "perigueux").resolve()
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o644}
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_empty_programme_text_is_refused(env, tmp_path):
    empty = tmp_path / "programme.txt"
    empty.write_text("  \n\n")
    out_path = tmp_path / "brouillon.yaml"
    code, out = env.run(args=["import-programme", str(empty), "--territory", "redon", "--out", str(out_path)])
    expect(code, out, 4, r"programme.txt` is empty: give the programme's text .* no draft written")
    assert not out_path.exists()


def test_headings_only_programme_keeps_an_earlier_draft(env, tmp_path):
    text = tmp_path / "titres.md"
    text.write_text("# Programme\n\n## Logement\n\n## Transports\n", encoding="utf-8")
    out_path = tmp_path / "brouillon.yaml"
    out_path.write_text("# brouillon relu à la main\n", encoding="utf-8")
    code, out = env.run(args=["import-programme", str(text), "--territory", "redon", "--out", str(out_path)])
    expect(code, out, 4, r"titres.md`: no measure found \(empty text, or headings only\)")
    assert out_path.read_text(encoding="utf-8") == "# brouillon relu à la main\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

"""The temporary PostgreSQL server of the tests: PostGIS inside, 127.0.0.1 only, nothing left after it."""

from __future__ import annotations

import psycopg
import pytest

from pipelines import _pgserver


def test_server_has_postgis_and_listens_on_loopback_only(postgis_server):
    assert postgis_server.dsn == f"postgresql://cartopolis@127.0.0.1:{postgis_server.port}/cartopolis"
    with psycopg.connect(postgis_server.dsn) as conn:
        # 1 km × 1 km in Lambert-93 is 1e6 m²: the extension and its projections are really there
        area = conn.execute("SELECT ST_Area(ST_MakeEnvelope(700000, 6600000, 701000, 6601000, 2154))").fetchone()[0]
        assert area == pytest.approx(1e6)
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert int(conn.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]) >= 1


def test_scratch_database_is_a_fresh_copy_dropped_after(postgis_server):
    with _pgserver.scratch_database(postgis_server) as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int)")
            assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone()[0] == 1
        name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(postgis_server.dsn) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name]).fetchone()[0] == 0
        # the table of the scratch database never reached the template
        assert conn.execute("SELECT to_regclass('public.t')").fetchone()[0] is None


def test_temporary_server_stops_and_cleans_up_when_the_block_fails():
    if _pgserver.find_postgres()[0] is None:
        pytest.skip(_pgserver.find_postgres()[1])
    with pytest.raises(RuntimeError, match="boom"):
        with _pgserver.temporary_server() as server:
            dsn, folder = server.dsn, server.folder
            raise RuntimeError("boom")
    assert not folder.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(dsn, connect_timeout=2)


def test_missing_binaries_give_the_install_hint(monkeypatch, tmp_path):
    monkeypatch.setattr(_pgserver, "_candidates", lambda: [tmp_path])
    binaries, reason = _pgserver.find_postgres()
    assert binaries is None and "initdb" in reason and "make postgis" in reason
    (tmp_path / "initdb").touch()
    (tmp_path / "pg_ctl").touch()
    binaries, reason = _pgserver.find_postgres()
    assert binaries is None and "PostGIS extension not installed" in reason

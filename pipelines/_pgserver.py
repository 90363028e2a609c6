"""A throw-away PostgreSQL + PostGIS server for the tests and the benchmarks (never for production).

:func:`temporary_server` runs ``initdb`` in a fresh temporary folder, starts ``postgres`` with
``pg_ctl`` on 127.0.0.1 on a free port (its Unix socket inside that folder), creates the database
``cartopolis`` with the ``postgis`` extension, yields a :class:`Server`, and always stops the
server and removes the folder on the way out, also when the block raised.

PostgreSQL refuses to run as root: when the caller is root, every server command runs as the
``postgres`` user (Debian's package creates it) through ``runuser``, and the folder is handed to
that user. The cluster trusts connections from 127.0.0.1 only (``initdb --auth=trust``, listening
on that address alone): no password exists, so none can leak in a DSN or a log.

:func:`find_postgres` tells whether the binaries and the extension are installed, and why not
(the tests skip on that reason, or fail under ``CI``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import CartopolisError

DATABASE = "cartopolis"
SUPERUSER = "cartopolis"
#: Settings of a disposable cluster: durability is traded for speed (the data is thrown away).
FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
INSTALL_HINT = "run `make postgis` (Debian: apt-get install postgresql postgresql-<major>-postgis-3)"


@dataclass(frozen=True)
class Binaries:
    """Where the PostgreSQL server programs are."""

    bindir: Path


@dataclass(frozen=True)
class Server:
    """A running temporary server: its DSN (no password), port and data folder."""

    dsn: str
    port: int
    folder: Path


def _candidates() -> list[Path]:
    """Folders that may hold ``initdb``: ``PG_BINDIR``, the PATH, Debian's versioned folders (newest first)."""
    found = [Path(os.environ["PG_BINDIR"])] if os.environ.get("PG_BINDIR") else []
    on_path = shutil.which("initdb")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    return found + [Path(p) for p in debian]


def _sharedir(bindir: Path) -> Path | None:
    pg_config = bindir / "pg_config"
    if not pg_config.exists():
        return None
    out = subprocess.run([str(pg_config), "--sharedir"], capture_output=True, text=True, check=False)
    return Path(out.stdout.strip()) if out.returncode == 0 else None


def find_postgres() -> tuple[Binaries | None, str]:
    """The server binaries that have PostGIS beside them, or None and the reason.

    Returns
    -------
    (Binaries or None, str)
        The binaries, and an empty reason; or None and what is missing with how to install it.
    """
    seen = []
    for bindir in _candidates():
        if not (bindir / "initdb").exists() or not (bindir / "pg_ctl").exists():
            continue
        seen.append(str(bindir))
        share = _sharedir(bindir)
        if share is not None and (share / "extension" / "postgis.control").exists():
            return Binaries(bindir), ""
    if not seen:
        return None, f"PostgreSQL server binaries (initdb, pg_ctl) not found: {INSTALL_HINT}"
    return None, f"PostGIS extension not installed for PostgreSQL in {', '.join(seen)}: {INSTALL_HINT}"


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as an unprivileged user: as is for a normal user, through ``runuser`` for root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
        raise CartopolisError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}\n{tail}")


def _hand_over(folder: Path) -> None:
    """Give ``folder`` to the ``postgres`` user when running as root (initdb refuses root)."""
    if os.geteuid() != 0:
        return
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        raise CartopolisError(
            "running as root and there is no `postgres` user to run the server as: " + INSTALL_HINT
        ) from None
    os.chown(folder, account.pw_uid, account.pw_gid)


def _wait_ready(dsn: str, timeout_s: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(dsn, connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def temporary_server(settings: dict[str, str] | None = None) -> Iterator[Server]:
    """Start a temporary PostgreSQL with PostGIS on 127.0.0.1; stop it and delete it on exit.

    Parameters
    ----------
    settings : dict, optional
        Extra server settings (``{"max_parallel_workers_per_gather": "2"}``), on top of
        :data:`FAST_SETTINGS`.

    Yields
    ------
    Server
        ``dsn`` is ``postgresql://cartopolis@127.0.0.1:<port>/cartopolis`` (trust, no password).
    """
    import psycopg

    binaries, reason = find_postgres()
    if binaries is None:
        raise CartopolisError(reason)
    # A short path under /tmp: the socket path must stay under 107 bytes, and every parent must be
    # traversable by the server user.
    folder = Path(tempfile.mkdtemp(prefix="cartopolis-pg-", dir="/tmp"))
    data, log = folder / "data", folder / "server.log"
    started = False
    try:
        _hand_over(folder)
        _run(
            [
                str(binaries.bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            "initdb",
        )
        options = {**FAST_SETTINGS, **(settings or {})}
        for _attempt in range(3):  # another process may take the free port before the server binds it
            port = free_port()
            flags = [f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder}"]
            flags += [f"-c {key}={value}" for key, value in options.items()]
            command = [str(binaries.bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60"]
            try:
                _run([*command, "-o", " ".join(flags), "start"], "pg_ctl start", log)
            except CartopolisError:
                if "could not bind" not in (log.read_text(errors="replace") if log.exists() else ""):
                    raise
                continue
            started = True
            break
        if not started:
            raise CartopolisError(f"pg_ctl start: no free port after 3 attempts (log `{log}`)")
        admin = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
        _wait_ready(admin)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        dsn = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield Server(dsn=dsn, port=port, folder=folder)
    finally:
        if started:
            subprocess.run(
                _as_server_user([str(binaries.bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def scratch_database(server: Server) -> Iterator[str]:
    """A new database copied from the empty PostGIS one of ``server``; dropped on exit (its DSN is yielded)."""
    import psycopg

    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = server.dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {DATABASE}")
    try:
        yield server.dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def empty_database(dsn: str) -> None:
    """Drop every schema of the database but PostGIS' own (``public`` keeps ``spatial_ref_sys`` only).

    Much faster than a new database per test (0.7 s on this machine): the tests of a session share
    one scratch database and empty it before each test.
    """
    import psycopg
    from psycopg import sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('public', 'information_schema') "
            "AND nspname NOT LIKE 'pg\\_%'"
        ).fetchall()
        for (name,) in schemas:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'spatial_ref_sys'"
        ).fetchall()
        for (name,) in tables:
            conn.execute(sql.SQL("DROP TABLE public.{} CASCADE").format(sql.Identifier(name)))

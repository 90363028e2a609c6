"""The national build on Dask: one task per territory, on a local cluster or an existing scheduler.

``python -m pipelines build --all-qpv|--departement DD [--workers N] [--scheduler tcp://HOST:8786]``

- **Cluster**: ``--scheduler`` (or ``DASK_SCHEDULER_ADDRESS``) names an existing scheduler; else a
  ``LocalCluster`` of ``--workers`` processes (one thread each: geometry work holds the GIL).
- **Skip**: a territory whose published build has the same fingerprint (pipeline version, sources,
  how they resolve: :func:`~pipelines.national_plan.build_fingerprint`) is not submitted; a rerun
  or a resume after a crash or Ctrl-C builds only what changed or was never published.
- **Tasks**: :func:`build_task` runs on a worker. Each worker process loads the catalog once and
  reads each national file once (:func:`~pipelines.layers._common.read_once`), not once per
  commune. A task that raises is recorded as failed with its reason, the others go on; a worker
  that dies has its task rescheduled by Dask on another worker, and a territory's layers are
  published together by the store transaction (a killed build publishes nothing).
- **Workers** of an existing cluster must import this project: start them in its root or with
  ``PYTHONPATH`` pointing to it (``dask worker tcp://HOST:8786 --nthreads 1``), with the same
  mirror path and store folder (a shared file system) as the command.
- **Report**: a rich progress bar over territories, then a summary (built, skipped, failed with
  reasons) also written to ``<store>/_national/last_build.json``; then the national QPV table
  (:mod:`pipelines.national_qpv`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .catalog import Catalog, Territory
from .national_plan import build_fingerprint, is_current
from .store import Store, write_json_atomic

#: The environment variable naming an existing scheduler (``tcp://HOST:8786``).
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
REPORT = "last_build.json"
_WORKER: dict = {}


@dataclass
class TerritoryReport:
    """How one territory of a national build ended: ``built``, ``skipped`` or ``failed`` (with the reason)."""

    insee: str
    id: str = ""
    name: str = ""
    status: str = "failed"
    reason: str = ""
    seconds: float = 0.0
    layers: dict[str, str] = field(default_factory=dict)
    worker: str = ""
    worker_peak_mb: float = 0.0


# -- worker side -------------------------------------------------------------------------------
def _worker_catalog() -> Catalog:
    """The catalog of this worker process, loaded on its first task (again when a YAML file changed:
    a worker of an existing cluster outlives a build)."""
    from .settings import SOURCES_FILE, TERRITORIES_FILE

    stamp = tuple(path.stat().st_mtime_ns for path in (SOURCES_FILE, TERRITORIES_FILE))
    if _WORKER.get("stamp") != stamp:
        _WORKER.update(catalog=Catalog.load(), stamp=stamp)
    return _WORKER["catalog"]


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_task(insee: str, data: str, offline: bool, mirror: str | None) -> dict:
    """Build one territory into the store at ``data`` (runs on a Dask worker); never raises.

    Returns a :class:`TerritoryReport` as a dict: ``failed`` when the build raised or a layer
    ended in ``error`` or ``stale``.
    """
    from .build import build_territory

    start = time.perf_counter()
    report = TerritoryReport(insee, worker=f"{os.uname().nodename}:{os.getpid()}")
    try:
        catalog = _worker_catalog()
        territory = catalog.territory(insee)
        report.id, report.name = territory.id, territory.name
        outcomes = build_territory(
            territory, catalog, Store(data), offline=offline, mirror=Path(mirror) if mirror else None, log=_quiet
        )
        report.layers = {o.layer: o.status for o in outcomes}
        bad = [f"{o.layer}: {o.reason}" for o in outcomes if o.status in ("error", "stale")]
        report.status, report.reason = ("failed", "; ".join(bad)) if bad else ("built", "")
    except Exception as exc:  # noqa: BLE001 - one territory must not stop the national build
        report.reason = f"{type(exc).__name__}: {exc}"
        logging.getLogger(__name__).debug(traceback.format_exc())
    report.seconds = round(time.perf_counter() - start, 2)
    report.worker_peak_mb = round(peak_memory_mb(), 1)
    return asdict(report)


def _quiet(message: str) -> None:
    """Build log lines of a worker: kept at debug level (the summary carries the failures)."""
    logging.getLogger("pipelines.build").debug(message)


# -- client side -------------------------------------------------------------------------------
@contextlib.contextmanager
def dask_client(workers: int = 2, scheduler: str | None = None) -> Iterator:
    """A Dask client: on ``scheduler`` (or ``DASK_SCHEDULER_ADDRESS``), else on a new local cluster."""
    from dask.distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        with Client(address, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=max(1, int(workers)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def plan_territories(catalog: Catalog, keys: list[str]) -> list[Territory]:
    """The territories of ``keys`` (INSEE codes), declared ones as declared, each once."""
    seen, out = set(), []
    for key in keys:
        territory = catalog.territory(key)
        if territory.insee not in seen:
            seen.add(territory.insee)
            out.append(territory)
    return out


def run_national_build(
    keys: list[str],
    store: Store,
    *,
    offline: bool,
    mirror: Path | None,
    workers: int = 2,
    scheduler: str | None = None,
    console: Console | None = None,
) -> list[TerritoryReport]:
    """Build the territories of ``keys`` on Dask, skipping those already current; return one report each.

    Raises KeyboardInterrupt after cancelling the pending tasks and writing the partial summary.
    """
    from dask.distributed import as_completed

    console = console or Console()
    catalog = Catalog.load()
    reports: list[TerritoryReport] = []
    todo = []
    for territory in plan_territories(catalog, keys):
        fingerprint = build_fingerprint(territory, catalog, offline=offline, mirror=mirror)
        if is_current(store, territory, fingerprint):
            reports.append(TerritoryReport(territory.insee, territory.id, territory.name, "skipped"))
        else:
            todo.append(territory)
    console.print(
        f"{len(reports) + len(todo)} territoire(s) : {len(reports)} à jour (ignorés), {len(todo)} à construire"
    )
    started = time.perf_counter()
    if todo:
        with dask_client(workers, scheduler) as client, _progress(console) as progress:
            bar = progress.add_task("territoires", total=len(todo))
            mirror_arg = str(mirror) if mirror else None
            futures = [
                client.submit(
                    build_task, t.insee, str(store.root), offline, mirror_arg, key=f"build-{t.insee}", pure=False
                )
                for t in todo
            ]
            names = {f.key: t for f, t in zip(futures, todo, strict=True)}
            try:
                for future in as_completed(futures):
                    report = _result(future, names[future.key])
                    reports.append(report)
                    if report.status == "failed":
                        progress.console.print(
                            f"[red]échec[/] {report.id} ({report.insee}) : {report.reason}", highlight=False
                        )
                    progress.update(bar, advance=1, description=report.id)
            except KeyboardInterrupt:
                client.cancel(futures)
                _write_report(store, reports, time.perf_counter() - started, interrupted=True)
                raise
    _write_report(store, reports, time.perf_counter() - started)
    return reports


def _result(future, territory: Territory) -> TerritoryReport:
    """The report of a finished future; a task Dask gave up on (its workers died) is a failure."""
    try:
        return TerritoryReport(**future.result())
    except Exception as exc:  # noqa: BLE001 - KilledWorker, CancelledError…
        return TerritoryReport(territory.insee, territory.id, territory.name, "failed", f"{type(exc).__name__}: {exc}")


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _counts(reports: list[TerritoryReport]) -> dict[str, int]:
    return {status: sum(r.status == status for r in reports) for status in ("built", "skipped", "failed")}


def _write_report(store: Store, reports: list[TerritoryReport], seconds: float, *, interrupted: bool = False) -> Path:
    """``<store>/_national/last_build.json``: counts, wall time and every territory's report."""
    counts = _counts(reports)
    path = store.folder("_national") / REPORT  # write_json_atomic makes the folder
    data = {
        "seconds": round(seconds, 1),
        "interrupted": interrupted,
        **counts,
        "territories": [asdict(r) for r in reports],
    }
    write_json_atomic(path, data)
    return path


def summary_line(reports: list[TerritoryReport], seconds: float) -> str:
    """« Construction nationale — 412 s — 870 construit(s), 5 à jour, 0 en échec »."""
    counts = _counts(reports)
    return (
        f"Construction nationale — {seconds:.0f} s — {counts['built']} construit(s), "
        f"{counts['skipped']} à jour, {counts['failed']} en échec"
    )


def summary_table(reports: list[TerritoryReport]) -> Table:
    """Every failed territory with its reason."""
    table = Table(title="Territoires en échec")
    for col in ("territoire", "INSEE", "statut", "raison"):
        table.add_column(col, overflow="fold")
    for report in sorted(reports, key=lambda r: (r.status != "failed", r.insee)):
        if report.status == "failed":
            table.add_row(report.id, report.insee, "[bold red]échec[/]", report.reason[:300])
    return table


def cmd_build_distributed(args, console: Console) -> int:
    """``build --all-qpv | --departement DD | --territory A,B,C`` with ``--workers`` / ``--scheduler``."""
    from .national_plan import departement_communes, qpv_communes
    from .national_qpv import FOLDER, TABLE, build_national_qpv, table_counts
    from .settings import mirror_dir

    store = Store(args.data) if args.data else Store()
    mirror = Path(args.mirror).resolve() if args.mirror else mirror_dir()
    catalog = Catalog.load()
    if args.all_qpv:
        plan = qpv_communes(catalog, offline=args.offline, mirror=mirror)
        console.print(
            f"communes hébergeant un QPV : {len(plan)} ({sum(map(bool, plan['qpv_2015']))} en 2015, "
            f"{sum(map(bool, plan['qpv_2024']))} en 2024, fichiers nationaux)"
        )
        keys = list(plan["insee"])
    elif args.departement:
        keys = list(departement_communes(args.departement, offline=args.offline)["insee"])
    else:
        keys = [catalog.territory(k.strip()).insee for k in args.territory.split(",") if k.strip()]
    started = time.perf_counter()
    try:
        reports = run_national_build(
            keys,
            store,
            offline=args.offline,
            mirror=mirror,
            workers=args.workers or 2,
            scheduler=args.scheduler,
            console=console,
        )
    except KeyboardInterrupt:
        console.print("[yellow]interrompu : les territoires terminés sont publiés, une reprise les ignorera[/]")
        return 130
    if any(r.status == "built" for r in reports) or not (store.folder(FOLDER) / f"{TABLE}.parquet").exists():
        counts = build_national_qpv(store, catalog, offline=args.offline, mirror=mirror)
        if not (store.folder(FOLDER) / "departements.parquet").exists():  # the overview's background
            from .measures import load_programmes
            from .national import build_national

            build_national(store, catalog, load_programmes(), offline=args.offline)
    else:
        counts = table_counts(store.read_geotable(FOLDER, TABLE))
    console.print(
        f"table nationale des QPV : {counts['rows']} QPV ({counts.get('unchanged', 0)} inchangés, "
        f"{counts.get('modified', 0)} modifiés, {counts.get('new', 0)} nouveaux, {counts.get('left', 0)} sortis), "
        f"{counts['built']} dans un territoire construit"
    )
    console.print(summary_line(reports, time.perf_counter() - started))
    if any(r.status == "failed" for r in reports):
        console.print(summary_table(reports))
    return 1 if any(r.status == "failed" for r in reports) else 0

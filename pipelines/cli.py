"""``python -m pipelines …``: sources, build, territories, check-programmes, import-programme.

Exit codes, one per kind of failure (documented in the README):

- 0: done (a layer without source is ``unavailable``, which is not a failure);
- 1 (:data:`EXIT_LAYER_FAILED`): built and published, but a layer failed (it kept its last good
  version, ``stale``, or has none, ``error``); ``check-programmes`` found problems;
- 2 (:data:`EXIT_USAGE`): the command line is wrong (option, territory, layer, missing mirror);
- 3 (:data:`EXIT_CATALOG`): ``geodata/sources.yaml`` or ``territories.yaml`` is invalid;
- 4 (:data:`EXIT_NOTHING_BUILT`): nothing was published or written (store read-only, full or not
  a folder; an input that holds nothing to import).

The importer's commands (import-programme, evaluate-importer) live in :mod:`pipelines.cli_importer`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from . import settings
from .catalog import Catalog
from .errors import CartopolisError, CatalogError, UsageError
from .fetch import locate
from .reports.cli import add_parser as add_report_parser
from .store import open_store

STATUS_STYLE = {"ok": "green", "stale": "bold magenta", "unavailable": "yellow", "error": "bold red"}
EXIT_OK, EXIT_LAYER_FAILED, EXIT_USAGE, EXIT_CATALOG, EXIT_NOTHING_BUILT = 0, 1, 2, 3, 4


def cmd_sources(args: argparse.Namespace, console: Console) -> int:
    catalog = Catalog.load()
    mirror = Path(args.mirror) if args.mirror else settings.mirror_dir()
    for territory in catalog.territories.values():  # the declared towns' sources made from templates
        for layer in territory.layers:
            catalog.sources_for(territory, layer)
    rows = []
    for source in catalog.sources.values():
        found = locate(source, mirror=mirror)
        rows.append(
            {
                "id": source.id,
                "title": source.title,
                "publisher": source.publisher,
                "format": source.format,
                "licence": source.licence,
                "vintage": source.vintage,
                "url": source.url,
                "page": source.page,
                "mirror": source.mirror,
                "resolution": found.origin,
                "path": str(found.path) if found.path else None,
            }
        )
    templates = [{"id": t.source.id, "title": t.source.title, "url": t.source.url} for t in catalog.templates]
    if args.json:
        data = {"mirror": str(mirror) if mirror else None, "sources": rows, "templates": templates}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    table = Table(title=f"Sources ({len(rows)}) — miroir : {mirror or 'aucun'}")
    for col in ("id", "format", "resolution", "url"):
        table.add_column(col, overflow="fold")
    for row in rows:
        style = {"mirror": "green", "cache": "cyan", "missing": "yellow"}[row["resolution"]]
        table.add_row(row["id"], row["format"], f"[{style}]{row['resolution']}[/]", row["url"])
    console.print(table)
    console.print(f"{len(templates)} modèles de sources nationales : " + ", ".join(t["id"] for t in templates))
    return 0


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    if args.all_qpv or args.departement or args.workers or args.scheduler:  # on Dask
        from .distributed import cmd_build_distributed

        return cmd_build_distributed(args, console)
    if not args.territory:
        raise UsageError("build needs --territory ID|INSEE|NAME|all, --all-qpv or --departement DD")
    from .build import build_territory
    from .schemas import CONTEXT_LAYERS, LAYERS

    catalog = Catalog.load()
    store = open_store(args.data)
    mirror = Path(args.mirror).resolve() if args.mirror else settings.mirror_dir()
    if args.only and args.only not in (*LAYERS, *CONTEXT_LAYERS):
        raise UsageError(f"unknown layer `{args.only}`; known: {', '.join((*LAYERS, *CONTEXT_LAYERS))}")
    keys = list(catalog.territories) if args.territory == "all" else [args.territory]
    territories = [catalog.territory(k) for k in keys]
    outcomes = []
    started = time.perf_counter()
    steps = len(territories) * (len(LAYERS) + len(CONTEXT_LAYERS) + 1 if not args.only else 2)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        task = progress.add_task("construction", total=steps)
        for territory in territories:
            progress.console.rule(f"{territory.name} ({territory.id}, {territory.insee})")
            if territory.note:
                progress.console.print(f"  [cyan]{territory.note}[/]")
            progress.update(task, description=f"{territory.id}")

            def show(outcome, _progress=progress, _task=task):
                style = STATUS_STYLE[outcome.status]
                extra = f" — {escape(outcome.reason)}" if outcome.reason else ""
                _progress.console.print(
                    f"  {outcome.layer:<11} [{style}]{outcome.status}[/] "
                    f"{outcome.rows} ligne(s) {outcome.seconds:.1f}s{extra}"
                )
                _progress.advance(_task)

            outcomes += build_territory(
                territory,
                catalog,
                store,
                offline=args.offline,
                mirror=mirror,
                only=[args.only] if args.only else None,
                accept_shrink=args.accept_shrink,
                log=lambda msg, _progress=progress: _progress.console.print(
                    f"  [dim]{escape(msg)}[/]", highlight=False
                ),
                on_layer=show,
            )
    if args.territory == "all" and not args.only:
        from .measures import load_programmes
        from .national import build_national

        counts = build_national(store, catalog, load_programmes(), offline=args.offline)
        console.print(
            f"vue nationale : {counts['places']} lieux ({counts['unplaced']} sans commune connue), "
            f"{counts['departements']} départements"
        )
    table = Table(title=f"Build — {time.perf_counter() - started:.1f}s — store {store.root}")
    for col in ("territoire", "couche", "statut", "lignes", "s", "raison"):
        table.add_column(col, overflow="fold")
    for o in outcomes:
        style = STATUS_STYLE[o.status]
        table.add_row(
            o.territory, o.layer, f"[{style}]{o.status}[/]", str(o.rows), f"{o.seconds:.1f}", escape(o.reason[:160])
        )
    console.print(table)
    failed = [o for o in outcomes if o.status in ("error", "stale")]
    for o in failed:
        kept = "last good version kept" if o.status == "stale" else "no previous version"
        console.print(f"[bold red]failed:[/] {o.territory}/{o.layer} ({kept}): {escape(o.reason)}", highlight=False)
    return EXIT_LAYER_FAILED if failed else EXIT_OK


def cmd_territories(args: argparse.Namespace, console: Console) -> int:
    from .communes import search_communes

    frame = search_communes(args.query, limit=args.limit)
    if args.json:
        print(frame.to_json(orient="records", force_ascii=False))
        return 0
    table = Table(title=f"Communes — « {args.query} »")
    for col in frame.columns:
        table.add_column(col)
    for row in frame.itertuples(index=False):
        table.add_row(*[str(v) for v in row])
    console.print(table)
    return 0


def cmd_check_programmes(args: argparse.Namespace, console: Console) -> int:
    from .measures import check_programmes

    problems = check_programmes(Path(args.dir) if args.dir else None)
    for problem in problems:
        print(problem)
    if not problems:
        console.print("[green]programmes OK[/]")
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m pipelines", description="Cartopolis data pipelines")
    sub = main.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sources", help="every source and where it resolves (mirror / cache / missing)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--mirror", help="mirror folder (default: GEODATA_MIRROR or ../shared/geodata/raw)")
    p.set_defaults(func=cmd_sources)
    p = sub.add_parser("build", help="build the layers of a territory (id, INSEE code or `all`)")
    p.add_argument("--territory", help="id, INSEE code or name (`all`: the declared ones; A,B,C on Dask)")
    p.add_argument("--all-qpv", action="store_true", help="every commune hosting a 2015 or 2024 QPV, on Dask")
    p.add_argument("--departement", help="every commune of this département, on Dask")
    p.add_argument("--workers", type=int, help="Dask local cluster size (default 2)")
    p.add_argument("--scheduler", help="existing Dask scheduler (tcp://HOST:8786; default DASK_SCHEDULER_ADDRESS)")
    p.add_argument("--offline", action="store_true", help="never download; read the mirror and the cache only")
    p.add_argument("--mirror", help="mirror folder (default: GEODATA_MIRROR or ../shared/geodata/raw)")
    p.add_argument("--only", help="build this layer only")
    p.add_argument(
        "--accept-shrink",
        action="store_true",
        help="publish a layer even when it lost more than 25 %% of its rows or area against its last good build",
    )
    p.add_argument(
        "--data",
        help="store: a folder or postgresql://… (default: CARTOPOLIS_STORE, CARTOPOLIS_DATA or geodata/layers)",
    )
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("territories", help="find any French commune by name or INSEE code")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_territories)
    p = sub.add_parser("check-programmes", help="validate every programme YAML against the seeds")
    p.add_argument("--dir", help="programmes folder (default geodata/programmes)")
    p.set_defaults(func=cmd_check_programmes)
    from .cli_importer import register as register_importer

    register_importer(sub)  # import-programme, evaluate-importer
    from .publish import register as register_publish
    from .qgis import register as register_qgis

    register_qgis(sub)  # qgis-project
    register_publish(sub)  # publish
    add_report_parser(sub)  # report
    return main


def exit_code(exc: CartopolisError) -> int:
    """The exit code of a failure (see the module docstring)."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, CatalogError):
        return EXIT_CATALOG
    return EXIT_NOTHING_BUILT


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    # a wide console when piped (CI logs), so that the summary table keeps its reasons readable
    console = Console(width=None if sys.stdout.isatty() else 160)
    try:
        return args.func(args, console)
    except CartopolisError as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        return exit_code(exc)
    except OSError as exc:  # a file the command was given cannot be read or written
        where = f" `{exc.filename}`" if exc.filename else ""
        console.print(
            f"[bold red]error:[/]{escape(where)}: {escape(str(exc.strerror or exc))}; check the path and its rights"
        )
        return EXIT_NOTHING_BUILT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

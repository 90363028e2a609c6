"""``python -m pipelines publish``: copy built territories from one store to another, as they are.

``publish --to postgresql://…`` copies the GeoParquet store (``--from``, default ``CARTOPOLIS_DATA``
or ``geodata/layers``) into PostGIS; ``publish --from postgresql://… --to geodata/layers`` copies
back. Each territory is copied in one store transaction of the target — its layers, tables and
manifest appear together or not at all — and its manifest is published verbatim (same build
dates, statuses, sources and checksums), so both stores serve the same pages and numbers. A
territory whose manifest already equals the source's is left alone: publishing twice changes
nothing. With ``--territory all`` the national overview tables are copied too.
"""

from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from .errors import CartopolisError, UsageError
from .store import open_store
from .transaction import SERVED_STATUSES, StoreTransaction

#: Tables of the national overview (``_national/<name>``), copied with ``--territory all``, each in its
#: own CRS (``qpv``, every QPV of France, is in EPSG:4326).
NATIONAL = ("departements", "places", "qpv")
#: Non-spatial tables of a territory (written by :mod:`pipelines.evaluate`), copied when present.
TABLES = ("indicators", "measures", "measures_qpv")


@dataclass(frozen=True)
class Copied:
    """What publishing did for one territory: ``copied`` or ``unchanged``, with its layer and table counts."""

    territory: str
    status: str
    layers: int
    tables: int


def _served(manifest: dict, source, territory: str) -> tuple[list[str], list[str]]:
    """Layers and tables of a published version that have data to copy."""
    layers = [
        name
        for name, entry in (manifest.get("layers") or {}).items()
        if entry.get("status") in SERVED_STATUSES and source.has_layer(territory, name)
    ]
    recorded = [name for name, entry in (manifest.get("tables") or {}).items() if entry.get("status") == "ok"]
    tables = [name for name in dict.fromkeys([*TABLES, *recorded]) if source.has_table(territory, name)]
    return layers, tables


def _replicate(tx: StoreTransaction, manifest: dict, source, territory: str, layers, tables, advance) -> None:
    """Put every layer and table of ``source`` into ``tx`` and publish ``manifest`` unchanged.

    The storage primitives are used directly: :meth:`StoreTransaction.write_layer` and
    :meth:`~StoreTransaction.commit` would stamp new build dates on a copy. A folder target records
    the sha256 of the file it wrote (re-encoded, its bytes differ from the source's); a PostGIS
    target keeps the source's, which identifies the version it holds.
    """
    previous = tx.previous
    gone = [n for n in (previous.get("layers") or {}) if n not in (manifest.get("layers") or {})]
    gone += [n for n in (previous.get("tables") or {}) if n not in tables]
    manifest = copy.deepcopy(manifest)
    try:
        for name in gone:  # what the target had and the source does not: never left behind
            tx._drop_frame(name)
        for name, entry in (manifest.get("layers") or {}).items():
            if name in layers:
                stored = tx._put_frame(name, source.read_layer(territory, name, crs=None))
                if "file" in stored:  # a folder vouches for its own files; PostGIS keeps the version's checksum
                    entry["sha256"] = stored["sha256"]
            else:
                tx._drop_frame(name)
            advance()
        for name in tables:
            tx._put_table(name, source.read_table(territory, name))
            advance()
    except BaseException:
        tx.rollback()
        raise
    tx.closed = True
    tx._publish(manifest)


def publish_territory(source, target, territory: str, advance=lambda: None) -> Copied:
    """Copy one territory's published version from ``source`` to ``target`` (skipped when already equal)."""
    manifest = source.manifest(territory)
    layers, tables = _served(manifest, source, territory)
    if target.version(territory) is not None and target.manifest(territory) == manifest:
        for _ in range(len(manifest.get("layers") or {}) + len(tables)):
            advance()
        return Copied(territory, "unchanged", len(layers), len(tables))
    _replicate(target.transaction(territory), manifest, source, territory, layers, tables, advance)
    return Copied(territory, "copied", len(layers), len(tables))


def publish_national(source, target) -> list[str]:
    """Copy the national overview tables that ``source`` has; return their names."""
    copied = []
    for name in NATIONAL:
        try:
            frame = source.read_geotable("_national", name)
        except CartopolisError:  # only some territories were built: no overview to copy
            frame = None
        if frame is not None and not _same_table(target, name, frame):
            target.write_geotable("_national", name, frame, crs=frame.crs.to_string())
            copied.append(name)
    return copied


def _same_table(target, name: str, frame) -> bool:
    """Whether the target already holds this national table (same rows, attributes and geometries)."""
    try:
        there = target.read_geotable("_national", name)
    except CartopolisError:
        return False
    same_rows = list(there.columns) == list(frame.columns) and len(there) == len(frame)
    return same_rows and there.to_wkb().reset_index(drop=True).equals(frame.to_wkb().reset_index(drop=True))


def cmd_publish(args: argparse.Namespace, console: Console) -> int:
    """CLI: copy the territories with a progress bar, then say what was done."""
    source, target = open_store(args.source), open_store(args.to)
    if source.root == target.root:
        raise UsageError(f"`--from` and `--to` are the same store (`{target.root}`): nothing to publish")
    built = source.territories()
    if args.territory == "all":
        territories = built
    else:
        found = [t for t in built if args.territory in (t, str(source.manifest(t)["territory"].get("insee")))]
        if not found:
            raise UsageError(
                f"territory `{args.territory}` is not built in `{source.root}` (built: {', '.join(built) or 'none'})"
            )
        territories = found
    manifests = {t: source.manifest(t) for t in territories}
    steps = sum(len(m.get("layers") or {}) + len(_served(m, source, t)[1]) for t, m in manifests.items())
    done: list[Copied] = []
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("publication", total=steps)
        for territory in territories:
            bar.update(task, description=territory)
            done.append(publish_territory(source, target, territory, lambda: bar.advance(task)))
    for item in done:
        word = "copié" if item.status == "copied" else "déjà à jour"
        console.print(f"  {item.territory:<12} {word} ({item.layers} couches, {item.tables} tables)")
    if args.territory == "all":
        national = publish_national(source, target)
        console.print(f"  vue nationale : {', '.join(national) or 'déjà à jour (ou absente de la source)'}")
    console.print(f"publié de {source.root} vers {target.root}")
    for store in (source, target):
        if hasattr(store, "close"):
            store.close()
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``publish`` to the CLI's subcommands."""
    p = commands.add_parser("publish", help="copy built territories to another store (PostGIS or a folder)")
    p.add_argument("--to", required=True, help="target store: postgresql://… or a folder")
    p.add_argument(
        "--from", dest="source", help="source store (default: CARTOPOLIS_STORE, CARTOPOLIS_DATA or geodata/layers)"
    )
    p.add_argument("--territory", default="all", help="territory id or INSEE code, or `all` (default)")
    p.set_defaults(func=cmd_publish)

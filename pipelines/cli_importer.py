"""``python -m pipelines import-programme`` and ``evaluate-importer`` (registered by :mod:`pipelines.cli`)."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table


def cmd_import_programme(args: argparse.Namespace, console: Console) -> int:
    from .errors import CartopolisError
    from .importer import import_programme_file

    source = Path(args.file)
    if source.is_file() and not source.read_bytes().strip():
        raise CartopolisError(
            f"`{source}` is empty: give the programme's text (.txt, .md, .pdf, .html): no draft written"
        )
    out = import_programme_file(
        source, territory=args.territory, out=Path(args.out), fmt=args.format, section_depth=args.section_depth
    )
    if not _draft_measures(out):
        out.unlink(missing_ok=True)
        raise CartopolisError(
            f"`{source}`: no measure found (empty text, or headings only): give the programme's full text; "
            "no draft written"
        )
    console.print(f"brouillon écrit : {out}")
    return 0


def _draft_measures(path: Path) -> int:
    """How many measures a written draft holds (0 when it cannot be read back)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return 0
    return len(data.get("measures") or []) if isinstance(data, dict) else 0


def cmd_evaluate_importer(args: argparse.Namespace, console: Console) -> int:
    from .importer.scorecard import ANNOTATIONS, scorecard

    with tempfile.TemporaryDirectory() as tmp:
        rows = scorecard(annotations=Path(args.annotations) if args.annotations else ANNOTATIONS, pdf_dir=Path(tmp))
    table = Table(title="Importeur — rappel et précision (appariement un à un)")
    for col in ("fichier", "mode", "brouillons", "mesures", "trouvées", "rappel", "précision", "s"):
        table.add_column(col)
    failing = False
    for row in rows:
        if "note" in row:
            table.add_row(row["file"], "", "", "", "", "", "", row["note"])
            continue
        ok = row["recall"] >= 0.95 and row["precision"] >= 0.90
        failing |= not ok
        style = "green" if ok else "red"
        table.add_row(
            row["file"],
            row["mode"],
            str(row["drafts"]),
            str(row["gold"]),
            str(row["matched"]),
            f"[{style}]{row['recall']:.1%}[/]",
            f"[{style}]{row['precision']:.1%}[/]",
            f"{row['seconds']:.2f}",
        )
        if args.verbose:
            for missed in row["missed"]:
                table.add_row("", "", "", "", "", f"manquée l.{missed[1]}", missed[2][:70], "")
            for extra in row["extra"]:
                table.add_row("", "", "", "", "", f"en trop l.{extra[0]}", extra[1][:70], "")
    console.print(table)
    return 1 if failing else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add the importer's subcommands to the ``python -m pipelines`` parser."""
    p = sub.add_parser("import-programme", help="draft a programme YAML from a text, PDF, HTML or Word file")
    p.add_argument("file")
    p.add_argument("--territory", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--format", choices=("txt", "md", "pdf", "html", "docx"), help="default: detected from the file")
    p.add_argument("--section-depth", type=int, default=None, help="keep this many levels of each section path")
    p.set_defaults(func=cmd_import_programme)
    p = sub.add_parser("evaluate-importer", help="recall and precision of the importer, per file")
    p.add_argument("--annotations", help="annotation file of the real programmes (default: the tests' one)")
    p.add_argument("--verbose", action="store_true", help="list the missed measures and the extra drafts")
    p.set_defaults(func=cmd_evaluate_importer)

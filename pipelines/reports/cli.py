"""``python -m pipelines report``: a fiche quartier or a rapport programme as a PDF file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console


def cmd_report(args: argparse.Namespace, console: Console) -> int:
    """Write the report asked for by ``args`` and say where, with its page count and time."""
    from dashboard.data import Data
    from pipelines.store import Store

    from . import write_report

    start = time.perf_counter()
    store = Store(args.data) if args.data else Store()
    out = write_report(Data(store), Path(args.out), territory=args.territory, programme=args.programme, qpv=args.qpv)
    console.print(f"rapport écrit : {out} ({out.stat().st_size // 1024} Ko, {time.perf_counter() - start:.1f} s)")
    return 0


def add_parser(sub) -> None:
    """Register the ``report`` subcommand on the CLI's subparsers."""
    p = sub.add_parser("report", help="a printable PDF: fiche quartier (--qpv) or rapport programme (--programme)")
    p.add_argument("--territory", required=True, help="territory id or INSEE code")
    p.add_argument("--programme", help="programme id (rapport programme)")
    p.add_argument("--qpv", help="QPV code, 2024 or 2015 (fiche quartier)")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument("--data", help="store folder (default: CARTOPOLIS_DATA or geodata/layers)")
    p.set_defaults(func=cmd_report)

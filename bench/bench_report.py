"""Report benchmark (not a test): time and page count of every printable report of the store.

Builds every territory offline from the mirror into a temporary store unless ``CARTOPOLIS_DATA``
holds one, then writes the fiche quartier of every QPV and the rapport programme of every
programme applied to each territory, timing each (median of ``--repeat`` runs) and counting its
pages. Target (issue 12): ≤ 10 s for the biggest territory. Usage:
``python bench/bench_report.py [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from dashboard.data import Data  # noqa: E402
from pipelines.reports import build_report  # noqa: E402
from pipelines.store import Store  # noqa: E402


def store_dir() -> Path:
    if os.environ.get("CARTOPOLIS_DATA"):
        return Path(os.environ["CARTOPOLIS_DATA"])
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    command = [sys.executable, "-m", "pipelines", "build", "--territory", "all", "--offline", "--data", str(folder)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = Data(Store(store_dir()))
    jobs = []
    for territory in data.territory_ids():
        qpv = data.frame(territory, "qpv")
        for row in [] if qpv is None else qpv.itertuples():
            code = row.code_qp if isinstance(row.code_qp, str) and row.code_qp else row.code_qp_2015
            jobs.append((territory, {"qpv": code}))
        jobs += [(territory, {"programme": p.id}) for p in data.programmes_for(territory)]
    print(f"{'territoire':<11} {'rapport':<28} {'pages':>5} {'médiane (s)':>12} {'max (s)':>8}")
    for territory, kind in jobs:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            pdf = build_report(data, territory, **kind)
            times.append(time.perf_counter() - start)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        name = next(iter(kind.values()))
        print(f"{territory:<11} {name:<28} {pages:>5} {statistics.median(times):>12.2f} {max(times):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: ``build --all-qpv --offline`` (every commune hosting a QPV) with 2 and 1 Dask workers.

Measures, each on a fresh temporary store: the wall time with 2 workers (target ≤ 15 min), the
rerun that skips everything (target ≤ 60 s), the wall time with 1 worker (speed-up target ≥ 1.6×),
the peak resident memory of each worker (target ≤ 1.5 GB, from the tasks' reports) and the
machine's load average before and after each run (the 2 cores are shared with other sessions).

``python bench/bench_national.py [--workers 2,1] [--keep DIR]``; prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import settings  # noqa: E402


def run_build(data: Path, workers: int, mirror: Path) -> dict:
    """One ``build --all-qpv --offline`` run: wall time, exit code, counts, peak memory per worker, load."""
    command = [sys.executable, "-m", "pipelines", "build", "--all-qpv", "--offline", "--workers", str(workers)]
    command += ["--mirror", str(mirror), "--data", str(data)]
    load_before = os.getloadavg()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "COLUMNS": "160"})
    seconds = time.perf_counter() - start
    report = json.loads((data / "_national" / "last_build.json").read_text(encoding="utf-8"))
    peaks: dict[str, float] = {}
    for territory in report["territories"]:
        if territory["worker"]:
            peaks[territory["worker"]] = max(peaks.get(territory["worker"], 0.0), territory["worker_peak_mb"])
    failed = [f"{t['insee']}: {t['reason']}" for t in report["territories"] if t["status"] == "failed"]
    return {
        "workers": workers,
        "exit_code": result.returncode,
        "wall_s": round(seconds, 1),
        "tasks_s": report["seconds"],
        "sum_task_s": round(sum(t["seconds"] for t in report["territories"]), 1),
        "median_task_s": sorted(t["seconds"] for t in report["territories"])[len(report["territories"]) // 2]
        if report["territories"]
        else None,
        "built": report["built"],
        "skipped": report["skipped"],
        "failed": report["failed"],
        "failures": failed[:10],
        "peak_mb_per_worker": {k: round(v) for k, v in sorted(peaks.items())},
        "load_before": [round(v, 2) for v in load_before],
        "load_after": [round(v, 2) for v in os.getloadavg()],
        "stderr_tail": result.stderr[-500:] if result.returncode not in (0, 1) else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2,1", help="worker counts to measure, in order (default 2,1)")
    parser.add_argument("--keep", help="keep the 2-worker store in this folder")
    args = parser.parse_args()
    mirror = settings.mirror_dir()
    if mirror is None:
        sys.exit("bench_national: no mirror (set GEODATA_MIRROR to shared/geodata/raw)")
    runs = []
    for count in [int(n) for n in args.workers.split(",")]:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-national-{count}w-"))
        try:
            runs.append(run_build(folder, count, mirror))
            if count == 2 or len(runs) == 1:
                runs.append({"rerun": True, **run_build(folder, count, mirror)})
            if args.keep and count == 2:
                shutil.copytree(folder, args.keep, dirs_exist_ok=True, symlinks=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    full = {r["workers"]: r["wall_s"] for r in runs if not r.get("rerun")}
    speedup = round(full[1] / full[2], 2) if 1 in full and 2 in full else None
    print(json.dumps({"cores": os.cpu_count(), "runs": runs, "speedup_2_vs_1": speedup}, indent=2))


if __name__ == "__main__":
    main()

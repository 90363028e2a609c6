"""Benchmark: build time of each territory from the mirror (targets: real ≤ 20 s, demo ≤ 10 s).

Run with ``make bench``. Builds into a temporary store, offline, three times each; prints the best
and the median wall time per territory and whether the target is met.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import settings  # noqa: E402
from pipelines.build import build_territory  # noqa: E402
from pipelines.catalog import Catalog  # noqa: E402
from pipelines.store import Store  # noqa: E402

REPEAT = 3


def main() -> int:
    mirror = settings.mirror_dir()
    if mirror is None:
        print("mirror not found: set GEODATA_MIRROR to shared/geodata/raw")
        return 1
    catalog = Catalog.load()
    failed = False
    print(f"{'territory':<10} {'best s':>7} {'median s':>9} {'target s':>9}  layers ok")
    for territory in catalog.territories.values():
        target = 10.0 if territory.fictional else 20.0
        times, ok = [], 0
        for _ in range(REPEAT):
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                outcomes = build_territory(
                    territory, catalog, Store(tmp), offline=True, mirror=mirror, log=lambda m: None
                )
                times.append(time.perf_counter() - start)
                ok = sum(o.status == "ok" for o in outcomes)
        best, median = min(times), statistics.median(times)
        failed |= median > target
        flag = "OK" if median <= target else "SLOW"
        print(f"{territory.id:<10} {best:7.2f} {median:9.2f} {target:9.1f}  {ok} {flag}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

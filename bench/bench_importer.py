"""Importer benchmark: drafts, recall and precision per file (seeds, real programmes, a PDF made
from one of them), and the time to draft a 5 MB text. Run by `make bench`."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines import settings  # noqa: E402
from pipelines.importer import import_programme  # noqa: E402
from pipelines.importer.scorecard import scorecard  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        rows = scorecard(pdf_dir=Path(tmp))
    print(f"{'file':58s} {'mode':10s} {'drafts':>6s} {'gold':>5s} {'recall':>7s} {'precision':>9s} {'s':>6s}")
    failing = False
    for row in rows:
        if "note" in row:
            print(f"{row['file']:58s} {row['note']}")
            continue
        failing |= row["recall"] < 0.95 or row["precision"] < 0.90
        print(
            f"{row['file']:58s} {row['mode']:10s} {row['drafts']:6d} {row['gold']:5d} "
            f"{row['recall']:7.1%} {row['precision']:9.1%} {row['seconds']:6.2f}"
        )
    reels = sorted(settings.programmes_reels_dir().glob("*.txt"))
    block = "\n\n".join(p.read_text(encoding="utf-8") for p in reels) or "Créer une maison de santé.\n"
    text = "\n\n".join([block] * (5_000_000 // len(block.encode()) + 1))[:5_000_000]
    started = time.perf_counter()
    draft = import_programme(text, territory="demo", source_name="gros.txt")
    print(f"5 MB text: {len(draft['measures'])} drafts in {time.perf_counter() - started:.1f} s")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the page readers (issue 3, point 8): ms per commentary, in-process, warm.

Target: saved page text -> record under 5 ms, judged on the whole in-process `ingest` call: the reader
(page -> record JSON) plus what the driver adds (provenance, JSON Schema validation, the typed
`Record`). The reader alone is printed as a breakdown. Each figure is the best of several repeats, so
that other work on a shared machine does not decide the verdict. The HTML reader is reported alongside,
without a target. Run from the repository root: `python bench/bench_ingest.py [ROUNDS]`; the exit
status is 1 when a page-text case misses the target.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver.ingest import READERS, ingest  # noqa: E402

TARGET_MS = 5.0
CASES = [
    ("pagetext", ROOT / "samples" / "sources" / "CO23081.pagetext.txt", TARGET_MS),
    ("pagetext", ROOT / "tests" / "data" / "pages" / "CO23083-separate-bios-notes.pagetext.txt", TARGET_MS),
    ("pagetext", ROOT / "tests" / "data" / "pages" / "CO23084-roman-notes-editor-crlf.pagetext.txt", TARGET_MS),
    ("html", ROOT / "tests" / "data" / "pages" / "CO23081.html", None),
]
REPEATS = 5


def best_ms(call, rounds: int) -> float:
    """ms per call: the best of REPEATS runs of `rounds` calls."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        for _ in range(rounds):
            call()
        best = min(best, (time.perf_counter() - start) * 1000 / rounds)
    return best


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for kind, path, target in CASES:
        data = path.read_bytes()
        reader = importlib.import_module(READERS[kind])
        ingest(data, path.name, kind)  # warm: imports, compiled schema
        total = best_ms(lambda: ingest(data, path.name, kind), rounds)
        reader_only = best_ms(lambda: reader.read(data, path.name), rounds)
        verdict = "" if target is None else (" ok" if total < target else f" SLOW (target {target} ms)")
        print(f"{kind:9} {path.name:45} in-process {total:5.2f} ms/record{verdict} "
              f"(reader {reader_only:5.2f} ms, driver and validation {total - reader_only:5.2f} ms)")


if __name__ == "__main__":
    main()

"""Benchmark of the page readers (issue 3, point 8): ms per commentary, in-process, warm.

Target: saved page text -> record under 5 ms. Two numbers per page: the reader alone (page -> record
JSON, what the target is about and what the exit status judges) and the whole `ingest` call, which adds
the driver's JSON Schema validation (jsonschema, shared by every reader). The HTML reader is reported
alongside. Run from the repository root: `python bench/bench_ingest.py [ROUNDS]`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver.ingest import ingest  # noqa: E402

CASES = [
    ("pagetext", ROOT / "samples" / "sources" / "CO23081.pagetext.txt", 5.0),
    ("pagetext", ROOT / "tests" / "data" / "pages" / "CO23083-separate-bios-notes.pagetext.txt", 5.0),
    ("html", ROOT / "tests" / "data" / "pages" / "CO23081.html", None),
]


def per_record_ms(kind: str, path: Path, rounds: int) -> tuple[float, float]:
    """(ms per record including schema validation, ms of the reader alone)."""
    import importlib
    from archiver.ingest import READERS
    data = path.read_bytes()
    reader = importlib.import_module(READERS[kind])
    ingest(data, path.name, kind)  # warm: imports, compiled schema
    start = time.perf_counter()
    for _ in range(rounds):
        ingest(data, path.name, kind)
    total = (time.perf_counter() - start) * 1000 / rounds
    start = time.perf_counter()
    for _ in range(rounds):
        reader.read(data, path.name)
    return total, (time.perf_counter() - start) * 1000 / rounds


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    slow = False
    for kind, path, target in CASES:
        total, reader_only = per_record_ms(kind, path, rounds)
        verdict = "" if target is None else (" ok" if reader_only < target else f" SLOW (target {target} ms)")
        slow |= target is not None and reader_only >= target
        print(f"{kind:9} {path.name:45} reader {reader_only:6.2f} ms/record{verdict}; "
              f"with schema validation {total:6.2f} ms")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())

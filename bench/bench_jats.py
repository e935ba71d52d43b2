"""Benchmark of the JATS writer (issue 4 target: under 2 ms per commentary to build and serialise).

Prints ms per record for render (build + serialise), read (JATS -> record) and DTD validation, over
the sample records; the DTD is compiled once before timing. Run from the repository root:
    python bench/bench_jats.py [rounds]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from archiver.ingest.jats import read  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.validators.jats import validate_jats  # noqa: E402
from archiver.writers.jats import render  # noqa: E402


def per_record_ms(function, items, rounds: int) -> float:
    start = time.process_time()
    for _ in range(rounds):
        for item in items:
            function(item)
    return (time.process_time() - start) * 1000 / (rounds * len(items))


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    samples = sorted((Path(__file__).resolve().parent.parent / "samples" / "records").glob("*.json"))
    records = [load(path) for path in samples]
    outputs = [render(record, None) for record in records]
    validate_jats(outputs[0])  # compile the DTD once, outside the timing
    print(f"jats render   {per_record_ms(lambda r: render(r, None), records, rounds):.3f} ms per record "
          f"({len(records)} samples x {rounds} rounds, CPU time; target < 2 ms)")
    print(f"jats read     {per_record_ms(lambda b: read(b, 'bench.xml'), outputs, rounds):.3f} ms per record")
    print(f"jats validate {per_record_ms(validate_jats, outputs, rounds):.3f} ms per record (DTD compiled once)")


if __name__ == "__main__":
    main()

"""Benchmark of the foundation: `archiver --help` start-up and record validation with the compiled validator.

Targets (issue 2): `archiver --help` under 150 ms; validating a record under 1 ms.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def help_ms(runs: int = 10) -> float:
    exe = Path(sys.executable).with_name("archiver")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(exe), "--help"], check=True, stdout=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def per_record_ms(function, runs: int = 2000) -> float:
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "samples" / "records").glob("*.json"))]
    function(records[0])  # compile the validator once, as every worker does
    start = time.perf_counter()
    for index in range(runs):
        function(records[index % len(records)])
    return (time.perf_counter() - start) * 1000 / runs


if __name__ == "__main__":
    print(f"archiver --help: {help_ms():.0f} ms (median of 10; target < 150 ms)")
    from archiver.record import problems, validate
    print(f"validate one record: {per_record_ms(problems):.3f} ms (compiled validator; target < 1 ms)")
    print(f"validate and build the typed model: {per_record_ms(validate):.3f} ms")

"""Benchmark of cold start (issue 21.3): the CPU time (user + system, of the child process: what the
machine spends, whatever else runs on it) and the wall time of `archiver --help`, of `validate` of one
record, of `convert` of one record to every format, and of a build worker's start-up (`load_worker`:
the style, the record schema and every writer, in a fresh process). Each is run several times; the
median and the range are printed beside the target. The interpreter's own start (`python -c pass`)
is printed first: no command can go below it.

    python bench/bench_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARCHIVER = [str(Path(sys.executable).parent / "archiver")]  # the console script users run
RECORD = ROOT / "samples" / "records" / "CO24017.json"
#: CPU milliseconds (issue 21.3)
TARGETS = {"--help": 100.0, "validate": 250.0, "convert": 600.0}

WORKER = """\
import sys, time
from pathlib import Path
from archiver import batch
from archiver.buildworker import load_worker
from archiver.cli.common import sync_files, write_unsynced
from archiver.writers import resolve
settings = batch.plan([], Path(sys.argv[1]), resolve(None), sys.argv[2], strict=False, write=write_unsynced,
                      sync=sync_files).settings
started = time.process_time()
load_worker(settings)
print(time.process_time() - started)
"""


def run(command: list[str], runs: int) -> tuple[list[float], list[float], str]:
    """CPU and wall milliseconds of each run of `command`, and the last run's standard output."""
    cpu, wall, out = [], [], ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        wall.append(1000 * (time.perf_counter() - started))
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(1000 * (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime))
        if done.returncode not in (0, 3):
            sys.exit(f"bench: {' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
        out = done.stdout
    return cpu, wall, out


def line(name: str, cpu: list[float], wall: list[float], target: float | None = None) -> str:
    text = (f"  {name:<28} CPU {statistics.median(cpu):7.1f} ms ({min(cpu):.0f}-{max(cpu):.0f})   "
            f"wall {statistics.median(wall):7.1f} ms ({min(wall):.0f}-{max(wall):.0f})")
    if target is not None:
        met = statistics.median(cpu) < target
        text += f"   {'meets target' if met else 'ABOVE TARGET'}: < {target:.0f} ms CPU"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archiver-start-"))
    try:
        # the RSIS brand with a Crossref depositor (test values), so every format is made
        style = work / "style"
        shutil.copytree(ROOT / "styles" / "rsis", style)
        data = json.loads((style / "style.json").read_text(encoding="utf-8"))
        data["crossref"] = {"depositor": "archiver benchmark", "email": "bench@example.org"}
        (style / "style.json").write_text(json.dumps(data), encoding="utf-8")
        print(f"bench_start: median of {args.runs} runs (range), CPU = user + system of the child")
        print(line("python -c pass", *run([sys.executable, "-c", "pass"], args.runs)[:2]))
        print(line("archiver --help", *run([*ARCHIVER, "--help"], args.runs)[:2], TARGETS["--help"]))
        print(line("validate (one record)", *run([*ARCHIVER, "validate", str(RECORD), "-q"], args.runs)[:2],
                   TARGETS["validate"]))
        convert = [*ARCHIVER, "convert", str(RECORD), "-o", str(work / "out"), "--style", str(style), "-q"]
        print(line("convert (one, all formats)", *run(convert, args.runs)[:2], TARGETS["convert"]))
        formats = sorted(p.name for p in (work / "out" / RECORD.stem).iterdir())
        script = work / "worker.py"
        script.write_text(WORKER, encoding="utf-8")
        cpu, wall, _ = run([sys.executable, str(script), str(work / "build"), str(style)], args.runs)
        loads = []
        for _ in range(args.runs):
            loads.append(1000 * float(run([sys.executable, str(script), str(work / "build"), str(style)], 1)[2]))
        print(line("build worker start-up", cpu, wall) +
              f"   (of which load_worker {statistics.median(loads):.0f} ms CPU)")
        print(f"  convert wrote {len(formats)} files: {', '.join(formats)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    main()

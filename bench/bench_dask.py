"""Benchmark of the Dask engine against the built-in pool (issue 20 point 1): the same generated
batch built to every format by `archiver build --jobs N` and by `archiver build --scheduler local:N`,
in alternating rounds, each into a fresh folder; prints wall and CPU seconds per record (parent,
workers and the local cluster's processes) for both, and the engine's overhead. The outputs of the two
are compared byte for byte. Nothing is asserted; run with `make bench`.

    python bench/bench_dask.py [--records 200] [--workers 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import hashlib
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
sys.path.insert(0, str(ROOT / "bench"))

from bench_build import bench_style, generate  # noqa: E402

ARCHIVER = Path(sys.executable).parent / "archiver"


def children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def timed(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `archiver build` process and everything it started."""
    cpu, started = children_cpu(), time.perf_counter()
    subprocess.run([str(ARCHIVER), "build", *args, "-q"], check=True, env={**os.environ, "CI": "1"})
    return time.perf_counter() - started, children_cpu() - cpu


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith((".", "report"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        print("bench_dask: Dask is not installed (pip install 'archiver[dask]'); skipped")
        return
    work = Path(tempfile.mkdtemp(prefix="archiver-bench-dask-"))
    src = work / "src"
    generate(src, args.records)
    style = bench_style(work / "style")
    engines = {"pool": ["--jobs", str(args.workers)], "dask": ["--scheduler", f"local:{args.workers}"]}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for round_ in range(args.rounds):
        for name, options in engines.items():
            out = work / f"{name}-{round_}"
            results[name].append(timed([str(src), "-o", str(out), "--style", str(style), *options]))
    same = digests(work / "pool-0") == digests(work / "dask-0")
    print(f"bench_dask: {args.records} records, every format, {args.workers} workers, {args.rounds} rounds "
          f"alternating; outputs byte-identical: {same}")
    medians = {}
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs) / args.records
        cpu = statistics.median(c for _, c in runs) / args.records
        medians[name] = (wall, cpu)
        spread = ", ".join(f"{1000 * w / args.records:.1f}" for w, _ in runs)
        print(f"  {name:<5} wall {1000 * wall:6.1f} ms/record (rounds: {spread})   CPU {1000 * cpu:6.1f} ms/record")
    (pool_wall, pool_cpu), (dask_wall, dask_cpu) = medians["pool"], medians["dask"]
    print(f"  Dask overhead: wall {100 * (dask_wall / pool_wall - 1):+.0f} %, CPU {100 * (dask_cpu / pool_cpu - 1):+.0f} % "
          "(cluster start-up included: it weighs less in a longer batch)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

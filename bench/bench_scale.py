"""Scale of `archiver build` (issue 20 points 4 and 5): batches of growing size built in one process
each, to show that the cost per record stays flat and the parent's memory does not grow.

For each size it prints wall time per record, the parent's CPU per record (discovery, planning, the
state and the reports), the workers' CPU per record, the peak RSS of the parent and of the largest
worker (and parent + jobs x largest), the size of the state database, the time to write the two
reports, and the no-change rerun. The default sizes use one cheap format (BibTeX) so that 100,000
records fit in minutes; `--formats all --sizes 10000` is the full-format run. Nothing is asserted.

    python bench/bench_scale.py [--sizes 1000,10000,100000] [--formats bibtex] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_build import bench_style, generate  # noqa: E402

#: one size per process, so that each peak RSS is that size's own
_CHILD = """
import json, os, resource, sys, time
from click.testing import CliRunner
from archiver.cli import main
src, out, style, formats, jobs = sys.argv[1:6]
def usage():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, me.ru_maxrss, kids.ru_maxrss
results = []
for run in ("first", "rerun"):
    before, started = usage(), time.perf_counter()
    result = CliRunner().invoke(main, ["build", src, "-o", out, "--style", style, "--to", formats,
                                       "--jobs", jobs, "-q"])
    wall, after = time.perf_counter() - started, usage()
    results.append({"run": run, "exit": result.exit_code, "wall": wall, "parent_cpu": after[0] - before[0],
                    "worker_cpu": after[1] - before[1], "parent_rss_kib": after[2], "worker_rss_kib": after[3]})
print(json.dumps(results))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--formats", default="bibtex")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archiver-bench-scale-"))
    style = bench_style(work / "style")
    print(f"bench_scale: formats {args.formats}, {args.jobs} jobs, sizes {args.sizes}")
    print(f"  {'records':>8} {'wall ms/rec':>11} {'parent CPU ms/rec':>17} {'workers CPU ms/rec':>18} "
          f"{'parent MB':>9} {'worker MB':>9} {'all MB':>7} {'state MB':>8} {'rerun s':>8}")
    for size in (int(n) for n in args.sizes.split(",")):
        src, out = work / f"src-{size}", work / f"out-{size}"
        generate(src, size)
        env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", _CHILD, str(src), str(out), str(style), args.formats,
                               str(args.jobs)], capture_output=True, text=True, env=env, check=True)
        first, rerun = json.loads(done.stdout.splitlines()[-1])
        state = sum(p.stat().st_size for p in out.glob(".archiver-state*"))
        parent_mb, worker_mb = first["parent_rss_kib"] / 1024, first["worker_rss_kib"] / 1024
        print(f"  {size:>8} {1000 * first['wall'] / size:>11.2f} {1000 * first['parent_cpu'] / size:>17.3f} "
              f"{1000 * first['worker_cpu'] / size:>18.2f} {parent_mb:>9.1f} {worker_mb:>9.1f} "
              f"{parent_mb + args.jobs * worker_mb:>7.1f} {state / 1e6:>8.1f} "
              f"{rerun['wall']:>8.2f}" + ("" if first["exit"] == 0 else f"   (exit {first['exit']})"))
        shutil.rmtree(src)
        shutil.rmtree(out)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

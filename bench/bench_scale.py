"""Scale of `archiver build` (issue 20 points 4 and 5): batches of growing size, each built by the real
`archiver build` in a process of its own, to show that the cost per record stays flat and that the
memory of the whole process tree does not grow with the batch.

For each size it prints wall time per record, the parent's CPU per record (discovery, planning, the
state and the reports), the workers' CPU per record, the peak RSS of the parent and of the largest
worker (getrusage), the largest worker's own pages (private, from /proc: without the parent's pages it
was forked with), the peak of the whole tree's RSS summed (sampled from /proc every 0.1 s: the
figure the README's "under 300 MB" is about; shared pages are counted once per process, so it is an
upper bound) and its PSS (shared pages divided among the processes that share them), the parent's
time in the build state and in writing report.json and report.html, the size of the state, and the
no-change rerun. The default is one cheap format (BibTeX) on 1,000 and 10,000 records; `make bench`
also runs 100,000 records with BibTeX and 1,000 and 10,000 with every format, once each. Nothing is
asserted.

    python bench/bench_scale.py [--sizes 1000,10000,100000] [--formats bibtex|all] [--jobs N] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_build import bench_style, generate  # noqa: E402

#: one size per process, so that each peak RSS is that size's own. The state's and the reports'
#: time is measured by wrapping the parent's calls (the bench's own instrument, not archiver's).
_CHILD = """
import functools, json, resource, sys, time
from click.testing import CliRunner
import archiver.buildstate, archiver.cli.build
from archiver.cli import main
src, out, style, formats, jobs, *extra = sys.argv[1:]
spent = {"state": 0.0, "reports": 0.0}
def timed(function, bucket):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[bucket] += time.perf_counter() - started
    return wrapper
for name in ("put", "drop", "keep_only", "set_aside", "earlier", "forget_earlier", "entry", "entry_here",
             "owner", "claimed_anywhere", "start_run", "add_outcome", "commit", "counts", "warned", "close"):
    setattr(archiver.buildstate.BuildState, name, timed(getattr(archiver.buildstate.BuildState, name), "state"))
archiver.cli.build.write_atomic_chunks = timed(archiver.cli.build.write_atomic_chunks, "reports")
def usage():
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime, me.ru_maxrss, kids.ru_maxrss
results = []
for run in ("first", "rerun"):
    spent.update(state=0.0, reports=0.0)
    before, started = usage(), time.perf_counter()
    result = CliRunner().invoke(main, ["build", src, "-o", out, "--style", style, "--to", formats,
                                       "--jobs", jobs, "-q", *extra])
    wall, after = time.perf_counter() - started, usage()
    results.append({"run": run, "exit": result.exit_code, "wall": wall, "parent_cpu": after[0] - before[0],
                    "worker_cpu": after[1] - before[1], "parent_rss_kib": after[2], "worker_rss_kib": after[3],
                    **spent})
    print(f"{run} done", file=sys.stderr, flush=True)
print(json.dumps(results))
"""


class TreeMemory:
    """Samples the summed RSS and PSS of a process and all its descendants until stopped; keeps the
    peaks (in KiB)."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.worker_private = self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                        ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(entry))
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    @staticmethod
    def _field(path: str, name: str) -> int:
        try:
            with open(path, encoding="ascii") as handle:
                for line in handle:
                    if line.startswith(name):
                        return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            tree = self._tree()
            rss = sum(self._field(f"/proc/{pid}/status", "VmRSS:") for pid in tree)
            pss = sum(self._field(f"/proc/{pid}/smaps_rollup", "Pss:") for pid in tree)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            # a worker's own pages: its RSS also counts the parent's pages it was forked with, which
            # grow with the batch's names in the parent, not in the worker
            for pid in tree[1:]:
                rollup = f"/proc/{pid}/smaps_rollup"
                own = self._field(rollup, "Private_Clean:") + self._field(rollup, "Private_Dirty:")
                self.worker_private = max(self.worker_private, own)
            self.most = max(self.most, len(tree))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--formats", default="bibtex")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--check", action="store_true", help="build with --check (validators and thumbnails)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="archiver-bench-scale-"))
    style = bench_style(work / "style")
    print(f"bench_scale: formats {args.formats}{' --check' if args.check else ''}, {args.jobs} jobs, sizes {args.sizes}, "
          f"load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    print(f"  {'records':>8} {'wall s':>7} {'wall ms/rec':>11} {'parent CPU ms/rec':>17} "
          f"{'workers CPU ms/rec':>18} {'parent MB':>9} {'worker MB':>9} {'worker own MB':>13} {'tree RSS MB':>11} "
          f"{'tree PSS MB':>11} {'state s':>7} {'reports s':>9} {'state MB':>8} {'rerun s':>8} "
          f"{'rerun parent CPU ms/rec':>23}", flush=True)
    for size in (int(n) for n in args.sizes.split(",")):
        src, out = work / f"src-{size}", work / f"out-{size}"
        generate(src, size)
        env = {**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)}
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(src), str(out), str(style), args.formats,
                                  str(args.jobs), *(["--check"] if args.check else [])],
                                 stdout=subprocess.PIPE, text=True, env=env)
        with TreeMemory(child.pid) as tree:
            output, _ = child.communicate()
        if child.returncode:
            raise SystemExit(f"bench_scale: the build of {size} records ended with {child.returncode}")
        first, rerun = json.loads(output.splitlines()[-1])
        state = sum(p.stat().st_size for p in out.glob(".archiver-state*"))
        mb = 1024
        print(f"  {size:>8} {first['wall']:>7.1f} {1000 * first['wall'] / size:>11.2f} "
              f"{1000 * first['parent_cpu'] / size:>17.3f} {1000 * first['worker_cpu'] / size:>18.2f} "
              f"{first['parent_rss_kib'] / mb:>9.1f} {first['worker_rss_kib'] / mb:>9.1f} {tree.worker_private / mb:>13.1f} "
              f"{tree.peak_rss / mb:>11.1f} {tree.peak_pss / mb:>11.1f} {first['state']:>7.2f} "
              f"{first['reports']:>9.2f} {state / 1e6:>8.1f} {rerun['wall']:>8.2f} "
              f"{1000 * rerun['parent_cpu'] / size:>23.3f}"
              + ("" if first["exit"] == 0 else f"   (exit {first['exit']})"), flush=True)
        shutil.rmtree(src)
        shutil.rmtree(out)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()

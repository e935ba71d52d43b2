"""Benchmark of `archiver build` (issue 8): a generated batch of commentaries built to every registered
format, then a rerun with nothing changed, then pandoc (one process per document) on a subset.

Prints records per second, ms per record, CPU seconds, peak RSS (getrusage: the parent's plus the
largest worker's, and the stricter parent + N x largest worker), the no-change rerun's share of the
first run, and the ratio of pandoc's wall time per record (HTML -> JATS and HTML -> EPUB) to ours (all
our outputs). Run with `make bench`; nothing is asserted here, the targets are printed beside the
figures.

    python bench/bench_build.py [--records 1000] [--jobs N] [--pandoc 20] [--keep DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import copy
import datetime
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")

from archiver import batch  # noqa: E402
from archiver.cli.common import write_atomic  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.writers import FORMATS, resolve  # noqa: E402

SAMPLES = ROOT / "samples" / "records"
TARGETS = {"records_per_second": 33.0, "pandoc_ratio": 4.0, "peak_rss_mb": 300.0}


def generate(folder: Path, count: int) -> None:
    """`count` valid commentaries varied deterministically from the three samples."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLES / "images", folder / "images", dirs_exist_ok=True)
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))]
    for index in range(count):
        data = copy.deepcopy(samples[index % len(samples)])
        data["identifier"] = f"CO9{index:05d}"
        data["title"] = f"{data['title']} ({['A', 'B', 'C', 'D', 'E'][index % 5]}{index})"
        shift = datetime.timedelta(days=index % 700)
        for key in ("published", "modified"):
            if key in data:
                data[key] = (datetime.date.fromisoformat(data[key]) - shift).isoformat()
        # a DOI under Crossref's test prefix, so the Crossref deposit is made too
        data["links"] = {**data.get("links", {}), "doi": f"10.5555/{data['identifier'].lower()}"}
        if data.get("series", {}).get("number"):
            data["series"]["number"] = f"{index % 200 + 1:03d}/{2000 + index % 25}"
        (folder / f"{data['identifier']}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def bench_style(folder: Path) -> Path:
    """The RSIS brand plus a Crossref depositor (test values), so every format can be made."""
    shutil.copytree(ROOT / "styles" / "rsis", folder, dirs_exist_ok=True)
    data = json.loads((folder / "style.json").read_text(encoding="utf-8"))
    data["crossref"] = {"depositor": "archiver benchmark", "email": "bench@example.org"}
    (folder / "style.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return folder


def usage() -> tuple[float, int, int]:
    """CPU seconds of this process and its finished children, this process's and the largest child's
    peak RSS in KiB (Linux reports ru_maxrss in KiB)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, me.ru_maxrss, kids.ru_maxrss


def timed_build(src: Path, out: Path, style: Path, jobs: int) -> tuple[float, list[batch.Outcome]]:
    started = time.perf_counter()
    sources = batch.discover([str(src)], out)
    plan = batch.plan(sources, out, resolve(None), str(style), strict=False, write=write_atomic)
    with batch.session(plan) as state:
        outcomes = list(batch.run(plan, jobs, state))
    return time.perf_counter() - started, outcomes


def pandoc_per_record(pages: list[Path], work: Path, out: Path, jobs: int) -> float:
    """Wall seconds per document for pandoc HTML -> JATS and HTML -> EPUB, one process per document
    and output, `jobs` at a time (the same parallelism as ours); images come from the record's folder."""
    import pypandoc
    pandoc = pypandoc.get_pandoc_path()

    def convert(page: Path) -> None:
        stem = work / page.stem
        common = [pandoc, "-f", "html", f"--resource-path={out / page.stem}", str(page)]
        subprocess.run([*common, "-t", "jats", "-s", "-o", f"{stem}.xml"], check=True)
        subprocess.run([*common, "-t", "epub3", "-o", f"{stem}.epub"], check=True, stderr=subprocess.DEVNULL)

    started = time.perf_counter()
    with cf.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(convert, pages))
    return (time.perf_counter() - started) / len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pandoc", type=int, default=20, help="documents converted with pandoc")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    src, out = work / "src", work / "out"
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    generate(src, args.records)
    style = bench_style(work / "style")
    formats = [f.name for f in resolve(None)]
    print(f"bench: {args.records} records, {args.jobs} jobs, {os.cpu_count()} CPUs, formats: "
          f"{', '.join(formats) or 'none registered (record JSON and images only)'}")

    cpu0, _, _ = usage()
    first, outcomes = timed_build(src, out, style, args.jobs)
    cpu1, rss_self, rss_child = usage()
    failed = [o for o in outcomes if o.status == "failed"]
    second, again = timed_build(src, out, style, args.jobs)
    skipped = sum(o.status == "unchanged" for o in again)
    rate = args.records / first
    peak_mb = (rss_self + args.jobs * rss_child) / 1024

    pages_dir = work / "pandoc"
    pages_dir.mkdir(exist_ok=True)
    pages = []
    built = sorted((o for o in outcomes if o.status == "built"), key=lambda o: o.identifier or "")
    for outcome in built[:args.pandoc]:
        page = pages_dir / f"{outcome.identifier}.html"
        record = load(out / outcome.identifier / f"{outcome.identifier}.json")
        page.write_bytes((out / outcome.identifier / FORMATS["html"].output_name(record)).read_bytes())
        pages.append(page)
    theirs = pandoc_per_record(pages, pages_dir, out, args.jobs)
    ours = first / args.records
    ratio = theirs / ours

    def mark(ok: bool) -> str:
        return "meets target" if ok else "BELOW TARGET"

    print(f"  first build            {first:8.2f} s   {rate:7.1f} records/s   {1000 * ours:6.1f} ms/record   "
          f"({mark(rate >= TARGETS['records_per_second'])}: >= {TARGETS['records_per_second']:.0f}/s)")
    cpu_per_record = (cpu1 - cpu0) / args.records
    print(f"  CPU                    {cpu1 - cpu0:8.2f} s   (parent and workers) = {1000 * cpu_per_record:.1f} ms "
          f"per record: at most {args.jobs / cpu_per_record:.1f} records/s on {args.jobs} cores of its own")
    measured_mb = (rss_self + rss_child) / 1024
    print(f"  peak RSS               {measured_mb:8.1f} MB = parent {rss_self / 1024:.1f} + largest worker "
          f"{rss_child / 1024:.1f} ({mark(measured_mb < TARGETS['peak_rss_mb'])}: < {TARGETS['peak_rss_mb']:.0f} MB); "
          f"counting every worker: {peak_mb:.1f} MB ({mark(peak_mb < TARGETS['peak_rss_mb'])})")
    print(f"  failed records         {len(failed):8d}")
    for outcome in failed[:3]:
        print(f"    {outcome.source}: {outcome.errors[0]['message']}")
    print(f"  rerun, nothing changed {second:8.2f} s   {100 * second / first:5.1f} % of the first run, "
          f"{skipped} of {len(again)} skipped")
    print(f"  pandoc                 {1000 * theirs:8.1f} ms/record   (HTML -> JATS + EPUB, {len(pages)} documents, "
          f"one process each, landing pages)")
    print(f"  ratio pandoc / ours    {ratio:8.1f}     ({mark(ratio >= TARGETS['pandoc_ratio'])}: "
          f">= {TARGETS['pandoc_ratio']:.0f}; ours makes {len(formats)} formats plus the record, pandoc 2)")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

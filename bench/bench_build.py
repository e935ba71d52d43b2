"""Benchmark of `archiver build` (issues 8 and 21): a generated batch of commentaries built to every
registered format, against pandoc converting the same documents (their landing pages, HTML -> JATS
and HTML -> EPUB 3 with images) in two forms: one process per document and output (`pandoc` run as a
command), and many documents in one process (`pandoc lua bench/pandoc_many.lua`).

The three are timed in interleaved rounds (at least three; the order rotates each round), so a load
that comes and goes on a shared machine falls on all of them alike; each round's CPU (user + system of
this process and its children) and wall time per document is printed, then the medians and ranges and
the ratios pandoc / ours. Then the per-format CPU of our writers and of pandoc's two, a rerun with
nothing changed, the peak RSS (getrusage: the parent's plus the largest worker's, and the stricter
parent + N x largest worker). Run with `make bench`; nothing is asserted here, the targets are printed
beside the figures.

    python bench/bench_build.py [--records 1000] [--jobs N] [--pandoc 100] [--rounds 3] [--keep DIR]
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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")

from archiver import batch  # noqa: E402
from archiver.cli.common import sync_files, write_unsynced  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.writers import FORMATS, resolve  # noqa: E402

SAMPLES = ROOT / "samples" / "records"
TARGETS = {"records_per_second": 33.0, "pandoc_ratio": 4.0, "pandoc_one_process_ratio": 1.2, "peak_rss_mb": 300.0}
PANDOC_MANY = Path(__file__).resolve().parent / "pandoc_many.lua"


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
    # as `archiver build` writes: unsynced files, one sync per task
    plan = batch.plan(sources, out, resolve(None), str(style), strict=False, write=write_unsynced,
                      sync=sync_files)
    with batch.session(plan) as state:
        outcomes = list(batch.run(plan, jobs, state))
    return time.perf_counter() - started, outcomes


def pandoc_per_document(pages: list[Path], work: Path, out: Path, jobs: int) -> dict[str, float]:
    """pandoc HTML -> JATS and HTML -> EPUB, one process per document and output, `jobs` at a time
    (the same parallelism as ours); images come from the record's folder. Wall and CPU seconds in
    all, and the CPU seconds of each output."""
    import pypandoc
    pandoc = pypandoc.get_pandoc_path()

    def command(page: Path, to: str) -> list[str]:
        suffix = ".xml" if to == "jats" else ".epub"
        return [pandoc, "-f", "html", f"--resource-path={out / page.stem}", str(page), "-t", to,
                *(["-s"] if to == "jats" else []), "-o", str(work / (page.stem + suffix))]

    spent: dict[str, float] = {}
    started, (cpu0, _, _) = time.perf_counter(), usage()
    for to in ("jats", "epub3"):
        before = usage()[0]
        with cf.ThreadPoolExecutor(jobs) as pool:
            list(pool.map(lambda page: subprocess.run(command(page, to), check=True, stderr=subprocess.DEVNULL),
                          pages))
        spent[to] = usage()[0] - before
    spent["wall"], spent["cpu"] = time.perf_counter() - started, usage()[0] - cpu0
    return spent


def pandoc_one_process(pages: list[Path], work: Path, out: Path, jobs: int) -> dict[str, float]:
    """pandoc converting the pages in `jobs` processes (`pandoc lua`, each a share of the documents),
    JATS and EPUB of each. Wall and CPU seconds in all, and pandoc's own CPU of each output."""
    import pypandoc
    pandoc = pypandoc.get_pandoc_path()
    shares = [pages[index::jobs] for index in range(jobs) if pages[index::jobs]]
    lists = []
    for index, share in enumerate(shares):
        listing = work / f"share-{index}.txt"
        listing.write_text("".join(f"{page}\t{out / page.stem}\n" for page in share), encoding="utf-8")
        lists.append(listing)
    started, cpu0 = time.perf_counter(), usage()[0]
    with cf.ThreadPoolExecutor(jobs) as pool:
        reports = list(pool.map(lambda listing: subprocess.run(
            [pandoc, "lua", str(PANDOC_MANY), str(listing), str(work)], check=True, capture_output=True,
            text=True).stdout, lists))
    spent = {"wall": time.perf_counter() - started, "cpu": usage()[0] - cpu0, "read": 0.0, "jats": 0.0, "epub3": 0.0}
    for report in reports:
        words = report.split()
        for name, key in (("read", "read"), ("jats", "jats"), ("epub", "epub3")):
            spent[key] += float(words[words.index(name) + 1])
    return spent


def writer_cpu(out: Path, identifiers: list[str], style: Path) -> dict[str, float]:
    """CPU milliseconds per record of validating the record, of each of our writers and of the
    citations they print, as a build spends them in a worker that has started (rendered in this process,
    after records other than those timed have loaded the modules and the fonts they need): the formats in the build's order on one context per record, so what a writer
    takes from an earlier one (the JATS and CSL-JSON the PDF embeds) counts once, where it is made;
    the citation entries (four CSL styles on the landing page, the default one in JATS, EPUB and PDF,
    made once per record and style) are counted apart from the writer that first asks for each. The
    figures add up to a record's conversion."""
    from archiver.citation import render
    from archiver.convert import applicable, convert, load_assets
    from archiver.record import validate
    from archiver.style import load_style
    from archiver.writers import RenderContext

    brand = load_style(str(style))
    warm_up, timed = identifiers[:len(identifiers) // 4], identifiers[len(identifiers) // 4:]
    for identifier in warm_up:  # a fallback font is parsed once per worker, when a record first needs it
        record = load(out / identifier / f"{identifier}.json")
        convert(record, resolve(None), brand, load_assets(record, out / identifier)[0])
    records = [load(out / identifier / f"{identifier}.json") for identifier in timed]
    spent: dict[str, float] = {"validate": 0.0}
    cached = render._render
    citations = [0.0]

    def timed_render(*args: object) -> str:
        started = time.process_time()
        try:
            return cached(*args)
        finally:
            citations[0] += time.process_time() - started

    render._render = timed_render
    try:
        for record in records:
            data = record.to_json()
            started = time.process_time()
            validate(data)
            spent["validate"] += time.process_time() - started
            assets, _ = load_assets(record, out / record.identifier)
            wanted, _ = applicable(record, resolve(None), set(), brand)
            context = RenderContext(style=brand, assets=assets)
            for fmt in wanted:
                before, started = citations[0], time.process_time()
                context.output(record, fmt.name)
                spent[fmt.name] = spent.get(fmt.name, 0.0) + time.process_time() - started - (citations[0] - before)
    finally:
        render._render = cached
    spent["citations"] = citations[0]
    return {name: 1000 * value / len(records) for name, value in spent.items()}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pandoc", type=int, default=100, help="documents converted with pandoc")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (at least 3)")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it (default: a temp dir)")
    args = parser.parse_args()
    rounds = max(3, args.rounds)

    work = args.keep or Path(tempfile.mkdtemp(prefix="archiver-bench-"))
    src = work / "src"
    shutil.rmtree(src, ignore_errors=True)
    generate(src, args.records)
    style = bench_style(work / "style")
    formats = [f.name for f in resolve(None)]
    print(f"bench: {args.records} records, {args.jobs} jobs, {os.cpu_count()} CPUs, {rounds} interleaved rounds, "
          f"formats: {', '.join(formats) or 'none registered (record JSON and images only)'}")

    ours: dict[str, list[float]] = {"wall": [], "cpu": []}
    each: dict[str, list[float]] = {"wall": [], "cpu": []}
    many: dict[str, list[float]] = {"wall": [], "cpu": []}
    per_output: dict[str, list[float]] = {}
    pages: list[Path] = []
    first = outcomes = out = None
    rss_self = rss_child = 0

    def run_ours(round_: int) -> None:
        nonlocal first, outcomes, out, rss_self, rss_child
        out = work / f"out-{round_}"
        shutil.rmtree(out, ignore_errors=True)
        cpu0 = usage()[0]
        wall, done = timed_build(src, out, style, args.jobs)
        cpu, peak_self, peak_child = usage()
        if first is None:
            # ru_maxrss of the children is the largest of every child reaped so far: after the first
            # round, that is pandoc (173 MB for one page), not a worker. The first round builds ours
            # before any pandoc runs.
            rss_self, rss_child = peak_self, peak_child
        ours["wall"].append(1000 * wall / args.records)
        ours["cpu"].append(1000 * (cpu - cpu0) / args.records)
        if first is None:
            first, outcomes = wall, done
            pages_dir = work / "pandoc"
            pages_dir.mkdir(exist_ok=True)
            built = sorted((o for o in done if o.status == "built"), key=lambda o: o.identifier or "")
            for outcome in built[:args.pandoc]:
                page = pages_dir / f"{outcome.identifier}.html"
                record = load(out / outcome.identifier / f"{outcome.identifier}.json")
                page.write_bytes((out / outcome.identifier / FORMATS["html"].output_name(record)).read_bytes())
                pages.append(page)

    def run_pandoc(kind: str, round_: int) -> None:
        target = work / f"pandoc-{kind}-{round_}"
        target.mkdir(exist_ok=True)
        measure = pandoc_per_document if kind == "each" else pandoc_one_process
        spent = measure(pages, target, work / "out-0", args.jobs)
        into = each if kind == "each" else many
        into["wall"].append(1000 * spent["wall"] / len(pages))
        into["cpu"].append(1000 * spent["cpu"] / len(pages))
        for name in ("jats", "epub3", "read"):
            if name in spent:
                per_output.setdefault(f"{kind} {name}", []).append(1000 * spent[name] / len(pages))
        shutil.rmtree(target)

    steps = [run_ours, lambda r: run_pandoc("each", r), lambda r: run_pandoc("many", r)]
    for round_ in range(rounds):
        for step in steps[round_ % 3:] + steps[:round_ % 3]:
            step(round_)
        print(f"  round {round_ + 1}: ms per document, CPU / wall: "
              f"ours {ours['cpu'][-1]:.1f} / {ours['wall'][-1]:.1f}, "
              f"pandoc per document {each['cpu'][-1]:.1f} / {each['wall'][-1]:.1f}, "
              f"pandoc in one process {many['cpu'][-1]:.1f} / {many['wall'][-1]:.1f}")
    assert first is not None and outcomes is not None and out is not None
    failed = [o for o in outcomes if o.status == "failed"]
    second, again = timed_build(src, out, style, args.jobs)
    skipped = sum(o.status == "unchanged" for o in again)
    rate = args.records / first
    peak_mb = (rss_self + args.jobs * rss_child) / 1024

    def mark(ok: bool) -> str:
        return "meets target" if ok else "BELOW TARGET"

    print(f"  first build            {first:8.2f} s   {rate:7.1f} records/s   "
          f"({mark(rate >= TARGETS['records_per_second'])}: >= {TARGETS['records_per_second']:.0f}/s)")
    print("  ms per document, median (range) of the rounds:        CPU                  wall")
    for name, values in (("ours (all formats)", ours), ("pandoc per document", each), ("pandoc in one process", many)):
        print(f"    {name:<26} {spread(values['cpu'])}   {spread(values['wall'])}")
    for name, values, target in (("per document", each, "pandoc_ratio"),
                                 ("in one process", many, "pandoc_one_process_ratio")):
        cpu_ratio = statistics.median(values["cpu"]) / statistics.median(ours["cpu"])
        wall_ratio = statistics.median(values["wall"]) / statistics.median(ours["wall"])
        print(f"  ratio pandoc {name:<15} CPU {cpu_ratio:5.2f}   wall {wall_ratio:5.2f}   "
              f"({mark(min(cpu_ratio, wall_ratio) >= TARGETS[target])}: >= {TARGETS[target]}; ours makes "
              f"{len(formats)} formats plus the record, pandoc 2)")
    print("  per format, CPU ms per document (ours: this process, a sample of the batch, each writer without what an "
          "earlier one made for it, the citations apart; pandoc: its rounds)")
    costs = writer_cpu(out, sorted(o.identifier for o in outcomes if o.status == "built")[:40], style)
    print("    ours   " + ", ".join(f"{name} {value:.1f}" for name, value in costs.items()))
    for kind, label in (("each", "pandoc per document"), ("many", "pandoc in one process")):
        jats = statistics.median(per_output[f"{kind} jats"])
        epub = statistics.median(per_output[f"{kind} epub3"])
        read = statistics.median(per_output.get(f"{kind} read", [0.0]))
        besides = f" (reading the HTML {read:.1f} besides)" if read else ""
        print(f"    {label:<22} jats {jats:.1f}, epub {epub:.1f}{besides}: ratio jats {(jats + read / 2) / costs['jats']:.1f}, epub {(epub + read / 2) / costs['epub']:.1f}")
    print(f"  CPU                    {statistics.median(ours['cpu']):8.1f} ms per record (parent and workers): at most "
          f"{args.jobs * 1000 / statistics.median(ours['cpu']):.1f} records/s on {args.jobs} cores of its own")
    measured_mb = (rss_self + rss_child) / 1024
    print(f"  peak RSS               {measured_mb:8.1f} MB = parent {rss_self / 1024:.1f} + largest worker "
          f"{rss_child / 1024:.1f} ({mark(measured_mb < TARGETS['peak_rss_mb'])}: < {TARGETS['peak_rss_mb']:.0f} MB); "
          f"counting every worker: {peak_mb:.1f} MB ({mark(peak_mb < TARGETS['peak_rss_mb'])})")
    print(f"  failed records         {len(failed):8d}")
    for outcome in failed[:3]:
        print(f"    {outcome.source}: {outcome.errors[0]['message']}")
    print(f"  rerun, nothing changed {second:8.2f} s   {100 * second / first:5.1f} % of the first run, "
          f"{skipped} of {len(again)} skipped")
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()

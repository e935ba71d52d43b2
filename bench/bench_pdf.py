"""CPU cost of the PDF writer per commentary: the tagged PDF/A-3a + PDF/UA-1 of this tree beside the
untagged PDF/A-3b of commit UNTAGGED (the writer just before tagging, same layout), in one run.

Run from the repository root: `python bench/bench_pdf.py [--style rsis] [--repeat 20]`. Fonts are
registered once per process, as in a batch conversion, so the first render is a warm-up and not counted.
The untagged writer runs in a child process from `git archive UNTAGGED`. Then the cost of the schema
1.1 back matter (acknowledgements, references, author notes): each sample that has it, rendered with it
and with those three fields left out.

`--subset-cache` measures instead the font-subset cache (archiver/writers/pdf/fonts.py) of this tree:
each record rendered with the cache emptied (cold: every subset made and compressed, as without the
cache), after the other samples only, and after itself (warm), in alternating rounds, CPU per render.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: the package split with output bytes unchanged, before tagging
UNTAGGED = "b269409"
sys.path.insert(0, os.environ.get("BENCH_PDF_ROOT", str(ROOT)))

from archiver.convert import load_assets  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.style import load_style  # noqa: E402
from archiver.writers import RenderContext  # noqa: E402
from archiver.writers import pdf  # noqa: E402


def _as_1_0(path: Path):
    """A sample as the untagged writer's schema 1.0 reads it: without what schema 1.1 added (author
    kinds, references, acknowledgements, author notes), so both writers lay out the same content."""
    from archiver.record import validate

    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = "1.0"
    for key in ("references", "acknowledgements", "author_notes"):
        data.pop(key, None)
    for author in data["authors"]:
        author.pop("kind", None)
    return validate(data, str(path))


def measure(style_name: str, repeat: int, child: bool = False) -> dict[str, tuple[float, float, float]]:
    """record id -> (total, layout, PDF/A step) ms of CPU per render; `child`: of the untagged writer,
    on the samples as schema 1.0 holds them."""
    style = load_style(style_name)
    out = {}
    for path in sorted((ROOT / "samples" / "records").glob("*.json")):
        record = load(path) if not child else _as_1_0(path)
        assets, _ = load_assets(record, path.parent)
        context = RenderContext(style=style, assets=assets)
        pdf.render(record, context)
        start = time.process_time()
        for _ in range(repeat):
            laid = pdf.layout(record, style, pdf.look_of(style), dict(assets), [])
        layout = (time.process_time() - start) / repeat * 1000
        extra = laid[1:] if isinstance(laid, tuple) else ()  # the tagged writer also returns its tree
        raw = laid[0] if isinstance(laid, tuple) else laid
        pdfa = 0.0
        if hasattr(pdf, "to_pdfa"):  # the untagged writer: pikepdf opened the laid-out file again
            start = time.process_time()
            for _ in range(repeat):
                pdf.to_pdfa(raw, record, context, *extra)
            pdfa = (time.process_time() - start) / repeat * 1000
        start = time.process_time()
        for _ in range(repeat):
            pdf.render(record, context)
        total = (time.process_time() - start) / repeat * 1000
        # this tree adds the envelope to reportlab's document as it is written: its cost is the
        # render's beyond the layout alone
        out[record.identifier] = (total, layout, pdfa or total - layout)
    return out


def measure_cache(style_name: str, repeat: int) -> dict[str, tuple[float, float, float, float]]:
    """record id -> (cold, others, warm) ms of CPU per render (medians of alternating rounds) and the
    share of its subsets found in the cache after the other records: cold is with the cache emptied,
    others after rendering only the other samples (a batch of other records of the series), warm after
    rendering this record itself (the upper bound)."""
    from statistics import median
    from archiver.writers.pdf import fonts
    style = load_style(style_name)
    cases = []
    for path in sorted((ROOT / "samples" / "records").glob("*.json")):
        record = load(path)
        assets, _ = load_assets(record, path.parent)
        cases.append((record, RenderContext(style=style, assets=assets)))
    for record, context in cases:
        pdf.render(record, context)
    out = {}
    for record, context in cases:
        others = [case for case in cases if case[0] is not record]
        times: tuple[list[float], list[float], list[float]] = ([], [], [])
        share = 0.0
        for _ in range(repeat):
            for kind in range(3):
                fonts.subset_stream.cache_clear()
                for other, other_context in (others if kind == 1 else [(record, context)] if kind == 2 else []):
                    pdf.render(other, other_context)
                before = fonts.subset_stream.cache_info()
                start = time.process_time()
                pdf.render(record, context)
                times[kind].append(time.process_time() - start)
                if kind == 1:
                    after = fonts.subset_stream.cache_info()
                    made = after.misses - before.misses
                    looked = (after.hits - before.hits + made) / 2  # each subset is looked up twice
                    share = 1 - made / looked if looked else 0.0
        out[record.identifier] = (*(median(values) * 1000 for values in times), share)
    return out


def back_matter(style_name: str, repeat: int) -> dict[str, tuple[float, float]]:
    """record id -> (ms of CPU per render without, with) its back matter, for the samples that have one."""
    style = load_style(style_name)
    out = {}
    for path in sorted((ROOT / "samples" / "records").glob("*.json")):
        record = load(path)
        if not (record.references or record.acknowledgements or record.author_notes):
            continue
        assets, _ = load_assets(record, path.parent)
        context = RenderContext(style=style, assets=assets)
        times = []
        for variant in (dataclasses.replace(record, references=None, acknowledgements=None, author_notes=None),
                        record):
            pdf.render(variant, context)
            start = time.process_time()
            for _ in range(repeat):
                pdf.render(variant, context)
            times.append((time.process_time() - start) / repeat * 1000)
        out[record.identifier] = (times[0], times[1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="rsis")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--subset-cache", action="store_true", help="measure the font-subset cache")
    args = parser.parse_args()
    if args.subset_cache:
        print(f"PDF writer, style {args.style}, ms of CPU per render: font-subset cache cold / after the "
              "other records (share of subsets found) / warm")
        for identifier, (cold, others, warm, share) in measure_cache(args.style, args.repeat).items():
            print(f"  {identifier}: {cold:.1f} / {others:.1f} ({share:.0%}) / {warm:.1f}")
        return
    if args.child:
        for identifier, (total, layout, pdfa) in measure(args.style, args.repeat, child=True).items():
            print(identifier, total, layout, pdfa)
        return
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(f"git -C {ROOT} archive {UNTAGGED} archiver styles schemas | tar -x -C {folder}", shell=True, check=True)
        child = subprocess.run([sys.executable, __file__, "--child", "--style", args.style, "--repeat",
                                str(args.repeat)], env={**os.environ, "BENCH_PDF_ROOT": folder},
                               capture_output=True, text=True, check=True).stdout
    untagged = {line.split()[0]: tuple(map(float, line.split()[1:])) for line in child.splitlines()}
    tagged = measure(args.style, args.repeat)
    print(f"PDF writer, style {args.style}, ms of CPU per record: untagged ({UNTAGGED}) -> tagged")
    for identifier, (total, layout, pdfa) in tagged.items():
        old = untagged[identifier]
        print(f"  {identifier}: total {old[0]:.1f} -> {total:.1f} (layout {old[1]:.1f} -> {layout:.1f}, "
              f"PDF/A step {old[2]:.1f} -> {pdfa:.1f})")
    mean_old = sum(value[0] for value in untagged.values()) / len(untagged)
    mean_new = sum(value[0] for value in tagged.values()) / len(tagged)
    print(f"mean: {mean_old:.1f} -> {mean_new:.1f} ms CPU per record ({(mean_new / mean_old - 1) * 100:+.0f} %)")
    print("back matter (acknowledgements, references, author notes), ms of CPU per record: without -> with")
    for identifier, (without, with_it) in back_matter(args.style, args.repeat).items():
        print(f"  {identifier}: {without:.1f} -> {with_it:.1f} ({with_it - without:+.1f})")


if __name__ == "__main__":
    main()

"""CPU cost of the PDF/A-3b writer per commentary (target: under 80 ms, PDF/A step included).

Run from the repository root: `python bench/bench_pdf.py [--style rsis] [--repeat 20]`. Fonts are
registered once per process, as in a batch conversion, so the first render is a warm-up and not counted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver.convert import load_assets  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.style import load_style  # noqa: E402
from archiver.writers import RenderContext  # noqa: E402
from archiver.writers import pdf  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--style", default="rsis")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    style = load_style(args.style)
    records = sorted((ROOT / "samples" / "records").glob("*.json"))
    totals = []
    for path in records:
        record = load(path)
        assets, _ = load_assets(record, path.parent)
        context = RenderContext(style=style, assets=assets)
        pdf.render(record, context)
        start = time.process_time()
        for _ in range(args.repeat):
            raw, tags = pdf.layout(record, style, pdf.look_of(style), dict(assets), [])
        layout = (time.process_time() - start) / args.repeat * 1000
        start = time.process_time()
        for _ in range(args.repeat):
            pdf.to_pdfa(raw, record, context, tags)
        pdfa = (time.process_time() - start) / args.repeat * 1000
        start = time.process_time()
        for _ in range(args.repeat):
            pdf.render(record, context)
        total = (time.process_time() - start) / args.repeat * 1000
        totals.append(total)
        images = sum(1 for figure in record.figures() if figure.image in assets)
        print(f"pdf {record.identifier} ({images} image(s), style {args.style}): {total:.1f} ms CPU "
              f"(layout {layout:.1f}, PDF/A step {pdfa:.1f})")
    print(f"pdf mean: {sum(totals) / len(totals):.1f} ms CPU per record (target < 80)")


if __name__ == "__main__":
    main()

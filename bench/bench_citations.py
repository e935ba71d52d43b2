"""Benchmark of rendering citations (issue 21 point 5): CPU per render and style, with the memo of
rendered macros (archiver/citation/memo.py) and without it, in interleaved rounds in one process.

Two corpora: the generated batch of `bench_build.py` (300 records varied from three samples, so the
authors, series and publisher repeat: the favourable case) and the 403 varied records of
tests/data/citeproc/expected.json (the realistic case), rendered in corpus order. Each round renders
every record in the four styles once through `render._render` (below its per-item cache), without
the memo (A) and then with an emptied memo (B), so each B round is a first pass over the corpus, as a
build worker makes it. The medians and ranges of the rounds are printed, per style.

    python bench/bench_citations.py [--rounds 5] [--records 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from archiver.citation import CSL_STYLES, memo, render, to_csl  # noqa: E402
from archiver.record import load  # noqa: E402


def generated(count: int) -> list[dict]:
    from bench_build import generate

    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), count)
        return [to_csl(load(path)) for path in sorted(Path(folder).glob("*.json"))]


def varied() -> list[dict]:
    corpus = json.loads((ROOT / "tests" / "data" / "citeproc" / "expected.json").read_text(encoding="utf-8"))
    return [entry["csl"] for entry in corpus["records"]]


def prepared(items: list[dict]) -> dict[str, list[str]]:
    """Each item as `_render` is given it, per style."""
    out = {}
    for style in CSL_STYLES:
        range_format = render._style(style).root.get("page-range-format")
        out[style] = [json.dumps(render.citeproc_item(i, range_format), sort_keys=True, ensure_ascii=False)
                      for i in items]
    return out


def one_pass(jsons: dict[str, list[str]], remember: bool) -> dict[str, float]:
    """ms of CPU per render, per style, for one pass over the corpus."""
    memo._SITES.clear()
    memo.ENABLED = remember
    plain = render._render.__wrapped__
    timings = {}
    for style, items in jsons.items():
        started = time.process_time()
        for item in items:
            plain(item, style)
        timings[style] = (time.process_time() - started) / len(items) * 1000
    memo.ENABLED = True
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=300)
    args = parser.parse_args()
    for name, items in (("generated (bench_build)", generated(args.records)), ("varied (citeproc corpus)", varied())):
        jsons = prepared(items)
        one_pass(jsons, False)  # warm: styles parsed, look-ups remembered
        rounds: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for _ in range(args.rounds):
            for remember in (False, True):
                rounds[remember].append(one_pass(jsons, remember))
        print(f"{name}: {len(items)} records, {args.rounds} rounds A B A B, ms CPU per render, median [range]")
        for style in [*CSL_STYLES, "all four"]:
            cells = []
            for remember in (False, True):
                values = [sum(r.values()) if style == "all four" else r[style] for r in rounds[remember]]
                cells.append(f"{statistics.median(values):6.3f} [{min(values):.3f}-{max(values):.3f}]")
            before, after = (statistics.median([sum(r.values()) if style == "all four" else r[style]
                                                for r in rounds[remember]]) for remember in (False, True))
            print(f"  {style:9s} without memo {cells[0]}   with memo {cells[1]}   {100 * (after / before - 1):+.0f} %")


if __name__ == "__main__":
    main()

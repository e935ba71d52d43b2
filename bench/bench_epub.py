"""Speed of the EPUB writer: milliseconds per commentary (target: under 5 ms).

Renders variants of the three sample records (each a new record, so nothing is remembered between
books), warm (styles loaded, modules imported), and prints the time per book, then the share of it
spent in `archiver.citation.cite_as` (citeproc-py) for the "Cite as" line: rendered once per record
and shared with the JATS, PDF and landing-page writers, so in a full conversion the EPUB's own cost is
the writer's share.
Usage: python bench/bench_epub.py [ROUNDS]
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archiver import citation  # noqa: E402
from archiver.record import load  # noqa: E402
from archiver.style import load_style  # noqa: E402
from archiver.writers import RenderContext  # noqa: E402
from archiver.writers import epub  # noqa: E402


def main(rounds: int) -> None:
    samples = ROOT / "samples" / "records"
    records = [load(path) for path in sorted(samples.glob("*.json"))]
    context = RenderContext(style=load_style("rsis"), assets={
        "images/CO24017-fig1.png": (samples / "images" / "CO24017-fig1.png").read_bytes()})
    for record in records:  # warm-up: imports, citeproc style, CSS
        epub.render(record, context)

    def per_book(function, tag: str) -> float:
        variants = [dataclasses.replace(record, title=f"{record.title} ({tag} {index})")
                    for index in range(rounds) for record in records]
        start = time.process_time()
        for record in variants:
            function(record)
        return (time.process_time() - start) * 1000 / len(variants)

    total = per_book(lambda record: epub.render(record, context), "book")
    cite = per_book(citation.cite_as, "citation")
    print(f"epub: {total:.2f} ms per commentary (CPU, {rounds * len(records)} books)")
    print(f"epub: of which cite_as {cite:.2f} ms (shared with the other writers), the writer itself "
          f"{total - cite:.2f} ms (target < 5 ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)

"""Peak memory and time of archiver on the worst inputs of issue 19: what it refuses (devices, FIFOs,
sparse 3 GB files, a 50 MB record, a million bad CSV rows, a record nested 100,000 deep) and the
largest record it still converts (at its limits: 19,000 paragraphs, 3.9 million characters).

Each case runs in its own process; the peak is that process's resident set (and its workers').
The README's Limits section quotes these numbers.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile import run  # noqa: E402 - the tests' runner: a child process, its peak RSS measured


def cases(work: Path) -> list[tuple[str, list[str]]]:
    record = json.loads((ROOT / "samples" / "records" / "CO24017.json").read_text(encoding="utf-8"))
    (work / "sparse").mkdir()
    with open(work / "sparse" / "CO24017.json", "wb") as handle:
        handle.truncate(3 << 30)
    os.mkfifo(work / "fifo.json")
    big = dict(record, body={"blocks": [{"type": "paragraph", "content": ["word " * 10_000]}] * 1000})
    (work / "big").mkdir()
    (work / "big" / "CO24017.json").write_text(json.dumps(big), encoding="utf-8")
    widest = dict(record, body={"blocks": [{"type": "paragraph", "content": [
        "A sentence of a paragraph that goes on for a while, like text does. " * 3]}] * 19_000})
    (work / "widest").mkdir()
    (work / "widest" / "CO24017.json").write_text(json.dumps(widest), encoding="utf-8")
    deep = json.dumps(record).replace('"blocks": [', '"blocks": [' + '{"type": "quote", "blocks": [' * 100_000 +
                                      '{"type": "paragraph", "content": ["x"]}' + "]}" * 100_000 + ", ", 1)
    (work / "deep").mkdir()
    (work / "deep" / "CO24017.json").write_text(deep, encoding="utf-8")
    with open(work / "rows.csv", "w", encoding="utf-8") as handle:
        handle.write("identifier,title,published\n")
        handle.writelines(f"X{index},T,not a date\n" for index in range(1_000_000))
    out = str(work / "out")
    return [
        ("build /dev/zero", ["build", "/dev/zero", "-o", out, "--jobs", "1"]),
        ("convert /dev/urandom", ["convert", "/dev/urandom", "-o", out]),
        ("ingest a FIFO", ["ingest", str(work / "fifo.json"), "-o", out]),
        ("validate a sparse 3 GB record", ["validate", str(work / "sparse" / "CO24017.json")]),
        ("convert --to pdf a 50 MB record", ["convert", str(work / "big" / "CO24017.json"), "-o", out, "--to", "pdf"]),
        ("convert a record nested 100,000 deep", ["convert", str(work / "deep" / "CO24017.json"), "-o", out]),
        ("ingest 1,000,000 invalid CSV rows", ["ingest", str(work / "rows.csv"), "-o", out]),
        ("convert --to pdf the largest record accepted", ["convert", str(work / "widest" / "CO24017.json"), "-o", out,
                                                          "--to", "pdf"]),
        ("convert --to epub the largest record accepted", ["convert", str(work / "widest" / "CO24017.json"), "-o", out,
                                                           "--to", "epub"]),
    ]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder:
        print(f"{'case':<48} {'exit':>4} {'seconds':>8} {'peak MiB':>9}")
        for name, args in cases(Path(folder)):
            started = time.perf_counter()
            result = run(*args, timeout=600)
            print(f"{name:<48} {result.code:>4} {time.perf_counter() - started:>8.1f} {result.peak_mib:>9.0f}")


if __name__ == "__main__":
    main()

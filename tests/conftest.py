"""Shared test fixtures: paths, sample records, golden-file comparison with an explicit update switch."""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
CASES = Path(__file__).resolve().parent / "cases"

# Reproducible outputs in every test: no date from the clock.
os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite golden files from the current output (review `git diff tests/` after)")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """golden(path, text): compare text with the golden file, or rewrite it under --update-golden."""
    update = request.config.getoption("--update-golden")

    def check(path: Path, actual: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; create it with `make golden` and review it")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                str(path), "actual"))
            pytest.fail(f"output differs from golden file {path} (run `make golden` if intended):\n{diff}")

    return check


@pytest.fixture(scope="session")
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.json"))


@pytest.fixture(scope="session")
def sample_data(sample_paths) -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sample_paths}


#: A tiny stand-in for each output the format writers will produce, named like the real ones, so the
#: packagers are exercised on complete output folders before those writers exist on this branch.
PDFA_XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>3</pdfaid:part>'
            b"<pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta>")


def _epub() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("mimetype", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, "application/epub+zip")
    return buffer.getvalue()


def placeholder_outputs(identifier: str) -> dict[str, bytes]:
    return {
        f"{identifier}.xml": b'<?xml version="1.0"?><article dtd-version="1.4"/>',
        f"{identifier}.epub": _epub(),
        f"{identifier}.pdf": b"%PDF-1.7\n%placeholder\n" + PDFA_XMP + b"\n%%EOF\n",
        f"{identifier}.csl.json": b'[{"id": "%s", "type": "report"}]' % identifier.encode(),
        f"{identifier}.bib": b"@techreport{%s, title = {placeholder}}\n" % identifier.encode(),
        f"{identifier}.ris": b"TY  - RPRT\nER  - \n",
        f"{identifier}.dc.xml": b'<?xml version="1.0"?><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"/>',
        f"{identifier}.datacite.xml": b'<?xml version="1.0"?><resource xmlns="http://datacite.org/schema/kernel-4"/>',
        f"{identifier}.crossref.xml": b'<?xml version="1.0"?><doi_batch xmlns="http://www.crossref.org/schema/5.3.1"/>',
        "index.html": b"<!DOCTYPE html><html lang=en><title>placeholder</title></html>",
    }


@pytest.fixture(scope="session")
def converted(tmp_path_factory) -> Path:
    """OUT/ as `archiver convert` writes it for the three samples, plus placeholder outputs."""
    from click.testing import CliRunner
    from archiver.cli import main
    out = tmp_path_factory.mktemp("converted") / "out"
    result = CliRunner().invoke(main, ["convert", *map(str, sorted(SAMPLES.glob("*.json"))), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for folder in sorted(out.iterdir()):
        for name, data in placeholder_outputs(folder.name).items():
            if not (folder / name).exists():
                (folder / name).write_bytes(data)
    return out


@pytest.fixture
def out_copy(converted, tmp_path) -> Path:
    """A private copy of the converted outputs, free to be changed by one test."""
    target = tmp_path / "out"
    shutil.copytree(converted, target)
    return target

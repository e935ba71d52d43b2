"""Shared test fixtures."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"

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
            (folder / name).write_bytes(data)
    return out


@pytest.fixture
def out_copy(converted, tmp_path) -> Path:
    """A private copy of the converted outputs, free to be changed by one test."""
    target = tmp_path / "out"
    shutil.copytree(converted, target)
    return target

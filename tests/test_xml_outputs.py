"""Every XML output validated against its official schema on generated records, not only samples
(issue 17 point 3), for the outputs whose other tests check samples only: Dublin Core (`oai_dc`,
the OAI-PMH 2.0 XSD in `schemas/oai_dc/`) and METS 1.12 with PREMIS 3.0 (the Library of Congress
XSDs `make setup` fetches). The others are checked on generated records where they live: JATS
(DTD, tests/test_jats.py; JATS4R, tests/test_jats4r.py), DataCite (XSD, tests/test_citation.py),
Crossref (XSD, tests/test_crossref.py), EPUB package and navigation (EPUBCheck, tests/test_epub.py).
Each schema check's negative cases are beside its sample tests (test_citation.py::test_oai_dc_check_bites,
test_package.py::test_mets_check_bites); here one more each shows it bites on a generated record.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from lxml import etree

from archiver.deposit import RecordFolder
from archiver.deposit.mets import build_mets, validate_mets
from archiver.record import Record
from archiver.style import load_style
from archiver.writers import FORMATS, RenderContext

from conftest import ROOT
from strategies import records

FAST = settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def oai_dc_schema():
    return etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "oai_dc" / "oai_dc.xsd")))


@pytest.fixture(scope="module")
def context():
    return RenderContext(style=load_style("default"))


def render(name: str, record: Record, context) -> bytes:
    return FORMATS[name].renderer()(record, context)


@FAST
@given(records())
def test_dublin_core_of_generated_records_is_valid_oai_dc(oai_dc_schema, context, data):
    tree = etree.fromstring(render("dc", Record.from_json(data), context))
    assert oai_dc_schema.validate(tree), oai_dc_schema.error_log
    broken = etree.SubElement(tree, "{http://purl.org/dc/elements/1.1/}rights-holder")  # no such DC element
    broken.text = "x"
    assert not oai_dc_schema.validate(tree)


def _folder(root: Path, record: Record, context) -> RecordFolder:
    """An output folder as `archiver convert` writes it, with the record and two of its XML outputs."""
    path = root / record.identifier
    path.mkdir()
    outputs = {f"{record.identifier}.json": record.dumps().encode("utf-8"),
               f"{record.identifier}.xml": render("jats", record, context),
               f"{record.identifier}.dc.xml": render("dc", record, context)}
    for name, data in outputs.items():
        (path / name).write_bytes(data)
    return RecordFolder(path=path, record=record, files=tuple(sorted(outputs)))


@FAST
@given(records())
def test_mets_and_premis_of_generated_records_are_schema_valid(context, data):
    record = Record.from_json(data)
    with tempfile.TemporaryDirectory() as tmp:
        mets = build_mets(_folder(Path(tmp), record, context))
    assert validate_mets(mets, "mets.xml") == []
    root = etree.fromstring(mets)
    premis = "{http://www.loc.gov/premis/v3}"
    size = next(root.iter(f"{premis}size"))
    size.text = "many"  # PREMIS: xs:long
    assert any(p.message.startswith("PREMIS schema") for p in validate_mets(etree.tostring(root), "mets.xml"))

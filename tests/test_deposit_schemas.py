"""The deposit's XML judged by the official schema or, where none exists, by the reader's own rules
(archiver/validators/atom.py and dspace.py), on the samples and on generated records, each check
shown to bite:

- the SWORD 2.0 Atom entry: RFC 4287's RELAX NG schema (Appendix B, converted by trang at set-up),
  the two Schematron rules it carries, and DCMI terms in the dcterms namespace (SWORD profile 9.2);
- SAF `dublin_core.xml` / `metadata_dcterms.xml`: no schema exists; DSpace's ItemImportServiceImpl
  rules and its default registry (schemas/dspace/);
- the DIM in a METS SIP: no schema exists (DIMDisseminationCrosswalk.DIM_XSD is "null"); the DIM
  ingestion crosswalk's rules and the same registry.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from lxml import etree

from archiver.deposit import RecordFolder
from archiver.deposit.mets import build_mets, validate_mets
from archiver.deposit.saf import dc_values, dcterms_values, metadata_xml
from archiver.deposit.sword_packages import atom_entry
from archiver.record import Record, load
from archiver.validators.atom import ATOM, DCTERMS, entry_problems
from archiver.validators.dspace import DIM, dim_problems, registry, saf_problems

from conftest import ROOT
from strategies import records

SAMPLES = sorted((ROOT / "samples" / "records").glob("*.json"))
FAST = settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


# SWORD's Atom entry -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_the_atom_entry_of_every_sample_is_valid(path):
    assert messages(entry_problems(atom_entry(load(path)))) == []


@FAST
@given(records())
def test_the_atom_entry_of_generated_records_is_valid(data):
    assert messages(entry_problems(atom_entry(Record.from_json(data)))) == []


def test_an_entry_links_to_the_page_or_carries_its_text():
    """RFC 4287 4.1.1: an entry without content has an alternate link (the record's page, DOI or
    handle); a record with none of them gives its text as the entry's content."""
    with_page = etree.fromstring(atom_entry(load(ROOT / "samples" / "records" / "CO24102.json")))
    assert [(link.get("rel"), link.get("href")) for link in with_page.iter(f"{{{ATOM}}}link")] == \
        [("alternate", "https://www.example.org/commentaries/co24102/")]
    assert with_page.find(f"{{{ATOM}}}content") is None
    without = etree.fromstring(atom_entry(load(ROOT / "samples" / "records" / "CO23081.json")))
    assert without.find(f"{{{ATOM}}}link") is None
    assert without.findtext(f"{{{ATOM}}}content") == without.findtext(f"{{{ATOM}}}summary")


def _entry() -> etree._Element:
    return etree.fromstring(atom_entry(load(ROOT / "samples" / "records" / "CO24017.json")))


def _drop(tag: str):
    def change(entry):
        for node in entry.findall(tag):
            entry.remove(node)
    return change


def _add(tag: str, text: str):
    def change(entry):
        etree.SubElement(entry, tag).text = text
    return change


def _set_text(tag: str, text: str):
    def change(entry):
        entry.find(tag).text = text
    return change


@pytest.mark.parametrize("change, expected", [
    (_drop(f"{{{ATOM}}}id"), "Atom schema (RFC 4287)"),                       # atom:id is required
    (_drop(f"{{{ATOM}}}updated"), "Atom schema (RFC 4287)"),
    (_add(f"{{{ATOM}}}title", "Second title"), "Atom schema (RFC 4287)"),      # at most one title
    (_add(f"{{{ATOM}}}subject", "x"), "Atom schema (RFC 4287)"),               # not an Atom element
    (_set_text(f"{{{ATOM}}}updated", "2024-02-05"), "Atom schema (RFC 4287)"),  # not an xsd:dateTime
    (_drop(f"{{{ATOM}}}link"), "at least one atom:link"),                     # the embedded rule
    (_drop(f"{{{ATOM}}}author"), "must have an atom:author"),
    (_add(f"{{{DCTERMS}}}creatorName", "x"), "not a DCMI term"),
])
def test_the_atom_check_bites(change, expected):
    entry = _entry()
    change(entry)
    problems = messages(entry_problems(etree.tostring(entry)))
    assert any(expected in p for p in problems), problems


def test_the_atom_check_refuses_a_doctype():
    data = b'<?xml version="1.0"?><!DOCTYPE entry [<!ENTITY x "y">]>' + etree.tostring(_entry())
    assert any("DOCTYPE" in p for p in messages(entry_problems(data)))


# DSpace SAF metadata files ------------------------------------------------------------------------

def test_the_registry_is_dspaces_own():
    fields = registry()
    assert ("dc", "relation", "ispartofseries") in fields and ("dcterms", "rightsHolder", None) in fields
    assert ("dc", "date", "published") not in fields and len(fields) > 140


def _saf_files(record: Record) -> dict[str, etree._Element]:
    return {"dublin_core.xml": etree.fromstring(metadata_xml("dc", dc_values(record))),
            "metadata_dcterms.xml": etree.fromstring(metadata_xml("dcterms", dcterms_values(record)))}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_the_saf_metadata_of_every_sample_passes_dspaces_rules(path):
    for name, root in _saf_files(load(path)).items():
        assert messages(saf_problems(root, name, name)) == [], name


@FAST
@given(records())
def test_the_saf_metadata_of_generated_records_passes_dspaces_rules(data):
    for name, root in _saf_files(Record.from_json(data)).items():
        assert messages(saf_problems(root, name, name)) == [], name


def _first_value(change):
    def edit(root):
        change(root[0])
    return edit


@pytest.mark.parametrize("change, expected", [
    (lambda root: setattr(root, "tag", "{http://purl.org/dc/elements/1.1/}dublin_core"), "not dublin_core"),
    (lambda root: root.set("schema", "dcterms"), "other schemas go in metadata_dcterms.xml"),
    (_first_value(lambda v: v.set("qualifier", "main")), "dc.title.main is not a field"),
    (_first_value(lambda v: v.set("element", "titel")), "dc.titel is not a field"),
    (_first_value(lambda v: v.attrib.pop("element")), "without an element"),
    (_first_value(lambda v: v.set("lang", "en")), "attribute(s) lang are not read"),
    (_first_value(lambda v: etree.SubElement(v, "i").__setattr__("text", "x")), "markup or a comment"),
    (_first_value(lambda v: v.insert(0, etree.Comment("c"))), "markup or a comment"),
    (_first_value(lambda v: setattr(v, "text", "  ")), "no text"),
    (lambda root: etree.SubElement(root, "value", element="title"), "DSpace would drop it unread"),
])
def test_the_saf_check_bites(change, expected):
    root = _saf_files(load(ROOT / "samples" / "records" / "CO24017.json"))["dublin_core.xml"]
    change(root)
    problems = messages(saf_problems(root, "dublin_core.xml"))
    assert any(expected in p for p in problems), problems


def test_a_metadata_file_must_hold_the_schema_its_name_says():
    root = _saf_files(load(ROOT / "samples" / "records" / "CO24017.json"))["metadata_dcterms.xml"]
    root.set("schema", "dc")
    assert any("its name says 'dcterms'" in p for p in messages(saf_problems(root, "x", "metadata_dcterms.xml")))


def test_verify_of_a_saf_zip_reports_a_field_dspace_does_not_know(converted, tmp_path):
    import zipfile

    from archiver.deposit.fixity import FixityReport
    from archiver.deposit.saf import verify_zip
    from click.testing import CliRunner

    from archiver.cli import main
    result = CliRunner().invoke(main, ["package", str(converted / "CO24017"), "--format", "saf", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    good = FixityReport(tmp_path / "saf.zip", "saf")
    verify_zip(tmp_path / "saf.zip", good)
    assert messages(good.problems) == []
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(tmp_path / "saf.zip") as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("dublin_core.xml"):
                data = data.replace(b'qualifier="issued"', b'qualifier="published"')
            target.writestr(info, data)
    report = FixityReport(bad, "saf")
    verify_zip(bad, report)
    assert any("dc.date.published is not a field" in p for p in messages(report.problems)), messages(report.problems)


# DIM in the METS SIP ------------------------------------------------------------------------------

def _mets(record: Record) -> bytes:
    """The mets.xml of an output folder holding the record alone."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / record.identifier
        path.mkdir()
        name = f"{record.identifier}.json"
        (path / name).write_text(record.dumps(), encoding="utf-8")
        return build_mets(RecordFolder(path=path, record=record, files=(name,)))


def _dim(data: bytes) -> etree._Element:
    return etree.fromstring(data).find(f".//{{{DIM}}}dim")


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_the_dim_of_every_sample_passes_dspaces_rules(path):
    data = _mets(load(path))
    assert messages(dim_problems(_dim(data), "mets.xml")) == []
    assert messages(validate_mets(data, "mets.xml")) == []


@FAST
@given(records())
def test_the_dim_of_generated_records_passes_dspaces_rules(data):
    assert messages(dim_problems(_dim(_mets(Record.from_json(data))), "mets.xml")) == []


@pytest.mark.parametrize("change, expected", [
    (lambda dim: dim[0].set("qualifier", "none"), "DIM has no 'none' qualifier"),
    (lambda dim: dim[0].set("mdschema", "dcx"), "dcx.title is not a field"),
    (lambda dim: dim[0].set("element", "titel"), "dc.titel is not a field"),
    (lambda dim: dim[0].attrib.pop("mdschema"), "without mdschema and element"),
    (lambda dim: dim[0].set("language", "en"), "attribute(s) language are not read"),
    (lambda dim: etree.SubElement(dim[0], f"{{{DIM}}}b").__setattr__("text", "x"), "not one plain text"),
    (lambda dim: etree.SubElement(dim, f"{{{DIM}}}value", mdschema="dc", element="title"), "drop it unread"),
])
def test_the_dim_check_bites(change, expected):
    dim = _dim(_mets(load(ROOT / "samples" / "records" / "CO24017.json")))
    change(dim)
    problems = messages(dim_problems(dim, "mets.xml"))
    assert any(expected in p for p in problems), problems


def test_the_mets_check_runs_the_dim_rules():
    data = _mets(load(ROOT / "samples" / "records" / "CO24017.json"))
    root = etree.fromstring(data)
    root.find(f".//{{{DIM}}}field").set("qualifier", "main")
    problems = messages(validate_mets(etree.tostring(root), "mets.xml"))
    assert any("dc.title.main is not a field" in p for p in problems), problems

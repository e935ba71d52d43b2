"""JATS4R conformance of the JATS writer (issue 17 point 1): JATS4R's own Schematron, run offline.

Every sample (both brands), every record ingested from the sample sources and generated records
give 0 JATS4R errors and 0 warnings; a record that lacks what JATS4R wants (rights with year and holder, ISO country
codes, descriptive link text) gets W012 and only the findings W012 announces. Negative cases prove each rule that shaped the
writer bites (untitled sec, fig without graphic, graphic without alt-text, table without th, missing
permissions, statement without the year) and that ID typing reaches the rules (idref()).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from archiver.ingest import read_source
from archiver.record import Record
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers.jats import render
from archiver.writers.jats4r import rights_lacking

from conftest import ROOT
from strategies import records

SOURCES = sorted(path for path in (ROOT / "samples" / "sources").iterdir() if path.is_file())
#: what JATS4R says about the gaps W012 names (rights, country codes, URLs as link text), and nothing else
W012_FINDINGS = ("Missing top-level <permissions>", "Missing <copyright-year>", "Missing <copyright-holder>",
                 "<country> should have a @country", "A URI is not descriptive link text",
                 "Creative Commons licenses should follow the recommended patterns",
                 "<alt-text> should not be a duplication")
#: what JATS4R says about the reference list as archiver writes it, whatever the record holds: the
#: printed citation (`mixed-citation`) does not mark its authors, and may show a URL as printed
REFERENCE_FINDINGS = ("should always have a child <person-group>", "A URI is not descriptive link text")
REAL_JATS = sorted((ROOT / "tests" / "data" / "jats").glob("*.xml"))


@pytest.fixture(scope="session")
def jats4r():
    from archiver.validators.jats4r import Jats4r
    return Jats4r()  # compiled once per test session


def findings(jats4r, data: bytes, name: str = "article.xml") -> list[str]:
    """Every JATS4R message but those about the reference list that REFERENCE_FINDINGS names."""
    return [f"{f.role}: {f.message} (line {f.line})" for f in jats4r.check(data, name)
            if not ("ref-list" in f.location and any(text in f.message for text in REFERENCE_FINDINGS))]


@pytest.mark.parametrize("brand", ["default", "rsis"])
@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_samples_have_no_jats4r_error_or_warning(jats4r, sample_data, name, brand):
    context = RenderContext(style=load_style(brand))
    out = render(Record.from_json(sample_data[name]), context)
    assert findings(jats4r, out, f"{name}.xml") == []
    assert [w.code for w in context.warnings] == []


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.name)
def test_records_ingested_from_the_sample_sources_have_no_jats4r_finding(jats4r, source):
    for item in read_source(source.read_bytes(), source.name):
        context = RenderContext(style=load_style("default"))
        out = render(item.record, context)
        if item.record.rights is not None and not rights_lacking(item.record.rights):
            assert findings(jats4r, out, source.name) == []
        else:  # the collection file (or the record) must supply rights; W012 says so
            assert [w.code for w in context.warnings] == ["W012"]
            assert all(any(text in f for text in W012_FINDINGS) for f in findings(jats4r, out, source.name))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records())
def test_generated_records_have_no_jats4r_finding_but_what_w012_announces(jats4r, record):
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(record), context)
    found = findings(jats4r, out, "generated.xml")
    if "W012" in [w.code for w in context.warnings]:
        found = [f for f in found if not any(text in f for text in W012_FINDINGS)]
    assert found == []


@pytest.mark.parametrize("source", REAL_JATS, ids=lambda path: path.name)
def test_records_from_publishers_jats_have_no_jats4r_finding_but_what_w012_announces(jats4r, source):
    from archiver.ingest import folder_reader
    [item] = read_source(source.read_bytes(), source.name, neighbour=folder_reader(source.parent))
    context = RenderContext(style=load_style("default"))
    found = findings(jats4r, render(item.record, context), source.name)
    if context.warnings:
        assert [w.code for w in context.warnings] == ["W012"]
        found = [f for f in found if not any(text in f for text in W012_FINDINGS)]
    assert found == []


def test_a_record_without_rights_gets_w012_and_only_the_permissions_error(jats4r, sample_data):
    data = {key: value for key, value in sample_data["CO24017"].items() if key != "rights"}
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(data), context)
    [warning] = context.warnings
    assert warning.code == "W012" and "JATS4R" in warning.message and "rights" in warning.message
    [finding] = jats4r.check(out, "norights.xml")
    assert (finding.role, finding.message.split(".")[0]) == ("error", "Missing top-level <permissions> element")


def test_copyright_statement_is_completed_to_agree_with_year_and_holder_and_reads_back(sample_data):
    from archiver.ingest.jats import read_article
    data = sample_data["CO23081"]
    out = render(Record.from_json(data), None).decode()
    assert "<copyright-statement>Copyright © 2023 S. Rajaratnam School of International Studies. All rights " \
           "reserved.</copyright-statement>" in out
    assert read_article(out.encode(), "CO23081.xml")["rights"] == data["rights"]


# The rules bite -----------------------------------------------------------------------------------

def _fig_for_box(text: str) -> str:
    """The lost-image box of figure fig1 written back as a <fig> (without a graphic)."""
    start = text.index('<boxed-text id="fig1" content-type="archiver-figure-without-image">')
    end = text.index("</boxed-text>", start)
    box = text[start:end].replace('<boxed-text id="fig1" content-type="archiver-figure-without-image">',
                                  '<fig id="fig1">')
    return text[:start] + box + "</fig>" + text[end + len("</boxed-text>"):]


@pytest.mark.parametrize("name, mutate, expected", [
    ("CO24102", lambda s: s.replace("<title>Two Schools of Water</title>", "", 1),
     "error: Each sec element must have a title"),
    ("CO24017", lambda s: s.replace("<alt-text>", "<!--", 1).replace("</alt-text>", "-->", 1),
     "error: All <graphic> must have"),
    ("CO24017", lambda s: s.replace("<graphic ", "<inline-graphic ", 1).replace("</graphic>", "</inline-graphic>", 1),
     "error: Images in <fig> must be captured using <graphic>"),
    ("CO24102", _fig_for_box, "error: Images in <fig> must be captured using <graphic>"),
    ("CO24017", lambda s: s.replace("<copyright-year>2024</copyright-year>", "<copyright-year>2020</copyright-year>", 1),
     "warning: The contents of <copyright-statement> should not conflict with <copyright-year>"),
    ("CO24017", lambda s: s.replace(">Licensed under CC BY 4.0.<", ">Licensed under CC BY 4.0 by someone.<", 1)
     .replace("<copyright-holder>S. Rajaratnam School of International Studies</copyright-holder>",
              "<copyright-holder>Someone Else</copyright-holder>", 1),
     "warning: The contents of <copyright-statement> should not conflict with <copyright-holder>"),
    ("CO24017", lambda s: s.replace('country="SG"', 'country="XX"', 1), "warning: <country> should have a @country"),
    ("CO24017", lambda s: s.replace(">https://creativecommons.org/licenses/by/4.0/<",
                                    ">http://creativecommons.org/licenses/by/4.0<", 1),
     "warning: Creative Commons licenses should follow the recommended patterns"),
])
def test_jats4r_rules_bite(jats4r, sample_data, name, mutate, expected):
    text = render(Record.from_json(sample_data[name]), None).decode()
    broken = mutate(text)
    assert broken != text, "the mutation did not apply"
    found = findings(jats4r, broken.encode(), "broken.xml")
    assert any(f.startswith(expected) for f in found), found
    assert all("(line None)" not in f for f in found)


def test_a_table_without_th_and_a_missing_permissions_are_errors(jats4r):
    record = json.loads((ROOT / "samples" / "records" / "CO24017.json").read_text(encoding="utf-8"))
    record.pop("rights")
    record["body"]["blocks"].append({"type": "table", "id": "t9", "rows": [[["a"], ["b"]]]})
    text = render(Record.from_json(record), None).decode()
    assert '<th scope="row">a</th>' in text  # a table without a header row: first column as row headers
    broken = text.replace('<th scope="row">a</th>', "<td>a</td>")
    found = findings(jats4r, broken.encode(), "t.xml")
    assert any(f.startswith("error: <th> element not found") for f in found), found
    assert any(f.startswith("error: Missing top-level <permissions>") for f in found), found


def test_idref_sees_the_dtd_id_types(jats4r, sample_data):
    """With the ID/IDREF types from the DTD, an aff that no contrib points at is an error, and one
    that is pointed at is not (without the types, idref() finds nothing and the rule always fires)."""
    text = render(Record.from_json(sample_data["CO24017"]), None).decode()
    assert not [f for f in findings(jats4r, text.encode()) if "aff" in f]
    unlinked = text.replace('rid="aff1"', 'rid="aff2"')
    assert any("aff" in f and f.startswith("error") for f in findings(jats4r, unlinked.encode())), unlinked


def test_w012_names_each_gap_a_record_has_for_jats4r(sample_data):
    data = json.loads(json.dumps(sample_data["CO24017"]))
    data["rights"]["license"] = "http://creativecommons.org/licenses/by/4.0"
    data["authors"][0]["affiliations"][0].pop("country_code")
    data["body"]["blocks"].append({"type": "paragraph", "content": [
        {"type": "link", "url": "https://example.org/a", "content": ["https://example.org/a"]}]})
    context = RenderContext(style=load_style("default"))
    render(Record.from_json(data), context)
    [warning] = context.warnings
    assert warning.code == "W012"
    for gap in ("Creative Commons licence URI", "without an ISO 3166-1 country code", "1 link whose text is a URL"):
        assert gap in warning.message, (gap, warning.message)


def test_reference_findings_are_only_set_aside_inside_the_reference_list(jats4r, sample_data):
    """The sample with references has exactly the reference-list messages set aside, and the same
    messages outside the reference list are still reported."""
    out = render(Record.from_json(sample_data["CO24102"]), None)
    raw = jats4r.check(out, "CO24102.xml")
    assert raw and all("ref-list" in f.location for f in raw)
    assert {f.role for f in raw} == {"warning"}
    data = json.loads(json.dumps(sample_data["CO24102"]))
    data["body"]["blocks"].append({"type": "paragraph", "content": [
        {"type": "link", "url": "https://example.org/a", "content": ["https://example.org/a"]}]})
    found = findings(jats4r, render(Record.from_json(data), None), "bodylink.xml")
    assert [f for f in found if f.startswith("warning: A URI is not descriptive link text")], found

"""JATS4R conformance of the JATS writer (issue 17 point 1): JATS4R's own Schematron, run offline.

Every sample (both brands), every record ingested from the sample sources and generated records
give 0 JATS4R errors and 0 warnings, reference list included; a record that lacks what JATS4R wants (rights
with year and holder, ISO country codes, descriptive link text, each reference's authors) gets W012 and only
the findings W012 announces. Negative cases prove each rule that shaped the
writer bites (untitled sec, fig without graphic, graphic without alt-text, table without th, missing
permissions, statement without the year, citations without person-group, a URL as link text whatever its
xlink:title) and that ID typing reaches the rules (idref()).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from archiver.ingest import read_source
from archiver.record import Record
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers.jats import render
from archiver.writers.jats4r import rights_lacking

from conftest import ROOT
from strategies import records

SOURCES = sorted(path for path in (ROOT / "samples" / "sources").iterdir() if path.is_file())
#: what JATS4R says about the gaps W012 names (rights, country codes, URLs as link text, references
#: without authors in a person-group), and nothing else
W012_FINDINGS = ("Missing top-level <permissions>", "Missing <copyright-year>", "Missing <copyright-holder>",
                 "<country> should have a @country", "A URI is not descriptive link text",
                 "Creative Commons licenses should follow the recommended patterns",
                 "<alt-text> should not be a duplication", "should always have a child <person-group>")
PERSON_GROUP = "should always have a child <person-group>"
REAL_JATS = sorted((ROOT / "tests" / "data" / "jats").glob("*.xml"))


@pytest.fixture(scope="session")
def jats4r():
    from archiver.validators.jats4r import Jats4r
    return Jats4r()  # compiled once per test session


def findings(jats4r, data: bytes, name: str = "article.xml") -> list[str]:
    """Every JATS4R message, reference list included."""
    return [f"{f.role}: {f.message} (line {f.line})" for f in jats4r.check(data, name)]


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
    _only_what_w012_announces(jats4r, record)


def _only_what_w012_announces(jats4r, record: dict) -> None:
    """No finding without W012; with it, only the findings of the gaps it names, and a citation
    without its person-group exactly when W012 names a reference."""
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(record), context)
    found = findings(jats4r, out, "generated.xml")
    [message] = [w.message for w in context.warnings if w.code == "W012"] or [""]
    named = re.search(r"\d+ references? (without authors|whose printed citation)", message)
    assert bool([f for f in found if PERSON_GROUP in f]) == bool(named), (message, found)
    if message:
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




# The reference list ---------------------------------------------------------------------------------

def _ref_list(data: bytes) -> str:
    text = data.decode()
    return text[text.index("<ref-list>"):text.index("</ref-list>")]


def test_the_reference_list_is_jats4r_silent_marks_printed_authors_and_reads_back(jats4r, sample_data):
    """CO24102's three references: the printed citations mark their authors in a person-group
    (string-name for each, the punctuation between them kept), the DOI printed as its own link text
    is marked text, and every check is silent: JATS4R, the DTD, the round trip."""
    from archiver.ingest.jats import read_article
    from archiver.validators.jats import validate_jats
    out = render(Record.from_json(sample_data["CO24102"]), None)
    assert jats4r.check(out, "CO24102.xml") == []
    assert validate_jats(out, "CO24102.xml") == []
    refs = _ref_list(out)
    assert ('<mixed-citation publication-type="article-journal"><person-group person-group-type="author">'
            '<string-name>van der Berg, P.</string-name>, &amp; <string-name>Li, X.</string-name></person-group>'
            ' (2023, May).') in refs
    assert ('<named-content content-type="archiver-printed-url">https://doi.org/10.1017/9781009157896'
            '</named-content></mixed-citation>') in refs
    assert read_article(out, "CO24102.xml") == sample_data["CO24102"]


def _unmark_person_groups(text: str) -> str:
    """The printed citations without their person-group markup (the text unchanged)."""
    return re.sub(r'<mixed-citation([^>]*)><person-group person-group-type="author">(.*?)</person-group>',
                  lambda m: f"<mixed-citation{m[1]}>" + re.sub("</?string-name>", "", m[2]), text)


@pytest.mark.parametrize("mutate, expected", [
    (_unmark_person_groups, "warning: Where possible <mixed-citation> should always have a child <person-group>"),
    (lambda s: re.sub(r"<element-citation([^>]*)>\s*<person-group person-group-type=\"author\">",
                      r"<element-citation\1><person-group>", s),
     "warning: Where possible <element-citation> should always have a child <person-group>"),
    (lambda s: s.replace("</person-group> (2023, May)", " (2023, May)", 1).replace(
        '<person-group person-group-type="author"><string-name>van der Berg', "<string-name>van der Berg", 1),
     "warning: Where possible <string-name> should be captured in a parent <person-group>"),
    # xlink:title does not help: JATS4R warns on the text of the link, whatever its title
    (lambda s: s.replace('<named-content content-type="archiver-printed-url">https://doi.org/10.1017/9781009157896'
                         '</named-content>', '<ext-link ext-link-type="uri" xlink:href="https://doi.org/10.1017/'
                         '9781009157896" xlink:title="The report">https://doi.org/10.1017/9781009157896</ext-link>', 1),
     "warning: A URI is not descriptive link text"),
])
def test_jats4r_citation_rules_bite(jats4r, sample_data, mutate, expected):
    text = render(Record.from_json(sample_data["CO24102"]), None).decode()
    broken = mutate(text)
    assert broken != text, "the mutation did not apply"
    found = [f for f in jats4r.check(broken.encode(), "broken.xml") if "ref-list" in f.location]
    assert any(f"{f.role}: {f.message}".startswith(expected) for f in found), found


def test_a_reference_without_authors_gets_w012_and_exactly_its_two_person_group_warnings(jats4r, sample_data):
    """An unsigned work (no `authors`): JATS's <anonymous/> would say the name is unknown or withheld,
    which the record does not say, so nothing is invented; W012 names the reference."""
    data = json.loads(json.dumps(sample_data["CO24102"]))
    del data["references"][2]["authors"]
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(data), context)
    [warning] = context.warnings
    assert warning.code == "W012" and "1 reference without authors (first: r3)" in warning.message
    found = jats4r.check(out, "unsigned.xml")
    assert sorted(f.message.split(" should")[0] for f in found) == [
        "Where possible <element-citation>", "Where possible <mixed-citation>"]
    assert all(f.role == "warning" and "ref[3]" in f.location for f in found)


def test_a_printed_citation_not_naming_its_first_author_gets_w012_and_exactly_one_warning(jats4r, sample_data):
    data = json.loads(json.dumps(sample_data["CO24102"]))
    data["references"][1]["citation"][0] = "Room for the river in a monsoon climate, by van der Berg and Li. "
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(data), context)
    [warning] = context.warnings
    assert "1 reference whose printed citation does not begin with its first author's name" in warning.message
    [finding] = jats4r.check(out, "titlefirst.xml")
    assert finding.message.startswith("Where possible <mixed-citation> should always have a child <person-group>")
    assert "ref[2]" in finding.location


def test_a_printed_link_whose_text_is_another_url_gets_w012(jats4r, sample_data):
    """Only a URL printed as its own link text becomes marked text; a link printed as some other URL
    stays a link, and JATS4R's warning on it is W012's."""
    data = json.loads(json.dumps(sample_data["CO24102"]))
    data["references"][0]["citation"][-1]["content"] = ["https://doi.org/10.1017/9781009157896 (PDF)"]
    context = RenderContext(style=load_style("default"))
    out = render(Record.from_json(data), context)
    [warning] = context.warnings
    assert "1 link whose text is a URL" in warning.message
    [finding] = jats4r.check(out, "otherurl.xml")
    assert finding.message.startswith("A URI is not descriptive link text") and "ref-list" in finding.location


@pytest.mark.parametrize("printed, authors, marked", [
    ("Bassnett S, Beebe DC. (1992). Coincident loss.", [("S", "Bassnett"), ("DC", "Beebe")],
     ["Bassnett S", "Beebe DC"]),
    ("[4] Lee, K.-H., Tan, W. and Ong, A. 2020.", [("Kok-Hwa", "Lee"), ("Wei", "Tan"), ("Ai", "Ong")],
     ["Lee, K.-H.", "Tan, W.", "Ong, A."]),
    ("Pieter van der Berg and Xianlong Li, Room for the river.", [("Pieter", "van der Berg"), ("Xianlong", "Li")],
     ["Pieter van der Berg", "Xianlong Li"]),
    ("Li, X. et al. (2023). Climate.", [("Xianlong", "Li"), ("Pieter", "van der Berg")], ["Li, X."]),
    ("李显龙 (2020) 城市", [(None, "李显龙")], ["李显龙"]),
    ("IPCC (2021). Climate.", [("literal", "IPCC")], ["IPCC"]),
    # not marked: the name is not where the citation begins, or is only part of a word
    ("Climate and the Li river. Li, X. (2023).", [("Xianlong", "Li")], None),
    ("Lim, X. (2023).", [("Xianlong", "Li")], None),
])
def test_printed_authors_are_marked_only_where_the_citation_begins_with_them(printed, authors, marked):
    from lxml import etree

    from archiver.record import ReferenceName
    from archiver.writers.jatsrefs import mark_printed_authors
    names = [ReferenceName(literal=family) if given == "literal" else ReferenceName(given=given, family=family)
             for given, family in authors]
    mixed = etree.Element("mixed-citation")
    mixed.text = printed
    mark_printed_authors(mixed, names)
    assert "".join(mixed.itertext()) == printed  # the printed text is never changed
    group = mixed.find("person-group")
    assert (None if group is None else [name.text for name in group.iterfind("string-name")]) == marked


def _printed(record: dict) -> dict:
    """A generated record whose citations begin with their authors' names and show their URL as
    printed, as real reference lists do (the plain strategy's random citations rarely do)."""
    for reference in record.get("references", []):
        names = [a.get("literal") or ", ".join(filter(None, (a.get("family"), a.get("given"))))
                 for a in reference.get("authors", [])]
        citation = [" & ".join(names) + ". ", *reference["citation"]] if names else list(reference["citation"])
        if "url" in reference:
            citation.append({"type": "link", "url": reference["url"], "content": [reference["url"]]})
        merged: list = []
        for node in citation:
            if isinstance(node, str) and merged and isinstance(merged[-1], str):
                merged[-1] += node
            else:
                merged.append(node)
        reference["citation"] = merged
    return record


@settings(max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records().map(_printed))
def test_generated_printed_references_are_jats4r_silent_or_w012_says_why_and_read_back(jats4r, record):
    from archiver.ingest.jats import read_article
    _only_what_w012_announces(jats4r, record)
    out = render(Record.from_json(record), None)
    assert read_article(out, "generated.xml") == record

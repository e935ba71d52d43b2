"""The Crossref deposit against Crossref's own XSD on any record (issue 17 point 3).

Every deposit the writer produces is valid against `crossref5.5.0.xsd` (XSD 1.1, run with
`xmlschema`): generated records (hypothesis, any year, any BCP 47 tag the record schema allows,
one-character values) and explicit examples of each case the XSD once refused (years outside
1400-2200, `zh-Hans`/`en-SG`, values shorter than 2 characters). Where Crossref cannot hold a value
the deposit needs, `missing` names it and a format selected through a group is skipped with W009;
optional values Crossref cannot hold are left out. Negative cases show the XSD check refuses exactly
those values when they are put back.
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from archiver.convert import applicable
from archiver.errors import ConversionError
from archiver.record import Record
from archiver.style import load_style
from archiver.writers import FORMATS, RenderContext
from archiver.writers.crossref import crossref_language, missing

from strategies import doi, records

CROSSREF_ACCOUNT = {"depositor": "Archiver Test Depositor", "email": "deposits@example.org"}


@pytest.fixture(scope="module")
def style():
    base = load_style("default")
    return dataclasses.replace(base, data=MappingProxyType({**base.data, "crossref": CROSSREF_ACCOUNT}))


def deposit(data: dict, style) -> bytes:
    return FORMATS["crossref"].renderer()(Record.from_json(data), RenderContext(style=style))


def errors(schema, data: bytes) -> list[str]:
    return [f"{error.path}: {error.reason}" for error in schema.iter_errors(data.decode("utf-8"))]


@pytest.fixture
def base(sample_data) -> dict:
    """CO24017 (a DOI, a series number, a publisher place, no references) as a fresh dict to vary."""
    return json.loads(json.dumps(sample_data["CO24017"]))


def _in_crossref_years(record: dict, year: int) -> dict:
    published = record["published"]
    if published[4:] == "-02-29":
        year = 2000  # a leap year, so the date still exists
    record["published"] = f"{year:04d}{published[4:]}"
    return record


# Any record ------------------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(records(), doi, st.one_of(st.none(), st.integers(1400, 2200)))
def test_generated_records_give_xsd_valid_crossref_or_are_skipped_with_w009(crossref_schema, style, record, the_doi,
                                                                            year):
    """Half the draws keep their year (any from 1000 to 9999), half get one Crossref takes, so both
    the skip and the deposit are exercised; no shrinking (a failure prints its example as drawn)."""
    record.setdefault("links", {})["doi"] = the_doi
    if year is not None:
        _in_crossref_years(record, year)
    item = Record.from_json(record)
    reason = missing(item, style)
    if int(record["published"][:4]) not in range(1400, 2201):
        assert reason and "publication year" in reason
        wanted, warnings = applicable(item, [FORMATS["crossref"]], set(), style)
        assert wanted == [] and [w.code for w in warnings] == ["W009"]
        return
    assert reason is None
    assert errors(crossref_schema, deposit(record, style)) == []


# Each case the XSD refused, explicitly -----------------------------------------------------------------

@pytest.mark.parametrize("published", ["1400", "1400-01-01", "2200-12", "2200-12-31"])
def test_the_first_and_last_year_crossref_takes_validate(crossref_schema, style, base, published):
    base["published"] = published
    base.pop("modified", None)
    assert errors(crossref_schema, deposit(base, style)) == []


@pytest.mark.parametrize("published", ["1399-12-31", "2201", "0999-05", "9999"])
def test_a_year_crossref_cannot_hold_skips_crossref_with_w009_or_fails_when_named(style, base, published):
    base["published"] = published
    base.pop("modified", None)
    item = Record.from_json(base)
    reason = missing(item, style)
    assert reason == (f"its publication year {int(published[:4])} (/published) is outside the years Crossref's "
                      "schema takes (1400-2200)")
    wanted, warnings = applicable(item, [FORMATS["crossref"]], set(), style)
    assert wanted == [] and [(w.code, w.message) for w in warnings] == [("W009", f"crossref not written: {reason}")]
    with pytest.raises(ConversionError, match="publication year"):
        deposit(base, style)


@pytest.mark.parametrize("language, code", [("zh-Hans", "zh"), ("en-SG", "en"), ("zh-yue", "yue"), ("EN", "en"),
                                            ("nl", "nl"), ("fil", "fil"), ("sgn-ase", "ase"), ("qaa", None),
                                            ("xx-Latn", None)])
def test_the_language_is_crossrefs_code_for_the_bcp47_tag_or_left_out(crossref_schema, style, base, language,
                                                                       code):
    from lxml import etree

    assert crossref_language(language) == code
    base["language"] = language
    data = deposit(base, style)
    assert errors(crossref_schema, data) == []
    [container] = etree.fromstring(data).xpath("//*[local-name()='report-paper']/*")
    assert container.get("language") == code


def test_one_character_values_validate_and_a_one_character_place_is_left_out(crossref_schema, style, base):
    from lxml import etree

    base.update(title="X", subtitle="Y", abstract="Z")
    base["publisher"].update(name="P", place="Q")
    base["series"]["number"] = "7"
    base["authors"] = [{"name": "J L", "given": "J", "family": "L"}, {"name": "M", "kind": "person"},
                       {"name": "O", "kind": "organization"}]
    base["references"] = [{"id": "r", "citation": ["x"], "volume": "1", "issue": "2", "pages": "3",
                           "title": "t", "container_title": "c", "authors": [{"family": "F"}], "issued": "2020"}]
    data = deposit(base, style)
    assert errors(crossref_schema, data) == []
    assert b"publisher_place" not in data  # Crossref takes a place of 2 to 255 characters
    ns = {"c": "http://www.crossref.org/schema/5.5.0"}
    root = etree.fromstring(data)
    assert root.xpath("//c:person_name/c:surname/text()", namespaces=ns) == ["L", "M"]
    assert root.xpath("//c:citation/c:volume/text() | //c:citation/c:first_page/text()", namespaces=ns) == ["1", "3"]


def test_reference_parts_crossref_cannot_hold_are_left_out_and_the_citation_keeps_them(crossref_schema, style, base):
    from lxml import etree

    long_volume = "Supplement on the rivers of Southeast Asia"  # over the 32 characters of <volume>
    base["references"] = [{"id": "r1", "citation": [f"A study. {long_volume}."], "volume": long_volume,
                           "doi": "10.1234/" + "x" * 201, "authors": [{"family": "Lee"}]}]
    data = deposit(base, style)
    assert errors(crossref_schema, data) == []
    ns = {"c": "http://www.crossref.org/schema/5.5.0"}
    [citation] = etree.fromstring(data).xpath("//c:citation", namespaces=ns)
    assert [etree.QName(child).localname for child in citation] == ["author", "unstructured_citation"]
    assert long_volume in citation.findtext("c:unstructured_citation", namespaces=ns)


@pytest.mark.parametrize("change, named", [
    (lambda r: r["series"].update(number="N" * 33), "the series number (/series/number)"),
    (lambda r: r["links"].update(doi="10.1234/" + "x" * 201), "the DOI (/links/doi)"),
    (lambda r: r["authors"][0].update(family="F" * 201), "author 1's family name"),
    (lambda r: r["publisher"].update(name="P" * 256), "the publisher name (/publisher/name)"),
    (lambda r: r["links"].update(source="https://example.org/" + "p" * 2040), "the landing page URL"),
])
def test_a_needed_value_crossref_cannot_hold_is_named_and_skips_crossref(style, base, change, named):
    change(base)
    reason = missing(Record.from_json(base), style)
    assert reason and named in reason and "is not what Crossref's schema takes" in reason, reason
    wanted, warnings = applicable(Record.from_json(base), [FORMATS["crossref"]], set(), style)
    assert wanted == [] and [w.code for w in warnings] == ["W009"]


# The XSD check bites on exactly those values -----------------------------------------------------------

@pytest.mark.parametrize("old, new", [
    (b'language="en"', b'language="en-SG"'),
    (b'language="en"', b'language="zh-Hans"'),
    (b"<year>2024</year>", b"<year>2201</year>"),
    (b"<year>2024</year>", b"<year>1399</year>"),
    (b"<publisher_place>Singapore</publisher_place>", b"<publisher_place>Q</publisher_place>"),
    (b"<item_number item_number_type=\"report-number\">017/2024<", b"<item_number item_number_type=\"report-number\">"
     + b"N" * 33 + b"<"),
])
def test_the_crossref_xsd_refuses_what_the_writer_avoids(crossref_schema, style, base, old, new):
    data = deposit(base, style)
    assert errors(crossref_schema, data) == []
    assert old in data, data.decode()
    assert errors(crossref_schema, data.replace(old, new, 1))


def test_without_crossrefs_language_list_the_error_says_to_run_setup(monkeypatch, tmp_path):
    from archiver.writers import crossref

    monkeypatch.setattr(crossref, "VENDOR", tmp_path)
    crossref.crossref_languages.cache_clear()
    try:
        with pytest.raises(ConversionError, match="language list is missing") as raised:
            crossref_language("en")
        assert "make setup" in raised.value.problems[0].hint
    finally:
        crossref.crossref_languages.cache_clear()


def test_the_language_list_read_as_text_is_the_xsds_enumeration():
    """crossref_languages reads the XSD's enumeration values as text (issue 21.3: parsing the 400 kB
    schema cost every process 10-20 ms): the same codes an XML parser finds there."""
    from lxml import etree

    from archiver.writers import crossref

    xsd = sorted(crossref.VENDOR.glob("commonmeta-py-*/crossref/languages5.5.0.xsd"))[-1]
    tree = etree.parse(str(xsd), etree.XMLParser(no_network=True, resolve_entities=False))
    parsed = set(tree.xpath("//xsd:enumeration/@value", namespaces={"xsd": "http://www.w3.org/2001/XMLSchema"}))
    assert len(parsed) > 8000 and crossref.crossref_languages() == parsed
    # the reading bites: an enumeration written another way would be missed, and the test would fail
    assert not crossref._ENUMERATION.findall('<xsd:enumeration  value="en"/>')


def test_the_language_codes_are_plain_strings_that_do_not_keep_the_xsd_alive():
    """lxml's "smart" XPath strings each hold their element, so a cached set of them kept Crossref's
    whole parsed language XSD (5 MB) alive in every worker of a batch."""
    from archiver.writers.crossref import crossref_languages

    codes = crossref_languages()
    assert {"en", "de", "yue"} <= codes and len(codes) > 8000
    assert {type(code) for code in codes} == {str}

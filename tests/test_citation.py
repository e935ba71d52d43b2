"""The citation crosswalk (issue 7): one mapping of a record to CSL-JSON, BibTeX, RIS, Dublin Core,
DataCite and Crossref, each judged by the format's own tools, with messy names and dates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from archiver.citation import CSL_STYLES, cite_as, csl_name, person_name, split_particle, to_csl
from archiver.record import Author, Links, Record, load

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records"


@pytest.fixture(scope="module")
def records() -> dict[str, Record]:
    return {name: load(SAMPLES / f"{name}.json") for name in ("CO23081", "CO24017", "CO24102")}


def with_authors(record: Record, *authors: Author) -> Record:
    return dataclasses.replace(record, authors=list(authors))


LEE = Author(name="李显龙", family="李", given="显龙", name_order="family-first")
NGUYEN = Author(name="Nguyễn Thị Minh", family="Nguyễn", given="Thị Minh", name_order="family-first")
VAN_DER_BERG = Author(name="Pieter van der Berg", family="van der Berg", given="Pieter")
SUKARNO = Author(name="Sukarno")
PANTUCCI = Author(name="Raffaello Pantucci", family="Pantucci", given="Raffaello")


# Names: the CSL data ------------------------------------------------------------------------------

def test_chinese_name_is_family_given_without_initials():
    assert csl_name(LEE) == {"family": "李", "given": "显龙", "static-ordering": True}


def test_vietnamese_name_keeps_family_first_order():
    assert csl_name(NGUYEN) == {"family": "Nguyễn", "given": "Thị Minh", "static-ordering": True}


def test_dutch_particle_is_a_non_dropping_particle():
    assert csl_name(VAN_DER_BERG) == {"family": "Berg", "given": "Pieter", "non-dropping-particle": "van der"}


def test_single_name_is_literal():
    assert csl_name(SUKARNO) == {"literal": "Sukarno"}
    assert csl_name(Author(name="Sukarno", family="Sukarno")) == {"literal": "Sukarno"}


@pytest.mark.parametrize("family, expected", [
    ("van der Berg", ("van der", "Berg")),
    ("de la Cruz", ("de la", "Cruz")),
    ("von Goethe", ("von", "Goethe")),
    ("Van Buren", (None, "Van Buren")),      # capitalised: part of the family name
    ("de", (None, "de")),                    # nothing would be left
    ("van der berg", (None, "van der berg")),  # no capitalised name follows
])
def test_split_particle(family, expected):
    assert split_particle(family) == expected


def test_cjk_name_is_family_first_even_without_name_order():
    assert person_name(Author(name="李显龙", family="李", given="显龙")).family_first


# Names: the formatted "Cite as" line, per style ------------------------------------------------------

@pytest.mark.parametrize("style", sorted(CSL_STYLES))
def test_chinese_name_prints_as_written_in_every_style(records, style):
    text = cite_as(with_authors(records["CO24102"], LEE), style)
    assert text.startswith("李显龙"), text
    assert "显龙 ." not in text and "李," not in text


# A family-first name in a Latin script keeps its order, never inverted with a comma, and takes the
# style's initials as citeproc-js gives them (CSL `static-ordering`).
@pytest.mark.parametrize("style, expected", [
    ("apa", "Nguyễn T. M."), ("harvard", "Nguyễn T.M."), ("chicago", "Nguyễn Thị Minh"), ("mla", "Nguyễn Thị Minh")])
def test_vietnamese_name_keeps_family_first_order_in_every_style(records, style, expected):
    text = cite_as(with_authors(records["CO24017"], PANTUCCI, NGUYEN), style)
    assert expected in text, text
    assert "Nguyễn," not in text and "Minh Nguyễn" not in text


# APA, Cite Them Right and MLA set demote-non-dropping-particle to "never"/"sort-only"; Chicago leaves CSL's
# default "display-and-sort", which inverts as the Manual does for Dutch names ("Gogh, Vincent van").
@pytest.mark.parametrize("style, expected", [
    ("apa", "van der Berg, P."),
    ("harvard", "van der Berg, P."),
    ("chicago", "Berg, Pieter van der."),
    ("mla", "van der Berg, Pieter."),
])
def test_particle_stays_with_family_name(records, style, expected):
    assert cite_as(with_authors(records["CO24102"], VAN_DER_BERG), style).startswith(expected)


# Each style's own rule for given names (APA 7 and Cite Them Right: initials; Chicago 18 author-date
# and MLA 9: full given names in the reference list). citeproc-py ignores CSL's initialize="false",
# which abbreviated Chicago and MLA; the crosswalk spells the rule out in the style it loads.
@pytest.mark.parametrize("style, expected", [
    ("apa", "Pantucci, R. (2023)."),
    ("harvard", "Pantucci, R. (2023)"),
    ("chicago", "Pantucci, Raffaello. 2023."),
    ("mla", "Pantucci, Raffaello. "),
])
def test_given_names_follow_each_style(records, style, expected):
    assert cite_as(records["CO23081"], style).startswith(expected)


@pytest.mark.parametrize("style", sorted(CSL_STYLES))
def test_single_name_prints_whole(records, style):
    text = cite_as(with_authors(records["CO23081"], SUKARNO), style)
    assert text.startswith("Sukarno"), text
    assert "S." not in text.split("2023")[0], text  # never initialised, never split


def test_csl_item_of_sample(records):
    item = to_csl(records["CO24102"])
    assert item["type"] == "report"
    assert item["number"] == "102/2024"
    assert item["issued"] == {"date-parts": [[2024, 6, 12]]}


def test_styles_are_the_repository_files_citeproc_js_renders_with():
    """archiver reads csl/ as it is (the files `make citeproc-expected` gives citeproc-js), not a copy
    rewritten for citeproc-py: Chicago's initialize="false" is honoured by the names module."""
    from archiver.citation.render import CSL_DIR, style_path

    for name, file in CSL_STYLES.items():
        assert style_path(name) == CSL_DIR / "styles" / f"{file}.csl"
        assert style_path(name).read_bytes().startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert (CSL_DIR / "locales" / "locales-en-US.xml").is_file()


def test_unknown_style_is_a_usage_error(records):
    from archiver.errors import UsageError

    with pytest.raises(UsageError, match="unknown citation style"):
        cite_as(records["CO23081"], "vancouver")


def test_html_cite_as_escapes_record_text(records):
    hostile = dataclasses.replace(records["CO23081"], title='<script>alert(1)</script> & "Co"')
    text = cite_as(hostile, "chicago", output="html")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text and "<i>" in text


# Every format, one record: fixtures and helpers ---------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "vendor" / "commonmeta-py-0.312"
CITE_FORMATS = ("csl-json", "bibtex", "ris", "dc", "datacite", "crossref")
CROSSREF_ACCOUNT = {"depositor": "Archiver Test Depositor", "email": "deposits@example.org"}


@pytest.fixture(scope="module")
def style():
    from types import MappingProxyType

    from archiver.style import load_style

    base = load_style("default")
    return dataclasses.replace(base, data=MappingProxyType({**base.data, "crossref": CROSSREF_ACCOUNT}))


def render(name: str, record: Record, style) -> bytes:
    from archiver.writers import FORMATS, RenderContext

    return FORMATS[name].renderer()(record, RenderContext(style=style))


def messy(record: Record) -> Record:
    """A record with every awkward name form and a date missing its day."""
    return dataclasses.replace(record, authors=[LEE, NGUYEN, VAN_DER_BERG, SUKARNO], published="2024-06",
                               title="Rock & Roll: 100% of {Braces}, $cost_1 ~ #tags ^ back\\\\slash in ASEAN")


@pytest.fixture(scope="module")
def csl_validator():
    import json

    import jsonschema

    path = VENDOR / "csl-data.json"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run scripts/setup.sh")
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def oai_dc_schema():
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(ROOT / "schemas" / "oai_dc" / "oai_dc.xsd")))


# CSL-JSON ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_csl_json_validates_against_csl_data_schema(records, style, csl_validator, name):
    import json

    for record in (records[name], messy(records[name])):
        data = json.loads(render("csl-json", record, style))
        assert list(csl_validator.iter_errors(data)) == []


@pytest.mark.parametrize("breakage", [
    lambda item: item.update(type="commentary"),
    lambda item: item["author"][0].update(initials="R"),
    lambda item: item.update(issued={"date-parts": [[2023, 5, 31, 12]]}),
])
def test_csl_schema_check_bites(records, csl_validator, breakage):
    item = to_csl(records["CO23081"])
    breakage(item)
    assert list(csl_validator.iter_errors([item]))


def test_csl_json_is_what_citeproc_renders(records, style):
    """The file and the formatted line come from the same item."""
    import json

    data = json.loads(render("csl-json", records["CO24017"], style))
    assert data == [to_csl(records["CO24017"])]


# BibTeX --------------------------------------------------------------------------------------------

def parse_bibtex(data: bytes):
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts

    # names are split before LaTeX is decoded, or a braced "{,}" would lose its braces first
    return bibtexparser.parse_string(data.decode("utf-8"), append_middleware=[
        SeparateCoAuthors(), SplitNameParts(), LatexDecodingMiddleware()])


def bibtex_names(entry) -> list[tuple[str, str]]:
    """(von + last, first) of each author, LaTeX decoded (LatexDecodingMiddleware skips split names)."""
    from pylatexenc.latex2text import LatexNodes2Text

    decode = LatexNodes2Text().latex_to_text
    return [(decode(" ".join(n.von + n.last)), decode(" ".join(n.first))) for n in entry["author"]]


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_bibtex_parses_back_to_the_same_values(records, style, name):
    record = records[name]
    library = parse_bibtex(render("bibtex", record, style))
    assert library.failed_blocks == []
    [entry] = library.entries
    assert entry.entry_type == "techreport" and entry.key == record.identifier
    assert entry["title"].replace("{", "").replace("}", "") == full_title_of(record)
    assert entry["institution"] == record.publisher.name
    assert entry["type"] == record.series.name
    assert entry["number"] == record.series.number
    assert entry["year"] == record.published[:4]
    assert entry["date"] == record.published
    # an organisation is one braced name, never split: all of it the last name
    assert bibtex_names(entry) == [(a.name, "") if a.is_organization else (a.family, a.given) for a in record.authors]


def full_title_of(record: Record) -> str:
    return record.title + (f": {record.subtitle}" if record.subtitle else "")


def test_bibtex_messy_names_and_latex_specials(records, style):
    record = messy(records["CO24102"])
    data = render("bibtex", record, style)
    text = data.decode("utf-8")
    assert r"Rock \& Roll: 100\% of \{Braces\}, \$cost\_1 \textasciitilde{} \#tags" in text
    assert "{ASEAN}" in text and "李" in text  # Unicode kept, inner capitals protected
    [entry] = parse_bibtex(data).entries
    assert bibtex_names(entry) == [("李", "显龙"), ("Nguyễn", "Thị Minh"), ("van der Berg", "Pieter"), ("Sukarno", "")]
    berg = entry["author"][2]
    assert (berg.von, berg.last) == (["van", "der"], ["Berg"])  # BibTeX reads the particle as the von part
    assert "month = jun" in text and "date = {2024-06}" in text
    assert entry["year"] == "2024"


def test_bibtex_check_bites(records, style):
    data = render("bibtex", records["CO23081"], style).replace(b"title = {", b"title = {{", 1)
    assert parse_bibtex(data).failed_blocks


# RIS -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_ris_parses_back_to_the_same_values(records, style, name):
    import rispy

    record = records[name]
    data = render("ris", record, style)
    assert data.startswith(b"TY  - RPRT\r\n") and data.endswith(b"ER  - \r\n")
    [entry] = rispy.loads(data.decode("utf-8"))
    assert entry["type_of_reference"] == "RPRT"
    assert entry["title"] == full_title_of(record)
    assert entry["authors"] == [a.name if a.is_organization else f"{a.family}, {a.given}" for a in record.authors]
    assert entry["date"] == record.published.replace("-", "/") + "/"
    assert entry["secondary_title"] == record.series.name
    assert entry["publisher"] == record.publisher.name


def test_ris_messy_names_and_partial_date(records, style):
    import rispy

    [entry] = rispy.loads(render("ris", messy(records["CO23081"]), style).decode("utf-8"))
    assert entry["authors"] == ["李, 显龙", "Nguyễn, Thị Minh", "van der Berg, Pieter", "Sukarno"]
    assert entry["date"] == "2024/06//" and entry["year"] == "2024"


def test_ris_check_bites(records, style):
    """rispy returns no reference without TY or ER, and loses a value whose tag is malformed, so the
    round-trip comparison above fails on each of these."""
    import rispy

    data = render("ris", records["CO23081"], style).decode("utf-8")
    assert rispy.loads(data.replace("TY  - RPRT\r\n", "")) == []
    assert rispy.loads(data.replace("ER  - \r\n", "")) == []
    [entry] = rispy.loads(data.replace("AU  - ", "AU - "))
    assert entry.get("authors") != ["Pantucci, Raffaello"]


# Dublin Core (oai_dc) ------------------------------------------------------------------------------

def dc_values(data: bytes, name: str) -> list[str]:
    from lxml import etree

    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    return [e.text for e in root.iter(f"{{http://purl.org/dc/elements/1.1/}}{name}")]


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_oai_dc_validates(records, style, oai_dc_schema, name):
    from lxml import etree

    for record in (records[name], messy(records[name])):
        data = render("dc", record, style)
        tree = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
        assert oai_dc_schema.validate(tree), oai_dc_schema.error_log


def test_oai_dc_values(records, style):
    data = render("dc", messy(records["CO24017"]), style)
    assert dc_values(data, "creator") == ["李, 显龙", "Nguyễn, Thị Minh", "van der Berg, Pieter", "Sukarno"]
    assert dc_values(data, "date") == ["2024-06"]
    assert "https://doi.org/10.5555/co24017" in dc_values(data, "identifier")
    assert dc_values(data, "relation") == ["RSIS Commentary; 017/2024"]


@pytest.mark.parametrize("breakage", [
    (b"<dc:language>", b"<dc:lingo>", b"</dc:language>", b"</dc:lingo>"),              # not a DC element
    (b"<dc:language>en</dc:language>", b"<dc:language> </dc:language>", b"", b""),   # empty value
    (b"http://www.openarchives.org/OAI/2.0/oai_dc/\"", b"http://example.org/dc/\"", b"", b""),  # wrong root
])
def test_oai_dc_check_bites(records, style, oai_dc_schema, breakage):
    from lxml import etree

    data = render("dc", records["CO23081"], style)
    old, new, old2, new2 = breakage
    data = data.replace(old, new, 1)
    if old2:
        data = data.replace(old2, new2, 1)
    tree = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    assert not oai_dc_schema.validate(tree)


# DataCite 4.5 --------------------------------------------------------------------------------------

DATACITE_XSD = ROOT / "schemas" / "datacite" / "kernel-4.5"
DATACITE_NS = {"d": "http://datacite.org/schema/kernel-4"}


@pytest.fixture(scope="module")
def datacite_schema():
    """DataCite's official 4.5 XSD, its pinned digests checked first (schemas/datacite/README.md)."""
    import hashlib

    from lxml import etree

    for line in (DATACITE_XSD / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        assert hashlib.sha256((DATACITE_XSD / name).read_bytes()).hexdigest() == digest, f"{name} is not DataCite's"
    return etree.XMLSchema(etree.parse(str(DATACITE_XSD / "metadata.xsd"), etree.XMLParser(no_network=True)))


def assert_datacite_valid(schema, data: bytes) -> None:
    from lxml import etree

    tree = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    assert schema.validate(tree), "\n".join(f"line {e.line}: {e.message}" for e in schema.error_log)


def with_doi(record: Record, doi: str = "10.5555/test.1") -> Record:
    links = record.links or Links()
    return dataclasses.replace(record, links=dataclasses.replace(links, doi=doi))


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_datacite_validates(records, style, datacite_schema, name):
    from datacite import schema45

    from archiver.writers.datacite import to_datacite

    for record in (with_doi(records[name]), with_doi(messy(records[name]))):
        assert schema45.validate(to_datacite(record)), list(schema45.validator.iter_errors(to_datacite(record)))
        assert_datacite_valid(datacite_schema, render("datacite", record, style))


def test_datacite_xml_of_any_record_validates_against_the_xsd(datacite_schema, style):
    from hypothesis import HealthCheck, given, settings

    import strategies
    from archiver.record import validate

    @settings(max_examples=30, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=strategies.records(), doi=strategies.doi)
    def check(data, doi):
        assert_datacite_valid(datacite_schema, render("datacite", with_doi(validate(data), doi), style))

    check()


@pytest.mark.parametrize("old, new", [
    (b'<identifier identifierType="DOI">10.5555/co24017</identifier>', b""),         # mandatory identifier
    (b'resourceTypeGeneral="Report"', b'resourceTypeGeneral="Commentary"'),          # controlled list
    (b"<publicationYear>2024</publicationYear>", b"<publicationYear>2024</publicationYear><series/>"),  # unknown
])
def test_datacite_xsd_check_bites(records, style, datacite_schema, old, new):
    from lxml import etree

    data = render("datacite", records["CO24017"], style)
    assert old in data
    tree = etree.fromstring(data.replace(old, new, 1), etree.XMLParser(no_network=True, resolve_entities=False))
    assert not datacite_schema.validate(tree)


def test_datacite_identifiers(records, style):
    from lxml import etree

    root = etree.fromstring(render("datacite", records["CO24017"], style))
    assert [(e.get("identifierType"), e.text) for e in root.iterfind("d:identifier", DATACITE_NS)] \
        == [("DOI", "10.5555/co24017")]
    assert [(e.get("alternateIdentifierType"), e.text) for e in root.iterfind(".//d:alternateIdentifier", DATACITE_NS)] \
        == [("publisher-id", "CO24017"), ("Handle", "10356/900017")]
    assert root.findtext(".//d:relatedItem/d:number", namespaces=DATACITE_NS) == "017/2024"


def test_datacite_without_doi_is_a_clear_conversion_error(records, style):
    from archiver.errors import ConversionError
    from archiver.writers import FORMATS

    assert "no DOI (/links/doi)" in FORMATS["datacite"].unmet(records["CO23081"], style)
    with pytest.raises(ConversionError, match=r"CO23081: no DataCite metadata: the record has no DOI \(/links/doi\)"):
        render("datacite", records["CO23081"], style)


def test_datacite_without_doi_is_skipped_with_w009_in_the_cite_group(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main

    result = CliRunner().invoke(main, ["convert", str(ROOT / "samples" / "records" / "CO23081.json"),
                                       "-o", str(tmp_path), "--to", "cite"])
    assert result.exit_code == 0, result.output
    assert "W009" in result.output and "datacite not written" in result.output
    written = {path.name for path in (tmp_path / "CO23081").iterdir()}
    assert "CO23081.datacite.xml" not in written and "CO23081.dc.xml" in written


def test_datacite_messy_names_and_partial_date(records, style):
    from lxml import etree

    root = etree.fromstring(render("datacite", with_doi(messy(records["CO23081"])), style))
    ns = DATACITE_NS
    creators = [(c.findtext("d:creatorName", namespaces=ns), c.findtext("d:familyName", namespaces=ns),
                 c.findtext("d:givenName", namespaces=ns)) for c in root.iterfind(".//d:creator", ns)]
    assert creators == [("李, 显龙", "李", "显龙"), ("Nguyễn, Thị Minh", "Nguyễn", "Thị Minh"),
                        ("van der Berg, Pieter", "van der Berg", "Pieter"), ("Sukarno", None, None)]
    assert root.findtext(".//d:date[@dateType='Issued']", namespaces=ns) == "2024-06"


@pytest.mark.parametrize("breakage", [
    lambda data: data.pop("creators"),
    lambda data: data["types"].update(resourceTypeGeneral="Commentary"),
    lambda data: data.update(doi="not-a-doi"),
])
def test_datacite_check_bites(records, breakage):
    from datacite import schema45

    from archiver.writers.datacite import to_datacite

    data = to_datacite(records["CO24017"])
    breakage(data)
    assert not schema45.validate(data)


def test_datacite_writer_refuses_invalid_metadata(records, style, monkeypatch):
    from archiver.errors import ConversionError
    from archiver.writers import datacite

    original = datacite.to_datacite
    monkeypatch.setattr(datacite, "to_datacite", lambda record: {**original(record), "publicationYear": 2023})
    with pytest.raises(ConversionError, match="DataCite 4.5 metadata is invalid"):
        render("datacite", records["CO24017"], style)


# Crossref 5.5.0 ------------------------------------------------------------------------------------

def test_crossref_validates(records, style, crossref_schema):
    data = render("crossref", records["CO24017"], style)
    crossref_schema.validate(data.decode("utf-8"))


def test_crossref_series_with_issn_and_messy_names_validate(records, style, crossref_schema):
    from lxml import etree

    record = messy(records["CO24017"])
    record = dataclasses.replace(record, series=dataclasses.replace(record.series, issn="2382-6460"))
    data = render("crossref", record, style)
    crossref_schema.validate(data.decode("utf-8"))
    root = etree.fromstring(data)
    ns = {"c": "http://www.crossref.org/schema/5.5.0"}
    assert root.find(".//c:report-paper_series_metadata/c:series_metadata/c:issn", ns).text == "2382-6460"
    assert root.findtext(".//c:item_number", namespaces=ns) == "017/2024"
    people = [(p.findtext("c:given_name", namespaces=ns), p.findtext("c:surname", namespaces=ns), p.get("sequence"))
              for p in root.iterfind(".//c:person_name", ns)]
    assert people == [("显龙", "李", "first"), ("Thị Minh", "Nguyễn", "additional"),
                      ("Pieter", "van der Berg", "additional"), (None, "Sukarno", "additional")]
    date = root.find(".//c:publication_date", ns)
    assert [child.tag.split("}")[1] for child in date] == ["month", "year"]  # no invented day


@pytest.mark.parametrize("breakage", [
    (b"<doi>10.5555/co24017</doi>", b"<doi>no-doi</doi>"),                                 # DOI pattern
    (b"<depositor_name>", b"<depositor_nom>"),                                              # unknown element
    (b'version="5.5.0"', b'version="4.4.2"'),                                               # fixed version
])
def test_crossref_check_bites(records, style, crossref_schema, breakage):
    old, new = breakage
    data = render("crossref", records["CO24017"], style)
    if old == b"<depositor_name>":
        data = data.replace(b"</depositor_name>", b"</depositor_nom>")
    assert old in data
    assert not crossref_schema.is_valid(data.replace(old, new).decode("utf-8"))


def test_crossref_without_doi_is_a_clear_conversion_error(records, style):
    from archiver.errors import ConversionError

    with pytest.raises(ConversionError, match=r"CO23081: no Crossref deposit: the record has no DOI \(/links/doi\)"):
        render("crossref", records["CO23081"], style)


def test_crossref_without_depositor_is_a_clear_conversion_error(records):
    from archiver.errors import ConversionError
    from archiver.style import load_style

    with pytest.raises(ConversionError, match="names no Crossref depositor"):
        render("crossref", records["CO24017"], load_style("default"))


def test_crossref_is_deterministic_and_dated_by_the_record(records, style):
    first = render("crossref", records["CO24017"], style)
    assert first == render("crossref", records["CO24017"], style)
    assert b"<timestamp>20240207000000</timestamp>" in first  # the record's `modified`, not the clock


# Every format --------------------------------------------------------------------------------------

def test_cite_group_and_aliases():
    from archiver.writers import GROUPS, resolve

    assert GROUPS["cite"] == CITE_FORMATS
    assert [f.name for f in resolve("cite")] == list(CITE_FORMATS)
    assert [f.name for f in resolve("bib,oai_dc,landing")] == ["bibtex", "dc", "html"]


@pytest.mark.parametrize("fmt", [*CITE_FORMATS, "html"])
def test_every_format_is_deterministic(records, style, fmt):
    record = records["CO24017"]
    assert render(fmt, record, style) == render(fmt, record, style)


def test_every_format_carries_the_same_citation_data(records, style):
    """Title, series number, year and first family name agree across all six citation formats."""
    record = records["CO24017"]
    for fmt in CITE_FORMATS:
        text = render(fmt, record, style).decode("utf-8")
        for value in ("Water, Trade and Trust", "017/2024", "2024", "Öztürk", "Nguyễn"):
            assert value in text, (fmt, value)


# JATS, EPUB and PDF take their "Cite as" line from the crosswalk -----------------------------------

def _text_of(fmt: str, data: bytes) -> str:
    import io
    import re
    import subprocess
    import zipfile

    if fmt == "jats":
        from lxml import etree
        root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))
        text = " ".join(root.itertext())
    elif fmt == "epub":
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            text = " ".join(re.sub(r"<[^>]+>", " ", book.read(n).decode("utf-8"))
                            for n in book.namelist() if n.endswith((".xhtml", ".html", ".opf")))
        import html as html_module
        text = html_module.unescape(text)
    else:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                              check=True).stdout.decode("utf-8")
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["jats", "epub", "pdf", "html"])
def test_outputs_print_the_crosswalk_cite_as_line(records, style, fmt):
    from archiver.convert import load_assets
    from archiver.writers import FORMATS, RenderContext

    record = records["CO24017"]
    assets, _ = load_assets(record, SAMPLES)
    data = FORMATS[fmt].renderer()(record, RenderContext(style=style, assets=assets))
    expected = " ".join(cite_as(record).split())
    if fmt == "html":
        import html as html_module
        import re
        text = " ".join(html_module.unescape(re.sub(r"<[^>]+>", "", data.decode("utf-8"))).split())
    else:
        text = _text_of(fmt, data)
    # a PDF may hyphenate or break the line anywhere: compare without spaces there
    if fmt == "pdf":
        assert expected.replace(" ", "") in text.replace(" ", ""), text[-1500:]
    else:
        assert expected in text, text[-1500:]


# The command line ----------------------------------------------------------------------------------

def run_cli(*args: str):
    from click.testing import CliRunner

    from archiver.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("fmt, start", [
    ("apa", "Pantucci, R. (2023)."),
    ("chicago", "Pantucci, Raffaello. 2023."),
    ("harvard", "Pantucci, R. (2023)"),
    ("mla", "Pantucci, Raffaello."),
    ("bibtex", "@techreport{CO23081,"),
    ("ris", "TY  - RPRT"),
    ("csl-json", '[\n  {\n    "id": "CO23081"'),
])
def test_cite_command_prints_one_format(fmt, start):
    result = run_cli("cite", str(SAMPLES / "CO23081.json"), "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(start)


def test_cite_command_bad_input(tmp_path):
    missing = run_cli("cite", str(tmp_path / "nope.json"))
    assert missing.exit_code == 4 and "nope.json" in missing.stderr
    unknown = run_cli("cite", str(SAMPLES / "CO23081.json"), "--format", "ieee")
    assert unknown.exit_code == 2


@pytest.fixture
def crossref_brand(tmp_path) -> Path:
    import json

    folder = tmp_path / "brand"
    folder.mkdir()
    data = json.loads((ROOT / "styles" / "default" / "style.json").read_text(encoding="utf-8"))
    data["crossref"] = CROSSREF_ACCOUNT
    (folder / "style.json").write_text(json.dumps(data), encoding="utf-8")
    return folder


def test_to_cite_writes_six_files_for_a_record_with_doi(tmp_path, crossref_brand):
    out = tmp_path / "out"
    result = run_cli("convert", str(SAMPLES / "CO24017.json"), "-o", str(out), "--to", "cite",
                     "--style", str(crossref_brand))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (out / "CO24017").iterdir() if p.is_file())
    assert written == sorted(["CO24017.json", "CO24017.csl.json", "CO24017.bib", "CO24017.ris",
                              "CO24017.dc.xml", "CO24017.datacite.xml", "CO24017.crossref.xml"])


def test_to_cite_without_doi_writes_four_and_warns(tmp_path, crossref_brand):
    out = tmp_path / "out"
    result = run_cli("convert", str(SAMPLES / "CO23081.json"), "-o", str(out), "--to", "cite",
                     "--style", str(crossref_brand))
    assert result.exit_code == 0, result.output
    # a Crossref deposit and a DataCite record both describe a DOI
    assert "warning W009: crossref not written: the record has no DOI" in result.stderr
    assert "warning W009: datacite not written: the record has no DOI" in result.stderr
    written = sorted(p.name for p in (out / "CO23081").iterdir())
    assert "CO23081.crossref.xml" not in written and "CO23081.datacite.xml" not in written
    assert len([n for n in written if n != "CO23081.json"]) == 4
    strict = run_cli("convert", str(SAMPLES / "CO23081.json"), "-o", str(tmp_path / "strict"), "--to", "cite",
                     "--style", str(crossref_brand), "--strict")
    assert strict.exit_code == 3


def test_to_crossref_named_explicitly_fails_without_doi(tmp_path, crossref_brand):
    out = tmp_path / "out"
    result = run_cli("convert", str(SAMPLES / "CO23081.json"), "-o", str(out), "--to", "crossref",
                     "--style", str(crossref_brand))
    assert result.exit_code == 6
    assert "no Crossref deposit: the record has no DOI" in result.stderr
    assert not (out / "CO23081" / "CO23081.crossref.xml").exists()


def test_jats_names_and_date_agree_with_the_crosswalk(records, style):
    from lxml import etree

    from archiver.writers import FORMATS, RenderContext

    record = dataclasses.replace(messy(records["CO24102"]), published="2024-06-12")  # JATS needs a full date
    data = FORMATS["jats"].renderer()(record, RenderContext(style=style))
    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))
    names = []
    for contrib in root.iterfind(".//contrib[@contrib-type='author']"):
        name = contrib.find("name")
        if name is None:
            names.append((contrib.findtext("string-name"), None, False))
        else:
            names.append((name.findtext("surname"), name.findtext("given-names"), name.get("name-style") == "eastern"))
    expected = []
    for author in record.authors:
        parsed = person_name(author)
        expected.append((parsed.full_family or parsed.display, parsed.given, parsed.family_first))
    assert names == expected
    assert root.find(".//pub-date").get("iso-8601-date") == record.published


def test_pdf_embeds_the_crosswalk_csl_json(records, style):
    import io
    import json

    import pikepdf

    from archiver.convert import load_assets
    from archiver.writers import FORMATS, RenderContext

    record = records["CO24017"]
    assets, _ = load_assets(record, SAMPLES)
    data = FORMATS["pdf"].renderer()(record, RenderContext(style=style, assets=assets))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        embedded = [json.loads(spec.get_file().read_bytes()) for name, spec in pdf.attachments.items()
                    if name.endswith(".json") and "csl" in name]
    assert embedded == [[to_csl(record)]]


# Any text the record schema allows comes out parseable and equal -----------------------------------

def _schema_text():
    from hypothesis import strategies as st

    allowed = st.characters(blacklist_categories=("Cs",), blacklist_characters=(
        *[chr(c) for c in range(0x20) if c not in (9, 10)], "\x7f", "\ufffe", "\uffff"))
    return st.text(allowed, min_size=1, max_size=40).filter(lambda s: s.strip())


def test_any_title_and_name_round_trip_through_every_parser(records, style, oai_dc_schema):
    import json

    import rispy
    from hypothesis import HealthCheck, given, settings
    from lxml import etree

    base = records["CO23081"]

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(title=_schema_text(), family=_schema_text(), given_name=_schema_text())
    def check(title, family, given_name):
        author = Author(name=f"{given_name} {family}", family=family, given=given_name)
        record = dataclasses.replace(base, title=title, authors=[author])
        flat = " ".join(title.split())
        assert json.loads(render("csl-json", record, style))[0]["title"] == title
        library = parse_bibtex(render("bibtex", record, style))
        assert library.failed_blocks == []
        [entry] = library.entries
        # braces are ours (case protection) or the reader's; pylatexenc decodes LaTeX's \textasciicircum
        # (a plain ^ in print) to U+02C6
        decoded = entry["title"].replace("{", "").replace("}", "").replace("\u02c6", "^")
        assert decoded == flat.replace("{", "").replace("}", "")
        [(parsed_family, parsed_given)] = bibtex_names(entry)
        parsed_family, parsed_given = (part.replace("\u02c6", "^") for part in (parsed_family, parsed_given))
        assert (" ".join(parsed_family.split()), " ".join(parsed_given.split())) == (
            " ".join(family.split()), " ".join(given_name.split()))
        [ris] = rispy.loads(render("ris", record, style).decode("utf-8"))
        assert ris["title"] == flat
        dc = render("dc", record, style)
        assert oai_dc_schema.validate(etree.fromstring(dc))
        assert dc_values(dc, "title") == [flat]
        cite_as(record, "apa")

    check()


def test_bibtex_urls_are_verbatim(records, style):
    record = dataclasses.replace(records["CO23081"], links=Links(source="https://example.org/a_b%20c/{x}"))
    text = render("bibtex", record, style).decode("utf-8")
    assert "url = {https://example.org/a_b%20c/%7Bx%7D}" in text
    assert parse_bibtex(text.encode("utf-8")).failed_blocks == []


# Whole references, written out by hand from each style guide's pattern for a numbered report in a
# series (APA 7 10.4, Chicago 18 author-date, Cite Them Right 12 "reports", MLA 9 "containers"), as
# citeproc-js prints them: the number's label ("No.", MLA "no."), a Vietnamese name family first with
# the style's initials (tests/test_citeproc_reference.py checks a whole corpus).
TITLE_24017 = ("Water, Trade and Trust: Why the Mekong Needs a Data Compact: "
               "Shared River Data as a Confidence-Building Measure")


@pytest.mark.parametrize("style, expected", [
    ("apa", f"Öztürk, Ş., & Nguyễn T. M. (2024). {TITLE_24017} (Commentary No. 017/2024; RSIS Commentary). "
            "S. Rajaratnam School of International Studies. https://doi.org/10.5555/co24017"),
    ("chicago", f"Öztürk, Şahin, and Nguyễn Thị Minh. 2024. {TITLE_24017}. Commentary No. 017/2024. "
                "RSIS Commentary. S. Rajaratnam School of International Studies. https://doi.org/10.5555/co24017."),
    ("harvard", f"Öztürk, Ş. and Nguyễn T.M. (2024) {TITLE_24017}. Commentary 017/2024. Singapore: "
                "S. Rajaratnam School of International Studies. Available at: https://doi.org/10.5555/co24017."),
    ("mla", f"Öztürk, Şahin, and Nguyễn Thị Minh. {TITLE_24017}. Commentary no. 017/2024, S. Rajaratnam School of "
            "International Studies, 5 Feb. 2024, https://doi.org/10.5555/co24017. RSIS Commentary."),
])
def test_whole_reference_follows_the_style(records, style, expected):
    assert cite_as(records["CO24017"], style) == expected


def test_html_reference_italicises_the_title(records):
    assert f"<i>{TITLE_24017}</i>" in cite_as(records["CO24017"], "chicago", output="html")

"""What schema 1.1 added, in every output (issue 15 point 2, issue 17 point 6): organisation authors,
dates as precise as the source, the reference list, acknowledgements and author notes. Each output is
also judged by its own validator (JATS DTD, CSL schema, bibtexparser, rispy, oai_dc XSD, DataCite
schema45, Crossref XSD here; EPUBCheck on the CO24102 sample and generated records in test_epub.py),
and each check is shown to bite."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from lxml import etree

from archiver.ingest.jats import read_article
from archiver.record import Links, Record, load
from archiver.validators.jats import validate_jats
from archiver.writers import FORMATS, RenderContext

from test_citation import csl_validator, oai_dc_schema, style  # noqa: F401 (fixtures)

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records"
CR = {"c": "http://www.crossref.org/schema/5.5.0"}
DC = {"dc": "http://purl.org/dc/elements/1.1/"}
H = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@pytest.fixture(scope="module")
def rich() -> Record:
    """CO24102: an organisation author, three references, acknowledgements and three author notes."""
    return load(SAMPLES / "CO24102.json")


def render(name: str, record: Record, style) -> bytes:
    return FORMATS[name].renderer()(record, RenderContext(style=style))


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))


def with_date(record: Record, published: str, modified: str | None = None) -> Record:
    return dataclasses.replace(record, published=published, modified=modified)


# JATS ------------------------------------------------------------------------------------------------

def test_jats_carries_every_new_field_dtd_valid_and_reads_back(rich, sample_data):
    data = render("jats", rich, None)
    assert validate_jats(data, "CO24102") == []
    root = parse(data)
    [collab] = root.iterfind(".//contrib-group/contrib/collab")
    assert collab.text == "Coastal Cities Working Group"
    assert collab.getparent().find("name") is None and collab.getparent().find("string-name") is None
    notes = root.find(".//article-meta/author-notes")
    assert [(child.tag, child.get("fn-type")) for child in notes] == [
        ("corresp", None), ("fn", "coi-statement"), ("fn", "con")]
    assert notes.find("corresp/ext-link").get("{http://www.w3.org/1999/xlink}href") == "mailto:p.vanderberg@example.org"
    assert [child.tag for child in root.find("back")] == ["ack", "fn-group", "ref-list"]
    refs = root.findall("back/ref-list/ref")
    assert [ref.get("id") for ref in refs] == ["r1", "r2", "r3"]
    r2 = refs[1].find("citation-alternatives")
    assert r2.find("mixed-citation/italic").text == "Journal of Coastal Futures"
    element = r2.find("element-citation")
    assert element.get("publication-type") == "article-journal"
    assert element.findtext("pub-id[@pub-id-type='doi']") == "10.5555/jcf.2023.045"
    date = element.find("date")
    assert (date.get("iso-8601-date"), [(c.tag, c.text) for c in date]) == ("2023-05", [("month", "05"), ("year", "2023")])
    link = refs[2].find(".//element-citation/ext-link")
    assert (link.get("{http://www.w3.org/1999/xlink}href"), link.text) == (
        "https://www.example.org/sponge-cities-compared/", "Web page of Sponge cities compared")  # JATS4R: not the URL
    assert read_article(data, "CO24102.xml") == sample_data["CO24102"]


@pytest.mark.parametrize("published, parts", [("2024-05", [("month", "05"), ("year", "2024")]),
                                              ("2024", [("year", "2024")]),
                                              ("2024-05-31", [("day", "31"), ("month", "05"), ("year", "2024")])])
def test_jats_pub_date_is_as_precise_as_the_record(rich, published, parts):
    record = with_date(rich, published, modified=published)
    data = render("jats", record, None)
    assert validate_jats(data, "dated") == []
    root = parse(data)
    for date in (root.find(".//article-meta/pub-date"), root.find(".//pub-history/event/date")):
        assert [(child.tag, child.text) for child in date] == parts
        assert date.get("iso-8601-date") == published
    back = read_article(data, "dated.xml")
    assert (back["published"], back["modified"]) == (published, published)


def test_jats_every_citation_has_a_publication_type_and_an_untyped_one_reads_back_untyped(rich, sample_data):
    """JATS4R (general-citations-errors): every mixed- and element-citation has @publication-type."""
    data = json.loads(json.dumps(sample_data["CO24102"]))
    del data["references"][1]["type"], data["references"][2]["type"]
    out = render("jats", Record.from_json(data), None)
    root = parse(out)
    citations = root.xpath("//ref//mixed-citation | //ref//element-citation")
    assert len(citations) == 6 and all(c.get("publication-type") for c in citations)
    assert [c.get("specific-use") for c in root.iterfind(".//ref//mixed-citation")] == [None, "archiver-untyped",
                                                                                     "archiver-untyped"]
    assert read_article(out, "untyped.xml") == data


def test_jats_dtd_check_bites_on_a_reference_without_a_citation(rich):
    data = render("jats", rich, None)
    broken = data.replace(b'<ref id="r3">', b'<ref id="r3"/><ref id="r4">', 1)
    assert b'<ref id="r3"/>' in broken
    assert any("ref" in problem.message for problem in validate_jats(broken, "broken"))


FOREIGN = b"""<?xml version="1.0" encoding="UTF-8"?>
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article" xml:lang="en">
<front><journal-meta><journal-title-group><journal-title>Journal</journal-title></journal-title-group>
<publisher><publisher-name>A Press</publisher-name></publisher></journal-meta>
<article-meta><article-id pub-id-type="publisher-id">J-1</article-id>
<title-group><article-title>An article</article-title></title-group>
<contrib-group>
  <contrib contrib-type="author"><name><surname>Silva</surname><given-names>Maria</given-names></name></contrib>
  <contrib contrib-type="author"><collab>The
      Study Group<contrib-group><contrib><name><surname>Member</surname></name></contrib></contrib-group></collab></contrib>
</contrib-group>
<author-notes>
  <corresp id="c01"><label>*</label><bold>Correspondence:</bold> Maria Silva, <email>maria@example.org</email></corresp>
  <fn fn-type="conflict"><p>Conflict of interest: none.</p></fn>
  <fn fn-type="supported-by"><p>Funded by a grant.</p><p>And a second one.</p></fn>
  <fn fn-type="equal"><p>Equal contributors.</p></fn>
</author-notes>
<pub-date pub-type="epub"><month>May</month><year>2024</year></pub-date>
</article-meta></front>
<body><p>Text.</p></body>
<back>
<ack><title>Acknowledgements</title><p>We thank the reviewers.</p></ack>
<ref-list><title>References</title>
  <ref id="bib1"><element-citation publication-type="journal">
    <person-group person-group-type="editor"><name><surname>Editor</surname></name></person-group>
    <person-group person-group-type="author"><name><surname>Acharya</surname><given-names>A</given-names></name>
      <collab>ASEAN</collab></person-group>
    <article-title>Security   communities</article-title><source>Journal of Peace</source>
    <year>2014</year><volume>3</volume><issue>2</issue><fpage>10</fpage><lpage>20</lpage>
    <pub-id pub-id-type="doi">10.1234/abc</pub-id></element-citation></ref>
  <ref id="bib2"><mixed-citation publication-type="book"><person-group person-group-type="editor"><name>
    <surname>Editor</surname></name></person-group>, <person-group><string-name><surname>Lee</surname>
    <given-names>K</given-names></string-name></person-group> (<year>2020</year>). <source>A book</source>.
    <ext-link ext-link-type="uri" xlink:href="https://example.org/book">https://example.org/book</ext-link></mixed-citation></ref>
  <ref id="bib3"><mixed-citation>   </mixed-citation></ref>
</ref-list></back></article>"""


def test_foreign_jats_back_matter_author_notes_collab_and_partial_date():
    record = read_article(FOREIGN, "J-1.xml")
    assert record["published"] == "2024-05"  # no invented day
    assert record["authors"][1] == {"name": "The Study Group", "kind": "organization"}
    assert [note["kind"] for note in record["author_notes"]] == ["corresponding", "competing-interests", "funding",
                                                                 "other"]
    assert record["author_notes"][2]["content"] == ["Funded by a grant. And a second one."]
    assert record["acknowledgements"] == [{"type": "paragraph", "content": ["We thank the reviewers."]}]
    first, second = record["references"]  # the empty citation is left out
    assert first == {
        "id": "bib1", "citation": ["Acharya A, ASEAN. (2014). Security communities. Journal of Peace 3 (2). 10-20. "
                                   "doi:10.1234/abc."],
        "type": "article-journal", "authors": [{"given": "A", "family": "Acharya"}, {"literal": "ASEAN"}],
        "title": "Security communities", "container_title": "Journal of Peace", "volume": "3", "issue": "2",
        "pages": "10-20", "issued": "2014", "doi": "10.1234/abc"}
    assert second["citation"][0] == "Editor, Lee K (2020). A book. "  # the source's layout folded, no space lost
    assert second["citation"][1]["url"] == "https://example.org/book"
    assert (second["type"], second["authors"], second["issued"], second["container_title"], second["url"]) == (
        "book", [{"given": "K", "family": "Lee"}], "2020", "A book", "https://example.org/book")
    from archiver.record import problems
    assert problems({**record, "language": "en"}) == []


# EPUB and landing page -------------------------------------------------------------------------------

def test_epub_has_acknowledgements_references_and_author_notes(rich):
    import io
    import zipfile

    from archiver.style import load_style

    data = FORMATS["epub"].renderer()(rich, RenderContext(style=load_style("rsis")))
    files = {name: zipfile.ZipFile(io.BytesIO(data)).read(name) for name in zipfile.ZipFile(io.BytesIO(data)).namelist()}
    ack = parse(files["EPUB/acknowledgements.xhtml"]).find(".//h:section", H)
    assert (ack.get("role"), ack.get("{http://www.idpf.org/2007/ops}type")) == ("doc-acknowledgments", "acknowledgments")
    refs = parse(files["EPUB/references.xhtml"]).find(".//h:section", H)
    assert (refs.get("role"), refs.get("{http://www.idpf.org/2007/ops}type")) == ("doc-bibliography", "bibliography")
    items = refs.findall(".//h:li", H)
    assert [item.get("id") for item in items] == ["r1", "r2", "r3"]
    # r1 prints its DOI link itself (not repeated); r2's DOI and r3's URL are added once after the citation
    assert [[a.get("href") for a in item.iterfind("h:a", H)] for item in items] == [
        ["https://doi.org/10.1017/9781009157896"], ["https://doi.org/10.5555/jcf.2023.045"],
        ["https://www.example.org/sponge-cities-compared/"]]
    about = parse(files["EPUB/about.xhtml"])
    notes = about.findall(".//h:section[@id='_author-notes']/h:p", H)
    assert [note.get("class") for note in notes] == ["author-note corresponding", "author-note competing-interests",
                                                     "author-note contributions"]
    nav = parse(files["EPUB/nav.xhtml"])
    hrefs = [a.get("href") for a in nav.iterfind(".//h:nav[@id='toc']//h:a", H)]
    assert hrefs.index("acknowledgements.xhtml") < hrefs.index("notes.xhtml") < hrefs.index("references.xhtml")
    opf = files["EPUB/package.opf"].decode("utf-8")
    assert 'href="acknowledgements.xhtml"' in opf and 'href="references.xhtml"' in opf


def test_epub_dates_as_given_and_a_derived_full_modified_timestamp(rich):
    from archiver.style import load_style

    data = FORMATS["epub"].renderer()(with_date(rich, "2024-05"), RenderContext(style=load_style("rsis")))
    import io
    import zipfile
    book = zipfile.ZipFile(io.BytesIO(data))
    opf = parse(book.read("EPUB/package.opf"))
    ns = {"o": "http://www.idpf.org/2007/opf", **DC}
    assert opf.findtext(".//dc:date", namespaces=ns) == "2024-05"
    assert opf.findtext(".//o:meta[@property='dcterms:modified']", namespaces=ns) == "2024-05-01T00:00:00Z"
    assert book.getinfo("mimetype").date_time == (2024, 5, 1, 0, 0, 0)
    title = parse(book.read("EPUB/title.xhtml"))
    time = title.find(".//h:time", H)
    assert (time.get("datetime"), time.text) == ("2024-05", "May 2024")


def test_checked_books_cover_what_1_1_added():
    """The generated records test_epub.py hands EPUBCheck carry every 1.1 field and partial dates."""
    from test_epub import generated_records

    drawn = generated_records(10)
    assert any(d.get("references") for d in drawn) and any(d.get("acknowledgements") for d in drawn)
    assert any(d.get("author_notes") for d in drawn)
    assert any(a.get("kind") == "organization" for d in drawn for a in d["authors"])
    assert any(len(d["published"]) < 10 for d in drawn)


def test_landing_page_sections_and_metadata(rich):
    from lxml import html

    from archiver.style import load_style

    page = html.document_fromstring(FORMATS["html"].renderer()(rich, RenderContext(style=load_style("rsis"))))
    assert page.find(".//section[@role='doc-acknowledgments']/h2").text == "Acknowledgements"
    items = page.findall(".//section[@role='doc-bibliography']//li")
    assert [item.get("id") for item in items] == ["r1", "r2", "r3"]
    assert [note.get("class") for note in page.findall(".//section[@class='author-notes']/p")] == [
        "author-note corresponding", "author-note competing-interests", "author-note contributions"]
    refs = [m.get("content") for m in page.iter("meta") if m.get("name") == "citation_reference"]
    assert refs[1] == ("citation_title=Room for the river in a monsoon climate; citation_author=van der Berg, Pieter; "
                       "citation_author=Li, Xianlong; citation_journal_title=Journal of Coastal Futures; "
                       "citation_volume=12; citation_issue=2; citation_publication_date=2023/05; "
                       "citation_doi=10.5555/jcf.2023.045; citation_pages=45–67")
    [script] = [s for s in page.iter("script") if s.get("type") == "application/ld+json"]
    data = json.loads(script.text)
    assert data["author"][-1] == {"@type": "Organization", "name": "Coastal Cities Working Group"}
    assert [c.get("sameAs") for c in data["citation"]] == ["https://doi.org/10.1017/9781009157896",
                                                          "https://doi.org/10.5555/jcf.2023.045", None]


def test_the_landing_page_of_a_month_dated_record_reads_back_to_the_month(rich):
    from archiver.ingest import read_source
    from archiver.style import load_style

    page = FORMATS["html"].renderer()(with_date(rich, "2024-05"), RenderContext(style=load_style("rsis")))
    (item,) = read_source(page, "index.html", "html")
    assert item.record.published == "2024-05"  # citation_publication_date "2024/05", no invented day


# Citation formats -----------------------------------------------------------------------------------

@pytest.mark.parametrize("published, parts", [("2024-05", [2024, 5]), ("2024", [2024])])
def test_csl_date_parts_as_precise_as_the_record_and_schema_valid(rich, style, csl_validator, published, parts):
    item = json.loads(render("csl-json", with_date(rich, published), style))
    item = item[0] if isinstance(item, list) else item
    assert item["issued"] == {"date-parts": [parts]}
    assert item["author"][-1] == {"literal": "Coastal Cities Working Group"}
    assert list(csl_validator.iter_errors([item])) == []
    # the check bites: CSL allows at most year, month and day
    assert list(csl_validator.iter_errors([{**item, "issued": {"date-parts": [[2024, 5, 1, 0]]}}]))


def test_bibtex_braces_an_organisation_and_gives_month_without_day(rich, style):
    from bibtexparser import parse_string

    text = render("bibtex", with_date(rich, "2024-05"), style).decode("utf-8")
    assert "{Coastal Cities Working Group}" in text
    assert "month = may" in text and "date = {2024-05}" in text
    library = parse_string(text)
    assert library.failed_blocks == []
    assert library.entries[0]["author"].endswith("and {Coastal Cities Working Group}")


def test_ris_organisation_author_and_partial_date(rich, style):
    import rispy

    [entry] = rispy.loads(render("ris", with_date(rich, "2024"), style).decode("utf-8"))
    assert entry["authors"][-1] == "Coastal Cities Working Group"
    assert (entry["year"], entry["date"]) == ("2024", "2024///")


def test_dublin_core_organisation_creator_and_partial_date_validate(rich, style, oai_dc_schema):
    data = render("dc", with_date(rich, "2024-05"), style)
    root = parse(data)
    assert oai_dc_schema.validate(root), oai_dc_schema.error_log
    assert [e.text for e in root.iterfind("dc:creator", DC)][-1] == "Coastal Cities Working Group"
    assert root.findtext("dc:date", namespaces=DC) == "2024-05"


def test_datacite_organisation_and_references_validate(rich):
    from datacite import schema45

    from archiver.writers.datacite import to_datacite

    data = to_datacite(with_date(rich, "2024-05"))
    assert schema45.validate(data), list(schema45.validator.iter_errors(data))
    assert data["creators"][-1] == {"name": "Coastal Cities Working Group", "nameType": "Organizational"}
    assert data["relatedIdentifiers"] == [
        {"relatedIdentifier": "10.1017/9781009157896", "relatedIdentifierType": "DOI", "relationType": "References"},
        {"relatedIdentifier": "10.5555/jcf.2023.045", "relatedIdentifierType": "DOI", "relationType": "References"},
        {"relatedIdentifier": "https://www.example.org/sponge-cities-compared/", "relatedIdentifierType": "URL",
         "relationType": "References"}]
    assert (data["publicationYear"], data["dates"][0]["date"]) == ("2024", "2024-05")
    broken = {**data, "relatedIdentifiers": [{**data["relatedIdentifiers"][0], "relationType": "Quotes"}]}
    assert not schema45.validate(broken)  # the check bites on a relation type DataCite does not know


def test_crossref_organisation_and_citation_list_validate(rich, style, crossref_schema):
    record = dataclasses.replace(with_date(rich, "2024-05"), links=Links(doi="10.5555/co24102",
                                                                         source=rich.links.source))
    data = render("crossref", record, style)
    crossref_schema.validate(data.decode("utf-8"))
    root = parse(data)
    [organization] = root.iterfind(".//c:contributors/c:organization", CR)
    assert (organization.text, organization.get("sequence")) == ("Coastal Cities Working Group", "additional")
    citations = root.findall(".//c:citation_list/c:citation", CR)
    assert [c.get("key") for c in citations] == ["r1", "r2", "r3"]
    assert [(child.tag.split("}")[1], child.text) for child in citations[1]][:6] == [
        ("journal_title", "Journal of Coastal Futures"), ("author", "van der Berg"), ("volume", "12"),
        ("issue", "2"), ("first_page", "45"), ("cYear", "2023")]
    assert [child.tag.split("}")[1] for child in root.find(".//c:publication_date", CR)] == ["month", "year"]
    misplaced = data.replace(b"<citation_list>", b"<citation_list><bogus/>", 1)
    assert not crossref_schema.is_valid(misplaced.decode("utf-8"))  # the check bites


def test_pdf_with_a_partial_date_is_still_pdf_a_3a_and_pdf_ua(rich, tmp_path):
    """The PDF's Info and XMP dates of a record dated to the month or the year are its first day."""
    from test_pdfua import page_failures

    from archiver.convert import load_assets
    from archiver.style import load_style

    record = with_date(rich, "2024-05", modified="2024")
    assets, _ = load_assets(record, SAMPLES)
    path = tmp_path / "dated.pdf"
    path.write_bytes(FORMATS["pdf"].renderer()(record, RenderContext(style=load_style("rsis"), assets=assets)))
    assert page_failures(path, "3a") == [] and page_failures(path, "ua1") == []
    assert b"2024-05-01" in path.read_bytes()


# Loose records ---------------------------------------------------------------------------------------

LOOSE = {"identifier": "CO99001", "title": "A Test", "date": "May 2024", "language": "en", "publisher": "RSIS",
         "authors": [{"name": "Alan Chong"}, {"name": "ASEAN Secretariat", "kind": "organization"}],
         "references": [{"id": "r1", "citation": ["ASEAN (2008). The ASEAN Charter."], "issued": "2008"}],
         "acknowledgements": [{"type": "paragraph", "content": ["Thanks."]}],
         "author_notes": [{"kind": "funding", "content": ["No funding."]}]}


def loose(fields: dict):
    from archiver.ingest import read_source

    (item,) = read_source(json.dumps(fields).encode("utf-8"), "record.json", "json")
    return item


def test_a_loose_record_takes_the_1_1_fields_and_never_splits_an_organisation():
    item = loose(LOOSE)
    record = item.record
    assert record.schema_version == "1.1" and record.published == "2024-05"
    assert (record.authors[0].family, record.authors[1].family) == ("Chong", None)
    assert record.authors[1].is_organization and item.warnings == []  # no W004 for a name that is not split
    assert record.references[0].issued == "2008" and record.author_notes[0].kind == "funding"


def test_a_loose_record_with_a_bad_reference_names_its_pointer():
    from archiver.errors import RecordInvalid

    with pytest.raises(RecordInvalid) as raised:
        loose({**LOOSE, "references": [{"id": "r1", "citation": [], "doi": "not-a-doi"}]})
    assert {p.pointer for p in raised.value.problems} >= {"/references/0/citation", "/references/0/doi"}


# A real publisher's article ------------------------------------------------------------------------

ELIFE = Path(__file__).resolve().parent / "data" / "jats-backmatter" / "elife06003.xml"


def test_real_elife_back_matter_is_read_counted_against_the_source_and_round_trips(sample_data):
    from archiver.record import problems

    data = ELIFE.read_bytes()
    source = etree.fromstring(data, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    record = read_article(data, ELIFE.name)
    refs = source.findall("back/ref-list//ref")
    assert len(record["references"]) == len(refs) == 32
    assert [r["id"] for r in record["references"]] == [ref.get("id") for ref in refs]
    assert sum("doi" in r for r in record["references"]) == len(source.findall(".//ref//pub-id[@pub-id-type='doi']")) == 25
    assert sum(len(r.get("authors", [])) for r in record["references"]) == \
        len(source.xpath("//ref//person-group[@person-group-type='author']/*[self::name or self::collab]"))
    assert record["references"][1]["citation"] == [
        "Bassnett S, Beebe DC. (1992). Coincident loss of mitochondria and nuclei during lens fiber cell "
        "differentiation. Developmental Dynamics 194. 85-93. doi:10.1002/aja.1001940202."]
    assert len(record["acknowledgements"]) == len(source.findall("back/ack/p")) == 1
    assert [n["kind"] for n in record["author_notes"]] == ["corresponding"] * len(source.findall(".//author-notes/corresp"))
    # what was read is valid record data, and survives archiver's own JATS unchanged
    rich = {**sample_data["CO24102"], **{key: record[key] for key in ("references", "acknowledgements", "author_notes")}}
    assert problems(rich) == []
    out = render("jats", Record.from_json(rich), None)
    assert validate_jats(out, "rich") == []
    assert read_article(out, "rich.xml") == rich


def test_a_package_of_a_month_dated_record_is_dated_the_first_of_the_month(rich, monkeypatch):
    """Package formats need a full timestamp; without SOURCE_DATE_EPOCH it is derived, never the clock."""
    from archiver.deposit import iso, package_datetime

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert iso(package_datetime(with_date(rich, "2024-05"))) == "2024-05-01T00:00:00Z"
    assert iso(package_datetime(with_date(rich, "2023-05-31", modified="2024"))) == "2024-01-01T00:00:00Z"


def test_a_link_with_a_second_hash_stays_a_valid_href():
    """Found by EPUBCheck (RSC-020) on a generated author note linking to "mailto:$Q~f%22w$##7"."""
    from archiver.writers.urls import safe_url as _safe_url

    assert _safe_url("mailto:$Q~f%22w$##7") == "mailto:$Q~f%22w$#%237"
    assert _safe_url("https://a.example/x#y#z") == "https://a.example/x#y%23z"
    assert _safe_url("https://a.example/x#y") == "https://a.example/x#y"

"""Crosswalks in (issue 15 points 4 and 5): metadata exports read into records, field by field on real
exports (tests/data/crosswalks/README.md names their sources and licences), each format detected by
content, and what archiver writes read back to the same metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.citation import to_csl
from archiver.collection import Collection
from archiver.errors import InputError, RecordInvalid
from archiver.ingest import detect, read_source
from archiver.record import Record, load

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "crosswalks"
SAMPLES = sorted((ROOT / "samples" / "records").glob("*.json"))


def read(name: str, data: bytes | None = None, as_name: str | None = None):
    data = data if data is not None else (DATA / name).read_bytes()
    return read_source(data, as_name or name)


def one(name: str, data: bytes | None = None, as_name: str | None = None):
    [item] = read(name, data, as_name)
    return item.record, item.warnings


def problems_of(name: str, data: bytes | None = None, as_name: str | None = None):
    with pytest.raises(RecordInvalid) as caught:
        read(name, data, as_name)
    return caught.value.problems


def codes(warnings) -> list[str]:
    return [w.code for w in warnings]


# Detection by content ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, kind", [
    ("citeproc.json", "csl-json"), ("csl-list.json", "csl-json"), ("crossref.json", "crossref"),
    ("crossref-list.json", "crossref"), ("datacite.json", "datacite"), ("datacite.xml", "datacite"),
    ("datacite-example-full-v4.4.xml", "datacite"), ("schema_org_front-matter.json", "schema.org"),
    ("crossref.bib", "bibtex"), ("pure.bib", "bibtex"), ("crossref.ris", "ris"), ("pure.ris", "ris"),
    ("dspace-dublin_core.xml", "dspace"), ("dspace-metadata_dcterms.xml", "dspace"),
    ("dspace-testImport.csv", "dspace"), ("dspace-export-rsis.csv", "dspace"),
])
def test_each_format_is_detected_by_content(name, kind):
    assert detect((DATA / name).read_bytes(), "upload.bin") == kind


def test_a_canonical_record_and_a_loose_csv_are_not_taken_for_exports():
    assert detect(SAMPLES[0].read_bytes(), "x.json") == "json"
    assert detect((ROOT / "samples" / "sources" / "loose-records.csv").read_bytes(), "x.csv") == "csv"


# Real exports, field by field ---------------------------------------------------------------------

def test_csl_json_item():
    record, warnings = one("citeproc.json")
    assert record.identifier == "4k3m-nyvg"  # the id is a URL: the DOI's suffix, W001
    assert record.title == "Eating your own Dog Food"
    assert [(a.given, a.family) for a in record.authors] == [("Martin", "Fenner")]
    assert record.published == "2016-12-20"
    assert record.publisher.name == "DataCite"  # written {"name": ...} by citeproc-js
    assert record.series.name == "DataCite Blog"  # container-title
    assert record.links.doi == "10.5438/4k3m-nyvg"
    assert record.links.source == "https://blog.datacite.org/eating-your-own-dog-food"
    assert record.subjects[:2] == ["Phylogeny", "Malaria"] and len(record.subjects) == 7
    assert record.abstract.startswith("Eating your own dog food is a slang term")
    assert codes(warnings) == ["W001", "W001"]  # identifier from the DOI, language assumed


def test_crossref_work():
    record, warnings = one("crossref.json")
    assert record.identifier == "elife.01567"
    assert record.title.startswith("Automated quantitative histology reveals vascular morphodynamics")
    assert [a.family for a in record.authors] == ["Sankar", "Nieminen", "Ragni", "Xenarios", "Hardtke"]
    assert record.authors[4].given == "Christian S"
    assert record.published == "2014-02-11"
    assert record.publisher.name == "eLife Sciences Publications, Ltd"
    assert (record.series.name, record.series.issn) == ("eLife", "2050-084X")
    assert record.links.doi == "10.7554/elife.01567"
    assert record.rights.license == "http://creativecommons.org/licenses/by/3.0/"
    assert "<jats:" not in record.abstract and record.abstract.startswith("Among various advantages")
    assert record.language == "en"
    [left_out] = [w for w in warnings if w.code == "W002"]
    assert "funder" in left_out.message and "reference" in left_out.message


def test_crossref_rest_response_and_work_list():
    message = json.loads((DATA / "crossref.json").read_text(encoding="utf-8"))
    response = json.dumps({"status": "ok", "message-type": "work", "message-version": "1.0.0",
                           "message": message}).encode()
    assert detect(response, "work") == "crossref"
    record, _ = one("crossref.json", response, "work")
    assert record.links.doi == "10.7554/elife.01567"
    problems = problems_of("crossref-list.json")  # test deposits without authors
    assert all("/items/" in (p.pointer or p.message) for p in problems)


def test_datacite_json_attributes():
    record, warnings = one("datacite.json")
    assert (record.title, record.publisher.name, record.published) == ("Eating your own Dog Food", "DataCite", "2016-12-20")
    assert [(a.name, a.given, a.family) for a in record.authors] == [("Martin Fenner", "Martin", "Fenner")]
    assert record.authors[0].orcid is None  # the creator's id is not a nameIdentifier
    assert record.subjects == ["datacite", "doi", "metadata"]
    assert record.links.doi == "10.5438/4k3m-nyvg"
    assert record.links.source == "https://datacite.org/blog/eating-your-own-dog-food/"
    wrapped = json.dumps({"data": {"id": "10.5438/4k3m-nyvg", "type": "dois",
                                   "attributes": json.loads((DATA / "datacite.json").read_text())}}).encode()
    assert one("x", wrapped, "doi.json")[0].title == record.title


def test_datacite_xml():
    record, _ = one("datacite-example-full-v4.4.xml")
    assert record.identifier == "example-full" and record.links.doi == "10.5072/example-full"
    assert record.title == "Full DataCite XML Example"
    assert [(a.given, a.family) for a in record.authors] == [("Elizabeth", "Miller")]
    assert record.authors[0].orcid == "https://orcid.org/0000-0001-5000-0007"
    assert record.authors[0].affiliations[0].name == "DataCite"
    assert record.language == "en-US" and record.subjects == ["computer science"]
    assert record.rights.license == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert record.abstract.startswith("XML example of all DataCite Metadata Schema")
    record, _ = one("datacite.xml")
    assert record.identifier == "MS-49-3632-5083"  # alternateIdentifier "Local accession number"


def test_schema_org_blog_posting():
    record, _ = one("schema_org_front-matter.json")
    assert record.title.startswith("Editorial by more than 200 health journals")
    assert record.published == "2021-09-06" and record.modified == "2021-09-06"  # date-times as dates
    assert record.authors[0].name == "Martin Fenner"
    assert record.authors[0].orcid == "https://orcid.org/0000-0003-1419-2405"
    assert (record.series.name, record.series.issn) == ("Front Matter", "2749-9952")
    assert record.rights.license == "https://creativecommons.org/licenses/by/4.0/legalcode"
    assert record.links.doi == "10.53731/r9nqx6h-97aq74v-ag7bw"


@pytest.mark.parametrize("kind", ["Article", "ScholarlyArticle", "Report", "NewsArticle", "OpinionNewsArticle"])
def test_schema_org_article_types(kind):
    item = {"@context": "https://schema.org", "@type": kind, "headline": "A Title", "datePublished": "2024-06-12",
            "inLanguage": "en", "author": {"@type": "Person", "name": "Ana Lima"},
            "publisher": {"@type": "Organization", "name": "A Press"}, "identifier": "AP-1"}
    data = json.dumps({"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "x"}, item]}).encode()
    assert detect(data, "page.jsonld") == "schema.org"
    record, _ = one("x", data, "page.jsonld")
    assert (record.identifier, record.title, record.authors[0].family) == ("AP-1", "A Title", "Lima")


def test_bibtex_export():
    record, warnings = one("crossref.bib")
    assert record.identifier == "Sankar_2014"
    assert record.publisher.name == "eLife Sciences Organisation, Ltd."  # {eLife} braces decoded
    assert record.series.name == "eLife"
    assert [a.family for a in record.authors] == ["Sankar", "Nieminen", "Ragni", "Xenarios", "Hardtke"]
    assert record.published == "2014-02" and "W005" not in codes(warnings)  # month only: kept so (schema 1.1)
    assert record.links.doi == "10.7554/elife.01567"
    assert any(w.code == "W002" and "volume" in w.message for w in warnings)
    record, warnings = one("pure.bib")
    assert record.language == "en"  # "English"
    assert any(w.code == "W002" and "@phdthesis" in w.message for w in warnings)


def test_ris_export():
    problems = problems_of("crossref.ris")  # Crossref's RIS has no publisher
    assert [(p.pointer, p.line) for p in problems] == [("/publisher", 1)]
    assert "--collection FILE" in problems[0].hint
    record, _ = one("pure.ris")
    assert record.publisher.name == "Technische Universiteit Eindhoven" and record.publisher.place == "Eindhoven"
    assert record.published == "2018-04-25"


def test_dspace_metadata_export_csv():
    first, second = read("dspace-export-rsis.csv")
    record = first.record
    assert [(a.family, a.given) for a in record.authors] == [("Öztürk", "Şahin"), ("Nguyễn", "Thị Minh")]  # ||
    assert record.title == "Water, Trade and Trust: Why the Mekong Needs a Data Compact"  # dc.title[en]
    assert (record.series.name, record.series.number) == ("RSIS Commentary", "017/2024")
    assert record.subjects == ["Water Security", "Mekong", "Southeast Asia"]  # [en] and [*] columns
    assert record.links.handle == "10356/178204" and record.published == "2024-02-05"
    assert second.record.language == "en-US"  # DSpace's en_US
    problems = problems_of("dspace-testImport.csv")  # an import row with only an author
    assert {p.pointer for p in problems} == {"/title", "/published", "/publisher"}
    assert all(p.line == 2 for p in problems)


def test_dspace_saf_dublin_core_names_its_lines():
    problems = problems_of("dspace-dublin_core.xml")
    assert {(p.pointer, p.line) for p in problems} == {("/authors", 1), ("/publisher", 1)}
    data = (DATA / "dspace-dublin_core.xml").read_bytes().replace(b">1990<", b">the nineties<")
    [date] = [p for p in problems_of("dc.xml", data) if p.pointer == "/published"]
    assert date.line == 3 and date.source == "dc.xml"


def test_datacite_xml_problem_names_its_line():
    data = (DATA / "datacite.xml").read_bytes()
    bad = data.replace(b'dateType="Issued">2016-12-20', b'dateType="Issued">sometime')
    assert bad != data
    [problem] = problems_of("x", bad, "dc.xml")
    assert problem.pointer == "/published" and problem.line == data[:data.index(b"<dates")].count(b"\n") + 1


def test_not_well_formed_xml_names_its_line():
    data = (DATA / "datacite.xml").read_bytes().replace(b"</titles>", b"</title>")
    with pytest.raises(InputError) as caught:
        read("x", data, "broken.xml")
    assert caught.value.problems[0].line is not None and "not well-formed" in str(caught.value)


def test_a_collection_gives_what_the_export_lacks():
    from archiver.ingest.crosswalk import RIS

    collection = Collection("c.yaml", "0" * 64, {"publisher": {"name": "eLife"}, "language": "en"})
    [draft] = RIS.read((DATA / "crossref.ris").read_bytes(), "crossref.ris", collection=collection)
    assert "publisher" not in draft.data and "language" not in draft.data  # the driver fills them
    assert "W001" not in [w.code for w in draft.warnings if w.pointer == "/language"]


# Reports people can read ---------------------------------------------------------------------------

def test_many_records_with_one_problem_are_grouped():
    problems = problems_of("csl-list.json")  # 16 CSL items, none with a publisher
    assert len(problems) == 4, [str(p) for p in problems]
    assert [p.pointer for p in problems[:3]] == ["/0/publisher", "/2/publisher", "/3/publisher"]
    assert "the same in 13 more record(s)" in problems[3].message and problems[3].source == "csl-list.json"
    assert "--collection FILE" in problems[3].hint


def test_many_records_with_one_warning_are_grouped():
    items = [{"id": f"R{i}", "type": "report", "title": f"T{i}", "author": [{"family": "Lima", "given": "Ana"}],
              "issued": {"date-parts": [[2024, 1, 2]]}, "publisher": "P", "language": "en", "volume": "3"}
             for i in range(10)]
    results = read("x", json.dumps(items).encode(), "list.json")
    warnings = [w for item in results for w in item.warnings]
    assert len(warnings) == 4 and sum("the same in 7 more record(s)" in w.message for w in warnings) == 1


@pytest.mark.parametrize("typo, meant", [("titel", "title"), ("publised", "published"), ("autors", "authors"),
                                          ("langauge", "language"), ("Title", "title"), ("identifer", "identifier")])
def test_did_you_mean_for_a_typo(typo, meant):
    [problem] = problems_of("x", json.dumps({**json.loads(SAMPLES[0].read_text()), typo: "x"}).encode(), "r.json")
    assert problem.hint == f"did you mean {meant!r}?"


@pytest.mark.parametrize("field", ["license", "Journal", "state", "container-title", "volume"])
def test_no_did_you_mean_for_another_field(field):
    """The issue's misleading suggestions (license -> links, Journal -> url, state -> date)."""
    from archiver.ingest.loose import KNOWN
    from archiver.ingest.reports import suggestion

    assert suggestion(field, KNOWN) is None
    [problem] = problems_of("x", json.dumps({**json.loads(SAMPLES[0].read_text()), field: "x"}).encode(), "r.json")
    assert not problem.hint.startswith("did you mean")


def test_suggestion_threshold_bites():
    from archiver.ingest.reports import edit_distance

    assert [edit_distance(a, b) for a, b in [("titel", "title"), ("state", "date"), ("license", "links")]] == [1, 2, 4]


# What archiver writes reads back to the same metadata -------------------------------------------------

def render(fmt: str, record: Record) -> bytes:
    from archiver.style import load_style
    from archiver.writers import FORMATS, RenderContext

    return FORMATS[fmt].renderer()(record, RenderContext(style=load_style("default")))


def same_citation(record: Record, again: Record, *, name_order: bool = True, lacks: tuple[str, ...] = ()) -> None:
    """The CSL items of the two records are equal but for what the format cannot carry (`lacks`)."""
    expected, found = to_csl(record), to_csl(again)
    for key in lacks:
        expected.pop(key, None)
    if not name_order:  # BibTeX and RIS cannot say that a Latin-script name is written family first
        for item in (expected, found):
            item["author"] = [{k: v for k, v in n.items() if k != "static-ordering"} for n in item["author"]]
    assert found == expected


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["csl-json", "bibtex", "ris"])
def test_citation_formats_read_back(path, fmt):
    record = load(path)
    [item] = read("x", render(fmt, record), f"{record.identifier}.export")
    same_citation(record, item.record, name_order=fmt == "csl-json")
    again = item.record
    assert again.identifier == record.identifier and again.language == record.language
    assert [(a.family, a.given) for a in again.authors] == [(a.family, a.given) for a in record.authors]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_landing_page_json_ld_reads_back(path):
    from archiver.writers.html import json_ld

    record = load(path)
    [item] = read("x", json.dumps(json_ld(record)).encode(), "page.jsonld")
    same_citation(record, item.record, name_order=False, lacks=("publisher-place",))
    assert item.record.subtitle == record.subtitle and item.record.modified == record.modified
    assert item.record.publisher.parent == record.publisher.parent


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_saf_dublin_core_reads_back(path):
    from archiver.deposit.saf import dc_values, metadata_xml

    record = load(path)
    [item] = read("x", metadata_xml("dc", dc_values(record)), "dublin_core.xml")
    same_citation(record, item.record, name_order=False, lacks=("publisher-place",))  # DC has no place
    assert item.record.subtitle == record.subtitle
    assert (item.record.links and item.record.links.source) == (record.links and record.links.source)


def test_read_back_bites():
    """A changed value is caught by the comparison the round trips use."""
    record = load(SAMPLES[0])
    [item] = read("x", render("ris", record).replace(b"TI  - ", b"TI  - Not "), "x.ris")
    with pytest.raises(AssertionError):
        same_citation(record, item.record, name_order=False)


def test_same_named_exports_in_one_folder_are_each_a_source(tmp_path):
    """crossref.json, crossref.bib and crossref.ris: three sources, none the sidecar of another."""
    from click.testing import CliRunner

    from archiver.cli import main

    for name in ("crossref.json", "crossref.bib", "crossref.ris"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "-o", str(tmp_path / "out"), "--format", "json"])
    report = json.loads(result.stdout)
    assert {Path(r["source"]).name: r["status"] for r in report["results"]} == \
        {"crossref.json": "ok", "crossref.bib": "ok", "crossref.ris": "failed"}  # Crossref's RIS names no publisher


def test_several_issns_keep_the_first():
    from archiver.citation.readers import issn

    assert issn("1006-4982,1995-8196") == "1006-4982" and issn("2050084x") == "2050-084X"


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_datacite_xml_and_json_read_back(path):
    """DataCite has no place of publication and no name order; its XML has no landing-page URL either
    (DataCite registers that apart from the metadata). DataCite describes a DOI, so each sample is
    given one (under Crossref's test prefix) where it has none."""
    from archiver.record import validate
    from archiver.writers.datacite import to_datacite

    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("links", {}).setdefault("doi", f"10.5555/{data['identifier'].lower()}")
    record = validate(data)
    [item] = read("x", render("datacite", record), "x.xml")
    same_citation(record, item.record, name_order=False, lacks=("publisher-place", "URL"))
    [item] = read("x", json.dumps(to_datacite(record)).encode(), "x.json")
    same_citation(record, item.record, name_order=False, lacks=("publisher-place",))


def test_organisation_authors_stay_organisations():
    record = load(ROOT / "samples" / "records" / "CO24102.json")
    group = [a for a in record.authors if a.kind == "organization"]
    assert group, "the sample has a group author"
    for fmt in ("csl-json", "bibtex", "ris"):
        [item] = read("x", render(fmt, record), "x.export")
        again = [a for a in item.record.authors if a.kind == "organization"]
        assert [(a.name, a.given, a.family) for a in again] == [(g.name, None, None) for g in group], fmt
    attributes = {"creators": [{"name": "DataCite Metadata Working Group", "nameType": "Organizational"}],
                  "titles": [{"title": "T"}], "publisher": "P", "publicationYear": "2024", "doi": "10.5438/0012"}
    [item] = read("x", json.dumps(attributes).encode(), "dc.json")
    assert item.record.authors[0].kind == "organization" and item.record.published == "2024"


CSL_ITEM = {"type": "report", "id": "X1", "title": "T", "author": [{"family": "Lima", "given": "Ana"}],
            "issued": {"date-parts": [[2024, 1, 2]]}, "publisher": "P", "language": "en"}


@pytest.mark.parametrize("field, value", [
    ("author", "Ana Lima"), ("author", [1, None, {"family": []}]), ("issued", {"date-parts": {"0": 1}}),
    ("issued", {"date-parts": [["x"]]}), ("DOI", "not a doi"), ("DOI", ["10.1/x"]), ("ISSN", {"a": 1}),
    ("URL", 12), ("keyword", [[], {}]), ("id", ["X"]), ("publisher", {"name": []}), ("language", True),
])
def test_hostile_values_are_problems_never_crashes(field, value):
    data = json.dumps({**CSL_ITEM, field: value}).encode()
    try:
        read("x", data, "x.json")
    except (RecordInvalid, InputError) as error:
        assert all(p.source == "x.json" for p in error.problems)


@pytest.mark.parametrize("attributes", [
    {"creators": "A, B", "titles": [{"title": "T"}], "publisher": "P", "publicationYear": "2024"},
    {"creators": [{"name": "A, B", "nameIdentifiers": "x", "affiliation": "Uni"}], "titles": [{"title": "T"}],
     "publisher": ["P"], "publicationYear": "2024", "dates": "2024", "relatedItems": 2.5, "subjects": True},
])
def test_hostile_datacite_attributes_are_problems_never_crashes(attributes):
    try:
        read("x", json.dumps({"data": {"type": "dois", "attributes": attributes}}).encode(), "d.json")
    except (RecordInvalid, InputError) as error:
        assert all(p.source == "d.json" for p in error.problems)


# Sidecars and the collection's identifier rules (issue 15's limits: exports had neither) ---------------

def _folder(tmp_path, *names: str, sidecars: dict[str, dict] | None = None) -> Path:
    import shutil
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in names:
        shutil.copy(DATA / name, folder / name)
    for name, fields in (sidecars or {}).items():
        (folder / name).write_text(json.dumps(fields), encoding="utf-8")
    return folder


def test_an_export_takes_what_it_lacks_from_its_sidecar_named_after_its_whole_file_name(tmp_path):
    from archiver.ingest import folder_reader
    folder = _folder(tmp_path, "crossref.ris", "crossref.json", sidecars={"crossref.ris.json": {
        "publisher": "eLife Sciences Publications, Ltd", "date": "2014-02-11", "language": "en",
        "links": {"pdf": "https://elifesciences.org/articles/01567.pdf"}, "series.number": "3"}})
    with pytest.raises(RecordInvalid):  # without its sidecar the RIS export names no publisher
        read_source((folder / "crossref.ris").read_bytes(), "crossref.ris")
    [item] = read_source((folder / "crossref.ris").read_bytes(), str(folder / "crossref.ris"),
                         neighbour=folder_reader(folder))
    record = item.record
    assert record.publisher.name == "eLife Sciences Publications, Ltd" and record.language == "en"
    assert record.published == "2014-02-11"  # the sidecar's "date" wins over the export's year and month
    assert record.series.number == "3" and record.series.name == "eLife"  # merged, not replaced
    assert record.links.pdf == "https://elifesciences.org/articles/01567.pdf"
    assert record.links.doi == "10.7554/eLife.01567"  # the export's own links are kept beside the sidecar's
    assert "W001" not in {w.code for w in item.warnings if w.pointer == "/language"}
    # crossref.json shares the stem: it is an export of its own, never taken for the RIS export's sidecar
    [other] = read_source((folder / "crossref.json").read_bytes(), "crossref.json", neighbour=folder_reader(folder))
    assert other.record.publisher.name == "eLife Sciences Publications, Ltd" and other.record.series.number is None


def test_the_missing_field_hint_names_the_exports_sidecar():
    [problem] = problems_of("crossref.ris")
    assert "crossref.ris.json" in problem.hint and "--collection FILE" in problem.hint


def test_ingest_reads_an_export_with_its_sidecar_and_not_the_sidecar_as_a_source(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    from archiver.ingest import is_sidecar, sidecars
    folder = _folder(tmp_path, "crossref.ris", "pure.bib", sidecars={
        "crossref.ris.json": {"publisher": "eLife Sciences Publications, Ltd", "language": "en"},
        "pure.bib.json": {"identifier": "TUE-THESIS-1"}})
    result = CliRunner().invoke(main, ["ingest", str(folder), "-o", str(tmp_path / "records")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "records").glob("*.json")) == ["TUE-THESIS-1.json", "eLife.01567.json"]
    given = {p.resolve() for p in folder.iterdir()}
    assert sidecars(given) == {(folder / "crossref.ris.json").resolve(), (folder / "pure.bib.json").resolve()}
    assert is_sidecar(folder / "pure.bib.json", given) and not is_sidecar(folder / "crossref.ris", given)


def test_a_sidecar_cannot_give_one_identifier_to_every_record_of_an_export(tmp_path):
    from archiver.ingest import folder_reader
    folder = _folder(tmp_path, "csl-list.json", sidecars={"csl-list.json.json": {"identifier": "ONE",
                                                                                "publisher": "P"}})
    with pytest.raises(RecordInvalid) as caught:
        read_source((folder / "csl-list.json").read_bytes(), "csl-list.json", neighbour=folder_reader(folder))
    [problem] = caught.value.problems
    assert (problem.pointer, problem.source) == ("/identifier", "csl-list.json.json")


def test_a_sidecar_that_is_not_an_object_of_fields_is_refused_with_its_name(tmp_path):
    from archiver.ingest import folder_reader
    folder = _folder(tmp_path, "crossref.ris", sidecars={"crossref.ris.json": ["publisher"]})
    with pytest.raises(InputError) as caught:
        read_source((folder / "crossref.ris").read_bytes(), "crossref.ris", neighbour=folder_reader(folder))
    assert caught.value.problems[0].source == "crossref.ris.json"


def _collection(**identifier) -> Collection:
    return Collection("c.yaml", "0" * 64, {"publisher": {"name": "P"}, "language": "en", "identifier": identifier})


def test_an_export_follows_the_collections_identifier_order_and_prefix():
    bib = (DATA / "crossref.bib").read_bytes()  # own key Sankar_2014, DOI 10.7554/elife.01567, a URL

    def identifier(**rules):
        [item] = read_source(bib, "crossref.bib", collection=_collection(**rules))
        return item.record.identifier, [w for w in item.warnings if w.pointer == "/identifier"]
    assert identifier() == ("Sankar_2014", [])  # the default order: the export's own identifier first
    assert identifier(order=["doi", "source"]) == ("elife.01567", [])  # asked for: no W001
    assert identifier(order=["canonical"]) == ("eLife.01567", [])  # the URL's last segment
    assert identifier(order=["file"], prefix="EL-") == ("EL-crossref", [])
    assert identifier(prefix="EL-")[0] == "EL-Sankar_2014"
    [item] = read_source(bib, "crossref.bib")  # without a collection: the same order
    assert item.record.identifier == "Sankar_2014"


def test_every_record_of_a_multi_record_export_gets_its_own_identifier():
    data = (DATA / "csl-list.json").read_bytes()
    items = read_source(data, "csl-list.json", collection=_collection(order=["file"]))
    assert [i.record.identifier for i in items] == [f"csl-list-{n}" for n in range(1, len(items) + 1)]
    # items whose URLs end alike are told apart by their whole URLs, whatever their order
    base = {"type": "report", "author": [{"family": "Lima", "given": "Ana"}], "issued": {"date-parts": [[2024]]}}
    listed = [{**base, "title": "A", "URL": "https://a.example.org/2019/intro"},
              {**base, "title": "B", "URL": "https://a.example.org/2020/intro/"},
              {**base, "title": "C", "URL": "https://a.example.org/2020/outro"}]
    for order in (listed, listed[::-1]):
        items = read_source(json.dumps(order).encode(), "list.json",
                            collection=_collection(order=["source", "doi", "canonical", "file"]))
        assert {i.record.title: i.record.identifier for i in items} == {"A": "2019-intro", "B": "2020-intro",
                                                                       "C": "outro"}
    said = [w.message for i in items for w in i.warnings if w.pointer.endswith("/identifier")]
    assert said == []  # the collection names its identifier rules: asked for, so not a guess
    items = read_source(json.dumps(listed).encode(), "list.json",
                        collection=Collection("c.yaml", "0" * 64, {"publisher": {"name": "P"}, "language": "en"}))
    said = [w.message for i in items for w in i.warnings if w.pointer.endswith("/identifier")]
    assert len(said) == 3 and sum("another item's URL ends the same" in m for m in said) == 2


def test_build_reads_an_export_with_its_sidecar_and_rebuilds_it_when_the_sidecar_changes(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    folder = _folder(tmp_path, "crossref.ris", sidecars={"crossref.ris.json": {
        "publisher": "eLife Sciences Publications, Ltd", "language": "en"}})
    out = tmp_path / "out"

    def build() -> dict:
        result = CliRunner().invoke(main, ["build", str(folder), "-o", str(out), "--to", "csl-json"],
                                    env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert result.exit_code == 0, result.output
        return json.loads((out / "report.json").read_text(encoding="utf-8"))
    report = build()
    assert [(Path(r["source"]).name, r["status"]) for r in report["records"]] == [("crossref.ris", "built")]
    assert [(Path(r["source"]).name, r["status"]) for r in build()["records"]] == [("crossref.ris", "unchanged")]
    (folder / "crossref.ris.json").write_text(json.dumps({"publisher": "eLife", "language": "en"}), encoding="utf-8")
    assert [r["status"] for r in build()["records"]] == ["built"]
    csl = json.loads((out / "eLife.01567" / "eLife.01567.csl.json").read_text(encoding="utf-8"))
    assert csl[0]["publisher"] == "eLife"


def test_a_sidecar_beside_a_source_that_takes_none_is_said_to_be_unread(tmp_path):
    from archiver.ingest import folder_reader
    folder = tmp_path / "src"
    folder.mkdir()
    rows = (ROOT / "samples" / "sources" / "loose-records.csv").read_bytes()  # loose rows, not an export
    (folder / "rows.csv").write_bytes(rows)
    items = read_source(rows, "rows.csv", neighbour=folder_reader(folder))
    assert "W002" not in {w.code for i in items for w in i.warnings if w.pointer is None}
    (folder / "rows.csv.json").write_text('{"publisher": "P"}', encoding="utf-8")
    items = read_source(rows, "rows.csv", neighbour=folder_reader(folder))
    said = [w.message for i in items for w in i.warnings if w.code == "W002" and "rows.csv.json" in w.message]
    assert said == ["rows.csv.json beside it was not read: only a metadata export takes a sidecar named after its "
                    "whole file name"]


def test_a_named_kind_still_reads_an_exports_sidecar_with_it_not_as_a_source(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    folder = _folder(tmp_path, "pure.bib", sidecars={"pure.bib.json": {"identifier": "TUE-THESIS-1"}})
    result = CliRunner().invoke(main, ["ingest", str(folder), "--from", "bibtex", "-o", str(tmp_path / "records")])
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "records").glob("*.json")] == ["TUE-THESIS-1.json"]


def test_the_from_option_names_every_reader():
    from click.testing import CliRunner

    from archiver.cli import main
    from archiver.ingest import READERS
    text = " ".join(CliRunner().invoke(main, ["ingest", "--help"]).output.split())
    assert [kind for kind in READERS if kind not in text] == []

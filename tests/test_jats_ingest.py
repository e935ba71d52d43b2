"""Publishers' JATS in (issue 15 points 1, 2, 5, 6): real articles from eLife, PLOS, SciELO, PeerJ and
the NISO/NLM samples (tests/data/jats, licences in its README) become valid records.

Each file's expected counts were counted in the source; `test_counts_agree_with_the_source` counts the
source again with XPath, so an expected number cannot drift from the file it describes. Every warning
names the file and the XML line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from archiver.errors import InputError
from archiver.ingest import folder_reader, read_source
from archiver.ingest.jats import read
from archiver.record import Record, plain_text, problems
from archiver.validators.jats import validate_jats
from archiver.writers.jats import render

DATA = Path(__file__).resolve().parent / "data" / "jats"
PNG = Path(__file__).resolve().parent.parent / "samples" / "records" / "images" / "CO24017-fig1.png"

#: file -> (identifier, language, sections, paragraphs, figures, tables, notes, references)
EXPECTED = {
    "elife-02833-v2.xml": ("02833", "en", 15, 41, 7, 0, 0, 50),
    "elife06003.xml": ("06003", "en", 7, 16, 1, 0, 0, 32),
    "elife09853.xml": ("09853", "en", 0, 15, 1, 0, 1, 10),
    "journal.pbio.0030408.xml": ("10.1371-journal.pbio.0030408", "en", 1, 5, 1, 0, 0, 0),
    "journal.pmed.0020402.xml": ("10.1371-journal.pmed.0020402", "en", 1, 7, 1, 0, 0, 0),
    "journal.pone.0097541.xml": ("PONE-D-14-18167", "en", 2, 1, 0, 0, 0, 1),
    "niso-samplesmall-pub1.xml": ("ArchivalTest1", "en", 2, 9, 0, 1, 0, 2),
    "nlm-samplesmall3-pub.xml": ("ArchivalTest1", "en", 2, 9, 0, 1, 0, 2),
    "peerj-cs-software.xml": ("cs-52", "en", 29, 111, 5, 1, 7, 19),
    "scielo-artigo-com-traducao.xml": ("S2176-45732023005002205", "pt", 0, 0, 0, 0, 0, 0),
    "scielo-imagens-fora-de-fig.xml": ("L34w8qg8ccfQxW79FZH3Bnh", "en", 0, 15, 0, 0, 0, 6),
}
#: what the record holds differently from a plain XPath count of the source, and why
ADJUSTED = {
    "niso-samplesmall-pub1.xml": {"section": +1},  # the paragraphs before the first sec: untitled opening section
    "nlm-samplesmall3-pub.xml": {"section": +1},
    "elife09853.xml": {"paragraph": -1},  # a <p> holding only an inline-graphic (W002)
    "peerj-cs-software.xml": {"paragraph": +13 - 7, "notes": +7},  # 13 code listings; 7 footnotes in the text
    "scielo-imagens-fora-de-fig.xml": {"paragraph": -3},  # three <p> holding only an image outside a figure (W002)
}
XML = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False)


def ingest(name: str, data: bytes | None = None, folder: Path = DATA):
    [draft] = read(data if data is not None else (folder / name).read_bytes(), name,
                   neighbour=folder_reader(folder))
    return draft


def counts(record: dict) -> dict[str, int]:
    found = {"section": 0, "paragraph": 0, "figure": 0, "table": 0}

    def visit(blocks: list) -> None:
        for block in blocks:
            if block["type"] in found:
                found[block["type"]] += 1
            visit(block.get("blocks", []))
            for item in block.get("items", []):
                visit(item)
    visit(record.get("body", {}).get("blocks", []))
    found["notes"] = len(record.get("body", {}).get("notes", []))
    found["references"] = len(record.get("references", []))
    return found


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, child in value.items():
            if key not in ("type", "id", "note", "url", "image", "text"):  # a code's text is verbatim
                yield from strings(child)
    elif isinstance(value, list):
        for child in value:
            yield from strings(child)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_article_becomes_a_valid_record_with_the_expected_counts(name):
    draft = ingest(name)
    record = draft.data
    assert problems(record) == []
    identifier, language, *numbers = EXPECTED[name]
    assert (record["identifier"], record["language"]) == (identifier, language)
    assert counts(record) == dict(zip(["section", "paragraph", "figure", "table", "notes", "references"], numbers))
    # Every message names the file and the XML line.
    assert all(re.fullmatch(rf"{re.escape(name)}:\d+", w.source) for w in draft.warnings), draft.warnings
    # White space normalised in every text value (none of the source's indentation or line breaks).
    bad = [text for text in strings({k: v for k, v in record.items() if k != "abstract"})
           if re.search(r"[\n\t\r]|  ", text)]
    bad += [line for line in (record.get("abstract") or "").split("\n") if line != " ".join(line.split())]
    assert bad == []
    # The record writes DTD-valid JATS.
    assert validate_jats(render(Record.from_json(record), None), name) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_agree_with_the_source(name):
    root = etree.parse(str(DATA / name), XML).getroot()
    source = {
        "section": root.xpath("count(body//sec)"),
        "paragraph": root.xpath("count(body//p[not(ancestor::caption or ancestor::table-wrap or ancestor::fig "
                                "or ancestor::supplementary-material)])"),
        "figure": root.xpath("count(body//fig) + count(body//table-wrap[not(.//table)])"),
        "table": root.xpath("count(body//table-wrap[.//table])"),
        "notes": root.xpath("count(back/fn-group/fn)"),
        "references": root.xpath("count(back/ref-list//ref)"),
    }
    for key, change in ADJUSTED.get(name, {}).items():
        source[key] += change
    _, _, *numbers = EXPECTED[name]
    assert {key: int(value) for key, value in source.items()} == \
        dict(zip(["section", "paragraph", "figure", "table", "notes", "references"], numbers))


def test_every_figure_is_kept_inside_fig_group_too_and_a_tiff_is_w003():
    draft = ingest("elife-02833-v2.xml")
    figures = [b for b in _walk(draft.data["body"]["blocks"]) if b["type"] == "figure"]
    assert [f["id"] for f in figures] == ["fig1", "fig1s1", "fig1s2", "fig2", "fig2s1", "fig2s2", "fig3"]
    assert all(f["caption"] and "image" not in f for f in figures)
    w003 = [w.message for w in draft.warnings if w.code == "W003"]
    assert len(w003) == 7 and "elife-02833-fig3-v2.tif" in w003[-1] and "caption and credit kept" in w003[-1]


@pytest.mark.parametrize("name, why", [
    ("journal.pbio.0030408.xml", "is a URI, not a file beside the article"),   # info:doi/10.1371/...g001
    ("elife09853.xml", "'elife09853f001' is not beside the article"),           # a bare id
])
def test_a_graphic_that_is_not_a_file_beside_the_article_keeps_the_figure_with_w003(name, why):
    draft = ingest(name)
    [figure] = [b for b in _walk(draft.data["body"]["blocks"]) if b["type"] == "figure"]
    assert figure["caption"] and "image" not in figure
    assert any(w.code == "W003" and why in w.message for w in draft.warnings), draft.warnings


def test_a_png_beside_the_article_is_kept_and_a_tiff_beside_it_is_w003(tmp_path):
    shutil.copy(DATA / "peerj-cs-software.xml", tmp_path)
    shutil.copy(PNG, tmp_path / "fig-1.png")
    (tmp_path / "fig-2.png").write_bytes(b"II*\x00" + bytes(60))  # a TIFF under a .png name
    [item] = read_source((tmp_path / "peerj-cs-software.xml").read_bytes(), "peerj-cs-software.xml",
                         neighbour=folder_reader(tmp_path))
    figures = [f for f in item.record.figures()]
    assert figures[0].image == "images/cs-52-fig-1.png" and item.assets[figures[0].image] == PNG.read_bytes()
    assert figures[1].image is None
    messages = [w.message for w in item.warnings if w.code == "W003"]
    assert any("'fig-2.png' is not a PNG or JPEG file" in m for m in messages)
    assert sum("is not beside the article" in m for m in messages) == 3


def test_group_authors_and_partial_names_are_kept():
    record = ingest("journal.pone.0097541.xml").data
    assert record["authors"] == [{"name": "The PLOS ONE Staff", "kind": "organization"}]
    text = (DATA / "elife09853.xml").read_text(encoding="utf-8").replace("<surname>Becker</surname>", "<surname/>", 1)
    author = ingest("elife09853.xml", text.encode()).data["authors"][0]
    assert (author["name"], author["given"], "family" in author) == ("Lindsay A", "Lindsay A", False)


def test_a_missing_language_is_assumed_en_with_w001_and_a_given_one_is_normalised():
    draft = ingest("elife09853.xml")
    assert draft.data["language"] == "en"
    assert [w for w in draft.warnings if w.code == "W001" and "xml:lang" in w.message]
    draft = ingest("journal.pbio.0030408.xml")  # xml:lang="EN"
    assert draft.data["language"] == "en" and not [w for w in draft.warnings if "xml:lang" in w.message]


def test_relative_links_are_resolved_against_the_article_url_or_dropped_with_w002():
    draft = ingest("elife09853.xml")  # self-uri pdf "elife09853.pdf", no URL of its own
    assert "pdf" not in draft.data["links"]
    assert any(w.code == "W002" and "elife09853.pdf" in w.message for w in draft.warnings)
    text = (DATA / "elife09853.xml").read_text(encoding="utf-8").replace(
        '<self-uri content-type="pdf"', '<self-uri xlink:href="https://elifesciences.org/articles/09853"/>'
        '<self-uri content-type="pdf"', 1)
    links = ingest("elife09853.xml", text.encode()).data["links"]
    assert links["source"] == "https://elifesciences.org/articles/09853"
    assert links["pdf"] == "https://elifesciences.org/articles/elife09853.pdf"


def test_doi_links_become_https_doi_org_links():
    record = ingest("elife06003.xml").data
    urls = {node["url"] for node in _inlines(record["body"]["blocks"]) if node.get("type") == "link"}
    assert any(url.startswith("https://doi.org/10.7554/eLife.06003") for url in urls), urls


def test_abstract_is_chosen_by_type():
    text = (DATA / "elife-02833-v2.xml").read_text(encoding="utf-8")
    plain = ingest("elife-02833-v2.xml").data["abstract"]
    assert plain.startswith("The bithorax complex")  # the untyped abstract before the eLife digest
    without = re.sub(r"<abstract>.*?</abstract>", "", text, count=1, flags=re.S)
    digest = ingest("elife-02833-v2.xml", without.encode()).data["abstract"]
    assert digest.startswith("Like other insects, the body of the fruit fly")  # the executive-summary is next


def test_the_whole_affiliation_is_kept():
    authors = ingest("elife-02833-v2.xml").data["authors"]
    assert authors[0]["affiliations"][0]["name"] == "Department of Molecular Biology, Massachusetts General " \
                                                    "Hospital, Boston"
    scielo = ingest("scielo-artigo-com-traducao.xml").data["authors"][0]["affiliations"][0]
    assert scielo == {"name": "Universidade Federal do Acre – UFAC, Centro de Educação e Letras, Cruzeiro do Sul, "
                              "Acre", "country": "Brasil", "country_code": "BR"}


def test_identifier_from_publisher_id_then_doi_then_file_name():
    assert ingest("elife09853.xml").data["identifier"] == "09853"
    assert ingest("journal.pmed.0020402.xml").data["identifier"] == "10.1371-journal.pmed.0020402"
    text = re.sub(r"<article-id [^>]*>[^<]*</article-id>", "",
                  (DATA / "journal.pmed.0020402.xml").read_text(encoding="utf-8"))
    assert ingest("journal.pmed.0020402.xml", text.encode()).data["identifier"] == "journal.pmed.0020402"


def test_body_from_a_translation_when_the_main_body_is_empty():
    text = (DATA / "scielo-imagens-fora-de-fig.xml").read_text(encoding="utf-8")
    start, end = text.index("<body>"), text.index("</body>")
    emptied = text[:start] + "<body>" + text[end:]  # the article's own body emptied, its translations kept
    draft = ingest("scielo-imagens-fora-de-fig.xml", emptied.encode())
    assert counts(draft.data)["paragraph"] > 10
    assert any(w.code == "W001" and "translation sub-article (es)" in w.message for w in draft.warnings)
    assert sum(w.message.startswith("<sub-article>") for w in draft.warnings) == 1  # the other translation


def test_what_the_record_cannot_hold_is_w002_naming_the_element():
    messages = [w.message for w in ingest("elife-02833-v2.xml").warnings if w.code == "W002"]
    for element in ("<sub-article>", "<funding-group>", "<contrib>"):
        assert any(element in m for m in messages), (element, messages)
    messages = [w.message for w in ingest("peerj-cs-software.xml").warnings if w.code == "W002"]
    assert any("<supplementary-material>" in m for m in messages)


def test_references_acknowledgements_and_author_notes_are_kept():
    record = ingest("elife09853.xml").data
    first = record["references"][0]
    assert (first["doi"], first["container_title"], first["issued"], first["authors"][0]) == \
        ("10.1126/science.1172046", "Science", "2009", {"given": "CP", "family": "Brangwynne"})
    assert plain_text(Record.from_json(record).references[0].citation).startswith("Brangwynne CP, Eckmann CR")
    record = ingest("elife06003.xml").data
    assert record["acknowledgements"] and record["author_notes"][0]["kind"] == "corresponding"


def test_an_unsigned_article_gets_its_publisher_as_organisation_author():
    draft = ingest("journal.pmed.0020402.xml")
    assert draft.data["authors"] == [{"name": "Public Library of Science", "kind": "organization"}]
    assert any(w.code == "W001" and "no author" in w.message for w in draft.warnings)
    text = re.sub(r"<publisher>.*?</publisher>", "", (DATA / "journal.pmed.0020402.xml").read_text(encoding="utf-8"),
                  flags=re.S)
    with pytest.raises(InputError) as caught:
        ingest("journal.pmed.0020402.xml", text.encode())
    assert "leave the field out" not in str(caught.value) and "<contrib" in str(caught.value)


def test_character_entities_become_characters_and_others_are_refused():
    record = ingest("niso-samplesmall-pub1.xml").data
    assert "—" in "".join(strings(record))
    with pytest.raises(InputError, match="not expanded"):
        read(b'<!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/passwd">]><article><front><article-meta>'
             b"<title-group><article-title>&x;</article-title></title-group></article-meta></front></article>",
             "x.xml")


def _walk(blocks):
    for block in blocks:
        yield block
        yield from _walk(block.get("blocks", []))
        for item in block.get("items", []):
            yield from _walk(item)


def _inlines(blocks):
    def visit(nodes):
        for node in nodes:
            if isinstance(node, dict):
                yield node
                yield from visit(node.get("content", []))
    for block in _walk(blocks):
        yield from visit(block.get("content", []) + block.get("caption", []))


def test_cli_ingest_writes_the_image_found_beside_the_article(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    source = tmp_path / "in"
    source.mkdir()
    shutil.copy(DATA / "peerj-cs-software.xml", source)
    shutil.copy(PNG, source / "fig-1.png")
    result = CliRunner().invoke(main, ["ingest", str(source / "peerj-cs-software.xml"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "images" / "cs-52-fig-1.png").read_bytes() == PNG.read_bytes()
    assert "peerj-cs-software.xml:263: warning W003: figure fig-2" in result.output


def test_an_image_beside_the_article_that_is_no_regular_file_is_w003_not_read(tmp_path):
    import os
    shutil.copy(DATA / "peerj-cs-software.xml", tmp_path)
    os.mkfifo(tmp_path / "fig-1.png")  # reading it would block forever
    draft = ingest("peerj-cs-software.xml", folder=tmp_path)
    assert any(w.code == "W003" and "fig-1.png" in w.message and "not a regular file" in w.message
               for w in draft.warnings), draft.warnings


# provenance.collection and provenance.archive through JATS (custom-meta, jatsmap.META_PROVENANCE_OBJECTS) --

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records"
FULL_PROVENANCE = {
    "reader": "warc", "source_file": "crawl.warc.gz", "source_sha256": "ab" * 32, "archiver_version": "0.1.0",
    "ingested": "2026-12-01", "note": "captured by the library",
    "collection": {"file": "briefs.yaml", "sha256": "cd" * 32, "fields": ["/publisher", "/links/pdf"]},
    "archive": {"file": "crawl.warc.gz", "record_id": "<urn:uuid:0b3c6c2e-5f7a-4c1e-9a51-3d2b1f0e8c11>",
                "target_uri": "https://example.org/briefs/water/", "captured": "2024-06-01T10:00:00Z",
                "payload_digest": "sha1:PWKLSZ3OLSYZPRZHWVBQ2XFB3M4WIDAU"},
}


@pytest.mark.parametrize("provenance", [
    FULL_PROVENANCE,
    # the optional parts left out, and a collection that filled nothing
    {"reader": "html", "collection": {"file": "c.json", "fields": []},
     "archive": {"file": "a.wacz", "record_id": "<urn:uuid:1>", "target_uri": "https://example.org/a"}},
])
def test_provenance_collection_and_archive_survive_record_to_jats_to_record(provenance):
    import json
    data = json.loads((SAMPLES / "CO24017.json").read_text(encoding="utf-8"))
    data["provenance"] = provenance
    article = render(Record.from_json(data), None)
    assert validate_jats(article, "CO24017.xml") == []
    assert b"provenance-archive-target-uri" in article
    [draft] = read(article, "CO24017.xml")
    assert draft.data["provenance"] == provenance
    assert draft.data == data  # and the rest of the record with it
    assert render(Record.from_json(draft.data), None) == article  # JATS -> record -> JATS: the same bytes


def test_a_reingested_jats_article_keeps_its_capture_and_names_its_own_ingest():
    import json
    data = json.loads((SAMPLES / "CO24017.json").read_text(encoding="utf-8"))
    data["provenance"] = FULL_PROVENANCE
    [item] = read_source(render(Record.from_json(data), None), "CO24017.xml")
    provenance = item.record.provenance
    assert provenance.archive.payload_digest == FULL_PROVENANCE["archive"]["payload_digest"]
    assert provenance.collection.fields == ["/publisher", "/links/pdf"]
    assert (provenance.reader, provenance.source_file) == ("jats", "CO24017.xml")  # this run's facts


@pytest.mark.parametrize("given", ["fr", None])
def test_a_missing_language_is_the_collections_when_it_gives_one(tmp_path, given):
    from archiver.collection import load_collection
    collection_file = tmp_path / "collection.yaml"
    collection_file.write_text(f"language: {given}\n" if given else "series:\n  name: eLife\n", encoding="utf-8")
    collection = load_collection(collection_file)
    [result] = read_source((DATA / "elife09853.xml").read_bytes(), "elife09853.xml", collection=collection)
    guessed = [w for w in result.warnings if w.code == "W001" and "xml:lang" in w.message]
    if given:
        assert result.record.language == "fr" and not guessed
        assert "/language" in result.record.provenance.collection.fields
    else:
        assert result.record.language == "en" and guessed
    [own] = read_source((DATA / "journal.pbio.0030408.xml").read_bytes(), "x.xml", collection=collection)
    assert own.record.language == "en"  # the article's own xml:lang="EN" wins

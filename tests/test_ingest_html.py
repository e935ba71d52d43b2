"""The saved-HTML reader (issue 3, points 4, 6, 7): metadata from the page's standards first, the
article from the site-rule element (trafilatura elsewhere), inline markup kept, furniture gone, hostile
pages refused cleanly."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.errors import ArchiverError, InputError
from archiver.ingest import detect, html, ingest
from archiver.record import Link, ListBlock, NoteRef, Paragraph, Quote, Styled, plain_text, walk

from values import strings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "records" / "CO23081.json"
DATA = Path(__file__).resolve().parent / "data" / "pages"
PAGE = DATA / "CO23081.html"
GENERIC = DATA / "EPI-2024-07.html"
CASE = Path(__file__).resolve().parent / "cases" / "CO23081-html"



def one(data: bytes, name: str):
    (result,) = ingest(data, name)
    return result


@pytest.fixture(scope="module")
def real():
    return one(PAGE.read_bytes(), str(PAGE))


@pytest.fixture(scope="module")
def sample():
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def test_saved_html_matches_golden(real, golden):
    golden(CASE / "expected.json", real[0].dumps())


def test_same_metadata_as_the_hand_made_record(real, sample):
    data = real[0].to_json()
    for key in ("identifier", "series", "title", "authors", "published", "language", "publisher", "abstract",
                "subjects", "coverage", "rights"):
        assert data.get(key) == sample.get(key), key


def test_same_text_as_the_hand_made_record(real, sample):
    from archiver.record import Record
    expected = Record.from_json(sample)
    got = [plain_text(b.content) for b in walk(real[0].body.blocks) if isinstance(b, Paragraph)]
    want = [plain_text(b.content) for b in walk(expected.body.blocks) if isinstance(b, Paragraph)]
    assert len(got) == 22 and got == want
    assert [plain_text(s.title) for s in real[0].body.blocks] == [plain_text(s.title) for s in expected.body.blocks]


def test_inline_markup_is_kept(real):
    record = real[0]
    nodes = [n for b in walk(record.body.blocks) if isinstance(b, Paragraph) for n in b.content]
    assert Styled("emphasis", ["Middle Corridor"]) in nodes
    assert Styled("strong", ["C5"]) in nodes
    assert Link("https://www.eeas.europa.eu/eu-central-asia-economic-forum_en",
                ["EU-Central Asia Economic Forum"]) in nodes
    assert NoteRef("n1") in nodes
    (note,) = record.body.notes
    assert note.id == "n1" and note.label is None
    assert note.blocks[0].content == ["“Putin: Kazakhs never had a state”, ",
                                      Styled("emphasis", ["Seliger Youth Forum"]), ", 29 August 2014."]
    (figure,) = record.figures()
    assert (figure.caption, figure.credit, figure.image) == (["China Central Asia Summit 20230519 01"],
                                                             "Wikimedia", None)


def test_links_and_provenance(real):
    record = real[0]
    assert record.links.pdf == "https://www.rsis.edu.sg/wp-content/uploads/2023/05/CO23081.pdf"
    assert record.links.source.startswith("https://www.rsis.edu.sg/rsis-publication/rsis/central-asia")
    assert record.provenance.reader == "html"
    assert record.provenance.source_file == "CO23081.html"
    assert record.provenance.source_sha256 == hashlib.sha256(PAGE.read_bytes()).hexdigest()


def test_no_page_furniture_in_the_record(real):
    furniture = ["cookies", "About RSIS", "Board of Governors", "Share this", "Twitter", "download pdf",
                 "Disqus", "Popular Links", "Block S4", "Nanyang Avenue", "Rate your experience",
                 "Thank you for your feedback", "Latest Book", "Subscribe to RSIS", "Privacy Statement",
                 "Think Tank and Graduate School", "Search"]
    values = list(strings(real[0].to_json()))
    for text in furniture:
        assert not any(text in value for value in values), text


def test_warnings_name_what_was_guessed_or_dropped(real):
    codes = {(w.code, w.pointer) for w in real[1]}
    assert ("W001", "/series") in codes and ("W001", "/publisher") in codes
    assert "W003" in {w.code for w in real[1]} and "W006" in {w.code for w in real[1]}


# Metadata precedence: JSON-LD, then citation_*, then Dublin Core, then OpenGraph, then the page -------

def page_with(*heads: str, body: str = "<h1>Visible Title</h1><p>Text of the commentary, long enough.</p>") -> bytes:
    return ("<!DOCTYPE html><html><head>" + "".join(heads) + "</head><body><article><div class='entry-content'>"
            + body + "</div></article></body></html>").encode()


LD = ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", '
      '"headline": "LD Title", "identifier": "LD1", "author": {"@type": "Person", "name": "Ann Ld"}, '
      '"datePublished": "2024-01-01", "publisher": {"name": "LD Press"}, "inLanguage": "fr"}]}</script>')
CITATION = ('<meta name="citation_title" content="Citation Title"><meta name="citation_author" content="Cite, Bob">'
            '<meta name="citation_publication_date" content="2024/02/02">'
            '<meta name="citation_technical_report_number" content="CIT1">'
            '<meta name="citation_technical_report_institution" content="Cite Press">'
            '<meta name="citation_language" content="de">')
DC = ('<meta name="DC.title" content="DC Title"><meta name="DC.creator" content="Carl Dc">'
      '<meta name="DC.date" content="2024-03-03"><meta name="DC.identifier" content="DC1">'
      '<meta name="DC.publisher" content="DC Press"><meta name="DC.language" content="nl">')
OG = ('<meta property="og:title" content="OG Title">'
      '<meta property="article:published_time" content="2024-04-04T10:00:00+00:00">')


@pytest.mark.parametrize("heads, expected", [
    ((LD, CITATION, DC, OG), ("LD Title", "LD1", "Ann Ld", "2024-01-01", "LD Press", "fr")),
    ((CITATION, DC, OG), ("Citation Title", "CIT1", "Bob Cite", "2024-02-02", "Cite Press", "de")),
    ((DC, OG), ("DC Title", "DC1", "Carl Dc", "2024-03-03", "DC Press", "nl")),
])
def test_metadata_precedence(heads, expected):
    record, _ = one(page_with(*heads), "page.html")
    assert (record.title, record.identifier, record.authors[0].name, record.published, record.publisher.name,
            record.language) == expected


@pytest.mark.parametrize("dates, expected", [
    (('<meta name="citation_publication_date" content="2024/05">',), "2024-05"),  # Highwire's month form
    (('<meta name="DC.date" content="May 2024">',), "2024-05"),
    (('<meta name="DC.date" content="2019">',), "2019"),
    # a partial date beside a full one: the full one, whichever comes first in precedence
    (('<meta name="DC.date" content="2019">', '<meta property="article:published_time" content="2019-10-15">'),
     "2019-10-15"),
])
def test_a_page_date_is_kept_as_precise_as_the_page_gives_it(dates, expected):
    record, warnings = one(page_with('<meta name="DC.identifier" content="X1"><meta name="DC.creator" content="A B">'
                                     '<meta name="DC.publisher" content="P">', *dates), "page.html")
    assert record.published == expected
    assert not [w for w in warnings if w.pointer == "/published"]  # nothing completed, nothing to say


def test_opengraph_and_visible_page_fill_what_standards_leave_out():
    record, warnings = one(page_with(OG, '<meta name="DC.identifier" content="X1">'
                                         '<meta name="DC.publisher" content="P">',
                                     body="<h1>Visible Title</h1><p class='byline'><a rel='author'>Dee Visible</a></p>"
                                          "<p>Text of the commentary.</p>"), "page.html")
    assert (record.title, record.published, record.authors[0].name) == ("OG Title", "2024-04-04", "Dee Visible")
    assert ("W001", "/language") in {(w.code, w.pointer) for w in warnings}


def test_generic_site_goes_through_trafilatura_and_keeps_lists_quotes_links():
    record, warnings = one(GENERIC.read_bytes(), str(GENERIC))
    assert record.identifier == "EPI-2024-07"
    assert [a.name for a in record.authors] == ["Şahin Öztürk", "Nguyễn Thị Minh"]
    assert record.publisher.name == "Example Policy Institute" and record.series is None
    assert "W001" not in {w.code for w in warnings if w.pointer == "/publisher"}
    blocks = list(walk(record.body.blocks))
    (lst,) = [b for b in blocks if isinstance(b, ListBlock)]
    assert len(lst.items) == 3 and lst.ordered
    assert any(isinstance(b, Quote) for b in blocks)
    nodes = [n for b in blocks if isinstance(b, Paragraph) for n in b.content]
    assert Link("https://www.mrcmekong.org/", ["Mekong River Commission"]) in nodes
    assert Styled("strong", ["24 hours"]) in nodes and Styled("emphasis", ["real-time"]) in nodes
    values = " ".join(strings(record.to_json()))
    for furniture in ("Donate today", "Most read this week", "Share on Twitter", "Registered charity",
                      "Sign up for our newsletter", "Research areas and programmes"):
        assert furniture not in values


# Hostile and foreign input (point 6) ----------------------------------------------------------------

def test_external_entities_are_never_read():
    page = (b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<html><head><meta name="citation_title" content="T"></head><body><article><div class="entry-content">'
            b'<p>&xxe;</p></div></article></body></html>')
    try:
        results = ingest(page, "evil.html")
    except ArchiverError:
        return
    assert "root:" not in json.dumps([r.to_json() for r, _ in results])


def test_entity_bomb_is_harmless():
    bomb = b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' \
           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>' \
           b'<html><body><p>&d;&d;&d;&d;</p></body></html>'
    with pytest.raises(InputError):
        ingest(bomb, "bomb.html")


def test_empty_html_file_is_an_input_error():
    with pytest.raises(InputError, match="empty"):
        ingest(b"", "page.html")


def test_binary_junk_named_html_is_an_input_error():
    with pytest.raises(InputError, match="binary"):
        ingest(bytes(range(256)) * 40, "page.html")


def test_unrelated_web_page_names_what_is_missing():
    page = b"""<!DOCTYPE html><html><head><title>Opening hours</title></head><body><nav>Home About</nav>
    <main><h1>Opening hours</h1><p>The library is open from nine to five on weekdays, and from ten to one on
    Saturdays. It is closed on public holidays and during the annual stock-take in the last week of July.</p>
    </main><footer>Contact us</footer></body></html>"""
    with pytest.raises(InputError) as caught:
        ingest(page, "hours.html")
    pointers = [p.pointer for p in caught.value.problems]
    assert caught.value.exit_code == 4
    # every problem at once; the identifier is the file's name ("hours"), the last place tried
    assert {"/authors", "/published", "/publisher"} <= set(pointers) and "/identifier" not in pointers


def test_listing_page_is_an_input_error():
    items = "".join(f'<li><a href="/co2308{i}">CO2308{i} | Commentary {i}</a> <time>{i} May 2023</time></li>'
                    for i in range(1, 8))
    page = f"<!DOCTYPE html><html><body><h1>RSIS Commentary Series</h1><ul>{items}</ul></body></html>".encode()
    with pytest.raises(InputError):
        ingest(page, "listing.html")


def test_invalid_utf8_html_gives_a_record_with_a_warning():
    data = PAGE.read_bytes().replace(b"Landlocked", b"Land\xfflocked", 1)
    record, warnings = one(data, "CO23081.html")
    assert "W008" in {w.code for w in warnings}
    assert len([b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]) == 22


def test_html_is_detected_and_page_text_is_not_taken_for_html():
    assert detect(PAGE.read_bytes(), "saved") == "html"
    assert html.sniff(b"  <!doctype html><html><body></body></html>", "x")
    assert not html.sniff(b"SYNOPSIS\nCOMMENTARY\n", "x.txt")


def test_missing_note_text_keeps_the_marker_and_warns():
    data = PAGE.read_bytes().replace(b'<div id="edn1">', b'<div id="gone" hidden>').replace(
        "[1]</a> “Putin".encode(), "</a> “Putin".encode())
    record, warnings = one(data, "CO23081.html")
    assert "W007" in {w.code for w in warnings}
    assert record.body.notes is None
    assert "Ukraine.[1] In September" in json.dumps(record.to_json(), ensure_ascii=False)


def test_note_text_after_its_back_link_keeps_a_bracketed_number():
    data = PAGE.read_bytes().replace("[1]</a> “Putin".encode(), "[1]</a> Item [2] of “Putin".encode())
    record, _ = one(data, "CO23081.html")
    assert plain_text(record.body.notes[0].blocks[0].content).startswith("Item [2] of “Putin: Kazakhs")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdhpimg&;#x0123[]\n")) , max_size=600))
def test_any_markup_gives_a_valid_record_or_an_archiver_error(junk):
    try:
        ingest(("<html><head><meta name='citation_title' content='T'></head><body><article>"
                + junk + "</article></body></html>").encode(), "fuzz.html")
    except ArchiverError as exc:
        assert exc.exit_code in (4, 5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=23000), st.integers(min_value=1, max_value=3000))
def test_any_cut_of_the_real_page_gives_a_valid_record_or_an_archiver_error(start, length):
    data = PAGE.read_bytes()
    try:
        ingest(data[:start] + data[start + length:], "CO23081.html")
    except ArchiverError as exc:
        assert exc.exit_code in (4, 5) and re.search(r"\w", str(exc))


def test_editor_note_heading_roman_text_markers_and_separate_bios():
    body = ("<h3>Editor’s Note</h3><p>Part of a series on the 2023 summits.</p>"
            "<h3>SYNOPSIS</h3><p>A short synopsis of the piece.</p><h3>COMMENTARY</h3>"
            "<p>Opening paragraph with a note.[i] And more text [Kazakhstan] here.</p>"
            "<h4>A Titled Section</h4><p>Second paragraph.[ii]</p>"
            "<p>[i] First roman note.</p><p>[ii] Second roman note.</p>"
            "<h3>About the Authors</h3><p>Ann Lee is a Fellow at the Example Institute, Malaysia.</p>"
            "<p>Bob Tan is a Research Analyst with the Centre for Tests, RSIS.</p>")
    page = page_with('<meta name="citation_title" content="T"><meta name="citation_author" content="Ann Lee">'
                     '<meta name="citation_author" content="Bob Tan">'
                     '<meta name="citation_publication_date" content="2024-01-31">'
                     '<meta name="citation_technical_report_number" content="CO24009">'
                     '<meta name="citation_technical_report_institution" content="Cite Press">', body=body)
    record, warnings = one(page, "CO24009.html")
    assert record.editor_note == "Part of a series on the 2023 summits."
    assert record.abstract == "A short synopsis of the piece."
    assert [(n.id, n.label) for n in record.body.notes] == [("n1", "i"), ("n2", "ii")]
    first, second = [b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]
    assert first.content == ["Opening paragraph with a note.", NoteRef("n1"), " And more text [Kazakhstan] here."]
    assert second.content == ["Second paragraph.", NoteRef("n2")]
    assert [plain_text(s.title) for s in record.body.blocks] == ["", "A Titled Section"]
    assert [a.bio for a in record.authors] == ["Ann Lee is a Fellow at the Example Institute, Malaysia.",
                                               "Bob Tan is a Research Analyst with the Centre for Tests, RSIS."]
    assert record.authors[0].affiliations[0].country_code == "MY"
    assert record.authors[0].affiliations[0].name == "Example Institute"


def test_huge_html_is_refused():
    with pytest.raises(InputError, match="larger than the 32 MiB"):
        ingest(b"<html>" + b" " * (50 * 1024 * 1024), "big.html")


def test_reader_called_directly_returns_one_draft_without_provenance():
    (draft,) = html.read(PAGE.read_bytes(), "CO23081.html")
    assert "provenance" not in draft.data
    assert draft.data["identifier"] == "CO23081"
    assert all(w.code in {"W001", "W003", "W006"} for w in draft.warnings)


def test_unreadable_date_is_record_invalid():
    from archiver.errors import RecordInvalid
    with pytest.raises(RecordInvalid) as caught:
        ingest(page_with(CITATION.replace("2024/02/02", "2024/13/45")), "page.html")
    assert caught.value.exit_code == 5 and [p.pointer for p in caught.value.problems] == ["/published"]


def test_a_page_wrapped_in_one_form_keeps_its_article():
    data = PAGE.read_bytes().replace(b'<div id="page" class="site">', b'<form id="aspnetForm"><div id="page">')
    data = data.replace(b"<script src=", b"</form><script src=")
    record, warnings = one(data, "CO23081.html")
    assert len([b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]) == 22
    # read through the site rule (not the trafilatura fallback): furniture dropped by rule, note kept
    assert "W006" in {w.code for w in warnings} and len(record.body.notes) == 1
    assert [f.credit for f in record.figures()] == ["Wikimedia"]


# Figure images a saved page holds ------------------------------------------------------------------

REMOTE_SRC = ('src="https://www.rsis.edu.sg/wp-content/uploads/2023/05/'
              'China_Central_Asia_Summit_20230519_01-1024x683.jpg"')
PNG = (ROOT / "samples" / "records" / "images" / "CO24017-fig1.png").read_bytes()


def page_with_src(src: str) -> bytes:
    text = PAGE.read_text(encoding="utf-8")
    assert REMOTE_SRC in text
    return text.replace(REMOTE_SRC, f'src="{src}"').encode("utf-8")


def read_with(src: str, files: dict[str, bytes]):
    (draft,) = html.read(page_with_src(src), "CO23081.html", neighbour=files.get)
    (figure,) = [b for s in draft.data["body"]["blocks"] for b in s["blocks"] if b["type"] == "figure"]
    return draft, figure


@pytest.mark.parametrize("src, files", [
    ("CO23081_files/China%20Central.png", {"CO23081_files/China Central.png": PNG}),  # "Web Page, complete"
    ("./CO23081_files/summit.png?ver=2", {"CO23081_files/summit.png": PNG}),
    ("data:image/png;base64," + base64.b64encode(PNG).decode(), {}),  # SingleFile
    ("DATA:image/png;BASE64," + base64.b64encode(PNG).decode(), {}),
])
def test_a_saved_image_becomes_the_figure_image(src, files):
    draft, figure = read_with(src, files)
    assert figure["image"] == "images/CO23081-fig1.png"
    assert draft.assets == {"images/CO23081-fig1.png": PNG}
    assert figure["caption"] and figure["credit"] == "Wikimedia"
    assert "W003" not in {w.code for w in draft.warnings}


@pytest.mark.parametrize("src, files, why", [
    (REMOTE_SRC[5:-1], {}, "is on the web, and archiver never fetches"),
    ("//cdn.example.org/a.png", {}, "is on the web"),
    ("../secret.png", {"../secret.png": PNG}, "lies outside the page's folder"),
    ("/etc/secret.png", {"/etc/secret.png": PNG}, "lies outside the page's folder"),
    ("CO23081_files/gone.png", {}, "is not saved beside the page"),
    ("CO23081_files/notes.png", {"CO23081_files/notes.png": b"not an image"}, "not a PNG or JPEG"),
    ("data:image/png;base64,@@@", {}, "base64 data is damaged"),
    ("data:image/svg+xml,<svg/>", {}, "not base64-encoded"),
])
def test_an_image_the_page_does_not_hold_is_a_warning_naming_why(src, files, why):
    draft, figure = read_with(src, files)
    assert "image" not in figure and draft.assets == {}
    (warning,) = [w for w in draft.warnings if w.code == "W003"]
    assert why in warning.message and "caption and credit kept" in warning.message

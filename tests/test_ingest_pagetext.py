"""The saved-page-text reader (issue 3, points 2, 3, 6, 7): the real page CO23081 gives the hand-made
record exactly; layout variants give the same quality; any other input gives a valid record with typed
warnings or a clear error with the documented exit code."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver import __version__
from archiver.errors import ArchiverError, InputError, RecordInvalid
from archiver.ingest import detect, ingest, pagetext
from archiver.record import NoteRef, Paragraph, Section, plain_text, walk

from values import strings

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "samples" / "sources" / "CO23081.pagetext.txt"
SAMPLE = ROOT / "samples" / "records" / "CO23081.json"
CASE = Path(__file__).resolve().parent / "cases" / "CO23081-pagetext"
DATA = Path(__file__).resolve().parent / "data" / "pages"
HEADINGS = ["EU Has Obstacles to Overcome", "Difficulties with Afghanistan", "Ukraine War Poses Challenges",
            "Learning from ASEAN"]



def page_lines() -> list[str]:
    return [line.strip() for line in PAGE.read_text(encoding="utf-8").splitlines()]


def one(path: Path, kind: str | None = None):
    results = ingest(path.read_bytes(), str(path), kind)
    assert len(results) == 1
    return results[0]


@pytest.fixture(scope="module")
def real():
    return one(PAGE)


# The real page: golden record, agreement with the hand-made record, provenance -----------------------

def test_real_page_matches_golden(real, golden):
    record, _ = real
    golden(CASE / "expected.json", record.dumps())


def test_golden_agrees_with_hand_made_record_except_provenance():
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert expected.pop("provenance")["reader"] == "pagetext"
    assert sample.pop("provenance")["reader"] == "manual"
    for key in sorted(set(expected) | set(sample)):
        assert expected.get(key) == sample.get(key), f"field {key!r} differs from samples/records/CO23081.json"


def test_reader_output_agrees_with_hand_made_record(real):
    record, _ = real
    data = record.to_json()
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    data.pop("provenance"), sample.pop("provenance")
    assert data == sample


def test_provenance_is_filled_in_by_the_driver(real):
    record, _ = real
    provenance = record.provenance
    assert provenance.reader == "pagetext"
    assert provenance.source_file == "CO23081.pagetext.txt"
    assert provenance.source_sha256 == hashlib.sha256(PAGE.read_bytes()).hexdigest()
    assert provenance.archiver_version == __version__
    assert provenance.ingested == "2023-11-14"  # SOURCE_DATE_EPOCH=1700000000 (conftest), not the clock


def test_real_page_is_detected_as_page_text():
    assert detect(PAGE.read_bytes(), "page.txt") == "pagetext"


def test_site_values_and_missing_image_are_warned(real):
    _, warnings = real
    found = {(w.code, w.pointer) for w in warnings}
    assert ("W001", "/publisher") in found
    assert ("W001", "/series") in found
    assert ("W003", "/body/blocks/0/blocks/0") in found
    assert all(w.source == "CO23081.pagetext.txt" for w in warnings)


def test_22_paragraphs_in_page_order_each_exactly_once(real):
    record, _ = real
    lines = page_lines()
    start, end = lines.index("COMMENTARY"), lines.index("About the Author")
    page_paragraphs = [line for line in lines[start + 1:end] if line and line not in HEADINGS]
    body = [plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph)]
    assert len(page_paragraphs) == 22
    assert body == page_paragraphs
    everything = list(strings(record.to_json()))
    for paragraph in page_paragraphs:
        assert sum(s.count(paragraph) for s in everything) == 1, paragraph[:60]
    assert [plain_text(s.title) for s in record.body.blocks] == [""] + HEADINGS


def test_synopsis_is_the_abstract_and_not_in_the_body(real):
    record, _ = real
    lines = page_lines()
    synopsis = lines[lines.index("SYNOPSIS") + 2]
    assert record.abstract == synopsis
    body_text = " ".join(plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph))
    assert synopsis[:80] not in body_text


def test_no_line_of_page_furniture_in_the_record(real):
    record, _ = real
    lines = page_lines()
    title = next(i for i, line in enumerate(lines) if line.startswith("CO23081 |"))
    categories = next(i for i, line in enumerate(lines) if line.startswith("Categories:"))
    article = set(lines[title:categories + 1])
    furniture = {line for line in lines[:title] + lines[categories + 1:] if line and line not in article}
    furniture |= {"download pdf"}
    # Read from the footer on purpose (the rights statement), or a site fact that the bio also prints.
    allowed = {"Copyright © S. Rajaratnam School of International Studies. All rights reserved.",
               "Nanyang Technological University"}
    assert "Rate your experience with this website" in furniture and "Block S4, Level B3," in furniture
    for value in strings(record.to_json()):
        for line in furniture - allowed:
            assert value != line, f"furniture line {line!r} is a record value"
            if len(line.split()) >= 3:
                assert line not in value, f"furniture line {line!r} inside {value[:60]!r}"


# Layout variants (fixtures derived from the real page; see tests/data/pages/README.md) ----------------

def body_and_abstract(record):
    data = record.to_json()
    return data["abstract"], data["body"]


def test_date_line_and_breadcrumb_before_title_printed_once(real):
    record, _ = one(DATA / "CO23081-dateline.pagetext.txt")
    assert (record.identifier, record.title, record.published) == (
        "CO23081", "Central Asia Among Giants: Taking a Leaf from ASEAN", "2023-05-31")
    assert [a.name for a in record.authors] == ["Raffaello Pantucci"]
    assert body_and_abstract(record) == body_and_abstract(real[0])
    assert record.subjects == real[0].subjects and record.coverage == real[0].coverage


def test_two_authors_one_shared_bio_lowercase_markers_with_colon():
    record, warnings = one(DATA / "CO23082-shared-bio.pagetext.txt")
    assert [(a.given, a.family) for a in record.authors] == [("Raffaello", "Pantucci"), ("Jane", "Tan")]
    shared = ("Raffaello Pantucci and Jane Tan are Research Fellows at the S. Rajaratnam School of International "
              "Studies (RSIS), Nanyang Technological University (NTU), Singapore.")
    assert record.authors[0].bio == shared + " Pantucci is the author of Sinostan: China’s Inadvertent Empire " \
                                             "(Oxford University Press, April 2022)."
    assert record.authors[1].bio == shared + " Tan works on water security in Central Asia."
    for author in record.authors:
        (affiliation,) = author.affiliations
        assert affiliation.name == "S. Rajaratnam School of International Studies (RSIS), " \
                                   "Nanyang Technological University (NTU)"
        assert affiliation.country_code == "SG"
    assert record.series.number == "082/2023"
    assert len([b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]) == 22


def test_three_authors_separate_bios_numbered_endnotes():
    record, _ = one(DATA / "CO23083-separate-bios-notes.pagetext.txt")
    assert [a.name for a in record.authors] == ["Raffaello Pantucci", "Jane Tan", "Nguyễn Thị Minh"]
    assert record.authors[1].bio == "Jane Tan is a Research Analyst with the Centre for Multilateralism Studies, RSIS."
    assert record.authors[2].bio.endswith("She writes on regional water governance.")
    assert record.authors[2].affiliations[0].name == "Institute for Mekong Studies, Hanoi"
    assert record.authors[2].affiliations[0].country_code == "VN"
    assert record.authors[2].family == "Nguyễn"
    notes = record.body.notes
    assert [n.id for n in notes] == ["n1", "n2", "n3"] and all(n.label is None for n in notes)
    assert plain_text(notes[2].blocks[0].content) == ("Council of the EU, sanctions regulations on Xinjiang, "
                                                      "March 2021. The measures were renewed in December 2022.")
    refs = [(plain_text(b.content)[:30], [n.note for n in b.content if not isinstance(n, str)])
            for b in walk(record.body.blocks) if isinstance(b, Paragraph) and len(b.content) > 1]
    assert [r[1] for r in refs] == [["n1"], ["n2"], ["n3"]]
    text = json.dumps(record.to_json()["body"]["blocks"], ensure_ascii=False)
    assert not re.search(r"\[\d\]", text), "a note marker was left in the text"
    assert "Notes" not in [plain_text(s.title) for s in record.body.blocks]
    assert len([b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]) == 22


def test_roman_endnotes_editor_note_no_image_crlf_nbsp():
    path = DATA / "CO23084-roman-notes-editor-crlf.pagetext.txt"
    assert b"\r\n" in path.read_bytes() and "\u00a0".encode() in path.read_bytes()
    record, warnings = one(path)
    assert record.editor_note == "This commentary is part of a series on the May 2023 summits."
    assert record.title == "Central Asia Among Giants: Taking a Leaf from ASEAN"
    assert record.published == "2023-05-31"
    assert [(n.id, n.label) for n in record.body.notes] == [("n1", "i"), ("n2", "ii")]
    linked = [(plain_text(b.content[:i]), node.note) for b in walk(record.body.blocks) if isinstance(b, Paragraph)
              for i, node in enumerate(b.content) if isinstance(node, NoteRef)]
    assert [(text[-18:], note) for text, note in linked] == [("across the region.", "n1"),
                                                             ("vasion of Ukraine.", "n2")]
    assert not re.search(r"\[i+\]", json.dumps(record.to_json()["body"]["blocks"])), "a roman marker stayed text"
    assert not list(record.figures())
    assert "W003" not in {w.code for w in warnings}
    text = json.dumps(record.to_json(), ensure_ascii=False)
    assert "\u00a0" not in text and "\\r" not in text
    assert "Editor" not in json.dumps(record.to_json()["body"], ensure_ascii=False)
    assert "[Kazakhstan]" in text  # square brackets that are not note markers stay text
    assert record.abstract.startswith("Sandwiched between China and Russia")


# The same quality for every layout (point 3): every paragraph once, no furniture, correct metadata ---

SUBJECTS = ["Country and Region Studies", "International Political Economy", "Non-Traditional Security",
            "Regionalism and Multilateralism"]
COVERAGE = ["Central Asia", "East Asia and Asia Pacific", "South Asia", "Southeast Asia and ASEAN",
            "Middle East and North Africa (MENA)", "Global"]
RSIS = "S. Rajaratnam School of International Studies"
#: page -> (identifier, author names, editor's note, printed twice); every other field is the real page's.
VARIANTS = {
    PAGE: ("CO23081", ["Raffaello Pantucci"], None, True),
    DATA / "CO23081-dateline.pagetext.txt": ("CO23081", ["Raffaello Pantucci"], None, False),
    DATA / "CO23082-shared-bio.pagetext.txt": ("CO23082", ["Raffaello Pantucci", "Jane Tan"], None, True),
    DATA / "CO23083-separate-bios-notes.pagetext.txt": (
        "CO23083", ["Raffaello Pantucci", "Jane Tan", "Nguyễn Thị Minh"], None, False),
    DATA / "CO23084-roman-notes-editor-crlf.pagetext.txt": (
        "CO23084", ["Raffaello Pantucci"], "This commentary is part of a series on the May 2023 summits.", False),
}


def real_paragraphs() -> list[str]:
    """The 22 commentary paragraphs of the real page, read by hand-written slicing, not by the reader."""
    lines = page_lines()
    start, end = lines.index("COMMENTARY"), lines.index("About the Author")
    return [line for line in lines[start + 1:end] if line and line not in HEADINGS]


def text_units(record) -> list[str]:
    """Every text of a record: each paragraph (body and notes) as its plain text, then every other string."""
    data = record.to_json()
    units = [plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph)]
    units += [plain_text(b.content) for note in record.body.notes or [] for b in walk(note.blocks)
              if isinstance(b, Paragraph)]
    data.pop("body")
    return units + list(strings(data))


@pytest.mark.parametrize("path", list(VARIANTS), ids=lambda p: p.name.split(".")[0])
def test_every_layout_gives_the_same_quality(path):
    assert_same_quality(path.read_text(encoding="utf-8"), path.name, *VARIANTS[path])


def test_editor_note_as_a_heading_with_its_paragraph_below():
    note = "This commentary is part of a series on the May 2023 summits."
    raw = PAGE.read_text(encoding="utf-8").replace(
        "    SYNOPSIS\n", f"    Editor's Note\n\n    {note}\n\n    SYNOPSIS\n", 1)
    assert_same_quality(raw, "CO23081.pagetext.txt", "CO23081", ["Raffaello Pantucci"], note, True)


def assert_same_quality(raw: str, name: str, identifier: str, names: list[str], editor_note: str | None,
                        twice: bool) -> None:
    copies = [line for line in raw.splitlines() if line.strip().lower() in ("commentary", "commentary:")]
    assert len(copies) == (2 if twice else 1)
    ((record, _),) = ingest(raw.encode("utf-8"), name)
    # Correct metadata, field by field.
    assert (record.identifier, record.title, record.published, record.language) == (
        identifier, "Central Asia Among Giants: Taking a Leaf from ASEAN", "2023-05-31", "en")
    assert [a.name for a in record.authors] == names and all(a.bio for a in record.authors)
    assert record.editor_note == editor_note
    assert (record.series.name, record.series.number) == ("RSIS Commentary", f"{identifier[4:]}/2023")
    assert (record.publisher.name, record.publisher.place) == (RSIS, "Singapore")
    assert (record.subjects, record.coverage) == (SUBJECTS, COVERAGE)
    assert (record.rights.holder, record.rights.year) == (RSIS, 2023)
    assert record.abstract.startswith("Sandwiched between China and Russia") and "\n" not in record.abstract
    # Every paragraph exactly once, in page order, under the real page's section headings.
    paragraphs = real_paragraphs()
    body = [plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph)]
    assert body == paragraphs
    units = text_units(record)
    for paragraph in paragraphs + [record.abstract]:
        assert sum(unit.count(paragraph) for unit in units) == 1, paragraph[:60]
    assert [plain_text(s.title) for s in record.body.blocks] == [""] + HEADINGS
    # No furniture: no line from outside the first copy of the article is (or is inside) a record value.
    lines = [line.strip() for line in raw.splitlines()]
    title = next(i for i, line in enumerate(lines) if line.startswith(f"{identifier} |"))
    categories = next(i for i, line in enumerate(lines) if line.startswith("Categories:"))
    article = set(lines[title:categories + 1])
    furniture = {line for line in lines[:title] + lines[categories + 1:] if line and line not in article}
    furniture |= {"download pdf", "Notes", "SYNOPSIS", "COMMENTARY", "Synopsis", "Commentary", "synopsis:",
                  "commentary:", "About the Author", "About the Authors", "ABOUT THE AUTHORS", "Editor’s Note:",
                  "Editor's Note"}
    allowed = {"Copyright © S. Rajaratnam School of International Studies. All rights reserved.",
               "Nanyang Technological University", "31 May 2023"}
    assert "Rate your experience with this website" in furniture and "Block S4, Level B3," in furniture
    for value in units:
        for line in furniture - allowed:
            assert value != line, f"furniture line {line!r} is a record value"
            if len(line.split()) >= 3:
                assert line not in value, f"furniture line {line!r} inside {value[:60]!r}"


# Never crash, never write a bad record (point 6) ------------------------------------------------------

def test_empty_file_is_an_input_error():
    with pytest.raises(InputError) as caught:
        ingest(b"", "CO23081.pagetext.txt")
    assert caught.value.exit_code == 4 and "the file is empty" in str(caught.value)


def test_binary_junk_is_an_input_error():
    with pytest.raises(InputError, match="binary data"):
        ingest(bytes(range(256)) * 64, "junk.pagetext.txt")


def test_huge_file_is_refused_with_its_size():
    with pytest.raises(InputError, match="52,428,809 bytes is larger than") as caught:
        ingest(b"SYNOPSIS\n" + b"x" * (50 * 1024 * 1024), "big.pagetext.txt")
    assert caught.value.exit_code == 4


def test_invalid_utf8_gives_a_record_with_a_warning():
    data = PAGE.read_bytes().replace("Landlocked".encode(), b"Land\xfflocked", 1)
    record, warnings = ingest(data, "CO23081.pagetext.txt")[0]
    assert "W008" in {w.code for w in warnings}
    assert any("Land\ufffdlocked" in plain_text(b.content) for b in walk(record.body.blocks)
               if isinstance(b, Paragraph))


def test_unrelated_page_text_is_an_input_error():
    menu = "\n".join(page_lines()[:100]).encode()
    with pytest.raises(InputError, match="not a commentary page"):
        ingest(menu, "about.pagetext.txt")
    with pytest.raises(InputError, match="not a source archiver recognises"):
        ingest(menu, "about.txt")


def test_listing_page_is_an_input_error():
    listing = "\n".join(["RSIS Commentary Series", ""] + [
        f"CO2308{i} | Commentary number {i}\nAuthor {i}\n{i + 1} May 2023\n" for i in range(1, 6)]).encode()
    with pytest.raises(InputError, match="not a commentary page"):
        ingest(listing, "listing.pagetext.txt")


def test_unreadable_date_is_record_invalid_with_pointer():
    data = PAGE.read_text(encoding="utf-8").replace("    31 May 2023", "    31 Smarch 2023").encode()
    with pytest.raises(RecordInvalid) as caught:
        ingest(data, "CO23081.pagetext.txt")
    assert caught.value.exit_code == 5
    assert [p.pointer for p in caught.value.problems] == ["/published"]
    assert "Smarch" in str(caught.value)


def test_missing_byline_and_date_are_named_in_one_error():
    text = PAGE.read_text(encoding="utf-8").replace("    Raffaello Pantucci\n", "", 1)
    text = text.replace("    31 May 2023\n", "", 1)
    with pytest.raises(InputError) as caught:
        ingest(text.encode(), "CO23081.pagetext.txt")
    assert caught.value.exit_code == 4
    assert [p.pointer for p in caught.value.problems] == ["/authors", "/published"]


def test_page_of_an_unknown_site_names_the_missing_publisher():
    text = PAGE.read_text(encoding="utf-8")
    for marker in ("S. Rajaratnam School of International Studies", "RSIS Commentary", "rsis.edu.sg"):
        text = text.replace(marker, "Example Institute")
    with pytest.raises(InputError) as caught:
        ingest(text.encode(), "CO23081.pagetext.txt")
    assert "/publisher" in [p.pointer for p in caught.value.problems]


def test_marker_without_note_text_is_kept_and_warned():
    text = PAGE.read_text(encoding="utf-8").replace("than before.", "than before.[7]", 1)
    record, warnings = ingest(text.encode(), "CO23081.pagetext.txt")[0]
    assert "W007" in {w.code for w in warnings}
    assert "than before.[7]" in json.dumps(record.to_json(), ensure_ascii=False)


def test_identifier_from_file_name_when_the_title_line_lacks_it():
    text = PAGE.read_text(encoding="utf-8").replace("CO23081 | ", "")
    with pytest.raises(InputError) as caught:
        ingest(text.encode(), "page.pagetext.txt")
    assert "/identifier" in [p.pointer for p in caught.value.problems]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_any_bytes_give_a_valid_record_or_an_archiver_error(data):
    try:
        results = ingest(b"SYNOPSIS\n" + data, "x.pagetext.txt")
    except ArchiverError:
        return
    for record, _ in results:
        assert record.identifier


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(st.integers(min_value=0, max_value=330), max_size=40))
def test_any_lines_removed_from_the_real_page_give_a_valid_record_or_an_archiver_error(dropped):
    lines = PAGE.read_text(encoding="utf-8").split("\n")
    data = "\n".join(line for i, line in enumerate(lines) if i not in dropped).encode()
    try:
        ingest(data, "CO23081.pagetext.txt")
    except ArchiverError as exc:
        assert exc.exit_code in (4, 5) and str(exc)


def test_reader_sniffs_page_text_but_not_html():
    assert pagetext.sniff(PAGE.read_bytes(), "page.txt")
    assert not pagetext.sniff(b"<!DOCTYPE html><html><p>SYNOPSIS</p></html>", "page.txt")
    assert not pagetext.sniff(b"just some text", "notes.txt")


def test_heading_rule():
    assert all(pagetext.looks_like_heading(h) for h in HEADINGS + ["What Next for ASEAN?"])
    assert not pagetext.looks_like_heading("The Ukraine war presents different challenges for the region.")
    assert not pagetext.looks_like_heading("the region has consistently relied on Russia")


def test_sections_are_sections(real):
    assert all(isinstance(s, Section) for s in real[0].body.blocks)


def test_article_printed_twice_without_categories_or_widget_is_read_once():
    text = "\n".join(line for line in PAGE.read_text(encoding="utf-8").split("\n")
                     if not line.strip().startswith("Categories:") and "Disqus" not in line)
    record, _ = ingest(text.encode(), "CO23081.pagetext.txt")[0]
    paragraphs = [b for b in walk(record.body.blocks) if isinstance(b, Paragraph)]
    assert len(paragraphs) == 22
    assert record.subjects is None and record.coverage is None


@pytest.mark.parametrize("bio, expected", [
    ("Li Wei is Professor of Political Science at the National University of Singapore, Singapore.",
     {"name": "National University of Singapore", "country": "Singapore", "country_code": "SG"}),
    ("Dr Lim Ah Kow is Assistant Professor at the Institute of Defence and Strategic Studies (IDSS), RSIS. "
     "He was a diplomat.", {"name": "Institute of Defence and Strategic Studies (IDSS), RSIS"}),
    ("Jane Tan is a Research Analyst with the Centre for Multilateralism Studies, RSIS.",
     {"name": "Centre for Multilateralism Studies, RSIS"}),
    ("Jane Tan writes novels and lives by the sea.", None),
    ("Jane Tan is a keen sailor at heart.", None),
])
def test_affiliation_is_read_from_the_bio_only_when_it_names_an_institution(bio, expected):
    from archiver.ingest.article import affiliation_from_bio
    from archiver.normalize import split_name
    name = bio.split(" is ")[0].split(" writes")[0].removeprefix("Dr ")
    assert affiliation_from_bio(bio, split_name(name)) == expected


def test_reader_called_directly_returns_one_draft_without_provenance():
    (draft,) = pagetext.read(PAGE.read_bytes(), str(PAGE))
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    sample.pop("provenance")
    assert "provenance" not in draft.data
    assert json.dumps(draft.data, sort_keys=True) == json.dumps(sample, sort_keys=True)
    assert sorted(w.code for w in draft.warnings) == ["W001", "W001", "W001", "W003"]


def test_an_unreadable_date_line_is_reported_with_the_other_problems():
    from archiver.errors import RecordInvalid
    text = PAGE.read_text(encoding="utf-8").replace("31 May 2023", "31 Maj 2023").replace("CO23081 | ", "")
    with pytest.raises(RecordInvalid) as caught:
        ingest(text.encode(), "page.pagetext.txt")
    assert {"/published", "/identifier"} <= {p.pointer for p in caught.value.problems}

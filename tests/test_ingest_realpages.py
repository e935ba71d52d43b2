"""Real article pages from 25 publishers become the records a librarian expects (issue 14, point 7).

Each page's expected title, authors, date, publisher, identifier and first and last sentence are in
tests/data/realpages/expected.json (read off the pages); no furniture line of the page is in its
record, and what was dropped is reported as W006.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.collection import load_collection
from archiver.ingest import read_source
from archiver.ingest.article import sentences
from archiver.record import Paragraph, plain_text, walk

PAGES = Path(__file__).parent / "data" / "realpages"
ROOT = Path(__file__).resolve().parent.parent
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


def _path(entry) -> Path:
    """The page's file: here, or where `folder` says (the sample collection's page, kept once)."""
    return (ROOT / entry["folder"] if "folder" in entry else PAGES) / entry["file"]


def _read(entry):
    collection = load_collection(PAGES / "collections" / entry["collection"]) if "collection" in entry else None
    (item,) = read_source(_path(entry).read_bytes(), entry["file"], collection=collection)
    return item


def _paragraphs(record) -> list[str]:
    return [plain_text(block.content) for block in walk(record.body.blocks) if isinstance(block, Paragraph)]


def test_the_corpus_is_large_and_varied_enough():
    assert len(EXPECTED) >= 20
    assert len({entry["publisher"] for entry in EXPECTED}) >= 8
    assert all(_path(entry).is_file() for entry in EXPECTED)


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_a_real_page_gives_the_record_its_reader_expects(entry):
    item = _read(entry)
    record = item.record
    assert record.title == entry["title"]
    assert [author.name for author in record.authors] == entry["authors"]
    assert record.published == entry["published"]
    assert record.publisher.name == entry["publisher"]
    assert record.identifier == entry["identifier"]
    paragraphs = _paragraphs(record)
    assert sentences(paragraphs[0])[0] == entry["first"]
    assert sentences(paragraphs[-1])[-1] == entry["last"]
    assert "W011" not in {w.code for w in item.warnings}  # nothing of the article was lost


def test_organisations_are_authors_of_their_own_kind():
    kinds = {entry["file"]: [a.kind for a in _read(entry).record.authors] for entry in EXPECTED
             if entry["file"] in ("wikimedia-turkey.html", "wikipedia-tsne.html", "mozilla-hacks-fetch.html")}
    assert kinds == {"wikimedia-turkey.html": ["organization"], "wikipedia-tsne.html": ["organization"],
                     "mozilla-hacks-fetch.html": [None]}


@pytest.mark.parametrize("entry", [e for e in EXPECTED if e["furniture"]], ids=lambda e: e["file"])
def test_no_furniture_line_of_a_real_page_is_in_its_record(entry):
    page = _path(entry).read_text(encoding="utf-8", errors="replace")
    item = _read(entry)
    paragraphs = _paragraphs(item.record)
    dropped = [w.message for w in item.warnings if w.code == "W006"]
    for line in entry["furniture"]:
        assert line.split()[0] in page  # the line is the page's own
        # a share word ("teilen") is also part of words of the text: it must not be a paragraph
        found = [p for p in paragraphs if p.strip() == line] if len(line.split()) <= 2 else \
            [p for p in paragraphs if line in p]
        assert not found, line
    assert dropped  # and the reader said what it dropped


def test_pages_without_a_publisher_take_it_from_their_collection_and_say_so():
    entry = next(e for e in EXPECTED if e.get("collection") == "python-insider.json")
    record = _read(entry).record
    assert record.series.name == "Python Insider"
    assert record.rights.license == "https://creativecommons.org/licenses/by-nc-sa/3.0/"
    assert record.rights.year == 2016
    used = record.provenance.collection
    assert used.file == "python-insider.json" and len(used.sha256) == 64
    assert set(used.fields) >= {"/publisher", "/series", "/rights/holder", "/rights/license"}
    # the page names its canonical URL: the base URL fills only the PDF's link
    assert record.links.source == "http://blog.python.org/2016/12/python-360-is-now-available.html"
    assert record.links.pdf == ("https://archive.example.org/python-insider/python-360-is-now-available/"
                                "python-360-is-now-available.pdf")
    assert "/links/source" not in used.fields and "/links/pdf" in used.fields


def test_without_its_collection_a_page_naming_no_publisher_is_refused_with_every_problem():
    from archiver.errors import InputError
    entry = next(e for e in EXPECTED if e["file"] == "on-recent-controversial-events.html")
    with pytest.raises(InputError) as caught:
        read_source(_path(entry).read_bytes(), entry["file"])
    assert [p.pointer for p in caught.value.problems] == ["/publisher"]
    assert "--collection" in caught.value.problems[0].hint

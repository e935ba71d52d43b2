"""JSON Feed in (issue 15's list of exports libraries hold): each item of a feed becomes a record, field
by field on a real feed, rOpenSci's blog (tests/data/crosswalks/README.md: its source and licence),
and on small feeds for what that one does not use (JSON Feed 1.0's `author`, `content_text`,
`summary`, `image`, DOIs as ids)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.collection import Collection
from archiver.errors import InputError, RecordInvalid
from archiver.ingest import detect, folder_reader, read_source
from archiver.ingest.article import sentences
from archiver.record import Figure, Paragraph, plain_text, walk

DATA = Path(__file__).resolve().parent / "data" / "crosswalks"
FEED = DATA / "ropensci-feed.json"
ROPENSCI = Collection("ropensci.yaml", "0" * 64, {"publisher": {"name": "rOpenSci"}})
PNG = (Path(__file__).resolve().parent.parent / "samples" / "records" / "images" / "CO24017-fig1.png").read_bytes()

#: per item, read off the feed: identifier (its URL's last segment), title, authors, published,
#: modified, tags, first and last sentence of the text, figures
EXPECTED = [
    ("news-february-2024", "rOpenSci News Digest, February 2024", ["The rOpenSci Team"], "2024-02-23", None,
     ["newsletter"], "Dear rOpenSci friends, it’s time for our monthly news roundup!",
     "Until it’s time for our next newsletter, you can keep in touch with us via our website and Mastodon account.", 0),
    ("waywiser-call-help", "Help make waywiser better! User requests wanted", ["Mike Mahoney", "Maëlle Salmon"],
     "2024-02-19", None, ["package development", "tech notes"], None, None, 0),
    ("champions-program-champions-2024", "Introducing rOpenSci Champions - Cohort 2023-2024",
     ["Ezekiel Adebayo Ogundepo", "Sehrish Kanwal", "Andrea Gomez Vargas", "Liz Hare", "Francesca Belem Lopes Palmeira",
      "Yi-Chin Sunny Tseng", "Mirna Vazquez Rosas Landa", "Erika Siregar", "Jacqui Levy", "Yanina Bellini Saibene"],
     "2024-02-15", "2024-02-22", ["community", "champions program"],
     "The rOpenSci Champions Program starts this 2024 with a new cohort of Champions.", None, 10),
    ("runiverse-arm64", "R-universe now builds MacOS ARM64 binaries for use on Apple Silicon (aka M1/M2/M3) systems",
     ["Jeroen Ooms"], "2024-01-14", None, ["tech notes", "r-universe", "arm64", "macos"],
     "R-universe now provides MacOS arm64 binaries for all R packages.",
     "Again if you need any help with this feel free to reach out.", 2),
    ("transparency2023", "rOpenSci 2023 Code of Conduct Transparency Report",
     ["Yanina Bellini Saibene", "Mark Padgham", "Kara Woo"], "2024-01-12", None,
     ["community", "code of conduct", "governance"], None,
     "We welcome your feedback at any time by emailing conduct@ropensci.org.", 0),
]


@pytest.fixture(scope="module")
def feed():
    return read_source(FEED.read_bytes(), "ropensci-feed.json", collection=ROPENSCI)


def _paragraphs(record) -> list[str]:
    return [plain_text(block.content) for block in walk(record.body.blocks) if isinstance(block, Paragraph)]


def test_a_json_feed_is_recognised_by_its_version_and_nothing_else_is():
    assert detect(FEED.read_bytes(), "upload.bin") == "json-feed"
    assert detect(b'{"version": "https://jsonfeed.org/version/1", "title": "T", "items": []}', "f") == "json-feed"
    # a record or a CSL item with a version of its own is not a feed
    assert detect(b'{"version": "1.0", "type": "report", "title": "T", "author": [], "issued": {}}', "x.json") != \
        "json-feed"


@pytest.mark.parametrize("index", range(len(EXPECTED)), ids=[e[0] for e in EXPECTED])
def test_each_item_of_a_real_feed_becomes_its_record_field_by_field(feed, index):
    identifier, title, authors, published, modified, tags, first, last, figures = EXPECTED[index]
    item = json.loads(FEED.read_text(encoding="utf-8"))["items"][index]
    record = feed[index].record
    assert (record.identifier, record.title, record.published, record.modified) == (identifier, title, published,
                                                                                     modified)
    assert [a.name for a in record.authors] == authors
    assert record.subjects == tags and record.language == "en"
    assert record.links.source == item["url"] and record.links.doi is None
    assert (record.series.name, record.series.url) == ("rOpenSci - open tools for open science",
                                                       "https://ropensci.org/blog/")
    assert record.publisher.name == "rOpenSci" and "/publisher" in record.provenance.collection.fields
    assert record.provenance.reader == "json-feed"
    paragraphs = _paragraphs(record)
    if first:
        assert sentences(paragraphs[0])[0] == first
    if last:
        assert sentences(paragraphs[-1])[-1] == last
    assert sum(isinstance(block, Figure) for block in walk(record.body.blocks)) == figures
    assert sum(w.code == "W003" for w in feed[index].warnings) == figures  # pictures on the web: never fetched


def test_an_organisation_author_and_split_person_names(feed):
    team, = feed[0].record.authors
    assert (team.name, team.kind) == ("The rOpenSci Team", "organization")
    salmon = feed[1].record.authors[1]
    assert (salmon.given, salmon.family) == ("Maëlle", "Salmon")


def test_relative_links_in_the_content_are_resolved_against_the_items_url(feed):
    from archiver.record import Link, walk_inlines
    links = [node.url for block in walk(feed[0].record.body.blocks) if isinstance(block, Paragraph)
             for node in walk_inlines(block.content) if isinstance(node, Link)]
    assert "https://ropensci.org/blog/2024/02/23/news-february-2024" in links  # written href="/blog/2024/02/23/..."
    assert all(url.startswith(("http://", "https://", "mailto:")) for url in links)


def test_without_a_collection_or_sidecar_the_feed_names_no_publisher():
    with pytest.raises(RecordInvalid) as caught:
        read_source(FEED.read_bytes(), "ropensci-feed.json")
    assert {p.pointer for p in caught.value.problems} >= {"/items/0/publisher"}
    assert any("ropensci-feed.json.json" in (p.hint or "") for p in caught.value.problems)


# What rOpenSci's feed does not use ---------------------------------------------------------------

def _feed(*items: dict, **feed) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Water Notes",
                       "home_page_url": "https://water.example.org/", "author": {"name": "Mei Tan"},
                       "language": "en-GB", **feed, "items": list(items)}).encode()


def _read(data: bytes, folder: Path | None = None):
    return read_source(data, str(folder / "feed.json") if folder else "feed.json",
                       neighbour=folder_reader(folder) if folder else None,
                       collection=Collection("c.yaml", "0" * 64, {"publisher": {"name": "Water Institute"}}))


def test_json_feed_1_0_author_text_summary_and_a_doi_as_id():
    [item] = _read(_feed({"id": "https://doi.org/10.5555/water.7", "url": "https://water.example.org/notes/7",
                          "title": "Dry Season", "summary": "How the basin fares.",
                          "content_text": "First paragraph\nof the note.\n\nSecond <b>paragraph</b>.",
                          "date_published": "2024-04-01T09:00:00+08:00", "date_modified": "2024-03-31T00:00:00Z",
                          "external_url": "https://elsewhere.example.org/", "attachments": [{"url": "https://x/a.mp3"}]}))
    record = item.record
    assert record.identifier == "water.7" and record.links.doi == "10.5555/water.7"  # the DOI's suffix
    assert [a.name for a in record.authors] == ["Mei Tan"]  # the feed's author stands for the item's
    assert record.language == "en-GB" and record.abstract == "How the basin fares."
    assert record.published == "2024-04-01"  # the date as the feed's own zone has it
    assert record.modified is None  # before its publication: not a modification date
    assert _paragraphs(record) == ["First paragraph of the note.", "Second <b>paragraph</b>."]  # text, not markup
    [left_out] = [w.message for w in item.warnings if w.code == "W002"]
    assert "attachments" in left_out and "external_url" in left_out and "date_modified" in left_out


def _first_block(record):
    """The body's first block that is not a section (an untitled opening section holds the blocks)."""
    return next(block for block in walk(record.body.blocks) if block.type != "section")


def test_an_items_image_is_its_first_figure_kept_only_when_it_is_beside_the_feed(tmp_path):
    remote = {"id": "n1", "url": "https://water.example.org/notes/1", "title": "Floods",
              "image": "https://water.example.org/img/floods.png", "content_html": "<p>Text.</p>",
              "date_published": "2024-05-02"}
    [item] = _read(_feed(remote))
    figure = _first_block(item.record)
    assert isinstance(figure, Figure) and figure.image is None and plain_text(figure.caption) == "Floods"
    assert [w.code for w in item.warnings if w.code in ("W003", "W001") and w.pointer.endswith("/body")] == \
        ["W001", "W003"]
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "floods.png").write_bytes(PNG)
    [item] = _read(_feed({**remote, "image": "img/floods.png"}), tmp_path)
    figure = _first_block(item.record)
    assert figure.image == "images/n1-fig1.png" and item.assets[figure.image] == PNG
    assert "W003" not in {w.code for w in item.warnings}


def test_items_of_one_feed_get_distinct_identifiers_and_a_feed_without_items_is_refused():
    base = {"title": "T", "content_html": "<p>x</p>", "date_published": "2024-01-01"}
    items = _read(_feed({**base, "id": "1", "url": "https://a.example.org/2023/intro"},
                        {**base, "id": "2", "url": "https://a.example.org/2024/intro"}))
    assert [i.record.identifier for i in items] == ["1", "2"]  # the items' own ids
    items = _read(_feed({**base, "id": "https://a.example.org/2023/intro", "url": "https://a.example.org/2023/intro"},
                        {**base, "id": "https://a.example.org/2024/intro", "url": "https://a.example.org/2024/intro"}))
    assert [i.record.identifier for i in items] == ["2023-intro", "2024-intro"]
    with pytest.raises(InputError, match="no list of items"):
        read_source(b'{"version": "https://jsonfeed.org/version/1.1", "title": "T"}', "feed.json")

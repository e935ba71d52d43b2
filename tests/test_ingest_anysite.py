"""Any site's article page (issue 14, points 3 and 4): JSON-LD in its shapes, Highwire and Dublin Core
names, bylines, ISO date-times in their own zone, publishers, names cleaned, organisations kept whole,
every problem at once, W011 for a body far shorter than the article, common furniture dropped."""

from __future__ import annotations

import json

import pytest

from archiver.collection import Collection
from archiver.errors import InputError, RecordInvalid
from archiver.ingest import read_source
from archiver.normalize import author_from_name, parse_date
from archiver.record import Paragraph, plain_text, walk

TEXT = " ".join(f"Sentence {i} of the article says something about water policy." for i in range(40))
COLLECTION = Collection("c.yaml", "0" * 64, {"publisher": {"name": "Fallback Press"}})


def page(head: str = "", body: str = f"<p>{TEXT}</p>", article_extra: str = "") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head>{head}</head><body><header>Menu</header><article>"
            f"<h1>The Headline</h1><div class='entry-content'>{body}</div>{article_extra}</article>"
            "<footer>Contact us</footer></body></html>").encode()


def ld(data) -> str:
    return f"<script type='application/ld+json'>{json.dumps(data)}</script>"


def read(data: bytes, name: str = "page.html", collection=COLLECTION):
    (item,) = read_source(data, name, collection=collection)
    return item.record, item.warnings


def test_json_ld_graph_creator_people_and_a_publisher_by_reference():
    head = ld({"@context": "https://schema.org", "@graph": [
        {"@type": "Organization", "@id": "#org", "name": "Brookings Institution"},
        {"@type": ["Article"], "headline": "The Headline", "datePublished": "2015-03-17T16:27:40.294Z",
         "creator": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "givenName": "Ravi",
                                                                "familyName": "Kumar", "name": "Ravi Kumar"}],
         "publisher": {"@id": "#org"}}]})
    record, _ = read(page(head), collection=None)
    assert [a.name for a in record.authors] == ["Jane Doe", "Ravi Kumar"]
    assert record.authors[1].family == "Kumar"
    assert record.published == "2015-03-17"
    assert record.publisher.name == "Brookings Institution"


def test_og_site_name_is_the_publisher_and_article_published_time_the_date():
    head = ("<meta property='og:site_name' content='Opinion Daily'>"
            "<meta property='article:published_time' content='2021-06-30T23:30:00-07:00'>"
            "<meta name='author' content='By Ben Silverman Games Editor'>")
    record, _ = read(page(head), collection=None)
    assert record.publisher.name == "Opinion Daily"
    assert record.published == "2021-06-30"  # the page's own zone; UTC would say 1 July
    assert [a.name for a in record.authors] == ["Ben Silverman"]


@pytest.mark.parametrize("text, expected", [
    ("Brenda Goodman, MA", {"name": "Brenda Goodman", "given": "Brenda", "family": "Goodman"}),
    ("By Jane Doe", {"name": "Jane Doe", "given": "Jane", "family": "Doe"}),
    ("Jane Doe, Senior Fellow", {"name": "Jane Doe", "given": "Jane", "family": "Doe"}),
    ("Ben Silverman Games Editor", {"name": "Ben Silverman", "given": "Ben", "family": "Silverman"}),
    ("Wikimedia Foundation", {"name": "Wikimedia Foundation", "kind": "organization"}),
    ("Reuters Staff", {"name": "Reuters Staff", "kind": "organization"}),
    ("The Washington Post", {"name": "The Washington Post", "kind": "organization"}),
    ("Emily Post", {"name": "Emily Post", "given": "Emily", "family": "Post"}),
])
def test_names_lose_titles_degrees_and_by_and_organisations_stay_whole(text, expected):
    assert author_from_name(text) == expected


def test_dc_creator_in_family_given_form_is_one_author():
    head = "<meta name='DC.Creator' content='Jong, Michiel de'><meta name='DC.Date' content='2019-02-01'>"
    record, _ = read(page(head))
    assert [(a.name, a.given, a.family) for a in record.authors] == [("Michiel de Jong", "Michiel", "de Jong")]


def test_citation_authors_each_tag_one_author():
    head = ("<meta name='citation_author' content='Tan, Mei'><meta name='citation_author' content='Lee Kuan'>"
            "<meta name='citation_publication_date' content='2020/05/31'>")
    record, _ = read(page(head))
    assert [a.name for a in record.authors] == ["Mei Tan", "Lee Kuan"]


def test_a_visible_byline_and_date_line_serve_when_the_metadata_is_silent():
    body = f"<p class='byline'>Posted by Andrew Zonenberg</p><p class='date-header'>Sunday, May 8, 2016</p><p>{TEXT}</p>"
    record, warnings = read(page(body=body))
    assert [a.name for a in record.authors] == ["Andrew Zonenberg"]
    assert record.published == "2016-05-08"
    assert not any("Posted by" in plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph))


def test_entities_left_escaped_in_titles_are_decoded():
    head = "<meta property='og:title' content='Why &amp;#8220;water&amp;#8221; matters'><meta name='author' content='A B'>" \
           "<meta name='date' content='2020-01-02'>"
    data = page(head).replace(b"<h1>The Headline</h1>", b"")
    record, _ = read(data)
    assert record.title == "Why \u201cwater\u201d matters"


def test_every_problem_of_a_page_is_reported_together():
    head = "<meta name='citation_publication_date' content='2024-13-45'>"
    with pytest.raises(RecordInvalid) as caught:
        read(page(head), collection=None)
    assert {p.pointer for p in caught.value.problems} == {"/published", "/authors", "/publisher"}


def test_a_body_far_shorter_than_the_article_is_w011():
    # the site's content element holds a photo caption; the article holds the text
    body = "<p>A river at dawn, photographed by the author.</p>"
    record, warnings = read(page("<meta name='author' content='A B'><meta name='date' content='2020-01-02'>",
                                 body=body, article_extra=f"<section><p>{TEXT}</p></section>"))
    assert "W011" in {w.code for w in warnings}


def test_an_empty_body_is_w011_and_fatal_under_strict(tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    source = tmp_path / "p.html"
    source.write_bytes(page("<meta name='author' content='A B'><meta name='date' content='2020-01-02'>"
                            "<meta property='og:site_name' content='S'>", body="<p><img src='x.png'></p>"))
    collection = tmp_path / "c.yaml"
    collection.write_text("publisher: {name: P}\n")
    result = CliRunner().invoke(main, ["ingest", str(source), "-o", str(tmp_path / "r"), "--strict"])
    assert result.exit_code == 3 and "W011" in result.output
    assert not (tmp_path / "r").exists() or not list((tmp_path / "r").glob("*.json"))


@pytest.mark.parametrize("furniture", [
    "<p>The Brookings Institution is a nonprofit organization devoted to independent research and policy "
    "solutions. Its mission is to conduct high-quality, independent research.</p>",
    "<div class='newsletter-signup'><p>Get our weekly briefing.</p></div>",
    "<p>Sign up for our newsletter and get the latest in your inbox.</p>",
    "<p>PDF version</p>", "<p>Download the PDF (1.2 MB)</p>", "<p>Related: How rivers work</p>",
    "<ul class='share-buttons'><li>Facebook</li><li>Twitter</li></ul>",
    "<p>We use cookies to improve your experience on our site.</p>",
])
def test_common_furniture_is_dropped_with_w006(furniture):
    head = "<meta name='author' content='A B'><meta name='date' content='2020-01-02'>"
    record, warnings = read(page(head, body=f"<p>{TEXT}</p>{furniture}"))
    text = " ".join(plain_text(b.content) for b in walk(record.body.blocks) if isinstance(b, Paragraph))
    assert "W006" in {w.code for w in warnings}
    for word in ("nonprofit", "weekly briefing", "newsletter", "PDF", "Related", "Facebook", "cookies"):
        assert word not in text


def test_article_text_that_mentions_such_words_is_kept():
    kept = "<p>Recommended policies include a tax on water use, which the PDF of the bill explains.</p>"
    head = "<meta name='author' content='A B'><meta name='date' content='2020-01-02'>"
    record, warnings = read(page(head, body=f"<p>{TEXT}</p>{kept}"))
    assert "W006" not in {w.code for w in warnings}
    assert any("Recommended policies" in plain_text(b.content) for b in walk(record.body.blocks)
               if isinstance(b, Paragraph))


def test_an_html_page_always_has_its_file_name_as_the_last_identifier():
    head = "<meta name='author' content='A B'><meta name='date' content='2020-01-02'>"
    record, warnings = read(page(head), name="BR18001.html")
    assert record.identifier == "BR18001"
    assert any(w.code == "W001" and w.pointer == "/identifier" for w in warnings)


def test_iso_date_times_of_every_form():
    for text in ("2015-03-17T16:27:40.294Z", "2015-03-17T16:27:40+05:30", "2015-03-17T16:27", "2015-03-17 16:27:40"):
        assert parse_date(text) == ("2015-03-17", False)
    with pytest.raises(ValueError):
        parse_date("2015-02-30T10:00:00Z")


@pytest.mark.parametrize("line, expected", [
    ("Samstag, 5. Oktober 2013", "2013-10-05"), ("12. März 2020", "2020-03-12"),
    ("Publié le 3 décembre 2019", "2019-12-03"), ("Posted on Tuesday 15 October 2019 at 09:11", "2019-10-15"),
])
def test_date_lines_in_german_french_and_english(line, expected):
    body = f"<p class='post-date'>{line}</p><p>{TEXT}</p>"
    record, _ = read(page("<meta name='author' content='A B'>", body=body))
    assert record.published == expected

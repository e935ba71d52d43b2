"""Recognising a source's kind reads a bounded prefix with checks that cannot backtrack (issue 14, point 5)."""

from __future__ import annotations

import pytest

from archiver.ingest import SNIFF_BYTES, detect, first_element, markup_kind

PAGE_AFTER_COMMENTS = b"<!-- c -->\n" * 100_000 + b"<!DOCTYPE html><html><body><article><h1>T</h1></article>"


def test_a_page_opening_with_100000_comments_is_html():
    # it hung for minutes in a backtracking pattern; now the prefix is walked once
    assert detect(PAGE_AFTER_COMMENTS, "news") == "html"
    assert first_element(PAGE_AFTER_COMMENTS) == (None, False, True)


def test_the_work_is_bounded_by_the_prefix_not_by_the_source():
    # the same answer whether the comments go on for 1 MB or 100 MB: only SNIFF_BYTES are looked at
    huge = b"<!-- c -->" * (10 * SNIFF_BYTES)
    assert markup_kind(huge) == "html"
    assert first_element(huge[:SNIFF_BYTES]) == first_element(huge)


def test_unclosed_comments_and_declarations_end_the_walk():
    for data in (b"<!--" + b"-" * 200_000, b"<?xml " + b"?" * 200_000, b"<!DOCTYPE x [" + b"<" * 200_000):
        assert first_element(data)[2] is True


@pytest.mark.parametrize("data", [
    b"<!-- generated -->\n<article class=\"post\"><h1>A page</h1><p>Text</p></article>",
    b"\xef\xbb\xbf<!DOCTYPE html>\n<!-- c --><article><p>x</p></article>",
    b"<!doctype html><html lang=en><body><article>x</article></body></html>",
    b"<!-- a --><!-- b --><html><body>x</body></html>",
])
def test_an_article_element_after_comments_is_a_page(data):
    assert detect(data, "saved") == "html"


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?>\n<!-- c -->\n<!DOCTYPE article PUBLIC "-//NLM//DTD JATS" "x.dtd" [<!ENTITY a "b">]>\n'
    b'<article article-type="commentary"><front/></article>',
    b'<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta/></front></article>',
])
def test_a_jats_article_is_still_jats(data):
    assert detect(data, "article.bin") == "jats"


def test_other_xml_is_left_to_the_other_readers():
    assert markup_kind(b"<?xml version='1.0'?><records/>") is None
    assert markup_kind(b"CO23081 Central Asia") is None
    assert first_element(b"  <x:article>") == (b"x:article", False, False)


def test_an_article_after_100000_comments_is_a_page():
    assert detect(b"<!-- c -->\n" * 100_000 + b"<article><h1>T</h1><p>Text</p></article>", "saved") == "html"


class _Watched(bytes):
    """Source bytes that record which slices of themselves detection asks for."""
    asked: list

    def __getitem__(self, key):
        type(self).asked.append(key)
        return bytes.__getitem__(self, key)


def test_recognising_markup_looks_at_the_prefix_only():
    _Watched.asked = []
    data = _Watched(b"<!-- c -->" * 500_000 + b"<article/>")
    assert markup_kind(data) == "html"
    slices = [key for key in _Watched.asked if isinstance(key, slice)]
    assert slices and all(key.start in (None, 0) and key.stop is not None and key.stop <= SNIFF_BYTES
                          for key in slices)

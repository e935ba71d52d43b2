"""JSON Feed (versions 1 and 1.1, https://www.jsonfeed.org/version/1.1/) -> loose records: each item
of a feed one record.

An item's `authors` (1.1; `author` in 1.0) are its authors, else the feed's, as the specification
says; its `language` is its own, else the feed's. The feed itself is the series (`title`, and its
`home_page_url` as the series' address). The body is `content_html`, else `content_text` (plain text,
paragraphs at blank lines); links in it that are relative are resolved against the item's `url`, as
a feed reader does. The item's `image` becomes the body's first figure, captioned with the item's
title (W001): its picture is kept only when it is a PNG or JPEG file beside the feed, never fetched
(W003 otherwise). A feed names no publisher: it comes from the export's sidecar or the collection.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from . import Crosswalked, apply, date, finish_identifier, language, link, split_terms, text

#: the `version` a JSON Feed opens with
VERSION_PREFIX = "https://jsonfeed.org/version/"

#: a feed's own fields that say nothing a record of one of its items keeps (the feed's bookkeeping)
FEED_IGNORED = frozenset({"version", "feed_url", "description", "user_comment", "next_url", "icon", "favicon",
                          "expired", "hubs", "items"})
#: a feed's fields that every record of it takes (the rest are left out, W002)
FEED_READ = frozenset({"title", "home_page_url", "authors", "author", "language"})
#: an item's fields read by `crosswalk` itself rather than by the table
READ_APART = frozenset({"content_html", "content_text", "image", "date_modified", "author", "authors"})


def authors(value: Any) -> list[dict]:
    """JSON Feed author objects ({"name", "url", "avatar"}) as loose-record authors: a person's name
    split, an organisation's ("The rOpenSci Team") kept whole."""
    from ...normalize import author_from_name
    found = []
    for author in value if isinstance(value, list) else [value]:
        name = text(author.get("name")) if isinstance(author, dict) else None
        made = author_from_name(name) if name else None
        if made:
            found.append(made)
    return found


def identifier(value: Any) -> dict | None:
    """An item's `id`: a DOI (as a URL or "doi:...") is the record's DOI; a URL, its source page."""
    return link(value)


#: JSON Feed item field -> (record field, converter)
TABLE = {
    "id": ("links", identifier),
    "url": ("links", link),
    "title": ("title", text),
    "summary": ("abstract", text),
    "date_published": ("published", date),
    "language": ("language", language),
    "tags": ("subjects", split_terms),
}


def crosswalk(item: dict[str, Any], feed: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, {k: v for k, v in item.items() if k not in READ_APART}, frozenset())
    loose = result.loose
    found = authors(item.get("authors") or item.get("author")) or authors(feed.get("authors") or feed.get("author"))
    if found:
        loose["authors"] = found
    if "language" not in loose and language(feed.get("language")):
        loose["language"] = language(feed["language"])
    series = {"name": text(feed.get("title")), "url": text(feed.get("home_page_url"))}
    if series["name"]:
        loose["series"] = {key: value for key, value in series.items() if value}
    modified = date(item.get("date_modified"))
    if modified and loose.get("published") and modified > loose["published"]:
        loose["modified"] = modified
    elif modified and modified != loose.get("published"):
        result.left_out.append("date_modified (not after date_published)")
    result.left_out.extend(f"feed {key}" for key, value in feed.items()
                           if key not in FEED_IGNORED | FEED_READ and value not in (None, "", [], {}))
    base = text(item.get("url")) or text(feed.get("home_page_url"))
    body = _body(item, base)
    if _image(item) and loose.get("title"):
        result.guessed.append(("/body", f"the item's image {_image(item)} became its first figure, captioned "
                                        "with the item's title (a feed gives no caption)"))
    if body:
        loose["body"], loose["body_format"] = body, "html"
    own = text(item.get("id"))
    return finish_identifier(result, own if own and not _scheme(own) else None)


def _scheme(value: str) -> str:
    """A URL's scheme ("https"), "" for a relative reference, "invalid" for what no URL parser reads."""
    try:
        return urlsplit(value).scheme
    except ValueError:
        return "invalid"


def _image(item: dict[str, Any]) -> str | None:
    return text(item.get("image"))


def _body(item: dict[str, Any], base: str | None) -> str | None:
    """The item's content as HTML: content_html, else content_text in paragraphs; the item's image
    as a figure before it; relative links resolved against `base`."""
    content = item.get("content_html") if isinstance(item.get("content_html"), str) else None
    if content is None and isinstance(item.get("content_text"), str):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", item["content_text"]) if p.strip()]
        content = "".join(f"<p>{html.escape(' '.join(p.split()))}</p>" for p in paragraphs)
    if content is not None and base:
        content = _absolute_links(content, base)
    image, title = _image(item), text(item.get("title"))
    if image and title:
        figure = (f'<figure><img src="{html.escape(image, quote=True)}" alt="">'
                  f"<figcaption>{html.escape(title)}</figcaption></figure>")
        content = figure + (content or "")
    return content if content and content.strip() else None


_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.I | re.S)


def _absolute_links(content: str, base: str) -> str:
    """Relative link targets (`href`) resolved against the item's URL; image sources are left as
    they are, so that a picture saved beside the feed under its relative path is found there."""
    def resolve(match: re.Match) -> str:
        target = html.unescape(match[3]).strip()
        if not target or target.startswith("#") or _scheme(target) or _scheme(base) == "invalid":
            return match[0]  # kept as written: the body reader reports a target it cannot link to
        return f"{match[1]}{match[2]}{html.escape(urljoin(base, target), quote=True)}{match[2]}"
    return _HREF.sub(resolve, content)

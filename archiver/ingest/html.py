"""Reader for a saved HTML article page from any site: issue 3 points 4 and 6, issue 14 points 3 and 4.

The page's metadata is `pagemeta`'s; its body is `htmlbody`'s walk of the article's content element:
the element the site rules name (`sites.py`), else the page's own article markup (`itemprop=
articleBody`, a single `<article>`'s content class), else what trafilatura extracts as the main
content. Furniture inside the content (share rows, newsletter and consent boxes, "related" lists, "PDF
version" lines, funders' disclaimers) is dropped with W006. A body that is empty or far shorter than
the page's article text is W011, never a silent loss. Every problem of a page (missing title, author,
date, publisher, identifier, unreadable date) is reported together.

Parsing is safe for hostile pages: lxml's HTML parser with no network, no huge trees, comments and
processing instructions dropped; no DTD is loaded and no entity beyond HTML's own is expanded.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from ..collection import url_segment
from ..errors import ArchiverWarning, InputError, Problem
from ..normalize import clean_text
from . import Draft, Neighbour, markup_kind
from .article import finish
from .htmlbody import Article, Captured
from .htmltree import BLOCK_TAGS
from .pagemeta import Meta, is_dateline, metadata
from .pagetext import decode
from .sites import FURNITURE_CLASSES, Site, is_furniture, site_for

# Not <form>: some sites (ASP.NET) wrap the whole page in one; its controls are dropped instead.
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "button",
              "input", "select", "textarea", "svg", "canvas", "nav")
_HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
#: the page's own markup of its article text, on sites without rules (first found wins)
_GENERIC_CONTENT = tuple(
    ["//*[contains(concat(' ', @itemprop, ' '), ' articleBody ')]"] +
    [f"//article//*[{_HAS_CLASS.format(name)}]" for name in ("entry-content", "post-content", "article-body",
                                                             "article__body", "article-content", "story-body",
                                                             "post-body", "body-content", "field--name-body")])
#: a body shorter than this share of the page's article text (in words) is W011
SHORT_BODY_SHARE = 0.5
#: pages whose article text is shorter than this many words are not judged short (a brief note)
SHORT_BODY_FLOOR = 80


def sniff(data: bytes, name: str) -> bool:
    return name.lower().endswith((".html", ".htm", ".xhtml")) or markup_kind(data) == "html"


#: a saved page's images come from the files saved beside it ("Web Page, complete") or from the page
#: itself (data: URIs, as SingleFile saves them)
USES_NEIGHBOURS = True
#: a collection's defaults decide the identifier's making, the publisher and the language
USES_COLLECTION = True


def read(data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
    source = PurePath(name).name
    warnings: list[ArchiverWarning] = []
    return [read_page(decode(data, source, warnings), source, warnings, neighbour, collection)]


def read_page(text: str, source: str, warnings: list[ArchiverWarning], neighbour: Neighbour | None = None,
              collection: Any = None, url: str | None = None, captured: Captured | None = None,
              identifier: str | None = None) -> Draft:
    """One page's draft record. `url`: where the page was captured (a web archive's target URI), the
    canonical URL when the page names none, its "file name" and the base of its relative links;
    `captured`: the archive's images by URL; `identifier`: the one the archive gives the page instead
    of its own (`article.finish`)."""
    problems: list[Problem] = []
    document = _parse(text, source)
    meta = Meta(document)
    site = site_for(text)
    parts = metadata(meta, document, site, source, warnings, problems)
    if url:
        parts["identifiers"]["file"] = url_segment(url)
        parts["identifiers"]["canonical"] = parts["identifiers"].get("canonical") or url
    base = parts.get("links", {}).get("source") or url
    for element in document.xpath(" | ".join(f"//{tag}" for tag in _DROP_TAGS)):
        element.drop_tree()
    reference = _article_words(document)
    content = _content(document, text, site, base, source, warnings, reference)
    article = Article(parts, site, source, warnings, base=base, neighbour=neighbour or (lambda relative: None),
                      captured=captured)
    absent = []
    if content is None:
        absent.append(Problem(f"{source}: no article text found in the page", "/body", source,
                                "give the saved page of one article (not a listing or home page)"))
    else:
        article.read(content)
    record = finish(parts, site, source, warnings, collection=collection, problems=problems, absent=absent,
                    identifier=identifier)
    _check_length(record, reference, source, warnings)
    made_from = parts.get("identifier_from")
    canonical = (parts.get("identifiers") or {}).get("canonical")
    url_made = (made_from, canonical) if made_from in ("canonical", "file") else None
    return Draft(record, _once(warnings), assets=article.place_images(record), url_made=url_made)


def _once(warnings: list[ArchiverWarning]) -> list[ArchiverWarning]:
    """Each furniture line said once, with how often it was dropped (a page's 40 "Share" buttons)."""
    counts: dict[str, int] = {}
    for warning in warnings:
        if warning.code == "W006":
            counts[warning.message] = counts.get(warning.message, 0) + 1
    out = []
    for warning in warnings:
        if warning.code != "W006":
            out.append(warning)
        elif (count := counts.pop(warning.message, 0)):
            message = warning.message + (f" ({count} times)" if count > 1 else "")
            out.append(ArchiverWarning("W006", message, warning.source, warning.pointer))
    return out


def _parse(text: str, source: str):
    from lxml import etree, html
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError(f"{source}: the HTML file is empty", source=source, hint="save the page again")
    parser = html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        document = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{source}: not readable as HTML ({exc})", source=source,
                         hint="give the page saved as 'Web page, HTML only'") from None
    return document

def _content(document, text: str, site: Site | None, base: str | None, source: str, warnings, reference: int):
    """The element holding the article's text, its furniture removed; None when the page has none."""
    for expression in (site.html_content if site else ()) + _GENERIC_CONTENT:
        found = document.xpath(expression)
        if found:
            content = found[0]
            for furniture in (site.html_furniture if site else ()):
                for element in content.xpath(furniture):
                    _drop(element, source, warnings)
            break
    else:
        content = _extracted(text, base, reference)
        if content is None:
            return None
    _drop_furniture(content, source, warnings)
    return content


def _drop(element, source: str, warnings: list[ArchiverWarning]) -> None:
    """Drop furniture; W006 names the text dropped (an empty share icon loses none, and says nothing)."""
    shown = clean_text(element.text_content())
    if shown:
        warnings.append(ArchiverWarning("W006", "dropped page furniture: " + shown[:60], source))
    element.drop_tree()


def _drop_furniture(content, source: str, warnings: list[ArchiverWarning]) -> None:
    """Furniture any site puts inside its article: boxes by their class or id, blocks by their text."""
    boxes = content.xpath(".//*[" + " or ".join(
        f"contains(translate(concat(' ', @class, ' ', @id, ' '), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        f"'abcdefghijklmnopqrstuvwxyz'), '{name}')" for name in FURNITURE_CLASSES) + "]")
    total = len(clean_text(content.text_content()).split())
    marked = set(boxes)
    for element in boxes:
        # a box holding much of the article is a wrapper that happens to carry such a class
        if element.getparent() is not None and not any(a in marked for a in element.iterancestors()) \
                and len(clean_text(element.text_content()).split()) <= max(0.3 * total, 30):
            _drop(element, source, warnings)
    for element in list(content.iter(*BLOCK_TAGS, "li", "div", "section", "aside")):
        if element.getparent() is None:
            continue
        text = clean_text(element.text_content())
        if is_furniture(text) or is_dateline(text):
            _drop(element, source, warnings)


def _article_words(document) -> int:
    """Words of the page's article text as its own markup bounds it (the longest of its <article>,
    `articleBody` and <main> elements), or of its <body>: what the record's body is measured against."""
    candidates = document.xpath("//article | //*[@itemprop='articleBody'] | //main")
    counts = [_words(element) - sum(_words(thread) for thread in element.xpath(_COMMENTS))
              for element in candidates[:50]]
    return max(counts) if counts else 0


#: a comment thread inside an article element is not the article's text
_COMMENTS = (".//*[(contains(@id, 'comments') or contains(@class, 'comments') or contains(@class, 'comment-list'))"
             " and not(ancestor::*[contains(@id, 'comments') or contains(@class, 'comments')])]")


def _words(element) -> int:
    return len(clean_text(element.text_content()).split())


def _check_length(record: dict, reference: int, source: str, warnings: list[ArchiverWarning]) -> None:
    words = len(" ".join(_texts(record.get("body", {}))).split())
    if not words:
        warnings.append(ArchiverWarning("W011", "the record's body is empty: no article text was found in the "
                                        "page", source, "/body"))
    elif reference >= SHORT_BODY_FLOOR and words < SHORT_BODY_SHARE * reference:
        warnings.append(ArchiverWarning("W011", f"the record's body has {words} words, the page's article "
                                        f"{reference}: text may have been lost", source, "/body"))


def _texts(node: Any):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in ("type", "id", "url", "image", "note", "label"):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def _extracted(text: str, base: str | None, reference: int):
    """The main content as trafilatura finds it, in its XML (which, unlike its HTML output, keeps
    ordered lists), renamed to the HTML elements the mapper reads. Its precise mode first; when that
    keeps far less than the page's article text (a photo caption for the article), its recall mode."""
    import trafilatura
    from lxml import etree, html
    main = None
    for precision in (True, False):
        result = trafilatura.extract(text, url=base, output_format="xml", include_formatting=True,
                                     include_links=True, include_images=True, include_tables=True,
                                     include_comments=False, favor_precision=precision, favor_recall=not precision)
        if result:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
            found = etree.fromstring(result.encode("utf-8"), parser).find("main")
            if found is not None and len(found):
                main = found
                if len(clean_text("".join(found.itertext())).split()) >= SHORT_BODY_SHARE * reference:
                    break
    if main is None:
        return None
    for element in main.iter():
        rename = _TRAFILATURA_TAGS.get(element.tag)
        rend = element.get("rend") or ""
        if element.tag == "head":
            element.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h2"
        elif element.tag == "hi":
            element.tag = _TRAFILATURA_STYLES.get(rend, "span")
        elif element.tag == "list":
            element.tag = "ol" if rend == "ol" else "ul"
        elif element.tag == "ref":
            element.tag = "a"
            element.set("href", element.get("target") or "")
        elif element.tag == "cell":
            element.tag = "th" if element.get("role") == "head" else "td"
        elif element.tag == "graphic":
            element.tag = "img"
        elif rename:
            element.tag = rename
    main.tag = "div"
    return html.fragment_fromstring(etree.tostring(main, encoding="unicode"),
                                    parser=html.HTMLParser(no_network=True, huge_tree=False))


#: trafilatura's XML vocabulary -> HTML elements (`head`, `hi`, `list`, `ref`, `cell` need attributes)
_TRAFILATURA_TAGS = {"item": "li", "quote": "blockquote", "row": "tr", "lb": "br", "code": "code", "p": "p",
                     "table": "table"}
_TRAFILATURA_STYLES = {"#i": "em", "#b": "strong", "#sup": "sup", "#sub": "sub", "#t": "code", "#u": "span"}



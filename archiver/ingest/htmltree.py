"""The HTML tree as the article walk (htmlbody.py) reads it: which elements are blocks, how loose text
and inline runs between them are gathered into paragraphs, the article's marker and heading shapes
(a bare "SYNOPSIS", a bold-only line, a note starting with its back link), and the white space rules of
an inline run (folded, merged, trimmed at a block's ends).
"""

from __future__ import annotations

import re

from ..normalize import clean_text
from .article import MARKER_TEXT

#: the elements the walk reads as blocks of their own
BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "figure", "table", "pre",
              "hr", "dl", "img"}
_CONTAINERS = {"div", "section", "article", "main", "header", "footer", "aside", "span", "center", "font", "li"}
#: wrappers that break a line (their text is a paragraph of its own); other inline elements run on
_BLOCK_CONTAINERS = _CONTAINERS - {"span", "font"}


def block_elements(element):
    """The block-level elements of a container, in document order, looking through wrappers. Loose
    text and inline elements between blocks (a blog's `text <a>link</a> text<br><br>`) are gathered
    into one paragraph per run; two line breaks end a run."""
    run = _wrap("")
    if element.text and element.text.strip() and element.tag in _CONTAINERS - {"li"}:
        run.text = element.text
    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif child.tag in BLOCK_TAGS or (child.tag in _CONTAINERS and any(
                isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in child.iterdescendants())):
            yield from _flush(run)
            run = _wrap("")
            yield from ([child] if child.tag in BLOCK_TAGS else block_elements(child))
        elif child.tag in _BLOCK_CONTAINERS:
            yield from _flush(run)
            run = _wrap("")
            if clean_text(child.text_content()):
                paragraph = _wrap("")
                paragraph.append(detached(child))
                yield paragraph
        elif child.tag == "br" and _double_break(child):
            yield from _flush(run)
            run = _wrap("")
        else:
            run.append(detached(child))
        if child.tail and child.tail.strip() and element.tag in _CONTAINERS:
            if len(run):
                run[-1].tail = (run[-1].tail or "") + child.tail
            else:
                run.text = (run.text or "") + child.tail
    yield from _flush(run)


def _flush(run):
    if clean_text(run.text_content()):
        yield run


def _double_break(br) -> bool:
    """A <br> right after another (nothing but white space between): a paragraph break."""
    previous = br.getprevious()
    return previous is not None and previous.tag == "br" and not (previous.tail or "").strip()


def _wrap(text: str):
    from lxml import html
    element = html.Element("p")
    element.text = text
    return element


def detached(element):
    import copy
    clone = copy.deepcopy(element)
    clone.tail = None
    return clone


def fragment(text: str | None) -> list:
    return [text] if text else []


def bare_marker(pattern: re.Pattern, text: str) -> bool:
    """The text is the marker alone: a heading "Synopsis", not a paragraph "Synopsis: ..." (the page-text
    reader takes the latter too; in HTML such a paragraph is text)."""
    match = pattern.fullmatch(text)
    return bool(match) and not any(match.groups())


def has_marker(content, pattern: re.Pattern) -> bool:
    return any(bare_marker(pattern, clean_text(element.text_content()))
               for element in content.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "strong", "b"))


def is_bold_line(element) -> bool:
    """A paragraph that is only bold text: how many sites set their headings."""
    children = [c for c in element if isinstance(c.tag, str)]
    return len(children) == 1 and children[0].tag in ("strong", "b") and not (element.text or "").strip() \
        and not (children[0].tail or "").strip()


def starts_with_backlink(element) -> bool:
    first = next((c for c in element.iter() if c is not element and isinstance(c.tag, str)), None)
    return first is not None and first.tag in ("a", "sup") and not (element.text or "").strip() and \
        bool(MARKER_TEXT.fullmatch(clean_text(first.text_content())))


def _fold(text: str) -> str:
    """White space folded to single spaces; a space at either end kept (it separates inlines)."""
    core = clean_text(text)
    if not core:
        return " " if text else ""
    return (" " if text[:1].isspace() else "") + core + (" " if text[-1:].isspace() else "")


def merge(inlines: list) -> list:
    out: list = []
    for node in inlines:
        if isinstance(node, str):
            node = _fold(node)
            if not node:
                continue
            if out and isinstance(out[-1], str):
                out[-1] = _fold(out[-1] + node)
                continue
        out.append(node)
    return out


def trim_heading(inlines: list) -> list:
    """A heading's inlines: a heading set wholly in bold is a plain heading."""
    out = trim(inlines)
    if len(out) == 1 and isinstance(out[0], dict) and out[0]["type"] == "strong":
        return trim(out[0]["content"])
    return out


def trim_inner(inlines: list) -> list:
    merged = merge(inlines)
    return merged if any(not isinstance(n, str) or n.strip() for n in merged) else []


def trim(inlines: list) -> list:
    """Inlines of one block: merged, without white space at either end."""
    out = merge(inlines)
    while out and isinstance(out[0], str) and not out[0].strip():
        out.pop(0)
    while out and isinstance(out[-1], str) and not out[-1].strip():
        out.pop()
    if out and isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if out and isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return out

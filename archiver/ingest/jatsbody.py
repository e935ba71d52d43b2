"""JATS reader, body part: `<body>`, `<back>` notes and acknowledgements -> the record's blocks.

Mixed into `archiver/ingest/jats.py`'s reader. An article written by archiver is read back exactly
(its wrappers and boxes unwrapped by their `content-type`); a publisher's article is read as far as the
record can hold it: every `fig` (inside `fig-group` too) is a figure, its image kept only when it is a
PNG or JPEG file beside the article (else W003, caption kept); white space in text is normalised;
links are kept when absolute (a DOI link becomes https://doi.org/...), resolved against the article's
own URL when relative, else dropped with W002; what the record cannot hold is W002 naming the element.
"""

from __future__ import annotations

import re
from copy import deepcopy
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin

from lxml import etree

from ..jatsmap import (ALT_PARAGRAPH, CODE_TAG, DERIVED, HREF, LOST_FIGURE, META_OPENING, PRINTED_URL, STYLED_TYPES,
                       UNTITLED)
from . import asset, image_type

_STRING = etree.XPath("string()")
#: JATS block elements a foreign `<p>` may hold; they become blocks of their own
_BLOCK_TAGS = frozenset({"sec", "p", "list", "disp-quote", "fig", "fig-group", "table-wrap", "boxed-text",
                         "supplementary-material", "media", "disp-formula", "disp-formula-group", "graphic",
                         "code", "preformat"})
#: children of block containers that are not blocks (their parents read them)
_NOT_BLOCKS = frozenset({"label", "title", "sec-meta", "caption", "attrib", "permissions", "object-id",
                         "alt-text", "long-desc"})
#: block elements the record has no node for: left out with W002
_DROPPED_BLOCKS = frozenset({"supplementary-material", "media", "disp-formula", "disp-formula-group",
                             "app-group", "app", "glossary", "ref-list", "fn-group", "table-wrap-foot",
                             "question-wrap", "chem-struct-wrap", "graphic"})
_LINK_URL = re.compile(r"^(https?://|mailto:)\S+$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:|^//")
_SPACE = re.compile(r"\s+")
#: a figure image path the record schema accepts
_IMAGE_PATH = re.compile(r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9._/-]+\.(png|jpg|jpeg)$")


def text_of(element: etree._Element | None) -> str | None:
    """The text of an element, markup dropped; None for a missing element."""
    return None if element is None else _STRING(element)


def elements(parent: etree._Element):
    return (child for child in parent if isinstance(child.tag, str))


class BodyReader:
    """The body half of the JATS reader (see `archiver/ingest/jats.py` for the attributes it uses)."""

    def body_blocks(self, body: etree._Element) -> list[dict[str, Any]]:
        """The body's blocks; those before its first `sec` are the untitled opening section when the
        writer says so (archiver's JATS) or, in a foreign article, when sections follow them."""
        children = [child for child in elements(body) if child.tag not in _NOT_BLOCKS]
        first = next((i for i, child in enumerate(children) if child.tag == "sec"), len(children))
        lead = [block for child in children[:first] for block in self.block(child)]
        rest = [block for child in children[first:] for block in self.block(child)]
        opening = self.custom.get(META_OPENING) if self.ours else ("" if lead and rest else None)
        if opening is None:
            return lead + rest
        section: dict[str, Any] = {"type": "section"}
        if opening:
            section["id"] = opening
        section.update(title=[], blocks=lead)
        return [section, *rest]

    def blocks(self, container: etree._Element) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for child in elements(container):
            if child.tag not in _NOT_BLOCKS:
                out.extend(self.block(child))
        return out

    def block(self, element: etree._Element) -> list[dict[str, Any]]:
        tag = element.tag
        if tag == "p":
            return self.paragraph(element)
        if tag == "sec":
            section: dict[str, Any] = {"type": "section"}
            put(section, "id", element.get("id"))
            title = element.find("title")
            section["title"] = self.inlines(title, trim=True) if title is not None else []
            section["blocks"] = self.blocks(element)
            return [section]
        if tag == "boxed-text" and self.ours and element.get("content-type") == UNTITLED:
            untitled: dict[str, Any] = {"type": "section"}
            if element.get("id") not in self.generated:
                put(untitled, "id", element.get("id"))
            untitled.update(title=[], blocks=self.blocks(element))
            return [untitled]
        if tag == "boxed-text" and self.ours and element.get("content-type") == LOST_FIGURE:
            return [self.figure(element)]
        if tag == "boxed-text":
            if not self.ours:
                self.drop(element, "box kept as plain blocks (the record has no boxes)")
            return self.blocks(element)  # archiver's wrapper holds one section; a foreign box its blocks
        if tag == "list":
            items = [blocks for item in element.iterfind("list-item") if (blocks := self.blocks(item))]
            if not items:
                return []
            return [{"type": "list", "ordered": element.get("list-type") not in (None, "bullet", "simple"),
                     "items": items}]
        if tag == "disp-quote":
            quote: dict[str, Any] = {"type": "quote", "blocks": self.blocks(element)}
            attrib = element.find("attrib")
            if attrib is not None and (attribution := self.inlines(attrib, trim=True)):
                quote["attribution"] = attribution
            return [quote] if quote["blocks"] else []
        if tag == "fig":
            return [self.figure(element)]
        if tag == "fig-group":
            if element.find("caption") is not None:
                self.drop(element.find("caption"), "caption of a figure group (each figure keeps its own)")
            return [self.figure(fig) for fig in element.iter("fig")]
        if tag == "table-wrap":
            if element.find(".//table") is None:  # a table given only as an image: a figure
                return [self.figure(element)]
            return [self.table(element)]
        if tag in ("code", "preformat") and not self.ours:  # a listing: its text, as code
            text = text_of(element)
            return [{"type": "paragraph", "content": [{"type": "code", "text": text}]}] if text and text.strip() else []
        if tag in _DROPPED_BLOCKS:
            self.drop(element, "an image outside a figure, left out" if tag == "graphic" else
                      "the record has no place for it")
            return []
        text = self.clean(text_of(element))
        if text and text.strip():
            if not self.ours:
                self.drop(element, "kept as a plain paragraph")
            return [{"type": "paragraph", "content": [text]}]
        return []

    def paragraph(self, element: etree._Element) -> list[dict[str, Any]]:
        """A `<p>`; the blocks a foreign `<p>` (or archiver's `WRAPPER`) holds become blocks of their own."""
        if not any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in element):
            content = self.inlines(element, trim=True)
            return [{"type": "paragraph", "content": content}] if content else []
        out: list[dict[str, Any]] = []
        run = etree.Element("p")
        run.text = element.text

        def flush() -> None:
            # White space around a block inside a foreign <p> is layout, not a paragraph.
            content = self.inlines(run, trim=True)
            if content and (len(content) > 1 or not isinstance(content[0], str) or content[0].strip()):
                out.append({"type": "paragraph", "content": content})

        for child in element:
            if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
                flush()
                run = etree.Element("p")
                run.text = child.tail
                out.extend(self.block(child))
            else:
                run.append(deepcopy(child))
        flush()
        return out

    def figure(self, element: etree._Element) -> dict[str, Any]:
        figure: dict[str, Any] = {"type": "figure", "id": element.get("id") or self.new_id("fig")}
        graphic = element.find(".//graphic")
        href = (graphic.get(HREF) or "").strip() if graphic is not None else ""
        if self.ours:
            put(figure, "image", href or None)
            if href:
                data, why = self.beside(href)
                if data is not None:
                    self.assets[href] = data
                elif why:  # there but not readable (absent: the record says where it was)
                    self.warn("W003", f"image {href!r} {why}; caption and credit kept", element)
        elif href or element.tag == "fig":
            self.foreign_image(figure, href, element)
        label = element.find("label")
        figure["caption"] = self.caption(element) or ([self.clean(text_of(label))] if label is not None else [])
        put(figure, "credit", self.clean(text_of(element.find("attrib"))))
        alt = element.find(".//graphic/alt-text")
        if alt is None:
            alt = element.find(f"p[@content-type='{ALT_PARAGRAPH}']" if self.ours else "alt-text")
        if alt is not None and not (self.ours and alt.get("content-type") == DERIVED):
            put(figure, "alt", self.clean(text_of(alt)) or None)
        put(figure, "license", self.license(element.find("permissions")))
        return figure

    def foreign_image(self, figure: dict[str, Any], href: str, element: etree._Element) -> None:
        """A publisher's image is kept only as a PNG or JPEG file beside the article (W003 otherwise)."""
        if not href:
            why = "the figure has no graphic"
        elif _SCHEME.match(href):
            why = f"image {href!r} is a URI, not a file beside the article (archiver never fetches)"
        elif self.neighbour is None:
            why = f"image {href!r} was not looked for beside the article"
        else:
            relative = PurePosixPath(unquote(href))
            data, unread = (None, "lies outside the article's folder") \
                if relative.is_absolute() or ".." in relative.parts else self.beside(str(relative))
            kind = image_type(data) if data is not None else None
            if kind is not None:
                self.images[figure["id"]] = (data, kind)
                return
            why = (f"image {href!r} {unread or 'is not beside the article'}" if data is None else
                   f"image {href!r} is not a PNG or JPEG file (convert it, e.g. a TIFF, and put it beside the article)")
        self.warn("W003", f"figure {figure['id']}: {why}; caption and credit kept", element)

    def beside(self, relative: str) -> tuple[bytes | None, str | None]:
        """The bytes of a file beside the article, or None and why not (`ingest.asset`: a FIFO, a
        device, a file over the image limit or a link out of the folder is never read)."""
        if self.neighbour is None:
            return None, None
        return asset(self.neighbour, relative)

    def place_images(self, record: dict[str, Any]) -> None:
        """Name each image kept after the record (`images/<identifier>-<figure id>.<type>`)."""
        def visit(blocks: list) -> None:
            for block in blocks:
                if block.get("type") == "figure" and block["id"] in self.images:
                    data, kind = self.images[block["id"]]
                    path = f"images/{record['identifier']}-{block['id']}.{kind}"
                    if _IMAGE_PATH.match(path):
                        block["image"] = path
                        self.assets[path] = data
                for key in ("blocks",):
                    visit(block.get(key, []))
                for item in block.get("items", []):
                    visit(item)
        visit(record.get("body", {}).get("blocks", []))
        for note in record.get("body", {}).get("notes", []):
            visit(note["blocks"])

    def caption(self, element: etree._Element) -> list[Any] | None:
        caption = element.find("caption")
        if caption is None:
            return None
        parts = [self.inlines(child, trim=True) for child in elements(caption) if child.tag in ("title", "p")]
        content: list[Any] = []
        for part in parts:
            if content and part:
                content.append(" ")
            content.extend(part)
        return merge(content) or None

    def table(self, element: etree._Element) -> dict[str, Any]:
        table: dict[str, Any] = {"type": "table", "id": element.get("id") or self.new_id("tab")}
        put(table, "caption", self.caption(element))
        grid = element.find(".//table")
        head = [self.row(tr) for tr in grid.iterfind("thead/tr")]
        if head:
            table["head"] = head
        table["rows"] = [self.row(tr) for tr in grid.xpath("tbody/tr | tr | tfoot/tr")] or [[[]]]
        if element.find("table-wrap-foot") is not None:
            self.drop(element.find("table-wrap-foot"))
        return table

    def row(self, tr: etree._Element) -> list[list[Any]]:
        return [self.inlines(cell, trim=True) for cell in elements(tr) if cell.tag in ("td", "th")] or [[]]

    def note(self, fn: etree._Element, number: int) -> dict[str, Any]:
        note: dict[str, Any] = {"id": fn.get("id") or self.new_id("fn")}
        label = text_of(fn.find("label"))
        if self.ours:
            put(note, "label", label if fn.get("symbol") is not None else None)
        elif label is not None and label.strip() and label.strip() != str(number):
            note["label"] = self.clean(label)
        note["blocks"] = self.blocks(fn) or [{"type": "paragraph", "content": [self.clean(label or str(number))]}]
        return note

    def new_id(self, prefix: str) -> str:
        """An id for a foreign figure, table or note that has none, unlike every id of the article."""
        if self.taken is None:
            self.taken = {element.get("id") for element in self.root.iter() if isinstance(element.tag, str)}
        number = 1
        while f"{prefix}{number}" in self.taken:
            number += 1
        self.taken.add(f"{prefix}{number}")
        return f"{prefix}{number}"

    def inlines(self, element: etree._Element, trim: bool = False) -> list[Any]:
        out: list[Any] = []
        if element.text:
            out.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                out.extend(self.inline(child))
            if child.tail:
                out.append(child.tail)
        out = merge(out)
        if self.ours:
            return out
        # A publisher's source indentation is not text: runs of white space are one space, and a
        # paragraph, title or cell neither starts nor ends with one.
        out = [_SPACE.sub(" ", node) if isinstance(node, str) else node for node in out]
        if trim and out and isinstance(out[0], str):
            out[0] = out[0].lstrip()
        if trim and out and isinstance(out[-1], str):
            out[-1] = out[-1].rstrip()
        return merge(out)

    def inline(self, element: etree._Element) -> list[Any]:
        tag = element.tag
        if tag in STYLED_TYPES:
            content = self.inlines(element)
            return [{"type": STYLED_TYPES[tag], "content": content}] if content else []
        if tag in ("ext-link", "uri"):
            url = self.link_url(element)
            if url is not None:
                content = self.inlines(element) or [url]
                return [{"type": "link", "url": url, "content": content}]
            return self.inlines(element)
        if tag == "named-content" and self.ours and element.get("content-type") == PRINTED_URL:
            return [{"type": "link", "url": text_of(element), "content": self.inlines(element)}]
        if tag == CODE_TAG or tag == "code":
            text = text_of(element)
            return [{"type": "code", "text": text}] if text and text.strip() else ([text] if text else [])
        if tag == "xref" and element.get("ref-type") == "fn":
            rid = (element.get("rid") or "").split()
            if rid and rid[0] in self.note_ids:
                return [{"type": "note_ref", "note": rid[0]}]
        if tag == "fn" and not self.ours:  # a footnote in the text: a note, and its reference here
            note = self.note(element, len(self.fns) + len(self.inline_notes) + 1)
            self.inline_notes.append(note)
            return [{"type": "note_ref", "note": note["id"]}]
        if tag in ("inline-graphic", "inline-formula", "private-char") and not self.ours:
            self.drop(element, "its text, if any, kept")
        return self.inlines(element)  # markup the record cannot hold: keep its text

    def link_url(self, element: etree._Element) -> str | None:
        """The absolute URL of a link; a relative one resolved against the article's own URL, or None
        (the link dropped, its text kept, W002)."""
        href = (element.get(HREF) or ("" if element.tag == "ext-link" else text_of(element)) or "").strip()
        if _LINK_URL.match(href):
            return href
        if self.ours:
            return None
        if element.get("ext-link-type") == "doi" or re.match(r"^10\.\d{4,9}/\S+$", href):
            return "https://doi.org/" + re.sub(r"^(doi:|https?://(dx\.)?doi\.org/)", "", href)
        if href and not _SCHEME.match(href) and self.own_url:
            return urljoin(self.own_url, href)
        self.drop(element, f"link {href[:80]!r} is not absolute and the article gives no URL to resolve it "
                           "against; its text kept")
        return None


def merge(inlines: list[Any]) -> list[Any]:
    """Adjacent strings joined, empty strings dropped: the record's canonical run of inlines."""
    out: list[Any] = []
    for node in inlines:
        if isinstance(node, str):
            if not node:
                continue
            if out and isinstance(out[-1], str):
                out[-1] += node
                continue
        out.append(node)
    return out


def put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` unless the value is None (an absent field stays absent)."""
    if value is not None:
        target[key] = value

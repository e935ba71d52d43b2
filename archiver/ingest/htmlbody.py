"""The body of a saved article page: its content element walked block by block into the record's
sections, notes, abstract and bios (issue 3 points 4 and 6).

Inline markup is kept: emphasis, strong, super/subscript, code, links, lists, quotes, tables, figures
with caption and credit (their images from the files saved beside the page, inline `data:` URIs or a
web archive's captures, never the web), and endnotes ([1] / [i] markers linked both ways). The
article's own markers (SYNOPSIS, COMMENTARY, About the Author, Notes) steer the walk. This module owns
the walk and where a figure's image comes from; what the walk asks of the HTML tree (which elements
are blocks, marker shapes, white space of inline runs) is `htmltree.py`'s.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import PurePosixPath
from typing import Callable
from urllib.parse import unquote, urljoin

from ..errors import ArchiverWarning
from ..normalize import clean_text
from . import Neighbour, asset, image_type
from .article import (ABOUT, CAPTION_CREDIT, CATEGORIES, COMMENTARY, EDITOR, MARKER_TEXT, NOTE_LINE, NOTE_MARKER,
                      NOTES_HEADING, SYNOPSIS, attribute_bios, note_inlines)
from .pagetext import looks_like_heading
from .htmltree import (BLOCK_TAGS, bare_marker, block_elements, detached, fragment, has_marker, is_bold_line,
                       merge, starts_with_backlink, trim, trim_heading, trim_inner)
from .pagemeta import is_dateline
from .sites import Site, is_furniture

#: a web archive's captures: URL -> the bytes captured, or None
Captured = Callable[[str], "bytes | None"]
_STYLED = {"em": "emphasis", "i": "emphasis", "cite": "emphasis", "dfn": "emphasis", "var": "emphasis",
           "strong": "strong", "b": "strong", "sup": "superscript", "sub": "subscript"}


def saved_image(src: str, neighbour: Neighbour, base: str | None = None,
                captured: Captured | None = None) -> tuple[bytes | None, str]:
    """The bytes of an image as the saved page holds it, or None and why not (a file beside the page
    that is no regular file or links out of the folder is named as such, never read). A page read from
    a web archive (`captured`: URL -> bytes captured in the archive) finds its images by their URL."""
    if captured is not None and src[:5].lower() != "data:":
        url = urljoin(base or "", src.split("#", 1)[0])
        data = captured(url)
        return data, "is in the web archive" if data is not None else "was not captured in the web archive"
    if src[:5].lower() == "data:":
        header, _, payload = src.partition(",")
        if not header.lower().endswith(";base64"):
            return None, "is an inline image that is not base64-encoded"
        try:
            return base64.b64decode(payload, validate=True), "is inline"
        except (binascii.Error, ValueError):
            return None, "is an inline image whose base64 data is damaged"
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I):
        return None, "is on the web, and archiver never fetches"
    relative = PurePosixPath(unquote(src.split("#", 1)[0].split("?", 1)[0]))
    if relative.is_absolute() or ".." in relative.parts:
        return None, "lies outside the page's folder"
    data, why = asset(neighbour, str(relative))
    if data is None:
        return None, why or "is not saved beside the page"
    return data, "is saved beside the page"


class Article:
    """Walks the article's block elements in order, filling abstract, sections, notes and bios."""

    def __init__(self, parts: dict, site: Site | None, source: str, warnings: list, base: str | None,
                 neighbour: Neighbour, captured: Captured | None = None):
        self.parts, self.site, self.source, self.warnings, self.base = parts, site, source, warnings, base
        self.neighbour, self.captured = neighbour, captured
        #: figure id -> (image bytes, file type), placed once the record's identifier is known
        self.images: dict[str, tuple[bytes, str]] = {}
        self.state = "body"
        self.abstract: list[str] = []
        self.bios: list[str] = []
        self.sections: list[dict] = [{"type": "section", "title": [], "blocks": []}]
        self.notes: list[dict] = []
        self.counters = {"fig": 0, "tab": 0}
        self.seen_labels: set[str] = set()  # note markers met in the text so far ([1], [i])
        self.resume = "body"

    def read(self, content) -> None:
        self.state = "body" if not has_marker(content, SYNOPSIS) else "before"
        for element in block_elements(content):
            self.block(element)
        self.finish_body()

    def block(self, element) -> None:
        tag = element.tag
        text = clean_text(element.text_content())
        if tag in ("h1",) or (not text and tag not in ("figure", "img", "hr", "table")):
            return
        heading = tag in ("h2", "h3", "h4", "h5", "h6")
        if heading or (tag == "p" and is_bold_line(element)):
            for pattern, state in ((SYNOPSIS, "synopsis"), (COMMENTARY, "body"), (ABOUT, "about"),
                                   (NOTES_HEADING, "notes")):
                if bare_marker(pattern, text):
                    self.state = state
                    return
            if (match := EDITOR.fullmatch(text)) and not match[1]:
                self.resume, self.state = self.state, "editor"
                return
            if self.state in ("body", "notes") and (heading or looks_like_heading(text)):
                self.state = "body"
                self.sections.append({"type": "section", "title": trim_heading(self.inlines(element)),
                                      "blocks": []})
                return
            if heading:
                return  # a heading outside the commentary's text (e.g. "Share this:")
        if self.state == "editor":
            self.parts["editor_note"], self.state = text, self.resume
            return
        if tag == "p" and (is_furniture(text) or is_dateline(text)):
            # loose text between the article's blocks ("by Danilo Dietsch", "Über uns"), which the
            # element pass before the walk cannot see as an element of its own
            self.warnings.append(ArchiverWarning("W006", "dropped page furniture: " + text[:60], self.source))
            return
        if (match := EDITOR.match(text)) and tag == "p":
            if match[1]:
                self.parts["editor_note"] = clean_text(match[1])
            return
        if (match := CATEGORIES.match(text)) and tag == "p":
            self.parts["categories"] = self.parts.get("categories") or _split(match[1])
            return
        if self.state == "synopsis" and tag in ("figure", "img"):
            self.add(self.figure(element))
        elif self.state == "synopsis":
            self.abstract.append(text)
        elif self.state == "about":
            self.bios.append(text)
        elif self.state == "before":
            return
        elif tag == "p" and (start := NOTE_LINE.match(text)) and (
                self.state == "notes" or starts_with_backlink(element) or start[1].lower() in self.seen_labels):
            self.note(element, text)
        elif self.state == "notes" and self.notes and tag in ("p", "ul", "ol"):
            self.notes[-1]["blocks"].extend(self.blocks_of(element))
        else:
            self.state = "body" if self.state == "notes" else self.state
            self.seen_labels.update(label.lower() for label in NOTE_MARKER.findall(text))
            self.add_all(self.blocks_of(element))

    def add(self, block: dict | None) -> None:
        if block:
            self.sections[-1]["blocks"].append(block)

    def add_all(self, blocks: list[dict]) -> None:
        for block in blocks:
            self.add(block)

    def note(self, element, text: str) -> None:
        label = NOTE_LINE.match(text)[1].lower()
        inlines = self.inlines(element)
        while inlines and (isinstance(inlines[0], dict) and inlines[0].get("type") == "pending_note"
                           or isinstance(inlines[0], str) and not inlines[0].strip()):
            inlines.pop(0)
        if inlines and isinstance(inlines[0], str) and (match := NOTE_LINE.match(inlines[0])):
            inlines[0] = match[2]
        number = len(self.notes) + 1
        content = trim(inlines) or [text]
        self.notes.append({"id": f"n{number}", **({"label": label} if label != str(number) else {}),
                           "blocks": [{"type": "paragraph", "content": content}]})
        self.state = "notes"

    # Blocks -----------------------------------------------------------------------------------------

    def blocks_of(self, element) -> list[dict]:
        tag = element.tag
        if tag in ("ul", "ol"):
            kept = [li for li in element if li.tag == "li" and not is_furniture(clean_text(li.text_content()))]
            if len(kept) < len([li for li in element if li.tag == "li"]):
                self.warnings.append(ArchiverWarning("W006", "dropped page furniture: a list's share and "
                                                     "navigation items", self.source))
            items = [self.item_blocks(li) for li in kept]
            items = [item for item in items if item]
            return [{"type": "list", "ordered": tag == "ol", "items": items}] if items else []
        if tag == "blockquote":
            inner = [b for child in block_elements(element) for b in self.blocks_of(child)] \
                if any(child.tag in BLOCK_TAGS for child in element) else self.paragraphs(element)
            return [{"type": "quote", "blocks": inner}] if inner else []
        if tag in ("figure", "img"):
            figure = self.figure(element)
            return [figure] if figure else []
        if tag == "table":
            table = self.table(element)
            return [table] if table else []
        if tag == "pre":
            text = (element.text_content() or "").strip("\n")
            return [{"type": "paragraph", "content": [{"type": "code", "text": text}]}] if text.strip() else []
        if tag in ("hr", "dl") and not clean_text(element.text_content()):
            return []
        return self.paragraphs(element)

    def paragraphs(self, element) -> list[dict]:
        content = trim(self.inlines(element))
        return [{"type": "paragraph", "content": content}] if content else []

    def item_blocks(self, li) -> list[dict]:
        if not any(isinstance(child.tag, str) and child.tag in BLOCK_TAGS for child in li):
            return self.paragraphs(li)
        blocks: list[dict] = []
        run = fragment(li.text)
        for child in li:
            if isinstance(child.tag, str) and child.tag in BLOCK_TAGS:
                blocks.extend(self.paragraphs(run))
                blocks.extend(self.blocks_of(child))
                run = fragment(child.tail)
            else:
                run.append(detached(child))
                run.extend(fragment(child.tail))
        blocks.extend(self.paragraphs(run))
        return blocks

    def figure(self, element) -> dict | None:
        images = [element] if element.tag == "img" else element.xpath(".//img")
        caption_element = next(iter(element.xpath(".//figcaption")), None)
        caption = clean_text(caption_element.text_content()) if caption_element is not None else ""
        alt = clean_text(images[0].get("alt") or "") if images else ""
        credit = None
        if match := CAPTION_CREDIT.fullmatch(caption):
            caption, credit = clean_text(match[1]), clean_text(match[2])
        caption = caption or alt
        if not caption:
            self.warnings.append(ArchiverWarning("W002", "an image without caption or alt text was left out",
                                                 self.source))
            return None
        self.counters["fig"] += 1
        figure = {"type": "figure", "id": f"fig{self.counters['fig']}", "caption": [caption]}
        if credit:
            figure["credit"] = credit
        if alt:
            figure["alt"] = alt
        src = (images[0].get("src") or "").strip() if images else ""
        data, why = saved_image(src, self.neighbour, self.base, self.captured) if src else (None, "is not in the page")
        kind = image_type(data) if data is not None else None
        if data is not None and kind is None:
            why = f"{why} but is not a PNG or JPEG file"
        if kind is None:
            shown = src if len(src) <= 120 else src[:117] + "..."
            self.warnings.append(ArchiverWarning("W003", f"figure {self.counters['fig']}: image {shown or '(none)'} "
                                                 f"{why}; caption and credit kept", self.source))
        else:
            self.images[figure["id"]] = (data, kind)
        return figure

    def place_images(self, record: dict) -> dict[str, bytes]:
        """Name each image found after the record (`images/<identifier>-<figure>.<type>`) and return
        the files to write beside it."""
        assets: dict[str, bytes] = {}

        def visit(blocks: list) -> None:
            for block in blocks:
                if block.get("type") == "figure" and block["id"] in self.images:
                    data, kind = self.images[block["id"]]
                    block["image"] = f"images/{record['identifier']}-{block['id']}.{kind}"
                    assets[block["image"]] = data
                visit(block.get("blocks", []))

        visit(record.get("body", {}).get("blocks", []))
        return assets

    def table(self, element) -> dict | None:
        head: list = []
        rows: list = []
        for tr in element.xpath(".//tr"):
            cells = [trim(self.inlines(cell)) for cell in tr if cell.tag in ("td", "th")]
            if not cells:
                continue
            in_head = tr.getparent().tag == "thead" or (not rows and all(c.tag == "th" for c in tr
                                                                          if c.tag in ("td", "th")))
            (head if in_head else rows).append(cells)
        if not rows:
            rows, head = head, []
        if not rows:
            return None
        self.counters["tab"] += 1
        table = {"type": "table", "id": f"tab{self.counters['tab']}"}
        caption = next(iter(element.xpath(".//caption")), None)
        if caption is not None and (content := trim(self.inlines(caption))):
            table["caption"] = content
        if head:
            table["head"] = head
        table["rows"] = rows
        return table

    # Inlines ----------------------------------------------------------------------------------------

    def inlines(self, element) -> list:
        """Inlines of an element's content, or of a run of nodes (strings and elements)."""
        out: list = [] if isinstance(element, list) else fragment(element.text)
        for child in element:
            if isinstance(child, str):
                out.append(child)
                continue
            out.extend(self.inline(child))
            if child.tail:
                out.append(child.tail)
        return out

    def inline(self, child) -> list:
        tag = child.tag if isinstance(child.tag, str) else ""
        text = clean_text(child.text_content())
        if tag in ("sup", "a") and MARKER_TEXT.fullmatch(text) and (tag == "sup" or (child.get("href") or "")
                                                                        .startswith("#")):
            return [{"type": "pending_note", "label": MARKER_TEXT.fullmatch(text)[1].lower(), "text": text}]
        if tag in _STYLED:
            content = trim_inner(self.inlines(child))
            return [{"type": _STYLED[tag], "content": content}] if content else []
        if tag in ("code", "kbd", "samp", "tt"):
            return [{"type": "code", "text": text}] if text else []
        if tag == "a":
            href = (child.get("href") or "").strip()
            url = urljoin(self.base, href) if self.base and href and not href.startswith("#") else href
            content = trim_inner(self.inlines(child))
            if re.fullmatch(r"(https?://|mailto:)\S+", url) and content:
                return [{"type": "link", "url": url, "content": content}]
            return content
        if tag == "br":
            return [" "]
        if tag == "img":
            self.warnings.append(ArchiverWarning("W002", "an inline image was left out", self.source))
            return []
        return self.inlines(child)

    # Assembly ---------------------------------------------------------------------------------------

    def finish_body(self) -> None:
        parts, notes = self.parts, self.notes
        labels = {note.get("label", note["id"][1:]): note["id"] for note in notes}
        body = [s for s in self.sections if s["title"] or s["blocks"]]
        for index, section in enumerate(body, start=1):
            section["id"] = f"s{index}"
        for index, section in enumerate(body):
            section["blocks"] = self.resolve(section["blocks"], labels, f"/body/blocks/{index}/blocks")
            section["title"] = self.resolve_inlines(section["title"], labels, f"/body/blocks/{index}/title")
        for index, note in enumerate(notes):
            note["blocks"] = self.resolve(note["blocks"], {}, f"/body/notes/{index}/blocks")
        body = [{"type": "section", "id": s["id"], "title": s["title"], "blocks": s["blocks"]} for s in body]
        if body:
            parts["body"] = {"blocks": body, **({"notes": notes} if notes else {})}
        if self.abstract and not parts.get("abstract"):
            parts["abstract"] = "\n\n".join(self.abstract)
        if self.bios and parts.get("authors"):
            attribute_bios(parts["authors"], self.bios, self.source, self.warnings)

    def resolve(self, blocks: list, labels: dict, pointer: str) -> list:
        out = []
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index}"
            if block["type"] == "paragraph":
                block["content"] = self.resolve_inlines(block["content"], labels, here + "/content")
                if not block["content"]:
                    continue
            elif block["type"] == "list":
                block["items"] = [self.resolve(item, labels, here) for item in block["items"]]
            elif block["type"] == "quote":
                block["blocks"] = self.resolve(block["blocks"], labels, here)
            elif block["type"] == "table":
                for row in (block.get("head") or []) + block["rows"]:
                    row[:] = [self.resolve_inlines(cell, labels, here) for cell in row]
            out.append(block)
        return out

    def resolve_inlines(self, inlines: list, labels: dict, pointer: str) -> list:
        out: list = []
        for node in inlines:
            if isinstance(node, dict) and node["type"] == "pending_note":
                if node["label"] in labels:
                    out.append({"type": "note_ref", "note": labels[node["label"]]})
                else:
                    self.warnings.append(ArchiverWarning("W007", f"marker {node['text']} has no note text; kept as "
                                                         "text", self.source, pointer))
                    out.append(node["text"])
            elif isinstance(node, dict) and "content" in node:
                content = self.resolve_inlines(node["content"], labels, pointer)
                if content:
                    out.append({**node, "content": content})
            elif isinstance(node, str) and labels:
                out.extend(note_inlines(node, labels, self.source, pointer, self.warnings))
            else:
                out.append(node)
        return merge(out)


def _split(text: str) -> list[str]:
    return [clean_text(e) for e in re.split(r"\s+/\s+|\s*[;,]\s*", text) if clean_text(e)]

"""The record's body as XHTML for the EPUB reading copy (EPUB 3.3 content documents): blocks,
sections (with their table-of-contents entries), figures (each image carried once, its type read from
its bytes), tables, inlines, and note references (remembered for the endnotes' back links); and the
small XHTML builders every document of the book uses. The documents themselves (cover, title page,
text, back matter, navigation) are `epub.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..record import (Code, Figure, Link, ListBlock, Note, NoteRef, Paragraph, Quote, Record, Section, Styled,
                      Table, plain_text)
from ..visible import shows_something
from . import RenderContext
from .alttext import alt_text
from .urls import safe_url

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
STYLED_TAGS = {"emphasis": "em", "strong": "strong", "superscript": "sup", "subscript": "sub"}
# Image types the book may carry, recognised by their bytes (a record's file extension may lie).
IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"))


# Small builders -------------------------------------------------------------------------------------

def sub_element(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag if tag.startswith("{") else f"{{{XHTML}}}{tag}")
    for name, value in attrs.items():
        element.set(name.rstrip("_"), value)  # class_ -> class
    if text is not None:
        element.text = text
    return element


def add_text(parent: etree._Element, text: str) -> None:
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def link_or_span(parent: etree._Element, text: str | None, url: str) -> etree._Element:
    """A link to `url`, or, when no valid URL can be made of it, a span holding the text alone."""
    href = safe_url(url)
    return sub_element(parent, "a", text, href=href) if href else sub_element(parent, "span", text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def image_kind(data: bytes) -> tuple[str, str] | None:
    for signature, media_type, extension in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return media_type, extension
    return None


@dataclass
class Heading:
    """A titled body section, for the table of contents."""
    href: str
    label: str
    children: list["Heading"] = field(default_factory=list)


class BodyWriter:
    """Renders the record's body nodes into XHTML elements, keeping what the book needs of them: the
    note references met (for the back links), the images carried, the headings of the contents."""

    def __init__(self, record: Record, context: RenderContext):
        self.record = record
        self.assets = context.assets
        labels = record.note_labels()
        self.notes: dict[str, tuple[Note, str]] = {note.id: (note, labels[note.id]) for note in record.notes()}
        #: note id -> [(document, id of the reference)] in reading order
        self.refs: dict[str, list[tuple[str, str]]] = {}
        #: image path in the record -> (href in the book, media type)
        self.images: dict[str, tuple[str, str]] = {}
        self.image_bytes: dict[str, bytes] = {}
        self.generated_ids = 0
        #: the document being written (a note reference's link names it)
        self.document = ""

    def _blocks(self, parent: etree._Element, blocks: list, level: int,
                toc: list[Heading] | None) -> None:
        for block in blocks:
            self._block(parent, block, level, toc)

    def _block(self, parent: etree._Element, block, level: int, toc: list[Heading] | None) -> None:
        if isinstance(block, Paragraph):
            self._inlines(sub_element(parent, "p"), block.content)
        elif isinstance(block, Section):
            self._section(parent, block, level, toc)
        elif isinstance(block, ListBlock):
            listing = sub_element(parent, "ol" if block.ordered else "ul")
            for item in block.items:
                self._blocks(sub_element(listing, "li"), item, level, None)
        elif isinstance(block, Quote):
            wrapper = sub_element(parent, "figure", class_="quote") if block.attribution else parent
            self._blocks(sub_element(wrapper, "blockquote"), block.blocks, level, None)
            if block.attribution:
                caption = sub_element(wrapper, "figcaption", "— ", class_="attribution")
                self._inlines(caption, block.attribution)
        elif isinstance(block, Figure):
            self._figure(parent, block)
        elif isinstance(block, Table):
            self._table(parent, block)
        else:  # the record model is closed: a new node type must be taught to every writer
            raise TypeError(f"EPUB writer cannot render {type(block).__name__}")

    def _section(self, parent: etree._Element, section: Section, level: int,
                 toc: list[Heading] | None) -> None:
        label = one_line(plain_text(section.title))
        section_id = section.id or self._new_id("sec")
        if not label:
            # An untitled section keeps its place but adds no heading level.
            wrapper = sub_element(parent, "div", id=section_id, class_="section")
            if section.title:
                self._inlines(sub_element(wrapper, "p", class_="section-title"), section.title)
            self._blocks(wrapper, section.blocks, level, toc)
            return
        wrapper = sub_element(parent, "section", id=section_id)
        heading_level = min(level + 1, 6)
        self._inlines(sub_element(wrapper, f"h{heading_level}"), section.title)
        children: list[Heading] | None = None
        if toc is not None:
            entry = Heading(f"{self.document}#{section_id}", label)
            toc.append(entry)
            children = entry.children
        self._blocks(wrapper, section.blocks, heading_level, children)

    def _figure(self, parent: etree._Element, figure: Figure) -> None:
        element = sub_element(parent, "figure", id=figure.id)
        data = self.assets.get(figure.image) if figure.image else None
        kind = image_kind(data) if data else None
        if kind:
            if figure.image not in self.images:
                media_type, extension = kind
                self.images[figure.image] = (f"images/{figure.id}.{extension}", media_type)
                self.image_bytes[figure.image] = data
            alt = alt_text(figure)
            sub_element(element, "img", src=self.images[figure.image][0], alt=alt)
        caption = sub_element(element, "figcaption")
        self._inlines(sub_element(caption, "span", class_="caption"), figure.caption)
        if figure.credit or figure.license:
            credit = sub_element(caption, "span", class_="credit")
            if figure.credit:
                credit.text = f" Source: {figure.credit}."
            if figure.license:
                add_text(credit, " ")
                link_or_span(credit, "Licence", figure.license)
                add_text(credit, ".")

    def _table(self, parent: etree._Element, table: Table) -> None:
        element = sub_element(parent, "table", id=table.id)
        if table.caption:
            self._inlines(sub_element(element, "caption"), table.caption)
        if table.head:
            head = sub_element(element, "thead")
            for row in table.head:
                tr = sub_element(head, "tr")
                for cell in row:
                    # An empty header cell (a corner cell) heads nothing: a header must have text
                    # (WCAG 1.3.1; Ace's empty-table-header), so it is a plain cell.
                    if plain_text(cell).strip():
                        self._inlines(sub_element(tr, "th", scope="col"), cell)
                    else:
                        self._inlines(sub_element(tr, "td"), cell)
        body = sub_element(element, "tbody")
        for row in table.rows:
            tr = sub_element(body, "tr")
            for cell in row:
                self._inlines(sub_element(tr, "td"), cell)

    def _inlines(self, parent: etree._Element, inlines: list) -> None:
        for node in inlines:
            if isinstance(node, str):
                add_text(parent, node)
            elif isinstance(node, Styled):
                self._inlines(sub_element(parent, STYLED_TAGS[node.type]), node.content)
            elif isinstance(node, Code):
                sub_element(parent, "code", node.text)
            elif isinstance(node, Link):
                # Links do not nest in HTML: an inner link keeps its text only, and a note reference
                # inside a link text follows the link, as a link of its own.
                trailing: list[NoteRef] = []
                content = _without_note_refs(node.content, trailing)
                if not shows_something(plain_text(content)):
                    # A link needs a name a screen reader can say (WCAG 2.4.4; Ace's link-name): one
                    # whose text is empty shows its address.
                    content = [node.url.removeprefix("mailto:")]
                self._inlines(link_or_span(parent, None, node.url), content)
                for ref in trailing:
                    self._note_ref(parent, ref)
            elif isinstance(node, NoteRef):
                self._note_ref(parent, node)
            else:
                raise TypeError(f"EPUB writer cannot render {type(node).__name__}")

    def _note_ref(self, parent: etree._Element, ref: NoteRef) -> None:
        _, label = self.notes[ref.note]
        refs = self.refs.setdefault(ref.note, [])
        ref_id = f"_ref-{ref.note}" + (f"-{len(refs) + 1}" if refs else "")
        refs.append((self.document, ref_id))
        href = f"#{ref.note}" if self.document == "notes.xhtml" else f"notes.xhtml#{ref.note}"
        sup = sub_element(parent, "sup", class_="noteref")
        link = sub_element(sup, "a", label, id=ref_id, href=href, role="doc-noteref")
        link.set(EPUB_TYPE, "noteref")
        link.set("aria-label", f"Note {label}")

    def _new_id(self, kind: str) -> str:
        self.generated_ids += 1
        return f"_{kind}-{self.generated_ids}"


def _without_note_refs(inlines: list, found: list) -> list:
    """The inlines with note references moved to `found` and inner links reduced to their text."""
    out = []
    for node in inlines:
        if isinstance(node, NoteRef):
            found.append(node)
        elif isinstance(node, Styled):
            content = _without_note_refs(node.content, found)
            if content:
                out.append(Styled(node.type, content))
        elif isinstance(node, Link):
            out.extend(_without_note_refs(node.content, found))
        else:
            out.append(node)
    return out


def serialise(html: etree._Element) -> bytes:
    return etree.tostring(html, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>",
                          pretty_print=True)

"""The body of a JATS 1.4 article and the tree helpers every JATS writer module uses.

`BodyWriter` writes the record's block and inline nodes as JATS elements: paragraphs, titled sections
(`sec`), untitled ones and wrappers (`boxed-text`), lists, quotes (`disp-quote`), figures (`fig` with
label, caption, `alt-text`, `graphic`, `attrib`; a lost image's figure as a box), tables (`table-wrap`,
with row headers when there is no header row, for JATS4R), endnotes (`fn`), styled text, links
(`ext-link`, titled when their text is a URL: JATS4R) and note references (`xref`), plus `permissions`
for the article and its figures. `archiver/writers/jats.py` adds the front and back matter;
`archiver/writers/jatsrefs.py` the reference list.
"""

from __future__ import annotations

import re

from lxml import etree

from ..jatsmap import (ALI, ALT_PARAGRAPH, CODE_TAG, DERIVED, FORBIDDEN_CHARS, HREF, LOST_FIGURE, PRINTED_URL,
                       STYLED_TAGS, TITLE, UNTITLED, WRAPPER)
from ..record import (Block, Code, Figure, Inline, Link, ListBlock, NoteRef, Paragraph, Quote, Section, Styled,
                      Table, plain_text)
from .alttext import alt_text

_LICENSE_REF = f"{{{ALI}}}license_ref"
_FREE_TO_READ = f"{{{ALI}}}free_to_read"
#: link text JATS4R takes for a bare URL (its accessibility rules)
_URL_TEXT = re.compile(r"^(https?|s?ftp)://")


def clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry: defence in depth behind the record schema."""
    return FORBIDDEN_CHARS.sub("", text)


def sub(parent: etree._Element, tag: str, text: str | None = None, attrib: dict[str, str] | None = None
         ) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib) if attrib else etree.SubElement(parent, tag)
    if text is not None:
        element.text = clean(text)
    return element


def append_text(element: etree._Element, text: str) -> None:
    text = clean(text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


class BodyWriter:
    """The body half of the JATS builder: blocks and inlines as JATS elements, with the numbering of
    figures and tables (uses its `record`, `figures`, `tables`, `note_marks`, `aff_ids`, `empty`,
    `generated`, `taken` and `gaps`, set by `jats._Builder`)."""

    @staticmethod
    def permissions(parent: etree._Element, statement: str | None, year: int | None, holder: str | None,
                    license_uri: str | None) -> None:
        permissions = sub(parent, "permissions")
        if statement is not None:
            sub(permissions, "copyright-statement", statement)
        if year is not None:
            sub(permissions, "copyright-year", str(year))
        if holder is not None:
            sub(permissions, "copyright-holder", holder)
        if license_uri is not None:
            if "creativecommons.org/" in license_uri:
                sub(permissions, _FREE_TO_READ)
            sub(sub(permissions, "license"), _LICENSE_REF, license_uri)



    def blocks(self, parent: etree._Element, blocks: list[Block], where: str, pointer: str, start: int = 0
               ) -> None:
        """Blocks into a container whose content model is `where`:
        "sec" (body, sec, boxed-text: paragraph-level elements, then sections), "quote" (no sections),
        "p" (fn: paragraphs only) or "item" (list-item: paragraphs and lists only). `start` is the
        index of the first block in the record's list (for JSON pointers)."""
        # An untitled section is written as a box, which is paragraph-level: sections before it are boxed too.
        last_flow = max((i for i, block in enumerate(blocks) if not titled(block)), default=-1)
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index + start}"
            if isinstance(block, Paragraph) or (where == "item" and isinstance(block, ListBlock)):
                self.block(parent, block, here)
            elif where in ("p", "item"):
                self.block(sub(parent, "p", attrib={"content-type": WRAPPER}), block, here, sections=False)
            else:
                self.block(parent, block, here, sections=where == "sec" and index > last_flow)

    def block(self, parent: etree._Element, block: Block, pointer: str, sections: bool = True) -> None:
        if isinstance(block, Paragraph):
            self.inlines(sub(parent, "p"), block.content)
        elif isinstance(block, Section) and not block.title:
            box = sub(parent, "boxed-text", attrib={"id": block.id or self.new_id(), "content-type": UNTITLED})
            self.blocks(box, block.blocks, "sec", pointer + "/blocks")
        elif isinstance(block, Section):
            if not sections:
                parent = sub(parent, "boxed-text", attrib={"id": self.new_id(), "content-type": WRAPPER})
            sec = sub(parent, "sec", attrib={"id": block.id} if block.id else None)
            if block.title:
                self.inlines(sub(sec, "title"), block.title)
            self.blocks(sec, block.blocks, "sec", pointer + "/blocks")
        elif isinstance(block, ListBlock):
            lst = sub(parent, "list", attrib={"list-type": "order" if block.ordered else "bullet"})
            for index, item in enumerate(block.items):
                self.blocks(sub(lst, "list-item"), item, "item", f"{pointer}/items/{index}")
        elif isinstance(block, Quote):
            quote = sub(parent, "disp-quote")
            self.blocks(quote, block.blocks, "quote", pointer + "/blocks")
            if block.attribution is not None:
                self.inlines(sub(quote, "attrib"), block.attribution)
        elif isinstance(block, Figure):
            self.figure(parent, block)
        elif isinstance(block, Table):
            self.table(parent, block, pointer)
        else:
            raise TypeError(f"unknown block node {type(block).__name__}")

    def new_id(self) -> str:
        """An id for a wrapper element, unlike every id of the record and of the affiliations."""
        if self.taken is None:
            self.taken = set(self.note_marks) | set(self.aff_ids.values())
            if self.record.body is not None:
                self.taken.update(block.id for block in self._all_blocks() if getattr(block, "id", None))
        number = len(self.generated) + 1
        while f"box{number}" in self.taken:
            number += 1
        self.taken.add(f"box{number}")
        self.generated.append(f"box{number}")
        return f"box{number}"

    def figure(self, parent: etree._Element, figure: Figure) -> None:
        self.figures += 1
        if figure.image is None:
            # JATS4R: a fig has a graphic. A figure whose image is lost keeps its label, caption, alt
            # text, credit and licence in a box instead.
            fig = sub(parent, "boxed-text", attrib={"id": figure.id, "content-type": LOST_FIGURE})
            sub(fig, "label", f"Figure {self.figures}")
            self.inlines(sub(sub(fig, "caption"), "p"), figure.caption)
            if figure.alt is not None:
                sub(fig, "p", figure.alt, {"content-type": ALT_PARAGRAPH})
        else:
            fig = sub(parent, "fig", attrib={"id": figure.id, "fig-type": "figure"})
            sub(fig, "label", f"Figure {self.figures}")
            self.inlines(sub(sub(fig, "caption"), "p"), figure.caption)
            subtype = figure.image.rsplit(".", 1)[-1].lower().replace("jpg", "jpeg")
            graphic = sub(fig, "graphic", attrib={HREF: clean(figure.image), "mimetype": "image",
                                                   "mime-subtype": subtype})
            alt = alt_text(figure, f"Figure {self.figures}")
            sub(graphic, "alt-text", alt, None if figure.alt is not None else {"content-type": DERIVED})
            if " ".join(alt.split()) == " ".join(plain_text(figure.caption).split()):
                self.gaps.append(f"figure {figure.id} whose alt text repeats its caption")
        if figure.credit is not None:
            sub(fig, "attrib", figure.credit)
        if figure.license is not None:
            self.permissions(fig, None, None, None, figure.license)

    def table(self, parent: etree._Element, table: Table, pointer: str) -> None:
        self.tables += 1
        wrap = sub(parent, "table-wrap", attrib={"id": table.id})
        sub(wrap, "label", f"Table {self.tables}")
        if table.caption is not None:
            self.inlines(sub(sub(wrap, "caption"), "p"), table.caption)
        grid = sub(wrap, "table")
        if table.head:
            self.rows(sub(grid, "thead"), table.head, "th")
        elif table.head is not None:
            self.empty.append(pointer + "/head")
        # A table without a header row has its first column as row headers (JATS4R: a table has th
        # cells, so that assistive technology can name each cell); the reader takes th and td alike.
        self.rows(sub(grid, "tbody"), table.rows, "td", row_headers=not table.head)

    def rows(self, parent: etree._Element, rows: list[list[list[Inline]]], cell_tag: str,
             row_headers: bool = False) -> None:
        for row in rows:
            tr = sub(parent, "tr")
            for index, cell in enumerate(row):
                if row_headers and index == 0:
                    self.inlines(sub(tr, "th", attrib={"scope": "row"}), cell)
                else:
                    self.inlines(sub(tr, cell_tag, attrib={"scope": "col"} if cell_tag == "th" else None), cell)

    def footnote(self, group: etree._Element, note, pointer: str) -> None:
        fn = sub(group, "fn", attrib={"id": note.id})
        if note.label is not None:
            fn.set("symbol", clean(note.label))
        sub(fn, "label", self.note_marks[note.id])
        self.blocks(fn, note.blocks, "p", pointer + "/blocks")

    @staticmethod
    def in_citation(element: etree._Element) -> bool:
        return element.tag == "mixed-citation" or next(element.iterancestors("mixed-citation"), None) is not None

    def inlines(self, parent: etree._Element, inlines: list[Inline]) -> None:
        for node in inlines:
            if isinstance(node, str):
                append_text(parent, node)
            elif isinstance(node, Styled):
                self.inlines(sub(parent, STYLED_TAGS[node.type]), node.content)
            elif isinstance(node, Link):
                text = " ".join(plain_text(node.content).split())
                attrib = {"ext-link-type": "uri", HREF: clean(node.url)}
                if not text or text == node.url or _URL_TEXT.match(text):
                    # JATS4R: a link says what it links to, in its text or else in xlink:title
                    attrib[TITLE] = clean(node.url)
                link = sub(parent, "ext-link", attrib=attrib)
                self.inlines(link, node.content)
                if "".join(link.itertext()) == link.get(HREF) and self.in_citation(parent):
                    # A URL printed in a citation as its own link text: printed text, marked so that
                    # the reader restores the link (JATS4R: link text is never the bare URL). The
                    # link itself is the element-citation's, with a description.
                    link.attrib.clear()
                    link.tag = "named-content"
                    link.set("content-type", PRINTED_URL)
            elif isinstance(node, Code):
                sub(parent, CODE_TAG, node.text)
            elif isinstance(node, NoteRef):
                sub(parent, "xref", self.note_marks[node.note], {"ref-type": "fn", "rid": node.note})
            else:
                raise TypeError(f"unknown inline node {type(node).__name__}")


def titled(block: Block) -> bool:
    return isinstance(block, Section) and bool(block.title)

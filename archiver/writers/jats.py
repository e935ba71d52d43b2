"""JATS 1.4 Archiving writer: one commentary record -> one DTD-valid, JATS4R-minded `<article>`.

Implements NISO JATS 1.4 (Z39.96-2024), Journal Archiving and Interchange tag set, with the JATS4R
recommendations for front matter (series as `journal-meta`, contributors with `aff` linked by `xref`,
`pub-date/@iso-8601-date`, `permissions` with `ali:license_ref`, `self-uri` with titles, summary
abstract), figures (`fig` with label, caption, `alt-text`, `graphic`, `attrib`), endnotes
(`fn-group` in `back`), and schema 1.1's organisation authors (`collab`), author notes (`author-notes`
with `fn/@fn-type` and `corresp`), acknowledgements (`ack`) and reference list (`ref-list`, written by
`archiver/writers/jatsrefs.py`). What JATS has no element for goes into `custom-meta`, so that
`archiver/ingest/jats.py` reads back the identical record. Same record -> same bytes.
"""

from __future__ import annotations

import re

from lxml import etree

from ..citation import cite_as
from ..errors import ArchiverWarning
from ..jatsmap import (ALI, ALT_PARAGRAPH, CC_LICENSE, CODE_TAG, DERIVED, DOCTYPE, DTD_VERSION,
                       EVENT_REVISED, FN_TYPES, FORBIDDEN_CHARS, HREF, KWD_REGIONS, KWD_TOPICS, LOST_FIGURE,
                       META_CITATION, META_EMPTY, META_GENERATED_IDS, META_OPENING, META_PROVENANCE,
                       META_PUBLISHER_COUNTRY, META_PUBLISHER_PARENT, META_SCHEMA_VERSION, META_SERIES_NUMBER,
                       META_STATEMENT, NAME_STYLES, NOTES_EDITOR, PERSON_MARK, PRINTED_URL, SELF_URI_PDF,
                       SELF_URI_SERIES, SELF_URI_SOURCE, STYLED_TAGS, TITLE, UNTITLED, WRAPPER, XLINK, XML_LANG,
                       iso_countries)
from ..jatsmap import META_PROVENANCE_OBJECTS
from ..record import (Affiliation, Author, Block, Code, Figure, Inline, Link, ListBlock, NoteRef, Paragraph, Quote,
                      Record, Section, Styled, Table, plain_text, walk)
from . import RenderContext
from .alttext import alt_text
from .jats4r import copyright_statement, rights_lacking, undescriptive_links
from .jatsrefs import ReferenceWriter, citation_gaps

_NSMAP = {"xlink": XLINK, "ali": ALI}
_LICENSE_REF = f"{{{ALI}}}license_ref"
_FREE_TO_READ = f"{{{ALI}}}free_to_read"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: link text JATS4R takes for a bare URL (its accessibility rules)
_URL_TEXT = re.compile(r"^(https?|s?ftp)://")

#: Elements whose content model holds no text: only these get indentation, so that white space is
#: never added to mixed content (a `<p>` holding only an `<italic>` keeps no stray spaces).
_STRUCTURAL = frozenset("""
article front journal-meta journal-title-group publisher article-meta article-categories subj-group
title-group contrib-group contrib name pub-date pub-history event date permissions license abstract
kwd-group custom-meta-group custom-meta body back sec list list-item disp-quote fig caption graphic
table-wrap table thead tbody tr fn-group fn bio notes boxed-text
author-notes ack ref-list ref citation-alternatives element-citation person-group
""".split())


def render(record: Record, context: RenderContext | None) -> bytes:
    """The record as a JATS 1.4 Archiving document (UTF-8, with XML declaration and DOCTYPE).

    A record that lacks what JATS4R wants (rights with copyright year and holder, ISO country codes,
    descriptive link text) gets warning W012 in `context.warnings`, naming each gap: the article is
    valid JATS, not JATS4R-conformant."""
    builder = _Builder(record)
    root = builder.article()
    # What JATS4R will say of the written tree, found in the tree itself (its rules' own tests).
    builder.gaps.extend(citation_gaps(root))
    if links := undescriptive_links(root):
        builder.gaps.append(f"{len(links)} link{'s' if len(links) > 1 else ''} whose text is a URL, not a "
                            f"description (first: {links[0][:60]!r})")
    _indent(root, 0)
    if builder.gaps and context is not None:
        context.warnings.append(ArchiverWarning(
            "W012", f"the JATS will not be JATS4R-conformant: the record has {'; '.join(builder.gaps)}"))
    return _DECLARATION + etree.tostring(root, encoding="UTF-8", doctype=DOCTYPE) + b"\n"


def clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot carry: defence in depth behind the record schema."""
    return FORBIDDEN_CHARS.sub("", text)


def _sub(parent: etree._Element, tag: str, text: str | None = None, attrib: dict[str, str] | None = None
         ) -> etree._Element:
    element = etree.SubElement(parent, tag, attrib) if attrib else etree.SubElement(parent, tag)
    if text is not None:
        element.text = clean(text)
    return element


def _append_text(element: etree._Element, text: str) -> None:
    text = clean(text)
    if len(element):
        last = element[-1]
        last.tail = (last.tail or "") + text
    else:
        element.text = (element.text or "") + text


class _Builder(ReferenceWriter):
    """Builds the tree of one record; carries the numbering of figures, tables and notes."""

    def __init__(self, record: Record):
        self.record = record
        self.figures = 0
        self.tables = 0
        self.note_marks = record.note_labels()
        self.empty: list[str] = []
        self.aff_ids = self._affiliation_ids()
        self.generated: list[str] = []
        self.taken: set[str] | None = None
        self.opening: str | None = None
        self.statement: str | None = None
        #: what the record lacks for JATS4R (warning W012)
        self.gaps: list[str] = []
        if (lacking := rights_lacking(record.rights)) is not None:
            self.gaps.append(lacking)
        licences = [record.rights.license if record.rights else None] + [f.license for f in record.figures()]
        for licence in licences:
            if licence and "creativecommons.org" in licence and not CC_LICENSE.match(licence):
                self.gaps.append(f"a Creative Commons licence URI not in the form JATS4R recommends ({licence}: "
                                 "https, with a trailing slash)")

    # Front matter -----------------------------------------------------------------------------------

    def article(self) -> etree._Element:
        record = self.record
        root = etree.Element("article", {"article-type": "commentary", "dtd-version": DTD_VERSION,
                                         XML_LANG: record.language}, nsmap=_NSMAP)
        front = _sub(root, "front")
        self.journal_meta(front)
        meta = self.article_meta(front)
        if record.editor_note is not None:
            notes = _sub(front, "notes", attrib={"notes-type": NOTES_EDITOR})
            _sub(notes, "title", "Editor's note")
            _sub(notes, "p", record.editor_note)
        if record.body is not None:
            body = _sub(root, "body")
            blocks = record.body.blocks
            if _opening_liftable(blocks):
                # JATS4R: every sec has a title. The untitled opening section's blocks go straight
                # into <body>, before the first <sec>, and META_OPENING says so to the reader.
                self.opening = blocks[0].id or ""
                self.blocks(body, blocks[0].blocks, "sec", "/body/blocks/0/blocks")
                self.blocks(body, blocks[1:], "sec", "/body/blocks", start=1)
            else:
                self.blocks(body, blocks, "sec", "/body/blocks")
        self.acknowledgements(root)
        if record.body is not None:
            notes = record.body.notes
            if notes:
                group = _sub(self.back(root), "fn-group")
                _sub(group, "title", "Notes")
                for index, note in enumerate(notes):
                    self.footnote(group, note, f"/body/notes/{index}")
            elif notes is not None:
                self.empty.append("/body/notes")
        self.references(root)
        # Last, once every empty field of the body is known.
        self.custom_meta(meta)
        return root

    def journal_meta(self, front: etree._Element) -> None:
        record = self.record
        journal = _sub(front, "journal-meta")
        series = record.series
        if series is not None:
            _sub(journal, "journal-id", series.name, {"journal-id-type": "publisher-id"})
            _sub(_sub(journal, "journal-title-group"), "journal-title", series.name)
            if series.issn is not None:
                _sub(journal, "issn", series.issn)
        publisher = _sub(journal, "publisher")
        _sub(publisher, "publisher-name", record.publisher.name)
        if record.publisher.place is not None:
            _sub(publisher, "publisher-loc", record.publisher.place)
        if series is not None and series.url is not None:
            _sub(journal, "self-uri", "Web page of the series",
                 {"content-type": SELF_URI_SERIES, HREF: clean(series.url), TITLE: "Web page of the series"})

    def article_meta(self, front: etree._Element) -> etree._Element:
        record = self.record
        meta = _sub(front, "article-meta")
        _sub(meta, "article-id", record.identifier, {"pub-id-type": "publisher-id"})
        links = record.links
        if links is not None:
            if links.doi is not None:
                _sub(meta, "article-id", links.doi, {"pub-id-type": "doi"})
            if links.handle is not None:
                _sub(meta, "article-id", links.handle, {"pub-id-type": "handle"})
        heading = _sub(_sub(meta, "article-categories"), "subj-group", attrib={"subj-group-type": "heading"})
        _sub(heading, "subject", "Commentary")
        titles = _sub(meta, "title-group")
        _sub(titles, "article-title", record.title)
        if record.subtitle is not None:
            _sub(titles, "subtitle", record.subtitle)
        self.contributors(meta)
        self.author_notes(meta)
        self.date(meta, "pub-date", record.published, {"publication-format": "electronic", "date-type": "pub"})
        if record.modified is not None:
            event = _sub(_sub(meta, "pub-history"), "event", attrib={"event-type": EVENT_REVISED})
            _sub(event, "event-desc", "Revised")
            self.date(event, "date", record.modified, {"date-type": "updated"})
        rights = record.rights
        if rights is not None:
            statement = rights.statement
            if statement is not None:
                statement = copyright_statement(statement, rights.year, rights.holder)
                if statement != rights.statement:
                    self.statement = rights.statement
            self.permissions(meta, statement, rights.year, rights.holder, rights.license)
        if links is not None:
            if links.source is not None:
                _sub(meta, "self-uri", "Web page of the commentary",
                     {"content-type": SELF_URI_SOURCE, HREF: clean(links.source),
                      TITLE: "Web page of the commentary"})
            if links.pdf is not None:
                _sub(meta, "self-uri", "PDF of the commentary",
                     {"content-type": SELF_URI_PDF, HREF: clean(links.pdf), TITLE: "PDF of the commentary"})
            if links.source is links.pdf is links.doi is links.handle is None:
                self.empty.append("/links")
        if record.abstract is not None:
            abstract = _sub(meta, "abstract", attrib={"abstract-type": "summary"})
            _sub(abstract, "title", "Synopsis")
            _sub(abstract, "p", record.abstract)
        self.keywords(meta, record.subjects, KWD_TOPICS, "Topics", "/subjects")
        self.keywords(meta, record.coverage, KWD_REGIONS, "Regions", "/coverage")
        return meta

    def _affiliation_ids(self) -> dict[Affiliation, str]:
        """One `aff` per distinct affiliation, numbered in byline order, never clashing with a record id."""
        taken = {note_id for note_id in self.note_marks}
        if self.record.body is not None:
            taken.update(getattr(block, "id", None) for block in self._all_blocks())
        taken.update(getattr(block, "id", None) for block in walk(self.record.acknowledgements or []))
        taken.update(reference.id for reference in self.record.references or [])
        ids: dict[Affiliation, str] = {}
        number = 0
        for author in self.record.authors:
            for affiliation in author.affiliations or []:
                if affiliation in ids:
                    continue
                number += 1
                candidate = f"aff{number}"
                while candidate in taken:
                    candidate = "x" + candidate
                taken.add(candidate)
                ids[affiliation] = candidate
        return ids

    def _all_blocks(self):
        body = self.record.body
        yield from walk(body.blocks)
        for note in body.notes or []:
            yield from walk(note.blocks)

    def contributors(self, meta: etree._Element) -> None:
        group = _sub(meta, "contrib-group", attrib={"content-type": "authors"})
        for index, author in enumerate(self.record.authors):
            self.contributor(group, author, index)
        written: set[str] = set()
        for author in self.record.authors:
            for affiliation in author.affiliations or []:
                aff_id = self.aff_ids[affiliation]
                if aff_id in written:
                    continue
                written.add(aff_id)
                aff = _sub(group, "aff", attrib={"id": aff_id})
                _sub(aff, "institution", affiliation.name)
                if affiliation.country is not None or affiliation.country_code is not None:
                    attrib = {"country": affiliation.country_code} if affiliation.country_code else None
                    _sub(aff, "country", affiliation.country, attrib)
                    if affiliation.country_code not in iso_countries():
                        self.gaps.append(f"affiliation {affiliation.name!r} without an ISO 3166-1 country code")

    def contributor(self, group: etree._Element, author: Author, index: int) -> None:
        contrib = _sub(group, "contrib", attrib={"contrib-type": "author"})
        style = {"name-style": NAME_STYLES[author.name_order]} if author.name_order else None
        if author.orcid is not None:
            _sub(contrib, "contrib-id", author.orcid, {"contrib-id-type": "orcid"})
        if author.is_organization:
            _sub(contrib, "collab", author.name)  # a group author: its name only, never split
        else:
            if author.kind is not None:
                contrib.set("specific-use", PERSON_MARK)
            self.person_name(contrib, author, style)
        if author.affiliations is not None:
            for affiliation in author.affiliations:
                _sub(contrib, "xref", attrib={"ref-type": "aff", "rid": self.aff_ids[affiliation]})
            if not author.affiliations:
                self.empty.append(f"/authors/{index}/affiliations")
        if author.email is not None:
            _sub(contrib, "email", author.email)
        if author.bio is not None:
            _sub(_sub(contrib, "bio"), "p", author.bio)

    @staticmethod
    def person_name(contrib: etree._Element, author: Author, style: dict[str, str] | None) -> None:
        if author.family is not None or author.given is not None:
            name = _sub(contrib, "name", attrib=style)
            if author.family is not None:
                _sub(name, "surname", author.family)
            if author.given is not None:
                _sub(name, "given-names", author.given)
        _sub(contrib, "string-name", author.name, style)

    @staticmethod
    def date(parent: etree._Element, tag: str, iso: str, attrib: dict[str, str]) -> None:
        # A date is as precise as the record's: "2024-05" has no <day>, "2024" no <month> either.
        date = _sub(parent, tag, attrib={**attrib, "iso-8601-date": iso})
        year, month, day = (iso.split("-") + [None, None])[:3]
        if day is not None:
            _sub(date, "day", day)
        if month is not None:
            _sub(date, "month", month)
        _sub(date, "year", year)

    @staticmethod
    def permissions(parent: etree._Element, statement: str | None, year: int | None, holder: str | None,
                    license_uri: str | None) -> None:
        permissions = _sub(parent, "permissions")
        if statement is not None:
            _sub(permissions, "copyright-statement", statement)
        if year is not None:
            _sub(permissions, "copyright-year", str(year))
        if holder is not None:
            _sub(permissions, "copyright-holder", holder)
        if license_uri is not None:
            if "creativecommons.org/" in license_uri:
                _sub(permissions, _FREE_TO_READ)
            _sub(_sub(permissions, "license"), _LICENSE_REF, license_uri)

    def keywords(self, meta: etree._Element, values: list[str] | None, kind: str, title: str,
                 pointer: str) -> None:
        if values is None:
            return
        if not values:
            self.empty.append(pointer)
            return
        group = _sub(meta, "kwd-group", attrib={"kwd-group-type": kind})
        _sub(group, "title", title)
        for value in values:
            _sub(group, "kwd", value)

    def custom_meta(self, meta: etree._Element) -> None:
        record = self.record
        group = _sub(meta, "custom-meta-group")
        entries = [(META_SCHEMA_VERSION, record.schema_version)]
        if record.series is not None and record.series.number is not None:
            entries.append((META_SERIES_NUMBER, record.series.number))
        if record.publisher.country_code is not None:
            entries.append((META_PUBLISHER_COUNTRY, record.publisher.country_code))
        if record.publisher.parent is not None:
            entries.append((META_PUBLISHER_PARENT, record.publisher.parent))
        if record.provenance is not None:
            for field, name in META_PROVENANCE.items():
                value = getattr(record.provenance, field)
                if value is not None:
                    entries.append((name, value))
            for field, names in META_PROVENANCE_OBJECTS.items():
                used = getattr(record.provenance, field)
                for sub, name in names.items() if used is not None else ():
                    value = getattr(used, sub)
                    if isinstance(value, list):  # the collection's JSON pointers, which hold no space
                        value = " ".join(value) or None
                    if value is not None:
                        entries.append((name, value))
        if self.empty:
            entries.append((META_EMPTY, " ".join(self.empty)))
        if self.opening is not None:
            entries.append((META_OPENING, self.opening))
        if self.generated:
            entries.append((META_GENERATED_IDS, " ".join(self.generated)))
        if self.statement is not None:
            entries.append((META_STATEMENT, self.statement))
        entries.append((META_CITATION, cite_as(record)))
        for name, value in entries:
            custom = _sub(group, "custom-meta")
            _sub(custom, "meta-name", name)
            _sub(custom, "meta-value", value)

    # Schema 1.1: author notes, acknowledgements, reference list ----------------------------------------

    def author_notes(self, meta: etree._Element) -> None:
        """`author-notes` after the contributors: `corresp` for the corresponding author, else an `fn`
        whose `fn-type` names the kind, in the record's order."""
        if not self.record.author_notes:
            return
        notes = _sub(meta, "author-notes")
        for note in self.record.author_notes:
            if note.kind == "corresponding":
                self.inlines(_sub(notes, "corresp"), note.content)
            else:
                self.inlines(_sub(_sub(notes, "fn", attrib={"fn-type": FN_TYPES[note.kind]}), "p"), note.content)

    @staticmethod
    def back(root: etree._Element) -> etree._Element:
        found = root.find("back")
        return found if found is not None else _sub(root, "back")

    def acknowledgements(self, root: etree._Element) -> None:
        if not self.record.acknowledgements:
            return
        ack = _sub(self.back(root), "ack")
        _sub(ack, "title", "Acknowledgements")
        self.blocks(ack, self.record.acknowledgements, "sec", "/acknowledgements")

    # Body -------------------------------------------------------------------------------------------

    def blocks(self, parent: etree._Element, blocks: list[Block], where: str, pointer: str, start: int = 0
               ) -> None:
        """Blocks into a container whose content model is `where`:
        "sec" (body, sec, boxed-text: paragraph-level elements, then sections), "quote" (no sections),
        "p" (fn: paragraphs only) or "item" (list-item: paragraphs and lists only). `start` is the
        index of the first block in the record's list (for JSON pointers)."""
        # An untitled section is written as a box, which is paragraph-level: sections before it are boxed too.
        last_flow = max((i for i, block in enumerate(blocks) if not _titled(block)), default=-1)
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index + start}"
            if isinstance(block, Paragraph) or (where == "item" and isinstance(block, ListBlock)):
                self.block(parent, block, here)
            elif where in ("p", "item"):
                self.block(_sub(parent, "p", attrib={"content-type": WRAPPER}), block, here, sections=False)
            else:
                self.block(parent, block, here, sections=where == "sec" and index > last_flow)

    def block(self, parent: etree._Element, block: Block, pointer: str, sections: bool = True) -> None:
        if isinstance(block, Paragraph):
            self.inlines(_sub(parent, "p"), block.content)
        elif isinstance(block, Section) and not block.title:
            box = _sub(parent, "boxed-text", attrib={"id": block.id or self.new_id(), "content-type": UNTITLED})
            self.blocks(box, block.blocks, "sec", pointer + "/blocks")
        elif isinstance(block, Section):
            if not sections:
                parent = _sub(parent, "boxed-text", attrib={"id": self.new_id(), "content-type": WRAPPER})
            sec = _sub(parent, "sec", attrib={"id": block.id} if block.id else None)
            if block.title:
                self.inlines(_sub(sec, "title"), block.title)
            self.blocks(sec, block.blocks, "sec", pointer + "/blocks")
        elif isinstance(block, ListBlock):
            lst = _sub(parent, "list", attrib={"list-type": "order" if block.ordered else "bullet"})
            for index, item in enumerate(block.items):
                self.blocks(_sub(lst, "list-item"), item, "item", f"{pointer}/items/{index}")
        elif isinstance(block, Quote):
            quote = _sub(parent, "disp-quote")
            self.blocks(quote, block.blocks, "quote", pointer + "/blocks")
            if block.attribution is not None:
                self.inlines(_sub(quote, "attrib"), block.attribution)
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
            fig = _sub(parent, "boxed-text", attrib={"id": figure.id, "content-type": LOST_FIGURE})
            _sub(fig, "label", f"Figure {self.figures}")
            self.inlines(_sub(_sub(fig, "caption"), "p"), figure.caption)
            if figure.alt is not None:
                _sub(fig, "p", figure.alt, {"content-type": ALT_PARAGRAPH})
        else:
            fig = _sub(parent, "fig", attrib={"id": figure.id, "fig-type": "figure"})
            _sub(fig, "label", f"Figure {self.figures}")
            self.inlines(_sub(_sub(fig, "caption"), "p"), figure.caption)
            subtype = figure.image.rsplit(".", 1)[-1].lower().replace("jpg", "jpeg")
            graphic = _sub(fig, "graphic", attrib={HREF: clean(figure.image), "mimetype": "image",
                                                   "mime-subtype": subtype})
            alt = alt_text(figure, f"Figure {self.figures}")
            _sub(graphic, "alt-text", alt, None if figure.alt is not None else {"content-type": DERIVED})
            if " ".join(alt.split()) == " ".join(plain_text(figure.caption).split()):
                self.gaps.append(f"figure {figure.id} whose alt text repeats its caption")
        if figure.credit is not None:
            _sub(fig, "attrib", figure.credit)
        if figure.license is not None:
            self.permissions(fig, None, None, None, figure.license)

    def table(self, parent: etree._Element, table: Table, pointer: str) -> None:
        self.tables += 1
        wrap = _sub(parent, "table-wrap", attrib={"id": table.id})
        _sub(wrap, "label", f"Table {self.tables}")
        if table.caption is not None:
            self.inlines(_sub(_sub(wrap, "caption"), "p"), table.caption)
        grid = _sub(wrap, "table")
        if table.head:
            self.rows(_sub(grid, "thead"), table.head, "th")
        elif table.head is not None:
            self.empty.append(pointer + "/head")
        # A table without a header row has its first column as row headers (JATS4R: a table has th
        # cells, so that assistive technology can name each cell); the reader takes th and td alike.
        self.rows(_sub(grid, "tbody"), table.rows, "td", row_headers=not table.head)

    def rows(self, parent: etree._Element, rows: list[list[list[Inline]]], cell_tag: str,
             row_headers: bool = False) -> None:
        for row in rows:
            tr = _sub(parent, "tr")
            for index, cell in enumerate(row):
                if row_headers and index == 0:
                    self.inlines(_sub(tr, "th", attrib={"scope": "row"}), cell)
                else:
                    self.inlines(_sub(tr, cell_tag, attrib={"scope": "col"} if cell_tag == "th" else None), cell)

    def footnote(self, group: etree._Element, note, pointer: str) -> None:
        fn = _sub(group, "fn", attrib={"id": note.id})
        if note.label is not None:
            fn.set("symbol", clean(note.label))
        _sub(fn, "label", self.note_marks[note.id])
        self.blocks(fn, note.blocks, "p", pointer + "/blocks")

    @staticmethod
    def in_citation(element: etree._Element) -> bool:
        return element.tag == "mixed-citation" or next(element.iterancestors("mixed-citation"), None) is not None

    def inlines(self, parent: etree._Element, inlines: list[Inline]) -> None:
        for node in inlines:
            if isinstance(node, str):
                _append_text(parent, node)
            elif isinstance(node, Styled):
                self.inlines(_sub(parent, STYLED_TAGS[node.type]), node.content)
            elif isinstance(node, Link):
                text = " ".join(plain_text(node.content).split())
                attrib = {"ext-link-type": "uri", HREF: clean(node.url)}
                if not text or text == node.url or _URL_TEXT.match(text):
                    # JATS4R: a link says what it links to, in its text or else in xlink:title
                    attrib[TITLE] = clean(node.url)
                link = _sub(parent, "ext-link", attrib=attrib)
                self.inlines(link, node.content)
                if "".join(link.itertext()) == link.get(HREF) and self.in_citation(parent):
                    # A URL printed in a citation as its own link text: printed text, marked so that
                    # the reader restores the link (JATS4R: link text is never the bare URL). The
                    # link itself is the element-citation's, with a description.
                    link.attrib.clear()
                    link.tag = "named-content"
                    link.set("content-type", PRINTED_URL)
            elif isinstance(node, Code):
                _sub(parent, CODE_TAG, node.text)
            elif isinstance(node, NoteRef):
                _sub(parent, "xref", self.note_marks[node.note], {"ref-type": "fn", "rid": node.note})
            else:
                raise TypeError(f"unknown inline node {type(node).__name__}")


def _titled(block: Block) -> bool:
    return isinstance(block, Section) and bool(block.title)


def _opening_liftable(blocks: list[Block]) -> bool:
    """An untitled first section whose blocks can stand in <body> before the sections, with nothing
    but titled sections after it (so the reader knows where it ends)."""
    return bool(blocks) and isinstance(blocks[0], Section) and not blocks[0].title and \
        not any(_titled(block) for block in blocks[0].blocks) and all(_titled(block) for block in blocks[1:])


def _indent(element: etree._Element, depth: int) -> None:
    if element.tag not in _STRUCTURAL or not len(element):
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth

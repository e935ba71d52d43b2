"""JATS 1.4 Archiving writer: one commentary record -> one DTD-valid, JATS4R-minded `<article>`.

Implements NISO JATS 1.4 (Z39.96-2024), Journal Archiving and Interchange tag set, with the JATS4R
recommendations for front matter (series as `journal-meta`, contributors with `aff` linked by `xref`,
`pub-date/@iso-8601-date`, `permissions` with `ali:license_ref`, `self-uri` with titles, summary
abstract), figures (`fig` with label, caption, `alt-text`, `graphic`, `attrib`), endnotes
(`fn-group` in `back`), and schema 1.1's organisation authors (`collab`), author notes (`author-notes`
with `fn/@fn-type` and `corresp`), acknowledgements (`ack`) and reference list (`ref-list`, written by
`archiver/writers/jatsrefs.py`). This module writes the front and back matter; the body's blocks and
inlines are `archiver/writers/jatsbody.py`'s. What JATS has no element for goes into `custom-meta`, so that
`archiver/ingest/jats.py` reads back the identical record. Same record -> same bytes.
"""

from __future__ import annotations

from lxml import etree

from ..citation import cite_as
from ..errors import ArchiverWarning
from ..jatsmap import (ALI, CC_LICENSE, DOCTYPE, DTD_VERSION, EVENT_REVISED, FN_TYPES, HREF, KWD_REGIONS,
                       KWD_TOPICS, META_CITATION, META_EMPTY, META_GENERATED_IDS, META_OPENING,
                       META_PROVENANCE, META_PUBLISHER_COUNTRY, META_PUBLISHER_PARENT, META_SCHEMA_VERSION,
                       META_SERIES_NUMBER, META_STATEMENT, NAME_STYLES, NOTES_EDITOR, PERSON_MARK,
                       SELF_URI_PDF, SELF_URI_SERIES, SELF_URI_SOURCE, TITLE, XLINK, XML_LANG, iso_countries)
from ..jatsmap import META_PROVENANCE_OBJECTS
from ..record import Affiliation, Author, Block, Record, Section, walk
from . import RenderContext
from .jats4r import copyright_statement, rights_lacking, undescriptive_links
from .jatsbody import BodyWriter, clean, sub, titled
from .jatsrefs import ReferenceWriter, citation_gaps

_NSMAP = {"xlink": XLINK, "ali": ALI}
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
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


class _Builder(BodyWriter, ReferenceWriter):
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
        front = sub(root, "front")
        self.journal_meta(front)
        meta = self.article_meta(front)
        if record.editor_note is not None:
            notes = sub(front, "notes", attrib={"notes-type": NOTES_EDITOR})
            sub(notes, "title", "Editor's note")
            sub(notes, "p", record.editor_note)
        if record.body is not None:
            body = sub(root, "body")
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
                group = sub(self.back(root), "fn-group")
                sub(group, "title", "Notes")
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
        journal = sub(front, "journal-meta")
        series = record.series
        if series is not None:
            sub(journal, "journal-id", series.name, {"journal-id-type": "publisher-id"})
            sub(sub(journal, "journal-title-group"), "journal-title", series.name)
            if series.issn is not None:
                sub(journal, "issn", series.issn)
        publisher = sub(journal, "publisher")
        sub(publisher, "publisher-name", record.publisher.name)
        if record.publisher.place is not None:
            sub(publisher, "publisher-loc", record.publisher.place)
        if series is not None and series.url is not None:
            sub(journal, "self-uri", "Web page of the series",
                 {"content-type": SELF_URI_SERIES, HREF: clean(series.url), TITLE: "Web page of the series"})

    def article_meta(self, front: etree._Element) -> etree._Element:
        record = self.record
        meta = sub(front, "article-meta")
        sub(meta, "article-id", record.identifier, {"pub-id-type": "publisher-id"})
        links = record.links
        if links is not None:
            if links.doi is not None:
                sub(meta, "article-id", links.doi, {"pub-id-type": "doi"})
            if links.handle is not None:
                sub(meta, "article-id", links.handle, {"pub-id-type": "handle"})
        heading = sub(sub(meta, "article-categories"), "subj-group", attrib={"subj-group-type": "heading"})
        sub(heading, "subject", "Commentary")
        titles = sub(meta, "title-group")
        sub(titles, "article-title", record.title)
        if record.subtitle is not None:
            sub(titles, "subtitle", record.subtitle)
        self.contributors(meta)
        self.author_notes(meta)
        self.date(meta, "pub-date", record.published, {"publication-format": "electronic", "date-type": "pub"})
        if record.modified is not None:
            event = sub(sub(meta, "pub-history"), "event", attrib={"event-type": EVENT_REVISED})
            sub(event, "event-desc", "Revised")
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
                sub(meta, "self-uri", "Web page of the commentary",
                     {"content-type": SELF_URI_SOURCE, HREF: clean(links.source),
                      TITLE: "Web page of the commentary"})
            if links.pdf is not None:
                sub(meta, "self-uri", "PDF of the commentary",
                     {"content-type": SELF_URI_PDF, HREF: clean(links.pdf), TITLE: "PDF of the commentary"})
            if links.source is links.pdf is links.doi is links.handle is None:
                self.empty.append("/links")
        if record.abstract is not None:
            abstract = sub(meta, "abstract", attrib={"abstract-type": "summary"})
            sub(abstract, "title", "Synopsis")
            sub(abstract, "p", record.abstract)
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
        group = sub(meta, "contrib-group", attrib={"content-type": "authors"})
        for index, author in enumerate(self.record.authors):
            self.contributor(group, author, index)
        written: set[str] = set()
        for author in self.record.authors:
            for affiliation in author.affiliations or []:
                aff_id = self.aff_ids[affiliation]
                if aff_id in written:
                    continue
                written.add(aff_id)
                aff = sub(group, "aff", attrib={"id": aff_id})
                sub(aff, "institution", affiliation.name)
                if affiliation.country is not None or affiliation.country_code is not None:
                    attrib = {"country": affiliation.country_code} if affiliation.country_code else None
                    sub(aff, "country", affiliation.country, attrib)
                    if affiliation.country_code not in iso_countries():
                        self.gaps.append(f"affiliation {affiliation.name!r} without an ISO 3166-1 country code")

    def contributor(self, group: etree._Element, author: Author, index: int) -> None:
        contrib = sub(group, "contrib", attrib={"contrib-type": "author"})
        style = {"name-style": NAME_STYLES[author.name_order]} if author.name_order else None
        if author.orcid is not None:
            sub(contrib, "contrib-id", author.orcid, {"contrib-id-type": "orcid"})
        if author.is_organization:
            sub(contrib, "collab", author.name)  # a group author: its name only, never split
        else:
            if author.kind is not None:
                contrib.set("specific-use", PERSON_MARK)
            self.person_name(contrib, author, style)
        if author.affiliations is not None:
            for affiliation in author.affiliations:
                sub(contrib, "xref", attrib={"ref-type": "aff", "rid": self.aff_ids[affiliation]})
            if not author.affiliations:
                self.empty.append(f"/authors/{index}/affiliations")
        if author.email is not None:
            sub(contrib, "email", author.email)
        if author.bio is not None:
            sub(sub(contrib, "bio"), "p", author.bio)

    @staticmethod
    def person_name(contrib: etree._Element, author: Author, style: dict[str, str] | None) -> None:
        if author.family is not None or author.given is not None:
            name = sub(contrib, "name", attrib=style)
            if author.family is not None:
                sub(name, "surname", author.family)
            if author.given is not None:
                sub(name, "given-names", author.given)
        sub(contrib, "string-name", author.name, style)

    @staticmethod
    def date(parent: etree._Element, tag: str, iso: str, attrib: dict[str, str]) -> None:
        # A date is as precise as the record's: "2024-05" has no <day>, "2024" no <month> either.
        date = sub(parent, tag, attrib={**attrib, "iso-8601-date": iso})
        year, month, day = (iso.split("-") + [None, None])[:3]
        if day is not None:
            sub(date, "day", day)
        if month is not None:
            sub(date, "month", month)
        sub(date, "year", year)

    def keywords(self, meta: etree._Element, values: list[str] | None, kind: str, title: str,
                 pointer: str) -> None:
        if values is None:
            return
        if not values:
            self.empty.append(pointer)
            return
        group = sub(meta, "kwd-group", attrib={"kwd-group-type": kind})
        sub(group, "title", title)
        for value in values:
            sub(group, "kwd", value)

    def custom_meta(self, meta: etree._Element) -> None:
        record = self.record
        group = sub(meta, "custom-meta-group")
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
                for part, name in names.items() if used is not None else ():
                    value = getattr(used, part)
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
            custom = sub(group, "custom-meta")
            sub(custom, "meta-name", name)
            sub(custom, "meta-value", value)

    # Schema 1.1: author notes, acknowledgements, reference list ----------------------------------------

    def author_notes(self, meta: etree._Element) -> None:
        """`author-notes` after the contributors: `corresp` for the corresponding author, else an `fn`
        whose `fn-type` names the kind, in the record's order."""
        if not self.record.author_notes:
            return
        notes = sub(meta, "author-notes")
        for note in self.record.author_notes:
            if note.kind == "corresponding":
                self.inlines(sub(notes, "corresp"), note.content)
            else:
                self.inlines(sub(sub(notes, "fn", attrib={"fn-type": FN_TYPES[note.kind]}), "p"), note.content)

    @staticmethod
    def back(root: etree._Element) -> etree._Element:
        found = root.find("back")
        return found if found is not None else sub(root, "back")

    def acknowledgements(self, root: etree._Element) -> None:
        if not self.record.acknowledgements:
            return
        ack = sub(self.back(root), "ack")
        sub(ack, "title", "Acknowledgements")
        self.blocks(ack, self.record.acknowledgements, "sec", "/acknowledgements")

def _opening_liftable(blocks: list[Block]) -> bool:
    """An untitled first section whose blocks can stand in <body> before the sections, with nothing
    but titled sections after it (so the reader knows where it ends)."""
    return bool(blocks) and isinstance(blocks[0], Section) and not blocks[0].title and \
        not any(titled(block) for block in blocks[0].blocks) and all(titled(block) for block in blocks[1:])


def _indent(element: etree._Element, depth: int) -> None:
    if element.tag not in _STRUCTURAL or not len(element):
        return
    inner = "\n" + "  " * (depth + 1)
    element.text = inner
    for child in element:
        _indent(child, depth + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * depth

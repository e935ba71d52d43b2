"""The EPUB 3.3 reading copy of a commentary: an accessible, branded, reproducible book.

Implements EPUB 3.3 (OCF container, package document, XHTML content documents, navigation document)
and the metadata of EPUB Accessibility 1.1 (schema.org accessibility properties and
`dcterms:conformsTo` "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"). The book is built with lxml and
zipfile only; the same record, style and assets always give the same bytes (zip timestamps and
`dcterms:modified` come from the record, identifiers are derived, never random).

Layout of the book (all under `EPUB/`): `cover.xhtml` (the brand's cover, drawn as `images/cover.svg`),
`title.xhtml` (title page with the "Cite as" line), `text.xhtml` (synopsis and sectioned body), then
in the order of the landing page, the JATS and the PDF: `acknowledgements.xhtml` (when the record has
them: `doc-acknowledgments`), `notes.xhtml` (endnotes with links both ways), `references.xhtml` (when
the record has them: `doc-bibliography`), `about.xhtml` (About the Author(s), with the author notes),
`rights.xhtml`,
`nav.xhtml` (table of contents and landmarks) and `style.css` (the brand's `epub.css`). This module
writes those content and navigation documents; `epubpackage` the package document and the zip
container, `epubcover` the cover image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from ..citation import cite_as
from ..record import (Author, Code, Figure, Link, ListBlock, Note, NoteRef, Paragraph, Quote, Record,
                      Section, Styled, Table, long_date, plain_text)
from . import RenderContext
from .epubcover import cover_svg
from .epubpackage import container, package_document, rights_statement
from .urls import safe_url
from ..visible import shows_something
from .alttext import alt_text

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
#: the back-matter documents in reading order (built in another: the notes need every reference first)
BACK_MATTER_ORDER = ("acknowledgements.xhtml", "notes.xhtml", "references.xhtml")

STYLED_TAGS = {"emphasis": "em", "strong": "strong", "superscript": "sup", "subscript": "sub"}
# Image types the book may carry, recognised by their bytes (a record's file extension may lie).
IMAGE_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png", "png"), (b"\xff\xd8\xff", "image/jpeg", "jpg"))


def render(record: Record, context: RenderContext) -> bytes:
    """The EPUB file of a record, as bytes."""
    return _Book(record, context).build()


# Small builders -------------------------------------------------------------------------------------

def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag if tag.startswith("{") else f"{{{XHTML}}}{tag}")
    for name, value in attrs.items():
        element.set(name.rstrip("_"), value)  # class_ -> class
    if text is not None:
        element.text = text
    return element


def _append_text(parent: etree._Element, text: str) -> None:
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _link(parent: etree._Element, text: str | None, url: str) -> etree._Element:
    """A link to `url`, or, when no valid URL can be made of it, a span holding the text alone."""
    href = safe_url(url)
    return _sub(parent, "a", text, href=href) if href else _sub(parent, "span", text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _image_kind(data: bytes) -> tuple[str, str] | None:
    for signature, media_type, extension in IMAGE_SIGNATURES:
        if data.startswith(signature):
            return media_type, extension
    return None


# The book -------------------------------------------------------------------------------------------

@dataclass
class _Heading:
    """A titled body section, for the table of contents."""
    href: str
    label: str
    children: list["_Heading"] = field(default_factory=list)


class _Book:
    def __init__(self, record: Record, context: RenderContext):
        self.record = record
        self.style = context.style
        self.assets = context.assets
        self.lang = record.language
        labels = record.note_labels()
        self.notes: dict[str, tuple[Note, str]] = {note.id: (note, labels[note.id]) for note in record.notes()}
        #: note id -> [(document, id of the reference)] in reading order
        self.refs: dict[str, list[tuple[str, str]]] = {}
        #: image path in the record -> (href in the book, media type)
        self.images: dict[str, tuple[str, str]] = {}
        self.image_bytes: dict[str, bytes] = {}
        self.generated_ids = 0
        self.document = ""
        self.toc: list[_Heading] = []
        self.citation = cite_as(record)  # the crosswalk's line, on the title page and the rights page

    # Entry point -------------------------------------------------------------------------------

    def build(self) -> bytes:
        record = self.record
        documents: list[tuple[str, str, bytes]] = []  # (file, manifest properties, bytes)
        documents.append(("cover.xhtml", "", self._cover_page()))
        documents.append(("title.xhtml", "", self._title_page()))
        documents.append(("text.xhtml", "", self._text()))
        back = {document[0]: document for document in self._back_matter()}
        if self.notes:
            back["notes.xhtml"] = ("notes.xhtml", "", self._notes())
        # The reading order of the landing page, the JATS and the PDF, whatever the order of building
        documents += [back[name] for name in BACK_MATTER_ORDER if name in back]
        documents.append(("about.xhtml", "", self._about()))
        documents.append(("rights.xhtml", "", self._rights()))
        spine = [name for name, _, _ in documents]
        files: dict[str, bytes] = {f"EPUB/{name}": data for name, _, data in documents}
        files["EPUB/nav.xhtml"] = self._nav()
        files["EPUB/style.css"] = self.style.css("epub.css").encode("utf-8")
        files["EPUB/images/cover.svg"] = cover_svg(record, self.style, self._cover_alt(), _names(record.authors))
        for path, (href, _) in self.images.items():
            files[f"EPUB/{href}"] = self.image_bytes[path]
        files["EPUB/package.opf"] = package_document(record, spine, list(self.images.values()))
        return container(record, files)

    # Documents ---------------------------------------------------------------------------------

    def _page(self, title: str, epub_type: str | None = None) -> tuple[etree._Element, etree._Element]:
        html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML, "epub": EPUB_NS})
        html.set("lang", self.lang)
        html.set(XML_LANG, self.lang)
        head = _sub(html, "head")
        _sub(head, "meta", charset="utf-8")
        _sub(head, "title", title)
        _sub(head, "link", rel="stylesheet", type="text/css", href="style.css")
        body = _sub(html, "body")
        if epub_type:
            body.set(EPUB_TYPE, epub_type)
        return html, body

    def _cover_page(self) -> bytes:
        self.document = "cover.xhtml"
        html, body = self._page(f"Cover: {self.record.title}", "cover")
        section = _sub(body, "section", class_="cover")
        _sub(section, "img", src="images/cover.svg", role="doc-cover", alt=self._cover_alt())
        return _xhtml(html)

    def _cover_alt(self) -> str:
        names = ", ".join(a.name for a in self.record.authors)
        return _one_line(f"Cover: {self.record.title}, by {names}")

    def _title_page(self) -> bytes:
        self.document = "title.xhtml"
        record = self.record
        html, body = self._page(record.title, "frontmatter")
        page = _sub(body, "section", id="titlepage", class_="titlepage")
        page.set(EPUB_TYPE, "titlepage")
        masthead = self.style.data.get("masthead")
        if masthead:
            _sub(page, "p", masthead, class_="masthead")
        if record.series:
            series = record.series.name + (f" {record.series.number}" if record.series.number else "")
            _sub(page, "p", series, class_="series")
        _sub(page, "h1", record.title, class_="title")
        if record.subtitle:
            _sub(page, "p", record.subtitle, class_="subtitle", role="doc-subtitle")
        authors = _sub(page, "p", class_="authors")
        authors.text = _names(record.authors)
        date = _sub(page, "p", class_="date")
        _sub(date, "time", long_date(record.published), datetime=record.published)
        if record.modified:
            _append_text(date, " (revised ")
            _sub(date, "time", long_date(record.modified), datetime=record.modified)
            _append_text(date, ")")
        if record.editor_note:
            _sub(page, "p", record.editor_note, class_="editor-note")
        self._cite_as(page)
        return _xhtml(html)

    def _cite_as(self, parent: etree._Element) -> None:
        """The "Cite as" line from the citation crosswalk (title page and rights page)."""
        cite = _sub(parent, "p", class_="cite-as")
        _sub(cite, "strong", "Cite as: ")
        _append_text(cite, self.citation)

    def _text(self) -> bytes:
        self.document = "text.xhtml"
        record = self.record
        html, body = self._page(record.title, "bodymatter")
        main = _sub(body, "section", id="_text", class_="text", role="doc-chapter")
        main.set(EPUB_TYPE, "chapter")
        _sub(main, "h1", record.title)
        if record.abstract:
            synopsis = _sub(main, "section", id="_synopsis", class_="synopsis", role="doc-abstract")
            _sub(synopsis, "h2", "Synopsis")
            for line in record.abstract.split("\n\n"):
                if line.strip():
                    _sub(synopsis, "p", line.strip())
            self.toc.append(_Heading("text.xhtml#_synopsis", "Synopsis"))
        if record.body:
            commentary = _sub(main, "section", id="_commentary", class_="commentary")
            _sub(commentary, "h2", "Commentary")
            self.toc.append(_Heading("text.xhtml#_commentary", "Commentary"))
            self._blocks(commentary, record.body.blocks, 2, self.toc[-1].children)
        return _xhtml(html)

    def _notes(self) -> bytes:
        self.document = "notes.xhtml"
        html, body = self._page("Notes", "backmatter")
        section = _sub(body, "section", id="_notes", class_="notes", role="doc-endnotes")
        section.set(EPUB_TYPE, "endnotes")
        _sub(section, "h1", "Notes")
        items = _sub(section, "ol", class_="notes")
        rendered: list[tuple[etree._Element, str, str]] = []
        for note_id, (note, label) in self.notes.items():
            # A note is a list item of the endnotes section and nothing more: SSV 1.1 and DPUB-ARIA 1.1
            # deprecate `endnote` / `doc-endnote` on the item (EPUBCheck OPF-086b).
            item = _sub(items, "li", id=note_id)
            self._blocks(item, note.blocks, 1, None)
            rendered.append((item, note_id, label))
        # Backlinks last: references inside notes are only known once every note is rendered.
        for item, note_id, label in rendered:
            marker = etree.Element(f"{{{XHTML}}}span", {"class": "note-label"})
            refs = self.refs.get(note_id)
            if refs:
                document, ref_id = refs[0]
                href = f"#{ref_id}" if document == "notes.xhtml" else f"{document}#{ref_id}"
                link = _sub(marker, "a", label, href=href, role="doc-backlink")
                link.set("aria-label", f"Back to reference {label}")
            else:
                marker.text = label
            marker.tail = " "
            first = item[0] if len(item) else None
            if first is not None and first.tag == f"{{{XHTML}}}p":
                marker.tail += first.text or ""
                first.text = None
                first.insert(0, marker)
            else:
                paragraph = etree.Element(f"{{{XHTML}}}p")
                paragraph.append(marker)
                item.insert(0, paragraph)
        return _xhtml(html)

    # Schema 1.1: acknowledgements, reference list, author notes ---------------------------------

    def _back_matter(self) -> list[tuple[str, str, bytes]]:
        """The acknowledgements and the reference list, each its own document (built before the notes,
        whose backlinks must know every reference to them)."""
        documents = []
        if self.record.acknowledgements:
            documents.append(("acknowledgements.xhtml", "", self._acknowledgements()))
        if self.record.references:
            documents.append(("references.xhtml", "", self._references()))
        return documents

    def _acknowledgements(self) -> bytes:
        self.document = "acknowledgements.xhtml"
        html, body = self._page("Acknowledgements", "backmatter")
        section = _sub(body, "section", id="_acknowledgements", class_="acknowledgements",
                       role="doc-acknowledgments")
        section.set(EPUB_TYPE, "acknowledgments")
        _sub(section, "h1", "Acknowledgements")
        # under the page's h1, so a section in them is an h2 (heading order; Ace heading-order)
        self._blocks(section, self.record.acknowledgements, 1, None)
        return _xhtml(html)

    def _references(self) -> bytes:
        """The references as printed; a DOI or URL the printed citation does not show follows it."""
        self.document = "references.xhtml"
        html, body = self._page("References", "backmatter")
        section = _sub(body, "section", id="_references", class_="references", role="doc-bibliography")
        section.set(EPUB_TYPE, "bibliography")
        _sub(section, "h1", "References")
        entries = _sub(section, "ul", class_="references")
        for reference in self.record.references:
            entry = _sub(entries, "li", id=reference.id)
            self._inlines(entry, reference.citation)
            for url in reference.links_to_add():
                _append_text(entry, " ")
                _link(entry, url, url)
        return _xhtml(html)

    def _author_notes(self, parent: etree._Element) -> None:
        """Author notes as printed (their text says what they are), on the page about the authors."""
        if not self.record.author_notes:
            return
        section = _sub(parent, "section", id="_author-notes", class_="author-notes")
        _sub(section, "h2", "Author notes")
        for note in self.record.author_notes:
            self._inlines(_sub(section, "p", class_=f"author-note {note.kind}"), note.content)

    def _about(self) -> bytes:
        self.document = "about.xhtml"
        record = self.record
        heading = "About the Author" if len(record.authors) == 1 else "About the Authors"
        html, body = self._page(heading, "backmatter")
        section = _sub(body, "section", id="_about", class_="about")
        _sub(section, "h1", heading)
        for author in record.authors:
            entry = _sub(section, "section", class_="author")
            _sub(entry, "h2", author.name)
            if author.bio:
                _sub(entry, "p", author.bio, class_="bio")
            for affiliation in author.affiliations or []:
                where = affiliation.name + (f", {affiliation.country}" if affiliation.country else "")
                _sub(entry, "p", where, class_="affiliation")
            if author.orcid:
                orcid = _sub(entry, "p", "ORCID: ", class_="orcid")
                _link(orcid, author.orcid, author.orcid)
        self._author_notes(section)
        return _xhtml(html)

    def _rights(self) -> bytes:
        self.document = "rights.xhtml"
        record = self.record
        html, body = self._page("Rights", "backmatter")
        section = _sub(body, "section", id="_rights", class_="rights")
        section.set(EPUB_TYPE, "copyright-page")
        _sub(section, "h1", "Rights")
        _sub(section, "p", rights_statement(record), class_="statement")
        rights = record.rights
        if rights and rights.license:
            licence = _sub(section, "p", "Licence: ", class_="licence")
            _link(licence, rights.license, rights.license)
        terms = self.style.data.get("terms")
        if terms:
            _sub(section, "p", terms, class_="terms")
        publisher = record.publisher
        published_by = ", ".join(part for part in (publisher.name, publisher.parent, publisher.place) if part)
        _sub(section, "p", f"Published by {published_by}.", class_="publisher")
        details = _sub(section, "ul", class_="identifiers")
        _sub(details, "li", f"Identifier: {record.identifier}")
        if record.series and record.series.issn:
            _sub(details, "li", f"Series ISSN: {record.series.issn}")
        links = record.links
        for label, url in (("DOI", links and links.doi and f"https://doi.org/{links.doi}"),
                           ("Handle", links and links.handle and f"https://hdl.handle.net/{links.handle}"),
                           ("Source", links and links.source)):
            if url:
                item = _sub(details, "li", f"{label}: ")
                _link(item, url, url)
        self._cite_as(section)
        return _xhtml(html)

    def _nav(self) -> bytes:
        self.document = "nav.xhtml"
        html, body = self._page("Contents")
        toc = _sub(body, "nav", id="toc", role="doc-toc")
        toc.set(EPUB_TYPE, "toc")
        _sub(toc, "h1", "Contents")
        entries = [_Heading("title.xhtml", "Title Page"), *self.toc]
        if self.record.acknowledgements:
            entries.append(_Heading("acknowledgements.xhtml", "Acknowledgements"))
        if self.notes:
            entries.append(_Heading("notes.xhtml", "Notes"))
        if self.record.references:
            entries.append(_Heading("references.xhtml", "References"))
        entries.append(_Heading("about.xhtml", "About the Author" + ("s" if len(self.record.authors) > 1 else "")))
        entries.append(_Heading("rights.xhtml", "Rights"))
        _nav_list(toc, entries)
        landmarks = _sub(body, "nav", id="landmarks", hidden="hidden")
        landmarks.set(EPUB_TYPE, "landmarks")
        _sub(landmarks, "h2", "Landmarks")
        items = _sub(landmarks, "ol")
        for epub_type, href, label in (("cover", "cover.xhtml", "Cover"),
                                       ("titlepage", "title.xhtml", "Title Page"),
                                       ("bodymatter", "text.xhtml", "Start of Content"),
                                       *((("endnotes", "notes.xhtml", "Notes"),) if self.notes else ()),
                                       ("copyright-page", "rights.xhtml", "Rights")):
            link = _sub(_sub(items, "li"), "a", label, href=href)
            link.set(EPUB_TYPE, epub_type)
        return _xhtml(html)

    # Body nodes --------------------------------------------------------------------------------

    def _blocks(self, parent: etree._Element, blocks: list, level: int,
                toc: list[_Heading] | None) -> None:
        for block in blocks:
            self._block(parent, block, level, toc)

    def _block(self, parent: etree._Element, block, level: int, toc: list[_Heading] | None) -> None:
        if isinstance(block, Paragraph):
            self._inlines(_sub(parent, "p"), block.content)
        elif isinstance(block, Section):
            self._section(parent, block, level, toc)
        elif isinstance(block, ListBlock):
            listing = _sub(parent, "ol" if block.ordered else "ul")
            for item in block.items:
                self._blocks(_sub(listing, "li"), item, level, None)
        elif isinstance(block, Quote):
            wrapper = _sub(parent, "figure", class_="quote") if block.attribution else parent
            self._blocks(_sub(wrapper, "blockquote"), block.blocks, level, None)
            if block.attribution:
                caption = _sub(wrapper, "figcaption", "— ", class_="attribution")
                self._inlines(caption, block.attribution)
        elif isinstance(block, Figure):
            self._figure(parent, block)
        elif isinstance(block, Table):
            self._table(parent, block)
        else:  # the record model is closed: a new node type must be taught to every writer
            raise TypeError(f"EPUB writer cannot render {type(block).__name__}")

    def _section(self, parent: etree._Element, section: Section, level: int,
                 toc: list[_Heading] | None) -> None:
        label = _one_line(plain_text(section.title))
        section_id = section.id or self._new_id("sec")
        if not label:
            # An untitled section keeps its place but adds no heading level.
            wrapper = _sub(parent, "div", id=section_id, class_="section")
            if section.title:
                self._inlines(_sub(wrapper, "p", class_="section-title"), section.title)
            self._blocks(wrapper, section.blocks, level, toc)
            return
        wrapper = _sub(parent, "section", id=section_id)
        heading_level = min(level + 1, 6)
        self._inlines(_sub(wrapper, f"h{heading_level}"), section.title)
        children: list[_Heading] | None = None
        if toc is not None:
            entry = _Heading(f"{self.document}#{section_id}", label)
            toc.append(entry)
            children = entry.children
        self._blocks(wrapper, section.blocks, heading_level, children)

    def _figure(self, parent: etree._Element, figure: Figure) -> None:
        element = _sub(parent, "figure", id=figure.id)
        data = self.assets.get(figure.image) if figure.image else None
        kind = _image_kind(data) if data else None
        if kind:
            if figure.image not in self.images:
                media_type, extension = kind
                self.images[figure.image] = (f"images/{figure.id}.{extension}", media_type)
                self.image_bytes[figure.image] = data
            alt = alt_text(figure)
            _sub(element, "img", src=self.images[figure.image][0], alt=alt)
        caption = _sub(element, "figcaption")
        self._inlines(_sub(caption, "span", class_="caption"), figure.caption)
        if figure.credit or figure.license:
            credit = _sub(caption, "span", class_="credit")
            if figure.credit:
                credit.text = f" Source: {figure.credit}."
            if figure.license:
                _append_text(credit, " ")
                _link(credit, "Licence", figure.license)
                _append_text(credit, ".")

    def _table(self, parent: etree._Element, table: Table) -> None:
        element = _sub(parent, "table", id=table.id)
        if table.caption:
            self._inlines(_sub(element, "caption"), table.caption)
        if table.head:
            head = _sub(element, "thead")
            for row in table.head:
                tr = _sub(head, "tr")
                for cell in row:
                    # An empty header cell (a corner cell) heads nothing: a header must have text
                    # (WCAG 1.3.1; Ace's empty-table-header), so it is a plain cell.
                    if plain_text(cell).strip():
                        self._inlines(_sub(tr, "th", scope="col"), cell)
                    else:
                        self._inlines(_sub(tr, "td"), cell)
        body = _sub(element, "tbody")
        for row in table.rows:
            tr = _sub(body, "tr")
            for cell in row:
                self._inlines(_sub(tr, "td"), cell)

    def _inlines(self, parent: etree._Element, inlines: list) -> None:
        for node in inlines:
            if isinstance(node, str):
                _append_text(parent, node)
            elif isinstance(node, Styled):
                self._inlines(_sub(parent, STYLED_TAGS[node.type]), node.content)
            elif isinstance(node, Code):
                _sub(parent, "code", node.text)
            elif isinstance(node, Link):
                # Links do not nest in HTML: an inner link keeps its text only, and a note reference
                # inside a link text follows the link, as a link of its own.
                trailing: list[NoteRef] = []
                content = _without_note_refs(node.content, trailing)
                if not shows_something(plain_text(content)):
                    # A link needs a name a screen reader can say (WCAG 2.4.4; Ace's link-name): one
                    # whose text is empty shows its address.
                    content = [node.url.removeprefix("mailto:")]
                self._inlines(_link(parent, None, node.url), content)
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
        sup = _sub(parent, "sup", class_="noteref")
        link = _sub(sup, "a", label, id=ref_id, href=href, role="doc-noteref")
        link.set(EPUB_TYPE, "noteref")
        link.set("aria-label", f"Note {label}")

    def _new_id(self, kind: str) -> str:
        self.generated_ids += 1
        return f"_{kind}-{self.generated_ids}"

# Helpers of the book --------------------------------------------------------------------------------

def _names(authors: list[Author]) -> str:
    names = [author.name for author in authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


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


def _nav_list(parent: etree._Element, entries: list[_Heading]) -> None:
    listing = _sub(parent, "ol")
    for entry in entries:
        item = _sub(listing, "li")
        _sub(item, "a", entry.label, href=entry.href)
        if entry.children:
            _nav_list(item, entry.children)


def _xhtml(html: etree._Element) -> bytes:
    return etree.tostring(html, xml_declaration=True, encoding="utf-8", doctype="<!DOCTYPE html>",
                          pretty_print=True)

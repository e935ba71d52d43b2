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
writes those content and navigation documents; `epubbody` renders the record's body nodes into them,
`epubpackage` writes the package document and the zip container, `epubcover` the cover image.
"""

from __future__ import annotations

from lxml import etree

from ..citation import cite_as
from ..record import Author, Record, long_date
from . import RenderContext
from .epubbody import EPUB_NS, EPUB_TYPE, XHTML, XML_LANG, BodyWriter, Heading, add_text, link_or_span, \
    one_line, serialise, sub_element
from .epubcover import cover_svg
from .epubpackage import container, package_document, rights_statement

#: the back-matter documents in reading order (built in another: the notes need every reference first)
BACK_MATTER_ORDER = ("acknowledgements.xhtml", "notes.xhtml", "references.xhtml")


def render(record: Record, context: RenderContext) -> bytes:
    """The EPUB file of a record, as bytes."""
    return _Book(record, context).build()


# The book -------------------------------------------------------------------------------------------

class _Book(BodyWriter):
    def __init__(self, record: Record, context: RenderContext):
        super().__init__(record, context)
        self.style = context.style
        self.lang = record.language
        self.toc: list[Heading] = []
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
        head = sub_element(html, "head")
        sub_element(head, "meta", charset="utf-8")
        sub_element(head, "title", title)
        sub_element(head, "link", rel="stylesheet", type="text/css", href="style.css")
        body = sub_element(html, "body")
        if epub_type:
            body.set(EPUB_TYPE, epub_type)
        return html, body

    def _cover_page(self) -> bytes:
        self.document = "cover.xhtml"
        html, body = self._page(f"Cover: {self.record.title}", "cover")
        section = sub_element(body, "section", class_="cover")
        sub_element(section, "img", src="images/cover.svg", role="doc-cover", alt=self._cover_alt())
        return serialise(html)

    def _cover_alt(self) -> str:
        names = ", ".join(a.name for a in self.record.authors)
        return one_line(f"Cover: {self.record.title}, by {names}")

    def _title_page(self) -> bytes:
        self.document = "title.xhtml"
        record = self.record
        html, body = self._page(record.title, "frontmatter")
        page = sub_element(body, "section", id="titlepage", class_="titlepage")
        page.set(EPUB_TYPE, "titlepage")
        masthead = self.style.data.get("masthead")
        if masthead:
            sub_element(page, "p", masthead, class_="masthead")
        if record.series:
            series = record.series.name + (f" {record.series.number}" if record.series.number else "")
            sub_element(page, "p", series, class_="series")
        sub_element(page, "h1", record.title, class_="title")
        if record.subtitle:
            sub_element(page, "p", record.subtitle, class_="subtitle", role="doc-subtitle")
        authors = sub_element(page, "p", class_="authors")
        authors.text = _names(record.authors)
        date = sub_element(page, "p", class_="date")
        sub_element(date, "time", long_date(record.published), datetime=record.published)
        if record.modified:
            add_text(date, " (revised ")
            sub_element(date, "time", long_date(record.modified), datetime=record.modified)
            add_text(date, ")")
        if record.editor_note:
            sub_element(page, "p", record.editor_note, class_="editor-note")
        self._cite_as(page)
        return serialise(html)

    def _cite_as(self, parent: etree._Element) -> None:
        """The "Cite as" line from the citation crosswalk (title page and rights page)."""
        cite = sub_element(parent, "p", class_="cite-as")
        sub_element(cite, "strong", "Cite as: ")
        add_text(cite, self.citation)

    def _text(self) -> bytes:
        self.document = "text.xhtml"
        record = self.record
        html, body = self._page(record.title, "bodymatter")
        main = sub_element(body, "section", id="_text", class_="text", role="doc-chapter")
        main.set(EPUB_TYPE, "chapter")
        sub_element(main, "h1", record.title)
        if record.abstract:
            synopsis = sub_element(main, "section", id="_synopsis", class_="synopsis", role="doc-abstract")
            sub_element(synopsis, "h2", "Synopsis")
            for line in record.abstract.split("\n\n"):
                if line.strip():
                    sub_element(synopsis, "p", line.strip())
            self.toc.append(Heading("text.xhtml#_synopsis", "Synopsis"))
        if record.body:
            commentary = sub_element(main, "section", id="_commentary", class_="commentary")
            sub_element(commentary, "h2", "Commentary")
            self.toc.append(Heading("text.xhtml#_commentary", "Commentary"))
            self._blocks(commentary, record.body.blocks, 2, self.toc[-1].children)
        return serialise(html)

    def _notes(self) -> bytes:
        self.document = "notes.xhtml"
        html, body = self._page("Notes", "backmatter")
        section = sub_element(body, "section", id="_notes", class_="notes", role="doc-endnotes")
        section.set(EPUB_TYPE, "endnotes")
        sub_element(section, "h1", "Notes")
        items = sub_element(section, "ol", class_="notes")
        rendered: list[tuple[etree._Element, str, str]] = []
        for note_id, (note, label) in self.notes.items():
            # A note is a list item of the endnotes section and nothing more: SSV 1.1 and DPUB-ARIA 1.1
            # deprecate `endnote` / `doc-endnote` on the item (EPUBCheck OPF-086b).
            item = sub_element(items, "li", id=note_id)
            self._blocks(item, note.blocks, 1, None)
            rendered.append((item, note_id, label))
        # Backlinks last: references inside notes are only known once every note is rendered.
        for item, note_id, label in rendered:
            marker = etree.Element(f"{{{XHTML}}}span", {"class": "note-label"})
            refs = self.refs.get(note_id)
            if refs:
                document, ref_id = refs[0]
                href = f"#{ref_id}" if document == "notes.xhtml" else f"{document}#{ref_id}"
                link = sub_element(marker, "a", label, href=href, role="doc-backlink")
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
        return serialise(html)

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
        section = sub_element(body, "section", id="_acknowledgements", class_="acknowledgements",
                       role="doc-acknowledgments")
        section.set(EPUB_TYPE, "acknowledgments")
        sub_element(section, "h1", "Acknowledgements")
        # under the page's h1, so a section in them is an h2 (heading order; Ace heading-order)
        self._blocks(section, self.record.acknowledgements, 1, None)
        return serialise(html)

    def _references(self) -> bytes:
        """The references as printed; a DOI or URL the printed citation does not show follows it."""
        self.document = "references.xhtml"
        html, body = self._page("References", "backmatter")
        section = sub_element(body, "section", id="_references", class_="references", role="doc-bibliography")
        section.set(EPUB_TYPE, "bibliography")
        sub_element(section, "h1", "References")
        entries = sub_element(section, "ul", class_="references")
        for reference in self.record.references:
            entry = sub_element(entries, "li", id=reference.id)
            self._inlines(entry, reference.citation)
            for url in reference.links_to_add():
                add_text(entry, " ")
                link_or_span(entry, url, url)
        return serialise(html)

    def _author_notes(self, parent: etree._Element) -> None:
        """Author notes as printed (their text says what they are), on the page about the authors."""
        if not self.record.author_notes:
            return
        section = sub_element(parent, "section", id="_author-notes", class_="author-notes")
        sub_element(section, "h2", "Author notes")
        for note in self.record.author_notes:
            self._inlines(sub_element(section, "p", class_=f"author-note {note.kind}"), note.content)

    def _about(self) -> bytes:
        self.document = "about.xhtml"
        record = self.record
        heading = "About the Author" if len(record.authors) == 1 else "About the Authors"
        html, body = self._page(heading, "backmatter")
        section = sub_element(body, "section", id="_about", class_="about")
        sub_element(section, "h1", heading)
        for author in record.authors:
            entry = sub_element(section, "section", class_="author")
            sub_element(entry, "h2", author.name)
            if author.bio:
                sub_element(entry, "p", author.bio, class_="bio")
            for affiliation in author.affiliations or []:
                where = affiliation.name + (f", {affiliation.country}" if affiliation.country else "")
                sub_element(entry, "p", where, class_="affiliation")
            if author.orcid:
                orcid = sub_element(entry, "p", "ORCID: ", class_="orcid")
                link_or_span(orcid, author.orcid, author.orcid)
        self._author_notes(section)
        return serialise(html)

    def _rights(self) -> bytes:
        self.document = "rights.xhtml"
        record = self.record
        html, body = self._page("Rights", "backmatter")
        section = sub_element(body, "section", id="_rights", class_="rights")
        section.set(EPUB_TYPE, "copyright-page")
        sub_element(section, "h1", "Rights")
        sub_element(section, "p", rights_statement(record), class_="statement")
        rights = record.rights
        if rights and rights.license:
            licence = sub_element(section, "p", "Licence: ", class_="licence")
            link_or_span(licence, rights.license, rights.license)
        terms = self.style.data.get("terms")
        if terms:
            sub_element(section, "p", terms, class_="terms")
        publisher = record.publisher
        published_by = ", ".join(part for part in (publisher.name, publisher.parent, publisher.place) if part)
        sub_element(section, "p", f"Published by {published_by}.", class_="publisher")
        details = sub_element(section, "ul", class_="identifiers")
        sub_element(details, "li", f"Identifier: {record.identifier}")
        if record.series and record.series.issn:
            sub_element(details, "li", f"Series ISSN: {record.series.issn}")
        links = record.links
        for label, url in (("DOI", links and links.doi and f"https://doi.org/{links.doi}"),
                           ("Handle", links and links.handle and f"https://hdl.handle.net/{links.handle}"),
                           ("Source", links and links.source)):
            if url:
                item = sub_element(details, "li", f"{label}: ")
                link_or_span(item, url, url)
        self._cite_as(section)
        return serialise(html)

    def _nav(self) -> bytes:
        self.document = "nav.xhtml"
        html, body = self._page("Contents")
        toc = sub_element(body, "nav", id="toc", role="doc-toc")
        toc.set(EPUB_TYPE, "toc")
        sub_element(toc, "h1", "Contents")
        entries = [Heading("title.xhtml", "Title Page"), *self.toc]
        if self.record.acknowledgements:
            entries.append(Heading("acknowledgements.xhtml", "Acknowledgements"))
        if self.notes:
            entries.append(Heading("notes.xhtml", "Notes"))
        if self.record.references:
            entries.append(Heading("references.xhtml", "References"))
        entries.append(Heading("about.xhtml", "About the Author" + ("s" if len(self.record.authors) > 1 else "")))
        entries.append(Heading("rights.xhtml", "Rights"))
        _nav_list(toc, entries)
        landmarks = sub_element(body, "nav", id="landmarks", hidden="hidden")
        landmarks.set(EPUB_TYPE, "landmarks")
        sub_element(landmarks, "h2", "Landmarks")
        items = sub_element(landmarks, "ol")
        for epub_type, href, label in (("cover", "cover.xhtml", "Cover"),
                                       ("titlepage", "title.xhtml", "Title Page"),
                                       ("bodymatter", "text.xhtml", "Start of Content"),
                                       *((("endnotes", "notes.xhtml", "Notes"),) if self.notes else ()),
                                       ("copyright-page", "rights.xhtml", "Rights")):
            link = sub_element(sub_element(items, "li"), "a", label, href=href)
            link.set(EPUB_TYPE, epub_type)
        return serialise(html)


# Helpers of the book --------------------------------------------------------------------------------

def _names(authors: list[Author]) -> str:
    names = [author.name for author in authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _nav_list(parent: etree._Element, entries: list[Heading]) -> None:
    listing = sub_element(parent, "ol")
    for entry in entries:
        item = sub_element(listing, "li")
        sub_element(item, "a", entry.label, href=entry.href)
        if entry.children:
            _nav_list(item, entry.children)

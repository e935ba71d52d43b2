"""The back matter of the PDF's story, after the body, in the landing page's order: Acknowledgements,
Notes, References, About the Author(s), Author notes, "Cite as", and the rights and terms box.

Each part is a `Sect` led by an `H2` (ISO 32000-1 14.8.4.2), so a screen reader can move between them:
the acknowledgements hold their blocks as the body does; the notes are `Note` elements with the `ID`
their references link to; the reference list is an `L` of `LI` (a `Lbl` for the bullet, an `LBody`
holding a `BibEntry`, 14.8.4.4), each DOI or URL the printed citation does not show added after it as
a `Link` whose annotation's `/Contents` is the address (ISO 14289-1 7.18.5). Author notes are a `Sect`
of `P`s, not `Note`s: nothing in the text refers to them (a `Note` is text "referred to from
elsewhere", and PDF/UA-1 7.9 wants each to have an ID for that reference); they are a block of their
own about the authors, with a heading, as in the EPUB and the landing page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reportlab.platypus import Flowable, KeepTogether, ListItem, Spacer

from ...citation import cite_as
from ...record import Paragraph as ParagraphNode, Reference, walk
from .flowables import Anchor, Heading, Paragraph, TaggedList, grid
from .tags import Element
from .markup import xml_escape

if TYPE_CHECKING:
    from .story import Story


class BackMatter:
    """The back matter of one story, built into its structure tree after the body."""

    def __init__(self, story: "Story"):
        self.story = story
        self.record = story.record
        self.s = story.s
        self.markup = story.markup

    def flowables(self) -> list[Flowable]:
        return [*self.acknowledgements(), *self.endnotes(), *self.references(), *self.about(),
                *self.author_notes(), *self.cite(), *self.rights()]

    def heading(self, title: str) -> Heading:
        story = self.story
        story.keys += 1
        story.outline_level = 0
        heading = Heading(xml_escape(title), self.s["h1"], title, f"h{story.keys}", 0, story.page_height)
        heading.struct = Element("H2", story.parent)
        return heading

    def acknowledgements(self) -> list[Flowable]:
        if not self.record.acknowledgements:
            return []
        with self.story.inside("Sect", "/acknowledgements"):
            # level 1: a section inside them is an H3 under this H2
            return [self.heading("Acknowledgements"),
                    *self.story.blocks(self.record.acknowledgements, 1, "/acknowledgements")]

    def endnotes(self) -> list[Flowable]:
        story = self.story
        if not story.notes:
            return []
        st = self.s["note"]
        with story.inside("Sect", "/body/notes"):
            out: list[Flowable] = [self.heading("Notes")]
            for number, note in enumerate(story.notes):
                label = story.note_labels[note.id]
                paragraphs = [node for node in walk(note.blocks) if isinstance(node, ParagraphNode)]
                first, rest = (paragraphs[0], paragraphs[1:]) if paragraphs else (None, [])
                text = self.markup.inlines(first.content, st.fontName) if first else ""
                out.append(Anchor(f"note-{note.id}"))
                with story.inside("Note", f"/body/notes/{number}", ID=f"note-{note.id}"):
                    out.append(story.tagged(f"{self.markup.text(label, st.fontName)}.&nbsp;&nbsp;{text}", st))
                    out.extend(story.tagged(self.markup.inlines(p.content, st.fontName), st) for p in rest)
        return out

    def references(self) -> list[Flowable]:
        """The reference list as printed, a bulleted list like the EPUB's and the landing page's."""
        references = self.record.references
        if not references:
            return []
        story = self.story
        st = self.s["small"]
        items: list[ListItem] = []
        labels: list[Element] = []
        with story.inside("Sect", "/references"):
            out: list[Flowable] = [self.heading("References")]
            with story.inside("L", "/references", A={"O": "List", "ListNumbering": "Disc"}):
                for number, reference in enumerate(references):
                    pointer = f"/references/{number}"
                    with story.inside("LI", pointer):
                        labels.append(Element("Lbl", story.parent))
                        with story.inside("LBody"):
                            items.append(ListItem([self.reference(reference, pointer)]))
        out.append(TaggedList(items, labels, bulletType="bullet", start="•", bulletFontName=st.fontName,
                              bulletFontSize=st.fontSize, bulletColor=story.look.colours["primary"],
                              leftIndent=st.fontSize * 1.6, spaceAfter=self.s["body"].spaceAfter))
        return out

    def reference(self, reference: Reference, pointer: str) -> Paragraph:
        st = self.s["small"]
        markup = self.markup.inlines(reference.citation, st.fontName)
        for url in reference.links_to_add():
            markup += " " + self.markup.link(url, self.markup.text(url, st.fontName), url)
        return self.story.tagged(markup, st, "BibEntry", pointer)

    def about(self) -> list[Flowable]:
        story = self.story
        bios = [(number, author) for number, author in enumerate(self.record.authors) if author.bio]
        if not bios:
            return []
        with story.inside("Sect"):
            out: list[Flowable] = [self.heading("About the Author" if len(bios) == 1 else "About the Authors")]
            for number, author in bios:
                out.append(story.plain(author.bio, "small", pointer=f"/authors/{number}/bio"))
                if author.orcid:
                    out.append(story.plain(f"ORCID: {author.orcid}", "small", links=True,
                                           pointer=f"/authors/{number}/orcid"))
        return out

    def author_notes(self) -> list[Flowable]:
        notes = self.record.author_notes
        if not notes:
            return []
        with self.story.inside("Sect", "/author_notes"):
            return [self.heading("Author notes"),
                    *(self.story.para(note.content, "small", f"/author_notes/{number}")
                      for number, note in enumerate(notes))]

    def cite(self) -> list[Flowable]:
        with self.story.inside("Sect"):
            return [self.heading("Cite as"), self.story.plain(cite_as(self.record), "small", links=True)]

    def rights(self) -> list[Flowable]:
        record = self.record
        lines: list[str] = []
        rights = record.rights
        if rights and rights.statement:
            lines.append(rights.statement)
        elif rights and (rights.holder or rights.year):
            lines.append("© " + " ".join(str(part) for part in (rights.year, rights.holder) if part))
        if rights and rights.license and (not rights.statement or rights.license not in rights.statement):
            lines.append(f"Licence: {rights.license}")
        if self.story.terms:
            lines.append(self.story.terms)
        publisher = record.publisher
        lines.append(", ".join(part for part in (publisher.name, publisher.parent, publisher.place) if part))
        st = self.s["terms"]
        with self.story.inside("Sect", "/rights"):
            paragraphs = [self.story.tagged(self.markup.linkify(line, st.fontName), st) for line in lines]
        table = grid(self.story.look, [[paragraphs]], [self.story.width], [
            ("LINEABOVE", (0, 0), (-1, 0), 0.75, self.story.look.colours["primary"]),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
        ])
        return [Spacer(1, self.s["body"].fontSize * 1.5), KeepTogether([table])]

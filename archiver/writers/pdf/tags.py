"""Tagged PDF for the PDF writer: marked content on the pages and the structure tree behind it.

ISO 32000-1 14.7 (logical structure) and 14.8 (tagged PDF), as ISO 14289-1 (PDF/UA-1) and ISO 19005-3
level A ask: every piece of page content is either in a marked-content sequence with an MCID that the
ParentTree maps to its structure element, or an `/Artifact` (page furniture, rules, backgrounds).
Open-source reportlab has no tagging, so the operators go straight into its content streams: around a
flowable's drawing (`content`, `artifact`), or, for paragraphs, just inside their text object
(`TaggedText`), where zero-width `<onDraw name="tag">` markers in the paragraph markup open and close
the inline elements (`Link`, `Span` with its `/Lang`) at the exact glyph where they begin and end.

The story builds the `Element` tree in the record's order as it makes its flowables; drawing only adds
marked-content references (page, MCID) and annotations to the elements, so the reading order is the
record's whatever the page breaks, and a paragraph split over two pages stays one `P`. `write` turns the
tree into PDF objects (StructTreeRoot, ParentTree, `/StructParents`, `/StructParent`, `/Tabs /S`,
`/MarkInfo`) once pikepdf has opened what reportlab wrote.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Iterator

from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable

#: name of the canvas callback the paragraph markers call
MARKER = "tag"
#: runs of Unicode's Private Use Areas (the BMP's, planes 15 and 16): their glyphs mean nothing
#: by themselves, so PDF/A-3a (ISO 19005-3 6.2.11.7.3) wants an ActualText around each
PRIVATE_USE = re.compile("([\ue000-\uf8ff\U000f0000-\U0010fffd]+)")


class Element:
    """A structure element: a standard role (ISO 32000-1 14.8.4), its attributes (`Alt`, `Lang`,
    `ActualText`, `A` for layout and table attributes) and its kids in reading order: elements,
    marked-content references `(page, mcid)` and annotations `("annot", page, index)`."""

    __slots__ = ("role", "parent", "kids", "attributes", "contents", "target", "pointer")

    def __init__(self, role: str, parent: "Element | None" = None, pointer: str | None = None,
                 **attributes: Any):
        self.role = role
        self.parent = parent
        self.kids: list[Any] = []
        self.attributes = attributes
        #: for a Link: the annotation's /Contents and what it points at (a URL or "#name")
        self.contents: str | None = None
        self.target: str | None = None
        #: the JSON pointer of the record node it stands for (named in layout errors)
        self.pointer = pointer if pointer is not None else (parent.pointer if parent else None)
        if parent is not None:
            parent.kids.append(self)

    def __repr__(self) -> str:
        return f"<{self.role} {self.pointer or ''}>"


class _Inline:
    """An inline element of a paragraph (Link, Span) as the markup names it, made an Element under
    whatever is open when its first glyph is drawn."""

    __slots__ = ("role", "contents", "target", "attributes", "element")

    def __init__(self, role: str, contents: str | None, target: str | None, attributes: dict[str, Any]):
        self.role = role
        self.contents = contents
        self.target = target
        self.attributes = attributes
        self.element: Element | None = None


class Tagger:
    """The structure tree of one PDF and what the pages say about it, filled as the pages are drawn."""

    def __init__(self, language: str = ""):
        self.root = Element("Document")
        self.language = language
        #: page index -> the elements of its MCIDs, in MCID order
        self.marks: dict[int, list[Element]] = {}
        #: page index -> the Link elements of its annotations, in the page's /Annots order
        self.annotations: dict[int, list[Element | None]] = {}
        self._inlines: list[_Inline] = []
        #: per block element drawn: the stack of inline elements open at its last glyph
        self._open: dict[int, list[_Inline]] = {}
        #: the block element whose text object is being drawn, and that text object
        self._block: Element | None = None
        self._text: TaggedText | None = None

    # Markup side: the story asks for markers around inline elements.

    def inline(self, role: str, *, contents: str | None = None, target: str | None = None,
               **attributes: Any) -> tuple[str, str]:
        """The (opening, closing) markers of an inline element, to put around its markup."""
        self._inlines.append(_Inline(role, contents, target, attributes))
        index = len(self._inlines) - 1
        return (f'<onDraw name="{MARKER}" label="+{index}"/>', f'<onDraw name="{MARKER}" label="-{index}"/>')

    # Drawing side.

    def _mark(self, canvas: Any, element: Element) -> str:
        page = canvas.getPageNumber() - 1
        marks = self.marks.setdefault(page, [])
        marks.append(element)
        element.kids.append((page, len(marks) - 1))
        return f"/{element.role} <</MCID {len(marks) - 1}>> BDC"

    @contextmanager
    def content(self, canvas: Any, element: Element | None) -> Iterator[None]:
        """Marks what is drawn inside as the content of `element`, or as an artifact for None."""
        canvas._code.append(self._mark(canvas, element) if element is not None else "/Artifact BMC")
        yield
        canvas._code.append("EMC")

    @contextmanager
    def artifact(self, canvas: Any, kind: str | None = None) -> Iterator[None]:
        """Marks what is drawn inside as page furniture (ISO 32000-1 14.8.2.2): `kind` is a
        pagination subtype (Header, Footer) or None for a rule or background."""
        canvas._code.append(f"/Artifact <</Type /Pagination /Subtype /{kind}>> BDC" if kind else "/Artifact BMC")
        yield
        canvas._code.append("EMC")

    def text(self, canvas: Any, x: float, y: float, element: Element | None) -> "TaggedText":
        """A text object whose glyphs are the content of `element` (an artifact for None), with the
        inline elements still open from the element's earlier part (a page break) reopened."""
        text = TaggedText(canvas, x, y)
        self._block, self._text = element, text
        if element is None:
            text._code.insert(1, "/Artifact BMC")
        else:
            stack = self._open.setdefault(id(element), [])
            text._code.insert(1, self._mark(canvas, stack[-1].element if stack else element))
        return text

    @property
    def drawing_artifact(self) -> bool:
        """Whether the text being drawn is an artifact (links there get no annotation, see `page`)."""
        return self._text is not None and self._block is None

    def marker(self, canvas: Any, kind: str, label: str) -> None:
        """The `onDraw` callback: close the current sequence and open one in the inline element that
        begins ('+') or in the one that is open again after it ends ('-')."""
        block, text = self._block, canvas._curr_tx_info["tx"]
        if block is None or text is not self._text:
            return  # an artifact (a table header row drawn again on the next page)
        inline = self._inlines[int(label[1:])]
        stack = self._open[id(block)]
        if label[0] == "+":
            if inline.element is None:
                parent = stack[-1].element if stack else block
                inline.element = Element(inline.role, parent, **inline.attributes)
                inline.element.contents, inline.element.target = inline.contents, inline.target
            stack.append(inline)
        elif inline in stack:
            stack.remove(inline)
        current = stack[-1].element if stack else block
        text._code.append("EMC " + self._mark(canvas, current))

    def annotation(self, canvas: Any, target: str) -> None:
        """Called for each link annotation as reportlab adds it to the page: it belongs to the latest
        open-or-just-closed Link of the paragraph being drawn that points at `target`."""
        page = canvas.getPageNumber() - 1
        link = next((inline.element for inline in reversed(self._inlines)
                     if inline.element is not None and inline.target == target
                     and _within(inline.element, self._block)), None)
        if link is not None:
            link.kids.append(("annot", page, len(self.annotations.get(page, []))))
        self.annotations.setdefault(page, []).append(link)


def _within(element: Element, block: Element | None) -> bool:
    while element is not None:
        if element is block:
            return True
        element = element.parent
    return False


@contextmanager
def actual_text(canvas: Any, text: str | None) -> Iterator[None]:
    """Marks what is drawn inside (outside any text object) as standing for `text` with a `/Span`
    marked-content sequence carrying `/ActualText` (ISO 32000-1 14.9.4), for content that has no
    structure element of its own to carry it (page furniture); nothing for None."""
    if text is not None:
        canvas._code.append(f"/Span <</ActualText <FEFF{text.encode('utf-16-be').hex().upper()}>>> BDC")
    yield
    if text is not None:
        canvas._code.append("EMC")


class TaggedText(PDFTextObject):
    """A paragraph's text object: its glyphs sit inside one marked-content sequence (or several, cut
    by the inline markers), closed just before ET as ISO 32000-1 14.6 requires."""

    def getCode(self) -> str:  # noqa: N802 - reportlab's name
        self._code.append("EMC")
        return super().getCode()


class Marked(Flowable):
    """A flowable that is not split (a figure's image) drawn as the content of one element."""

    def __init__(self, flowable: Flowable, element: Element):
        super().__init__()
        self.flowable = flowable
        self.element = element
        self.hAlign = getattr(flowable, "hAlign", "LEFT")

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width, self.height = self.flowable.wrap(available_width, available_height)
        return self.width, self.height

    def draw(self) -> None:
        with self.canv.tags.content(self.canv, self.element):
            self.flowable.drawOn(self.canv, 0, 0)


# The structure tree as PDF objects ------------------------------------------------------------------

def _prune(element: Element) -> bool:
    """Drops elements with no content (a paragraph of nothing, a lost image); table rows and cells
    stay, so that every row keeps its columns. True when `element` itself is kept."""
    element.kids = [kid for kid in element.kids if not isinstance(kid, Element) or _prune(kid)]
    return bool(element.kids) or element.role in ("TR", "TH", "TD")


def write(doc: Any, tagger: Tagger) -> None:
    """Adds the structure tree, ParentTree and the page and annotation entries that point into it to
    reportlab's document (every page shown, nothing written yet)."""
    from .syntax import Raw, name, number, set_entry, text

    pages = doc.Pages.pages
    page_refs = [number(doc, page) for page in pages]
    annots = [[(reference.name, b"%d %d R" % doc.idToObjectNumberAndVersion[reference.name])
               for reference in page.Annots or []] for page in pages]
    _prune(tagger.root)
    root = Raw()
    root_ref = number(doc, root)
    refs: dict[int, bytes] = {}
    ids: list[tuple[str, bytes]] = []
    roles: dict[str, bytes] = {}

    def build(element: Element, parent: bytes) -> bytes:
        obj = Raw()
        ref = refs[id(element)] = number(doc, obj)
        role = roles.get(element.role)
        if role is None:
            role = roles[element.role] = name(element.role)
        entries = [b"<< /Type /StructElem /S ", role, b" /P ", parent]
        first_page = next((kid[0] if len(kid) == 2 else kid[1] for kid in element.kids if isinstance(kid, tuple)), None)
        if first_page is not None:
            entries += [b" /Pg ", page_refs[first_page]]
        for key, value in element.attributes.items():
            if key == "A":
                entries += [b" /A << ", b" ".join(name(k) + b" " + (name(str(v)) if isinstance(v, str) else b"%g" % v)
                                                   for k, v in value.items()), b" >>"]
            else:
                entries += [b" ", name(key), b" ", text(value)]
            if key == "ID":
                ids.append((value, ref))
        kids: list[bytes] = []
        for kid in element.kids:
            if isinstance(kid, Element):
                kids.append(build(kid, ref))
            elif len(kid) == 2:
                page, mcid = kid
                kids.append(b"%d" % mcid if page == first_page
                            else b"<< /Type /MCR /Pg " + page_refs[page] + b" /MCID %d >>" % mcid)
            else:
                _, page, index = kid
                kids.append(b"<< /Type /OBJR /Pg " + page_refs[page] + b" /Obj " + annots[page][index][1] + b" >>")
        # A lone kid stands alone (pdfua 0.1.3's heading rule fails on a /K array of one MCID).
        entries += [b" /K ", kids[0] if len(kids) == 1 else b"[ " + b" ".join(kids) + b" ]", b" >>"]
        obj.data = b"".join(entries)
        return ref

    document = build(tagger.root, root_ref)
    numbers: list[bytes] = []
    for index, page in enumerate(pages):
        page.__NoDefault__ = [*page.__NoDefault__, "StructParents", "Tabs"]
        page.StructParents = index
        numbers.append(b"%d [ " % index + b" ".join(refs[id(element)] for element in tagger.marks.get(index, []))
                       + b" ]")
    key = len(pages)
    for index, links in sorted(tagger.annotations.items()):
        if annots[index]:
            pages[index].Tabs = "/S"
        for (annot_name, _), link in zip(annots[index], links):
            if link is None:
                continue
            annot = doc.idToObject[annot_name]
            set_entry(annot, "StructParent", key)
            set_entry(annot, "Contents", link.contents or link.target or "link")
            numbers.append(b"%d " % key + refs[id(link)])
            key += 1
    entries = [b"<< /Type /StructTreeRoot /K ", document,
               b" /ParentTree ", number(doc, Raw(b"<< /Nums [ " + b" ".join(numbers) + b" ] >>")),
               b" /ParentTreeNextKey %d" % key]
    if ids:
        entries += [b" /IDTree ", number(doc, Raw(b"<< /Names [ " + b" ".join(
            text(value) + b" " + ref for value, ref in sorted(ids)) + b" ] >>"))]
    root.data = b"".join(entries) + b" >>"
    doc.Catalog.StructTreeRoot = root
    doc.Catalog.MarkInfo = b"<< /Marked true >>"

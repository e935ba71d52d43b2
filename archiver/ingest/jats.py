"""JATS reader: a JATS 1.x `<article>` -> the canonical record's JSON data.

Reads NISO JATS (Z39.96; the Archiving, Publishing and Authoring tag sets share these elements). An
article written by `archiver/writers/jats.py` (marked by its `custom-meta`) reads back to the identical
record: the fields JATS has no element for come from `custom-meta`, wrapper elements are unwrapped,
and the empty lists/objects JATS cannot express come from the `archiver-empty-fields` pointers. A
foreign article is mapped as far as the record can hold it (unknown inline markup is kept as its
text); its record carries no provenance (`ingest` adds it) and is validated by the caller.

The input is untrusted: parsed without loading the DTD, without expanding entities, without network.
"""

from __future__ import annotations

import re
from copy import deepcopy
from pathlib import PurePath
from typing import Any

from lxml import etree

from ..errors import InputError
from . import Draft
from ..jatsmap import (CODE_TAG, EVENT_REVISED, HREF, KWD_REGIONS, KWD_TOPICS, META_EMPTY, META_PROVENANCE,
                       META_PUBLISHER_COUNTRY, META_PUBLISHER_PARENT, META_SCHEMA_VERSION, META_SERIES_NUMBER,
                       NAME_ORDERS, NOTES_EDITOR, SELF_URI_PDF, SELF_URI_SERIES, SELF_URI_SOURCE, STYLED_TYPES,
                       XML_LANG, CITATION_PARTS, FN_KINDS, PERSON_MARK, UNTYPED_MARK)
from ..record import MONTH_NAMES, SCHEMA_VERSION
from ..validators.jats import parse

_LICENSE_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"
_STRING = etree.XPath("string()")
#: JATS block elements a foreign `<p>` may hold; they become blocks of their own
_BLOCK_TAGS = frozenset({"sec", "p", "list", "disp-quote", "fig", "table-wrap", "boxed-text"})
#: children of block containers that are not blocks (their parents read them)
_NOT_BLOCKS = frozenset({"label", "title", "sec-meta", "caption", "attrib", "permissions", "object-id",
                         "alt-text", "long-desc"})
_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
                   rb"<(?:[A-Za-z_][\w.-]*:)?article[\s>/]", re.S)
_LINK_URL = re.compile(r"^(https?://|mailto:)\S+$")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def looks_like_jats(data: bytes) -> bool:
    """True when the bytes start (after declaration, comments and DOCTYPE) with an `<article>` element."""
    return _HEAD.match(data[:65536]) is not None


def sniff(data: bytes, name: str) -> bool:
    return looks_like_jats(data)


def read(data: bytes, name: str) -> list[Draft]:
    """The ingest reader's interface: one article, one draft."""
    return [Draft(read_article(data, name))]


def read_article(data: bytes, source_name: str) -> dict[str, Any]:
    """The record JSON of a JATS article. Raises `InputError` for input that is not a JATS article."""
    root = parse(data, source_name)
    if root.tag != "article":
        raise InputError(f"the root element is <{root.tag}>, not a JATS <article>", source=source_name,
                         hint="give a JATS article (root element <article>)")
    for node in root.iter(etree.Entity):
        raise InputError(f"entity reference &{node.name}; is not expanded (line {node.sourceline})",
                         source=source_name, hint="replace named entities with the characters they stand for")
    return _Reader(root, source_name).record()


def _text(element: etree._Element | None) -> str | None:
    """The text of an element, markup dropped; None for a missing element."""
    return None if element is None else _STRING(element)


def _elements(parent: etree._Element):
    return (child for child in parent if isinstance(child.tag, str))


class _Reader:
    def __init__(self, root: etree._Element, source_name: str):
        self.root = root
        self.source = source_name
        self.front = root.find("front")
        if self.front is None or self.front.find("article-meta") is None:
            raise InputError("the article has no <front>/<article-meta>", source=source_name,
                             hint="give a JATS article with its front matter")
        self.meta = self.front.find("article-meta")
        self.journal = self.front.find("journal-meta")
        self.custom: dict[str, str] = {}
        for custom in self.meta.iterfind("custom-meta-group/custom-meta"):
            name = _text(custom.find("meta-name"))
            if name is not None and name not in self.custom:
                self.custom[name] = _text(custom.find("meta-value")) or ""
        self.ours = META_SCHEMA_VERSION in self.custom
        self.empty = set(self.custom.get(META_EMPTY, "").split())
        self.affs = {aff.get("id"): aff for aff in self.front.iter("aff") if aff.get("id")}
        back = root.find("back")
        self.fns = [fn for fn in back.iterfind("fn-group/fn")] if back is not None else []
        self.note_ids = {fn.get("id") for fn in self.fns if fn.get("id")}
        self.taken: set[str | None] | None = None

    # Front matter -----------------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        meta = self.meta
        record: dict[str, Any] = {"schema_version": self.custom.get(META_SCHEMA_VERSION, SCHEMA_VERSION)}
        record["identifier"] = self.article_id("publisher-id") or self.identifier_from_name()
        series = self.series()
        if series:
            record["series"] = series
        _put(record, "title", _text(meta.find("title-group/article-title")))
        _put(record, "subtitle", _text(meta.find("title-group/subtitle")))
        contribs = [contrib for contrib in meta.iterfind("contrib-group/contrib")
                    if contrib.get("contrib-type", "author") == "author"]
        record["authors"] = [self.author(contrib, index) for index, contrib in enumerate(contribs)]
        _put(record, "published", self.published())
        modified = meta.find(f"pub-history/event[@event-type='{EVENT_REVISED}']/date")
        _put(record, "modified", self.date(modified))
        _put(record, "language", self.root.get(XML_LANG))
        publisher = self.publisher()
        if publisher:
            record["publisher"] = publisher
        _put(record, "editor_note", self.paragraphs(self.front.find(f"notes[@notes-type='{NOTES_EDITOR}']")))
        _put(record, "abstract", self.abstract())
        body = self.root.find("body")
        if body is not None or self.fns:
            record["body"] = {"blocks": self.blocks(body) if body is not None else []}
            if self.fns or "/body/notes" in self.empty:
                record["body"]["notes"] = [self.note(fn, number) for number, fn in enumerate(self.fns, 1)]
        for key, kinds in (("subjects", (KWD_TOPICS,)), ("coverage", (KWD_REGIONS,))):
            values = [_text(kwd) for group in meta.iterfind("kwd-group")
                      if self.kwd_kind(group) in kinds for kwd in group.iterfind("kwd")]
            if values or f"/{key}" in self.empty:
                record[key] = values
        rights = self.rights(meta.find("permissions"))
        if rights is not None:
            record["rights"] = rights
        links = self.links()
        if links or "/links" in self.empty:
            record["links"] = links
        provenance = self.provenance()
        if provenance:
            record["provenance"] = provenance
        _put(record, "acknowledgements", self.acknowledgements())
        _put(record, "author_notes", self.author_notes())
        _put(record, "references", self.references())
        for pointer in sorted(self.empty):
            if pointer.endswith("/head"):
                _set_empty_head(record, pointer)
        return record

    def kwd_kind(self, group: etree._Element) -> str:
        kind = group.get("kwd-group-type")
        # A foreign article's author keywords are its topics.
        return kind if self.ours or kind == KWD_REGIONS else KWD_TOPICS

    def article_id(self, kind: str) -> str | None:
        return _text(self.meta.find(f"article-id[@pub-id-type='{kind}']"))

    def identifier_from_name(self) -> str:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", PurePath(self.source).stem).lstrip("._-")
        return stem[:64] or "article"

    def series(self) -> dict[str, Any]:
        journal = self.journal
        if journal is None or journal.find("journal-title-group/journal-title") is None:
            return {}
        series: dict[str, Any] = {"name": _text(journal.find("journal-title-group/journal-title"))}
        _put(series, "number", self.custom.get(META_SERIES_NUMBER))
        _put(series, "issn", _text(journal.find("issn")))
        uri = journal.find(f"self-uri[@content-type='{SELF_URI_SERIES}']")
        _put(series, "url", uri.get(HREF) if uri is not None else None)
        return series

    def publisher(self) -> dict[str, Any]:
        found = self.journal.find("publisher") if self.journal is not None else None
        publisher: dict[str, Any] = {}
        if found is not None:
            _put(publisher, "name", _text(found.find("publisher-name")))
            _put(publisher, "place", _text(found.find("publisher-loc")))
        _put(publisher, "country_code", self.custom.get(META_PUBLISHER_COUNTRY))
        _put(publisher, "parent", self.custom.get(META_PUBLISHER_PARENT))
        return publisher

    def author(self, contrib: etree._Element, index: int) -> dict[str, Any]:
        name = contrib.find("name")
        string_name = contrib.find("string-name")
        given = _text(name.find("given-names")) if name is not None else None
        family = _text(name.find("surname")) if name is not None else None
        styled = string_name if string_name is not None and string_name.get("name-style") else name
        order = NAME_ORDERS.get(styled.get("name-style")) if styled is not None else None
        display = _text(string_name)
        if display is None:
            parts = [family, given] if order == "family-first" else [given, family]
            display = " ".join(part for part in parts if part)
        author: dict[str, Any] = {"name": display}
        _put(author, "given", given)
        _put(author, "family", family)
        _put(author, "name_order", order)
        self.author_kind(contrib, author)
        affiliations = [self.affiliation(self.affs[rid]) for xref in contrib.iterfind("xref[@ref-type='aff']")
                        for rid in (xref.get("rid") or "").split() if rid in self.affs]
        affiliations += [self.affiliation(aff) for aff in contrib.iterfind("aff")]
        if affiliations or f"/authors/{index}/affiliations" in self.empty:
            author["affiliations"] = affiliations
        bio = contrib.find("bio")
        _put(author, "bio", self.paragraphs(bio))
        orcid = _text(contrib.find("contrib-id[@contrib-id-type='orcid']"))
        if orcid is not None:
            match = _ORCID.search(orcid.strip())
            orcid = f"https://orcid.org/{match.group(1)}" if match and not self.ours else orcid
        _put(author, "orcid", orcid)
        _put(author, "email", _text(contrib.find("email")))
        return author

    @staticmethod
    def affiliation(aff: etree._Element) -> dict[str, Any]:
        institution = aff.find("institution")
        if institution is not None:
            name = _text(institution)
        else:  # a foreign aff may be plain text after a label
            parts = [aff.text or ""]
            for child in aff:
                if isinstance(child.tag, str) and child.tag not in ("label", "country", "sup"):
                    parts.append(_text(child))
                parts.append(child.tail or "")
            name = "".join(parts).strip(" ,;\n") or _text(aff)
        result: dict[str, Any] = {"name": name}
        country = aff.find("country")
        if country is not None:
            _put(result, "country", _text(country) or None)
            _put(result, "country_code", country.get("country"))
        return result

    def published(self) -> str | None:
        dates = self.meta.findall("pub-date")
        preferred = [d for d in dates if d.get("date-type", d.get("pub-type")) in ("pub", "epub")] or dates
        return self.date(preferred[0]) if preferred else None

    @staticmethod
    def date(element: etree._Element | None) -> str | None:
        if element is None:
            return None
        if element.get("iso-8601-date"):
            return element.get("iso-8601-date")
        return _partial_date(element)

    def paragraphs(self, container: etree._Element | None) -> str | None:
        """The text of the paragraphs of a container (an abstract, a bio, a note), one per line."""
        if container is None:
            return None
        texts = [_text(p) for p in container.iter("p")]
        return "\n".join(texts) if texts else None

    def abstract(self) -> str | None:
        abstracts = self.meta.findall("abstract")
        chosen = [a for a in abstracts if a.get("abstract-type") == "summary"] or \
            [a for a in abstracts if a.get("abstract-type") is None]
        return self.paragraphs(chosen[0]) if chosen else None

    def rights(self, permissions: etree._Element | None) -> dict[str, Any] | None:
        if permissions is None:
            return None
        rights: dict[str, Any] = {}
        _put(rights, "statement", _text(permissions.find("copyright-statement")))
        _put(rights, "holder", _text(permissions.find("copyright-holder")))
        year = (_text(permissions.find("copyright-year")) or "").strip()
        if year.isdigit():
            rights["year"] = int(year)
        _put(rights, "license", self.license(permissions))
        return rights

    @staticmethod
    def license(permissions: etree._Element | None) -> str | None:
        if permissions is None:
            return None
        ref = permissions.find(f"license/{_LICENSE_REF}")
        if ref is not None:
            return _text(ref)
        licence = permissions.find("license")
        return licence.get(HREF) if licence is not None else None

    def links(self) -> dict[str, Any]:
        links: dict[str, Any] = {}
        for key, kind in (("source", SELF_URI_SOURCE), ("pdf", SELF_URI_PDF)):
            uri = self.meta.find(f"self-uri[@content-type='{kind}']")
            _put(links, key, uri.get(HREF) if uri is not None else None)
        _put(links, "doi", self.article_id("doi"))
        _put(links, "handle", self.article_id("handle"))
        return links

    def provenance(self) -> dict[str, Any]:
        if not self.ours:
            return {}
        provenance: dict[str, Any] = {}
        for field, name in META_PROVENANCE.items():
            _put(provenance, field, self.custom.get(name))
        return provenance

    # Schema 1.1: organisation authors, author notes, acknowledgements, reference list ----------------

    def author_kind(self, contrib: etree._Element, author: dict[str, Any]) -> None:
        """A `collab` contributor (with no personal name) is an organisation: its name, never split;
        archiver's mark of an explicit `"kind": "person"` is read back."""
        collab = contrib.find("collab")
        if collab is not None and contrib.find("name") is None and contrib.find("string-name") is None:
            members = deepcopy(collab)  # a foreign collab may list its members: they are not its name
            for group in members.findall("contrib-group"):
                members.remove(group)
            author["name"] = _text(members) if self.ours else " ".join(_text(members).split())
            author["kind"] = "organization"
        elif self.ours and contrib.get("specific-use") == PERSON_MARK:
            author["kind"] = "person"

    def author_notes(self) -> list[dict[str, Any]] | None:
        found = self.meta.find("author-notes")
        if found is None:
            return None
        notes: list[dict[str, Any]] = []
        for child in _elements(found):
            if child.tag == "corresp":
                kind, content = "corresponding", self.inlines(child)
            elif child.tag in ("fn", "p"):
                kind = FN_KINDS.get(child.get("fn-type") or "", "other")
                paragraphs = [self.inlines(p) for p in child.iterfind("p")] if child.tag == "fn" else [self.inlines(child)]
                content = _merge([part for index, run in enumerate(paragraphs) for part in ([" "] if index else []) + run])
            else:
                continue
            if not self.ours:
                content = _squeezed(content)
            if content:
                notes.append({"kind": kind, "content": content})
        return notes or None

    def acknowledgements(self) -> list[dict[str, Any]] | None:
        blocks = [block for ack in self.root.iterfind("back/ack") for block in self.blocks(ack)]
        return blocks or None

    def references(self) -> list[dict[str, Any]] | None:
        refs = [self.reference(ref) for ref in self.root.iterfind("back/ref-list//ref")]
        return [ref for ref in refs if ref is not None] or None

    def reference(self, ref: etree._Element) -> dict[str, Any] | None:
        mixed = ref.find(".//mixed-citation")
        if mixed is None:
            mixed = ref.find(".//nlm-citation")
        element = ref.find(".//element-citation")
        # archiver puts the parts in element-citation only; a foreign mixed-citation may hold them itself
        source = element if element is not None or self.ours else mixed
        parts = self.citation_parts(source) if source is not None else {}
        typed = mixed if mixed is not None else source
        citation = self.inlines(mixed) if mixed is not None else _formatted_citation(parts)
        if not self.ours:
            citation = _squeezed(citation)
        if not citation:
            return None  # a foreign reference with no text is no reference
        reference: dict[str, Any] = {"id": ref.get("id") or self.new_id("r"), "citation": citation}
        publication_type = typed.get("publication-type") if typed is not None else None
        if typed is not None and typed.get("specific-use") == UNTYPED_MARK:
            publication_type = None  # archiver's stand-in for a reference the record gives no type
        _put(reference, "type", publication_type if self.ours else _CSL_TYPES.get(publication_type or ""))
        reference.update(parts)
        return reference

    def citation_parts(self, source: etree._Element) -> dict[str, Any]:
        parts: dict[str, Any] = {}

        def value(element: etree._Element | None) -> str | None:
            text = _text(element)
            if text is None or self.ours:
                return text
            return " ".join(text.split()) or None

        # the authors: never the editors or translators a typed person-group names
        groups = source.xpath("person-group[@person-group-type='author'] | person-group[not(@person-group-type)]")
        names = [name for child in _elements(groups[0]) if (name := self.reference_name(child, value))] \
            if groups else []
        if names:
            parts["authors"] = names
        for field, tag in CITATION_PARTS.items():
            _put(parts, field, value(source.find(tag)))
        if "pages" not in parts and value(source.find("fpage")):
            last = value(source.find("lpage"))
            parts["pages"] = value(source.find("fpage")) + (f"-{last}" if last else "")
        if "pages" not in parts:  # an article number (eLife's e06003) stands where pages would
            _put(parts, "pages", value(source.find("elocation-id")))
        dated = source.find("date")
        _put(parts, "issued", self.date(dated) if dated is not None else _partial_date(source))
        doi = value(source.find("pub-id[@pub-id-type='doi']"))
        _put(parts, "doi", doi if doi and _DOI.match(doi) else None)
        link = source.find("ext-link")
        url = link.get(HREF) if link is not None else value(source.find("uri"))
        _put(parts, "url", url if url and _WEB_URL.match(url) else None)
        return parts

    @staticmethod
    def reference_name(element: etree._Element, value) -> dict[str, Any] | None:
        if element.tag in ("name", "string-name") and element.find("surname") is not None:
            name: dict[str, Any] = {}
            _put(name, "given", value(element.find("given-names")))
            _put(name, "family", value(element.find("surname")))
            return name if "family" in name else ({"literal": name["given"]} if name else None)
        if element.tag in ("string-name", "collab", "name"):
            literal = value(element)
            return {"literal": literal} if literal else None
        return None

    # Body -------------------------------------------------------------------------------------------

    def blocks(self, container: etree._Element) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for child in _elements(container):
            if child.tag not in _NOT_BLOCKS:
                out.extend(self.block(child))
        return out

    def block(self, element: etree._Element) -> list[dict[str, Any]]:
        tag = element.tag
        if tag == "p":
            return self.paragraph(element)
        if tag == "sec":
            section: dict[str, Any] = {"type": "section"}
            _put(section, "id", element.get("id"))
            title = element.find("title")
            section["title"] = self.inlines(title) if title is not None else []
            section["blocks"] = self.blocks(element)
            return [section]
        if tag == "boxed-text":
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
            if attrib is not None and (attribution := self.inlines(attrib)):
                quote["attribution"] = attribution
            return [quote] if quote["blocks"] else []
        if tag == "fig":
            return [self.figure(element)]
        if tag == "table-wrap":
            return [self.table(element)]
        text = _text(element)
        return [{"type": "paragraph", "content": [text]}] if text and text.strip() else []

    def paragraph(self, element: etree._Element) -> list[dict[str, Any]]:
        """A `<p>`; the blocks a foreign `<p>` (or archiver's `WRAPPER`) holds become blocks of their own."""
        if not any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in element):
            content = self.inlines(element)
            return [{"type": "paragraph", "content": content}] if content else []
        out: list[dict[str, Any]] = []
        run = etree.Element("p")
        run.text = element.text

        def flush() -> None:
            # White space around a block inside a foreign <p> is layout, not a paragraph.
            content = self.inlines(run)
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
        graphic = element.find("graphic")
        _put(figure, "image", graphic.get(HREF) if graphic is not None else None)
        figure["caption"] = self.caption(element) or ([_text(element.find("label"))]
                                                      if element.find("label") is not None else [])
        _put(figure, "credit", _text(element.find("attrib")))
        alt = element.find("graphic/alt-text")
        _put(figure, "alt", _text(alt if alt is not None else element.find("alt-text")))
        _put(figure, "license", self.license(element.find("permissions")))
        return figure

    def caption(self, element: etree._Element) -> list[Any] | None:
        caption = element.find("caption")
        if caption is None:
            return None
        parts = [self.inlines(child) for child in _elements(caption) if child.tag in ("title", "p")]
        content: list[Any] = []
        for part in parts:
            if content and part:
                content.append(" ")
            content.extend(part)
        return _merge(content) or None

    def table(self, element: etree._Element) -> dict[str, Any]:
        table: dict[str, Any] = {"type": "table", "id": element.get("id") or self.new_id("tab")}
        _put(table, "caption", self.caption(element))
        grid = element.find(".//table")
        head = [self.row(tr) for tr in grid.iterfind("thead/tr")] if grid is not None else []
        if head:
            table["head"] = head
        rows = [self.row(tr) for tr in grid.xpath("tbody/tr | tr | tfoot/tr")] if grid is not None else []
        table["rows"] = rows
        return table

    def row(self, tr: etree._Element) -> list[list[Any]]:
        return [self.inlines(cell) for cell in _elements(tr) if cell.tag in ("td", "th")]

    def note(self, fn: etree._Element, number: int) -> dict[str, Any]:
        note: dict[str, Any] = {"id": fn.get("id") or self.new_id("fn")}
        label = _text(fn.find("label"))
        if self.ours:
            _put(note, "label", label if fn.get("symbol") is not None else None)
        elif label is not None and label.strip() and label.strip() != str(number):
            note["label"] = label
        note["blocks"] = self.blocks(fn)
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

    def inlines(self, element: etree._Element) -> list[Any]:
        out: list[Any] = []
        if element.text:
            out.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                out.extend(self.inline(child))
            if child.tail:
                out.append(child.tail)
        return _merge(out)

    def inline(self, element: etree._Element) -> list[Any]:
        tag = element.tag
        if tag in STYLED_TYPES:
            content = self.inlines(element)
            return [{"type": STYLED_TYPES[tag], "content": content}] if content else []
        if tag == "ext-link" and _LINK_URL.match(element.get(HREF) or ""):
            content = self.inlines(element) or [element.get(HREF)]
            return [{"type": "link", "url": element.get(HREF), "content": content}]
        if tag == CODE_TAG or tag == "code":
            text = _text(element)
            return [{"type": "code", "text": text}] if text and text.strip() else ([text] if text else [])
        if tag == "xref" and element.get("ref-type") == "fn":
            rid = (element.get("rid") or "").split()
            if rid and rid[0] in self.note_ids:
                return [{"type": "note_ref", "note": rid[0]}]
        return self.inlines(element)  # markup the record cannot hold: keep its text


#: a foreign `publication-type` -> CSL item type (JATS4R's and publishers' usual values)
_CSL_TYPES = {"journal": "article-journal", "book": "book", "book-chapter": "chapter", "chapter": "chapter",
              "report": "report", "thesis": "thesis", "web": "webpage", "webpage": "webpage", "data": "dataset",
              "dataset": "dataset", "confproc": "paper-conference", "conference": "paper-conference",
              "patent": "patent", "software": "software", "preprint": "article", "newspaper": "article-newspaper"}
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_WEB_URL = re.compile(r"^https?://\S+$")


def _partial_date(element: etree._Element) -> str | None:
    """`year`, `month`, `day` children as a date exactly as precise as they are ("2024-05" when there
    is no day): never a day or month the source did not give."""
    year = (_text(element.find("year")) or "").strip()[:4]
    if not (len(year) == 4 and year.isdigit()):
        return None
    month = (_text(element.find("month")) or "").strip()
    if month and not month.isdigit():  # "May", "Jan": a month written as a word
        month = next((str(n) for n, word in enumerate(MONTH_NAMES, 1) if word.lower().startswith(month.lower()[:3])), "")
    if not month or not 1 <= int(month) <= 12:
        return year
    day = (_text(element.find("day")) or "").strip()
    if not day.isdigit() or not 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _squeezed(inlines: list[Any]) -> list[Any]:
    """A foreign run of inlines with its source layout gone: white space runs folded to one space,
    none at the start or end; nothing left when there is no text at all."""
    out = [re.sub(r"\s+", " ", part) if isinstance(part, str) else part for part in inlines]
    if out and isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if out and isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    out = _merge(out)
    return out if "".join(str(part) for part in out).strip() else []


def _formatted_citation(parts: dict[str, Any]) -> list[Any]:
    """A reference as text, from its parts, for a foreign `element-citation` printed nowhere as a whole."""
    names = [name.get("literal") or " ".join(filter(None, (name.get("family"), name.get("given"))))
             for name in parts.get("authors", [])]
    pieces = [", ".join(names), f"({parts['issued'][:4]})" if "issued" in parts else "", parts.get("title", ""),
              " ".join(filter(None, (parts.get("container_title"), parts.get("volume"),
                                     f"({parts['issue']})" if "issue" in parts else None))),
              parts.get("pages", ""), parts.get("publisher", ""), f"doi:{parts['doi']}" if "doi" in parts else ""]
    text = ". ".join(piece for piece in pieces if piece)
    return [text + "."] if text else []


def _merge(inlines: list[Any]) -> list[Any]:
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


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def _set_empty_head(record: dict[str, Any], pointer: str) -> None:
    """Restore the empty header rows (`"head": []`) of the table the writer noted at a JSON pointer."""
    target: Any = record
    try:
        for part in pointer.strip("/").split("/")[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
    except (KeyError, IndexError, ValueError, TypeError):
        return  # a pointer that does not fit the article is ignored, not trusted
    if isinstance(target, dict) and target.get("type") == "table" and "head" not in target:
        rows = target.pop("rows")
        target["head"] = []
        target["rows"] = rows

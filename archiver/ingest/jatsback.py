"""JATS reader, back-matter part: a publisher's `ref-list`, `ack` and `author-notes` -> record 1.1 fields.

Mixed into `archiver/ingest/jats.py`'s reader, for articles archiver did not write (its own are read
by the record 1.1 mapping of `archiver/writers/jats.py`'s counterpart). JATS 1.4 Tag Library:
`ref/mixed-citation` is the citation as printed (its text kept with its markup); an `element-citation`
has no printed form, so one is composed from its parts (authors, year, title, source, volume, issue,
pages). Each reference keeps its DOI, URL, title, container, date, volume, issue, pages and authors
when the source tags them. Author notes take their kind from `fn-type` (JATS4R's competing-interest
values, `con`, `financial-disclosure`, `present-address`) or `corresp`.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ..jatsmap import HREF
from .jatsbody import elements, text_of

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_URL = re.compile(r"^https?://\S+$")
#: JATS `publication-type` -> CSL item type
_CSL_TYPES = {"journal": "article-journal", "book": "book", "chapter": "chapter", "confproc": "paper-conference",
              "conf-proc": "paper-conference", "data": "dataset", "thesis": "thesis", "patent": "patent",
              "report": "report", "web": "webpage", "webpage": "webpage", "software": "software",
              "preprint": "article", "newspaper": "article-newspaper", "magazine": "article-magazine"}
#: JATS `fn-type` -> author-note kind
_NOTE_KINDS = {"coi-statement": "competing-interests", "conflict": "competing-interests",
               "competing-interests": "competing-interests", "con": "contributions",
               "financial-disclosure": "funding", "supported-by": "funding", "present-address": "present-address",
               "current-aff": "present-address", "corresp": "corresponding"}


class BackReader:
    """The back-matter half of the JATS reader (see `archiver/ingest/jats.py` for its attributes)."""

    def back_matter(self, record: dict[str, Any]) -> None:
        acknowledgements = [block for ack in self.root.iterfind("back/ack") for block in self.blocks(ack)]
        if acknowledgements:
            record["acknowledgements"] = acknowledgements
        notes = [note for element in self.meta.iterfind("author-notes/*") if (note := self.author_note(element))]
        if notes:
            record["author_notes"] = notes
        taken = _ids(record)
        references = [reference for ref in self.root.iterfind("back/ref-list//ref")
                      if (reference := self.reference(ref, taken))]
        if references:
            record["references"] = references

    def author_note(self, element: etree._Element) -> dict[str, Any] | None:
        if element.tag not in ("fn", "corresp"):
            return None
        kind = "corresponding" if element.tag == "corresp" else _NOTE_KINDS.get(element.get("fn-type") or "", "other")
        parts = [self.inlines(p, trim=True) for p in element.iter("p")] if element.find(".//p") is not None \
            else [self.inlines(_without(element, "label"), trim=True)]
        content: list[Any] = []
        for part in parts:
            if content and part:
                content.append(" ")
            content.extend(part)
        content = [node for node in content if not (isinstance(node, dict) and node.get("type") == "note_ref")]
        return {"kind": kind, "content": content} if content and any(
            not isinstance(node, str) or node.strip() for node in content) else None

    def reference(self, ref: etree._Element, taken: set[str]) -> dict[str, Any] | None:
        citation = ref.find("mixed-citation")
        if citation is None:
            citation = ref.find("citation")
        element = ref.find("element-citation")
        source = citation if citation is not None else element
        if source is None:
            self.drop(ref, "a reference with no citation in it")
            return None
        ref_id = ref.get("id") or ""
        if not re.match(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$", ref_id) or ref_id in taken:
            ref_id = self.new_id("ref")
        taken.add(ref_id)
        printed = self.inlines(citation, trim=True) if citation is not None else [_composed(self, element)]
        printed = [node for node in printed if not (isinstance(node, dict) and node.get("type") == "note_ref")]
        if not any(isinstance(node, dict) or node.strip() for node in printed):
            return None
        reference: dict[str, Any] = {"id": ref_id, "citation": printed}
        doi = text_of(source.find("pub-id[@pub-id-type='doi']"))
        match = _DOI.search(doi or "")
        if match:
            reference["doi"] = match.group(0).rstrip(".,;")
        link = source.find("ext-link")
        url = (link.get(HREF) or "").strip() if link is not None else ""
        if _URL.match(url):
            reference["url"] = url
        kind = _CSL_TYPES.get(source.get("publication-type") or source.get("citation-type") or "")
        if kind:
            reference["type"] = kind
        for key, path in (("title", "article-title"), ("container_title", "source"), ("volume", "volume"),
                          ("issue", "issue"), ("publisher", "publisher-name")):
            value = self.value(source.find(path))
            if value:
                reference[key] = value
        if reference.get("title") is None and source.find("article-title") is None:
            value = self.value(source.find("chapter-title"))
            if value:
                reference["title"] = value
        first, last = self.value(source.find("fpage")), self.value(source.find("lpage"))
        if first:
            reference["pages"] = f"{first}-{last}" if last else first
        elif (elocation := self.value(source.find("elocation-id"))):
            reference["pages"] = elocation
        year = (text_of(source.find("year")) or "").strip()
        if re.match(r"^\d{4}", year):
            reference["issued"] = year[:4]
        names = []
        for group in source.iterfind("person-group"):
            if group.get("person-group-type", "author") != "author":
                continue
            for child in elements(group):
                if child.tag in ("name", "string-name") and child.find("surname") is not None:
                    family, given = self.value(child.find("surname")), self.value(child.find("given-names"))
                    if family:
                        names.append({"given": given, "family": family} if given else {"family": family})
                elif child.tag in ("collab", "string-name") and (literal := self.value(child)):
                    names.append({"literal": literal})
        if names:
            reference["authors"] = names
        return reference


def _composed(reader: Any, element: etree._Element) -> str:
    """A printed form for an `element-citation`: "Authors (Year). Title. Source Volume(Issue): pages."."""
    names = []
    for child in element.iterfind("person-group/*"):
        if child.tag in ("name", "string-name"):
            names.append(" ".join(filter(None, [reader.value(child.find("surname")),
                                                reader.value(child.find("given-names"))])) or reader.value(child))
        elif child.tag == "collab":
            names.append(reader.value(child))
    parts = [", ".join(name for name in names if name)]
    year = reader.value(element.find("year"))
    if year:
        parts[0] = f"{parts[0]} ({year})" if parts[0] else f"({year})"
    for path in ("article-title", "chapter-title", "data-title", "source"):
        value = reader.value(element.find(path))
        if value:
            parts.append(value)
    volume, issue = reader.value(element.find("volume")), reader.value(element.find("issue"))
    pages = "-".join(filter(None, [reader.value(element.find("fpage")), reader.value(element.find("lpage"))]))
    tail = (volume or "") + (f"({issue})" if issue else "") + (f": {pages}" if pages else "")
    if not pages and (elocation := reader.value(element.find("elocation-id"))):
        tail += f" {elocation}" if tail else elocation
    if tail.strip():
        parts.append(tail.strip())
    doi = reader.value(element.find("pub-id[@pub-id-type='doi']"))
    if doi:
        parts.append(f"doi:{doi}")
    return ". ".join(part.rstrip(".") for part in parts if part) + "."


def _without(element: etree._Element, tag: str) -> etree._Element:
    from copy import deepcopy
    copy = deepcopy(element)
    for child in copy.findall(tag):
        if child.tail:
            previous = child.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + child.tail
            else:
                copy.text = (copy.text or "") + child.tail
        copy.remove(child)
    return copy


def _ids(record: dict[str, Any]) -> set[str]:
    """Every node id of the record (reference ids share the record's id space)."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("id"), str):
                found.add(node["id"])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)
    visit(record.get("body"))
    visit(record.get("acknowledgements"))
    return found

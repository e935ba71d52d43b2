"""JATS reader, back-matter part (record 1.1): `ref-list`, `ack`, `author-notes` and group authors.

Mixed into `archiver/ingest/jats.py`'s reader, for archiver's own articles (read back exactly: the
parts in `element-citation`, the marks of `jatsmap`) and for publishers' (JATS 1.4 Tag Library):
`mixed-citation` is the citation as printed; an `element-citation` alone gets a printed form composed
from its parts; each reference keeps its DOI, URL, title, container, date, volume, issue, pages and
authors when the source tags them; an author note takes its kind from `fn-type` or `corresp`; a
`collab` contributor with no personal name is an organisation.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from lxml import etree

from ..jatsmap import CITATION_PARTS, FN_KINDS, HREF, PERSON_MARK, UNTYPED_MARK
from ..record import MONTH_NAMES
from .jatsbody import elements, merge, put, text_of


class BackReader:
    """The record 1.1 half of the JATS reader (see `archiver/ingest/jats.py` for its attributes)."""

    def author_kind(self, contrib: etree._Element, author: dict[str, Any]) -> None:
        """A `collab` contributor (with no personal name) is an organisation: its name, never split;
        archiver's mark of an explicit `"kind": "person"` is read back."""
        collab = contrib.find("collab")
        if collab is not None and contrib.find("name") is None and contrib.find("string-name") is None:
            members = deepcopy(collab)  # a foreign collab may list its members: they are not its name
            for group in members.findall("contrib-group"):
                members.remove(group)
            author["name"] = text_of(members) if self.ours else " ".join(text_of(members).split())
            author["kind"] = "organization"
        elif self.ours and contrib.get("specific-use") == PERSON_MARK:
            author["kind"] = "person"

    def author_notes(self) -> list[dict[str, Any]] | None:
        found = self.meta.find("author-notes")
        if found is None:
            return None
        notes: list[dict[str, Any]] = []
        for child in elements(found):
            if child.tag == "corresp":
                kind, content = "corresponding", self.inlines(child)
            elif child.tag in ("fn", "p"):
                kind = FN_KINDS.get(child.get("fn-type") or "", "other")
                paragraphs = [self.inlines(p) for p in child.iterfind("p")] if child.tag == "fn" else [self.inlines(child)]
                content = merge([part for index, run in enumerate(paragraphs) for part in ([" "] if index else []) + run])
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
        put(reference, "type", publication_type if self.ours else _CSL_TYPES.get(publication_type or ""))
        reference.update(parts)
        return reference

    def citation_parts(self, source: etree._Element) -> dict[str, Any]:
        parts: dict[str, Any] = {}

        def value(element: etree._Element | None) -> str | None:
            text = text_of(element)
            if text is None or self.ours:
                return text
            return " ".join(text.split()) or None

        # the authors: never the editors or translators a typed person-group names
        groups = source.xpath("person-group[@person-group-type='author'] | person-group[not(@person-group-type)]")
        names = [name for child in elements(groups[0]) if (name := self.reference_name(child, value))] \
            if groups else []
        if names:
            parts["authors"] = names
        for field, tag in CITATION_PARTS.items():
            put(parts, field, value(source.find(tag)))
        if "pages" not in parts and value(source.find("fpage")):
            last = value(source.find("lpage"))
            parts["pages"] = value(source.find("fpage")) + (f"-{last}" if last else "")
        if "pages" not in parts:  # an article number (eLife's e06003) stands where pages would
            put(parts, "pages", value(source.find("elocation-id")))
        dated = source.find("date")
        put(parts, "issued", self.date(dated) if dated is not None else _partial_date(source))
        doi = value(source.find("pub-id[@pub-id-type='doi']"))
        put(parts, "doi", doi if doi and _DOI.match(doi) else None)
        link = source.find("ext-link")
        url = link.get(HREF) if link is not None else value(source.find("uri"))
        put(parts, "url", url if url and _WEB_URL.match(url) else None)
        return parts

    @staticmethod
    def reference_name(element: etree._Element, value) -> dict[str, Any] | None:
        if element.tag in ("name", "string-name") and element.find("surname") is not None:
            name: dict[str, Any] = {}
            put(name, "given", value(element.find("given-names")))
            put(name, "family", value(element.find("surname")))
            return name if "family" in name else ({"literal": name["given"]} if name else None)
        if element.tag in ("string-name", "collab", "name"):
            literal = value(element)
            return {"literal": literal} if literal else None
        return None


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
    year = (text_of(element.find("year")) or "").strip()[:4]
    if not (len(year) == 4 and year.isdigit()):
        return None
    month = (text_of(element.find("month")) or "").strip()
    if month and not month.isdigit():  # "May", "Jan": a month written as a word
        month = next((str(n) for n, word in enumerate(MONTH_NAMES, 1) if word.lower().startswith(month.lower()[:3])), "")
    if not month or not 1 <= int(month) <= 12:
        return year
    day = (text_of(element.find("day")) or "").strip()
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
    out = merge(out)
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

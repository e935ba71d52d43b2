"""JATS 1.4 writer, reference-list part: `ref-list` with each reference as printed and in parts.

Mixed into `archiver/writers/jats.py`'s builder. Each `ref` holds the citation as printed in a
`mixed-citation` and, when the record gives any, its parts in an `element-citation` beside it (the
two forms of one reference: `citation-alternatives`). Follows the JATS4R citations recommendation
(`general-citations-*.sch` of jats4r.sch 0.0.16): every citation carries `@publication-type` and a
`person-group person-group-type="author"`. In the printed form that group marks where the printed
text names the record's authors (`string-name` for each name, the punctuation between them kept);
the printed text itself is never changed, so the reader gets the identical citation back by
dropping that markup. A URL printed as its own link text is written as marked text (JATS4R's
accessibility rules: a link's text describes what it links to); the link itself stays in the
`element-citation` (`ext-link` with descriptive text, `pub-id` for the DOI).
"""

from __future__ import annotations

import re

from lxml import etree

from ..jatsmap import CITATION_PARTS, HREF, UNTYPED_MARK, UNTYPED_PUBLICATION
from ..record import Reference, ReferenceName
from .jatsbody import clean, sub

#: what a name may stand after at the start of a printed citation: a number or bracketed label, punctuation
_LEAD = re.compile(r"^[\W\d_]*$")


class ReferenceWriter:
    """The reference-list half of the JATS builder (uses its `record`, `inlines`, `date`, `back`)."""

    def references(self, root: etree._Element) -> None:
        if not self.record.references:
            return
        ref_list = sub(self.back(root), "ref-list")
        sub(ref_list, "title", "References")
        for reference in self.record.references:
            self.reference(sub(ref_list, "ref", attrib={"id": reference.id}), reference)

    def reference(self, ref: etree._Element, reference: Reference) -> None:
        kind = ({"publication-type": clean(reference.type)} if reference.type else
                {"publication-type": UNTYPED_PUBLICATION, "specific-use": UNTYPED_MARK})
        parts = [value for name in ("doi", "url", "authors", "issued", *CITATION_PARTS)
                 if (value := getattr(reference, name)) is not None]
        holder = sub(ref, "citation-alternatives") if parts else ref
        mixed = sub(holder, "mixed-citation", attrib=kind)
        self.inlines(mixed, reference.citation)
        if reference.authors:
            mark_printed_authors(mixed, reference.authors)
        if not parts:
            return
        element = sub(holder, "element-citation", attrib=kind)
        if reference.authors:
            group = sub(element, "person-group", attrib={"person-group-type": "author"})
            for person in reference.authors:
                if person.literal is not None:
                    sub(group, "string-name", person.literal)
                else:
                    name = sub(group, "name")
                    sub(name, "surname", person.family)
                    if person.given is not None:
                        sub(name, "given-names", person.given)
        for field, tag in CITATION_PARTS.items():
            if getattr(reference, field) is not None:
                sub(element, tag, getattr(reference, field))
        if reference.issued is not None:  # as precise as the reference: no invented month or day
            self.date(element, "date", reference.issued, {})
        if reference.doi is not None:
            sub(element, "pub-id", reference.doi, {"pub-id-type": "doi"})
        if reference.url is not None:
            # JATS4R (accessibility): link text says what is linked, never the bare URL
            sub(element, "ext-link", f"Web page of {reference.title or 'the work cited'}",
                 {"ext-link-type": "uri", HREF: clean(reference.url)})


def citation_gaps(root: etree._Element) -> list[str]:
    """What keeps the written reference list from JATS4R's citation rules (W012), from the tree:
    each citation without a `person-group`, because the record gives the reference no authors or
    its printed text does not begin with the first of them."""
    unnamed: list[str] = []
    unfound: list[str] = []
    for ref in root.iterfind("back/ref-list/ref"):
        citations = ref.xpath("mixed-citation | citation-alternatives/*")
        if all(citation.find("person-group[@person-group-type]") is not None for citation in citations):
            continue
        if any(citation.find("person-group") is not None for citation in citations):
            unfound.append(ref.get("id"))
        else:
            unnamed.append(ref.get("id"))
    gaps = []
    if unnamed:
        gaps.append(f"{_count(unnamed, 'reference')} without authors (first: {unnamed[0]}); JATS4R wants each "
                    "citation's authors: give the reference its `authors` ({\"literal\": ...} for an organisation)")
    if unfound:
        gaps.append(f"{_count(unfound, 'reference')} whose printed citation does not begin with its first "
                    f"author's name as the record gives it (first: {unfound[0]})")
    return gaps


def _count(ids: list[str], noun: str) -> str:
    return f"{len(ids)} {noun}{'s' if len(ids) > 1 else ''}"


def mark_printed_authors(mixed: etree._Element, authors: list[ReferenceName]) -> None:
    """Wrap the names of `authors` where the printed citation's leading text gives them, in order,
    in `person-group` and `string-name`; leave the citation unmarked when its leading text does not
    begin with the first author (only a number, a label or punctuation may stand before it)."""
    text = mixed.text or ""
    spans: list[tuple[int, int]] = []
    position = 0
    for person in authors:
        span = _find_name(text, person, position)
        if span is None:
            if not spans:
                return
            continue  # "Li et al.": the authors the printed citation leaves out
        spans.append(span)
        position = span[1]
    if not _LEAD.match(text[:spans[0][0]]):
        return
    group = etree.Element("person-group", {"person-group-type": "author"})
    mixed.text = text[:spans[0][0]] or None
    mixed.insert(0, group)
    previous = spans[0][0]
    for start, end in spans:
        if len(group):
            group[-1].tail = text[previous:start] or None
        etree.SubElement(group, "string-name").text = text[start:end]
        previous = end
    group.tail = text[previous:] or None


def _find_name(text: str, person: ReferenceName, start: int) -> tuple[int, int] | None:
    """Where the earliest of the forms a citation style prints `person` in stands in `text`, from
    `start`, as a whole word (the longest form where two start at the same place)."""
    best: tuple[int, int] | None = None
    for form in _name_forms(person):
        match = re.compile(rf"(?<!\w){re.escape(form)}(?!\w)").search(text, start)
        if match and (best is None or match.start() < best[0] or
                      (match.start() == best[0] and match.end() > best[1])):
            best = (match.start(), match.end())
    return best


def _name_forms(person: ReferenceName) -> list[str]:
    """The forms a name takes in printed citations: "Family, Given", "Given Family", initials either
    side (APA "Li, X.", "Lee, K.-H.", Vancouver "Lee KH"), or the family name alone; a literal name
    as it is."""
    if person.literal is not None:
        return [person.literal.strip()] if person.literal.strip() else []
    family = (person.family or "").strip()
    if not family:
        return []
    forms = [family]
    given = (person.given or "").strip()
    if given:
        words = given.split()
        # "Kok-Hwa Ong" -> "K.-H.", "K. H.", "K." and "KH"
        hyphened = " ".join("-".join(part[:1] + "." for part in word.split("-")) for word in words)
        spaced = " ".join(part[:1] + "." for word in words for part in word.split("-"))
        bare = "".join(part[:1] for word in words for part in word.split("-"))
        for initials in dict.fromkeys((hyphened, spaced, words[0][:1] + ".")):
            forms += [f"{family}, {initials}", f"{initials} {family}"]
        forms += [f"{family}, {given}", f"{given} {family}", f"{family} {bare}", f"{family} {given}"]
    return forms

"""JATS reader, contributors part: `contrib`, `collab` and `aff` -> the record's authors.

Mixed into `archiver/ingest/jats.py`'s reader. A publisher's group author (`collab`) is an
organisation author (record 1.1); a name with an empty `surname` keeps what it has; an affiliation
keeps every institution, `institution-wrap` and address part in order (its `label`, `country` and
ids left out of the name; the country and its ISO code kept apart); an article without any author
gets its publisher as organisation author (W001), or a clear error when it names no publisher either.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ..errors import InputError
from ..jatsmap import NAME_ORDERS, iso_countries
from .jatsbody import put as _put, text_of

_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


class PeopleReader:
    """The contributors of the JATS reader (see `archiver/ingest/jats.py` for its attributes)."""

    def publisher_as_author(self, publisher: dict[str, Any]) -> list[dict[str, Any]]:
        """An unsigned article (an editorial): its publisher is its author, as an organisation."""
        if "name" not in publisher:
            raise InputError(f"the article names no author and no publisher (line {self.meta.sourceline}: "
                             "<article-meta>)", source=self.source,
                             hint='add a <contrib contrib-type="author"> (a <collab> for an organisation) '
                                  "to the article's <contrib-group>, or a <publisher-name> to its <journal-meta>")
        self.warn("W001", f"the article names no author; its publisher {publisher['name']!r} is given as the "
                  "author (an organisation)", self.meta)
        return [{"name": publisher["name"], "kind": "organization"}]

    def author(self, contrib: etree._Element, index: int) -> dict[str, Any]:
        name = contrib.find("name")
        if name is None and contrib.find("name-alternatives/name") is not None:
            name = contrib.find("name-alternatives/name")
        string_name = contrib.find("string-name")
        given = self.value(name.find("given-names")) if name is not None else None
        family = self.value(name.find("surname")) if name is not None else None
        styled = string_name if string_name is not None and string_name.get("name-style") else name
        order = NAME_ORDERS.get(styled.get("name-style")) if styled is not None else None
        display = self.value(string_name)
        if display is None:
            parts = [family, given] if order == "family-first" else [given, family]
            display = " ".join(part for part in parts if part) or self.clean(text_of(contrib)) or "Anonymous"
        author: dict[str, Any] = {"name": display}
        _put(author, "given", given)
        _put(author, "family", family)
        if self.ours or given is not None or family is not None:
            _put(author, "name_order", order)
        self.author_kind(contrib, author)
        affiliations = [self.affiliation(self.affs[rid]) for xref in contrib.iterfind("xref[@ref-type='aff']")
                        for rid in (xref.get("rid") or "").split() if rid in self.affs]
        affiliations += [self.affiliation(aff) for aff in contrib.iterfind("aff")]
        if affiliations or f"/authors/{index}/affiliations" in self.empty:
            author["affiliations"] = affiliations
        _put(author, "bio", self.paragraphs(contrib.find("bio")))
        orcid = text_of(contrib.find("contrib-id[@contrib-id-type='orcid']"))
        if orcid is not None and not self.ours:
            match = _ORCID.search(orcid.strip())
            orcid = f"https://orcid.org/{match.group(1)}" if match and author.get("kind") != "organization" else None
        _put(author, "orcid", orcid)
        email = self.value(contrib.find("email"))
        _put(author, "email", email if self.ours or (email and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email)) else None)
        return author

    def affiliation(self, aff: etree._Element) -> dict[str, Any]:
        if self.ours:
            name = text_of(aff.find("institution"))
        else:  # every institution, institution-wrap and address part, in order; no label or country
            skip = {"label", "country", "sup", "institution-id", "email", "fn", "xref", "ext-link", "uri"}
            if aff.find("institution[@content-type='original']") is not None and \
                    aff.xpath("institution[not(@content-type='original')]"):
                skip.add("original")  # SciELO's untagged original string, beside its tagged parts
            name = self.clean(_parts_text(aff, skip).strip(" ,;")) or self.clean(text_of(aff))
        result: dict[str, Any] = {"name": name}
        country = aff.find(".//country")
        if country is not None:
            _put(result, "country", self.value(country) or None)
            code = country.get("country")
            if not self.ours and not code:  # the code of a country named as in ISO 3166-1 (JATS4R's list)
                code = next((iso for iso, name in iso_countries().items()
                             if name.lower() == (result.get("country") or "").lower()), None)
            _put(result, "country_code", code if self.ours or (code and re.match(r"^[A-Z]{2}$", code)) else None)
        return result


def _parts_text(element: etree._Element, skip: set[str]) -> str:
    """The text of an affiliation's parts in order; parts the source does not separate get ", "."""
    separators = [element.text or ""]
    parts = []
    for child in element:
        if isinstance(child.tag, str) and child.tag not in skip and child.get("content-type") not in skip:
            parts.append(_parts_text(child, skip) if len(child) else (child.text or ""))
        separators.append(child.tail or "")
    if not len(element):
        return element.text or ""
    if all(not separator.strip() for separator in separators):
        return ", ".join(" ".join(part.split()) for part in parts if part.strip())
    out = [separators[0]]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in skip and child.get("content-type") not in skip:
            out.append(_parts_text(child, skip) if len(child) else (child.text or ""))
        out.append(child.tail or "")
    return "".join(out)

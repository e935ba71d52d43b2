"""Crossref REST API works (`api.crossref.org/works/{doi}` `message`) -> loose records.

A work is CSL-like with Crossref's own forms: `title`, `container-title` and `ISSN` are lists,
authors carry `ORCID` and `affiliation` objects, the abstract is JATS (`<jats:p>`), and the dates
are `published` (the earliest of print and online), `published-online`, `published-print`, `issued`.
The writer of the other direction is `archiver/writers/crossref.py` (a deposit, not a work).
"""

from __future__ import annotations

import re
from typing import Any

from . import Crosswalked, apply, date_parts, finish_identifier, issn, language, link, organisation, person, split_terms, text

#: Crossref's bookkeeping about the deposit, its indexes and counts: nothing about the work itself
IGNORED = frozenset({
    "indexed", "deposited", "created", "member", "prefix", "score", "source", "reference-count",
    "references-count", "is-referenced-by-count", "content-domain", "link", "resource", "type",
    "published-online", "published-print", "published-other", "issued", "short-container-title",
    "original-title", "short-title", "relation", "update-policy", "assertion", "institution", "journal-issue",
    "issn-type", "isbn-type", "alternative-id", "language-source", "approved", "posted", "accepted",
    "update-to", "updated-by", "group-title", "edition-number"})


def authors(value: Any) -> list[dict]:
    out = []
    for author in value if isinstance(value, list) else []:
        if not isinstance(author, dict):
            continue
        affiliations = [a.get("name") for a in author.get("affiliation") or [] if isinstance(a, dict)]
        if not author.get("given") and not author.get("family"):
            found = organisation(author.get("name"))  # Crossref's group and organisation authors
            if found:
                out.append(found)
            continue
        found = person(given=author.get("given"), family=author.get("family"), name=author.get("name"),
                       orcid_id=author.get("ORCID"), affiliations=affiliations)
        if found:
            out.append(found)
    return out


def jats_text(value: Any) -> str | None:
    """An abstract's text without its JATS markup (`<jats:p>`, `<jats:title>Abstract</jats:title>`)."""
    raw = text(value)
    if not raw:
        return None
    raw = re.sub(r"<jats:title>\s*Abstract\s*</jats:title>", " ", raw, flags=re.I)
    return " ".join(re.sub(r"<[^>]+>", " ", raw).split()) or None


def licence(value: Any) -> str | None:
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict) and entry.get("content-version") in ("vor", None) and text(entry.get("URL")):
            return text(entry["URL"])
    return None


#: Crossref work field -> (record field, converter)
TABLE = {
    "title": ("title", text),
    "subtitle": ("subtitle", text),
    "author": ("authors", authors),
    "published": ("published", date_parts),
    "publisher": ("publisher.name", text),
    "publisher-location": ("publisher.place", text),
    "language": ("language", language),
    "container-title": ("series.name", text),
    "ISSN": ("series.issn", issn),
    "number": ("series.number", text),
    "abstract": ("abstract", jats_text),
    "subject": ("subjects", split_terms),
    "DOI": ("links.doi", text),
    "URL": ("links", link),
    "license": ("rights.license", licence),
}


def crosswalk(work: dict[str, Any]) -> Crosswalked:
    item = dict(work)
    # `published` is Crossref's earliest publication date; older responses have only `issued`
    if not item.get("published"):
        item["published"] = work.get("published-online") or work.get("published-print") or work.get("issued")
    result = apply(TABLE, item, IGNORED)
    return finish_identifier(result)

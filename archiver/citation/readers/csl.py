"""CSL-JSON (CSL 1.0.2 data schema, `csl-data.json`) -> loose records: the inverse of `to_csl`.

An item's `author` names carry `family`/`given`, a `non-dropping-particle` ("van der") joined back
to the family name, `static-ordering` for a family-first name, or a `literal`; `issued` is a
`date-parts` date. Zotero, Mendeley, pandoc and citation.js export these fields.
"""

from __future__ import annotations

from typing import Any

from . import Crosswalked, apply, date_parts, finish_identifier, issn, language, link, person, split_terms, text, whole

GENRE_IGNORED = frozenset({"type", "genre", "source", "accessed", "citation-key", "note", "categories-source"})


def csl_names(value: Any) -> list[dict]:
    out = []
    for name in value if isinstance(value, list) else []:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            found = whole(name["literal"])
            if found:
                out.append(found)
            continue
        family = " ".join(p for p in (text(name.get("non-dropping-particle")), text(name.get("family"))) if p)
        given = " ".join(p for p in (text(name.get("given")), text(name.get("dropping-particle"))) if p)
        found = person(given=given, family=family, family_first=bool(name.get("static-ordering")))
        if found:
            out.append(found)
    return out


def publisher(value: Any) -> str | None:
    # citeproc-js and commonmeta write {"name": ...}; the schema says a string
    return text(value.get("name")) if isinstance(value, dict) else text(value)


#: CSL variable -> (record field, converter)
TABLE = {
    "id": ("_id", text),
    "title": ("title", text),
    "author": ("authors", csl_names),
    "issued": ("published", date_parts),
    "publisher": ("publisher.name", publisher),
    "publisher-place": ("publisher.place", text),
    "language": ("language", language),
    "collection-title": ("series.name", text),
    "container-title": ("series.name", text),  # a journal or blog: the series, when no collection is named
    "number": ("series.number", text),
    "ISSN": ("series.issn", issn),
    "abstract": ("abstract", text),
    "keyword": ("subjects", split_terms),
    "categories": ("subjects", split_terms),
    "DOI": ("links.doi", text),
    "URL": ("links", link),
}


def crosswalk(item: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, item, GENRE_IGNORED)
    return finish_identifier(result, result.loose.pop("_id", None))

"""DSpace metadata -> loose records: the metadata-export CSV (Batch Metadata Editing) and a Simple
Archive Format item's `dublin_core.xml`, the inverse of `archiver/deposit/saf.py` (`dc_values`).

Both name a field `schema.element.qualifier` (`dc.contributor.author`, `dc.date.issued`); a CSV column
may carry a language (`dc.title[en]`, `[*]`, `[]`), and a cell several values joined by `||`. DSpace
writes names "Family, Given" and the series as `dc.relation.ispartofseries` "Series;Number".
"""

from __future__ import annotations

import re
from typing import Any

from . import Crosswalked, apply, date, doi, finish_identifier, inverted, issn, language, link, text

#: what DSpace records about its own copy (accession, provenance, checksums), not about the work
IGNORED = frozenset({"id", "collection", "action", "dc.date.accessioned", "dc.date.available",
                     "dc.description.provenance", "dc.format.mimetype", "dc.format.extent", "dc.type",
                     "dspace.entity.type", "dc.identifier.citation", "rowName", "dc.title.none"})
_DOI_IN = re.compile(r"10\.\d{4,9}/\S+")


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [part.strip() for item in items if isinstance(item, str) for part in item.split("||") if part.strip()]


def _first(value: Any) -> str | None:
    values = _values(value)
    return text(values[0]) if values else None


def _authors(value: Any) -> list[dict]:
    return [a for a in (inverted(v) for v in _values(value)) if a]


def _series(value: Any) -> dict | None:
    first = _first(value)
    if not first:
        return None
    name, _, number = first.partition(";")
    return {"name": name.strip(), **({"number": number.strip()} if number.strip() else {})}


def _uri(value: Any) -> dict | None:
    out: dict[str, str] = {}
    for uri in _values(value):
        found = link(uri)
        for key, sub in (found or {}).items():
            out.setdefault(key, sub)
    return out or None


def _doi(value: Any) -> str | None:
    first = _first(value)
    found = _DOI_IN.search(first or "")
    return doi(found.group(0)) if found else None


#: DSpace field (language stripped) -> (record field, converter)
TABLE = {
    "dc.title": ("title", _first),
    "dc.title.alternative": ("subtitle", _first),   # archiver's SAF writes the subtitle here
    "dc.contributor.author": ("authors", _authors),
    "dc.creator": ("authors", _authors),
    "dc.date.issued": ("published", lambda v: date(_first(v))),
    "dc.date.created": ("published", lambda v: date(_first(v))),
    "dc.publisher": ("publisher.name", _first),
    "dc.language.iso": ("language", lambda v: language(_first(v))),
    "dc.language": ("language", lambda v: language(_first(v))),
    "dc.description.abstract": ("abstract", _first),
    "dc.subject": ("subjects", _values),
    "dc.subject.other": ("subjects", _values),
    "dc.coverage.spatial": ("coverage", _values),
    "dc.relation.ispartofseries": ("series", _series),
    "dc.identifier.issn": ("series.issn", lambda v: issn(_first(v))),
    "dc.identifier.uri": ("links", _uri),
    "dc.identifier.doi": ("links.doi", _doi),
    "dc.identifier.other": ("_id", _first),
    "dc.rights": ("rights.statement", _first),
    "dc.rights.uri": ("rights.license", _first),
    "dc.rights.holder": ("rights.holder", _first),
}


def field_name(column: str) -> tuple[str, str | None]:
    """("dc.title", "en") from "dc.title[en]"; a "none" qualifier is no qualifier."""
    match = re.fullmatch(r"\s*([^\[\]]+?)\s*(?:\[([^\]]*)\])?\s*", column)
    name = (match[1] if match else column).strip()
    name = re.sub(r"\.none$", "", name)
    return name, (match[2] if match and match[2] not in (None, "", "*") else None)


def crosswalk_fields(fields: dict[str, list[str]]) -> Crosswalked:
    result = apply(TABLE, fields, IGNORED)
    return finish_identifier(result, result.loose.pop("_id", None))


def crosswalk_csv(row: dict[str, str]) -> Crosswalked:
    """One row of a metadata export; columns of one field in several languages are joined in column order."""
    fields: dict[str, list[str]] = {}
    for column, cell in row.items():
        if column is None or not (cell or "").strip():
            continue
        fields.setdefault(field_name(column)[0], []).extend(_values(cell))
    return crosswalk_fields(fields)


def dcvalues(root: Any) -> list[tuple[str, str, int]]:
    """(field name, value, line) of each `dcvalue` of a `dublin_core` element."""
    schema = root.get("schema") or "dc"
    out = []
    for element in root:
        if not isinstance(element.tag, str) or element.tag.rsplit("}", 1)[-1] != "dcvalue":
            continue
        qualifier = element.get("qualifier")
        name = ".".join(p for p in (schema, element.get("element"), qualifier if qualifier not in (None, "none") else None) if p)
        value = " ".join("".join(element.itertext()).split())
        if value:
            out.append((name, value, element.sourceline))
    return out


def crosswalk_xml(root: Any) -> Crosswalked:
    fields: dict[str, list[str]] = {}
    for name, value, _line in dcvalues(root):
        fields.setdefault(name, []).append(value.replace("||", "| |"))  # a value is one value in XML
    return crosswalk_fields(fields)


def line_of(root: Any, field: str) -> int | None:
    """The line of the first dcvalue that fills a record field."""
    for name, _value, line in dcvalues(root):
        if TABLE.get(name, ("",))[0].split(".")[0] == field:
            return line
    return root.sourceline

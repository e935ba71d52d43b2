"""DataCite metadata (kernel 4: REST API JSON `attributes`, and the XML) -> loose records.

Both forms become the JSON attributes' shape first (`creators`, `titles`, `descriptions`, `dates`,
`rightsList`...), so one table serves both; the XML's elements keep their lines for messages. The
writer of the other direction is `archiver/writers/datacite.py`: series as a `relatedItem` or a
`SeriesInformation` description, the series identifier as an `alternateIdentifier`.
"""

from __future__ import annotations

import re
from typing import Any

from . import Crosswalked, apply, date, finish_identifier, language, link, organisation, person, text

IGNORED = frozenset({
    "id", "types", "schemaVersion", "agency", "state", "isActive", "reason", "viewCount", "downloadCount",
    "citationCount", "created", "registered", "published", "updated", "metadataVersion", "source", "prefix",
    "suffix", "event", "xml", "contentUrl", "viewsOverTime", "downloadsOverTime", "citationsOverTime",
    "partCount", "partOfCount", "versionCount", "versionOfCount", "referenceCount", "identifiers",
    "isKnownConfirmed", "sizes", "formats", "version", "url_alternate", "publicationYear"})


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def creators(value: Any) -> list[dict]:
    out = []
    for creator in value if isinstance(value, list) else []:
        if not isinstance(creator, dict):
            continue
        orcid_id = next((i.get("nameIdentifier") for i in _list(creator.get("nameIdentifiers"))
                         if isinstance(i, dict) and str(i.get("nameIdentifierScheme", "")).upper() == "ORCID"), None)
        affiliations = [a.get("name") if isinstance(a, dict) else a for a in _list(creator.get("affiliation"))]
        name = text(creator.get("name"))
        if creator.get("nameType") == "Organizational":
            if organisation(name):
                out.append(organisation(name))
            continue
        given, family = creator.get("givenName"), creator.get("familyName")
        if not family and name and "," in name and creator.get("nameType") != "Organizational":
            family, _, given = name.partition(",")
        if given or family:
            name = None  # "Family, Given" is DataCite's sort form, not the byline
        found = person(given=given, family=family, name=name, orcid_id=orcid_id, affiliations=affiliations)
        if found:
            out.append(found)
    return out


def _titles(value: Any, kind: str | None) -> str | None:
    for title in value if isinstance(value, list) else []:
        if isinstance(title, dict) and title.get("titleType") == kind:
            return text(title.get("title"))
    return None


def _description(value: Any, kind: str) -> str | None:
    for description in value if isinstance(value, list) else []:
        if isinstance(description, dict) and description.get("descriptionType") == kind:
            return text(description.get("description"))
    return None


def _date(value: Any, kind: str) -> str | None:
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict) and entry.get("dateType") == kind:
            return text(entry.get("date"))
    return None


def series(item: dict[str, Any]) -> dict[str, str] | None:
    """The series: a relatedItem the work IsPublishedIn/IsPartOf with a title, else the
    SeriesInformation description ("RSIS Commentary, 081/2023")."""
    for related in _list(item.get("relatedItems")):
        if isinstance(related, dict) and related.get("relationType") in ("IsPublishedIn", "IsPartOf"):
            name = _titles(related.get("titles"), None)
            if name:
                out = {"name": name}
                if text(related.get("number")):
                    out["number"] = text(related["number"])
                identifier = related.get("relatedItemIdentifier") or {}
                if isinstance(identifier, dict) and identifier.get("relatedItemIdentifierType") == "ISSN":
                    out["issn"] = text(identifier.get("relatedItemIdentifier"))
                return out
    info = _description(item.get("descriptions"), "SeriesInformation")
    if info:
        name, _, number = info.rpartition(",") if re.search(r",\s*\S+$", info) else (info, "", "")
        return {"name": name.strip(), **({"number": number.strip()} if number.strip() else {})}
    return None


def rights(value: Any) -> dict[str, str] | None:
    for entry in value if isinstance(value, list) else []:
        if isinstance(entry, dict):
            out = {"statement": text(entry.get("rights")), "license": text(entry.get("rightsUri"))}
            out = {k: v for k, v in out.items() if v}
            if out:
                return out
    return None


def publisher(value: Any) -> str | None:
    return text(value.get("name")) if isinstance(value, dict) else text(value)


def _alternate(value: Any) -> str | None:
    for identifier in value if isinstance(value, list) else []:
        if isinstance(identifier, dict) and identifier.get("alternateIdentifierType") in ("publisher-id", "Local accession number"):
            return text(identifier.get("alternateIdentifier"))
    return None


#: DataCite attribute -> (record field, converter); `titles`, `descriptions`, `dates` are read by type
TABLE = {
    "doi": ("links.doi", text),
    "url": ("links", link),
    "creators": ("authors", creators),
    "titles": ("title", lambda v: _titles(v, None)),
    "publisher": ("publisher.name", publisher),
    "language": ("language", language),
    "subjects": ("subjects", lambda v: [s for s in (text(x.get("subject")) if isinstance(x, dict) else text(x)
                                                   for x in _list(v)) if s]),
    "descriptions": ("abstract", lambda v: _description(v, "Abstract")),
    "dates": ("published", lambda v: date(_date(v, "Issued"))),
    "rightsList": ("rights", rights),
    "relatedItems": ("series", lambda v: None),       # read with the descriptions by `series`
    "relatedIdentifiers": ("_related", lambda v: None),  # links to other works: no place in the record
    "alternateIdentifiers": ("_id", _alternate),
    "contributors": ("_contributors", lambda v: None),
    "fundingReferences": ("_funding", lambda v: None),
    "geoLocations": ("coverage", lambda v: [text(g.get("geoLocationPlace")) for g in _list(v)
                                           if isinstance(g, dict) and text(g.get("geoLocationPlace"))]),
}
#: fields the table reads but keeps nothing of; reported as left out when present
_LEFT_OUT_WHEN_GIVEN = ("relatedIdentifiers", "contributors", "fundingReferences")


def crosswalk(attributes: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, attributes, IGNORED)
    loose = result.loose
    subtitle = _titles(attributes.get("titles"), "Subtitle")
    if subtitle:
        loose["subtitle"] = subtitle
    if not loose.get("published") and text(attributes.get("publicationYear")):
        loose["published"] = text(attributes["publicationYear"])
    found = series(attributes)
    if found:
        loose["series"] = found
    result.left_out.extend(key for key in _LEFT_OUT_WHEN_GIVEN if attributes.get(key))
    for key in ("_related", "_contributors", "_funding"):
        loose.pop(key, None)
    return finish_identifier(result, loose.pop("_id", None))


# The XML, as the JSON attributes ------------------------------------------------------------------

def _local(element: Any) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _local(child) == name]


def _text(element: Any) -> str:
    return " ".join("".join(element.itertext()).split())


def attributes_of(root: Any) -> dict[str, Any]:
    """The DataCite XML `resource` as the REST API's attributes."""
    out: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for element in root:
        name = _local(element)
        if name == "identifier" and element.get("identifierType") == "DOI":
            out["doi"] = _text(element)
            lines["links"] = element.sourceline
        elif name == "creators":
            out["creators"] = [_creator(c) for c in _children(element, "creator")]
            lines["authors"] = element.sourceline
        elif name == "titles":
            out["titles"] = [{"title": _text(t), **({"titleType": t.get("titleType")} if t.get("titleType") else {})}
                             for t in _children(element, "title")]
            lines["title"] = element.sourceline
        elif name == "publisher":
            out["publisher"] = _text(element)
            lines["publisher"] = element.sourceline
        elif name == "publicationYear":
            out["publicationYear"] = _text(element)
            lines.setdefault("published", element.sourceline)
        elif name == "subjects":
            out["subjects"] = [{"subject": _text(s)} for s in _children(element, "subject")]
        elif name == "dates":
            out["dates"] = [{"date": _text(d), "dateType": d.get("dateType")} for d in _children(element, "date")]
            lines["published"] = element.sourceline
        elif name == "language":
            out["language"] = _text(element)
            lines["language"] = element.sourceline
        elif name == "descriptions":
            out["descriptions"] = [{"description": _text(d), "descriptionType": d.get("descriptionType")}
                                   for d in _children(element, "description")]
            lines["abstract"] = element.sourceline
        elif name == "rightsList":
            out["rightsList"] = [{"rights": _text(r), **({"rightsUri": r.get("rightsURI")} if r.get("rightsURI") else {})}
                                 for r in _children(element, "rights")]
        elif name == "alternateIdentifiers":
            out["alternateIdentifiers"] = [{"alternateIdentifier": _text(a),
                                            "alternateIdentifierType": a.get("alternateIdentifierType")}
                                           for a in _children(element, "alternateIdentifier")]
        elif name == "relatedItems":
            out["relatedItems"] = [_related_item(r) for r in _children(element, "relatedItem")]
        elif name == "geoLocations":
            out["geoLocations"] = [{"geoLocationPlace": _text(p)} for g in element for p in _children(g, "geoLocationPlace")]
        elif name in ("resourceType", "sizes", "formats", "version"):
            continue
        elif len(element) or _text(element):
            out[name] = True  # present, left out (relatedIdentifiers, contributors, fundingReferences...)
    out["_lines"] = lines
    return out


def _creator(element: Any) -> dict[str, Any]:
    creator: dict[str, Any] = {}
    for child in element:
        name = _local(child)
        if name == "creatorName":
            creator["name"] = _text(child)
            if child.get("nameType"):
                creator["nameType"] = child.get("nameType")
        elif name in ("givenName", "familyName"):
            creator[name] = _text(child)
        elif name == "nameIdentifier":
            creator.setdefault("nameIdentifiers", []).append(
                {"nameIdentifier": _text(child), "nameIdentifierScheme": child.get("nameIdentifierScheme")})
        elif name == "affiliation":
            creator.setdefault("affiliation", []).append(_text(child))
    return creator


def _related_item(element: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"relationType": element.get("relationType")}
    for child in element:
        name = _local(child)
        if name == "titles":
            item["titles"] = [{"title": _text(t)} for t in _children(child, "title")]
        elif name == "number":
            item["number"] = _text(child)
        elif name == "relatedItemIdentifier":
            item["relatedItemIdentifier"] = {"relatedItemIdentifier": _text(child),
                                             "relatedItemIdentifierType": child.get("relatedItemIdentifierType")}
    return item


def crosswalk_xml(root: Any) -> Crosswalked:
    attributes = attributes_of(root)
    attributes.pop("_lines")
    return crosswalk(attributes)


def line_of(root: Any, field: str) -> int | None:
    return attributes_of(root)["_lines"].get(field, root.sourceline)

"""DataCite writer: DataCite Metadata Schema 4.5 XML. The record is mapped to DataCite's JSON form,
checked against the JSON Schema of DataCite's own tooling (the `datacite` package's
`schemas/datacite-v4.5.json`, compiled once per process), and written as the XML that tooling's
`schema45.tostring` writes for it, element for element and byte for byte (a test compares the two on
the samples and on generated records). The package itself is not imported: its `__init__` loads its
REST clients (requests, idutils: 0.6-0.7 s of start-up), and its validator is an uncompiled
jsonschema one. The tests validate every XML output against DataCite's official 4.5 XSD
(`schemas/datacite/kernel-4.5/`).

A commentary is `resourceTypeGeneral="Report"`, `resourceType="Commentary"`; the series and its number
are a related item (`relationType="IsPublishedIn"`, the series title, `number` with
`numberType="Report"`), the schema's place for "number N of series S", and `SeriesInformation`. The
series identifier and the handle go into `alternateIdentifiers`, whose `alternateIdentifierType` is
free text: `publisher-id` (the JATS `pub-id-type` vocabulary) and `Handle`.

An organisation author is a creator of `nameType="Organizational"` (its name only); each reference with
a DOI or URL is a related identifier with `relationType="References"` (DataCite's own way of listing
what a work cites).

Without a DOI there is no DataCite record: `identifier` is the schema's first mandatory property and
DataCite registers only DOIs in it, so XML without one is invalid against the XSD, and any other
identifier there (the XSD would take `identifierType="publisher-id"`) is one DataCite refuses. No DOI
is invented either. `missing` says so without rendering; as for Crossref, `convert --to cite` (or all
formats) then skips DataCite for that record with warning W009, and `--to datacite`, named explicitly,
fails for that record.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any, Callable

from ..citation import date_parts, handle_url, person_name, web_url
from ..errors import ConversionError
from ..record import Author, Record
from ..style import Style
from . import RenderContext
from .urls import safe_url


def missing(record: Record, style: Style) -> str | None:
    """Why the record cannot be written as DataCite metadata, or None."""
    if not (record.links and record.links.doi):
        return ("the record has no DOI (/links/doi); DataCite metadata describes a DOI, its mandatory "
                "identifier, so there is nothing to register")
    return None


def creator(author: Author) -> dict[str, Any]:
    if author.is_organization:
        item: dict[str, Any] = {"name": author.name, "nameType": "Organizational"}
        if author.affiliations:
            item["affiliation"] = [{"name": name} for name in dict.fromkeys(a.name for a in author.affiliations)]
        return item
    name = person_name(author)
    item: dict[str, Any] = {"name": name.inverted(), "nameType": "Personal"}
    if name.family is not None:
        item["familyName"] = name.full_family
        if name.given:
            item["givenName"] = name.given
    if author.orcid:
        item["nameIdentifiers"] = [{"nameIdentifier": author.orcid, "nameIdentifierScheme": "ORCID",
                                    "schemeUri": "https://orcid.org"}]
    if author.affiliations:
        # DataCite's lists hold each value once (uniqueItems); a record may repeat one.
        item["affiliation"] = [{"name": name} for name in dict.fromkeys(a.name for a in author.affiliations)]
    return item


def _related_references(record: Record) -> list[dict[str, Any]]:
    """The works the record cites that have a DOI (else a URL), as `References` relations."""
    found = []
    for reference in record.references or []:
        if reference.doi:
            found.append({"relatedIdentifier": reference.doi, "relatedIdentifierType": "DOI",
                          "relationType": "References"})
        elif reference.url:
            found.append({"relatedIdentifier": reference.url, "relatedIdentifierType": "URL",
                          "relationType": "References"})
    return found


def to_datacite(record: Record) -> dict[str, Any]:
    """The record as DataCite 4.5 JSON (the `datacite` package's input form)."""
    titles = [{"title": record.title, "lang": record.language}]
    if record.subtitle:
        titles.append({"title": record.subtitle, "titleType": "Subtitle", "lang": record.language})
    data: dict[str, Any] = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": "Report", "resourceType": "Commentary"},
        "creators": [creator(a) for a in record.authors],
        "titles": titles,
        "publisher": {"name": record.publisher.name},
        "publicationYear": str(date_parts(record.published)[0]),
        "language": record.language,
        "dates": [{"date": record.published, "dateType": "Issued"}],
    }
    if record.links and record.links.doi:
        data["doi"] = record.links.doi
    if record.modified:
        data["dates"].append({"date": record.modified, "dateType": "Updated"})
    if record.subjects:
        data["subjects"] = [{"subject": subject} for subject in dict.fromkeys(record.subjects)]
    alternates = [{"alternateIdentifier": record.identifier, "alternateIdentifierType": "publisher-id"}]
    if record.links and record.links.handle:
        alternates.append({"alternateIdentifier": record.links.handle, "alternateIdentifierType": "Handle"})
    data["alternateIdentifiers"] = alternates
    descriptions = []
    if record.abstract:
        descriptions.append({"description": record.abstract, "descriptionType": "Abstract", "lang": record.language})
    if record.series:
        series = record.series.name + (f" {record.series.number}" if record.series.number else "")
        descriptions.append({"description": series, "descriptionType": "SeriesInformation"})
        related: dict[str, Any] = {
            "relatedItemType": "Report", "relationType": "IsPublishedIn",
            "titles": [{"title": record.series.name}],
        }
        if record.series.issn:
            related["relatedItemIdentifier"] = {"relatedItemIdentifier": record.series.issn,
                                                "relatedItemIdentifierType": "ISSN"}
        if record.series.number:
            related["number"] = record.series.number
            related["numberType"] = "Report"
        data["relatedItems"] = [related]
    if descriptions:
        data["descriptions"] = descriptions
    references = _related_references(record)
    if references:
        data["relatedIdentifiers"] = references
    if record.coverage:
        data["geoLocations"] = [{"geoLocationPlace": place} for place in dict.fromkeys(record.coverage)]
    rights = record.rights
    if rights and (rights.statement or rights.license):
        entry: dict[str, Any] = {"rights": rights.statement or rights.license}
        if rights.license:
            uri = safe_url(rights.license)
            if uri:  # xs:anyURI: a licence no URL can be made of keeps its text only
                entry["rightsUri"] = uri
        data["rightsList"] = [entry]
    url = web_url(record) or handle_url(record)
    if url:
        data["url"] = url
    return data


def render(record: Record, context: RenderContext) -> bytes:
    reason = missing(record, context.style)
    if reason:
        raise ConversionError(f"{record.identifier}: no DataCite metadata: {reason}",
                              hint="add links.doi to the record once the DOI is assigned, or leave datacite "
                                   "out of --to")
    data = to_datacite(record)
    rejection = _rejection(data)
    if rejection is not None:
        raise ConversionError(f"{record.identifier}: DataCite 4.5 metadata is invalid: {rejection}",
                              hint="check the record's fields named in the message")
    return to_xml(data)


# Validation ------------------------------------------------------------------------------------------

def _schema_path() -> Path:
    # the file only: importing the package would run its __init__ (see the module docstring)
    spec = importlib.util.find_spec("datacite")
    if spec is None or not spec.submodule_search_locations:
        raise ConversionError("the datacite package is not installed",
                              hint="run `make setup` to install archiver's dependencies")
    return Path(spec.submodule_search_locations[0]) / "schemas" / "datacite-v4.5.json"


@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(_schema_path().read_text(encoding="utf-8"))


@functools.cache
def _check() -> Callable[[Any], Any]:
    """DataCite's JSON Schema compiled to Python once per process (0.3 ms a record, where the package's
    jsonschema validator takes 1.3 ms). Formats unchecked, as that validator leaves them (it has no
    format checker), so both accept the same data."""
    from ..schemacode import compiled
    return compiled(schema(), use_formats=False)


def _rejection(data: dict[str, Any]) -> str | None:
    """None when `data` is valid DataCite 4.5 JSON, else every problem found (the thorough validator
    runs only on a rejection, to name them all)."""
    import fastjsonschema
    try:
        _check()(data)
    except fastjsonschema.JsonSchemaException as error:
        import jsonschema
        found = sorted(e.message for e in jsonschema.validators.validator_for(schema())(schema()).iter_errors(data))
        return "; ".join(found) or error.message
    return None


# XML ------------------------------------------------------------------------------------------------

KERNEL = "http://datacite.org/schema/kernel-4"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_SCHEMA_LOCATION = f"{KERNEL} http://schema.datacite.org/meta/kernel-4.5/metadata.xsd"


def to_xml(data: dict[str, Any]) -> bytes:
    """DataCite XML of the JSON `to_datacite` makes: the elements in the order DataCite's serialiser
    writes them, unqualified under a default namespace declared on the root, pretty-printed."""
    from lxml import etree

    root = etree.Element("resource", nsmap={None: KERNEL, "xsi": _XSI},
                         attrib={f"{{{_XSI}}}schemaLocation": _SCHEMA_LOCATION})

    def add(parent: Any, tag: str, text: str | None = None, **attributes: str | None) -> Any:
        element = etree.SubElement(parent, tag)
        if text is not None:
            element.text = text
        for name, value in attributes.items():
            if value:  # an empty attribute is left out, as DataCite's serialiser does
                element.set(_LANG if name == "lang" else name, value)
        return element

    def titles(parent: Any, values: list[dict[str, Any]]) -> None:
        holder = add(parent, "titles")
        for value in values:
            add(holder, "title", value["title"], lang=value.get("lang"), titleType=value.get("titleType"))

    for key in _ORDER:
        values = data.get(key)
        if not values:
            continue
        if key == "alternateIdentifiers":
            holder = add(root, key)
            for value in values:
                add(holder, "alternateIdentifier", value["alternateIdentifier"],
                    alternateIdentifierType=value.get("alternateIdentifierType"))
        elif key == "creators":
            holder = add(root, key)
            for value in values:
                creator = add(holder, "creator")
                add(creator, "creatorName", value["name"], nameType=value.get("nameType"))
                for part in ("givenName", "familyName"):
                    if value.get(part):
                        add(creator, part, value[part])
                for name_id in value.get("nameIdentifiers", []):
                    add(creator, "nameIdentifier", name_id["nameIdentifier"],
                        nameIdentifierScheme=name_id["nameIdentifierScheme"], schemeURI=name_id.get("schemeUri"))
                for affiliation in value.get("affiliation", []):
                    if affiliation.get("name"):
                        add(creator, "affiliation", affiliation["name"])
        elif key == "titles":
            titles(root, values)
        elif key == "publisher":
            add(root, key, values.get("name"))
        elif key in ("publicationYear", "language"):
            add(root, key, values)
        elif key == "subjects":
            holder = add(root, key)
            for value in values:
                add(holder, "subject", value["subject"])
        elif key == "dates":
            holder = add(root, key)
            for value in values:
                add(holder, "date", value["date"], dateType=value["dateType"])
        elif key == "types":
            add(root, "resourceType", values.get("resourceType"), resourceTypeGeneral=values["resourceTypeGeneral"])
        elif key == "doi":
            add(root, "identifier", values, identifierType="DOI")
        elif key == "relatedIdentifiers":
            holder = add(root, key)
            for value in values:
                add(holder, "relatedIdentifier", value["relatedIdentifier"], relationType=value["relationType"],
                    relatedIdentifierType=value.get("relatedIdentifierType"))
        elif key == "rightsList":
            holder = add(root, key)
            for value in values:
                add(holder, "rights", value.get("rights"), rightsURI=value.get("rightsUri"))
        elif key == "descriptions":
            holder = add(root, key)
            for value in values:
                add(holder, "description", value["description"], descriptionType=value["descriptionType"],
                    lang=value.get("lang"))
        elif key == "geoLocations":
            holder = add(root, key)
            for value in values:
                location = add(holder, "geoLocation")
                if value.get("geoLocationPlace"):
                    add(location, "geoLocationPlace", value["geoLocationPlace"])
        elif key == "relatedItems":
            holder = add(root, key)
            for value in values:
                item = add(holder, "relatedItem", relatedItemType=value.get("relatedItemType"),
                           relationType=value.get("relationType"))
                identifier = value.get("relatedItemIdentifier")
                if identifier:
                    add(item, "relatedItemIdentifier", identifier["relatedItemIdentifier"],
                        relatedItemIdentifierType=identifier.get("relatedItemIdentifierType"))
                titles(item, value.get("titles") or [])
                if value.get("number"):
                    add(item, "number", value["number"], numberType=value.get("numberType"))
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="utf-8")


#: the top-level properties `to_datacite` fills, in the order DataCite's serialiser writes them (the
#: XSD takes any order; the order is kept so the bytes are those of DataCite's tooling)
_ORDER = ("alternateIdentifiers", "creators", "titles", "publisher", "publicationYear", "subjects", "dates",
          "language", "types", "doi", "relatedIdentifiers", "rightsList", "descriptions", "geoLocations",
          "relatedItems")

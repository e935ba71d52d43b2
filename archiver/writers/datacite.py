"""DataCite writer: DataCite Metadata Schema 4.5 XML, built and checked with the `datacite` package
(`schema45.validate` on the JSON form, `schema45.tostring` for the XML), so the mapping is the one
DataCite's own tooling defines.

A commentary is `resourceTypeGeneral="Report"`, `resourceType="Commentary"`; the series and its number
are a related item (`relationType="IsPublishedIn"`, the series title, `number` with
`numberType="Report"`), the schema's place for "number N of series S", and `SeriesInformation`.

An organisation author is a creator of `nameType="Organizational"` (its name only); each reference with
a DOI or URL is a related identifier with `relationType="References"` (DataCite's own way of listing
what a work cites).

Without a DOI: DataCite's `identifier` element only admits `identifierType="DOI"`, so no identifier is
invented. The record is written without one (DataCite's REST API accepts such metadata and mints a
DOI under the member's prefix), and the series identifier goes into `alternateIdentifiers`, whose
`alternateIdentifierType` is free text: `publisher-id`, the same vocabulary as JATS `pub-id-type`.
"""

from __future__ import annotations

from typing import Any

from ..citation import date_parts, handle_url, person_name, web_url
from ..errors import ConversionError
from ..record import Author, Record
from . import RenderContext


def creator(author: Author) -> dict[str, Any]:
    if author.is_organization:
        item: dict[str, Any] = {"name": author.name, "nameType": "Organizational"}
        if author.affiliations:
            item["affiliation"] = [{"name": a.name} for a in author.affiliations]
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
        item["affiliation"] = [{"name": a.name} for a in author.affiliations]
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
        data["subjects"] = [{"subject": subject} for subject in record.subjects or []]
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
        data["geoLocations"] = [{"geoLocationPlace": place} for place in record.coverage]
    rights = record.rights
    if rights and (rights.statement or rights.license):
        entry: dict[str, Any] = {"rights": rights.statement or rights.license}
        if rights.license:
            entry["rightsUri"] = rights.license
        data["rightsList"] = [entry]
    url = web_url(record) or handle_url(record)
    if url:
        data["url"] = url
    return data


def render(record: Record, context: RenderContext) -> bytes:
    from datacite import schema45

    data = to_datacite(record)
    if not schema45.validate(data):
        problems = "; ".join(sorted(e.message for e in schema45.validator.iter_errors(data)))
        raise ConversionError(f"{record.identifier}: DataCite 4.5 metadata is invalid: {problems}",
                              hint="check the record's fields named in the message")
    return schema45.tostring(data).encode("utf-8")

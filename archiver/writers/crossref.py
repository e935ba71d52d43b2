"""Crossref writer: a Crossref 5.5.0 deposit (`doi_batch`, schema crossref5.5.0.xsd) registering the
commentary as a `report-paper`: `report-paper_metadata` with the series number as the report number
(`publisher_item/item_number`), or `report-paper_series_metadata` when the series has an ISSN (Crossref
requires an ISSN for a series). Abstracts are JATS (`jats:abstract`), as the schema demands.

A deposit registers a DOI, so a record without `links.doi` cannot be deposited: `render` raises a
ConversionError saying so. `missing` gives the reason without rendering: `convert --to cite` (or the
default, all formats) then skips Crossref for that record with warning W009 and writes the other five
citation formats, which is what a librarian converting a series that mostly has no DOIs expects;
`--to crossref`, named explicitly, fails for that record (exit 6); `--strict` makes the warning fatal.

The depositor (name and e-mail Crossref reports to) and the registrant are the series' publisher's
Crossref account, not properties of a record: they come from the brand, `styles/<brand>/style.json`
key `crossref` (`depositor`, `email`, optional `registrant`, which defaults to the record's publisher).
An organisation author is a Crossref `organization` contributor; the reference list is the deposit's
`citation_list` (each `citation` keyed by the reference id, with its DOI, the parts Crossref names, and
the citation as printed in `unstructured_citation`).

`doi_batch_id` and `timestamp` are derived from the record's identifier and its last date, so the same
record gives the same bytes (a re-deposit of a revised record carries a later timestamp, as Crossref
requires).
"""

from __future__ import annotations

from ..citation import date_parts, person_name, web_url, doi_url
from ..errors import ConversionError
from ..record import Author, Record, Reference, plain_text
from ..style import Style
from . import RenderContext

CROSSREF = "http://www.crossref.org/schema/5.5.0"
JATS = "http://www.ncbi.nlm.nih.gov/JATS1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "https://www.crossref.org/schemas/crossref5.5.0.xsd"


def missing(record: Record, style: Style) -> str | None:
    """Why the record cannot be deposited with Crossref under this brand, or None."""
    if not (record.links and record.links.doi):
        return ("the record has no DOI (/links/doi); a Crossref deposit registers a DOI, "
                "so there is nothing to deposit")
    if not style.data.get("crossref"):
        return (f"style {style.name!r} names no Crossref depositor; add \"crossref\": "
                f"{{\"depositor\": NAME, \"email\": ADDRESS}} to {style.folder / 'style.json'}")
    return None


def render(record: Record, context: RenderContext) -> bytes:
    from lxml import etree
    from lxml.builder import ElementMaker

    reason = missing(record, context.style)
    if reason:
        raise ConversionError(f"{record.identifier}: no Crossref deposit: {reason}",
                              hint="add links.doi to the record once the DOI is assigned, and the "
                                   "publisher's Crossref account to the style; or leave crossref out of --to")
    config = context.style.data["crossref"]
    depositor, email = config["depositor"], config["email"]
    registrant = config.get("registrant") or record.publisher.name
    E = ElementMaker(namespace=CROSSREF, nsmap={None: CROSSREF, "jats": JATS, "xsi": XSI})
    J = ElementMaker(namespace=JATS)

    last = date_parts(record.modified or record.published)
    timestamp = "".join(f"{part:02d}" for part in (last + [1, 1])[:3]) + "000000"
    head = E.head(
        E.doi_batch_id(f"{record.identifier}-{timestamp}"),
        E.timestamp(timestamp),
        E.depositor(E.depositor_name(depositor), E.email_address(email)),
        E.registrant(registrant),
    )
    metadata = []
    metadata.append(E.contributors(*[_person(E, author, i) for i, author in enumerate(record.authors)]))
    titles = [E.title(record.title)]
    if record.subtitle:
        titles.append(E.subtitle(record.subtitle))
    metadata.append(E.titles(*titles))
    if record.abstract:
        metadata.append(J.abstract(J.p(record.abstract)))
    parts = date_parts(record.published)
    date = [E.month(f"{parts[1]:02d}")] if len(parts) > 1 else []
    date += [E.day(f"{parts[2]:02d}")] if len(parts) > 2 else []
    metadata.append(E.publication_date(*date, E.year(str(parts[0])), media_type="online"))
    publisher = [E.publisher_name(record.publisher.name)]
    if record.publisher.place:
        publisher.append(E.publisher_place(record.publisher.place))
    metadata.append(E.publisher(*publisher))
    if record.series and record.series.number:
        metadata.append(E.publisher_item(E.item_number(record.series.number, item_number_type="report-number")))
    metadata.append(E.doi_data(E.doi(record.links.doi), E.resource(web_url(record) or doi_url(record))))
    if record.references:
        metadata.append(E.citation_list(*[_citation(E, reference) for reference in record.references]))

    if record.series and record.series.issn:
        series = E.series_metadata(E.titles(E.title(record.series.name)), E.issn(record.series.issn))
        container = E("report-paper_series_metadata", series, *metadata, language=record.language)
    else:
        container = E("report-paper_metadata", *metadata, language=record.language)
    batch = E.doi_batch(head, E.body(E("report-paper", container)), version="5.5.0")
    batch.set(f"{{{XSI}}}schemaLocation", f"{CROSSREF} {SCHEMA_URL}")
    return etree.tostring(batch, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _citation(E, reference: Reference):
    """One `citation` of the `citation_list`, its elements in the schema's order."""
    parts = []
    if reference.container_title:
        parts.append(E.journal_title(reference.container_title))
    first = (reference.authors or [None])[0]
    if first is not None:
        parts.append(E.author(first.literal or first.family))  # Crossref takes the first author's surname
    if reference.volume:
        parts.append(E.volume(reference.volume))
    if reference.issue:
        parts.append(E.issue(reference.issue))
    if reference.pages:
        parts.append(E.first_page(reference.pages.replace("\u2013", "-").split("-")[0].strip() or reference.pages))
    if reference.issued:
        parts.append(E.cYear(reference.issued[:4]))
    if reference.doi:
        parts.append(E.doi(reference.doi))
    if reference.title:
        parts.append(E.article_title(reference.title))
    parts.append(E.unstructured_citation(" ".join(plain_text(reference.citation).split())))
    return E.citation(*parts, key=reference.id)


def _person(E, author: Author, index: int):
    if author.is_organization:  # a group author: Crossref's organization contributor, never a person
        return E.organization(author.name, sequence="first" if index == 0 else "additional",
                              contributor_role="author")
    name = person_name(author)
    parts = []
    if name.family is None:
        parts.append(E.surname(name.display))  # a single name is a surname in Crossref's model
    else:
        if name.given:
            parts.append(E.given_name(name.given))
        parts.append(E.surname(name.full_family))
    if author.affiliations:
        parts.append(E.affiliations(*[E.institution(E.institution_name(a.name)) for a in author.affiliations]))
    if author.orcid:
        parts.append(E.ORCID(author.orcid))
    return E.person_name(*parts, sequence="first" if index == 0 else "additional", contributor_role="author")

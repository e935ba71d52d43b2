"""RIS (Research Information Systems, 2011 revision) -> loose records, parsed by rispy: the inverse of
`archiver/writers/ris.py` (`TY  - RPRT`, T2 the series, SN the report number, DA the date).

For a report, SN is its number; for a journal article (JOUR), an ISSN. A UR on doi.org is the DOI, on
hdl.handle.net the handle, any other the source page.
"""

from __future__ import annotations

import re
from typing import Any

from . import Crosswalked, apply, finish_identifier, inverted, issn, language, link, put, split_terms, text

IGNORED = frozenset({"type_of_reference", "id", "year", "type_of_work", "urls", "issn", "journal_name",
                     "date", "access_date", "database_provider", "name_of_database"})
_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")


def ris_date(value: Any) -> str | None:
    """YYYY/MM/DD/ with any part left empty -> the ISO date of what is known."""
    parts = [p for p in (text(value) or "").split("/") if p.strip()]
    if not parts or not parts[0].isdigit():
        return text(value)
    return "-".join(parts[:3])


#: rispy key (RIS tag) -> (record field, converter)
TABLE = {
    "title": ("title", text),                 # TI
    "primary_title": ("title", text),         # T1
    "authors": ("authors", lambda v: [a for a in (inverted(x) for x in v) if a]),          # AU
    "first_authors": ("authors", lambda v: [a for a in (inverted(x) for x in v) if a]),    # A1
    "publisher": ("publisher.name", text),    # PB
    "place_published": ("publisher.place", text),  # CY
    "language": ("language", language),           # LA
    "secondary_title": ("series.name", text),  # T2
    "abstract": ("abstract", text),           # AB
    "notes_abstract": ("abstract", text),     # N2
    "keywords": ("subjects", split_terms),    # KW
    "doi": ("links.doi", text),               # DO
    "file_attachments1": ("links.pdf", text),  # L1
}


def references(text_value: str, name: str) -> list[tuple[dict, str, int | None]]:
    """(fields, "", line of its TY) of each reference."""
    import rispy

    lines = [number for number, line in enumerate(text_value.splitlines(), 1) if line.startswith("TY  - ")]
    entries = rispy.loads(text_value)
    return [(entry, "", lines[index] if index < len(lines) else None) for index, entry in enumerate(entries)]


def crosswalk(entry: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, entry, IGNORED)
    loose = result.loose
    published = ris_date(entry.get("date")) or text(entry.get("year"))
    if published:
        loose["published"] = published
    number = text(entry.get("issn"))
    if number and entry.get("type_of_reference") == "RPRT":
        put(loose, "series.number", number)      # archiver's RIS: SN is the report number
    elif number and _ISSN.match(number):
        put(loose, "series.issn", issn(number))
    elif number:
        result.left_out.append("issn (SN)")       # an ISBN: no place in the record
    journal = text(entry.get("journal_name"))
    if journal:
        put(loose, "series.name", journal)
    for url in entry.get("urls") or []:
        found = link(url)
        if found:
            put(loose, "links", found)
    if "series" in loose and "name" not in loose["series"]:
        loose["series"]["name"] = text(entry.get("type_of_work")) or "Report"
    return finish_identifier(result, entry.get("id"))

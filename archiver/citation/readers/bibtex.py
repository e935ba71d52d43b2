"""BibTeX / biblatex -> loose records, parsed by bibtexparser 2: the inverse of
`archiver/writers/bibtex.py` (`@techreport`: `institution` the publisher, `type` the series and
`number` its number, `date` alongside `year` and `month`).

Names are split by bibtexparser's `SplitNameParts` ("von Last, First": the von part joins the family
name); LaTeX is decoded to Unicode after the split, so a braced "{,}" keeps its meaning.
"""

from __future__ import annotations

import logging
from typing import Any

from ...errors import InputError, Problem
from . import Crosswalked, apply, date, finish_identifier, issn, language, link, person, split_terms, text, whole

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
#: the generic report type: not a series name
GENERIC_TYPES = frozenset({"commentary", "technical report", "report", "techreport", "research report"})
IGNORED = frozenset({"ENTRYTYPE", "ID", "year", "month", "type", "timestamp", "owner", "file",
                     "urldate", "biburl", "bibsource"})


def _decode(value: str) -> str:
    from pylatexenc.latex2text import LatexNodes2Text
    return LatexNodes2Text().latex_to_text(value)


def names(value: Any) -> list[dict]:
    out = []
    for name in value if isinstance(value, list) else []:
        if isinstance(name, str):
            out.append({"name": " ".join(_decode(name).split())})
            continue
        family = " ".join(_decode(" ".join([*name.von, *name.last])).split())
        given = " ".join(_decode(" ".join(name.first)).split())
        if not given and family:
            out.append(whole(family))  # one braced name: {Sukarno}, {World Health Organization}
            continue
        found = person(given=given, family=family)
        if found:
            out.append(found)
    return out


def _plain(value: Any) -> str | None:
    return text(_decode(value)) if isinstance(value, str) else text(value)


def _verbatim(value: Any) -> str | None:
    return text(value.replace("%7B", "{").replace("%7D", "}")) if isinstance(value, str) else None


#: BibTeX field -> (record field, converter)
TABLE = {
    "title": ("title", _plain),
    "subtitle": ("subtitle", _plain),
    "author": ("authors", names),
    "date": ("published", date),
    "institution": ("publisher.name", _plain),
    "publisher": ("publisher.name", _plain),
    "organization": ("publisher.name", _plain),
    "address": ("publisher.place", _plain),
    "location": ("publisher.place", _plain),
    "series": ("series.name", _plain),
    "journal": ("series.name", _plain),       # a journal article's journal: the series it is part of
    "journaltitle": ("series.name", _plain),
    "number": ("series.number", _plain),
    "issn": ("series.issn", issn),
    "language": ("language", lambda v: language(_plain(v))),
    "langid": ("language", lambda v: language(_plain(v))),
    "abstract": ("abstract", _plain),
    "keywords": ("subjects", lambda v: split_terms(_plain(v))),
    "doi": ("links.doi", _verbatim),
    "url": ("links", lambda v: link(_verbatim(v))),
}


def entries(text_value: str, name: str) -> list[tuple[dict, str, int | None]]:
    """(fields, "", first line) of each entry; a block bibtexparser cannot read is an error with its line."""
    import bibtexparser
    from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts

    # bibtexparser logs each block it cannot parse; the error below reports them with their lines instead
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    library = bibtexparser.parse_string(text_value, append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    if library.failed_blocks:
        raise InputError("a BibTeX entry cannot be read", problems=[Problem(
            f"not a readable BibTeX entry: {_reason(block)}", None, name,
            "check its braces, commas and quotes", line=block.start_line + 1) for block in library.failed_blocks])
    out = []
    for entry in library.entries:
        fields = {field.key.lower(): field.value for field in entry.fields}
        fields["ENTRYTYPE"], fields["ID"] = entry.entry_type.lower(), entry.key
        out.append((fields, "", entry.start_line + 1))
    return out


def _reason(block: Any) -> str:
    reason = " ".join(str(getattr(block.error, "abort_reason", "") or block.error or "").split())
    return reason or "unbalanced braces or a missing comma"


def crosswalk(entry: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, entry, IGNORED)
    loose = result.loose
    if "published" not in loose and text(entry.get("year")):
        month = str(entry.get("month", "")).strip().lower()[:3]
        month_number = MONTHS.index(month) + 1 if month in MONTHS else (int(month) if month.isdigit() else None)
        loose["published"] = f"{entry['year']}-{month_number:02d}" if month_number else text(entry["year"])
    kind = _plain(entry.get("type"))
    if kind and kind.lower() not in GENERIC_TYPES:
        loose.setdefault("series", {}).setdefault("name", kind)  # archiver's @techreport: type = the series
    if "series" in loose and "name" not in loose["series"]:
        loose["series"]["name"] = kind or "Report"
    if entry.get("ENTRYTYPE") not in ("techreport", "report", "article", "misc", "online", "unpublished"):
        result.left_out.append(f"@{entry.get('ENTRYTYPE')}")
    return finish_identifier(result, entry.get("ID"))

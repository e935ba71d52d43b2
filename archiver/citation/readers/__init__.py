"""Crosswalks into the record: each metadata format a table from its fields to the record's, the other
direction of the writers' mapping (`archiver.citation.to_csl` and the writers in `archiver/writers/`).

A reader module here owns one format and holds its table: `TABLE` maps the format's field to the
record field it fills (dotted for object fields: `publisher.place`) and the function that turns the
value into the loose record's form (see `archiver/ingest/loose.py`: authors as objects, dates as
text); `IGNORED` names the fields that say nothing a record keeps about the work (a format's
bookkeeping: `indexed`, `score`, `dc.date.accessioned`); every other field is reported as left out
(W002), never dropped silently. `apply` runs a table over one item and returns a `Crosswalked`: the
loose record the ingest normaliser then validates, and what was left out.

Identifiers: a table names the candidates an item gives (`Crosswalked.candidates`): its own
identifier when it is a valid record identifier, and its DOI's suffix; the ingest reader
(`archiver/ingest/crosswalk.py`) adds the URL and the file name and takes the first in the collection's
order (`archiver.collection.make_identifier`), as for every source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from ...normalize import is_cjk

#: a record identifier (schemas/commentary.schema.json `identifier`)
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DOI = re.compile(r"(?:^|doi\.org/|^doi:\s*)(10\.\d{4,9}/\S+)$", re.I)
_HANDLE = re.compile(r"^https?://hdl\.handle\.net/(\S+)$", re.I)
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.I)

Convert = Callable[[Any], Any]


@dataclass
class Crosswalked:
    """One item of an export as a loose record, the export's fields it could not keep, facts guessed
    on the way (each a (pointer, message) pair for warning W001), and the identifiers it offers by
    place ("source": its own, "doi": its DOI's suffix)."""
    loose: dict[str, Any]
    left_out: list[str] = field(default_factory=list)
    guessed: list[tuple[str, str]] = field(default_factory=list)
    candidates: dict[str, str] = field(default_factory=dict)


def apply(table: dict[str, tuple[str, Convert]], item: dict[str, Any], ignored: frozenset[str] = frozenset()
          ) -> Crosswalked:
    """The loose record of `item` by `table`; a converter may return None (nothing usable) or, for a
    target that is an object field, a dict of its sub-fields."""
    out: dict[str, Any] = {}
    left_out: list[str] = []
    for key, value in item.items():
        if value in (None, "", [], {}):
            continue
        if key not in table:
            if key not in ignored:
                left_out.append(key)
            continue
        target, convert = table[key]
        converted = convert(value)
        if converted in (None, "", [], {}):
            continue
        put(out, target, converted)
    return Crosswalked(out, left_out)


def put(out: dict[str, Any], target: str, value: Any) -> None:
    """Set a (dotted) field of a loose record; an object field's dict is merged, a first value kept."""
    head, dot, tail = target.partition(".")
    if dot:
        out.setdefault(head, {}).setdefault(tail, value)
    elif isinstance(value, dict) and isinstance(out.get(head), dict):
        for sub, sub_value in value.items():
            out[head].setdefault(sub, sub_value)
    elif isinstance(value, list) and isinstance(out.get(head), list):
        out[head].extend(v for v in value if v not in out[head])
    else:
        out.setdefault(head, value)


def finish_identifier(crosswalked: Crosswalked, own: Any = None) -> Crosswalked:
    """The identifiers the item offers: its own when it is a valid record identifier (a URL or a
    "doi:" string is not), and its DOI's suffix."""
    if isinstance(own, str) and IDENTIFIER.match(own.strip()):
        crosswalked.candidates["source"] = own.strip()
    doi = (crosswalked.loose.get("links") or {}).get("doi")
    if isinstance(doi, str) and "/" in doi:
        suffix = re.sub(r"[^A-Za-z0-9._-]+", "-", doi.split("/", 1)[1]).strip("-._")[:64]
        if suffix and IDENTIFIER.match(suffix):
            crosswalked.candidates["doi"] = suffix
    return crosswalked


# Converters shared by the tables -------------------------------------------------------------------

def text(value: Any) -> str | None:
    """A single text value: a string, a number, or the first of a list of them."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, int, float)) and str(v).strip()), None)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return " ".join(str(value).split()) or None


def texts(value: Any) -> list[str]:
    """A list of text values (a string is one)."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (text(v) for v in items) if t]


def split_terms(value: Any) -> list[str]:
    """Keywords from a list or one string separated by ';' or ','."""
    out: list[str] = []
    for item in texts(value):
        separator = ";" if ";" in item else ","
        out.extend(part.strip() for part in item.split(separator) if part.strip())
    return out


def link(value: Any) -> dict[str, str] | None:
    """A URL as the link it is: a DOI (doi.org), a handle (hdl.handle.net) or the source page."""
    url = text(value)
    if not url:
        return None
    if doi := _DOI.search(url):
        return {"doi": doi.group(1)}
    if handle := _HANDLE.match(url):
        return {"handle": handle.group(1)}
    return {"source": url} if re.match(r"^https?://", url, re.I) else None


def issn(value: Any) -> str | None:
    """An ISSN written as the schema wants it (1234-5678), with or without its hyphen."""
    raw = re.split(r"[,;\s]+", (text(value) or "").strip())[0]  # several ISSNs (print, online): the first
    found = re.fullmatch(r"(\d{4})-?(\d{3}[\dXx])", raw)
    return f"{found[1]}-{found[2].upper()}" if found else (raw or None)


def doi(value: Any) -> str | None:
    found = _DOI.search(text(value) or "")
    return found.group(1) if found else None


def orcid(value: Any) -> str | None:
    found = _ORCID.search(text(value) or "")
    return f"https://orcid.org/{found.group(1).upper()}" if found else None


def person(given: Any = None, family: Any = None, name: Any = None, orcid_id: Any = None,
           affiliations: Any = None, family_first: bool = False) -> dict[str, Any] | None:
    """An author object of the loose record from whatever parts a format gives."""
    given, family, name = text(given), text(family), text(name)
    if not name:
        parts = [p for p in ([family, given] if family_first else [given, family]) if p]
        # a CJK name is written without a space between its parts (李显龙)
        name = ("" if family_first and is_cjk("".join(parts)) else " ").join(parts) or None
    if not name:
        return None
    out: dict[str, Any] = {"name": name}
    if family:
        out["family"] = family
        if given:
            out["given"] = given
    if family_first and family and given:
        out["name_order"] = "family-first"
    if orcid_id and orcid(orcid_id):
        out["orcid"] = orcid(orcid_id)
    names = [a for a in texts(affiliations) if a]
    if names:
        out["affiliations"] = [{"name": a} for a in dict.fromkeys(names)]
    return out


def organisation(name: Any) -> dict[str, Any] | None:
    """An organisation or group author (schema 1.1 `kind`): its name only, never split."""
    name = text(name)
    return {"name": name, "kind": "organization"} if name else None


def whole(name: Any) -> dict[str, Any] | None:
    """A name a format keeps whole (a CSL `literal`, a braced BibTeX name, an RIS or Dublin Core name
    without "Family, Given"): an organisation when it has several words, as archiver's writers print
    organisation authors; a single word is a person's only name."""
    name = text(name)
    if not name:
        return None
    return organisation(name) if " " in name.strip() else {"name": name.strip()}


def inverted(value: Any) -> dict[str, Any] | None:
    """An author from "Family, Given" (the form of BibTeX, RIS, Dublin Core and DataCite names); a
    name without a comma is kept whole (`whole`)."""
    name = text(value)
    if not name:
        return None
    family, comma, given = name.partition(",")
    if comma and family.strip() and given.strip():
        return person(given=given.strip(), family=family.strip())
    return whole(name.strip(" ,"))


def date_parts(value: Any) -> str | None:
    """An ISO date from CSL/Crossref `date-parts` ({"date-parts": [[2024, 6, 12]]}) or `raw`."""
    if isinstance(value, dict):
        outer = value.get("date-parts")
        parts = outer[0] if isinstance(outer, list) and outer and isinstance(outer[0], list) else []
        if parts and all(isinstance(p, (int, str)) and str(p).isdigit() for p in parts):
            numbers = [int(p) for p in parts[:3]]
            return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
        return text(value.get("raw") or value.get("literal"))
    return text(value)


#: language names exports write instead of codes (DSpace, Pure, schema.org sites), to BCP 47
LANGUAGE_NAMES = {
    "english": "en", "french": "fr", "german": "de", "spanish": "es", "portuguese": "pt", "italian": "it",
    "dutch": "nl", "chinese": "zh", "japanese": "ja", "korean": "ko", "russian": "ru", "arabic": "ar",
    "indonesian": "id", "malay": "ms", "vietnamese": "vi", "thai": "th", "hindi": "hi", "turkish": "tr",
    "swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi", "polish": "pl", "czech": "cs",
}


def language(value: Any) -> str | None:
    """A BCP 47 tag from a code ("en", "en_US" as DSpace writes it) or an English language name."""
    raw = text(value.get("name") or value.get("alternateName") if isinstance(value, dict) else value)
    if not raw:
        return None
    if raw.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[raw.lower()]
    return raw.replace("_", "-")


_DATETIME = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)[T ]\d{2}:\d{2}")


def date(value: Any) -> str | None:
    """A date; a date-time ("2021-09-06T07:50:05.000+00:00") is its calendar date as written."""
    raw = text(value)
    if raw and (match := _DATETIME.match(raw)):
        return match.group(1)
    return raw

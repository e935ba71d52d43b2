"""Assembly of a commentary record from the parts a saved web page gives (issue 3, points 2-4, 6).

The page readers (`pagetext`, `html`) find the parts — title line, byline, date line, synopsis,
sections, notes, "About the Author" text, categories, copyright footer — and this module turns them
into record fields the same way for both: bios attributed to authors, affiliations read from bios,
categories split into topics and regions, site facts filled in with warning W001, missing required
values reported as one `InputError` naming every missing field.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ..collection import Collection, make_identifier
from ..errors import ArchiverWarning, InputError, Problem, RecordInvalid
from ..normalize import INSTITUTION_WORDS, parse_date, split_authors
from ..record import SCHEMA_VERSION
from .sites import COUNTRIES, Site

# A full stop ends a sentence unless it follows an initial ("S.") or a common abbreviation.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")
_ABBREVIATIONS = re.compile(r"(?:\b[A-Z]|\bDr|\bProf|\bMr|\bMrs|\bMs|\bSt|\bNo|\bvs|\be\.g|\bi\.e|\bAssoc|\bJr|\bSr)\.$")
_PRONOUN_START = re.compile(r"(he|she|they|his|her|their)\b", re.I)
_AFFILIATION = re.compile(r"\b(?:is|are) (?:a|an|the|currently|also|both)?\b.*?\b(at|with)\s+(?:the\s+)?(.+)$", re.S)
_AFFILIATION_LOOSE = re.compile(r"\b(?:is|are) (?:a|an|the|currently|also|both)?\b.*?\b(of|in)\s+(?:the\s+)?(.+)$", re.S)
_COPYRIGHT = re.compile(r"(?:copyright\s*)?(?:©|\(c\))\s*(?:\d{4}\s*)?(.+?)\.?\s*(?:all rights reserved\.?)?$", re.I)

# The article's own markers, as both page readers find them (a text line, or an HTML element's text
# with its white space folded); matched whole with `fullmatch` unless said otherwise.
#: "CO23081 | Title": groups (identifier, title)
TITLE_LINE = re.compile(r"([A-Z]{1,4}\d{4,6})\s*[|:–-]\s*(.+)")
#: group 1: text following the marker on the same line ("Synopsis: ..."), if any
SYNOPSIS = re.compile(r"synopsis(?:\s*:\s*(.*))?", re.I | re.S)
COMMENTARY = re.compile(r"commentary(?:\s*:\s*(.*))?", re.I | re.S)
ABOUT = re.compile(r"about the authors?\s*:?", re.I)
NOTES_HEADING = re.compile(r"(?:end\s?notes|notes|footnotes|references)\s*:?", re.I)
#: group 1: the note itself when it follows on the same line
EDITOR = re.compile(r"editor[’']?s[’']? note\s*:?\s*(.*)", re.I | re.S)
CATEGORIES = re.compile(r"categor(?:y|ies)\s*:\s*(.*)", re.I | re.S)
#: a figure's credit line: group 1 the credit
CREDIT = re.compile(r"(?:source|image|photo|picture|credit)s?\s*:\s*(.+)", re.I | re.S)
#: a caption ending in its credit ("... Source: Wikimedia"): groups (caption, credit)
CAPTION_CREDIT = re.compile(r"(.*?)\s*" + CREDIT.pattern, re.I | re.S)
_LABEL = r"(\d{1,3}|[ivxlc]{1,7})"
#: an endnote marker in running text, [1] or [i]: group 1 the label
NOTE_MARKER = re.compile(rf"\[{_LABEL}\]", re.I)
#: an endnote as the notes list prints it, "[1] text" (use `match` for a start): groups (label, text)
NOTE_LINE = re.compile(rf"\s*\[{_LABEL}\]\s*(.*)", re.I | re.S)
#: the whole text of a superscript or link that is a marker ("1", "[i]", " [2] "): group 1 the label
MARKER_TEXT = re.compile(rf"\s*\[?\s*{_LABEL}\s*\]?\s*", re.I)


def sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        head = text[start:match.start()].rstrip("\"”’)")
        if _ABBREVIATIONS.search(head):
            continue
        out.append(text[start:match.start()].strip())
        start = match.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _mentions(text: str, author: dict) -> bool:
    return author["name"] in text or bool(author.get("family") and re.search(
        rf"\b{re.escape(author['family'])}\b", text))


def attribute_bios(authors: list[dict], paragraphs: list[str], source: str,
                   warnings: list[ArchiverWarning]) -> None:
    """Give each author the bio text about them: a paragraph naming one author is theirs; a shared
    paragraph is split by sentence subject (a sentence starting with a pronoun continues the last)."""
    bios: dict[int, list[str]] = {i: [] for i in range(len(authors))}
    last: list[int] = []
    for paragraph in paragraphs:
        named = [i for i, a in enumerate(authors) if _mentions(paragraph, a)]
        if len(named) <= 1:
            owners = named or last or list(range(len(authors)))
            if not named and len(authors) > 1:
                warnings.append(ArchiverWarning("W001", "a bio paragraph names no author; given to "
                                                + ", ".join(authors[i]["name"] for i in owners), source, "/authors"))
            for i in owners:
                bios[i].append(paragraph)
            last = owners
            continue
        pieces: dict[int, list[str]] = {}
        for sentence in sentences(paragraph):
            named_here = [i for i in named if _mentions(sentence, authors[i])]
            if named_here and not _PRONOUN_START.match(sentence):
                last = named_here
            for i in (named_here if not _PRONOUN_START.match(sentence) and named_here else last or named):
                pieces.setdefault(i, []).append(sentence)
        for i, parts in pieces.items():
            bios[i].append(" ".join(parts))
    for i, parts in bios.items():
        if parts:
            authors[i]["bio"] = "\n\n".join(parts)
            affiliation = affiliation_from_bio(parts[0], authors[i])
            if affiliation and "affiliations" not in authors[i]:
                authors[i]["affiliations"] = [affiliation]


def affiliation_from_bio(bio: str, author: dict) -> dict | None:
    """The institution named in a bio's "X is a Fellow at <institution>, <country>." sentence."""
    for sentence in sentences(bio):
        if not _mentions(sentence, author) and not _PRONOUN_START.match(sentence):
            continue
        match = _AFFILIATION.search(sentence) or _AFFILIATION_LOOSE.search(sentence)
        if not match:
            continue
        name = match[2].rstrip(".").strip()
        name = re.split(r"\s*[;]|\s+(?:and|where|since|who|which)\s+(?:is|was|has|he|she|they)\b", name)[0]
        affiliation: dict[str, Any] = {}
        head, _, tail = name.rpartition(",")
        if head and tail.strip() in COUNTRIES:
            name = head.strip()
            affiliation = {"country": tail.strip(), "country_code": COUNTRIES[tail.strip()]}
        if INSTITUTION_WORDS.search(name) and len(name) <= 300:
            return {"name": name, **affiliation}
        return None
    return None


def split_categories(entries: list[str], site: Site | None) -> tuple[list[str], list[str]]:
    """(topics, regions) from a flat category list; the series' own category is neither."""
    topics: list[str] = []
    regions: list[str] = []
    for entry in entries:
        if site and entry in site.series_categories:
            continue
        target = regions if site and entry in site.regions else topics
        if entry not in target:
            target.append(entry)
    return topics, regions


def rights_from_footer(line: str | None, year: int, site: Site | None, source: str,
                       warnings: list[ArchiverWarning]) -> dict | None:
    if line:
        match = _COPYRIGHT.search(line)
        if match:
            return {"statement": line, "holder": match[1].strip(), "year": year}
    if site:
        warnings.append(ArchiverWarning("W001", "no copyright line on the page; holder taken from the site rules",
                                        source, "/rights"))
        return {"holder": site.rights_holder, "year": year}
    return None


def note_inlines(text: str, labels: dict[str, str], source: str, pointer: str,
                 warnings: list[ArchiverWarning]) -> list:
    """Inlines of a text whose endnote markers ([1], [i]) become note references."""
    out: list = []
    position = 0
    for match in NOTE_MARKER.finditer(text):
        note = labels.get(match[1].lower())
        if note is None:
            if labels or match[1].isdigit():
                warnings.append(ArchiverWarning("W007", f"marker {match[0]} has no note text; kept as text",
                                                source, pointer))
            continue
        if match.start() > position:
            out.append(text[position:match.start()])
        out.append({"type": "note_ref", "note": note})
        position = match.end()
    if position < len(text):
        out.append(text[position:])
    return out


def most_precise_date(candidates: Iterable[str]) -> tuple[str | None, str | None]:
    """(date, None) for the first candidate that reads as a full date, else the first that reads as a
    year or month (kept as precise as it is, never completed to a day the source does not give);
    (None, why the first one failed) when none reads at all; (None, None) without candidates."""
    bad: str | None = None
    partial: str | None = None
    for candidate in candidates:
        try:
            value, is_partial = parse_date(candidate)
        except ValueError as exc:
            bad = bad or str(exc)
            continue
        if not is_partial:
            return value, None
        partial = partial or value
    return (partial, None) if partial else (None, bad)


def published_date(candidates: list[str], source: str) -> str | None:
    """The most precise of the date lines (`most_precise_date`); a date-like line that does not read
    at all, and no other that does, is RecordInvalid."""
    value, bad = most_precise_date(candidates)
    if bad:
        raise RecordInvalid([Problem(bad, "/published", source, "correct the date line of the page")])
    return value


def authors_from_byline(lines: list[str]) -> list[dict]:
    authors: list[dict] = []
    for line in lines:
        try:
            authors.extend(split_authors(line))
        except ValueError:
            continue
    return authors


def finish(parts: dict[str, Any], site: Site | None, source: str, warnings: list[ArchiverWarning],
           collection: Collection | None = None, problems: list[Problem] | tuple = (),
           absent: list[Problem] | tuple = (), identifier: str | None = None) -> dict[str, Any]:
    """The record JSON from the parts found; site facts filled in with W001; every problem of the page
    in one error: `problems`, the values the reader could not normalise (RecordInvalid, exit 5), with
    `absent`, what it did not find, and every missing required field (else InputError, exit 4). The collection's
    defaults (filled later by `ingest`) stand in for what the page lacks, before any site rule.
    `identifier`: the one a web archive gave the page because another page's URL ends the same (W001);
    else it is made from the page, and the place it came from is left in `parts["identifier_from"]`
    ("source", "doi", "canonical", "file")."""
    defaults = collection.values if collection else {}
    candidates = dict(parts.get("identifiers") or {"file": source})
    candidates["source"] = candidates.get("source") or parts.get("identifier")
    made = make_identifier(candidates, collection)
    if identifier:
        parts["identifier"] = identifier
        warnings.append(ArchiverWarning("W001", f"identifier {identifier} taken from the page's whole URL (another "
                                        f"page of the archive ends in the same segment)", source, "/identifier"))
    elif made:
        parts["identifier"], parts["identifier_from"] = made
        if made[1] in ("canonical", "file") and not defaults.get("identifier"):
            where = "the canonical URL" if made[1] == "canonical" else "the file name"
            warnings.append(ArchiverWarning("W001", f"identifier {made[0]} taken from {where} (the page gives "
                                            "none of its own)", source, "/identifier"))
    missing = list(problems) + list(absent) + [
        Problem(f"the page gives no {what}", pointer, source, hint)
        for key, pointer, what, hint in (
            ("identifier", "/identifier", "identifier", parts.get("identifier_hint") or "give the page's "
             "identifier in its metadata (citation_technical_report_number or dc.identifier), or save it under "
             "a file name that is one"),
            ("title", "/title", "title", "is this an article page? save the article page itself"),
            ("authors", "/authors", "author (byline)", "the page names no author in its metadata or byline; "
             "add citation_author or a byline"),
            ("published", "/published", "publication date", "add citation_publication_date or "
             "article:published_time (or a date line like '31 May 2023' after the byline)"))
        if not parts.get(key) and not any(p.pointer == pointer for p in problems)]
    record: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if site and not missing:
        series = site.series_for(parts["identifier"])
        if series:
            record["series"] = series
            warnings.append(ArchiverWarning("W001", f"series name, number and url from the {site.key} site rules",
                                            source, "/series"))
    publisher = parts.get("publisher")
    if not publisher and site and "publisher" not in defaults:
        publisher = dict(site.publisher)
        warnings.append(ArchiverWarning("W001", f"publisher from the {site.key} site rules", source, "/publisher"))
    if not publisher and "publisher" not in defaults:
        missing.append(Problem("the page gives no publisher and no site rule knows it", "/publisher", source,
                               "name the publisher in a collection file (--collection FILE)"))
    if missing and problems:
        raise RecordInvalid(missing)
    if missing:
        raise InputError(missing[0].message if len(missing) == 1 else f"{len(missing)} problems in the page",
                         source=source, problems=missing)
    language = parts.get("language") or defaults.get("language")
    if not language:
        language = site.language if site else "en"
        warnings.append(ArchiverWarning("W001", f"language {language!r} assumed", source, "/language"))
    record.update({"identifier": parts["identifier"], "title": parts["title"]})
    if parts.get("subtitle"):
        record["subtitle"] = parts["subtitle"]
    record.update({"authors": parts["authors"], "published": parts["published"], "language": language})
    if publisher:  # else the collection's, filled by ingest
        record["publisher"] = publisher
    for key in ("editor_note", "abstract"):
        if parts.get(key):
            record[key] = parts[key]
    if parts.get("body"):
        record["body"] = parts["body"]
    topics, regions = split_categories(parts.get("categories") or [], site)
    if topics:
        record["subjects"] = topics
    if regions:
        record["coverage"] = regions
    rights = rights_from_footer(parts.get("copyright"), int(parts["published"][:4]),
                                None if "rights" in defaults else site, source, warnings)
    if rights:
        record["rights"] = rights
    if parts.get("links"):
        record["links"] = parts["links"]
    return record

"""Ingest: any source a librarian has -> canonical records.

A reader is a module (or, written "module:NAME", an object in a module) with
    sniff(data: bytes, name: str) -> bool          # does this look like my kind? (content first)
    read(data: bytes, name: str) -> list[Draft]    # one Draft per article found
A reader that sets `USES_NEIGHBOURS = True` is also given `neighbour=`, a function returning the bytes of
a file next to the source by relative path (a manuscript's sidecar metadata and images), or None; one
that sets `USES_COLLECTION = True` is given `collection=`, the collection's defaults (or None), which
decide how it makes identifiers; `ingest` fills every record's missing values from the collection.
Readers return record JSON without `provenance` (which `ingest` adds), typed warnings and, for figures
they carry, the image bytes (`Draft.assets`, relative path -> bytes, written by the CLI next to the record);
they raise `InputError` for a source they cannot read and `RecordInvalid` (with JSON pointers) for values
they cannot normalise. `ingest` validates every record against the schema before anyone writes it; a
source is all or nothing: one bad record fails the whole source, with every problem of every record.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any, Callable

from .. import __version__
from ..collection import Collection
from ..errors import ArchiverWarning, InputError, Problem, RecordInvalid, UsageError
from ..record import Record, problems
from ..reproducible import source_date_epoch


@dataclass
class Draft:
    """A record's JSON as a reader made it, before provenance and validation.

    `pointer` locates the record inside a source holding several (`/2` for the third object of a JSON
    array); `line` is its first line (a CSV row). `assets` maps the relative image paths the record's
    figures name (`images/<identifier>-fig1.png`) to the image bytes."""
    data: dict[str, Any]
    warnings: list[ArchiverWarning] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    pointer: str = ""
    line: int | None = None
    #: what a source holding many pages did not make records of, counted by kind ({"pages skipped
    #: (not article pages)": 3, "not 200": 2}): a web archive's home and listing pages are counted,
    #: not failed (`skipped_text` says it in words)
    skipped: dict[str, int] = field(default_factory=dict)
    #: when the identifier came from a URL's last segment or the file name: ("canonical" or "file", the
    #: canonical URL or None), so that a reader of many pages can tell clashing ones apart
    url_made: tuple[str, "str | None"] | None = None


@dataclass
class Ingested:
    """One valid record made from a source, its warnings and its image files."""
    record: Record
    warnings: list[ArchiverWarning]
    assets: dict[str, bytes]
    skipped: dict[str, int] = field(default_factory=dict)


def skipped_text(counts: dict[str, int]) -> str:
    """A source's skipped pages in words: "3 pages skipped (not article pages), 2 not 200"."""
    return ", ".join(f"{number} {what}" for what, number in counts.items() if number)


#: kind -> reader, in the order content sniffing tries them (most specific first): a JATS article
#: (XML with an <article> root) before a saved HTML page, then a web archive (WARC, WACZ); whole-page text (it needs the page's SYNOPSIS
#: and COMMENTARY marker lines) before a manuscript, which claims any .md/.docx/.odt.
READERS: dict[str, str] = {
    "jats": "archiver.ingest.jats",
    "html": "archiver.ingest.html",
    "warc": "archiver.ingest.warc",
    "pagetext": "archiver.ingest.pagetext",
    "manuscript": "archiver.ingest.manuscript",
    # metadata exports (crosswalk.py), each recognised by its own fields, before the loose JSON and CSV
    "json-feed": "archiver.ingest.crosswalk:JSON_FEED",
    "csl-json": "archiver.ingest.crosswalk:CSL_JSON",
    "crossref": "archiver.ingest.crosswalk:CROSSREF",
    "datacite": "archiver.ingest.crosswalk:DATACITE",
    "schema.org": "archiver.ingest.crosswalk:SCHEMA_ORG",
    "bibtex": "archiver.ingest.crosswalk:BIBTEX",
    "ris": "archiver.ingest.crosswalk:RIS",
    "dspace": "archiver.ingest.crosswalk:DSPACE",
    "json": "archiver.ingest.loosefiles:JSON",
    "yaml": "archiver.ingest.loosefiles:YAML",
    "csv": "archiver.ingest.loosefiles:CSV",
}

#: the suffixes of web archives, which hold a whole crawl: read under the "archive" byte limit
ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")

Neighbour = Callable[[str], "bytes | None"]

#: files that sit beside sources (a saved page's images, style sheets, scripts and fonts in its
#: NAME_files/ folder) but are never sources: a folder given to ingest or build skips them
NOT_SOURCE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".tif", ".tiff", ".webp", ".bmp", ".ico",
                       ".css", ".js", ".woff", ".woff2", ".ttf", ".otf")

#: a manuscript's metadata may come from a sidecar NAME.json beside NAME.md / NAME.docx / NAME.odt
MANUSCRIPT_SUFFIXES = (".md", ".markdown", ".docx", ".odt")
#: a metadata export's sidecar is its whole file name with .json added (NAME.bib.json beside NAME.bib):
#: one work's exports share a stem (x.json, x.bib, x.ris), and x.json may be an export itself
EXPORT_SUFFIXES = (".json", ".jsonld", ".bib", ".bibtex", ".ris", ".csv", ".xml", ".txt")


def image_type(data: bytes) -> str | None:
    """The file type of a figure image the writers can embed ("png", "jpg"), from its first bytes."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    return None


class _FolderReader:
    """Files next to a source, by relative path (a manuscript's sidecar and images; see `folder_reader`)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.root = folder.resolve()

    def _target(self, relative: str) -> Path | None:
        try:
            return (self.root / relative).resolve()
        except (OSError, ValueError):
            return None

    def __call__(self, relative: str) -> bytes | None:
        from ..bounded import read as read_bounded
        target = self._target(relative)
        try:
            if target is None or self.root not in target.parents or not os.path.lexists(target) or target.is_dir():
                return None
        except (OSError, ValueError):
            return None
        return read_bounded(target, "sidecar", str(self.folder / relative))

    def why_missing(self, relative: str) -> str | None:
        """Why `relative` gave None when something by that name is there (a folder, a link out of the
        folder), as a phrase and what to do; None when nothing is there."""
        try:
            here = os.path.lexists(self.root / relative)
        except (OSError, ValueError):
            return None
        target = self._target(relative)
        if not here or target is None:
            return None
        if self.root not in target.parents:
            return "is a link to a file outside the source's folder, which archiver never follows: " \
                   "copy the file itself into the folder"
        if target.is_dir():
            return "is a folder, not an image file: give the PNG or JPEG file itself"
        return None


def folder_reader(folder: Path) -> Neighbour:
    """Files next to a source, by relative path (a manuscript's sidecar and images); None for one that
    is not there or lies outside the folder. One that is there but is no regular file, or is larger
    than the sidecar limit, is refused (`bounded.Refused`), never read. Every read is bounded and never
    blocks: a file's type is checked before it is opened, and it is opened without waiting."""
    return _FolderReader(folder)


def asset(neighbour: Neighbour, relative: str) -> tuple[bytes | None, str | None]:
    """The bytes of a file a source refers to (a figure's image) through `neighbour`, or None and why
    not: a phrase that follows the file's name and says what to do ("is a FIFO (named pipe), ..."), or
    None when nothing by that name is there. A file archiver will not read (a FIFO, a device, a
    socket, one over its limit, a link out of the folder) leaves the figure without its image, never
    fails the source."""
    from ..bounded import Refused
    try:
        data = neighbour(relative)
    except Refused as refused:
        what = refused.message.removesuffix(": not read")
        hint = refused.problems[0].hint if refused.problems else None
        if what.startswith(("a ", "an ", "larger than")):
            return None, f"is {what}, and was not read: {hint or 'give the image file itself'}"
        return None, f"could not be read ({what}): {hint or 'check the file'}"
    if data is None:
        why_missing = getattr(neighbour, "why_missing", None)
        return None, why_missing(relative) if why_missing is not None else None
    return data, None


def sidecars(sources: set[Path]) -> set[Path]:
    """The .json files among (resolved) `sources` that are sidecars of a manuscript or an export also
    among them, as `is_sidecar` decides it, in one pass (a batch of thousands: no look-up per file)."""
    stems = {p.with_suffix("") for p in sources if p.suffix.lower() in MANUSCRIPT_SUFFIXES}
    exports = {p for p in sources if p.suffix.lower() in EXPORT_SUFFIXES}
    return {p for p in sources if p.suffix.lower() == ".json" and (p.with_suffix("") in stems or
                                                                    _export_of(p) in exports)}


def is_sidecar(path: Path, sources: set[Path]) -> bool:
    """A .json whose manuscript (same name, manuscript suffix) or export (its name without the .json,
    NAME.bib for NAME.bib.json) is among the (resolved) sources: it is read with that source, not as a
    source of its own."""
    return path.suffix.lower() == ".json" and (
        any(path.with_suffix(suffix).resolve() in sources for suffix in MANUSCRIPT_SUFFIXES)
        or (_export_of(path).suffix.lower() in EXPORT_SUFFIXES and _export_of(path).resolve() in sources))


def _export_of(sidecar: Path) -> Path:
    return sidecar.with_suffix("")


def read_sidecar(relative: str, neighbour: Neighbour | None) -> dict[str, Any]:
    """The fields of the sidecar file `relative` beside a source (a JSON object written as a loose
    record, see loose.py), or {} when there is none."""
    from ..strictparse import BadData, loads
    from .loosefiles import decode
    data = neighbour(relative) if neighbour is not None else None
    if data is None:
        return {}
    try:
        parsed = loads(decode(data, relative), relative)
    except BadData as bad:
        raise InputError("not JSON", problems=[Problem(
            f"the sidecar: {bad.problem.message}", None, relative, bad.problem.hint,
            line=bad.problem.line)]) from None
    if not isinstance(parsed, dict):
        raise InputError("the sidecar must be one JSON object of fields", source=relative,
                         hint="write the metadata as {\"title\": ..., \"authors\": ...}")
    return parsed


def reader(kind: str) -> Any:
    module, _, attribute = READERS[kind].partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


def check_size(size: int, name: str) -> None:
    """Refuse source bytes over the source limit (a caller that did not read them through `bounded`)."""
    from ..limits import ENVIRONMENT, byte_limit, describe
    kind = byte_kind(name)
    if size > byte_limit(kind):
        raise InputError(f"{size:,} bytes is larger than the {describe(byte_limit(kind))} archiver "
                         "reads", source=name, hint="a commentary source is far smaller: check that this is the "
                         f"right file, or split it (or set {ENVIRONMENT[kind]})")


def byte_kind(name: str) -> str:
    """The byte limit a source is read under (`limits.BYTE_LIMITS`): a web archive's, else a source's."""
    return "archive" if name.lower().endswith(ARCHIVE_SUFFIXES) else "source"


def ingest_date() -> str:
    """The date a record is made: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    return (source_date_epoch() or datetime.now(timezone.utc)).date().isoformat()


#: how much of a source recognising its kind reads
SNIFF_BYTES = 65536
_SPACE = re.compile(rb"[ \t\r\n\f]*")
_NAME = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_HTML_DOCTYPE = re.compile(rb"<!doctype[ \t\r\n\f]+html[ \t\r\n\f>]", re.I)
_JATS_SIGNS = re.compile(rb"<front[ \t\r\n>]|\bdtd-version=|\barticle-type=|xmlns:(?:xlink|mml|ali)=")


def first_element(data: bytes) -> tuple[bytes | None, bool, bool]:
    """(name of the first element, whether an HTML DOCTYPE came before it, whether the prolog ran past
    the bounded prefix) of a markup source. Declarations, processing instructions, comments and the
    DOCTYPE are skipped with `find`, each search starting where the last ended, so the work is linear in
    the prefix whatever it holds (no pattern here can backtrack)."""
    head = data[:SNIFF_BYTES]
    position = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    html_doctype = False
    while True:
        position = _SPACE.match(head, position).end()
        if head.startswith(b"<!--", position):
            end, step = head.find(b"-->", position + 4), 3
        elif head.startswith(b"<?", position):
            end, step = head.find(b"?>", position + 2), 2
        elif head[position:position + 9].lower() == b"<!doctype":
            html_doctype = html_doctype or _HTML_DOCTYPE.match(head, position) is not None
            close = head.find(b">", position)
            subset = head.find(b"[", position, close if close >= 0 else len(head))
            if subset >= 0:  # an internal subset: it ends at "]" then ">"
                close = head.find(b"]", subset)
                close = head.find(b">", close) if close >= 0 else -1
            end, step = close, 1
        else:
            match = _NAME.match(head, position)
            return (match[1] if match else None), html_doctype, False
        if end < 0:
            return None, html_doctype, True
        position = end + step


def markup_kind(data: bytes) -> str | None:
    """"jats", "html" or None (not markup this decides) from the source's first element: an HTML DOCTYPE
    or <html>/<head>/<body> is a page; <article> is JATS only with JATS's own signs (<front>,
    dtd-version, article-type, its namespaces) in the prefix, else a page's <article>; a prolog of
    comments longer than the prefix is a saved page (no JATS writer emits 64 KiB of comments)."""
    element, html_doctype, unfinished = first_element(data)
    if html_doctype or unfinished:
        return "html"
    if element is None:
        return None
    local = element.rpartition(b":")[2].lower()
    if local in (b"html", b"head", b"body"):
        return "html"
    if local == b"article":
        return "jats" if _JATS_SIGNS.search(data[:SNIFF_BYTES]) else "html"
    return None


def detect(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputError("the file is empty", source=name, hint="give a file with a commentary in it")
    decided = markup_kind(data)
    if decided:
        return decided
    for kind in READERS:
        # JATS is markup_kind's to decide (its reader's own test is a pattern, not bounded work)
        if kind != "jats" and reader(kind).sniff(data, name):
            return kind
    raise InputError("not a source archiver recognises", source=name,
                     hint=f"give --from KIND (one of: {', '.join(READERS)}) if you know what it is")


def read_source(data: bytes, name: str, kind: str | None = None,
                neighbour: Neighbour | None = None, collection: Collection | None = None) -> list[Ingested]:
    """Every record in one source, validated, with provenance filled in, and its image files; what a
    record lacks is taken from the collection's defaults, when given, and named in its provenance."""
    if kind is not None and kind not in READERS:
        raise UsageError(f"unknown source kind {kind!r}", hint=f"use one of: {', '.join(READERS)}")
    check_size(len(data), name)
    try:
        return _read_source(data, name, kind, neighbour, collection)
    except RecursionError:
        # pandoc's AST or a record nested thousands deep (">" repeated, "[[[[..."): no article is.
        raise InputError("the source is nested too deeply to be a commentary", source=name,
                         hint="check that this is the right file") from None


def _read_source(data: bytes, name: str, kind: str | None, neighbour: Neighbour | None,
                 collection: Collection | None) -> list[Ingested]:
    kind = kind or detect(data, name)
    chosen = reader(kind)
    options: dict[str, Any] = {}
    if getattr(chosen, "USES_NEIGHBOURS", False):
        options["neighbour"] = neighbour
    if getattr(chosen, "USES_COLLECTION", False):
        options["collection"] = collection
    drafts = chosen.read(data, name, **options)
    if not drafts:
        raise InputError("no record in it", source=name, hint="give at least one record")
    _say_unread_sidecar(chosen, drafts, name, neighbour)
    digest = hashlib.sha256(data).hexdigest()
    results, found, seen = [], [], {}
    for draft in drafts:
        record_data = dict(draft.data)
        # What this run did is a fact no source may override; a source's own remark is kept as the note.
        provenance = dict(record_data.get("provenance") or {})
        if collection is not None:
            taken = collection.fill(record_data)
            if taken:
                provenance["collection"] = collection.provenance(taken)
        provenance.update({"reader": kind, "source_file": PurePath(name).name, "source_sha256": digest,
                           "archiver_version": __version__, "ingested": ingest_date()})
        record_data["provenance"] = provenance
        record_problems = [Problem(p.message, draft.pointer + (p.pointer if p.pointer != "/" else "") or "/",
                                   p.source, p.hint, draft.line) for p in problems(record_data, name)]
        identifier = record_data.get("identifier")
        if isinstance(identifier, str) and identifier in seen:
            record_problems.append(Problem(f"identifier {identifier!r} is already used by the record at "
                                           f"{seen[identifier]}", f"{draft.pointer}/identifier", name,
                                           "give every record its own identifier", draft.line))
        elif isinstance(identifier, str):
            seen[identifier] = draft.pointer or (f"line {draft.line}" if draft.line else "/")
        found.extend(record_problems)
        if not record_problems:
            results.append(Ingested(Record.from_json(record_data), draft.warnings, draft.assets, draft.skipped))
    if found:
        raise RecordInvalid(found)
    return results


def _say_unread_sidecar(chosen: Any, drafts: list[Draft], name: str, neighbour: Neighbour | None) -> None:
    """A NAME.EXT.json beside a source of a kind that takes no such sidecar is W002: a folder given to
    ingest or build does not take it for a source (`sidecars`), so nothing else would say it was unread."""
    unread = PurePath(name).name + ".json"
    if neighbour is None or getattr(chosen, "READS_EXPORT_SIDECAR", False) or \
            PurePath(name).suffix.lower() not in EXPORT_SUFFIXES:
        return
    try:
        there = neighbour(unread) is not None
    except InputError:  # there, but not a file archiver reads: it is not read either
        there = True
    if there:
        drafts[0].warnings.append(ArchiverWarning(
            "W002", f"{unread} beside it was not read: only a metadata export takes a sidecar named after its whole "
            "file name", name, None))


def ingest(data: bytes, name: str, kind: str | None = None) -> list[tuple[Record, list[ArchiverWarning]]]:
    """Every record in one source, validated, with provenance filled in (without image files: use
    `read_source` to have them)."""
    return [(item.record, item.warnings) for item in read_source(data, name, kind)]

"""Ingest: any source a librarian has -> canonical records.

A reader is a module (or, written "module:NAME", an object in a module) with
    sniff(data: bytes, name: str) -> bool          # does this look like my kind? (content first)
    read(data: bytes, name: str) -> list[Draft]    # one Draft per article found
A reader that sets `USES_NEIGHBOURS = True` is also given `neighbour=`, a function returning the bytes of
a file next to the source by relative path (a manuscript's sidecar metadata and images), or None.
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
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any, Callable

from .. import __version__
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


@dataclass
class Ingested:
    """One valid record made from a source, its warnings and its image files."""
    record: Record
    warnings: list[ArchiverWarning]
    assets: dict[str, bytes]


#: kind -> reader, in the order content sniffing tries them (most specific first): a JATS article
#: (XML with an <article> root) before a saved HTML page; whole-page text (it needs the page's SYNOPSIS
#: and COMMENTARY marker lines) before a manuscript, which claims any .md/.docx/.odt.
READERS: dict[str, str] = {
    "jats": "archiver.ingest.jats",
    "html": "archiver.ingest.html",
    "pagetext": "archiver.ingest.pagetext",
    "manuscript": "archiver.ingest.manuscript",
    "json": "archiver.ingest.loose:JSON",
    "yaml": "archiver.ingest.loose:YAML",
    "csv": "archiver.ingest.loose:CSV",
}

Neighbour = Callable[[str], "bytes | None"]

#: files that sit beside sources (a saved page's images, style sheets, scripts and fonts in its
#: NAME_files/ folder) but are never sources: a folder given to ingest or build skips them
NOT_SOURCE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".tif", ".tiff", ".webp", ".bmp", ".ico",
                       ".css", ".js", ".woff", ".woff2", ".ttf", ".otf")

#: a manuscript's metadata may come from a sidecar NAME.json beside NAME.md / NAME.docx / NAME.odt
MANUSCRIPT_SUFFIXES = (".md", ".markdown", ".docx", ".odt")


def image_type(data: bytes) -> str | None:
    """The file type of a figure image the writers can embed ("png", "jpg"), from its first bytes."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpg"
    return None


def folder_reader(folder: Path) -> Neighbour:
    """Files next to a source, by relative path (a manuscript's sidecar and images); None for one that
    is not there or lies outside the folder. One that is there but is no regular file, or is larger
    than the sidecar limit, is refused (`bounded.Refused`), never read."""
    from ..bounded import read as read_bounded
    root = folder.resolve()

    def read(relative: str) -> bytes | None:
        try:
            target = (root / relative).resolve()
            if root not in target.parents or not os.path.lexists(target) or target.is_dir():
                return None
        except (OSError, ValueError):
            return None
        return read_bounded(target, "sidecar", str(folder / relative))
    return read


def sidecars(sources: set[Path]) -> set[Path]:
    """The .json files among (resolved) `sources` that are sidecars of a manuscript also among them,
    as `is_sidecar` decides it, in one pass (a batch of thousands: no look-up per file)."""
    stems = {p.with_suffix("") for p in sources if p.suffix.lower() in MANUSCRIPT_SUFFIXES}
    return {p for p in sources if p.suffix.lower() == ".json" and p.with_suffix("") in stems}


def is_sidecar(path: Path, sources: set[Path]) -> bool:
    """A .json whose manuscript (same name, manuscript suffix) is among the (resolved) sources: it is
    read with its manuscript, not as a source of its own."""
    return path.suffix.lower() == ".json" and \
        any(path.with_suffix(suffix).resolve() in sources for suffix in MANUSCRIPT_SUFFIXES)


def reader(kind: str) -> Any:
    module, _, attribute = READERS[kind].partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, attribute) if attribute else loaded


def check_size(size: int, name: str) -> None:
    """Refuse source bytes over the source limit (a caller that did not read them through `bounded`)."""
    from ..limits import ENVIRONMENT, byte_limit, describe
    if size > byte_limit("source"):
        raise InputError(f"{size:,} bytes is larger than the {describe(byte_limit('source'))} archiver "
                         "reads", source=name, hint="a commentary source is far smaller: check that this is the "
                         f"right file, or split it (or set {ENVIRONMENT['source']})")


def ingest_date() -> str:
    """The date a record is made: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    return (source_date_epoch() or datetime.now(timezone.utc)).date().isoformat()


def detect(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputError("the file is empty", source=name, hint="give a file with a commentary in it")
    for kind in READERS:
        if reader(kind).sniff(data, name):
            return kind
    raise InputError("not a source archiver recognises", source=name,
                     hint=f"give --from KIND (one of: {', '.join(READERS)}) if you know what it is")


def read_source(data: bytes, name: str, kind: str | None = None,
                neighbour: Neighbour | None = None) -> list[Ingested]:
    """Every record in one source, validated, with provenance filled in, and its image files."""
    if kind is not None and kind not in READERS:
        raise UsageError(f"unknown source kind {kind!r}", hint=f"use one of: {', '.join(READERS)}")
    check_size(len(data), name)
    try:
        return _read_source(data, name, kind, neighbour)
    except RecursionError:
        # pandoc's AST or a record nested thousands deep (">" repeated, "[[[[..."): no article is.
        raise InputError("the source is nested too deeply to be a commentary", source=name,
                         hint="check that this is the right file") from None


def _read_source(data: bytes, name: str, kind: str | None, neighbour: Neighbour | None) -> list[Ingested]:
    kind = kind or detect(data, name)
    chosen = reader(kind)
    if getattr(chosen, "USES_NEIGHBOURS", False):
        drafts = chosen.read(data, name, neighbour=neighbour)
    else:
        drafts = chosen.read(data, name)
    if not drafts:
        raise InputError("no record in it", source=name, hint="give at least one record")
    digest = hashlib.sha256(data).hexdigest()
    results, found, seen = [], [], {}
    for draft in drafts:
        record_data = dict(draft.data)
        # What this run did is a fact no source may override; a source's own remark is kept as the note.
        provenance = dict(record_data.get("provenance") or {})
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
            results.append(Ingested(Record.from_json(record_data), draft.warnings, draft.assets))
    if found:
        raise RecordInvalid(found)
    return results


def ingest(data: bytes, name: str, kind: str | None = None) -> list[tuple[Record, list[ArchiverWarning]]]:
    """Every record in one source, validated, with provenance filled in (without image files: use
    `read_source` to have them)."""
    return [(item.record, item.warnings) for item in read_source(data, name, kind)]

"""The plan of a batch build: the settings every worker gets, which sources are stale and which are
current against the build state (`plan`), and what came of each record (`Outcome`).

A record is up to date only if its source and the files read beside it, its images, the style
folder, the archiver version and the formats all still match the state, and every output is on disk
with its hash.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import __version__
from .buildsources import Shard, Source, _image_hashes, _neighbour_hashes, _sha256_file, source_digest, style_fingerprint
from .buildstate import BuildState
from .collection import Collection
from .errors import ArchiverError
from .writers import Format

Writer = Callable[[Path, bytes], None]
#: makes files a `Writer` wrote durable (the CLI gives `sync_files`); None when the writer syncs each
Syncer = Callable[[list[Path]], None]

@dataclass
class Outcome:
    """What happened to one record (or to a source that yielded no record)."""
    source: str
    status: str  # "built", "unchanged" or "failed"
    identifier: str | None = None
    #: output file name (relative to OUT) -> SHA-256
    outputs: dict[str, str] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    exit_code: int = 0
    #: output name -> the validators' verdicts (`buildchecks`), for outputs checked by --check
    checks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: the first page of the record's PDF (relative to OUT), made by --thumbnails or --check
    thumbnail: str | None = None
    #: the pages the record's source (a web archive) made no record of, by kind; the same for every
    #: record of the source, so the reports count them per source, not in the record's JSON
    skipped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "identifier": self.identifier, "status": self.status,
                                "outputs": dict(sorted(self.outputs.items())),
                                "warnings": self.warnings, "errors": self.errors}
        if self.exit_code:
            data["exit_code"] = self.exit_code
        if self.checks:
            data["checks"] = self.checks
        if self.thumbnail:
            data["thumbnail"] = self.thumbnail
        return data


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs, sent once when it starts (all of it picklable)."""
    out_dir: Path
    formats: tuple[Format, ...]
    style: str
    style_sha256: str
    strict: bool
    write: Writer
    #: formats named by name rather than through a group: for these an unmet precondition (Crossref
    #: without a DOI) is the record's error, for the others it only skips the format with W009
    named: frozenset[str] = frozenset()
    #: the collection's defaults (--collection), given to every reader
    collection: Collection | None = None
    #: --check: run the field's validators on what was written; --thumbnails (or --check): picture
    #: the PDF's first page. Neither is part of `record_key`: a record built without them is made
    #: again (the same bytes) only when a run asks for what its entry lacks.
    check: bool = False
    thumbnails: bool = False
    #: when this run was planned (time.time()): temporaries older than that are a killed run's
    started: float = 0.0
    #: called once on a record's files after all are written, before the worker reports them
    sync: Syncer | None = None

    def record_key(self) -> dict[str, Any]:
        """The parts of a record's state entry that do not depend on the record (a changed collection
        file rebuilds its records)."""
        key = {"archiver_version": __version__, "style_sha256": self.style_sha256,
               "formats": sorted(f"{f.name}:{f.filename}" for f in self.formats)}
        # None without a collection: an entry from before collections existed reads the same
        key["collection_sha256"] = self.collection.sha256 if self.collection is not None else None
        return key


@dataclass
class Plan:
    settings: Settings
    #: "" or the shard's "-K-of-N": which state of OUT this run keeps
    suffix: str
    todo: list[Source]
    #: sources whose records are all current (their entries stay in the state)
    unchanged: list[Source]


def _up_to_date(source: Source, entry: Any, settings: Settings) -> bool:
    try:
        return _matches(source, entry, settings)
    except (AttributeError, KeyError, TypeError):  # a damaged or hand-edited state entry: rebuild
        return False
    except ArchiverError:  # a file beside the source is now refused: the rebuild reports it
        return False


def _matches(source: Source, entry: Any, settings: Settings) -> bool:
    if not entry or not entry.get("records"):
        return False
    neighbours = _neighbour_hashes(source.path.parent, entry.get("neighbours", ()))
    if source_digest(source.path, neighbours) != entry.get("sha256"):
        return False
    expected = settings.record_key()
    for record in entry["records"].values():
        if any(record.get(name) != value for name, value in expected.items()):
            return False
        if _image_hashes(record.get("images", {}), source.path.parent) != record.get("images", {}):
            return False
        if not record["outputs"]:  # every build writes at least the record: a damaged entry
            return False
        for name, digest in record["outputs"].items():
            if _sha256_file(settings.out_dir / name) != digest:
                return False
        if settings.check and "checks" not in record:
            return False
        if settings.thumbnails and any(name.endswith(".pdf") for name in record["outputs"]):
            thumbnail = record.get("thumbnail")
            if not thumbnail or _sha256_file(settings.out_dir / thumbnail["name"]) != thumbnail["sha256"]:
                return False
    return True


# Planning ----------------------------------------------------------------------------------------

def plan(sources: list[Source], out_dir: Path, formats: list[Format], style: str, *,
         strict: bool, write: Writer, shard: Shard | None = None, named: Iterable[str] = (),
         collection: Collection | None = None, sync: Syncer | None = None, check: bool = False,
         thumbnails: bool = False) -> Plan:
    """Split the sources (of this shard) into those to build and those whose outputs are current."""
    from .style import load_style

    brand = load_style(style)
    settings = Settings(out_dir=out_dir.resolve(), formats=tuple(formats), style=style,
                        style_sha256=style_fingerprint(brand.folder), strict=strict, write=write,
                        named=frozenset(named), collection=collection, check=check,
                        thumbnails=thumbnails or check, started=time.time(), sync=sync)
    if shard is not None:
        sources = [s for s in sources if shard.holds(s)]
    suffix = shard.suffix if shard else ""
    state = BuildState(settings.out_dir, suffix, readonly=True)
    try:
        todo: list[Source] = []
        unchanged: list[Source] = []
        for source in sources:
            (unchanged if _up_to_date(source, state.entry(source.key), settings) else todo).append(source)
    finally:
        state.close()
    return Plan(settings, suffix, todo, unchanged)

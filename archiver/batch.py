"""Batch builds: many sources -> ingest -> validate -> convert, in a pool of long-lived workers,
incremental (content hashes in the build state), crash-safe (atomic files, a state that never claims
an output before it is on disk), resumable and shardable (issue 8).

The library prints nothing: `plan()` says what is stale, `run()` yields one `Outcome` per record as
it completes, and the caller shows progress and writes the report.

Who writes the files: the workers do, through the `write` function they are given (the CLI gives
`write_unsynced`: temporary name, rename), then make a record's files durable with one `sync` (the
CLI's `sync_files`: one syncfs). Each worker writes only its own record's folder, so the file system
work runs in parallel and no output bytes cross a pipe; a worker reports a record only after every
one of its files is renamed into place and synced, and only the parent
writes the build state, from those reports. So a kill at any moment leaves, for each file, either the
old complete file, the new complete file, or a hidden `.NAME.*.part` temporary; and the state claims
only files that were complete when it was committed. A complete file the state does not claim is
rebuilt (to the same bytes) by the next run.

The state (`archiver.buildstate`: SQLite in OUT, one per shard) holds per source the SHA-256 of its
bytes and, per record identifier, the SHA-256 of its figure images, of the style folder, the archiver
version, the formats and each output's SHA-256. A record is up to date only if all of these still
match and every output is on disk with its hash. The parent keeps no list of the batch in memory: the
outcomes of a run go into the state as they come, and the reports are streamed from there.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import signal
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import __version__, bounded
from .buildstate import BuildState
from .errors import (ArchiverError, ArchiverWarning, ConversionError, InputError, Problem, RecordInvalid,
                     StrictWarnings, UsageError)
from .collection import Collection
from .writers import Format

#: how often (seconds) the parent commits the state during a run (a commit is one sync of SQLite's
#: write-ahead log); it always commits at the end and on the way out of an interrupted run
STATE_COMMIT_INTERVAL = 0.25

Writer = Callable[[Path, bytes], None]
#: makes files a `Writer` wrote durable (the CLI gives `sync_files`); None when the writer syncs each
Syncer = Callable[[list[Path]], None]


@dataclass(frozen=True)
class Source:
    #: stable name of the source: its path relative to the working folder (absolute if outside it)
    key: str
    path: Path


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    @classmethod
    def parse(cls, text: str) -> "Shard":
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise UsageError(f"--shard {text!r} is not K/N", hint="e.g. --shard 2/4 (K from 1 to N)") from None
        if not 1 <= index <= count:
            raise UsageError(f"--shard {text!r}: K must be between 1 and N", hint="e.g. --shard 2/4")
        return cls(index, count)

    def holds(self, source: Source) -> bool:
        # A content-free, platform-free hash of the key, so every machine agrees on the split.
        digest = hashlib.sha256(source.key.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    @property
    def suffix(self) -> str:
        return f"-{self.index}-of-{self.count}"


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

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"source": self.source, "identifier": self.identifier, "status": self.status,
                                "outputs": dict(sorted(self.outputs.items())),
                                "warnings": self.warnings, "errors": self.errors}
        if self.exit_code:
            data["exit_code"] = self.exit_code
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


# Discovery, sharding and fingerprints -------------------------------------------------------------

def discover(paths: Iterable[str], out_dir: Path) -> list[Source]:
    """Files named, plus every file inside folders named (hidden files, files that are never sources
    such as images, the output folder, and manuscripts' sidecars skipped), in a stable order without
    duplicates. Each file is resolved once."""
    from .ingest import NOT_SOURCE_SUFFIXES, sidecars

    out = out_dir.resolve()
    cwd = Path.cwd().resolve()
    found: dict[str, tuple[Source, Path]] = {}
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files = [(p, p.resolve()) for p in sorted(path.rglob("*"))
                     if not any(part.startswith(".") for part in p.relative_to(path).parts)
                     and not p.name.lower().endswith(NOT_SOURCE_SUFFIXES) and p.is_file()]
            files = [(p, real) for p, real in files if not real.is_relative_to(out)]
        else:
            files = [(path, path.resolve())]
        for file, real in files:
            absolute = Path(os.path.abspath(file))
            key = absolute.relative_to(cwd).as_posix() if absolute.is_relative_to(cwd) else absolute.as_posix()
            found.setdefault(key, (Source(key, file), real))
    skipped = sidecars({real for _, real in found.values()})
    return sorted((source for source, real in found.values() if real not in skipped), key=lambda s: s.key)


def _sha256_file(path: Path) -> str | None:
    """The SHA-256 of an output or style file, streamed; None when it is missing or no regular file
    (a FIFO put in its place must not hang the planning)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def style_fingerprint(folder: Path) -> str:
    """SHA-256 over every file of a style folder (names and contents), so any edit rebuilds."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update((_sha256_file(path) or "unreadable").encode("ascii") + b"\n")
    return digest.hexdigest()


def source_digest(path: Path, neighbours: Mapping[str, str | None], data: bytes | None = None) -> str | None:
    """SHA-256 of a source and of the files beside it that its reader read (`neighbours`: relative
    path -> SHA-256, None for one that was missing): the records are made from all of them, so a
    change to any rebuilds them, and so does a missing file that appears."""
    from .ingest import byte_kind
    try:
        digest = hashlib.sha256(bounded.read(path, byte_kind(path.name)) if data is None else data)
    except bounded.Refused:
        return None
    for relative in sorted(neighbours):
        found = neighbours[relative]
        digest.update(b"\0" + relative.encode("utf-8") + b"\0")
        digest.update(b"-" if found is None else b"+" + bytes.fromhex(found))
    return digest.hexdigest()


def _neighbour_hashes(folder: Path, names: Iterable[str]) -> dict[str, str | None]:
    """The SHA-256 of files beside a source as its reader sees them (see `ingest.folder_reader`)."""
    from .ingest import folder_reader

    nearby = folder_reader(folder)
    return {name: _sha256(nearby(name)) for name in names}


def _sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _image_hashes(record_images: Iterable[str], base: Path) -> dict[str, str | None]:
    # as `convert.read_assets` reads them: an image it refuses (too large, a FIFO) hashes as missing
    return {image: bounded.sha256(base / image, "image") for image in sorted(set(record_images))}


# The state ---------------------------------------------------------------------------------------

def _lock_path(out_dir: Path, suffix: str) -> Path:
    return out_dir / f".archiver-state{suffix}.lock"


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
    return True


# Planning ----------------------------------------------------------------------------------------

def plan(sources: list[Source], out_dir: Path, formats: list[Format], style: str, *,
         strict: bool, write: Writer, shard: Shard | None = None, named: Iterable[str] = (),
         collection: Collection | None = None, sync: Syncer | None = None) -> Plan:
    """Split the sources (of this shard) into those to build and those whose outputs are current."""
    from .style import load_style

    brand = load_style(style)
    settings = Settings(out_dir=out_dir.resolve(), formats=tuple(formats), style=style,
                        style_sha256=style_fingerprint(brand.folder), strict=strict, write=write,
                        named=frozenset(named), collection=collection, started=time.time(), sync=sync)
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


# The worker --------------------------------------------------------------------------------------

_settings: Settings | None = None
_style = None
_broken_format: ConversionError | None = None


def _start_worker(settings: Settings, parent: int) -> None:
    """A pool worker: dies with its parent, then loads what every record needs."""
    _die_with(parent)
    load_worker(settings)


def load_worker(settings: Settings, refused: ConversionError | None = None) -> None:
    """Load the style, the record schema and every writer module once per worker process (a pool's
    or a Dask cluster's); a worker `refused` fails every record with that error instead."""
    global _settings, _style, _broken_format
    from .record import problems
    from .style import load_style

    _settings = settings
    if refused is not None:
        _broken_format = refused
        return
    _style = load_style(settings.style)
    problems({})  # compiles both record validators: the fast one and the one that explains
    for fmt in settings.formats:
        try:
            fmt.renderer()
        except Exception as exc:  # noqa: BLE001 - reported per record instead of a dead pool
            _broken_format = ConversionError(
                f"the {fmt.name} writer cannot be loaded: {type(exc).__name__}: {exc}",
                hint="run `make setup` to install archiver's dependencies")
            return


def _die_with(parent: int) -> None:
    # A worker whose parent was SIGKILLed would wait on its task queue forever (it holds the queue's
    # other end itself): on Linux ask the kernel to kill it with its parent.
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _read_records(data: bytes, source: Source, neighbours: dict[str, str | None],
                  collection: Collection | None = None) -> list[tuple[Any, list[ArchiverWarning], dict[str, bytes]]]:
    """(record, warnings, images the reader supplied) for each record of a source. A canonical record
    (`.json` with a schema_version) takes the fast path; all else is ingested, and the SHA-256 of
    each file its reader reads beside the source (None: not there) goes into `neighbours`."""
    from .ingest import folder_reader, read_source
    from .record import validate
    from .strictparse import BadData, loads

    name = source.key
    if source.path.suffix.lower() == ".json":
        try:
            parsed = loads(data.decode("utf-8-sig"), name)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name} is not UTF-8 text: {exc}", source=name,
                             hint="save the record as UTF-8 JSON") from None
        except BadData as bad:  # not JSON, NaN, a 5,000-digit number, nesting too deep
            raise RecordInvalid([bad.problem]) from None
        if isinstance(parsed, dict) and "schema_version" in parsed:
            return [(validate(parsed, name), [], {})]
    nearby = folder_reader(source.path.parent)

    def neighbour(relative: str) -> bytes | None:
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:  # a name no file can have; it could not be kept in the state
            return None
        content = nearby(relative)
        neighbours[relative] = _sha256(content)
        return content

    return [(item.record, item.warnings, item.assets)
            for item in read_source(data, name, neighbour=neighbour, collection=collection)]


def _output_path(out_dir: Path, identifier: str, name: str) -> Path:
    target = (out_dir / identifier / name).resolve()
    if out_dir not in target.parents:
        raise UsageError(f"refusing to write outside {out_dir}: {identifier}/{name}",
                         hint="identifiers and image paths must stay inside the output folder")
    return target


def build_source(source: Source) -> tuple[dict[str, Any] | None, list[Outcome], dict[str, Any]]:
    """Build every record of one source; returns the source's fingerprint (its SHA-256 with the files
    read beside it, and their names), outcomes and state records."""
    from .convert import applicable, convert, decodable, read_assets
    from .ingest import byte_kind

    settings = _settings
    assert settings is not None and _style is not None, "worker not started"
    if _broken_format is not None:
        return None, [_failed(source, None, _broken_format)], {}
    try:
        data = bounded.read(source.path, byte_kind(source.key), source.key)
    except bounded.Refused as error:
        return None, [_failed(source, None, error)], {}
    neighbours: dict[str, str | None] = {}
    try:
        records = _read_records(data, source, neighbours, settings.collection)
    except ArchiverError as error:
        return None, [_failed(source, None, error)], {}
    fingerprint = {"sha256": source_digest(source.path, neighbours, data), "neighbours": sorted(neighbours)}
    outcomes: list[Outcome] = []
    entries: dict[str, Any] = {}
    for record, read_warnings, supplied in records:
        identifier = record.identifier
        try:
            read, asset_warnings = read_assets(record, source.path.parent, supplied)
            assets, damaged = decodable(record, read)
            asset_warnings += damaged
            warnings = [*read_warnings, *_sourced(asset_warnings, source)]
            wanted, skipped = applicable(record, settings.formats, settings.named, _style, source.key)
            warnings += skipped
            _fatal_if_strict(warnings, settings, source)  # before spending a conversion on the record
            outputs, rendered = convert(record, wanted, _style, assets)
            warnings += _sourced(rendered, source)
            _fatal_if_strict(warnings, settings, source)
            targets = {name: _output_path(settings.out_dir, identifier, name) for name in outputs}
            _clear_temporaries(settings.out_dir / identifier, settings.started)
            hashes = _write_all(settings.write, identifier, outputs, targets, settings.sync)
        except ArchiverError as error:
            outcomes.append(_failed(source, identifier, error))
            continue
        warning_data = [w.to_json() for w in warnings]
        outcomes.append(Outcome(source.key, "built", identifier, hashes, warnings=warning_data))
        # The images read from disk for this build (None: missing), so a later change is noticed (a
        # damaged one replaced, too); the images a reader took from the source change only with it.
        images = {image: _sha256(read.get(image))
                  for image in sorted({f.image for f in record.figures() if f.image} - set(supplied))}
        entries[identifier] = {**settings.record_key(), "outputs": hashes, "warnings": warning_data,
                               "images": images}
    return fingerprint, outcomes, entries


def _sourced(warnings: list[ArchiverWarning], source: Source) -> list[ArchiverWarning]:
    return [ArchiverWarning(w.code, w.message, w.source or source.key, w.pointer) for w in warnings]


def _fatal_if_strict(warnings: list[ArchiverWarning], settings: Settings, source: Source) -> None:
    if warnings and settings.strict:
        raise StrictWarnings("warnings are fatal under --strict", problems=[
            Problem(f"warning {w.code}: {w.message}", w.pointer, source.key) for w in warnings])


def _write_all(write: Writer, identifier: str, outputs: dict[str, bytes],
               targets: dict[str, Path], sync: Syncer | None = None) -> dict[str, str]:
    """Write a record's files, then make them durable together (one `sync`), so the parent, which
    records them in the state only from this worker's report, never claims a file not on disk. If
    one cannot be written or synced, remove those already written, so a failed record leaves no
    partial set behind."""
    hashes: dict[str, str] = {}
    written: list[Path] = []
    try:
        for name in sorted(outputs):
            write(targets[name], outputs[name])
            written.append(targets[name])
            hashes[f"{identifier}/{name}"] = hashlib.sha256(outputs[name]).hexdigest()
        if sync is not None:
            sync(written)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise ConversionError(f"cannot write the outputs of {identifier}: {exc}",
                              hint="check the free space and permissions of the output folder") from None
    return hashes


def _clear_temporaries(folder: Path, before: float) -> None:
    """Remove the temporaries a killed run left in a record's folder. Only those older than this run:
    another worker of this run may be writing the same folder (two sources giving one identifier,
    which the parent then refuses), and its files must not vanish under it."""
    for leftover in folder.rglob(".*.part"):
        try:
            if leftover.stat().st_mtime < before:
                leftover.unlink(missing_ok=True)
        except FileNotFoundError:
            continue


def _failed(source: Source, identifier: str | None, error: ArchiverError) -> Outcome:
    problems = [p if p.source else Problem(p.message, p.pointer, source.key, p.hint, p.line)
                for p in error.problems]
    return Outcome(source.key, "failed", identifier, errors=[p.to_json() for p in problems],
                   exit_code=error.exit_code)


# Running -----------------------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """One run at a time per state (shards each have their own): a second run fails fast."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(f"another build is writing {lock.parent}",
                             hint="wait for it to finish, or give each concurrent run its own --shard") from None
        yield


#: runs sources popped from a queue, yielding (source, result, an exception, or CRASHED)
Engine = Callable[["Settings", list[Source], int, int], Iterator[tuple[Source, Any]]]


@contextlib.contextmanager
def session(plan: Plan) -> Iterator[BuildState]:
    """A run's hold on OUT: the lock (one run at a time per state; shards each have their own) and
    this shard's state, committed and closed on the way out, also on Ctrl-C."""
    with _locked(_lock_path(plan.settings.out_dir, plan.suffix)):
        state = BuildState(plan.settings.out_dir, plan.suffix)
        try:
            yield state
        finally:
            state.close()


def run(plan: Plan, jobs: int, state: BuildState, engine: Engine | None = None) -> Iterator[Outcome]:
    """Yield the unchanged records, then each built or failed record as its worker finishes; each
    outcome is also kept in `state` (`state.outcomes()` gives them in order for the reports).

    Workers start once and at most `jobs * 4` sources are in flight, so memory stays flat whatever
    the batch size. A worker that dies (a crash in a native library, the OOM killer) takes the sources
    in flight with it; the pool restarts for the rest, and those sources are retried at the end, each
    alone in a fresh worker, so only the culprit fails. `engine` runs the sources elsewhere (a Dask
    cluster: `archiver.daskengine`) under the same contract as the built-in pool."""
    settings = plan.settings
    execute = engine or _execute
    state.start_run()
    state.keep_only(source.key for source in (*plan.todo, *plan.unchanged))
    for source in plan.todo:  # the state must not claim the files the rebuild is about to replace
        state.set_aside(source.key)
    # identifiers two sources of this run gave: neither is trusted
    contested: set[str] = set()
    # identifier -> the outputs an earlier build wrote under it, for sources now built under
    # another identifier (a corrected identifier); removed once the whole run has settled
    superseded: dict[str, Any] = {}
    last_commit = time.monotonic()

    def keep(outcomes: list[Outcome]) -> list[Outcome]:
        nonlocal last_commit
        for outcome in outcomes:
            state.add_outcome(outcome.to_json())
        if time.monotonic() - last_commit >= STATE_COMMIT_INTERVAL:
            state.commit()
            last_commit = time.monotonic()
        return outcomes

    def settle(source: Source, result: Any) -> list[Outcome]:
        if isinstance(result, BaseException):
            fingerprint, entries = None, {}
            outcomes = [_failed(source, None, ArchiverError(
                f"internal error: {type(result).__name__}: {result}", source=source.key,
                hint="a bug in archiver: please report it with this source"))]
        else:
            fingerprint, outcomes, entries = result
        outcomes = _check_duplicates(source, outcomes, entries, state, contested)
        if fingerprint and entries and all(o.status == "built" for o in outcomes):
            state.put(source.key, {**fingerprint, "records": entries})
            previous = state.earlier(source.key)
            if previous is not None:
                state.forget_earlier(source.key)
            earlier = _earlier_outputs(previous)
            _remove_stale(settings.out_dir, earlier, entries)
            superseded.update((i, outputs) for i, outputs in earlier.items() if i not in entries)
        return keep(outcomes)

    for source in plan.unchanged:
        entry = state.entry(source.key)
        if state.entry_here(source.key) is None:  # current in another shard's state: keep it here too
            state.put(source.key, entry)
        yield from keep([Outcome(source.key, "unchanged", identifier, dict(record["outputs"]),
                                 warnings=list(record.get("warnings", [])))
                         for identifier, record in sorted(entry["records"].items())])
    state.commit()
    queue = list(reversed(plan.todo))
    suspects: list[Source] = []
    while queue:
        for source, result in execute(settings, queue, jobs, jobs * 4):
            if result is CRASHED:
                suspects.append(source)
            else:
                yield from settle(source, result)
    for suspect in suspects:
        for source, result in execute(settings, [suspect], 1, 1):
            if result is CRASHED:
                result = (None, [_failed(source, None, ArchiverError(
                    f"the worker converting {source.key} died (a crash or the out-of-memory killer)",
                    source=source.key, hint="rerun; if it recurs, report the source as a bug"))], {})
            yield from settle(source, result)
    state.commit()
    for identifier in sorted(superseded):
        if not state.claimed_anywhere(identifier):
            _remove_superseded(settings.out_dir, identifier, superseded[identifier])


#: the result of a source whose worker died while building it
CRASHED = object()


def _execute(settings: Settings, queue: list[Source], jobs: int, window: int) -> Iterator[tuple[Source, Any]]:
    """Build sources popped from `queue` on a fresh pool, yielding (source, result or exception); if a
    worker dies, yield (source, CRASHED) for every source in flight and stop, leaving the rest queued."""
    pool = _pool(settings, jobs, len(queue))
    in_flight: dict[cf.Future, Source] = {}
    try:
        while queue or in_flight:
            while queue and len(in_flight) < window:
                source = queue.pop()
                in_flight[pool.submit(build_source, source)] = source
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                try:
                    result = future.result()
                except cf.process.BrokenProcessPool:
                    raise
                except Exception as exc:  # noqa: BLE001 - a reader's bug fails its source only
                    result = exc
                yield in_flight.pop(future), result
    except cf.process.BrokenProcessPool:
        for source in in_flight.values():
            yield source, CRASHED
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(settings: Settings, jobs: int, work: int) -> cf.ProcessPoolExecutor:
    # fork: workers inherit the parent's imports, so they start in milliseconds; the executor forks
    # every worker before it starts its own thread.
    return cf.ProcessPoolExecutor(max_workers=max(1, min(jobs, work)),
                                  mp_context=multiprocessing.get_context("fork"),
                                  initializer=_start_worker, initargs=(settings, os.getpid()))


def _earlier_outputs(previous: Any) -> dict[str, dict[str, str]]:
    """identifier -> {output name: SHA-256} of a source's earlier build ({} when there was none, or
    its state entry is damaged)."""
    try:
        earlier = {identifier: dict(record["outputs"]) for identifier, record in previous["records"].items()}
    except (AttributeError, KeyError, TypeError, ValueError):
        return {}
    return {identifier: outputs for identifier, outputs in earlier.items()
            if isinstance(identifier, str) and all(isinstance(name, str) for name in outputs)}


def _remove_stale(out_dir: Path, earlier: dict[str, dict[str, str]], entries: dict[str, Any]) -> None:
    """Remove the files an earlier build of these records wrote and this one did not (a figure
    dropped from the record or lost from beside its page, a format no longer asked for), so that
    OUT/<identifier>/ holds what the report lists. Only files the state says archiver wrote are
    removed; nothing else in OUT is touched."""
    for identifier, entry in entries.items():
        for name in sorted(earlier.get(identifier, {}).keys() - set(entry["outputs"])):
            remove_output(out_dir, identifier, name)


def _remove_superseded(out_dir: Path, identifier: str, outputs: dict[str, str]) -> None:
    """Remove what an earlier build wrote under an identifier its source no longer has and no source
    claims, so that `archiver package OUT/*` does not deposit the record twice. Only while the
    folder's record is still the one that build wrote (else another run has written it since), and
    only files that still hold what that build wrote."""
    record = f"{identifier}/{identifier}.json"
    if record not in outputs or _sha256_file(out_dir / record) != outputs[record]:
        return
    for name in sorted(outputs, key=lambda name: name == record):  # the record last: a crash midway
        if _sha256_file(out_dir / name) == outputs[name]:      # leaves the folder recognisable
            remove_output(out_dir, identifier, name)


def remove_output(out_dir: Path, identifier: str, name: str) -> None:
    """Remove OUT/`name` if it is a file inside OUT/<identifier>/, then the folders it leaves empty
    (OUT/<identifier>/ too). A symlink or a folder is left: archiver writes neither."""
    if (out_dir / name).is_symlink() or not (out_dir / name).is_file():
        return
    path = (out_dir / name).resolve()
    folder = (out_dir / identifier).resolve()
    if folder.parent != out_dir or folder not in path.parents:  # a hand-edited state: "../x"
        return
    path.unlink(missing_ok=True)
    for parent in path.parents:
        if parent == out_dir or any(parent.iterdir()):
            break
        parent.rmdir()


def _check_duplicates(source: Source, outcomes: list[Outcome], entries: dict[str, Any], state: BuildState,
                      contested: set[str]) -> list[Outcome]:
    """Two sources with one identifier would overwrite each other's folder: fail the later one and
    unclaim both, so neither is trusted until the identifiers are made unique."""
    checked = []
    for outcome in outcomes:
        if outcome.status != "built":
            checked.append(outcome)
            continue
        owner = state.owner(outcome.identifier)
        if outcome.identifier in contested or (owner is not None and owner != source.key):
            if owner is not None and owner != source.key:
                state.drop(owner)
            contested.add(outcome.identifier)
            entries.pop(outcome.identifier, None)
            outcome = _failed(source, outcome.identifier, InputError(
                f"identifier {outcome.identifier} is also the identifier of {owner or 'another source'}; "
                f"OUT/{outcome.identifier}/ holds whichever was written last", source=source.key,
                hint="give every record its own identifier"))
        checked.append(outcome)
    return checked


def report_head(settings: Settings, counts: dict[str, int]) -> dict[str, Any]:
    """The batch report without its records (deterministic: no timings)."""
    return {"archiver_version": __version__, "style": settings.style,
            "formats": [f.name for f in settings.formats], "counts": counts}


def report_json(head: dict[str, Any], records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """report.json in pieces, record by record: the text `json.dumps(report, indent=2)` gives for
    the head with `"records"` added at its end."""
    text = json.dumps({**head, "records": []}, ensure_ascii=False, indent=2)
    opening, closing = text.rsplit('"records": []', 1)
    yield opening + '"records": ['
    first = True
    for record in records:
        body = json.dumps(record, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        yield ("\n    " if first else ",\n    ") + body
        first = False
    yield ("]" if first else "\n  ]") + closing

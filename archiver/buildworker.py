"""The worker of a batch build: what each pool (or Dask) worker process loads once (`load_worker`) and
does per source (`build_source`): read the source, validate and convert each of its records, and
write the record's files into OUT/<identifier>/ through the `write` function of the settings. A task
of the built-in pool is a few sources (`build_sources`): the files of all its records are made durable
with one call of the settings' `sync` before the task reports them to the parent, which alone writes
the build state (a Dask task, one source, syncs each record's files); then the worker hands its free
heap pages back to the system, so its memory stays flat over a long batch.
A pool worker also has a CPU budget for reading each source and for converting each record
(`_allow_cpu`): past it the kernel ends the worker, and the parent treats it as any lost worker.
"""

from __future__ import annotations

import hashlib
import math
import os
import resource
import signal
from pathlib import Path
from typing import Any, Iterable

from . import bounded
from .buildplan import Outcome, Settings, Syncer, Writer
from .buildsources import Source, _sha256, source_digest
from .collection import Collection
from .errors import (ArchiverError, ArchiverWarning, ConversionError, InputError, Problem, RecordInvalid,
                     StrictWarnings, UsageError)
from .limits import byte_limit, time_limit

_settings: Settings | None = None
_style = None
_broken_format: ConversionError | None = None
#: Ctrl-C reached this worker: it hands back what it has built and takes no more
_interrupted = False
#: a pool task is running in this worker: Ctrl-C stops it there (`_on_interrupt`)
_building = False
#: seconds of CPU a pool worker may spend reading a source or converting one record; None on Dask,
#: whose tasks share their process with others, so a process-wide limit would end them all
_cpu_budget: int | None = None


class Unbuilt:
    """The result of a source a worker did not build because Ctrl-C reached it: the parent takes it as
    the run's interruption, even when its own Ctrl-C was lost (sent to the workers alone, or raised
    inside one of the parent's finalizers, where Python drops it), instead of carrying on without
    the source."""


def _start_worker(settings: Settings, parent: int) -> None:
    """A pool worker: dies with its parent, then loads what every record needs."""
    global _cpu_budget
    _die_with(parent)
    signal.signal(signal.SIGINT, _on_interrupt)
    _cpu_budget = time_limit("record_cpu_seconds")
    # Ended by the kernel at its budget (SIGXCPU), a worker leaves no core file in the working folder.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    load_worker(settings)


def _on_interrupt(signum: int, frame: Any) -> None:
    """Ctrl-C in a pool worker: remembered, so the worker builds nothing more, and raised only inside a
    task. Raised between tasks, it would end the worker in the executor's own loop, which the parent
    takes for a crash and answers by building the sources again in a fresh pool."""
    global _interrupted
    _interrupted = True
    if _building:
        raise KeyboardInterrupt


def _allow_cpu(size: int = 0) -> None:
    """Give the work that follows `_cpu_budget` more seconds of CPU (RLIMIT_CPU), once more for each
    source limit's worth of bytes in `size` beyond the first (reading a web archive reads its many
    pages). Past them the kernel ends the worker with SIGXCPU, even inside a native library's loop or
    a regular expression that no Python signal handler would interrupt; the parent retries the
    sources the worker held, each alone, and fails the one that kills a worker twice, as for a worker
    lost to a crash."""
    if _cpu_budget is None:
        return
    user, system = os.times()[:2]
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    soft = math.ceil(user + system) + _cpu_budget * max(1, math.ceil(size / byte_limit("source")))
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


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
    if settings.check or settings.thumbnails:
        from .buildchecks import prepare
        try:
            prepare(settings.check, settings.thumbnails)
        except Exception as exc:  # noqa: BLE001 - as a writer that cannot be loaded
            _broken_format = ConversionError(
                f"the validators of --check or PDFium cannot be loaded: {type(exc).__name__}: {exc}",
                hint="run `make setup` (or pip install 'archiver[check]')")


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
                  collection: Collection | None = None
                  ) -> list[tuple[Any, list[ArchiverWarning], dict[str, bytes], dict[str, int]]]:
    """(record, warnings, images the reader supplied, the source's skipped pages by kind) for each
    record of a source. A canonical record (`.json` with a schema_version) takes the fast path; all
    else is ingested, and the SHA-256 of each file its reader reads beside the source (None: not
    there) goes into `neighbours`."""
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
            return [(validate(parsed, name), [], {}, {})]
    nearby = folder_reader(source.path.parent)

    def neighbour(relative: str) -> bytes | None:
        try:
            relative.encode("utf-8")
        except UnicodeEncodeError:  # a name no file can have; it could not be kept in the state
            return None
        # Until read, the file counts as missing: one refused (a FIFO the reader's W003 names) that is
        # later replaced by a real file then changes the fingerprint, and the source is built again.
        neighbours[relative] = None
        content = nearby(relative)
        neighbours[relative] = _sha256(content)
        return content
    neighbour.why_missing = nearby.why_missing  # type: ignore[attr-defined]  # W003 says why (ingest.asset)

    return [(item.record, item.warnings, item.assets, item.skipped)
            for item in read_source(data, name, neighbour=neighbour, collection=collection)]


def _output_path(out_dir: Path, identifier: str, name: str) -> Path:
    target = (out_dir / identifier / name).resolve()
    if out_dir not in target.parents:
        raise UsageError(f"refusing to write outside {out_dir}: {identifier}/{name}",
                         hint="identifiers and image paths must stay inside the output folder")
    return target


def _output_paths(out_dir: Path, identifier: str, names: Iterable[str]) -> dict[str, Path]:
    """`_output_path` of each name, the record's folder resolved once (a dozen resolves a record, each
    a system call per component): a name that is one plain component lands in that folder (a symlink
    of that name is replaced by the atomic rename, never followed); any other name is resolved whole."""
    folder = (out_dir / identifier).resolve()
    inside = folder == out_dir or out_dir in folder.parents
    return {name: folder / name if inside and "/" not in name and name not in (".", "..", "")
            else _output_path(out_dir, identifier, name) for name in names}


def build_source(source: Source, unsynced: list[Path] | None = None
                 ) -> tuple[dict[str, Any] | None, list[Outcome], dict[str, Any]]:
    """Build every record of one source; returns the source's fingerprint (its SHA-256 with the files
    read beside it, and their names), outcomes and state records. Each record's files are made durable
    together (one `sync`) before it is reported, or, given `unsynced`, added to it for the caller to
    make durable with those of the other sources of its task (`build_sources`)."""
    from .convert import applicable, convert, decodable, read_assets
    from .ingest import byte_kind

    settings = _settings
    assert settings is not None, "worker not started"
    if _broken_format is not None:  # before the style: a refused Dask worker has loaded none
        return None, [_failed(source, None, _broken_format)], {}
    assert _style is not None, "worker not started"
    try:
        data = bounded.read(source.path, byte_kind(source.key), source.key)
    except bounded.Refused as error:
        return None, [_failed(source, None, error)], {}
    neighbours: dict[str, str | None] = {}
    _allow_cpu(len(data))
    try:
        records = _read_records(data, source, neighbours, settings.collection)
    except ArchiverError as error:
        return None, [_failed(source, None, error)], {}
    fingerprint = {"sha256": source_digest(source.path, neighbours, data), "neighbours": sorted(neighbours)}
    outcomes: list[Outcome] = []
    entries: dict[str, Any] = {}
    for record, read_warnings, supplied, passed_over in records:
        _allow_cpu()
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
            targets = _output_paths(settings.out_dir, identifier, outputs)
            _clear_temporaries(settings.out_dir / identifier, settings.started)
            hashes = _write_all(settings.write, identifier, outputs, targets,
                                settings.sync if unsynced is None else None)
            checks, thumbnail, looked = _look(settings, record, wanted, outputs, source)
            warnings += looked
            if looked and settings.strict:  # a failed check under --strict: the record leaves nothing
                for path in targets.values():
                    path.unlink(missing_ok=True)
                _fatal_if_strict(warnings, settings, source)
        except ArchiverError as error:
            outcomes.append(_failed(source, identifier, error))
            continue
        if unsynced is not None:
            unsynced.extend(targets.values())
        warning_data = [w.to_json() for w in warnings]
        outcomes.append(Outcome(source.key, "built", identifier, hashes, warnings=warning_data, checks=checks,
                                thumbnail=thumbnail["name"] if thumbnail else None, skipped=passed_over))
        # The images read from disk for this build (None: missing), so a later change is noticed (a
        # damaged one replaced, too); the images a reader took from the source change only with it.
        images = {image: _sha256(read.get(image))
                  for image in sorted({f.image for f in record.figures() if f.image} - set(supplied))}
        entries[identifier] = {**settings.record_key(), "outputs": hashes, "warnings": warning_data,
                               "images": images}
        if settings.check:
            entries[identifier]["checks"] = checks
        if thumbnail:
            entries[identifier]["thumbnail"] = thumbnail
        if passed_over:  # kept with each record of the archive, so an unchanged rerun still reports them
            entries[identifier]["skipped"] = passed_over
    return fingerprint, outcomes, entries


def build_sources(sources: list[Source]) -> list[Any]:
    """`build_source` on each of a few sources (one task of the pool), each result, or the exception
    that stopped it: a reader's bug fails its source only. The files of all the task's records are
    made durable with one `sync` before the task reports them (a sync is a journal commit: one per
    task, not one per record); if it fails, they are removed and their records fail. Ctrl-C (it
    reaches the workers with the parent) ends the task with the results of the sources already
    built, their files synced, so the parent can still claim them, and an `Unbuilt` for each of the
    others; a worker interrupted once builds nothing more."""
    global _interrupted, _building
    results: list[Any] = []
    unsynced: list[Path] = []
    _building = True
    try:
        for source in sources:
            if _interrupted:
                break
            try:
                results.append(build_source(source, unsynced))
            except Exception as exc:  # noqa: BLE001 - reported as the source's internal error
                results.append(exc)
    except KeyboardInterrupt:
        _interrupted = True
    finally:
        _building = False
    # Past `_building`: a Ctrl-C now waits for the sync, so what the task wrote can still be claimed.
    results = _synced(sources, results, unsynced)
    _release_memory()
    return results + [Unbuilt() for _ in sources[len(results):]]


def _synced(sources: list[Source], results: list[Any], unsynced: list[Path]) -> list[Any]:
    """`results` once the files in `unsynced` are durable; if the disk reports a failed write, the
    files are removed and every record built with them fails, as one whose own sync failed."""
    sync = _settings.sync if _settings is not None else None
    if sync is None or not unsynced:
        return results
    try:
        sync(unsynced)
    except OSError as exc:
        for path in unsynced:
            path.unlink(missing_ok=True)
        failed = []
        for source, result in zip(sources, results):
            if isinstance(result, BaseException):
                failed.append(result)
                continue
            _, outcomes, _ = result
            failed.append((None, [o if o.status != "built" else _failed(source, o.identifier, ConversionError(
                f"cannot write the outputs of {o.identifier}: {exc}",
                hint="check the free space and permissions of the output folder")) for o in outcomes], {}))
        return failed
    return results


def _release_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`), once a task. Without
    it a worker's RSS creeps up with the batch (2.2 MB in 250 records with every format and --check;
    0.4 MB with it): not a leak, the number of Python objects stays the same, but pages freed by the
    records' PDFs, EPUBs and XML trees (and by page-validation's threads) that malloc keeps, scattered.
    About 0.7 ms a call; elsewhere than glibc, nothing to do."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _trimmer() -> Any:
    try:
        import ctypes
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_malloc_trim = _trimmer()


def _look(settings: Settings, record: Any, wanted: list[Any], outputs: dict[str, bytes], source: Source
          ) -> tuple[dict[str, Any], dict[str, str] | None, list[ArchiverWarning]]:
    """--check and --thumbnails on a record's written files: the validators' verdicts by output name,
    the thumbnail ({name, sha256} relative to OUT, or None) and a W016 for each failed verdict."""
    from .buildchecks import check_outputs, failed_checks
    from .thumbnails import THUMBNAILS, first_page_png, thumbnail_name

    identifier = record.identifier
    checks = check_outputs(settings.out_dir, {f"{identifier}/{fmt.output_name(record)}": fmt.name
                                              for fmt in wanted}) if settings.check else {}
    warnings = failed_checks(checks, source.key)
    pdf = next((fmt.output_name(record) for fmt in wanted if fmt.name == "pdf"), None)
    if not settings.thumbnails or pdf not in outputs or (warnings and settings.strict):
        return checks, None, warnings  # a record that fails under --strict leaves no thumbnail
    try:
        png = first_page_png(outputs[pdf])
    except Exception as exc:  # noqa: BLE001 - PDFium refusing the PDF is the PDF's problem, not the batch's
        return checks, None, [*warnings, ArchiverWarning(
            "W016", f"{identifier}/{pdf}: PDFium cannot render its first page: {type(exc).__name__}: {exc}", source.key)]
    name = f"{identifier}.png"
    written = _write_all(settings.write, THUMBNAILS, {name: png},
                         {name: _output_path(settings.out_dir, THUMBNAILS, name)}, settings.sync)
    return checks, {"name": thumbnail_name(identifier), "sha256": written[thumbnail_name(identifier)]}, warnings


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

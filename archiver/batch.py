"""Batch builds: many sources -> ingest -> validate -> convert, in a pool of long-lived workers,
incremental (content hashes in the build state), crash-safe (atomic files, a state that never claims
an output before it is on disk), resumable and shardable (issue 8).

The parent's side: the lock on OUT, the run (`run`: a pool of workers, the state updated as records
settle, stale and superseded outputs removed) and report.json; the sources are found and
fingerprinted in `buildsources`, planned in `buildplan`, built in `buildworker`.

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
import gc
import json
import multiprocessing
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from . import __version__, thumbnails
from .buildplan import Outcome, Plan, Settings, plan
from .buildsources import Shard, Source, _sha256_file, discover
from .buildstate import BuildState
from .buildworker import Unbuilt, _failed, _start_worker, build_sources
from .errors import ArchiverError, InputError, UsageError
from .limits import time_limit

__all__ = ["CRASHED", "Engine", "Outcome", "Plan", "Settings", "Shard", "Source", "discover", "plan",
           "report_head", "report_json", "run", "session"]

#: how often (seconds) the parent commits the state during a run (a commit is one sync of SQLite's
#: write-ahead log); it always commits at the end and on the way out of an interrupted run
STATE_COMMIT_INTERVAL = 0.25
#: sources a task of the built-in pool builds, at most (`_execute`)
TASK_SOURCES = 4
#: seconds an interrupted run waits for its workers to hand back what they have built
INTERRUPT_GRACE = 2.0


def _lock_path(out_dir: Path, suffix: str) -> Path:
    return out_dir / f".archiver-state{suffix}.lock"


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

    Workers start once and at most `jobs * 8` sources are in flight (two tasks a worker), so memory
    stays flat whatever the batch size. A worker that dies (a crash in a native library, the OOM
    killer) takes the sources in flight with it; the pool restarts for the rest, and those sources
    are retried at the end, each alone in a fresh worker, so only the culprit fails. `engine` runs the sources elsewhere (a Dask
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
    leftovers = thumbnails.Leftovers(settings.out_dir)
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
        previous = state.earlier(source.key)
        if fingerprint and entries and all(o.status == "built" for o in outcomes):
            state.put(source.key, {**fingerprint, "records": entries})
            if previous is not None:
                state.forget_earlier(source.key)
            earlier = _earlier_outputs(previous)
            _remove_stale(settings.out_dir, earlier, entries)
            superseded.update((i, outputs) for i, outputs in earlier.items() if i not in entries)
        leftovers.settled(previous, outcomes)
        return keep(outcomes)

    for source in plan.unchanged:
        entry = state.entry(source.key)
        if state.entry_here(source.key) is None:  # current in another shard's state: keep it here too
            state.put(source.key, entry)
        yield from keep([Outcome(source.key, "unchanged", identifier, dict(record["outputs"]),
                                 warnings=list(record.get("warnings", [])), checks=record.get("checks") or {},
                                 thumbnail=thumbnails.current(settings.out_dir, identifier, record),
                                 skipped=record.get("skipped") or {})
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
                    f"the worker converting {source.key} died twice, the second time with this source alone "
                    "(a crash in a native library, the out-of-memory killer, or more than "
                    f"{time_limit('record_cpu_seconds')} s of CPU on one record: ARCHIVER_MAX_RECORD_CPU_SECONDS)",
                    source=source.key, hint="rerun; if it recurs, report the source as a bug"))], {})
            yield from settle(source, result)
    state.commit()
    for identifier in sorted(superseded):
        if not state.claimed_anywhere(identifier):
            _remove_superseded(settings.out_dir, identifier, superseded[identifier])
    leftovers.finish(state.claimed_anywhere)


#: the result of a source whose worker died while building it
CRASHED = object()


def _execute(settings: Settings, queue: list[Source], jobs: int, window: int) -> Iterator[tuple[Source, Any]]:
    """Build sources popped from `queue` on a fresh pool, yielding (source, result or exception); if a
    worker dies, yield (source, CRASHED) for every source in flight and stop, leaving the rest queued."""
    pool = _pool(settings, jobs, len(queue))
    in_flight: dict[cf.Future, list[Source]] = {}

    def fill() -> None:
        # A few sources a task: each task costs the parent's threads a round trip (pickling, a
        # wake-up, a future), which would be a third of its CPU per record. Smaller towards the end,
        # so the last tasks still spread over the workers; at least two tasks a worker in flight, so
        # none waits for the parent between two.
        while queue and len(in_flight) < max(2 * jobs, window // TASK_SOURCES):
            size = max(1, min(TASK_SOURCES, -(-len(queue) // (2 * jobs))))
            sources = [queue.pop() for _ in range(min(size, len(queue)))]
            try:
                in_flight[pool.submit(build_sources, sources)] = sources
            except cf.process.BrokenProcessPool:  # a worker died since: they stay queued for the next pool
                queue.extend(reversed(sources))
                raise

    try:
        # The pool forks its workers at the first submit. Frozen, the parent's objects (the batch's
        # sources among them) are left alone by the workers' garbage collector, so their memory pages
        # stay shared with the parent instead of being copied into every worker.
        gc.freeze()
        try:
            fill()
        finally:
            gc.unfreeze()
        while in_flight:
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                try:
                    results = future.result()
                except cf.process.BrokenProcessPool:
                    raise
                except Exception as exc:  # noqa: BLE001 - a result that cannot be sent back
                    results = [exc] * len(in_flight[future])
                yield from _built(in_flight.pop(future), results)
                if any(isinstance(result, Unbuilt) for result in results):
                    raise KeyboardInterrupt  # a worker was interrupted: so is the run
            fill()
    except KeyboardInterrupt:
        # Ctrl-C: the workers hand back the sources of their task already built (`build_sources`);
        # take those that come within a moment, so the state committed on the way out claims them.
        done, _ = cf.wait(in_flight, timeout=INTERRUPT_GRACE)
        for future in done:
            if not future.cancelled() and future.exception() is None:
                yield from _built(in_flight[future], future.result())
        raise
    except cf.process.BrokenProcessPool:
        for sources in in_flight.values():
            for source in sources:
                yield source, CRASHED
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _built(sources: list[Source], results: list[Any]) -> Iterator[tuple[Source, Any]]:
    """(source, result) for the sources of a task its worker got to; not those it handed back unbuilt."""
    return ((source, result) for source, result in zip(sources, results) if not isinstance(result, Unbuilt))


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
    head = {"archiver_version": __version__, "style": settings.style,
            "formats": [f.name for f in settings.formats], "counts": counts}
    if settings.check:  # the verdicts of this run's validators are in the records' "checks"
        head["checked"] = True
    return head


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
"""Dask as the engine of `archiver build` (`--scheduler tcp://HOST:8786`, `--scheduler FILE.json` for
the scheduler file `dask scheduler --scheduler-file` writes, or `--scheduler local:N`).

The same per-record work as the built-in pool (`buildworker.build_source`), run on the workers of a Dask
cluster (dask-jobqueue on Slurm/PBS, dask-kubernetes, a LocalCluster), under the pool's contract
(`batch.Engine`): workers write each record's files to the shared file system themselves; the parent
alone writes the manifest and the reports, so incremental reruns, `--shard`, SIGKILL safety and
resume are those of the pool. Each worker is set up once per build by a worker plugin (the style, the
record schema, every writer), and refuses to work if its archiver or brand differs from the parent's.

A worker that dies takes only its own time: Dask reschedules what it held, and a source Dask gives up
on (`KilledWorker`) comes back as `batch.CRASHED`, so `batch.run` retries it alone at the end and only
a source that kills a worker again fails, with the reason: two worker deaths. For that Dask must give
up on a task at its first worker death (`allowed-failures` 0): a local cluster is made so, and a
remote scheduler is set so for the build and given its own setting back at the end (if it refuses,
its setting, Dask's default 3, applies: a poison record then takes four workers before the retry). Workers must run one thread each (reportlab's settings are
process-wide); a cluster whose workers have more threads is refused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

from distributed import WorkerPlugin

from . import __version__
from .batch import CRASHED
from .buildplan import Settings
from .buildsources import Source, style_fingerprint
from .buildworker import build_source, load_worker
from .errors import ArchiverError, ConversionError, UsageError

PLUGIN_NAME = "archiver-build"
#: sources kept in flight per worker, as the built-in pool does (`batch.run`'s window)
IN_FLIGHT_PER_WORKER = 4
#: seconds between looks at how many workers the cluster has now: one that grows during the build (Slurm
#: jobs that leave the queue, an adaptive cluster) gets work for its new workers too
WORKERS_CHECK_INTERVAL = 5.0
#: seconds to wait for a remote scheduler to answer before giving up
CONNECT_TIMEOUT = 30


class BuildSetup(WorkerPlugin):
    """Worker plugin: load what every record needs, once per worker and build."""

    def __init__(self, settings: Settings, parent_version: str):
        self.settings = settings
        self.parent_version = parent_version

    def setup(self, worker: Any = None) -> None:
        from .style import load_style

        problem = None
        if __version__ != self.parent_version:
            problem = f"this Dask worker runs archiver {__version__}, the build archiver {self.parent_version}"
        else:
            try:
                folder = load_style(self.settings.style).folder
            except ArchiverError as error:
                problem = f"this Dask worker cannot load the style: {error.message}"
            else:
                if style_fingerprint(folder) != self.settings.style_sha256:
                    problem = f"this Dask worker's style {self.settings.style!r} differs from the build's"
        load_worker(self.settings, ConversionError(
            problem, hint="install the same archiver version and styles on every worker") if problem else None)


#: bytes of a scheduler file read at most (it holds an address and a few worker details)
SCHEDULER_FILE_LIMIT = 1 << 20


def _scheduler_file(name: str) -> str:
    """The address in a scheduler file (`dask scheduler --scheduler-file FILE` writes one, so that the
    jobs of an HPC cluster find the scheduler on a shared file system)."""
    import json

    hint = "give the file `dask scheduler --scheduler-file FILE` writes"
    try:
        with open(name, "rb") as handle:
            data = handle.read(SCHEDULER_FILE_LIMIT + 1)
    except OSError as exc:
        raise UsageError(f"--scheduler {name}: cannot read the scheduler file: {exc.strerror or exc}",
                         source=name, hint=hint) from None
    try:
        if len(data) > SCHEDULER_FILE_LIMIT:
            raise ValueError(f"larger than {SCHEDULER_FILE_LIMIT} bytes")
        address = json.loads(data).get("address")
    except (ValueError, AttributeError, RecursionError) as exc:
        raise UsageError(f"--scheduler {name}: not a scheduler file: {exc}", source=name, hint=hint) from None
    if not isinstance(address, str) or not address:
        raise UsageError(f"--scheduler {name} /address: the scheduler file names no address", source=name,
                         hint=hint)
    return address


def _build(source: Source) -> Any:
    return build_source(source)


class DaskEngine:
    """A connection to a Dask cluster that runs a build's sources; use as a context manager."""

    def __init__(self, address: str):
        self.address = address
        self.cluster: Any = None
        self.client: Any = None
        #: a remote scheduler's allowed-failures before the build set it to 0 (None: not changed)
        self._allowed_failures: Any = None

    def __enter__(self) -> "DaskEngine":
        import dask
        from distributed import Client, LocalCluster

        if self.address.startswith("local:"):
            count = self.address.split(":", 1)[1]
            if not count.isdigit() or int(count) < 1:
                raise UsageError(f"--scheduler {self.address!r}: N of local:N must be a whole number from 1",
                                 hint="e.g. --scheduler local:2")
            with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                # the scheduler's HTTP server on a free port: with none given it takes 8787, or warns on
                # standard error (under -q too) that another cluster holds it
                self.cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                                            dashboard_address=":0", silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster)
        else:
            address = _scheduler_file(self.address) if self.address.endswith(".json") else self.address
            try:
                self.client = Client(address, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                raise UsageError(f"cannot reach the Dask scheduler {self.address}: {type(exc).__name__}: {exc}",
                                 hint="give tcp://HOST:PORT of a running scheduler, a scheduler file "
                                      "(FILE.json), or local:N") from None
            self._allowed_failures = self._set_allowed_failures(0)
        self._refuse_threads()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._allowed_failures is not None:
            self._set_allowed_failures(self._allowed_failures)
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()

    def _set_allowed_failures(self, value: int) -> Any:
        """Set the scheduler's allowed-failures, returning the one it had (None if it refuses). The
        function goes by value (defined here, cloudpickle sends its code): the scheduler need not
        have archiver installed."""
        def swap(value: int, dask_scheduler: Any = None) -> int:
            earlier, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, value
            return earlier

        try:
            return self.client.run_on_scheduler(swap, value)
        except Exception:  # noqa: BLE001 - a scheduler that runs no code sent to it keeps its setting
            return None

    def _refuse_threads(self) -> None:
        workers = self.client.scheduler_info().get("workers", {})
        threaded = sorted(address for address, info in workers.items() if info.get("nthreads", 1) > 1)
        if threaded:
            raise UsageError(f"Dask workers with more than one thread: {', '.join(threaded)}",
                             hint="start workers with --nthreads 1 (and --nworkers N for more processes)")

    def workers(self) -> int:
        """Threads in the cluster now (each a worker process): the build's parallelism."""
        workers = self.client.scheduler_info().get("workers", {})
        return max(1, sum(info.get("nthreads", 1) for info in workers.values()))

    def start(self, settings: Settings) -> None:
        """Set every worker (and any that joins later) up for this build. A style given as a folder
        is sent as its absolute path: workers may run in another folder."""
        style = str(Path(settings.style).resolve()) if Path(settings.style).is_dir() else settings.style
        plugin = BuildSetup(dataclasses.replace(settings, style=style), __version__)
        self.client.register_plugin(plugin, name=PLUGIN_NAME)

    def __call__(self, settings: Settings, queue: list[Source], jobs: int, window: int
                 ) -> Iterator[tuple[Source, Any]]:
        """`batch.Engine`: build sources popped from `queue`, at most `window` at a time, or more
        once the cluster has more workers than the window was made for."""
        from distributed import KilledWorker, as_completed

        in_flight: dict[Any, Source] = {}
        done = as_completed()
        looked, room = time.monotonic(), window

        def limit() -> int:
            nonlocal looked, room
            if time.monotonic() - looked >= WORKERS_CHECK_INTERVAL:
                looked, room = time.monotonic(), max(window, IN_FLIGHT_PER_WORKER * self.workers())
            return room

        def submit() -> None:
            source = queue.pop()
            # Workers may run in another folder: they get the absolute path (the key stays as it is).
            remote = Source(source.key, str(source.path.resolve()))
            future = self.client.submit(_build, remote, key=f"archiver-{uuid.uuid4().hex}", pure=False)
            in_flight[future] = source
            done.add(future)

        try:
            while queue and len(in_flight) < window:
                submit()
            for future in done:
                source = in_flight.pop(future)
                try:
                    result = future.result()
                except KilledWorker:
                    result = CRASHED
                except Exception as exc:  # noqa: BLE001 - a reader's bug fails its source only
                    result = exc
                future.release()
                yield source, result
                while queue and len(in_flight) < limit():
                    submit()
        finally:
            for future in in_flight:
                future.cancel()

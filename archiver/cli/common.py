"""What every command shares: error reporting, exit statuses, and safe, atomic file output."""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from ..errors import ArchiverError, ArchiverWarning, UsageError
from .options import verbosity

log = logging.getLogger("archiver")


def fail_cleanly(func: Callable) -> Callable:
    """Turn library errors into a message and their exit code, and any other exception into a one-line
    internal error (exit 1). Set ARCHIVER_DEBUG=1 to see the traceback of an internal error."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ArchiverError as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(error.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as error:  # noqa: BLE001 - the promise is: never a traceback
            if os.environ.get("ARCHIVER_DEBUG"):
                raise
            click.echo(f"internal error: {type(error).__name__}: {error} "
                       "(a bug: rerun with ARCHIVER_DEBUG=1 and report the traceback)", err=True)
            sys.exit(1)
    return wrapper


class Tally:
    """Collects per-input outcomes of a batch command, so it carries on and exits non-zero at the end."""

    def __init__(self, strict: bool = False, as_json: bool = False):
        self.strict = strict
        self.as_json = as_json
        self.exit_code = 0
        self.ok = 0
        self.failed = 0
        self.entries: list[dict[str, Any]] = []

    def success(self, source: str, warnings: Iterable[ArchiverWarning] = (), **extra: Any) -> None:
        warnings = list(warnings)
        if not self.as_json and verbosity() >= 0:
            for warning in warnings:
                click.echo(str(warning), err=True)
        if warnings and self.strict:
            self.exit_code = self.exit_code or 3
            self.failed += 1
            status = "failed"
        else:
            self.ok += 1
            status = "ok"
        if not self.as_json and verbosity() > 0:
            click.echo(f"{status}: {source}", err=True)
        self.entries.append({"source": source, "status": status,
                             "warnings": [w.to_json() for w in warnings], **extra})

    def failure(self, source: str, error: ArchiverError) -> None:
        self.failed += 1
        self.exit_code = self.exit_code or error.exit_code
        # a problem that names no file (a writer's failure) is the input's: say which, never "<input>"
        problems = [p if p.source else dataclasses.replace(p, source=source) for p in error.problems]
        if not self.as_json:
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
        self.entries.append({"source": source, "status": "failed", "exit_code": error.exit_code,
                             "problems": [p.to_json() for p in problems]})

    def finish(self, what: str) -> None:
        if self.as_json:
            click.echo(json.dumps({"ok": self.ok, "failed": self.failed, "results": self.entries},
                                  ensure_ascii=False, indent=2))
        elif verbosity() >= 0:
            click.echo(f"{what}: {self.ok} ok, {self.failed} failed", err=True)
        sys.exit(self.exit_code)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write a file so that it is either complete or absent: a temporary name in the same folder,
    flushed to disk, then renamed over the target."""
    write_atomic_chunks(path, [data])


def write_unsynced(path: Path, data: bytes | str) -> None:
    """`write_atomic` without its fsync: for a set of files made durable together by one
    `sync_files` once all are written (a record's outputs), instead of one sync per file. Until then
    a power cut may leave the file incomplete; a kill (the kernel keeps what was written) cannot."""
    write_atomic_chunks(path, [data], sync=False)


def sync_files(paths: Iterable[Path]) -> None:
    """Make files written with `write_unsynced` durable, with their names: one syncfs(2) per file
    system they are on (Linux), else an fsync of each file, then of each folder holding one and of
    that folder's own folder (which holds a folder the write made). Raises OSError when the disk
    reports a failed write."""
    paths = list(paths)
    syncfs = _syncfs()
    if syncfs is not None:
        seen: set[int] = set()
        for path in paths:
            fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                device = os.fstat(fd).st_dev
                if device not in seen:
                    seen.add(device)
                    if syncfs(fd) != 0:
                        import ctypes
                        error = ctypes.get_errno()
                        raise OSError(error, os.strerror(error), str(path.parent))
            finally:
                os.close(fd)
        return
    for path in paths:
        _fsync(path, os.O_RDONLY)
    folders = {path.parent for path in paths}
    for folder in sorted(folders | {folder.parent for folder in folders}, key=lambda f: -len(f.parts)):
        _fsync(folder, os.O_RDONLY | os.O_DIRECTORY)


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """libc's syncfs(2), which Python's os module lacks; None where there is none (not Linux)."""
    try:
        import ctypes
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


def write_atomic_chunks(path: Path, chunks: Iterable[bytes | str], sync: bool = True) -> None:
    """`write_atomic` for content made piece by piece (a report of a whole batch), so it is never
    held in memory whole."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except FileNotFoundError:  # the folder is made on the first write into it, not tried on every one
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def writable_folder(path: Path, option: str = "-o") -> Path:
    """Refuse, before any work, an output folder that is no folder (`-o /dev/null`, a file) or that
    cannot be written (read-only, under /proc): its nearest existing ancestor must take a new folder.
    Nothing is left behind by the check; the folder itself is made on the first write."""
    ancestor = path
    while not os.path.lexists(ancestor) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UsageError(f"{ancestor} is not a folder ({option})", source=str(path),
                         hint=f"give {option} a folder (it is made when absent)")
    try:
        os.rmdir(tempfile.mkdtemp(dir=ancestor, prefix=".archiver-probe-"))
    except OSError as exc:
        raise UsageError(f"cannot write into {ancestor} ({option}): {exc.strerror or exc}", source=str(path),
                         hint=f"give {option} a folder you can write to") from None
    return path


def inside(root: Path, *parts: str) -> Path:
    """`root/parts...`, refusing any result outside `root` (a hostile identifier or image path)."""
    root = root.resolve()
    target = root.joinpath(*parts).resolve()
    if target != root and root not in target.parents:
        raise UsageError(f"refusing to write outside {root}: {'/'.join(parts)}",
                         hint="identifiers and image paths must stay inside the output folder")
    return target


def expand_paths(paths: Iterable[str], suffixes: tuple[str, ...] | None = None,
                 skip: tuple[str, ...] = ()) -> list[Path]:
    """Files named, plus the files inside folders named (sorted; hidden files, and those ending in one
    of `skip`, left out)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file()
                                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                                and (suffixes is None or p.name.lower().endswith(suffixes))
                                and not (skip and p.name.lower().endswith(skip))))
        else:
            found.append(path)
    return found


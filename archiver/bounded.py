"""Bounded reads: the one way archiver reads a file it is given (issue 19 point 1).

A file is read only when it is a regular file (a FIFO would block, a device never ends, a socket is
no file), checked before it is opened and again on the open descriptor (the name could be swapped in
between), and only up to the byte limit of its kind (`limits.BYTE_LIMITS`), counted on the bytes read
and never on the size the file system reports: /dev/zero reports 0 bytes, a sparse file reports its
holes. A file over its limit is refused after reading one byte more than the limit, so memory stays
bounded by the limit whatever the file is.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .errors import InputError
from .limits import ENVIRONMENT, byte_limit, describe

_CHUNK = 1 << 20
_KINDS_OF_FILE = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


class Refused(InputError):
    """A file archiver will not read: missing, not a regular file, or larger than its kind's limit."""
    missing = False


class Missing(Refused):
    missing = True


def what_it_is(mode: int) -> str | None:
    """None for a regular file, else what the file is ("a FIFO (named pipe)", ...)."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS_OF_FILE if test(mode)), "not a regular file")


def check_regular(path: Path, name: str | None = None) -> None:
    """Refuse (Refused) a path that is not a regular file, before anything opens it."""
    name = name or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise Missing("cannot read: no such file", source=name, hint="check the path") from None
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror or exc}", source=name, hint="check the file's permissions") from None
    _refuse_special(mode, name)


def _refuse_special(mode: int, name: str) -> None:
    kind = what_it_is(mode)
    if kind is not None:
        raise Refused(f"{kind}, not a regular file: not read", source=name,
                      hint="give a regular file (archiver never reads pipes, devices or sockets)")


def read(path: Path, kind: str, name: str | None = None) -> bytes:
    """The bytes of a regular file, at most the byte limit of `kind`; Refused (an InputError, exit 4)
    for anything else, naming the file, what it is or its limit, and how to raise the limit."""
    name = name or str(path)
    limit = byte_limit(kind)
    check_regular(path, name)
    try:
        # O_NONBLOCK: should a FIFO have replaced the file since the check, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Refused(f"cannot read: {exc.strerror or exc}", source=name, hint="check the file's permissions") from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        _refuse_special(os.fstat(fd).st_mode, name)
        try:
            data = _read_up_to(handle, limit + 1)
        except OSError as exc:
            raise Refused(f"cannot read: {exc.strerror or exc}", source=name, hint="check the file") from None
    if len(data) > limit:
        raise Refused(f"larger than the {describe(limit)} archiver reads of a {kind} file", source=name,
                      hint=f"check that this is the right file; to allow more, set {ENVIRONMENT[kind]} "
                           "(README, Limits)")
    return data


def read_text(path: Path, kind: str, name: str | None = None) -> str:
    """`read`, decoded as UTF-8 (a byte-order mark dropped); Refused for text that is not UTF-8."""
    name = name or str(path)
    data = read(path, kind, name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Refused(f"not UTF-8 text (byte {error.start:,} is {data[error.start:error.start + 1]!r})",
                      source=name, hint="a text file must be UTF-8; this one may be binary or damaged") from None


def sha256(path: Path, kind: str) -> str | None:
    """The SHA-256 of a file as `read` would give it; None when it would be refused."""
    try:
        return hashlib.sha256(read(path, kind)).hexdigest()
    except Refused:
        return None


def _read_up_to(handle, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)

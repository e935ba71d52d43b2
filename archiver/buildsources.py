"""The sources of a batch build (issue 8, 20): finding them (`discover`), splitting them into shards,
and their fingerprints (the SHA-256 of a source with the files its reader read beside it, of a
style folder, of the images a record uses), by which a rerun tells what changed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from . import bounded
from .errors import UsageError

@dataclass(frozen=True, slots=True)
class Source:
    """One source of a batch, held by its name alone: a batch of 100,000 keeps 100,000 of these in
    the parent (about 60 bytes each, with a name of 40 characters), so no `Path` is kept per source."""
    #: stable name of the source: its path relative to the working folder (absolute if outside it)
    key: str
    #: where a worker running in another folder finds it (a Dask worker: the absolute path); None:
    #: at `key`, relative to the working folder
    where: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.where or self.key)


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



def discover(paths: Iterable[str], out_dir: Path) -> list[Source]:
    """Files named, plus every file inside folders named (hidden files, files that are never sources
    such as images, the output folder, and sidecars skipped), in a stable order without
    duplicates.

    Linear and light for a batch of 100,000 files: folders are walked with `os.scandir` (symlinked
    folders are not entered), a file's real path is its folder's real path and its name unless the
    file is a symlink, and only names are kept (the real path too where it differs)."""
    from .ingest import MANUSCRIPT_SUFFIXES, NOT_SOURCE_SUFFIXES, sidecars

    out = os.path.realpath(out_dir)
    cwd = os.path.realpath(os.getcwd())
    #: key -> the file's real path, None when it is the key's absolute path (the common case)
    found: dict[str, str | None] = {}

    def add(file: str, real: str) -> None:
        absolute = os.path.abspath(file)
        key = os.path.relpath(absolute, cwd) if _inside(absolute, cwd) else absolute
        if os.sep != "/":
            key = key.replace(os.sep, "/")
        if key not in found:
            found[key] = None if real == absolute else real

    for name in paths:
        if os.path.isdir(name):
            for file, real in _files_under(name):
                if not file.lower().endswith(NOT_SOURCE_SUFFIXES) and not _inside(real, out):
                    add(file, real)
        else:
            add(name, os.path.realpath(name))
    # A sidecar is read with its source, not as a source of its own; `ingest.sidecars` decides, by
    # real paths, among the few .json files named like another source (NAME.json beside NAME.md,
    # NAME.bib.json beside NAME.bib), so no path is made for the others.
    manuscripts: dict[str, list[str]] = {}  # stem -> the manuscripts of that stem
    for key in found:
        if key.lower().endswith(MANUSCRIPT_SUFFIXES):
            manuscripts.setdefault(os.path.splitext(key)[0], []).append(key)
    involved: set[str] = set()
    for key in found:
        if key.lower().endswith(".json"):
            partners = manuscripts.get(key[:-5], []) + ([key[:-5]] if key[:-5] in found else [])
            if partners:
                involved.update((key, *partners))
    if involved:
        real_of = {key: Path(found[key] or os.path.join(cwd, key)) for key in involved}
        skipped = sidecars(set(real_of.values()))
        for key, real in real_of.items():
            if real in skipped:
                del found[key]
    return [Source(key) for key in sorted(found)]


def _files_under(folder: str) -> Iterator[tuple[str, str]]:
    """(path, real path) of every regular file under `folder` outside hidden folders, hidden files
    left out; as `Path.rglob` walks, symlinked folders are not entered (a loop cannot trap it)."""
    stack = [(folder, os.path.realpath(folder))]
    while stack:
        here, real_here = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:  # unreadable, or removed since: nothing to build from it
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, os.path.join(real_here, entry.name)))
                elif entry.is_file():  # follows a symlink: a link to a file is a source
                    real = os.path.realpath(entry.path) if entry.is_symlink() else os.path.join(real_here, entry.name)
                    yield entry.path, real
            except OSError:
                continue


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


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

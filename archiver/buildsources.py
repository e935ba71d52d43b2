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
from typing import Iterable, Mapping

from . import bounded
from .errors import UsageError

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

"""Fixity helpers every packager uses: digests, sorted manifests in `sha256sum` form (RFC 8493 section
2.1.3 path encoding), the comparison of expected digests with the files present (changed, missing and
extra files named, every one), the report it fills, and the build manifest (`manifest-sha256.txt`).

This module sits below the packagers and imports none of them; `verify.py` above them recognises a
package and sends it to its packager's checker.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .. import bounded
from ..errors import Problem

#: name of the build manifest written next to packages that carry no fixity of their own
BUILD_MANIFEST = "manifest-sha256.txt"
_CHUNK = 1 << 20
_HEX = re.compile(r"[0-9a-fA-F]{8,128}")


def digests(path: Path, algorithms: Iterable[str] = ("sha256",)) -> dict[str, str]:
    hashers = {name: hashlib.new(name) for name in algorithms}
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            for hasher in hashers.values():
                hasher.update(chunk)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def encode_manifest_path(name: str) -> str:
    """RFC 8493 section 2.1.3: CR, LF and % in a manifest path are percent-encoded."""
    return name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_manifest_path(name: str) -> str:
    return name.replace("%0A", "\n").replace("%0a", "\n").replace("%0D", "\r").replace("%0d", "\r") \
        .replace("%25", "%")


def manifest_text(entries: dict[str, str]) -> str:
    """`digest  path` lines sorted by path (the form of BagIt manifests and `sha256sum`)."""
    return "".join(f"{digest}  {encode_manifest_path(name)}\n" for name, digest in sorted(entries.items()))


def parse_manifest(text: str, source: str) -> tuple[dict[str, str], list[Problem]]:
    """Entries `path -> digest` of a manifest; a line that is no `digest  path`, whose digest is not
    hexadecimal, or whose path leaves the package (RFC 8493 section 2.1.3: relative, no `..`), is a
    problem (with its line) and no entry."""
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = decode_manifest_path(name.lstrip(" ").lstrip("*"))
        if not name or not _HEX.fullmatch(digest):
            problems.append(Problem("not a `digest  path` line", source=source, line=number,
                                    hint="each line is a hex digest, two spaces, a path"))
            continue
        if name.startswith("/") or ".." in name.split("/") or "\0" in name:
            problems.append(Problem(f"path {name!r} leaves the package", source=source, line=number,
                                    hint="manifest paths are relative to the package and never use `..`"))
            continue
        entries[name] = digest.lower()
    return entries, problems


def read_manifest(path: Path, report: "FixityReport") -> dict[str, str] | None:
    """The entries of a manifest file read through the bounded reader, its bad lines reported; None
    (the reason reported) when it cannot be read as text: too large, not UTF-8, not a regular file."""
    try:
        text = bounded.read_text(path, "manifest")
    except bounded.Refused as refused:
        report.problems.extend(Problem(f"{p.message}: not a manifest", source=p.source, hint=p.hint)
                               for p in refused.problems)
        return None
    expected, problems = parse_manifest(text, str(path))
    report.problems.extend(problems)
    return expected


@dataclass
class FixityReport:
    """What `verify` found: the kind of package, how many files it checked, and every problem."""
    path: Path
    kind: str
    checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: what the check could not cover, and why (not a problem)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(root: Path, expected: dict[str, str], algorithm: str, source: str,
            present: Iterable[str], report: FixityReport, what: str = "file",
            digest: Callable[[str, str], str] | None = None) -> None:
    """Check `expected` (path below root -> digest) against the files `present` below root;
    `digest(name, algorithm)` computes a present file's digest when it is not a file below root."""
    present = set(present)
    for name in sorted(expected):
        if name not in present:
            report.problems.append(Problem(f"missing {what} {name} (listed in {Path(source).name})",
                                           source=source, hint="restore the file from another copy"))
            continue
        actual = digest(name, algorithm) if digest else digests(root / name, (algorithm,))[algorithm]
        report.checked += 1
        if actual != expected[name]:
            report.problems.append(Problem(f"changed {what} {name}: {algorithm} is {actual}, "
                                           f"expected {expected[name]}", source=source,
                                           hint="the file was altered after packaging; restore it"))
    for name in sorted(present - set(expected)):
        report.problems.append(Problem(f"extra {what} {name} (not in {Path(source).name})", source=source,
                                       hint="remove it, or re-package to include it"))


def write_build_manifest(folder: Path, exclude: tuple[str, ...] = ()) -> None:
    """Write `manifest-sha256.txt` covering every file below `folder`."""
    from . import payload_files
    entries = {name: digests(folder / name)["sha256"] for name in payload_files(folder)
               if name != BUILD_MANIFEST and name not in exclude}
    (folder / BUILD_MANIFEST).write_text(manifest_text(entries), encoding="utf-8")


def verify_build_manifest(folder: Path, report: FixityReport) -> None:
    from . import payload_files
    source = folder / BUILD_MANIFEST
    expected = read_manifest(source, report)
    if expected is None:
        return
    present = [name for name in payload_files(folder, include_hidden=True) if name != BUILD_MANIFEST]
    compare(folder, expected, "sha256", str(source), present, report)


def load_json(path: Path, kind: str = "inventory"):
    """JSON read through the bounded reader: `bounded.Refused` for a file it refuses, ValueError for
    text that is not JSON or nests too deeply to parse."""
    text = bounded.read_text(path, kind)
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply to be an inventory") from None

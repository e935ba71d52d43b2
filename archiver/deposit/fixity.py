"""Fixity: digests, sorted manifests, and the check that a package still holds exactly what it says.

`verify(path)` recognises a BagIt bag (RFC 8493 section 3: every payload file in every payload manifest,
every tag manifest entry matching), an OCFL 1.1 object or storage root (the inventory manifest of
section 3.5.3 against the content files, plus ocfl-py's validator), a METS package (each `mets:file`
CHECKSUM), a DSpace SAF batch zip (see `saf.verify_zip`) and a build manifest (`manifest-sha256.txt` in
`sha256sum` form). It returns every problem found (changed, missing and extra files named), never only
the first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..errors import Problem

#: name of the build manifest written next to packages that carry no fixity of their own
BUILD_MANIFEST = "manifest-sha256.txt"
_CHUNK = 1 << 20


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
    entries: dict[str, str] = {}
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name.lstrip(" ").lstrip("*")
        if not name or not digest:
            problems.append(Problem("not a `digest  path` line", source=source, line=number,
                                    hint="each line is a hex digest, two spaces, a path"))
            continue
        entries[decode_manifest_path(name)] = digest.lower()
    return entries, problems


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


def kind_of(path: Path) -> str:
    if path.is_dir():
        if (path / "bagit.txt").is_file():
            return "bagit"
        if (path / "0=ocfl_object_1.1").is_file() or (path / "0=ocfl_object_1.0").is_file():
            return "ocfl-object"
        if (path / "0=ocfl_1.1").is_file() or (path / "0=ocfl_1.0").is_file():
            return "ocfl-root"
        if (path / "mets.xml").is_file():
            return "mets"
        if (path / BUILD_MANIFEST).is_file():
            return "manifest"
    elif path.name == BUILD_MANIFEST:
        return "manifest"
    elif path.suffix.lower() == ".zip":
        return "saf-zip"
    return "unknown"


def verify(path: Path) -> FixityReport:
    """Check the fixity of a bag, an OCFL object or storage root, a METS package or a build manifest."""
    kind = kind_of(path)
    report = FixityReport(path=path, kind=kind)
    if kind == "bagit":
        from .bag import verify_bag
        verify_bag(path, report)
    elif kind == "ocfl-object":
        from .ocfl import verify_object
        verify_object(path, report)
    elif kind == "ocfl-root":
        from .ocfl import verify_root
        verify_root(path, report)
    elif kind == "mets":
        from .mets import verify_mets_package
        verify_mets_package(path, report)
    elif kind == "saf-zip":
        from .saf import verify_zip
        verify_zip(path, report)
    elif kind == "manifest":
        verify_build_manifest(path.parent if path.is_file() else path, report)
    else:
        report.problems.append(Problem(
            "not a package archiver can check", source=str(path),
            hint="give a BagIt bag, an OCFL object or storage root, a METS package folder, a SAF "
                 f"batch zip, or a folder with {BUILD_MANIFEST}"))
    return report


def write_build_manifest(folder: Path, exclude: tuple[str, ...] = ()) -> None:
    """Write `manifest-sha256.txt` covering every file below `folder`."""
    from . import payload_files
    entries = {name: digests(folder / name)["sha256"] for name in payload_files(folder)
               if name != BUILD_MANIFEST and name not in exclude}
    (folder / BUILD_MANIFEST).write_text(manifest_text(entries), encoding="utf-8")


def verify_build_manifest(folder: Path, report: FixityReport) -> None:
    from . import payload_files
    source = folder / BUILD_MANIFEST
    expected, problems = parse_manifest(source.read_text(encoding="utf-8"), str(source))
    report.problems.extend(problems)
    present = [name for name in payload_files(folder, include_hidden=True) if name != BUILD_MANIFEST]
    compare(folder, expected, "sha256", str(source), present, report)


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))

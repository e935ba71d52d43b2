"""`verify`: recognise a package and send it to the checker of the packager that owns its kind.

A BagIt bag (RFC 8493 section 3: every payload file in every payload manifest, every tag manifest
entry matching), an OCFL 1.1 object or storage root (the inventory manifest of section 3.5.3 against
the content files, plus ocfl-py's validator), a METS package (each `mets:file` CHECKSUM), a DSpace SAF
batch zip (see `saf.verify_zip`) and a build manifest (`manifest-sha256.txt` in `sha256sum` form).
Every problem found is reported (changed, missing and extra files named), never only the first.

It sits above the packagers, as `writers/__init__.py` sits above the writers: the packagers import
`fixity` (below them), never this module, so imports run one way.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..bounded import what_it_is
from ..errors import Problem
from .fixity import BUILD_MANIFEST, FixityReport, verify_build_manifest


def kind_of(path: Path) -> str:
    # A package is recognised by the names it holds, whatever they are (a FIFO put in place of its
    # manifest is then refused by its checker, not taken for another kind of package).
    if path.is_dir():
        if (path / "bagit.txt").exists() or _bag_without_declaration(path):
            return "bagit"
        if (path / "0=ocfl_object_1.1").exists() or (path / "0=ocfl_object_1.0").exists():
            return "ocfl-object"
        if (path / "0=ocfl_1.1").exists() or (path / "0=ocfl_1.0").exists():
            return "ocfl-root"
        if (path / "mets.xml").exists():
            return "mets"
        if (path / BUILD_MANIFEST).exists():
            return "manifest"
    elif path.name == BUILD_MANIFEST:
        return "manifest"
    elif path.suffix.lower() == ".zip":
        return "saf-zip"
    return "unknown"


def special_files(path: Path) -> list[Problem]:
    """Every entry of a package that is neither a regular file nor a folder (a FIFO would block the
    reader, a device never end), named before anything opens it; symlinks are named too (a package
    holds its files, and a link can point anywhere)."""
    entries = [path, *path.rglob("*")] if path.is_dir() else [path]
    found = []
    for entry in entries:
        try:
            mode = (os.stat if entry == path else os.lstat)(entry).st_mode  # the package named may be a link
        except OSError as exc:
            found.append(Problem(f"cannot read {entry}: {exc.strerror or exc}", source=str(path)))
            continue
        if stat.S_ISLNK(mode):
            found.append(Problem(f"{entry} is a symbolic link, not a file of the package", source=str(path),
                                 hint="replace the link by the file it points to, or remove it"))
        elif not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            found.append(Problem(f"{entry} is {what_it_is(mode)}, not a regular file: not read", source=str(path),
                                 hint="remove it: a package holds regular files only"))
    return found


def _bag_without_declaration(path: Path) -> bool:
    """A payload folder beside bag tag files: a bag whose bagit.txt is lost, to be named as such, not
    taken for a folder with a build manifest (whose other files would all be "extra")."""
    return (path / "data").is_dir() and ((path / "bag-info.txt").is_file() or any(path.glob("tagmanifest-*.txt"))
                                         or any(m.name != BUILD_MANIFEST for m in path.glob("manifest-*.txt")))


def verify(path: Path) -> FixityReport:
    """Check the fixity of a bag, an OCFL object or storage root, a METS package or a build manifest."""
    kind = kind_of(path)
    report = FixityReport(path=path, kind=kind)
    report.problems.extend(special_files(path))
    if report.problems:  # the checkers and the validators they call (bagit-python, ocfl-py) read every file
        return report
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

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

from pathlib import Path

from ..errors import Problem
from .fixity import BUILD_MANIFEST, FixityReport, verify_build_manifest


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

"""OCFL 1.1 objects in a storage root (https://ocfl.io/1.1/spec/), one object per record.

The storage root uses extension 0003-hash-and-id-n-tuple-storage-layout (ocfl-py supports it; 0004
it does not). Object identifier: the record's identifier. Digest: sha512 (spec section 3.5.1). Packaging a changed record again adds a version (section 3.3); an unchanged
one leaves the object as it is. Every version's `created` comes from SOURCE_DATE_EPOCH or the record,
so the same input gives the same inventory bytes. Objects are built or updated in a temporary copy
and renamed into place.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .. import __version__
from ..errors import PackageInvalid, Problem
from . import RecordFolder, copy_file, iso, package_datetime, quiet_logging
from .fixity import FixityReport, compare, digests, load_json

LAYOUT = "0003-hash-and-id-n-tuple-storage-layout"
SPEC_VERSION = "1.1"
AGENT = ("archiver", "https://pypi.org/project/archiver/")


def _quiet_ocfl():
    import ocfl
    return ocfl


@quiet_logging()
def open_root(root: Path):
    """The storage root at `root`, created (atomically) with the 0003 layout when absent."""
    ocfl = _quiet_ocfl()
    if not root.exists():
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp_parent = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}.", suffix=".part"))
        try:
            ocfl.StorageRoot(root=str(tmp_parent / "root"), layout_name=LAYOUT).initialize(
                spec_version=SPEC_VERSION)
            (tmp_parent / "root").replace(root)
        finally:
            shutil.rmtree(tmp_parent, ignore_errors=True)
    elif not (root / f"0={'ocfl_' + SPEC_VERSION}").is_file():
        raise PackageInvalid(f"{root} exists but is not an OCFL {SPEC_VERSION} storage root", source=str(root),
                             hint="give an empty or new folder, or an OCFL storage root made by archiver")
    store = ocfl.StorageRoot(root=str(root))
    store.open_root_fs()
    store.check_root_structure()
    return store


def _metadata(folder: RecordFolder, message: str):
    ocfl = _quiet_ocfl()
    return ocfl.VersionMetadata(created=iso(package_datetime(folder.record)), message=message,
                                name=f"{AGENT[0]} {__version__}", address=AGENT[1])


@quiet_logging()
def add_record(folder: RecordFolder, root: Path) -> tuple[Path, str | None]:
    """Put one record into the storage root: a new object, or a new version when its files changed.
    Returns the object's folder and the version written (None when nothing changed)."""
    ocfl = _quiet_ocfl()
    store = open_root(root)
    object_dir = root / store.object_path(folder.identifier)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".build.", suffix=".part"))
    try:
        source = work / "source"
        for name in folder.files:
            copy_file(folder.path / name, source / name)
        staged = work / "object"
        obj = ocfl.Object(identifier=folder.identifier, spec_version=SPEC_VERSION)
        if not object_dir.exists():
            obj.create(srcdir=str(source), objdir=str(staged),
                       metadata=_metadata(folder, f"Packaged {folder.identifier} from {folder.path.name}/"))
            version = "v1"
        else:
            shutil.copytree(object_dir, staged)
            inventory = obj.add_version_with_content(
                objdir=str(staged), srcdir=str(source), abort_if_no_difference=True,
                metadata=_metadata(folder, f"Repackaged {folder.identifier}: its files changed"))
            if inventory is None:
                return object_dir, None
            version = inventory.head
        object_dir.parent.mkdir(parents=True, exist_ok=True)
        if object_dir.exists():
            object_dir.replace(work / "old")
        staged.replace(object_dir)
        return object_dir, version
    finally:
        shutil.rmtree(work, ignore_errors=True)


@quiet_logging()
def verify_object(path: Path, report: FixityReport) -> None:
    """Inventory manifest against the content files (changed, missing, extra named), then ocfl-py's
    validator (structure, inventories, sidecars)."""
    from . import payload_files
    inventory_path = path / "inventory.json"
    try:
        inventory = load_json(inventory_path)
        algorithm = inventory["digestAlgorithm"]
        manifest = inventory["manifest"]
    except (OSError, ValueError, KeyError) as exc:
        report.problems.append(Problem(f"unreadable inventory: {exc}", source=str(inventory_path),
                                       hint="restore inventory.json from its version folder"))
        return
    expected = {content_path: digest.lower() for digest, paths in manifest.items() for content_path in paths}
    versions = set(inventory.get("versions", {}))
    present = [name for name in payload_files(path, include_hidden=True)
               if name.split("/")[0] in versions and "/content/" in f"/{name}"]
    compare(path, expected, algorithm, str(inventory_path), present, report, what="content file")
    ocfl = _quiet_ocfl()
    passed, validator = ocfl.Object(spec_version=SPEC_VERSION).validate(objdir=str(path), log_warnings=False)
    if not passed and not report.problems:
        for message in validator.log.messages:
            report.problems.append(Problem(f"ocfl-py: {message}", source=str(path)))
        if not validator.log.messages:
            report.problems.append(Problem("ocfl-py: object is invalid", source=str(path)))


@quiet_logging()
def verify_root(root: Path, report: FixityReport) -> None:
    ocfl = _quiet_ocfl()
    store = ocfl.StorageRoot(root=str(root))
    try:
        store.open_root_fs()
        store.check_root_structure()
        object_paths = sorted(store.object_paths())
    except Exception as exc:  # ocfl-py raises its own exception types for every structural fault
        report.problems.append(Problem(f"not a valid OCFL storage root: {exc}", source=str(root)))
        return
    for object_path in object_paths:
        verify_object(root / object_path, report)

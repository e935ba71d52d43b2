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
from typing import Any

from .. import __version__
from ..errors import ArchiverError, PackageInvalid, Problem
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


#: the digest algorithms an inventory may use for its manifest (OCFL 1.1 section 3.5.1, E025)
DIGEST_ALGORITHMS = ("sha512", "sha256")


def inventory_shape(inventory: Any) -> str | None:
    """What is wrong with an inventory's shape before its manifest can be compared with the files
    (the OCFL 1.1 code first), or None. Checked here so that a hostile inventory is an invalid
    package, not a crash: a manifest that is a list, an algorithm that is a path."""
    if not isinstance(inventory, dict):
        return "E033: the inventory is not a JSON object"
    algorithm = inventory.get("digestAlgorithm")
    if algorithm not in DIGEST_ALGORITHMS:
        return f"E025: digestAlgorithm {_short(algorithm)} is not one of {', '.join(DIGEST_ALGORITHMS)}"
    manifest = inventory.get("manifest")
    if not isinstance(manifest, dict):
        return "E041: the manifest is not a JSON object of digest -> content paths"
    for digest, paths in manifest.items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            return f"E091: the manifest entry of {_short(digest)} is not a list of content paths"
    if not isinstance(inventory.get("versions"), dict):
        return "E044: the versions block is not a JSON object"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@quiet_logging()
def verify_object(path: Path, report: FixityReport) -> None:
    """Inventory manifest against the content files (changed, missing, extra named), then ocfl-py's
    validator (structure, inventories, sidecars): any error it logs makes the object invalid,
    whatever it returns and whatever its logging is set to."""
    from . import payload_files
    inventory_path = path / "inventory.json"
    try:
        inventory = load_json(inventory_path)
        wrong = inventory_shape(inventory)
    except (ArchiverError, ValueError) as exc:
        wrong = f"E033: unreadable inventory: {exc}"
    if wrong is not None:
        report.problems.append(Problem(wrong, source=str(inventory_path),
                                       hint="restore inventory.json from its version folder"))
    else:
        expected = {content_path: digest.lower() for digest, paths in inventory["manifest"].items()
                    for content_path in paths}
        present = [name for name in payload_files(path, include_hidden=True)
                   if name.split("/")[0] in inventory["versions"] and "/content/" in f"/{name}"]
        compare(path, expected, inventory["digestAlgorithm"], str(inventory_path), present, report,
                what="content file")
    ocfl = _quiet_ocfl()
    try:
        passed, validator = ocfl.Object(spec_version=SPEC_VERSION).validate(
            objdir=str(path), log_warnings=False, log_errors=True)
    except Exception as exc:  # noqa: BLE001 - ocfl-py on a hostile object: its failure is a finding
        report.problems.append(Problem(f"ocfl-py cannot validate the object: {type(exc).__name__}: {exc}",
                                       source=str(path)))
        return
    for message in validator.log.messages:
        report.problems.append(Problem(f"ocfl-py: {message}", source=str(path)))
    if (validator.log.num_errors or not passed) and not validator.log.messages:
        report.problems.append(Problem(f"ocfl-py: the object is invalid ({validator.log.num_errors} error(s))",
                                       source=str(path)))


@quiet_logging()
def verify_root(root: Path, report: FixityReport) -> None:
    """The storage root's structure and hierarchy (ocfl-py: a folder holding files but no object
    declaration is E072, an empty one E073), then every object in it."""
    ocfl = _quiet_ocfl()
    store = ocfl.StorageRoot(root=str(root))
    try:
        passed = store.validate(validate_objects=False, log_warnings=False, log_errors=True)
        messages, errors = list(store.log.messages), store.log.num_errors
        object_paths = sorted(store.object_paths()) if store.root_fs is not None else []
    except Exception as exc:  # noqa: BLE001 - ocfl-py raises its own exception types for every structural fault
        report.problems.append(Problem(f"not a valid OCFL storage root: {exc}", source=str(root)))
        return
    for message in messages:
        report.problems.append(Problem(f"ocfl-py: {message}", source=str(root)))
    if (errors or not passed) and not messages:
        report.problems.append(Problem(f"ocfl-py: {errors} error(s) in the storage root", source=str(root)))
    for object_path in object_paths:
        verify_object(root / object_path, report)

"""What every packager shares: reading a converted output folder, the package date, atomic folder
output and reproducible zips.

A packager takes an output folder `OUT/<identifier>/` as `archiver convert` writes it: the canonical
record `<identifier>.json`, its figure images and any subset of the converted formats. Packages are
built in a temporary folder next to their target and renamed into place, so a package is either
complete or absent; every date written into a package comes from `SOURCE_DATE_EPOCH` or the record,
never from the clock, so the same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import InputError, PackageInvalid, UsageError
from ..record import Record, first_day
from ..reproducible import source_date_epoch

#: the folder and file names a packager never treats as payload (editor and OS litter)
IGNORED_NAMES = (".DS_Store", "Thumbs.db")


@dataclass(frozen=True)
class RecordFolder:
    """An output folder of `archiver convert`: its record and its files (sorted POSIX paths)."""
    path: Path
    record: Record
    files: tuple[str, ...]

    @property
    def identifier(self) -> str:
        return self.record.identifier

    def read(self, name: str) -> bytes:
        return (self.path / name).read_bytes()


def open_record_folder(path: Path) -> RecordFolder:
    """Read `OUT/<identifier>/`; the folder must hold `<identifier>.json` named after itself."""
    from ..record import load
    if not path.is_dir():
        raise InputError(f"{path} is not a folder", source=str(path),
                         hint="give output folders written by `archiver convert` (OUT/<identifier>/)")
    record_file = path / f"{path.name}.json"
    if not record_file.is_file():
        raise InputError(f"{path} has no record {record_file.name}", source=str(path),
                         hint="package the folders `archiver convert -o OUT` wrote: OUT/<identifier>/")
    record = load(record_file)
    if record.identifier != path.name:
        raise InputError(f"the record in {record_file} is {record.identifier!r}, not {path.name!r}",
                         source=str(record_file), hint="do not rename output folders")
    return RecordFolder(path=path, record=record, files=tuple(payload_files(path)))


def payload_files(root: Path, include_hidden: bool = False) -> list[str]:
    """Every regular file below `root` as a sorted POSIX path. Packaging leaves out hidden files and
    symlinks (a symlink could carry a file from outside the folder into a package); a fixity check
    passes `include_hidden=True`, so that nothing added to a package goes unnoticed."""
    found = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if not include_hidden and (any(part.startswith(".") for part in rel.parts) or path.name in IGNORED_NAMES):
            continue
        if (path.is_symlink() and not include_hidden) or not path.is_file():
            continue
        found.append(rel.as_posix())
    return sorted(found)


@contextlib.contextmanager
def quiet_logging() -> Iterator[None]:
    """bagit-python and ocfl-py report each step through `logging` (ocfl-py on the root logger); the
    library never prints, so their messages at WARNING and below are muted while they work."""
    import logging
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(previous)


def package_datetime(record: Record | None = None) -> dt.datetime:
    """The moment a package says it was made: SOURCE_DATE_EPOCH when set, else the record's last
    modification or publication date (midnight UTC)."""
    moment = source_date_epoch()
    if moment is not None:
        return moment
    if record is not None:
        day = first_day(record.modified or record.published)  # a year or month: its first day
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    return dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextlib.contextmanager
def building(target: Path) -> Iterator[Path]:
    """A fresh temporary folder next to `target`; on success it replaces `target` (an existing
    package is swapped out only once the new one is complete), on failure it disappears."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part"))
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old"))
            os.replace(target, old / "old")
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def copy_file(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def zip_date(moment: dt.datetime) -> tuple[int, int, int, int, int, int]:
    # The zip format cannot hold dates before 1980.
    moment = max(moment.astimezone(dt.timezone.utc), dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc))
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def zip_files(archive: zipfile.ZipFile, folder: Path, moment: dt.datetime, prefix: str = "",
              skip: Callable[[str], bool] = lambda name: False) -> None:
    """Add every file of `folder` (sorted, fixed timestamps and permissions) to an open zip; entry
    names are `prefix` + the POSIX path below `folder`."""
    stamp = zip_date(moment)
    for name in payload_files(folder):
        if skip(name):
            continue
        info = zipfile.ZipInfo(prefix + name, date_time=stamp)
        info.external_attr = 0o644 << 16
        info.create_system = 3
        # Images and packed formats do not shrink; storing them keeps zipping cheap.
        info.compress_type = (zipfile.ZIP_STORED if name.lower().endswith(
            (".png", ".jpg", ".jpeg", ".pdf", ".epub", ".zip")) else zipfile.ZIP_DEFLATED)
        archive.writestr(info, (folder / name).read_bytes())


def write_zip(folder: Path, target: Path, moment: dt.datetime, prefix: str = "",
              exclude: tuple[str, ...] = ()) -> None:
    """Zip every file of `folder` (see `zip_files`) into `target`, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            zip_files(archive, folder, moment, prefix, skip=lambda name: name in exclude)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_xml(data: bytes, source: str):
    """A package's XML, parsed without network, DTD or entity expansion; a DOCTYPE makes it invalid
    (a package's XML needs none, and a reader that resolves it could be made to fetch or expand)."""
    from lxml import etree
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise PackageInvalid(f"not well-formed XML: {exc}", source=source) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise PackageInvalid(f"the XML has a DOCTYPE ({docinfo.doctype or 'an internal subset'})",
                             source=source, hint="a package's XML carries no DOCTYPE: re-package it")
    return root


def ensure_unique(folders: list[RecordFolder]) -> None:
    seen: dict[str, Path] = {}
    for folder in folders:
        if folder.identifier in seen:
            raise UsageError(f"record {folder.identifier} is given twice ({seen[folder.identifier]} "
                                 f"and {folder.path})", hint="give each output folder once")
        seen[folder.identifier] = folder.path

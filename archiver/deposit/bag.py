"""BagIt bags (RFC 8493, BagIt-Version 1.0), one per record, with SHA-256 and SHA-512 manifests.

Layout (RFC 8493 section 2): `bagit.txt`, `data/` (the record's output folder, paths kept),
`manifest-sha256.txt`, `manifest-sha512.txt`, `bag-info.txt` (section 2.2.2 reserved elements plus the
record's Title, Author and Date) and `tagmanifest-*.txt`. Written by archiver rather than
`bagit.make_bag`, which stamps today's date, writes BagIt-Version 0.97 and lists tag files in
directory order; the bags are judged by bagit-python's validator.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..errors import Problem
from . import RecordFolder, building, copy_file, package_datetime
from .fixity import FixityReport, compare, digests, manifest_text, read_manifest

ALGORITHMS = ("sha256", "sha512")
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def bag_info(folder: RecordFolder, payload_bytes: int, payload_files: int) -> list[tuple[str, str]]:
    record = folder.record
    info = [
        ("Source-Organization", record.publisher.name),
        ("External-Identifier", record.identifier),
        ("Title", record.title),
        *[("Author", author.name) for author in record.authors],
        ("Date", record.published),
        ("Bagging-Date", package_datetime(record).date().isoformat()),
        ("Bag-Software-Agent", f"archiver {__version__}"),
        ("Payload-Oxum", f"{payload_bytes}.{payload_files}"),
    ]
    if record.publisher.place:
        info.append(("Organization-Address", record.publisher.place))
    if record.series:
        info.append(("Bag-Group-Identifier", record.series.name))
    if record.abstract:
        info.append(("External-Description", record.abstract))
    for identifier in filter(None, [record.links and record.links.doi and f"doi:{record.links.doi}",
                                    record.links and record.links.handle and f"hdl:{record.links.handle}"]):
        info.append(("External-Identifier", identifier))
    return info


def _tag_line(label: str, value: str) -> str:
    # A tag value is one line (RFC 8493 section 2.2.2 allows folding; one line is simplest to read back).
    return f"{label}: {' '.join(value.split())}\n"


def make_bag(folder: RecordFolder, target: Path) -> Path:
    """Write the bag of one record at `target` (replacing an older one atomically)."""
    with building(target) as tmp:
        manifests: dict[str, dict[str, str]] = {name: {} for name in ALGORITHMS}
        total = 0
        for name in folder.files:
            source = folder.path / name
            copy_file(source, tmp / "data" / name)
            for algorithm, digest in digests(source, ALGORITHMS).items():
                manifests[algorithm][f"data/{name}"] = digest
            total += source.stat().st_size
        (tmp / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
        for algorithm, entries in manifests.items():
            (tmp / f"manifest-{algorithm}.txt").write_text(manifest_text(entries), encoding="utf-8")
        info = bag_info(folder, total, len(folder.files))
        (tmp / "bag-info.txt").write_text("".join(_tag_line(k, v) for k, v in info), encoding="utf-8")
        tag_files = ["bag-info.txt", "bagit.txt", *(f"manifest-{a}.txt" for a in ALGORITHMS)]
        for algorithm in ALGORITHMS:
            entries = {name: digests(tmp / name, (algorithm,))[algorithm] for name in tag_files}
            (tmp / f"tagmanifest-{algorithm}.txt").write_text(manifest_text(entries), encoding="utf-8")
    return target


def verify_bag(path: Path, report: FixityReport) -> None:
    """The bag's declaration, every payload and tag manifest against the files (changed, missing,
    extra named), `fetch.txt` against the manifests (never fetched), then bagit-python's own
    validation for what the manifests cannot show (Payload-Oxum, the form of bagit.txt)."""
    import bagit
    from . import payload_files
    from .bagrules import check_declaration, check_fetch, known_algorithm
    check_declaration(path, report)
    manifests = sorted(path.glob("manifest-*.txt"))
    if not manifests:
        report.problems.append(Problem("bag has no payload manifest", source=str(path),
                                       hint="a bag needs at least one manifest-<algorithm>.txt"))
    if not (path / "data").is_dir():
        report.problems.append(Problem("bag has no payload folder data/ (RFC 8493 section 2.1.2)",
                                       source=str(path), hint="restore data/ from another copy"))
    payload = [f"data/{name}" for name in payload_files(path / "data", include_hidden=True)] \
        if (path / "data").is_dir() else []
    listed_payload: set[str] = set()
    for manifest in manifests:
        algorithm = manifest.stem.removeprefix("manifest-")
        expected = read_manifest(manifest, report) if known_algorithm(manifest, report) else None
        if expected is None:
            continue
        outside = sorted(name for name in expected if not name.startswith("data/"))
        for name in outside:  # RFC 8493 section 2.1.3: a payload manifest lists payload files only
            report.problems.append(Problem(f"payload manifest lists {name}, which is not in data/",
                                           source=str(manifest), hint="list only files under data/"))
            del expected[name]
        listed_payload.update(expected)
        compare(path, expected, algorithm, str(manifest), payload, report, what="payload file")
    for manifest in sorted(path.glob("tagmanifest-*.txt")):
        algorithm = manifest.stem.removeprefix("tagmanifest-")
        expected = read_manifest(manifest, report) if known_algorithm(manifest, report) else None
        if expected is None:
            continue
        for name in sorted(name for name in expected if name.startswith("data/")):
            report.problems.append(Problem(f"tag manifest lists payload file {name} (RFC 8493 section 2.2.1)",
                                           source=str(manifest), hint="list payload files in manifest-*.txt only"))
            del expected[name]
        listed = [name for name in expected if (path / name).is_file()]
        compare(path, expected, algorithm, str(manifest), listed, report, what="tag file")
    check_fetch(path, listed_payload, report)
    if report.problems:
        return
    from . import quiet_logging
    try:
        with quiet_logging():
            bagit.Bag(str(path)).validate(processes=1)
    except bagit.BagError as error:
        details = getattr(error, "details", None) or [error]
        for detail in details:
            report.problems.append(Problem(f"bagit: {detail}", source=str(path)))
    except Exception as error:  # noqa: BLE001 - bagit-python on a hostile bag: its failure is a finding
        report.problems.append(Problem(f"bagit-python cannot validate the bag: {type(error).__name__}: {error}",
                                       source=str(path)))

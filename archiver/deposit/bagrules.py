"""The rules of BagIt (RFC 8493) that a bag's manifests cannot check themselves: the declaration
`bagit.txt` (section 2.1.1), the manifest algorithms (sections 2.1.3, 2.4), the tag file form of
`bag-info.txt` (sections 2.2.2, 2.3) and `fetch.txt` (section 2.2.3), whose entries are checked
against the payload manifests and reported, never fetched: archiver reads nothing from the network.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from .. import bounded
from ..errors import Problem
from .fixity import FixityReport, decode_manifest_path

#: manifest algorithms archiver computes (RFC 8493 section 2.4 names md5, sha1, sha256, sha512)
ALGORITHMS = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
_DECLARATION = (re.compile(r"BagIt-Version: (\d+)\.(\d+)"), re.compile(r"Tag-File-Character-Encoding: (\S+)"))
_TAG_LINE = re.compile(r"[^\s:][^:]*:\s?.*|[ \t].*")


def _read(path: Path, report: FixityReport) -> str | None:
    try:
        return bounded.read_text(path, "manifest")
    except bounded.Refused as refused:
        report.problems.extend(refused.problems)
        return None


def check_declaration(bag: Path, report: FixityReport) -> None:
    """Section 2.1.1: `bagit.txt` exists and is exactly `BagIt-Version: M.N` then
    `Tag-File-Character-Encoding: ENCODING`."""
    path = bag / "bagit.txt"
    if not path.exists():
        report.problems.append(Problem("bag declaration bagit.txt is missing (RFC 8493 section 2.1.1)",
                                       source=str(bag), hint="restore bagit.txt: `BagIt-Version: 1.0` and "
                                       "`Tag-File-Character-Encoding: UTF-8`, one per line"))
        return
    text = _read(path, report)
    if text is None:
        return
    lines = text.splitlines()
    if len(lines) != 2 or not all(pattern.fullmatch(line) for pattern, line in zip(_DECLARATION, lines)):
        report.problems.append(Problem("bagit.txt is not the two lines `BagIt-Version: M.N` and "
                                       "`Tag-File-Character-Encoding: ENCODING` (RFC 8493 section 2.1.1)",
                                       source=str(path), hint="restore bagit.txt from another copy"))
    elif _DECLARATION[1].fullmatch(lines[1])[1].upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        report.notes.append(f"bagit.txt declares {lines[1].split(': ', 1)[1]}: archiver reads tag files as UTF-8")
    info = bag / "bag-info.txt"
    if info.exists() and (text := _read(info, report)) is not None:
        for number, line in enumerate(text.splitlines(), start=1):
            if line and (not _TAG_LINE.fullmatch(line) or (number == 1 and line[0] in " \t")):
                report.problems.append(Problem("not a `Label: value` line (RFC 8493 section 2.2.2)",
                                               source=str(info), line=number,
                                               hint="each line is a label, a colon and a value"))


def known_algorithm(manifest: Path, report: FixityReport) -> bool:
    """Section 2.4: a manifest's algorithm (its name, `manifest-ALG.txt`) is one archiver can compute."""
    algorithm = manifest.stem.split("-", 1)[1]
    if algorithm in ALGORITHMS:
        return True
    report.problems.append(Problem(f"{manifest.name} names the algorithm {algorithm!r}, which archiver does not "
                                   "check (RFC 8493 section 2.4)", source=str(manifest),
                                   hint=f"use one of: {', '.join(ALGORITHMS)}"))
    return False


def check_fetch(bag: Path, listed: set[str], report: FixityReport) -> None:
    """Section 2.2.3: every line of `fetch.txt` is `URL LENGTH FILEPATH`, names a payload file that
    every payload manifest lists, and that file is present (a bag is complete only then). Nothing is
    fetched; a URL is printed without its user name and password."""
    path = bag / "fetch.txt"
    if not path.exists():
        return
    text = _read(path, report)
    if text is None:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split(None, 2)
        if len(parts) != 3 or not re.fullmatch(r"\d+|-", parts[1]) or \
                not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", parts[0]):
            report.problems.append(Problem("not a `URL LENGTH FILEPATH` line (RFC 8493 section 2.2.3)",
                                           source=str(path), line=number,
                                           hint="each line is an absolute URL, a length in bytes or -, a path"))
            continue
        url, name = _without_userinfo(parts[0]), decode_manifest_path(parts[2])
        if not name.startswith("data/") or ".." in name.split("/"):
            report.problems.append(Problem(f"fetch.txt names {name}, which is not a payload file under data/",
                                           source=str(path), line=number, hint="fetch.txt lists payload files only"))
        elif name not in listed:
            report.problems.append(Problem(f"fetch.txt names {name} (from {url}), which no payload manifest lists "
                                           "(RFC 8493 section 2.2.3)", source=str(path), line=number,
                                           hint="every file to fetch must be in every payload manifest"))
        elif not (bag / name).is_file():
            report.problems.append(Problem(f"{name} is still to be fetched from {url}: the bag is incomplete "
                                           "(RFC 8493 section 3); archiver never fetches", source=str(path),
                                           line=number, hint="fetch the file yourself, then verify again"))


def _without_userinfo(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<a malformed URL>"
    if parts.username is None and parts.password is None:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))

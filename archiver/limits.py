"""The documented limits on what archiver reads and on the size of a record (README "Limits").

Every file archiver reads goes through `bounded.read` with one of the kinds below, and its limit is
counted on the bytes actually read (a device reports size 0). Every record is checked against the
shape limits before the schema validators walk it (they recurse). Each limit can be changed for a
run through the environment variable named in `ENVIRONMENT`, e.g. `ARCHIVER_MAX_SOURCE_BYTES=64MiB`
or `ARCHIVER_MAX_TABLE_COLUMNS=200`; the variables are read when a limit is asked for, so a build's
worker processes see what the command was started with.
"""

from __future__ import annotations

import os
import re

from .errors import UsageError

MiB = 1 << 20

#: kind of file -> the largest number of bytes archiver reads of it
BYTE_LIMITS: dict[str, int] = {
    "source": 32 * MiB,     # a page, manuscript, JATS article or loose JSON/YAML/CSV export
    "sidecar": 32 * MiB,    # a file a source names beside it: a manuscript's metadata, its images
    "record": 32 * MiB,     # a canonical record (.json)
    "image": 32 * MiB,      # a figure's image file
    "manifest": 64 * MiB,   # a package's manifest: BagIt manifests and tag files, manifest-sha256.txt, mets.xml
    "inventory": 64 * MiB,  # an OCFL inventory.json
    "style": 4 * MiB,       # a file of a brand's style folder (style.json, CSS)
    "archive": 512 * MiB,   # a web archive (.warc, .warc.gz, .wacz): a whole crawl
    "collection": 1 * MiB,  # a collection file (--collection): a few defaults
    "response": 8 * MiB,    # one answer of a SWORD server: service document, receipt, statement, error
    "package": 1024 * MiB,  # a zipped package given to `deposit`: held in memory to be sent and summed
}

#: shape of a record -> its largest value
RECORD_LIMITS: dict[str, int] = {
    "depth": 64,                # JSON nesting of a record (a section in a list in a quote ... counts each level)
    "blocks": 20_000,           # block nodes (paragraphs, headings, list items' blocks ...) in a record
    "text": 4_000_000,          # characters of text in a record's body and notes
    "table_columns": 100,       # cells in one row of a table
    "table_rows": 10_000,       # rows of one table
    "cell_text": 20_000,        # characters of text in one table cell
    "number_digits": 100,       # digits of a number in a JSON or YAML source
    "pixels": 25_000_000,       # width x height of a figure image (decoding one holds 3-4 bytes per pixel)
    "problems": 200,            # problems reported for one source before archiver stops looking
}

#: work -> the most seconds of CPU it may take
TIME_LIMITS: dict[str, int] = {
    "record_cpu_seconds": 300,  # a build's pool worker reading a source, or converting one of its records
}

ENVIRONMENT: dict[str, str] = {
    **{kind: f"ARCHIVER_MAX_{kind.upper()}_BYTES" for kind in BYTE_LIMITS},
    **{name: f"ARCHIVER_MAX_{name.upper()}" for name in RECORD_LIMITS},
    **{name: f"ARCHIVER_MAX_{name.upper()}" for name in TIME_LIMITS},
}

_SIZE = re.compile(r"\s*(\d+)\s*(|k|kib|m|mib|g|gib)\s*", re.I)
_UNITS = {"": 1, "k": 1 << 10, "kib": 1 << 10, "m": MiB, "mib": MiB, "g": 1 << 30, "gib": 1 << 30}


def check_environment() -> None:
    """Refuse (UsageError) a limit variable that is set to something other than a positive size, once,
    before a command starts: found later, it would fail every source of a batch in turn."""
    for kind in BYTE_LIMITS:
        byte_limit(kind)
    for name in RECORD_LIMITS:
        record_limit(name)
    for name in TIME_LIMITS:
        time_limit(name)


def byte_limit(kind: str) -> int:
    """The byte limit of a kind of file (BYTE_LIMITS, or its environment variable)."""
    return _configured(kind, BYTE_LIMITS[kind])


def record_limit(name: str) -> int:
    """A record shape limit (RECORD_LIMITS, or its environment variable)."""
    return _configured(name, RECORD_LIMITS[name])


def time_limit(name: str) -> int:
    """A limit of CPU seconds (TIME_LIMITS, or its environment variable)."""
    return _configured(name, TIME_LIMITS[name])


def _configured(name: str, default: int) -> int:
    variable = ENVIRONMENT[name]
    text = os.environ.get(variable)
    if text is None or not text.strip():
        return default
    match = _SIZE.fullmatch(text)
    if not match or int(match[1]) < 1:
        units = " (bytes may carry KiB, MiB or GiB)" if name in BYTE_LIMITS else ""
        raise UsageError(f"{variable}={text!r} is not a positive number",
                         hint=f"give a whole number{units}, e.g. {variable}={default}")
    return int(match[1]) * _UNITS[match[2].lower()]


def describe(size: int) -> str:
    """A byte count as the README and messages state limits: "32 MiB", "512 KiB", "100 bytes"."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", MiB), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"

"""Ingest: any source a librarian has -> canonical records.

A reader is a module with
    sniff(data: bytes, name: str) -> bool          # does this look like my kind? (content first)
    read(data: bytes, name: str) -> list[Draft]    # one Draft per article found
Readers return record JSON without `provenance` (which `ingest` adds) and typed warnings; they raise
`InputError` for a source they cannot read and `RecordInvalid` (with JSON pointers) for values they
cannot normalise. `ingest` validates every record against the schema before anyone writes it.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePath
from typing import Any

from .. import __version__
from ..errors import ArchiverWarning, InputError, UsageError
from ..record import Record, validate


@dataclass
class Draft:
    """A record's JSON as a reader made it, before provenance and validation."""
    data: dict[str, Any]
    warnings: list[ArchiverWarning] = field(default_factory=list)


#: kind -> reader module, in the order content sniffing tries them (most specific first)
READERS: dict[str, str] = {
    "html": "archiver.ingest.html",
    "pagetext": "archiver.ingest.pagetext",
}


def ingest_date() -> str:
    """The date a record is made: SOURCE_DATE_EPOCH when set (reproducible builds), else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    return moment.date().isoformat()


def detect(data: bytes, name: str) -> str:
    for kind, module in READERS.items():
        if importlib.import_module(module).sniff(data, name):
            return kind
    raise InputError(f"{name}: not a source archiver recognises", source=name,
                     hint=f"give --from KIND (one of: {', '.join(READERS)}) if you know what it is")


def ingest(data: bytes, name: str, kind: str | None = None) -> list[tuple[Record, list[ArchiverWarning]]]:
    """Every record in one source, validated, with provenance filled in."""
    if kind is not None and kind not in READERS:
        raise UsageError(f"unknown source kind {kind!r}", hint=f"use one of: {', '.join(READERS)}")
    kind = kind or detect(data, name)
    drafts = importlib.import_module(READERS[kind]).read(data, name)
    digest = hashlib.sha256(data).hexdigest()
    results = []
    for draft in drafts:
        record_data = dict(draft.data)
        provenance = {"reader": kind, "source_file": PurePath(name).name, "source_sha256": digest,
                      "archiver_version": __version__, "ingested": ingest_date()}
        provenance.update(record_data.get("provenance") or {})
        record_data["provenance"] = provenance
        results.append((validate(record_data, name), draft.warnings))
    return results

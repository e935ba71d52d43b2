"""Deposit records: what was deposited where, one small JSON document per package and collection,
so that a rerun of `archiver deposit` says "already deposited" instead of making a duplicate item.

The records live in a state folder (`--state`, else ARCHIVER_STATE_DIR, else
`$XDG_STATE_HOME/archiver/deposits`, i.e. `~/.local/state/archiver/deposits` by the XDG Base
Directory specification), never inside a package: a package stays exactly as `archiver package`
wrote it, so its fixity still holds. A record names the service document, the collection IRI,
the package (name, packaging, MD5, size), the Edit-IRI and the state the server reported; one for
a deposit that failed half-way and could not be removed names the Edit-IRI it left behind.

This module builds and reads records; the CLI writes them (atomically).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from .. import __version__
from ..reproducible import source_date_epoch

DEPOSITED = "deposited"
LEFT_INCOMPLETE = "left incomplete"
MAX_RECORD_BYTES = 64 * 1024


def state_folder(option: Path | None, environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if option is not None:
        return option
    if environ.get("ARCHIVER_STATE_DIR"):
        return Path(environ["ARCHIVER_STATE_DIR"])
    base = environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "archiver" / "deposits"


def record_path(folder: Path, collection_iri: str, package_name: str) -> Path:
    """One file per (collection, package): a readable name plus a digest of both, so that no name
    (however odd) reaches outside the folder and two collections never share a record."""
    digest = hashlib.sha256(f"{collection_iri}\n{package_name}".encode("utf-8")).hexdigest()[:16]
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", package_name)[:80].lstrip(".") or "package"
    return folder / f"{readable}-{digest}.json"


def read(path: Path) -> dict | None:
    """The record at `path`, or None when there is none; a damaged record counts as none (the CLI
    says so), since refusing to deposit for it would leave the user stuck."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RECORD_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if len(data) > MAX_RECORD_BYTES:
        raise ValueError(f"larger than {MAX_RECORD_BYTES} bytes")
    record = json.loads(data.decode("utf-8"))
    if not isinstance(record, dict) or record.get("status") not in (DEPOSITED, LEFT_INCOMPLETE):
        raise ValueError("not a deposit record")
    return record


def _now() -> str:
    import datetime as dt
    moment = source_date_epoch() or dt.datetime.now(dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(status: str, service_url: str, collection_title: str, collection_iri: str, package, *,
          edit_iri: str | None, states: list[str] | None = None) -> bytes:
    record = {"status": status, "service_document": service_url, "collection": collection_title,
              "collection_iri": collection_iri, "package": package.name, "packaging": package.packaging,
              "md5": package.md5, "bytes": len(package.data), "edit_iri": edit_iri, "states": states or [],
              "when": _now(), "archiver": __version__}
    return (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

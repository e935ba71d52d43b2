"""Damaging a zip on purpose, for the negative cases of the SAF checks."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

Entries = dict[str, bytes]


def rezip(source: Path, target: Path, change: Callable[[Entries], Entries]) -> Path:
    """Write `target` holding the entries of `source` (name -> bytes, in order) after `change`."""
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries = change(entries)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return target

"""The output formats: a plain table of names (with aliases) to lazily imported render functions.

Every writer has the signature `render(record: Record, context: RenderContext) -> bytes` and never
touches the file system: the CLI decides where the bytes go. A format's module is imported only when
that format is rendered.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

from ..errors import UsageError
from ..record import Record
from ..style import Style


@dataclass(frozen=True)
class RenderContext:
    """Everything a writer may use besides the record, resolved once by the caller."""
    style: Style
    #: figure image path (as in the record) -> the image's bytes; a missing image is simply absent
    assets: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    function: str
    #: output file name; `{id}` is the record's identifier
    filename: str
    media_type: str
    description: str
    aliases: tuple[str, ...] = ()

    def output_name(self, record: Record) -> str:
        return self.filename.format(id=record.identifier)

    def renderer(self) -> Callable[[Record, RenderContext], bytes]:
        return getattr(importlib.import_module(self.module), self.function)


FORMATS: dict[str, Format] = {
    "jats": Format("jats", "archiver.writers.jats", "render", "{id}.xml", "application/jats+xml",
                   "JATS 1.4 Archiving XML", aliases=("xml",)),
    "epub": Format("epub", "archiver.writers.epub", "render", "{id}.epub", "application/epub+zip",
                   "EPUB 3.3 reading copy"),
    "pdf": Format("pdf", "archiver.writers.pdf", "render", "{id}.pdf", "application/pdf",
                  "PDF/A-3b with embedded sources"),
}

#: names that stand for several formats at once
GROUPS: dict[str, tuple[str, ...]] = {}


def resolve(names: str | None) -> list[Format]:
    """Formats named by a comma list of names, aliases and groups (default: all), in table order."""
    if not names:
        return list(FORMATS.values())
    wanted: set[str] = set()
    for raw in names.split(","):
        name = raw.strip().lower()
        if name in ("", "all"):
            wanted.update(FORMATS)
            continue
        if name in GROUPS:
            wanted.update(GROUPS[name])
            continue
        match = next((f for f in FORMATS.values() if name == f.name or name in f.aliases), None)
        if match is None:
            known = ", ".join([*FORMATS, *GROUPS])
            raise UsageError(f"unknown format {raw.strip()!r}", hint=f"use one of: {known}")
        wanted.add(match.name)
    return [f for f in FORMATS.values() if f.name in wanted]

"""The output formats: a plain table of names (with aliases) to lazily imported render functions.

Every writer has the signature `render(record: Record, context: RenderContext) -> bytes` and never
touches the file system or prints: the CLI decides where the bytes go, and what a writer has to say
about the record goes into `context.warnings`. A format's module is imported only when
that format is rendered.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

from ..errors import ArchiverWarning, UsageError
from ..record import Record
from ..style import Style


@dataclass(frozen=True)
class RenderContext:
    """Everything a writer may use besides the record, resolved once by the caller."""
    style: Style
    #: figure image path (as in the record) -> the image's bytes; a missing image is simply absent
    assets: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    #: what the writers found about the record as they rendered it (a figure image the PDF cannot
    #: decode), for the caller to report with the record's own warnings
    warnings: list[ArchiverWarning] = field(default_factory=list, compare=False, repr=False)
    #: format name -> (record, its bytes) rendered through `output`
    _rendered: dict[str, tuple[Record, bytes]] = field(default_factory=dict, compare=False, repr=False)

    def output(self, record: Record, name: str) -> bytes:
        """The record in format `name`, rendered once per context: a writer that embeds another format
        (the PDF carries the JATS) gets the bytes already made for the record's own file."""
        entry = self._rendered.get(name)
        if entry is None or entry[0] is not record:
            entry = self._rendered[name] = (record, FORMATS[name].renderer()(record, self))
        return entry[1]

    def record_json(self, record: Record) -> bytes:
        """The record's canonical JSON (`<id>.json`), serialised once per context: the record's own
        file and the copy the PDF embeds are the same bytes."""
        entry = self._rendered.get(RECORD_JSON)
        if entry is None or entry[0] is not record:
            entry = self._rendered[RECORD_JSON] = (record, record.dumps().encode("utf-8"))
        return entry[1]


#: the key of the record's own JSON among a context's renders (no format has this name)
RECORD_JSON = "record"


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
    #: name of a function of the writer module, `(record, style) -> str | None`: why this record cannot
    #: be written in this format (e.g. Crossref without a DOI or a depositor), or None. Selected through a group, such a
    #: record skips the format with a warning; named explicitly, the writer's error stands.
    precondition: str | None = None

    def output_name(self, record: Record) -> str:
        return self.filename.format(id=record.identifier)

    def renderer(self) -> Callable[[Record, RenderContext], bytes]:
        return getattr(importlib.import_module(self.module), self.function)

    def unmet(self, record: Record, style: Style) -> str | None:
        """Why `record` cannot be written in this format, or None (see `precondition`)."""
        if self.precondition is None:
            return None
        return getattr(importlib.import_module(self.module), self.precondition)(record, style)


FORMATS: dict[str, Format] = {
    "jats": Format("jats", "archiver.writers.jats", "render", "{id}.xml", "application/jats+xml",
                   "JATS 1.4 Archiving XML", aliases=("xml",)),
    "epub": Format("epub", "archiver.writers.epub", "render", "{id}.epub", "application/epub+zip",
                   "EPUB 3.3 reading copy"),
    "pdf": Format("pdf", "archiver.writers.pdf", "render", "{id}.pdf", "application/pdf",
                  "Tagged PDF/A-3a and PDF/UA-1 with embedded sources"),
}

#: names that stand for several formats at once
GROUPS: dict[str, tuple[str, ...]] = {}


def resolve(names: str | None) -> list[Format]:
    """Formats named by a comma list of names, aliases and groups (None: all), in table order. A list
    that names nothing (`--to ''`, `--to ,,,`) is a usage error, never "all"."""
    if names is None:
        return list(FORMATS.values())
    if not names.replace(",", "").strip():
        raise UsageError(f"--to {names!r} names no format",
                         hint=f"give a comma list of formats or groups, e.g. --to jats,pdf (see `archiver formats`); "
                              "leave --to out for all")
    wanted: set[str] = set()
    for raw in names.split(","):
        name = raw.strip().lower()
        if not name:
            continue  # "jats,,pdf": an empty entry names nothing
        if name == "all":
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


def named_explicitly(names: str | None) -> set[str]:
    """The formats a comma list names by name or alias, as opposed to through a group or "all"."""
    named = set()
    for raw in (names or "").split(","):
        name = raw.strip().lower()
        match = next((f for f in FORMATS.values() if name == f.name or name in f.aliases), None)
        if match is not None:
            named.add(match.name)
    return named


# Citation formats and the landing page (issue 7): one crosswalk, archiver/citation, feeds them all.
for _fmt in (
    Format("csl-json", "archiver.writers.csljson", "render", "{id}.csl.json", "application/vnd.citationstyles.csl+json",
           "CSL-JSON citation data (CSL 1.0.2), for Zotero, Mendeley, pandoc"),
    Format("bibtex", "archiver.writers.bibtex", "render", "{id}.bib", "application/x-bibtex",
           "BibTeX @techreport", aliases=("bib",)),
    Format("ris", "archiver.writers.ris", "render", "{id}.ris", "application/x-research-info-systems",
           "RIS reference (TY  - RPRT), for EndNote and reference managers"),
    Format("dc", "archiver.writers.dublincore", "render", "{id}.dc.xml", "application/xml",
           "Dublin Core as an OAI-PMH oai_dc record", aliases=("oai_dc", "dublincore")),
    Format("datacite", "archiver.writers.datacite", "render", "{id}.datacite.xml", "application/xml",
           "DataCite Metadata Schema 4.5 XML; needs a DOI", precondition="missing"),
    Format("crossref", "archiver.writers.crossref", "render", "{id}.crossref.xml", "application/xml",
           "Crossref 5.5.0 deposit (report-paper); needs a DOI and a depositor in the style",
           precondition="missing"),
    Format("html", "archiver.writers.html", "render", "index.html", "text/html",
           "Landing page with Highwire, Dublin Core and schema.org metadata", aliases=("landing",)),
):
    FORMATS[_fmt.name] = _fmt

GROUPS["cite"] = ("csl-json", "bibtex", "ris", "dc", "datacite", "crossref")

"""The canonical commentary record: a typed model of `schemas/commentary.schema.json`.

Every reader produces a `Record` and every writer consumes only a `Record`. Conversion to and from
JSON is lossless: `Record.from_json(d).to_json() == d` for every valid `d` (an optional field that is
absent stays absent; one that is present, even as an empty list, stays present).

Schema 1.1 added organisation authors, dates as precise as the source (`YYYY`, `YYYY-MM`), the reference
list, acknowledgements and author notes. A 1.0 record is read as it is, never upgraded: it keeps its
`schema_version`, so the round trip above holds for both versions, and every 1.0 record is a 1.1 record
in all but that label. Readers write 1.1.

The body is a closed set of node types. Plain text inside a run of inlines is a `str`; every other node
is a frozen dataclass whose `type` tag is its JSON `type`.

What the schema and the checks beside it say about a record's JSON data is `recordschema`'s;
`validate` and `load` here refuse a record on its problems or return its model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Union

from .errors import RecordInvalid
from .recordschema import problems, schema  # noqa: F401 - part of the record's API (`validate` uses problems)

SCHEMA_VERSION = "1.1"
#: Every version a record may say it follows (1.0 records are read as they are).
SCHEMA_VERSIONS = ("1.0", "1.1")


# Inline nodes ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Styled:
    """Emphasis, strong, superscript or subscript."""
    type: str
    content: list["Inline"]


@dataclass(frozen=True)
class Link:
    url: str
    content: list["Inline"]
    type: str = "link"


@dataclass(frozen=True)
class Code:
    text: str
    type: str = "code"


@dataclass(frozen=True)
class NoteRef:
    note: str
    type: str = "note_ref"


Inline = Union[str, Styled, Link, Code, NoteRef]
STYLED_TYPES = ("emphasis", "strong", "superscript", "subscript")


# Block nodes ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Section:
    title: list[Inline]
    blocks: list["Block"]
    id: str | None = None
    type: str = "section"


@dataclass(frozen=True)
class Paragraph:
    content: list[Inline]
    type: str = "paragraph"


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: list[list["Block"]]
    type: str = "list"


@dataclass(frozen=True)
class Quote:
    blocks: list["Block"]
    attribution: list[Inline] | None = None
    type: str = "quote"


@dataclass(frozen=True)
class Figure:
    id: str
    caption: list[Inline]
    image: str | None = None
    credit: str | None = None
    alt: str | None = None
    license: str | None = None
    type: str = "figure"


@dataclass(frozen=True)
class Table:
    id: str
    rows: list[list[list[Inline]]]
    caption: list[Inline] | None = None
    head: list[list[list[Inline]]] | None = None
    type: str = "table"


Block = Union[Section, Paragraph, ListBlock, Quote, Figure, Table]

BLOCK_TYPES: dict[str, type] = {
    "section": Section, "paragraph": Paragraph, "list": ListBlock,
    "quote": Quote, "figure": Figure, "table": Table,
}
INLINE_TYPES: dict[str, type] = {
    **{name: Styled for name in STYLED_TYPES}, "link": Link, "code": Code, "note_ref": NoteRef,
}
#: Every node type of the schema, block and inline ("text" is the plain-string inline).
NODE_TYPES = (*BLOCK_TYPES, *INLINE_TYPES, "text")


@dataclass(frozen=True)
class Note:
    id: str
    blocks: list[Block]
    label: str | None = None


@dataclass(frozen=True)
class Body:
    blocks: list[Block]
    notes: list[Note] | None = None


# Metadata -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Series:
    name: str
    number: str | None = None
    issn: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Affiliation:
    name: str
    country: str | None = None
    country_code: str | None = None


@dataclass(frozen=True)
class Author:
    name: str
    given: str | None = None
    family: str | None = None
    name_order: str | None = None
    affiliations: list[Affiliation] | None = None
    bio: str | None = None
    orcid: str | None = None
    email: str | None = None
    kind: str | None = None

    @property
    def is_organization(self) -> bool:
        """An organisation or group author: a name only, never split into given and family names."""
        return self.kind == "organization"


@dataclass(frozen=True)
class ReferenceName:
    """A name in a reference: family (and given) name, or a literal name that is never split."""
    given: str | None = None
    family: str | None = None
    literal: str | None = None


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list: the citation as printed, and the parts the source gives."""
    id: str
    citation: list[Inline]
    doi: str | None = None
    url: str | None = None
    type: str | None = None
    title: str | None = None
    authors: list[ReferenceName] | None = None
    container_title: str | None = None
    issued: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None

    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None

    def links_to_add(self) -> list[str]:
        """The DOI (as a doi.org URL) and URL of the work cited that its printed citation does not
        already show as text or as a link: what an output adds after the citation, once."""
        shown = plain_text(self.citation) + " " + " ".join(
            node.url for node in walk_inlines(self.citation) if isinstance(node, Link))
        wanted = [url for url in (self.doi_url(), self.url) if url]
        if self.doi and self.doi in shown:
            wanted = [url for url in wanted if url != self.doi_url()]
        return [url for url in dict.fromkeys(wanted) if url not in shown]


@dataclass(frozen=True)
class AuthorNote:
    """A note about the authors, as printed; `kind` is one of the schema's author-note kinds."""
    kind: str
    content: list[Inline]


@dataclass(frozen=True)
class Publisher:
    name: str
    place: str | None = None
    country_code: str | None = None
    parent: str | None = None


@dataclass(frozen=True)
class Rights:
    statement: str | None = None
    holder: str | None = None
    year: int | None = None
    license: str | None = None


@dataclass(frozen=True)
class Links:
    source: str | None = None
    pdf: str | None = None
    doi: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class CollectionUse:
    file: str
    fields: list[str]
    sha256: str | None = None


@dataclass(frozen=True)
class ArchiveCapture:
    file: str
    record_id: str
    target_uri: str
    captured: str | None = None
    payload_digest: str | None = None


@dataclass(frozen=True)
class Provenance:
    reader: str
    source_file: str | None = None
    source_sha256: str | None = None
    archiver_version: str | None = None
    ingested: str | None = None
    collection: CollectionUse | None = None
    archive: ArchiveCapture | None = None
    note: str | None = None


@dataclass(frozen=True)
class Record:
    schema_version: str
    identifier: str
    title: str
    authors: list[Author]
    published: str
    language: str
    publisher: Publisher
    series: Series | None = None
    subtitle: str | None = None
    modified: str | None = None
    editor_note: str | None = None
    abstract: str | None = None
    body: Body | None = None
    subjects: list[str] | None = None
    coverage: list[str] | None = None
    rights: Rights | None = None
    links: Links | None = None
    provenance: Provenance | None = None
    acknowledgements: list[Block] | None = None
    author_notes: list[AuthorNote] | None = None
    references: list[Reference] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Record":
        """Build the model from a record that is valid against the schema (see `validate`)."""
        return _decode(cls, data)

    def to_json(self) -> dict[str, Any]:
        """The record as JSON data, in schema order, with absent optional fields left out."""
        return _encode(self)

    def dumps(self) -> str:
        """Canonical JSON text: UTF-8 characters kept, two-space indent, trailing newline."""
        return dumps(self.to_json())

    def figures(self) -> Iterator[Figure]:
        """Every figure: the body's, then the acknowledgements' (a block list like the body's)."""
        blocks = [*(self.body.blocks if self.body else []), *(self.acknowledgements or [])]
        return (node for node in walk(blocks) if isinstance(node, Figure))

    def notes(self) -> list[Note]:
        return self.body.notes if self.body and self.body.notes else []

    def note_labels(self) -> dict[str, str]:
        """Note id -> the mark every output shows for the note and its references: the note's printed
        label, else its number in the order of the notes."""
        return {note.id: note.label or str(number) for number, note in enumerate(self.notes(), 1)}


# JSON <-> model -------------------------------------------------------------------------------------

# Canonical key order of each JSON object: the schema's own order, with `type` first on nodes.
_JSON_ORDER: dict[type, tuple[str, ...]] = {
    Record: ("schema_version", "identifier", "series", "title", "subtitle", "authors", "published",
             "modified", "language", "publisher", "editor_note", "abstract", "body", "acknowledgements",
             "author_notes", "references", "subjects", "coverage", "rights", "links", "provenance"),
    Section: ("type", "id", "title", "blocks"),
    Paragraph: ("type", "content"),
    ListBlock: ("type", "ordered", "items"),
    Quote: ("type", "blocks", "attribution"),
    Figure: ("type", "id", "image", "caption", "credit", "alt", "license"),
    Table: ("type", "id", "caption", "head", "rows"),
    Styled: ("type", "content"),
    Link: ("type", "url", "content"),
    Code: ("type", "text"),
    NoteRef: ("type", "note"),
    CollectionUse: ("file", "sha256", "fields"),
}


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, value: Any) -> Any:
    """The model of a JSON value of type `tp`: None stays None; a node by its `type` tag, a list item by
    item, a dataclass field by field (the absent ones left to their defaults); anything else as it is."""
    return None if value is None else _decoder(tp)(value)


#: type -> the function decoding a JSON value (not None) of it, planned once per type: decoding a
#: record asked typing about every value's type, a third of `validate`'s time
_DECODERS: dict[Any, Callable[[Any], Any]] = {}


def _decoder(tp: Any) -> Callable[[Any], Any]:
    found = _DECODERS.get(tp)
    if found is None:
        found = _DECODERS[tp] = _plan(tp)
    return found


def _plan(tp: Any) -> Callable[[Any], Any]:
    if tp == Inline:
        return lambda value: value if isinstance(value, str) else _decoder(INLINE_TYPES[value["type"]])(value)
    if tp == Block:
        return lambda value: _decoder(BLOCK_TYPES[value["type"]])(value)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _decoder(inner)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        item = _decoder(item_tp)
        return lambda value: [None if entry is None else item(entry) for entry in value]
    if dataclasses.is_dataclass(tp):
        fields: list[tuple[str, Callable[[Any], Any]]] = []  # planned on first use: types nest in themselves

        def decode_object(value: Any) -> Any:
            if not fields:
                fields.extend((name, _decoder(hint)) for name, hint in _hints(tp).items())
            return tp(**{name: None if (entry := value[name]) is None else decode(entry)
                         for name, decode in fields if name in value})
        return decode_object
    return lambda value: value


def _encode(value: Any) -> Any:
    if isinstance(value, list):
        return [_encode(v) for v in value]
    order = _order(type(value))
    if order is not None:
        return {name: _encode(entry) for name in order if (entry := getattr(value, name)) is not None}
    return value


@functools.cache
def _order(cls: type) -> tuple[str, ...] | None:
    """The JSON key order of a dataclass's objects, None for a type that is not one."""
    if not dataclasses.is_dataclass(cls):
        return None
    return _JSON_ORDER.get(cls) or tuple(f.name for f in dataclasses.fields(cls))


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# Traversal ------------------------------------------------------------------------------------------

def walk(blocks: list[Block]) -> Iterator[Block]:
    """Every block of a block list, depth first, in document order."""
    for block in blocks:
        yield block
        if isinstance(block, (Section, Quote)):
            yield from walk(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk(item)


def walk_inlines(inlines: list[Inline] | None) -> Iterator[Inline]:
    """Every inline node of a run, depth first (strings included)."""
    for node in inlines or []:
        yield node
        if isinstance(node, (Styled, Link)):
            yield from walk_inlines(node.content)


def plain_text(inlines: list[Inline] | None) -> str:
    """The text of a run of inlines, markup dropped (note references leave nothing)."""
    out: list[str] = []
    for node in inlines or []:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Code):
            out.append(node.text)
        elif isinstance(node, (Styled, Link)):
            out.append(plain_text(node.content))
    return "".join(out)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")


def date_parts(iso: str) -> list[int]:
    """[year, month, day] of a record date, [year, month] or [year] of one given without its day or
    month: a date is never completed with an invented day."""
    return [int(part) for part in iso.split("-")]


def first_day(iso: str) -> dt.date:
    """The first day of the period a record date names ("2024-05" -> 2024-05-01): for the fields whose
    own rules want a full date or timestamp (zip times, EPUB `dcterms:modified`, package dates). Never
    for a field that can carry the date as given."""
    year, month, day = (date_parts(iso) + [1, 1])[:3]
    return dt.date(year, month, day)


def long_date(iso: str) -> str:
    """A record date as every output prints it: "31 May 2023"; a date without its day or month prints
    only what is known ("June 2024")."""
    year, month, day = ([int(part) for part in iso.split("-")] + [0, 0])[:3]
    words = [str(day)] if day else []
    if month:
        words.append(MONTH_NAMES[month - 1])
    return " ".join([*words, str(year)])


# Validation -----------------------------------------------------------------------------------------

def validate(data: Any, source: str | None = None) -> Record:
    """The model of a record's JSON data, or `RecordInvalid` carrying every problem found."""
    found = problems(data, source)
    if found:
        raise RecordInvalid(found)
    return Record.from_json(data)


def load(path: Path) -> Record:
    """Read and validate a canonical record file."""
    from .bounded import read_text
    from .strictparse import BadData, loads
    text = read_text(path, "record")
    try:
        data = loads(text, str(path))
    except BadData as bad:
        raise RecordInvalid([bad.problem]) from None
    return validate(data, str(path))

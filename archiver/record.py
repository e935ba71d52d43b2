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
from typing import Any, Iterator, Union

from .errors import Problem, RecordInvalid
from .visible import shows_something

SCHEMA_VERSION = "1.1"
#: Every version a record may say it follows (1.0 records are read as they are).
SCHEMA_VERSIONS = ("1.0", "1.1")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "commentary.schema.json"


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
    if value is None:
        return None
    if tp == Inline:
        return value if isinstance(value, str) else _decode(INLINE_TYPES[value["type"]], value)
    if tp == Block:
        return _decode(BLOCK_TYPES[value["type"]], value)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _decode(inner, value)
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        return [_decode(item_tp, item) for item in value]
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{name: _decode(hints[name], value[name]) for name in hints if name in value})
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if dataclasses.is_dataclass(value):
        order = _JSON_ORDER.get(type(value)) or tuple(f.name for f in dataclasses.fields(value))
        return {name: _encode(getattr(value, name)) for name in order if getattr(value, name) is not None}
    return value


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

@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator():
    """The thorough validator: every error, each with its path. Used only to explain a rejection."""
    import jsonschema
    cls = jsonschema.validators.validator_for(schema())
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


@functools.cache
def _fast_check():
    """The schema compiled to Python code once per process (`schemacode`: once per schema version when
    `make setup` has saved it): about 0.5 ms per record, where jsonschema takes 7-10 ms. It stops at
    the first error, so a rejected record is re-checked by `_validator`."""
    from .schemacode import compiled
    return compiled(schema())


def _passes_fast_check(data: Any) -> str | None:
    """None when the record is schema-valid, else the fast checker's message."""
    import fastjsonschema
    try:
        _fast_check()(data)
    except fastjsonschema.JsonSchemaException as error:
        return error.message
    return None


_HINTS = {
    "required": "add the field",
    "additionalProperties": "remove or rename the field (see schemas/commentary.schema.json)",
    "pattern": "correct the value's form",
    "const": "use the value the schema names",
    "enum": "use one of the values the schema names",
    "minItems": "give at least one item, or leave the field out",
    "minLength": "give a value, or leave the field out",
    "type": "use the type the schema names",
    "format": "use an ISO 8601 date (YYYY-MM-DD)",
    "not": "leave the field out",
}


def problems(data: Any, source: str | None = None) -> list[Problem]:
    """Every schema problem of a record's JSON data, plus the cross-references, limits and dates the
    schema cannot check (`recordcheck`; a record nested too deeply gets only that problem), at most
    the problem limit of them."""
    import itertools
    from .limits import record_limit
    from .recordcheck import check
    beyond, too_deep = check(data, source)
    if too_deep:
        return beyond
    found: list[Problem] = []
    rejection = _passes_fast_check(data)
    if rejection is not None:
        limit = record_limit("problems")
        found = [_problem_from_schema_error(error, source)
                 for error in itertools.islice(_validator().iter_errors(data), limit + 1)]
        if len(found) > limit:
            found[limit:] = [Problem(f"more schema problems than the {limit} listed; archiver stopped looking",
                                     "/", source, "fix these and validate again")]
        if not found:  # the two checkers disagree: never accept what either rejects
            found = [Problem(rejection, "/", source, "see schemas/commentary.schema.json")]
    if isinstance(data, dict):
        found.extend(_reference_problems(data, source))
    found.extend(beyond)
    return sorted(found, key=lambda p: (p.pointer or "", p.message))


def _problem_from_schema_error(error: Any, source: str | None) -> Problem:
    # For a oneOf over node types, report the branch whose `type` matched: that is what the user meant.
    if error.validator == "oneOf" and isinstance(error.instance, dict) and error.context:
        node_type = error.instance.get("type")
        matching = [e for e in error.context if not _is_type_tag_error(e, node_type)]
        if matching:
            return _problem_from_schema_error(max(matching, key=lambda e: len(e.path)), source)
    pointer = "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in error.absolute_path)
    message = error.message
    if error.validator == "oneOf":
        message = f"not a valid node: {_short(error.instance)}"
    elif error.validator == "pattern" and isinstance(error.instance, str) and not shows_something(error.instance):
        message = f"{_short(error.instance)} shows no character: only white space or invisible format or control characters"
    elif error.validator == "pattern":
        message = f"{_short(error.instance)} is not of the expected form"
    elif error.validator == "not":  # a field a version or a kind of author excludes: the schema says why
        message = error.schema.get("description", message)
    hint = _HINTS.get(str(error.validator))
    if list(error.absolute_schema_path)[:1] == ["then"]:  # the top-level rule a 1.0 record keeps
        hint = 'keep to schema 1.0, or write "schema_version": "1.1" to use what 1.1 added'
    return Problem(message=message, pointer=pointer or "/", source=source, hint=hint)


def _is_type_tag_error(error: Any, node_type: Any) -> bool:
    schema_path = list(error.schema_path)
    return (schema_path[-2:-1] == ["type"] and error.validator in ("const", "enum")) or \
        (error.validator == "type" and not error.path and node_type is not None)


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _reference_problems(data: dict[str, Any], source: str | None) -> list[Problem]:
    """Node and reference ids are unique and every note reference names an existing note (in the body,
    the acknowledgements, the author notes and the reference list alike)."""
    found: list[Problem] = []
    seen: dict[str, str] = {}
    refs: list[tuple[str, str]] = []

    def visit(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            node_id = node.get("id")
            if isinstance(node_id, str) and ("type" in node or pointer.startswith(("/body/notes/", "/references/"))):
                if node_id in seen:
                    found.append(Problem(f"id {node_id!r} is used twice (first at {seen[node_id]})",
                                         pointer + "/id", source,
                                         "give every section, figure, table, note and reference its own id"))
                else:
                    seen[node_id] = pointer
            if node.get("type") == "note_ref":
                refs.append((node.get("note"), pointer + "/note"))
            for key, child in node.items():
                visit(child, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{pointer}/{index}")

    body = data.get("body")
    for key in ("body", "acknowledgements", "author_notes", "references"):
        if isinstance(data.get(key), (dict, list)):
            visit(data[key], "/" + key)
    notes = body.get("notes") if isinstance(body, dict) else None
    note_ids = {note.get("id") for note in notes if isinstance(note, dict)} if isinstance(notes, list) else set()
    for note_id, pointer in refs:
        if note_id not in note_ids:
            found.append(Problem(f"note reference to {note_id!r}, which is not in /body/notes", pointer, source,
                                 "add the note to body.notes or remove the reference"))
    return found


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

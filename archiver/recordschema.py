"""What the record's JSON Schema (`schemas/commentary.schema.json`) and the checks beside it say about a
record's JSON data: `problems` lists every one, each with its JSON pointer and a hint, for
`record.validate` to refuse the record with.

Two validators of the one schema: the fast one (compiled to Python, `schemacode`) decides, and the
thorough one (jsonschema) runs only on a rejection, to name every error; the cross-references,
limits and dates a schema cannot express are `recordcheck`'s and `_reference_problems`'.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from .errors import Problem
from .visible import shows_something

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "commentary.schema.json"


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



"""What the record schema cannot say about a record: bounded size and nesting, real calendar dates.

Checked before the schema validators walk a record (they recurse once per level, so a record nested
a thousand deep would end in a RecursionError), without recursion itself. The limits are
`limits.RECORD_LIMITS` (README, Limits): nesting depth, blocks, text, table columns and rows, text per
table cell. A date (`published`, `modified`, a reference's `issued`, `provenance.ingested`) must be
a day, month or year that exists: no 30 February, no year 0 (ISO 8601 and every citation format
count from year 1).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import Problem
from .limits import ENVIRONMENT, record_limit

_BLOCKS = frozenset(("section", "paragraph", "list", "quote", "figure", "table"))
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def check(data: Any, source: str | None = None) -> tuple[list[Problem], bool]:
    """The limit and date problems of a record's JSON data, and whether it nests too deeply (then the
    schema must not walk it)."""
    if not isinstance(data, dict):
        return [], False
    depth_problem = _too_deep(data, source)
    if depth_problem is not None:
        return [depth_problem], True
    found = _date_problems(data, source)
    body = data.get("body")
    if isinstance(body, dict):
        found.extend(_size_problems(body, source))
    return found, False


def _pointer(path: tuple) -> str:
    parts: list[str] = []
    while path:
        path, key = path
        parts.append("/" + str(key).replace("~", "~0").replace("/", "~1"))
    return "".join(reversed(parts)) or "/"


def _too_deep(data: Any, source: str | None) -> Problem | None:
    from .strictparse import too_deep
    limit = record_limit("depth")
    stack = [(data, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            return too_deep(source or "<input>", pointer=_pointer(path))
        if isinstance(node, dict):
            stack.extend((value, depth + 1, (path, key)) for key, value in node.items()
                         if isinstance(value, (dict, list)))
        elif isinstance(node, list):
            stack.extend((value, depth + 1, (path, index)) for index, value in enumerate(node)
                         if isinstance(value, (dict, list)))
    return None


def _size_problems(body: dict, source: str | None) -> list[Problem]:
    found: list[Problem] = []
    blocks = text = 0
    limits = {name: record_limit(name) for name in ("blocks", "text", "table_columns", "table_rows", "cell_text")}
    stack: list[tuple[Any, tuple]] = [(body, ((), "body"))]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            text += len(node)
            continue
        if isinstance(node, dict):
            kind = node.get("type")
            if isinstance(kind, str) and kind in _BLOCKS:
                blocks += 1
            if kind == "table":
                found.extend(_table_problems(node, path, limits, source))
            stack.extend((value, (path, key)) for key, value in node.items()
                         if isinstance(value, (dict, list)) or (isinstance(value, str) and key in ("text", "content")))
        elif isinstance(node, list):
            stack.extend((value, (path, index)) for index, value in enumerate(node))
    if blocks > limits["blocks"]:
        found.append(_over("blocks", f"the body has {blocks:,} blocks (paragraphs, headings, list items ...)",
                           "/body", source, "split the record, or raise the limit"))
    if text > limits["text"]:
        found.append(_over("text", f"the body holds {text:,} characters of text", "/body", source,
                           "split the record, or raise the limit"))
    return found


def _table_problems(table: dict, path: tuple, limits: dict[str, int], source: str | None) -> list[Problem]:
    found: list[Problem] = []
    for part in ("head", "rows"):
        rows = table.get(part)
        if not isinstance(rows, list):
            continue
        if part == "rows" and len(rows) > limits["table_rows"]:
            found.append(_over("table_rows", f"the table has {len(rows):,} rows", _pointer((path, part)), source,
                               "split the table"))
        for index, row in enumerate(rows):
            if not isinstance(row, list):
                continue
            if len(row) > limits["table_columns"]:
                found.append(_over("table_columns", f"the row has {len(row):,} cells",
                                   _pointer(((path, part), index)), source, "split the table into narrower ones"))
                return found
            for column, cell in enumerate(row):
                size = _text_size(cell)
                if size > limits["cell_text"]:
                    found.append(_over("cell_text", f"the cell holds {size:,} characters of text",
                                       _pointer((((path, part), index), column)), source,
                                       "move long text out of the table into paragraphs"))
    return found


def _text_size(node: Any) -> int:
    size, stack = 0, [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(value for key, value in item.items() if key in ("content", "text"))
    return size


def _over(name: str, what: str, pointer: str, source: str | None, todo: str) -> Problem:
    return Problem(f"{what}: more than the {record_limit(name):,} archiver converts", pointer, source,
                   f"{todo} (limit: {ENVIRONMENT[name]}, README Limits)")


def _date_problems(data: dict, source: str | None) -> list[Problem]:
    found: list[Problem] = []
    dates = [("/published", data.get("published")), ("/modified", data.get("modified"))]
    provenance = data.get("provenance")
    if isinstance(provenance, dict):
        dates.append(("/provenance/ingested", provenance.get("ingested")))
    references = data.get("references")
    if isinstance(references, list):
        dates.extend((f"/references/{index}/issued", reference.get("issued"))
                     for index, reference in enumerate(references) if isinstance(reference, dict))
    for pointer, value in dates:
        if isinstance(value, str) and (match := _DATE.fullmatch(value)) and not _real(match):
            found.append(Problem(f"{value!r} is not a real calendar date", pointer, source,
                                 "give a date that exists, as YYYY-MM-DD (years count from 0001)"))
    return found


def _real(match: re.Match) -> bool:
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True

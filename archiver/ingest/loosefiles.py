"""Readers "json", "yaml" and "csv": files of loose records (issue 2 point 6).

One record per JSON object (a file holds one object or an array of them), per YAML document, per CSV row
(a header row of field names; ',', ';' or tab as the separator). This module owns the files: sniffing
their kind, UTF-8 decoding, duplicate keys, CSV rows with their line numbers, and the limit on the
problems reported for a file of many records. Each record's fields go through the lenient rules of
`loose.py`.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Iterator

from ..errors import InputError, Problem, RecordInvalid
from ..normalize import clean_text
from ..strictparse import BadData, loads, yaml_documents
from . import Draft
from .loose import normalise
from .reports import group_problems


def _collect(items: Iterable[tuple[Any, str, int | None]], source: str) -> list[Draft]:
    """Drafts of several loose records; every problem of every record, raised together, up to the
    problem limit: past it the rest are counted, not normalised (a million bad rows must not take
    minutes)."""
    from ..limits import record_limit
    drafts, found, limit = [], [], record_limit("problems")
    items = iter(items)
    for raw, pointer, line in items:
        try:
            drafts.append(normalise(raw, source, pointer, line))
        except RecordInvalid as error:
            found.extend(error.problems)
        if len(found) >= limit:
            rest = sum(1 for _ in items)
            if rest:
                found.append(Problem(f"stopped after {len(found):,} problems: {rest:,} more record(s) not "
                                     "checked", None, source, "fix these and ingest again"))
            break
    if found:
        raise RecordInvalid(group_problems(found))
    return drafts


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); anything else is a clear error."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text (byte {error.start} is {data[error.start:error.start + 1]!r})",
                         source=name, hint="save the file as UTF-8") from None


def _suffix(name: str) -> str:
    return name.lower().rsplit(".", 1)[-1] if "." in name else ""


def _text_head(data: bytes) -> str | None:
    head = data[:4096]
    try:
        return head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return head[:error.start].decode("utf-8-sig") if error.start > len(head) - 4 else None


class _JSONReader:
    """JSON: one object, or an array of objects."""
    def sniff(self, data: bytes, name: str) -> bool:
        if _suffix(name) == "json":
            return True
        head = _text_head(data)
        if head is None or not head.lstrip()[:1] in ("{", "["):
            return False
        try:
            json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return False
        return True

    def read(self, data: bytes, name: str) -> list[Draft]:
        return _collect(self.items(data, name), name)

    def items(self, data: bytes, name: str) -> list[tuple[Any, str, int | None]]:
        text = decode(data, name)
        try:
            parsed = loads(text, name, hook=_no_duplicate_keys)
        except BadData as bad:
            raise InputError(bad.problem.message, problems=[bad.problem]) from None
        except _DuplicateKey as error:
            raise InputError(f"field {error.key!r} is given twice in one object", source=name,
                             hint="keep one of the two (JSON keeps only the last, silently)") from None
        if isinstance(parsed, list):
            return [(item, f"/{index}", None) for index, item in enumerate(parsed)]
        return [(parsed, "", None)]


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _YAMLReader:
    """YAML: one record per document of the stream."""
    def sniff(self, data: bytes, name: str) -> bool:
        if _suffix(name) in ("yaml", "yml"):
            return True
        head = _text_head(data)
        # content: a mapping whose first keys are record fields ("identifier: CO23081", "title: ...")
        if not head:
            return False
        lines = [line for line in head.splitlines() if line.strip() and not line.startswith(("#", "---"))]
        return bool(lines) and re.match(r"(identifier|title|schema_version)\s*:", lines[0]) is not None

    def read(self, data: bytes, name: str) -> list[Draft]:
        text = decode(data, name)
        try:
            documents = [doc for doc in yaml_documents(text, name) if doc is not None]
        except BadData as bad:
            raise InputError(bad.problem.message, problems=[bad.problem]) from None
        if len(documents) == 1:
            return _collect([(documents[0], "", None)], name)
        return _collect([(doc, f"/{index}", None) for index, doc in enumerate(documents)], name)


class _CSVReader:
    """CSV (or ';'/tab-separated): a header row of field names, one record per row."""
    def sniff(self, data: bytes, name: str) -> bool:
        if _suffix(name) in ("csv", "tsv"):
            return True
        head = _text_head(data)
        if not head:
            return False
        header = re.split(r"[,;\t]", head.splitlines()[0].lower())
        return {"identifier", "title"} <= {cell.strip().strip('"') for cell in header}

    def read(self, data: bytes, name: str) -> list[Draft]:
        text = decode(data, name)
        first = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first.count)
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            header = [clean_text(cell) for cell in next(rows, [])]
            if not any(header):
                raise InputError("the CSV has no header row", source=name,
                                 hint="the first row names the fields: identifier, title, authors, ...")
            duplicates = sorted({cell for cell in header if header.count(cell) > 1 and cell})
            if duplicates:
                raise InputError(f"column {duplicates[0]!r} appears twice in the header", source=name,
                                 hint="give each field one column")
            drafts = _collect(self._items(rows, header, delimiter, name), name)
        except csv.Error as error:
            raise InputError(f"not readable as CSV: {error}", source=name,
                             hint="save the sheet as CSV (UTF-8)") from None
        if not drafts:
            raise InputError("the CSV has a header but no rows", source=name, hint="add one row per record")
        return drafts

    @staticmethod
    def _items(rows: Any, header: list[str], delimiter: str, name: str) -> Iterator[tuple[Any, str, int | None]]:
        """(row as fields, "", line) per non-empty row, one at a time (a big sheet is never all in memory)."""
        start = rows.line_num + 1
        for cells in rows:
            line, start = start, rows.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise RecordInvalid([Problem(f"the row has {len(cells)} cells but the header names {len(header)}",
                                             None, name, "quote cells that contain the separator "
                                             f"{delimiter!r}", line)])
            yield dict(zip(header, cells)), "", line


JSON = _JSONReader()
YAML = _YAMLReader()
CSV = _CSVReader()

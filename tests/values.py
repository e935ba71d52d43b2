"""Helpers for looking inside JSON values in tests."""

from __future__ import annotations

from typing import Any, Iterator


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def node_types(record: dict[str, Any]) -> set[str]:
    """The node types (as in `archiver.record.NODE_TYPES`) present in a record's body."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, str):
            return
        if isinstance(value, dict):
            if "type" in value:
                found.add(value["type"])
            for key, child in value.items():
                if key in ("content", "title", "attribution", "caption"):
                    found.update("text" for item in child if isinstance(item, str))
                visit(child)
        elif isinstance(value, list):
            for child in value:
                if isinstance(child, list):  # table rows and cells
                    found.update("text" for item in child if isinstance(item, str))
                visit(child)

    visit(record.get("body", {}))
    return found

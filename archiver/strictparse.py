"""JSON and YAML text as archiver accepts it: values that are what they say (issue 19 point 6).

Python's parsers take more than the formats promise: `json` reads `NaN` and `Infinity` (not JSON,
RFC 8259 section 6) and `1e999` as infinity; both parsers turn a 5,000-digit number into a
ValueError (Python's integer-string limit); `yaml` turns an unquoted `2023-02-30` into a ValueError
and `.nan` into a float; and both recurse once per level of nesting. Here a number has at most
`number_digits` digits and is finite, a YAML date stays text for `normalize.parse_date` to judge,
nesting stops at the record depth limit, and every refusal is a `BadData` naming its line.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any, Callable

from .errors import Problem
from .limits import ENVIRONMENT, record_limit

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]|NaN|-?Infinity|-?\d[\d.eE+-]*', re.S)


class BadData(ValueError):
    """A JSON or YAML text refused; `problem` says what, on which line, and what to do."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


class _Refused(ValueError):
    def __init__(self, token: str, message: str, hint: str):
        super().__init__(message)
        self.token, self.message, self.hint = token, message, hint


def _number(text: str) -> None:
    digits = sum(ch.isdigit() for ch in text)
    if digits > record_limit("number_digits"):
        raise _Refused(text, f"a number of {digits:,} digits", "no value in a record is a number that long: "
                       f"quote it if it is text (limit: {ENVIRONMENT['number_digits']})")


def _int(text: str) -> int:
    _number(text)
    return int(text)


def _float(text: str) -> float:
    _number(text)
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(text, f"the number {text[:20]} is too large to be a number (infinite)", "quote it if it is text")
    return value


def _constant(text: str) -> Any:
    raise _Refused(text, f"{text} is not a JSON value", "give a number or a quoted string, or leave the field out")


def loads(text: str, source: str, hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """The JSON value of `text`; BadData (with the line) for text that is not JSON, a number that is
    not finite or too long, or nesting deeper than the record depth limit."""
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant,
                          object_pairs_hook=hook)
    except json.JSONDecodeError as error:
        raise BadData(Problem(f"not JSON: {error.msg}", None, source, "fix the JSON syntax", error.lineno)) from None
    except _Refused as refused:
        raise BadData(Problem(refused.message, None, source, refused.hint, _line_of(text, refused.token))) from None
    except RecursionError:
        raise BadData(too_deep(source, _deep_line(text))) from None


def too_deep(source: str, line: int | None = None, pointer: str | None = None) -> Problem:
    limit = record_limit("depth")
    return Problem(f"nested more than {limit} levels deep", pointer, source,
                   f"no record nests that deep: check that this is the right file (limit: {ENVIRONMENT['depth']})",
                   line)


def _line_of(text: str, token: str) -> int | None:
    for match in _TOKENS.finditer(text):
        if match[0] == token:
            return text.count("\n", 0, match.start()) + 1
    return None


def _deep_line(text: str) -> int | None:
    depth, limit = 0, record_limit("depth")
    for match in _TOKENS.finditer(text):
        if match[0] in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif match[0] in "]}":
            depth -= 1
    return None


def yaml_documents(text: str, source: str) -> list[Any]:
    """The documents of a YAML stream, read safely (no anchors or aliases, no Python objects);
    BadData (with the line) for text that is not YAML or breaks the rules above."""
    import yaml
    try:
        depth = 0
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                raise BadData(Problem("YAML anchors and aliases are not accepted in a record", None, source,
                                      "write each value out in full", token.start_mark.line + 1))
            if isinstance(token, (yaml.BlockMappingStartToken, yaml.BlockSequenceStartToken,
                                  yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
                depth += 1
                if depth > record_limit("depth"):
                    raise BadData(too_deep(source, token.start_mark.line + 1))
            elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
                depth -= 1
        return list(yaml.load_all(text, Loader=_loader()))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise BadData(Problem(f"not YAML: {getattr(error, 'problem', None) or error}", None, source,
                              "fix the YAML syntax", mark.line + 1 if mark else None)) from None
    except _Refused as refused:
        raise BadData(Problem(refused.message, None, source, refused.hint,
                              getattr(refused, "line", None))) from None


@functools.cache
def _loader():
    """SafeLoader whose timestamps stay text and whose numbers follow the rules above (built once)."""
    import yaml

    class StrictLoader(yaml.SafeLoader):
        pass

    def refuse(node, refused: _Refused) -> None:
        refused.line = node.start_mark.line + 1
        raise refused

    def text(loader, node):  # `published: 2023-02-30` is a date for parse_date to judge, with its pointer
        return loader.construct_scalar(node)

    def integer(loader, node):
        try:
            _number(loader.construct_scalar(node))
        except _Refused as refused:
            refuse(node, refused)
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    def real(loader, node):
        try:
            _number(loader.construct_scalar(node))
            value = yaml.SafeLoader.construct_yaml_float(loader, node)
            if not math.isfinite(value):
                raise _Refused("", f"{loader.construct_scalar(node)} is not a number archiver accepts (NaN or "
                               "infinite)", "quote it if it is text, or leave the field out")
        except _Refused as refused:
            refuse(node, refused)
        return value

    StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", text)
    StrictLoader.add_constructor("tag:yaml.org,2002:int", integer)
    StrictLoader.add_constructor("tag:yaml.org,2002:float", real)
    return StrictLoader

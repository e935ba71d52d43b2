"""CSL number variables (a report's `number`) read the way citeproc-js, the CSL reference processor,
reads them: whether a value is numeric (`is-numeric`, CSL 1.0.2 spec "Choose"), whether its label is
plural ("No." / "Nos.", spec "Label"), and its range delimiter ("2024-03" is printed "2024–03").

citeproc-py calls a value numeric only when it is one run of digits with letters around it, so
"081/2023" lost the label every style gives it ("Commentary No. 081/2023" in APA and Chicago,
"Commentary no. 081/2023" in MLA), and it never replaced a range's hyphen. The rules here are those of
citeproc-js's `CSL.Engine.processNumber` for a value without embedded labels: the value is split at
"&", "and", ", ", "; " and hyphens; it is numeric when its first part is digits (after an optional
letter prefix, "CO24017") or a lower-case roman number, with optional letter suffixes ("17a",
"12b-c"); it is plural when it has several parts and the first is a number; digits separated by
slashes alone ("081/2023") are one number; two numbers joined by a hyphen are a range ("12–14", and "A12-A14" loses
its prefixes as in citeproc-js). A value with a lower-case label word in it ("p. 5") is not numeric
here and is printed as it is (tests/test_citeproc_reference.py names where citeproc-js differs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: CSL.NUMERIC_VARIABLES of citeproc-js (CSL 1.0.2 "number variables").
NUMERIC_VARIABLES = frozenset({
    "call-number", "chapter-number", "collection-number", "division", "edition", "page", "issue", "locator",
    "locator-extra", "number", "number-of-pages", "number-of-volumes", "part-number", "printing-number",
    "section", "supplement-number", "version", "volume",
})
_JOINER = re.compile(r"(\s*&\s*|,\s+and\s+|\s+and\s+|;\s+|,\s+|\s*\\*[-\u2013]+\s*)")
_AMPERSAND = re.compile(r"^\s*&\s*$")
_LABEL_WORD = re.compile(r"(?:^| )(?:[a-z]{1,4}|subpara|subch|amend|bibliog|annot|illus|princ|intro|sched|subdiv"
                         r"|subsec)(?:\.| )")
_SUBSECTION_HEAD = re.compile(r"^(?:[a-z]{1,4}\.  *)*[0-9]+[,a-zA-Z]+$")
_SUBSECTION_TAIL = re.compile(r"^[,a-zA-Z]+$")
_PARTICLE_VALUE = re.compile(r"^([0-9]*[a-zA-Z]+0*)?([0-9]+(?:[a-zA-Z]*|[-,a-zA-Z]+))$")
_NUMERIC_HEAD = re.compile(r"^(?:[0-9]+|[ixv]+)([-,:a-zA-Z]*|-[-0-9]+)$")
_SLASHED = re.compile(r"^[0-9]+(?:/[0-9]+)+$")
_ROMAN = re.compile(r"^[ivxlcmIVXLCM]+$")
_PURE = re.compile(r"^([0-9]+|[ivxlcmIVXLCM]+)$")
#: The en-US locale's page-range-delimiter term (csl/locales/locales-en-US.xml), used for ranges of a
#: numeric number variable.
RANGE_DELIMITER = "\u2013"


@dataclass(frozen=True)
class Number:
    """A number variable as citeproc-js reads it: `text` is how it is printed."""
    text: str
    numeric: bool
    plural: bool


def _parts(value: str) -> list[str]:
    """[part, joiner, part, ...]: citeproc-js's split, a hyphenated sub-section ("12b-c") kept whole."""
    elems = _JOINER.split(value)
    for i in range(len(elems) - 2, 0, -2):
        if elems[i] == "-" and _SUBSECTION_HEAD.match(elems[i - 1]) and _SUBSECTION_TAIL.match(elems[i + 1]):
            elems[i - 1:i + 2] = ["".join(elems[i - 1:i + 2])]
    for i in range(1, len(elems), 2):
        if _AMPERSAND.match(elems[i]):
            joined_words = elems[i - 1][-1:].isalpha() and elems[i + 1][:1].isalpha()
            elems[i] = "&" if joined_words else " & "
        elif "-" in elems[i]:
            elems[i] = re.sub(r"\s*-\s*", "-", elems[i])
    return elems


def _int_prefix(text: str) -> bool:
    """JavaScript's `!isNaN(parseInt(text))`: the text starts with digits (after blanks and a sign)."""
    return re.match(r"^\s*[-+]?[0-9]", text) is not None


_RANGE = re.compile(r"^((?:[0-9]*[a-zA-Z]+0*))?([0-9]+[a-z]*)(\s*[^0-9]+\s*)([-,a-zA-Z]?0*)([0-9]+[a-z]*)$")


def read(value: str, range_format: str | None = "expanded") -> Number:
    """The value of a number variable as citeproc-js prints and tests it; `range_format` is the style's
    page-range-format (None when it sets none, which changes one rule of citeproc-js's ranges)."""
    value = value.strip()
    elems = _parts(value)
    if any(_LABEL_WORD.search(p) for p in elems[::2]):
        return Number(value, False, False)
    parts = [_PARTICLE_VALUE.match(p) for p in elems[::2]]
    particles = [m.group(1) or "" if m else "" for m in parts]
    values = [m.group(2) if m else p for m, p in zip(parts, elems[::2])]
    first = values[0]
    numeric = bool(first) and _NUMERIC_HEAD.match(first) is not None
    collapsible = _int_prefix(first) or _ROMAN.match(first) is not None
    plural = numeric and collapsible and len(values) > 1
    if len(values) == 1 and _SLASHED.match(first):
        numeric, plural = True, False
    if collapsible and len(values) == 2 and elems[1] == "-" and particles[0] == particles[1]:
        return Number(_range(particles, values, numeric, range_format), numeric, plural)
    if numeric and not collapsible:
        elems = [RANGE_DELIMITER if i % 2 and e == "-" else e for i, e in enumerate(elems)]
    return Number("".join(elems), numeric, plural)


def _leading_int(text: str) -> int:
    return int(re.match(r"\s*([-+]?[0-9]+)", text).group(1))


def _range(particles: list[str], values: list[str], numeric: bool, range_format: str | None) -> str:
    """Two numbers joined by a hyphen, as citeproc-js `manglePageNumbers` prints them: the locale's
    range delimiter between two plain numbers, or between a larger and a smaller one when the style
    has no page-range-format; the letter prefixes are dropped when the range is read as one
    ("A12-A14" -> "12–14")."""
    if range_format is None and _int_prefix(values[1]) and _leading_int(values[0]) > _leading_int(values[1]):
        return particles[0] + values[0] + RANGE_DELIMITER + particles[1] + values[1]
    joiner = RANGE_DELIMITER if _PURE.match(values[0]) and _PURE.match(values[1]) else "-"
    match = _RANGE.match(values[0] + joiner + values[1])
    if not match:
        return particles[0] + values[0] + joiner + particles[1] + values[1]
    delimiter = RANGE_DELIMITER if match.group(3) == "-" and numeric else match.group(3)
    return (match.group(1) or "") + match.group(2) + delimiter + match.group(4) + match.group(5)


def is_numeric(variable: str, value: object) -> bool:
    """CSL `is-numeric` as citeproc-js tests it (`CSL.Attributes["@is-numeric"]`): number variables by
    `read`; a title or version when it ends in a digit; anything else never."""
    if variable in NUMERIC_VARIABLES:
        return read(str(value)).numeric
    if variable in ("title", "version"):
        return str(value)[-1:].isdigit()
    return False


def install() -> None:
    """citeproc-py's `is-numeric` test and a number label's plural replaced by `read` (process-wide)."""
    from citeproc import model

    def _is_numeric(self, item):
        results = []
        for variable in self.get("is-numeric").split():
            key = variable.replace("-", "_")
            results.append(key in item.reference and is_numeric(variable, item.reference[key]))
        return results

    plain_is_plural = model.Label._is_plural

    def _is_plural(self, item):
        variable = self.get("variable")
        if variable in NUMERIC_VARIABLES and variable != "locator" and not variable.startswith("number-of"):
            key = variable.replace("-", "_")
            return key in item.reference and read(str(item.reference[key])).plural
        return plain_is_plural(self, item)

    model.If._is_numeric = _is_numeric
    model.Label._is_plural = _is_plural

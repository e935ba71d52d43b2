"""What ingest tells people about a source's problems (issue 15 point 5): "did you mean" only for a
typo, and many records with one problem shown as the first few and a count.

A suggestion is made only within an edit distance that a typo explains (tests/test_ingest_crosswalks.py
holds the misspellings it must catch and the field names it must not mistake for them). Grouping
keeps every problem's file and pointer or line for the ones shown, and lists where the rest are.
"""

from __future__ import annotations

import re

from ..errors import ArchiverWarning, Problem
from . import Draft


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters ("titel" -> "title" is 1)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def suggestion(key: str, known: tuple[str, ...]) -> str | None:
    """The known field a misspelt one most likely meant, or None. Only a typo is suggested: one edit
    away (two for names of eight letters or more), ignoring case. difflib's ratio suggested 'links'
    for 'license', 'url' for 'Journal' and 'date' for 'state' (a CSL list's real field names):
    a guess that misleads is worse than the list of fields."""
    folded = key.lower().strip()
    allowed = 1 if len(folded) < 8 else 2
    scored = sorted((edit_distance(folded, k.lower()), k) for k in known if not k.startswith("_"))
    if scored and scored[0][0] <= allowed and len(folded) > 2:
        return scored[0][1]
    return None


#: problems of one kind shown in full before the rest are counted
GROUP_SHOWN = 3


def _record_of(pointer: str | None) -> tuple[str, str]:
    """("/12", "/publisher") from "/12/publisher": the record's own pointer and the field's."""
    match = re.match(r"^((?:/[^/]+)*?/\d+)(/.*)?$", pointer or "")
    return (match[1], match[2] or "") if match else ("", pointer or "")


def group_problems(found: list[Problem]) -> list[Problem]:
    """Many records with one problem (the same message at the same field) shown as the first few, then
    one line counting the rest: a list of 100 items missing their publisher is 4 lines, not 100."""
    kinds: dict[tuple, list[Problem]] = {}
    for problem in found:
        _record, field_pointer = _record_of(problem.pointer)
        kinds.setdefault((problem.message, problem.hint, field_pointer), []).append(problem)
    out: list[Problem] = []
    for (message, hint, _field), same in kinds.items():
        out.extend(same[:GROUP_SHOWN])
        rest = same[GROUP_SHOWN:]
        if rest:
            where = [p.pointer or (f"line {p.line}" if p.line else "?") for p in rest]
            listed = ", ".join(where[:5]) + (", ..." if len(where) > 5 else "")
            out.append(Problem(f"{message}: the same in {len(rest)} more record(s) ({listed})", None,
                               same[0].source, hint))
    return out


def group_draft_warnings(drafts: list[Draft]) -> None:
    """The warnings of many records from one source grouped as `group_problems` groups problems (same
    code, message and field): each kind stays on the first few records; the first record also says
    how many more had it."""
    counts: dict[tuple, int] = {}
    first: dict[tuple, ArchiverWarning] = {}
    for draft in drafts:
        kept = []
        for warning in draft.warnings:
            key = (warning.code, warning.message, _record_of(warning.pointer)[1])
            counts[key] = counts.get(key, 0) + 1
            first.setdefault(key, warning)
            if counts[key] <= GROUP_SHOWN:
                kept.append(warning)
        draft.warnings = kept
    for key, count in counts.items():
        if count > GROUP_SHOWN:
            warning = first[key]
            drafts[0].warnings.append(ArchiverWarning(
                warning.code, f"{warning.message} (the same in {count - GROUP_SHOWN} more record(s))", warning.source))

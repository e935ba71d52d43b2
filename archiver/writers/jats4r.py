"""What the JATS writer needs to know to meet the JATS4R recommendations (permissions).

JATS4R's permissions rules (`permissions-errors.sch`, `permissions-warnings.sch` of jats4r.sch
0.0.16): a `copyright-statement` or `copyright-holder` needs a `copyright-year`, a statement or year
needs a holder, and the statement should name both. `rights_lacking` says what a record cannot give
(the writer's warning W012); `copyright_statement` completes a statement that leaves the year or
holder out.
"""

from __future__ import annotations

from ..record import Rights


def rights_lacking(rights: Rights | None) -> str | None:
    """What the record's rights lack for JATS4R's permissions rules, or None when nothing."""
    if rights is None:
        return "no rights (give them in the record or the collection file)"
    has_copyright = rights.statement is not None or rights.holder is not None or rights.year is not None
    if has_copyright and rights.year is None:
        return "a copyright statement or holder without a year"
    if has_copyright and rights.holder is None:
        return "a copyright statement or year without a holder"
    return None


def copyright_statement(statement: str, year: int | None, holder: str | None) -> str:
    """The statement, completed so that it names the copyright year and holder JATS writes beside it."""
    if holder is not None and holder.lower() not in statement.lower():
        return f"© {year} {holder}. {statement}" if year is not None else f"{holder}. {statement}"
    if year is not None and str(year) not in statement:
        return statement.replace("©", f"© {year}", 1) if "©" in statement else f"© {year} {statement}"
    return statement

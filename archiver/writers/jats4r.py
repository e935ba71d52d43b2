"""What the JATS writer needs to know to meet the JATS4R recommendations (permissions, link text).

JATS4R's permissions rules (`permissions-errors.sch`, `permissions-warnings.sch` of jats4r.sch
0.0.16): a `copyright-statement` or `copyright-holder` needs a `copyright-year`, a statement or year
needs a holder, and the statement should name both. `rights_lacking` says what a record cannot give
(the writer's warning W012); `copyright_statement` completes a statement that leaves the year or
holder out. Its accessibility warning on link text (`accessibility-warnings.sch`: the text of an
`ext-link`, `uri` or `self-uri` is its `xlink:href` or starts with `http://`, `https://`, `ftp://` or
`sftp://`, whatever its `xlink:title`) is `undescriptive_links`, the same test on the written tree.
"""

from __future__ import annotations

import re

from lxml import etree

from ..jatsmap import HREF
from ..record import Rights

_URL_START = re.compile(r"^https?://|^s?ftp://")


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


def undescriptive_links(root: etree._Element) -> list[str]:
    """The text of each link in the tree that JATS4R warns is no descriptive link text, in order."""
    found = []
    for link in root.iter("ext-link", "uri", "self-uri"):
        text = "".join(link.itertext())
        if text == link.get(HREF) or _URL_START.match(text):
            found.append(text)
    return found

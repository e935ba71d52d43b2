"""reportlab's fragment comparison, answered as its C accelerator answers it, at a third of its cost.

`_rl_accel.sameFrag` (reportlab 5.1, rl_accel 0.9) decides whether two runs of a line can be written
as one: neither is an image or a line break, and their font, size, colour, rise, underlines, link,
background and no-break flag are equal. The C function asks for each attribute by name with
`PyObject_HasAttrString` and `PyObject_GetAttrString`, which raise and clear an AttributeError for
each one a fragment lacks: about 4 us a call, and line breaking calls it for every word after the
first of a run (a few hundred times a document). `same_frag` reads the same attributes with
getattr's default, compares them as the C does (`PyObject_RichCompareBool`: the same object is
equal to itself; an attribute missing on both is equal), and gives the same answer in about 1.3 us.
`tests/test_pdf_accel.py` compares the two on every pair of fragments of the samples' lines.
"""

from __future__ import annotations

from typing import Any

_NAMES = ("fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor", "nobr")
_MISSING = object()


def same_frag(f: Any, g: Any) -> bool:
    for special in ("cbDefn", "lineBreak"):
        if getattr(f, special, _MISSING) is not _MISSING or getattr(g, special, _MISSING) is not _MISSING:
            return False
    for name in _NAMES:
        a, b = getattr(f, name, _MISSING), getattr(g, name, _MISSING)
        if a is b:
            continue
        if a is _MISSING or b is _MISSING or a != b:
            return False
    return True


def install() -> None:
    """reportlab's paragraphs compare fragments with `same_frag` (in this process; idempotent)."""
    from reportlab.platypus import paragraph

    paragraph.sameFrag = same_frag

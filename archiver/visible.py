"""Whether a text shows anything to a reader: the rule the record schema's text type states (a test
compares the two on every code point), and by which the writers decide that a link, a header cell or
a line "says nothing" and needs a stand-in (WCAG 2.4.4 link names, PDF/UA's drawn text). White space,
and invisible format and control characters such as U+FEFF ZERO WIDTH NO-BREAK SPACE or U+200F
RIGHT-TO-LEFT MARK, show nothing: no font draws them and no screen reader says them.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = ("Cf", "Cc")


def invisible(char: str) -> bool:
    """Whether a character is an invisible format or control character (Unicode Cf, Cc)."""
    return unicodedata.category(char) in _INVISIBLE


def shows_something(text: str) -> bool:
    """Whether `text` has a character that puts ink on the page or is read out."""
    return any(not char.isspace() and not invisible(char) for char in text)

"""Whether a text shows anything to a reader: the one rule by which a record's title must show
something (`recordcheck`) and by which every writer decides that a link, a header cell or a line
"says nothing" and needs a stand-in (WCAG 2.4.4 link names, PDF/UA's drawn text). White space, and invisible format and control characters such as U+FEFF ZERO WIDTH NO-BREAK
SPACE or U+200F RIGHT-TO-LEFT MARK, show nothing: no font draws them and no screen reader says them.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = ("Cf", "Cc")


def shows_something(text: str) -> bool:
    """Whether `text` has a character that puts ink on the page or is read out."""
    return any(not char.isspace() and unicodedata.category(char) not in _INVISIBLE for char in text)

"""Line-break opportunities inside runs of scripts written without spaces between words, for the
PDF writer's paragraphs: Chinese, Japanese, Korean set without spaces, Thai, Lao, Khmer, Myanmar.

reportlab breaks lines only at white space (and splits a word longer than the line at any character,
unless the word ends in a zero-width marker, as every tagged run does), so a long unspaced run
overflowed the right margin. Its `wordWrap="CJK"` mode breaks between any two characters (Thai
inside a grapheme cluster), breaks Latin text crudely, and raises TypeError (`ord('')` in
`cjkFragSplit`, reportlab 5.1) when a line ends in Latin or Thai text after a tagging marker's empty
fragment. So the breaks come from the Unicode line breaking algorithm (UAX #14) as ICU implements it
(`icu4py`, which bundles ICU4C and its dictionaries): ideographs, kana and Hangul break between
characters except where the kinsoku rules of UAX #14 forbid it (no closing bracket, comma, full
stop, small kana or iteration mark starts a line: classes CL, CP, IS, NS, CJ in ICU's root locale,
which is the strict set; no opening bracket ends one: OP), and Thai, Lao, Khmer and Myanmar break
between the words of ICU's dictionaries, never inside a grapheme cluster (LB9). The boxes drawn for
text no font has break between any two.

The breaks are handed to reportlab's own greedy line filling as word boundaries that carry no space
(`LineBreaking.breakLines`): each of reportlab's frag words (`_getFragWords`, the form it turns a
paragraph's fragments into on its first wrap anyway) is cut where ICU allows a break next to an
unspaced character, and the pieces but the last are words not followed by a space, which reportlab
joins on a line without one (and does not count as word spaces when it justifies the line,
`_count_spaces`). So no space is drawn or extracted at a break, and a paragraph without such
characters is laid out by reportlab untouched, byte for byte. Nothing of reportlab is patched, but its
private frag-word structure is relied on (as in reportlab 5.1, which `make setup` installs): if it
changes, tests/test_pdf_linebreak.py fails.

The same opportunities say where a line of page furniture too wide for its room is cut (`shortened`:
the running header's title).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from typing import Any, Callable

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus.paragraph import _getFragWords, _HSFrag, _processed_frags

from .fonts import MISSING

#: characters of scripts set without spaces between words (UAX #14 classes ID, H2, H3, JL, JV, JT, CJ
#: and SA, and the CJK and full-width punctuation among them): a frag word holding one is broken by ICU
UNSPACED = re.compile(
    "[\u0e00-\u0eff"          # Thai, Lao
    "\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff"  # Myanmar and its extensions
    "\u1780-\u17ff\u19e0-\u19ff"  # Khmer, Khmer symbols
    "\u1a20-\u1aaf\uaa80-\uaadf"  # Tai Tham, Tai Viet
    "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"  # Hangul
    "\u2e80-\u2fdf\u3000-\u30ff\u3100-\u312f\u31a0-\u31ff\u3200-\u4dbf\u4e00-\u9fff"  # CJK, kana
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"  # compatibility ideographs, CJK and full-width forms
    "\U0001b000-\U0001b16f\U00020000-\U0003134f"  # kana supplements, ideograph extensions
    f"{MISSING}]"  # the boxes drawn for characters no font has (fonts.MISSING)
)
#: a run of boxes: it stands for text no font draws (a Khmer run where the brand has no Khmer font),
#: whose breaks ICU cannot see, so it breaks between any two boxes
_BOXES = re.compile(f"{MISSING}{{2,}}")
#: lone surrogates (a JSON string may hold one), which ICU cannot be handed as UTF-8
_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=4096)
def opportunities(text: str) -> tuple[int, ...]:
    """The offsets inside `text` where a line may break and a character of an unspaced script stands
    on one side: breaks between two Latin words, after a hyphen or inside a URL are left to reportlab,
    so that text without such characters breaks as before."""
    # imported here: a batch without such text never loads ICU (its 30 MB of data)
    from icu4py.breakers import LineBreaker

    out = []
    position = 0
    # The pieces, not `segments()`: its offsets count UTF-16 code units (an astral ideograph is two).
    for piece in LineBreaker(_SURROGATE.sub("\ufffd", text), ""):
        if position and (UNSPACED.match(text, position - 1) or UNSPACED.match(text, position)):
            out.append(position)
        position += len(piece)
    for run in _BOXES.finditer(text):
        out += range(run.start() + 1, run.end())
    return tuple(sorted(set(out)))


def shortened(text: str, room: float, width: Callable[[str], float]) -> str:
    """`text` if it is at most `room` wide, else its longest beginning that is, with an ellipsis: cut
    at a space or a break opportunity (a running header's title in Chinese or Thai), or, in a word
    with neither, between two characters but never before a combining mark."""
    if width(text) <= room:
        return text
    cuts = sorted({*opportunities(text), *(index for index, char in enumerate(text) if char.isspace())})
    if not cuts:
        cuts = [index for index in range(1, len(text)) if not unicodedata.category(text[index]).startswith("M")]
    heads = [text[:cut].rstrip() + "…" for cut in cuts]
    # the widths grow with the cut: a binary search for the last head that fits
    low, high = 0, len(heads)
    while low < high:
        middle = (low + high) // 2
        if width(heads[middle]) <= room:
            low = middle + 1
        else:
            high = middle
    return heads[low - 1] if low else "…"


def _opens(frag: Any) -> bool:
    """A zero-width marker that begins an inline element (tags.Tagger.inline labels it "+N")."""
    return str(getattr(getattr(frag, "cbDefn", None), "label", "")).startswith("+")


class _Glued(list):
    """A piece of a frag word that the next piece follows without a space (reportlab reads it as a
    plain frag word, as it does one followed by an image or a line break)."""


def _cut(word: list[Any]) -> list[list[Any]]:
    """A frag word cut at its break opportunities: [width, (frag, text), ...] pieces, the last of the
    word's own kind (followed by a space or not), the others not followed by one. Piece k holds the
    characters from the k-th break to the next. The markers standing at a break keep their order: from
    the first that opens an element on, they go with the piece after it (no element opens at a line's
    end), those before it with the piece before (an element closes on the line its text is on)."""
    text = "".join(chunk for _, chunk in word[1:])
    breaks = opportunities(text)
    if not breaks:
        return [word]
    groups: list[list[tuple[Any, str]]] = [[] for _ in range(len(breaks) + 1)]
    pending: list[tuple[Any, str]] = []  # zero-width fragments met since the last character
    position = 0
    for frag, chunk in word[1:]:
        if not chunk:
            pending.append((frag, chunk))
            continue
        index = bisect_right(breaks, position)
        if pending:
            at_break = index and breaks[index - 1] == position
            first = next((n for n, (marker, _) in enumerate(pending) if _opens(marker)), len(pending)) if at_break else 0
            groups[index - 1] += pending[:first]
            groups[index] += pending[first:]
            pending = []
        end = position + len(chunk)
        while position < end:
            stop = min(breaks[index], end) if index < len(breaks) else end
            groups[index].append((frag, text[position:stop]))
            position = stop
            if index < len(breaks) and position == breaks[index]:
                index += 1
    groups[-1] += pending
    kinds = [_Glued] * len(breaks) + [type(word)]
    return [kind([sum(stringWidth(chunk, frag.fontName, frag.fontSize) for frag, chunk in group if chunk), *group])
            for kind, group in zip(kinds, groups)]


class LineBreaking:
    """Mixin for reportlab's Paragraph: breaks lines inside unspaced runs (see the module's text)."""

    def breakLines(self, width: Any) -> Any:  # noqa: N802 - reportlab's name
        frags = self.frags  # type: ignore[attr-defined]
        if not _processed_frags(frags):
            if not any(UNSPACED.search(getattr(frag, "text", "")) for frag in frags):
                return super().breakLines(width)  # type: ignore[misc]
            words: list[Any] = []
            for word in _getFragWords(frags, width[0] if isinstance(width, (list, tuple)) else width):
                words += _cut(word) if type(word) in (list, _HSFrag) else [word]
            self.frags = words
        elif not any(type(word) is _Glued for word in frags):
            # A later wrap, or a part of a split paragraph, gets reportlab's frag words back, pieces
            # included: only those with pieces have their spaces counted again.
            return super().breakLines(width)  # type: ignore[misc]
        lines = super().breakLines(width)  # type: ignore[misc]
        _count_spaces(lines, self.frags)  # type: ignore[attr-defined]
        return lines


def _count_spaces(lines: Any, words: list[Any]) -> None:
    """Sets each line's word count to what it is in spaces: reportlab counts every frag word on a
    line and justifies it by spreading its slack over count - 1 word spaces (_justifyDrawParaLineX);
    the pieces joined without a space would leave a justified line short of the right margin. The
    frag words of a line start at its `sFW` (reportlab's index into them)."""
    starts = [line.sFW for line in lines.lines] + [len(words)]
    for line, start, end in zip(lines.lines, starts, starts[1:]):
        line.wordCount -= sum(type(word) is _Glued for word in words[start:end - 1])

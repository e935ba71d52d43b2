"""The text of CSL fields as citeproc-js, the CSL reference processor, prints it: quotation marks and
apostrophes (citeproc-js `CSL.Util.FlipFlopper`), title case (`CSL.Output.Formatters.title`, for
CSL 1.0.2 spec "Text-case": title case applies to English items only), and no italics on text
without a romanesque letter.

citeproc-py prints straight quotes as typed and title-cases with its own 26 stop words. citeproc-js
turns a pair of straight quotes, double or single, into the locale's quotation marks (en-US “…”, and
‘…’ for the other kind of quote: the kind of the first pair found is the outer one), an apostrophe into ’ ("India’s", "O’Neill"),
and title-cases every lower-case word except its 150 stop words ("after", "et", "between", ...),
capitalising the first word, the word after ":", "?" or "!", the last word, and a one-letter word
before a hyphen ("E-Government").
"""

from __future__ import annotations

import re

from .names import ROMANESQUE

#: CSL.SKIP_WORDS of citeproc-js: words title case leaves in lower case (one-word entries; the
#: multi-word ones never match a single word).
SKIP_WORDS = frozenset("""about above across afore after against al along alongside amid amidst among amongst anenst
apropos apud around as aside astride at athwart atop barring before behind below beneath beside besides between
beyond but by circa despite down during et except for forenenst from given in inside into lest like modulo near
next notwithstanding of off on onto out over per plus pro qua sans since than through throughout thruout till to
toward towards under underneath until unto up upon versus vs v via vis-à-vis with within without or yet so and
nor a an the de d' von van c ca""".split())
#: The en-US locale's quotation marks (csl/locales/locales-en-US.xml): outer, then inner.
QUOTES = (("\u201c", "\u201d"), ("\u2018", "\u2019"))
APOSTROPHE = "\u2019"
_QUOTE_CHARS = "\"'\u201c\u201d\u2018\u2019"
_OPENS_AFTER = " \t\n([{\u00a0"


def _kind(char: str) -> str:
    return "double" if char in "\"\u201c\u201d" else "single"


def quotes(text: str) -> str:
    """Straight and typographic quotation marks as citeproc-js prints them, apostrophes as ’."""
    if not any(c in text for c in _QUOTE_CHARS):
        return text
    chars = list(text)
    stack: list[tuple[int, str]] = []  # (position, kind) of open quotation marks
    pairs: list[tuple[int, int]] = []
    for i, char in enumerate(chars):
        if char not in _QUOTE_CHARS:
            continue
        before = chars[i - 1] if i else ""
        after = chars[i + 1] if i + 1 < len(chars) else ""
        if char in "'\u2019" and before and after and ROMANESQUE.match(before) and ROMANESQUE.match(after):
            chars[i] = APOSTROPHE  # inside a word: "India's", "O'Neill"
            continue
        opening = char in "\u201c\u2018" or (char in "\"'" and (not before or before in _OPENS_AFTER)
                                              and after and not after.isspace())
        if opening:
            stack.append((i, _kind(char)))
        elif stack and stack[-1][1] == _kind(char):
            pairs.append((stack.pop()[0], i))
        elif char in "'\u2019":
            chars[i] = APOSTROPHE  # a closing single quote with no opening one: an apostrophe ("States'")
    for position, kind in stack:
        if kind == "single":
            chars[position] = APOSTROPHE
    # The kind of the first pair (single or double) takes the outer marks, the other kind the inner
    # ones (citeproc-js `_setOuterQuoteForm`): "'Single' and \"double\"" -> “Single” and ‘double’.
    if pairs:
        outer = _kind(text[min(pairs)[0]])
        for start, end in pairs:
            chars[start], chars[end] = QUOTES[0 if _kind(text[start]) == outer else 1]
    return "".join(chars)


#: citeproc-js's text-case separators (`CSL.Output.Formatters` rexStr): quotes, punctuation, markup.
_SEPARATOR = re.compile("(\u2018|\u2019|\u201c|\u201d| \"| '|\"|'|[-\u2013\u2014/.,;?!:]|\\[|\\]|\\(|\\)"
                        '|<span style="font-variant: small-caps;">|<span class="no(?:case|decor)">|</span>'
                        "|</?(?:i|sc|b|sub|sup)>)")
_SPACES = re.compile("([\u00a0\u0020\u2000-\u200b\u205f\u3000]+)")


def _capitalise(word: str) -> str:
    stripped = word.lstrip()
    lead = word[:len(word) - len(stripped)]
    if not stripped or (len(stripped) == 1 and "\u0370" <= stripped <= "\u03ff"):
        return word  # a lone Greek letter keeps its case
    return lead + stripped[0].upper() + stripped[1:]


def title_case(text: str) -> str:
    """CSL title case as citeproc-js applies it (`CSL.Output.Formatters.title`)."""
    pieces = _SEPARATOR.split(text)  # strings at even positions, separators between them
    first, after_punctuation = True, False
    last: tuple[int, int] | None = None
    words_of: dict[int, list[str]] = {}
    for index in range(0, len(pieces), 2):
        if index:
            if re.search(r"[!?:]$", pieces[index - 1]):
                after_punctuation = True
        chunk = pieces[index]
        if not chunk.strip():
            continue
        # citeproc-js passes the following separator only for the first string ("E-Government"); later
        # ones get its whole split instead, so "m-payments" keeps its "m".
        following = pieces[1] if index == 0 and len(pieces) > 1 else None
        words = _SPACES.split(chunk)
        for j in range(0, len(words), 2):
            word = words[j]
            if not word:
                continue
            lower = word.lower()
            capitalise = ((len(word) > 1 and lower not in SKIP_WORDS)
                          or (j == len(words) - 1 and following == "-") or first or after_punctuation)
            if capitalise and word == lower:
                words[j] = _capitalise(word)
            first = after_punctuation = False
            last = (index, j)
        words_of[index] = words
        pieces[index] = "".join(words)
    if last is not None:
        index, j = last
        words = words_of[index]
        if len(words[j]) > 1 and words[j].lower() in SKIP_WORDS:
            words[j] = _capitalise(words[j])  # the last word is capitalised even when a stop word
            pieces[index] = "".join(words)
    return "".join(pieces)


def install() -> None:
    """citeproc-py's title case replaced by `title_case`, and no italics on a text element whose text
    has no romanesque letter or digit ("中国的周边外交" stays upright in Chicago, where the title element
    itself is italic: citeproc-js drops `font-style` from such a text blob, `CSL.Output.Queue.append`).
    Process-wide, like the other fixes."""
    from citeproc import model
    from citeproc.string import String

    plain_font_style = model.Text.font_style

    def font_style(self, text):
        if "macro" not in self.attrib and not ROMANESQUE.search(str(text)):
            return text
        return plain_font_style(self, text)

    model.Text.font_style = font_style

    plain_case = model.TextCased.case

    def case(self, text, language=None):
        if self.get("text-case") != "title":
            return plain_case(self, text, language)
        if language != "en":
            return text
        return String(title_case(str(text)))

    model.TextCased.case = case

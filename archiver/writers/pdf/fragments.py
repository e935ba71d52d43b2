"""The paragraph markup of the PDF writer (`markup`) read into reportlab's fragments (its `ParaFrag`
list: runs of text with their font, size, colour, rise, link, and the zero-width `onDraw` markers of
`tags`), the same fragments reportlab's own parse makes, at a fraction of its cost.

reportlab 5.1 parses every paragraph with a new `ParaParser`, an `html.parser.HTMLParser` whose
tokeniser (regular expressions per tag and attribute, per paragraph) costs more than the fragments it
feeds. Two cheaper paths, each handing reportlab the same events or the same fragment:

- plain text (no tag, no entity; most body paragraphs, names, labels) is one fragment, the style's,
  as the parser makes it: parsed once per style (`_plain_fragment`) and copied with the text;
- other markup, when it is in the well-formed subset `markup` writes (`_TOKEN`: tags with
  double-quoted attributes, named entities), is tokenised by one regular expression and fed to
  reportlab's own handlers (`ParaParser.handle_starttag`, `handle_endtag`, `handle_data`,
  `handle_entityref`) in the order, and with the lower-cased names and unescaped values,
  `HTMLParser` would give them; anything outside that subset is left to `HTMLParser` itself.

`tests/test_pdf_fragments.py` compares the fragments of both paths with reportlab's own parse.
"""

from __future__ import annotations

import functools
import re
from html import unescape
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus.paragraph import cleanBlockQuotedText, textTransformFrags
from reportlab.platypus.paraparser import ParaParser

#: one token of the markup subset: a start, end or self-closing tag with double-quoted attributes,
#: a named entity, or text without '<' and '&' (HTMLParser's text ends at either)
_TOKEN = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_][-a-zA-Z0-9_]*="[^"<]*")*)\s*(/?)>'
                    r"|&([a-zA-Z][-.a-zA-Z0-9]*);|([^<&]+)")
_ATTRIBUTE = re.compile(r'([a-zA-Z_][-a-zA-Z0-9_]*)="([^"]*)"')


def fragments(text: str, style: ParagraphStyle) -> tuple[str, list[Any] | None]:
    """(the text reportlab keeps as the paragraph's, its fragments) for `Paragraph(text, style,
    frags=...)`; None for reportlab to parse it itself (an empty paragraph)."""
    text = cleanBlockQuotedText(text)  # what reportlab's own parse path does first
    if not text:
        return text, None
    if "<" not in text and "&" not in text:
        frags = [_plain_fragment(style).clone(text=text, link=[], us_lines=[])]
    else:
        parsed_style, frags, bullet = _Parser().parse(text, style)
        if frags is None:
            raise ValueError(f"paragraph markup does not parse: {text[:30]!r}")
        if parsed_style is not style or bullet:  # a <para> or <bullet> tag: not markup's
            return text, None
    textTransformFrags(frags, style)
    return text, frags


@functools.lru_cache(maxsize=64)  # keyed by the style object: a Look's styles are made once, never changed
def _plain_fragment(style: ParagraphStyle) -> Any:
    """The fragment reportlab's parser makes of plain text in `style` (its font after the family
    mapping, size, colour, no rise or link), parsed once per style; copied per paragraph with the text
    and fresh lists of links and underlines, as the parser copies it per run of text."""
    parsed_style, frags, _ = ParaParser().parse("x", style)
    if parsed_style is not style or len(frags) != 1:
        raise AssertionError("reportlab's parser changed how it reads plain text")
    return frags[0]


class _Parser(ParaParser):
    """reportlab's paragraph parser with a tokeniser for the markup subset (see the module)."""

    def feed(self, data: str) -> None:
        events = []
        position = 0
        for match in _TOKEN.finditer(data):
            if match.start() != position:
                break
            position = match.end()
            closing, tag, attributes, empty, entity, chars = match.groups()
            if tag is not None and tag.lower() in self.CDATA_CONTENT_ELEMENTS:
                break  # HTMLParser reads their content as raw text
            if chars is not None:
                events.append((self.handle_data, (chars,)))
            elif entity is not None:
                events.append((self.handle_entityref, (entity,)))
            elif closing:
                if attributes or empty:
                    break
                events.append((self.handle_endtag, (tag.lower(),)))
            else:
                pairs = [(name.lower(), unescape(value) if value else value)
                         for name, value in _ATTRIBUTE.findall(attributes)]
                events.append((self.handle_starttag, (tag.lower(), pairs)))
                if empty:
                    events.append((self.handle_endtag, (tag.lower(),)))
        if position != len(data):
            super().feed(data)  # outside the subset: HTMLParser reads it
            return
        for handler, arguments in events:
            handler(*arguments)

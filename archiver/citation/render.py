"""Formatted references: a CSL-JSON item rendered in a CSL style by citeproc-py, made to agree with
citeproc-js, the CSL reference processor (tests/test_citeproc_reference.py compares the two on a corpus).

The style and locale files are the repository's (`csl/`, see csl/README.md), the same files citeproc-js
renders the expected strings with (`make citeproc-expected`). Where citeproc-py departs from
citeproc-js, the rule is ported in one module per behaviour and installed into citeproc-py once:
names (`names.py`), number variables (`numbers.py`); the CSL item passed to citeproc-py is the
crosswalk's, with the number printed as citeproc-js prints it (`citeproc_item`).
"""

from __future__ import annotations

import functools
import html
import io
import json
import re
from pathlib import Path
from typing import Any

from . import CSL_STYLES

#: The CSL styles and locales archiver renders with (and citeproc-js renders the expected strings with).
CSL_DIR = Path(__file__).resolve().parent.parent.parent / "csl"


def style_path(name: str) -> Path:
    if name not in CSL_STYLES:
        from ..errors import UsageError
        raise UsageError(f"unknown citation style {name!r}", hint=f"use one of: {', '.join(CSL_STYLES)}")
    return CSL_DIR / "styles" / f"{CSL_STYLES[name]}.csl"


@functools.cache
def _style(name: str):
    from citeproc import CitationStylesStyle

    _install()
    # validate=False: current CSL 1.0.2 styles fail citeproc-py's older bundled RNG schema.
    return CitationStylesStyle(io.BytesIO(style_path(name).read_bytes()), validate=False)


@functools.cache
def _install() -> None:
    """citeproc-py made to agree with citeproc-js, once per process: its look-ups remembered and its
    steps that change nothing skipped (`fastpaths`), each ported rule installed (names, numbers, rich
    text), the rendered macros remembered across references by what they read (`memo`), the
    repository's locale files."""
    from citeproc import frontend

    from . import fastpaths, memo, names, numbers, richtext

    fastpaths.install()
    names.install()
    numbers.install()
    richtext.install()
    memo.install()  # last: it remembers what the rules above render
    # The locale files are the repository's (en-US is the only one the four styles use).
    frontend.LOCALES_PATH = str(CSL_DIR / "locales")


#: The CSL fields whose text citeproc-js prints with typographic quotes and apostrophes (not URLs,
#: identifiers or codes).
TEXT_FIELDS = ("title", "collection-title", "container-title", "publisher", "publisher-place", "genre")


def citeproc_item(item: dict[str, Any], range_format: str | None = "expanded") -> dict[str, Any]:
    """The crosswalk's CSL item as citeproc-py is given it, its text as citeproc-js prints it: the
    number with the locale's range delimiter (`numbers.read`, by the style's page-range-format),
    quotation marks and apostrophes in the
    text fields and names (`richtext.quotes`)."""
    from . import numbers, richtext

    item = dict(item)
    if "number" in item:
        item["number"] = numbers.read(str(item["number"]), range_format).text
    for field in TEXT_FIELDS:
        if field in item:
            item[field] = richtext.quotes(item[field])
    item["author"] = [{k: richtext.quotes(v) if isinstance(v, str) else v for k, v in name.items()}
                      for name in item.get("author", [])]
    return item


def _source(item: dict[str, Any]):
    """citeproc-py's JSON source of one item: names with the particles citeproc-js finds in them
    (`names.parse_particles`), keeping CSL's `static-ordering` flag, which citeproc-py's Name does not
    accept (names.py reads it)."""
    return _source_class()([item])


@functools.cache
def _source_class():
    # made once: citeproc-py is imported only when a reference is rendered
    from citeproc.source.json import CiteProcJSON

    from .names import parse_particles

    class Source(CiteProcJSON):
        def parse_names(self, json_data):
            json_data = [parse_particles(n) for n in json_data]
            parsed = super().parse_names([{k: v for k, v in n.items() if k != "static-ordering"}
                                          for n in json_data])
            for name, data in zip(parsed, json_data):
                if data.get("static-ordering"):
                    dict.__setitem__(name, "static-ordering", True)
            return parsed

    return Source


def render_item(item: dict[str, Any], style: str, output: str = "plain") -> str:
    """The bibliography entry of a CSL item in a style, as text ("plain") or citeproc's HTML ("html")."""
    range_format = _style(style).root.get("page-range-format") if style in CSL_STYLES else style_path(style)
    marked_up = _render(json.dumps(citeproc_item(item, range_format), sort_keys=True, ensure_ascii=False), style)
    return marked_up if output == "html" else html.unescape(_TAG.sub("", marked_up))


@functools.lru_cache(maxsize=64)
def _render(item_json: str, style: str) -> str:
    # Rendered once per CSL item and style, as HTML; the plain text is that HTML without its markup.
    # The JATS, EPUB, PDF and landing-page writers of one record all print the same line, and
    # citeproc-py takes several milliseconds to render one reference.
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter

    csl_style = _style(style) if style in CSL_STYLES else style_path(style)  # style_path raises on unknown
    item = json.loads(item_json)
    bibliography = CitationStylesBibliography(csl_style, _source(item), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return _collapse_punctuation(_italics(_safe_html(str(bibliography.bibliography()[0]).strip())))


_ITALIC_TAG = re.compile(r"</?i>")
_UPRIGHT = '<span style="font-style:normal;">'


def _italics(text: str) -> str:
    """Italics inside italics flipped to upright, as citeproc-js does (`CSL.Util.FlipFlopper`): a
    title's own <i> within a title the style sets in italics."""
    out, depth, pos = [], 0, 0
    closers: list[str] = []
    for match in _ITALIC_TAG.finditer(text):
        out.append(text[pos:match.start()])
        pos = match.end()
        if match.group(0) == "<i>":
            closers.append("</span>" if depth % 2 else "</i>")
            out.append(_UPRIGHT if depth % 2 else "<i>")
            depth += 1
        elif closers:
            out.append(closers.pop())
            depth -= 1
    out.append(text[pos:])
    return "".join(out)


#: A period after a variable that already ends in ".", "?" or "!" (markup between them allowed).
_DOUBLED_PERIOD = re.compile(r"([.?!])((?:</?(?:i|b|u|sup|sub|span)[^>]*>)*)\.")


#: A period or comma after a closing double quotation mark.
_AFTER_QUOTE = re.compile("\u201d((?:</?(?:i|b|u|sup|sub|span)[^>]*>)*)([.,])")


def _collapse_punctuation(text: str) -> str:
    """One mark where a suffix or delimiter "." follows text ending in ".", "?" or "!": "Why?" then
    ". " prints "Why? ", as citeproc-js's output queue merges them (CSL 1.0.2 spec, "Punctuation"
    in affixes and delimiters); citeproc-py printed "Why?." and "Rivalry..". And a period or comma
    after a closing quotation mark goes inside it, as the en-US locale's punctuation-in-quote says
    (“Asia.”).
    """
    text = _AFTER_QUOTE.sub("\\2\u201d\\1", text)
    return _DOUBLED_PERIOD.sub(r"\1\2", text)


_TAG = re.compile(r"<[^>]+>")
# The only markup citeproc-py's HTML formatter writes.
_CITEPROC_TAGS = re.compile(r"&lt;(/?)(i|b|u|l|sup|sub)&gt;|&lt;span style=&quot;font-variant:small-caps;&quot;&gt;"
                            r"|&lt;/span&gt;")


def _safe_html(text: str) -> str:
    """citeproc-py's HTML output with the record's text escaped: citeproc-py inserts variable text
    unescaped (a title "<script>" came out as a script element), so everything is escaped and only
    the formatter's own tags are restored."""
    escaped = html.escape(html.unescape(text))

    def restore(match: re.Match) -> str:
        return html.unescape(match.group(0))

    return _CITEPROC_TAGS.sub(restore, escaped)

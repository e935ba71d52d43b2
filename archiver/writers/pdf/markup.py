"""Record inlines as reportlab paragraph markup, for the PDF writer's story.

reportlab has no per-glyph font fallback, so every character the run's font cannot draw (CJK, for one)
is wrapped in the font that can. Links and runs of text in a script of another language than the
record's are wrapped in tagging markers (`tags.Tagger.inline`), so the structure tree holds them as
`Link` elements (with their annotations) and `Span` elements with their `/Lang` (ISO 14289-1 7.2);
characters no font has are drawn as boxes inside a `Span` whose `/ActualText` is the text (7.2, 7.21).
Runs of Arabic, Hebrew, Thai and Devanagari, drawn shaped and in visual order, are `Span` elements
whose `/ActualText` is their text in logical order (ISO 32000-1 14.9.4).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from ...record import Code, Link, NoteRef, Styled, plain_text
from .fonts import MISSING
from .look import Look
from .tags import PRIVATE_USE, Tagger


def xml_escape(text: str, quote: bool = False) -> str:
    """`&`, `<` and `>` (and `"` when `quote`) as entities, as `xml.sax.saxutils.escape` writes them:
    that module imports `urllib.request` (and with it http.client, ssl and email), about 10 ms of
    every `convert` and every build worker's start."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if quote else text

_TAGS = {"emphasis": "i", "strong": "b", "superscript": "super", "subscript": "sub"}
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)]")

#: scripts that name their language well enough for a screen reader to pick a voice: a run of them in a
#: record of another language is a Span with that /Lang. Han alone is read as Chinese, with kana as
#: Japanese. Latin and Cyrillic (shared by many languages) are left to the document's language.
_CJK = "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_SCRIPTS = {
    "cjk": _CJK, "ar": "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufefe",
    "he": "\u0590-\u05ff", "th": "\u0e00-\u0e7f", "hi": "\u0900-\u097f", "el": "\u0370-\u03ff\u1f00-\u1fff",
}
#: scripts drawn as shaped glyphs, some right to left, whose drawn glyphs do not spell the text in order
_SHAPED = {"ar", "he", "th", "hi"}
_RUNS = re.compile("|".join(f"(?P<{name}>[{chars}]+(?:[\\s\u3000-\u303f\uff0c]+[{chars}]+)*)"
                            for name, chars in _SCRIPTS.items()))
#: any character `_RUNS` can start a match at: text without one (most of it) skips that search
_ANY_SCRIPT = re.compile(f"[{''.join(_SCRIPTS.values())}]")


def script_language(run: str) -> str:
    """The language a run of one script is taken to be in (see `_SCRIPTS`)."""
    if re.search("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]", run):
        return "ko"
    if re.search("[\u3040-\u30ff\u31f0-\u31ff]", run):
        return "ja"
    return "zh"


class Markup:
    """Turns runs of record inlines into reportlab paragraph markup for one record."""

    def __init__(self, look: Look, note_labels: dict[str, str], missing: set[str], tags: Tagger):
        self.look = look
        self.note_labels = note_labels
        self.missing = missing
        self.tags = tags
        self.language = tags.language.split("-")[0].lower()
        # "#rrggbb", which reportlab's colour parser reads directly; its "0xrrggbb" goes through
        # ast.literal_eval for every link
        self.colour = "#" + look.colours["accent"].hexval()[2:]

    def _fonts(self, text: str, font: str) -> str:
        out = []
        for run, run_font in self.look.fonts.runs(text, font, self.missing):
            if run_font is None:
                # Glyphs no font has: a box for each, and the text itself for a screen reader or a copy.
                opening, closing = self.tags.inline("Span", ActualText=run)
                out.append(f'{opening}<font name="{self.look.fonts.last_resort}">{MISSING * len(run)}</font>{closing}')
            else:
                drawn = xml_escape(run) if run_font == font else f'<font name="{run_font}">{xml_escape(run)}</font>'
                for part in PRIVATE_USE.split(drawn):
                    if PRIVATE_USE.fullmatch(part):
                        # A Private Use Area glyph (a Word symbol-font bullet, U+F0B7) has no meaning of its
                        # own: PDF/A-3a 6.2.11.7.3 wants its ActualText, here the record's own characters.
                        opening, closing = self.tags.inline("Span", ActualText=part)
                        part = opening + part + closing
                    out.append(part)
        return "".join(out)

    def text(self, text: str, font: str) -> str:
        """Plain text, each run in a font that draws it, each run of another language in a Span."""
        if not _ANY_SCRIPT.search(text):
            return self._fonts(text, font)
        out: list[str] = []
        position = 0
        for match in _RUNS.finditer(text):
            language = script_language(match.group()) if match.lastgroup == "cjk" else match.lastgroup
            attributes = {"Lang": language} if language != self.language else {}
            if match.lastgroup in _SHAPED:
                # Drawn shaped and perhaps reordered (direction.py): the text in logical order.
                attributes["ActualText"] = match.group()
            if not attributes:
                continue
            opening, closing = self.tags.inline("Span", **attributes)
            out += [self._fonts(text[position:match.start()], font), opening, self._fonts(match.group(), font), closing]
            position = match.end()
        out.append(self._fonts(text[position:], font))
        return "".join(out)

    def link(self, url: str, content: str, description: str) -> str:
        opening, closing = self.tags.inline("Link", contents=description, target=url)
        return (f'{opening}<a href="{xml_escape(url, quote=True)}" color="{self.colour}">'
                f"{content}</a>{closing}")

    def inlines(self, nodes: Iterable[Any], font: str) -> str:
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(self.text(node, font))
            elif isinstance(node, Styled):
                tag = _TAGS[node.type]
                out.append(f"<{tag}>{self.inlines(node.content, font)}</{tag}>")
            elif isinstance(node, Link):
                text = plain_text(node.content).strip()
                out.append(self.link(node.url, self.inlines(node.content, font),
                                     f"{text} ({node.url})" if text and text != node.url else node.url))
            elif isinstance(node, Code):
                mono = self.look.fonts.mono
                out.append(f'<font name="{mono}">{self.text(node.text, mono)}</font>')
            elif isinstance(node, NoteRef):
                label = self.note_labels.get(node.note, "?")
                out.append(f"<super>{self.link('#note-' + node.note, self.text(label, font), f'Note {label}')}</super>")
        return "".join(out)

    def linkify(self, text: str, font: str) -> str:
        """Plain text with its URLs made live links."""
        out: list[str] = []
        position = 0
        for match in _URL.finditer(text):
            out.append(self.text(text[position:match.start()], font))
            url = match.group(0)
            out.append(self.link(url, self.text(url, font), url))
            position = match.end()
        out.append(self.text(text[position:], font))
        return "".join(out)

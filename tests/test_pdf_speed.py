"""The PDF writer's speed levers (issue 21.5) change no byte: a fixed batch (the samples and the
scripts record of test_pdf_scripts, whose shaped glyphs have private codes, in both brands) rendered
in a fresh process with every lever switched off, as reportlab alone would make it, has the same
SHA-256 digests as with them on, cold and warm; the remembered widths and the subset splits are
reportlab's, each comparison shown to bite.

The levers: the brand's look resolved once per style (look.py), the ToUnicode CMap cache and the
/Widths arrays written once (fonts.py), the text fonts' widths and subset splits (fonts.TextFont), the
paragraph fragments (fragments.py, tested fragment by fragment in test_pdf_fragments.py).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from archiver.style import load_style
from archiver.writers.pdf import fonts
from archiver.writers.pdf.look import look_of

ROOT = Path(__file__).resolve().parent.parent

#: run in a fresh process before the batch: every lever of this file off
LEVERS_OFF = "; ".join([
    "import archiver.writers.pdf.fonts as f, archiver.writers.pdf.flowables as fl",
    "f.TextFont = f.TTFont",  # reportlab's own widths and splits
    "f.cache_widths = lambda font: None",  # reportlab formats every /Widths
    "f._fixed = lambda subset: False",  # every CMap made and compressed anew
    "fl.fragments = lambda text, style: (text, None)",  # reportlab parses every paragraph
])


def test_levers_change_no_byte():
    import test_pdf_scripts
    # With another reportlab the levers that follow its internals are off, and this test says so.
    assert fonts._KNOWN_REPORTLAB, f"reportlab is not {fonts.REPORTLAB}: check TextFont.splitString and cache_widths"
    code = (f"import sys; sys.path.insert(0, 'tests'); {LEVERS_OFF}; import test_pdf_scripts as t; "
            "print(' '.join(t.batch_digests()))")
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.split()
    cold = test_pdf_scripts.batch_digests()
    warm = test_pdf_scripts.batch_digests()
    assert len(off) == 8
    assert off == cold == warm


def _document():
    return Canvas(None)._doc


def _body_font():
    """The default brand's body font, a TextFont."""
    font = pdfmetrics.getFont(look_of(load_style("default")).fonts.body)
    assert isinstance(font, fonts.TextFont)
    return font


def test_split_string_is_reportlabs():
    # Enough distinct characters for several subsets of 256 codes, split before and after each has
    # its code, in runs that cross subsets; U+00A0 and a character the font lacks included.
    font, doc = _body_font(), _document()
    drawable = [chr(code) for code in sorted(font.face.charToGlyph) if code > 32][:700]
    rng = random.Random(21)
    texts = ["".join(rng.choice(drawable + [" ", "\u00a0"]) for _ in range(rng.randint(0, 40)))
             for _ in range(400)]
    texts += ["".join(drawable), "plain words\u00a0here", "\uffff not in the font", ""]
    reference = TTFont.splitString
    shadow_doc = _document()  # the same sequence of splits on reportlab's own code, in its own state
    for text in texts:
        ours = font.splitString(text, doc)
        theirs = reference(font, text, shadow_doc)
        assert ours == theirs, text
    assert len(font.state[doc].subsets) >= 3  # several subsets were crossed


def test_split_string_comparison_bites():
    font, doc = _body_font(), _document()
    font.splitString("abc", doc)
    shadow = _document()
    TTFont.splitString(font, "abc", shadow)
    state = font.state[doc]
    state.assignments[ord("a")] ^= 1  # a wrong code remembered for "a"
    try:
        assert font.splitString("abc", doc) != TTFont.splitString(font, "abc", shadow)
    finally:
        state.assignments[ord("a")] ^= 1


def test_widths_are_reportlabs_and_bounded(monkeypatch):
    font = _body_font()
    for text, size in (("the", 10), ("internationalisation", 8.5), ("é ß ø", 12), ("", 10)):
        assert font.stringWidth(text, size) == TTFont.stringWidth(font, text, size)
        assert font.stringWidth(text, size) == TTFont.stringWidth(font, text, size)  # remembered
    monkeypatch.setattr(fonts.TextFont, "LIMIT", 3)
    for word in ("a", "b", "c", "d", "e"):
        font.stringWidth(word, 10)
    assert len(font._widths) <= 3


def test_the_digest_comparison_bites(monkeypatch):
    # /Widths taken from a cache that hands back other numbers change the bytes, and the digests say so.
    import test_pdf_scripts
    before = test_pdf_scripts.batch_digests()[:1]

    class Wrong(dict):
        def get(self, key, default=None):
            return b"[ 500 ]"
    monkeypatch.setattr(fonts._Widths, "_written", Wrong())
    assert test_pdf_scripts.batch_digests()[:1] != before

"""The PDF's paragraph fragments (archiver/writers/pdf/fragments.py) are the ones reportlab's own
parser makes: for every paragraph the writer lays out for the sample records (in every script a brand
has a font for) and for markup at the edges of the subset (entities, nesting, quoted values, markup
outside the subset that goes to HTMLParser), fragment by fragment, attribute by attribute.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.platypus.paragraph import Paragraph as ReportlabParagraph

from archiver.convert import load_assets
from archiver.record import load
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer
from archiver.writers.pdf import flowables, fragments as fragments_module
from archiver.writers.pdf.fragments import fragments
from archiver.writers.pdf.look import look_of

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "samples" / "records"


def _plain(value):
    """A fragment (or what it holds) as plain data, so that two parses compare by value."""
    if hasattr(value, "__dict__"):
        return {key: _plain(item) for key, item in vars(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _reportlab(text, style):
    paragraph = ReportlabParagraph(text, style)
    return paragraph.text, _plain(paragraph.frags)


def _ours(text, style):
    kept, frags = fragments(text, style)
    if frags is None:  # left to reportlab
        return _reportlab(text, style)
    return kept, _plain(frags)


@pytest.fixture(scope="module")
def laid_out():
    """(markup, style) of every paragraph the writer makes for the sample records, in both brands."""
    made = []
    original = flowables.Paragraph.__init__

    def spy(self, text, style, *args, **kwargs):
        if isinstance(text, str):
            made.append((text, style))
        original(self, text, style, *args, **kwargs)

    flowables.Paragraph.__init__ = spy
    try:
        for brand in ("default", "rsis"):
            style = load_style(brand)
            for path in sorted(RECORDS.glob("*.json")):
                record = load(path)
                assets, _ = load_assets(record, path.parent)
                pdf_writer.render(record, RenderContext(style=style, assets=assets))
    finally:
        flowables.Paragraph.__init__ = original
    return made


def test_every_paragraph_of_the_samples_has_reportlabs_fragments(laid_out):
    assert len(laid_out) > 100
    kinds = {"plain": 0, "markup": 0}
    for text, style in laid_out:
        kinds["plain" if "<" not in text and "&" not in text else "markup"] += 1
        assert _ours(text, style) == _reportlab(text, style), text
    assert kinds["plain"] > 20 and kinds["markup"] > 20  # both paths are exercised


EDGES = [
    "Tom &amp; Jerry &lt;3 &gt; &quot;quoted&quot; and &unknown; and a lone &amp;",
    '<b>bold <i>both</i></b> <super>2</super><sub>x</sub> <font name="Courier">mono</font>',
    '<onDraw name="tag" label="+0"/><a href="https://example.org/?a=1&amp;b=&quot;2&quot;" color="#336699">'
    'link</a><onDraw name="tag" label="-0"/>',
    '<a href="#note-n1" color="#336699">1</a>  spaced   out\n  over lines  ',
    "<onDraw name='tag' label='+1'/>single-quoted attributes go to HTMLParser",
    '<b >spaced tag</b > and <br/> a break',
    "&#233;t&#xE9; (character references go to HTMLParser)",
    "   ",
]


@pytest.mark.parametrize("text", EDGES)
def test_markup_at_the_edges_of_the_subset(text):
    style = look_of(load_style("default")).styles["body"]
    assert _ours(text, style) == _reportlab(text, style)


def test_outside_the_subset_goes_to_htmlparser(monkeypatch):
    """The negative case: the subset's tokeniser reads only what it knows, and the comparison above
    would catch a tokeniser that read more (a fragment from a single-quoted tag's text would differ)."""
    fed = []
    monkeypatch.setattr(fragments_module.ParaParser, "feed",
                        lambda self, data: (fed.append(data), super(fragments_module.ParaParser, self).feed(data))[1])
    style = look_of(load_style("default")).styles["body"]
    fragments("<i>in the subset</i>", style)
    assert fed == []
    fragments("<i class='x'>outside</i>", style)
    assert len(fed) == 1


def test_a_tokeniser_that_drops_an_entity_is_caught():
    """The comparison bites: fragments made without the entity's own run differ from reportlab's."""
    style = look_of(load_style("default")).styles["body"]
    text = "a &amp; b"
    kept, frags = fragments(text, style)
    joined = [frags[0].clone(text="".join(frag.text for frag in frags))]
    assert (kept, _plain(joined)) != _reportlab(text, style)

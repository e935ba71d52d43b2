"""The PDF writer's replacements for reportlab helpers answer as reportlab's own do.

`accel.same_frag` as the C `sameFrag`: on every pair of fragments line breaking compares while the
samples are laid out in both brands, and on fragments made to differ in each attribute, to lack it,
to hold an image or a line break, or to carry the attribute on their class. `syntax`'s remembered
PDF names and ASCII encoding as reportlab's `PDFName` and `pdfdocEnc`, on every character of the
first 256 and beyond, alone and in text. The layout's frame copies itself as `copy.deepcopy` copies
a reportlab frame.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.rl_accel import sameFrag as c_same_frag
from reportlab.platypus import paragraph
from reportlab.platypus.paraparser import ParaFrag

from archiver.convert import load_assets
from archiver.record import load
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer
from archiver.writers.pdf import accel, syntax

RECORDS = Path(__file__).resolve().parent.parent / "samples" / "records"


def _sample_pairs(monkeypatch) -> list[tuple[object, object]]:
    pairs = []

    def recording(f, g):
        pairs.append((f.clone() if hasattr(f, "clone") else f, g.clone() if hasattr(g, "clone") else g))
        return c_same_frag(f, g)

    monkeypatch.setattr(paragraph, "sameFrag", recording)
    for path in sorted(RECORDS.glob("*.json")):
        record = load(path)
        assets, _ = load_assets(record, RECORDS)
        for brand in ("rsis", "default"):
            pdf_writer.render(record, RenderContext(style=load_style(brand), assets=assets))
    return pairs


def _frag(**attributes) -> ParaFrag:
    base = {"fontName": "Body", "fontSize": 10, "textColor": colors.HexColor("#123456"), "rise": 0,
            "us_lines": [], "link": [], "backColor": None, "nobr": False}
    base.update(attributes)
    return ParaFrag(**{key: value for key, value in base.items() if value is not _ABSENT})


_ABSENT = object()


class _WithClassColour(ParaFrag):
    textColor = colors.HexColor("#123456")


def _made_pairs() -> list[tuple[object, object]]:
    same = _frag()
    pairs = [(same, same.clone()), (same, same)]
    for name, other in (("fontName", "Bold"), ("fontSize", 11), ("textColor", colors.HexColor("#123457")),
                        ("rise", 2), ("us_lines", [("underline", 1)]), ("link", ["https://example.org/"]),
                        ("backColor", colors.yellow), ("nobr", True)):
        pairs += [(same, _frag(**{name: other})), (same, _frag(**{name: _ABSENT})),
                  (_frag(**{name: _ABSENT}), _frag(**{name: _ABSENT}))]
    pairs += [(same, _frag(cbDefn=object())), (_frag(lineBreak=True), same), (_frag(lineBreak=False), same)]
    with_class = _WithClassColour(**{k: v for k, v in vars(same).items() if k != "textColor"})
    pairs += [(with_class, same), (same, with_class), (same, _frag(textColor="#123456"))]
    return pairs


def test_same_frag_answers_as_reportlabs_c_function_on_the_samples_and_made_cases(monkeypatch):
    pairs = _sample_pairs(monkeypatch) + _made_pairs()
    assert len(pairs) > 500
    answers = [bool(c_same_frag(f, g)) for f, g in pairs]
    assert True in answers and False in answers
    assert [accel.same_frag(f, g) for f, g in pairs] == answers


def test_the_comparison_bites_on_a_version_that_ignores_one_attribute(monkeypatch):
    pairs = _sample_pairs(monkeypatch) + _made_pairs()
    monkeypatch.setattr(accel, "_NAMES", tuple(name for name in accel._NAMES if name != "link"))
    answers = [bool(c_same_frag(f, g)) for f, g in pairs]
    assert [accel.same_frag(f, g) for f, g in pairs] != answers


def test_the_writer_uses_it():
    assert paragraph.sameFrag is accel.same_frag



def _outcome(function, value):
    try:
        return function(value)
    except Exception as exc:  # noqa: BLE001 - the same refusal is part of the same answer
        return type(exc)


def test_pdf_names_and_syntax_encode_as_reportlabs():
    values = [chr(code) for code in range(0x3000)] + ["Type", "F1", "Font Name", "a#b", "(x)", "Tab\tx", "x\x18y",
                                                    "12 0 R", "é", "\u20ac", ""]
    assert [syntax._remembered_name(v) for v in values] == [syntax._reportlab_name(v) for v in values]
    assert [syntax._remembered_name(v) for v in values] == [syntax._reportlab_name(v) for v in values]  # remembered
    assert syntax._remembered_name("x y", "a", "z") == syntax._reportlab_name("x y", "a", "z")
    encoded = [_outcome(syntax._pdfdoc_encoded, v) for v in values + [b"bytes \x18", 12]]
    assert encoded == [_outcome(syntax._reportlab_encoded, v) for v in values + [b"bytes \x18", 12]]
    assert bytes in {type(e) for e in encoded} and UnicodeEncodeError in encoded  # both paths taken


def test_the_frame_copies_itself_as_deepcopy_copies_a_frame():
    import copy

    from reportlab.platypus import Frame

    from archiver.writers.pdf import _Frame

    def used(frame):
        frame._reset()
        frame.__dict__["_frameBGs"] = [("colour", [1, 2])]
        frame.__dict__["_generated_content"] = [object()]
        frame._atTop = 0
        return frame

    plain, ours = used(Frame(10, 20, 300, 400, id="f")), used(_Frame(10, 20, 300, 400, id="f"))
    copies = copy.deepcopy(plain), copy.deepcopy(ours)
    assert type(copies[1]) is _Frame
    assert list(vars(copies[1])) == list(vars(copies[0])) == list(vars(plain))
    for name, value in vars(ours).items():
        theirs = vars(copies[0])[name]
        mine = vars(copies[1])[name]
        if isinstance(value, list):
            assert mine is not value and type(mine[0]) is type(theirs[0])
        else:
            assert mine == theirs
    assert copies[1]._frameBGs == copies[0]._frameBGs and copies[1]._frameBGs[0][1] is not ours._frameBGs[0][1]

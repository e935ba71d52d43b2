"""Lines break inside runs of scripts written without spaces between words (linebreak.py): every glyph
of a long unspaced run of Chinese, Japanese, Korean, Thai or Lao stays inside the text frame in every
paragraph kind the PDF has (title, subtitle, synopsis, body paragraphs, headings, list items, quotes,
table cells, figure and table captions, endnotes, references, author bios), no glyph is lost and no
space is added at a break; Thai and Lao break between words, never inside a grapheme cluster; no CJK
line starts with closing punctuation; the files stay PDF/UA-1 and PDF/A-3a.

Glyph positions are read back with pdfminer.six (its own content-stream interpreter, independent of
the writer), each element's text from the structure tree (tests/pdftree.py), the drawn lines from
the content streams (`page_lines`).

The text is Article 1 of the Universal Declaration of Human Rights in the UN's translations (OHCHR,
free to reproduce; the Lao as the Unicode UDHR project transcribes it), Thai and Korean with their
spaces taken out.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from hypothesis import given, settings, strategies as st
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph as ReportlabParagraph
from reportlab.platypus.paragraph import _HSFrag

from archiver.convert import load_assets
from archiver.record import load, validate
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer
from archiver.writers.pdf import linebreak
from pdftree import _to_unicode, check_tree, expected_items, front_items, tree_items
from test_pdfua import page_failures, pdfua_findings

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "samples" / "records"

ZH = "人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。"
JA = ("すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。人間は、"
      "理性と良心とを授けられており、互いに同胞の精神をもって行動しなければならない。")
KO = ("모든인간은태어날때부터자유로우며그존엄과권리에있어동등하다.인간은천부적으로이성과양심을부여받았으며"
      "서로형제애의정신으로행동하여야한다.")
#: the Thai, word by word as a Thai reader splits it (ICU's dictionary must find these boundaries;
#: เสมอภาค "equal" is เสมอ "even" + ภาค "part", ทั้งหลาย "all" is ทั้ง + หลาย, both ways right)
TH_WORDS = ("มนุษย์", "ทั้ง", "หลาย", "เกิด", "มา", "มี", "อิสระ", "และ", "เสมอ", "ภาค", "กัน", "ใน",
            "เกียรติศักดิ์", "และ", "สิทธิ", "ต่าง", "มี", "เหตุผล", "และ", "มโนธรรม", "และ", "ควร", "ปฏิบัติ",
            "ต่อ", "กัน", "ด้วย", "เจตนารมณ์", "แห่ง", "ภราดรภาพ")
TH = "".join(TH_WORDS)
LO = ("ມະນຸດເກີດມາມີສິດເສລີພາບແລະສະເໝີໜ້າກັນໃນທາງກຽດຕິສັກແລະທາງສິດດ້ວຍມະນຸດມີສະຕິສຳປັດຊັນຍະ(ຮູ້ດີຮູ້ຊົ່ວ)"
      "ແລະມີມະໂນທຳຈື່ງຕ້ອງປະພຶດຕົນຕໍ່ກັນໃນທາງພີ່ນ້ອງ.")
KM = ("មនុស្សទាំងអស់កើតមកមានសេរីភាពនិងសមភាពក្នុងផ្នែកសេចក្ដីថ្លៃថ្នូរនិងសិទ្ធិ។មនុស្សមានវិចារណញ្ញាណនិង"
      "សតិសម្បជញ្ញៈជាប់ពីកំណើតហើយគប្បីប្រព្រឹត្ដចំពោះគ្នាទៅវិញទៅមកក្នុងស្មារតីភាតរភាពជាបងប្អូន។")
SCRIPTS = {"zh": ZH, "ja": JA, "ko": KO, "th": TH, "lo": LO}
#: characters UAX #14 keeps off the start of a line (CL, CP, IS, NS, EX among CJK text)
NO_START = set("、。，．・：；？！」』）〕］｝〉》】ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々〻!),.:;?]}")
NO_END = set("「『（〔［｛〈《【([{")


def unspaced_record(run: str, language: str = "en"):
    """The sample record with every paragraph kind holding `run` (twice, so that it is longer than a
    line), in a record of `language`."""
    data = load(RECORDS / "CO24017.json").to_json()
    long = run * 2
    data["language"] = language
    data["title"], data["subtitle"], data["abstract"] = long, long, long
    data["editor_note"] = long
    for author in data["authors"]:
        author["bio"] = long
    data["schema_version"] = "1.1"
    data["references"] = [{"id": "r1", "citation": [long]}, {"id": "r2", "citation": ["Latin lead " + long]}]
    first, second, third = data["body"]["blocks"]
    first["blocks"][0]["content"] = ["Some Latin words before it: " + run * 3]
    first["blocks"][1]["caption"] = [long]
    second["title"] = [long]
    second["blocks"][1]["items"] = [[{"type": "paragraph", "content": [long]}] for _ in range(2)]
    table = second["blocks"][2]
    table["caption"] = [long]
    table["head"] = [[[run], [run], [run]]]
    table["rows"] = [[[run], [long], ["Yes"]]]
    third["blocks"][1]["blocks"][0]["content"] = [long]
    for note in data["body"]["notes"]:
        note["blocks"][0]["content"] = [long]
    return validate(data)


def render(record, brand: str = "default") -> bytes:
    assets, _ = load_assets(record, RECORDS)
    return pdf_writer.render(record, RenderContext(style=load_style(brand), assets=assets))


def frame_right(brand: str) -> float:
    return A4[0] - load_style(brand).data["page"]["margins_mm"][1] * mm


def frame_left(brand: str) -> float:
    return load_style(brand).data["page"]["margins_mm"][3] * mm


def overflowing(path: Path, right: float, left: float | None = None) -> list[str]:
    """The glyphs (page, character, where) that end right of `right` or start left of `left` (the
    frame's edges; by default the left margin of the default brand)."""
    left = frame_left("default") if left is None else left
    out = []
    for number, page in enumerate(extract_pages(str(path))):
        stack = list(page)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                if item.x1 > right + 0.01 or item.x0 < left - 0.01:
                    out.append(f"page {number + 1}: {item.get_text()!r} from x {item.x0:.1f} to {item.x1:.1f}")
            elif hasattr(item, "__iter__"):
                stack.extend(item)
    return out


def page_lines(path: Path) -> list[str]:
    """The text of every line drawn, read from the content streams: a line ends at BT, T*, ', " or
    a Td that moves down (a Td along the line places a piece in the visual order); a marked-content
    sequence's /ActualText stands for the glyphs it draws (a shaped piece), other glyphs read through
    their font's ToUnicode map."""
    out: list[str] = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            fonts = {name: _to_unicode(font) for name, font in page.Resources.get("/Font", {}).items()}
            font: dict[int, str] = {}
            actual: list[bool] = []
            out.append("")
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BT", "T*", "'", '"') or (op in ("Td", "TD") and float(operands[1]) != 0):
                    out.append("")
                if op == "BDC":
                    properties = operands[1]
                    has = isinstance(properties, pikepdf.Dictionary) and "/ActualText" in properties
                    out[-1] += str(properties.ActualText) if has else ""
                    actual.append(has)
                elif op == "BMC":
                    actual.append(False)
                elif op == "EMC":
                    actual.pop()
                elif op == "Tf":
                    font = fonts[str(operands[0])]
                elif op in ("Tj", "TJ", "'", '"') and not any(actual):
                    strings = operands[-1] if op == "TJ" else [operands[-1]]
                    out[-1] += "".join(font.get(byte, "") for item in strings if isinstance(item, pikepdf.String)
                                       for byte in bytes(item))
    return [line for line in out if line]


CASES = [("zh", "en", "default"), ("ja", "en", "rsis"), ("ko", "en", "default"), ("th", "en", "rsis"),
         ("lo", "en", "default"), ("zh", "zh", "rsis"), ("th", "th", "default"), ("ja", "ja", "default")]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("linebreak")
    out = {}
    for script, language, brand in CASES:
        record = unspaced_record(SCRIPTS[script], language)
        path = folder / f"{script}-{language}-{brand}.pdf"
        path.write_bytes(render(record, brand))
        out[script, language, brand] = record, path
    return out


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_every_glyph_stays_inside_the_frame(rendered, case):
    _, path = rendered[case]
    assert overflowing(path, frame_right(case[2]), frame_left(case[2])) == []


def test_the_frame_check_bites_on_the_old_layout(monkeypatch, tmp_path):
    # reportlab's own line breaking, as before: long unspaced runs run off the page.
    monkeypatch.setattr(linebreak.LineBreaking, "breakLines", lambda self, width: ReportlabParagraph.breakLines(self, width))
    for script in ("zh", "th"):
        path = tmp_path / f"{script}.pdf"
        path.write_bytes(render(unspaced_record(SCRIPTS[script])))
        assert overflowing(path, frame_right("default")), script


def _drawn(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    # as check_tree aligns them: an element with nothing to draw has no element (a cell keeps its place)
    return [(role, text) for role, text in items if "".join(text.split()) or role in ("TH", "TD")]


def spaced_runs(record, items: list[tuple[str, str]], run: str) -> list[str]:
    """The stretches of the run's script in the record's text (title, paragraphs, cells, notes ...)
    that the element drawn for it does not hold exactly: a character lost, or a space or anything
    else added at a break. `items` are the tree's (role, text) in reading order."""
    body, back = expected_items(record, load_assets(record, RECORDS)[0])
    script = re.compile(f"[{re.escape(''.join(set(run)))}]{{{len(run)},}}")
    out = []
    for (_, want), (_, got) in zip(_drawn([*front_items(record), *body, *back]), _drawn(items)):
        out += [f"{stretch[:12]}... not in {got[:60]!r}" for stretch in script.findall(want) if stretch not in got]
    return out


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_no_glyph_lost_and_no_space_added_at_a_break(rendered, case):
    record, path = rendered[case]
    # every element in order with its text (white space aside)
    check_tree(record, load_assets(record, RECORDS)[0], path)
    # and each stretch of the run as the record has it, exactly, however many lines it took
    items = tree_items(path)
    run = SCRIPTS[case[0]]
    assert sum(run[:4] in text for _, text in items) >= 20
    assert spaced_runs(record, items, run) == []


def test_spaced_run_check_bites(rendered):
    record, path = rendered["th", "en", "rsis"]
    items = tree_items(path)
    at = next(index for index, (_, text) in enumerate(items) if TH * 2 in text)
    role, text = items[at]
    for bad in (text.replace(TH * 2, TH + " " + TH), text.replace(TH * 2, TH + "\u200b" + TH),
                text.replace(TH * 2, TH + TH[1:])):
        assert spaced_runs(record, [*items[:at], (role, bad), *items[at + 1:]], TH)


def test_a_break_adds_no_space_to_the_text_extracted_from_the_page(rendered):
    # the glyphs drawn (through ToUnicode), not the tree: the lines of a Chinese paragraph joined
    # again are the paragraph, and none holds a space
    _, path = rendered["zh", "zh", "rsis"]
    lines = page_lines(path)
    joined = "".join(line.strip() for line in lines)
    assert ZH * 3 in joined
    assert all(" " not in line.strip() for line in lines if line.strip() and set(line.strip()) <= set(ZH))


def test_thai_opportunities_are_its_word_boundaries():
    boundaries = []
    position = 0
    for word in TH_WORDS[:-1]:
        position += len(word)
        boundaries.append(position)
    assert list(linebreak.opportunities(TH)) == boundaries


@pytest.mark.parametrize("text", [TH, LO, KM], ids=["th", "lo", "km"])
def test_no_break_inside_a_grapheme_cluster(text):
    breaks = linebreak.opportunities(text)
    assert len(breaks) > 10
    for at in breaks:
        # no line starts with a combining mark (a vowel sign, a tone mark, a Khmer subscript)
        # or right after a Thai/Lao leading vowel or a Khmer coeng, which belong to what follows
        assert unicodedata.category(text[at])[0] != "M", (at, text[at - 3:at + 3])
        assert text[at - 1] not in "\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4\u17d2", (at, text[at - 3:at + 3])


def test_grapheme_check_bites():
    # breaking between any two characters, as reportlab's CJK mode does
    every = range(1, len(TH))
    assert any(unicodedata.category(TH[at])[0] == "M" for at in every)


def thai_lines_off_word_boundaries(lines: list[str]) -> list[str]:
    """The lines of the Thai run that do not start and end between two of its words."""
    boundaries = {0}
    for word in TH_WORDS:
        boundaries.add(max(boundaries) + len(word))
    repeated = TH * 4
    bad = []
    for line in (line for line in lines if set(line) <= set(TH)):
        if not any(repeated[start:start + len(line)] == line and (start + len(line)) % len(TH) in boundaries
                   for start in boundaries):
            bad.append(line)
    return bad


@pytest.mark.parametrize("case", [("th", "en", "rsis"), ("th", "th", "default")], ids="-".join)
def test_thai_lines_end_at_word_boundaries(rendered, case):
    _, path = rendered[case]
    lines = page_lines(path)
    assert sum(set(line) <= set(TH) for line in lines) > 20
    assert thai_lines_off_word_boundaries(lines) == []


def test_thai_word_boundary_check_bites():
    assert thai_lines_off_word_boundaries([TH[:8], TH[8:]]) == [TH[:8], TH[8:]]  # มนุษย์ท | ั้งหลาย...
    assert thai_lines_off_word_boundaries([TH[:6], TH[6:]]) == []  # มนุษย์ | ทั้งหลาย...


def kinsoku_problems(lines: list[str]) -> list[str]:
    """Lines of CJK text that start with what may not start one, or end with what may not end one."""
    cjk = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")
    return [line for line in (line.strip() for line in lines)
            if cjk.search(line) and (line[0] in NO_START or line[-1] in NO_END)]


@pytest.mark.parametrize("case", [("zh", "en", "default"), ("ja", "en", "rsis"), ("zh", "zh", "rsis"),
                                  ("ja", "ja", "default")], ids="-".join)
def test_no_cjk_line_starts_with_closing_punctuation(rendered, case):
    _, path = rendered[case]
    lines = page_lines(path)
    assert kinsoku_problems(lines) == []


def test_kinsoku_check_bites(monkeypatch, tmp_path):
    # a break between any two characters: some line starts with a comma or a full stop
    monkeypatch.setattr(linebreak, "opportunities", lambda text: tuple(range(1, len(text))))
    path = tmp_path / "ja.pdf"
    path.write_bytes(render(unspaced_record(JA, "ja")))
    assert kinsoku_problems(page_lines(path))


def test_latin_paragraphs_are_left_to_reportlab():
    # no frag word is cut where no unspaced character stands beside the break (a URL, a hyphen)
    assert linebreak.opportunities("see https://example.org/a-b/c and well-known") == ()
    assert linebreak.opportunities("Kyoto (京都)") == (8,)


@pytest.mark.slow
@pytest.mark.parametrize("case", [("ja", "en", "rsis"), ("th", "en", "rsis"), ("zh", "zh", "rsis"),
                                  ("th", "th", "default")], ids="-".join)
def test_unspaced_records_are_pdfua_and_pdfa_3a(rendered, case):
    _, path = rendered[case]
    assert page_failures(path, "ua1") == []
    assert page_failures(path, "3a") == []
    assert pdfua_findings(path) == []


MIXED = "Water data (海绵城市) flows downstream, 共享数据 builds trust. "


def justified_line_ends(path: Path) -> list[float]:
    """Where each line of the mixed paragraph (a line holding its Chinese) ends, but its last
    (pdfminer's glyph positions, lines by their baseline): a justified line ends at the frame's edge."""
    lines: dict[tuple[int, float], list[LTChar]] = {}
    for number, page in enumerate(extract_pages(str(path))):
        stack = list(page)
        while stack:
            item = stack.pop()
            if isinstance(item, LTChar):
                lines.setdefault((number, -round(item.matrix[5])), []).append(item)  # by baseline
            elif hasattr(item, "__iter__"):
                stack.extend(item)
    ends = [max(char.x1 for char in chars) for _, chars in sorted(lines.items())
            if any(char.get_text() in "海绵城市共享数据" for char in chars)]
    return ends[:-1]


def mixed_paragraph_pdf() -> bytes:
    data = load(RECORDS / "CO23081.json").to_json()
    data["body"]["blocks"][0]["blocks"][1]["content"] = [MIXED * 12]
    return render(validate(data))


def test_justified_lines_with_cjk_pieces_reach_the_right_edge(tmp_path):
    # the pieces of 海绵城市 join without a space: reportlab must not count them as word spaces when
    # it spreads a justified line's slack (or the line ends short of the margin)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(mixed_paragraph_pdf())
    ends = justified_line_ends(path)
    assert len(ends) > 5
    assert all(abs(end - frame_right("default")) < 0.5 for end in ends), ends


def test_justified_line_check_bites(monkeypatch, tmp_path):
    monkeypatch.setattr(linebreak, "_count_spaces", lambda lines, words: None)
    path = tmp_path / "mixed.pdf"
    path.write_bytes(mixed_paragraph_pdf())
    assert any(abs(end - frame_right("default")) > 0.5 for end in justified_line_ends(path))


def test_offsets_count_code_points_and_survive_lone_surrogates():
    # an astral ideograph (CJK Extension B, common in names) is one character, not ICU's two units
    assert linebreak.opportunities("中𠀀文") == (1, 2)
    assert linebreak.opportunities("𠀀𠀀中") == (1, 2)
    assert linebreak.opportunities("\ud800中文") == (1, 2)


def test_a_run_no_font_draws_breaks_between_its_boxes(tmp_path):
    # no brand has a Khmer font: the run is drawn as boxes (W010), which must still stay in the frame
    record = unspaced_record(KM)
    context = RenderContext(style=load_style("default"), assets=load_assets(record, RECORDS)[0])
    path = tmp_path / "km.pdf"
    path.write_bytes(pdf_writer.render(record, context))
    assert "W010" in [warning.code for warning in context.warnings]
    assert overflowing(path, frame_right("default")) == []
    assert linebreak.opportunities("\u25a1\u25a1\u25a1") == (1, 2)
    assert linebreak.opportunities("ab\u25a1cd") == ()  # one box inside a Latin word breaks nothing


def spans(path: Path) -> list[tuple[str, str]]:
    """(Lang, ActualText) of every Span in the structure tree."""
    out = []
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    if kid.S == pikepdf.Name.Span:
                        out.append((str(kid.get("/Lang", "")), str(kid.get("/ActualText", ""))))
                    stack.append(kid)
    return out


def test_a_span_broken_over_lines_stays_one_span_with_its_language_and_text(rendered):
    # the Thai runs of an English record: each one Span, /Lang th, its /ActualText the whole run
    _, path = rendered["th", "en", "rsis"]
    thai = [(lang, text) for lang, text in spans(path) if lang == "th"]
    assert len(thai) >= 20
    assert {text.replace(TH, "") for _, text in thai} == {""}, {text[:20] for _, text in thai}


def test_a_paragraph_split_over_pages_keeps_its_breaks(tmp_path):
    # the parts of a split paragraph get reportlab's frag words back, pieces included
    data = unspaced_record(TH).to_json()
    data["body"]["blocks"][0]["blocks"][0]["content"] = [TH * 40]
    record = validate(data)
    path = tmp_path / "split.pdf"
    path.write_bytes(render(record))
    assert overflowing(path, frame_right("default")) == []
    check_tree(record, load_assets(record, RECORDS)[0], path)
    assert spaced_runs(record, tree_items(path), TH) == []
    lines = page_lines(path)
    assert thai_lines_off_word_boundaries(lines) == []
    # it did split: 40 runs take some 90 lines, and a page holds 48
    assert sum(set(line) <= set(TH) for line in lines) > 90


def test_markers_at_a_break_open_after_it_and_close_before_it():
    # "ไทย[Span 中文 ]ไทย": the breaks fall where the Span's markers stand; its opening marker must
    # start the piece of 中, its closing one end the piece of 文, so no Span is opened empty at a line's
    # end or closed at the next line's start
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.paragraph import _getFragWords

    from archiver.writers.pdf.tags import Tagger

    opening, closing = Tagger().inline("Span", Lang="zh")
    paragraph = ReportlabParagraph(f"ไทย{opening}中文{closing}ไทย", ParagraphStyle("p", fontName="Helvetica"))
    (word,) = _getFragWords(paragraph.frags)
    pieces = [[text or getattr(frag.cbDefn, "label", "") for frag, text in piece[1:]] for piece in linebreak._cut(word)]
    assert pieces == [["ไทย"], ["+0", "中"], ["文", "-0"], ["ไทย"]]
    assert [type(piece).__name__ for piece in linebreak._cut(word)] == ["_Glued", "_Glued", "_Glued", "list"]


def test_running_header_title_is_cut_to_the_room_the_header_leaves(monkeypatch, tmp_path):
    # a Chinese title of 70 characters is 560 pt at 8 pt: cut where it may break, with an ellipsis
    def width(text):
        return 8.0 * len(text)
    assert linebreak.shortened(ZH, 1000, width) == ZH
    assert linebreak.shortened(ZH, 80, width) == "人人生而自由，在尊…"
    assert linebreak.shortened(TH, 80, width) == "มนุษย์…"  # a whole word, not มนุษย์ท…
    assert linebreak.shortened("Supercalifragilistic", 80, width) == "Supercali…"
    assert linebreak.shortened("Water data", 60, width) == "Water…"
    # and the old way, the first 70 characters whatever their width, runs off the page's left edge
    from archiver.writers.pdf import page
    monkeypatch.setattr(page, "shortened", lambda text, room, width: text)
    path = tmp_path / "zh.pdf"
    path.write_bytes(render(unspaced_record(ZH)))
    assert overflowing(path, frame_right("default"), frame_left("default"))


def _collapsed(pairs):
    """(frag, text) pairs with the texts of neighbours of one fragment joined."""
    out = []
    for frag, text in pairs:
        if out and out[-1][0] is frag and text:
            out[-1] = (frag, out[-1][1] + text)
        else:
            out.append((frag, text))
    return out


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.text(alphabet=ZH + JA + TH + LO + KM + "ab c-\u25a1𠀀\u0301", min_size=1, max_size=12),
                          st.sampled_from(["<open>", "<close>"])), max_size=12))
def test_cutting_a_word_keeps_every_character_and_marker_in_order(parts):
    # whatever the text and wherever the markers stand, the pieces put back together are the word,
    # and each piece draws at least one character
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.paragraph import _getFragWords

    from archiver.writers.pdf.tags import Tagger

    opening, closing = Tagger().inline("Span", Lang="zh")
    markup = "".join(opening if part == "<open>" else closing if part == "<close>" else escape(part) for part in parts)
    paragraph = ReportlabParagraph("x" + markup + "x", ParagraphStyle("p", fontName="Helvetica"))
    for word in _getFragWords(paragraph.frags):
        if type(word) not in (list, _HSFrag):
            continue
        pieces = linebreak._cut(word)
        assert _collapsed(pair for piece in pieces for pair in piece[1:]) == _collapsed(word[1:])
        assert all(any(text for _, text in piece[1:]) for piece in pieces)


def test_the_header_title_is_never_cut_between_a_letter_and_its_marks():
    from archiver.writers.pdf.page import _shorten
    thai = "ก" * 68 + "มี" + "ก" * 10  # the 70th character is the vowel sign of ม
    assert _shorten(thai, 70) == "ก" * 68 + "…"
    assert _shorten("a" * 80, 70) == "a" * 69 + "…"

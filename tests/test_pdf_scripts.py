"""The PDF in every script a brand has a font for: Arabic and Hebrew laid out right to left and shaped,
Devanagari and Thai shaped, Hangul drawn, in titles, names, paragraphs and captions, with the logical
text in the structure tree, and the file still PDF/UA-1 and PDF/A-3a.

The non-Latin text is Article 1 of the Universal Declaration of Human Rights in the UN's translations
(OHCHR, free to reproduce), in a sample record of the project.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pytest

from archiver.convert import load_assets
from archiver.record import load, validate
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer
from archiver.writers.pdf import direction
from pdftree import tree_items
from test_pdfua import page_failures, pdfua_findings

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "samples" / "records"
BRANDS = ("default", "rsis")

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (make setup)")

ARABIC = ("يولد جميع الناس أحرارًا متساوين في الكرامة والحقوق. وهم قد وهبوا عقلاً وضميرًا وعليهم أن "
          "يعامل بعضهم بعضًا بروح الإخاء.")
HEBREW = "כל בני האדם נולדו בני חורין ושווים בערכם ובזכויותיהם."
HINDI = ("सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता और समानता प्राप्त है। उन्हें "
         "बुद्धि और अन्तरात्मा की देन प्राप्त है और परस्पर उन्हें भाईचारे के भाव से बर्ताव करना चाहिए।")
THAI = ("มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักดิ์และสิทธิ "
        "ต่างมีเหตุผลและมโนธรรม และควรปฏิบัติต่อกันด้วยเจตนารมณ์แห่งภราดรภาพ")
KOREAN = ("모든 인간은 태어날 때부터 자유로우며 그 존엄과 권리에 있어 동등하다. 인간은 천부적으로 이성과 "
          "양심을 부여받았으며 서로 형제애의 정신으로 행동하여야 한다.")
TITLE = "الإعلان العالمي لحقوق الإنسان"
NAMES = ("محمد العلي", "अमित शर्मा", "สมชาย ใจดี", "김민준")
CAPTION = "تدفق المياه في خمس محطات قياس"
MIXED = "As محمد العلي wrote in 2024, שלום עולם is Hebrew; हिन्दी and ภาษาไทย and 한국어 too."


def scripts_record():
    data = load(RECORDS / "CO24017.json").to_json()
    data["title"] = TITLE
    affiliations = data["authors"][0]["affiliations"]
    data["authors"] = [{"name": name, "affiliations": affiliations} for name in NAMES]
    section = data["body"]["blocks"][0]["blocks"]
    section[1]["caption"] = [CAPTION]
    section[0:1] = [{"type": "paragraph", "content": [text]} for text in (MIXED, ARABIC, HEBREW, HINDI, THAI, KOREAN)]
    return validate(data)


def render(brand: str) -> tuple[bytes, list]:
    record = scripts_record()
    assets, _ = load_assets(record, RECORDS)
    context = RenderContext(style=load_style(brand), assets=assets)
    return pdf_writer.render(record, context), context.warnings


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scripts")
    out = {}
    for brand in BRANDS:
        data, warnings = render(brand)
        path = folder / f"scripts-{brand}.pdf"
        path.write_bytes(data)
        out[brand] = path, warnings
    return out


def bbox_words(path: Path) -> list[tuple[int, float, float, float, str]]:
    """(page, xMin, xMax, yMin, word) of every word pdftotext finds."""
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    words = []
    for page, body in enumerate(html.split("<page ")[1:]):
        for match in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', body):
            words.append((page, float(match[1]), float(match[3]), float(match[2]), match[4]))
    return words


def _letters(word: str) -> list[str]:
    """A drawn word's letters whatever their form or order (presentation forms undone)."""
    return sorted(char for char in unicodedata.normalize("NFKC", word) if unicodedata.category(char)[0] == "L")


def rtl_problems(path: Path, phrases: tuple[str, ...]) -> list[str]:
    """What is wrong with how the first two words of each phrase are drawn: each must be found on the
    page in shaped glyphs (presentation forms), the first right of the second on the same line."""
    words = bbox_words(path)
    problems = []
    for phrase in phrases:
        first, second = phrase.split()[:2]
        found = {}
        for wanted in (first, second):
            hits = [w for w in words if _letters(w[4]) == _letters(wanted)]
            if not hits:
                problems.append(f"{wanted!r} not drawn as a word")
                continue
            found[wanted] = hits[0]
            if re.search("[\u0600-\u06ff]", wanted) and not re.search("[\ufb50-\ufdff\ufe70-\ufefe]", hits[0][4]):
                problems.append(f"{wanted!r} drawn unshaped: {hits[0][4]!r}")
        if len(found) == 2:
            one, two = found[first], found[second]
            if not (one[0] == two[0] and abs(one[3] - two[3]) < 3 and one[1] > two[2]):
                problems.append(f"{first!r} at x {one[1]:.0f} is not right of {second!r} ending at x {two[2]:.0f}")
    return problems


RTL_PHRASES = (TITLE, NAMES[0], "محمد العلي", ARABIC, HEBREW, CAPTION)


@pytest.mark.parametrize("brand", BRANDS)
def test_right_to_left_runs_are_shaped_and_in_visual_order(rendered, brand):
    path, _ = rendered[brand]
    assert rtl_problems(path, RTL_PHRASES) == []


def test_right_to_left_check_bites_without_bidi_and_shaping(monkeypatch, tmp_path):
    # Lines drawn as reportlab breaks them: logical order, unshaped.
    monkeypatch.setattr(direction.VisualOrder, "draw", lambda self: super(direction.VisualOrder, self).draw())
    path = tmp_path / "plain.pdf"
    path.write_bytes(render("default")[0])
    problems = rtl_problems(path, RTL_PHRASES)
    assert any("is not right of" in problem for problem in problems), problems
    assert any("unshaped" in problem for problem in problems), problems


@pytest.mark.parametrize("brand", BRANDS)
def test_every_script_is_drawn_without_w010(rendered, brand):
    path, warnings = rendered[brand]
    assert [warning.code for warning in warnings] == []
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    # The title and the names are bold: set in the bold faces of the script fonts.
    for family in ("Arabic-Regular", "Arabic-Bold", "Hebrew", "Devanagari-Regular", "Devanagari-Bold",
                   "Thai-Regular", "Thai-Bold", "Nanum"):
        line = next((line for line in fonts.splitlines() if family in line), None)
        assert line is not None, (family, fonts)
        assert line.split()[-5:-2] == ["yes", "yes", "yes"], line  # embedded, subset, ToUnicode


@pytest.mark.parametrize("brand", BRANDS)
def test_structure_tree_gives_the_logical_text(rendered, brand):
    path, _ = rendered[brand]
    items = tree_items(path)
    texts = [re.sub(r"\s+", "", text) for _, text in items]
    for wanted in (TITLE, *NAMES, MIXED, ARABIC, HEBREW, HINDI, THAI, KOREAN):
        assert re.sub(r"\s+", "", wanted) in texts, wanted
    assert any(re.sub(r"\s+", "", CAPTION) in text for text in texts)


def test_hangul_and_thai_extract_with_pdftotext(rendered):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(rendered["default"][0]), "-"], capture_output=True,
                          text=True, check=True).stdout
    squashed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", KOREAN) in squashed
    assert "มนุษย์ทั้งหลาย" in squashed


@pytest.mark.parametrize("brand", BRANDS)
def test_shaped_devanagari_uses_glyphs_from_shaping_mapped_to_their_text(rendered, brand):
    with pikepdf.open(rendered[brand][0]) as pdf:
        maps = {str(font.BaseFont): _to_unicode(font) for page in pdf.pages
                for font in page.Resources.Font.values() if "/ToUnicode" in font}
    devanagari = {name: entries for name, entries in maps.items() if "Devanagari" in name}
    assert devanagari
    texts = {text for entries in devanagari.values() for text in entries.values()}
    # Conjuncts and half forms have no character of their own: their glyphs map to the cluster.
    assert any(len(text) > 1 for text in texts), texts
    assert {"क्ष", "प्र"} & texts or any("्" in text for text in texts), texts


def _to_unicode(font) -> dict[int, str]:
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    return {int(code, 16): bytes.fromhex(text).decode("utf-16-be")
            for code, text in re.findall(r"<([0-9A-F]+)> <([0-9A-F]*)>", cmap.split("beginbfchar", 1)[1])}


def bad_unicode_entries(path: Path) -> list[str]:
    """ToUnicode entries ISO 14289-1 7.21.7 and ISO 19005-3 6.2.11.7.2 forbid (U+0000, U+FEFF, U+FFFE)
    or that say nothing."""
    bad = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                for code, text in _to_unicode(font).items():
                    if not text or set(text) & {"\x00", "\ufeff", "\ufffe"}:
                        bad.append(f"{font.BaseFont} <{code:02X}> {text!r}")
    return bad


@pytest.mark.parametrize("brand", BRANDS)
def test_unicode_maps_have_no_forbidden_values(rendered, brand, tmp_path):
    assert bad_unicode_entries(rendered[brand][0]) == []
    # The check bites: a map with a U+FEFF entry.
    with pikepdf.open(rendered[brand][0]) as pdf:
        font = next(font for font in pdf.pages[0].Resources.Font.values() if "/ToUnicode" in font)
        cmap = font.ToUnicode.read_bytes().replace(b"beginbfchar\n", b"beginbfchar\n<00> <FEFF>\n", 1)
        font.ToUnicode = pdf.make_stream(cmap)
        pdf.save(tmp_path / "bad.pdf")
    assert bad_unicode_entries(tmp_path / "bad.pdf")


@pytest.mark.slow
@pytest.mark.parametrize("brand", BRANDS)
def test_scripts_record_is_pdfua_and_pdfa_3a(rendered, brand):
    path, _ = rendered[brand]
    assert page_failures(path, "ua1") == []
    assert page_failures(path, "3a") == []
    assert pdfua_findings(path) == []


def test_same_bytes_in_a_fresh_process_whatever_was_shaped_before(rendered):
    # A glyph's ToUnicode text and private code must not depend on what the process drew earlier.
    code = ("import sys, hashlib; sys.path.insert(0, 'tests'); import test_pdf_scripts as t; "
            "print(hashlib.sha256(t.render('default')[0]).hexdigest())")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert fresh == hashlib.sha256(rendered["default"][0].read_bytes()).hexdigest()


# The font-subset cache (fonts.py) ---------------------------------------------------------------------

def batch_digests() -> list[str]:
    """SHA-256 of a fixed batch: the samples and the scripts record, in both brands."""
    digests = []
    for brand in BRANDS:
        for path in sorted(RECORDS.glob("*.json")):
            record = load(path)
            assets, _ = load_assets(record, RECORDS)
            digests.append(hashlib.sha256(pdf_writer.render(record, RenderContext(style=load_style(brand),
                                                                                  assets=assets))).hexdigest())
        digests.append(hashlib.sha256(render(brand)[0]).hexdigest())
    return digests


def test_font_subset_cache_changes_no_byte():
    from archiver.writers.pdf import fonts
    # Without the cache at all: reportlab makes and compresses every subset (a fresh process, whose
    # faces are registered with `cache_subsets` switched off).
    code = ("import sys; sys.path.insert(0, 'tests'); import archiver.writers.pdf.fonts as f; "
            "f.cache_subsets = lambda face: None; import test_pdf_scripts as t; print(' '.join(t.batch_digests()))")
    uncached = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=ROOT).stdout.split()
    fonts.subset_stream.cache_clear()
    cold = batch_digests()
    made = fonts.subset_stream.cache_info().misses
    warm = batch_digests()
    info = fonts.subset_stream.cache_info()
    assert uncached == cold == warm
    assert info.misses == made  # the second batch made no subset
    assert made < info.hits  # ... and took every one from the cache


def test_font_subset_cache_comparison_bites(monkeypatch):
    from archiver.writers.pdf import fonts
    # A cache that hands back another font's stream changes the bytes, and the digests say so.
    fonts.subset_stream.cache_clear()
    before = batch_digests()[:1]
    real = fonts.subset_stream

    def wrong(face, subset):
        content, compressed = real(face, subset)
        return content, compressed[:-1] + bytes([compressed[-1] ^ 1])
    monkeypatch.setattr(fonts, "subset_stream", wrong)
    assert batch_digests()[:1] != before


def test_bidi_controls_isolates_and_leading_marks(tmp_path):
    # Isolates (which python-bidi's reference implementation predates), embeddings and overrides,
    # joiners, and a run that starts with a raised mark (which reportlab 5.1 cannot set alone).
    record = scripts_record().to_json()
    record["body"]["blocks"][0]["blocks"][0]["content"] = [
        "\u064b\u00ad\u0627\u0651 محمد \u2067שלום עולם\u2069 and \u202eabc\u202c, \u202bعلي\u202c; ि क्ष\u200dि ่ไทย"]
    path = tmp_path / "controls.pdf"
    path.write_bytes(pdf_writer.render(validate(record), RenderContext(style=load_style("default"))))
    assert page_failures(path, "ua1") == []
    assert pdfua_findings(path) == []
    assert any("محمد" in text and "שלום עולם" in text for _, text in tree_items(path))


def test_a_right_to_left_paragraph_split_over_two_pages_stays_right_to_left(tmp_path):
    # Mostly Latin after its first sentence: the part on the next page starts with Latin text, and its
    # direction is still the whole paragraph's.
    record = scripts_record().to_json()
    path = tmp_path / "split.pdf"
    path.write_bytes(split_paragraph_pdf())
    # Its last line (the one with the Hebrew word) is set flush right, on the continuation page.
    edges = right_edges_of_lines_with(path, "שלום")
    assert edges and all(edge >= 523 for edge in edges), edges  # the text column ends at x 524.4


def split_paragraph_pdf() -> bytes:
    record = scripts_record().to_json()
    long = (ARABIC + " " + " ".join(["Mekong Basin Committee " * 12 + ARABIC] * 8)
            + " Mekong Basin Committee Mekong Basin שלום")
    record["body"]["blocks"][0]["blocks"][0]["content"] = [long]
    return pdf_writer.render(validate(record), RenderContext(style=load_style("default")))


def test_split_paragraph_check_bites(monkeypatch, tmp_path):
    # Each part taking its own direction: the continuation starts with Latin and is set left to right.
    monkeypatch.setattr(direction.VisualOrder, "split",
                        lambda self, w, h: super(direction.VisualOrder, self).split(w, h))
    path = tmp_path / "split.pdf"
    path.write_bytes(split_paragraph_pdf())
    assert any(edge < 520 for edge in right_edges_of_lines_with(path, "שלום"))


def right_edges_of_lines_with(path: Path, word: str) -> set[int]:
    """Where the lines holding `word` end (words of one line: on one page, their tops within 7 pt, as
    fonts of several scripts have several heights)."""
    words = sorted(bbox_words(path), key=lambda w: (w[0], w[3]))
    lines: list[list[tuple]] = []
    for item in words:
        if lines and lines[-1][0][0] == item[0] and abs(lines[-1][0][3] - item[3]) < 7:
            lines[-1].append(item)
        else:
            lines.append([item])
    return {round(max(w[2] for w in line)) for line in lines if any(_letters(w[4]) == _letters(word) for w in line)}


@pytest.mark.parametrize("brand", BRANDS)
def test_running_header_title_is_shaped_and_right_to_left(rendered, brand):
    path, _ = rendered[brand]
    header = [w for w in bbox_words(path) if w[0] == 1 and w[3] < 70]  # page 2, above the text
    first, second = (next(w for w in header if _letters(w[4]) == _letters(word)) for word in TITLE.split()[:2])
    assert first[1] > second[2]
    assert all(re.search("[\ufb50-\ufdff\ufe70-\ufefe]", w[4]) for w in (first, second))


def test_a_glyph_maps_to_the_same_text_whatever_was_shaped_before():
    # The same i-matra glyph is shaped in many clusters (त्रि, प्रि, द्वि, ...): its ToUnicode text comes
    # from the font's substitutions, not from the clusters this process happened to shape first.
    from archiver.writers.pdf import shaping
    record = scripts_record().to_json()
    record["body"]["blocks"][0]["blocks"][0]["content"] = ["त्रि प्रि द्वि ष्टि श्रि क्षि स्थि न्हि"]
    pdf_writer.render(validate(record), RenderContext(style=load_style("default")))
    texts = {text for (face, _), text in shaping._glyph_texts.items() if "Devanagari" in face}
    assert "ि" in texts and not {"त्रि", "प्रि", "द्वि", "श्रि", "क्षि"} & texts
    code = ("import sys, hashlib; sys.path.insert(0, 'tests'); import test_pdf_scripts as t; "
            "print(hashlib.sha256(t.render('default')[0]).hexdigest())")
    fresh = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout.strip()
    assert hashlib.sha256(render("default")[0]).hexdigest() == fresh


def test_punctuation_between_right_to_left_words_reads_as_written(tmp_path):
    # "!?(" between two Arabic words is drawn reversed and mirrored: its /ActualText says it in order.
    record = scripts_record().to_json()
    record["body"]["blocks"][0]["blocks"][0]["content"] = ["abc محمد!?(علي) 12.5 def"]
    path = tmp_path / "punctuation.pdf"
    path.write_bytes(pdf_writer.render(validate(record), RenderContext(style=load_style("default"))))
    assert ("P", "abc محمد!?(علي) 12.5 def") in tree_items(path)

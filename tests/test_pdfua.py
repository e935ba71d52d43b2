"""The PDF as tagged PDF: PDF/UA-1 and PDF/A-3a, judged by page-validation (profiles ua1 and 3a) and
pdfua, and its structure tree read back with pikepdf and compared with the record.

Every sample is rendered once per brand per session; generated records (tests/strategies.py) are
rendered as they are drawn, in a brand drawn with them. Each validator is shown to bite on a broken
copy: an untagged run of text, a figure without /Alt, a missing ParentTree entry, no /MarkInfo. The
tree's read-back and comparison live in tests/pdftree.py; the shapes hypothesis found are regression
tests here.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import page as page_validation
import pdfua
import pikepdf
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from archiver.convert import load_assets
from archiver.errors import RecordInvalid
from archiver.record import load, validate
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer

from pdftree import check_tree, elements_here, marked_text
from strategies import NOT_AN_IMAGE, PRESENT_IMAGE, records, supplied_images

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "samples" / "records"
SAMPLES = ("CO23081", "CO24017", "CO24102")
BRANDS = ("rsis", "default")
CASES = [(sample, brand) for sample in SAMPLES for brand in BRANDS]


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """(sample, brand) -> (record, path of its PDF)."""
    folder = tmp_path_factory.mktemp("pdfua")
    out = {}
    for sample, brand in CASES:
        record = load(RECORDS / f"{sample}.json")
        assets, _ = load_assets(record, RECORDS)
        path = folder / f"{sample}-{brand}.pdf"
        path.write_bytes(pdf_writer.render(record, RenderContext(style=load_style(brand), assets=assets)))
        out[sample, brand] = record, path
    return out


# The validators -------------------------------------------------------------------------------------

def page_failures(path: Path, profile: str) -> list[str]:
    """page-validation's failed rules (id and message) for a profile; [] when the file passes."""
    report = str(page_validation.validate_pdf(str(path), profile=profile))
    assert "Result: " in report, report
    return [line for line in report.splitlines() if line.startswith("[")]


def pdfua_findings(path: Path) -> list[str]:
    report = pdfua.validate(str(path))
    return [f"{finding.rule_id} {finding.severity}: {finding.message}" for finding in report.findings]


@pytest.mark.parametrize("sample,brand", CASES)
def test_page_validation_ua1_and_3a_pass(rendered, sample, brand):
    _, path = rendered[sample, brand]
    assert page_failures(path, "ua1") == []
    assert page_failures(path, "3a") == []


@pytest.mark.parametrize("sample,brand", CASES)
def test_pdfua_check_passes(rendered, sample, brand):
    _, path = rendered[sample, brand]
    assert pdfua_findings(path) == []
    report = pdfua.validate(str(path))
    assert not report.skipped, report.skipped  # every rule it has ran on the file


def _broken(rendered, tmp_path: Path, change, sample: str = "CO24017") -> Path:
    _, path = rendered[sample, "rsis"]
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(path) as pdf:
        change(pdf)
        pdf.save(broken)
    return broken


def _untagged_text(pdf: pikepdf.Pdf) -> None:
    page = pdf.pages[0]
    font = next(iter(page.Resources.Font.keys()))
    page.contents_add(pikepdf.Stream(pdf, f"BT {font} 12 Tf 72 72 Td (untagged) Tj ET".encode()), prepend=False)


def _elements(node):
    kids = node.get("/K")
    kids = kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
            yield kid
            yield from _elements(kid)


def _figure_without_alt(pdf: pikepdf.Pdf) -> None:
    figure = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Figure)
    del figure["/Alt"]


def _parent_tree_entry_missing(pdf: pikepdf.Pdf) -> None:
    # The last entry is a link annotation's. (Neither validator checks the entries of MCIDs:
    # test_parent_tree_maps_every_mcid does.)
    numbers = pdf.Root.StructTreeRoot.ParentTree.Nums
    pdf.Root.StructTreeRoot.ParentTree.Nums = pikepdf.Array(list(numbers)[:-2])


def _not_marked(pdf: pikepdf.Pdf) -> None:
    del pdf.Root["/MarkInfo"]


@pytest.mark.parametrize("change,profile,rule", [
    (_untagged_text, "ua1", "PDFUA1-CONTENT-TAGGING"),
    (_figure_without_alt, "ua1", "PDFUA1-FIGURE-ALT"),
    (_parent_tree_entry_missing, "ua1", "PDFUA1-LINK-LINK-TAG"),
    (_not_marked, "ua1", "PDFUA1-TAGGED-DOCUMENT"),
    (_not_marked, "3a", "PDFA3A-"),
])
def test_page_validation_bites(rendered, tmp_path, change, profile, rule):
    failures = page_failures(_broken(rendered, tmp_path, change), profile)
    assert any(line.startswith("[" + rule) for line in failures), failures


@pytest.mark.parametrize("change,rule", [
    (_figure_without_alt, "UA-"),
    (_not_marked, "UA-01-002"),
])
def test_pdfua_check_bites(rendered, tmp_path, change, rule):
    findings = pdfua_findings(_broken(rendered, tmp_path, change))
    assert any(finding.startswith(rule) for finding in findings), findings


# The structure tree, read back ----------------------------------------------------------------------

def parent_tree_problems(path: Path) -> list[str]:
    """Every MCID drawn on a page must have its ParentTree entry, and that entry must be the element
    whose /K holds it (ISO 32000-1 14.7.4.4): what a screen reader follows from the page to the tree."""
    problems = []
    with pikepdf.open(path) as pdf:
        entries = dict(zip(*[iter(pdf.Root.StructTreeRoot.ParentTree.Nums)] * 2))
        texts, _ = marked_text(pdf)
        for index, page in enumerate(pdf.pages):
            marks = entries.get(int(page.StructParents))
            for (page_index, mcid) in sorted(key for key in texts if key[0] == index):
                element = marks[mcid] if marks is not None and mcid < len(marks) else None
                if element is None:
                    problems.append(f"page {index + 1} MCID {mcid}: no ParentTree entry")
                    continue
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                if not any((isinstance(k, pikepdf.Dictionary) and k.get("/MCID") == mcid
                            and k.Pg.objgen == page.objgen)
                           or (not isinstance(k, pikepdf.Dictionary) and int(k) == mcid
                               and element.Pg.objgen == page.objgen) for k in kids):
                    problems.append(f"page {index + 1} MCID {mcid}: its ParentTree element does not hold it")
    return problems


@pytest.mark.parametrize("sample,brand", CASES)
def test_parent_tree_maps_every_mcid(rendered, sample, brand):
    assert parent_tree_problems(rendered[sample, brand][1]) == []


def test_parent_tree_check_bites(rendered, tmp_path):
    def shorten(pdf):
        numbers = list(pdf.Root.StructTreeRoot.ParentTree.Nums)
        numbers[1] = pikepdf.Array(list(numbers[1])[:-1])  # page 1 loses its last MCID's entry
        pdf.Root.StructTreeRoot.ParentTree.Nums = pikepdf.Array(numbers)

    assert [problem for problem in parent_tree_problems(_broken(rendered, tmp_path, shorten))
            if "no ParentTree entry" in problem]


@pytest.mark.parametrize("sample,brand", CASES)
def test_structure_tree_holds_the_record_in_order(rendered, sample, brand):
    record, path = rendered[sample, brand]
    assets, _ = load_assets(record, RECORDS)
    check_tree(record, assets, path)


def test_structure_comparison_bites_on_a_lost_paragraph(rendered, tmp_path):
    record, _ = rendered["CO23081", "rsis"]
    assets, _ = load_assets(record, RECORDS)

    def drop_a_paragraph(pdf):
        section = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Sect
                       and any(k.S == pikepdf.Name.P for k in elements_here(e)))
        section.K = pikepdf.Array([k for k in section.K if not (isinstance(k, pikepdf.Dictionary)
                                                               and k.get("/S") == pikepdf.Name.P)][:-1])

    with pytest.raises(AssertionError):
        check_tree(record, assets, _broken(rendered, tmp_path, drop_a_paragraph, "CO23081"))


def test_links_are_link_elements_with_their_annotations(rendered):
    _, path = rendered["CO24017", "rsis"]
    with pikepdf.open(path) as pdf:
        links = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Link]
        annots = [annot for page in pdf.pages for annot in page.get("/Annots", [])]
        assert annots and len(links) <= len(annots)
        parents = dict(zip(*[iter(pdf.Root.StructTreeRoot.ParentTree.Nums)] * 2))
        for page in pdf.pages:
            assert page.Tabs == pikepdf.Name.S
            for annot in page.get("/Annots", []):
                assert str(annot.Contents).strip()
                link = parents[int(annot.StructParent)]
                assert link.S == pikepdf.Name.Link
                kids = link.K if isinstance(link.K, pikepdf.Array) else [link.K]
                assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == pikepdf.Name.OBJR
                           and k.Obj.objgen == annot.objgen for k in kids)
        contents = {str(annot.Contents) for annot in annots}
        assert "https://creativecommons.org/licenses/by/4.0/" in contents
        assert any(text.startswith("Note ") for text in contents)


def test_language_of_the_document_and_of_foreign_runs(tmp_path):
    record = load(RECORDS / "CO23081.json")
    data = record.to_json()
    data["body"]["blocks"][0] = {"type": "paragraph", "content": ["As 王小明 (Wang Xiaoming), やまだ ひろし and محمد wrote."]}
    record = validate(data)
    path = tmp_path / "lang.pdf"
    path.write_bytes(pdf_writer.render(record, RenderContext(style=load_style("rsis"))))
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == "en"
        spans = [e for e in _elements(pdf.Root.StructTreeRoot) if e.S == pikepdf.Name.Span]
        assert sorted(str(s.Lang) for s in spans) == ["ar", "ja", "zh"]
        texts, _ = marked_text(pdf)
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        drawn = {str(s.Lang): texts[pages[s.Pg.objgen], int(s.K)] for s in spans}
        assert drawn == {"zh": "王小明", "ja": "やまだ ひろし", "ar": "\ufeaa\ufee4\ufea4\ufee3"}
        # The Arabic is drawn shaped (final dal, medial meem and hah, initial meem) right to left; the
        # Span says the logical text.
        assert {str(s.Lang): str(s.get("/ActualText", "")) for s in spans}["ar"] == "محمد"
    assert page_failures(path, "ua1") == []


# Regressions found by the generated records ----------------------------------------------------------

def _with(tmp_path: Path, change, brand: str = "default") -> tuple[object, Path]:
    """CO23081 changed by `change(data)`, rendered: (record, path)."""
    data = load(RECORDS / "CO23081.json").to_json()
    change(data)
    record = validate(data)
    path = tmp_path / f"{record.identifier}-{brand}.pdf"
    path.write_bytes(pdf_writer.render(record, RenderContext(style=load_style(brand))))
    return record, path


@pytest.mark.parametrize("filler", range(1, 11))
def test_a_figure_in_a_list_item_that_must_move_to_the_next_page_is_laid_out(tmp_path, filler):
    """A figure (kept together with its caption) as the second block of a list item, reached with too
    little room left on the page: reportlab wrapped the frame break that moves it on in a list indenter
    and raised NotImplementedError ('_FrameBreak.wrap should never be called', exit 1). Drawn by
    hypothesis; `filler` paragraphs before the list move it down the page until it no longer fits."""
    def change(data):
        data["body"] = {"blocks": [{"type": "paragraph", "content": ["Filler text of a paragraph. " * 12]}] * filler + [
            {"type": "list", "ordered": False, "items": [[
                {"type": "paragraph", "content": ["An item."]},
                {"type": "figure", "id": "f1", "caption": ["A caption long enough for several lines. " * 6]}]]}]}

    record, path = _with(tmp_path, change)
    check_tree(record, {}, path)
    assert page_failures(path, "ua1") == []


def test_an_affiliation_drawing_nothing_is_refused_and_one_drawing_little_has_its_comma(tmp_path):
    """Drawn by hypothesis: an affiliation named only U+200F (RIGHT-TO-LEFT MARK, which draws nothing)
    in Country ']]>' made the byline read ', ]]>'. Such a name is no text (the schema's rule: it shows
    no character), so the record is refused at its pointer; one with a visible character beside the
    mark reads 'X, ]]>' in the tree, with no dangling comma."""
    def invisible(data):
        data["authors"] = [{"name": "A. Author", "affiliations": [{"name": "\u200f", "country": "]]>"}]}]

    with pytest.raises(RecordInvalid) as refused:
        _with(tmp_path, invisible)
    assert [p.pointer for p in refused.value.problems] == ["/authors/0/affiliations/0/name"]

    def visible(data):
        data["authors"] = [{"name": "A. Author", "affiliations": [{"name": "X\u200f", "country": "]]>"},
                                                                  {"name": "]]>"}]}]

    record, path = _with(tmp_path, visible)
    check_tree(record, {}, path)
    with pikepdf.open(path) as pdf:
        texts, _ = marked_text(pdf)
    assert not [text for text in texts.values() if text.lstrip().startswith(",")]


def test_private_use_glyphs_carry_their_actual_text(tmp_path):
    """A Private Use Area character a brand font draws (DejaVu Sans has U+F002), in the title (and so
    in the running header, an artifact) and in a paragraph: PDF/A-3a 6.2.11.7.3 wants an ActualText
    around it, or 3a fails. Drawn by hypothesis in the rsis brand. Without the Span's /ActualText the
    check fails (it bites)."""
    def change(data):
        data["title"] = "A title with \uf002 in it, long enough for the running header"
        data["body"]["blocks"].insert(0, {"type": "paragraph", "content": ["A glyph \uf002 of the PUA."]})

    record, path = _with(tmp_path, change, "rsis")
    assert page_failures(path, "3a") == [] and page_failures(path, "ua1") == []
    check_tree(record, {}, path)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) > 1  # the running header shows the title
        spans = [e for e in _elements(pdf.Root.StructTreeRoot) if "/ActualText" in e]
        # the title, the paragraph, the title in "Cite as"
        assert [str(span.ActualText) for span in spans] == ["\uf002"] * 3

    def drop_actual_text(pdf):
        for element in _elements(pdf.Root.StructTreeRoot):
            if "/ActualText" in element:
                del element["/ActualText"]

    broken = tmp_path / "broken.pdf"
    with pikepdf.open(path) as pdf:
        drop_actual_text(pdf)
        pdf.save(broken)
    assert any(line.startswith("[PDFA3A-UNICODE-PUA") for line in page_failures(broken, "3a"))


@pytest.mark.parametrize("where", ["body", "references"])
def test_a_list_item_that_draws_nothing_keeps_its_label(tmp_path, where):
    """A list item (or a reference) whose text is only white space: reportlab skips a part of no
    height, label and all, so the list read "1. a", "3. c" and the tree lost the item. Drawn by
    hypothesis (a reference whose citation is " ")."""
    def change(data):
        texts = ["a", " ", "c"]
        if where == "body":
            data["body"] = {"blocks": [{"type": "list", "ordered": True, "items": [
                [{"type": "paragraph", "content": [text]}] for text in texts]}]}
        else:
            data["schema_version"] = "1.1"
            data["references"] = [{"id": f"r{n}", "citation": [text]} for n, text in enumerate(texts)]

    record, path = _with(tmp_path, change)
    check_tree(record, {}, path)
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert ("2." in pages) if where == "body" else pages.count("•") == 3


def test_a_link_in_a_table_header_repeated_on_the_next_page_is_live_once_and_tagged(tmp_path):
    """reportlab draws a table's header row again on each page the table continues on. There the row is
    an artifact (its text is already in the tree, once), so its links get no annotation there: PDF/UA-1
    7.18.1 and 7.18.5 want every annotation in a Link element, and the only one possible would be a
    second, textless Link in the reading order. Before, each repeat left an untagged annotation with
    no /Contents (PDFUA1-LINK-LINK-TAG, PDFUA1-LINK-CONTENTS)."""
    def change(data):
        link = {"type": "link", "url": "https://example.org/data", "content": ["the data"]}
        data["body"] = {"blocks": [{"type": "table", "id": "t1", "head": [[["Source: ", link], ["Value"]]],
                                    "rows": [[[f"row {n}"], [str(n)]] for n in range(90)]}]}

    record, path = _with(tmp_path, change)
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) >= 3  # the header is drawn again at least once
        parents = dict(zip(*[iter(pdf.Root.StructTreeRoot.ParentTree.Nums)] * 2))
        annots = [annot for page in pdf.pages for annot in page.get("/Annots", [])]
        assert len(annots) == 1 and str(annots[0].Contents) == "the data (https://example.org/data)"
        assert parents[int(annots[0].StructParent)].S == pikepdf.Name.Link
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert pages.count("Source: the data") == len(pages.split("\f")) - 2  # drawn on every page of the table
    check_tree(record, {}, path)  # the header's text once in the tree
    assert page_failures(path, "ua1") == [] and pdfua_findings(path) == []


# Generated records ----------------------------------------------------------------------------------

def _png() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


def check_generated(data, brand: str) -> None:
    """A generated record's PDF passes page-validation (ua1, 3a) and pdfua, and its tree holds it."""
    record = validate(data)
    assets = {PRESENT_IMAGE: _png(), NOT_AN_IMAGE: b"\x00not an image"}
    context = RenderContext(style=load_style(brand), assets=assets)
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "generated.pdf"
        path.write_bytes(pdf_writer.render(record, context))
        assert page_failures(path, "ua1") == []
        assert page_failures(path, "3a") == []
        assert pdfua_findings(path) == []
        check_tree(record, assets, path)
    finally:
        shutil.rmtree(folder)


#: few examples, no shrinking (a failure is reported as drawn; tests/test_pdfua.py's regressions hold
#: the shapes found so far), and a per-example deadline far above the half second an example takes,
#: so that a layout gone pathological fails that example instead of running on unnoticed
GENERATED = settings(max_examples=12, deadline=timedelta(seconds=60), derandomize=True, database=None,
                     phases=[Phase.explicit, Phase.generate],
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@GENERATED
@given(records(images=supplied_images), st.sampled_from(BRANDS))
def test_generated_records_are_pdfua_and_pdfa_3a_with_the_record_in_their_tree(data, brand):
    check_generated(data, brand)

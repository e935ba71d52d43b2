"""The PDF as tagged PDF: PDF/UA-1 and PDF/A-3a, judged by page-validation (profiles ua1 and 3a) and
pdfua, and its structure tree read back with pikepdf and compared with the record.

Every sample is rendered once per brand per session; generated records (tests/strategies.py) are
rendered as they are drawn. Each validator is shown to bite on a broken copy: an untagged run of
text, a figure without /Alt, a missing ParentTree entry, no /MarkInfo.
"""

from __future__ import annotations

import io
import re
import shutil
import unicodedata
from pathlib import Path

import page as page_validation
import pdfua
import pikepdf
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from archiver.convert import load_assets
from archiver.record import (Code, Figure, Link, ListBlock, NoteRef, Paragraph as ParagraphNode, Quote,
                             Section, Styled, Table as TableNode, load, plain_text, validate)
from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer

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

def _to_unicode(font: pikepdf.Dictionary) -> dict[int, str]:
    cmap = font.ToUnicode.read_bytes().decode("latin-1").split("beginbfchar", 1)[1]
    return {int(code, 16): bytes.fromhex(text).decode("utf-16-be")
            for code, text in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap)}


def marked_text(pdf: pikepdf.Pdf) -> tuple[dict[tuple[int, int], str], list[str]]:
    """The text drawn in each marked-content sequence, by (page index, MCID), and the text drawn
    outside any: what a screen reader gets from the tree, and what it would miss."""
    texts: dict[tuple[int, int], str] = {}
    untagged: list[str] = []
    for index, page in enumerate(pdf.pages):
        fonts = {name: _to_unicode(font) for name, font in page.Resources.get("/Font", {}).items()}
        stack: list[int | None] = []
        font: dict[int, str] = {}
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC":
                properties = operands[1]
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    stack.append(int(properties.MCID))
                else:  # a sequence nested in a tagged one (a shaped run's /ActualText) is its content
                    stack.append(stack[-1] if stack and operands[0] != pikepdf.Name.Artifact else None)
                if stack[-1] is not None:
                    texts.setdefault((index, stack[-1]), "")
            elif op == "BMC":
                stack.append(None)
            elif op == "EMC":
                stack.pop()
            elif op == "Tf":
                font = fonts[str(operands[0])]
            elif op in ("Tj", "TJ", "'", '"'):
                strings = operands[-1] if op == "TJ" else [operands[-1]]
                text = "".join(font.get(byte, "") for s in strings if isinstance(s, pikepdf.String)
                               for byte in bytes(s))
                if stack and stack[-1] is not None:
                    texts[index, stack[-1]] = texts.get((index, stack[-1]), "") + text
                elif not stack:
                    untagged.append(text)
    return texts, untagged


def tree_items(path: Path) -> list[tuple[str, str]]:
    """The structure tree in reading order as (role, text) for its block-level leaves (headings,
    paragraphs, labels, captions, cells; a Figure by its /Alt), each with the text of its content."""
    with pikepdf.open(path) as pdf:
        texts, untagged = marked_text(pdf)
        assert not [text for text in untagged if text.strip()], untagged  # nothing drawn outside the tree
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        seen: set[tuple[int, int]] = set()

        def text(element) -> str:
            if "/ActualText" in element:
                text_of_kids = text_without_actual(element)
                return str(element.ActualText) if text_of_kids is not None else ""
            return text_without_actual(element)

        def text_without_actual(element) -> str:
            out = []
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int) or (not isinstance(kid, pikepdf.Dictionary) and int(kid) == kid):
                    key = (pages[element.Pg.objgen], int(kid))
                elif kid.get("/Type") == pikepdf.Name.MCR:
                    key = (pages[kid.Pg.objgen], int(kid.MCID))
                elif kid.get("/Type") == pikepdf.Name.OBJR:
                    continue
                else:
                    out.append(text(kid))
                    continue
                assert key not in seen, key  # each piece of content belongs to one element
                seen.add(key)
                out.append(texts.get(key, ""))
            return "".join(out)

        items: list[tuple[str, str]] = []

        def visit(element) -> None:
            role = str(element.S)[1:]
            if role == "Figure":
                items.append((role, str(element.Alt)))
                text(element)
            elif role in LEAVES:
                items.append((role, text(element)))
            else:
                for kid in _elements_here(element):
                    visit(kid)

        visit(pdf.Root.StructTreeRoot.K)
        return items


def _elements_here(node):
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
            yield kid


LEAVES = {"H1", "H2", "H3", "H4", "H5", "H6", "P", "Lbl", "Caption", "TH", "TD"}


def _inline_text(nodes, labels) -> str:
    out = []
    for node in nodes or []:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Code):
            out.append(node.text)
        elif isinstance(node, (Styled, Link)):
            out.append(_inline_text(node.content, labels))
        elif isinstance(node, NoteRef):
            out.append(labels.get(node.note, "?"))
    return "".join(out)


def expected_items(record, assets) -> list[tuple[str, str]]:
    """What the record's body and notes must give, in order, built from the record alone."""
    labels = record.note_labels()
    items: list[tuple[str, str]] = []
    counters = {"figure": 0, "table": 0}

    def blocks(nodes, depth=0):
        for block in nodes:
            if isinstance(block, Section):
                if block.title:
                    items.append(("H", _inline_text(block.title, labels)))
                blocks(block.blocks, depth + 1)
            elif isinstance(block, ParagraphNode):
                items.append(("P", _inline_text(block.content, labels)))
            elif isinstance(block, ListBlock):
                for number, item in enumerate(block.items, 1):
                    items.append(("Lbl", f"{number}." if block.ordered else "•"))
                    blocks(item, depth + 1)
            elif isinstance(block, Quote):
                blocks(block.blocks, depth + 1)
                if block.attribution:
                    items.append(("P", "— " + _inline_text(block.attribution, labels)))
            elif isinstance(block, Figure):
                counters["figure"] += 1
                drawn = block.image in assets and assets[block.image] != b"\x00not an image"
                if drawn:
                    items.append(("Figure", block.alt or " ".join(plain_text(block.caption).split())
                                  or f"Figure {counters['figure']}"))
                caption = f"Figure {counters['figure']}. " + _inline_text(block.caption, labels)
                items.append(("Caption", caption + ("" if drawn else " (image not preserved)")))
                credit = block.credit or ""
                if block.license:
                    credit += ("; " if credit else "") + f"licence: {block.license}"
                if credit:
                    items.append(("P", f"Credit: {credit}"))
            elif isinstance(block, TableNode):
                counters["table"] += 1
                if block.caption:
                    items.append(("Caption", f"Table {counters['table']}. " + _inline_text(block.caption, labels)))
                columns = max(len(row) for row in [*(block.head or []), *block.rows])
                for role, rows in (("TH", block.head or []), ("TD", block.rows)):
                    for row in rows:
                        items.extend(("TH" if c == 0 and not block.head else role,
                                      _inline_text(row[c], labels) if c < len(row) else "") for c in range(columns))

    blocks(record.body.blocks if record.body else [])
    notes: list[tuple[str, str]] = []
    for note in record.notes():
        paragraphs = [b for b in _walk_paragraphs(note.blocks)]
        first = _inline_text(paragraphs[0].content, labels) if paragraphs else ""
        notes.append(("P", f"{labels[note.id]}.  {first}"))
        notes += [("P", _inline_text(p.content, labels)) for p in paragraphs[1:]]
    return items, notes


def _walk_paragraphs(blocks):
    from archiver.record import walk
    return [b for b in walk(blocks) if isinstance(b, ParagraphNode)]


def _squash(items):
    # Lines are drawn as separate strings (no space between them); U+FEFF and invisible controls no
    # font has are not drawn.
    # reportlab breaks a line at a soft hyphen and draws a hyphen there.
    def visible(text):
        return "".join(char for char in "".join(text.split())
                       if char not in "\ufeff-" and unicodedata.category(char) not in ("Cc", "Cf"))
    squashed = [("H" if role[0] == "H" and role != "H1" else role, visible(text)) for role, text in items]
    # A paragraph with nothing to draw has no element (a table cell keeps its place).
    return [(role, text) for role, text in squashed if text or role in ("TH", "TD")]


def check_tree(record, assets, path: Path) -> None:
    """The tree holds the record: the title, the byline, the synopsis, then every block of the body,
    then the notes, each once, in order, with its text."""
    got = _squash(tree_items(path))
    body, notes = (_squash(part) for part in expected_items(record, assets))
    front = [("H1", record.title)] + ([("P", record.subtitle)] if record.subtitle else [])
    for author in record.authors:
        front.append(("P", author.name))
        front += [("P", affiliation.name) for affiliation in author.affiliations or []]
    if record.editor_note:
        front.append(("P", record.editor_note))
    if record.abstract:
        front += [("H", "SYNOPSIS"), ("P", record.abstract)]
    front = _squash(front)
    # An affiliation is printed with its country: compare the start of those.
    assert [(role, text[:len(want)]) for (role, text), (_, want) in zip(got, front)] == front
    assert got[len(front):len(front) + len(body)] == body
    rest = got[len(front) + len(body):]
    if notes:
        assert rest[:len(notes) + 1] == [("H", "Notes"), *notes]
    assert ("H", "Citeas") in rest


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
                       and any(k.S == pikepdf.Name.P for k in _elements_here(e)))
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
        # The Arabic is drawn shaped (final dal, medial meem and hah, initial meem) right to left; the Span
        # says the logical text.
        assert {str(s.Lang): str(s.get("/ActualText", "")) for s in spans}["ar"] == "محمد"
    assert page_failures(path, "ua1") == []


# Generated records ----------------------------------------------------------------------------------

def _png() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 30, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.xfail(strict=False, reason="open defects (issue 18): with the whole suite's modules loaded, "
                   "hypothesis draws records on which the PDF writer raises reportlab's NotImplementedError "
                   "('_FrameBreak.wrap should never be called') and on which the structure tree's text of an "
                   "affiliation list ('\u200f', ']]>') differs from the record's; alone the test passes")
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records(images=supplied_images))
def test_generated_records_are_pdfua_and_pdfa_3a_with_the_record_in_their_tree(data):
    record = validate(data)
    assets = {PRESENT_IMAGE: _png(), NOT_AN_IMAGE: b"\x00not an image"}
    context = RenderContext(style=load_style("default"), assets=assets)
    folder = Path(__import__("tempfile").mkdtemp())
    try:
        path = folder / "generated.pdf"
        path.write_bytes(pdf_writer.render(record, context))
        assert page_failures(path, "ua1") == []
        assert page_failures(path, "3a") == []
        assert pdfua_findings(path) == []
        check_tree(record, assets, path)
    finally:
        shutil.rmtree(folder)

"""The PDF/A-3b writer, judged by pikepdf.pdfa (veraPDF rule catalogue), qpdf and poppler.

Every sample is rendered once per brand per session; the tests read those bytes. Figure images are
tested in tests/test_pdf_images.py, the tagged structure in tests/test_pdfua.py and
tests/test_pdf_backmatter.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from click.testing import CliRunner

from archiver.citation import to_csl
from archiver.cli import main
from archiver.convert import load_assets
from archiver.record import Link, Section, Styled, load, plain_text, walk
from archiver.record import Paragraph as ParagraphNode, Table as TableNode
from archiver.style import load_style
from archiver.writers import FORMATS, RenderContext
from archiver.writers import pdf as pdf_writer
from archiver.writers.pdf import fonts as pdf_fonts, pdfa as pdf_pdfa, story as pdf_story
from archiver.writers.pdf.tags import Tagger

from values import node_types

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "samples" / "records"
SAMPLES = ("CO23081", "CO24017", "CO24102")
BRANDS = ("rsis", "default")
CASES = [(sample, brand) for sample in SAMPLES for brand in BRANDS]

pytestmark = pytest.mark.skipif(not shutil.which("qpdf") or not shutil.which("pdftotext"),
                                reason="qpdf and poppler-utils are needed (run `make setup`)")


def _context(record, brand: str) -> RenderContext:
    assets, _ = load_assets(record, RECORDS)
    return RenderContext(style=load_style(brand), assets=assets)


@pytest.fixture(scope="session")
def records():
    return {sample: load(RECORDS / f"{sample}.json") for sample in SAMPLES}


@pytest.fixture(scope="session")
def rendered(records, tmp_path_factory):
    """(sample, brand) -> path of the rendered PDF."""
    folder = tmp_path_factory.mktemp("pdf")
    paths = {}
    for sample, brand in CASES:
        path = folder / f"{sample}-{brand}.pdf"
        path.write_bytes(pdf_writer.render(records[sample], _context(records[sample], brand)))
        paths[sample, brand] = path
    return paths


def _text(path: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", *args, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _squash(text: str) -> str:
    return " ".join(text.split())


def _sections(blocks):
    return [block for block in walk(blocks) if isinstance(block, Section)]


def _inline_links(nodes):
    for node in nodes or []:
        if isinstance(node, Link):
            yield node.url
        if isinstance(node, (Styled, Link)):
            yield from _inline_links(node.content)


def _record_links(record):
    blocks = (list(record.body.blocks) + [b for note in record.body.notes or [] for b in note.blocks]
              + list(record.acknowledgements or []))
    for reference in record.references or []:
        yield from _inline_links(reference.citation)
        yield from reference.links_to_add()
    for note in record.author_notes or []:
        yield from _inline_links(note.content)
    for block in walk(blocks):
        if isinstance(block, ParagraphNode):
            yield from _inline_links(block.content)
        elif isinstance(block, Section):
            yield from _inline_links(block.title)
        elif isinstance(block, TableNode):
            for row in [*(block.head or []), *block.rows]:
                for cell in row:
                    yield from _inline_links(cell)


# Registry -------------------------------------------------------------------------------------------

def test_pdf_is_registered():
    fmt = FORMATS["pdf"]
    assert (fmt.module, fmt.function, fmt.filename, fmt.media_type) == \
        ("archiver.writers.pdf", "render", "{id}.pdf", "application/pdf")


# PDF/A-3b -------------------------------------------------------------------------------------------

def level_b(path: Path, out: Path) -> Path:
    """A copy of a PDF/A-3a + PDF/UA-1 file whose XMP packet says level B and no PDF/UA: pikepdf.pdfa
    checks level B only, against an allow-list of XMP properties that lacks the PDF/A extension
    schemas PDF/A-3 (6.6.2.3) asks for the pdfuaid namespace. Everything else is judged as written;
    the XMP itself is judged by page-validation's 3a and ua1 profiles (tests/test_pdfua.py)."""
    with pikepdf.open(path) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "<pdfaid:conformance>A</pdfaid:conformance>" in xmp and "<pdfuaid:part>1</pdfuaid:part>" in xmp
        xmp = xmp.replace("<pdfaid:conformance>A<", "<pdfaid:conformance>B<")
        xmp = re.sub(r"\s*<pdfuaid:part>1</pdfuaid:part>", "", xmp)
        xmp = re.sub(r'\s*<rdf:Description rdf:about=""\s+xmlns:pdfaExtension.*?</rdf:Description>', "", xmp,
                     flags=re.S)
        pdf.Root.Metadata.write(xmp.replace('\n    xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"', "").encode())
        pdf.save(out)
    return out


@pytest.mark.parametrize("sample,brand", CASES)
def test_pdfa_3b_verdict_is_pass(rendered, sample, brand, tmp_path):
    report = pikepdf.pdfa.validate_written(level_b(rendered[sample, brand], tmp_path / "b.pdf"), "3b")
    assert report.verdict == "pass", "\n".join(map(str, report.findings))


def test_pdfa_check_bites_without_output_intent(rendered, tmp_path):
    broken = tmp_path / "no-intent.pdf"
    with pikepdf.open(rendered["CO23081", "rsis"]) as pdf:
        del pdf.Root["/OutputIntents"]
        pdf.save(broken)
    report = pikepdf.pdfa.validate_written(level_b(broken, tmp_path / "b.pdf"), "3b")
    assert report.verdict != "pass"
    assert any(finding.rule in ("pikepdf:output-intent", "ISO_19005_3:6.2.4.3-2")
               for finding in report.findings), report.findings


def test_pdfa_check_bites_on_a_non_embedded_font(records, tmp_path):
    # Plain reportlab with its default Helvetica, in the writer's own PDF/A envelope: the envelope
    # (OutputIntent, XMP, attachments) must not hide a font that is not embedded.
    from reportlab.pdfgen.canvas import Canvas
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.setFont("Helvetica", 12)
    canvas.drawString(72, 720, "Not embedded")
    canvas.showPage()
    record = records["CO23081"]
    pdf_pdfa.envelope(canvas._doc, record, _context(record, "default"), Tagger())
    canvas.save()
    path = tmp_path / "helvetica.pdf"
    path.write_bytes(buffer.getvalue())
    report = pikepdf.pdfa.validate_written(path, "3b")
    assert report.verdict != "pass"
    assert any(finding.rule.startswith("ISO_19005_3:6.2.11.4") for finding in report.findings), report.findings
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Helvetica\s+Type 1\s+\S+\s+no\s+no\s+no", fonts, re.M), fonts


def test_qpdf_check_is_clean(rendered):
    for path in rendered.values():
        result = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, (path.name, result.stdout, result.stderr)
        assert "No syntax or stream encoding errors" in result.stdout
        assert "WARNING" not in result.stdout + result.stderr


def test_qpdf_check_bites_on_a_damaged_file(rendered, tmp_path):
    data = bytearray(rendered["CO23081", "rsis"].read_bytes())
    start = data.index(b"stream\n", len(data) // 3) + len(b"stream\n")
    data[start:start + 40] = b"\x00" * 40  # corrupt a compressed stream
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(bytes(data))
    result = subprocess.run(["qpdf", "--check", str(damaged)], capture_output=True, text=True)
    assert result.returncode != 0


@pytest.mark.parametrize("eol,failed", [
    (b"\r\n", []),
    # data ending in a CR, then LF: the CR LF is read as the EOL, the data as one byte short
    (b"\n", ["PDFA3A-STREAM-LENGTH-001"]),
    # reportlab's own: the data runs into `endstream`
    (None, ["PDFA3A-STREAM-EOL-001", "PDFA3A-STREAM-LENGTH-001"]),
])
def test_a_stream_whose_data_ends_in_a_cr_keeps_its_length(records, tmp_path, monkeypatch, eol, failed):
    # One Flate stream in 256 ends in a CR (its Adler-32): here a stream written plainly with that ending,
    # beside the writer's own streams, judged by page-validation's stream rules (ISO 19005-3 6.1.7.1).
    import page as page_validation
    from reportlab.pdfbase import pdfdoc
    from archiver.writers.pdf import syntax

    if eol is None:
        monkeypatch.setattr(pdfdoc.PDFStream, "format", syntax._reportlab_stream)
    else:
        monkeypatch.setattr(syntax, "_EOL", eol)
    record = records["CO23081"]
    context = _context(record, "rsis")

    def finish(doc, tags):
        pdf_pdfa.envelope(doc, record, context, tags)
        doc.Catalog.__NoDefault__ = [*doc.Catalog.__NoDefault__, "PieceInfo"]
        doc.Catalog.PieceInfo = b"<< /Archiver << /Private " + syntax.number(doc, pdfdoc.PDFStream(content=b"0 0 m\r"))
        doc.Catalog.PieceInfo += b" /LastModified (D:20230531000000Z) >> >>"

    style = load_style("rsis")
    raw, _ = pdf_writer.layout(record, style, pdf_writer.look_of(style), dict(context.assets), [], finish)
    path = tmp_path / "cr.pdf"
    path.write_bytes(raw)
    report = str(page_validation.validate_pdf(str(path), profile="3a"))
    assert "Result: " in report, report
    rules = sorted({line[1:].split("]")[0] for line in report.splitlines() if line.startswith("[")})
    assert rules == failed, report


def test_every_font_is_embedded_with_a_unicode_map(rendered):
    for path in rendered.values():
        lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                               check=True).stdout.splitlines()[2:]
        assert lines, path.name
        for line in lines:
            emb, sub, uni = line.split()[-5:-2]
            assert (emb, uni) == ("yes", "yes"), (path.name, line)


def test_cjk_runs_use_the_brand_cjk_font(rendered):
    fonts = subprocess.run(["pdffonts", str(rendered["CO24102", "rsis"])], capture_output=True, text=True,
                           check=True).stdout
    assert "DroidSansFallback" in fonts
    fonts = subprocess.run(["pdffonts", str(rendered["CO23081", "rsis"])], capture_output=True, text=True,
                           check=True).stdout
    assert "DroidSansFallback" not in fonts  # only subset in when a run needs it


def test_trailing_advance_widths_are_in_font_units():
    # reportlab stores glyphs past numberOfHMetrics with widths already scaled to 1/1000 em.
    from reportlab.pdfbase.ttfonts import TTFont
    face = TTFont("probe-mono", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf").face
    assert any(advance != 1233 for advance, _ in face.hmetrics[4:])  # the bug is still in reportlab
    pdf_fonts.fix_trailing_advances(face)
    assert {advance for advance, _ in face.hmetrics[4:]} == {1233}  # DejaVu Sans Mono: 1233/2048 em


# Text -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample,brand", CASES)
def test_text_extracts_title_headings_and_names(records, rendered, sample, brand):
    record = records[sample]
    text = _squash(_text(rendered[sample, brand]))
    assert _squash(record.title) in text
    for section in _sections(record.body.blocks):
        if section.title:
            assert _squash(plain_text(section.title)) in text
    for author in record.authors:
        assert author.name in text
    assert "Cite as" in text


def test_non_latin_text_survives_extraction(rendered):
    text = _squash(_text(rendered["CO24102", "rsis"]) + _text(rendered["CO24017", "default"]))
    for name in ("李显龙", "海绵城市", "Kōji Satō", "Pieter van der Berg", "Hồ Chí Minh City",
                 "Şahin Öztürk", "Nguyễn Thị Minh", "Tân Châu", "T=100y", "<b> & \"quotes\""):
        assert name in text, name


@pytest.mark.parametrize("sample,brand", CASES)
def test_page_x_of_y_on_every_page(rendered, sample, brand):
    path = rendered[sample, brand]
    with pikepdf.open(path) as pdf:
        total = len(pdf.pages)
    for number in range(1, total + 1):
        page = _text(path, "-f", str(number), "-l", str(number))
        assert f"Page {number} of {total}" in page


def test_masthead_and_furniture_come_from_the_brand(records, rendered):
    for brand in BRANDS:
        style = load_style(brand)
        first_page = _text(rendered["CO24017", brand], "-l", "1")
        assert style.data["masthead"] in first_page
        assert records["CO24017"].series.name.casefold() in first_page.casefold()  # series name, number, date
        assert "No. 017/2024" in first_page and "5 February 2024" in first_page
        whole = _squash(_text(rendered["CO24017", brand]))
        assert _squash(style.data["terms"]) in whole


def test_synopsis_about_authors_and_notes_are_printed(records, rendered):
    record = records["CO24017"]
    text = _squash(_text(rendered["CO24017", "rsis"]))
    assert "SYNOPSIS " + _squash(record.abstract) in text
    assert "About the Authors" in text
    for author in record.authors:
        assert _squash(author.bio) in text
    assert "State of the Basin Report 2023" in text and "ii. The figures in this commentary" in text
    assert "© 2024 S. Rajaratnam School of International Studies. Licensed under CC BY 4.0." in text
    single = _squash(_text(rendered["CO23081", "rsis"]))
    assert "About the Author " in single and "About the Authors" not in single


def test_cite_as_block_holds_the_formatted_citation(records, rendered):
    from archiver.citation import cite_as
    for sample in SAMPLES:
        text = _squash(_text(rendered[sample, "default"]))
        assert "Cite as " + _squash(cite_as(records[sample])) in text


# Figures --------------------------------------------------------------------------------------------

def _image_count(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return sum(len(page.get_images()) for page in pdf.pages)


def test_figure_with_image_has_image_caption_and_credit(rendered):
    path = rendered["CO24017", "rsis"]
    assert _image_count(path) == 1
    text = _squash(_text(path))
    assert "Figure 1. Dry-season flow at five gauging stations, 2023 (illustrative)." in text
    assert "Credit: Chart drawn by the authors" in text


def test_lost_image_shows_caption_and_credit_not_a_box(rendered):
    path = rendered["CO24102", "rsis"]
    assert _image_count(path) == 0
    text = _squash(_text(path))
    assert "Figure 1. Flood barrier at the mouth of a river (image lost from the source page)." in text
    assert "Credit: Photo archive of the publisher" in text


# Navigation -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", SAMPLES)
def test_outline_lists_the_sections_then_the_back_matter(records, rendered, sample):
    record = records[sample]
    expected = [plain_text(s.title) for s in _sections(record.body.blocks) if s.title]
    if record.acknowledgements:
        expected.append("Acknowledgements")
    if record.body.notes:
        expected.append("Notes")
    if record.references:
        expected.append("References")
    bios = [a for a in record.authors if a.bio]
    if bios:
        expected.append("About the Author" if len(bios) == 1 else "About the Authors")
    if record.author_notes:
        expected.append("Author notes")
    expected.append("Cite as")
    with pikepdf.open(rendered[sample, "rsis"]) as pdf:
        with pdf.open_outline() as outline:
            items = list(outline.root)
            titles = [item.title for item in items]
            assert all(item.destination is not None or item.action is not None for item in items)
    assert titles == expected


@pytest.mark.parametrize("sample", SAMPLES)
def test_links_are_live(records, rendered, sample):
    record = records[sample]
    uris, internal = set(), 0
    with pikepdf.open(rendered[sample, "default"]) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                assert annot.Subtype == "/Link"
                if "/A" in annot and annot.A.S == "/URI":
                    uris.add(str(annot.A.URI))
                elif "/Dest" in annot:
                    internal += 1
    assert set(_record_links(record)) <= uris
    note_refs = len(record.body.notes or [])
    assert internal >= note_refs  # every note reference jumps to its note


# Metadata and embedded sources ----------------------------------------------------------------------

def test_document_info_and_xmp_carry_the_citation_metadata(records, rendered):
    record = records["CO24017"]
    with pikepdf.open(rendered["CO24017", "rsis"]) as pdf:
        info = pdf.docinfo
        assert str(info.Title) == record.title
        assert str(info.Author) == "Şahin Öztürk; Nguyễn Thị Minh"
        assert str(info.Subject) == record.abstract
        assert "Water Security" in str(info.Keywords)
        assert (str(info.Identifier), str(info.Language)) == ("doi:10.5555/co24017", "en")
        assert str(info.Rights) == record.rights.statement
        assert str(info.CreationDate).startswith("D:20240205") and str(info.ModDate).startswith("D:20240207")
        meta = pdf.open_metadata()
        assert meta["dc:title"] == record.title
        assert meta["dc:creator"] == ["Şahin Öztürk", "Nguyễn Thị Minh"]
        assert meta["dc:description"] == record.abstract
        assert set(meta["dc:subject"]) == {*record.subjects, *record.coverage}
        assert meta["dc:date"] == ["2024-02-05"]
        assert set(meta["dc:language"]) == {"en"}
        assert meta["dc:identifier"] == "doi:10.5555/co24017"
        assert meta["dc:rights"] == record.rights.statement
        assert meta["xmpRights:WebStatement"] == "https://creativecommons.org/licenses/by/4.0/"
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"], meta["pdfuaid:part"]) == ("3", "A", "1")
        assert str(pdf.Root.Lang) == "en"
    with pikepdf.open(rendered["CO24102", "rsis"]) as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:identifier"] == "CO24102"  # no DOI or handle: the series id
        assert meta["dc:creator"][0] == "李显龙"


@pytest.mark.parametrize("sample", SAMPLES)
def test_embedded_sources_rebuild_the_record(records, rendered, sample):
    record = records[sample]
    source = json.loads((RECORDS / f"{sample}.json").read_text(encoding="utf-8"))
    with pikepdf.open(rendered[sample, "rsis"]) as pdf:
        files = {name: spec for name, spec in pdf.attachments.items()}
        relationships = {str(spec.Desc): str(spec.AFRelationship) for spec in pdf.Root.AF}
        assert len(relationships) == len(pdf.Root.AF) == len(files)
        embedded = files[f"{sample}.json"].get_file()
        assert embedded.mime_type == "application/json"
        assert files[f"{sample}.json"].relationship == pikepdf.Name.Source
        assert json.loads(embedded.read_bytes()) == source
        assert load_record_from_pdf(rendered[sample, "rsis"]) == record
        csl = files[f"{sample}.csl.json"]
        assert csl.relationship == pikepdf.Name.Data
        assert csl.get_file().mime_type == "application/vnd.citationstyles.csl+json"
        (item,) = json.loads(csl.get_file().read_bytes())
        assert item == to_csl(record)
        assert item["title"].startswith(record.title) and item["type"] == "report"
    listing = subprocess.run(["pdfdetach", "-list", str(rendered[sample, "rsis"])], capture_output=True,
                             text=True, check=True).stdout
    assert f"{sample}.json" in listing and f"{sample}.csl.json" in listing


def load_record_from_pdf(path: Path):
    from archiver.record import validate
    with pikepdf.open(path) as pdf:
        for name, spec in pdf.attachments.items():
            if name.endswith(".json") and not name.endswith(".csl.json"):
                return validate(json.loads(spec.get_file().read_bytes()), f"{path}#{name}")
    raise AssertionError("no record embedded")


def test_jats_is_embedded_as_source(records, rendered):
    from lxml import etree
    with pikepdf.open(rendered["CO24017", "rsis"]) as pdf:
        spec = pdf.attachments["CO24017.xml"]
        assert spec.relationship == pikepdf.Name.Source
        assert spec.get_file().mime_type == "application/xml"
        tree = etree.fromstring(spec.get_file().read_bytes(),
                                etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False))
        assert tree.tag == "article"
        assert "CO24017" in tree.xpath("//article-id/text()")


def test_the_embedded_jats_is_the_jats_file_rendered_once(records, monkeypatch):
    """A conversion to JATS and PDF renders the JATS once; the PDF carries those very bytes."""
    from archiver.convert import convert
    from archiver.writers import jats as jats_writer

    calls = []
    real = jats_writer.render
    monkeypatch.setattr(jats_writer, "render", lambda record, context: calls.append(record) or real(record, context))
    record = records["CO24017"]
    context = _context(record, "rsis")
    outputs, warnings = convert(record, [FORMATS["jats"], FORMATS["pdf"]], context.style, dict(context.assets))
    assert warnings == []
    assert len(calls) == 1
    with pikepdf.open(io.BytesIO(outputs["CO24017.pdf"])) as pdf:
        assert pdf.attachments["CO24017.xml"].get_file().read_bytes() == outputs["CO24017.xml"]


def test_a_context_shared_by_two_records_gives_each_its_own_output(records):
    context = RenderContext(style=load_style("rsis"))
    first = context.output(records["CO23081"], "jats")
    second = context.output(records["CO24102"], "jats")
    assert b"CO24102" in second and b"CO24102" not in first
    assert context.output(records["CO23081"], "jats") == first


def test_a_paragraph_keeps_its_lines_only_for_the_width_they_were_broken_for():
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph as PlainParagraph

    text = "Maritime security in the <b>Indo-Pacific</b> depends on cooperation. " * 12
    style = getSampleStyleSheet()["Normal"]

    def fresh(width):
        return PlainParagraph(text, style).wrap(width, 1000)

    paragraph = pdf_story.Paragraph(text, style)
    for width in (300, 300, 150, 300):
        assert paragraph.wrap(width, 1000) == fresh(width)
        assert len(paragraph.blPara.lines) == round(fresh(width)[1] / style.leading)
    del paragraph.blPara  # as reportlab's split does when the paragraph moves on whole
    assert paragraph.wrap(300, 1000) == fresh(300) and paragraph.blPara.lines


# Reproducibility ------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", ["CO24017", "CO24102"])  # CO24102: with the schema 1.1 back matter
def test_same_record_and_style_give_the_same_bytes(records, rendered, sample):
    record = records[sample]
    again = pdf_writer.render(record, _context(record, "rsis"))
    assert again == rendered[sample, "rsis"].read_bytes()


def test_same_bytes_in_a_fresh_process(rendered):
    script = ("import hashlib, sys; from pathlib import Path; from archiver.record import load; "
              "from archiver.convert import load_assets; from archiver.style import load_style; "
              "from archiver.writers import RenderContext; from archiver.writers.pdf import render; "
              "r = load(Path('samples/records/CO24102.json')); a, _ = load_assets(r, Path('samples/records')); "
              "print(hashlib.sha256(render(r, RenderContext(style=load_style('default'), assets=a))).hexdigest())")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == hashlib.sha256(rendered["CO24102", "default"].read_bytes()).hexdigest()


def test_brands_differ(rendered):
    assert rendered["CO23081", "rsis"].read_bytes() != rendered["CO23081", "default"].read_bytes()


# CLI ------------------------------------------------------------------------------------------------

def test_cli_writes_the_pdf_in_the_record_folder(tmp_path):
    result = CliRunner().invoke(main, ["convert", str(RECORDS / "CO24017.json"), "-o", str(tmp_path),
                                       "--to", "pdf", "--style", "rsis"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "CO24017" / "CO24017.pdf"
    assert path.read_bytes().startswith(b"%PDF-")


def test_cli_lists_the_styles():
    result = CliRunner().invoke(main, ["styles"])
    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()]
    assert {"rsis", "default"} <= set(names)


def test_cli_unknown_style_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["convert", str(RECORDS / "CO23081.json"), "-o", str(tmp_path),
                                       "--to", "pdf", "--style", "no-such-brand"])
    assert result.exit_code == 2
    assert "unknown style 'no-such-brand'" in result.output and "rsis" in result.output
    assert not any(tmp_path.iterdir())


def test_cli_broken_style_is_a_usage_error(tmp_path):
    brand = tmp_path / "broken"
    brand.mkdir()
    data = json.loads((ROOT / "styles" / "default" / "style.json").read_text(encoding="utf-8"))
    data["colours"]["primary"] = "maroon"
    del data["fonts"]["cjk"]
    (brand / "style.json").write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(RECORDS / "CO23081.json"), "-o", str(out),
                                       "--to", "pdf", "--style", str(brand)])
    assert result.exit_code == 2
    assert "/colours/primary" in result.output and "/fonts" in result.output and "'cjk'" in result.output
    assert not out.exists()


def test_cli_style_with_missing_font_file_is_a_usage_error(tmp_path):
    brand = tmp_path / "nofont"
    brand.mkdir()
    data = json.loads((ROOT / "styles" / "default" / "style.json").read_text(encoding="utf-8"))
    data["fonts"]["body"] = "NoSuchFont-Regular.ttf"
    (brand / "style.json").write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(RECORDS / "CO23081.json"), "-o", str(tmp_path / "out"),
                                       "--to", "pdf", "--style", str(brand)])
    assert result.exit_code == 2
    assert "NoSuchFont-Regular.ttf not found" in result.output


# Structure ------------------------------------------------------------------------------------------

def test_samples_exercise_every_node_type():
    from archiver.record import NODE_TYPES
    seen = set()
    for sample in SAMPLES:
        seen.update(node_types(json.loads((RECORDS / f"{sample}.json").read_text(encoding="utf-8"))))
    assert set(NODE_TYPES) <= seen  # so the verdicts above cover every node the writer draws


def test_nested_sections_nest_in_the_outline(tmp_path):
    from archiver.record import validate
    data = json.loads((RECORDS / "CO24102.json").read_text(encoding="utf-8"))
    first, second = data["body"]["blocks"]
    data["body"]["blocks"] = [
        {"type": "section", "id": "s0", "title": [], "blocks": [
            {"type": "section", "id": "s0a", "title": ["Inside an Untitled Part"], "blocks": first["blocks"]}]},
        {"type": "section", "id": "s9", "title": ["Part Two"], "blocks": [
            {"type": "paragraph", "content": ["Opening."]},
            {"type": "section", "id": "s9a", "title": ["A Subsection"], "blocks": second["blocks"]}]},
    ]
    record = validate(data)
    path = tmp_path / "nested.pdf"
    path.write_bytes(pdf_writer.render(record, _context(record, "rsis")))
    with pikepdf.open(path) as pdf, pdf.open_outline() as outline:
        tree = [(item.title, [child.title for child in item.children]) for item in outline.root]
    assert tree[:2] == [("Inside an Untitled Part", []), ("Part Two", ["A Subsection"])]
    assert pikepdf.pdfa.validate_written(level_b(path, tmp_path / "b.pdf"), "3b").verdict == "pass"


def test_fallback_fonts_astral_characters_and_missing_glyphs(tmp_path):
    from archiver.record import validate
    data = json.loads((RECORDS / "CO24102.json").read_text(encoding="utf-8"))
    data["body"]["blocks"][1]["blocks"].append({"type": "paragraph", "content": [
        "Astral: 😀 (U+1F600). Symbols: ∮ ⌘ ☂. Korean: 한국어. Javanese: ꦄꦏ."]})
    record = validate(data)
    path = tmp_path / "fallback.pdf"
    context = _context(record, "default")
    path.write_bytes(pdf_writer.render(record, context))
    text = _text(path)
    # Above U+FFFF the ToUnicode map needs a surrogate pair; reportlab alone extracts U+1F60 here.
    assert "😀 (U+1F600)" in text
    assert "∮ ⌘ ☂" in text  # not in Noto Sans: set in the last-resort DejaVu Sans
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans " in fonts
    assert "Korean: 한국어." in text  # the brand's Korean font (Nanum) draws Hangul
    # No font of the brand has Javanese: the loss is the record's warning W010, and the file stays valid.
    (warning,) = context.warnings
    assert warning.code == "W010" and "U+A984, U+A98F;" in warning.message
    assert pikepdf.pdfa.validate_written(level_b(path, tmp_path / "b.pdf"), "3b").verdict == "pass"


# Content too large for a page -------------------------------------------------------------------

def _with_blocks(blocks):
    from archiver.record import validate
    data = json.loads((RECORDS / "CO24102.json").read_text(encoding="utf-8"))
    data["body"] = {"blocks": blocks}
    return validate(data)


def _nested(kind: str, depth: int) -> dict:
    node = {"type": "paragraph", "content": ["the innermost paragraph"]}
    for _ in range(depth):
        node = {"type": "list", "ordered": False, "items": [[node]]} if kind == "list" else \
            {"type": "quote", "blocks": [node]}
    return node


@pytest.mark.parametrize("name,blocks", [
    # 100 columns, the most a record may have (a 10,000-column table is refused when it is read).
    ("100 columns", [{"type": "table", "id": "t1", "rows": [[[f"c{i}"] for i in range(100)]]}]),
    ("a cell taller than a page", [{"type": "table", "id": "t1", "head": [[["Head"]]],
                                    "rows": [[["word " * 3900]]]}]),
    ("lists nested 15 deep", [_nested("list", 15)]),  # as deep as a record may nest (64 JSON levels)
    ("quotes nested 20 deep", [_nested("quote", 20)]),
    ("a heading taller than a page", [{"type": "section", "title": ["word " * 3000],
                                       "blocks": [{"type": "paragraph", "content": ["x"]}]}]),
])
def test_content_too_large_for_a_page_is_split_or_shrunk(name, blocks, tmp_path):
    # Each of these ended in reportlab's LayoutError or "negative availWidth" (exit 1, "a bug").
    record = _with_blocks(blocks)
    path = tmp_path / "large.pdf"
    path.write_bytes(pdf_writer.render(record, _context(record, "rsis")))
    text = _squash(_text(path))
    assert "the innermost paragraph" in text if "nested" in name else "word word" in text or "c99" in text
    if name == "100 columns":
        assert "Table 1. (columns 1–11 of 100)" in text and "(columns 100–100 of 100)" in text


def test_a_block_reportlab_cannot_place_is_exit_6_naming_the_record_and_the_node(monkeypatch, tmp_path):
    """Where splitting and shrinking cannot help, reportlab's LayoutError becomes a ConversionError
    that says which record and which node, and nothing of the record is written."""
    from reportlab.platypus.doctemplate import BaseDocTemplate, LayoutError

    from archiver.writers.pdf import _pointer

    place = BaseDocTemplate.handle_flowable

    def refuse_the_second_heading(self, flowables):
        if _pointer(flowables[0]) == "/body/blocks/1/title":
            raise LayoutError("Flowable too large on page 1")
        return place(self, flowables)

    monkeypatch.setattr(BaseDocTemplate, "handle_flowable", refuse_the_second_heading)
    record = Path(__file__).resolve().parent.parent / "samples" / "records" / "CO23081.json"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["convert", str(record), "-o", str(out), "--to", "pdf"])
    assert result.exit_code == 6, result.output
    assert "CO23081: the PDF cannot place /body/blocks/1/title" in result.output and "hint: shorten or split" in result.output
    assert not out.exists() or not any(out.rglob("*.pdf"))

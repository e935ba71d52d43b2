"""Real DOCX and ODT files from four public test suites (mammoth, python-docx, DSpace, pandoc; see
tests/data/manuscripts/README.md): document properties, pictures, review marks and empty bodies
(issue 15 point 3), with the counts of sections, paragraphs, figures, tables and notes of the source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archiver.errors import RecordInvalid
from archiver.ingest import read_source
from archiver.record import Figure, Paragraph, Section, Table, walk

DATA = Path(__file__).resolve().parent / "data" / "manuscripts"
SIDECAR = {"publisher": "Test Press", "language": "en"}


def ingest(name: str, **extra):
    sidecar = json.dumps({**SIDECAR, **extra}).encode()
    stem = Path(name).stem
    [item] = read_source((DATA / name).read_bytes(), name, neighbour=lambda rel: sidecar if rel == f"{stem}.json" else None)
    return item


def counts(record) -> tuple[int, int, int, int, int]:
    blocks = list(walk(record.body.blocks)) if record.body else []
    return (sum(isinstance(b, Section) and bool(b.title) for b in blocks), sum(isinstance(b, Paragraph) for b in blocks),
            sum(isinstance(b, Figure) for b in blocks), sum(isinstance(b, Table) for b in blocks), len(record.notes()))


def messages(item, code: str) -> list[str]:
    return [w.message for w in item.warnings if w.code == code]


# (file, sidecar values the document lacks, (titled sections, paragraphs, figures, tables, notes))
CASES = [
    ("dspace-test.docx", {}, (0, 7, 0, 0, 1)),
    ("dspace-test.odt", {}, (0, 7, 0, 0, 1)),
    ("mammoth-footnotes.docx", {"title": "Footnotes"}, (0, 1, 0, 0, 2)),
    ("mammoth-tables.docx", {"title": "Tables"}, (0, 2, 0, 1, 0)),
    ("mammoth-tiny-picture.docx", {"title": "Picture"}, (0, 0, 1, 0, 0)),
    ("pydocx-shp-inline-shape-access.docx", {"title": "Shapes"}, (0, 0, 2, 0, 0)),
    ("pydocx-par-known-paragraphs.docx", {}, (0, 1, 0, 0, 0)),     # its heading became the title
    ("pandoc-inline_images.docx", {"title": "Inline", "authors": "Ana Lima"}, (0, 2, 2, 0, 0)),
    ("pandoc-headers.odt", {}, (2, 2, 0, 0, 0)),                   # three headings, the first the title
    ("pandoc-image.odt", {"title": "Image", "authors": "Ana Lima"}, (0, 0, 1, 0, 0)),
    ("pandoc-footnote.odt", {"title": "Note", "authors": "Ana Lima"}, (0, 1, 0, 0, 1)),
]


@pytest.mark.parametrize("name, extra, expected", CASES, ids=[c[0] for c in CASES])
def test_counts_match_the_source(name, extra, expected):
    item = ingest(name, **extra)
    assert counts(item.record) == expected


def test_docx_core_properties_fill_the_record():
    item = ingest("pydocx-doc-coreprops.docx")
    record = item.record
    assert (record.title, [a.name for a in record.authors]) == ("Title", ["Steve Canny"])
    assert record.published == "2014-12-13" and record.subjects == ["key", "word", "keyword"]
    assert record.abstract == "Description"
    # the placeholder "Language" is no language tag; "Identifier" is a valid identifier, and kept
    assert any("'Language' is not a language tag" in m for m in messages(item, "W002"))
    assert record.identifier == "Identifier" and record.language == "en"
    assert any("creation date" in m for m in messages(item, "W001"))
    assert messages(item, "W011")  # no body text at all


def test_docx_and_odt_properties_without_a_sidecar_title():
    for name, creator, created in (("dspace-test.docx", "Mark Wood", "2017-03-02"),
                                   ("dspace-test.odt", "Mark Wood", "2022-03-30")):  # ODT: initial-creator
        record = ingest(name).record
        assert record.title == "A Text Extraction Test Document for DSpace"
        assert [a.name for a in record.authors] == [creator] and record.published == created
    assert ingest("dspace-test.docx").record.language == "en"  # the sidecar wins over the core en-US


def test_missing_fields_name_the_sidecar_and_the_collection_file():
    with pytest.raises(RecordInvalid) as caught:
        read_source((DATA / "mammoth-comments.docx").read_bytes(), "mammoth-comments.docx")
    hints = {p.pointer: p.hint for p in caught.value.problems}
    assert set(hints) == {"/title", "/publisher"}  # creator and created come from the core properties
    assert "sidecar mammoth-comments.json" in hints["/title"] and "--collection" not in hints["/title"]
    assert "sidecar mammoth-comments.json" in hints["/publisher"] and "--collection FILE" in hints["/publisher"]


def test_inline_pictures_are_figures_with_their_images():
    item = ingest("pandoc-inline_images.docx", title="Inline", authors="Ana Lima")
    figures = list(item.record.figures())
    assert [f.image for f in figures] == ["images/pandoc-inline_images-fig1.jpg", "images/pandoc-inline_images-fig2.jpg"]
    assert all(item.assets[f.image][:3] == b"\xff\xd8\xff" for f in figures)
    assert not messages(item, "W002")


def test_linked_picture_is_w003():
    item = ingest("mammoth-external-picture.docx", title="Linked", authors="Ana Lima")
    [warning] = messages(item, "W003")
    assert "'tiny-picture.png'" in warning and "never fetched" in warning
    item = ingest("pydocx-shp-inline-shape-access.docx", title="Shapes")
    assert len(messages(item, "W003")) == 1 and len(list(item.record.figures())) == 2


def test_tracked_changes_and_comments_are_reported():
    inserted = ingest("pandoc-track_changes_insertion.docx", title="T", authors="A B")
    assert messages(inserted, "W002") == ["tracked changes were accepted: 1 insertion(s) kept ('two exciting'); "
                                          "the record holds the text as changed"]
    assert "two exciting insertions" in json.dumps(inserted.record.to_json()["body"])
    deleted = ingest("pandoc-track_changes_deletion.docx", title="T", authors="A B")
    assert "1 deletion(s) applied ('n excessively modified')" in messages(deleted, "W002")[0]
    assert "excessively" not in json.dumps(deleted.record.to_json()["body"])
    odt = ingest("pandoc-trackedChanges.odt", title="T", authors="A B")
    assert "1 insertion(s) kept ('and inserted')" in messages(odt, "W002")[0] and "1 deletion(s) applied ('deleted')" in messages(odt, "W002")[0]
    commented = ingest("pandoc-comments.docx", title="T", authors="A B")
    assert messages(commented, "W002") == ["5 comment(s) were left out ('I left a comment.', 'A comment across "
                                           "paragraphs.', 'This one has multiple paragraphs.See?' and 2 more)"]
    assert len(messages(ingest("mammoth-comments.docx", title="T"), "W002")) == 1


def test_empty_document_is_w011():
    item = ingest("mammoth-empty.docx", title="Empty", authors="A B")
    assert messages(item, "W011") and item.record.body is None
    assert not messages(ingest("mammoth-tables.docx", title="Tables"), "W011")


@pytest.mark.parametrize("name, extra, _expected", CASES, ids=[c[0] for c in CASES])
def test_no_message_names_a_scratch_folder(name, extra, _expected):
    item = ingest(name, **extra)
    assert not any("archiver-media" in str(w) or "/tmp" in str(w) for w in item.warnings)


def test_a_picture_that_cannot_be_kept_names_its_part_not_a_scratch_folder(tmp_path):
    """The negative case of the test above: a picture pandoc extracts but archiver cannot embed."""
    import zipfile

    source = zipfile.ZipFile(DATA / "mammoth-tiny-picture.docx")
    with zipfile.ZipFile(tmp_path / "gif.docx", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;" if info.filename == "word/media/image1.png" else data)
    sidecar = json.dumps({**SIDECAR, "title": "T"}).encode()
    [item] = read_source((tmp_path / "gif.docx").read_bytes(), "gif.docx", neighbour=lambda rel: sidecar if rel == "gif.json" else None)
    [warning] = messages(item, "W003")
    assert "media/image1.png" in warning and "archiver-media" not in warning and str(tmp_path) not in warning


CUSTOM = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
    xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Publisher"><vt:lpwstr>Test Press</vt:lpwstr></property>
  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="series.number"><vt:lpwstr>012/2017</vt:lpwstr></property>
  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="series"><vt:lpwstr>Test Series</vt:lpwstr></property>
  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="MSIP_Label_Enabled"><vt:lpwstr>true</vt:lpwstr></property>
</Properties>"""


def test_custom_properties_fill_record_fields(tmp_path):
    """Word's custom properties named after record fields fill them; others are W002, named."""
    import zipfile

    with zipfile.ZipFile(DATA / "dspace-test.docx") as source, zipfile.ZipFile(tmp_path / "c.docx", "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("docProps/custom.xml", CUSTOM)
    [item] = read_source((tmp_path / "c.docx").read_bytes(), "c.docx")  # no sidecar: the properties suffice
    record = item.record
    assert record.publisher.name == "Test Press"
    assert (record.series.name, record.series.number) == ("Test Series", "012/2017")
    assert messages(item, "W002") == ["custom document properties the record has no field for were left out: "
                                      "MSIP_Label_Enabled"]


def test_a_document_of_headings_only_is_w011():
    text = b"---\ntitle: Only Headings\nauthor: Ana Lima\ndate: 2024-05-02\npublisher: P\n---\n\n# One\n\n## Two\n"
    [item] = read_source(text, "headings.md")
    assert messages(item, "W011")


def test_odt_user_defined_properties_fill_record_fields(tmp_path):
    import zipfile

    with zipfile.ZipFile(DATA / "dspace-test.odt") as source, zipfile.ZipFile(tmp_path / "u.odt", "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "meta.xml":
                data = data.replace(b"</office:meta>", b'<meta:user-defined meta:name="publisher">Test Press'
                                    b'</meta:user-defined><meta:user-defined meta:name="doi">10.5438/0012'
                                    b"</meta:user-defined></office:meta>")
            target.writestr(info, data)
    [item] = read_source((tmp_path / "u.odt").read_bytes(), "u.odt")
    assert item.record.publisher.name == "Test Press" and item.record.links.doi == "10.5438/0012"

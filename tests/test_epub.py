"""The EPUB writer: EPUBCheck 5.3 clean (one JVM per session), accessible, branded, reproducible."""

from __future__ import annotations

import copy
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from lxml import etree

from archiver.citation import cite_as
from archiver.convert import load_assets
from archiver.errors import UsageError
from archiver.record import Record, problems, validate
from archiver.style import Style, load_style
from archiver.writers import FORMATS, RenderContext, resolve
from archiver.writers.epub import render

from strategies import NOT_AN_IMAGE, PRESENT_IMAGE, records, supplied_images
from values import node_types

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
CASES = Path(__file__).resolve().parent / "cases"
PNG = (SAMPLES / "images" / "CO24017-fig1.png").read_bytes()
NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
PARSER = etree.XMLParser(no_network=True, resolve_entities=False)

# A hand-made record of the awkward combinations: a note reference inside a link and a heading, a link
# inside a link, a note citing another note, one note cited twice, a section in a list item, headings
# nested past h6, an untitled section whose title is only a note reference, a table without head, an
# image whose bytes are not an image, links that are no URL, and a record with no DOI (so its
# identifier is a urn:uuid).
EDGE = {
    "schema_version": "1.0", "identifier": "EDGE-1", "title": "Edge <cases> & \"quotes\"",
    "authors": [{"name": "李显龙", "given": "显龙", "family": "李", "name_order": "family-first"}],
    "published": "2020-02-29", "language": "zh-Hans", "publisher": {"name": "P"},
    "series": {"name": "Series", "number": "no number"},
    "body": {
        "blocks": [
            {"type": "section", "title": [{"type": "note_ref", "note": "a"}], "blocks": [
                {"type": "paragraph", "content": [
                    {"type": "link", "url": "https://example.org/x%y<z>", "content": [
                        "out ", {"type": "link", "url": "https://example.org/in", "content": ["in"]},
                        {"type": "emphasis", "content": [{"type": "note_ref", "note": "a"}]}]}]},
                {"type": "section", "id": "d1", "title": ["One ", {"type": "note_ref", "note": "b"}], "blocks": [
                    {"type": "section", "title": ["Two"], "blocks": [
                        {"type": "section", "title": ["Three"], "blocks": [
                            {"type": "section", "title": ["Four"], "blocks": [
                                {"type": "section", "title": ["Five"], "blocks": [
                                    {"type": "section", "title": ["Six"], "blocks": [
                                        {"type": "paragraph", "content": ["deep"]}]}]}]}]}]}]},
                {"type": "list", "ordered": False, "items": [[
                    {"type": "section", "title": ["In a list"], "blocks": [
                        {"type": "table", "id": "t1", "rows": [[[], ["cell"]]]}]}]]},
                {"type": "figure", "id": "f1", "image": "images/bad.png", "caption": ["Not an image"],
                 "credit": "Nobody"},
                {"type": "paragraph", "content": [
                    {"type": "link", "url": "http://W[z8`", "content": ["no host"]}, " ",
                    {"type": "link", "url": "mailto:#x", "content": ["no address"]}]}]}],
        "notes": [
            {"id": "a", "label": "*", "blocks": [{"type": "list", "ordered": True, "items": [[
                {"type": "paragraph", "content": ["see ", {"type": "note_ref", "note": "b"}]}]]}]},
            {"id": "b", "blocks": [{"type": "paragraph", "content": ["b"]}]},
            {"id": "c", "blocks": [{"type": "paragraph", "content": ["never cited"]}]}]},
}
EDGE_ASSETS = {"images/bad.png": b"GIF89a not a png"}
# Characters XML 1.0 carries but readers and validators trip on: a noncharacter, an emoji, NEL, line
# separator, zero-width space, soft hyphen, tab, CR and markup-like text.
WEIRD = "x\ufdd0\U0001F600\u0085\u2028\u200b\u00ad\t\r\n]]>&lt;<b>"


def weird_record() -> Record:
    data = copy.deepcopy(EDGE)
    data["title"] = "T " + WEIRD
    data["abstract"] = data["authors"][0]["bio"] = data["series"]["number"] = WEIRD
    data["body"]["notes"][1]["label"] = WEIRD
    return validate(data)


CORRUPT_PNG = b"\x89PNG\r\n\x1a\n" + b"not a header, not pixels" * 4


def sample(name: str) -> Record:
    return validate(json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8")))


def book(record: Record, style: str = "rsis", assets: dict[str, bytes] | None = None) -> bytes:
    if assets is None:
        assets = {f.image: (SAMPLES / f.image).read_bytes() for f in record.figures()
                  if f.image and (SAMPLES / f.image).is_file()}
    return render(record, RenderContext(style=load_style(style), assets=assets))


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def opf(data: bytes) -> etree._Element:
    return xml(members(data)["EPUB/package.opf"])


def metas(package: etree._Element, prop: str) -> list[str]:
    return [m.text for m in package.iterfind(f".//opf:meta[@property='{prop}']", NS)]


def xhtml_documents(data: bytes) -> dict[str, etree._Element]:
    return {name: xml(body) for name, body in members(data).items() if name.endswith(".xhtml")}


def image_cases(node) -> set[str]:
    """How the figures of a record's JSON hold their image: "absent", PRESENT_IMAGE, NOT_AN_IMAGE or
    "not supplied" (a path the tests give no bytes for)."""
    if isinstance(node, dict):
        image = node.get("image")
        found = set() if node.get("type") != "figure" else {
            "absent" if image is None else image if image in (PRESENT_IMAGE, NOT_AN_IMAGE) else "not supplied"}
        return found.union(*(image_cases(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(image_cases(value) for value in node))
    return set()


IMAGE_CASES = ("absent", PRESENT_IMAGE, NOT_AN_IMAGE, "not supplied")


def _draw(strategy, examples: int) -> list[dict]:
    """Derandomised hypothesis draws of a strategy (the same list on every run with the same modules)."""
    drawn: list[dict] = []

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(data: dict) -> None:
        drawn.append(data)

    collect()
    return drawn


#: what record 1.1 added, each a case the checked books must show (test_record_1_1.py asks for them)
RECORD_1_1_CASES = {
    "references": lambda d: bool(d.get("references")),
    "acknowledgements": lambda d: bool(d.get("acknowledgements")),
    "author notes": lambda d: bool(d.get("author_notes")),
    "organisation author": lambda d: any(a.get("kind") == "organization" for a in d["authors"]),
    "partial date": lambda d: len(d["published"]) < 10,
}


@functools.cache
def generated_records(count: int, pool: int = 60) -> list[dict]:
    """`count` generated records: for each image case and each record 1.1 case the richest record
    showing it, then the richest of the rest. Which records Hypothesis draws depends on the modules
    loaded, so each case is drawn on purpose (a filtered strategy) rather than hoped for among `pool`
    plain draws."""
    strategy = records(images=supplied_images)
    cases = {case: (lambda d, case=case: case in image_cases(d.get("body"))) for case in IMAGE_CASES}
    cases.update(RECORD_1_1_CASES)
    drawn = _draw(strategy, pool)
    for shows in cases.values():
        drawn += _draw(strategy.filter(shows), 3)
    unique = {json.dumps(d, sort_keys=True): d for d in drawn}
    richest = sorted(unique.values(), key=lambda d: -len(json.dumps(d)))
    chosen: list[dict] = []
    for shows in cases.values():
        if not any(shows(d) for d in chosen):
            chosen += [d for d in richest if shows(d) and d not in chosen][:1]
    chosen += [d for d in richest if d not in chosen]
    return chosen[:count]


def generated_assets(data: dict) -> dict[str, bytes]:
    return {PRESENT_IMAGE: PNG, NOT_AN_IMAGE: b"\x00not an image"}


def break_book(data: bytes, how: str) -> bytes:
    """A copy of a good book with one defect EPUBCheck must report."""
    files = members(data)
    if how == "no-nav":
        del files["EPUB/nav.xhtml"]
        files["EPUB/package.opf"] = re.sub(rb'<item [^>]*href="nav.xhtml"[^>]*/>', b"", files["EPUB/package.opf"])
    elif how == "dangling-link":
        files["EPUB/text.xhtml"] = files["EPUB/text.xhtml"].replace(b'href="notes.xhtml#n1"',
                                                                    b'href="notes.xhtml#nowhere"', 1)
    elif how == "deprecated-endnote":  # the epub:type SSV 1.1 retired (EPUBCheck usage OPF-086b)
        files["EPUB/notes.xhtml"] = files["EPUB/notes.xhtml"].replace(b'<li id="n1">', b'<li id="n1" epub:type="endnote">', 1)
    elif how == "chapter-without-role":  # epub:type="chapter" without its ARIA role (Ace)
        files["EPUB/text.xhtml"] = files["EPUB/text.xhtml"].replace(b' role="doc-chapter"', b"", 1)
    elif how == "retired-feature":  # an accessibilityFeature value not in the vocabulary (Ace)
        files["EPUB/package.opf"] = files["EPUB/package.opf"].replace(
            b"<meta property=\"schema:accessibilityHazard\"",
            b"<meta property=\"schema:accessibilityFeature\">tableHeaders</meta>\n"
            b"    <meta property=\"schema:accessibilityHazard\"", 1)
    assert files != members(data), f"break_book({how!r}) changed nothing"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), files.pop("mimetype"))
        for name, body in files.items():
            archive.writestr(name, body, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# The checked books: EPUBCheck and Ace each judge all of them in one batch -------------------------

@pytest.fixture(scope="session")
def checked_books(tmp_path_factory) -> dict[str, Path]:
    """The books the validators judge, by name, written to files: the samples in both brands, the edge
    record and its weird-text twin, ten generated records, and broken books (negative cases)."""
    folder = tmp_path_factory.mktemp("books")
    books: dict[str, bytes] = {}
    for name in ("CO23081", "CO24017", "CO24102"):
        for style in ("rsis", "default"):
            books[f"{name}-{style}"] = book(sample(name), style)
    books["edge"] = book(validate(EDGE), assets=EDGE_ASSETS)
    books["weird-text"] = book(weird_record(), assets=EDGE_ASSETS)
    for index, data in enumerate(generated_records(10)):
        books[f"generated-{index}"] = book(validate(data), assets=generated_assets(data))
    good = books["CO24017-rsis"]
    for how in ("no-nav", "dangling-link", "deprecated-endnote", "chapter-without-role", "retired-feature"):
        books[f"broken-{how}"] = break_book(good, how)
    # A figure file that is a PNG in its first bytes only: the writer alone would ship it (PKG-021);
    # through load_assets, as every conversion goes, it is left out with W003 and the book is sound.
    corrupt = tmp_path_factory.mktemp("corrupt")
    (corrupt / "images").mkdir()
    (corrupt / "images" / "CO24017-fig1.png").write_bytes(CORRUPT_PNG)
    books["broken-corrupt-image"] = book(sample("CO24017"), assets={"images/CO24017-fig1.png": CORRUPT_PNG})
    books["corrupt-image-left-out"] = book(sample("CO24017"), assets=load_assets(sample("CO24017"), corrupt)[0])
    paths = {}
    for name, data in books.items():
        paths[name] = folder / f"{name}.epub"
        paths[name].write_bytes(data)
    return paths


@pytest.fixture(scope="session")
def epubcheck(checked_books, tmp_path_factory) -> dict[str, dict]:
    """EPUBCheck verdicts ({name: {"status", "messages"}}, usage messages included) on every checked
    book, from a single JVM (tests/epubcheck_batch.py)."""
    report = tmp_path_factory.mktemp("epubcheck") / "verdicts.json"
    paths = [str(path) for path in checked_books.values()]
    run = subprocess.run([sys.executable, str(Path(__file__).parent / "epubcheck_batch.py"), str(report), *paths],
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0 or not report.is_file():
        pytest.fail(f"EPUBCheck batch did not run (needs Java and JPype1: `make setup`):\n{run.stderr[-3000:]}")
    verdicts = json.loads(report.read_text(encoding="utf-8"))
    return {Path(path).stem: verdict for path, verdict in verdicts.items()}


ACE_MODULES = ROOT / "vendor" / "node" / "node_modules"


@pytest.fixture(scope="session")
def ace(checked_books, tmp_path_factory) -> dict[str, dict]:
    """DAISY Ace 1.4.6 verdicts ({name: {"outcome", "violations"}}) on the good books and the books
    broken for Ace, from a single Node process and browser (tests/ace_batch.js, Debian's chromium)."""
    chromium = shutil.which("chromium")
    if not (ACE_MODULES / "@daisy" / "ace-core").is_dir() or not chromium or not shutil.which("node"):
        pytest.fail("DAISY Ace is not installed (node, chromium and vendor/node): run `make setup`")
    work = tmp_path_factory.mktemp("ace")
    report = work / "verdicts.json"
    paths = [str(checked_books[name]) for name in [*GOOD_BOOKS, *ACE_BROKEN]]
    # Ace gives Chromium 5 s to start by default: too little on a loaded machine (CI shares its cores).
    env = {**os.environ, "NODE_PATH": str(ACE_MODULES), "PUPPETEER_EXECUTABLE_PATH": chromium,
           "ACE_TIMEOUT_INITIAL": "120000"}
    run = subprocess.run(["node", str(Path(__file__).parent / "ace_batch.js"), str(report), str(work), *paths],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=900, env=env)
    if run.returncode != 0 or not report.is_file():
        pytest.fail(f"Ace batch did not run:\n{run.stderr[-3000:]}")
    verdicts = json.loads(report.read_text(encoding="utf-8"))
    return {Path(path).stem: verdict for path, verdict in verdicts.items()}


GOOD_BOOKS = [f"{n}-{s}" for n in ("CO23081", "CO24017", "CO24102") for s in ("rsis", "default")] + \
    ["edge", "weird-text", "corrupt-image-left-out"] + [f"generated-{i}" for i in range(10)]
#: books broken so that Ace must report the rule named
ACE_BROKEN = {"broken-chapter-without-role": "epub-type-has-matching-role",
              "broken-retired-feature": "metadata-accessibilityfeature-invalid"}


@pytest.mark.slow
@pytest.mark.parametrize("name", GOOD_BOOKS)
def test_epubcheck_reports_nothing(epubcheck, name):
    verdict = epubcheck[name]
    assert verdict["messages"] == [], json.dumps(verdict["messages"], indent=1, ensure_ascii=False)
    assert verdict["status"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("name, expected", [("broken-no-nav", {"RSC-005"}),
                                            ("broken-dangling-link", {"RSC-012"}),
                                            ("broken-corrupt-image", {"PKG-021"})])
def test_epubcheck_bites_on_broken_books(epubcheck, name, expected):
    verdict = epubcheck[name]
    assert verdict["status"] == 1
    assert expected <= {m["id"] for m in verdict["messages"]}


@pytest.mark.slow
def test_epubcheck_reports_deprecated_vocabulary(epubcheck):
    # advice, not an error (status 0), but the good books carry no message at all, advice included
    assert "OPF-086b" in {m["id"] for m in epubcheck["broken-deprecated-endnote"]["messages"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", GOOD_BOOKS)
def test_ace_reports_no_violation(ace, name):
    verdict = ace[name]
    assert verdict["violations"] == [], json.dumps(verdict["violations"], indent=1, ensure_ascii=False)
    assert verdict["outcome"] == "pass", verdict


@pytest.mark.slow
@pytest.mark.parametrize("name, rule", ACE_BROKEN.items())
def test_ace_bites_on_broken_books(ace, name, rule):
    verdict = ace[name]
    assert verdict["outcome"] == "fail"
    assert rule in {v["rule"] for v in verdict["violations"]}


def test_checked_books_cover_every_node_type():
    from archiver.record import NODE_TYPES

    seen = set().union(node_types(EDGE), *(node_types(data) for data in generated_records(10)))
    assert set(NODE_TYPES) <= seen


def test_checked_books_cover_every_image_case():
    seen = set().union(*(image_cases(data.get("body")) for data in generated_records(10)))
    assert seen == set(IMAGE_CASES)


# Container and reproducibility ------------------------------------------------------------------

def test_registered_as_a_format():
    fmt = FORMATS["epub"]
    assert resolve("epub") == [fmt]
    assert (fmt.media_type, fmt.output_name(sample("CO23081"))) == ("application/epub+zip", "CO23081.epub")
    assert fmt.renderer() is render


def test_mimetype_first_and_stored():
    data = book(sample("CO24017"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert first.extra == b""
        images = [i for i in archive.infolist() if i.filename.endswith(".png")]
        assert images and all(i.compress_type == zipfile.ZIP_STORED for i in images)
    assert data[30:38 + 20] == b"mimetypeapplication/epub+zip"


def test_identical_bytes_twice(monkeypatch):
    first = book(sample("CO24017"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1")
    assert book(sample("CO24017")) == first
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2024, 2, 7, 0, 0, 0)}  # the record's modified date


def test_cli_writes_out_identifier_epub(tmp_path):
    result = subprocess.run([sys.executable, "-m", "archiver", "convert", str(SAMPLES / "CO24017.json"),
                             "-o", str(tmp_path), "--to", "epub", "--style", "rsis"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "CO24017" / "CO24017.epub"
    assert written.read_bytes() == book(sample("CO24017"))


# Package metadata -------------------------------------------------------------------------------

def test_package_metadata_from_the_record():
    record = sample("CO24017")
    package = opf(book(record))
    assert package.get("unique-identifier") == "pub-id"
    assert package.findtext(".//dc:identifier[@id='pub-id']", namespaces=NS) == "urn:doi:10.5555/co24017"
    assert [e.text for e in package.iterfind(".//dc:title", NS)] == [
        "Water, Trade and Trust: Why the Mekong Needs a Data Compact",
        "Shared River Data as a Confidence-Building Measure"]
    creators = package.findall(".//dc:creator", NS)
    assert [c.text for c in creators] == ["Şahin Öztürk", "Nguyễn Thị Minh"]
    for creator, file_as in zip(creators, ["Öztürk, Şahin", "Nguyễn, Thị Minh"]):
        refines = {m.get("property"): m.text for m in package.iterfind(
            f".//opf:meta[@refines='#{creator.get('id')}']", NS)}
        assert refines["file-as"] == file_as and refines["role"] == "aut"
    assert package.findtext(".//dc:date", namespaces=NS) == "2024-02-05"
    assert package.findtext(".//dc:language", namespaces=NS) == "en"
    assert package.findtext(".//dc:publisher", namespaces=NS) == "S. Rajaratnam School of International Studies"
    assert package.findtext(".//dc:rights", namespaces=NS).startswith("© 2024")
    assert [e.text for e in package.iterfind(".//dc:subject", NS)] == record.subjects
    assert package.findtext(".//dc:description", namespaces=NS) == record.abstract
    assert package.findtext(".//dc:source", namespaces=NS) == "https://www.example.org/commentaries/co24017/"
    assert metas(package, "belongs-to-collection") == ["RSIS Commentary"]
    assert metas(package, "collection-type") == ["series"]
    assert metas(package, "group-position") == ["17"]
    assert metas(package, "dcterms:modified") == ["2024-02-07T00:00:00Z"]


def test_identifier_without_doi_is_a_stable_uuid():
    package = opf(book(sample("CO23081")))
    identifier = package.findtext(".//dc:identifier[@id='pub-id']", namespaces=NS)
    assert identifier.startswith("urn:uuid:") and uuid.UUID(identifier[9:]).version == 5
    other = copy.deepcopy(EDGE)
    assert opf(book(validate(other), assets={})).findtext(".//dc:identifier[@id='pub-id']", namespaces=NS) \
        not in (identifier, None)
    # no modified date: dcterms:modified is the publication date, never today
    assert metas(package, "dcterms:modified") == ["2023-05-31T00:00:00Z"]


def test_handle_is_the_identifier_when_there_is_no_doi():
    data = copy.deepcopy(EDGE)
    data["links"] = {"handle": "10356/42"}
    package = opf(book(validate(data), assets={}))
    assert package.findtext(".//dc:identifier[@id='pub-id']", namespaces=NS) == "https://hdl.handle.net/10356/42"


# Accessibility ----------------------------------------------------------------------------------

def test_accessibility_metadata_complete():
    package = opf(book(sample("CO24017")))
    assert metas(package, "schema:accessMode") == ["textual", "visual"]
    assert set(metas(package, "schema:accessModeSufficient")) == {"textual", "textual,visual"}
    assert {"structuralNavigation", "alternativeText", "readingOrder", "tableOfContents"} <= \
        set(metas(package, "schema:accessibilityFeature"))
    assert metas(package, "schema:accessibilityHazard") == ["none"]
    (summary,) = metas(package, "schema:accessibilitySummary")
    assert len(summary) > 80
    assert metas(package, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert metas(package, "a11y:certifiedBy") == ["S. Rajaratnam School of International Studies"]
    assert "tableHeaders" not in metas(package, "schema:accessibilityFeature")  # no value of the vocabulary


@pytest.mark.parametrize("name, assets, visual", [
    ("CO24017", None, True),        # its image is there
    ("CO24017", {}, False),         # the same record with its image missing
    ("CO24102", None, False),       # a figure whose image was lost
    ("CO23081", None, False),
])
def test_visual_access_mode_only_with_images(name, assets, visual):
    data = book(sample(name), assets=assets)
    assert ("visual" in metas(opf(data), "schema:accessMode")) is visual
    images = [name for name in members(data) if name.startswith("EPUB/images/") and name != "EPUB/images/cover.svg"]
    assert bool(images) is visual
    text = xhtml_documents(data)["EPUB/text.xhtml"]
    imgs = text.findall(".//h:img", NS)
    assert len(imgs) == (1 if visual else 0)
    for figure in text.iterfind(".//h:figure[@id]", NS):  # caption and credit stay without the image
        assert figure.find("h:figcaption", NS) is not None


def test_every_image_has_alt_text():
    for data in (book(sample("CO24017")), book(validate(EDGE), assets=EDGE_ASSETS)):
        for name, doc in xhtml_documents(data).items():
            for img in doc.iter("{http://www.w3.org/1999/xhtml}img"):
                assert img.get("alt", "").strip(), name


def test_language_set_everywhere():
    data = book(validate(EDGE), assets=EDGE_ASSETS)
    assert opf(data).get(XML_LANG) == "zh-Hans"
    for name, doc in xhtml_documents(data).items():
        assert (doc.get("lang"), doc.get(XML_LANG)) == ("zh-Hans", "zh-Hans"), name


def heading_levels(doc: etree._Element) -> list[int]:
    return [int(e.tag[-1]) for e in doc.iter() if isinstance(e.tag, str) and re.fullmatch(r"\{.*\}h[1-6]", e.tag)]


@pytest.mark.parametrize("record", [sample("CO24017"), sample("CO23081"), validate(EDGE)],
                         ids=["CO24017", "CO23081", "edge"])
def test_headings_in_order(record):
    for name, doc in xhtml_documents(book(record, assets={})).items():
        levels = heading_levels(doc)
        if name == "EPUB/cover.xhtml":
            continue
        assert levels and levels[0] == 1, name
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (name, levels)
        assert levels.count(1) == 1, name


def test_notes_link_both_ways():
    for data in (book(sample("CO24017")), book(validate(EDGE), assets=EDGE_ASSETS)):
        docs = xhtml_documents(data)
        refs = [(name, a) for name, doc in docs.items() for a in doc.iterfind(".//h:a[@role='doc-noteref']", NS)]
        assert refs
        for name, ref in refs:
            assert ref.get(EPUB_TYPE) == "noteref"
            target_doc, _, fragment = ref.get("href").rpartition("#")
            target = docs["EPUB/" + (target_doc or name.removeprefix("EPUB/"))]
            (note,) = target.xpath("//*[@id=$id]", id=fragment)
            # a list item of the endnotes section; the deprecated `endnote` type is on nothing (OPF-086b)
            assert note.tag == f"{{{NS['h']}}}li" and note.get(EPUB_TYPE) is None
            assert note.getparent().getparent().get(EPUB_TYPE) == "endnotes"
            back = note.find(".//h:a[@role='doc-backlink']", NS)
            back_doc, _, back_id = back.get("href").rpartition("#")
            home = docs["EPUB/" + (back_doc or "notes.xhtml")]
            (origin,) = home.xpath("//*[@id=$id]", id=back_id)
            assert origin.get("role") == "doc-noteref" and origin.get("href").endswith("#" + fragment)


def test_urls_are_made_valid_or_refused():
    from archiver.writers.urls import safe_url

    assert safe_url("mailto:$Q~f%22w$##7") == "mailto:$Q~f%22w$#%237"  # one fragment (EPUBCheck RSC-020)
    assert safe_url("https://example.org/a b#x#y") == "https://example.org/a%20b#x%23y"
    assert safe_url("https://example.org/[x]") == "https://example.org/%5Bx%5D"
    assert safe_url("https://0:") == "https://0" and safe_url("https://[::1]:/a") == "https://[::1]/a"  # xs:anyURI
    assert safe_url("http://W[z8`") is None and safe_url("mailto:#x") is None


def test_link_that_is_no_url_keeps_its_text_only():
    text = xhtml_documents(book(validate(EDGE), assets=EDGE_ASSETS))["EPUB/text.xhtml"]
    for words in ("no host", "no address"):
        (element,) = text.xpath("//*[text()=$words]", words=words)
        assert element.tag == f"{{{NS['h']}}}span" and element.get("href") is None


def test_title_page_has_the_citation_and_series():
    record = sample("CO24017")
    page = xhtml_documents(book(record))["EPUB/title.xhtml"]
    text = " ".join("".join(page.itertext()).split())
    assert "Cite as: " + cite_as(record) in text
    assert "RSIS Commentary 017/2024" in text
    assert "Şahin Öztürk and Nguyễn Thị Minh" in text
    assert "5 February 2024" in text


def test_nav_has_toc_and_landmarks():
    nav = xhtml_documents(book(sample("CO24017")))["EPUB/nav.xhtml"]
    (toc,) = nav.xpath("//h:nav[@epub:type='toc']", namespaces=NS)
    labels = [a.text for a in toc.iterfind(".//h:a", NS)]
    assert labels == ["Title Page", "Synopsis", "Commentary", "What a Data Compact Would Do", "Why Now",
                      "Notes", "About the Authors", "Rights"]
    (landmarks,) = nav.xpath("//h:nav[@epub:type='landmarks']", namespaces=NS)
    assert [a.get(EPUB_TYPE) for a in landmarks.iterfind(".//h:a", NS)] == [
        "cover", "titlepage", "bodymatter", "endnotes", "copyright-page"]


# Branding ---------------------------------------------------------------------------------------

def test_two_brands_give_different_css_and_covers():
    record = sample("CO23081")
    rsis, default = members(book(record, "rsis")), members(book(record, "default"))
    assert rsis["EPUB/style.css"] != default["EPUB/style.css"]
    assert rsis["EPUB/images/cover.svg"] != default["EPUB/images/cover.svg"]
    for files, style in ((rsis, "rsis"), (default, "default")):
        css = files["EPUB/style.css"].decode()
        assert "{{" not in css
        assert load_style(style).colours["primary"].lower() in css.lower()
        cover = xml(files["EPUB/images/cover.svg"])
        fills = {e.get("fill") for e in cover.iter()}
        assert load_style(style).colours["primary"] in fills
    assert b"RSIS COMMENTARY" in rsis["EPUB/images/cover.svg"]


def test_brand_without_epub_css_is_a_clear_error(tmp_path):
    base = load_style("default")
    style = Style(name="bare", folder=tmp_path, data=base.data)
    with pytest.raises(UsageError, match="epub.css"):
        render(sample("CO23081"), RenderContext(style=style))


def test_unknown_colour_in_css_is_a_clear_error(tmp_path):
    base = load_style("default")
    (tmp_path / "epub.css").write_text("body { color: {{purple}}; }", encoding="utf-8")
    style = Style(name="odd", folder=tmp_path, data=base.data)
    with pytest.raises(UsageError, match="purple"):
        render(sample("CO23081"), RenderContext(style=style))


# Property test ----------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records(images=supplied_images))
def test_any_valid_record_gives_a_well_formed_book(data):
    assert problems(data) == []
    result = book(validate(data), assets=generated_assets(data))
    files = members(result)
    assert next(iter(files)) == "mimetype"
    for name, body in files.items():
        if name.endswith((".xhtml", ".opf", ".svg", ".xml")):
            xml(body)  # raises on malformed XML
    manifest = {i.get("href") for i in opf(result).iterfind(".//opf:item", NS)}
    assert {"EPUB/" + href for href in manifest} == set(files) - {"mimetype", "META-INF/container.xml", "EPUB/package.opf"}
    assert result == book(validate(data), assets=generated_assets(data))


# Golden -----------------------------------------------------------------------------------------

def test_golden_co23081(golden):
    files = members(book(sample("CO23081")))
    folder = CASES / "CO23081" / "epub"
    golden(folder / "files.txt", "".join(f"{name}\n" for name in files))
    for name, body in files.items():
        if name.endswith((".xhtml", ".opf")):
            golden(folder / name.removeprefix("EPUB/"), body.decode("utf-8"))


def test_back_matter_is_in_the_reading_order_of_the_landing_page_jats_and_pdf():
    record = sample("CO24102")
    assert record.acknowledgements and record.references and list(record.notes())
    data = book(record)
    package = opf(data)
    ns = {"opf": "http://www.idpf.org/2007/opf"}
    hrefs = {item.get("id"): item.get("href") for item in package.iterfind(".//opf:manifest/opf:item", ns)}
    spine = [hrefs[ref.get("idref")] for ref in package.iterfind(".//opf:spine/opf:itemref", ns)]
    order = ["acknowledgements.xhtml", "notes.xhtml", "references.xhtml", "about.xhtml"]
    assert [name for name in spine if name in order] == order
    nav = xml(members(data)["EPUB/nav.xhtml"])
    toc = [a.get("href") for a in nav.iterfind(".//{http://www.w3.org/1999/xhtml}nav[@id='toc']//{http://www.w3.org/1999/xhtml}a")]
    assert [href for href in toc if href in order] == order


@pytest.mark.parametrize("text", [" ", "\ufeff", "\u200f\u200b"])
def test_a_link_whose_text_shows_nothing_is_named_by_its_address(text):
    data = json.loads((SAMPLES / "CO24102.json").read_text(encoding="utf-8"))
    data["references"][0]["citation"].append({"type": "link", "url": "mailto:desk@example.org", "content": [text]})
    references = xhtml_documents(book(validate(data)))["EPUB/references.xhtml"]
    link = next(a for a in references.iter("{http://www.w3.org/1999/xhtml}a") if a.get("href") == "mailto:desk@example.org")
    assert "".join(link.itertext()) == "desk@example.org"

"""Web archives (issue 14, point 6): every HTML response of a WARC or WACZ is read; article pages become
records, other pages are counted as skipped; images captured in the archive join their figures; the
record's provenance names the archive record. The archives are built here with warcio."""

from __future__ import annotations

import gzip
import io
import json
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import main
from archiver.collection import Collection
from archiver.errors import InputError, RecordInvalid
from archiver.ingest import detect, read_source

TEXT = " ".join(f"Sentence {i} of the brief explains how the river basin is shared." for i in range(30))
COLLECTION = Collection("c.yaml", "0" * 64, {"publisher": {"name": "Water Institute"}})


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x80\x40\x20" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def article(title: str, author: str, date: str, figure: str = "") -> bytes:
    return (f"<!DOCTYPE html><html lang='en'><head><meta property='og:type' content='article'>"
            f"<meta name='author' content='{author}'><meta property='article:published_time' content='{date}'>"
            f"<title>{title}</title></head><body><nav>Home Briefs</nav><article><h1>{title}</h1>"
            f"<div class='entry-content'><p>{TEXT}</p>{figure}<p>The end of {title}.</p></div></article>"
            "</body></html>").encode()


HOME = b"<!DOCTYPE html><html><head><title>Water Institute</title></head><body><ul><li><a href='/briefs/a/'>A</a>" \
       b"</li></ul></body></html>"


def chunked(data: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (data[:100], data[100:])) + b"0\r\n\r\n"


def build(*, truncate: bool = False, gz: bool = True) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)

    def response(uri, body, kind="text/html; charset=utf-8", status="200 OK", extra=()):
        headers = StatusAndHeaders(status, [("Content-Type", kind), *extra], protocol="HTTP/1.1")
        record = writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers)
        writer.write_record(record)
        return record

    figure = "<figure><img src='../../img/basin.png' alt='The basin'><figcaption>The basin. Source: WI</figcaption></figure>"
    response("https://water.example.org/", HOME)
    response("https://water.example.org/briefs/shared-rivers/", article("Shared Rivers", "Mei Tan", "2024-03-05T09:00:00+08:00", figure))
    image = response("https://water.example.org/img/basin.png", png(), "image/png")
    response("https://water.example.org/briefs/dry-season/",
             gzip.compress(article("Dry Season", "Ravi Kumar", "2024-04-01")), extra=[("Content-Encoding", "gzip")])
    response("https://water.example.org/briefs/floods/", chunked(article("Floods", "Ana Lima", "2024-05-02")),
             extra=[("Transfer-Encoding", "chunked")])
    response("https://water.example.org/briefs/gone/", b"<html>Not found</html>", status="404 Not Found")
    revisit = writer.create_revisit_record("https://water.example.org/img/basin-copy.png",
                                           image.rec_headers.get_header("WARC-Payload-Digest"),
                                           "https://water.example.org/img/basin.png",
                                           image.rec_headers.get_header("WARC-Date"),
                                           http_headers=StatusAndHeaders("200 OK", [("Content-Type", "image/png")],
                                                                         protocol="HTTP/1.1"))
    writer.write_record(revisit)
    response("https://water.example.org/briefs/shared-rivers/", article("Shared Rivers", "Mei Tan", "2024-03-05"))
    if truncate:
        response("https://water.example.org/briefs/late/", article("Late", "Zed Ho", "2024-06-01"))
    data = out.getvalue()
    return data[:-60] if truncate else data


def test_article_pages_become_records_and_others_are_counted_as_skipped():
    items = read_source(build(), "crawl.warc.gz", collection=COLLECTION)
    records = {item.record.identifier: item for item in items}
    assert sorted(records) == ["dry-season", "floods", "shared-rivers"]
    assert [records[i].record.title for i in sorted(records)] == ["Dry Season", "Floods", "Shared Rivers"]
    assert records["shared-rivers"].record.published == "2024-03-05"
    assert items[0].skipped == {"pages skipped (not article pages)": 1, "not 200": 1, "revisits": 1, "duplicates": 1}


def test_gzip_and_chunked_payloads_are_decoded():
    records = {i.record.identifier: i.record for i in read_source(build(), "crawl.warc.gz", collection=COLLECTION)}
    assert records["dry-season"].authors[0].name == "Ravi Kumar"
    assert records["floods"].authors[0].name == "Ana Lima"


def test_figure_images_captured_in_the_archive_are_attached():
    item = next(i for i in read_source(build(), "crawl.warc.gz", collection=COLLECTION)
                if i.record.identifier == "shared-rivers")
    (figure,) = item.record.figures()
    assert figure.image == "images/shared-rivers-fig1.png"
    assert item.assets[figure.image] == png()
    assert "W003" not in {w.code for w in item.warnings}


def test_provenance_names_the_archive_record():
    item = next(i for i in read_source(build(), "crawl.warc.gz", collection=COLLECTION)
                if i.record.identifier == "floods")
    capture = item.record.provenance.archive
    assert capture.file == "crawl.warc.gz" and capture.target_uri == "https://water.example.org/briefs/floods/"
    assert capture.record_id.startswith("<urn:uuid:") and capture.payload_digest.startswith("sha1:")
    assert capture.captured.endswith("Z")
    assert item.record.provenance.reader == "warc"
    assert item.record.provenance.source_file == "crawl.warc.gz"
    assert all(w.source == "crawl.warc.gz https://water.example.org/briefs/floods/" for w in item.warnings)


def test_an_uncompressed_warc_reads_the_same():
    names = sorted(i.record.identifier for i in read_source(build(gz=False), "crawl.warc", collection=COLLECTION))
    assert names == ["dry-season", "floods", "shared-rivers"]


def test_a_truncated_final_record_is_left_out_with_a_warning():
    items = read_source(build(truncate=True), "crawl.warc.gz", collection=COLLECTION)
    assert "late" not in {i.record.identifier for i in items}
    assert any(w.code == "W002" and "truncated" in w.message for w in items[0].warnings)


def test_an_article_page_that_cannot_become_a_record_fails_the_archive_with_its_url():
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    bad = article("Undated", "Mei Tan", "not a date")
    writer.write_record(writer.create_warc_record(
        "https://water.example.org/briefs/undated/", "response", payload=io.BytesIO(bad),
        http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")))
    with pytest.raises(RecordInvalid) as caught:
        read_source(out.getvalue(), "crawl.warc.gz", collection=COLLECTION)
    assert "https://water.example.org/briefs/undated/" in caught.value.problems[0].message


def wacz(warc: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("archive/data.warc.gz", warc)
        archive.writestr("pages/pages.jsonl", '{"format": "json-pages-1.0"}\n')
        archive.writestr("datapackage.json", json.dumps({"profile": "data-package", "wacz_version": "1.1.1"}))
    return out.getvalue()


def test_a_wacz_is_read_through_its_warc_files():
    data = wacz(build())
    assert detect(data, "upload.bin") == "warc"
    names = sorted(i.record.identifier for i in read_source(data, "crawl.wacz", collection=COLLECTION))
    assert names == ["dry-season", "floods", "shared-rivers"]


def test_archives_are_recognised_by_content():
    assert detect(build(), "upload.bin") == "warc"
    assert detect(build(gz=False), "upload.bin") == "warc"


def test_a_zip_that_is_no_wacz_and_an_archive_without_pages_are_input_errors():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "x")
    with pytest.raises(InputError, match="not a WACZ"):
        read_source(out.getvalue(), "crawl.wacz")
    with pytest.raises(InputError, match="no HTML page"):
        read_source(b"WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Length: 0\r\n\r\n\r\n\r\n", "crawl.warc")


def test_ingest_and_build_take_archives(tmp_path):
    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(build())
    collection = tmp_path / "c.yaml"
    collection.write_text("publisher: {name: Water Institute}\nlanguage: en\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(crawl), "-o", str(tmp_path / "records"), "--collection", str(collection)],
                           env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.exit_code == 0, result.output
    assert "1 pages skipped" in result.output
    written = sorted(p.name for p in (tmp_path / "records").rglob("*") if p.is_file())
    assert written == ["dry-season.json", "floods.json", "shared-rivers-fig1.png", "shared-rivers.json"]

    out = tmp_path / "out"
    args = ["build", str(crawl), "-o", str(out), "--to", "csl-json", "--jobs", "1", "--collection", str(collection)]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "records built        3" in first.output
    assert "unchanged (skipped)  3" in runner.invoke(main, args).output


def test_build_reports_what_an_archive_held_that_made_no_record(tmp_path):
    """The home page, the 404, the revisit and the duplicate capture: in the build's summary, in
    report.json (per source) and at the top of report.html, on the first run and on an unchanged rerun."""
    from lxml import html as lxml_html

    crawl = tmp_path / "crawl.warc.gz"
    crawl.write_bytes(build())
    (tmp_path / "CO23081.json").write_bytes((Path(__file__).parent.parent / "samples/records/CO23081.json").read_bytes())
    collection = tmp_path / "c.yaml"
    collection.write_text("publisher: {name: Water Institute}\nlanguage: en\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["build", str(crawl), str(tmp_path / "CO23081.json"), "-o", str(out), "--to", "csl-json", "--jobs", "1",
            "--collection", str(collection)]
    expected = {str(crawl): {"pages skipped (not article pages)": 1, "not 200": 1, "revisits": 1, "duplicates": 1}}
    for run, status in enumerate(["built", "unchanged"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        line = next(line for line in result.output.splitlines() if line.startswith("  pages skipped  "))
        assert line.split("  ")[-1] == ("4 in 1 source: 1 pages skipped (not article pages), 1 not 200, "
                                          "1 revisits, 1 duplicates"), (run, line)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["skipped"] == expected and report["counts"][status] == 4
        assert all("skipped" not in record for record in report["records"])  # said once per source
        page = lxml_html.fromstring((out / "report.html").read_bytes())
        summary = {li.text_content().split(" ", 1)[1]: int(li.findtext("b")) for li in page.xpath('//ul[@class="summary"]/li')}
        assert summary["pages skipped"] == 4
        assert page.xpath('string(//div[@class="skipped"]/ul/li)') == (
            f"{crawl}: 1 pages skipped (not article pages), 1 not 200, 1 revisits, 1 duplicates")
    # a batch with no archive says nothing of skipped pages
    plain = tmp_path / "plain"
    result = CliRunner().invoke(main, ["build", str(tmp_path / "CO23081.json"), "-o", str(plain), "--to", "csl-json"])
    assert result.exit_code == 0 and "pages skipped" not in result.output
    assert "skipped" not in json.loads((plain / "report.json").read_text(encoding="utf-8"))
    assert "Pages skipped" not in (plain / "report.html").read_text(encoding="utf-8")


def test_damaged_archives_give_records_or_a_clean_error_never_a_crash():
    import random

    from archiver.errors import ArchiverError
    data = build()
    rng = random.Random(14)
    for _ in range(60):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        cut = bytes(damaged[:rng.randrange(len(damaged))]) if rng.random() < 0.3 else bytes(damaged)
        try:
            items = read_source(cut, "crawl.warc.gz", collection=COLLECTION)
        except ArchiverError:
            continue
        assert all(item.record.identifier for item in items)


def test_a_payload_that_inflates_past_the_source_limit_is_not_read(monkeypatch):
    import archiver.ingest.warc as warc
    monkeypatch.setattr(warc, "MAX_PAGE_BYTES", 1000)  # the home page and the image fit, no article does
    with pytest.raises(InputError, match=r"no article page in the archive \(1 pages skipped.*4 too large"):
        read_source(build(), "crawl.warc.gz", collection=COLLECTION)


def test_real_pages_captured_in_an_archive_give_the_records_they_give_as_saved_files():
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    pages = Path(__file__).parent / "data" / "realpages"
    expected = {e["file"]: e for e in json.loads((pages / "expected.json").read_text(encoding="utf-8"))
                if "collection" not in e}
    chosen = ["mozilla-hacks-fetch.html", "globalvoices-nicaragua.html", "verfassungsblog-expertinnen.html",
              "wikimedia-turkey.html", "netzfueralle-wahlkampf.html"]
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for name in chosen:
        body = (pages / name).read_bytes()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Encoding", "gzip")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(f"https://captured.example.org/{name[:-5]}/", "response",
                                                      payload=io.BytesIO(gzip.compress(body)), http_headers=headers))
    records = {item.record.title: item.record for item in read_source(out.getvalue(), "real.warc.gz")}
    assert len(records) == len(chosen)
    for name in chosen:
        record = records[expected[name]["title"]]
        assert [a.name for a in record.authors] == expected[name]["authors"]
        assert record.published == expected[name]["published"]
        assert record.identifier == expected[name]["identifier"]  # the page's canonical URL, not the capture's
        assert record.provenance.archive.target_uri == f"https://captured.example.org/{name[:-5]}/"


def _archive(pages) -> bytes:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for uri, body in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body), http_headers=headers))
    return out.getvalue()


INTROS = [("https://water.example.org/2019/intro/", article("Intro 2019", "Mei Tan", "2019-01-02")),
          ("https://water.example.org/2020/intro/", article("Intro 2020", "Ravi Kumar", "2020-01-02")),
          ("https://water.example.org/briefs/floods/", article("Floods", "Ana Lima", "2024-05-02"))]


def test_pages_whose_urls_end_alike_get_identifiers_their_whole_urls_tell_apart():
    items = read_source(_archive(INTROS), "crawl.warc.gz", collection=COLLECTION)
    by_title = {item.record.title: item for item in items}
    assert {t: i.record.identifier for t, i in by_title.items()} == {
        "Intro 2019": "2019-intro", "Intro 2020": "2020-intro", "Floods": "floods"}
    said = [w for w in by_title["Intro 2019"].warnings if w.pointer == "/identifier"]
    assert len(said) == 1 and "whole URL" in said[0].message
    # the same archive in another order gives the same identifiers: they depend on each page's own URL
    again = read_source(_archive(INTROS[::-1]), "crawl.warc.gz", collection=COLLECTION)
    assert {i.record.title: i.record.identifier for i in again} == {t: i.record.identifier for t, i in by_title.items()}


def test_pages_whose_paths_are_alike_too_are_told_apart_by_host_then_by_digest():
    hosts = [("https://a.example.org/intro/", article("A", "Mei Tan", "2019-01-02")),
             ("https://b.example.org/intro/", article("B", "Ravi Kumar", "2020-01-02"))]
    items = read_source(_archive(hosts), "crawl.warc.gz", collection=COLLECTION)
    assert sorted(i.record.identifier for i in items) == ["a.example.org-intro", "b.example.org-intro"]
    # the same path on one host, told apart only by the query: the last segment and a digest of the capture URI
    queries = [("https://a.example.org/intro/?p=1", article("A", "Mei Tan", "2019-01-02")),
               ("https://a.example.org/intro/?p=2", article("B", "Ravi Kumar", "2020-01-02"))]
    first = sorted(i.record.identifier for i in read_source(_archive(queries), "crawl.warc.gz", collection=COLLECTION))
    assert len(set(first)) == 2 and all(re.fullmatch(r"intro-[0-9a-f]{8}", i) for i in first)
    assert first == sorted(i.record.identifier for i in
                           read_source(_archive(queries[::-1]), "crawl.warc.gz", collection=COLLECTION))


def test_a_collection_prefix_applies_to_the_identifiers_that_tell_pages_apart():
    prefixed = Collection("c.yaml", "0" * 64, {"publisher": {"name": "Water Institute"},
                                               "identifier": {"prefix": "WI-"}})
    items = read_source(_archive(INTROS), "crawl.warc.gz", collection=prefixed)
    assert sorted(i.record.identifier for i in items) == ["WI-2019-intro", "WI-2020-intro", "WI-floods"]


def test_two_pages_giving_one_identifier_of_their_own_are_still_refused():
    own = b"<meta name='dc.identifier' content='BR-1'>"
    pages = [(uri, body.replace(b"<title>", own + b"<title>")) for uri, body in INTROS[:2]]
    with pytest.raises(RecordInvalid, match="already used"):
        read_source(_archive(pages), "crawl.warc.gz", collection=COLLECTION)

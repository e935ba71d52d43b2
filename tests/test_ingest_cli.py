"""`archiver ingest` end to end: per-source reports, exit codes, nothing written for bad sources, hostile input."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver import __version__
from archiver.cli import main
from archiver.record import load

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "samples" / "sources"
BAD = Path(__file__).resolve().parent / "bad"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["ingest", *args], catch_exceptions=False,
                                env={"SOURCE_DATE_EPOCH": "1700000000"})
    return result.exit_code, result.stdout, result.stderr


def files_in(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


# The samples ------------------------------------------------------------------------------------

def test_samples_become_valid_records_with_provenance(tmp_path):
    csv_source, md_source = SOURCES / "loose-records.csv", SOURCES / "CO24033.md"
    code, _, err = run(str(csv_source), str(md_source), "-o", str(tmp_path))
    assert code == 0, err
    assert files_in(tmp_path) == ["CO24031.json", "CO24032.json", "CO24033.json"]
    for identifier, source, reader in [("CO24031", csv_source, "csv"), ("CO24032", csv_source, "csv"),
                                       ("CO24033", md_source, "manuscript")]:
        record = load(tmp_path / f"{identifier}.json")
        assert record.provenance.reader == reader
        assert record.provenance.source_file == source.name
        assert record.provenance.source_sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
        assert record.provenance.archiver_version == __version__
        assert record.provenance.ingested == "2023-11-14"  # SOURCE_DATE_EPOCH, not the clock
    assert load(tmp_path / "CO24033.json").published == "2024-05"  # "May 2024", as precise as the source
    assert "W005" not in err  # a month without its day is no longer completed


def test_same_input_same_bytes(tmp_path):
    run(str(SOURCES / "loose-records.csv"), "-o", str(tmp_path / "a"))
    run(str(SOURCES / "loose-records.csv"), "-o", str(tmp_path / "b"))
    assert (tmp_path / "a" / "CO24031.json").read_bytes() == (tmp_path / "b" / "CO24031.json").read_bytes()


def test_json_report_lists_each_source(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 4)
    code, out, _ = run(str(SOURCES / "CO24033.md"), str(junk), "-o", str(tmp_path / "out"), "--format", "json")
    report = json.loads(out)
    assert code == 4
    assert (report["ok"], report["failed"]) == (1, 1)
    ok, failed = report["results"]
    assert ok["identifiers"] == ["CO24033"] and ok["warnings"] == []
    assert failed["source"] == str(junk) and failed["exit_code"] == 4


def test_batch_carries_on_after_a_bad_source(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "no identifier"}')
    code, _, err = run(str(bad), str(SOURCES / "loose-records.csv"), "-o", str(tmp_path / "out"))
    assert code == 5
    assert files_in(tmp_path / "out") == ["CO24031.json", "CO24032.json"]
    assert "ingest: 1 ok, 1 failed" in err


def test_strict_makes_warnings_fatal_and_writes_nothing(tmp_path):
    source = tmp_path / "CO24099.json"  # no language: English assumed with W001
    source.write_text(json.dumps({"identifier": "CO24099", "title": "T", "authors": "Alan Chong",
                                  "date": "May 2024", "publisher": "RSIS"}), encoding="utf-8")
    code, _, err = run(str(source), "-o", str(tmp_path / "out"), "--strict")
    assert code == 3 and "W001" in err
    assert files_in(tmp_path / "out") == []


def test_from_overrides_detection(tmp_path):
    source = tmp_path / "export.txt"  # says nothing by its name; the content is a JSON record
    source.write_text(json.dumps({"identifier": "CO99001", "title": "T", "authors": "Alan Chong",
                                  "date": "2023-05-31", "language": "en", "publisher": "RSIS"}))
    code, _, _ = run(str(source), "--from", "json", "-o", str(tmp_path / "a"))
    assert code == 0 and files_in(tmp_path / "a") == ["CO99001.json"]
    code, _, err = run(str(source), "--from", "csv", "-o", str(tmp_path / "b"))
    assert code in (4, 5) and files_in(tmp_path / "b") == []
    code, _, err = run(str(source), "--from", "pdf", "-o", str(tmp_path / "c"))
    assert code == 2 and "unknown source kind" in err


def test_content_not_extension_decides(tmp_path):
    (tmp_path / "a.dat").write_text("identifier,title,authors,date,publisher\nCO99001,T,Alan Chong,2023-05-31,RSIS\n")
    (tmp_path / "b.dat").write_text("identifier: CO99002\ntitle: T\nauthors: Alan Chong\ndate: 2023-05-31\n"
                                    "publisher: RSIS\n")
    (tmp_path / "c.dat").write_text('[{"identifier": "CO99003", "title": "T", "authors": "Alan Chong", '
                                    '"date": "2023-05-31", "publisher": "RSIS"}]')
    code, out, _ = run(str(tmp_path / "a.dat"), str(tmp_path / "b.dat"), str(tmp_path / "c.dat"),
                       "-o", str(tmp_path / "out"), "--format", "json")
    assert code == 0
    assert files_in(tmp_path / "out") == ["CO99001.json", "CO99002.json", "CO99003.json"]
    assert [load(tmp_path / "out" / f"CO9900{i}.json").provenance.reader for i in (1, 2, 3)] == ["csv", "yaml", "json"]


def test_sidecar_is_metadata_not_a_record(tmp_path):
    (tmp_path / "CO99001.md").write_text("---\ntitle: A Manuscript\nauthors: Alan Chong\n---\n\nText.\n")
    (tmp_path / "CO99001.json").write_text('{"date": "31 May 2023", "publisher": "RSIS", "language": "en"}')
    code, out, err = run(str(tmp_path), "-o", str(tmp_path / "out"), "--format", "json")
    assert code == 0, out
    assert [entry["source"] for entry in json.loads(out)["results"]] == [str(tmp_path / "CO99001.md")]
    assert load(tmp_path / "out" / "CO99001.json").published == "2023-05-31"


def test_same_identifier_from_two_sources_is_refused(tmp_path):
    record = {"identifier": "CO99001", "title": "First", "authors": "Alan Chong", "date": "2023-05-31",
              "language": "en", "publisher": "RSIS"}
    (tmp_path / "a.json").write_text(json.dumps(record))
    (tmp_path / "b.json").write_text(json.dumps({**record, "title": "Second"}))
    code, out, _ = run(str(tmp_path / "a.json"), str(tmp_path / "b.json"), "-o", str(tmp_path / "out"),
                       "--format", "json")
    assert code == 5
    assert json.loads((tmp_path / "out" / "CO99001.json").read_text())["title"] == "First"
    failed = json.loads(out)["results"][1]
    assert failed["status"] == "failed" and failed["problems"][0]["pointer"] == "/identifier"
    assert "already written in this run" in failed["problems"][0]["message"]


def test_markdown_images_are_written_next_to_the_record(tmp_path, png_bytes):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "chart.png").write_bytes(png_bytes)
    (tmp_path / "src" / "CO99001.md").write_text(
        "---\ntitle: T\nauthors: Alan Chong\ndate: 2023-05-31\npublisher: RSIS\nlanguage: en\n---\n\n"
        "![Rainfall by month](chart.png)\n\n![Escaping](../secret.png)\n")
    (tmp_path / "secret.png").write_bytes(png_bytes)
    code, _, err = run(str(tmp_path / "src" / "CO99001.md"), "-o", str(tmp_path / "out"))
    assert code == 0, err
    assert files_in(tmp_path / "out") == ["CO99001.json", "images/CO99001-fig1.png"]
    assert (tmp_path / "out" / "images" / "CO99001-fig1.png").read_bytes() == png_bytes
    assert "W003" in err  # the image outside the source's folder is not read


# Bad loose records: one folder per case --------------------------------------------------------

BAD_CASES = sorted(p.name for p in BAD.iterdir() if (p / "expected.json").exists())


def test_there_are_at_least_twenty_bad_cases():
    assert len(BAD_CASES) >= 20


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_source_names_the_field_and_writes_nothing(case, tmp_path):
    expected = json.loads((BAD / case / "expected.json").read_text())
    out = tmp_path / "out"
    code, report_text, _ = run(str(BAD / case / expected["source"]), "-o", str(out), "--format", "json")
    assert code == expected["exit_code"]
    (entry,) = json.loads(report_text)["results"]
    assert entry["status"] == "failed"
    where = [(p.get("pointer"), p.get("line")) for p in entry["problems"]]
    assert (expected["pointer"], expected.get("line")) in where
    if "message_contains" in expected:
        assert any(expected["message_contains"] in p["message"] + " " + p.get("hint", "") for p in entry["problems"])
    assert files_in(out) == []


def test_every_problem_of_a_record_is_reported(tmp_path):
    source = tmp_path / "r.json"
    source.write_text(json.dumps({"identifier": "CO 1", "title": "T", "authors": [7], "date": "someday",
                                  "language": "en", "publisher": "RSIS", "colour": "red"}))
    code, out, _ = run(str(source), "-o", str(tmp_path / "out"), "--format", "json")
    pointers = sorted(p["pointer"] for p in json.loads(out)["results"][0]["problems"])
    assert code == 5
    # the identifier's form is reported beside the other problems, not only once the rest is right (issue 19)
    assert pointers == ["/authors/0", "/colour", "/date", "/identifier"]


# Hostile input: a clear error, no traceback, nothing written ------------------------------------

def hostile_sources(tmp_path: Path) -> dict[str, Path]:
    sources = {
        "empty": b"",
        "blank": b" \n\t\n",
        "binary": bytes(range(256)) * 64,
        "bad_utf8.md": b"# Title\n\ncaf\xe9 \xff\xfe\n",
        "bad_utf8_record.json": b'{"title": "caf\xe9"}',
        "page.html": b"<!DOCTYPE html><html><head><title>Weather</title></head><body><nav>Home</nav>"
                     b"<p>Sunny, 31 degrees.</p></body></html>",
        "fake.docx": b"PK\x03\x04 this is not a zip",
        "nul.csv": b"identifier,title\x00\nCO1,\x00\x00\n",
        "deep.json": b"[" * 100000 + b"]" * 100000,
    }
    paths = {}
    for name, data in sources.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    big = tmp_path / "big.json"
    with big.open("wb") as handle:  # 50 MB, sparse: cheap to make, refused before it is read
        handle.truncate(50 * 1024 * 1024)
    paths["big.json"] = big
    return paths


def test_hostile_inputs_each_give_a_clear_error(tmp_path):
    for name, path in hostile_sources(tmp_path).items():
        out = tmp_path / f"out-{name}"
        code, report, err = run(str(path), "-o", str(out), "--format", "json")
        entry = json.loads(report)["results"][0]
        assert code in (4, 5), (name, code, err)
        assert entry["status"] == "failed" and entry["problems"][0]["message"], name
        assert "Traceback" not in report + err and "internal error" not in report + err, name
        assert files_in(out) == [], name
    assert "MiB" in json.dumps(json.loads(run(str(tmp_path / "big.json"), "-o", str(tmp_path / "o"),
                                              "--format", "json")[1]))


def test_hostile_inputs_through_a_real_process(tmp_path):
    paths = hostile_sources(tmp_path)
    done = subprocess.run([sys.executable, "-m", "archiver", "ingest", *map(str, paths.values()), "-o",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    assert done.returncode in (4, 5)
    assert "Traceback" not in done.stdout + done.stderr
    assert f"ingest: 0 ok, {len(paths)} failed" in done.stderr
    assert files_in(tmp_path / "out") == []


def test_missing_source_is_an_input_error(tmp_path):
    code, _, err = run(str(tmp_path / "nope.csv"), "-o", str(tmp_path / "out"))
    assert code == 4 and "no such file" in err


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["ingest", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--from" in result.output


@pytest.fixture
def png_bytes() -> bytes:
    return (ROOT / "samples" / "records" / "images" / "CO24017-fig1.png").read_bytes()


def test_a_reader_bug_is_reported_for_its_source_and_the_batch_carries_on(tmp_path, monkeypatch):
    from archiver.ingest import loosefiles

    def broken(data, name):
        raise KeyError("boom")
    monkeypatch.setattr(loosefiles.JSON, "read", broken)
    (tmp_path / "a.json").write_text("{}")
    code, out, err = run(str(tmp_path / "a.json"), str(SOURCES / "CO24033.md"), "-o", str(tmp_path / "out"),
                         "--format", "json")
    report = json.loads(out)
    assert code == 1 and "Traceback" not in out + err
    assert "internal error: KeyError" in report["results"][0]["problems"][0]["message"]
    assert report["results"][1]["status"] == "ok" and files_in(tmp_path / "out") == ["CO24033.json"]


def test_a_saved_pages_files_folder_is_not_taken_for_sources(tmp_path):
    """A browser's "save page, complete" puts images, style sheets and scripts in NAME_files/."""
    pages = tmp_path / "pages"
    (pages / "CO23081_files").mkdir(parents=True)
    shutil.copy(ROOT / "samples" / "sources" / "CO23081.pagetext.txt", pages)
    for asset in ("logo.png", "photo.jpg", "site.css", "app.js", "font.woff2"):
        (pages / "CO23081_files" / asset).write_bytes(b"\x00asset")
    code, out, err = run(str(pages), "-o", str(tmp_path / "out"), "--format", "json")
    assert code == 0, err
    assert [Path(entry["source"]).name for entry in json.loads(out)["results"]] == ["CO23081.pagetext.txt"]


def test_a_page_saved_complete_brings_its_figure_image(tmp_path):
    """A browser's "Web Page, complete" keeps the images in NAME_files/ beside the page; they are not
    sources of their own, and the figure gets its image."""
    page = Path(__file__).resolve().parent / "data" / "pages" / "CO23081.html"
    png = (ROOT / "samples" / "records" / "images" / "CO24017-fig1.png").read_bytes()
    saved = tmp_path / "saved"
    (saved / "CO23081_files").mkdir(parents=True)
    (saved / "CO23081_files" / "summit.png").write_bytes(png)
    (saved / "CO23081_files" / "style.css").write_text("body {}")
    text = re.sub(r'src="https://www\.rsis\.edu\.sg/[^"]+\.jpg"', 'src="CO23081_files/summit.png"',
                  page.read_text(encoding="utf-8"))
    (saved / "CO23081.html").write_text(text, encoding="utf-8")
    code, _, stderr = run(str(saved), "-o", str(tmp_path / "records"))
    assert code == 0, stderr
    assert files_in(tmp_path / "records") == ["CO23081.json", "images/CO23081-fig1.png"]
    assert (tmp_path / "records" / "images" / "CO23081-fig1.png").read_bytes() == png
    assert "W003" not in stderr
    record = json.loads((tmp_path / "records" / "CO23081.json").read_text(encoding="utf-8"))
    assert '"images/CO23081-fig1.png"' in json.dumps(record)

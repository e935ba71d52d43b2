"""`archiver build` (issue 8): outputs and report, incremental reruns, bad records, shards, a worker
crash, and a SIGKILL in the middle of a run followed by a resume.

The real writers live on other branches, so a tiny fake format defined here is registered in
`archiver.writers.FORMATS`; its renders are logged to a file so a test can tell which records a run
really converted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import archiver
from archiver import batch
from archiver.cli import main
from archiver.record import Record, load
from archiver.writers import FORMATS, Format

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
PYTHON = sys.executable


def render_fake(record: Record, context) -> bytes:
    """A deterministic stand-in writer: slow when FAKE_DELAY is set, crashing for FAKE_CRASH's id."""
    if os.environ.get("FAKE_LOG"):
        with open(os.environ["FAKE_LOG"], "a", encoding="utf-8") as log:
            log.write(record.identifier + "\n")
    if record.identifier == os.environ.get("FAKE_CRASH"):
        os._exit(9)
    marker = os.environ.get("FAKE_CRASH_ONCE_MARKER")
    if marker and record.identifier == os.environ.get("FAKE_CRASH_ONCE") and not os.path.exists(marker):
        Path(marker).write_text("killed")
        os._exit(9)  # once: a worker lost to something else (the OOM killer chose it) while it held this record
    if record.identifier == os.environ.get("FAKE_FAIL"):
        raise RuntimeError("the fake writer trips on this record")
    if record.identifier == os.environ.get("FAKE_SPIN"):
        while True:  # a layout that never ends, as a pathological input could make one
            pass
    time.sleep(float(os.environ.get("FAKE_DELAY", "0")))
    colour = context.style.colours.get("accent", "")
    return f"FAKE {record.identifier} {record.title} {colour}\n".encode("utf-8") * 200


FAKE = Format(name="fake", module=__name__, function="render_fake", filename="{id}.fake",
              media_type="text/plain", description="test stand-in")


@pytest.fixture(autouse=True)
def fake_format(monkeypatch, tmp_path):
    monkeypatch.setitem(FORMATS, "fake", FAKE)
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "renders.log"))
    monkeypatch.delenv("CI", raising=False)


def statuses(report: dict) -> dict[str, str]:
    """source file name -> its record's status in a build's report"""
    return {r["source"].rsplit("/", 1)[-1]: r["status"] for r in report["records"]}


def rendered(tmp_path: Path) -> list[str]:
    log = tmp_path / "renders.log"
    return sorted(log.read_text().split()) if log.exists() else []


def make_records(folder: Path, count: int) -> list[str]:
    """`count` valid records varied from the three samples, with the figure image alongside."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SAMPLES / "images", folder / "images", dirs_exist_ok=True)
    samples = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLES.glob("*.json"))]
    identifiers = []
    for index in range(count):
        data = dict(samples[index % len(samples)])
        data["identifier"] = f"CO9{index:05d}"
        data["title"] = f"{data['title']} (variant {index})"
        (folder / f"{data['identifier']}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        identifiers.append(data["identifier"])
    return identifiers


def build(*args: str) -> tuple[int, str, str, dict]:
    result = CliRunner().invoke(main, ["build", *args], catch_exceptions=False)
    out_dir = Path(args[args.index("-o") + 1])
    reports = sorted(out_dir.glob("report*.json"))
    report = json.loads(reports[-1].read_text()) if reports else {}
    return result.exit_code, result.stdout, result.stderr, report


def entries(out: Path) -> dict[str, dict]:
    """The build state of OUT (unsharded) as {source key: entry}."""
    from archiver.buildstate import BuildState
    state = BuildState(out, "", readonly=True, others=False)
    try:
        return {key: state.entry_here(key) for key in state.keys()}
    finally:
        state.close()


def replace_entries(out: Path, data: dict[str, dict]) -> None:
    """Write `data` as OUT's whole build state (a hand-edited or damaged state)."""
    from archiver.buildstate import BuildState
    state = BuildState(out, "", others=False)
    for key in state.keys():
        state.drop(key)
    for key, entry in data.items():
        state.put(key, entry)
    state.close()


def by_id(report: dict) -> dict[str, dict]:
    return {r["identifier"] or r["source"]: r for r in report["records"]}


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# A first build -----------------------------------------------------------------------------------

def test_build_writes_every_output_with_its_hash_and_a_report(tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr, report = build(str(SAMPLES), "-o", str(out), "--to", "fake", "--jobs", "2")
    assert code == 0, stderr
    records = by_id(report)
    assert sorted(records) == ["CO23081", "CO24017", "CO24102"]
    assert all(r["status"] == "built" for r in records.values())
    assert set(records["CO24017"]["outputs"]) == {
        "CO24017/CO24017.json", "CO24017/CO24017.fake", "CO24017/images/CO24017-fig1.png"}
    for record in records.values():
        for name, digest in record["outputs"].items():
            assert sha(out / name) == digest
    sample = load(SAMPLES / "CO24017.json")
    assert (out / "CO24017" / "CO24017.json").read_text(encoding="utf-8") == sample.dumps()
    assert (out / "CO24017" / "images" / "CO24017-fig1.png").read_bytes() == \
        (SAMPLES / "images" / "CO24017-fig1.png").read_bytes()
    assert (out / "CO24017" / "CO24017.fake").read_bytes().startswith(b"FAKE CO24017 Water, Trade")
    assert "records built        3" in stdout and "failed               0" in stdout
    assert "building" not in stderr  # no progress bar when stderr is not a terminal
    assert not list(out.rglob("*.part"))
    assert rendered(tmp_path) == ["CO23081", "CO24017", "CO24102"]


def test_help_has_an_example():
    result = CliRunner().invoke(main, ["build", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "--shard" in result.output


def _manuscript(folder: Path, png: bytes) -> None:
    """A Markdown manuscript with an embedded figure and a sidecar holding part of its metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chart.png").write_bytes(png)
    (folder / "CO99001.md").write_text("---\ntitle: A Manuscript\nauthors: Alan Chong\n---\n\n"
                                       "Text.\n\n![Rainfall by month](chart.png)\n", encoding="utf-8")
    (folder / "CO99001.json").write_text('{"date": "31 May 2023", "publisher": "RSIS", "language": "en"}',
                                         encoding="utf-8")


def test_a_manuscript_builds_with_its_sidecar_and_embedded_image(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    png = (SAMPLES / "images" / "CO24017-fig1.png").read_bytes()
    _manuscript(src, png)
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0, stderr
    assert [Path(r["source"]).name for r in report["records"]] == ["CO99001.md"]  # the sidecar is no source
    record = load(out / "CO99001" / "CO99001.json")
    assert record.published == "2023-05-31"  # from the sidecar
    assert (out / "CO99001" / "images" / "CO99001-fig1.png").read_bytes() == png
    assert "W003" not in stderr

    (tmp_path / "renders.log").unlink()
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and [r["status"] for r in report["records"]] == ["unchanged"]
    (src / "CO99001.json").write_text('{"date": "1 June 2023", "publisher": "RSIS", "language": "en"}',
                                      encoding="utf-8")
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and [r["status"] for r in report["records"]] == ["built"]
    assert load(out / "CO99001" / "CO99001.json").published == "2023-06-01"  # a sidecar edit rebuilds


def test_a_file_read_beside_a_source_rebuilds_it_when_it_changes_or_appears(tmp_path):
    """A manuscript's image and a saved page's image ("Web Page, complete": NAME_files/) are read from
    beside the source; changing one rebuilds that record only, and so does removing or restoring one.
    A rebuild removes what the earlier build wrote and this one does not, and nothing else."""
    src, out = tmp_path / "src", tmp_path / "out"
    png = (SAMPLES / "images" / "CO24017-fig1.png").read_bytes()
    _manuscript(src, png)
    page = (Path(__file__).resolve().parent / "data" / "pages" / "CO23081.html").read_text(encoding="utf-8")
    page = re.sub(r'src="https://www\.rsis\.edu\.sg/[^"]+\.jpg"', 'src="CO23081_files/summit.png"', page)
    (src / "CO23081_files").mkdir()
    (src / "CO23081_files" / "summit.png").write_bytes(png)
    (src / "CO23081.html").write_text(page, encoding="utf-8")

    def statuses() -> dict[str, str]:
        code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
        assert code == 0, stderr
        return {r["identifier"]: r["status"] for r in report["records"]}

    assert statuses() == {"CO99001": "built", "CO23081": "built"}
    assert (out / "CO23081" / "images" / "CO23081-fig1.png").read_bytes() == png
    assert statuses() == {"CO99001": "unchanged", "CO23081": "unchanged"}
    (src / "chart.png").write_bytes(png + b"changed")
    assert statuses() == {"CO99001": "built", "CO23081": "unchanged"}
    (src / "CO23081_files" / "summit.png").unlink()
    (out / "CO23081" / "librarian-notes.txt").write_text("kept")
    assert statuses() == {"CO99001": "unchanged", "CO23081": "built"}
    # the image the earlier build wrote is gone with its emptied folder; a file archiver did not write stays
    assert names(out / "CO23081") == ["CO23081.fake", "CO23081.json",
                                                                   "librarian-notes.txt"]
    (src / "CO23081_files" / "summit.png").write_bytes(png)
    assert statuses() == {"CO99001": "unchanged", "CO23081": "built"}


# Incremental -------------------------------------------------------------------------------------

def test_a_rerun_with_nothing_changed_converts_nothing_and_rewrites_nothing(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 6)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.parent != out}
    (tmp_path / "renders.log").unlink()
    code, stdout, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0
    assert rendered(tmp_path) == []
    assert [r["status"] for r in report["records"]] == ["unchanged"] * 6
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.parent != out} == before
    assert "unchanged (skipped)  6" in stdout


def _edit_source(src, out, style):
    path = src / "CO900001.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["title"] = "A corrected title"
    path.write_text(json.dumps(data), encoding="utf-8")


def _edit_image(src, out, style):
    (src / "images" / "CO24017-fig1.png").write_bytes(b"\x89PNG not really, but different bytes")


def _edit_style(src, out, style):
    (style / "style.css").write_text("body { color: black }\n", encoding="utf-8")


def _delete_output(src, out, style):
    (out / "CO900002" / "CO900002.fake").unlink()


def _tamper_output(src, out, style):
    with (out / "CO900002" / "CO900002.fake").open("ab") as handle:
        handle.write(b"tampered")


def _bump_version(src, out, style):
    archiver.buildplan.__version__ = "99.0"


ALL = [f"CO9{i:05d}" for i in range(6)]


@pytest.mark.parametrize("change, rebuilt", [
    (_edit_source, ["CO900001"]),
    # CO900001 and CO900004 are variants of CO24017, the sample with the figure image
    (_edit_image, ["CO900001", "CO900004"]),
    (_edit_style, ALL),
    (_delete_output, ["CO900002"]),
    (_tamper_output, ["CO900002"]),
    (_bump_version, ALL),
], ids=["source", "image", "style", "deleted-output", "tampered-output", "archiver-version"])
def test_a_rerun_redoes_exactly_the_records_whose_inputs_changed(tmp_path, monkeypatch, change, rebuilt):
    src, out, style = tmp_path / "src", tmp_path / "out", tmp_path / "style"
    make_records(src, 6)
    shutil.copytree(ROOT / "styles" / "default", style)
    monkeypatch.setattr(archiver.buildplan, "__version__", archiver.buildplan.__version__)
    assert build(str(src), "-o", str(out), "--to", "fake", "--style", str(style))[0] == 0
    (tmp_path / "renders.log").unlink()
    change(src, out, style)
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake", "--style", str(style))
    assert code == 0, stderr
    assert rendered(tmp_path) == rebuilt
    statuses = {r["identifier"]: r["status"] for r in report["records"]}
    assert statuses == {i: "built" if i in rebuilt else "unchanged" for i in ALL}
    for record in report["records"]:
        for name, digest in record["outputs"].items():
            assert sha(out / name) == digest


def test_other_formats_rebuild_every_record_and_drop_the_files_of_formats_left_out(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    monkeypatch.setitem(FORMATS, "fake2", Format("fake2", __name__, "render_fake", "{id}.fake2", "text/plain", "x"))
    (tmp_path / "renders.log").unlink()
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake,fake2")
    assert code == 0
    assert rendered(tmp_path) == sorted(ALL[:3] * 2)
    assert all((out / i / f"{i}.fake2").exists() for i in ALL[:3])
    # a format no longer asked for: its files, which the earlier build wrote, go with the rebuild
    assert build(str(src), "-o", str(out), "--to", "fake2")[0] == 0
    assert names(out / "CO900000") == ["CO900000.fake2", "CO900000.json"]


# Bad records -------------------------------------------------------------------------------------

def test_bad_records_are_reported_with_file_and_reason_and_never_stop_the_others(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    good = make_records(src, 4)
    (src / "broken.json").write_text('{"schema_version": "1.0",\n "identifier": }', encoding="utf-8")
    no_title = json.loads((src / "CO900000.json").read_text(encoding="utf-8"))
    no_title["identifier"] = "COBAD1"
    del no_title["title"]
    (src / "no-title.json").write_text(json.dumps(no_title), encoding="utf-8")
    (src / "latin1.json").write_bytes(b'{"title": "caf\xe9"}')
    (src / "notes.txt").write_text("not a commentary", encoding="utf-8")
    trips = dict(no_title, identifier="COBAD2", title="Trips the writer")
    (src / "trips.json").write_text(json.dumps(trips), encoding="utf-8")
    monkeypatch.setenv("FAKE_FAIL", "COBAD2")
    missing = tmp_path / "gone.json"

    code, stdout, stderr, report = build(str(src), str(missing), "-o", str(out), "--to", "fake")
    assert code != 0
    records = by_id(report)
    assert all(records[i]["status"] == "built" for i in good)
    failed = {r["source"].rsplit("/", 1)[-1]: r for r in report["records"] if r["status"] == "failed"}
    assert sorted(failed) == ["broken.json", "gone.json", "latin1.json", "no-title.json", "notes.txt", "trips.json"]
    assert failed["broken.json"]["errors"][0]["line"] == 2
    assert "not JSON" in failed["broken.json"]["errors"][0]["message"]
    assert any(e.get("pointer") == "/" and "title" in e["message"] for e in failed["no-title.json"]["errors"])
    assert "UTF-8" in failed["latin1.json"]["errors"][0]["message"]
    assert "cannot read" in failed["gone.json"]["errors"][0]["message"]
    assert "not a source archiver recognises" in failed["notes.txt"]["errors"][0]["message"]
    assert "fake writer trips" in failed["trips.json"]["errors"][0]["message"]
    for name in failed:
        assert name in stderr
    # nothing partial for a failed record, not even its canonical JSON
    assert not (out / "COBAD1").exists() and not (out / "COBAD2").exists()
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted([*good, "report.html", "report.json"])
    # a failed source is never claimed: the next run tries it again
    (tmp_path / "renders.log").unlink()
    monkeypatch.delenv("FAKE_FAIL")
    code, _, _, report = build(str(src), str(missing), "-o", str(out), "--to", "fake")
    assert rendered(tmp_path) == ["COBAD2"]
    assert by_id(report)["COBAD2"]["status"] == "built"


def test_a_missing_image_is_a_warning_and_fatal_under_strict(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    shutil.rmtree(src / "images")
    code, stdout, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0
    warned = by_id(report)["CO900001"]
    assert warned["status"] == "built" and [w["code"] for w in warned["warnings"]] == ["W003"]
    assert "images/CO24017-fig1.png" in warned["warnings"][0]["message"]
    assert warned["warnings"][0]["source"].endswith("CO900001.json")

    strict_out = tmp_path / "strict"
    code, _, stderr, report = build(str(src), "-o", str(strict_out), "--to", "fake", "--strict")
    assert code == 3
    assert by_id(report)["CO900001"]["status"] == "failed" and "W003" in stderr
    assert not (strict_out / "CO900001").exists()
    assert by_id(report)["CO900000"]["status"] == "built"


def test_a_writer_warning_reaches_the_report_and_is_fatal_under_strict(tmp_path):
    """The PDF writer meets a character no font of the brand has: the record's warning W010 in
    report.json, not a line lost on stderr; under --strict the record fails and writes nothing."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    path = src / "CO900001.json"
    path.write_text(path.read_text(encoding="utf-8").replace("(variant 1)", "(variant 1, ꦄꦏ)"), encoding="utf-8")
    code, _, _, report = build(str(src), "-o", str(out), "--to", "pdf")
    assert code == 0
    (warning,) = by_id(report)["CO900001"]["warnings"]
    assert warning["code"] == "W010" and "U+A984, U+A98F" in warning["message"]  # Javanese
    assert warning["source"].endswith("CO900001.json")
    assert by_id(report)["CO900000"]["warnings"] == []

    strict_out = tmp_path / "strict"
    code, _, stderr, report = build(str(src), "-o", str(strict_out), "--to", "pdf", "--strict")
    assert code == 3 and "W010" in stderr
    assert by_id(report)["CO900001"]["status"] == "failed" and not (strict_out / "CO900001").exists()
    assert by_id(report)["CO900000"]["status"] == "built"


def test_a_figure_image_that_cannot_be_decoded_is_left_out_of_every_output(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    (src / "images" / "CO24017-fig1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"truncated" * 8)
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0
    (warning,) = by_id(report)["CO900001"]["warnings"]
    assert (warning["code"], warning["pointer"]) == ("W003", "figure fig1") and "cannot be decoded" in warning["message"]
    assert names(out / "CO900001") == ["CO900001.fake", "CO900001.json"]
    # nothing changed: nothing rebuilt; the file replaced by a sound one: that record rebuilt, with it
    (tmp_path / "renders.log").unlink()
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0 and rendered(tmp_path) == []
    shutil.copy(SAMPLES / "images" / "CO24017-fig1.png", src / "images")
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and rendered(tmp_path) == ["CO900001"] and by_id(report)["CO900001"]["warnings"] == []
    assert names(out / "CO900001") == ["CO900001.fake", "CO900001.json", "images"]


def test_sources_taken_for_a_pool_that_broke_meanwhile_stay_queued(monkeypatch):
    """A worker that dies while the parent fills the pool makes the next submit raise: the sources
    taken for that task go back to the queue for the next pool, instead of vanishing from the run
    (a record missing from the report, seen once in CI)."""
    import concurrent.futures as cf
    import concurrent.futures.process  # noqa: F401 - cf.process, which the real pool would import

    from archiver import batch

    class BrokenPool:
        def __init__(self):
            self.submitted = 0

        def submit(self, fn, sources):
            self.submitted += 1
            if self.submitted > 1:
                raise cf.process.BrokenProcessPool("a child process terminated abruptly")
            future = cf.Future()
            future.set_exception(cf.process.BrokenProcessPool("a child process terminated abruptly"))
            return future

        def shutdown(self, wait, cancel_futures):
            pass

    monkeypatch.setattr(batch, "_pool", lambda settings, jobs, work: BrokenPool())
    queue = ["f", "e", "d", "c", "b", "a"]  # popped from the end
    results = list(batch._execute(None, queue, 1, 8))
    taken = [source for source, result in results]
    assert all(result is batch.CRASHED for _, result in results) and len(taken) == 3
    assert sorted(taken + queue) == ["a", "b", "c", "d", "e", "f"] and queue[-1] == "d"


def test_two_sources_with_one_identifier_are_not_both_trusted(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    shutil.copy(src / "CO900000.json", src / "copy-of-CO900000.json")
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 4
    duplicates = [r for r in report["records"] if r["identifier"] == "CO900000"]
    assert sorted(r["status"] for r in duplicates) == ["built", "failed"]
    assert not any("CO900000" in entry["records"] for entry in entries(out).values())


def test_a_worker_that_dies_fails_its_record_and_the_run_completes(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 8)
    monkeypatch.setenv("FAKE_CRASH", "CO900003")
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake", "--jobs", "2")
    assert code == 1
    # only the culprit fails: the others in flight with it are retried, each alone in a fresh worker
    assert statuses(report) == {f"CO9{i:05d}.json": "failed" if i == 3 else "built" for i in range(8)}
    crashed = next(r for r in report["records"] if r["status"] == "failed")
    assert "CO900003.json" in crashed["source"] and "died twice" in crashed["errors"][0]["message"]
    monkeypatch.delenv("FAKE_CRASH")
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and all(r["status"] in ("built", "unchanged") for r in report["records"])


def test_a_record_that_spins_is_ended_by_its_cpu_budget_and_the_batch_completes(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 6)
    monkeypatch.setenv("FAKE_SPIN", "CO900002")
    monkeypatch.setenv("ARCHIVER_MAX_RECORD_CPU_SECONDS", "1")
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake", "--jobs", "2")
    assert code == 1
    assert statuses(report) == {f"CO9{i:05d}.json": "failed" if i == 2 else "built" for i in range(6)}
    spun = next(r for r in report["records"] if r["status"] == "failed")
    message = spun["errors"][0]["message"]
    assert "died twice" in message and "1 s of CPU" in message and "ARCHIVER_MAX_RECORD_CPU_SECONDS" in message
    assert not list(Path.cwd().glob("core*")), "a worker ended at its budget leaves no core file"


def test_a_record_whose_worker_died_once_is_retried_and_built(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 6)
    monkeypatch.setenv("FAKE_CRASH_ONCE", "CO900002")
    monkeypatch.setenv("FAKE_CRASH_ONCE_MARKER", str(tmp_path / "killed-once"))
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake", "--jobs", "2")
    assert (tmp_path / "killed-once").exists()  # a worker really died holding CO900002
    assert code == 0, stderr
    assert report["counts"] == {"built": 6, "unchanged": 0, "failed": 0}
    assert rendered(tmp_path).count("CO900002") == 2  # the lost run, then the retry
    assert (out / "CO900002" / "CO900002.fake").is_file()


# Shards ------------------------------------------------------------------------------------------

def test_shards_split_the_sources_deterministically_and_merge(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_records(Path("src"), 30)
    sources = batch.discover(["src"], Path("out"))
    parts = [[s.key for s in sources if batch.Shard(k, 3).holds(s)] for k in (1, 2, 3)]
    assert sorted(sum(parts, [])) == [s.key for s in sources]
    assert all(parts), "every shard gets some of 30 sources"
    # stable across processes and machines: a plain SHA-256 of the path as given
    expected = [k for k in (s.key for s in sources)
                if int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big") % 3 == 1]
    assert parts[1] == expected

    for k in (1, 2, 3):
        code, _, _, report = build("src", "-o", "out", "--to", "fake", "--shard", f"{k}/3")
        assert code == 0 and report["shard"] == f"{k}/3"
        assert sorted(r["source"] for r in report["records"]) == parts[k - 1]
    assert sorted(p.name for p in Path("out").glob("report*.json")) == \
        ["report-1-of-3.json", "report-2-of-3.json", "report-3-of-3.json"]
    (tmp_path / "renders.log").unlink()
    code, _, _, report = build("src", "-o", "out", "--to", "fake")
    assert code == 0 and report["counts"] == {"built": 0, "unchanged": 30, "failed": 0}


@pytest.mark.parametrize("spec", ["0/3", "4/3", "x", "1/0", "1-3"])
def test_a_bad_shard_spec_is_a_usage_error(tmp_path, spec):
    code, _, stderr, _ = build(str(SAMPLES), "-o", str(tmp_path / "out"), "--shard", spec)
    assert code == 2 and "--shard" in stderr
    assert not (tmp_path / "out").exists()


# SIGKILL and resume ------------------------------------------------------------------------------

DRIVER = textwrap.dedent("""\
    import sys
    sys.path.insert(0, {tests!r})
    from archiver.writers import FORMATS
    from test_build import FAKE
    FORMATS["fake"] = FAKE
    from archiver.cli import main
    main(["build", *sys.argv[1:]], prog_name="archiver")
""")


def start_build(tmp_path: Path, src: Path, out: Path, delay: float, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    """`archiver build SRC -o OUT --to fake --jobs 2` in a process group of its own, each fake render
    taking `delay` seconds, so a test can signal the whole run."""
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests=str(Path(__file__).parent)), encoding="utf-8")
    env = {**os.environ, "FAKE_DELAY": str(delay), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([PYTHON, str(driver), str(src), "-o", str(out), "--to", "fake", "--jobs", "2"],
                            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=stderr, text=True)


def wait_for_outputs(out: Path, count: int) -> None:
    """Until the run has written `count` fake outputs (at most 30 s), so a signal falls mid-run."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(list(out.glob("*/*.fake"))) < count:
        time.sleep(0.01)


def claimed_identifiers(out: Path) -> set[str]:
    """The identifiers OUT's state claims, once each claimed file is checked to hold its digest."""
    claimed: set[str] = set()
    for entry in entries(out).values():
        for identifier, record in entry["records"].items():
            for name, digest in record["outputs"].items():
                assert sha(out / name) == digest, f"the state claims an incomplete {name}"
            claimed.add(identifier)
    return claimed


def test_sigkill_leaves_nothing_that_looks_complete_and_the_rerun_finishes_the_rest(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    identifiers = make_records(src, 30)
    proc = start_build(tmp_path, src, out, delay=0.08)
    # Kill once the state has claimed some records (the first commit of a built record comes about
    # 0.25 s after the first record; a run takes about 1.2 s), so the resume must both trust the claims
    # and redo the rest.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not ((out / ".archiver-state.sqlite").exists() and entries(out)):
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run: the parent and its workers
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    expected = {}
    for identifier in identifiers:
        record = load(src / f"{identifier}.json")
        expected[f"{identifier}/{identifier}.json"] = record.dumps().encode("utf-8")
        expected[f"{identifier}/{identifier}.fake"] = render_fake(record, _Context())
    present = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert 0 < len([p for p in present if p.suffix == ".fake"]) < 30, "killed mid-run"
    for path in present:
        name = path.relative_to(out).as_posix()
        if name.startswith("images/") or "/images/" in name:
            assert path.read_bytes() == (src / "images" / path.name).read_bytes()
        else:
            assert path.read_bytes() == expected[name], f"{name} is truncated or wrong"
    claimed = claimed_identifiers(out)
    assert 0 < len(claimed) < 30

    (tmp_path / "renders.log").unlink()
    rerun = subprocess.run(proc.args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           capture_output=True, text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads((out / "report.json").read_text())
    assert {r["identifier"]: r["status"] for r in report["records"]} == \
        {i: "unchanged" if i in claimed else "built" for i in identifiers}
    assert rendered(tmp_path) == sorted(set(identifiers) - claimed)
    for name, data in expected.items():
        assert (out / name).read_bytes() == data
    assert not list(out.rglob("*.part")), "temporaries of the killed run are cleared"


def test_workers_die_with_a_sigkilled_parent(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 20)
    proc = start_build(tmp_path, src, out, delay=0.5)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [int(pid) for pid in children.read_text().split()]
        time.sleep(0.02)
    assert len(workers) == 2
    proc.kill()  # the parent only
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.05)
    alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text()]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == [], "workers outlived their killed parent"


class _Context:
    class style:
        colours = json.loads((ROOT / "styles" / "default" / "style.json").read_text())["colours"]


def test_a_damaged_state_means_a_rebuild_never_a_wrong_skip(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    data = entries(out)
    first, second = sorted(data)[:2]
    data[first]["records"] = ["not", "a", "mapping"]
    data[second]["records"]["CO900001"]["outputs"] = None
    replace_entries(out, data)
    (tmp_path / "renders.log").unlink()
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and rendered(tmp_path) == ["CO900000", "CO900001"]
    (out / ".archiver-state.sqlite").write_bytes(b"not a database" * 100)
    (tmp_path / "renders.log").unlink()
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert rendered(tmp_path) == ALL[:3]


def test_a_json_manifest_of_archiver_0_1_is_migrated_and_its_damage_rebuilds(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    data = entries(out)
    data[sorted(data)[0]]["records"] = ["not", "a", "mapping"]
    (out / ".archiver-state.sqlite").unlink()
    (out / ".archiver-manifest.json").write_text(json.dumps({"manifest_version": 2, "sources": data}))
    (tmp_path / "renders.log").unlink()
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0 and rendered(tmp_path) == ["CO900000"]
    assert [r["status"] for r in report["records"]] == ["built", "unchanged", "unchanged"]
    assert not (out / ".archiver-manifest.json").exists() and sorted(entries(out)) == sorted(data)


def test_a_hand_edited_manifest_cannot_make_a_rebuild_remove_other_files(tmp_path):
    """Stale outputs are removed only inside the rebuilt record's own folder."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    data = entries(out)
    entry = data[str(src / "CO900000.json")]
    entry["records"]["CO900000"]["outputs"].update({"CO900000/../../victim.txt": "0" * 64,
                                                    "CO900000/../CO900001/CO900001.json": "0" * 64})
    entry["sha256"] = "0" * 64  # so the record is rebuilt
    replace_entries(out, data)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert victim.read_text() == "mine" and (out / "CO900001" / "CO900001.json").is_file()
    # a folder named as an output is left, and the run goes on
    entry = entries(out)[str(src / "CO900001.json")]
    entry["records"]["CO900001"]["outputs"]["CO900001/images"] = "0" * 64
    entry["sha256"] = "0" * 64
    replace_entries(out, {str(src / "CO900001.json"): entry})
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert (out / "CO900001" / "images" / "CO24017-fig1.png").is_file()


def _change_identifier(src: Path, old: str, new: str) -> None:
    path = src / f"{old}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["identifier"] = new
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_corrected_identifier_leaves_no_record_under_the_old_one(tmp_path):
    """`archiver package out/*` would otherwise deposit the record twice, once under each identifier."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    (out / "CO900002" / "librarian-notes.txt").write_text("mine")
    _change_identifier(src, "CO900001", "CO900011")
    _change_identifier(src, "CO900002", "CO900012")
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "CO900000", "CO900002", "CO900011", "CO900012", "report.html", "report.json"]
    # only what archiver wrote goes; a folder holding a file of someone else's stays, with that file
    assert names(out / "CO900002") == ["librarian-notes.txt"]
    assert load(out / "CO900011" / "CO900011.json").identifier == "CO900011"
    assert sorted(by_id(report)) == ["CO900000", "CO900011", "CO900012"]


def test_identifiers_swapped_between_two_sources_keep_both_records(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    _change_identifier(src, "CO900000", "SWAP")
    _change_identifier(src, "CO900001", "CO900000")
    _change_identifier(src, "CO900000", "CO900001")  # CO900000.json, now named SWAP, becomes CO900001
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    for identifier in ("CO900000", "CO900001"):
        assert load(out / identifier / f"{identifier}.json").identifier == identifier
        assert (out / identifier / f"{identifier}.fake").is_file()


def test_an_old_identifier_a_new_source_takes_over_keeps_its_files(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    shutil.copy(src / "CO900001.json", src / "CO900001-copy.json")  # the same record, so the same bytes
    _change_identifier(src, "CO900001", "CO900011")
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    for identifier in ("CO900001", "CO900011"):
        assert names(out / identifier) == [
            f"{identifier}.fake", f"{identifier}.json", "images"]


def test_an_old_identifier_another_build_has_rewritten_is_left_alone(tmp_path):
    """Its record is no longer the one this source's earlier build wrote (another shard or a convert
    run wrote it since), so none of its files are this build's to remove."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    record = out / "CO900001" / "CO900001.json"
    record.write_text(record.read_text(encoding="utf-8").replace("variant 1", "variant one"), encoding="utf-8")
    _change_identifier(src, "CO900001", "CO900011")
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert names(out / "CO900001") == ["CO900001.fake", "CO900001.json", "images"]


def test_an_old_identifier_another_source_still_claims_is_left_alone(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    # a second source (built in another run, into the same OUT) takes over CO900001
    other = tmp_path / "other"
    make_records(other, 2)
    (other / "CO900000.json").unlink()
    _change_identifier(src, "CO900001", "CO900011")
    assert build(str(other), "-o", str(out), "--to", "fake", "--shard", "1/1")[0] == 0
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert names(out / "CO900001") == ["CO900001.fake", "CO900001.json", "images"]


def test_a_hand_edited_manifest_cannot_make_an_old_identifier_remove_files_outside_out(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 1)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    record = tmp_path / "victim.json"  # OUT/../victim/../victim.json, the "record" of identifier ../victim
    record.write_text("mine")
    (tmp_path / "victim").mkdir()
    notes = tmp_path / "victim" / "notes.txt"
    notes.write_text("mine too")
    data = entries(out)
    entry = data[str(src / "CO900000.json")]
    entry["records"]["../victim"] = {"outputs": {"../victim/../victim.json": sha(record),
                                                 "../victim/notes.txt": sha(notes)}}
    entry["sha256"] = "0" * 64  # so the source is rebuilt and "../victim" looks superseded
    replace_entries(out, data)
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert record.read_text() == "mine" and notes.read_text() == "mine too"


def test_a_record_whose_outputs_cannot_all_be_written_leaves_none_of_them(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 3)
    # a folder where CO900001's image should go: the record JSON is written first, then the image fails
    (out / "CO900001" / "images" / "CO24017-fig1.png").mkdir(parents=True)
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 6
    failed = by_id(report)["CO900001"]
    assert failed["status"] == "failed" and "cannot write the outputs of CO900001" in failed["errors"][0]["message"]
    assert sorted(p.name for p in (out / "CO900001").rglob("*")) == ["CO24017-fig1.png", "images"]
    assert by_id(report)["CO900002"]["status"] == "built"


def test_a_writer_that_cannot_be_loaded_fails_each_record_with_the_reason(tmp_path, monkeypatch):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    monkeypatch.setitem(FORMATS, "fake", Format("fake", "archiver.writers.no_such_writer", "render",
                                                 "{id}.fake", "text/plain", "x"))
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
    assert code == 6
    assert [r["status"] for r in report["records"]] == ["failed", "failed"]
    assert "the fake writer cannot be loaded: ModuleNotFoundError" in stderr
    assert not any(out.glob("CO9*"))


def test_ctrl_c_stops_promptly_and_claims_every_record_already_done(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 200)  # 10 s of fake work on 2 workers: a loaded machine still interrupts it midway
    proc = start_build(tmp_path, src, out, delay=0.1, stderr=subprocess.PIPE)
    wait_for_outputs(out, 4)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends: the parent and its workers
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in stderr
    # These claims come from the state committed on the way out (and the time-based commits before).
    # Of the 4+ records written, at most one per worker may still have been on its way to the parent.
    assert 2 <= len(claimed_identifiers(out)) < 200


def test_ctrl_c_that_reaches_only_the_workers_still_ends_the_run_as_interrupted(tmp_path):
    # A SIGINT the parent does not see (sent to the workers alone, or raised inside one of the
    # parent's finalizers, where Python drops it): the workers stop building, so the run must not
    # carry on and end "successfully" without the sources they gave back unbuilt.
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 200)
    proc = start_build(tmp_path, src, out, delay=0.1, stderr=subprocess.PIPE)
    wait_for_outputs(out, 4)
    workers = [int(pid) for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    assert len(workers) == 2
    for worker in workers:
        os.kill(worker, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in stderr
    assert 2 <= len(claimed_identifiers(out)) < 200
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")  # the rerun does the rest
    assert code == 0, stderr
    assert report["counts"]["built"] + report["counts"]["unchanged"] == 200


def test_images_hidden_files_and_the_output_folder_are_not_sources(tmp_path):
    src = tmp_path / "src"
    make_records(src, 2)
    (src / ".DS_Store").write_bytes(b"\0\0")
    out = src / "out"  # the output folder inside the source folder
    for _ in range(2):
        code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake")
        assert code == 0, stderr
        assert sorted(r["source"].rsplit("/", 1)[-1] for r in report["records"]) == ["CO900000.json", "CO900001.json"]
    assert report["counts"] == {"built": 0, "unchanged": 2, "failed": 0}


def needs_doi(record: Record, style) -> str | None:
    return None if record.links and record.links.doi else "the record has no DOI"


def render_doi_only(record: Record, context) -> bytes:
    """Like the Crossref writer: refuses a record without a DOI."""
    from archiver.errors import ConversionError
    if needs_doi(record, context.style):
        raise ConversionError(f"{record.identifier}: no deposit without a DOI")
    return record.links.doi.encode("ascii")


def test_a_format_whose_precondition_fails_is_skipped_from_a_group_and_an_error_when_named(tmp_path, monkeypatch):
    src = tmp_path / "src"
    make_records(src, 3)  # only CO900001 (a variant of CO24017) has a DOI
    monkeypatch.setitem(FORMATS, "doi-only", Format("doi-only", __name__, "render_doi_only", "{id}.doi", "text/plain",
                                                    "x", precondition="needs_doi"))
    monkeypatch.setitem(archiver.writers.GROUPS, "both", ("fake", "doi-only"))
    code, _, _, report = build(str(src), "-o", str(tmp_path / "grouped"), "--to", "both")
    assert code == 0
    records = by_id(report)
    assert all(r["status"] == "built" for r in records.values())
    assert "CO900001/CO900001.doi" in records["CO900001"]["outputs"]
    assert "CO900000/CO900000.doi" not in records["CO900000"]["outputs"]
    assert [(w["code"], w["message"]) for w in records["CO900000"]["warnings"]] == \
        [("W009", "doi-only not written: the record has no DOI")]

    code, _, stderr, report = build(str(src), "-o", str(tmp_path / "named"), "--to", "fake,doi-only")
    assert code != 0
    assert {i: r["status"] for i, r in by_id(report).items()} == \
        {"CO900000": "failed", "CO900001": "built", "CO900002": "failed"}
    assert "CO900000: no deposit without a DOI" in stderr


def test_a_rebuild_clears_only_the_temporaries_older_than_the_run(tmp_path):
    """A killed run's temporaries go; one written during this run (another worker writing the same
    folder for a source that gives the same identifier) is not pulled from under its writer."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 1)
    old, current = out / "CO900000" / ".CO900000.json.old.part", out / "CO900000" / ".CO900000.json.now.part"
    old.parent.mkdir(parents=True)
    old.write_text("killed run")
    current.write_text("another worker of this run")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    os.utime(current, (time.time() + 3600, time.time() + 3600))
    assert build(str(src), "-o", str(out), "--to", "fake")[0] == 0
    assert not old.exists() and current.read_text() == "another worker of this run"


# Durable without an fsync per file ----------------------------------------------------------------

def test_the_state_claims_a_record_only_after_its_files_are_synced_once(tmp_path, monkeypatch):
    """A worker syncs the files of a task's records once, after all are renamed into place and before
    it reports them; the parent puts a record into the state only from that report. The order is
    logged to one file by the workers (forked, so they carry the patch) and the parent alike."""
    from archiver.buildstate import BuildState
    from archiver.cli import build as build_command, common

    log = tmp_path / "order.log"

    def note(line: str) -> None:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    monkeypatch.setattr(build_command, "sync_files", lambda paths: (
        note("sync " + " ".join(sorted(p.relative_to(tmp_path / "out").as_posix() for p in paths))),
        common.sync_files(paths)))
    put = BuildState.put
    monkeypatch.setattr(BuildState, "put", lambda self, key, entry: (note(f"put {key}"), put(self, key, entry))[1])
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 12)
    code, _, stderr, report = build(str(src), "-o", str(out), "--to", "fake", "--jobs", "1")
    assert code == 0, stderr
    events = log.read_text(encoding="utf-8").splitlines()
    syncs = [i for i, line in enumerate(events) if line.startswith("sync ")]
    assert len(syncs) < len(report["records"])  # one sync for the records of a task, not one each
    for record in report["records"]:
        identifier, source = record["identifier"], record["source"]
        synced = [i for i in syncs if f" {identifier}/" in events[i]]
        assert len(synced) == 1  # one sync for all of the record's files
        assert set(record["outputs"]) <= set(events[synced[0]].split()[1:])
        assert events.index(f"put {source}") > synced[0]


def test_without_syncfs_each_file_and_its_folders_are_fsynced(tmp_path, monkeypatch):
    from archiver.cli import common

    folder = tmp_path / "out" / "CO1" / "images"
    common.write_unsynced(folder / "a.png", b"a")
    common.write_unsynced(folder.parent / "CO1.json", b"{}")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(common, "_syncfs", lambda: None)
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.readlink(f"/proc/self/fd/{fd}")) or real_fsync(fd))
    common.sync_files([folder / "a.png", folder.parent / "CO1.json"])
    expected = [folder / "a.png", folder.parent / "CO1.json", folder, folder.parent, folder.parent.parent]
    assert synced == [str(path) for path in expected]


def test_a_failed_sync_fails_the_record_and_leaves_none_of_its_files(tmp_path, monkeypatch):
    from archiver.cli import build as build_command

    def broken(paths):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(build_command, "sync_files", broken)
    src, out = tmp_path / "src", tmp_path / "out"
    make_records(src, 2)
    code, _, _, report = build(str(src), "-o", str(out), "--to", "fake", "--jobs", "1")
    assert code != 0 and all(r["status"] == "failed" for r in report["records"])
    assert "Input/output error" in report["records"][0]["errors"][0]["message"]
    assert not [p for p in out.rglob("*") if p.is_file() and not p.name.startswith((".", "report"))]
    assert entries(out) == {}


def test_discovery_keeps_names_only_and_walks_as_before(tmp_path, monkeypatch):
    """Discovery by `os.scandir`: the keys are the paths relative to the working folder (absolute
    outside it); hidden folders and files, images and OUT are left out; a symlinked file is a source
    under its own name, a symlinked folder is not entered, and a file inside OUT reached through a
    symlink is no source; a file named twice is one source."""
    work = tmp_path / "work"
    make_records(work / "src", 2)
    (work / "src" / ".hidden").mkdir()
    (work / "src" / ".hidden" / "CO1.json").write_text("{}")
    (work / "src" / "images").mkdir(exist_ok=True)
    (work / "src" / "images" / "x.png").write_bytes(b"\x89PNG")
    (work / "src" / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(work / "src" / "CO900000.json", work / "src" / "nested" / "deeper" / "CO2.json")
    (work / "src" / "link.json").symlink_to(work / "src" / "CO900001.json")
    (work / "src" / "looped").symlink_to(work / "src", target_is_directory=True)
    (work / "out").mkdir()
    (work / "out" / "built.json").write_text("{}")
    (work / "src" / "into-out.json").symlink_to(work / "out" / "built.json")
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    monkeypatch.chdir(work)
    sources = batch.discover(["src", "src/CO900000.json", "./src/nested/", str(outside)], Path("out"))
    assert [s.key for s in sources] == [outside.as_posix(), "src/CO900000.json", "src/CO900001.json",
                                        "src/link.json", "src/nested/deeper/CO2.json"]
    assert all(s.path.is_file() and s.where is None for s in sources)


def test_a_task_of_several_sources_fails_only_the_one_that_raises_and_ctrl_c_hands_back_what_is_built(
        monkeypatch):
    """A pool task builds a few sources (`build_sources`): a reader's bug is that source's result
    only, and Ctrl-C ends the task with the results built so far (their files synced, so the parent
    claims them), after which the worker builds nothing more. The files of a task are synced once."""
    import types

    from archiver import buildworker

    built, synced = [], []

    def fake_build(source, unsynced):
        if source == "bug":
            raise RuntimeError("a reader's bug")
        if source == "ctrl-c":
            raise KeyboardInterrupt
        built.append(source)
        unsynced.append(Path(f"{source}.pdf"))
        return source

    monkeypatch.setattr(buildworker, "build_source", fake_build)
    monkeypatch.setattr(buildworker, "_interrupted", False)
    monkeypatch.setattr(buildworker, "_settings", types.SimpleNamespace(sync=lambda paths: synced.append(list(paths))))
    first = buildworker.build_sources(["a", "bug", "b"])
    assert first[0] == "a" and isinstance(first[1], RuntimeError) and first[2] == "b"
    interrupted = buildworker.build_sources(["c", "ctrl-c", "d"])
    assert interrupted[0] == "c" and [type(r) for r in interrupted[1:]] == [buildworker.Unbuilt] * 2
    later = buildworker.build_sources(["e"])
    assert [type(r) for r in later] == [buildworker.Unbuilt] and built == ["a", "b", "c"]
    assert synced == [[Path("a.pdf"), Path("b.pdf")], [Path("c.pdf")]]


def test_ctrl_c_between_two_tasks_is_kept_for_the_next_one(monkeypatch):
    """Raised while the worker waits for its next task, KeyboardInterrupt would end the process in
    the executor's loop (taken for a crash: the run would rebuild in a fresh pool); the worker's
    handler only remembers it there, and the next task builds nothing."""
    from archiver import buildworker

    monkeypatch.setattr(buildworker, "build_source", lambda source, unsynced: source)
    monkeypatch.setattr(buildworker, "_interrupted", False)
    buildworker._on_interrupt(signal.SIGINT, None)  # between tasks: no exception
    assert [type(r) for r in buildworker.build_sources(["a"])] == [buildworker.Unbuilt]
    monkeypatch.setattr(buildworker, "_building", True)
    with pytest.raises(KeyboardInterrupt):
        buildworker._on_interrupt(signal.SIGINT, None)


def test_output_paths_stay_inside_the_output_folder(tmp_path):
    from archiver.buildworker import _output_paths
    from archiver.errors import UsageError

    out = (tmp_path / "out").resolve()
    (out / "CO1").mkdir(parents=True)
    paths = _output_paths(out, "CO1", ["CO1.pdf", "images/fig.png"])
    assert paths == {"CO1.pdf": out / "CO1" / "CO1.pdf", "images/fig.png": out / "CO1" / "images" / "fig.png"}
    with pytest.raises(UsageError, match="refusing to write outside"):
        _output_paths(out, "CO1", ["../../escaped.pdf"])
    (tmp_path / "elsewhere").mkdir()
    (out / "CO2").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    with pytest.raises(UsageError, match="refusing to write outside"):
        _output_paths(out, "CO2", ["CO2.pdf"])

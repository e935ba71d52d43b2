"""Hostile and careless input (issue 19): bounded reads, clean exit codes with file and pointer or
line, values that are what they say. Each case runs archiver in its own process with a time and an
address-space limit (tests/hostile.py), so a read that blocks or grows fails the test."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from hostile import ROOT, invoke, no_bug, run, tree

SAMPLES = ROOT / "samples" / "records"
SPARSE = 3 << 30  # a 3 GB file that takes no disk: its size is holes


@pytest.fixture
def record_folder(tmp_path) -> Path:
    """A copy of samples/records/CO24017.json with its figure image."""
    folder = tmp_path / "records"
    (folder / "images").mkdir(parents=True)
    shutil.copy(SAMPLES / "CO24017.json", folder)
    shutil.copy(SAMPLES / "images" / "CO24017-fig1.png", folder / "images")
    return folder


def record_data() -> dict:
    return json.loads((SAMPLES / "CO24017.json").read_text(encoding="utf-8"))


def write_record(folder: Path, data: dict | str, name: str = "CO24017.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int = SPARSE) -> Path:
    with open(path, "wb") as handle:  # what `truncate -s 3G` does
        handle.truncate(size)
    return path


# 1. Bounded reads: FIFOs, devices and sparse files, in every command ---------------------------------

SPECIAL = ["fifo", "dev-zero", "dev-urandom", "sparse-3GB"]


def special(kind: str, path: Path) -> Path:
    if kind == "fifo":
        return fifo(path)
    if kind == "sparse-3GB":
        return sparse(path)
    return Path("/dev/zero" if kind == "dev-zero" else "/dev/urandom")


@pytest.mark.parametrize("kind", SPECIAL)
def test_ingest_refuses_a_special_or_huge_source(tmp_path, kind):
    source = special(kind, tmp_path / "source.json")
    result = run("ingest", str(source), "-o", str(tmp_path / "out"), timeout=60)
    assert result.code == 4, result.output
    assert str(source) in result.stderr
    assert ("not a regular file" in result.stderr) if kind != "sparse-3GB" else ("larger than the 32 MiB" in result.stderr)
    assert result.peak_mib < 400, result.peak_mib
    assert tree(tmp_path / "out") == []


@pytest.mark.parametrize("kind", SPECIAL)
def test_convert_and_validate_refuse_a_special_or_huge_record(tmp_path, kind):
    record = special(kind, tmp_path / "CO24017.json")
    for command in (["convert", str(record), "-o", str(tmp_path / "out")], ["validate", str(record)]):
        result = run(*command, timeout=60)
        assert result.code == 4, result.output
        assert str(record) in result.stderr and ("regular file" in result.stderr or "larger than" in result.stderr)
        assert result.peak_mib < 400, result.peak_mib
    assert tree(tmp_path / "out") == []


@pytest.mark.parametrize("kind", SPECIAL)
def test_build_refuses_a_special_or_huge_source_and_builds_the_others(tmp_path, kind, record_folder):
    source = special(kind, tmp_path / "bad.json")
    result = run("build", str(record_folder / "CO24017.json"), str(source), "-o", str(tmp_path / "out"),
                 "--to", "jats", "--jobs", "1", timeout=120)
    assert result.code == 4, result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    statuses = {entry["source"].rsplit("/", 1)[-1]: entry["status"] for entry in report["records"]}
    assert statuses == {"CO24017.json": "built", source.name: "failed"}
    assert result.peak_mib < 600, result.peak_mib


@pytest.mark.parametrize("kind", ["fifo", "sparse-3GB", "folder"])
def test_a_figure_image_that_is_special_or_huge_is_left_out_with_w003(record_folder, tmp_path, kind):
    image = record_folder / "images" / "CO24017-fig1.png"
    image.unlink()
    if kind == "folder":
        image.mkdir()
    else:
        special(kind, image)
    for command in (["convert", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"), "--to", "jats,epub"],
                    ["build", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "built"), "--to", "jats,epub",
                     "--jobs", "1"]):
        result = run(*command, timeout=120)
        assert result.code == 0, result.output
        report = tmp_path / "built" / "report.json"  # build reports warnings there, convert on stderr
        said = report.read_text(encoding="utf-8") if command[0] == "build" else result.stderr
        assert "W003" in said and "images/CO24017-fig1.png" in said
        assert result.peak_mib < 600, result.peak_mib
    assert not (tmp_path / "out" / "CO24017" / "images").exists()


def test_a_sidecar_or_image_beside_a_manuscript_that_is_a_fifo_is_refused(tmp_path):
    shutil.copy(ROOT / "samples" / "sources" / "CO24033.md", tmp_path)
    fifo(tmp_path / "CO24033.json")
    result = run("ingest", str(tmp_path / "CO24033.md"), "-o", str(tmp_path / "out"), timeout=60)
    no_bug(result)
    assert result.code == 4 and "CO24033.json" in result.stderr and "FIFO" in result.stderr
    assert tree(tmp_path / "out") == []


def test_a_byte_limit_is_configurable_and_counted_on_what_is_read(tmp_path, record_folder):
    record = record_folder / "CO24017.json"
    small = {"ARCHIVER_MAX_RECORD_BYTES": "1KiB"}
    result = invoke("validate", str(record), env=small)
    assert result.code == 4 and "larger than the 1 KiB" in result.stderr and "ARCHIVER_MAX_RECORD_BYTES" in result.stderr
    assert invoke("validate", str(record), env={"ARCHIVER_MAX_RECORD_BYTES": "1MiB"}).code == 0
    bad = invoke("validate", str(record), env={"ARCHIVER_MAX_RECORD_BYTES": "lots"})
    assert bad.code == 2 and "ARCHIVER_MAX_RECORD_BYTES" in bad.stderr


@pytest.mark.parametrize("kind", ["fifo", "sparse-3GB", "binary"])
def test_verify_refuses_a_special_huge_or_binary_manifest(tmp_path, kind):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "a.txt").write_text("a", encoding="utf-8")
    manifest = folder / "manifest-sha256.txt"
    if kind == "binary":
        manifest.write_bytes(bytes(range(256)) * 8)
    else:
        special(kind, manifest)
    result = run("verify", str(folder), timeout=60)
    no_bug(result)
    assert result.code == 7 and "manifest-sha256.txt" in result.stderr
    assert {"fifo": "FIFO", "sparse-3GB": "larger than the 64 MiB", "binary": "not UTF-8"}[kind] in result.stderr
    assert result.peak_mib < 400


@pytest.mark.parametrize("kind", ["fifo", "sparse-3GB"])
def test_verify_refuses_a_special_or_huge_ocfl_inventory(converted, tmp_path, kind):
    store = tmp_path / "store"
    assert run("package", str(converted / "CO24017"), "--format", "ocfl", "-o", str(store)).code == 0
    inventory = next(store.rglob("inventory.json"))
    inventory.unlink()
    special(kind, inventory)
    result = run("verify", str(store), timeout=60)
    no_bug(result)
    assert result.code == 7 and "inventory.json" in result.stderr


# 2. Exit 1 only for real bugs --------------------------------------------------------------------------

def deep_json(levels: int) -> str:
    """CO24017 with a quote nested `levels` deep (each quote is two JSON levels: object and list)."""
    text = json.dumps(record_data())
    inner = '{"type": "paragraph", "content": ["x"]}'
    deep = '{"type": "quote", "blocks": [' * levels + inner + "]}" * levels
    return text.replace('"blocks": [', '"blocks": [' + deep + ", ", 1)


@pytest.mark.parametrize("levels", [40, 1000, 100_000])
def test_a_record_nested_too_deeply_is_exit_5_with_its_place(tmp_path, levels):
    record = write_record(tmp_path / "records", deep_json(levels))
    for command in (["validate", str(record)], ["convert", str(record), "-o", str(tmp_path / "out")]):
        result = invoke(*command)
        no_bug(result)
        assert result.code == 5, result.output
        assert "nested more than 64 levels deep" in result.stderr and str(record) in result.stderr
        assert "/body/blocks/0/blocks/0" in result.stderr or f"{record}:1" in result.stderr


def test_a_record_within_the_depth_limit_converts_to_every_format(tmp_path, record_folder):
    write_record(record_folder, deep_json(28))
    result = invoke("convert", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.output


def test_a_loose_source_nested_too_deeply_names_its_line(tmp_path):
    source = tmp_path / "deep.json"
    source.write_text('{"identifier": "X1", "title": "T",\n "body": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    result = invoke("ingest", str(source), "-o", str(tmp_path / "out"))
    no_bug(result)
    assert result.code in (4, 5) and f"{source}:2" in result.stderr and "nested more than" in result.stderr
    yaml_source = tmp_path / "deep.yaml"
    yaml_source.write_text("identifier: X1\nbody: " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    result = invoke("ingest", str(yaml_source), "-o", str(tmp_path / "out"))
    no_bug(result)
    assert result.code == 4 and f"{yaml_source}:2" in result.stderr and "nested more than" in result.stderr


LOOSE = "identifier: CO99001\ntitle: A title\nauthors: Jane Doe\npublisher: RSIS\nlanguage: en\n"


@pytest.mark.parametrize("published, expected", [
    ("2023-02-30", "'2023-02-30' is not a real calendar date"),
    ("0000-01-01", "'0000-01-01' is not a real calendar date"),
    ("2023-05-31T25:99:99+99:99", "has a time of day that does not exist"),
    ("2023-05-31 24:00:00", "has a time of day that does not exist"),
])
def test_an_impossible_yaml_date_is_exit_5_with_its_pointer(tmp_path, published, expected):
    source = tmp_path / "loose.yaml"
    source.write_text(LOOSE + f"published: {published}\n", encoding="utf-8")
    result = invoke("ingest", str(source), "-o", str(tmp_path / "out"))
    no_bug(result)
    assert result.code == 5 and f"{source} /published" in result.stderr and expected in result.stderr
    assert tree(tmp_path / "out") == []


def test_a_real_unquoted_yaml_timestamp_is_still_read(tmp_path):
    source = tmp_path / "loose.yaml"
    source.write_text(LOOSE + "published: 2023-05-31T10:00:00+08:00\n", encoding="utf-8")
    assert invoke("ingest", str(source), "-o", str(tmp_path / "out")).code == 0
    assert json.loads((tmp_path / "out" / "CO99001.json").read_text(encoding="utf-8"))["published"] == "2023-05-31"


@pytest.mark.parametrize("suffix, text, line", [
    ("json", '{"identifier": "CO99001",\n "title": %s}', 2),
    ("yaml", "identifier: CO99001\ntitle: %s\n", 2),
])
def test_a_5000_digit_number_is_refused_with_its_line(tmp_path, suffix, text, line):
    source = tmp_path / f"loose.{suffix}"
    source.write_text(text % ("9" * 5000), encoding="utf-8")
    result = invoke("ingest", str(source), "-o", str(tmp_path / "out"))
    no_bug(result)
    assert result.code == 4 and f"{source}:{line}" in result.stderr and "a number of 5,000 digits" in result.stderr


def test_a_5000_digit_number_in_a_record_is_exit_5(tmp_path):
    data = json.dumps(record_data()).replace('"schema_version": "1.0"', '"schema_version": "1.0", "x": ' + "1" * 5000, 1)
    record = write_record(tmp_path, data)
    result = invoke("validate", str(record))
    no_bug(result)
    assert result.code == 5 and "a number of 5,000 digits" in result.stderr


@pytest.mark.parametrize("target, expected", [
    ("/dev/null", "is not a folder"),
    ("/proc/archiver-out", "cannot write into /proc"),
    ("/proc/1/archiver-out", "cannot write into /proc/1"),
    ("/sys/archiver-out", "cannot write into /sys"),
    ("FILE", "is a file"),
])
@pytest.mark.parametrize("command", ["ingest", "convert", "build", "package"])
def test_an_output_folder_that_cannot_be_written_is_a_usage_error(tmp_path, record_folder, converted, command,
                                                                   target, expected):
    if target == "FILE":
        target = str(tmp_path / "a-file")
        Path(target).write_text("x", encoding="utf-8")
    source = str(converted / "CO24017") if command == "package" else str(record_folder / "CO24017.json")
    extra = ["--format", "bagit"] if command == "package" else []
    result = invoke(command, source, "-o", target, *extra)
    no_bug(result)
    assert result.code == 2 and expected in result.stderr and target in result.stderr


def test_a_read_only_output_folder_is_a_usage_error(tmp_path, record_folder):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: a mode cannot make a folder read-only (/proc and /sys cover it)")
        result = invoke("convert", str(record_folder / "CO24017.json"), "-o", str(locked / "out"))
        assert result.code == 2 and "cannot write into" in result.stderr
    finally:
        locked.chmod(0o755)


def test_a_million_invalid_csv_rows_stop_after_the_problem_limit_in_bounded_time(tmp_path):
    source = tmp_path / "rows.csv"
    with open(source, "w", encoding="utf-8") as handle:
        handle.write("identifier,title,published\n")
        handle.writelines(f"X{index},T,not a date\n" for index in range(1_000_000))
    started = time.monotonic()
    result = run("ingest", str(source), "-o", str(tmp_path / "out"), "--format", "json", timeout=60)
    elapsed = time.monotonic() - started
    no_bug(result)
    assert result.code == 5
    problems = json.loads(result.stdout)["results"][0]["problems"]
    # checking stops at the problem limit; the report then groups them (issue 15 point 5): the first
    # few of each kind, then a line counting the rest
    assert 3 <= len(problems) <= 260
    assert any("the same in" in p["message"] and "more record(s)" in p["message"] for p in problems)
    assert "stopped after" in problems[-1]["message"] and "more record(s) not checked" in problems[-1]["message"]
    assert elapsed < 45 and result.peak_mib < 600, (elapsed, result.peak_mib)


def test_a_50_mb_record_is_refused_before_any_work(tmp_path):
    data = record_data()
    data["body"]["blocks"] = [{"type": "paragraph", "content": ["word " * 10_000]} for _ in range(1000)]
    record = write_record(tmp_path, data)
    assert record.stat().st_size > 50_000_000
    started = time.monotonic()
    result = run("convert", str(record), "-o", str(tmp_path / "out"), "--to", "pdf")
    assert result.code == 4 and "larger than the 32 MiB" in result.stderr
    assert time.monotonic() - started < 20 and result.peak_mib < 400


# 2b. The documented limits on a record's size -------------------------------------------------------

def table(columns: int, rows: int = 1, cell: str = "c") -> dict:
    return {"type": "table", "id": "t1", "rows": [[[cell]] * columns for _ in range(rows)]}


@pytest.mark.parametrize("blocks, pointer, expected, variable", [
    ([table(101)], "/body/blocks/0/rows/0", "the row has 101 cells", "ARCHIVER_MAX_TABLE_COLUMNS"),
    ([table(2, 10_001)], "/body/blocks/0/rows", "the table has 10,001 rows", "ARCHIVER_MAX_TABLE_ROWS"),
    ([table(2, 1, "x" * 20_001)], "/body/blocks/0/rows/0/0", "the cell holds 20,001 characters", "ARCHIVER_MAX_CELL_TEXT"),
    ([{"type": "paragraph", "content": ["p"]}] * 20_001, "/body", "the body has 20,00", "ARCHIVER_MAX_BLOCKS"),
    ([{"type": "paragraph", "content": ["x" * 4_000_001]}], "/body", "4,000,001 characters", "ARCHIVER_MAX_TEXT"),
])
def test_each_record_limit_is_exit_5_with_its_pointer_and_configurable(tmp_path, blocks, pointer, expected, variable):
    data = record_data()
    data["body"] = {"blocks": blocks}
    record = write_record(tmp_path, data)
    result = invoke("validate", str(record))
    assert result.code == 5, result.output
    assert f"{record} {pointer}:" in result.stderr and expected in result.stderr and variable in result.stderr
    assert invoke("validate", str(record), env={variable: "100000000"}).code == 0


# 3. Values are what they say -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinities_are_refused_in_sources_and_records(tmp_path, value):
    source = tmp_path / "loose.json"
    source.write_text('{"identifier": "CO99001",\n "title": %s}' % value, encoding="utf-8")
    result = invoke("ingest", str(source), "-o", str(tmp_path / "out"))
    assert result.code == 4 and f"{source}:2" in result.stderr, result.output
    record = write_record(tmp_path, json.dumps(record_data()).replace('"title": ', f'"title": {value}, "x": ', 1))
    result = invoke("validate", str(record))
    assert result.code == 5 and f"{record}:1" in result.stderr, result.output


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_yaml_nan_and_infinities_are_refused(tmp_path, value):
    source = tmp_path / "loose.yaml"
    source.write_text(LOOSE.replace("title: A title", f"title: {value}") + "published: 2023-05-31\n", encoding="utf-8")
    result = invoke("ingest", str(source), "-o", str(tmp_path / "out"))
    no_bug(result)
    assert result.code == 4 and f"{source}:2" in result.stderr and "NaN or infinite" in result.stderr


@pytest.mark.parametrize("published", ["0000-01-01", "0000", "2023-02-30", "2023-13", "2023-00-10"])
def test_an_impossible_date_in_a_record_is_exit_5(tmp_path, published):
    data = record_data()
    data["published"] = published
    record = write_record(tmp_path, data)
    result = invoke("validate", str(record))
    assert result.code == 5 and f"{record} /published" in result.stderr, result.output


@pytest.mark.parametrize("command, option", [(command, option) for command in ("convert", "build")
                                             for option in (["--to", ""], ["--to", ",,,"], ["--to", " , "])]
                         + [("build", ["--shard", ""])])
def test_an_empty_format_or_shard_list_is_a_usage_error(tmp_path, record_folder, command, option):
    result = invoke(command, str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"), *option)
    assert result.code == 2, result.output
    assert option[0] in result.stderr
    assert tree(tmp_path / "out") == []


def test_an_empty_entry_in_a_format_list_names_nothing(tmp_path, record_folder):
    result = invoke("convert", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"), "--to", "jats,,ris,")
    assert result.code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out" / "CO24017").iterdir() if p.is_file()) == \
        ["CO24017.json", "CO24017.ris", "CO24017.xml"]


def test_warnings_of_a_converted_record_name_its_file(record_folder, tmp_path):
    (record_folder / "images" / "CO24017-fig1.png").unlink()
    result = invoke("convert", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"), "--to", "jats")
    assert result.code == 0 and f"{record_folder / 'CO24017.json'} figure fig1: warning W003" in result.stderr
    assert "<input>" not in result.stderr


def test_a_hostile_identifier_in_a_sidecar_is_named_when_another_field_fails_too(tmp_path):
    text = (ROOT / "samples" / "sources" / "CO24033.md").read_text(encoding="utf-8")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("identifier:", "date:"))) + "\n"
    (tmp_path / "CO24033.md").write_text(text, encoding="utf-8")
    (tmp_path / "CO24033.json").write_text('{"identifier": "../../evil", "published": "2023-02-30"}', encoding="utf-8")
    result = invoke("ingest", str(tmp_path / "CO24033.md"), "-o", str(tmp_path / "out"))
    assert result.code == 5
    assert "/identifier" in result.stderr and "../../evil" in result.stderr and "/published" in result.stderr
    assert tree(tmp_path / "out") == []


@pytest.mark.parametrize("twist, expected", [
    ("number", "a number of 5,000 digits"), ("nan", "NaN is not a JSON value"), ("deep", "nested more than 64")])
def test_build_refuses_hostile_json_records_with_their_line(tmp_path, twist, expected):
    text = json.dumps(record_data())
    text = {"number": text.replace('"title": ', '"x": %s, "title": ' % ("7" * 5000), 1),
            "nan": text.replace('"title": ', '"x": NaN, "title": ', 1), "deep": deep_json(2000)}[twist]
    record = write_record(tmp_path / "records", text)
    result = run("build", str(record), "-o", str(tmp_path / "out"), "--to", "jats", "--jobs", "1")
    no_bug(result)
    assert result.code == 5 and expected in result.stderr and f"{record.name}:1" in result.stderr.replace(str(tmp_path), "")


def test_the_readme_documents_every_limit_with_its_default_and_variable():
    from archiver.limits import BYTE_LIMITS, ENVIRONMENT, RECORD_LIMITS, TIME_LIMITS, describe
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Limits"):readme.index("## The record")]
    for name, variable in ENVIRONMENT.items():
        default = (describe(BYTE_LIMITS[name]) if name in BYTE_LIMITS else f"{TIME_LIMITS[name]:,} s"
                   if name in TIME_LIMITS else f"{RECORD_LIMITS[name]:,}")
        row = next(line for line in section.splitlines() if f"`{variable}`" in line)
        assert default in row, (variable, default, row)


@pytest.mark.parametrize("text, expected", [
    ("2024/02/02", "2024-02-02"), ("2023-05-31T23:59:60Z", "2023-05-31"), ("2023-05-31 10:00", "2023-05-31"),
    ("2023-05-31T10:00:00+14:00", "2023-05-31"), ("2023-05-31T10:00:00-0530", "2023-05-31")])
def test_real_dates_and_times_are_still_read(text, expected):
    from archiver.normalize import parse_date
    assert parse_date(text)[0] == expected


@pytest.mark.parametrize("text", ["2023-05-31T24:00", "2023-05-31T10:60", "2023-05-31T10:00:61",
                                  "2023-05-31T10:00+15:00", "2023-05-31T10:00+10:75", "0000-01-01", "2023-02-29"])
def test_impossible_dates_and_times_are_refused(text):
    from archiver.normalize import parse_date
    with pytest.raises(ValueError, match="does not exist|not a real calendar date"):
        parse_date(text)


def _jpeg_header(width: int, height: int) -> bytes:
    """A JPEG's start, an APP0 segment and a baseline frame header (SOF0) declaring width x height."""
    import struct
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


@pytest.mark.parametrize("data, kind", [
    (_jpeg_header(60_000, 60_000), "JPEG of 60000x60000"),
    (b"GIF89a" + (6_000).to_bytes(2, "little") * 2 + b"\x00\x00\x00" + b"," + b"\x00" * 4
     + (6_000).to_bytes(2, "little") * 2 + b"\x00\x02\x02\x44\x01\x00;", "GIF of 6000x6000"),
    (_jpeg_header(0, 10), "JPEG of 0x10"),
])
def test_an_image_is_refused_by_its_header_before_anything_is_decoded(data, kind):
    from archiver.images import ImageDamaged, check
    started = time.monotonic()
    with pytest.raises(ImageDamaged, match=f"{kind} pixels: empty, or over the 25,000,000 pixels"):
        check(data)
    assert time.monotonic() - started < 1


def test_the_pixel_limit_is_configurable(monkeypatch):
    from archiver.images import ImageDamaged, dimensions
    assert dimensions(_jpeg_header(3000, 2000)) == ("JPEG", 3000, 2000)
    monkeypatch.setenv("ARCHIVER_MAX_PIXELS", "1000000")
    with pytest.raises(ImageDamaged, match="ARCHIVER_MAX_PIXELS"):
        dimensions(_jpeg_header(3000, 2000))


def test_an_unrecognised_image_is_named_the_same_way_every_time():
    from archiver.images import ImageDamaged, check
    with pytest.raises(ImageDamaged, match="^not an image file Pillow recognises$"):
        check(b"GIF87a but not really an image")


def test_a_style_file_that_is_a_fifo_is_refused(tmp_path, record_folder):
    style = tmp_path / "brand"
    shutil.copytree(ROOT / "styles" / "default", style)
    (style / "epub.css").unlink()
    fifo(style / "epub.css")
    result = run("convert", str(record_folder / "CO24017.json"), "-o", str(tmp_path / "out"), "--to", "epub",
                 "--style", str(style), timeout=60)
    no_bug(result)
    assert result.code in (2, 6) and "epub.css" in result.stderr and "FIFO" in result.stderr


@pytest.mark.parametrize("variable, value", [("ARCHIVER_MAX_SOURCE_BYTES", "lots"),
                                             ("ARCHIVER_MAX_RECORD_CPU_SECONDS", "0")])
@pytest.mark.parametrize("command", ["build", "ingest"])
def test_a_limit_variable_that_is_no_size_is_one_usage_error_before_any_source(tmp_path, command, variable, value):
    result = run(command, str(ROOT / "samples" / "sources"), "-o", str(tmp_path / "out"), env={variable: value})
    no_bug(result)
    assert result.code == 2 and result.stderr.count(f"{variable}={value!r}") == 1
    assert not (tmp_path / "out").exists()

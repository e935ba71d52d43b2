"""The CLI contract: command names, help with examples, the exit-code table in help and README,
lazy imports, and `python -m archiver`."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import COMMANDS, SHORT_HELP, main
from archiver.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_with_an_example_and_short_help():
    runner = CliRunner()
    assert set(SHORT_HELP) == set(COMMANDS)
    for name in COMMANDS:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Example:" in result.output, name
        assert f"archiver {name}" in result.output, name


def test_every_command_is_in_the_readme():
    for name in COMMANDS:
        assert re.search(rf"archiver {name}\b", README), f"README does not show `archiver {name}`"


def test_exit_code_table_in_help_and_readme():
    result = CliRunner().invoke(main, ["--help"])
    for code, meaning in EXIT_CODES.items():
        assert f"{code}  {meaning}" in result.output
        assert f"| {code} | {meaning.replace('--strict', '`--strict`')} |" in README


def test_unknown_command_and_format_are_usage_errors(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2
    sample = ROOT / "samples" / "records" / "CO23081.json"
    result = runner.invoke(main, ["convert", str(sample), "-o", str(tmp_path), "--to", "docx"])
    assert result.exit_code == 2 and "unknown format 'docx'" in result.output
    assert not any(tmp_path.iterdir())


def test_unknown_style_is_a_usage_error(tmp_path):
    sample = ROOT / "samples" / "records" / "CO23081.json"
    result = CliRunner().invoke(main, ["convert", str(sample), "-o", str(tmp_path), "--style", "nope"])
    assert result.exit_code == 2 and "unknown style 'nope'" in result.output


def test_help_imports_no_heavy_library_and_python_dash_m_works():
    code = ("import sys; from archiver.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('lxml', 'jsonschema', 'reportlab', 'pikepdf', 'pypandoc', 'citeproc',\n"
            "                     'fastjsonschema', 'datacite', 'requests', 'sqlite3') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    result = subprocess.run([sys.executable, "-m", "archiver", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "archiver" in result.stdout


def test_validate_imports_no_network_client_and_no_writer():
    """`archiver validate` of a valid record loads the record schema's validator and nothing of the
    writers or the network (issue 21.3): a network client has no business in checking a file."""
    record = ROOT / "samples" / "records" / "CO24017.json"
    code = ("import sys; from archiver.cli import main\n"
            f"try:\n    main(['validate', {str(record)!r}, '-q'])\n"
            "except SystemExit as done:\n    assert not done.code\n"
            "loaded = [m for m in ('requests', 'urllib3', 'httpx', 'http.client', 'urllib.request', 'socket', 'ssl',\n"
            "                      'lxml', 'reportlab', 'pikepdf', 'citeproc', 'jsonschema', 'datacite')\n"
            "          if m in sys.modules]\n"
            "print('LOADED', loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "LOADED []" in out


def test_warning_codes_are_in_the_readme():
    from archiver.errors import WARNING_CODES

    for code, meaning in WARNING_CODES.items():
        assert f"| {code} | {meaning} |" in README


def test_convert_again_removes_the_images_the_record_no_longer_names(tmp_path):
    """A stateless command still must not leave an image in OUT/<id>/ that `archiver package` would
    deposit with a record that dropped it; the librarian's own files stay."""
    src, out = tmp_path / "src", tmp_path / "out"
    shutil.copytree(ROOT / "samples" / "records" / "images", src / "images")
    record = json.loads((ROOT / "samples" / "records" / "CO24017.json").read_text(encoding="utf-8"))
    (src / "CO24017.json").write_text(json.dumps(record), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["convert", str(src / "CO24017.json"), "-o", str(out), "--to", "ris"]).exit_code == 0
    folder = out / "CO24017"
    assert (folder / "images" / "CO24017-fig1.png").is_file()
    (folder / "notes.txt").write_text("mine")

    text = (src / "CO24017.json").read_text(encoding="utf-8")
    (src / "CO24017.json").write_text(text.replace('"image": "images/CO24017-fig1.png", ', ""), encoding="utf-8")
    result = runner.invoke(main, ["convert", str(src / "CO24017.json"), "-o", str(out), "--to", "ris"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == ["CO24017.json", "CO24017.ris", "notes.txt"]


def test_convert_removes_nothing_when_the_earlier_record_in_out_is_not_one_it_wrote(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    folder = out / "CO24017"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "CO24017-fig1.png").write_bytes(b"a librarian's scan")
    (folder / "CO24017.json").write_text('{"identifier": "CO24017", "not": "a valid record"}', encoding="utf-8")
    record = json.loads((ROOT / "samples" / "records" / "CO24102.json").read_text(encoding="utf-8"))
    record["identifier"] = "CO24017"
    (src / "CO24017.json").parent.mkdir(parents=True)
    (src / "CO24017.json").write_text(json.dumps(record), encoding="utf-8")
    result = CliRunner().invoke(main, ["convert", str(src / "CO24017.json"), "-o", str(out), "--to", "ris"])
    assert result.exit_code == 0, result.output
    assert (folder / "images" / "CO24017-fig1.png").read_bytes() == b"a librarian's scan"


def test_convert_leaves_out_a_figure_image_that_cannot_be_decoded(tmp_path):
    """A PNG in its first bytes only: warning W003 with the reason, and no output carries the file."""
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "images").mkdir(parents=True)
    (src / "images" / "CO24017-fig1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"truncated" * 8)
    shutil.copy(ROOT / "samples" / "records" / "CO24017.json", src)
    result = CliRunner().invoke(main, ["convert", str(src / "CO24017.json"), "-o", str(out), "--to", "epub,pdf",
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.stdout)["results"]
    (warning,) = entry["warnings"]
    assert (warning["code"], warning["pointer"]) == ("W003", "figure fig1")
    assert "cannot be decoded (PNG is truncated or has no header)" in warning["message"]  # its header, read first
    assert entry["outputs"] == ["CO24017.epub", "CO24017.json", "CO24017.pdf"]
    assert not (out / "CO24017" / "images").exists()
    result = CliRunner().invoke(main, ["convert", str(src / "CO24017.json"), "-o", str(out), "--to", "pdf", "--strict"])
    assert result.exit_code == 3 and "warning W003" in result.output


@pytest.mark.parametrize("args", [["formats"], ["cite", "samples/records/CO23081.json", "--to", "bibtex"],
                                  ["validate", "samples/records/CO23081.json", "--format", "json"]])
def test_a_closed_standard_output_is_a_quiet_exit_141_not_a_bug(args):
    import os
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before archiver writes: every write is EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "archiver", *args], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    finally:
        os.close(write_end)
    assert result.returncode == 141 and result.stderr == "", (result.returncode, result.stderr)


def test_a_usage_error_names_its_option_and_no_made_up_place(tmp_path):
    result = CliRunner().invoke(main, ["build", str(ROOT / "samples" / "records"), "-o", str(tmp_path), "--shard", "3/2"])
    assert result.exit_code == 2
    assert result.output.startswith("error: --shard '3/2': ") and "<input>" not in result.output

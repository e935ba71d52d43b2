"""The CLI contract: command names, help with examples, the exit-code table in help and README,
lazy imports, and `python -m archiver`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

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
            "heavy = [m for m in ('lxml', 'jsonschema', 'reportlab', 'pikepdf', 'pypandoc', 'citeproc') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    result = subprocess.run([sys.executable, "-m", "archiver", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "archiver" in result.stdout


def test_warning_codes_are_in_the_readme():
    from archiver.errors import WARNING_CODES

    for code, meaning in WARNING_CODES.items():
        assert f"| {code} | {meaning} |" in README

"""`archiver verify`: fixity of bags, OCFL objects and storage roots, METS packages and build
manifests; every changed, missing or extra file is named and the exit status is 7."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import main

from zips import rezip

ENV = {"SOURCE_DATE_EPOCH": "1700000000"}


def run(*args: str):
    return CliRunner().invoke(main, list(args), env=ENV)


def make(converted: Path, fmt: str, dest: Path) -> Path:
    result = run("package", str(converted / "CO24017"), str(converted / "CO23081"), "--format", fmt, "-o", str(dest))
    assert result.exit_code == 0, result.output
    return {"bagit": dest / "CO24017", "mets": dest / "CO24017", "saf": dest / "saf", "ocfl": dest}[fmt]


def payload_file(package: Path, fmt: str) -> Path:
    if fmt == "ocfl":
        return next(package.rglob("CO24017/v1/content/CO24017.pdf"))
    return {"bagit": package / "data" / "CO24017.pdf", "mets": package / "CO24017.pdf",
            "saf": package / "CO24017" / "CO24017.pdf"}[fmt]


FORMATS = ["bagit", "mets", "saf", "ocfl"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_intact_package_verifies(converted, tmp_path, fmt):
    package = make(converted, fmt, tmp_path / "pkg")
    result = run("verify", str(package), "--format", "json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["ok"] and report["checked"] >= 12 and report["problems"] == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_changed_file_is_named(converted, tmp_path, fmt):
    package = make(converted, fmt, tmp_path / "pkg")
    target = payload_file(package, fmt)
    damaged = bytearray(target.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit, as bit rot does
    target.write_bytes(bytes(damaged))
    result = run("verify", str(package))
    assert result.exit_code == 7
    assert "changed" in result.output and "CO24017.pdf" in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_file_is_named(converted, tmp_path, fmt):
    package = make(converted, fmt, tmp_path / "pkg")
    payload_file(package, fmt).unlink()
    result = run("verify", str(package))
    assert result.exit_code == 7
    assert "missing" in result.output and "CO24017.pdf" in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_extra_file_is_named(converted, tmp_path, fmt):
    package = make(converted, fmt, tmp_path / "pkg")
    (payload_file(package, fmt).parent / "smuggled.exe").write_bytes(b"MZ")
    result = run("verify", str(package))
    assert result.exit_code == 7
    assert "extra" in result.output and "smuggled.exe" in result.output


def test_a_tampered_tag_file_is_named(converted, tmp_path):
    bag = make(converted, "bagit", tmp_path / "pkg")
    info = bag / "bag-info.txt"
    info.write_text(info.read_text().replace("CO24017", "CO99999"))
    result = run("verify", str(bag))
    assert result.exit_code == 7
    assert "changed tag file bag-info.txt" in result.output


def test_every_problem_is_reported_not_only_the_first(converted, tmp_path):
    bag = make(converted, "bagit", tmp_path / "pkg")
    (bag / "data" / "CO24017.pdf").unlink()
    (bag / "data" / "CO24017.ris").write_text("changed")
    (bag / "data" / "new.txt").write_text("extra")
    result = run("verify", str(bag), "--format", "json")
    assert result.exit_code == 7
    messages = " ".join(p["message"] for p in json.loads(result.output)[0]["problems"])
    assert "missing payload file data/CO24017.pdf" in messages
    assert "changed payload file data/CO24017.ris" in messages
    assert "extra payload file data/new.txt" in messages


def test_an_ocfl_object_folder_can_be_verified_on_its_own(converted, tmp_path):
    root = make(converted, "ocfl", tmp_path / "store")
    object_dir = next(root.rglob("0=ocfl_object_1.1")).parent
    assert run("verify", str(object_dir)).exit_code == 0
    (object_dir / "v1" / "content" / "stray.bin").write_bytes(b"x")
    result = run("verify", str(object_dir))
    assert result.exit_code == 7 and "extra content file v1/content/stray.bin" in result.output


def test_an_unknown_folder_is_not_passed(tmp_path):
    result = run("verify", str(tmp_path))
    assert result.exit_code == 7
    assert "not a package archiver can check" in result.output


def test_several_paths_exit_non_zero_if_any_fails(converted, tmp_path):
    good = make(converted, "bagit", tmp_path / "a")
    bad = make(converted, "mets", tmp_path / "b")
    (bad / "CO24017.json").write_text("{}")
    result = run("verify", str(good), str(bad))
    assert result.exit_code == 7
    assert f"{good}: bagit" in result.output and "ok" in result.output


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hidden_extra_file_is_named_too(converted, tmp_path, fmt):
    package = make(converted, fmt, tmp_path / "pkg")
    (payload_file(package, fmt).parent / ".hidden").write_bytes(b"x")
    result = run("verify", str(package))
    assert result.exit_code == 7 and ".hidden" in result.output


# The SAF batch zip, which is what goes to DSpace ---------------------------------------------------

def test_an_intact_saf_zip_verifies_against_its_batch_folder(converted, tmp_path):
    make(converted, "saf", tmp_path / "pkg")
    result = run("verify", str(tmp_path / "pkg" / "saf.zip"), "--format", "json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    with zipfile.ZipFile(tmp_path / "pkg" / "saf.zip") as archive:
        assert report["kind"] == "saf-zip" and report["checked"] == len(archive.namelist())


def test_a_saf_zip_without_its_batch_folder_is_checked_on_its_own(converted, tmp_path):
    make(converted, "saf", tmp_path / "pkg")
    moved = tmp_path / "elsewhere" / "batch.zip"
    moved.parent.mkdir()
    (tmp_path / "pkg" / "saf.zip").rename(moved)
    result = run("verify", str(moved))
    assert result.exit_code == 0, result.output
    assert "no batch folder" in result.output  # says that only CRC-32 and layout were checked


def test_a_flipped_bit_in_a_saf_zip_is_named(converted, tmp_path):
    make(converted, "saf", tmp_path / "pkg")
    path = tmp_path / "pkg" / "saf.zip"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("CO24017/CO24017.pdf")  # stored, so its bytes lie in the zip as they are
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size // 2
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))
    result = run("verify", str(path))
    assert result.exit_code == 7
    assert "CO24017/CO24017.pdf" in result.output and "CRC-32" in result.output


@pytest.mark.parametrize("change, expected", [
    (lambda e: {**e, "CO24017/CO24017.ris": b"TY  - GEN\nER  - \n"}, "changed entry CO24017/CO24017.ris"),
    (lambda e: {n: d for n, d in e.items() if n != "CO24017/CO24017.epub"}, "missing entry CO24017/CO24017.epub"),
    (lambda e: {**e, "CO24017/smuggled.exe": b"MZ"}, "extra entry CO24017/smuggled.exe"),
    (lambda e: {**e, "CO24017/smuggled.exe": b"MZ"}, "CO24017/smuggled.exe is not named in CO24017/contents"),
    (lambda e: {f"batch/{n}": d for n, d in e.items()}, "not <item>/<file>"),
    (lambda e: {**e, "../evil.txt": b"x"}, "not <item>/<file>"),
    (lambda e: {n: d for n, d in e.items() if n != "CO23081/dublin_core.xml"}, "CO23081 has no dublin_core.xml"),
    (lambda e: {n: d for n, d in e.items() if n != "CO23081/contents"}, "CO23081 has no contents file"),
    (lambda e: {n: d for n, d in e.items() if n != "CO23081/CO23081.pdf"},
     "CO23081/contents:"),
])
def test_a_damaged_saf_zip_is_named(converted, tmp_path, change, expected):
    make(converted, "saf", tmp_path / "pkg")
    rezip(tmp_path / "pkg" / "saf.zip", tmp_path / "pkg" / "saf.zip", change)
    result = run("verify", str(tmp_path / "pkg" / "saf.zip"))
    assert result.exit_code == 7
    assert expected in result.output, result.output


def test_a_truncated_zip_is_a_clean_failure(converted, tmp_path):
    make(converted, "saf", tmp_path / "pkg")
    path = tmp_path / "pkg" / "saf.zip"
    path.write_bytes(path.read_bytes()[:-200])
    result = run("verify", str(path))
    assert result.exit_code == 7 and "Traceback" not in result.output
    assert "not a readable zip" in result.output


def test_deposit_imports_run_one_way():
    """fixity.py serves the packagers and imports none of them; verify.py dispatches to the packagers
    and none of them imports it (issue 16 point 7): the deposit modules' imports form no circle."""
    import ast

    folder = Path(__file__).resolve().parent.parent / "archiver" / "deposit"
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names.update([node.module] if node.module else [alias.name for alias in node.names])
        graph[path.stem] = {name for name in names if (folder / f"{name}.py").is_file()}
    assert graph["fixity"] == set()
    assert not [name for name, imports in graph.items() if "verify" in imports]

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))
    assert [name for name in graph if reaches(name, name, set())] == []

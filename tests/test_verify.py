"""`archiver verify`: fixity of bags, OCFL objects and storage roots, METS packages and build
manifests; every changed, missing or extra file is named and the exit status is 7."""

from __future__ import annotations

import json
import os
import shutil
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


# One negative case per rule (issue 19 point 5) ------------------------------------------------------

def _retag(bag: Path) -> None:
    """Recompute the tag manifests after a deliberate change, so only the rule under test fires."""
    import hashlib
    for manifest in bag.glob("tagmanifest-*.txt"):
        algorithm = manifest.stem.split("-", 1)[1]
        lines = []
        for line in manifest.read_text(encoding="utf-8").splitlines():
            name = line.split("  ", 1)[1]
            if (bag / name).is_file():
                lines.append(f"{hashlib.new(algorithm, (bag / name).read_bytes()).hexdigest()}  {name}\n")
        manifest.write_text("".join(lines), encoding="utf-8")


def _fetch(bag: Path, text: str) -> None:
    (bag / "fetch.txt").write_text(text, encoding="utf-8")


def _drop_line(path: Path, containing: str) -> None:
    path.write_text("".join(line for line in path.read_text(encoding="utf-8").splitlines(True)
                            if containing not in line), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


BAG_RULES = [  # (RFC 8493 section, change, expected message)
    ("2.1.1 bagit.txt exists", lambda b: (b / "bagit.txt").unlink(), "bag declaration bagit.txt is missing"),
    ("2.1.1 two lines", lambda b: ((b / "bagit.txt").write_text("BagIt-Version: one\nTag-File-Character-Encoding: UTF-8\n"),
                                    _retag(b)), "is not the two lines"),
    ("2.1.1 nothing more", lambda b: (_append(b / "bagit.txt", "Extra: line\n"), _retag(b)), "is not the two lines"),
    ("2.1.2 data/", lambda b: shutil.rmtree(b / "data"), "no payload folder data/"),
    ("2.1.3 a payload manifest", lambda b: [m.unlink() for m in b.glob("manifest-*.txt")], "no payload manifest"),
    ("2.1.3 line form", lambda b: (_append(b / "manifest-sha256.txt", "not-hex data/x\n"), _retag(b)),
     "not a `digest  path` line"),
    ("2.1.3 no path outside", lambda b: (_append(b / "manifest-sha256.txt", "ab" * 32 + "  ../outside.txt\n"),
                                         _retag(b)), "leaves the package"),
    ("2.1.3 payload only", lambda b: (_append(b / "manifest-sha256.txt", "ab" * 32 + "  bag-info.txt\n"), _retag(b)),
     "payload manifest lists bag-info.txt, which is not in data/"),
    ("2.1.3 every file in every manifest", lambda b: (_drop_line(b / "manifest-sha512.txt", "CO24017.ris"), _retag(b)),
     "extra payload file data/CO24017.ris (not in manifest-sha512.txt)"),
    ("2.1.3 checksum matches", lambda b: _append(b / "data" / "CO24017.ris", "x"), "changed payload file data/CO24017.ris"),
    ("2.1.3 listed file present", lambda b: (b / "data" / "CO24017.ris").unlink(), "missing payload file data/CO24017.ris"),
    ("2.2.1 tag manifest lists no payload", lambda b: _append(b / "tagmanifest-sha256.txt", "ab" * 32 + "  data/CO24017.ris\n"),
     "tag manifest lists payload file data/CO24017.ris"),
    ("2.2.1 tag checksum matches", lambda b: _append(b / "bag-info.txt", "Contact-Name: x\n"), "changed tag file bag-info.txt"),
    ("2.2.2 Label: value lines", lambda b: (_append(b / "bag-info.txt", "no colon on this line\n"), _retag(b)),
     "not a `Label: value` line"),
    ("2.2.2 Payload-Oxum", lambda b: ((b / "bag-info.txt").write_text(
        (b / "bag-info.txt").read_text(encoding="utf-8").replace("Payload-Oxum: ", "Payload-Oxum: 1"), encoding="utf-8"),
        _retag(b)), "Payload-Oxum"),
    ("2.2.3 fetch line form", lambda b: _fetch(b, "not a fetch line\n"), "not a `URL LENGTH FILEPATH` line"),
    ("2.2.3 fetched file in every manifest", lambda b: _fetch(b, "https://example.org/x 10 data/unlisted.txt\n"),
     "which no payload manifest lists"),
    ("2.2.3 payload files only", lambda b: _fetch(b, "https://example.org/x 10 bag-info.txt\n"), "not a payload file under data/"),
    ("3 complete: fetched", lambda b: ((b / "data" / "CO24017.ris").unlink(),
                                      _fetch(b, "https://user:s3cret-pw@example.org/ris - data/CO24017.ris\n")),
     "data/CO24017.ris is still to be fetched from https://example.org/ris"),
    ("2.4 algorithm", lambda b: (b / "manifest-sha256.txt").rename(b / "manifest-crc7.txt"), "names the algorithm 'crc7'"),
    ("payload holds regular files", lambda b: os.mkfifo(b / "data" / "pipe"), "is a FIFO (named pipe), not a regular file"),
    ("payload holds no links", lambda b: (b / "data" / "passwd").symlink_to("/etc/passwd"), "is a symbolic link"),
]


@pytest.mark.parametrize("rule, change, expected", BAG_RULES, ids=[rule for rule, *_ in BAG_RULES])
def test_each_bagit_rule_bites(converted, tmp_path, rule, change, expected):
    bag = make(converted, "bagit", tmp_path / "pkg")
    change(bag)
    result = run("verify", str(bag))
    assert result.exit_code == 7, result.output
    assert expected in result.output
    assert "s3cret-pw" not in result.output and "Traceback" not in result.output


def test_a_bag_whose_fetch_entries_are_present_and_listed_is_valid_and_nothing_is_fetched(converted, tmp_path):
    bag = make(converted, "bagit", tmp_path / "pkg")
    _fetch(bag, "http://127.0.0.1:9/never-fetched 5 data/CO24017.ris\n")  # port 9: nothing listens
    result = run("verify", str(bag))
    assert result.exit_code == 0, result.output


def _inventory(store: Path, change) -> None:
    path = next(store.rglob("CO24017/inventory.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    data = change(data) or data
    path.write_text(json.dumps(data), encoding="utf-8")


def _object(store: Path) -> Path:
    return next(store.rglob("CO24017/0=ocfl_object_1.1")).parent


OCFL_RULES = [  # (OCFL 1.1 validation code, change to the storage root, expected)
    ("E072", lambda s: (_object(s) / "0=ocfl_object_1.1").unlink(), "[E072]"),
    ("E073", lambda s: (s / "empty").mkdir(), "[E073]"),
    ("E069", lambda s: (s / "0=ocfl_1.1").write_text("ocfl_1.0\n"), "[E069"),
    ("E070", lambda s: (s / "ocfl_layout.json").write_text("{}"), "[E070"),
    ("E001", lambda s: (_object(s) / "stray.txt").write_text("x"), "[E001a]"),
    ("E007", lambda s: (_object(s) / "0=ocfl_object_1.1").write_text("ocfl_object_1.0\n"), "[E007]"),
    ("E015", lambda s: (_object(s) / "v1" / "inventory.json").unlink(), "[E015]"),
    ("E023", lambda s: (_object(s) / "v1" / "content" / "extra.txt").write_text("x"), "[E023a]"),
    ("E025", lambda s: _inventory(s, lambda d: d.update(digestAlgorithm="/etc/passwd")), "E025"),
    ("E033", lambda s: next(s.rglob("CO24017/inventory.json")).write_text("{not json"), "[E033]"),
    ("E036", lambda s: _inventory(s, lambda d: d.pop("id")), "[E036a]"),
    ("E040", lambda s: _inventory(s, lambda d: d.update(head="v2")), "[E040]"),
    ("E041", lambda s: _inventory(s, lambda d: d.update(manifest=list(d["manifest"]))), "E041"),
    ("E042", lambda s: _inventory(s, lambda d: d["manifest"].update(
        {next(iter(d["manifest"])): ["../../../etc/passwd"]})), "[E042a]"),
    ("E046", lambda s: (_object(s) / "v2").mkdir(), "[E046b]"),
    ("E049", lambda s: _inventory(s, lambda d: d["versions"]["v1"].update(created="yesterday")), "[E049c]"),
    ("E058", lambda s: next(s.rglob("CO24017/inventory.json.sha512")).unlink(), "[E058a]"),
    ("E060", lambda s: _append(next(s.rglob("CO24017/inventory.json")), " "), "[E060]"),
    ("E063", lambda s: next(s.rglob("CO24017/inventory.json")).unlink(), "[E063]"),
    ("E064", lambda s: _append(_object(s) / "v1" / "inventory.json", " "), "[E064]"),
    ("E092a", lambda s: _append(next(s.rglob("content/CO24017.ris")), "x"), "[E092a]"),
    ("E092b", lambda s: next(s.rglob("content/CO24017.ris")).unlink(), "[E092b]"),
]


@pytest.mark.parametrize("code, change, expected", OCFL_RULES, ids=[code for code, *_ in OCFL_RULES])
def test_each_ocfl_validation_code_that_applies_bites(converted, tmp_path, code, change, expected):
    store = make(converted, "ocfl", tmp_path / "store")
    change(store)
    result = run("verify", str(store))
    assert result.exit_code == 7, result.output
    assert expected in result.output and "Traceback" not in result.output


def _mets(package: Path, change) -> None:
    path = package / "mets.xml"
    path.write_bytes(change(path.read_bytes()))


METS_RULES = [
    ("DOCTYPE", lambda d: d.replace(b"?>", b'?>\n<!DOCTYPE mets [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1),
     "the XML has a DOCTYPE"),
    ("well-formed", lambda d: d[: len(d) // 2], "not well-formed XML"),
    ("file checksum", lambda d: d.replace(b'CHECKSUMTYPE="SHA-256"', b'CHECKSUMTYPE="MD5"', 1), "has no SHA-256 checksum"),
    ("PREMIS fixity", lambda d: d.replace(b"<premis:messageDigest>", b"<premis:messageDigest>0", 1),
     "PREMIS object"),
    ("PREMIS agent", lambda d: d.replace(b"<premis:linkingAgentIdentifierValue>", b"<premis:linkingAgentIdentifierValue>x", 1),
     "links to unknown agent"),
]


@pytest.mark.parametrize("rule, change, expected", METS_RULES, ids=[rule for rule, *_ in METS_RULES])
def test_each_mets_rule_bites(converted, tmp_path, rule, change, expected):
    package = make(converted, "mets", tmp_path / "pkg")
    _mets(package, change)
    result = run("verify", str(package))
    assert result.exit_code == 7, result.output
    assert expected in result.output


SAF_RULES = [
    ("DOCTYPE", lambda e: {**e, "CO24017/dublin_core.xml": b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM '
                          b'"file:///etc/passwd">]><dublin_core>&x;</dublin_core>'}, "the XML has a DOCTYPE"),
    ("well-formed", lambda e: {**e, "CO24017/metadata_dcterms.xml": b"<dublin_core"}, "not well-formed XML"),
]


@pytest.mark.parametrize("rule, change, expected", SAF_RULES, ids=[rule for rule, *_ in SAF_RULES])
def test_each_saf_metadata_rule_bites(converted, tmp_path, rule, change, expected):
    make(converted, "saf", tmp_path / "pkg")
    rezip(tmp_path / "pkg" / "saf.zip", tmp_path / "pkg" / "saf.zip", change)
    result = run("verify", str(tmp_path / "pkg" / "saf.zip"))
    assert result.exit_code == 7 and expected in result.output, result.output


def test_a_binary_build_manifest_beside_a_saf_zip_is_named(converted, tmp_path):
    make(converted, "saf", tmp_path / "pkg")
    (tmp_path / "pkg" / "saf" / "manifest-sha256.txt").write_bytes(b"\xff\xfe\x00binary")
    result = run("verify", str(tmp_path / "pkg" / "saf.zip"))
    assert result.exit_code == 7 and "not UTF-8" in result.output


def test_ocfl_errors_count_whatever_ocfl_py_logs(converted, tmp_path, monkeypatch):
    """An object ocfl-py finds invalid is invalid even when its log keeps no message (log_errors off)."""
    import ocfl
    store = make(converted, "ocfl", tmp_path / "store")
    next(store.rglob("CO24017/inventory.json.sha512")).unlink()
    original = ocfl.Object.validate
    monkeypatch.setattr(ocfl.Object, "validate", lambda self, **kw: original(self, **{**kw, "log_errors": False}))
    result = run("verify", str(store))
    assert result.exit_code == 7 and "ocfl-py: the object is invalid (1 error(s))" in result.output

"""Speed work changes no output byte (issue 21.1): a fixed batch (the three samples and records varied
from them: partial dates, no DOI, non-Latin text, an organisation author, a 1.0 record) is built to
every format, once by `archiver build` (the worker pool) and once by `archiver convert`, and the
SHA-256 of every file both write is compared with `tests/data/output-digests.txt`.

That list changes only through `make golden`, and only when an output is meant to change: a diff in
it beside a commit that claims to be a pure speed-up is the bug. It is tied to the pinned
dependencies and the Debian fonts `make setup` installs (other versions lay out other PDFs).
"""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from archiver.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"
DIGESTS = Path(__file__).parent / "data" / "output-digests.txt"


def _variants(samples: list[dict]) -> list[dict]:
    """Records varied deterministically from the samples, each exercising another branch of the
    writers (no randomness: the batch is the same on every run)."""
    made = []
    for index in range(9):
        data = copy.deepcopy(samples[index % len(samples)])
        data["identifier"] = f"CO8{index:05d}"
        data["title"] = f"{data['title']} ({'ABCDEFGHI'[index]}{index})"
        if index % 3 == 0:
            data["published"] = data["published"][:7]  # known to the month only
            data.pop("modified", None)
        if index % 3 != 2:
            data["links"] = {**data.get("links", {}), "doi": f"10.5555/{data['identifier'].lower()}"}
        if index % 3 == 2:
            data.get("links", {}).pop("doi", None)  # DataCite and Crossref skipped with W009
        if index == 4:
            data["title"] += " 東南アジアの水 — Ελληνικά"
            data["abstract"] = data.get("abstract", "") + " Кириллица и 中文。"
        if index == 3:
            data["authors"].append({"name": "Mekong River Commission", "kind": "organization"})
        if index == 7:
            data["published"] = data["published"][:4]  # the year only, which 1.1 allows
            data.pop("modified", None)
            data["schema_version"] = "1.1"
        made.append(data)
    return made


def _batch(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copytree(SAMPLES / "images", folder / "images")
    samples = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SAMPLES.glob("*.json"))]
    for data in [*samples, *_variants(samples)]:
        (folder / f"{data['identifier']}.json").write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                                            encoding="utf-8")
    return folder


def _style(folder: Path) -> Path:
    """The RSIS brand with a Crossref depositor (test values), so every format is made."""
    shutil.copytree(ROOT / "styles" / "rsis", folder)
    data = json.loads((folder / "style.json").read_text(encoding="utf-8"))
    data["crossref"] = {"depositor": "archiver test", "email": "test@example.org"}
    (folder / "style.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    return folder


def _digests(out: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every output file (the build's state and reports left out)."""
    return {path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out.rglob("*")) if path.is_file() and path.parent != out}


def test_every_output_of_a_fixed_batch_keeps_its_digest(tmp_path, golden):
    src, style = _batch(tmp_path / "src"), _style(tmp_path / "rsis")
    built, converted = tmp_path / "built", tmp_path / "converted"
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(src), "-o", str(built), "--style", str(style), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    records = sorted(str(path) for path in src.glob("*.json"))
    result = runner.invoke(main, ["convert", *records, "-o", str(converted), "--style", str(style), "-q"])
    assert result.exit_code == 0, result.output

    digests = _digests(built)
    assert digests == _digests(converted), "build and convert wrote different bytes"
    # every format of every record (ten, plus the record and its images), bar the W009 skips
    assert len({name.split("/")[0] for name in digests}) == 12
    assert sum(name.endswith(".pdf") for name in digests) == 12
    assert sum(name.endswith(".datacite.xml") for name in digests) == 1 + 6  # CO24017 and the variants given a DOI
    golden(DIGESTS, "".join(f"{digest}  {name}\n" for name, digest in sorted(digests.items())))


def test_a_conversion_serialises_the_record_once(monkeypatch):
    """The record's own file and the copy embedded in the PDF are one serialisation (and the PDF's
    CSL-JSON is the csl-json writer's bytes)."""
    from archiver import record as model
    from archiver.convert import convert, load_assets
    from archiver.style import load_style
    from archiver.writers import resolve

    record = model.load(SAMPLES / "CO24017.json")
    assets, _ = load_assets(record, SAMPLES)
    calls = []
    dumps = model.Record.dumps
    monkeypatch.setattr(model.Record, "dumps", lambda self: calls.append(self.identifier) or dumps(self))
    outputs, _ = convert(record, resolve("pdf,csl-json"), load_style("rsis"), assets)
    assert calls == ["CO24017"]
    assert outputs["CO24017.json"] == dumps(record).encode("utf-8")

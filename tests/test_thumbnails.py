"""The thumbnails of `archiver build --thumbnails` (issue 20 point 2) never outlive the PDF they
picture: a record that loses its PDF (the format dropped, the record failing, rebuilt without
thumbnails, its identifier gone from its source) loses its thumbnail, and report.html never shows a
picture that is not the one made of the record's current PDF. A picture another run has written
since is left alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from archiver.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "records"


def build(src: Path, out: Path, *extra: str, to: str = "pdf,bibtex") -> dict:
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "--to", to, "--jobs", "1", *extra],
                                catch_exceptions=False)
    assert result.exit_code in (0, 5), result.output
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def pictures_on_page(out: Path) -> list[str]:
    return lxml_html.fromstring((out / "report.html").read_bytes()).xpath('//span[@class="thumb"]/@data-src')


@pytest.fixture
def src(tmp_path) -> Path:
    folder = tmp_path / "src"
    folder.mkdir()
    shutil.copy(SAMPLES / "CO24102.json", folder)
    return folder


def edit(src: Path, **changes) -> None:
    path = src / "CO24102.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow  # PDFs rendered and pictured
def test_a_dropped_pdf_takes_its_thumbnail_along(src, tmp_path):
    out = tmp_path / "out"
    picture = out / ".thumbnails" / "CO24102.png"
    assert build(src, out, "--thumbnails")["records"][0]["thumbnail"] == ".thumbnails/CO24102.png"
    assert picture.is_file() and pictures_on_page(out) == [".thumbnails/CO24102.png"]
    report = build(src, out, "--thumbnails", to="bibtex")
    assert report["counts"]["built"] == 1 and "thumbnail" not in report["records"][0]
    assert not picture.exists() and pictures_on_page(out) == []


@pytest.mark.slow  # PDFs rendered and pictured
def test_a_record_that_now_fails_or_is_rebuilt_without_thumbnails_loses_its_thumbnail(src, tmp_path):
    out = tmp_path / "out"
    picture = out / ".thumbnails" / "CO24102.png"
    build(src, out, "--thumbnails")
    edit(src, published="2024-02-30")  # now invalid: the record fails
    report = build(src, out, "--thumbnails")
    assert report["records"][0]["status"] == "failed"
    assert not picture.exists() and pictures_on_page(out) == []
    edit(src, published="2024-06-12")
    build(src, out, "--thumbnails")
    assert picture.is_file()
    edit(src, title="A new title: the PDF changes")
    report = build(src, out)  # rebuilt, no thumbnail asked: the old one pictures the old PDF
    assert report["counts"]["built"] == 1 and not picture.exists() and pictures_on_page(out) == []


@pytest.mark.slow  # PDFs rendered and pictured
def test_a_corrected_identifier_takes_the_old_thumbnail_along(src, tmp_path):
    out = tmp_path / "out"
    build(src, out, "--thumbnails")
    edit(src, identifier="CO24103")
    report = build(src, out, "--thumbnails")
    assert [r["identifier"] for r in report["records"]] == ["CO24103"]
    assert sorted(p.name for p in (out / ".thumbnails").iterdir()) == ["CO24103.png"]
    assert pictures_on_page(out) == [".thumbnails/CO24103.png"]


@pytest.mark.slow  # PDFs rendered and pictured
def test_an_unchanged_record_never_shows_a_picture_that_is_not_its_own(src, tmp_path):
    out = tmp_path / "out"
    picture = out / ".thumbnails" / "CO24102.png"
    build(src, out, "--thumbnails")
    picture.write_bytes(b"another run's picture")
    report = build(src, out)  # not asked for thumbnails: unchanged, but its picture is not the one made
    assert report["counts"]["unchanged"] == 1 and "thumbnail" not in report["records"][0]
    assert pictures_on_page(out) == []
    # and a picture archiver did not make is never removed, even when the PDF goes
    build(src, out, to="bibtex")
    assert picture.read_bytes() == b"another run's picture"


def test_a_hand_edited_state_cannot_make_the_thumbnails_removal_reach_other_files(tmp_path):
    import hashlib
    from types import SimpleNamespace

    from archiver.thumbnails import Leftovers, current

    out = tmp_path / "out"
    (out / ".thumbnails").mkdir(parents=True)
    victim, kept = out / "victim.png", out / ".thumbnails" / "CO1.png"
    for path in (victim, kept):
        path.write_bytes(b"a file archiver did not make")
    digest = hashlib.sha256(victim.read_bytes()).hexdigest()
    earlier = {"records": {"../victim": {"thumbnail": {"name": ".thumbnails/../victim.png", "sha256": digest}},
                           "CO1": {"thumbnail": {"name": ".thumbnails/CO1.png", "sha256": "0" * 64}},
                           "CO2": {"thumbnail": "not a thumbnail entry"}}}
    leftovers = Leftovers(out)
    failed = [SimpleNamespace(identifier=i, status="failed", thumbnail=None) for i in ("../victim", "CO1", "CO2")]
    leftovers.settled(earlier, failed)
    leftovers.settled({"records": "damaged"}, [])
    leftovers.finish(lambda identifier: False)
    assert victim.is_file() and kept.is_file()  # one is outside .thumbnails/, the other not what was made
    assert current(out, "../victim", earlier["records"]["../victim"]) is None
    # the same, through a .thumbnails that is a symlink out of OUT
    (out / ".thumbnails").rename(tmp_path / "elsewhere")
    (out / ".thumbnails").symlink_to(tmp_path / "elsewhere")
    digest = hashlib.sha256(kept.read_bytes()).hexdigest()
    Leftovers(out).settled({"records": {"CO1": {"thumbnail": {"name": ".thumbnails/CO1.png", "sha256": digest}}}},
                           failed)
    assert (tmp_path / "elsewhere" / "CO1.png").is_file()

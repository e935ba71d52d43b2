"""A figure's image that is no regular file, or links out of the source's folder, never hangs or
fails its source (archiver/ingest/__init__.py `asset`): a saved HTML page's image, a Markdown
manuscript's picture, a JATS article's graphic given as a FIFO, a character device, a folder, or a
symbolic link to a file or device outside the folder. The page is kept, the figure keeps its caption
and gets W003 naming the file, what it is and what to do; nothing of the file is read or written.
Each run is a child process with a time limit (tests/hostile.py), so a read that blocks fails the
test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from hostile import ROOT, no_bug, run, tree

PNG = (ROOT / "samples" / "records" / "images" / "CO24017-fig1.png").read_bytes()
REMOTE_SRC = ('src="https://www.rsis.edu.sg/wp-content/uploads/2023/05/'
              'China_Central_Asia_Summit_20230519_01-1024x683.jpg"')

#: kind -> what the W003 says it is
KINDS = {
    "fifo": "is a FIFO (named pipe), not a regular file, and was not read",
    "device": "is a character device, not a regular file, and was not read",
    "folder": "is a folder, not an image file",
    "link-out": "is a link to a file outside the source's folder",
    "link-to-device": "is a link to a file outside the source's folder",
}


def hostile(kind: str, path: Path, outside: Path) -> None:
    """Put `kind` where the source expects its image."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        try:  # /dev/null's numbers; making a device needs root (CAP_MKNOD)
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("cannot make a device file here (needs CAP_MKNOD)")
    elif kind == "folder":
        path.mkdir()
    elif kind == "link-out":
        outside.write_bytes(PNG)  # a real picture: a link must not smuggle it in
        path.symlink_to(outside)
    else:
        path.symlink_to("/dev/zero")


def saved_page(folder: Path) -> tuple[Path, Path]:
    text = (ROOT / "tests" / "data" / "pages" / "CO23081.html").read_text(encoding="utf-8")
    assert REMOTE_SRC in text
    (folder / "CO23081.html").write_text(text.replace(REMOTE_SRC, 'src="CO23081_files/fig.png"'), encoding="utf-8")
    return folder / "CO23081.html", folder / "CO23081_files" / "fig.png"


def manuscript(folder: Path) -> tuple[Path, Path]:
    text = (ROOT / "samples" / "sources" / "CO24033.md").read_text(encoding="utf-8")
    marked = "Across Southeast Asia, outdoor workers"
    assert marked in text
    (folder / "CO24033.md").write_text(text.replace(marked, "![Hours lost to heat](fig.png)\n\n" + marked, 1),
                                       encoding="utf-8")
    return folder / "CO24033.md", folder / "fig.png"


def jats_article(folder: Path) -> tuple[Path, Path]:
    data = (ROOT / "tests" / "data" / "jats" / "elife06003.xml").read_bytes()
    assert b'xlink:href="elie06003f001"' in data
    (folder / "elife06003.xml").write_bytes(data)
    return folder / "elife06003.xml", folder / "elie06003f001"


SOURCES = {"html": saved_page, "markdown": manuscript, "jats": jats_article}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("reader", sorted(SOURCES))
def test_a_hostile_image_leaves_the_figure_without_it_and_keeps_the_source(tmp_path, reader, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    source, image = SOURCES[reader](folder)
    hostile(kind, image, tmp_path / "outside.png")
    result = run("ingest", str(source), "-o", str(tmp_path / "out"), "--format", "json", timeout=90)
    no_bug(result)
    assert result.code == 0, result.output
    (entry,) = json.loads(result.stdout)["results"]
    w003 = [w["message"] for w in entry["warnings"] if w["code"] == "W003"]
    assert len(w003) == 1, entry["warnings"]  # one warning per figure, not one per attempt
    (message,) = w003
    assert image.name in message and KINDS[kind] in message, message
    assert "caption" in message and "kept" in message
    written = tree(tmp_path / "out")
    assert not any("images/" in name for name in written), written   # nothing of the file carried
    record = json.loads(next((tmp_path / "out").rglob("*.json")).read_text(encoding="utf-8"))
    assert record["body"]["blocks"]                                   # the page itself is kept


@pytest.mark.parametrize("kind", ["fifo", "device", "link-to-device"])
def test_a_build_of_a_page_with_a_hostile_image_builds_it_and_plans_again(tmp_path, kind):
    folder = tmp_path / "in"
    folder.mkdir()
    source, image = saved_page(folder)
    hostile(kind, image, tmp_path / "outside.png")
    for attempt in ("first", "again"):
        result = run("build", str(source), "-o", str(tmp_path / "out"), "--to", "jats", "--jobs", "1", timeout=120)
        no_bug(result)
        assert result.code == 0, (attempt, result.output)
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    (entry,) = report["records"]
    assert entry["status"] in ("built", "unchanged")
    assert any(w["code"] == "W003" and KINDS[kind] in w["message"] for w in entry["warnings"]), entry


def test_a_refused_image_replaced_by_a_real_one_is_built_again_with_it(tmp_path):
    """The build fingerprints a refused image as missing, so the real file that replaces it rebuilds
    the page (before, the refused read was not recorded and the page stayed without its figure)."""
    folder = tmp_path / "in"
    folder.mkdir()
    source, image = saved_page(folder)
    hostile("fifo", image, tmp_path / "outside.png")
    command = ("build", str(source), "-o", str(tmp_path / "out"), "--to", "jats", "--jobs", "1")
    assert run(*command, timeout=120).code == 0
    assert not (tmp_path / "out" / "CO23081" / "images").exists()
    image.unlink()
    image.write_bytes(PNG)
    result = run(*command, timeout=120)
    assert result.code == 0, result.output
    assert (tmp_path / "out" / "CO23081" / "images" / "CO23081-fig1.png").read_bytes() == PNG

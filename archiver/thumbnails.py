"""The pictures of the PDFs' first pages on report.html (`archiver build --thumbnails`, implied by
`--check`; issue 20 point 2): how a worker makes one, which one an unchanged record may show, and
which ones the parent removes once no record of the build stands behind them.

A thumbnail is the first page rendered by PDFium (the pinned `pypdfium2` wheel, so the same bytes on
every machine) at THUMBNAIL_WIDTH pixels, in 32 colours, as PNG: about 7 KB and 35 ms a PDF. It goes
to `OUT/.thumbnails/<identifier>.png`, outside the record's folder (a package of OUT/<identifier>/
must not carry it), and report.html refers to it by relative address, so the page and the folder
open from disk together. The record's state entry keeps its name and SHA-256.

A thumbnail is a picture of one build of one PDF, so it must not outlive it: when a record is
rebuilt without one (its PDF dropped from the formats, a run without --thumbnails, a record that
now fails), its earlier thumbnail is removed as the record settles; when an identifier is gone from
its source (a corrected identifier, a page no longer in a web archive, a source that no longer
reads), once the run is over and no build state of OUT (other shards' too) claims it. Only a file
that still holds what the earlier build made is removed: one another run has written since is left.
A source removed from the batch keeps its thumbnail, as it keeps its folder. An unchanged record
shows its thumbnail only while the file still holds what was made (`current`), so the page never
shows another build's picture.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Callable, Iterable

from .buildsources import _sha256_file

#: the thumbnails' folder, relative to OUT
THUMBNAILS = ".thumbnails"
THUMBNAIL_WIDTH = 160


def thumbnail_name(identifier: str) -> str:
    """The thumbnail's name relative to OUT."""
    return f"{THUMBNAILS}/{identifier}.png"


def first_page_png(pdf: bytes) -> bytes:
    """The PDF's first page, THUMBNAIL_WIDTH pixels wide, as a 32-colour PNG (deterministic: no
    dithering, no time stamp)."""
    import pypdfium2
    from PIL import Image

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width, _ = page.get_size()
        image = page.render(scale=THUMBNAIL_WIDTH / width).to_pil()
        page.close()
    finally:
        document.close()
    buffer = io.BytesIO()
    image.quantize(32, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _made(out_dir: Path, identifier: str, thumbnail: Any) -> Path | None:
    """OUT/.thumbnails/<identifier>.png if `thumbnail` (a state entry's {name, sha256}) names exactly
    that file and the file still holds those bytes; else None (a hand-edited state naming another
    file, or a picture another run has written since)."""
    if not isinstance(thumbnail, dict) or thumbnail.get("name") != thumbnail_name(identifier):
        return None
    folder, path = out_dir / THUMBNAILS, out_dir / thumbnail["name"]
    # a hand-edited state: an identifier "../x" names OUT/x.png; a folder or file that is a symlink
    # leads out of OUT
    if folder.is_symlink() or path.is_symlink() or path.resolve().parent != folder.resolve():
        return None
    if _sha256_file(path) != thumbnail.get("sha256"):
        return None
    return path


def current(out_dir: Path, identifier: str, record: dict[str, Any]) -> str | None:
    """The thumbnail an unchanged record's state entry names, while its file holds what was made."""
    thumbnail = record.get("thumbnail")
    return thumbnail["name"] if _made(out_dir, identifier, thumbnail) else None


class Leftovers:
    """The parent's removal of the earlier thumbnails of a run's rebuilt sources that no record of
    the run made again (see the module's docstring)."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        #: identifier -> the earlier thumbnail of an identifier its source no longer gave
        self._gone: dict[str, Any] = {}

    def settled(self, previous: Any, outcomes: Iterable[Any]) -> None:
        """A source has settled: `previous` is its earlier state entry (None: it had none), `outcomes`
        what this run made of it."""
        try:
            earlier = [(identifier, record.get("thumbnail")) for identifier, record in previous["records"].items()
                       if isinstance(record, dict) and record.get("thumbnail")]
        except (AttributeError, KeyError, TypeError):  # no earlier entry, or a damaged one
            return
        outcomes = list(outcomes)
        remade = {o.identifier for o in outcomes if o.status == "built" and o.thumbnail}
        given = {o.identifier for o in outcomes}
        for identifier, thumbnail in earlier:
            if not isinstance(identifier, str) or identifier in remade:
                continue
            if identifier in given:  # rebuilt without one, or failed: the picture is of a PDF gone
                self._remove(identifier, thumbnail)
            else:
                self._gone[identifier] = thumbnail

    def finish(self, claimed: Callable[[str], bool]) -> None:
        """Once the run is over: remove the thumbnails of identifiers no build state claims now."""
        for identifier in sorted(self._gone):
            if not claimed(identifier):
                self._remove(identifier, self._gone[identifier])
        self._gone.clear()

    def _remove(self, identifier: str, thumbnail: Any) -> None:
        path = _made(self.out_dir, identifier, thumbnail)
        if path is not None:
            path.unlink(missing_ok=True)

"""Figure image files: whether they decode, checked once per file for every output.

A figure image that cannot be decoded is treated like a missing one (warning W003): EPUBCheck rejects a
book holding one (PKG-021), a PDF cannot show it, and a package would carry it as if it were sound.
Before anything is decoded, the file's header gives its format and dimensions (a PNG's IHDR, a JPEG's
frame header, Pillow's header parse for others), and an image that is empty or has more pixels than
the pixel limit (`limits.RECORD_LIMITS["pixels"]`, README Limits) is refused: decoding it would take
several bytes per pixel. Then the checks read every byte that matters without decoding more than
needed: a PNG's chunks against their CRCs and its pixel rows inflated a piece at a time and counted, a
JPEG decoded at an eighth of its size (which still reads every coded block), any other file decoded
by Pillow.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour type -> samples per pixel
_PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
#: PNG colour type -> the bit depths the format allows
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


class ImageDamaged(ValueError):
    """The image's bytes cannot be decoded."""


@dataclass(frozen=True)
class PNG:
    """A checked PNG's header, palette and compressed pixels (its IDAT chunks, joined)."""
    width: int
    height: int
    depth: int
    colour: int
    interlaced: bool
    transparent: bool  # a tRNS chunk: a transparent colour or palette entries
    palette: bytes | None
    pixels: bytes


def check(data: bytes) -> None:
    """Raise ImageDamaged, with the reason, when the image file cannot be decoded or is too large."""
    dimensions(data)
    if data.startswith(PNG_SIGNATURE):
        if png(data).interlaced:  # Adam7 rows are counted by Pillow's decoder instead
            _decode(data)
    elif data.startswith(b"\xff\xd8\xff"):
        jpeg_size(data)
    else:
        _decode(data)


def dimensions(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) read from the header alone; ImageDamaged when the header is damaged or
    the image is empty or over the pixel limit."""
    from .limits import ENVIRONMENT, record_limit

    if data.startswith(PNG_SIGNATURE):
        if len(data) < 33 or data[12:16] != b"IHDR":
            raise ImageDamaged("PNG is truncated or has no header")
        kind, (width, height) = "PNG", struct.unpack(">II", data[16:24])
    elif data.startswith(b"\xff\xd8\xff"):
        kind, (width, height) = "JPEG", _jpeg_frame(data)
    else:
        with _opened(data) as probe:  # Pillow reads the header only, until load()
            kind, (width, height) = probe.format or "image", probe.size
    limit = record_limit("pixels")
    if not width or not height or width * height > limit:
        raise ImageDamaged(f"{kind} of {width}x{height} pixels: empty, or over the {limit:,} pixels archiver "
                           f"decodes (set {ENVIRONMENT['pixels']} to allow more)")
    return kind, width, height


#: JPEG start-of-frame markers (ITU T.81 table B.1), which carry the image's height and width
_SOF_MARKERS = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))


def _jpeg_frame(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header, walking the marker segments before it."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise ImageDamaged("JPEG marker segments are damaged")
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in _SOF_MARKERS and length >= 7 and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        if marker in (0xDA, 0xD9) or length < 2:  # scan data or the end before any frame header
            break
        at += 2 + length
    raise ImageDamaged("JPEG has no frame header")


# A conversion checks each figure file, then the PDF writer places it: kept for a record's few
# figures only, since each entry holds the file (up to 32 MiB) alive.
@functools.lru_cache(maxsize=4)
def png(data: bytes) -> PNG:
    """A PNG's parts, after checking them (the result is kept for the writers that place the file)."""
    chunks: dict[bytes, bytes] = {}
    pixels = io.BytesIO()
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if len(body) != length or data[at + 8 + length:at + 12 + length] != struct.pack(">I", zlib.crc32(kind + body)):
            raise ImageDamaged(f"PNG chunk {kind!r} is damaged")
        if kind == b"IDAT":
            pixels.write(body)
        else:
            chunks.setdefault(kind, body)
        at += 12 + length
        if kind == b"IEND":
            break
    if b"IEND" not in chunks or len(chunks.get(b"IHDR", b"")) != 13:
        raise ImageDamaged("PNG is truncated or has no header")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    if depth not in _PNG_DEPTHS.get(colour, ()) or compression or filtering or interlace > 1:
        raise ImageDamaged(f"PNG header is damaged (colour type {colour}, bit depth {depth})")
    palette = chunks.get(b"PLTE") if colour == 3 else None
    if colour == 3 and (not palette or len(palette) % 3 or len(palette) // 3 > 1 << depth):
        raise ImageDamaged("PNG palette is damaged")
    image = PNG(width, height, depth, colour, bool(interlace), b"tRNS" in chunks, palette, pixels.getvalue())
    if not image.interlaced:
        _check_rows(image.pixels, height, 1 + (width * _PNG_SAMPLES[colour] * depth + 7) // 8)
    return image


def _check_rows(compressed: bytes, rows: int, stride: int) -> None:
    """Inflate a PNG's pixels a piece at a time (never all of a decompression bomb): there must be
    exactly `rows` rows of `stride` bytes, each led by a filter type 0-4."""
    inflater = zlib.decompressobj()
    seen, expected, pending = 0, rows * stride, compressed
    try:
        while pending or not inflater.eof:
            piece = inflater.decompress(pending, 1 << 20)
            pending = inflater.unconsumed_tail
            if not piece:
                break
            if max(piece[(-seen) % stride::stride], default=0) > 4:
                raise ImageDamaged("PNG pixel rows are damaged")
            seen += len(piece)
            if seen > expected:
                break
    except zlib.error as exc:
        raise ImageDamaged(f"PNG pixels are damaged: {exc}") from None
    if seen != expected or not inflater.eof:
        raise ImageDamaged(f"PNG has {seen} bytes of pixel rows, not {expected}")


@functools.lru_cache(maxsize=4)
def jpeg_size(data: bytes) -> tuple[int, int, str]:
    """(width, height, Pillow mode) of a JPEG, after decoding it at an eighth of its size."""
    from PIL import Image

    with _opened(data) as probe:
        if probe.format != "JPEG":
            raise ImageDamaged("not a JPEG file")
        width, height = probe.size
        mode = probe.mode
        probe.draft(mode, (max(1, width // 8), max(1, height // 8)))
        try:
            probe.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageDamaged(str(exc)) from None
    return width, height, mode


def _decode(data: bytes) -> None:
    from PIL import Image

    with _opened(data) as probe:
        try:
            probe.load()
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ImageDamaged(str(exc)) from None


def _opened(data: bytes):
    from PIL import Image

    try:
        return Image.open(io.BytesIO(data))
    except Image.UnidentifiedImageError:  # its own message names the buffer's address: not reproducible
        raise ImageDamaged("not an image file Pillow recognises") from None
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageDamaged(str(exc)) from None


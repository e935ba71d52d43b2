"""Figure images for the PDF writer, placed as their files hold them where PDF allows it.

A JPEG goes in as its bytes (DCTDecode) and an opaque, non-interlaced PNG as its compressed pixels
(FlateDecode with the PNG predictors, ISO 32000-1 7.4.4.4), so no pixel is decoded and compressed
again: through reportlab's `drawImage`, which decodes every image to name it and recompresses a PNG's
raw pixels, a 1600x1000 chart cost about 70 ms. Such files are still checked: a PNG's chunks against
their CRCs and its pixel rows inflated and counted, a JPEG decoded at an eighth of its size (which
reads every coded block). An image PDF cannot take as it is (alpha, interlace)
is decoded by reportlab, as before; one in a colour model PDF/A would need another OutputIntent for
(CMYK) is converted to RGB, and 16-bit grey to 8 bits, then goes in as a PNG.

Colour profiles and gamma in the files are not carried over (nor were they before): the page's
colours are interpreted through the document's sRGB OutputIntent.
"""

from __future__ import annotations

import functools
import hashlib
import io
import struct
import zlib
from dataclasses import dataclass
from typing import Callable

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFStream
from reportlab.platypus import Flowable, Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour type -> (PDF colour space, samples per pixel); 3 is a palette (an Indexed colour space)
_PNG_COLOURS = {0: ("DeviceGray", 1), 2: ("DeviceRGB", 3), 3: ("Indexed", 1)}
#: bit depths PDF's predictors take as they are, per colour type
_PNG_DEPTHS = {0: (1, 2, 4, 8), 2: (8,), 3: (1, 2, 4, 8)}
#: colour models written as they are; others are converted to RGB (PDF/A would need another OutputIntent)
_DECODED_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


class ImageDamaged(ValueError):
    """The image's bytes cannot be decoded."""


class _HexString(PDFObject):
    """A binary PDF string (a palette), written as hex so that no byte needs escaping."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document: object) -> bytes:
        return b"<" + self.data.hex().encode("ascii") + b">"


@dataclass(eq=False)
class ImageStream(PDFObject):
    """An image XObject whose stream is the file's own encoded data."""
    width: int
    height: int
    bits: int
    colour_space: str
    data: bytes
    filter: str
    #: the predictor parameters of a PNG's pixels
    predictor: tuple[int, int] | None = None  # (colours, columns)
    palette: bytes | None = None

    @property
    def name(self) -> str:
        # The canvas shares one XObject between identical images; reportlab names its own by MD5.
        return "sha256-" + hashlib.sha256(self.data).hexdigest()

    def format(self, document: object) -> bytes:
        stream = PDFStream(content=self.data)
        entries = stream.dictionary
        entries["Type"] = PDFName("XObject")
        entries["Subtype"] = PDFName("Image")
        entries["Width"] = self.width
        entries["Height"] = self.height
        entries["BitsPerComponent"] = self.bits
        if self.palette is None:
            entries["ColorSpace"] = PDFName(self.colour_space)
        else:
            entries["ColorSpace"] = PDFArray([PDFName("Indexed"), PDFName("DeviceRGB"),
                                              len(self.palette) // 3 - 1, _HexString(self.palette)])
        entries["Filter"] = PDFName(self.filter)  # already applied: PDFStream adds none
        if self.predictor is not None:
            colours, columns = self.predictor
            entries["DecodeParms"] = PDFDictionary({"Predictor": 15, "Colors": colours,
                                                    "BitsPerComponent": self.bits, "Columns": columns})
        return stream.format(document)


class FigureImage(Flowable):
    """An `ImageStream` placed at a size, drawn as `Canvas.drawImage` draws an image (reportlab has no
    public call that takes an encoded stream, hence its canvas's internals)."""

    def __init__(self, stream: ImageStream, width: float, height: float):
        super().__init__()
        self.stream = stream
        self.drawWidth = width
        self.drawHeight = height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.drawWidth, self.drawHeight

    def draw(self) -> None:
        canvas = self.canv
        document = canvas._doc
        name = self.stream.name
        registered = document.getXObjectName(name)
        if registered not in document.idToObject:
            document.Reference(self.stream, registered)
            document.addForm(name, self.stream)
        canvas.saveState()
        canvas.scale(self.drawWidth, self.drawHeight)
        canvas._code.append(f"/{registered} Do")
        canvas.restoreState()
        canvas._formsinuse.append(name)
        canvas._currentPageHasImages = 1


def figure_image(data: bytes) -> tuple[int, int, Callable[[float, float], Flowable]]:
    """(width, height in pixels, a function making the flowable at a size in points) for an image
    file's bytes; raises ImageDamaged when they cannot be decoded."""
    from PIL import Image as PILImage, UnidentifiedImageError

    stream = png_stream(data) if data.startswith(PNG_SIGNATURE) else None
    if stream is None:
        try:
            with PILImage.open(io.BytesIO(data)) as probe:
                stream = _jpeg_stream(data, probe)
                if stream is None:
                    probe.load()
                    size = probe.size
                    if probe.mode not in _DECODED_MODES:
                        converted = io.BytesIO()
                        _eight_bits(probe).save(converted, "PNG")
                        data = converted.getvalue()
                        stream = png_stream(data)
        except (OSError, UnidentifiedImageError, ValueError, PILImage.DecompressionBombError) as exc:
            raise ImageDamaged(str(exc)) from None
    if stream is not None:
        return stream.width, stream.height, functools.partial(FigureImage, stream)
    return size[0], size[1], lambda width, height: Image(io.BytesIO(data), width=width, height=height)


def _eight_bits(image: object) -> object:
    """An image in a mode PDF/A takes here: 16-bit grey scaled to 8 bits (Pillow's own conversion
    clips it at 255, which turned a 16-bit grey scan white), any other mode (CMYK) as RGB."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return image.convert("RGB")


def _jpeg_stream(data: bytes, probe: object) -> ImageStream | None:
    """A grey or RGB JPEG as it is, after decoding it at an eighth of its size; None for any other
    image (a CMYK JPEG among them)."""
    if probe.format != "JPEG" or probe.mode not in ("L", "RGB"):
        return None
    width, height = probe.size
    probe.draft(probe.mode, (max(1, width // 8), max(1, height // 8)))
    probe.load()
    return ImageStream(width, height, 8, "DeviceGray" if probe.mode == "L" else "DeviceRGB", data, "DCTDecode")


def png_stream(data: bytes) -> ImageStream | None:
    """A PNG's compressed pixels as an image stream, or None for a PNG PDF cannot take as it is
    (alpha or a transparent colour, interlace, 16 bits); raises ImageDamaged for a damaged PNG."""
    from PIL import Image as PILImage

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
    if not width or not height or width * height > 2 * PILImage.MAX_IMAGE_PIXELS:
        # Pillow's own limit on what it decodes (a decompression bomb)
        raise ImageDamaged(f"PNG of {width}x{height} pixels: empty, or over {2 * PILImage.MAX_IMAGE_PIXELS}")
    if (depth not in _PNG_DEPTHS.get(colour, ()) or interlace or compression or filtering
            or b"tRNS" in chunks):
        return None
    space, samples = _PNG_COLOURS[colour]
    palette = chunks.get(b"PLTE") if colour == 3 else None
    if colour == 3 and (not palette or len(palette) % 3 or len(palette) // 3 > 1 << depth):
        raise ImageDamaged("PNG palette is damaged")
    compressed = pixels.getvalue()
    _check_rows(compressed, height, 1 + (width * samples * depth + 7) // 8)
    return ImageStream(width, height, depth, space, compressed, "FlateDecode", predictor=(samples, width),
                       palette=palette)


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

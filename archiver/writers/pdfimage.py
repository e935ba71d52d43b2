"""Figure images for the PDF writer, placed as their files hold them where PDF allows it.

A JPEG goes in as its bytes (DCTDecode) and an opaque, non-interlaced PNG as its compressed pixels
(FlateDecode with the PNG predictors, ISO 32000-1 7.4.4.4), so no pixel is decoded and compressed
again: through reportlab's `drawImage`, which decodes every image to name it and recompresses a PNG's
raw pixels, a 1600x1000 chart cost about 70 ms. The files are checked first (`archiver.images`, whose
results for a file are kept, so a conversion checks each file once). An image PDF cannot take as it
is (alpha, interlace) is decoded by reportlab, as before; one in a colour model PDF/A would need
another OutputIntent for (CMYK) is converted to RGB, and 16-bit grey to 8 bits, then goes in as a PNG.

Colour profiles and gamma in the files are not carried over (nor were they before): the page's
colours are interpreted through the document's sRGB OutputIntent.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from typing import Callable

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFObject, PDFStream
from reportlab.platypus import Flowable, Image

from ..images import PNG_SIGNATURE, ImageDamaged, check, jpeg_size, png

#: PNG colour type -> PDF colour space (3, a palette, is an Indexed one)
_PNG_COLOURS = {0: "DeviceGray", 2: "DeviceRGB", 3: "Indexed"}
#: PNG colour type -> bit depths PDF's predictors take as they are
_PNG_DEPTHS = {0: (1, 2, 4, 8), 2: (8,), 3: (1, 2, 4, 8)}
#: colour models written as they are; others are converted to RGB (PDF/A would need another OutputIntent)
_DECODED_MODES = ("1", "L", "LA", "P", "RGB", "RGBA")


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
    check(data)
    stream = png_stream(data) if data.startswith(PNG_SIGNATURE) else _jpeg_stream(data)
    if stream is None:
        from PIL import Image as PILImage

        with PILImage.open(io.BytesIO(data)) as probe:
            probe.load()
            size = probe.size
            if probe.mode not in _DECODED_MODES:
                converted = io.BytesIO()
                _eight_bits(probe).save(converted, "PNG")
                data = converted.getvalue()
                stream = png_stream(data)
    if stream is not None:
        return stream.width, stream.height, functools.partial(FigureImage, stream)
    return size[0], size[1], lambda width, height: Image(io.BytesIO(data), width=width, height=height)


def _eight_bits(image: object) -> object:
    """An image in a mode PDF/A takes here: 16-bit grey scaled to 8 bits (Pillow's own conversion
    clips it at 255, which turned a 16-bit grey scan white), any other mode (CMYK) as RGB."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return image.convert("RGB")


def _jpeg_stream(data: bytes) -> ImageStream | None:
    """A grey or RGB JPEG as it is; None for any other image (a CMYK JPEG among them)."""
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    width, height, mode = jpeg_size(data)
    if mode not in ("L", "RGB"):
        return None
    return ImageStream(width, height, 8, "DeviceGray" if mode == "L" else "DeviceRGB", data, "DCTDecode")


def png_stream(data: bytes) -> ImageStream | None:
    """A PNG's compressed pixels as an image stream, or None for a PNG PDF cannot take as it is
    (alpha or a transparent colour, interlace, 16 bits); raises ImageDamaged for a damaged PNG."""
    image = png(data)
    if image.depth not in _PNG_DEPTHS.get(image.colour, ()) or image.interlaced or image.transparent:
        return None
    samples = 3 if image.colour == 2 else 1
    return ImageStream(image.width, image.height, image.depth, _PNG_COLOURS[image.colour], image.pixels,
                       "FlateDecode", predictor=(samples, image.width), palette=image.palette)

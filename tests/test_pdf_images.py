"""The PDF writer's figure images, judged by pikepdf.pdfa, qpdf and poppler: PNG and JPEG files go in
as their files hold them with every pixel kept (each colour type, depth and layout), a damaged file is
left out with W003 and its caption kept, awkward ones (CMYK, undecodable) keep the file valid, and
hostile bytes are placed or refused, never a crash. Moved out of tests/test_pdf.py, whose fixtures
and helpers it uses.
"""

from __future__ import annotations

import io
import subprocess

import pikepdf
import pikepdf.pdfa
import pytest
from hypothesis import given, settings, strategies as st

from archiver.style import load_style
from archiver.writers import RenderContext
from archiver.writers import pdf as pdf_writer

from test_pdf import RECORDS, _image_count, _squash, _text, level_b, pytestmark, records  # noqa: F401 (fixture, skip mark)


def _figure_variant(variant: str) -> bytes:
    """The sample chart saved as PNG or JPEG in another colour type, depth or layout."""
    from PIL import Image as PILImage
    chart = PILImage.open(RECORDS / "images" / "CO24017-fig1.png").convert("RGB")
    kind, _, form = variant.partition("-")
    buffer = io.BytesIO()
    if kind == "jpeg":
        chart.convert("L" if form == "grey" else "RGB").save(buffer, "JPEG", quality=85,
                                                              progressive=form == "progressive")
    elif form == "palette":  # over 16 colours, so 8 bits an index
        shades = PILImage.merge("RGB", [PILImage.linear_gradient("L").resize(chart.size)] * 3)
        PILImage.blend(chart, shades, 0.5).quantize(200).save(buffer, "PNG")
    elif form == "palette4":
        chart.quantize(12).save(buffer, "PNG", bits=4)
    elif form == "alpha":
        with_alpha = chart.convert("RGBA")
        with_alpha.putalpha(200)
        with_alpha.save(buffer, "PNG")
    elif form == "16bit":
        import struct
        import zlib as zlib_module
        grey = chart.convert("L")
        rows = b"".join(b"\0" + b"".join(struct.pack(">H", 257 * grey.getpixel((x, y))) for x in range(grey.width))
                        for y in range(grey.height))
        return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", *grey.size, 16, 0, 0, 0, 0))
                + _png_chunk(b"IDAT", zlib_module.compress(rows)) + _png_chunk(b"IEND", b""))
    elif form == "interlaced":
        return _adam7_png(chart)
    else:
        {"rgb": chart, "grey": chart.convert("L"), "bilevel": chart.convert("1")}[form].save(buffer, "PNG")
    return buffer.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    import struct
    import zlib as zlib_module
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib_module.crc32(kind + body))


def _adam7_png(image) -> bytes:
    """An interlaced RGB PNG (Pillow writes none): the seven Adam7 passes, every row unfiltered."""
    import struct
    import zlib as zlib_module
    width, height = image.size
    pixels = image.load()
    rows = b""
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        if x0 >= width:
            continue
        for y in range(y0, height, dy):
            rows += b"\0" + b"".join(bytes(pixels[x, y]) for x in range(x0, width, dx))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib_module.compress(rows))
            + _png_chunk(b"IEND", b""))


def _png_data(png: bytes) -> bytes:
    """The concatenated IDAT chunks of a PNG: its compressed pixels."""
    import struct
    data, at = b"", 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            data += png[at + 8:at + 8 + length]
        at += 12 + length
    return data


#: variant -> how the file reaches the PDF: as the file holds it, or decoded and compressed again
FIGURE_VARIANTS = {
    "png-rgb": "as is", "png-grey": "as is", "png-bilevel": "as is", "png-palette": "as is", "png-palette4": "as is",
    "jpeg-rgb": "as is", "jpeg-grey": "as is", "jpeg-progressive": "as is",
    "png-alpha": "decoded", "png-interlaced": "decoded", "png-16bit": "decoded",
}


def test_figure_images_go_in_as_their_files_hold_them_with_every_pixel_kept(records, tmp_path):
    """A PNG's compressed pixels go in with its predictors (ISO 32000-1 7.4.4.4) and a JPEG's bytes as
    DCTDecode, nothing decoded and compressed again (which cost about 70 ms for a 1600x1000 chart).
    Each image, decoded back by qpdf, has the pixels of the file; poppler reads them too."""
    from PIL import Image as PILImage, ImageChops
    record = records["CO24017"]
    (figure,) = record.figures()
    for variant, route in FIGURE_VARIANTS.items():
        data = _figure_variant(variant)
        path = tmp_path / f"{variant}.pdf"
        path.write_bytes(pdf_writer.render(record, RenderContext(style=load_style("rsis"), assets={figure.image: data})))
        with pikepdf.open(path) as pdf:
            (image,) = [image for page in pdf.pages for image in page.get_images().values()]
            original = PILImage.open(io.BytesIO(data))
            if variant.startswith("jpeg"):
                assert image.Filter == pikepdf.Name.DCTDecode and image.read_raw_bytes() == data, variant
                continue
            placed = pikepdf.PdfImage(image).as_pil_image()
            if route == "as is":
                assert image.read_raw_bytes() == _png_data(data), variant
                assert image.DecodeParms.Predictor == 15, variant
                assert placed.mode == original.mode, variant
                assert placed.tobytes() == original.tobytes(), variant
            else:
                assert image.read_raw_bytes() != _png_data(data), variant
                # 16-bit grey is brought to 8 bits, each value divided by 257: the grey it was made from
                expected = _figure_variant("png-grey") if variant == "png-16bit" else data
                expected = PILImage.open(io.BytesIO(expected)).convert("RGB")
                assert not ImageChops.difference(placed.convert("RGB"), expected).getbbox(), variant
        assert pikepdf.pdfa.validate_written(level_b(path, tmp_path / "b.pdf"), "3b").verdict == "pass", variant
        assert subprocess.run(["qpdf", "--check", str(path)], capture_output=True).returncode == 0, variant
    listing = subprocess.run(["pdfimages", "-list", str(tmp_path / "png-palette.pdf")], capture_output=True,
                             text=True, check=True).stdout.splitlines()
    assert listing[2].split()[3:6] == ["480", "270", "index"], listing  # width, height, colour space
    subprocess.run(["pdfimages", "-png", str(tmp_path / "png-grey.pdf"), str(tmp_path / "poppler")], check=True)
    extracted = PILImage.open(tmp_path / "poppler-000.png")
    assert extracted.tobytes() == PILImage.open(io.BytesIO(_figure_variant("png-grey"))).tobytes()


def _damaged(damage: str) -> bytes:
    """A figure file damaged in one way, with every PNG chunk's CRC right, so only the checks of the
    header, the palette and the pixel rows can catch it."""
    import struct
    import zlib as zlib_module
    if damage == "jpeg-truncated":
        data = _figure_variant("jpeg-rgb")
        return data[:len(data) * 2 // 3]
    png = _figure_variant("png-palette4" if damage == "png-palette-too-long" else "png-rgb")
    chunks = {kind: png[png.index(kind) + 4:png.index(kind) + 4 + struct.unpack(">I", png[png.index(kind) - 4:png.index(kind)])[0]]
              for kind in (b"IHDR", b"PLTE", b"IDAT") if kind in png}
    header, body = chunks[b"IHDR"], chunks[b"IDAT"]
    pixels = zlib_module.decompress(body)
    if damage == "png-bad-pixel-data":
        body = body[:40] + bytes([body[40] ^ 0xFF]) + body[41:]
    elif damage == "png-short-data":
        body = zlib_module.compress(pixels[:len(pixels) // 2])
    elif damage == "png-bad-filter-type":
        stride = len(pixels) // 270
        body = zlib_module.compress(pixels[:5 * stride] + b"\x07" + pixels[5 * stride + 1:])
    elif damage == "png-short-header":
        header = header[:12]
    elif damage == "png-huge":  # 10 billion pixels claimed: refused before anything is inflated
        header = struct.pack(">II", 100_000, 100_000) + header[8:]
    elif damage == "png-palette-too-long":  # 4 bits an index: at most 16 entries
        chunks[b"PLTE"] = bytes(range(17 * 3))
    return (png[:8] + _png_chunk(b"IHDR", header)
            + (_png_chunk(b"PLTE", chunks[b"PLTE"]) if b"PLTE" in chunks else b"")
            + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b""))


@pytest.mark.parametrize("damage, reason", [
    ("png-bad-pixel-data", "PNG pixels are damaged"),
    ("png-short-data", "PNG has 194535 bytes of pixel rows, not 389070"),
    ("png-bad-filter-type", "PNG pixel rows are damaged"),
    ("png-short-header", "PNG is truncated or has no header"),
    ("png-huge", "PNG of 100000x100000 pixels: empty, or over"),
    ("png-palette-too-long", "PNG palette is damaged"),
    ("jpeg-truncated", "image file is truncated"),
])
def test_a_damaged_figure_file_is_left_out_with_a_warning(records, tmp_path, damage, reason):
    """Going in as they are, files are still checked: every PNG row is inflated and counted, and a
    JPEG is decoded (at an eighth of its size, which reads every coded block)."""
    record = records["CO24017"]
    (figure,) = record.figures()
    data = _damaged(damage)
    path = tmp_path / f"{damage}.pdf"
    context = RenderContext(style=load_style("rsis"), assets={figure.image: data})
    path.write_bytes(pdf_writer.render(record, context))
    assert _image_count(path) == 0
    (warning,) = context.warnings
    assert (warning.code, warning.pointer) == ("W003", "figure fig1")
    assert "images/CO24017-fig1.png" in warning.message and "cannot be decoded" in warning.message
    assert reason in warning.message
    assert pikepdf.pdfa.validate_written(level_b(path, tmp_path / "b.pdf"), "3b").verdict == "pass"


@pytest.mark.parametrize("variant", ["cmyk-jpeg", "undecodable"])
def test_awkward_images_keep_the_file_valid(records, tmp_path, variant):
    from PIL import Image as PILImage
    record = records["CO24017"]
    (figure,) = record.figures()
    if variant == "cmyk-jpeg":
        buffer = io.BytesIO()
        PILImage.open(RECORDS / figure.image).convert("CMYK").save(buffer, "JPEG")
        data, images = buffer.getvalue(), 1
    else:
        data, images = b"\x89PNG\r\n\x1a\n" + b"truncated" * 8, 0
    context = RenderContext(style=load_style("rsis"), assets={figure.image: data})
    path = tmp_path / f"{variant}.pdf"
    path.write_bytes(pdf_writer.render(record, context))
    report = pikepdf.pdfa.validate_written(level_b(path, tmp_path / "b.pdf"), "3b")
    assert report.verdict == "pass", report.findings  # CMYK without a CMYK OutputIntent would fail 6.2.4.3
    assert _image_count(path) == images
    text = _squash(_text(path))
    assert "Figure 1. Dry-season flow" in text and "Credit: Chart drawn by the authors" in text
    assert [w.code for w in context.warnings] == ([] if images else ["W003"])


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(variant=st.sampled_from(["png-rgb", "png-palette", "png-bilevel", "jpeg-rgb"]),
       # half of the flips land in the signature, header and first chunk lengths
       flips=st.lists(st.tuples(st.one_of(st.integers(0, 40), st.integers(min_value=0)),
                                st.integers(min_value=1, max_value=255)), max_size=4),
       cut=st.one_of(st.none(), st.integers(min_value=0)), recrc=st.booleans())
def test_a_hostile_image_file_is_placed_or_refused_never_a_crash(variant, flips, cut, recrc):
    """Damaged in any bytes, headers and lengths included, a figure file either goes in (its damage is
    one the decoders tolerate) or is refused as ImageDamaged: never another exception. With `recrc`
    a PNG's chunks get CRCs that match the damage, so it reaches the header and pixel checks."""
    import struct
    import zlib as zlib_module
    from archiver.images import ImageDamaged
    from archiver.writers.pdfimage import figure_image
    data = bytearray(_figure_variant(variant))
    for at, mask in flips:
        data[8 + at % (len(data) - 8)] ^= mask
    if cut is not None:
        data = data[:cut % len(data)]
    at = 8
    while recrc and variant.startswith("png") and at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        if at + 12 + length > len(data):
            break
        data[at + 8 + length:at + 12 + length] = struct.pack(">I", zlib_module.crc32(data[at + 4:at + 8 + length]))
        at += 12 + length
    try:
        width, height, placed = figure_image(bytes(data))
    except ImageDamaged:
        return
    assert width > 0 and height > 0
    placed(100.0, 100.0 * height / width)

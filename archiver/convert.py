"""One record in, every requested output out (as bytes keyed by file name); no file is written here.

The outputs of a record always include the canonical record itself (`<id>.json`) and its figure
images, so that an output folder is complete on its own for packaging.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .bounded import Refused, read
from .errors import ArchiverError, ArchiverWarning, ConversionError
from .record import Record
from .style import Style
from .writers import Format, RenderContext


def load_assets(record: Record, base_dir: Path, supplied: Mapping[str, bytes] | None = None
                ) -> tuple[dict[str, bytes], list[ArchiverWarning]]:
    """The figure images of a record that can be used: `read_assets`, then `decodable`."""
    read, warnings = read_assets(record, base_dir, supplied)
    assets, damaged = decodable(record, read)
    return assets, warnings + damaged


def read_assets(record: Record, base_dir: Path, supplied: Mapping[str, bytes] | None = None
                ) -> tuple[dict[str, bytes], list[ArchiverWarning]]:
    """The figure images of a record: those a reader `supplied` (a manuscript's embedded images), the
    others read relative to the record's folder; a missing one is a warning."""
    assets: dict[str, bytes] = {image: data for image, data in (supplied or {}).items()
                                if any(figure.image == image for figure in record.figures())}
    warnings: list[ArchiverWarning] = []
    base = base_dir.resolve()
    for figure in record.figures():
        if figure.image is None or figure.image in assets:
            continue
        path = (base / figure.image).resolve()
        if base not in path.parents:
            warnings.append(ArchiverWarning("W003", f"image {figure.image} lies outside the record's folder; left out",
                                            pointer=f"figure {figure.id}"))
            continue
        try:
            assets[figure.image] = read(path, "image", figure.image)
        except Refused as refused:
            reason = "is missing" if refused.missing else f"is refused ({refused.message})"
            warnings.append(ArchiverWarning("W003", f"image {figure.image} of figure {figure.id} {reason}; "
                                            "caption and credit kept", pointer=f"figure {figure.id}"))
    return assets, warnings


def decodable(record: Record, assets: Mapping[str, bytes]) -> tuple[dict[str, bytes], list[ArchiverWarning]]:
    """The images that decode; one that does not is a warning and left out of every output alike
    (EPUBCheck rejects a book holding a broken image, and a package would carry it as sound)."""
    from .images import ImageDamaged, check

    kept = dict(assets)
    warnings: list[ArchiverWarning] = []
    for figure in record.figures():
        if figure.image not in kept:
            continue
        try:
            check(kept[figure.image])
        except ImageDamaged as exc:
            del kept[figure.image]
            warnings.append(ArchiverWarning(
                "W003", f"image {figure.image} of figure {figure.id} cannot be decoded ({exc}); left out, "
                "caption and credit kept: replace the file", pointer=f"figure {figure.id}"))
    return kept, warnings


def applicable(record: Record, formats: list[Format], named: set[str], style: Style,
               source: str | None = None) -> tuple[list[Format], list[ArchiverWarning]]:
    """The formats to write for a record. A format that came in through a group and cannot be written
    for this record (Crossref without a DOI) is skipped with warning W009; named explicitly, it is kept
    and its writer's error stands."""
    wanted: list[Format] = []
    warnings: list[ArchiverWarning] = []
    for fmt in formats:
        reason = fmt.unmet(record, style) if fmt.name not in named else None
        if reason:
            warnings.append(ArchiverWarning("W009", f"{fmt.name} not written: {reason}", source=source))
        else:
            wanted.append(fmt)
    return wanted, warnings


def convert(record: Record, formats: list[Format], style: Style,
            assets: dict[str, bytes]) -> tuple[dict[str, bytes], list[ArchiverWarning]]:
    """File name -> bytes for the record, its images and each requested format; and the warnings the
    writers raised (W003 for a figure image the PDF cannot decode, W010 for characters no font has)."""
    context = RenderContext(style=style, assets=MappingProxyType(dict(assets)))
    outputs: dict[str, bytes] = {f"{record.identifier}.json": context.record_json(record)}
    outputs.update(assets)
    for fmt in formats:
        try:
            outputs[fmt.output_name(record)] = context.output(record, fmt.name)
        except ArchiverError:
            raise
        except Exception as exc:  # a writer bug must not take the batch down: report it per record
            raise ConversionError(f"{fmt.name} conversion of {record.identifier} failed: "
                                  f"{type(exc).__name__}: {exc}",
                                  hint="this is a bug in archiver; please report it with the record") from exc
    return outputs, context.warnings

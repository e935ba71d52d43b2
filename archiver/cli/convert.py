"""`archiver convert`: records to JATS, EPUB, PDF/A, citation formats and a landing page."""

from __future__ import annotations

from pathlib import Path

import click

from .common import Tally, expand_paths, fail_cleanly, inside, sync_files, writable_folder, write_unsynced
from .options import complete_formats, complete_styles, say


@click.command(epilog="""\b
Example:
  archiver convert samples/records/*.json -o out/ --to jats,epub,pdf --style rsis
  # writes out/CO23081/CO23081.xml, .epub, .pdf (and the record and its images)
  archiver convert records/ -o out/ --dry-run    # the files it would write, nothing written""")
@click.argument("records", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; each record gets OUT/<identifier>/.")
@click.option("--to", "to", default=None, metavar="LIST", shell_complete=complete_formats,
              help="Comma list of formats or groups (see `archiver formats`); default: all.")
@click.option("--style", default="default", show_default=True, shell_complete=complete_styles,
              help="Brand from styles/ (see `archiver styles`).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 3).")
@click.option("--dry-run", is_flag=True, help="Convert in memory and list the files that would be written; "
                                              "write nothing.")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON instead of text on standard error.")
@fail_cleanly
def command(records: tuple[str, ...], out_dir: Path, to: str | None, style: str, strict: bool,
            dry_run: bool, report_format: str) -> None:
    """Convert canonical records (files or folders of .json) into every output format."""
    from ..convert import applicable, convert, load_assets
    from ..errors import ArchiverError, ArchiverWarning, ConversionError
    from ..record import load
    from ..style import load_style
    from ..writers import named_explicitly, resolve

    writable_folder(out_dir)
    formats = resolve(to)
    named = named_explicitly(to)
    brand = load_style(style)
    tally = Tally(strict=strict, as_json=report_format == "json")
    for path in expand_paths(records, suffixes=(".json",)):
        try:
            record = load(path)
            assets, read_warnings = load_assets(record, path.parent)
            warnings = [ArchiverWarning(w.code, w.message, w.source or str(path), w.pointer) for w in read_warnings]
            wanted, skipped = applicable(record, formats, named, brand, str(path))
            warnings += skipped
            outputs, rendered = convert(record, wanted, brand, assets)
            warnings += [ArchiverWarning(w.code, w.message, str(path), w.pointer) for w in rendered]
            folder = inside(out_dir, record.identifier)
            dropped = _images_of_earlier_record(folder, record.identifier) - set(outputs)
            if dry_run:
                plan = {"would_write": [str(folder / name) for name in sorted(outputs)],
                        "would_remove": [str(folder / name) for name in sorted(dropped)]}
                if report_format == "text":
                    for action, paths in plan.items():
                        for target in paths:
                            say(f"{action.replace('_', ' ')}: {target}")
                tally.success(str(path), warnings, identifier=record.identifier, **plan)
                continue
            targets = {inside(folder, name): data for name, data in sorted(outputs.items())}
            for target, data in targets.items():
                write_unsynced(target, data)
            sync_files(targets)  # one sync for the record's files, before it is reported written
            if dropped:  # rare: the batch module (and sqlite3, multiprocessing) only then
                from ..batch import remove_output
            for name in sorted(dropped):
                remove_output(folder.parent, record.identifier, f"{record.identifier}/{name}")
        except ArchiverError as error:
            tally.failure(str(path), error)
            continue
        except OSError as error:
            tally.failure(str(path), ConversionError(f"cannot write the outputs: {error.strerror or error}",
                                                     source=str(path), hint="check the free space and "
                                                     "permissions of the output folder"))
            continue
        tally.success(str(path), warnings, identifier=record.identifier, outputs=sorted(outputs))
    tally.finish("convert (dry run: nothing written)" if dry_run else "convert")


def _images_of_earlier_record(folder: Path, identifier: str) -> set[str]:
    """The figure images of the record an earlier conversion wrote to `folder`; none when there is no
    valid record there (then nothing in the folder is known to be archiver's)."""
    from ..errors import ArchiverError
    from ..record import load

    try:
        earlier = load(folder / f"{identifier}.json")
    except (ArchiverError, OSError):
        return set()
    return {figure.image for figure in earlier.figures() if figure.image}


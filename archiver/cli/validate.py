"""`archiver validate`: every problem of every record, with file, JSON pointer and hint."""

from __future__ import annotations

from pathlib import Path

import click

from .common import Tally, expand_paths, fail_cleanly


@click.command(epilog="""\b
Example:
  archiver validate samples/records/
  archiver validate --format json records/*.json > problems.json""")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Print the report as JSON on standard output.")
@fail_cleanly
def command(paths: tuple[str, ...], report_format: str) -> None:
    """Validate record files (or folders of .json records) against schemas/commentary.schema.json.

    Exit 0 when all are valid, 5 when any record is invalid, 4 when a file cannot be read."""
    from ..errors import ArchiverError
    from ..record import load

    tally = Tally(as_json=report_format == "json")
    for path in expand_paths(paths, suffixes=(".json",)):
        try:
            record = load(Path(path))
        except ArchiverError as error:
            tally.failure(str(path), error)
            continue
        tally.success(str(path), identifier=record.identifier)
    tally.finish("validate")

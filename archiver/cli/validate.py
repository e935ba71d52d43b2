"""`archiver validate`: every problem of every record (file, JSON pointer, hint), or with `--jats`
every DTD problem of JATS articles (file and line)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import Tally, expand_paths, fail_cleanly


@click.command(epilog="""\b
Example:
  archiver validate samples/records/
  archiver validate --format json records/*.json > problems.json
  archiver validate --jats out/CO23081/CO23081.xml""")
@click.argument("paths", nargs=-1, required=True)
@click.option("--jats", "jats", is_flag=True,
              help="Validate JATS articles (.xml) against the JATS 1.4 Archiving DTD instead of records.")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Print the report as JSON on standard output.")
@fail_cleanly
def command(paths: tuple[str, ...], jats: bool, report_format: str) -> None:
    """Validate record files (or folders of .json records) against schemas/commentary.schema.json,
    or with --jats JATS articles (or folders of .xml) against the JATS 1.4 Archiving DTD.

    Exit 0 when all are valid, 5 when any record or article is invalid, 4 when a file cannot be read
    (or, with --jats, is not well-formed XML)."""
    from ..errors import ArchiverError
    from ..record import load

    tally = Tally(as_json=report_format == "json")
    for path in expand_paths(paths, suffixes=(".xml",) if jats else (".json",)):
        try:
            if jats:
                _check_jats(path)
            else:
                record = load(Path(path))
        except ArchiverError as error:
            tally.failure(str(path), error)
            continue
        if jats:
            tally.success(str(path))
        else:
            tally.success(str(path), identifier=record.identifier)
    tally.finish("validate")


def _check_jats(path: Path) -> None:
    from ..bounded import read
    from ..validators.jats import check_jats

    check_jats(read(path, "source"), str(path))

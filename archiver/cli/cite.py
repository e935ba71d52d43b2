"""`archiver cite`: print one record's citation, formatted in a CSL style or as citation data."""

from __future__ import annotations

from pathlib import Path

import click

from .common import fail_cleanly
from .options import say

#: --to choices that are data formats of the registry (the rest are CSL styles)
DATA_FORMATS = ("bibtex", "ris", "csl-json")
STYLE_CHOICES = ("apa", "chicago", "harvard", "mla")


@click.command(epilog="""\b
Example:
  archiver cite samples/records/CO23081.json --to apa
  archiver cite samples/records/CO23081.json --to bibtex >> library.bib""")
@click.argument("record", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "fmt", type=click.Choice([*STYLE_CHOICES, *DATA_FORMATS]), default=None,
              help="A CSL style (APA 7, Chicago 18 author-date, Cite Them Right Harvard, MLA 9) or a "
              "citation data format.  [default: chicago]")
@click.option("--format", "old_fmt", type=click.Choice([*STYLE_CHOICES, *DATA_FORMATS]), default=None,
              hidden=True, help="Deprecated spelling of --to.")
@fail_cleanly
def command(record: Path, fmt: str | None, old_fmt: str | None) -> None:
    """Print the citation of one canonical record on standard output."""
    from ..citation import cite_as
    from ..errors import UsageError
    from ..record import load

    if old_fmt is not None:
        say("notice: `archiver cite --format` is now --to (--format means the report's format in "
                   "every other command); --format still works", err=True)
        if fmt is not None and fmt != old_fmt:
            raise UsageError(f"--to {fmt} and --format {old_fmt} disagree", hint="give --to only")
    fmt = fmt or old_fmt or "chicago"
    loaded = load(record)
    if fmt in DATA_FORMATS:
        from ..style import load_style
        from ..writers import FORMATS, RenderContext

        data = FORMATS[fmt].renderer()(loaded, RenderContext(style=load_style()))
        click.echo(data, nl=False)  # the bytes of the file, CRLF of RIS included
    else:
        click.echo(cite_as(loaded, fmt))

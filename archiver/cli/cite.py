"""`archiver cite`: print one record's citation, formatted in a CSL style or as citation data."""

from __future__ import annotations

from pathlib import Path

import click

from .common import fail_cleanly

#: --format choices that are data formats of the registry (the rest are CSL styles)
DATA_FORMATS = ("bibtex", "ris", "csl-json")
STYLE_CHOICES = ("apa", "chicago", "harvard", "mla")


@click.command(epilog="""\b
Example:
  archiver cite samples/records/CO23081.json --format apa
  archiver cite samples/records/CO23081.json --format bibtex >> library.bib""")
@click.argument("record", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice([*STYLE_CHOICES, *DATA_FORMATS]), default="chicago",
              show_default=True, help="A CSL style (APA 7, Chicago 18 author-date, Cite Them Right "
              "Harvard, MLA 9) or a citation data format.")
@fail_cleanly
def command(record: Path, fmt: str) -> None:
    """Print the citation of one canonical record on standard output."""
    from ..citation import cite_as
    from ..record import load

    loaded = load(record)
    if fmt in DATA_FORMATS:
        from ..style import load_style
        from ..writers import FORMATS, RenderContext

        data = FORMATS[fmt].renderer()(loaded, RenderContext(style=load_style()))
        click.echo(data, nl=False)  # the bytes of the file, CRLF of RIS included
    else:
        click.echo(cite_as(loaded, fmt))

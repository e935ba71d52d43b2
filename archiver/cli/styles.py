"""`archiver styles`: the brands in styles/."""

from __future__ import annotations

import click

from .common import fail_cleanly


@click.command(epilog="""\b
Example:
  archiver styles
  archiver convert records/ -o out/ --style rsis""")
@fail_cleanly
def command() -> None:
    """List the brands (folders of styles/ with a style.json), checking each one loads."""
    from ..style import available_styles, load_style

    for name in available_styles():
        style = load_style(name)
        click.echo(f"{name:<10} {style.label}: {style.data.get('description', '')}")

"""`archiver formats`: the output formats, their file names and aliases."""

from __future__ import annotations

import click


@click.command(epilog="""\b
Example:
  archiver formats""")
def command() -> None:
    """List the output formats `convert --to` accepts, with aliases and groups."""
    from ..writers import FORMATS, GROUPS

    for fmt in FORMATS.values():
        aliases = f" (also: {', '.join(fmt.aliases)})" if fmt.aliases else ""
        click.echo(f"{fmt.name:<10} {fmt.filename:<22} {fmt.description}{aliases}")
    for group, members in GROUPS.items():
        click.echo(f"{group:<10} {'group':<22} {', '.join(members)}")

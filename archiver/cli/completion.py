"""`archiver completion`: the shell's completion script, from click's own shell completion."""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")


@click.command(epilog="""\\b
Example:
  eval "$(archiver completion bash)"                              # this shell
  archiver completion bash > ~/.local/share/bash-completion/completions/archiver
  archiver completion fish > ~/.config/fish/completions/archiver.fish""")
@click.argument("shell", type=click.Choice(SHELLS))
def command(shell: str) -> None:
    """Print the completion script for SHELL: commands, options, and the values of --to (formats and
    groups, comma lists too), --style (the brands) and --shard."""
    from click.shell_completion import get_completion_class

    from . import main

    completion = get_completion_class(shell)(main, {}, "archiver", "_ARCHIVER_COMPLETE")
    click.echo(completion.source())

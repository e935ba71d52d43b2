"""The command line: the only place that prints, exits, shows progress and writes files.

Each command lives in its own module, imported only when that command runs, so `archiver --help`
stays fast (no lxml, jsonschema or reportlab import until a command needs one).
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import click

from .. import __version__
from ..errors import EXIT_CODES

#: command name -> module defining `command` (a click.Command)
COMMANDS: dict[str, str] = {
    "ingest": "archiver.cli.ingest",
    "validate": "archiver.cli.validate",
    "convert": "archiver.cli.convert",
    "formats": "archiver.cli.formats",
    "styles": "archiver.cli.styles",
    "build": "archiver.cli.build",
    "package": "archiver.cli.package",
    "verify": "archiver.cli.verify",
    "deposit": "archiver.cli.deposit",
    "cite": "archiver.cli.cite",
    "completion": "archiver.cli.completion",
}

SHORT_HELP: dict[str, str] = {
    "ingest": "Normalise sources into canonical records.",
    "validate": "Check records (or JATS files) and report every problem.",
    "convert": "Write JATS, EPUB, PDF/A, citations and a landing page.",
    "formats": "List the output formats and their aliases.",
    "styles": "List the brands in styles/.",
    "build": "Build a whole batch: parallel, incremental, resumable.",
    "package": "Package output folders as BagIt, DSpace SAF, OCFL or METS/PREMIS.",
    "verify": "Check the fixity of bags, OCFL objects, METS packages and manifests.",
    "deposit": "Deposit a package into a repository over SWORD v2.",
    "cite": "Print a record's citation (APA, Chicago, Harvard, MLA, BibTeX, RIS, CSL-JSON).",
    "completion": "Print the shell completion script (bash, zsh, fish).",
}

EPILOG = "Exit codes:\n\n" + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        from .options import apply_conventions

        command = importlib.import_module(COMMANDS[name]).command
        apply_conventions(name, command)
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader of standard output has gone (`| head`): stop quietly with the status a shell
            # reports for a process ended by SIGPIPE, as coreutils do. Standard output is pointed at
            # /dev/null so that the interpreter's last flush finds nowhere to fail.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP[name]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        for line in EPILOG.splitlines():
            formatter.write_text(line) if line.strip() else formatter.write_paragraph()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"],
                                             "auto_envvar_prefix": "ARCHIVER"})
# not from ARCHIVER_VERSION: a pipeline that pins the version to install in it must not make every
# command print the version (or refuse "0.1.0" as no boolean)
@click.version_option(__version__, prog_name="archiver", allow_from_autoenv=False)
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Option values from this TOML file (default: ./archiver.toml when present).")
@click.pass_context
def main(ctx: click.Context, config: Path | None) -> None:
    """Preserve a commentary series: ingest pages and manuscripts into canonical records, convert
    them to JATS, EPUB 3, PDF/A and citation formats, package and deposit them.

    \b
    Example:
      archiver ingest saved-pages/ -o records/
      archiver convert records/*.json -o out/
    """
    from ..limits import check_environment
    from .common import fail_cleanly
    from .options import command_defaults

    fail_cleanly(check_environment)()

    name = ctx.invoked_subcommand
    if name:
        command = ctx.command.get_command(ctx, name)
        ctx.default_map = {name: fail_cleanly(command_defaults)(config, name, command, COMMANDS)}

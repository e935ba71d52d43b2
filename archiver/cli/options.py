"""What every command shares beyond its own options: `-q`/`-v`, option values from a configuration
file and from `ARCHIVER_*` environment variables, and shell completion of option values.

Where an option's value comes from, first match wins: the command line, then the environment
(`ARCHIVER_<COMMAND>_<OPTION>`, the option's long name in capitals with `_` for `-`:
`ARCHIVER_BUILD_JOBS=2`, `ARCHIVER_BUILD_FORMAT=json`, `ARCHIVER_BUILD_DRY_RUN=1`; `--config`'s own is
`ARCHIVER_CONFIG`), then the configuration file (`--config FILE`, else `archiver.toml` in the working
folder: one table per command, keys are the options' long names), then the built-in default. The
environment and the file name options alike, by their long names (click would name a variable after
the Python parameter: `ARCHIVER_BUILD_REPORT_FORMAT` for `--format`).
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, Iterable

import click

from ..errors import UsageError

CONFIG_NAME = "archiver.toml"
#: bytes of configuration read at most: a configuration file is a few lines
CONFIG_LIMIT = 1 << 20
_VERBOSITY = "archiver.verbosity"


def verbosity(ctx: click.Context | None = None) -> int:
    """-1 under -q, 0 by default, 1 per -v."""
    ctx = ctx or click.get_current_context(silent=True)
    return ctx.find_root().meta.get(_VERBOSITY, 0) if ctx else 0


def apply_conventions(command_name: str, command: click.Command) -> None:
    """What every command gets: -q/-v, and an environment variable for each option, named after it."""
    add_verbosity_options(command)
    for param in command.params:
        long_name = _long_name(param)
        if long_name is not None:
            param.envvar = environment_variable(command_name, long_name)


def environment_variable(command_name: str, long_name: str) -> str:
    """`ARCHIVER_BUILD_DRY_RUN` for `archiver build --dry-run`."""
    return f"ARCHIVER_{command_name}_{long_name}".upper().replace("-", "_")


def _long_name(param: click.Parameter) -> str | None:
    if not isinstance(param, click.Option):
        return None
    return next((opt[2:] for opt in param.opts if opt.startswith("--")), None)


def say(text: str, *, err: bool = False) -> None:
    """Print what a command tells about its work (a notice, a note, a line per package), except under
    -q, which leaves errors only. A command's product (a citation, a JSON report) is printed as is."""
    if verbosity() >= 0:
        click.echo(text, err=err)


def add_verbosity_options(command: click.Command) -> None:
    """Give a command -q/--quiet and -v/--verbose (the values go to the context, not the function)."""
    if any(param.name in ("quiet", "verbose") for param in command.params):
        return

    def quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.find_root().meta[_VERBOSITY] = -1

    def verbose(ctx: click.Context, _param: click.Parameter, value: int) -> None:
        if value:
            root = ctx.find_root()
            if root.meta.get(_VERBOSITY, 0) < 0:
                raise click.UsageError("-q and -v exclude each other")
            root.meta[_VERBOSITY] = value

    command.params.append(click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, callback=quiet,
                                       is_eager=True, help="Print errors only: no warnings, no summary."))
    command.params.append(click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=verbose,
                                       help="Say more: a line for every input (repeat for more)."))


def load_config(path: Path | None) -> dict[str, dict[str, Any]]:
    """The tables of the configuration file (`path`, or ./archiver.toml when present; {} if neither)."""
    explicit = path is not None
    path = path or Path(CONFIG_NAME)
    if not explicit and not path.is_file():
        return {}
    name = str(path)
    try:
        if not path.is_file():
            raise UsageError(f"{name}: no such configuration file", source=name,
                             hint="give --config an existing TOML file")
        with path.open("rb") as handle:
            data = handle.read(CONFIG_LIMIT + 1)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}", source=name,
                         hint="check the file's permissions") from None
    if len(data) > CONFIG_LIMIT:
        raise UsageError(f"{name}: larger than {CONFIG_LIMIT} bytes", source=name,
                         hint="a configuration file holds a few options per command")
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{name}: not a TOML file: {exc}", source=name,
                         hint="see the README's 'Configuration' section for the layout") from None
    for table, values in parsed.items():
        if not isinstance(values, dict):
            raise UsageError(f"{name} /{table}: expected a table of options, e.g. [{table}]", source=name,
                             hint="put each command's options under [COMMAND]: [build] jobs = 2")
    return parsed


def command_defaults(path: Path | None, command_name: str, command: click.Command,
                     commands: Iterable[str]) -> dict[str, Any]:
    """The default values the configuration file gives one command (click's `default_map` for it);
    a table that names no command is a usage error, so a typo is not silently ignored."""
    tables = load_config(path)
    source = str(path or CONFIG_NAME)
    unknown = sorted(set(tables) - set(commands))
    if unknown:
        raise UsageError(f"{source} /{unknown[0]}: there is no command `archiver {unknown[0]}`", source=source,
                         hint=f"tables are named after commands: {', '.join(sorted(commands))}")
    return _default_map(tables, command_name, command, source)


def _default_map(config: dict[str, dict[str, Any]], command_name: str, command: click.Command,
                 source: str) -> dict[str, Any]:
    """The configuration table of one command as click's `default_map`: long option names (`--to`,
    `--output`) turned into the parameters they set; an unknown name is a usage error."""
    table = config.get(command_name, {})
    by_long_name = {long_name: param for param in command.params if (long_name := _long_name(param))}
    values: dict[str, Any] = {}
    for key, value in table.items():
        param = by_long_name.get(key)
        if param is None:
            known = ", ".join(sorted(by_long_name)) or "none"
            raise UsageError(f"{source} /{command_name}/{key}: `archiver {command_name}` has no option --{key}",
                             source=source, hint=f"its options: {known}")
        if isinstance(value, float) and not math.isfinite(value):
            raise UsageError(f"{source} /{command_name}/{key}: {value} is not a usable value", source=source,
                             hint="give a finite number")
        values[param.name] = ",".join(map(str, value)) if isinstance(value, list) else value
    return values


def complete_formats(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Names for --to LIST: the comma list typed so far, completed by its last item."""
    from ..writers import FORMATS, GROUPS

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    names = sorted({*FORMATS, *GROUPS, *(alias for fmt in FORMATS.values() for alias in fmt.aliases)})
    return [prefix + name for name in names if name.startswith(last)]


def complete_styles(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    from ..style import available_styles

    return [name for name in available_styles() if name.startswith(incomplete)]


def complete_shards(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """K/N: after "N" or "K/" the shards of a split into up to 16 parts."""
    index, slash, count = incomplete.partition("/")
    if slash and count.isdigit():
        return [incomplete]
    if slash and index.isdigit():
        return [f"{index}/{n}" for n in range(max(int(index), 1), 17)]
    return [f"{k}/{n}" for n in range(1, 17) for k in range(1, n + 1) if f"{k}/{n}".startswith(incomplete)][:64]

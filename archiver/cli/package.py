"""`archiver package`: output folders of `convert` into BagIt bags, a DSpace SAF batch, OCFL objects
or METS/PREMIS packages."""

from __future__ import annotations

from pathlib import Path

import click

from .common import fail_cleanly
from .options import say

KINDS = ("bagit", "saf", "ocfl", "mets")


def package_kind(to: str | None, old_format: str | None) -> str:
    """--to, or the --format it replaced (still accepted, with a notice)."""
    from ..errors import UsageError

    if old_format is not None:
        say("notice: `archiver package --format` is now --to (--format means the report's format "
                   "in every other command); --format still works", err=True)
        if to is not None and to != old_format:
            raise UsageError(f"--to {to} and --format {old_format} disagree", hint="give --to only")
    kind = to or old_format
    if kind is None:
        raise UsageError("missing option --to", hint=f"choose one of: {', '.join(KINDS)}")
    return kind


@click.command(epilog="""\b
Example:
  archiver package out/* --to saf -o pkg/      # pkg/saf/<id>/ item folders + pkg/saf.zip
  archiver package out/* --to bagit -o pkg/    # pkg/<id>/ one bag per record
  archiver package out/* --to ocfl -o store/   # OCFL storage root; re-running adds versions
  archiver package out/* --to mets -o pkg/     # pkg/<id>/mets.xml + files (METSDSpaceSIP)
  archiver package out/* --to saf -o pkg/ --dry-run""")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--to", "fmt", type=click.Choice(KINDS), default=None, help="Package kind.  [required]")
@click.option("--format", "old_fmt", type=click.Choice(KINDS), default=None, hidden=True,
              help="Deprecated spelling of --to.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the packages (for ocfl: the storage root).")
@click.option("--dry-run", is_flag=True, help="Check the folders and say what would be written; write nothing.")
@fail_cleanly
def command(folders: tuple[Path, ...], fmt: str | None, old_fmt: str | None, out_dir: Path, dry_run: bool) -> None:
    """Package output folders (OUT/<identifier>/ as `archiver convert` writes them)."""
    from ..deposit import ensure_unique, open_record_folder
    from .common import inside, writable_folder

    fmt = package_kind(fmt, old_fmt)
    writable_folder(out_dir)
    records = [open_record_folder(path) for path in folders if not path.name.startswith(".")]
    ensure_unique(records)
    if dry_run:
        targets = ([inside(out_dir, "saf"), inside(out_dir, "saf.zip")] if fmt == "saf" else
                   [inside(out_dir)] if fmt == "ocfl" else
                   [inside(out_dir, record.identifier) for record in records])
        for target in targets:
            say(f"would write: {target}" + ("/" if target.suffix != ".zip" else ""))
        say(f"package (dry run: nothing written): {len(records)} record folder(s) as {fmt}", err=True)
        return
    if fmt == "saf":
        from ..deposit.saf import make_batch
        batch, archive = make_batch(records, inside(out_dir, "saf"))
        say(f"{batch}/ ({len(records)} items)")
        say(str(archive))
        return
    for record in records:
        if fmt == "bagit":
            from ..deposit.bag import make_bag
            say(f"{make_bag(record, inside(out_dir, record.identifier))}/")
        elif fmt == "mets":
            from ..deposit.mets import make_mets_package
            say(f"{make_mets_package(record, inside(out_dir, record.identifier))}/")
        else:
            from ..deposit.ocfl import add_record
            object_dir, version = add_record(record, out_dir)
            say(f"{object_dir}/ {version or 'unchanged'}")

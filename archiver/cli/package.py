"""`archiver package`: output folders of `convert` into BagIt bags, a DSpace SAF batch, OCFL objects
or METS/PREMIS packages."""

from __future__ import annotations

from pathlib import Path

import click

from .common import fail_cleanly


@click.command(epilog="""\b
Example:
  archiver package out/* --format saf -o pkg/      # pkg/saf/<id>/ item folders + pkg/saf.zip
  archiver package out/* --format bagit -o pkg/    # pkg/<id>/ one bag per record
  archiver package out/* --format ocfl -o store/   # OCFL storage root; re-running adds versions
  archiver package out/* --format mets -o pkg/     # pkg/<id>/mets.xml + files (METSDSpaceSIP)""")
@click.argument("folders", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["bagit", "saf", "ocfl", "mets"]), required=True,
              help="Package format.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the packages (for ocfl: the storage root).")
@fail_cleanly
def command(folders: tuple[Path, ...], fmt: str, out_dir: Path) -> None:
    """Package output folders (OUT/<identifier>/ as `archiver convert` writes them)."""
    from ..deposit import ensure_unique, open_record_folder
    from .common import inside, writable_folder

    writable_folder(out_dir)
    records = [open_record_folder(path) for path in folders if not path.name.startswith(".")]
    ensure_unique(records)
    if fmt == "saf":
        from ..deposit.saf import make_batch
        batch, archive = make_batch(records, inside(out_dir, "saf"))
        click.echo(f"{batch}/ ({len(records)} items)")
        click.echo(str(archive))
        return
    for record in records:
        if fmt == "bagit":
            from ..deposit.bag import make_bag
            click.echo(f"{make_bag(record, inside(out_dir, record.identifier))}/")
        elif fmt == "mets":
            from ..deposit.mets import make_mets_package
            click.echo(f"{make_mets_package(record, inside(out_dir, record.identifier))}/")
        else:
            from ..deposit.ocfl import add_record
            object_dir, version = add_record(record, out_dir)
            click.echo(f"{object_dir}/ {version or 'unchanged'}")

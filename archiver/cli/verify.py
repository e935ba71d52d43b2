"""`archiver verify`: fixity of bags, OCFL objects and storage roots, METS packages, SAF batch zips and
build manifests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .common import fail_cleanly
from .options import say


@click.command(epilog="""\b
Example:
  archiver verify pkg/CO23081            # a bag or a METS package
  archiver verify store/                 # an OCFL storage root (every object)
  archiver verify pkg/saf                # a folder with manifest-sha256.txt
  archiver verify pkg/saf.zip            # a SAF batch zip, against pkg/saf/ when it is there
Exit status 7 names every changed, missing or extra file.""")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON instead of text on standard error.")
@fail_cleanly
def command(paths: tuple[Path, ...], report_format: str) -> None:
    """Check that packages still hold exactly the files, and bytes, they list."""
    from ..deposit.verify import verify
    from ..errors import PackageInvalid

    reports = [verify(path) for path in paths]
    if report_format == "json":
        click.echo(json.dumps([{"path": str(r.path), "kind": r.kind, "checked": r.checked, "ok": r.ok,
                                "problems": [p.to_json() for p in r.problems], "notes": r.notes} for r in reports],
                              indent=2))
    else:
        for report in reports:
            for problem in report.problems:
                click.echo(f"error: {problem}", err=True)
            for note in report.notes:
                say(f"note: {report.path}: {note}", err=True)
            status = "ok" if report.ok else f"FAILED ({len(report.problems)} problem(s))"
            say(f"{report.path}: {report.kind}, {report.checked} file(s) checked, {status}", err=True)
    sys.exit(0 if all(r.ok for r in reports) else PackageInvalid.exit_code)

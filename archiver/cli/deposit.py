"""`archiver deposit`: send packages to a repository over SWORD v2."""

from __future__ import annotations

from pathlib import Path

import click

from .common import Tally, fail_cleanly


@click.command(epilog="""\b
Example:
  export ARCHIVER_SWORD_USER=depositor@example.org ARCHIVER_SWORD_PASSWORD=...   # or ~/.netrc
  archiver deposit pkg/saf --sword https://repo.example.org/server/swordv2/servicedocument \\
      --collection "RSIS Commentaries"
  archiver deposit pkg/CO23081 --sword URL       # a METS package goes as METSDSpaceSIP
Credentials are never printed. Any HTTP failure exits 8 with the server's reason.""")
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--sword", "service_url", required=True, metavar="SERVICE_DOCUMENT_URL",
              help="The repository's SWORD v2 service document (http or https).")
@click.option("--collection", default=None, metavar="NAME",
              help="Collection title or IRI from the service document (needed when it offers several).")
@click.option("--timeout", default=60.0, show_default=True, help="Seconds to wait for each answer.")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON instead of text on standard error.")
@fail_cleanly
def command(packages: tuple[Path, ...], service_url: str, collection: str | None, timeout: float,
            report_format: str) -> None:
    """Deposit packages (METS packages, SAF batches or items, bags, output folders) into a collection."""
    from ..deposit.sword import SwordClient, credentials_for, deposit, prepare
    from ..errors import ArchiverError, DepositError, Problem

    def located(error: ArchiverError, source: str) -> ArchiverError:
        # Name the package (or the server) a deposit error is about, where the library left it open.
        if isinstance(error, DepositError):
            error.problems = [p if p.source else Problem(p.message, p.pointer, source, p.hint, p.line)
                              for p in error.problems]
        return error

    try:
        client = SwordClient(service_url, credentials_for(service_url), timeout=timeout)
        service = client.service_document()
        target = client.choose(service, collection)
    except ArchiverError as error:
        raise located(error, "--sword") from None
    tally = Tally(as_json=report_format == "json")
    for path in packages:
        try:
            prepared = prepare(path)
        except ArchiverError as error:
            tally.failure(str(path), located(error, str(path)))
            continue
        for package in prepared:
            try:
                result = deposit(client, package, target, service.max_upload_size)
            except ArchiverError as error:
                tally.failure(f"{path} ({package.name})", located(error, f"{path} ({package.name})"))
                continue
            states = [term.rsplit("/", 1)[-1] for term, _ in (result.statement.states if result.statement else ())]
            if report_format == "text":
                click.echo(f"{package.name}: deposited to {target.title!r} as {result.packaging.rsplit('/', 1)[-1]}"
                           f"; Edit-IRI {result.receipt.edit_iri}; state {', '.join(states) or 'unknown'}")
            tally.success(f"{path} ({package.name})", identifier=package.name, collection=target.title,
                          packaging=result.packaging, edit_iri=result.receipt.edit_iri,
                          statement=result.receipt.statement_iri, states=states)
    tally.finish("deposit")

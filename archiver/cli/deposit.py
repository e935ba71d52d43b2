"""`archiver deposit`: send packages to a repository over SWORD v2, once each (deposit records)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import click

from .common import Tally, fail_cleanly, write_atomic
from .options import say


def _timeout(_ctx, _param, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise click.BadParameter(f"{value!r} is not a number of seconds above 0")
    return value


@click.command(epilog="""\b
Example:
  export ARCHIVER_SWORD_USER=depositor@example.org ARCHIVER_SWORD_PASSWORD=...   # or ~/.netrc
  archiver deposit pkg/saf --sword https://repo.example.org/server/swordv2/servicedocument \\
      --collection "RSIS Commentaries"
  archiver deposit pkg/mets/CO23081 --sword URL   # a METS package goes as METSDSpaceSIP
\b
Each package deposited is recorded (see --state); a rerun says "already deposited" and sends
nothing unless --again. Credentials are never printed. Any HTTP failure exits 8 with the server's
reason; a deposit that fails half-way is deleted from the server, or its Edit-IRI is named.""")
@click.argument("packages", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--sword", "service_url", required=True, metavar="SERVICE_DOCUMENT_URL",
              help="The repository's SWORD v2 service document (http or https).")
@click.option("--collection", default=None, metavar="NAME",
              help="Collection title or IRI from the service document (needed when it offers several).")
@click.option("--timeout", default=120.0, show_default=True, type=float, callback=_timeout, metavar="SECONDS",
              help="Seconds one request may take in all: connecting, sending the package, the answer.")
@click.option("--on-behalf-of", default=None, metavar="USER",
              help="Deposit for another user (a mediated deposit; the collection must allow it).")
@click.option("--again", is_flag=True, help="Deposit even the packages a record says were deposited already.")
@click.option("--state", "state_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder of deposit records [default: ARCHIVER_STATE_DIR, else "
                   "$XDG_STATE_HOME/archiver/deposits].")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON instead of text on standard error.")
@fail_cleanly
def command(packages: tuple[Path, ...], service_url: str, collection: str | None, timeout: float,
            on_behalf_of: str | None, again: bool, state_dir: Path | None, report_format: str) -> None:
    """Deposit packages (METS packages, SAF batches or items, bags, output folders) into a collection."""
    from ..deposit import deposit_records as records
    from ..deposit.secrets import credentials_for
    from ..deposit.sword import SwordClient, deposit
    from ..deposit.sword_packages import prepare
    from ..errors import ArchiverError, ArchiverWarning, DepositError, Problem, UsageError

    def located(error: ArchiverError, source: str) -> ArchiverError:
        # Name the package (or the server) a deposit error is about, where the library left it open.
        if isinstance(error, DepositError):
            error.problems = [p if p.source else Problem(p.message, p.pointer, source, p.hint, p.line)
                              for p in error.problems]
        return error

    folder = records.state_folder(state_dir)
    try:
        # Checked before anything is sent: a deposit that cannot be recorded would be made again.
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise UsageError(f"cannot write deposit records to {folder}: {error.strerror or error}",
                         hint="give a writable folder with --state DIR (or ARCHIVER_STATE_DIR)") from None
    try:
        client = SwordClient(service_url, credentials_for(service_url), timeout=timeout, on_behalf_of=on_behalf_of)
        service = client.service_document()
        target = client.choose(service, collection)
    except ArchiverError as error:
        raise located(error, "--sword") from None
    redact = client.redact
    tally = Tally(as_json=report_format == "json")
    for path in packages:
        try:
            prepared = prepare(path)
        except ArchiverError as error:
            tally.failure(str(path), located(error, str(path)))
            continue
        for package in prepared:
            source = f"{path} ({package.name})"
            record_file = records.record_path(folder, target.href, package.name)
            try:
                earlier = records.read(record_file)
            except (ValueError, OSError) as damage:
                say(f"note: {record_file}: unreadable deposit record ({damage}); depositing again", err=True)
                earlier = None
            if earlier and earlier["status"] == records.DEPOSITED and not again:
                warnings = []
                if earlier.get("md5") != package.md5:
                    warnings.append(ArchiverWarning(
                        "W017", "the package changed since it was deposited on "
                                f"{earlier.get('when')}; not sent again (use --again to deposit it as a new item)",
                        source=source))
                if report_format == "text":
                    say(redact(f"{package.name}: already deposited to {target.title!r} on {earlier.get('when')}"
                                      f"; Edit-IRI {earlier.get('edit_iri')}; not sent again (--again sends it)"))
                tally.success(source, warnings, identifier=package.name, collection=redact(target.title),
                              deposit="already deposited", edit_iri=redact(earlier.get("edit_iri") or ""))
                continue
            if earlier and earlier["status"] == records.LEFT_INCOMPLETE and earlier.get("edit_iri"):
                # Remove the orphan first (profile 6.8), so the rerun leaves one item, not two.
                try:
                    client.delete(earlier["edit_iri"])
                    say(redact(f"note: {package.name}: removed the incomplete deposit an earlier attempt "
                                      f"left at {earlier['edit_iri']}"), err=True)
                except ArchiverError as error:
                    say(redact(f"note: {package.name}: an earlier attempt left an incomplete deposit at "
                                      f"{earlier['edit_iri']} that could not be removed ({error.message}); ask "
                                      "the repository manager to remove it"), err=True)
            try:
                result = deposit(client, package, target)
            except ArchiverError as error:
                left = getattr(error, "left_behind", None)
                if left:
                    write_atomic(record_file, records.build(records.LEFT_INCOMPLETE, service_url, target.title,
                                                            target.href, package, edit_iri=left))
                tally.failure(source, located(error, source))
                continue
            states = [term.rsplit("/", 1)[-1] for term in (result.state.terms if result.state else ()) if term]
            edit_iri = result.receipt.edit_iri or result.receipt.location
            write_atomic(record_file, records.build(records.DEPOSITED, service_url, target.title, target.href,
                                                    package, edit_iri=edit_iri, states=states))
            state = ", ".join(states) or (f"unknown ({result.state_error})" if result.state_error else "unknown")
            if report_format == "text":
                say(redact(f"{package.name}: deposited to {target.title!r} as "
                                  f"{result.packaging.rsplit('/', 1)[-1]}; Edit-IRI {edit_iri}; state {state}"))
            tally.success(source, identifier=package.name, collection=redact(target.title),
                          packaging=result.packaging, deposit="deposited", edit_iri=redact(edit_iri or ""),
                          state_iri=redact((result.state.source if result.state else None) or ""),
                          states=[redact(s) for s in states], state_error=redact(result.state_error or ""),
                          steps=[redact(step) for step in result.steps])
    tally.finish("deposit")

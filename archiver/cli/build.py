"""`archiver build`: a whole series in one go, in parallel, incrementally, resumably (issue 8).

The library (`archiver.batch`) plans and runs the batch; this command shows progress on a terminal,
prints the summary table, writes OUT/report.json and sets the exit status.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path

import click

from .common import fail_cleanly, sync_files, writable_folder, write_atomic_chunks, write_unsynced
from .options import complete_formats, complete_shards, complete_styles, verbosity
from .progress import Eta


@click.command(epilog="""\b
Example:
  archiver build samples/records samples/sources -o out/ --jobs 2
  archiver build records/ -o out/ --to jats,pdf --shard 2/4   # machine 2 of 4
  archiver build records/ -o out/ --dry-run                    # what a run would build
  archiver build -o out/ --status                              # what out/ holds
  # out/<identifier>/... for every record, out/report.json and out/report.html (open it in a
  # browser); a rerun redoes only what changed""")
@click.argument("sources", nargs=-1)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; each record gets OUT/<identifier>/.")
@click.option("--to", "to", default=None, metavar="LIST", shell_complete=complete_formats,
              help="Comma list of formats or groups (see `archiver formats`); default: all.")
@click.option("--style", default="default", show_default=True, shell_complete=complete_styles,
              help="Brand from styles/ or a style folder.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: the CPUs this process may use]")
@click.option("--shard", default=None, metavar="K/N", shell_complete=complete_shards,
              help="Build only the K-th of N deterministic parts of the sources (CI matrix, job arrays).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: such records fail (exit 3).")
@click.option("--collection", "collection_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="A collection file (YAML or JSON) with the defaults of what the sources do not say; "
                   "changing it rebuilds the records made from sources.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run the records on a Dask cluster: tcp://HOST:8786, a scheduler file (FILE.json, as "
                   "`dask scheduler --scheduler-file` writes it), or local:N for N local worker processes "
                   "(needs archiver[dask]).")
@click.option("--check", is_flag=True,
              help="Run the field's validators on what the build wrote (JATS DTD, PDF/A-3a and PDF/UA-1, EPUB "
                   "structure) and give their verdicts in the report; a failed one is warning W016. Also "
                   "makes the thumbnails. Needs archiver[check].")
@click.option("--thumbnails", is_flag=True,
              help="Picture each PDF's first page on report.html (OUT/.thumbnails/). Needs archiver[check].")
@click.option("--status", is_flag=True, help="Say what OUT's build state holds (every shard's): sources, "
                                             "records and outputs; build nothing.")
@click.option("--dry-run", is_flag=True, help="Say which sources would be built and which are current; "
                                              "write nothing.")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON (the report.json data) instead of a summary table.")
@fail_cleanly
def command(sources: tuple[str, ...], out_dir: Path, to: str | None, style: str, jobs: int | None,
            shard: str | None, strict: bool, scheduler: str | None, status: bool, dry_run: bool,
            report_format: str, collection_file: Path | None, check: bool, thumbnails: bool) -> None:
    """Ingest, validate and convert every source (record files, or folders of pages, manuscripts or
    records) into OUT, skipping records whose input, images, style, formats and archiver version are
    unchanged and whose outputs are intact. Bad records are reported and never stop the others; the
    exit status is non-zero if any record failed."""
    from .. import batch, buildreport
    from ..errors import UsageError
    from ..collection import load_collection
    from ..writers import named_explicitly, resolve

    if status:
        _say_status(out_dir, report_format)
        return
    if not sources:
        raise UsageError("no SOURCES to build", hint="name record files or folders, or use --status")
    writable_folder(out_dir)
    _needs(check, thumbnails)
    formats = resolve(to)
    parts = batch.Shard.parse(shard) if shard is not None else None
    found = batch.discover(sources, out_dir)
    started = time.perf_counter()
    # each file renamed into place unsynced, a record's files synced at once: one sync a record
    plan = batch.plan(found, out_dir, formats, style, strict=strict, write=write_unsynced, sync=sync_files,
                      shard=parts, named=named_explicitly(to),
                      collection=load_collection(collection_file) if collection_file else None,
                      check=check, thumbnails=thumbnails)
    if dry_run:
        _say_plan(plan, out_dir, report_format)
        return
    if scheduler and jobs:
        raise UsageError("--jobs and --scheduler exclude each other",
                         hint="a Dask build runs on as many workers as the cluster has")
    if jobs is None:  # the CPUs this process may use (a CI runner's limit), not the machine's
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    show_bar = sys.stderr.isatty() and not os.environ.get("CI")
    loud = verbosity() > 0
    sources = len(plan.todo) + len(plan.unchanged)
    eta = Eta(sources)
    # The bar counts sources (a CSV source yields many records, given one after the other); its
    # estimate is `Eta`'s, not click's average since the start.
    with batch.session(plan) as state, _engine(scheduler) as engine, click.progressbar(
            length=sources, label="building", file=sys.stderr, show_eta=False, item_show_func=lambda text: text,
            hidden=not show_bar or verbosity() != 0 or report_format == "json") as bar:
        if engine is not None:
            engine.start(plan.settings)
            jobs = engine.workers()  # the window at the start; the engine widens it as the cluster grows
        last = None
        skipped: dict[str, dict[str, int]] = {}  # source -> its skipped pages by kind (web archives)
        for outcome in batch.run(plan, jobs, state, engine):
            if outcome.skipped:
                skipped[outcome.source] = outcome.skipped
            if outcome.source != last:
                last = outcome.source
                (eta.skipped if outcome.status == "unchanged" else eta.built)()
                bar.update(1, eta.text())
            if loud and report_format == "text":
                click.echo(f"{outcome.status}: {outcome.identifier or '-'} ({outcome.source})", err=True)
        elapsed = time.perf_counter() - started
        counts = state.counts()
        head = batch.report_head(plan.settings, counts)
        if parts:
            head["shard"] = f"{parts.index}/{parts.count}"
        if skipped:
            head["skipped"] = dict(sorted(skipped.items()))
        stem = f"report{parts.suffix if parts else ''}"
        report_path, page_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
        write_atomic_chunks(report_path, itertools.chain(batch.report_json(head, state.outcomes()), ["\n"]))
        summary = {**counts, "warned": state.warned(), "check_failed": state.check_failed()}
        write_atomic_chunks(page_path, buildreport.render(head, summary, state.outcomes(failed_first=True),
                                                          _size_in(out_dir), f"Build report: {out_dir}"))
        exit_code = state.first_failure_exit_code()
        if report_format == "json":
            for chunk in batch.report_json(head, state.outcomes()):
                click.echo(chunk, nl=False)
            click.echo()
            sys.exit(exit_code)
        for outcome in state.outcomes(status="failed"):
            _say_errors(outcome)

    built = counts["built"] + counts["failed"]
    rows = [("records built", counts["built"]), ("unchanged (skipped)", counts["unchanged"]),
            ("failed", counts["failed"]), ("with warnings", summary["warned"]),
            ("sources", len(plan.todo) + len(plan.unchanged))]
    if plan.settings.check:
        rows.append(("failed a check", summary["check_failed"]))
    if skipped:
        rows.append(("pages skipped", _skipped_row(skipped)))
    rows += [
            ("Dask workers" if scheduler else "jobs", jobs), ("seconds", f"{elapsed:.2f}"),
            ("records per second", f"{built / elapsed:.1f}" if built and elapsed else "-")]
    width = max(len(name) for name, _ in rows)
    if verbosity() >= 0:
        click.echo(f"build of {out_dir}" + (f" (shard {parts.index}/{parts.count})" if parts else ""))
        for name, value in rows:
            click.echo(f"  {name:<{width}}  {value}")
        click.echo(f"  {'report':<{width}}  {report_path}")
        click.echo(f"  {'report page':<{width}}  {page_path}")
    sys.exit(exit_code)


def _skipped_row(skipped: dict[str, dict[str, int]]) -> str:
    """The summary's line of what web archives held that made no record: "5 in 1 source: 3 pages
    skipped (not article pages), 2 not 200"."""
    from ..ingest import skipped_text

    total: dict[str, int] = {}
    for counts in skipped.values():
        for what, number in counts.items():
            total[what] = total.get(what, 0) + number
    sources = f"{len(skipped)} source{'s' if len(skipped) != 1 else ''}"
    return f"{sum(total.values())} in {sources}: {skipped_text(total)}"


def _needs(check: bool, thumbnails: bool) -> None:
    """Refuse --check or --thumbnails, before any work, where their validators or PDFium are missing."""
    import importlib.util

    from ..buildchecks import NEEDS
    from ..errors import UsageError

    for option, wanted in (("check", check), ("thumbnails", thumbnails or check)):
        missing = [name for name in NEEDS[option] if wanted and importlib.util.find_spec(name) is None]
        if missing:
            raise UsageError(f"--{option} needs {', '.join(missing)}, which is not installed",
                             hint="pip install 'archiver[check]'")


def _say_errors(outcome: dict) -> None:
    for error in outcome["errors"]:
        where = error.get("source", outcome["source"])
        if "line" in error:
            where += f":{error['line']}"
        if "pointer" in error:
            where += f" {error['pointer']}"
        hint = f" (hint: {error['hint']})" if error.get("hint") else ""
        message = error["message"]
        text = message if message.startswith(where) else f"{where}: {message}"
        click.echo(f"error: {text}{hint}", err=True)


def _engine(scheduler: str | None):
    """The Dask engine for --scheduler (a context that closes it), else none: the built-in pool."""
    import contextlib

    if not scheduler:
        return contextlib.nullcontext(None)
    try:
        from ..daskengine import DaskEngine
    except ImportError:
        from ..errors import UsageError
        raise UsageError("--scheduler needs Dask, which is not installed",
                         hint="pip install 'archiver[dask]'") from None
    return DaskEngine(scheduler)


def _size_in(out_dir: Path):
    """An output's size on disk by its name in the report (None: not there now; the page says so)."""
    folder = str(out_dir)

    def size(name: str) -> int | None:
        try:  # a string path: a Path made for each of a batch's outputs costs more than the stat
            return os.stat(f"{folder}/{name}").st_size
        except OSError:
            return None
    return size


def _say_status(out_dir: Path, report_format: str) -> None:
    """--status: every state in OUT, a line per record."""
    from ..buildstate import BuildState

    rows = []
    for path in sorted(out_dir.glob(".archiver-state*.sqlite")):
        suffix = path.name[len(".archiver-state"):-len(".sqlite")]
        state = BuildState(out_dir, suffix, readonly=True, others=False)
        try:
            for key in state.keys():
                for identifier, record in sorted(state.entry_here(key)["records"].items()):
                    rows.append({"state": path.name, "source": key, "identifier": identifier,
                                 "outputs": len(record["outputs"]), "warnings": len(record.get("warnings", [])),
                                 "archiver_version": record.get("archiver_version")})
        finally:
            state.close()
    if report_format == "json":
        click.echo(json.dumps({"output": str(out_dir), "records": rows}, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['identifier']:<20} {row['outputs']:>3} files  {row['warnings']:>2} warnings  {row['source']}")
    sources = len({(row["state"], row["source"]) for row in rows})
    click.echo(f"{out_dir}: {len(rows)} record(s) from {sources} source(s) in "
               f"{len({row['state'] for row in rows})} build state(s)", err=True)


def _say_plan(plan, out_dir: Path, report_format: str) -> None:
    """--dry-run: the sources a run would build and those whose outputs are current."""
    todo = [source.key for source in plan.todo]
    unchanged = [source.key for source in plan.unchanged]
    if report_format == "json":
        click.echo(json.dumps({"dry_run": True, "output": str(out_dir), "build": todo, "unchanged": unchanged},
                              ensure_ascii=False, indent=2))
        return
    if verbosity() >= 0:
        for key in todo:
            click.echo(f"would build: {key}")
        if verbosity() > 0:
            for key in unchanged:
                click.echo(f"unchanged: {key}")
        click.echo(f"dry run of {out_dir}: {len(todo)} source(s) to build, {len(unchanged)} unchanged; "
                   "nothing written")

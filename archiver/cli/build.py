"""`archiver build`: a whole series in one go, in parallel, incrementally, resumably (issue 8).

The library (`archiver.batch`) plans and runs the batch; this command shows progress on a terminal,
prints the summary table, writes OUT/report.json and sets the exit status.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click

from .common import fail_cleanly, writable_folder, write_atomic


@click.command(epilog="""\b
Example:
  archiver build samples/records samples/sources -o out/ --jobs 2
  archiver build records/ -o out/ --to jats,pdf --shard 2/4   # machine 2 of 4
  # out/<identifier>/... for every record, out/report.json; a rerun redoes only what changed""")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; each record gets OUT/<identifier>/.")
@click.option("--to", "to", default=None, metavar="LIST",
              help="Comma list of formats or groups (see `archiver formats`); default: all.")
@click.option("--style", default="default", show_default=True, help="Brand from styles/ or a style folder.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes  [default: the CPUs this process may use]")
@click.option("--shard", default=None, metavar="K/N",
              help="Build only the K-th of N deterministic parts of the sources (CI matrix, job arrays).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors: such records fail (exit 3).")
@fail_cleanly
def command(sources: tuple[str, ...], out_dir: Path, to: str | None, style: str, jobs: int | None,
            shard: str | None, strict: bool) -> None:
    """Ingest, validate and convert every source (record files, or folders of pages, manuscripts or
    records) into OUT, skipping records whose input, images, style, formats and archiver version are
    unchanged and whose outputs are intact. Bad records are reported and never stop the others; the
    exit status is non-zero if any record failed."""
    from .. import batch
    from ..writers import named_explicitly, resolve

    writable_folder(out_dir)
    formats = resolve(to)
    parts = batch.Shard.parse(shard) if shard is not None else None
    found = batch.discover(sources, out_dir)
    started = time.perf_counter()
    plan = batch.plan(found, out_dir, formats, style, strict=strict, write=write_atomic, shard=parts,
                      named=named_explicitly(to))
    if jobs is None:  # the CPUs this process may use (a CI runner's limit), not the machine's
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    outcomes = []
    show_bar = sys.stderr.isatty() and not os.environ.get("CI")
    with click.progressbar(length=len(plan.todo), label="building", file=sys.stderr,
                           hidden=not show_bar) as bar:
        for outcome in batch.run(plan, jobs):
            outcomes.append(outcome)
            if outcome.status != "unchanged":
                bar.update(1)
    elapsed = time.perf_counter() - started

    data = batch.report(outcomes, plan.settings)
    if parts:
        data["shard"] = f"{parts.index}/{parts.count}"
    report_path = out_dir / f"report{parts.suffix if parts else ''}.json"
    write_atomic(report_path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n")

    for outcome in sorted(outcomes, key=lambda o: (o.source, o.identifier or "")):
        for error in outcome.errors:
            where = error.get("source", outcome.source)
            if "line" in error:
                where += f":{error['line']}"
            if "pointer" in error:
                where += f" {error['pointer']}"
            hint = f" (hint: {error['hint']})" if error.get("hint") else ""
            message = error["message"]
            text = message if message.startswith(where) else f"{where}: {message}"
            click.echo(f"error: {text}{hint}", err=True)
    counts = data["counts"]
    warned = sum(1 for o in outcomes if o.warnings)
    built = counts["built"] + counts["failed"]
    rows = [("records built", counts["built"]), ("unchanged (skipped)", counts["unchanged"]),
            ("failed", counts["failed"]), ("with warnings", warned),
            ("sources", len(plan.todo) + len({o.source for o in plan.unchanged})),
            ("jobs", jobs), ("seconds", f"{elapsed:.2f}"),
            ("records per second", f"{built / elapsed:.1f}" if built and elapsed else "-")]
    width = max(len(name) for name, _ in rows)
    click.echo(f"build of {out_dir}" + (f" (shard {parts.index}/{parts.count})" if parts else ""))
    for name, value in rows:
        click.echo(f"  {name:<{width}}  {value}")
    click.echo(f"  {'report':<{width}}  {report_path}")
    sys.exit(batch.exit_code(outcomes))

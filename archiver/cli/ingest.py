"""`archiver ingest`: sources of any kind -> canonical records `DIR/<identifier>.json` (issue 3 points 1, 6, 7).

Each source is reported on its own and the batch carries on; a source is all or nothing (a bad record
fails its whole source, and nothing of that source is written). Figures' images go to `DIR/images/`.
Within one run, a second source giving an identifier already written with different content is refused
instead of overwriting it. A JSON file next to a manuscript of the same name (`CO24033.json` beside
`CO24033.md`) is that manuscript's sidecar metadata, not a record of its own, when the manuscript is
ingested in the same run.
"""

from __future__ import annotations

from pathlib import Path

import click

from .common import Tally, expand_paths, fail_cleanly, inside, writable_folder, write_atomic
from .options import say


@click.command(epilog="""\b
Example:
  archiver ingest samples/sources -o records/
  archiver ingest export.csv cms.json -o records/ --format json > report.json
  archiver ingest CO24033.docx --from manuscript -o records/ --strict
  archiver ingest saved-pages/ crawl.warc.gz -o records/ --collection briefs.yaml""")
@click.argument("sources", nargs=-1, required=True)
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder; each record becomes OUT/<identifier>.json, images go to OUT/images/.")
@click.option("--from", "kind", default=None, metavar="KIND",
              help="Read every source as this kind instead of recognising it by content: "
                   "jats, html, warc, pagetext, manuscript, json-feed, csl-json, crossref, datacite, "
                   "schema.org, bibtex, ris, dspace, json, yaml, csv.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 3): nothing is written for a "
                                             "source with warnings.")
@click.option("--format", "report_format", type=click.Choice(["text", "json"]), default="text",
              help="Report on standard output as JSON instead of text on standard error.")
@click.option("--collection", "collection_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="A collection file (YAML or JSON, schemas/collection.schema.json): publisher, series, "
                   "language, rights, base URL and identifier rules for what the sources do not say.")
@fail_cleanly
def command(sources: tuple[str, ...], out_dir: Path, kind: str | None, strict: bool, report_format: str,
            collection_file: Path | None) -> None:
    """Normalise sources (saved pages of any site, web archives, page text, JATS, DOCX/ODT/Markdown
    manuscripts, loose JSON, YAML or CSV records) into canonical records, one per article. Folders are
    searched recursively.

    Exit 0 when every source gave valid records; otherwise the exit code of the first failure
    (4 unreadable or unrecognised source, 5 a value that cannot be normalised, 3 warnings under --strict)."""
    from .. import bounded
    from ..collection import load_collection
    from ..errors import ArchiverError, InputError, UsageError
    from ..ingest import NOT_SOURCE_SUFFIXES, READERS, byte_kind, folder_reader, is_sidecar, read_source, skipped_text

    if kind is not None and kind not in READERS:
        raise UsageError(f"unknown source kind {kind!r}", hint=f"use one of: {', '.join(READERS)}")
    writable_folder(out_dir)
    collection = load_collection(collection_file) if collection_file else None
    tally = Tally(strict=strict, as_json=report_format == "json")
    paths = expand_paths(sources, skip=NOT_SOURCE_SUFFIXES)
    given = {path.resolve() for path in paths}
    written: dict[str, tuple[str, bytes]] = {}  # output path -> (source, bytes) written in this run
    for path in paths:
        name = str(path)
        if is_sidecar(path, given):  # read with its manuscript or export, whatever --from says
            continue
        try:
            data = bounded.read(path, byte_kind(name), name)
            results = read_source(data, name, kind, neighbour=folder_reader(path.parent), collection=collection)
            warnings = [warning for item in results for warning in item.warnings]
            outputs: dict[Path, bytes] = {}
            for item in results:
                outputs[inside(out_dir, f"{item.record.identifier}.json")] = item.record.dumps().encode("utf-8")
                for relative, image in sorted(item.assets.items()):
                    outputs[inside(out_dir, *relative.split("/"))] = image
            _refuse_clashes(outputs, written, name, out_dir)
            if not (strict and warnings):
                for target, content in sorted(outputs.items()):
                    write_atomic(target, content)
                    written[str(target)] = (name, content)
        except ArchiverError as error:
            tally.failure(name, error)
            continue
        except OSError as error:
            tally.failure(name, InputError(f"cannot read or write: {error.strerror or error}",
                                           source=name, hint="check the file and the output folder"))
            continue
        except Exception as error:  # noqa: BLE001 - one source's bug must not stop the batch
            tally.failure(name, ArchiverError(f"internal error: {type(error).__name__}: {error} (a bug: "
                                              "please report it with this source)", source=name))
            continue
        skipped = skipped_text(next((item.skipped for item in results if item.skipped), {}))
        if skipped and report_format == "text":
            say(f"{name}: {skipped}", err=True)
        tally.success(name, warnings, identifiers=[item.record.identifier for item in results],
                      **({"skipped": skipped} if skipped else {}))
    tally.finish("ingest")


def _refuse_clashes(outputs: dict[Path, bytes], written: dict[str, tuple[str, bytes]], name: str,
                    out_dir: Path) -> None:
    from ..errors import Problem, RecordInvalid
    clashes = [Problem(f"{target.relative_to(out_dir.resolve())} was already written in this run from "
                       f"{written[str(target)][0]}, with different content", "/identifier", name,
                       "give each record its own identifier (one of the two sources is wrong)")
               for target, content in outputs.items()
               if str(target) in written and written[str(target)][1] != content]
    if clashes:
        raise RecordInvalid(clashes)

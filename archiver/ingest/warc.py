"""Reader for web archives: WARC (ISO 28500, `.warc`, `.warc.gz`) and WACZ (Webrecorder's zip of WARCs,
`.wacz`) as Heritrix, Browsertrix and Archive-It write them (issue 14, point 6).

Every HTML response (status 200) of the archive is read as a saved article page (`html.read_page`),
its chunked or gzip transfer and content encodings undone by warcio. A page that gives a record becomes
one; a page that does not (home, listing and tag pages) is counted as skipped, not failed, unless it
says it is an article (schema.org Article types, og:type article, article:published_time,
citation_title): then its problems are the archive's. Non-200 responses, revisits and duplicate
captures of one URL are counted, never read as pages. Figure images captured in the same archive
(PNG or JPEG responses, or revisits of them) are attached to their figures, found by their URL
resolved against the page's. Pages whose identifiers come out the same from the last segment of their
URLs get identifiers their whole URLs tell apart (W001). A truncated final record is left out with
W002. Each record's provenance names the archive, the response's WARC-Record-ID, its target URI,
capture date and payload digest.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Iterator

from ..errors import ArchiverError, ArchiverWarning, InputError, Problem, RecordInvalid
from . import Draft, image_type, skipped_text
from .pagetext import decode

#: the suffixes of web archives (content is recognised too: a WARC record header, a WACZ's zip parts)
SUFFIXES = (".warc", ".warc.gz", ".wacz")
#: a captured page or image larger than this (as its payload inflates) is not read: a saved page's limit
MAX_PAGE_BYTES = 32 * 1024 * 1024
#: a WACZ whose WARC files inflate past this is not read (a crawl's archives are split well below it)
MAX_MEMBER_BYTES = 512 * 1024 * 1024
_ARTICLE_SIGNS = re.compile(
    rb"""og:type["']\s+content=["']article|["']@type["']\s*:\s*\[?\s*["'](?:\w*Article|BlogPosting|Report)["']"""
    rb"""|article:published_time|name=["']citation_title""", re.I)
_HTML_TYPES = ("text/html", "application/xhtml+xml")
USES_COLLECTION = True


def sniff(data: bytes, name: str) -> bool:
    if name.lower().endswith(SUFFIXES):
        return True
    if data[:5] == b"WARC/":
        return True
    if data[:2] == b"\x1f\x8b":
        import zlib
        try:
            return zlib.decompressobj(31).decompress(data[:4096], 16)[:5] == b"WARC/"
        except zlib.error:
            return False
    return data[:4] == b"PK\x03\x04" and b"datapackage.json" in data[-65536:] and b"archive/" in data[-65536:]


@dataclass
class _Capture:
    uri: str
    record_id: str
    date: str | None
    digest: str | None
    content_type: str
    payload: bytes


@dataclass
class _Crawl:
    """What an archive holds: its HTML pages, its images by URL, and what was not read."""
    pages: list[_Capture] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    by_digest: dict[str, bytes] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: {"not 200": 0, "revisits": 0, "duplicates": 0})
    warnings: list[ArchiverWarning] = field(default_factory=list)


def read(data: bytes, name: str, collection: Any = None) -> list[Draft]:
    source = PurePath(name).name
    crawl = _Crawl()
    for part, stream in _warcs(data, source):
        _load(stream, part, crawl)
    if not crawl.pages:
        raise InputError("the archive holds no HTML page (status 200)", source=source,
                         hint="give the WARC or WACZ of a crawl of the site's article pages")
    drafts, captures, problems, skipped = [], [], [], 0
    for capture in crawl.pages:
        warnings: list[ArchiverWarning] = []
        label = f"{source} {capture.uri}"  # what a page's warnings and problems are said of
        text = _text(capture, label, warnings)
        try:
            draft = _page(capture, text, label, source, warnings, crawl, collection)
        except ArchiverError as error:
            if _ARTICLE_SIGNS.search(capture.payload[:262144]):
                problems.extend(Problem(p.message if capture.uri in p.message else f"{capture.uri}: {p.message}",
                                        p.pointer, source, p.hint) for p in error.problems)
            else:
                skipped += 1
            continue
        drafts.append(draft)
        captures.append(capture)
    if problems:
        raise RecordInvalid(problems)
    _tell_apart(drafts, captures, source, crawl, collection)
    counts = {"pages skipped (not article pages)": skipped, **crawl.counts}
    summary = skipped_text(counts)
    if not drafts:
        raise InputError(f"no article page in the archive ({summary})", source=source,
                         hint="give the crawl of the site's article pages (home, listing and tag pages are "
                              "skipped)")
    drafts[0].warnings[:0] = crawl.warnings  # the archive's own warnings, said once
    for draft in drafts:
        draft.skipped = {what: number for what, number in counts.items() if number}
    return drafts


def _tell_apart(drafts: list[Draft], captures: list[_Capture], source: str, crawl: _Crawl, collection: Any) -> None:
    """Pages whose identifiers came out the same from the last segment of their URLs (`/2019/intro/`,
    `/2020/intro/`) are read again with identifiers their whole URLs tell apart
    (`collection.distinct_identifiers`), in place; a page's own identifier or DOI is never changed (two
    pages giving one are refused by `ingest`, as any two sources are)."""
    from ..collection import distinct_identifiers
    groups: dict[str, list[int]] = {}
    for index, draft in enumerate(drafts):
        groups.setdefault(draft.data.get("identifier") or "", []).append(index)
    taken = set(groups)
    for identifier, indexes in groups.items():
        derived = [i for i in indexes if drafts[i].url_made]
        if len(indexes) < 2 or not derived:
            continue
        clashing = {i: (drafts[i].url_made[1] if drafts[i].url_made[0] == "canonical" and drafts[i].url_made[1]
                        else captures[i].uri, captures[i].uri) for i in derived}
        others = taken - {identifier} if len(derived) == len(indexes) else taken
        made = distinct_identifiers(clashing, others, getattr(collection, "prefix", ""))
        for index, new in made.items():
            capture, warnings = captures[index], []
            label = f"{source} {capture.uri}"
            drafts[index] = _page(capture, _text(capture, label, warnings), label, source, warnings, crawl,
                                  collection, identifier=new)
        taken |= set(made.values())


def _warcs(data: bytes, source: str) -> Iterator[tuple[str, io.BytesIO]]:
    """(part name, stream) of each WARC in the source: itself, or a WACZ's archive/ members."""
    if data[:4] != b"PK\x03\x04":
        yield source, io.BytesIO(data)
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as wacz:
            members = [m for m in wacz.infolist() if m.filename.startswith("archive/")
                       and m.filename.lower().endswith((".warc", ".warc.gz"))]
            if not members:
                raise InputError(f"{source}: a zip without WARC files under archive/ is not a WACZ",
                                 source=source, hint="give the crawl's .wacz or its .warc.gz files")
            total = sum(member.file_size for member in members)
            if total > MAX_MEMBER_BYTES:  # what the zip says it inflates to, before inflating any of it
                raise InputError(f"{source}: its WARC files hold {total:,} bytes, more than the "
                                 f"{MAX_MEMBER_BYTES // 2**20} MiB archiver reads", source=source,
                                 hint="split the crawl into smaller archives")
            for member in sorted(members, key=lambda m: m.filename):
                yield f"{source}/{member.filename}", io.BytesIO(wacz.read(member))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InputError(f"{source}: not a readable WACZ ({exc})", source=source,
                         hint="save the crawl again") from None


def _load(stream: io.BytesIO, part: str, crawl: _Crawl) -> None:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed
    seen = {capture.uri for capture in crawl.pages}
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in ("response", "revisit"):
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            status = record.http_headers.get_statuscode() if record.http_headers else None
            kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower() \
                if record.http_headers else ""
            digest = record.rec_headers.get_header("WARC-Payload-Digest")
            if record.rec_type == "revisit":
                crawl.counts["revisits"] += 1
                earlier = crawl.by_digest.get(digest or "")
                if earlier is not None and kind.startswith("image/"):
                    crawl.images.setdefault(uri, earlier)
                continue
            if status != "200":
                crawl.counts["not 200"] += 1
                continue
            # a page or image is a source's size at most: a payload that inflates past it is not read
            payload = record.content_stream().read(MAX_PAGE_BYTES + 1)
            if len(payload) > MAX_PAGE_BYTES:
                crawl.counts["too large"] = crawl.counts.get("too large", 0) + 1
                continue
            if getattr(record.raw_stream, "limit", 0):
                crawl.warnings.append(ArchiverWarning("W002", f"{part}: the record of {uri} is truncated (the "
                                                      "archive ends inside it); it was left out", part))
                break
            if digest:
                crawl.by_digest[digest] = payload
            if kind in _HTML_TYPES:
                if uri in seen:
                    crawl.counts["duplicates"] += 1
                    continue
                seen.add(uri)
                crawl.pages.append(_Capture(uri, record.rec_headers.get_header("WARC-Record-ID") or "",
                                            record.rec_headers.get_header("WARC-Date"), digest,
                                            record.http_headers.get_header("Content-Type") or "", payload))
            elif kind.startswith("image/") and image_type(payload):
                crawl.images.setdefault(uri, payload)
    except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
        # a damaged or truncated tail (gzip member cut short, a record header broken): what came
        # before it is kept
        crawl.warnings.append(ArchiverWarning("W002", f"{part}: the archive is damaged after its last complete "
                                              f"record ({type(exc).__name__}); the rest was left out", part))


def _text(capture: _Capture, source: str, warnings: list[ArchiverWarning]) -> str:
    charset = re.search(r"charset=[\"']?([\w.:-]+)", capture.content_type, re.I)
    if charset:
        try:
            return capture.payload.decode(charset[1])
        except (LookupError, UnicodeDecodeError):
            pass
    return decode(capture.payload, source, warnings)


def _page(capture: _Capture, text: str, label: str, source: str, warnings: list[ArchiverWarning],
          crawl: _Crawl, collection: Any, identifier: str | None = None) -> Draft:
    from .html import read_page
    draft = read_page(text, label, warnings, collection=collection, url=capture.uri, captured=crawl.images.get,
                      identifier=identifier)
    archive = {"file": source, "record_id": capture.record_id, "target_uri": capture.uri}
    if capture.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+Z", capture.date):
        archive["captured"] = capture.date
    if capture.digest:
        archive["payload_digest"] = capture.digest
    draft.data["provenance"] = {**draft.data.get("provenance", {}), "archive": archive}
    return draft

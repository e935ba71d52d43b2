"""Manuscripts -> canonical records: reader "manuscript" for DOCX, ODT and Markdown (issue 3 point 5,
issue 15 point 3).

The text goes through pandoc's own readers (the binary bundled with pypandoc) and `pandoc.py` maps the
AST onto the record body, reporting what the record cannot hold as W002. The metadata comes, lowest
first, from the document's own properties (DOCX core and custom properties, ODT meta.xml, read by
`office.py`: title, creator, created, language, keywords, description, and custom properties named
after record fields), pandoc's metadata (Title/Author/Date/Abstract-styled paragraphs), the YAML front
matter of a Markdown file, and a sidecar JSON file next to the source (`CO24033.json` for
`CO24033.docx`), written as a loose record (see loose.py). A field given both in the front matter and
in the sidecar is an error: which one is right is for the author to say; the sidecar overrides the
document's properties. The identifier falls back to the file name and the title to the first heading,
each with warning W001; a missing field's hint names the sidecar (and, for the publisher and language,
the collection file).

Figures keep their images when they are PNG or JPEG: DOCX/ODT media as pandoc extracts them (a picture
in running text becomes a figure after its paragraph), Markdown images as files next to the source
(never fetched from the network); the image bytes travel in `Draft.assets` as
`images/<identifier>-<figure id>.<ext>`. Tracked changes (pandoc accepts them), comments and pictures
linked from outside are reported (`office.review`); a document without body text is W011. pandoc runs
in its scratch folder, so image paths, and every message, name `./media/...`, never that folder.

Sniffing is by content: DOCX and ODT are zip files with `word/document.xml`, or a `mimetype` member
saying `application/vnd.oasis.opendocument.text`; Markdown has YAML front matter naming a title or an
identifier, or opens with an ATX heading (or has the .md extension).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

from ..bounded import Refused, read as read_bounded
from ..errors import ArchiverWarning, InputError, Problem, RecordInvalid
from ..strictparse import BadData, yaml_documents
from . import Draft, Neighbour, asset, image_type, read_sidecar
from .loose import ALIASES, Normaliser
from .loosefiles import decode

USES_NEIGHBOURS = True
#: the ingest driver passes `collection=`, the collection file's defaults: a publisher or language it
#: gives is not missing here
USES_COLLECTION = True

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
#: Unpacked size a DOCX/ODT may claim before pandoc is asked to read it (zip bombs).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
#: pandoc's metadata of a DOCX/ODT (from Title-, Author-, Date-, Abstract-styled paragraphs) a record uses.
DOCUMENT_PROPERTIES = {"title": "title", "subtitle": "subtitle", "author": "authors", "date": "published",
                       "abstract": "abstract", "keywords": "subjects", "lang": "language"}
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
LOOSE_SUFFIXES = (".json", ".yaml", ".yml", ".csv", ".tsv")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def kind_of(data: bytes, name: str) -> str | None:
    """"docx", "odt" or "markdown" by content (the extension decides only for text that says nothing)."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "mimetype" in names and "content.xml" in names and \
                        archive.read("mimetype").strip() == ODT_MIMETYPE:
                    return "odt"
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
            return None
        return None
    try:
        head = data[:8192].decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(data[:8192]) - 4:
            return None
        head = data[:error.start].decode("utf-8-sig")
    suffix = PurePath(name).suffix.lower()
    if "\x00" in head or suffix in LOOSE_SUFFIXES:
        return None  # "# comment" and "---" open YAML too: the extension settles what content cannot
    front = _FRONT_MATTER.match(head)
    if front and re.search(r"^(title|identifier)\s*:", front.group(1) or "", re.M):
        after = next((line for line in head[front.end():].splitlines() if line.strip()), "")
        return None if re.match(r"[A-Za-z_]\w*\s*:", after) else "markdown"  # else a YAML stream
    first = next((line for line in head.splitlines() if line.strip()), "")
    if re.match(r"#{1,6} \S", first) or suffix in (".md", ".markdown"):
        return "markdown"
    return None


def sniff(data: bytes, name: str) -> bool:
    # A .docx that is no zip, or a .md that is no UTF-8, is still claimed, to get a clear error from read().
    return kind_of(data, name) is not None or PurePath(name).suffix.lower() in (".docx", ".odt", ".md", ".markdown")


def read(data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
    source_format = kind_of(data, name)
    if source_format is None:
        if PurePath(name).suffix.lower() in (".docx", ".odt"):
            raise InputError(f"not a {PurePath(name).suffix[1:].upper()} document (not a zip with its "
                             "parts)", source=name, hint="save it again from the word processor")
        source_format = "markdown"  # --from manuscript on text that does not say what it is
    neighbour = neighbour or (lambda relative: None)
    warnings: list[ArchiverWarning] = []
    fields: dict[str, Any] = {}
    origin: dict[str, str] = {}

    if source_format == "markdown":
        text = decode(data, name)
        front, text = _front_matter(text, name)
        fields.update(front)
        origin.update(dict.fromkeys(front, "the front matter"))
        document, media = _pandoc(text.encode("utf-8"), "markdown", name), None
        if document.get("meta"):
            warnings.append(ArchiverWarning("W002", "a YAML metadata block inside the text was left out "
                                            "(only the front matter at the top is read)", name))
    else:
        _check_unpacked_size(data, name)
        from . import office
        from .loose import KNOWN, LINK_SHORTCUTS, OBJECT_FIELDS
        known = {name: ALIASES.get(name, name) for name in KNOWN if name not in LINK_SHORTCUTS}
        known.update({f"{head}.{sub}": f"{head}.{sub}" for head, subs in OBJECT_FIELDS.items() for sub in subs})
        known.update({name: f"links.{target}" for name, target in LINK_SHORTCUTS.items()})
        found = office.properties(data, source_format, name, known)
        fields.update(found.fields)
        origin.update(dict.fromkeys(found.fields, "the document properties"))
        warnings.extend(found.warnings)
        warnings.extend(office.review(data, source_format, name))
        media = tempfile.TemporaryDirectory(prefix="archiver-media-")
        # run in the scratch folder: image paths are then "./media/image1.png", never the folder's own path
        document = _pandoc(data, source_format, name, ["--extract-media", "."], cwd=media.name)
        from .pandoc import meta_value
        for key, target in DOCUMENT_PROPERTIES.items():
            if key in document.get("meta", {}):
                value = meta_value(document["meta"][key])
                if value not in ("", [], None):
                    fields[target] = value
                    origin[target] = "the document properties"

    try:
        sidecar = read_sidecar(PurePath(name).stem + ".json", neighbour)
        for key, value in sidecar.items():
            if origin.get(key) == "the front matter":
                raise RecordInvalid([Problem(f"{key!r} is given both in the front matter and in the sidecar",
                                             f"/{key}", name, "give it in one place only")])
            # the sidecar says what the document's own properties said less precisely ("date" for "published")
            for same in [k for k in fields if origin.get(k) == "the document properties"
                         and ALIASES.get(k, k) == ALIASES.get(key, key)]:
                del fields[same]
            fields[key] = value
        for key in ("body", "body_format"):
            if key in fields:
                raise RecordInvalid([Problem(f"{key!r} cannot be given in a manuscript's metadata: the body is "
                                             "the manuscript's text", f"/{key}", name, f"remove {key!r}")])
        blocks = document.get("blocks", [])
        if "identifier" not in fields and _IDENTIFIER.match(PurePath(name).stem):
            fields["identifier"] = PurePath(name).stem
            warnings.append(ArchiverWarning("W001", f"identifier {PurePath(name).stem!r} taken from the file name",
                                            name, "/identifier"))
        heading = next((index for index, block in enumerate(blocks) if block["t"] == "Header"), None)
        if "title" not in fields and heading is not None:
            from .pandoc import _plain_pandoc
            fields["title"] = _plain_pandoc(blocks[heading]["c"][2])
            blocks = blocks[:heading] + blocks[heading + 1:]
            warnings.append(ArchiverWarning("W001", "title taken from the first heading", name, "/title"))

        values = getattr(collection, "values", None) or {}
        normaliser = Normaliser(name, missing_hint=missing_hint(name),
                                later=frozenset(key for key in ("publisher", "language") if values.get(key)))
        record = normaliser.record(fields)
        warnings.extend(normaliser.warnings)

        from .pandoc import map_document
        images = image_lookup(record["identifier"], source_format, name, neighbour,
                               Path(media.name) if media else None)
        mapped = map_document({"blocks": blocks}, name, images)
    finally:
        if media is not None:
            media.cleanup()
    if mapped.body["blocks"]:
        record["body"] = mapped.body
    warnings.extend(mapped.warnings)
    if not _has_text(mapped.body):
        warnings.append(ArchiverWarning("W011", "the document has no body text (only headings, or nothing): the "
                                        "record's body is empty", name, "/body"))
    return [Draft(record, warnings, mapped.assets)]


def _has_text(node: Any) -> bool:
    """True when a body (JSON) holds any text, table or figure: a heading's title is not body text."""
    if isinstance(node, str):
        return bool(node.strip())
    if isinstance(node, list):
        return any(_has_text(item) for item in node)
    if not isinstance(node, dict):
        return False
    if node.get("type") in ("figure", "table"):
        return True
    return any(_has_text(node.get(key)) for key in ("blocks", "content", "items", "text"))


def missing_hint(name: str):
    """The hint for a required field no metadata of the manuscript gives."""
    sidecar = PurePath(name).stem + ".json"

    def hint(field: str) -> str:
        text = (f"add {field!r} to the sidecar {sidecar} beside the manuscript (e.g. {{\"{field}\": ...}}) or to "
                "its document properties")
        if field in ("publisher", "language"):
            text += ", or give it for the whole collection in the collection file (--collection FILE)"
        return text
    return hint


def _pandoc(data: bytes, source_format: str, name: str, extra: list[str] | None = None,
            cwd: str | None = None) -> dict:
    from .pandoc import run_pandoc
    return run_pandoc(data, source_format, name, extra, cwd)


def _front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        documents = yaml_documents(match.group(1) or "", name)
    except BadData as bad:  # its lines count from the first line after the opening ---
        problem = bad.problem
        raise InputError("the front matter is not YAML", problems=[Problem(
            f"the front matter: {problem.message}", None, name, problem.hint,
            problem.line + 1 if problem.line else None)]) from None
    front = (documents[0] if documents else None) or {}
    if not isinstance(front, dict):
        raise InputError("the front matter is not a mapping of fields", source=name,
                         hint="write one 'field: value' per line between the --- lines")
    # Keep the line count, so pandoc's positions still match the file.
    return front, "\n" * match.group(0).count("\n") + text[match.end():]


def _check_unpacked_size(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise InputError(f"a damaged zip ({error})", source=name, hint="save it again") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InputError(f"unpacks to {unpacked:,} bytes, more than archiver reads", source=name,
                         hint="a commentary manuscript is far smaller: compress its images")


def image_lookup(identifier: str, source_format: str, name: str, neighbour: Neighbour, media: Path | None):
    """Pictures of a body by their target: from pandoc's scratch folder `media` (DOCX/ODT), else a
    relative path beside the source through `neighbour` (never a URL); PNG or JPEG only, named
    `images/<identifier>-<figure id>.<type>`; otherwise why not (`pandoc.ImageLookup`)."""
    def lookup(target: str, figure_id: str) -> tuple[str, bytes] | str | None:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            return "is a URL, and archiver never fetches: save the picture beside the source"
        if media is not None:
            root = media.resolve()
            path = root / target
            try:
                resolved = path.resolve()
            except OSError:
                return None
            if root not in resolved.parents or not resolved.is_file():
                return None
            try:
                data = read_bounded(resolved, "image", target)
            except Refused:  # larger than an image may be: left out like a missing one
                return None
        else:
            relative = PurePosixPath(target.replace("\\", "/"))
            if relative.is_absolute() or ".." in relative.parts:
                return "lies outside the source's folder: copy the picture beside the source"
            data, why = asset(neighbour, str(relative))
            if data is None:
                return why or "is not beside the source"
        kind = image_type(data)
        if kind is None:
            return "is not a PNG or JPEG file: convert it"
        return f"images/{identifier}-{figure_id}.{kind}", data
    return lookup

"""Metadata exports -> canonical records: readers "json-feed", "csl-json", "crossref", "datacite" (REST JSON or
kernel-4 XML), "schema.org", "bibtex", "ris" and "dspace" (metadata-export CSV or SAF
dublin_core.xml) (issue 15 point 4).

Each reader recognises its format by content, parses it with the format's own library where one
exists (bibtexparser 2, rispy; JSON, CSV and lxml otherwise), splits it into items and hands each item
to its crosswalk table in `archiver/citation/readers/`, then to the loose-record normaliser
(`loose.py`), which validates and reports every problem with the file, the JSON pointer (or line) of
the item and what to do. What an item says that the record cannot hold is one W002 per record naming
the fields. Many records with the same problem or warning are grouped (first few, then a count).

An export takes the same sidecar and collection rules as other sources (`exports.py`): its sidecar
`NAME.EXT.json`, whose fields win for every record of the export, and identifiers made in the
collection's order (own identifier, DOI suffix, URL segment, file name), distinct within the export.
A field the record requires and the export lacks gets a hint naming where it can come from instead:
the export itself, its sidecar, or for the publisher and language the collection file (`--collection
FILE`), which the ingest driver fills in afterwards.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from typing import Any, Iterator

from ..errors import ArchiverWarning, InputError, Problem, RecordInvalid
from . import Draft, Neighbour, read_sidecar
from .exports import COLLECTION_FIELDS, identify, missing_hint, overlay, sidecar_name
from .loose import normalise
from .loosefiles import JSON, decode
from .reports import group_draft_warnings, group_problems

#: (item, JSON pointer of the item, first line of the item or None)
Item = tuple[Any, str, "int | None"]


class Export:
    """One metadata format: `sniff` by content, `items` of a source, `crosswalk` of one item."""
    kind = ""
    #: the ingest driver passes `collection=`, the collection file's defaults (or None)
    USES_COLLECTION = True
    #: and `neighbour=`, through which the export's sidecar is read
    USES_NEIGHBOURS = True
    #: the sidecar NAME.EXT.json is this reader's (the ingest driver says so of other kinds)
    READS_EXPORT_SIDECAR = True

    def sniff(self, data: bytes, name: str) -> bool:
        raise NotImplementedError

    def items(self, data: bytes, name: str) -> list[Item]:
        raise NotImplementedError

    def crosswalk(self, item: Any):
        raise NotImplementedError

    def line_of(self, item: Any, field: str) -> int | None:
        """The line of a record field's value in the source (XML formats), else None."""
        return None

    def read(self, data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
        values = getattr(collection, "values", None) or {}
        later = frozenset(field for field in COLLECTION_FIELDS if values.get(field))
        items = self.items(data, name)
        if not items:
            raise InputError(f"no item in this {self.kind} export", source=name, hint="give at least one record")
        sidecar = read_sidecar(sidecar_name(name), neighbour)
        if "identifier" in sidecar and len(items) > 1:
            raise RecordInvalid([Problem(f"the sidecar gives one identifier for the {len(items)} records of the "
                                         "export", "/identifier", sidecar_name(name),
                                         "remove it: each record's identifier comes from its item")])
        results = [self.crosswalk(item) for item, _pointer, _line in items]
        if "identifier" not in sidecar:
            identify(results, [pointer for _item, pointer, _line in items], name, collection)
        drafts, found = [], []
        for (item, pointer, line), result in zip(items, results):
            loose = overlay(result.loose, sidecar)
            images = _pictures(loose, name, neighbour)
            try:
                draft = normalise(loose, name, pointer, line, missing_hint=missing_hint(name), later=later,
                                  images=images)
            except RecordInvalid as error:
                found.extend(self._located(error.problems, item, pointer))
                continue
            draft.warnings[:0] = [ArchiverWarning("W001", message, name, pointer + at) for at, message in result.guessed]
            if result.left_out:
                draft.warnings.append(ArchiverWarning(
                    "W002", f"{self.kind} fields the record cannot hold were left out: "
                    f"{', '.join(sorted(result.left_out))}", name, pointer or None))
            drafts.append(draft)
        if found:
            raise RecordInvalid(group_problems(found))
        group_draft_warnings(drafts)
        return drafts

    def _located(self, problems: list[Problem], item: Any, pointer: str) -> list[Problem]:
        out = []
        for problem in problems:
            field = (problem.pointer or "")[len(pointer):].split("/")[1:2]
            line = self.line_of(item, field[0]) if field else None
            out.append(Problem(problem.message, problem.pointer, problem.source, problem.hint,
                               line if line is not None else problem.line))
        return out


def _pictures(loose: dict[str, Any], name: str, neighbour: Neighbour | None):
    """The picture lookup of an export's body (a JSON Feed item's content): files beside the export
    by relative path, never fetched; None when the record has no body or no identifier to name them."""
    if not isinstance(loose.get("body"), str) or not isinstance(loose.get("identifier"), str) or neighbour is None:
        return None
    from .manuscript import image_lookup
    return image_lookup(loose["identifier"], "html", name, neighbour, None)


# JSON formats -------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _json(data: bytes) -> Any:
    """The parsed JSON of a source, or None; kept for the next sniffer, which asks about the same bytes
    (the result is only read, never changed). One source only: the next one replaces it."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head not in (b"{", b"["):
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _objects(parsed: Any) -> list[dict]:
    items = parsed if isinstance(parsed, list) else [parsed]
    return [item for item in items if isinstance(item, dict)]


def _top_items(data: bytes, name: str) -> Any:
    """The parsed JSON through the loose reader (clear errors for bad JSON and duplicate keys)."""
    items = JSON.items(data, name)
    return items[0][0] if len(items) == 1 and items[0][1] == "" else [item for item, _p, _l in items]


CSL_TYPES = frozenset({
    "article", "article-journal", "article-magazine", "article-newspaper", "bill", "book", "broadcast",
    "chapter", "classic", "collection", "dataset", "document", "entry", "entry-dictionary",
    "entry-encyclopedia", "event", "figure", "graphic", "hearing", "interview", "legal_case",
    "legislation", "manuscript", "map", "motion_picture", "musical_score", "pamphlet", "paper-conference",
    "patent", "performance", "periodical", "personal_communication", "post", "post-weblog", "regulation",
    "report", "review", "review-book", "software", "song", "speech", "standard", "thesis", "treaty",
    "webpage"})
CROSSREF_KEYS = frozenset({"indexed", "deposited", "member", "reference-count", "is-referenced-by-count",
                           "content-domain", "created", "prefix"})


def _is_csl(item: dict) -> bool:
    return item.get("type") in CSL_TYPES and "@context" not in item and not CROSSREF_KEYS & item.keys() and \
        bool({"title", "author", "issued"} & item.keys())


def _is_crossref(item: dict) -> bool:
    return "DOI" in item and len(CROSSREF_KEYS & item.keys()) >= 2


class _CSL(Export):
    kind = "csl-json"

    def sniff(self, data: bytes, name: str) -> bool:
        parsed = _json(data)
        items = _objects(parsed)
        return bool(items) and all(_is_csl(item) for item in items[:20])

    def items(self, data: bytes, name: str) -> list[Item]:
        parsed = _top_items(data, name)
        if isinstance(parsed, list):
            return [(item, f"/{i}", None) for i, item in enumerate(parsed)]
        return [(parsed, "", None)]

    def crosswalk(self, item: Any):
        from ..citation.readers import csl
        return csl.crosswalk(item)


class _JSONFeed(Export):
    """JSON Feed 1 and 1.1: an object whose `version` is the specification's URL; each of its `items`
    a record."""
    kind = "json-feed"

    def sniff(self, data: bytes, name: str) -> bool:
        from ..citation.readers.jsonfeed import VERSION_PREFIX
        parsed = _json(data)
        return isinstance(parsed, dict) and str(parsed.get("version", "")).startswith(VERSION_PREFIX)

    def items(self, data: bytes, name: str) -> list[Item]:
        feed = _top_items(data, name)
        items = feed.get("items") if isinstance(feed, dict) else None
        if not isinstance(items, list):
            raise InputError("the JSON Feed has no list of items", source=name,
                             hint="give the feed as its site serves it, with its \"items\"")
        return [((feed, item), f"/items/{i}", None) for i, item in enumerate(items) if isinstance(item, dict)]

    def crosswalk(self, item: Any):
        from ..citation.readers import jsonfeed
        feed, entry = item
        return jsonfeed.crosswalk(entry, feed)


class _Crossref(Export):
    """Crossref REST API works: the whole response (`message` a work, or a work list's `items`), the
    `message` alone, or a JSON list of works."""
    kind = "crossref"

    def sniff(self, data: bytes, name: str) -> bool:
        parsed = _json(data)
        if isinstance(parsed, dict) and parsed.get("message-type") in ("work", "work-list"):
            return True
        if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
            parsed = parsed["items"]  # a work list's `message`
        items = _objects(parsed)
        return bool(items) and all(_is_crossref(item) for item in items[:20])

    def items(self, data: bytes, name: str) -> list[Item]:
        parsed = _top_items(data, name)
        if isinstance(parsed, dict) and parsed.get("message-type") == "work-list":
            works = (parsed.get("message") or {}).get("items") or []
            return [(work, f"/message/items/{i}", None) for i, work in enumerate(works)]
        if isinstance(parsed, dict) and parsed.get("message-type") == "work":
            return [(parsed.get("message") or {}, "/message", None)]
        if isinstance(parsed, dict) and isinstance(parsed.get("items"), list):
            return [(work, f"/items/{i}", None) for i, work in enumerate(parsed["items"])]
        if isinstance(parsed, list):
            return [(item, f"/{i}", None) for i, item in enumerate(parsed)]
        return [(parsed, "", None)]

    def crosswalk(self, item: Any):
        from ..citation.readers import crossref
        return crossref.crosswalk(item)


def _is_datacite(item: dict) -> bool:
    return isinstance(item.get("creators"), list) and isinstance(item.get("titles"), list) and \
        bool({"publicationYear", "types", "doi", "publisher"} & item.keys())


class _DataCiteJSON(Export):
    """DataCite REST API DOIs: `{"data": {"attributes": ...}}`, a list under `data`, or the attributes."""
    kind = "datacite"

    def sniff(self, data: bytes, name: str) -> bool:
        parsed = _json(data)
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), (dict, list)):
            records = _objects(parsed["data"])
            return bool(records) and all(isinstance(r.get("attributes"), dict) and _is_datacite(r["attributes"])
                                         for r in records[:20])
        items = _objects(parsed)
        return bool(items) and all(_is_datacite(item) for item in items[:20])

    def items(self, data: bytes, name: str) -> list[Item]:
        parsed = _top_items(data, name)
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), dict):
            return [(parsed["data"].get("attributes") or {}, "/data/attributes", None)]
        if isinstance(parsed, dict) and isinstance(parsed.get("data"), list):
            return [((record or {}).get("attributes") or {}, f"/data/{i}/attributes", None)
                    for i, record in enumerate(parsed["data"])]
        if isinstance(parsed, list):
            return [(item, f"/{i}", None) for i, item in enumerate(parsed)]
        return [(parsed, "", None)]

    def crosswalk(self, item: Any):
        from ..citation.readers import datacite
        return datacite.crosswalk(item)


class _SchemaOrg(Export):
    """schema.org JSON-LD: one object, a list, or a `@graph`, keeping the article types."""
    kind = "schema.org"

    def sniff(self, data: bytes, name: str) -> bool:
        from ..citation.readers import schemaorg
        parsed = _json(data)
        return any(schemaorg.is_article(item) for item in _graph(parsed))

    def items(self, data: bytes, name: str) -> list[Item]:
        from ..citation.readers import schemaorg
        parsed = _top_items(data, name)
        located = list(_located_graph(parsed, ""))
        return [(item, pointer, None) for item, pointer in located if schemaorg.is_article(item)]

    def crosswalk(self, item: Any):
        from ..citation.readers import schemaorg
        return schemaorg.crosswalk(item)


def _graph(parsed: Any) -> list[dict]:
    return [item for item, _pointer in _located_graph(parsed, "")]


def _located_graph(parsed: Any, pointer: str) -> Iterator[tuple[dict, str]]:
    if isinstance(parsed, list):
        for i, item in enumerate(parsed):
            yield from _located_graph(item, f"{pointer}/{i}")
    elif isinstance(parsed, dict):
        if isinstance(parsed.get("@graph"), list):
            yield from _located_graph(parsed["@graph"], f"{pointer}/@graph")
        else:
            yield parsed, pointer


# Text formats -------------------------------------------------------------------------------------

def _text_head(data: bytes) -> str:
    return data[:4096].decode("utf-8-sig", "replace")


class _BibTeX(Export):
    kind = "bibtex"
    _ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]\s*[^\s,]*\s*,", re.M)

    def sniff(self, data: bytes, name: str) -> bool:
        head = _text_head(data)
        first = next((line for line in head.splitlines() if line.strip() and not line.lstrip().startswith("%")), "")
        return first.lstrip().startswith("@") and self._ENTRY.search(head) is not None

    def items(self, data: bytes, name: str) -> list[Item]:
        from ..citation.readers import bibtex
        return bibtex.entries(decode(data, name), name)

    def crosswalk(self, item: Any):
        from ..citation.readers import bibtex
        return bibtex.crosswalk(item)


class _RIS(Export):
    kind = "ris"

    def sniff(self, data: bytes, name: str) -> bool:
        first = next((line for line in _text_head(data).splitlines() if line.strip()), "")
        return re.match(r"^TY  - \S", first) is not None

    def items(self, data: bytes, name: str) -> list[Item]:
        from ..citation.readers import ris
        return ris.references(decode(data, name), name)

    def crosswalk(self, item: Any):
        from ..citation.readers import ris
        return ris.crosswalk(item)


class _DSpaceCSV(Export):
    """DSpace's metadata export (Batch Metadata Editing CSV): `id`, `collection`, then one column per
    metadata field (`dc.contributor.author`, `dc.title[en]`), several values joined by `||`."""
    kind = "dspace-csv"

    def sniff(self, data: bytes, name: str) -> bool:
        header = _text_head(data).splitlines()[:1]
        cells = [cell.strip().strip('"') for cell in header[0].split(",")] if header else []
        return any(re.match(r"^(dc|dcterms)\.[a-z]", cell) for cell in cells)

    def items(self, data: bytes, name: str) -> list[Item]:
        text = decode(data, name)
        rows = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(rows, [])
            items, start = [], rows.line_num + 1
            for cells in rows:
                line, start = start, rows.line_num + 1
                if any(cell.strip() for cell in cells):
                    items.append((dict(zip(header, cells)), "", line))
        except csv.Error as error:
            raise InputError(f"not readable as CSV: {error}", source=name, hint="export the CSV again") from None
        return items

    def crosswalk(self, item: Any):
        from ..citation.readers import dublincore
        return dublincore.crosswalk_csv(item)


# XML formats --------------------------------------------------------------------------------------

def _xml_root(data: bytes) -> str | None:
    """The root element's name ({namespace}local) of an XML document, from its first bytes."""
    head = _text_head(data)
    match = re.search(r"<(?![?!])([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>", head)
    if not match or not head.lstrip().startswith("<"):
        return None
    prefix = (match[1] or "")[:-1]
    namespace = re.search(r'xmlns%s="([^"]+)"' % (":" + prefix if prefix else ""), match[3])
    return f"{{{namespace[1]}}}{match[2]}" if namespace else match[2]


class _DataCiteXML(Export):
    kind = "datacite"

    def sniff(self, data: bytes, name: str) -> bool:
        root = _xml_root(data)
        return bool(root) and re.match(r"^\{http://datacite\.org/schema/kernel-\d\}resource$", root) is not None

    def items(self, data: bytes, name: str) -> list[Item]:
        root = parse_xml(data, name)
        return [(root, "", root.sourceline)]

    def crosswalk(self, item: Any):
        from ..citation.readers import datacite
        return datacite.crosswalk_xml(item)

    def line_of(self, item: Any, field: str) -> int | None:
        from ..citation.readers import datacite
        return datacite.line_of(item, field)


class _DSpaceXML(Export):
    """A DSpace Simple Archive Format item's `dublin_core.xml` (or `metadata_dcterms.xml`)."""
    kind = "dspace-xml"

    def sniff(self, data: bytes, name: str) -> bool:
        return _xml_root(data) == "dublin_core"

    def items(self, data: bytes, name: str) -> list[Item]:
        root = parse_xml(data, name)
        return [(root, "", root.sourceline)]

    def crosswalk(self, item: Any):
        from ..citation.readers import dublincore
        return dublincore.crosswalk_xml(item)

    def line_of(self, item: Any, field: str) -> int | None:
        from ..citation.readers import dublincore
        return dublincore.line_of(item, field)


def parse_xml(data: bytes, name: str):
    """The root element, parsed without a network, DTDs or entity expansion."""
    from lxml import etree
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise InputError("not well-formed XML", problems=[Problem(
            f"not well-formed XML: {error.msg}", None, name, "fix the XML", line=error.lineno)]) from None


JSON_FEED = _JSONFeed()
CSL_JSON = _CSL()
CROSSREF = _Crossref()
DATACITE_JSON = _DataCiteJSON()
DATACITE_XML = _DataCiteXML()
SCHEMA_ORG = _SchemaOrg()
BIBTEX = _BibTeX()
RIS = _RIS()
DSPACE_CSV = _DSpaceCSV()
DSPACE_XML = _DSpaceXML()


class _DataCite(Export):
    """DataCite JSON or XML, one kind for `--from datacite`."""
    kind = "datacite"

    def sniff(self, data: bytes, name: str) -> bool:
        return DATACITE_XML.sniff(data, name) or DATACITE_JSON.sniff(data, name)

    def read(self, data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
        chosen = DATACITE_XML if DATACITE_XML.sniff(data, name) else DATACITE_JSON
        return chosen.read(data, name, neighbour, collection)


class _DSpace(Export):
    """DSpace's metadata-export CSV or a SAF item's dublin_core.xml, one kind for `--from dspace`."""
    kind = "dspace"

    def sniff(self, data: bytes, name: str) -> bool:
        return DSPACE_XML.sniff(data, name) or DSPACE_CSV.sniff(data, name)

    def read(self, data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
        chosen = DSPACE_XML if DSPACE_XML.sniff(data, name) else DSPACE_CSV
        return chosen.read(data, name, neighbour, collection)


DATACITE = _DataCite()
DSPACE = _DSpace()

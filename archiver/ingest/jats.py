"""JATS reader: a JATS article (JATS 1.0-1.4, NLM 3.0; Archiving, Publishing, Authoring) -> record JSON.

Reads NISO JATS (Z39.96). An article written by `archiver/writers/jats.py` (marked by its
`custom-meta`) reads back to the identical record: the fields JATS has no element for come from
`custom-meta`, wrapper elements are unwrapped, and the empty lists/objects JATS cannot express come from
the `archiver-empty-fields` pointers. A publisher's article is mapped as far as the record can hold it,
and every guess or loss is a warning naming the file and the XML line (`file.xml:12`): a missing
`xml:lang` is the collection's language, else "en" (W001), an article with no author gets its
publisher as organisation author (W001), what the record cannot hold is W002 naming the element. The body is in `archiver/ingest/jatsbody.py`,
the back matter (references, acknowledgements, author notes) in `archiver/ingest/jatsback.py`, the
contributors in `archiver/ingest/jatspeople.py`.

Choices for a publisher's article, in order of preference:
- identifier: `article-id[@pub-id-type='publisher-id']` when it fits the record's identifier pattern,
  then the DOI (characters the pattern refuses become "-"), then the file name;
- abstract: the one without `abstract-type`, then "summary", "executive-summary", "toc", "short",
  "teaser", then any other; its paragraphs one per line;
- date: the electronic publication date (`pub`, `epub`, `epub-ppub`), then any, as precise as given;
- body: the main `<body>`, or a translation `sub-article`'s when the main one is empty.

The input is untrusted: parsed without loading the DTD, without expanding entities (a character entity
of the JATS/HTML sets, `&mdash;`, becomes its character; any other is refused), without network.
"""

from __future__ import annotations

import html.entities
import re
from collections import defaultdict
from pathlib import PurePath
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from ..errors import ArchiverWarning, InputError
from ..jatsmap import (EVENT_REVISED, HREF, KWD_REGIONS, KWD_TOPICS, META_EMPTY, META_GENERATED_IDS,
                       META_PROVENANCE, META_PROVENANCE_OBJECTS, META_PUBLISHER_COUNTRY, META_PUBLISHER_PARENT,
                       META_SCHEMA_VERSION,
                       META_SERIES_NUMBER, META_STATEMENT, NOTES_EDITOR, SELF_URI_PDF,
                       SELF_URI_SERIES, SELF_URI_SOURCE, XML_LANG)
from ..record import SCHEMA_VERSION
from ..validators.jats import parse
from . import Draft, Neighbour
from .jatsback import BackReader, _partial_date
from .jatsbody import BodyReader, elements, put, text_of
from .jatspeople import PeopleReader

_LICENSE_REF = "{http://www.niso.org/schemas/ali/1.0/}license_ref"
_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
                   rb"<(?:[A-Za-z_][\w.-]*:)?article[\s>/]", re.S)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_URL = re.compile(r"^https?://\S+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ABSTRACT_TYPES = (None, "summary", "executive-summary", "toc", "short", "teaser")
#: the language assumed when an article does not say and its collection gives none (W001)
DEFAULT_LANGUAGE = "en"
#: where archiver's record has no place for a front or back element of a publisher's article
_UNHELD = ("front/article-meta/funding-group", "front/article-meta/supplementary-material",
           "back/app-group", "back/glossary", "back/sec", "back/notes", "sub-article", "response",
           "floats-group")
#: `USES_NEIGHBOURS`: a figure's image is read from the file beside the article
USES_NEIGHBOURS = True


def looks_like_jats(data: bytes) -> bool:
    """True when the bytes start (after declaration, comments and DOCTYPE) with an `<article>` element."""
    return _HEAD.match(data[:65536]) is not None


def sniff(data: bytes, name: str) -> bool:
    return looks_like_jats(data)


USES_COLLECTION = True


def read(data: bytes, name: str, neighbour: Neighbour | None = None, collection: Any = None) -> list[Draft]:
    """The ingest reader's interface: one article, one draft (with its warnings and image files). A
    collection's language is left for the collection to fill where the article has no xml:lang."""
    reader = _reader(data, name, neighbour,
                     collection_language=bool(collection is not None and collection.values.get("language")))
    return [Draft(reader.record(), reader.warnings, reader.assets)]


def read_article(data: bytes, source_name: str, neighbour: Neighbour | None = None) -> dict[str, Any]:
    """The record JSON of a JATS article. Raises `InputError` for input that is not a JATS article."""
    return _reader(data, source_name, neighbour).record()


def _reader(data: bytes, source_name: str, neighbour: Neighbour | None,
            collection_language: bool = False) -> "_Reader":
    root = parse(data, source_name)
    if root.tag != "article":
        raise InputError(f"the root element is <{root.tag}>, not a JATS <article>", source=source_name,
                         hint="give a JATS article (root element <article>)")
    _replace_character_entities(root, source_name)
    return _Reader(root, PurePath(source_name).name, neighbour, collection_language)


def _replace_character_entities(root: etree._Element, source: str) -> None:
    """`&mdash;` and the other character entities of the JATS (ISO/HTML) sets become their characters;
    nothing is ever loaded or expanded, so any other entity is refused."""
    for node in list(root.iter(etree.Entity)):
        character = html.entities.html5.get(f"{node.name};")
        if character is None:
            raise InputError(f"entity reference &{node.name}; is not expanded (line {node.sourceline})",
                             source=source, hint="replace named entities with the characters they stand for")
        parent, previous = node.getparent(), node.getprevious()
        text = character + (node.tail or "")
        if previous is not None:
            previous.tail = (previous.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(node)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


class _Reader(BodyReader, BackReader, PeopleReader):
    def __init__(self, root: etree._Element, source_name: str, neighbour: Neighbour | None,
                 collection_language: bool = False):
        self.root = root
        self.source = source_name
        self.neighbour = neighbour
        self.warnings: list[ArchiverWarning] = []
        #: figure id -> (bytes, kind) of a publisher's image kept; relative path -> bytes to write
        self.images: dict[str, tuple[bytes, str]] = {}
        self.assets: dict[str, bytes] = {}
        #: (element name, why) -> lines of what was left out (one W002 per kind, after reading)
        self.dropped: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.front = root.find("front")
        if self.front is None or self.front.find("article-meta") is None:
            raise InputError("the article has no <front>/<article-meta>", source=source_name,
                             hint="give a JATS article with its front matter")
        self.meta = self.front.find("article-meta")
        self.journal = self.front.find("journal-meta")
        self.custom: dict[str, str] = {}
        for custom in self.meta.iterfind("custom-meta-group/custom-meta"):
            name = text_of(custom.find("meta-name"))
            if name is not None and name not in self.custom:
                self.custom[name] = text_of(custom.find("meta-value")) or ""
        self.ours = META_SCHEMA_VERSION in self.custom
        self.empty = set(self.custom.get(META_EMPTY, "").split())
        self.generated = set(self.custom.get(META_GENERATED_IDS, "").split()) if self.ours else set()
        self.affs = {aff.get("id"): aff for aff in self.front.iter("aff") if aff.get("id")}
        back = root.find("back")
        self.fns = [fn for fn in back.iterfind("fn-group/fn")] if back is not None else []
        self.note_ids = {fn.get("id") for fn in self.fns if fn.get("id")}
        self.taken: set[str | None] | None = None
        self.own_url = None if self.ours else self.article_url()
        #: the translation sub-article whose body is the record's (when the article's own is empty)
        self.translation: etree._Element | None = None
        #: the collection gives a language: an article without xml:lang takes it, nothing is guessed
        self.collection_language = collection_language
        #: notes made from a publisher's footnotes inside the text (`p/fn`), in reading order
        self.inline_notes: list[dict[str, Any]] = []

    # Messages ---------------------------------------------------------------------------------------

    def warn(self, code: str, message: str, element: etree._Element | None) -> None:
        line = element.sourceline if element is not None else None
        self.warnings.append(ArchiverWarning(code, message, f"{self.source}:{line}" if line else self.source))

    def drop(self, element: etree._Element, why: str = "the record has no place for it") -> None:
        """Note an element left out (or kept only in part); reported once per kind by `report_dropped`."""
        self.dropped[(element.tag if isinstance(element.tag, str) else "?", why)].append(element.sourceline or 0)

    def report_dropped(self) -> None:
        for (tag, why), lines in self.dropped.items():
            shown = ", ".join(str(line) for line in lines[:5]) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
            count = f"{len(lines)} " if len(lines) > 1 else ""
            self.warnings.append(ArchiverWarning(
                "W002", f"{count}<{tag}> ({'lines' if len(lines) > 1 else 'line'} {shown}): {why}",
                f"{self.source}:{lines[0]}" if lines[0] else self.source))

    def clean(self, text: str | None) -> str | None:
        """A metadata value: a publisher's white space normalised (archiver's own is kept as written)."""
        if text is None or self.ours:
            return text
        return " ".join(text.split())

    def value(self, element: etree._Element | None) -> str | None:
        """The normalised text of an element, None when missing or empty."""
        text = self.clean(text_of(element))
        return text if text or self.ours else None

    # Front matter -----------------------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        meta = self.meta
        record: dict[str, Any] = {"schema_version": self.custom.get(META_SCHEMA_VERSION, SCHEMA_VERSION)}
        record["identifier"] = self.identifier()
        series = self.series()
        if series:
            record["series"] = series
        _put(record, "title", self.value(meta.find("title-group/article-title")))
        _put(record, "subtitle", self.value(meta.find("title-group/subtitle")))
        contribs = [contrib for contrib in meta.iterfind("contrib-group/contrib")
                    if contrib.get("contrib-type", "author") == "author"]
        record["authors"] = [self.author(contrib, index) for index, contrib in enumerate(contribs)]
        _put(record, "published", self.published())
        modified = meta.find(f"pub-history/event[@event-type='{EVENT_REVISED}']/date")
        _put(record, "modified", self.date(modified))
        _put(record, "language", self.language())
        publisher = self.publisher()
        if publisher:
            record["publisher"] = publisher
        if not record["authors"] and not self.ours:
            record["authors"] = self.publisher_as_author(publisher)
        _put(record, "editor_note", self.paragraphs(self.front.find(f"notes[@notes-type='{NOTES_EDITOR}']")))
        _put(record, "abstract", self.abstract())
        body = self.body_element()
        if body is not None or self.fns or self.inline_notes:
            record["body"] = {"blocks": self.body_blocks(body) if body is not None else []}
            if self.fns or self.inline_notes or "/body/notes" in self.empty:
                record["body"]["notes"] = [self.note(fn, number) for number, fn in enumerate(self.fns, 1)]
                record["body"]["notes"] += self.inline_notes
        put(record, "acknowledgements", self.acknowledgements())
        put(record, "author_notes", self.author_notes())
        put(record, "references", self.references())
        for key, kinds in (("subjects", (KWD_TOPICS,)), ("coverage", (KWD_REGIONS,))):
            values = [self.value(kwd) for group in meta.iterfind("kwd-group")
                      if self.kwd_kind(group) in kinds for kwd in group.iterfind("kwd")]
            values = [value for value in values if value is not None]
            if values or f"/{key}" in self.empty:
                record[key] = values
        rights = self.rights(meta.find("permissions"))
        if rights is not None:
            record["rights"] = rights
        links = self.links()
        if links or "/links" in self.empty:
            record["links"] = links
        provenance = self.provenance()
        if provenance:
            record["provenance"] = provenance
        for pointer in sorted(self.empty):
            if pointer.endswith("/head"):
                _set_empty_head(record, pointer)
        if not self.ours:
            self.place_images(record)
            for contrib in meta.iterfind("contrib-group/contrib"):
                if contrib.get("contrib-type", "author") != "author":
                    self.drop(contrib, f"a contributor who is not an author ({contrib.get('contrib-type')})")
            for path in _UNHELD:
                for element in self.root.iterfind(path):
                    if element is not self.translation:
                        self.drop(element)
            self.report_dropped()
        return record

    def kwd_kind(self, group: etree._Element) -> str:
        kind = group.get("kwd-group-type")
        # A foreign article's author keywords are its topics.
        return kind if self.ours or kind == KWD_REGIONS else KWD_TOPICS

    def article_id(self, kind: str) -> str | None:
        return self.value(self.meta.find(f"article-id[@pub-id-type='{kind}']"))

    def identifier(self) -> str:
        """The publisher's id, then the DOI made to fit the identifier pattern, then the file name."""
        publisher_id = self.article_id("publisher-id")
        if self.ours or (publisher_id and _IDENTIFIER.match(publisher_id)):
            return publisher_id or ""
        doi = self.doi()
        if doi:
            return re.sub(r"[^A-Za-z0-9._-]+", "-", doi)[:64].strip("._-")
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", PurePath(self.source).stem).lstrip("._-")
        return stem[:64] or "article"

    def doi(self) -> str | None:
        doi = self.article_id("doi")
        if doi is None or self.ours:
            return doi
        doi = re.sub(r"^(doi:\s*|https?://(dx\.)?doi\.org/)", "", doi.strip(), flags=re.I)
        if _DOI.match(doi):
            return doi
        self.drop(self.meta.find("article-id[@pub-id-type='doi']"), f"DOI {doi!r} is not of the form 10.NNNN/...")
        return None

    def language(self) -> str | None:
        language = self.root.get(XML_LANG)
        if self.ours:
            return language
        if language and _LANGUAGE.match(language.strip()):
            primary, _, rest = language.strip().partition("-")
            return primary.lower() + (f"-{rest}" if rest else "")
        if self.collection_language:
            return None  # the collection fills it, and says so in provenance.collection
        self.warn("W001", f"the article has no xml:lang; language assumed {DEFAULT_LANGUAGE!r}", self.root)
        return DEFAULT_LANGUAGE

    def series(self) -> dict[str, Any]:
        journal = self.journal
        if journal is None or self.value(journal.find("journal-title-group/journal-title")) is None:
            return {}
        series: dict[str, Any] = {"name": self.value(journal.find("journal-title-group/journal-title"))}
        _put(series, "number", self.custom.get(META_SERIES_NUMBER))
        issn = self.value(journal.find("issn"))
        _put(series, "issn", issn if self.ours or (issn and re.match(r"^\d{4}-\d{3}[\dX]$", issn)) else None)
        uri = journal.find(f"self-uri[@content-type='{SELF_URI_SERIES}']")
        _put(series, "url", uri.get(HREF) if uri is not None else None)
        return series

    def publisher(self) -> dict[str, Any]:
        found = self.journal.find("publisher") if self.journal is not None else None
        publisher: dict[str, Any] = {}
        if found is not None:
            _put(publisher, "name", self.value(found.find("publisher-name")))
            _put(publisher, "place", self.value(found.find("publisher-loc")))
        _put(publisher, "country_code", self.custom.get(META_PUBLISHER_COUNTRY))
        _put(publisher, "parent", self.custom.get(META_PUBLISHER_PARENT))
        return publisher

    def published(self) -> str | None:
        dates = self.meta.findall("pub-date")
        preferred = [d for d in dates if d.get("date-type", d.get("pub-type")) in ("pub", "epub", "epub-ppub")] \
            or dates
        return next((date for element in preferred if (date := self.date(element))), None)

    def date(self, element: etree._Element | None) -> str | None:
        """A JATS date as precise as it is given: YYYY-MM-DD, YYYY-MM or YYYY."""
        if element is None:
            return None
        iso = element.get("iso-8601-date")
        if iso and (self.ours or re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", iso)):
            return iso
        return _partial_date(element)

    def paragraphs(self, container: etree._Element | None) -> str | None:
        """The text of the paragraphs of a container (an abstract, a bio, a note), one per line."""
        if container is None:
            return None
        texts = [text for p in container.iter("p") if (text := self.clean(text_of(p)))]
        return "\n".join(texts) if texts else None

    def abstract(self) -> str | None:
        abstracts = [a for a in self.meta.findall("abstract") if self.ours or self.paragraphs(a)]
        rank = {kind: index for index, kind in enumerate(_ABSTRACT_TYPES)}
        chosen = sorted(abstracts, key=lambda a: rank.get(a.get("abstract-type"), len(rank)))
        if self.ours:
            chosen = [a for a in abstracts if a.get("abstract-type") == "summary"]
        return self.paragraphs(chosen[0]) if chosen else None

    def rights(self, permissions: etree._Element | None) -> dict[str, Any] | None:
        if permissions is None:
            return None
        rights: dict[str, Any] = {}
        _put(rights, "statement", self.custom.get(META_STATEMENT) if self.ours and META_STATEMENT in self.custom
             else self.value(permissions.find("copyright-statement")))
        _put(rights, "holder", self.value(permissions.find("copyright-holder")))
        year = (text_of(permissions.find("copyright-year")) or "").strip()
        if year.isdigit() and len(year) == 4:
            rights["year"] = int(year)
        _put(rights, "license", self.license(permissions))
        return rights

    def license(self, permissions: etree._Element | None) -> str | None:
        if permissions is None:
            return None
        ref = permissions.find(f"license/{_LICENSE_REF}")
        licence = permissions.find("license")
        uri = text_of(ref) if ref is not None else (licence.get(HREF) if licence is not None else None)
        if uri is None or self.ours:
            return uri
        uri = uri.strip()
        # Creative Commons' own canonical form of its licence URIs (https, trailing slash)
        uri = re.sub(r"^http://creativecommons\.org/", "https://creativecommons.org/", uri)
        if uri.startswith("https://creativecommons.org/") and not uri.endswith("/"):
            uri += "/"
        return uri if _URL.match(uri) else None

    def article_url(self) -> str | None:
        """The article's own web address: an absolute `self-uri` that is not its PDF."""
        for uri in self.meta.iterfind("self-uri"):
            href = (uri.get(HREF) or "").strip()
            if _URL.match(href) and uri.get("content-type") != SELF_URI_PDF:
                return href
        return None

    def links(self) -> dict[str, Any]:
        links: dict[str, Any] = {}
        if self.ours:
            for key, kind in (("source", SELF_URI_SOURCE), ("pdf", SELF_URI_PDF)):
                uri = self.meta.find(f"self-uri[@content-type='{kind}']")
                _put(links, key, uri.get(HREF) if uri is not None else None)
        else:
            _put(links, "source", self.own_url)
            pdf = self.meta.find(f"self-uri[@content-type='{SELF_URI_PDF}']")
            href = (pdf.get(HREF) or "").strip() if pdf is not None else ""
            if href and not _URL.match(href):
                if self.own_url:
                    href = urljoin(self.own_url, href)
                else:
                    self.drop(pdf, f"PDF link {href!r} is relative and the article gives no URL to resolve it against")
                    href = ""
            _put(links, "pdf", href or None)
        _put(links, "doi", self.doi())
        handle = self.article_id("handle")
        _put(links, "handle", handle if self.ours or (handle and re.match(r"^[0-9][0-9.]*/\S+$", handle)) else None)
        return links

    def provenance(self) -> dict[str, Any]:
        if not self.ours:
            return {}
        provenance: dict[str, Any] = {}
        for field, name in META_PROVENANCE.items():
            _put(provenance, field, self.custom.get(name))
        for field, names in META_PROVENANCE_OBJECTS.items():
            used: dict[str, Any] = {}
            for sub, name in names.items():
                _put(used, sub, self.custom.get(name))
            if used:
                if field == "collection":  # its JSON pointers, space-separated; none written when none
                    used["fields"] = used.get("fields", "").split()
                provenance[field] = used
        return provenance

    def body_element(self) -> etree._Element | None:
        """The main body, or a translation's when the main one is empty (W001 saying whose)."""
        body = self.root.find("body")
        if self.ours or (body is not None and any(True for child in elements(body))):
            return body
        for sub in self.root.iterfind("sub-article[@article-type='translation']"):
            translated = sub.find("body")
            if translated is not None and any(True for child in elements(translated)):
                self.warn("W001", f"the article's own body is empty; the body is taken from its translation "
                          f"sub-article ({sub.get(XML_LANG) or 'language not given'})", sub)
                self.translation = sub
                return translated
        return body


def _set_empty_head(record: dict[str, Any], pointer: str) -> None:
    """Restore the empty header rows (`"head": []`) of the table the writer noted at a JSON pointer."""
    target: Any = record
    try:
        for part in pointer.strip("/").split("/")[:-1]:
            target = target[int(part)] if isinstance(target, list) else target[part]
    except (KeyError, IndexError, ValueError, TypeError):
        return  # a pointer that does not fit the article is ignored, not trusted
    if isinstance(target, dict) and target.get("type") == "table" and "head" not in target:
        rows = target.pop("rows")
        target["head"] = []
        target["rows"] = rows

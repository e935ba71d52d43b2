"""Loose records -> canonical records: the lenient field rules (issue 2 point 6).

A loose record is what a spreadsheet or a CMS export gives: the schema's field names
(schemas/commentary.schema.json), written leniently:

- `authors` (or `author`): a byline string ("A, B and C", "Name, Affiliation"), or a list of strings or
  of author objects (`affiliations` may be a string; a bare ORCID is made a URL);
- `published` (or `date`) and `modified`: any common date form ("31 May 2023", "31/05/2023", ...);
- `subjects` (or `keywords`) and `coverage`: a list, or one string separated by ";" (or ",");
- `body`: the canonical body object, or an HTML or Markdown string read by pandoc (`body_format`:
  "html" or "markdown"; sniffed when absent);
- `abstract` (or `synopsis`), `series`, `publisher`, `rights`: a string stands for the name/statement;
  object fields may also be given as dotted columns (`series.number`, `links.pdf`), as a CSV has to;
- `url` and `doi` stand for `links.source` and `links.doi`;
- `language` defaults to "en" with warning W001.

Text is NFC, white space is cleaned, typographic quotes are kept. A field archiver does not know is an
error naming it (a typo must not be dropped silently), as is any value that cannot be normalised; every
problem of a record is reported, each with its JSON pointer (`/0/published` in a file of several records)
or, in a CSV, its line and column. A record already canonical passes through unchanged.

This module owns those rules (`Normaliser`, `normalise`) and the field tables the other readers share
(a manuscript's front matter and a metadata export's sidecar are loose records too); the files that
carry loose records (JSON, YAML, CSV) are read by `loosefiles.py`.
"""

from __future__ import annotations

import copy
import datetime
import math
import re
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ArchiverWarning, Problem, RecordInvalid
from ..normalize import clean_text, parse_date, split_authors, split_name
from ..record import SCHEMA_VERSION, SCHEMA_VERSIONS, problems as schema_problems
from ..recordcheck import check as check_record
from . import Draft
from .reports import suggestion

if TYPE_CHECKING:
    from .pandoc import ImageLookup

TOP_FIELDS = ("schema_version", "identifier", "series", "title", "subtitle", "authors", "published",
              "modified", "language", "publisher", "editor_note", "abstract", "body", "acknowledgements",
              "author_notes", "references", "subjects", "coverage", "rights", "links", "provenance")
#: schema 1.1 fields taken as the schema writes them (the schema check reports what is wrong)
AS_GIVEN = ("acknowledgements", "author_notes", "references")
ALIASES = {"author": "authors", "date": "published", "keywords": "subjects", "synopsis": "abstract"}
LINK_SHORTCUTS = {"url": "source", "doi": "doi"}
OBJECT_FIELDS = {
    "series": ("name", "number", "issn", "url"),
    "publisher": ("name", "place", "country_code", "parent"),
    "rights": ("statement", "holder", "year", "license"),
    "links": ("source", "pdf", "doi", "handle"),
    "provenance": ("reader", "source_file", "source_sha256", "archiver_version", "ingested", "note"),
}
#: the sub-field a plain string stands for
OBJECT_STRING = {"series": "name", "publisher": "name", "rights": "statement", "provenance": "note"}
AUTHOR_FIELDS = ("name", "given", "family", "name_order", "affiliations", "bio", "orcid", "email", "kind")
AFFILIATION_FIELDS = ("name", "country", "country_code")
EXTRA_FIELDS = ("body_format",)
KNOWN = (*TOP_FIELDS, *ALIASES, *LINK_SHORTCUTS, *EXTRA_FIELDS)
REQUIRED = ("identifier", "title", "authors", "published", "publisher")

_HTML_BODY = re.compile(r"<(p|div|h[1-6]|ul|ol|li|table|blockquote|em|strong|b|i|a|br|span|section|article|figure)\b",
                        re.I)


def _text_value(value: Any) -> str | None:
    """A scalar as text, or None when it is no scalar."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == [] or value == {}


class Normaliser:
    """Normalises one loose record; collects every problem and warning."""

    def __init__(self, source: str, pointer: str = "", line: int | None = None,
                 body_reader: Callable[[str, str, str], dict] | None = None,
                 missing_hint: Callable[[str], str] | None = None, later: frozenset[str] = frozenset(),
                 images: "ImageLookup | None" = None):
        self.source = source
        #: a body string's pictures found beside the source (`pandoc.ImageLookup`); None: none are
        self.images = images
        self.missing_hint = missing_hint
        #: required fields the ingest driver fills afterwards (from the collection file): not missing here
        self.later = later
        self.prefix = pointer
        self.line = line
        self.problems: list[Problem] = []
        self.warnings: list[ArchiverWarning] = []
        self.assets: dict[str, bytes] = {}
        self.body_reader = body_reader or self._read_body_string

    # Reporting ------------------------------------------------------------------------------------

    def problem(self, pointer: str, message: str, hint: str | None = None) -> None:
        self.problems.append(Problem(message, self.prefix + pointer, self.source, hint, self.line))

    def warn(self, code: str, pointer: str, message: str) -> None:
        self.warnings.append(ArchiverWarning(code, message, self.source, self.prefix + pointer))

    # The record -----------------------------------------------------------------------------------

    def record(self, raw: Any, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
        """The canonical record of `raw`; raises RecordInvalid with every problem found."""
        if not isinstance(raw, dict):
            self.problem("", f"a record must be an object of fields, not {type(raw).__name__}",
                         "give one object (mapping) per record")
            raise RecordInvalid(self.problems)
        beyond, too_deep = check_record(raw, self.source)
        if too_deep:  # nothing below may walk it (copying and validating recurse)
            self.problems.extend(Problem(p.message, self.prefix + (p.pointer or ""), p.source, p.hint, self.line)
                                 for p in beyond)
            raise RecordInvalid(self.problems)
        if not schema_problems(raw):
            return copy.deepcopy(raw)  # already canonical: unchanged
        fields = self._gather(raw)
        for key, value in (defaults or {}).items():
            fields.setdefault(key, value)
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        if "schema_version" in fields and _text_value(fields["schema_version"]) not in SCHEMA_VERSIONS:
            self.problem("/schema_version", f"schema version {fields['schema_version']!r} is not {SCHEMA_VERSION}",
                         f"write {SCHEMA_VERSION!r} or leave the field out")
        for key in REQUIRED:
            if key not in fields and key not in self.later:
                self.problem(f"/{key}", f"the required field {key!r} is missing",
                             self.missing_hint(key) if self.missing_hint else
                             f"add {key!r} (see schemas/commentary.schema.json)")
        for key in ("identifier", "title", "subtitle", "editor_note"):
            if key in fields:
                self._put(out, key, self.text(fields[key], f"/{key}"))
        if "abstract" in fields:
            self._put(out, "abstract", self.text(fields["abstract"], fields.get("_abstract_at", "/abstract"),
                                                 keep_newlines=True))
        if "authors" in fields:
            self._put(out, "authors", self.authors(fields["authors"], fields.get("_authors_at", "/authors")))
        for key in ("published", "modified"):
            if key in fields:
                self._put(out, key, self.date(fields[key], fields.get(f"_{key}_at", f"/{key}")))
        if "language" in fields:
            self._put(out, "language", self.text(fields["language"], "/language"))
        elif "language" not in self.later:
            out["language"] = "en"
            self.warn("W001", "/language", "no language given; English ('en') assumed")
        for key in ("series", "publisher", "rights", "links"):
            if key in fields:
                self._put(out, key, self.object(key, fields[key], f"/{key}"))
        if "provenance" in fields:
            # The ingest driver states what this run did; a source's own remark survives as the note.
            provenance = self.object("provenance", fields["provenance"], "/provenance") or {}
            if "note" in provenance:
                out["provenance"] = {"note": provenance["note"]}
        for key in ("subjects", "coverage"):
            if key in fields:
                self._put(out, key, self.terms(fields[key], fields.get(f"_{key}_at", f"/{key}")))
        for key in AS_GIVEN:
            if key in fields:
                out[key] = fields[key]
        if "body" in fields:
            self._put(out, "body", self.body(fields["body"], fields.get("body_format")))
        elif "body_format" in fields:
            self.problem("/body_format", "body_format is given but there is no body", "add the body or drop body_format")
        self._schema_check(out)  # also when a field failed: a hostile identifier is named beside a bad date
        if self.problems:
            raise RecordInvalid(self.problems)
        return {key: out[key] for key in TOP_FIELDS if key in out}

    @staticmethod
    def _put(out: dict, key: str, value: Any) -> None:
        if value is not None:
            out[key] = value

    def _gather(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Fields under their canonical names, dotted columns folded into objects; unknown names reported."""
        fields: dict[str, Any] = {}
        for key, value in raw.items():
            pointer = "/" + str(key).replace("~", "~0").replace("/", "~1")
            if not isinstance(key, str):
                self.problem(pointer, f"field name {key!r} is not text", "name fields as the schema does")
                continue
            if _empty(value):
                continue  # an empty cell or null says nothing
            head, dot, tail = key.partition(".")
            if dot and head in OBJECT_FIELDS:
                if tail not in OBJECT_FIELDS[head]:
                    self._unknown(pointer, tail, OBJECT_FIELDS[head], f"{head}.")
                    continue
                target = fields.setdefault(head, {})
                if isinstance(target, str):
                    target = fields[head] = {OBJECT_STRING.get(head, "name"): target}
                if isinstance(target, dict):
                    target[tail] = value
                continue
            if key in LINK_SHORTCUTS:
                links = fields.setdefault("links", {})
                if isinstance(links, dict):
                    links[LINK_SHORTCUTS[key]] = value
                continue
            if key not in KNOWN:
                self._unknown(pointer, key, KNOWN, "")
                continue
            name = ALIASES.get(key, key)
            if name in fields and name not in OBJECT_FIELDS:
                self.problem(pointer, f"{key!r} gives {name!r} a second time", f"keep only one of {name!r} and {key!r}")
                continue
            if name in OBJECT_FIELDS and isinstance(fields.get(name), dict) and isinstance(value, dict):
                fields[name].update(value)
                continue
            if name in OBJECT_STRING and isinstance(fields.get(name), dict) and isinstance(value, str):
                fields[name].setdefault(OBJECT_STRING[name], value)  # "series" after "series.number"
                continue
            fields[name] = value
            if name != key:
                fields[f"_{name}_at"] = pointer
        return fields

    def _unknown(self, pointer: str, key: str, known: tuple[str, ...], prefix: str) -> None:
        close = suggestion(key, known)
        hint = f"did you mean {prefix + close!r}?" if close else \
            f"use the schema's field names: {', '.join(prefix + k for k in known if not k.startswith('_'))}"
        self.problem(pointer, f"unknown field {prefix + key!r}", hint)

    def _schema_check(self, out: dict[str, Any]) -> None:
        # What the lenient rules let through must still be a valid record: report what the schema says.
        reported = [p.pointer for p in self.problems if p.pointer]
        for problem in schema_problems({key: value for key, value in out.items() if key != "provenance"}):
            if problem.pointer == "/" and "required property" in problem.message:
                continue  # reported above with the field's own pointer
            if any((self.prefix + (problem.pointer or "")).startswith(at) for at in reported):
                continue  # that field's problem is already said
            self.problem(problem.pointer if problem.pointer != "/" else "", problem.message, problem.hint)

    # Values ---------------------------------------------------------------------------------------

    def text(self, value: Any, pointer: str, keep_newlines: bool = False) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(pointer, f"{value} is not a value", "give the text, or leave the field out")
            return None
        raw = _text_value(value)
        if raw is None:
            self.problem(pointer, f"expected text, found {_kind(value)}", "give a single string")
            return None
        cleaned = clean_text(raw, keep_newlines=keep_newlines)
        if not cleaned:
            self.problem(pointer, "the text is empty once white space and control characters are removed",
                         "give a value or leave the field out")
            return None
        return cleaned

    def date(self, value: Any, pointer: str) -> str | None:
        raw = _text_value(value)
        if raw is None:
            self.problem(pointer, f"expected a date, found {_kind(value)}", "write the date as YYYY-MM-DD")
            return None
        try:
            iso, _ = parse_date(raw)  # as precise as given: "May 2024" is "2024-05"
        except ValueError as error:
            self.problem(pointer, str(error), "write the date as YYYY-MM-DD, e.g. 2023-05-31")
            return None
        return iso

    def terms(self, value: Any, pointer: str) -> list[str] | None:
        if isinstance(value, str):
            separator = ";" if ";" in value else ","
            items: list[Any] = value.split(separator)
        elif isinstance(value, list):
            items = value
        else:
            self.problem(pointer, f"expected a list or a ';'-separated string, found {_kind(value)}",
                         "give a list of strings")
            return None
        out: list[str] = []
        for index, item in enumerate(items):
            raw = _text_value(item)
            if raw is None:
                self.problem(f"{pointer}/{index}", f"expected text, found {_kind(item)}", "give a string")
            elif clean_text(raw) and clean_text(raw) not in out:
                out.append(clean_text(raw))
        return out or None

    def authors(self, value: Any, pointer: str) -> list[dict] | None:
        out: list[dict] = []
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            at = f"{pointer}/{index}" if isinstance(value, list) else pointer
            if isinstance(item, dict):
                author = self.author(item, at)
                if author:
                    out.append(author)
            elif _text_value(item) is not None and not isinstance(item, (int, float)):
                try:
                    found = split_authors(item)
                except ValueError as error:
                    self.problem(at, str(error), "give the authors' names")
                    continue
                for author in found:
                    if "family" not in author:
                        self.warn("W004", at, f"{author['name']!r} could not be split into given and family names")
                out.extend(found)
            else:
                self.problem(at, f"expected an author's name or object, found {_kind(item)}",
                             "give a byline string, or a list of names or author objects")
        if not out and not any(p.pointer.startswith(self.prefix + pointer) for p in self.problems if p.pointer):
            self.problem(pointer, "no author given", "give at least one author")
        return out or None

    def author(self, item: dict[str, Any], pointer: str) -> dict | None:
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key not in (*AUTHOR_FIELDS, "affiliation"):
                self._unknown(f"{pointer}/{key}", str(key), AUTHOR_FIELDS, "")
                continue
            if _empty(value):
                continue
            if key in ("affiliations", "affiliation"):
                affiliations = self.affiliations(value, f"{pointer}/{key}")
                if affiliations:
                    out.setdefault("affiliations", []).extend(affiliations)
            elif key == "orcid":
                out["orcid"] = self.orcid(value, f"{pointer}/orcid")
            elif key == "bio":
                out["bio"] = self.text(value, f"{pointer}/bio", keep_newlines=True)
            else:
                out[key] = self.text(value, f"{pointer}/{key}")
        if not out.get("name"):
            if out.get("given") or out.get("family"):
                parts = [out.get("given"), out.get("family")]
                if out.get("name_order") == "family-first":
                    parts.reverse()
                out["name"] = " ".join(p for p in parts if p)
            else:
                self.problem(f"{pointer}/name", "the author has no name", "give the author's name")
                return None
        elif "given" not in out and "family" not in out and out.get("kind") != "organization":
            split = split_name(out["name"])  # an organisation's name is never split
            if "family" in split:
                out.update({k: v for k, v in split.items() if k != "name"})
            else:
                self.warn("W004", f"{pointer}/name", f"{out['name']!r} could not be split into given and family names")
        return {key: out[key] for key in AUTHOR_FIELDS if out.get(key) is not None}

    def affiliations(self, value: Any, pointer: str) -> list[dict]:
        if isinstance(value, str):
            return [{"name": clean_text(part)} for part in value.split(";") if clean_text(part)]
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            self.problem(pointer, f"expected affiliations, found {_kind(value)}", "give a string or a list")
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                affiliation = {}
                for key, sub in item.items():
                    if key not in AFFILIATION_FIELDS:
                        self._unknown(f"{pointer}/{index}/{key}", str(key), AFFILIATION_FIELDS, "")
                    elif not _empty(sub):
                        affiliation[key] = self.text(sub, f"{pointer}/{index}/{key}")
                if affiliation.get("name"):
                    out.append({k: affiliation[k] for k in AFFILIATION_FIELDS if affiliation.get(k)})
                else:
                    self.problem(f"{pointer}/{index}/name", "the affiliation has no name", "give its name")
            elif (text := self.text(item, f"{pointer}/{index}")) is not None:
                out.append({"name": text})
        return out

    def orcid(self, value: Any, pointer: str) -> str | None:
        text = self.text(value, pointer)
        if text is None:
            return None
        match = re.fullmatch(r"(?:https?://)?(?:orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", text, re.I)
        if not match:
            self.problem(pointer, f"{text!r} is not an ORCID iD", "write it as 0000-0002-1825-0097 or its orcid.org URL")
            return None
        return f"https://orcid.org/{match[1].upper()}"

    def object(self, key: str, value: Any, pointer: str) -> dict | None:
        if isinstance(value, str) and key in OBJECT_STRING:
            value = {OBJECT_STRING[key]: value}
        if not isinstance(value, dict):
            self.problem(pointer, f"expected an object, found {_kind(value)}",
                         f"give an object with {', '.join(OBJECT_FIELDS[key])}")
            return None
        out: dict[str, Any] = {}
        for sub, item in value.items():
            at = f"{pointer}/{sub}"
            if sub not in OBJECT_FIELDS[key]:
                self._unknown(at, str(sub), OBJECT_FIELDS[key], "")
            elif _empty(item):
                continue
            elif sub == "year":
                text = _text_value(item)
                if text is None or not re.fullmatch(r"\d{4}(\.0)?", text.strip()):
                    self.problem(at, f"{item!r} is not a year", "give four digits, e.g. 2023")
                else:
                    out[sub] = int(float(text))
            elif sub == "doi":
                text = self.text(item, at)
                out[sub] = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", text, flags=re.I) if text else None
            elif sub == "handle":
                text = self.text(item, at)
                out[sub] = re.sub(r"^https?://hdl\.handle\.net/", "", text, flags=re.I) if text else None
            else:
                out[sub] = self.text(item, at)
        out = {k: out[k] for k in OBJECT_FIELDS[key] if out.get(k) is not None}
        return out or None

    def body(self, value: Any, body_format: Any) -> dict | None:
        if isinstance(value, dict):
            return copy.deepcopy(value)  # a canonical body: the schema check judges it
        if not isinstance(value, str):
            self.problem("/body", f"expected an HTML or Markdown string or a body object, found {_kind(value)}",
                         "give the body as text")
            return None
        if body_format is None:
            body_format = "html" if _HTML_BODY.search(value) else "markdown"
        elif _text_value(body_format) and _text_value(body_format).strip().lower() in ("html", "markdown", "md"):
            body_format = "markdown" if body_format.strip().lower() == "md" else body_format.strip().lower()
        else:
            self.problem("/body_format", f"body format {body_format!r} is not one archiver reads",
                         "write 'html' or 'markdown'")
            return None
        return self.body_reader(value, body_format, "/body")

    def _read_body_string(self, text: str, body_format: str, pointer: str) -> dict:
        from .pandoc import map_document, run_pandoc
        document = run_pandoc(text.encode("utf-8"), body_format, self.source)
        mapped = map_document(document, self.source, self.images, pointer=self.prefix + pointer)
        self.warnings.extend(mapped.warnings)
        self.assets.update(mapped.assets)
        return mapped.body


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "nothing"}.get(
        type(value), type(value).__name__)


def normalise(raw: Any, source: str, pointer: str = "", line: int | None = None,
              defaults: dict[str, Any] | None = None,
              missing_hint: Callable[[str], str] | None = None, later: frozenset[str] = frozenset(),
              images: "ImageLookup | None" = None) -> Draft:
    """A Draft of the canonical record of one loose record (RecordInvalid with every problem)."""
    normaliser = Normaliser(source, pointer, line, missing_hint=missing_hint, later=later, images=images)
    data = normaliser.record(raw, defaults)
    return Draft(data, normaliser.warnings, normaliser.assets, pointer, line)

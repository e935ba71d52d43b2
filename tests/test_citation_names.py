"""Names in every script, in every citation style and format (issue 17 point 5, issue 21 point 4).

The formatted references follow citeproc-js, the CSL reference processor (archiver/citation/names.py):
names in the scripts it calls romanesque (Latin, Cyrillic, Greek, Hebrew, Arabic, Thai) are inverted
and initialised by the style ("العلي, م." in APA, never citeproc-py's "العلي, . محمد ."); names in
other scripts (Devanagari, Georgian, CJK) print family then given without a space and without initials,
as citeproc-js prints them; a name with no family name is printed whole everywhere. The data formats
(CSL-JSON, BibTeX, RIS) keep family and given apart whatever the script.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from archiver.citation import CSL_STYLES, cite_as
from archiver.citation.names import initialize_with
from archiver.record import Author, Record, load

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "records"

#: (author, what Chicago and MLA print, what APA prints, what Cite Them Right prints) for "Family, Given"
GIVEN_FIRST = [
    (Author(name="محمد العلي", given="محمد", family="العلي"), "العلي, محمد.", "العلي, م. (2024).", "العلي, م. (2024)"),
    # Devanagari and Georgian: spaced as written, where citeproc-js runs them together ("शर्माअमित")
    (Author(name="अमित शर्मा", given="अमित", family="शर्मा"), "शर्मा, अमित.", "शर्मा, अमित. (2024).", "शर्मा, अमित (2024)"),
    (Author(name="สมชาย ใจดี", given="สมชาย", family="ใจดี"), "ใจดี, สมชาย.", "ใจดี, ส. (2024).", "ใจดี, ส. (2024)"),
    (Author(name="דוד כהן", given="דוד", family="כהן"), "כהן, דוד.", "כהן, ד. (2024).", "כהן, ד. (2024)"),
    (Author(name="ნინო ბერიძე", given="ნინო", family="ბერიძე"), "ბერიძე, ნინო.", "ბერიძე, ნინო. (2024).", "ბერიძე, ნინო (2024)"),
    (Author(name="Иван Петров", given="Иван", family="Петров"), "Петров, Иван.", "Петров, И. (2024).", "Петров, И. (2024)"),
    (Author(name="Γιώργος Παπαδόπουλος", given="Γιώργος", family="Παπαδόπουλος"), "Παπαδόπουλος, Γιώργος.",
     "Παπαδόπουλος, Γ. (2024).", "Παπαδόπουλος, Γ. (2024)"),
]
NO_FAMILY = [Author(name="Sukarno"), Author(name="Sukarno", given="Sukarno"), Author(name="محمد"),
             Author(name="Sukarno", family="Sukarno"),
             Author(name="Coastal Cities Working Group", kind="organization")]


@pytest.fixture(scope="module")
def record() -> Record:
    return load(SAMPLES / "CO24102.json")


def by(record: Record, *authors: Author) -> Record:
    return dataclasses.replace(record, authors=list(authors))


@pytest.mark.parametrize("given, mark, expected", [
    ("Raffaello", ".", "R."),
    ("Ólafur Ragnar", ". ", "Ó. R."),
    ("Jean-Paul", ".", "J.-P."),
    ("محمد", ".", "م."),                   # Arabic letters are initials to citeproc-js, as capitals are
    ("عبد الله", ".", "ع.ا."),
    ("bell", ".", " bell"),                # a lower-case word is kept whole (citeproc-js doInitialize)
    ("Maria de la", ". ", "M. de la"),
    ("J.R.R.", ". ", "J. R. R."),
    ("अमित", ".", "अमित"),                 # no capitals, so no initials
])
def test_initials(given, mark, expected):
    assert initialize_with(given, mark) == expected


@pytest.mark.parametrize("style", sorted(CSL_STYLES))
@pytest.mark.parametrize("author, full, apa, harvard", GIVEN_FIRST, ids=lambda v: getattr(v, "name", None))
def test_given_first_names_in_every_style(record, style, author, full, apa, harvard):
    text = cite_as(by(record, author), style)
    assert ". " + author.given not in text and ", ." not in text, text   # citeproc-py's stray marks
    expected = {"apa": apa, "harvard": harvard}.get(style, full)
    assert text.startswith(expected), text


@pytest.mark.parametrize("style", sorted(CSL_STYLES))
@pytest.mark.parametrize("author", NO_FAMILY, ids=lambda a: a.name + ("/given" if a.given else "") + ("/family" if a.family else ""))
def test_name_without_family_name_prints_whole(record, style, author):
    text = cite_as(by(record, author), style)
    assert text.startswith(author.name), text
    assert author.name + "," not in text and ". " + author.name not in text, text


def test_arabic_name_after_a_latin_one(record):
    text = cite_as(by(record, Author(name="Raffaello Pantucci", given="Raffaello", family="Pantucci"),
                      GIVEN_FIRST[0][0]), "apa")
    assert text.startswith("Pantucci, R., & العلي, م. (2024)."), text


def render(fmt: str, record: Record) -> bytes:
    from archiver.style import load_style
    from archiver.writers import FORMATS, RenderContext

    return FORMATS[fmt].renderer()(record, RenderContext(style=load_style("default")))


ALL = [author for author, *_forms in GIVEN_FIRST] + [NO_FAMILY[0]]


def test_csl_json_keeps_family_and_given(record):
    [item] = json.loads(render("csl-json", by(record, *ALL)))
    assert item["author"][:3] == [{"family": "العلي", "given": "محمد"}, {"family": "शर्मा", "given": "अमित"},
                                  {"family": "ใจดี", "given": "สมชาย"}]
    assert item["author"][-1] == {"literal": "Sukarno"}


def test_bibtex_names_parse_back(record):
    import bibtexparser
    from bibtexparser.middlewares import SeparateCoAuthors, SplitNameParts

    library = bibtexparser.parse_string(render("bibtex", by(record, *ALL)).decode("utf-8"),
                                        append_middleware=[SeparateCoAuthors(), SplitNameParts()])
    [entry] = library.entries
    names = [(" ".join(n.last).strip("{}"), " ".join(n.first)) for n in entry["author"]]
    assert names == [(a.family, a.given) for a in ALL[:-1]] + [("Sukarno", "")]


def test_ris_names(record):
    import rispy

    [entry] = rispy.loads(render("ris", by(record, *ALL)).decode("utf-8"))
    assert entry["authors"] == [f"{a.family}, {a.given}" for a in ALL[:-1]] + ["Sukarno"]

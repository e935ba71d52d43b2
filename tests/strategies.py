"""Hypothesis strategies for valid commentary records (schemas/commentary.schema.json), shared by tests.

`records()` draws record JSON dicts that cover every node type of `archiver.record.NODE_TYPES`, every
optional field (absent, present, and empty lists where the schema allows them) and hostile text:
markup-like strings (`]]>`, `&`, `<`, quotes), bidi controls, emoji, astral-plane characters, CR/LF
and tabs. Figure images are any path by default; `records(images=supplied_images)` draws the paths
`PRESENT_IMAGE` and `NOT_AN_IMAGE` too, for writers that embed images (EPUB, PDF, landing page).
Characters the schema forbids (C0 controls, DEL, lone surrogates, U+FFFE/U+FFFF) are drawn
too and then stripped, so the text stays valid record text. Runs of inlines are canonical: no two
strings in a row (JSON could hold ["a", "b"], but no text format can tell it from ["ab"]).
Schema 1.1 records (most draws) also carry organisation authors, dates as precise as a source gives
them (year, year-month), references, acknowledgements and author notes (`records(back_matter=True)`: always
all three); schema 1.0 records (some draws) keep to 1.0's rules.
Records are valid by construction; `tests/test_jats.py::test_strategy_draws_valid_records_covering_every_node_type` checks that
with `archiver.record.problems` (not done on every draw: schema validation of deep `oneOf` trees costs
about 50 ms a record).
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from typing import Any

from hypothesis import strategies as st

from archiver.visible import shows_something

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
HOSTILE = ["]]>", "&", "<", ">", '"', "'", "&amp;", "&lt;", "<b>x</b>", "<!--", "-->", "<![CDATA[", "?>",
           "&#0;", "\u200f", "\u202e", "\u2066", "\u2069", "\u200d", "\ufeff", "\u00a0", "e\u0301",
           "\U0001F600", "\U0001F469\u200d\U0001F469\u200d\U0001F467", "\U00020000", "\U0010FFFD", "中文",
           "\r", "\r\n", "\n", "\t", " ", "\x00", "\x01", "\x08", "\x0b", "\x1f", "\x7f", "\ufffe",
           "\uffff", "\ud800", "\udfff"]
URL_CHARS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%<>\"{}|^`é中😀"
ID_PREFIXES = ["s", "fig", "tab", "n", "aff", "x.", "A-", "q_"]
PLACEHOLDER = "\x00id"

_raw = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), min_size=1, max_size=5).map("".join)


def _visible(value: str) -> str:
    value = FORBIDDEN.sub("", value)
    return value if shows_something(value) else value + "x"


def _nonempty(value: str) -> str:
    return FORBIDDEN.sub("", value) or " "


#: schema `text`: at least one visible character, nothing XML 1.0 cannot carry
text = _raw.map(_visible)
#: schema `inline_text`: may be only white space
inline_text = _raw.map(_nonempty)
uri = st.builds(lambda scheme, rest: scheme + rest, st.sampled_from(["https://", "http://"]),
                st.text(URL_CHARS, min_size=1, max_size=20))
link_url = st.one_of(uri, st.text(URL_CHARS, min_size=1, max_size=10).map(lambda s: "mailto:" + s))
full_date = st.dates(min_value=__import__("datetime").date(1000, 1, 1)).map(lambda d: d.isoformat())
#: schema `date`: as precise as the source: YYYY-MM-DD, YYYY-MM or YYYY
date = st.one_of(full_date, full_date.map(lambda d: d[:7]), full_date.map(lambda d: d[:4]))
CSL_TYPES = ["article-journal", "book", "chapter", "report", "webpage", "dataset", "thesis", "legislation"]
AUTHOR_NOTE_KINDS = ["competing-interests", "contributions", "corresponding", "funding", "present-address", "other"]
country_code = st.from_regex(r"\A[A-Z]{2}\Z")
identifier = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,15}\Z")
orcid = st.from_regex(r"\Ahttps://orcid\.org/[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]\Z")
email = st.from_regex(r"\A[a-z0-9.+_-]{1,8}@[a-z0-9-]{1,8}\.[a-z]{2,4}\Z")
doi = st.builds(lambda prefix, suffix: f"10.{prefix}/{suffix}", st.integers(1000, 999999999),
                st.text(URL_CHARS, min_size=1, max_size=12))
handle = st.builds(lambda prefix, suffix: f"{prefix}/{suffix}", st.from_regex(r"\A[0-9][0-9.]{0,6}\Z"),
                   st.text(URL_CHARS, min_size=1, max_size=8))
image = st.builds(lambda stem, ext: f"images/{stem}.{ext}", st.from_regex(r"\A[A-Za-z0-9_-]{1,10}\Z"),
                  st.sampled_from(["png", "jpg", "jpeg"]))
#: a figure image the tests hand the writers as a real PNG
PRESENT_IMAGE = "images/present.png"
#: a figure image the tests hand the writers as bytes that are no image
NOT_AN_IMAGE = "images/not-an-image.png"
#: figure images as writers meet them: present, not an image, or not supplied at all (any other path)
supplied_images = st.one_of(st.just(PRESENT_IMAGE), st.just(NOT_AN_IMAGE), image)
#: provenance: every reader the schema names; the collection file that filled values (JSON pointers of
#: the schema's pattern) and the web-archive capture a page came from
READERS = ["pagetext", "html", "manuscript", "jats", "json-feed", "csl-json", "crossref", "datacite", "schema.org",
           "bibtex", "ris", "dspace", "json", "yaml", "csv", "warc", "manual", "invented"]
sha256 = st.from_regex(r"\A[0-9a-f]{64}\Z")
pointer = st.lists(st.from_regex(r"\A[a-z_]{1,10}\Z"), min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts))
collection_use = st.fixed_dictionaries({"file": text, "fields": st.lists(pointer, max_size=3)},
                                       optional={"sha256": sha256})
warc_date = st.builds(lambda moment, fraction: moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z",
                      st.datetimes(min_value=__import__("datetime").datetime(1996, 1, 1)),
                      st.sampled_from(["", ".5", ".123456"]))
archive_capture = st.fixed_dictionaries({"file": text, "record_id": text, "target_uri": uri},
                                        optional={"captured": warc_date, "payload_digest": text})


def _merge(inlines: list[Any]) -> list[Any]:
    out: list[Any] = []
    for node in inlines:
        if isinstance(node, str) and out and isinstance(out[-1], str):
            out[-1] += node
        else:
            out.append(node)
    return out


@functools.cache
def inlines(note_ids: tuple[str, ...], depth: int = 2, min_size: int = 0) -> st.SearchStrategy[list[Any]]:
    options = [inline_text, inline_text, st.fixed_dictionaries({"type": st.just("code"), "text": text})]
    if note_ids:
        options.append(st.fixed_dictionaries({"type": st.just("note_ref"), "note": st.sampled_from(note_ids)}))
    if depth > 0:
        inner = inlines(note_ids, depth - 1, min_size=1)
        options.append(st.fixed_dictionaries({
            "type": st.sampled_from(["emphasis", "strong", "superscript", "subscript"]), "content": inner}))
        options.append(st.fixed_dictionaries({"type": st.just("link"), "url": link_url, "content": inner}))
    return st.lists(st.one_of(options), min_size=min_size, max_size=4).map(_merge)


@functools.cache
def blocks(note_ids: tuple[str, ...], depth: int = 2, min_size: int = 0, max_size: int = 3,
           images: st.SearchStrategy[str] = image) -> st.SearchStrategy[list[dict[str, Any]]]:
    paragraph = st.fixed_dictionaries({"type": st.just("paragraph"), "content": inlines(note_ids, min_size=1)})
    figure = st.fixed_dictionaries(
        {"type": st.just("figure"), "id": st.just(PLACEHOLDER), "caption": inlines(note_ids, min_size=1)},
        optional={"image": images, "credit": text, "alt": text, "license": uri})
    row = st.lists(inlines(note_ids, depth=1), min_size=1, max_size=3)
    table = st.fixed_dictionaries(
        {"type": st.just("table"), "id": st.just(PLACEHOLDER), "rows": st.lists(row, min_size=1, max_size=3)},
        optional={"caption": inlines(note_ids, min_size=1), "head": st.lists(row, max_size=2)})
    options = [paragraph, paragraph, figure, table]
    if depth > 0:
        inner = blocks(note_ids, depth - 1, images=images)
        inner_nonempty = blocks(note_ids, depth - 1, min_size=1, max_size=2, images=images)
        options.append(st.fixed_dictionaries(
            {"type": st.just("section"), "title": inlines(note_ids), "blocks": inner},
            optional={"id": st.just(PLACEHOLDER)}))
        options.append(st.fixed_dictionaries(
            {"type": st.just("list"), "ordered": st.booleans(),
             "items": st.lists(inner_nonempty, min_size=1, max_size=3)}))
        options.append(st.fixed_dictionaries(
            {"type": st.just("quote"), "blocks": inner_nonempty},
            optional={"attribution": inlines(note_ids, min_size=1)}))
    return st.lists(st.one_of(options), min_size=min_size, max_size=max_size)


def _nodes(value: Any):
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _nodes(child)
    elif isinstance(value, list):
        for child in value:
            yield from _nodes(child)


def _reference_name() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(st.fixed_dictionaries({"family": text}, optional={"given": text}),
                     st.fixed_dictionaries({"literal": text}))


def _references(draw: st.DrawFn, note_ids: tuple[str, ...], ids: Any) -> list[dict[str, Any]]:
    reference = st.fixed_dictionaries(
        {"citation": inlines(note_ids, min_size=1)},
        optional={"doi": doi, "url": uri, "type": st.sampled_from(CSL_TYPES), "title": text,
                  "authors": st.lists(_reference_name(), min_size=1, max_size=3), "container_title": text,
                  "issued": date, "volume": text, "issue": text, "pages": text, "publisher": text})
    drawn = draw(st.lists(reference, min_size=1, max_size=3))
    return [{"id": next(ids), **entry} for entry in drawn]


@st.composite
def records(draw: st.DrawFn, images: st.SearchStrategy[str] = image, back_matter: bool = False) -> dict[str, Any]:
    """A valid record JSON dict; figures that have an image take its path from `images`
    (`supplied_images` for writers that embed images). `back_matter` draws schema 1.1 records that
    always have acknowledgements, author notes and references."""
    version = "1.1" if back_matter else draw(st.sampled_from(["1.1", "1.1", "1.1", "1.0"]))
    v11 = version == "1.1"
    record_date = date if v11 else full_date
    prefixes = st.sampled_from(ID_PREFIXES)
    note_count = draw(st.integers(0, 3))
    # Prefix + a number unique in the record: unique ids, some of them "aff1"-like to provoke clashes.
    numbers = itertools.count(1)
    note_ids = tuple(draw(prefixes) + str(next(numbers)) for _ in range(note_count))
    affiliation = st.fixed_dictionaries({"name": text}, optional={"country": text, "country_code": country_code})
    pool = draw(st.lists(affiliation, min_size=1, max_size=3))
    author = st.fixed_dictionaries({"name": text}, optional={
        "given": text, "family": text, "name_order": st.sampled_from(["given-first", "family-first"]),
        "affiliations": st.lists(st.sampled_from(pool), max_size=2), "bio": text, "orcid": orcid,
        "email": email, **({"kind": st.just("person")} if v11 else {})})
    if v11:
        organization = st.fixed_dictionaries({"name": text, "kind": st.just("organization")}, optional={
            "affiliations": st.lists(st.sampled_from(pool), max_size=2), "bio": text, "email": email})
        author = st.one_of(author, author, organization)
    record = draw(st.fixed_dictionaries(
        {"schema_version": st.just(version), "identifier": identifier, "title": text,
         "authors": st.lists(author, min_size=1, max_size=3), "published": record_date,
         "language": st.sampled_from(["en", "en-SG", "zh-Hans", "nl", "ja"]),
         "publisher": st.fixed_dictionaries({"name": text}, optional={
             "place": text, "country_code": country_code, "parent": text})},
        optional={
            "series": st.fixed_dictionaries({"name": text}, optional={
                "number": text, "issn": st.from_regex(r"\A[0-9]{4}-[0-9]{3}[0-9X]\Z"), "url": uri}),
            "subtitle": text, "modified": record_date, "editor_note": text, "abstract": text,
            "subjects": st.lists(text, max_size=3), "coverage": st.lists(text, max_size=3),
            "rights": st.fixed_dictionaries({}, optional={
                "statement": text, "holder": text, "year": st.integers(1000, 9999), "license": uri}),
            "links": st.fixed_dictionaries({}, optional={
                "source": uri, "pdf": uri, "doi": doi, "handle": handle}),
            "provenance": st.fixed_dictionaries({"reader": st.sampled_from(READERS)},
                                                optional={"source_file": text, "source_sha256": sha256,
                                                          "archiver_version": text, "ingested": full_date,
                                                          "note": text, "collection": collection_use,
                                                          "archive": archive_capture}),
        }))
    if note_count or draw(st.booleans()):
        body: dict[str, Any] = {"blocks": draw(blocks(note_ids, images=images))}
        notes = [{"id": note_id, "blocks": draw(blocks(note_ids, depth=1, min_size=1, max_size=2, images=images))}
                 for note_id in note_ids]
        for note in notes:
            if draw(st.booleans()):
                note["label"] = draw(text)
        if notes or draw(st.booleans()):
            body["notes"] = notes
        record["body"] = body
    if v11:
        if back_matter or draw(st.booleans()):
            record["acknowledgements"] = draw(blocks(note_ids, depth=1, min_size=1, max_size=2, images=images))
        if back_matter or draw(st.booleans()):
            note = st.fixed_dictionaries({"kind": st.sampled_from(AUTHOR_NOTE_KINDS),
                                          "content": inlines(note_ids, min_size=1)})
            record["author_notes"] = draw(st.lists(note, min_size=1, max_size=3))
        if back_matter or draw(st.booleans()):
            record["references"] = _references(draw, note_ids, (draw(prefixes) + str(n) for n in numbers))
    for node in _nodes([record.get("body"), record.get("acknowledgements")]):
        if node.get("id") == PLACEHOLDER:
            node["id"] = draw(prefixes) + str(next(numbers))
    return record

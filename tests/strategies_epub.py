"""Hypothesis strategy of valid commentary record dicts, local to the EPUB tests.

Kept apart from the tests so the lead can replace it by a shared `tests/strategies.py`. It draws every
node type of the schema (section, paragraph, list, quote, figure, table; text, emphasis, strong,
superscript, subscript, link, code, note_ref), nested, with note references anywhere inlines go,
figures whose image is present, missing or absent, and any printable text.
"""

from __future__ import annotations

import datetime
import itertools

from hypothesis import strategies as st

# Text the schema accepts: at least one visible character, no control characters but tab and newline.
_FORBIDDEN = "".join(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, 0xFFFE, 0xFFFF])
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters=_FORBIDDEN)
TEXT = st.text(_CHARS, min_size=1, max_size=30).filter(lambda s: s.strip())
INLINE_TEXT = st.text(_CHARS, min_size=1, max_size=20)
URL = st.sampled_from(["https://example.org/", "https://example.org/a?b=1&c=<2>#x", "mailto:a@example.org",
                       "https://例え.jp/パス", "http://example.org/%zz"])
#: the image every generated figure with `images/present.png` gets (a sample's real PNG)
PRESENT_IMAGE = "images/present.png"


@st.composite
def records(draw) -> dict:
    ids = itertools.count(1)
    note_ids = [f"n{i}" for i in range(draw(st.integers(0, 3)))]

    def inlines(depth: int, min_size: int) -> list:
        kinds = ["text", "text", "styled", "link", "code"] + (["note_ref"] if note_ids else [])
        out = []
        for _ in range(draw(st.integers(min_size, 4))):
            kind = draw(st.sampled_from(kinds if depth < 3 else ["text", "code"]))
            if kind == "text":
                out.append(draw(INLINE_TEXT))
            elif kind == "styled":
                out.append({"type": draw(st.sampled_from(["emphasis", "strong", "superscript", "subscript"])),
                            "content": inlines(depth + 1, 1)})
            elif kind == "link":
                out.append({"type": "link", "url": draw(URL), "content": inlines(depth + 1, 1)})
            elif kind == "code":
                out.append({"type": "code", "text": draw(TEXT)})
            else:
                out.append({"type": "note_ref", "note": draw(st.sampled_from(note_ids))})
        return out

    def blocks(depth: int, min_size: int) -> list:
        kinds = ["paragraph", "section", "list", "quote", "figure", "table"] if depth < 3 else ["paragraph"]
        out = []
        for _ in range(draw(st.integers(min_size, 3))):
            kind = draw(st.sampled_from(kinds))
            if kind == "paragraph":
                out.append({"type": "paragraph", "content": inlines(0, 1)})
            elif kind == "section":
                node = {"type": "section", "title": inlines(1, 0), "blocks": blocks(depth + 1, 0)}
                if draw(st.booleans()):
                    node["id"] = f"s{next(ids)}"
                out.append(node)
            elif kind == "list":
                out.append({"type": "list", "ordered": draw(st.booleans()),
                            "items": [blocks(depth + 1, 1) for _ in range(draw(st.integers(1, 3)))]})
            elif kind == "quote":
                node = {"type": "quote", "blocks": blocks(depth + 1, 1)}
                if draw(st.booleans()):
                    node["attribution"] = inlines(1, 1)
                out.append(node)
            elif kind == "figure":
                node = {"type": "figure", "id": f"fig{next(ids)}", "caption": inlines(1, 1)}
                image = draw(st.sampled_from([None, PRESENT_IMAGE, "images/missing.png"]))
                if image:
                    node["image"] = image
                for key, strategy in (("credit", TEXT), ("alt", TEXT),
                                      ("license", st.just("https://creativecommons.org/licenses/by/4.0/"))):
                    if draw(st.booleans()):
                        node[key] = draw(strategy)
                out.append(node)
            else:
                width = draw(st.integers(1, 3))
                row = lambda: [inlines(1, 0) for _ in range(width)]  # noqa: E731
                node = {"type": "table", "id": f"tab{next(ids)}", "rows": [row() for _ in range(draw(st.integers(1, 3)))]}
                if draw(st.booleans()):
                    node["caption"] = inlines(1, 1)
                if draw(st.booleans()):
                    node["head"] = [row()]
                out.append(node)
        return out

    def author() -> dict:
        data = {"name": draw(TEXT)}
        if draw(st.booleans()):
            data.update(given=draw(TEXT), family=draw(TEXT))
        if draw(st.booleans()):
            data["bio"] = draw(TEXT)
        if draw(st.booleans()):
            data["affiliations"] = [{"name": draw(TEXT), "country": draw(TEXT)}]
        if draw(st.booleans()):
            data["orcid"] = "https://orcid.org/0000-0002-1825-0097"
        return data

    record = {
        "schema_version": "1.0",
        "identifier": draw(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,12}\Z")),
        "title": draw(TEXT),
        "authors": [author() for _ in range(draw(st.integers(1, 3)))],
        "published": draw(st.dates(min_value=datetime.date(1950, 1, 1))).isoformat(),
        "language": draw(st.sampled_from(["en", "en-SG", "zh-Hans", "nl", "ja"])),
        "publisher": {"name": draw(TEXT)},
    }
    optional = {
        "series": lambda: {"name": draw(TEXT), **({"number": draw(TEXT)} if draw(st.booleans()) else {})},
        "subtitle": lambda: draw(TEXT),
        "abstract": lambda: draw(TEXT),
        "editor_note": lambda: draw(TEXT),
        "subjects": lambda: draw(st.lists(TEXT, max_size=3)),
        "coverage": lambda: draw(st.lists(TEXT, max_size=2)),
        "rights": lambda: {"holder": draw(TEXT), "year": draw(st.integers(1000, 9999))},
        "links": lambda: draw(st.sampled_from([{"doi": "10.5555/x<1>"}, {"handle": "10356/123"},
                                               {"source": "https://example.org/c"}])),
    }
    for key, make in optional.items():
        if draw(st.booleans()):
            record[key] = make()
    if draw(st.booleans()) or note_ids:
        record["body"] = {"blocks": blocks(0, 0)}
        if note_ids:
            record["body"]["notes"] = [
                {"id": note_id, "blocks": blocks(2, 1), **({"label": draw(TEXT)} if draw(st.booleans()) else {})}
                for note_id in note_ids]
    return record

"""Archiver's citations equal citeproc-js's, the CSL reference processor's (issue 21 point 4).

tests/data/citeproc/expected.json holds a corpus of records (scripts/citeproc/corpus.py: the samples
and seeded generated records), the CSL item archiver makes of each, and the bibliography entry
citeproc-js (npm `citeproc`, pinned in scripts/citeproc/package-lock.json) renders from that item in
every style archiver offers, in text and in HTML, with the same style and locale files (csl/). It is
made by `make citeproc-expected`, never here: these tests need no Node.

Every record x style x output must be equal; a difference that cannot be removed is listed in
EXPECTED_DIFFERENCES with its reason, and an entry that no longer differs fails too.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from archiver.citation import CSL_STYLES, cite_as, to_csl
from archiver.record import Record, validate

EXPECTED = Path(__file__).resolve().parent / "data" / "citeproc" / "expected.json"

#: (record id, style, output) -> why archiver's entry differs from citeproc-js's. Empty: none differ.
EXPECTED_DIFFERENCES: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="module")
def corpus() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


_TOKEN = re.compile(r"(<[^>]+>)")


def canonical_html(text: str) -> list[str]:
    """An HTML entry as its sequence of tags and (unescaped) text runs, without citeproc-js's
    <div class="csl-entry"> wrapper: "&#38;" (citeproc-js) and "&amp;" (archiver) are one character."""
    text = re.sub(r'^<div class="csl-entry">(.*)</div>$', r"\1", text.strip(), flags=re.S)
    return [t if t.startswith("<") else html.unescape(t) for t in _TOKEN.split(text) if t]


def render_all(corpus: dict) -> dict[tuple[str, str, str], str]:
    """Archiver's entry of every record x style x output ("text", "html")."""
    rendered = {}
    for entry in corpus["records"]:
        record = Record.from_json(entry["record"])
        for style in CSL_STYLES:
            for output in ("html", "text"):
                rendered[(record.identifier, style, output)] = cite_as(record, style, output.replace("text", "plain"))
    return rendered


@pytest.fixture(scope="module")
def rendered(corpus) -> dict[tuple[str, str, str], str]:
    return render_all(corpus)


def differences(corpus: dict, rendered: dict, output: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    found = {}
    for entry in corpus["records"]:
        for style in CSL_STYLES:
            key = (entry["csl"]["id"], style, output)
            want, got = entry["expected"][style][output], rendered[key]
            same = canonical_html(got) == canonical_html(want) if output == "html" else got == want.strip()
            if not same:
                found[key] = (want.strip(), got)
    return found


def test_corpus_is_large_varied_and_current(corpus):
    """At least 300 records, every style archiver offers, and the CSL items are the ones archiver makes
    today (otherwise run `make citeproc-expected`)."""
    assert len(corpus["records"]) >= 300
    assert corpus["styles"] == {name: CSL_STYLES[name] for name in corpus["styles"]}
    assert set(corpus["styles"]) == set(CSL_STYLES)
    assert corpus["generator"].startswith("citeproc-js ")
    stale = [e["csl"]["id"] for e in corpus["records"]
             if to_csl(validate(e["record"], e["csl"]["id"])) != e["csl"]]
    assert not stale, f"CSL items changed for {stale[:5]}...: run `make citeproc-expected`"
    authors = [len(e["csl"]["author"]) for e in corpus["records"]]
    assert min(authors) == 1 and max(authors) == 12
    assert any("literal" in a for e in corpus["records"] for a in e["csl"]["author"])
    assert {len(e["csl"]["issued"]["date-parts"][0]) for e in corpus["records"]} == {1, 2, 3}


@pytest.mark.parametrize("output", ["text", "html"])
def test_every_entry_equals_citeproc_js(corpus, rendered, output):
    found = differences(corpus, rendered, output)
    unexpected = {k: v for k, v in found.items() if k not in EXPECTED_DIFFERENCES}
    stale = [k for k in EXPECTED_DIFFERENCES if k[2] == output and k not in found]
    report = "\n".join(f"{k}:\n  citeproc-js: {w}\n  archiver:    {g}" for k, (w, g) in list(unexpected.items())[:10])
    assert not unexpected, f"{len(unexpected)} entries differ from citeproc-js:\n{report}"
    assert not stale, f"listed as different but now equal: {stale}"


def test_the_comparison_bites(corpus, rendered):
    """A changed character, a dropped tag or a lost label is a difference; the entity spelling is not."""
    entry = corpus["records"][0]["expected"]["apa"]
    assert canonical_html(entry["html"]) == canonical_html(entry["html"].replace("&#38;", "&amp;"))
    assert canonical_html(entry["html"]) != canonical_html(entry["html"].replace("<i>", "").replace("</i>", ""))
    assert "No. 081/2023" in entry["text"]
    broken = {"records": [dict(corpus["records"][0], expected={
        style: {"text": v["text"].replace("No.", "no."), "html": v["html"]}
        for style, v in corpus["records"][0]["expected"].items()})]}
    assert ("CO23081", "apa", "text") in differences(broken, rendered, "text")

"""The memo of rendered style parts (archiver/citation/memo.py) changes no citation: an identical-output
lever (issue 21 point 5).

The whole citeproc-js corpus (tests/data/citeproc/expected.json) and the generated records of the build
benchmark are rendered in a fresh process without the memo, and in another with it, in three orders
(records sharing parts meet each other early, late and interleaved); every string must be equal. The
comparison is shown to bite: a memo whose key leaves out one read (the tracer patched to drop the
author, the date or the title) makes it fail. Items differing in exactly one variable of each kind
render apart with the memo on, while it still serves their shared parts.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from archiver.citation import CSL_STYLES
from archiver.citation import render as citation_render

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "data" / "citeproc" / "expected.json"

# Runs in a fresh process: {patch} is Python run before anything is rendered; prints every rendered
# string (by order, record and style) and what the memo holds, as JSON.
_SCRIPT = """
import json, random, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
import archiver.citation.memo as memo
{patch}
from archiver.citation import CSL_STYLES, render
from bench_build import generate
from archiver.record import load
from archiver.citation import to_csl
import tempfile, pathlib
items = [e["csl"] for e in json.load(open({expected!r}, encoding="utf-8"))["records"]]
with tempfile.TemporaryDirectory() as folder:
    generate(pathlib.Path(folder), 30)
    items += [to_csl(load(p)) for p in sorted(pathlib.Path(folder).glob("*.json"))]
orders = {{"corpus": items, "reversed": items[::-1]}}
shuffled = list(items)
random.Random(21).shuffle(shuffled)
orders["shuffled"] = shuffled
kept = []
if memo.ENABLED and hasattr(memo, "_remember"):
    plain_remember = memo._remember
    def remember(site, state, reads, end):
        kept.append((end, memo.freeze(end[0])))
        return plain_remember(site, state, reads, end)
    memo._remember = remember
out = {{}}
for name in {orders!r}:
    for style in CSL_STYLES:
        page_range = render._style(style).root.get("page-range-format")
        for item in orders[name]:
            key = json.dumps(render.citeproc_item(item, page_range), sort_keys=True, ensure_ascii=False)
            out[name + " " + item["id"] + " " + style] = render._render.__wrapped__(key, style)
sites = memo.sites()
json.dump({{"out": out, "hits": sum(s[0] for s in sites.values()), "misses": sum(s[1] for s in sites.values()),
           "kept": [s[2] for s in sites.values()], "disagreements": sum(s[3] for s in sites.values()),
           "changed": sum(memo.freeze(end[0]) != frozen for end, frozen in kept)}}, sys.stdout)
"""

_WITHOUT = "memo.install = lambda: None\nmemo.ENABLED = False"


def _run(patch: str = "", orders: tuple[str, ...] = ("corpus", "reversed", "shuffled")) -> dict:
    script = _SCRIPT.format(root=str(ROOT), bench=str(ROOT / "bench"), expected=str(EXPECTED), patch=patch,
                            orders=list(orders))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def without_memo() -> dict[str, str]:
    return _run(_WITHOUT, orders=("corpus",))["out"]


def _differences(got: dict[str, str], want: dict[str, str]) -> list[str]:
    """The (order, record, style) keys whose string differs from the same record and style without
    the memo."""
    return [key for key, text in got.items() if text != want["corpus " + key.split(" ", 1)[1]]]


def test_every_string_is_the_same_with_the_memo_in_any_order(without_memo):
    with_memo = _run()
    assert len(with_memo["out"]) == 3 * len(without_memo)
    assert not _differences(with_memo["out"], without_memo)
    # the memo served most renderings of the parts, and never disagreed with itself
    assert with_memo["hits"] > with_memo["misses"] > 0
    assert with_memo["disagreements"] == 0
    # no remembered result was changed by the renderings that reused it
    assert with_memo["changed"] == 0
    # bounded: no (element, context) keeps more than its share
    from archiver.citation import memo

    assert max(with_memo["kept"]) <= memo.ENTRIES_PER_SITE


@pytest.mark.parametrize("variable", ["author", "issued", "title"])
def test_a_key_missing_one_read_makes_the_comparison_fail(without_memo, variable):
    """The comparison above detects a wrong memo: the tracer told to forget every read of one
    variable gives the records after the first wrong strings."""
    patch = (f"plain_read = memo._read\n"
             f"memo._read = lambda read: None if read[:2] in (('var', {variable!r}), ('has', {variable!r})) "
             f"else plain_read(read)")
    broken = _run(patch, orders=("corpus",))
    assert len(_differences(broken["out"], without_memo)) > 50


# Items that differ in exactly one variable of each kind: with the memo on, the second renders apart
# from the first, as it renders without the memo, while the parts they share are served from the memo.

_BASE = {
    "id": "MEMO1", "type": "report", "language": "en", "title": "Water, Trade and Trust",
    "author": [{"family": "Pantucci", "given": "Raffaello"}, {"family": "Lee", "given": "Kim"}],
    "collection-title": "RSIS Commentary", "genre": "Commentary", "number": "081/2023",
    "publisher": "S. Rajaratnam School of International Studies", "publisher-place": "Singapore",
    "issued": {"date-parts": [[2023, 5, 31]]}, "DOI": "10.5555/co23081",
}


def _item(key: str, **changes):
    item = copy.deepcopy(_BASE)
    item["id"] = key
    for name, value in changes.items():
        if value is None:
            item.pop(name)
        else:
            item[name] = value
    return item


_NO_AUTHOR = {"author": None}

#: kind -> (what the first item changes from _BASE, what the second changes from the first)
_PAIRS = {
    "names": ({}, {"author": [{"family": "Pantucci", "given": "Raffaello"}, {"family": "Li", "given": "Kim"}]}),
    "name kind": ({}, {"author": [{"family": "Pantucci", "given": "Raffaello"}, {"literal": "Lee Kim"}]}),
    "date": ({}, {"issued": {"date-parts": [[2022, 5, 31]]}}),
    "title": ({}, {"title": "Water, Trade and Trust?"}),
    "number": ({}, {"number": "082/2023"}),
    "publisher": ({}, {"publisher": "Lowy Institute"}),
    "series": ({}, {"collection-title": "IDSS Paper"}),
    "type": ({}, {"type": "article-journal"}),
    # the title stands in for the missing author (cs:substitute) and is then not printed again
    "substitution: author missing": ({}, _NO_AUTHOR),
    "substitution: the title standing in": (_NO_AUTHOR, {**_NO_AUTHOR, "title": "Trade and Trust"}),
}


def _rendered(item: dict, style: str) -> str:
    """The entry as `_render` makes it, below its per-item cache."""
    range_format = citation_render._style(style).root.get("page-range-format")
    key = json.dumps(citation_render.citeproc_item(item, range_format), sort_keys=True, ensure_ascii=False)
    return citation_render._render.__wrapped__(key, style)


#: a variable the style does not print for a report (Cite Them Right has no series there)
_UNPRINTED = {("harvard", "series")}
#: where cs:substitute suppresses the title for the rest of the entry: that is another state for every
#: part after the author (the memo's key holds it), so nothing need be served
_OTHER_STATE = {"substitution: author missing"}


@pytest.mark.parametrize("kind", list(_PAIRS))
@pytest.mark.parametrize("style", list(CSL_STYLES))
def test_items_differing_in_one_variable_render_apart(style, kind):
    from archiver.citation import memo

    def rendered(item):
        return _rendered(item, style)

    def hits():
        return sum(site[0] for site in memo.sites().values())

    first_changes, second_changes = _PAIRS[kind]
    # cited items of their own: not the ones another test's rendering left in the memo's last place
    base = _item(f"MEMO-{kind}-1", **first_changes)
    other = _item(f"MEMO-{kind}-2", **{**first_changes, **second_changes})
    first = rendered(base)
    before = hits()
    second = rendered(other)
    served = hits() - before
    memo.ENABLED = False
    try:
        assert rendered(base) == first
        plain_second = rendered(other)
    finally:
        memo.ENABLED = True
    assert second == plain_second
    if (style, kind) in _UNPRINTED:
        assert second == first
    else:
        assert second != first
    if kind not in _OTHER_STATE:
        assert served > 0  # the parts the two share came from the memo


# citeproc-py changes the style tree as it renders: a locale's date part takes the attributes of the
# date part that calls it, for good (`Date_Part.process`). Here the long month renders before the short
# one has changed the locale's month, so citeproc-py prints "September" for the first entry and "Sept."
# for every later one; a memo that kept the first entry's long month would print "September" again.
_CHANGING_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="en-US">
  <info><title>memo test</title><id>memo-test</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <macro name="month-long"><date variable="issued" form="text" date-parts="year-month"/></macro>
  <macro name="month-short">
    <date variable="issued" form="text" date-parts="year-month"><date-part name="month" form="short"/></date>
  </macro>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography>
    <layout><group delimiter="; "><text macro="month-long"/><text macro="month-short"/></group></layout>
  </bibliography>
</style>"""


def _entries_in_one_style(style_xml: str, items: list[dict], remember: bool) -> list[str]:
    """The items rendered one after the other in one (new) style."""
    import io

    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter

    from archiver.citation import memo

    citation_render._install()
    style = CitationStylesStyle(io.BytesIO(style_xml.encode()), validate=False)
    entries = []
    memo.ENABLED = remember
    try:
        for item in items:
            bibliography = CitationStylesBibliography(style, citation_render._source(item), formatter.html)
            bibliography.register(Citation([CitationItem(item["id"])]))
            entries.append(str(bibliography.bibliography()[0]))
    finally:
        memo.ENABLED = True
    return entries


_SAME_DATE = [{"id": key, "type": "report", "title": key, "issued": {"date-parts": [[2023, 9, 30]]}}
              for key in ("first", "second")]


def test_a_change_citeproc_makes_to_the_style_tree_is_not_hidden_by_the_memo():
    plain = _entries_in_one_style(_CHANGING_STYLE, _SAME_DATE, remember=False)
    assert plain == ["September 2023; Sept. 2023", "Sept. 2023; Sept. 2023"]  # citeproc-py's own behaviour
    assert _entries_in_one_style(_CHANGING_STYLE, _SAME_DATE, remember=True) == plain


def test_without_the_epoch_the_memo_would_hide_it(monkeypatch):
    from archiver.citation import memo

    class Unmoving(list):
        def __setitem__(self, index, value):
            pass

    monkeypatch.setattr(memo, "_EPOCH", Unmoving([0]))
    assert _entries_in_one_style(_CHANGING_STYLE, _SAME_DATE, remember=True)[1] == "September 2023; Sept. 2023"


# cs:substitute: the title stands in for a missing author and is then suppressed in the rest of the
# entry (the layout's `repressed`, which the memo's key holds). (In the four styles citeproc-py
# suppresses nothing: their substitutes render through cs:choose, whose variable it cannot name.)
_SUBSTITUTING_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0" default-locale="en-US">
  <info><title>memo test</title><id>memo-test</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <macro name="author"><names variable="author"><substitute><text variable="title"/></substitute></names></macro>
  <macro name="title"><text variable="title"/></macro>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography>
    <layout>
      <group delimiter=". "><text macro="author"/><text macro="title"/><text variable="publisher"/></group>
    </layout>
  </bibliography>
</style>"""
_WITH_AND_WITHOUT_AUTHOR = [
    {"id": "with", "type": "report", "title": "Trust", "publisher": "RSIS", "author": [{"literal": "Lee"}]},
    {"id": "without", "type": "report", "title": "Trust", "publisher": "RSIS"},
    # served from the memo: the suppression its author macro made is replayed
    {"id": "without again", "type": "report", "title": "Trust", "publisher": "RSIS"},
]


def test_a_title_standing_in_for_the_author_is_not_printed_again():
    from archiver.citation import memo

    plain = _entries_in_one_style(_SUBSTITUTING_STYLE, _WITH_AND_WITHOUT_AUTHOR, remember=False)
    assert plain == ["Lee. Trust. RSIS", "Trust. RSIS", "Trust. RSIS"]
    before = sum(site[0] for site in memo.sites().values())
    assert _entries_in_one_style(_SUBSTITUTING_STYLE, _WITH_AND_WITHOUT_AUTHOR, remember=True) == plain
    assert sum(site[0] for site in memo.sites().values()) - before >= 2  # both macros of the third entry


def test_without_the_suppressed_variables_in_the_key_the_title_would_print_twice(monkeypatch):
    from archiver.citation import memo

    monkeypatch.setattr(memo, "_frozen_repressed", lambda repressed: ())
    assert _entries_in_one_style(_SUBSTITUTING_STYLE, _WITH_AND_WITHOUT_AUTHOR, remember=True)[1] == \
        "Trust. Trust. RSIS"

"""A collection's own defaults (`--collection FILE`): schema with pointer errors, source values win,
every value taken named in provenance, identifiers made in the collection's order (issue 14, points 1-2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archiver.cli import main
from archiver.collection import Collection, clean_identifier, load_collection, make_identifier, url_segment
from archiver.errors import UsageError
from archiver.ingest import read_source

PAGE = b"""<!DOCTYPE html><html lang="en"><head><title>On Rivers | Water Notes</title>
<meta name="citation_author" content="Tan, Mei"><meta property="article:published_time" content="2024-03-05T09:00:00+08:00">
<link rel="canonical" href="https://water.example.org/notes/on-rivers/"></head>
<body><article><h1>On Rivers</h1><div class="entry-content"><p>Rivers carry water from the hills to the sea, and
they carry the towns along them with it.</p><p>The second paragraph says more about rivers.</p></div></article></body></html>"""

COLLECTION = """publisher:
  name: Water Institute
  place: Singapore
  country_code: SG
series:
  name: Water Notes
  issn: 2382-6134
language: en-GB
rights:
  statement: Published under CC BY 4.0.
  license: https://creativecommons.org/licenses/by/4.0/
base_url: https://repository.example.org/notes/
identifier:
  order: [canonical, file]
  prefix: WN-
"""


def _collection(tmp_path: Path, text: str = COLLECTION, name: str = "notes.yaml") -> Collection:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_collection(path)


def test_collection_values_fill_what_the_page_lacks_and_provenance_names_each(tmp_path):
    (item,) = read_source(PAGE, "page.html", collection=_collection(tmp_path))
    record = item.record
    assert record.identifier == "WN-on-rivers"  # canonical URL's last segment, with the prefix
    assert record.publisher.name == "Water Institute" and record.publisher.country_code == "SG"
    assert record.series.name == "Water Notes" and record.series.issn == "2382-6134"
    assert record.language == "en"  # the page's own lang wins over the collection's en-GB
    assert record.rights.license == "https://creativecommons.org/licenses/by/4.0/" and record.rights.year == 2024
    assert record.links.source == "https://water.example.org/notes/on-rivers/"  # the page's own
    assert record.links.pdf == "https://repository.example.org/notes/WN-on-rivers/WN-on-rivers.pdf"
    used = record.provenance.collection
    assert used.file == "notes.yaml" and len(used.sha256) == 64
    assert used.fields == ["/publisher", "/series", "/rights/statement", "/rights/license", "/links/pdf"]
    assert "W001" not in {w.code for w in item.warnings if w.pointer in ("/publisher", "/identifier")}


def test_json_collections_read_the_same(tmp_path):
    import yaml
    as_json = json.dumps(yaml.safe_load(COLLECTION))
    assert _collection(tmp_path, as_json, "notes.json").values == _collection(tmp_path).values


def test_source_values_win_over_the_collection(tmp_path):
    page = PAGE.replace(b"<title>", b'<meta property="og:site_name" content="River Press"><title>')
    (item,) = read_source(page, "page.html", collection=_collection(tmp_path))
    assert item.record.publisher.name == "River Press"
    assert "/publisher" not in item.record.provenance.collection.fields


@pytest.mark.parametrize("text, pointers", [
    ("series:\n  name: S\n  issn: 1234\n", ["/series/issn"]),
    ("publisher: {place: Singapore}\n", ["/publisher"]),
    ("identifier:\n  order: [source, title]\n", ["/identifier/order/1"]),
    ("base_url: ftp://x/\nlanguage: english!\n", ["/base_url", "/language"]),
    ("publisher: {name: P}\nsponsor: X\n", ["/"]),
])
def test_a_bad_collection_names_every_problem_by_pointer(tmp_path, text, pointers):
    with pytest.raises(UsageError) as caught:
        _collection(tmp_path, text)
    assert [p.pointer for p in caught.value.problems] == pointers
    assert all(p.source.endswith("notes.yaml") for p in caught.value.problems)


@pytest.mark.parametrize("text, message", [
    ("a: &x 1\nb: *x\n", "anchor or alias"), ("publisher: [\n", "not YAML"), ("{\"publisher\": }", "not JSON"),
    (b"\xff\xfe".decode("latin-1"), "not UTF-8"),
])
def test_an_unreadable_collection_is_a_usage_error(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_bytes(text.encode("latin-1") if message == "not UTF-8" else text.encode())
    with pytest.raises(UsageError, match=message):
        load_collection(path)


@pytest.mark.parametrize("candidates, order, expected", [
    ({"source": "BR 18/001", "doi": "10.1234/x", "file": "p.html"}, None, ("BR-18-001", "source")),
    ({"doi": "10.1234/pn.5", "canonical": "https://x.org/a/b/"}, None, ("10.1234-pn.5", "doi")),
    ({"canonical": "https://x.org/briefs/water-2024.html?x=1"}, None, ("water-2024", "canonical")),
    ({"canonical": "https://x.org/", "file": "saved/BR18001.html"}, None, ("BR18001", "file")),
    ({"source": "X1", "file": "BR18001.html"}, ["file", "source"], ("BR18001", "file")),
    ({"source": "---"}, None, None),
])
def test_identifiers_come_from_the_places_in_order(candidates, order, expected):
    collection = Collection("c", "0" * 64, {"identifier": {"order": order}}) if order else None
    assert make_identifier(candidates, collection) == expected


def test_identifiers_are_cleaned_to_the_schema_pattern():
    assert clean_identifier("  über/ 2024 (draft) ") == "ber-2024-draft"
    assert len(clean_identifier("x" * 100, "P-")) == 64
    assert url_segment("https://x.org/a/index.html") == "a"


def test_ingest_and_build_take_a_collection_file(tmp_path):
    source = tmp_path / "on-rivers.html"
    source.write_bytes(PAGE)
    collection = tmp_path / "notes.yaml"
    collection.write_text(COLLECTION, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(source), "-o", str(tmp_path / "records"), "--collection",
                                  str(collection)], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "records" / "WN-on-rivers.json").read_text())
    assert record["provenance"]["collection"]["file"] == "notes.yaml"

    out = tmp_path / "out"
    args = ["build", str(source), "-o", str(out), "--to", "csl-json", "--jobs", "1", "--collection", str(collection)]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    assert "unchanged (skipped)  1" in again.output  # incremental
    collection.write_text(COLLECTION.replace("Water Institute", "River Institute"), encoding="utf-8")
    changed = runner.invoke(main, args)
    assert "records built        1" in changed.output  # a changed collection rebuilds its records
    assert "River Institute" in (out / "WN-on-rivers" / "WN-on-rivers.csl.json").read_text()


def test_a_bad_collection_file_stops_the_command_with_its_pointer(tmp_path):
    collection = tmp_path / "bad.yaml"
    collection.write_text("series:\n  name: S\n  issn: nope\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path), "-o", str(tmp_path / "r"), "--collection",
                                       str(collection)])
    assert result.exit_code == 2 and "/series/issn" in result.output
    assert "Traceback" not in result.output


def test_the_sample_collection_makes_a_record_of_its_real_page(tmp_path):
    samples = Path(__file__).resolve().parent.parent / "samples" / "collection"
    result = CliRunner().invoke(main, ["ingest", str(samples / "pages"), "-o", str(tmp_path), "--collection",
                                       str(samples / "ebb.yaml")], env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "EBB-on-recent-controversial-events.json").read_text())
    assert record["title"] == "On Recent Controversial Events"
    assert record["authors"][0]["name"] == "Bradley M. Kuhn" and record["published"] == "2019-10-15"
    assert record["publisher"]["country_code"] == "US" and record["series"]["name"] == "ebb.org blog"
    assert record["links"]["source"] == "https://archive.example.org/ebb/EBB-on-recent-controversial-events/"
    assert "/publisher" in record["provenance"]["collection"]["fields"]

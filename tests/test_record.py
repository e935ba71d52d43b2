"""The record contract: the schema itself, the samples, the model's lossless JSON round trip, and
every kind of bad record reported with its JSON pointer and exit code, with nothing written."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from strategies import records
from values import node_types

from archiver.cli import main
from archiver.record import (NODE_TYPES, SCHEMA_VERSION, SCHEMA_VERSIONS, Record, date_parts, first_day, long_date,
                             problems, schema, validate)
from archiver.recordschema import SCHEMA_PATH, _passes_fast_check

DELETE = object()


def test_schema_is_valid_draft_2020_12_with_versioned_id():
    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "/1.1/" in document["$id"]
    assert document["properties"]["schema_version"]["enum"] == ["1.1", "1.0"]
    assert SCHEMA_VERSION == "1.1" and SCHEMA_VERSIONS == ("1.0", "1.1")


def _property_schemas(node, path="#"):
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{path}/properties/{name}", sub
        for key, sub in node.items():
            if key == "if":
                continue  # a dispatch condition, not a data property
            if key in ("properties", "$defs") and isinstance(sub, dict):
                for name, child in sub.items():
                    yield from _property_schemas(child, f"{path}/{key}/{name}")
            elif isinstance(sub, (dict, list)) and key != "examples":
                yield from _property_schemas(sub, f"{path}/{key}")
    elif isinstance(node, list):
        for index, sub in enumerate(node):
            yield from _property_schemas(sub, f"{path}/{index}")


def test_every_property_has_description_and_examples():
    missing = [(where, key) for where, sub in _property_schemas(schema())
               for key in ("description", "examples") if key not in sub]
    assert missing == []


def test_contract_names_and_required_fields():
    document = schema()
    assert set(document["required"]) == {"schema_version", "identifier", "title", "authors", "published",
                                         "language", "publisher"}
    for name in ("schema_version", "identifier", "series", "title", "subtitle", "authors", "published",
                 "modified", "language", "publisher", "abstract", "body", "subjects", "coverage", "rights",
                 "links", "provenance", "references", "acknowledgements", "author_notes"):
        assert name in document["properties"], name


def test_samples_validate_and_round_trip_unchanged(sample_data):
    assert set(sample_data) >= {"CO23081", "CO24017", "CO24102"}
    for name, data in sample_data.items():
        record = validate(data, name)
        assert isinstance(record, Record)
        assert record.to_json() == data
        assert json.loads(record.dumps()) == data


def test_samples_cover_every_node_type(sample_data):
    seen = set().union(*(node_types(data) for data in sample_data.values()))
    assert seen >= set(NODE_TYPES)


def test_samples_cover_the_awkward_people(sample_data):
    names = {author["name"] for data in sample_data.values() for author in data["authors"]}
    assert {"Şahin Öztürk", "Nguyễn Thị Minh", "李显龙"} <= names
    co_authored = [d for d in sample_data.values() if len(d["authors"]) > 1 and all("bio" in a for a in d["authors"])]
    assert co_authored, "a sample with co-authors that have separate bios"
    assert any(d["provenance"]["reader"] == "invented" for d in sample_data.values())
    image = SAMPLES_DIR / "images" / "CO24017-fig1.png"
    assert image.read_bytes().startswith(b"\x89PNG")


SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples" / "records"

# (case, [(pointer, new value or DELETE)], expected pointer of the problem)
BAD_RECORDS = [
    ("missing_title", [("/title", DELETE)], "/"),
    ("missing_authors", [("/authors", DELETE)], "/"),
    ("no_authors", [("/authors", [])], "/authors"),
    ("missing_publisher", [("/publisher", DELETE)], "/"),
    ("missing_language", [("/language", DELETE)], "/"),
    ("wrong_schema_version", [("/schema_version", "2.0")], "/schema_version"),
    ("identifier_with_slash", [("/identifier", "../etc/passwd")], "/identifier"),
    ("identifier_empty", [("/identifier", "")], "/identifier"),
    ("date_written_out", [("/published", "31 May 2023")], "/published"),
    ("date_impossible_month", [("/published", "2023-13-01")], "/published"),
    ("language_not_bcp47", [("/language", "English!")], "/language"),
    ("title_blank", [("/title", "   ")], "/title"),
    ("title_with_control_char", [("/title", "Bad\u0007title")], "/title"),
    ("unknown_field", [("/colour", "red")], "/"),
    ("author_without_name", [("/authors/1/name", DELETE)], "/authors/1"),
    ("orcid_not_url", [("/authors/0/orcid", "0000-0002-1825-0097")], "/authors/0/orcid"),
    ("email_malformed", [("/authors/0/email", "not an address")], "/authors/0/email"),
    ("country_code_lowercase", [("/authors/0/affiliations/0/country_code", "sg")],
     "/authors/0/affiliations/0/country_code"),
    ("doi_without_prefix", [("/links/doi", "co24017")], "/links/doi"),
    ("source_not_http", [("/links/source", "javascript:alert(1)")], "/links/source"),
    ("rights_year_text", [("/rights/year", "2024")], "/rights/year"),
    ("unknown_block_type", [("/body/blocks/0/blocks/0", {"type": "video", "src": "x"})], "/body/blocks/0/blocks/0/type"),
    ("unknown_inline_type", [("/body/blocks/0/blocks/0/content/1", {"type": "blink", "content": ["x"]})],
     "/body/blocks/0/blocks/0/content/1/type"),
    ("emphasis_without_content", [("/body/blocks/0/blocks/0/content/3/content", [])],
     "/body/blocks/0/blocks/0/content/3/content"),
    ("paragraph_without_content", [("/body/blocks/0/blocks/0/content", [])], "/body/blocks/0/blocks/0/content"),
    ("list_ordered_not_boolean", [("/body/blocks/1/blocks/1/ordered", "yes")], "/body/blocks/1/blocks/1/ordered"),
    ("figure_image_escapes", [("/body/blocks/0/blocks/1/image", "../../secret.png")], "/body/blocks/0/blocks/1/image"),
    ("figure_image_absolute", [("/body/blocks/0/blocks/1/image", "/etc/passwd.png")], "/body/blocks/0/blocks/1/image"),
    ("link_javascript", [("/body/blocks/1/blocks/1/items/2/0/content/1/url", "javascript:alert(1)")],
     "/body/blocks/1/blocks/1/items/2/0/content/1/url"),
    ("dangling_note_ref", [("/body/blocks/0/blocks/0/content/1/note", "n9")], "/body/blocks/0/blocks/0/content/1/note"),
    ("duplicate_ids", [("/body/blocks/1/id", "s1")], "/body/blocks/1/id"),
    ("note_without_blocks", [("/body/notes/0/blocks", [])], "/body/notes/0/blocks"),
    ("table_without_rows", [("/body/blocks/1/blocks/2/rows", [])], "/body/blocks/1/blocks/2/rows"),
    ("subject_not_string", [("/subjects/0", 7)], "/subjects/0"),
    # a 1.0 record keeps 1.0's rules
    ("partial_date_in_1_0", [("/published", "2024-05")], "/published"),
    ("references_in_1_0", [("/references", [{"id": "r1", "citation": ["A reference."]}])], "/references"),
    ("acknowledgements_in_1_0", [("/acknowledgements", [{"type": "paragraph", "content": ["Thanks."]}])],
     "/acknowledgements"),
    ("author_notes_in_1_0", [("/author_notes", [{"kind": "other", "content": ["A note."]}])], "/author_notes"),
    ("author_kind_in_1_0", [("/authors/0/kind", "person")], "/authors/0/kind"),
]

#: CO24017 as a schema 1.1 record with every field 1.1 added
RICH_1_1 = [("/schema_version", "1.1"), ("/published", "2024-02"), ("/modified", "2024"),
            ("/authors/1", {"name": "ASEAN Secretariat", "kind": "organization", "email": "info@asean.example"}),
            ("/acknowledgements", [{"type": "paragraph", "content": ["We thank ", {"type": "note_ref", "note": "n1"}]}]),
            ("/author_notes", [{"kind": "corresponding", "content": ["Write to the first author."]}]),
            ("/references", [{"id": "r1", "citation": ["Acharya, A. (2014). Constructing a Security Community."],
                              "doi": "10.4324/9781315796673", "type": "book", "issued": "2014",
                              "authors": [{"given": "Amitav", "family": "Acharya"}, {"literal": "ASEAN"}]}])]

BAD_1_1_RECORDS = [
    ("date_month_13", [("/published", "2024-13")], "/published"),
    ("date_day_that_does_not_exist", [("/published", "2023-02-30")], "/published"),
    ("date_two_digit_year", [("/modified", "24")], "/modified"),
    ("organization_with_given_name", [("/authors/1/given", "ASEAN")], "/authors/1/given"),
    ("organization_with_orcid", [("/authors/1/orcid", "https://orcid.org/0000-0002-1825-0097")], "/authors/1/orcid"),
    ("author_kind_unknown", [("/authors/0/kind", "robot")], "/authors/0/kind"),
    ("reference_without_citation", [("/references/0/citation", DELETE)], "/references/0"),
    ("reference_empty_citation", [("/references/0/citation", [])], "/references/0/citation"),
    ("reference_without_id", [("/references/0/id", DELETE)], "/references/0"),
    ("reference_doi_without_prefix", [("/references/0/doi", "doi:10.4324/x")], "/references/0/doi"),
    ("reference_url_javascript", [("/references/0/url", "javascript:alert(1)")], "/references/0/url"),
    ("reference_type_not_csl", [("/references/0/type", "journal")], "/references/0/type"),
    ("reference_issued_written_out", [("/references/0/issued", "May 2014")], "/references/0/issued"),
    ("reference_name_given_only", [("/references/0/authors/0/family", DELETE)], "/references/0/authors/0"),
    ("reference_literal_name_split", [("/references/0/authors/1/family", "ASEAN")], "/references/0/authors/1/family"),
    ("reference_unknown_field", [("/references/0/journal", "X")], "/references/0"),
    ("no_references", [("/references", [])], "/references"),
    ("no_acknowledgements", [("/acknowledgements", [])], "/acknowledgements"),
    ("acknowledgement_not_a_block", [("/acknowledgements/0", "Thanks.")], "/acknowledgements/0"),
    ("author_note_kind_unknown", [("/author_notes/0/kind", "disclaimer")], "/author_notes/0/kind"),
    ("author_note_without_content", [("/author_notes/0/content", [])], "/author_notes/0/content"),
    ("reference_id_taken_by_a_note", [("/references/0/id", "n1")], "/references/0/id"),
    ("dangling_note_ref_in_acknowledgements", [("/acknowledgements/0/content/1/note", "n9")],
     "/acknowledgements/0/content/1/note"),
]


# problems the schema cannot express, found by the cross-reference check
REFERENCE_CASES = {"dangling_note_ref", "duplicate_ids", "reference_id_taken_by_a_note",
                   "dangling_note_ref_in_acknowledgements"}


def _patched(base: dict, edits) -> dict:
    data = copy.deepcopy(base)
    for pointer, value in edits:
        *parents, last = [part for part in pointer.split("/")[1:]]
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if value is DELETE:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return data


@pytest.mark.parametrize("case, edits, pointer", BAD_RECORDS + BAD_1_1_RECORDS,
                         ids=[case for case, _, _ in BAD_RECORDS + BAD_1_1_RECORDS])
def test_bad_record_is_reported_with_pointer_and_nothing_is_written(case, edits, pointer, sample_data, tmp_path):
    base = sample_data["CO24017"] if (case, edits, pointer) in BAD_RECORDS else _patched(sample_data["CO24017"], RICH_1_1)
    data = _patched(base, edits)
    found = problems(data, "bad.json")
    assert pointer in [p.pointer for p in found], [str(p) for p in found]
    assert _passes_fast_check(data) is not None or case in REFERENCE_CASES, "the fast checker must reject it too"
    assert all(p.hint for p in found)

    source = tmp_path / f"{case}.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(source)])
    assert result.exit_code == 5, result.output
    assert f"{source} {pointer}:" in result.output
    result = runner.invoke(main, ["convert", str(source), "-o", str(out)])
    assert result.exit_code == 5, result.output
    assert "Traceback" not in result.output
    assert not out.exists() or not any(out.rglob("*"))


def test_a_1_1_record_with_every_new_field_is_valid_and_round_trips(sample_data):
    data = _patched(sample_data["CO24017"], RICH_1_1)
    assert problems(data) == [] and _passes_fast_check(data) is None
    record = validate(data)
    assert record.to_json() == data
    assert [author.is_organization for author in record.authors] == [False, True]
    assert record.references[0].authors[1].literal == "ASEAN" and record.references[0].issued == "2014"
    assert record.author_notes[0].kind == "corresponding"
    keys = list(record.to_json())  # canonical order: the new fields after the body
    assert keys[keys.index("body"):keys.index("subjects") + 1] == ["body", "acknowledgements", "author_notes",
                                                                    "references", "subjects"]


def test_a_1_0_record_is_read_as_it_is_never_upgraded(sample_data):
    data = sample_data["CO24017"]
    assert data["schema_version"] == "1.0"
    record = validate(data)
    assert record.schema_version == "1.0" and record.to_json() == data
    assert record.references is None and all(not author.is_organization for author in record.authors)


def test_the_version_rules_bite_only_on_a_1_0_record(sample_data):
    data = _patched(sample_data["CO24017"], [("/published", "2024-05")])
    found = problems(data)
    assert {p.pointer for p in found} == {"/published"}
    assert all('"schema_version": "1.1"' in p.hint for p in found)
    assert problems(_patched(data, [("/schema_version", "1.1")])) == []
    message = [str(p) for p in problems(_patched(sample_data["CO24017"], BAD_RECORDS[-3][1]))]
    assert message == ["/acknowledgements: Acknowledgements are new in schema 1.1: a record with them says "
                       'schema_version 1.1. (hint: keep to schema 1.0, or write "schema_version": "1.1" to use what '
                       "1.1 added)"]


def test_figures_of_the_acknowledgements_are_figures_of_the_record(sample_data):
    figure = {"type": "figure", "id": "ackfig", "caption": ["A thank-you card"], "image": "images/card.png"}
    data = _patched(sample_data["CO24017"], RICH_1_1)
    data["acknowledgements"].append(figure)
    record = validate(data)
    assert [f.id for f in record.figures()][-1] == "ackfig"


@pytest.mark.parametrize("iso, parts, first", [("2023-05-31", [2023, 5, 31], "2023-05-31"),
                                               ("2024-05", [2024, 5], "2024-05-01"), ("2024", [2024], "2024-01-01")])
def test_partial_dates_keep_their_precision_and_derive_a_first_day(iso, parts, first):
    assert date_parts(iso) == parts
    assert first_day(iso).isoformat() == first


def test_validate_reports_every_problem_of_every_record(sample_data, tmp_path):
    first = _patched(sample_data["CO24017"], [("/title", DELETE), ("/published", "yesterday")])
    second = _patched(sample_data["CO23081"], [("/language", "??")])
    for name, data in (("a.json", first), ("b.json", second)):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps(sample_data["CO24102"]), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(tmp_path), "--format", "json"])
    assert result.exit_code == 5
    report = json.loads(result.stdout)
    assert (report["ok"], report["failed"]) == (1, 2)
    by_source = {Path(r["source"]).name: r for r in report["results"]}
    assert {p["pointer"] for p in by_source["a.json"]["problems"]} == {"/", "/published"}
    assert [p["pointer"] for p in by_source["b.json"]["problems"]] == ["/language"]
    assert by_source["good.json"]["status"] == "ok"


def test_unreadable_and_malformed_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": "1.0",\n  "title": }', encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00junk")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(broken)])
    assert result.exit_code == 5 and f"{broken}:2" in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["validate", str(binary)])
    assert result.exit_code == 4 and "UTF-8" in result.output
    result = runner.invoke(main, ["validate", str(tmp_path / "absent.json")])
    assert result.exit_code == 4


def test_not_an_object_is_invalid():
    assert [p.pointer for p in problems([1, 2], "x")] == ["/"]
    assert SCHEMA_PATH.is_file()


def test_ref_siblings_are_annotations_only():
    """The fast checker (fastjsonschema, draft-7 rules) ignores keywords beside a $ref, where 2020-12
    applies them: the schema must not rely on such keywords, or the two checkers would disagree."""
    offending = []

    def visit(node, where):
        if isinstance(node, dict):
            if "$ref" in node and set(node) - {"$ref", "description", "examples"}:
                offending.append(where)
            for key, child in node.items():
                visit(child, f"{where}/{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                visit(child, f"{where}/{index}")

    visit(schema(), "#")
    assert offending == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_any_valid_record_round_trips_json_model_json_unchanged(data):
    assert problems(data) == []
    record = Record.from_json(data)
    assert record.to_json() == data
    assert json.loads(record.dumps()) == data
    assert Record.from_json(json.loads(record.dumps())) == record


def test_note_labels_are_the_printed_label_else_the_number_in_order():
    data = json.loads((SAMPLES_DIR / "CO24017.json").read_text(encoding="utf-8"))
    data["body"]["notes"].append({"id": "n3", "blocks": [{"type": "paragraph", "content": ["third"]}]})
    record = validate(data)
    assert [note.id for note in record.notes()] == ["n1", "n2", "n3"]
    assert record.note_labels() == {"n1": "1", "n2": "ii", "n3": "3"}
    del data["body"]
    assert validate(data).notes() == [] and validate(data).note_labels() == {}


@pytest.mark.parametrize("iso, printed", [("2023-05-31", "31 May 2023"), ("2020-02-01", "1 February 2020"),
                                          ("2024-06", "June 2024"), ("2024", "2024")])
def test_long_date(iso, printed):
    assert long_date(iso) == printed


def test_a_bad_source_date_epoch_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    source = tmp_path / "loose.json"
    source.write_text(json.dumps({"identifier": "CO99001", "title": "T", "authors": "Alan Chong",
                                  "date": "2023-05-31", "language": "en", "publisher": "RSIS"}))
    result = CliRunner().invoke(main, ["ingest", str(source), "-o", str(tmp_path / "out")])
    assert result.exit_code == 4, result.output
    assert "SOURCE_DATE_EPOCH='yesterday' is not a whole number of seconds" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("value", ["\u200b", "\x90", "\ufeff\u200f", " \u2060 ", "\U000e0041"])
@pytest.mark.parametrize("field", ["/title", "/authors/0/name"])
def test_text_that_shows_no_character_is_invalid(sample_data, field, value):
    def with_text(text: str) -> dict:
        data = copy.deepcopy(sample_data["CO24102"])
        holder, key = (data, "title") if field == "/title" else (data["authors"][0], "name")
        holder[key] = text
        return data

    found = problems(with_text(value), "CO24102.json")
    assert [(p.pointer, p.source) for p in found] == [(field, "CO24102.json")]
    assert "shows no character" in found[0].message
    assert problems(with_text(value + "x")) == []


def test_the_schemas_visible_character_is_the_writers_rule():
    """The schema's `text` pattern and archiver/visible.py (which the PDF and the EPUB use) agree on
    every code point: one that shows is one the pattern takes alone."""
    import re
    import sys
    from archiver.record import schema
    from archiver.visible import shows_something
    pattern = re.compile(schema()["$defs"]["text"]["pattern"])
    forbidden = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
    differ = [hex(c) for c in range(sys.maxunicode + 1)
              if not forbidden.match(chr(c)) and bool(pattern.search(chr(c))) != shows_something(chr(c))]
    assert differ == []

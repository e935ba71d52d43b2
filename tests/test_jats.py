"""JATS 1.4 writer, reader and DTD validator (issue 4): validity, losslessness, hostile input, CLI."""

from __future__ import annotations

import difflib
import http.server
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from archiver.errors import ArchiverError, InputError
from archiver.ingest.jats import looks_like_jats, read_article as read
from archiver.jatsmap import FN_TYPES
from archiver.record import NODE_TYPES, Record, problems
from archiver.validators.jats import dtd_path, validate_jats
from archiver.writers import FORMATS, resolve
from archiver.writers.jats import render

from conftest import CASES, ROOT, SAMPLES
from strategies import FORBIDDEN, HOSTILE, records
from values import node_types

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def jats(data: dict) -> bytes:
    return render(Record.from_json(data), None)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))


def canonical(data: bytes) -> str:
    return etree.tostring(parse(data), method="c14n2").decode("utf-8")


# Validity ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_sample_is_dtd_valid_jats_1_4(sample_data, name):
    out = jats(sample_data[name])
    assert validate_jats(out, name) == []
    assert out.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE article PUBLIC '
                          b'"-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.4 20241031//EN" '
                          b'"https://jats.nlm.nih.gov/archiving/1.4/JATS-archivearticle1-4.dtd">\n')
    root = parse(out)
    assert (root.get("dtd-version"), root.get("article-type")) == ("1.4", "commentary")


@PROPERTY
@given(records())
def test_generated_hostile_records_give_dtd_valid_jats_and_read_back_identical(record):
    out = jats(record)
    assert validate_jats(out, "generated") == []
    assert read(out, "generated.xml") == record


def test_strategy_draws_valid_records_covering_every_node_type():
    seen: set[str] = set()

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(records())
    def check(record):
        assert problems(record) == []
        seen.update(node_types(record))

    check()
    assert seen == set(NODE_TYPES)


# Golden file ------------------------------------------------------------------------------------------

def test_golden_CO23081(sample_data, request):
    actual = jats(sample_data["CO23081"])
    path = CASES / "CO23081" / "CO23081.xml"
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
        return
    if not path.exists():
        pytest.fail(f"golden file {path} is missing; create it with `pytest --update-golden` and review it")
    expected, got = canonical(path.read_bytes()), canonical(actual)
    if expected != got:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), got.splitlines(True), str(path), "actual"))
        pytest.fail(f"JATS differs from the golden file (pytest --update-golden if intended):\n{diff}")


# Completeness -----------------------------------------------------------------------------------------

def _leaves(value, pointer=""):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _leaves(child, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _leaves(child, f"{pointer}/{index}")
    else:
        yield pointer, value


NODE_TAGS = {"section": "sec", "paragraph": "p", "list": "list", "quote": "disp-quote",
             "figure": "*[self::fig or self::boxed-text[@content-type='archiver-figure-without-image']]",
             "table": "table-wrap", "emphasis": "italic", "strong": "bold", "superscript": "sup",
             "subscript": "sub", "link": "ext-link", "code": "monospace", "note_ref": "xref[@ref-type='fn']"}


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_every_value_of_the_sample_is_in_the_jats(sample_data, name):
    root = parse(jats(sample_data[name]))
    texts = {node for node in root.xpath("//text()")} | {value for el in root.iter() for value in el.attrib.values()}
    missing = []
    for pointer, value in _leaves(sample_data[name]):
        key = pointer.rsplit("/", 1)[-1]
        if key == "type" and re.fullmatch(r"/references/\d+/type", pointer):  # a CSL type, not a node
            found = value in root.xpath("//ref/*/@publication-type | //ref/*/*/@publication-type")
        elif re.fullmatch(r"/references/\d+/citation/.*", pointer) and key.isdigit():
            # printed text: the person-group marking the authors may split it into several nodes
            index = int(pointer.split("/")[2])
            found = value in root.xpath("string(//ref-list/ref[$n]//mixed-citation)", n=index + 1)
        elif key == "kind":
            found = bool(root.xpath({"organization": "//contrib/collab", "person": "//contrib[@specific-use='person']",
                                     "corresponding": "//author-notes/corresp"}.get(
                value, f"//author-notes/fn[@fn-type='{FN_TYPES.get(value)}']")))
        elif key == "type":
            found = bool(root.xpath(f"//{NODE_TAGS[value]}"))
        elif key == "ordered":
            found = ("order" if value else "bullet") in root.xpath("//list/@list-type")
        elif key == "name_order":
            found = {"given-first": "western", "family-first": "eastern"}[value] in root.xpath("//@name-style")
        else:
            found = str(value) in texts
        if not found:
            missing.append((pointer, value))
    assert missing == []


#: node type -> XPath that must match in the JATS of ALL_NODES (hand-written, not taken from the writer)
EXPECTED = {
    "section": "/article/body/sec[@id='s1']/title[.='Heading']",
    "paragraph": "//sec[@id='s1']/p[starts-with(., 'Plain')]",
    "list": "//list[@list-type='order']/list-item/p[.='item']",
    "quote": "//disp-quote[p='quoted']/attrib[.='Someone']",
    "figure": "//fig[@id='f1'][label][caption/p='Cap'][attrib='Credit']/graphic[@xlink:href='images/a.png']"
              "/alt-text[.='Alt']",
    "table": "//table-wrap[@id='t1'][caption/p='TCap']/table[thead/tr/th='H'][tbody/tr/td='C']",
    "emphasis": "//p/italic[.='em']",
    "strong": "//p/bold[.='st']",
    "superscript": "//p/sup[.='up']",
    "subscript": "//p/sub[.='down']",
    "link": "//p/ext-link[@ext-link-type='uri'][@xlink:href='https://example.org/'][.='link']",
    "code": "//p/monospace[.='x=1']",
    "note_ref": "//p/xref[@ref-type='fn'][@rid='n1'][.='1']",
    "text": "//sec[@id='s1']/p[starts-with(., 'Plain ')]",
}
ALL_NODES = {
    "schema_version": "1.0", "identifier": "ALL1", "title": "All nodes", "authors": [{"name": "A. Author"}],
    "published": "2024-01-02", "language": "en", "publisher": {"name": "P"},
    "body": {"blocks": [{"type": "section", "id": "s1", "title": ["Heading"], "blocks": [
        {"type": "paragraph", "content": [
            "Plain ", {"type": "emphasis", "content": ["em"]}, {"type": "strong", "content": ["st"]},
            {"type": "superscript", "content": ["up"]}, {"type": "subscript", "content": ["down"]},
            {"type": "link", "url": "https://example.org/", "content": ["link"]},
            {"type": "code", "text": "x=1"}, {"type": "note_ref", "note": "n1"}]},
        {"type": "list", "ordered": True, "items": [[{"type": "paragraph", "content": ["item"]}]]},
        {"type": "quote", "blocks": [{"type": "paragraph", "content": ["quoted"]}], "attribution": ["Someone"]},
        {"type": "figure", "id": "f1", "image": "images/a.png", "caption": ["Cap"], "credit": "Credit",
         "alt": "Alt"},
        {"type": "table", "id": "t1", "caption": ["TCap"], "head": [[["H"]]], "rows": [[["C"]]]}]}],
        "notes": [{"id": "n1", "blocks": [{"type": "paragraph", "content": ["Note."]}]}]},
}


def test_every_node_type_of_the_schema_is_written():
    assert set(EXPECTED) == set(NODE_TYPES), "a node type was added to the schema: map it and test it here"
    assert problems(ALL_NODES) == []
    out = jats(ALL_NODES)
    assert validate_jats(out) == []
    root = parse(out)
    for node_type, xpath in EXPECTED.items():
        assert root.xpath(xpath, namespaces={"xlink": "http://www.w3.org/1999/xlink"}), (node_type, xpath)
    assert root.xpath("/article/back/fn-group/fn[@id='n1'][label='1']/p[.='Note.']")
    assert read(out, "all.xml") == ALL_NODES


def test_front_matter_of_CO24017(sample_data):
    root = parse(jats(sample_data["CO24017"]))
    ns = {"xlink": "http://www.w3.org/1999/xlink", "ali": "http://www.niso.org/schemas/ali/1.0/"}
    checks = [
        "/article/front/journal-meta[journal-id='RSIS Commentary'][journal-title-group/journal-title]"
        "/publisher[publisher-name][publisher-loc='Singapore']",
        "//article-meta/article-id[@pub-id-type='publisher-id'][.='CO24017']",
        "//article-meta/article-id[@pub-id-type='doi'][.='10.5555/co24017']",
        "//article-meta/article-id[@pub-id-type='handle'][.='10356/900017']",
        "//subj-group[@subj-group-type='heading']/subject[.='Commentary']",
        "//contrib[@contrib-type='author'][contrib-id[@contrib-id-type='orcid']"
        "[.='https://orcid.org/0000-0002-1825-0097']][name/surname='Öztürk'][name/given-names='Şahin']"
        "[bio/p][xref[@ref-type='aff']/@rid=//aff[institution][country[@country='SG']='Singapore']/@id]",
        "//contrib[name[@name-style='eastern']/surname='Nguyễn']",
        "//pub-date[@iso-8601-date='2024-02-05'][day='05'][month='02'][year='2024']",
        "//article-meta/permissions[copyright-statement][copyright-year='2024'][copyright-holder]"
        "/license/ali:license_ref[.='https://creativecommons.org/licenses/by/4.0/']",
        "//article-meta/self-uri[@content-type='html'][@xlink:title][normalize-space(.)]",
        "//article-meta/self-uri[@content-type='pdf'][@xlink:title][normalize-space(.)]",
        "//abstract[@abstract-type='summary']/p",
        "//kwd-group[@kwd-group-type='topic']/kwd[.='Water Security']",
        "//kwd-group[@kwd-group-type='region']/kwd[.='Mekong']",
        "//custom-meta[meta-name='series-number'][meta-value='017/2024']",
        "//fig/permissions/license/ali:license_ref",
        "/article/back/fn-group/fn[@id='n2'][@symbol='ii'][label='ii']",
    ]
    for xpath in checks:
        assert root.xpath(xpath, namespaces=ns), xpath
    # JATS4R: never an empty metadata element.
    assert not [el.tag for el in root.iter("issn", "journal-id", "journal-title", "publisher-name")
                if not (el.text or "").strip()]


def test_structures_jats_forbids_are_wrapped_and_read_back():
    record = dict(ALL_NODES, body={"blocks": [
        {"type": "section", "id": "a", "title": [], "blocks": []},
        {"type": "paragraph", "content": ["After a section."]},
        {"type": "list", "ordered": False, "items": [[
            {"type": "section", "title": ["In a list"], "blocks": [{"type": "paragraph", "content": ["x"]}]},
            {"type": "figure", "id": "aff1", "caption": ["id like the writer's aff ids"]}]]},
        {"type": "quote", "blocks": [{"type": "section", "title": ["In a quote"], "blocks": []}]},
        {"type": "table", "id": "t", "head": [], "rows": [[[]]]}],
        "notes": [{"id": "n1", "blocks": [{"type": "table", "id": "t2", "rows": [[["in a note"]]]}]}]},
        authors=[{"name": "A", "affiliations": [{"name": "Inst"}]}, {"name": "B", "affiliations": []}],
        subjects=[], coverage=[], links={})
    assert problems(record) == []
    out = jats(record)
    assert validate_jats(out) == []
    assert read(out, "wrapped.xml") == record


def test_same_record_gives_same_bytes(sample_data):
    first = jats(sample_data["CO24017"])
    assert jats(json.loads(json.dumps(sample_data["CO24017"]))) == first


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_sample_reads_back_identical(sample_data, name):
    assert read(jats(sample_data[name]), f"{name}.xml") == sample_data[name]


# Defence in depth: forbidden characters ---------------------------------------------------------------

@PROPERTY
@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=8).map("".join))
def test_writer_never_emits_a_forbidden_character_even_if_handed_one(hostile):
    record = Record.from_json(dict(ALL_NODES, title=hostile, abstract=hostile, body={"blocks": [
        {"type": "paragraph", "content": [hostile, {"type": "emphasis", "content": [hostile]}]},
        {"type": "figure", "id": "f", "caption": [hostile], "credit": hostile, "alt": hostile}]}))
    out = render(record, None)  # the model is built without validation: the writer must cope
    assert not FORBIDDEN.search(out.decode("utf-8", "surrogatepass"))
    assert validate_jats(out) == []


# The DTD check bites ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mutate, message", [
    (lambda s: s.replace("<front>", "<front><article-meta/>", 1).replace("</front>", "", 1)
     .replace("</article>", "</front></article>", 1), "front"),
    (lambda s: s.replace("<title-group>", "<title-group><bogus/>", 1), "bogus"),
    (lambda s: s.replace('rid="n1"', 'rid="nowhere"', 1), "nowhere"),
    (lambda s: s.replace("<subtitle>", "<sub-title>", 1).replace("</subtitle>", "</sub-title>", 1), "sub-title"),
    (lambda s: s.replace('dtd-version="1.4"', 'dtd-version="9.9"', 1), "dtd-version"),
    (lambda s: s.replace('<article ', '<articl ', 1).replace('</article>', '</articl>'), "articl"),
])
def test_dtd_check_bites(sample_data, mutate, message):
    broken = mutate(jats(sample_data["CO24017"]).decode()).encode()
    found = validate_jats(broken, "broken.xml")
    assert found, "the mutation was not caught"
    assert any(message in p.message for p in found)
    assert all(p.line for p in found)


def test_wrong_element_order_is_reported_with_its_line(sample_data):
    text = jats(sample_data["CO24017"]).decode()
    broken = text.replace("<subtitle>Shared", "<alt-title>x</alt-title><subtitle>Shared")
    [problem] = validate_jats(broken.encode(), "order.xml")
    assert "title-group" in problem.message
    assert problem.line == text[:text.index("<title-group>")].count("\n") + 1


def test_missing_dtd_tells_the_user_to_run_make_setup(tmp_path):
    with pytest.raises(ArchiverError) as caught:
        dtd_path(tmp_path)
    assert "make setup" in str(caught.value)


# Untrusted JATS ---------------------------------------------------------------------------------------

def test_entities_are_never_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = (f'<?xml version="1.0"?><!DOCTYPE article [<!ENTITY x SYSTEM "file://{secret}">'
           '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
           '<article dtd-version="1.4"><front><article-meta><title-group>'
           '<article-title>&x;&b;</article-title></title-group></article-meta></front></article>').encode()
    with pytest.raises(InputError, match="not expanded"):
        read(doc, "xxe.xml")
    found = validate_jats(doc, "xxe.xml")
    assert [p for p in found if "&x;" in p.message] and [p for p in found if "&b;" in p.message]
    assert "TOP-SECRET" not in "".join(map(str, found))


def test_no_network_access_for_the_doctype_or_entities(sample_data):
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY e "fetched">')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        doc = jats(sample_data["CO23081"]).decode().replace(
            "https://jats.nlm.nih.gov/archiving/1.4/JATS-archivearticle1-4.dtd", f"{url}/article.dtd").replace(
            '">\n<article', f'" [<!ENTITY % p SYSTEM "{url}/p.ent"> %p;]>\n<article', 1).encode()
        read(doc, "net.xml")
        validate_jats(doc, "net.xml")
    finally:
        server.shutdown()
    assert requests == []


def test_not_well_formed_input_is_an_input_error():
    with pytest.raises(InputError) as caught:
        read(b"<article><front>", "broken.xml")
    assert caught.value.exit_code == 4 and caught.value.problems[0].line == 1
    with pytest.raises(InputError, match="not a JATS"):
        read(b"<html/>", "page.xml")


def test_looks_like_jats(sample_data):
    assert looks_like_jats(jats(sample_data["CO23081"]))
    assert looks_like_jats(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<article article-type="x">')
    assert looks_like_jats(b"<article>")
    for other in (b"<!DOCTYPE html><html><body><article>x</article></body></html>", b'{"article": 1}',
                  b"<?xml version='1.0'?><records/>", b"CO23081 Central Asia Among Giants", b""):
        assert not looks_like_jats(other), other


def test_foreign_jats_reads_into_a_valid_record():
    doc = b"""<?xml version="1.0"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN" "JATS.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article" xml:lang="en">
<front><journal-meta><journal-title-group><journal-title>Policy Notes</journal-title></journal-title-group>
<publisher><publisher-name>Some Institute</publisher-name></publisher></journal-meta>
<article-meta><article-id pub-id-type="doi">10.1234/pn.5</article-id>
<title-group><article-title>On <italic>Rivers</italic></article-title></title-group>
<contrib-group><contrib contrib-type="author"><name><surname>Tan</surname><given-names>Mei</given-names></name>
<contrib-id contrib-id-type="orcid">0000-0002-1825-0097</contrib-id><xref ref-type="aff" rid="a1"><sup>1</sup></xref>
</contrib><aff id="a1"><label>1</label>Water Lab, <country country="SG">Singapore</country></aff></contrib-group>
<pub-date pub-type="epub"><day>3</day><month>4</month><year>2021</year></pub-date>
<abstract><p>First.</p><p>Second.</p></abstract>
<kwd-group><kwd>water</kwd></kwd-group></article-meta></front>
<body><p>Intro with <named-content>markup</named-content> and a note<xref ref-type="fn" rid="f1">1</xref>.
<list list-type="order"><list-item><p>one</p></list-item></list></p>
<sec><title>Part</title><p>Text.</p><fig><caption><title>Map</title></caption></fig></sec></body>
<back><fn-group><fn id="f1"><label>1</label><p>A note.</p></fn></fn-group></back></article>"""
    record = read(doc, "foreign/pn5.xml")
    assert problems(record) == []
    assert record["identifier"] == "10.1234-pn.5" and record["title"] == "On Rivers"  # from the DOI
    assert record["authors"] == [{"name": "Mei Tan", "given": "Mei", "family": "Tan",
                                  "affiliations": [{"name": "Water Lab", "country": "Singapore",
                                                    "country_code": "SG"}],
                                  "orcid": "https://orcid.org/0000-0002-1825-0097"}]
    assert record["published"] == "2021-04-03" and record["abstract"] == "First.\nSecond."
    # The blocks before the first <sec> are the untitled opening section.
    opening = record["body"]["blocks"][0]
    assert (opening["type"], opening["title"], "id" in opening) == ("section", [], False)
    assert opening["blocks"][0] == {"type": "paragraph", "content": [
        "Intro with markup and a note", {"type": "note_ref", "note": "f1"}, "."]}
    assert opening["blocks"][1]["type"] == "list"
    assert record["body"]["blocks"][1]["title"] == ["Part"]
    assert record["body"]["notes"] == [{"id": "f1", "blocks": [{"type": "paragraph", "content": ["A note."]}]}]
    assert "provenance" not in record


# CLI end to end ---------------------------------------------------------------------------------------

def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archiver", *args], cwd=cwd, capture_output=True, text=True)


def test_format_is_registered():
    assert [f.name for f in resolve("xml")] == ["jats"] and FORMATS["jats"].media_type == "application/jats+xml"


def test_cli_convert_to_jats_then_validate(tmp_path):
    result = run_cli("convert", str(SAMPLES / "CO24017.json"), "-o", str(tmp_path), "--to", "jats")
    assert result.returncode == 0, result.stderr
    written = tmp_path / "CO24017" / "CO24017.xml"
    assert validate_jats(written.read_bytes(), str(written)) == []
    result = run_cli("validate", "--jats", str(written))
    assert result.returncode == 0, result.stderr


def test_cli_validate_jats_exit_codes(tmp_path, sample_data):
    text = jats(sample_data["CO23081"]).decode()
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("<title-group>", "<title-group><bogus/>"), encoding="utf-8")
    line = text[:text.index("<title-group>")].count("\n") + 1
    result = run_cli("validate", "--jats", str(broken))
    assert result.returncode == 5
    assert re.search(rf"{re.escape(str(broken))}:{line}: .*bogus", result.stderr), result.stderr
    (tmp_path / "nwf.xml").write_text("<article><front>")
    result = run_cli("validate", "--jats", str(tmp_path / "nwf.xml"))
    assert result.returncode == 4 and "nwf.xml:1: not well-formed" in result.stderr
    assert run_cli("validate", "--jats", str(tmp_path / "absent.xml")).returncode == 4
    # Without --jats, validate still checks records.
    assert run_cli("validate", str(SAMPLES)).returncode == 0


@pytest.mark.parametrize("name", ["CO23081", "CO24017", "CO24102"])
def test_ingest_recognises_a_jats_article_by_content_and_gives_the_record_back(sample_data, name, tmp_path):
    from click.testing import CliRunner

    from archiver.cli import main
    from archiver.ingest import detect

    article = jats(sample_data[name])
    assert detect(article, "article.bin") == "jats"  # not taken for a saved HTML page
    source = tmp_path / "article.bin"
    source.write_bytes(article)
    result = CliRunner().invoke(main, ["ingest", str(source), "-o", str(tmp_path / "records")])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "records" / f"{name}.json").read_text(encoding="utf-8"))
    provenance = record.pop("provenance")
    expected = {key: value for key, value in sample_data[name].items() if key != "provenance"}
    assert record == expected
    assert provenance["reader"] == "jats" and provenance["source_file"] == "article.bin"

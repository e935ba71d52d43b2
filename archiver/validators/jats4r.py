"""JATS4R conformance: the JATS4R Schematron rules run on a JATS article, offline.

The rules are JATS4R's own (`jats4r.sch` 0.0.16 of JATS4R/jats-schematrons, MIT, vendored unchanged
in `schemas/jats4r-0.0.16/`); they need XSLT 2, so they are compiled to XSLT by SchXslt 1.10 (MIT,
vendored in `schemas/schxslt-1.10/`) and run by SaxonC-HE (`saxonche`, a test dependency). Compiling
takes about a second: build one `Jats4r` per process (the tests keep one per session).

Two repairs to the top-level schema are made in memory, not in the vendored file: it uses the `xsd`
prefix without declaring it (declared here with `sch:ns`), and it declares its `xsl:function`s after
its patterns, where SchXslt does not look for them (moved before the first `include`).

A document is never parsed through its DOCTYPE (SaxonC's parser refuses the JATS DTD's entity volume,
and an external DTD could mean a fetch). Instead the DTD's ID/IDREF typing and default attribute
values for the elements the document uses are derived from the vendored JATS 1.4 DTD with lxml and
given to Saxon as an internal subset: `idref()` in the affiliation rules then works as with the DTD.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from ..errors import ArchiverError, Problem
from ..jatsmap import ALI, XLINK
from .jats import compiled_dtd, parse

SCHEMAS = Path(__file__).resolve().parent.parent.parent / "schemas"
RULES = SCHEMAS / "jats4r-0.0.16" / "jats4r.sch"
SCHXSLT = SCHEMAS / "schxslt-1.10" / "pipeline-for-svrl.xsl"

_SCH = "http://purl.oclc.org/dsdl/schematron"
_XSL = "http://www.w3.org/1999/XSL/Transform"
_SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
#: namespaces of SVRL locations (`/Q{}article[1]/Q{http://www.w3.org/1999/xlink}...`) -> prefixes
_PREFIXES = {XLINK: "xlink", ALI: "ali", ALI.rstrip("/"): "ali0", "http://www.w3.org/1998/Math/MathML": "mml",
             "http://www.w3.org/XML/1998/namespace": "xml"}
_QNAME = re.compile(r"Q\{([^}]*)\}")


@dataclass(frozen=True)
class Finding:
    """One JATS4R message: `role` is "error", "warning" or "info" as the rule gives it."""
    role: str
    message: str
    line: int | None
    location: str

    def problem(self, source: str | None) -> Problem:
        return Problem(f"JATS4R {self.role}: {self.message}", source=source, line=self.line,
                       hint="see the JATS4R recommendations (https://jats4r.org)")


class Jats4r:
    """The compiled JATS4R rules; `check` runs them on one article."""

    def __init__(self) -> None:
        try:
            import saxonche
        except ImportError:
            raise ArchiverError("the JATS4R check needs saxonche",
                                hint="run `make setup` (it installs the test dependencies)") from None
        self._processor = saxonche.PySaxonProcessor(license=False)
        xslt = self._processor.new_xslt30_processor()
        pipeline = xslt.compile_stylesheet(stylesheet_file=str(SCHXSLT))
        compiled = pipeline.transform_to_string(xdm_node=self._node(_repaired_rules(), RULES))
        # The compiled rules read countries.xml, lang.xml ... relative to themselves: give them the
        # base URI of the vendored schema.
        self._rules = xslt.compile_stylesheet(stylesheet_node=self._node(compiled, RULES))

    def _node(self, text: str, base: Path):
        builder = self._processor.new_document_builder()
        builder.set_base_uri(base.as_uri())
        return builder.parse_xml(xml_text=text)

    def check(self, data: bytes, source: str | None = None) -> list[Finding]:
        """Every JATS4R message for the article, in document order of the rules' firing."""
        root = parse(data, source)
        text = etree.tostring(root, encoding="unicode", doctype=f"<!DOCTYPE {root.tag} [{_subset(root)}]>")
        report = etree.fromstring(self._rules.transform_to_string(
            xdm_node=self._node(text, Path(source or "article.xml").resolve())).encode("utf-8"))
        found = []
        for fired in report.xpath("//svrl:failed-assert | //svrl:successful-report", namespaces=_SVRL):
            location = fired.get("location") or ""
            message = " ".join(fired.xpath("string(svrl:text)", namespaces=_SVRL).split())
            found.append(Finding(fired.get("role") or "error", message, _line(root, location), location))
        return found


def _repaired_rules() -> str:
    tree = etree.parse(str(RULES), etree.XMLParser(no_network=True, resolve_entities=False))
    schema = tree.getroot()
    schema.find(f"{{{_SCH}}}ns").addprevious(
        etree.Element(f"{{{_SCH}}}ns", prefix="xsd", uri="http://www.w3.org/2001/XMLSchema"))
    first_include = schema.find(f"{{{_SCH}}}include")
    for function in schema.findall(f"{{{_XSL}}}function"):
        first_include.addprevious(function)
    return etree.tostring(schema, encoding="unicode")


def _qualified(prefix: str | None, name: str) -> str:
    return f"{prefix}:{name}" if prefix else name


@functools.cache
def _declarations() -> dict[str, tuple[str, ...]]:
    """Element name -> the ATTLIST declarations that matter to XPath: ID/IDREF(S) types, defaults."""
    out: dict[str, tuple[str, ...]] = {}
    for element in compiled_dtd().iterelements():
        name = _qualified(element.prefix, element.name)
        lines = []
        for attribute in element.iterattributes():
            if attribute.prefix == "xmlns":
                continue  # namespace declarations: the document makes its own
            qualified = _qualified(attribute.prefix, attribute.name)
            if attribute.type in ("id", "idref", "idrefs"):
                lines.append(f"<!ATTLIST {name} {qualified} {attribute.type.upper()} #IMPLIED>")
            elif attribute.default == "fixed":
                lines.append(f'<!ATTLIST {name} {qualified} CDATA #FIXED "{attribute.default_value}">')
            elif attribute.default == "none":
                lines.append(f'<!ATTLIST {name} {qualified} CDATA "{attribute.default_value}">')
        out[name] = tuple(lines)
    return out


def _subset(root: etree._Element) -> str:
    declarations = _declarations()
    used = sorted({_qualified(element.prefix, etree.QName(element).localname)
                   for element in root.iter() if isinstance(element.tag, str)})
    return " ".join(line for name in used for line in declarations.get(name, ()))


def _line(root: etree._Element, location: str) -> int | None:
    """The source line of the node an SVRL location names."""
    namespaces = {prefix: uri for uri, prefix in _PREFIXES.items()}
    path = _QNAME.sub(lambda match: f"{_PREFIXES[match[1]]}:" if match[1] in _PREFIXES else
                      ("" if not match[1] else "*:"), location)
    try:
        nodes = root.getroottree().xpath(path, namespaces=namespaces)
    except etree.XPathError:
        return None
    node = nodes[0] if isinstance(nodes, list) and nodes else None
    if node is not None and not isinstance(node, etree._Element):
        node = node.getparent()
    return node.sourceline if node is not None else None

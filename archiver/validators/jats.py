"""JATS validation against the NISO JATS 1.4 Archiving and Interchange DTD (Z39.96-2024).

The DTD comes from the npm package `@jats4r/dtds`, fetched by `make setup` into
`vendor/jats-dtds-*/1.4/`; it is compiled once per process. Documents are parsed as untrusted input:
no DTD loading through the DOCTYPE, no entity expansion, no network. Every DTD error is reported with
its line number.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import ArchiverError, InputError, Problem, RecordInvalid

VENDOR = Path(__file__).resolve().parent.parent.parent / "vendor"
DTD_NAME = "JATS-archivearticle1-4.dtd"


class JatsInvalid(RecordInvalid):
    """A JATS article that breaks the DTD; carries every problem (exit 5, like an invalid record)."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems)
        self.message = f"{len(problems)} problem(s) in the JATS article"


def dtd_path(vendor: Path = VENDOR) -> Path:
    """The Archiving 1.4 DTD that set-up fetched, or a clear error telling how to get it."""
    found = sorted(vendor.glob(f"jats-dtds-*/1.4/{DTD_NAME}"))
    if not found:
        raise ArchiverError(f"the JATS 1.4 DTD is missing: no {vendor}/jats-dtds-*/1.4/{DTD_NAME}",
                            hint="run `make setup` (it fetches @jats4r/dtds from the npm registry)")
    return found[-1]


@functools.cache
def compiled_dtd():
    """The Archiving 1.4 DTD, compiled once per process."""
    from lxml import etree
    return etree.DTD(str(dtd_path()))


def safe_parser():
    """An XML parser for untrusted input: no DTD loading, no entity expansion, no network."""
    from lxml import etree
    return etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, huge_tree=False,
                           remove_comments=False)


def parse(data: bytes, source: str | None):
    """The element tree of a JATS document, or `InputError` naming the line that is not well-formed."""
    from lxml import etree
    try:
        return etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        message = f"not well-formed XML: {exc.msg}"
        problem = Problem(message, source=source, line=exc.position[0] if exc.position else None,
                          hint="fix the XML syntax; the line number is where the parser stopped")
        raise InputError(message, problems=[problem]) from None


def validate_jats(data: bytes, source: str | None = None) -> list[Problem]:
    """Every DTD problem of a JATS article (empty when valid). Raises `InputError` when not well-formed."""
    root = parse(data, source)
    found: list[Problem] = []
    if root.tag != "article":
        found.append(Problem(f"the root element is <{root.tag}>, not <article>", source=source,
                             line=root.sourceline, hint="a JATS article starts with <article>"))
    from lxml import etree
    for node in root.iter(etree.Entity):
        found.append(Problem(f"entity reference &{node.name}; is not expanded (entities are never resolved: "
                             "they could read local files or explode in size)", source=source,
                             line=node.sourceline, hint="replace the entity with the characters it stands for"))
    dtd = compiled_dtd()
    if not dtd.validate(root):
        for error in dtd.error_log:
            found.append(Problem(error.message, source=source, line=error.line or None,
                                 hint="see the JATS 1.4 Tag Library for the element's content model"))
    return found


def check_jats(data: bytes, source: str | None = None) -> None:
    """Raise `JatsInvalid` with every problem unless the article is valid."""
    found = validate_jats(data, source)
    if found:
        raise JatsInvalid(found)

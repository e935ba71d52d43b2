"""The vocabulary the JATS writer and the JATS reader share (JATS 1.4 Archiving, NISO Z39.96-2024).

Writer (`archiver/writers/jats.py`) and reader (`archiver/ingest/jats.py`) never import each other;
both take from here the names that make record -> JATS -> record lossless: namespaces, the DOCTYPE,
the inline element map, the `custom-meta` names for record fields JATS has no element for, and the
marker of the wrapper elements that carry a block where the JATS content model forbids it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

XLINK = "http://www.w3.org/1999/xlink"
ALI = "http://www.niso.org/schemas/ali/1.0/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HREF = f"{{{XLINK}}}href"
TITLE = f"{{{XLINK}}}title"

DTD_VERSION = "1.4"
PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.4 20241031//EN"
SYSTEM_ID = "https://jats.nlm.nih.gov/archiving/1.4/JATS-archivearticle1-4.dtd"
DOCTYPE = f'<!DOCTYPE article PUBLIC "{PUBLIC_ID}" "{SYSTEM_ID}">'

#: record styled inline type -> JATS element
STYLED_TAGS = {"emphasis": "italic", "strong": "bold", "superscript": "sup", "subscript": "sub"}
#: JATS element -> record styled inline type
STYLED_TYPES = {tag: kind for kind, tag in STYLED_TAGS.items()}
CODE_TAG = "monospace"

#: `content-type` of a `<p>` or `<boxed-text>` that only carries one block where JATS forbids it
#: (a figure in a footnote, a section after a paragraph or inside a quote); the reader unwraps it.
WRAPPER = "archiver-wrap"
#: `content-type` of a `<boxed-text>` that holds an untitled section's blocks (JATS4R: every `sec` has a
#: title), and of one that holds a figure whose image is lost (JATS4R: every `fig` has a `graphic`)
UNTITLED = "archiver-untitled-section"
LOST_FIGURE = "archiver-figure-without-image"
#: `content-type` of the `<p>` in a LOST_FIGURE box that carries the figure's alt text
ALT_PARAGRAPH = "archiver-alt-text"
#: `content-type` of an `<alt-text>` derived from the caption (the record has no alt text)
DERIVED = "archiver-derived"

#: `custom-meta` names; the first marks an article written by archiver (whose metadata is complete)
META_SCHEMA_VERSION = "archiver-record-schema-version"
META_SERIES_NUMBER = "series-number"
META_PUBLISHER_COUNTRY = "publisher-country-code"
META_PUBLISHER_PARENT = "publisher-parent"
#: space-separated JSON pointers of empty lists/objects the record holds and JATS cannot express
META_EMPTY = "archiver-empty-fields"
#: present when the blocks before the body's first `sec` are the record's untitled opening section;
#: its value is that section's id (empty for none)
META_OPENING = "archiver-opening-section"
#: space-separated ids the writer gave wrapper elements (JATS4R wants an id on every `boxed-text`)
META_GENERATED_IDS = "archiver-generated-ids"
#: the record's copyright statement, when the one written was completed with the year or holder
#: (JATS4R: the statement should not conflict with `copyright-year` and `copyright-holder`)
META_STATEMENT = "archiver-copyright-statement"
#: the formatted reference from the citation crosswalk (derived: the reader ignores it)
META_CITATION = "citation"
#: provenance field -> custom-meta name
META_PROVENANCE = {
    "reader": "provenance-reader",
    "source_file": "provenance-source-file",
    "source_sha256": "provenance-source-sha256",
    "archiver_version": "provenance-archiver-version",
    "ingested": "provenance-ingested",
    "note": "provenance-note",
}
#: provenance object field -> (its sub-field -> custom-meta name): the collection file whose defaults
#: filled the record (`fields`, JSON pointers, space-separated) and the web-archive capture it came from
META_PROVENANCE_OBJECTS = {
    "collection": {"file": "provenance-collection-file", "sha256": "provenance-collection-sha256",
                   "fields": "provenance-collection-fields"},
    "archive": {"file": "provenance-archive-file", "record_id": "provenance-archive-record-id",
                "target_uri": "provenance-archive-target-uri", "captured": "provenance-archive-captured",
                "payload_digest": "provenance-archive-payload-digest"},
}

KWD_TOPICS = "topic"
KWD_REGIONS = "region"
SELF_URI_SOURCE = "html"
SELF_URI_PDF = "pdf"
SELF_URI_SERIES = "series"
NOTES_EDITOR = "editor-note"
EVENT_REVISED = "revised"
NAME_STYLES = {"given-first": "western", "family-first": "eastern"}
NAME_ORDERS = {style: order for order, style in NAME_STYLES.items()}

#: record author-note kind -> JATS `fn/@fn-type` (a `corresponding` note is a `<corresp>`, not an `fn`)
FN_TYPES = {"competing-interests": "coi-statement", "contributions": "con", "funding": "financial-disclosure",
            "present-address": "present-address", "other": "other"}
#: JATS `fn/@fn-type` -> record author-note kind, with the older or looser values publishers use
FN_KINDS = {**{fn_type: kind for kind, fn_type in FN_TYPES.items()}, "conflict": "competing-interests",
            "supported-by": "funding", "current-aff": "present-address", "corresp": "corresponding"}
#: `contrib/@specific-use` of an author whose record says `"kind": "person"` (absent kind: no mark)
PERSON_MARK = "person"
#: `publication-type` of a reference whose record gives no type (JATS4R requires the attribute and
#: discourages "other"), marked `specific-use` so that the reader knows it was not the record's
UNTYPED_PUBLICATION = "document"
UNTYPED_MARK = "archiver-untyped"
#: `content-type` of a `named-content` in a `mixed-citation` that holds a URL printed as its own link
#: text (JATS4R: link text is never the bare URL); the reader makes it the link it was again
PRINTED_URL = "archiver-printed-url"
#: reference part -> child element of `element-citation` (title, container title, volume, ...)
CITATION_PARTS = {"title": "article-title", "container_title": "source", "volume": "volume", "issue": "issue",
                  "pages": "page-range", "publisher": "publisher-name"}

#: characters XML 1.0 cannot carry or the record schema forbids in text (C0 controls except tab,
#: newline and carriage return, DEL, lone surrogates, U+FFFE and U+FFFF)
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

#: JATS4R's list of ISO 3166-1 country codes and English names (vendored with its rules, MIT)
_COUNTRIES = Path(__file__).resolve().parent.parent / "schemas" / "jats4r-0.0.16" / "countries.xml"


@functools.cache
def iso_countries() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> English country name, as JATS4R checks `<country country>`."""
    from lxml import etree
    return {element.get("country"): element.text for element in etree.parse(str(_COUNTRIES)).iter("country")}


#: a Creative Commons licence URI in the form JATS4R recommends (https, trailing slash)
CC_LICENSE = re.compile(r"^https://creativecommons\.org/(licenses/by(-sa|-nd|-nc|-nc-sa|-nc-nd)?/\d\.\d/([a-z]{2,3}/)?"
                        r"|publicdomain/(zero|mark)/1\.0/)$")

"""The vocabulary the JATS writer and the JATS reader share (JATS 1.4 Archiving, NISO Z39.96-2024).

Writer (`archiver/writers/jats.py`) and reader (`archiver/ingest/jats.py`) never import each other;
both take from here the names that make record -> JATS -> record lossless: namespaces, the DOCTYPE,
the inline element map, the `custom-meta` names for record fields JATS has no element for, and the
marker of the wrapper elements that carry a block where the JATS content model forbids it.
"""

from __future__ import annotations

import re

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

#: `custom-meta` names; the first marks an article written by archiver (whose metadata is complete)
META_SCHEMA_VERSION = "archiver-record-schema-version"
META_SERIES_NUMBER = "series-number"
META_PUBLISHER_COUNTRY = "publisher-country-code"
META_PUBLISHER_PARENT = "publisher-parent"
#: space-separated JSON pointers of empty lists/objects the record holds and JATS cannot express
META_EMPTY = "archiver-empty-fields"
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
#: reference part -> child element of `element-citation` (title, container title, volume, ...)
CITATION_PARTS = {"title": "article-title", "container_title": "source", "volume": "volume", "issue": "issue",
                  "pages": "page-range", "publisher": "publisher-name"}

#: characters XML 1.0 cannot carry or the record schema forbids in text (C0 controls except tab,
#: newline and carriage return, DEL, lone surrogates, U+FFFE and U+FFFF)
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

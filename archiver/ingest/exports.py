"""The rules every metadata export follows, whatever its format (`crosswalk.py` reads the formats):
its sidecar, the identifiers of its records, and the hints for what it lacks (issue 15, limits of
point 4).

An export's sidecar is its whole file name with `.json` added (`works.bib.json` beside `works.bib`):
one work's exports in several formats share a stem (x.json, x.bib, x.ris), and x.json may be an export
itself. Its fields, written as a loose record (see loose.py), win over the export's for every record of
the export. Identifiers are made as for every source (`archiver.collection.make_identifier`), in the
collection's order: the item's own identifier, its DOI's suffix, its URL's last segment, the file
name (`NAME-N` for the Nth item of an export of several); items whose URLs end alike are told apart
by their whole URLs (`collection.distinct_identifiers`).
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from ..collection import distinct_identifiers, make_identifier
from .loose import ALIASES, LINK_SHORTCUTS

#: required fields a collection file can give for every record of a collection
COLLECTION_FIELDS = ("publisher", "language")


def sidecar_name(name: str) -> str:
    """The sidecar of the export `name`: its file name with .json added."""
    return PurePath(name).name + ".json"


def missing_hint(name: str):
    """The hint for a required field the export does not give."""
    sidecar = sidecar_name(name)

    def hint(field: str) -> str:
        text = f"the export gives no {field}: add it to the export, or to the sidecar {sidecar} beside it " \
               f"({{\"{field}\": ...}})"
        if field in COLLECTION_FIELDS:
            text += ", or give it once for the whole collection in a collection file (--collection FILE)"
        return text
    return hint


def identify(results: list, pointers: list[str], name: str, collection: Any) -> None:
    """Each item's identifier, in place, in the collection's order; W001 for one the item does not
    give as its own (unless the collection names the order: then the librarian asked for it)."""
    asked = bool((getattr(collection, "values", None) or {}).get("identifier"))
    stem = PurePath(name).stem
    made: list[tuple[str, str] | None] = []
    for index, result in enumerate(results):
        url = (result.loose.get("links") or {}).get("source")
        made.append(make_identifier({**result.candidates, "canonical": url if isinstance(url, str) else None,
                                     "file": stem if len(results) == 1 else f"{stem}-{index + 1}"}, collection))
    groups: dict[str, list[int]] = {}
    for index, found in enumerate(made):
        if found:
            groups.setdefault(found[0], []).append(index)
    taken = set(groups)
    for identifier, indexes in groups.items():
        derived = [i for i in indexes if made[i][1] == "canonical"]
        if len(indexes) > 1 and derived:  # two items' URLs end alike: their whole URLs tell them apart
            others = taken - {identifier} if len(derived) == len(indexes) else taken
            urls = {i: (results[i].loose["links"]["source"], pointers[i] or name) for i in derived}
            apart = distinct_identifiers(urls, others, getattr(collection, "prefix", ""))
            for index, value in apart.items():
                made[index] = (value, "whole URL")
            taken |= set(apart.values())
    for result, found in zip(results, made):
        if found is None:
            continue
        result.loose["identifier"], place = found
        if place == "source" or asked:
            continue
        links = result.loose.get("links") or {}
        said = {"doi": f"the DOI {links.get('doi')}", "canonical": f"the URL {links.get('source')}",
                "whole URL": f"the whole URL {links.get('source')} (another item's URL ends the same)",
                "file": "the file name (the item gives no identifier, DOI or URL)"}[place]
        result.guessed.append(("/identifier", f"identifier {found[0]!r} taken from {said}"))


def overlay(loose: dict[str, Any], sidecar: dict[str, Any]) -> dict[str, Any]:
    """The export's loose record with the sidecar's fields over it: a field given by both is the
    sidecar's (under any of its names: "date" replaces "published"), an object field merged field by
    field ({"links": {"pdf": ...}} keeps the export's DOI), a dotted field ("series.number") too."""
    out = dict(loose)
    for key, value in sidecar.items():
        head, dot, tail = key.partition(".")
        if key in LINK_SHORTCUTS:
            head, tail, dot = "links", LINK_SHORTCUTS[key], "."
        if dot:
            out[head] = {**(out.get(head) if isinstance(out.get(head), dict) else {}), tail: value}
            continue
        target = ALIASES.get(key, key)
        for same in [k for k in out if k != key and ALIASES.get(k, k) == target]:
            del out[same]
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out

"""CSL-JSON writer: the crosswalk's CSL item as a one-item array, the form the CSL 1.0.2 data schema
(`csl-data.json`) describes and Zotero, Mendeley and pandoc import."""

from __future__ import annotations

import json

from ..citation import to_csl
from ..record import Record
from . import RenderContext


def render(record: Record, context: RenderContext) -> bytes:
    return (json.dumps([to_csl(record)], ensure_ascii=False, indent=2) + "\n").encode("utf-8")

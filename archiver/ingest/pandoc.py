"""pandoc's JSON AST (pandoc-types API 1.23) -> the record's body (blocks, inlines, endnotes).

Owns two things: running the pandoc binary bundled with pypandoc on untrusted input (sandboxed,
memory-capped, time-limited), and mapping every pandoc node type onto the record's closed node set
(schemas/commentary.schema.json `#/$defs/block`, `#/$defs/inline`, `#/$defs/note`). Each pandoc node
type is in exactly one table below:

- MAPPED: becomes a record node of the same meaning;
- UNWRAPPED: a container whose children are kept in its place (Div, Span, Cite, SmallCaps...);
- DROPPED or lossy: kept as far as the record can hold it, and reported as warning W002, never silently.

Headings become nested sections (a heading of level n opens a section inside the last one of level < n);
text before the first heading goes into an untitled opening section. Footnotes become `note_ref` nodes and
entries of `body.notes`. Images become figures; their bytes are looked up through `images(target, id)` so the
caller decides where image files may come from (a DOCX's media, files next to a Markdown file, nothing).
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import ArchiverWarning, InputError
from ..normalize import clean_text

BLOCKS_MAPPED = {"Para", "Plain", "Header", "BlockQuote", "OrderedList", "BulletList", "Table", "Figure",
                 "CodeBlock"}
BLOCKS_UNWRAPPED = {"Div"}
BLOCKS_LOSSY = {"LineBlock", "DefinitionList", "RawBlock", "HorizontalRule"}
INLINES_MAPPED = {"Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Underline", "Superscript",
                  "Subscript", "Code", "Link", "Note", "Quoted", "Image"}
INLINES_UNWRAPPED = {"Span", "Cite", "SmallCaps"}
INLINES_LOSSY = {"Strikeout", "Math", "RawInline"}

#: Seconds one pandoc run may take, and the heap it may use (pandoc's advice for untrusted input).
PANDOC_TIMEOUT = 60
PANDOC_HEAP = "512M"

_NODE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,63}$")
_URL = re.compile(r"^(https?://|mailto:)\S+$")
_STYLED = {"Emph": "emphasis", "Underline": "emphasis", "Strong": "strong", "Superscript": "superscript",
           "Subscript": "subscript"}
_QUOTES = {"DoubleQuote": ("\u201c", "\u201d"), "SingleQuote": ("\u2018", "\u2019")}

#: (image target, figure id) -> (path relative to the record, image bytes), or why it cannot be had (a
#: phrase following the image's name, "is a FIFO (named pipe), ..."), or None when no reason is known.
ImageLookup = Callable[[str, str], "tuple[str, bytes] | str | None"]


def run_pandoc(data: bytes, source_format: str, name: str, extra: list[str] | None = None,
               cwd: str | None = None) -> dict:
    """pandoc's JSON AST of `data` read as `source_format` (`markdown`, `html`, `docx`, `odt`), run in
    `cwd` when given (so that extracted media have paths relative to it, never a scratch folder's)."""
    import pypandoc  # lazy: only manuscripts and loose bodies need pandoc
    command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{PANDOC_HEAP}", "-RTS", "--sandbox",
               "-f", source_format, "-t", "json", *(extra or [])]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=PANDOC_TIMEOUT, check=False, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise InputError(f"pandoc took more than {PANDOC_TIMEOUT} s to read it", source=name,
                         hint="split the document or simplify its markup") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"pandoc cannot read it as {source_format}: {reason[-1] if reason else 'no reason given'}",
                         source=name, hint=f"check that the file is a valid {source_format} document")
    return json.loads(done.stdout)


@dataclass
class Mapped:
    """A record body made from a pandoc document, the warnings of the mapping and the images it kept."""
    body: dict[str, Any]
    warnings: list[ArchiverWarning] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)


class BodyMapper:
    """Maps one pandoc document; holds the running numbers of figures, tables and notes."""

    def __init__(self, source: str, images: ImageLookup | None = None, pointer: str = "/body"):
        self.source = source
        self.images = images or (lambda target, figure_id: None)
        self.pointer = pointer
        self.warnings: list[ArchiverWarning] = []
        self.assets: dict[str, bytes] = {}
        self.notes: list[dict[str, Any]] = []
        self.used_ids: set[str] = set()
        self.counters: dict[str, int] = {}
        #: figures made from images inside running text, placed after the block that holds them
        self.pending: list[dict[str, Any]] = []

    # Entry point ----------------------------------------------------------------------------------

    def body(self, blocks: list[dict]) -> Mapped:
        top: list[dict] = []
        stack: list[tuple[int, dict]] = []  # (heading level, section) of the open sections
        opening: dict | None = None
        for node in blocks:
            if node["t"] == "Header":
                level, attr, inlines = node["c"]
                section = {"type": "section", "id": self._id(attr[0], "s"), "title": self.inlines(inlines),
                           "blocks": self._take_pending()}
                while stack and stack[-1][0] >= level:
                    stack.pop()
                (stack[-1][1]["blocks"] if stack else top).append(section)
                stack.append((level, section))
                continue
            mapped = self.block(node)
            if not mapped:
                continue
            if stack:
                stack[-1][1]["blocks"].extend(mapped)
            else:
                if opening is None:
                    opening = {"type": "section", "title": [], "blocks": []}
                    top.append(opening)
                opening["blocks"].extend(mapped)
        # Sections may stay empty (a heading with nothing under it); the schema allows that.
        body: dict[str, Any] = {"blocks": top}
        if self.notes:
            body["notes"] = self.notes
        return Mapped(body, self.warnings, self.assets)

    # Blocks ---------------------------------------------------------------------------------------

    def blocks(self, nodes: list[dict]) -> list[dict]:
        out: list[dict] = []
        for node in nodes:
            if node["t"] == "Header":  # a heading inside a quote, list or note: no sections there
                out.extend(self._paragraph([{"t": "Strong", "c": node["c"][2]}]))
                self._warn("a heading inside a list, quote or note was kept as a bold paragraph")
                continue
            out.extend(self.block(node))
        return out

    def block(self, node: dict) -> list[dict]:
        """The record blocks of one pandoc block, followed by the figures of images in its text."""
        mapped = self._block(node)
        return mapped + self._take_pending()

    def _take_pending(self) -> list[dict]:
        taken, self.pending = self.pending, []
        return taken

    def _block(self, node: dict) -> list[dict]:
        kind, content = node["t"], node.get("c")
        if kind in ("Para", "Plain"):
            return self._paragraph_or_figure(content)
        if kind == "BlockQuote":
            inner = self.blocks(content)
            return [{"type": "quote", "blocks": inner}] if inner else []
        if kind in ("BulletList", "OrderedList"):
            items = content if kind == "BulletList" else content[1]
            mapped = [blocks for blocks in (self.blocks(item) for item in items) if blocks]
            return [{"type": "list", "ordered": kind == "OrderedList", "items": mapped}] if mapped else []
        if kind == "CodeBlock":
            text = content[1].strip("\n")
            return [{"type": "paragraph", "content": [{"type": "code", "text": text}]}] if text.strip() else []
        if kind == "Table":
            return self._table(content)
        if kind == "Figure":
            return self._figure_block(content)
        if kind == "Div":
            return self.blocks(content[1])
        if kind == "LineBlock":
            self._warn("a line block (verse or address) was kept as one paragraph per line")
            return [p for line in content for p in self._paragraph(line)]
        if kind == "DefinitionList":
            self._warn("a definition list was kept as a bulleted list with each term in bold")
            items = []
            for term, definitions in content:
                item = self._paragraph([{"t": "Strong", "c": term}])
                for definition in definitions:
                    item.extend(self.blocks(definition))
                if item:
                    items.append(item)
            return [{"type": "list", "ordered": False, "items": items}] if items else []
        if kind == "RawBlock":
            self._warn(f"raw {content[0]} markup was left out: {_short(content[1])}")
            return []
        if kind == "HorizontalRule":
            self._warn("a horizontal rule (scene break) was left out")
            return []
        self._warn(f"pandoc block {kind} is unknown to archiver and was left out")
        return []

    def _paragraph(self, inlines: list[dict]) -> list[dict]:
        content = self.inlines(inlines)
        if not any(isinstance(n, dict) or n.strip() for n in content):
            return []
        return [{"type": "paragraph", "content": content}]

    def _paragraph_or_figure(self, inlines: list[dict]) -> list[dict]:
        # A paragraph holding only an image (and spaces) is a figure in every reader pandoc has.
        solid = [n for n in inlines if n["t"] not in ("Space", "SoftBreak", "LineBreak")]
        if len(solid) == 1 and solid[0]["t"] == "Image":
            attr, alt, (target, title) = solid[0]["c"]
            caption = alt or ([{"t": "Str", "c": title}] if title else [])
            return self._figure(attr, caption, solid[0])
        return self._paragraph(inlines)

    def _figure_block(self, content: list) -> list[dict]:
        attr, (_short_caption, caption_blocks), inner = content
        images = [inline for block in inner if block["t"] in ("Plain", "Para") for inline in block["c"]
                  if inline["t"] == "Image"]
        caption = [inline for block in caption_blocks if block["t"] in ("Plain", "Para") for inline in block["c"]]
        if len(images) != 1:
            self._warn(f"a figure with {len(images)} images was kept as its caption and text only")
            return self.blocks(inner) + self._paragraph(caption)
        if not caption:
            caption = images[0]["c"][1]
        return self._figure(attr if attr[0] else images[0]["c"][0], caption, images[0])

    def _figure(self, attr: list, caption_inlines: list[dict], image: dict) -> list[dict]:
        image_attr, alt_inlines, (target, _title) = image["c"]
        figure: dict[str, Any] = {"type": "figure", "id": self._id(attr[0], "fig")}
        found = self.images(target, figure["id"])
        if isinstance(found, tuple):
            figure["image"], self.assets[found[0]] = found
        else:
            why = found or "could not be kept (not found, remote, or not PNG/JPEG)"
            self.warnings.append(ArchiverWarning("W003", f"image {_short(target)} {why}; caption kept",
                                                 self.source, self.pointer))
        caption = self.inlines(caption_inlines)
        if not any(isinstance(n, dict) or n.strip() for n in caption):
            caption = [figure["id"]]
            # nothing of the source is lost: the caption the record requires is made up, a guess (W001)
            self.warnings.append(ArchiverWarning("W001", f"figure {figure['id']} has no caption or description; its "
                                                 "id stands in", self.source, self.pointer))
        figure["caption"] = caption
        alt = dict(image_attr[2]).get("alt") or _plain(self.inlines(alt_inlines))
        if alt and clean_text(alt):
            figure["alt"] = clean_text(alt)
        return [figure]

    def _table(self, content: list) -> list[dict]:
        attr, (_short_caption, caption_blocks), _colspecs, head, bodies, foot = content
        table: dict[str, Any] = {"type": "table", "id": self._id(attr[0], "tab")}
        caption = self.inlines([i for b in caption_blocks if b["t"] in ("Plain", "Para") for i in b["c"]])
        if any(isinstance(n, dict) or n.strip() for n in caption):
            table["caption"] = caption
        head_rows = [self._row(row) for row in head[1]]
        body_rows = [self._row(row) for body in bodies for row in body[2] + body[3]]
        foot_rows = [self._row(row) for row in foot[1]]
        if foot_rows:
            self._warn("a table footer was kept as the last body rows")
        rows = [r for r in body_rows + foot_rows if r]
        head_rows = [r for r in head_rows if r]
        if not rows:  # a table of header rows only: the schema wants body rows
            rows, head_rows = head_rows, []
        if not rows:
            self._warn(f"table {table['id']} has no cells and was left out")
            return []
        if head_rows:
            table["head"] = head_rows
        table["rows"] = rows
        return [table]

    def _row(self, row: list) -> list[list]:
        cells = []
        for _attr, _align, rowspan, colspan, blocks in row[1]:
            if rowspan != 1 or colspan != 1:
                self._warn("a merged table cell was kept as one cell (its span is lost)")
            inlines: list[dict] = []
            for index, block in enumerate(blocks):
                if block["t"] in ("Plain", "Para"):
                    inlines.extend(([{"t": "Space"}] if index else []) + block["c"])
                else:
                    self._warn(f"a {block['t']} inside a table cell was kept as its text only")
                    inlines.extend([{"t": "Space"}, {"t": "Str", "c": _plain_pandoc(block)}])
            cells.append(self.inlines(inlines))
        return cells

    # Inlines --------------------------------------------------------------------------------------

    def inlines(self, nodes: list[dict]) -> list:
        out: list = []
        for node in nodes:
            for item in self.inline(node):
                if isinstance(item, str):
                    if out and isinstance(out[-1], str):
                        out[-1] += item
                    elif item:
                        out.append(item)
                else:
                    out.append(item)
        # NFC and no control characters, but the spaces between styled words are kept.
        cleaned: list = []
        for item in out:
            if isinstance(item, str):
                item = _clean_inline(item)
                if item:
                    cleaned.append(item)
            else:
                cleaned.append(item)
        if cleaned and isinstance(cleaned[0], str):
            cleaned[0] = cleaned[0].lstrip() or None
        if cleaned and isinstance(cleaned[-1], str):
            cleaned[-1] = cleaned[-1].rstrip() or None
        return [item for item in cleaned if item is not None]

    def inline(self, node: dict) -> list:
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            return [content]
        if kind in ("Space", "SoftBreak", "LineBreak"):
            return [" "]
        if kind in _STYLED:
            inner = self.inlines(content)
            return [{"type": _STYLED[kind], "content": inner}] if inner else []
        if kind == "Code":
            return [{"type": "code", "text": content[1]}] if content[1].strip() else [content[1]]
        if kind == "Quoted":
            opening, closing = _QUOTES[content[0]["t"]]
            return [opening, *self.inlines(content[1]), closing]
        if kind == "Link":
            inner = self.inlines(content[1])
            target = content[2][0]
            if _URL.match(target) and inner:
                return [{"type": "link", "url": target, "content": inner}]
            if target and not target.startswith("#") and not _URL.match(target):
                self._warn(f"link target {_short(target)} is not an absolute http(s) or mailto URL; its text was kept")
            elif target and not target.startswith("#"):  # a link without text (a picture's "full size" link)
                self._warn(f"link to {_short(target)} has no text; it was left out")
            return inner
        if kind == "Note":
            number = len(self.notes) + 1
            note_id = self._id(f"n{number}", "n")
            outer, self.pending = self.pending, []  # pictures of the note's text stay in the note
            blocks = self.blocks(content) or [{"type": "paragraph", "content": ["(empty note)"]}]
            self.pending = outer
            self.notes.append({"id": note_id, "blocks": blocks})
            return [{"type": "note_ref", "note": note_id}]
        if kind == "Image":
            # An image in running text (Word's inline picture) becomes a figure after its paragraph.
            self.pending.extend(self._figure(content[0], content[1], node))
            return []
        if kind == "Span":
            return self.inlines(content[1])
        if kind == "Cite":
            return self.inlines(content[1])
        if kind == "SmallCaps":
            return self.inlines(content)
        if kind == "Strikeout":
            self._warn("struck-out text was kept without its strike-through")
            return self.inlines(content)
        if kind == "Math":
            self._warn(f"math was kept as its TeX source: {_short(content[1])}")
            return [{"type": "code", "text": content[1]}] if content[1].strip() else []
        if kind == "RawInline":
            self._warn(f"raw {content[0]} markup was left out: {_short(content[1])}")
            return []
        self._warn(f"pandoc inline {kind} is unknown to archiver and was left out")
        return []

    # Helpers --------------------------------------------------------------------------------------

    def _id(self, wanted: str, prefix: str) -> str:
        if wanted and _NODE_ID.match(wanted) and wanted not in self.used_ids:
            self.used_ids.add(wanted)
            return wanted
        while True:
            self.counters[prefix] = self.counters.get(prefix, 0) + 1
            candidate = f"{prefix}{self.counters[prefix]}"
            if candidate not in self.used_ids:
                self.used_ids.add(candidate)
                return candidate

    def _warn(self, message: str) -> None:
        self.warnings.append(ArchiverWarning("W002", message, self.source, self.pointer))


def _clean_inline(text: str) -> str:
    """NFC, no control characters, runs of white space folded to one space (kept at the edges)."""
    edge_left = " " if text[:1].isspace() else ""
    edge_right = " " if text[-1:].isspace() and text.strip() else ""
    return edge_left + clean_text(text) + edge_right if text.strip() else (" " if text else "")


def _plain(content: list) -> str:
    out = []
    for node in content:
        if isinstance(node, str):
            out.append(node)
        elif "content" in node:
            out.append(_plain(node["content"]))
        elif node.get("type") == "code":
            out.append(node["text"])
    return "".join(out)


def _plain_pandoc(node: Any) -> str:
    """The text of any pandoc node, markup dropped."""
    if isinstance(node, dict):
        if node.get("t") == "Str":
            return node["c"]
        if node.get("t") in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return _plain_pandoc(node.get("c", []))
    if isinstance(node, list):
        return "".join(_plain_pandoc(child) for child in node)
    return ""


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return repr(text if len(text) <= 50 else text[:47] + "...")


def map_document(document: dict, source: str, images: ImageLookup | None = None,
                 pointer: str = "/body") -> Mapped:
    """The record body of a pandoc JSON document."""
    return BodyMapper(source, images, pointer).body(document.get("blocks", []))


def meta_value(node: dict) -> Any:
    """A pandoc metadata value as plain Python: strings, lists and dicts."""
    kind, content = node["t"], node.get("c")
    if kind == "MetaMap":
        return {key: meta_value(value) for key, value in content.items()}
    if kind == "MetaList":
        return [meta_value(value) for value in content]
    if kind == "MetaBool":
        return content
    if kind == "MetaString":
        return content
    return clean_text(_plain_pandoc(content))

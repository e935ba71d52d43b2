"""Reading a tagged PDF's structure tree back (pikepdf) and comparing it with the record it was made
from: shared by the PDF/UA tests (tests/test_pdfua.py) and the PDF's back-matter tests.

`tree_items` gives the tree's block-level leaves in reading order with the text of their marked
content, `expected_items` what the record must give, built from the record alone (not from the
writer's code), and `check_tree` compares the two: every heading, paragraph, list label, figure,
caption, table cell, note, acknowledgement, reference and author note present once, in order, with
its text.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pikepdf

from archiver.record import (Code, Figure, Link, ListBlock, NoteRef, Paragraph as ParagraphNode, Quote,
                             Section, Styled, Table as TableNode, plain_text, walk)


def _to_unicode(font: pikepdf.Dictionary) -> dict[int, str]:
    cmap = font.ToUnicode.read_bytes().decode("latin-1").split("beginbfchar", 1)[1]
    return {int(code, 16): bytes.fromhex(text).decode("utf-16-be")
            for code, text in re.findall(r"<([0-9A-F]{2})> <([0-9A-F]+)>", cmap)}


def marked_text(pdf: pikepdf.Pdf) -> tuple[dict[tuple[int, int], str], list[str]]:
    """The text drawn in each marked-content sequence, by (page index, MCID), and the text drawn
    outside any: what a screen reader gets from the tree, and what it would miss."""
    texts: dict[tuple[int, int], str] = {}
    untagged: list[str] = []
    for index, page in enumerate(pdf.pages):
        fonts = {name: _to_unicode(font) for name, font in page.Resources.get("/Font", {}).items()}
        stack: list[int | None] = []
        #: open sequences with an /ActualText: (their depth in `stack`, the text)
        actual: list[tuple[int, str]] = []
        font: dict[int, str] = {}
        for operands, operator in pikepdf.parse_content_stream(page):
            op = str(operator)
            if op == "BDC":
                properties = operands[1]
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    stack.append(int(properties.MCID))
                else:  # a sequence nested in a tagged one (a shaped run's /ActualText) is its content
                    stack.append(stack[-1] if stack and operands[0] != pikepdf.Name.Artifact else None)
                    if isinstance(properties, pikepdf.Dictionary) and "/ActualText" in properties:
                        actual.append((len(stack), str(properties.ActualText)))
                if stack[-1] is not None:
                    texts.setdefault((index, stack[-1]), "")
            elif op == "BMC":
                stack.append(None)
            elif op == "EMC":
                if actual and actual[-1][0] == len(stack):
                    # The sequence's /ActualText stands for all it drew (ISO 32000-1 14.9.4).
                    _, replacement = actual.pop()
                    if stack[-1] is not None:
                        texts[index, stack[-1]] = texts.get((index, stack[-1]), "") + replacement
                stack.pop()
            elif op == "Tf":
                font = fonts[str(operands[0])]
            elif op in ("Tj", "TJ", "'", '"'):
                strings = operands[-1] if op == "TJ" else [operands[-1]]
                text = "".join(font.get(byte, "") for s in strings if isinstance(s, pikepdf.String)
                               for byte in bytes(s))
                if actual:
                    continue
                if stack and stack[-1] is not None:
                    texts[index, stack[-1]] = texts.get((index, stack[-1]), "") + text
                elif not stack:
                    untagged.append(text)
    return texts, untagged


def tree_items(path: Path) -> list[tuple[str, str]]:
    """The structure tree in reading order as (role, text) for its block-level leaves (headings,
    paragraphs, labels, captions, cells; a Figure by its /Alt), each with the text of its content."""
    with pikepdf.open(path) as pdf:
        texts, untagged = marked_text(pdf)
        assert not [text for text in untagged if text.strip()], untagged  # nothing drawn outside the tree
        pages = {page.objgen: index for index, page in enumerate(pdf.pages)}
        seen: set[tuple[int, int]] = set()

        def text(element) -> str:
            if "/ActualText" in element:
                text_of_kids = text_without_actual(element)
                return str(element.ActualText) if text_of_kids is not None else ""
            return text_without_actual(element)

        def text_without_actual(element) -> str:
            out = []
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int) or (not isinstance(kid, pikepdf.Dictionary) and int(kid) == kid):
                    key = (pages[element.Pg.objgen], int(kid))
                elif kid.get("/Type") == pikepdf.Name.MCR:
                    key = (pages[kid.Pg.objgen], int(kid.MCID))
                elif kid.get("/Type") == pikepdf.Name.OBJR:
                    continue
                else:
                    out.append(text(kid))
                    continue
                assert key not in seen, key  # each piece of content belongs to one element
                seen.add(key)
                out.append(texts.get(key, ""))
            return "".join(out)

        items: list[tuple[str, str]] = []

        def visit(element) -> None:
            role = str(element.S)[1:]
            if role == "Figure":
                items.append((role, str(element.Alt)))
                text(element)
            elif role in LEAVES:
                items.append((role, text(element)))
            else:
                for kid in elements_here(element):
                    visit(kid)

        visit(pdf.Root.StructTreeRoot.K)
        return items


def elements_here(node):
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") not in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
            yield kid


#: the block-level leaves (BibEntry: a reference, the whole content of its list item's LBody)
LEAVES = {"H1", "H2", "H3", "H4", "H5", "H6", "P", "Lbl", "Caption", "TH", "TD", "BibEntry"}


def _inline_text(nodes, labels) -> str:
    out = []
    for node in nodes or []:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Code):
            out.append(node.text)
        elif isinstance(node, (Styled, Link)):
            out.append(_inline_text(node.content, labels))
        elif isinstance(node, NoteRef):
            out.append(labels.get(node.note, "?"))
    return "".join(out)


def expected_items(record, assets) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the record's body and its back matter before "Cite as" must give, in order, built from the
    record alone: (body, back). The back matter comes in the landing page's order: Acknowledgements,
    Notes, References, About the Author(s), Author notes."""
    labels = record.note_labels()
    counters = {"figure": 0, "table": 0}

    def blocks(nodes, items):
        for block in nodes:
            if isinstance(block, Section):
                if block.title:
                    items.append(("H", _inline_text(block.title, labels)))
                blocks(block.blocks, items)
            elif isinstance(block, ParagraphNode):
                items.append(("P", _inline_text(block.content, labels)))
            elif isinstance(block, ListBlock):
                for number, item in enumerate(block.items, 1):
                    items.append(("Lbl", f"{number}." if block.ordered else "•"))
                    blocks(item, items)
            elif isinstance(block, Quote):
                blocks(block.blocks, items)
                if block.attribution:
                    items.append(("P", "— " + _inline_text(block.attribution, labels)))
            elif isinstance(block, Figure):
                counters["figure"] += 1
                drawn = block.image in assets and assets[block.image] != b"\x00not an image"
                if drawn:
                    items.append(("Figure", block.alt or " ".join(plain_text(block.caption).split())
                                  or f"Figure {counters['figure']}"))
                caption = f"Figure {counters['figure']}. " + _inline_text(block.caption, labels)
                items.append(("Caption", caption + ("" if drawn else " (image not preserved)")))
                credit = block.credit or ""
                if block.license:
                    credit += ("; " if credit else "") + f"licence: {block.license}"
                if credit:
                    items.append(("P", f"Credit: {credit}"))
            elif isinstance(block, TableNode):
                counters["table"] += 1
                if block.caption:
                    items.append(("Caption", f"Table {counters['table']}. " + _inline_text(block.caption, labels)))
                columns = max(len(row) for row in [*(block.head or []), *block.rows])
                for role, rows in (("TH", block.head or []), ("TD", block.rows)):
                    for row in rows:
                        items.extend(("TH" if c == 0 and not block.head else role,
                                      _inline_text(row[c], labels) if c < len(row) else "") for c in range(columns))
        return items

    body = blocks(record.body.blocks if record.body else [], [])
    back: list[tuple[str, str]] = []
    if record.acknowledgements:
        back.append(("H", "Acknowledgements"))
        blocks(record.acknowledgements, back)
    if record.notes():
        back.append(("H", "Notes"))
    for note in record.notes():
        paragraphs = [b for b in walk(note.blocks) if isinstance(b, ParagraphNode)]
        first = _inline_text(paragraphs[0].content, labels) if paragraphs else ""
        back.append(("P", f"{labels[note.id]}.  {first}"))
        back += [("P", _inline_text(p.content, labels)) for p in paragraphs[1:]]
    if record.references:
        back.append(("H", "References"))
    for reference in record.references or []:
        # the printed citation, then each DOI or URL it does not show
        back += [("Lbl", "•"), ("BibEntry", _inline_text(reference.citation, labels)
                                + "".join(f" {url}" for url in reference.links_to_add()))]
    bios = [author for author in record.authors if author.bio]
    if bios:
        back.append(("H", "About the Author" + ("s" if len(bios) > 1 else "")))
    for author in bios:
        back.append(("P", author.bio))
        if author.orcid:
            back.append(("P", f"ORCID: {author.orcid}"))
    if record.author_notes:
        back.append(("H", "Author notes"))
    back += [("P", _inline_text(note.content, labels)) for note in record.author_notes or []]
    return body, back


def _squash(items):
    # Lines are drawn as separate strings (no space between them); U+FEFF and invisible controls no
    # font has are not drawn.
    # reportlab breaks a line at a soft hyphen and draws a hyphen there.
    def visible(text):
        return "".join(char for char in "".join(text.split())
                       if char not in "\ufeff-" and unicodedata.category(char) not in ("Cc", "Cf"))
    squashed = [("H" if role[0] == "H" and role != "H1" else role, visible(text)) for role, text in items]
    # A paragraph with nothing to draw has no element (a table cell keeps its place).
    return [(role, text) for role, text in squashed if text or role in ("TH", "TD")]


def _affiliation(affiliation) -> str:
    """An affiliation as a reader must hear it: the name, then the country unless the name holds it,
    with a comma only between parts that are drawn (a name of only U+200F draws nothing)."""
    def drawn(text):
        return any(not c.isspace() and unicodedata.category(c) not in ("Cc", "Cf") for c in text)
    country = affiliation.country if affiliation.country and affiliation.country not in affiliation.name else None
    if country is None:
        return affiliation.name
    return ", ".join(part for part in (affiliation.name, country) if drawn(part))


def front_items(record) -> list[tuple[str, str]]:
    front = [("H1", record.title)] + ([("P", record.subtitle)] if record.subtitle else [])
    for author in record.authors:
        front.append(("P", author.name))
        front += [("P", _affiliation(affiliation)) for affiliation in author.affiliations or []]
    if record.editor_note:
        front.append(("P", record.editor_note))
    if record.abstract:
        front += [("H", "SYNOPSIS"), ("P", record.abstract)]
    return front


def check_tree(record, assets, path: Path) -> None:
    """The tree holds the record: the title, the byline, the synopsis, then every block of the body,
    then the back matter up to "Cite as", each once, in order, with its text."""
    got = _squash(tree_items(path))
    front = _squash(front_items(record))
    body, back = (_squash(part) for part in expected_items(record, assets))
    _same(got[:len(front)], front, "front matter")
    _same(got[len(front):len(front) + len(body)], body, "body")
    _same(got[len(front) + len(body):len(front) + len(body) + len(back) + 1], [*back, ("H", "Citeas")],
          "back matter")


def _same(got: list, want: list, part: str) -> None:
    """Asserts got == want, saying where they first differ (this module's asserts are not rewritten)."""
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(f"{part} differs from the record at item {at}: the tree has {got[at:at + 3]!r}, "
                             f"the record wants {want[at:at + 3]!r}")

"""Reader for the saved text of a commentary web page ("Save as text", copy of the whole page):
issue 3, points 2, 3 and 6.

A saved page is menus, the article (sometimes printed twice: once for screen, once for print),
"About the Author", a categories line and the footer. The reader finds the article by its own
markers — the "CO23081 | Title" line, SYNOPSIS, COMMENTARY, "About the Author(s)", "Categories:" —
reads ONE copy of it, and never takes a line from outside those markers, so menus, addresses,
cookie banners and comment widgets cannot reach the record. Layout variants handled: date line and
breadcrumb before the title, markers in any case or with a colon, several authors with one shared or
several separate bios, endnotes marked [1] or [i], an editor's note, no figure, CRLF, non-breaking
spaces, the article printed once or twice.
"""

from __future__ import annotations

import codecs
import re
from pathlib import PurePath

from ..errors import ArchiverWarning, InputError, RecordInvalid
from ..normalize import clean_text
from . import Draft
from .article import (ABOUT, CATEGORIES, COMMENTARY, CREDIT, EDITOR, NOTE_LINE, NOTES_HEADING, SYNOPSIS, TITLE_LINE,
                      attribute_bios, authors_from_byline, finish, note_inlines, published_date)
from .sites import FURNITURE_LINES, site_for

_DOWNLOAD = re.compile(r"download(?: the)? pdf|print|share", re.I)
_DATE_LIKE = re.compile(r"(\d{1,2}\s+[A-Za-z]+\.?,?\s+\d{4}|[A-Za-z]+\.?\s+\d{1,2},?\s+\d{4}|\d{4}-\d{2}-\d{2}"
                        r"|\d{1,2}/\d{1,2}/\d{4})")
_COPYRIGHT_LINE = re.compile(r"copyright\s*(?:©|\(c\)).*", re.I)
_HEADING_END = re.compile(r"[.,;:!…\"”’)\]]$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "but", "by", "for", "from", "in", "into", "is", "of", "on", "or",
                "the", "to", "with", "vs", "via", "over", "under", "amid", "after", "before", "between", "not"}
_CONTROL_BYTES = bytes(range(9)) + bytes(range(14, 32))
_MARKERS = (SYNOPSIS, COMMENTARY, ABOUT, CATEGORIES, EDITOR)


def sniff(data: bytes, name: str) -> bool:
    if name.lower().endswith(".pagetext.txt"):
        return True
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] == b"<":
        return False
    return bool(re.search(rb"(?im)^[ \t]*synopsis[ \t]*:?[ \t]*\r?$", head)
                and re.search(rb"(?im)^[ \t]*commentary[ \t]*:?[ \t]*\r?$", head))


def decode(data: bytes, source: str, warnings: list[ArchiverWarning]) -> str:
    """The page's text: UTF-8 (BOM dropped); undecodable bytes replaced with W008; binary refused."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    sample = data[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or controls > len(sample) // 20:
        raise InputError(f"{source}: binary data, not the text of a web page", source=source,
                         hint="give the page saved as text (.pagetext.txt) or as HTML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        warnings.append(ArchiverWarning("W008", f"not valid UTF-8 (first bad byte at offset {exc.start}); "
                                        "undecodable bytes replaced with U+FFFD", source))
        return data.decode("utf-8", errors="replace")


def read(data: bytes, name: str) -> list[Draft]:
    source = PurePath(name).name
    warnings: list[ArchiverWarning] = []
    text = decode(data, source, warnings)
    lines = clean_text(text, keep_newlines=True).split("\n")
    return [Draft(read_lines(lines, source, warnings), warnings)]


def read_lines(lines: list[str], source: str, warnings: list[ArchiverWarning]) -> dict:
    starts = [i for i, line in enumerate(lines) if SYNOPSIS.fullmatch(line)]
    commentary = [i for i, line in enumerate(lines) if COMMENTARY.fullmatch(line)]
    if not starts and not commentary:
        raise InputError(f"{source}: not a commentary page: no SYNOPSIS or COMMENTARY heading", source=source,
                         hint="give the saved page of one commentary article (a listing or other page has none)")
    start = min(starts[:1] + commentary[:1])
    site = site_for("\n".join(lines))
    end = _article_end(lines, start)

    parts: dict = {}
    title_at = _title_line(lines, start, parts, site, source, warnings)
    head = lines[max(title_at - 6, 0) if title_at is not None else max(start - 8, 0):start]
    problems = []  # an unreadable date line is reported with whatever else the page lacks
    try:
        parts["published"] = published_date([line for line in head if _DATE_LIKE.fullmatch(line)], source)
    except RecordInvalid as error:
        problems = error.problems
    byline = [line for line in lines[(title_at + 1) if title_at is not None else start:start]
              if line and not _DATE_LIKE.fullmatch(line) and not _DOWNLOAD.fullmatch(line)
              and not EDITOR.fullmatch(line) and not line.startswith("•")]
    editor_note = _editor_note(lines, title_at if title_at is not None else start, end)
    if editor_note:
        parts["editor_note"] = editor_note[0]
        byline = [line for line in byline if line not in editor_note[1]]
    parts["authors"] = authors_from_byline(byline)

    abstract, body, notes, bio = _article(lines, start, end, editor_note[1] if editor_note else set(),
                                          source, warnings)
    if abstract:
        parts["abstract"] = "\n\n".join(abstract)
    if body:
        parts["body"] = {"blocks": body, **({"notes": notes} if notes else {})}
    if bio and parts["authors"]:
        attribute_bios(parts["authors"], bio, source, warnings)
    categories = [_split_categories(m[1]) for line in lines if (m := CATEGORIES.fullmatch(line))]
    parts["categories"] = max(categories, key=len, default=[])
    parts["copyright"] = next((line for line in lines[end:] if _COPYRIGHT_LINE.fullmatch(line)), None)
    return finish(parts, site, source, warnings, problems=problems)


def _article_end(lines: list[str], start: int) -> int:
    """Index after the last line of the first copy of the article: its categories line, the comment
    widget, footer furniture, or the start of the second (print) copy."""
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if CATEGORIES.fullmatch(line) or FURNITURE_LINES.fullmatch(line) or _COPYRIGHT_LINE.fullmatch(line) \
                or (SYNOPSIS.fullmatch(line) and i > start):
            return i
    return len(lines)


def _title_line(lines, start, parts, site, source, warnings) -> int | None:
    """Index of the "CO23081 | Title" line (the last before the article), filling identifier and title."""
    for i in range(start - 1, -1, -1):
        match = TITLE_LINE.fullmatch(lines[i])
        if match and (site is None or site.identifier.fullmatch(match[1])):
            parts["identifier"], parts["title"] = match[1], match[2].strip()
            return i
    # a page's text names its site's identifier only on the title line; a file name counts when it has
    # the site's identifier form (CO23081.pagetext.txt), never otherwise ("page.txt" is no identifier)
    stem = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}?(?=\.|$)", PurePath(source).name)
    parts["identifiers"] = {"source": None, "file": stem[0] if stem and site and site.identifier.fullmatch(stem[0])
                            else None}
    parts["identifier_hint"] = "add the 'CO23081 | Title' line, or name the file after the identifier " \
                               "(CO23081.pagetext.txt)"
    return None


def _editor_note(lines, first, end) -> tuple[str, set[str]] | None:
    """The editor's note text and the lines it used, wherever it stands in the article."""
    for i in range(first, end):
        match = EDITOR.fullmatch(lines[i])
        if not match:
            continue
        used = {lines[i]}
        text = match[1]
        if not text:
            j = i + 1
            while j < end and not lines[j]:
                j += 1
            paragraph = []
            while j < end and lines[j] and not any(m.fullmatch(lines[j]) for m in _MARKERS):
                paragraph.append(lines[j])
                j += 1
            used.update(paragraph)
            text = " ".join(paragraph)
        return (text, used) if text else None
    return None


def _groups(lines: list[str], start: int, end: int) -> list[list[str]]:
    """Blank-line separated groups of lines; a marker line is always a group of its own."""
    groups: list[list[str]] = []
    current: list[str] = []
    for line in lines[start:end]:
        if not line or any(m.fullmatch(line) for m in _MARKERS) or NOTES_HEADING.fullmatch(line):
            if current:
                groups.append(current)
            current = []
            if line:
                groups.append([line])
        else:
            current.append(line)
    if current:
        groups.append(current)
    return groups


def looks_like_heading(text: str) -> bool:
    """A section heading: short, no closing punctuation (a question mark allowed), title case."""
    words = text.split()
    if not 1 <= len(words) <= 14 or len(text) > 120 or _HEADING_END.search(text):
        return False
    significant = [w for w in words[1:] if w.lower().strip("“‘(") not in _SMALL_WORDS]
    capitalised = [w for w in significant if not w[:1].isalpha() or w[:1].isupper()]
    return words[0][:1].isupper() or words[0][:1].isdigit() if not significant else \
        len(capitalised) >= 0.75 * len(significant) and (words[0][:1].isupper() or words[0][:1].isdigit())


def _article(lines, start, end, skip: set[str], source, warnings):
    """(abstract paragraphs, body sections, notes, bio paragraphs) of one copy of the article."""
    abstract: list[str] = []
    bio: list[str] = []
    sections: list[dict] = [{"type": "section", "title": [], "blocks": []}]
    notes: list[dict] = []
    figures = 0
    state = "synopsis"
    for group in _groups(lines, start, end):
        first = group[0]
        if len(group) == 1 and first in skip or EDITOR.fullmatch(first) or all(line in skip for line in group):
            continue
        if (match := SYNOPSIS.fullmatch(first)) and len(group) == 1:
            state = "synopsis"
            if match[1]:
                abstract.append(match[1])
            continue
        if (match := COMMENTARY.fullmatch(first)) and len(group) == 1:
            state = "body"
            if match[1]:
                sections[-1]["blocks"].append(_paragraph(match[1]))
            continue
        if ABOUT.fullmatch(first):
            state = "about"
            continue
        if len(group) >= 2 and (credit := CREDIT.fullmatch(group[-1])) and state in ("synopsis", "body"):
            figures += 1
            figure = {"type": "figure", "id": f"fig{figures}", "caption": [" ".join(group[:-1])],
                      "credit": credit[1].strip()}
            sections[-1]["blocks"].append(figure)
            warnings.append(ArchiverWarning("W003", f"figure {figures}: the page text has no image; caption and "
                                            "credit kept", source, f"/body/blocks/{len(sections) - 1}/blocks/"
                                            f"{len(sections[-1]['blocks']) - 1}"))
            continue
        paragraph = " ".join(group)
        if state == "synopsis":
            abstract.append(paragraph)
        elif state == "about":
            bio.append(paragraph)
        elif state in ("body", "notes") and (note := NOTE_LINE.fullmatch(paragraph)):
            state = "notes"
            number = len(notes) + 1
            label = note[1].lower() if note[1].isalpha() else note[1]
            notes.append({"id": f"n{number}", **({"label": label} if label != str(number) else {}),
                          "blocks": [_paragraph(note[2] or note[0])]})
        elif NOTES_HEADING.fullmatch(paragraph):
            state = "notes"
        elif state == "notes" and notes:
            notes[-1]["blocks"].append(_paragraph(paragraph))
        elif len(group) == 1 and looks_like_heading(paragraph):
            sections.append({"type": "section", "title": [paragraph], "blocks": []})
        else:
            sections[-1]["blocks"].append(_paragraph(paragraph))
    labels = {note.get("label", note["id"][1:]): note["id"] for note in notes}
    body = [section for section in sections if section["title"] or section["blocks"]]
    for s_index, section in enumerate(body, start=1):
        section["id"] = f"s{s_index}"
        section_pointer = f"/body/blocks/{s_index - 1}"
        for b_index, block in enumerate(section["blocks"]):
            if block["type"] == "paragraph":
                block["content"] = note_inlines(block["content"][0], labels, source,
                                                f"{section_pointer}/blocks/{b_index}", warnings)
    body = [{"type": "section", "id": s["id"], "title": s["title"], "blocks": s["blocks"]} for s in body]
    if not body and not abstract:
        raise InputError(f"{source}: the commentary has neither synopsis nor text", source=source,
                         hint="the page was saved before its text loaded; save it again")
    return abstract, body, notes, bio


def _paragraph(text: str) -> dict:
    return {"type": "paragraph", "content": [text]}


def _split_categories(text: str) -> list[str]:
    return [entry.strip() for entry in re.split(r"\s+/\s+|\s*;\s*", text) if entry.strip()]

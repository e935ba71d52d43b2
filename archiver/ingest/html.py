"""Reader for a saved HTML page of a commentary: issue 3, points 4 and 6.

Metadata comes from the page's own standards first, in this order: schema.org JSON-LD, Highwire
`citation_*` tags, Dublin Core `DC.*` meta, OpenGraph/`article:*` meta; the visible article fills what
they leave out. The article's content is the element the site rules name (`sites.py`), with the site's
furniture (share rows, comment widget) removed; on a site without rules, trafilatura extracts the
main content. Inline markup is kept: emphasis, strong, super/subscript, code, links, lists, quotes,
tables, figures with caption and credit, and endnotes ([1] / [i] markers linked both ways).

Parsing is safe for hostile pages: lxml's HTML parser with no network, no huge trees, comments and
processing instructions dropped; no DTD is loaded and no entity beyond HTML's own is expanded.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from pathlib import PurePath, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin

from ..errors import ArchiverWarning, InputError, Problem, RecordInvalid
from ..normalize import clean_text, parse_date, split_authors, split_name
from . import Draft, Neighbour, image_type, markup_kind
from .article import (ABOUT, CAPTION_CREDIT, CATEGORIES, COMMENTARY, EDITOR, MARKER_TEXT, NOTE_LINE, NOTE_MARKER,
                      NOTES_HEADING, SYNOPSIS, TITLE_LINE, attribute_bios, finish, note_inlines)
from .pagetext import decode, looks_like_heading
from .sites import Site, site_for

_ARTICLE_TYPES = {"article", "newsarticle", "scholarlyarticle", "report", "blogposting", "opinionnewsarticle",
                  "analysisnewsarticle", "techarticle", "creativework"}
# Not <form>: some sites (ASP.NET) wrap the whole page in one; its controls are dropped instead.
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "object", "embed", "button",
              "input", "select", "textarea", "svg", "canvas", "nav")
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "figure", "table", "pre",
               "hr", "dl", "img"}
_CONTAINERS = {"div", "section", "article", "main", "header", "footer", "aside", "span", "center", "font", "li"}
_STYLED = {"em": "emphasis", "i": "emphasis", "cite": "emphasis", "dfn": "emphasis", "var": "emphasis",
           "strong": "strong", "b": "strong", "sup": "superscript", "sub": "subscript"}
_GENERIC_CONTENT = ("//*[@itemprop='articleBody']", "//article//*[contains(concat(' ', normalize-space(@class), ' '),"
                    " ' entry-content ')]")


def sniff(data: bytes, name: str) -> bool:
    return name.lower().endswith((".html", ".htm", ".xhtml")) or markup_kind(data) == "html"


#: a saved page's images come from the files saved beside it ("Web Page, complete") or from the page
#: itself (data: URIs, as SingleFile saves them)
USES_NEIGHBOURS = True


def read(data: bytes, name: str, neighbour: Neighbour | None = None) -> list[Draft]:
    source = PurePath(name).name
    warnings: list[ArchiverWarning] = []
    text = decode(data, source, warnings)
    document = _parse(text, source)
    meta = _Meta(document)
    site = site_for(text)
    parts = _metadata(meta, document, site, source, warnings)
    content = _content(document, text, site, parts.get("links", {}).get("source"), source, warnings)
    article = _Article(parts, site, source, warnings, base=parts.get("links", {}).get("source"),
                       neighbour=neighbour or (lambda relative: None))
    article.read(content)
    record = finish(parts, site, source, warnings)
    return [Draft(record, warnings, assets=article.place_images(record))]


def _saved_image(src: str, neighbour: Neighbour) -> tuple[bytes | None, str]:
    """The bytes of an image as the saved page holds it, or None and why not."""
    if src[:5].lower() == "data:":
        header, _, payload = src.partition(",")
        if not header.lower().endswith(";base64"):
            return None, "is an inline image that is not base64-encoded"
        try:
            return base64.b64decode(payload, validate=True), "is inline"
        except (binascii.Error, ValueError):
            return None, "is an inline image whose base64 data is damaged"
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//", src, re.I):
        return None, "is on the web, and archiver never fetches"
    relative = PurePosixPath(unquote(src.split("#", 1)[0].split("?", 1)[0]))
    if relative.is_absolute() or ".." in relative.parts:
        return None, "lies outside the page's folder"
    data = neighbour(str(relative))
    return data, "is not saved beside the page" if data is None else "is saved beside the page"


def _parse(text: str, source: str):
    from lxml import etree, html
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise InputError(f"{source}: the HTML file is empty", source=source, hint="save the page again")
    parser = html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True, remove_pis=True)
    try:
        document = html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise InputError(f"{source}: not readable as HTML ({exc})", source=source,
                         hint="give the page saved as 'Web page, HTML only'") from None
    return document


class _Meta:
    """The page's meta tags (name/property -> contents, in order) and its JSON-LD article object."""

    def __init__(self, document):
        self.tags: dict[str, list[str]] = {}
        for element in document.iter("meta"):
            key = (element.get("name") or element.get("property") or "").strip().lower()
            value = clean_text(element.get("content") or "")
            if key and value:
                self.tags.setdefault(key, []).append(value)
        self.ld: dict[str, Any] = {}
        for script in document.xpath("//script[@type='application/ld+json']"):
            try:
                found = _ld_article(json.loads(script.text or ""))
            except (ValueError, RecursionError):
                continue
            if found:
                self.ld = found
                break

    def first(self, *keys: str) -> str | None:
        return next((self.tags[key][0] for key in keys if key in self.tags), None)

    def all(self, *keys: str) -> list[str]:
        return next((self.tags[key] for key in keys if key in self.tags), [])


def _ld_article(data: Any, depth: int = 0) -> dict | None:
    if depth > 8:
        return None
    if isinstance(data, list):
        return next((found for item in data if (found := _ld_article(item, depth + 1))), None)
    if not isinstance(data, dict):
        return None
    types = data.get("@type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
        return data
    return _ld_article(data.get("@graph"), depth + 1)


def _ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return clean_text(value) if isinstance(value, str) and clean_text(value) else None


def _ld_names(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value] if value else []
    return [name for item in values if (name := _ld_text(item))]


def _metadata(meta: _Meta, document, site: Site | None, source: str, warnings) -> dict[str, Any]:
    ld = meta.ld
    parts: dict[str, Any] = {}
    heading = next((clean_text(h.text_content()) for h in document.xpath("//h1")), None)
    title = _ld_text(ld.get("headline")) or _ld_text(ld.get("name")) or meta.first("citation_title", "dc.title") \
        or meta.first("og:title") or heading
    identifier = _ld_text(ld.get("identifier")) or meta.first("citation_technical_report_number", "dc.identifier")
    for candidate in (title, heading):
        if candidate and (match := TITLE_LINE.fullmatch(candidate)):
            identifier = identifier or match[1]
            if candidate == title:
                title = match[2].strip()
    if identifier and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", identifier):
        identifier = None
    parts.update(identifier=identifier, title=title)

    names = _ld_names(ld.get("author"))
    authors: list[dict] = [split_name(name) for name in names]
    if not authors:
        for value in meta.all("citation_author", "dc.creator"):
            authors.extend(split_authors(value) if "," in value else [split_name(value)])
    if not authors:
        byline = document.xpath("//*[@rel='author'] | //*[contains(concat(' ', @class, ' '), ' author ')]")
        authors = [split_name(t) for element in byline[:1] if (t := clean_text(element.text_content()))]
    parts["authors"] = authors

    date_values = [_ld_text(ld.get("datePublished")), meta.first("citation_publication_date", "citation_date"),
                   meta.first("dc.date", "dc.date.issued", "dcterms.issued"), meta.first("article:published_time")]
    date_values += document.xpath("//time/@datetime") + [clean_text(t.text_content()) for t in document.iter("time")]
    unreadable: str | None = None
    for value in filter(None, date_values):
        try:
            parts["published"] = parse_date(value)[0]
            break
        except ValueError as exc:
            unreadable = unreadable or str(exc)
    if "published" not in parts and unreadable:
        raise RecordInvalid([Problem(unreadable, "/published", source,
                                     "correct the page's date (citation_publication_date or datePublished)")])
    modified = _ld_text(ld.get("dateModified")) or meta.first("article:modified_time")
    if modified:
        try:
            value = parse_date(modified)[0]
            if parts.get("published") and value > parts["published"]:
                parts["modified"] = value
        except ValueError:
            pass

    publisher = _ld_text(ld.get("publisher")) or meta.first("citation_technical_report_institution",
                                                              "citation_publisher", "dc.publisher")
    if publisher:
        parts["publisher"] = {"name": publisher}
        if site and site.publisher["name"] == publisher:
            parts["publisher"] = dict(site.publisher)
            warnings.append(ArchiverWarning("W001", f"publisher's place and parent from the {site.key} site rules",
                                            source, "/publisher"))
    language = _ld_text(ld.get("inLanguage")) or meta.first("citation_language", "dc.language") \
        or document.get("lang")
    if language and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", language.replace("_", "-")):
        parts["language"] = language.replace("_", "-")
    abstract = _ld_text(ld.get("abstract")) or meta.first("citation_abstract", "dc.description.abstract")
    if abstract:
        parts["abstract"] = abstract

    keywords = ld.get("keywords")
    categories = [clean_text(k) for k in (keywords if isinstance(keywords, list) else
                                          str(keywords).split(",") if keywords else []) if isinstance(k, str)]
    categories = [c for c in categories if c] or meta.all("citation_keywords") or \
        meta.all("dc.subject") + meta.all("dc.coverage") or meta.all("article:tag")
    parts["categories"] = categories or [t for element in document.xpath("//a[contains(@rel, 'tag')]")
                                         if (t := clean_text(element.text_content()))]
    parts["copyright"] = meta.first("dc.rights") or next(
        (t for element in document.xpath("//*[contains(text(), '©')]")
         if (t := clean_text(element.text_content())) and len(t) < 300 and "copyright" in t.lower()), None)

    links = {}
    url = _ld_text(ld.get("url")) or next(iter(document.xpath("//link[@rel='canonical']/@href")), None) \
        or meta.first("og:url")
    if url and re.fullmatch(r"https?://\S+", url):
        links["source"] = url
    pdf = meta.first("citation_pdf_url")
    if pdf and re.fullmatch(r"https?://\S+", pdf):
        links["pdf"] = pdf
    if links:
        parts["links"] = links
    return parts


def _content(document, text: str, site: Site | None, base: str | None, source: str, warnings):
    """The element holding the article's text, its furniture removed."""
    for element in document.xpath(" | ".join(f"//{tag}" for tag in _DROP_TAGS)):
        element.drop_tree()
    for expression in (site.html_content if site else ()) + _GENERIC_CONTENT:
        found = document.xpath(expression)
        if found:
            content = found[0]
            for furniture in (site.html_furniture if site else ()):
                for element in content.xpath(furniture):
                    warnings.append(ArchiverWarning("W006", "dropped page furniture: "
                                                    + clean_text(element.text_content())[:60], source))
                    element.drop_tree()
            return content
    return _extracted(text, base, source)


def _extracted(text: str, base: str | None, source: str):
    """The main content as trafilatura finds it, in its XML (which, unlike its HTML output, keeps
    ordered lists), renamed to the HTML elements the mapper reads."""
    import trafilatura
    from lxml import etree, html
    result = trafilatura.extract(text, url=base, output_format="xml", include_formatting=True,
                                 include_links=True, include_images=True, include_tables=True,
                                 include_comments=False, favor_precision=True)
    main = None
    if result:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
        main = etree.fromstring(result.encode("utf-8"), parser).find("main")
    if main is None or not len(main):
        raise InputError(f"{source}: no article text found in the page", source=source,
                         hint="give the saved page of one commentary (not a listing or home page)")
    for element in main.iter():
        rename = _TRAFILATURA_TAGS.get(element.tag)
        rend = element.get("rend") or ""
        if element.tag == "head":
            element.tag = rend if re.fullmatch(r"h[1-6]", rend) else "h2"
        elif element.tag == "hi":
            element.tag = _TRAFILATURA_STYLES.get(rend, "span")
        elif element.tag == "list":
            element.tag = "ol" if rend == "ol" else "ul"
        elif element.tag == "ref":
            element.tag = "a"
            element.set("href", element.get("target") or "")
        elif element.tag == "cell":
            element.tag = "th" if element.get("role") == "head" else "td"
        elif element.tag == "graphic":
            element.tag = "img"
        elif rename:
            element.tag = rename
    main.tag = "div"
    return html.fragment_fromstring(etree.tostring(main, encoding="unicode"),
                                    parser=html.HTMLParser(no_network=True, huge_tree=False))


#: trafilatura's XML vocabulary -> HTML elements (`head`, `hi`, `list`, `ref`, `cell` need attributes)
_TRAFILATURA_TAGS = {"item": "li", "quote": "blockquote", "row": "tr", "lb": "br", "code": "code", "p": "p",
                     "table": "table"}
_TRAFILATURA_STYLES = {"#i": "em", "#b": "strong", "#sup": "sup", "#sub": "sub", "#t": "code", "#u": "span"}


class _Article:
    """Walks the article's block elements in order, filling abstract, sections, notes and bios."""

    def __init__(self, parts: dict, site: Site | None, source: str, warnings: list, base: str | None,
                 neighbour: Neighbour):
        self.parts, self.site, self.source, self.warnings, self.base = parts, site, source, warnings, base
        self.neighbour = neighbour
        #: figure id -> (image bytes, file type), placed once the record's identifier is known
        self.images: dict[str, tuple[bytes, str]] = {}
        self.state = "body"
        self.abstract: list[str] = []
        self.bios: list[str] = []
        self.sections: list[dict] = [{"type": "section", "title": [], "blocks": []}]
        self.notes: list[dict] = []
        self.counters = {"fig": 0, "tab": 0}
        self.seen_labels: set[str] = set()  # note markers met in the text so far ([1], [i])
        self.resume = "body"

    def read(self, content) -> None:
        self.state = "body" if not _has_marker(content, SYNOPSIS) else "before"
        for element in _blocks(content):
            self.block(element)
        self.finish_body()

    def block(self, element) -> None:
        tag = element.tag
        text = clean_text(element.text_content())
        if tag in ("h1",) or (not text and tag not in ("figure", "img", "hr", "table")):
            return
        heading = tag in ("h2", "h3", "h4", "h5", "h6")
        if heading or (tag == "p" and _is_bold_line(element)):
            for pattern, state in ((SYNOPSIS, "synopsis"), (COMMENTARY, "body"), (ABOUT, "about"),
                                   (NOTES_HEADING, "notes")):
                if _bare_marker(pattern, text):
                    self.state = state
                    return
            if (match := EDITOR.fullmatch(text)) and not match[1]:
                self.resume, self.state = self.state, "editor"
                return
            if self.state in ("body", "notes") and (heading or looks_like_heading(text)):
                self.state = "body"
                self.sections.append({"type": "section", "title": _trim_heading(self.inlines(element)),
                                      "blocks": []})
                return
            if heading:
                return  # a heading outside the commentary's text (e.g. "Share this:")
        if self.state == "editor":
            self.parts["editor_note"], self.state = text, self.resume
            return
        if (match := EDITOR.match(text)) and tag == "p":
            if match[1]:
                self.parts["editor_note"] = clean_text(match[1])
            return
        if (match := CATEGORIES.match(text)) and tag == "p":
            self.parts["categories"] = self.parts.get("categories") or _split(match[1])
            return
        if self.state == "synopsis" and tag in ("figure", "img"):
            self.add(self.figure(element))
        elif self.state == "synopsis":
            self.abstract.append(text)
        elif self.state == "about":
            self.bios.append(text)
        elif self.state == "before":
            return
        elif tag == "p" and (start := NOTE_LINE.match(text)) and (
                self.state == "notes" or _starts_with_backlink(element) or start[1].lower() in self.seen_labels):
            self.note(element, text)
        elif self.state == "notes" and self.notes and tag in ("p", "ul", "ol"):
            self.notes[-1]["blocks"].extend(self.blocks_of(element))
        else:
            self.state = "body" if self.state == "notes" else self.state
            self.seen_labels.update(label.lower() for label in NOTE_MARKER.findall(text))
            self.add_all(self.blocks_of(element))

    def add(self, block: dict | None) -> None:
        if block:
            self.sections[-1]["blocks"].append(block)

    def add_all(self, blocks: list[dict]) -> None:
        for block in blocks:
            self.add(block)

    def note(self, element, text: str) -> None:
        label = NOTE_LINE.match(text)[1].lower()
        inlines = self.inlines(element)
        while inlines and (isinstance(inlines[0], dict) and inlines[0].get("type") == "pending_note"
                           or isinstance(inlines[0], str) and not inlines[0].strip()):
            inlines.pop(0)
        if inlines and isinstance(inlines[0], str) and (match := NOTE_LINE.match(inlines[0])):
            inlines[0] = match[2]
        number = len(self.notes) + 1
        content = _trim(inlines) or [text]
        self.notes.append({"id": f"n{number}", **({"label": label} if label != str(number) else {}),
                           "blocks": [{"type": "paragraph", "content": content}]})
        self.state = "notes"

    # Blocks -----------------------------------------------------------------------------------------

    def blocks_of(self, element) -> list[dict]:
        tag = element.tag
        if tag in ("ul", "ol"):
            items = [self.item_blocks(li) for li in element if li.tag == "li"]
            items = [item for item in items if item]
            return [{"type": "list", "ordered": tag == "ol", "items": items}] if items else []
        if tag == "blockquote":
            inner = [b for child in _blocks(element) for b in self.blocks_of(child)] \
                if any(child.tag in _BLOCK_TAGS for child in element) else self.paragraphs(element)
            return [{"type": "quote", "blocks": inner}] if inner else []
        if tag in ("figure", "img"):
            figure = self.figure(element)
            return [figure] if figure else []
        if tag == "table":
            table = self.table(element)
            return [table] if table else []
        if tag == "pre":
            text = (element.text_content() or "").strip("\n")
            return [{"type": "paragraph", "content": [{"type": "code", "text": text}]}] if text.strip() else []
        if tag in ("hr", "dl") and not clean_text(element.text_content()):
            return []
        return self.paragraphs(element)

    def paragraphs(self, element) -> list[dict]:
        content = _trim(self.inlines(element))
        return [{"type": "paragraph", "content": content}] if content else []

    def item_blocks(self, li) -> list[dict]:
        if not any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in li):
            return self.paragraphs(li)
        blocks: list[dict] = []
        run = _fragment(li.text)
        for child in li:
            if isinstance(child.tag, str) and child.tag in _BLOCK_TAGS:
                blocks.extend(self.paragraphs(run))
                blocks.extend(self.blocks_of(child))
                run = _fragment(child.tail)
            else:
                run.append(_copy(child))
                run.extend(_fragment(child.tail))
        blocks.extend(self.paragraphs(run))
        return blocks

    def figure(self, element) -> dict | None:
        images = [element] if element.tag == "img" else element.xpath(".//img")
        caption_element = next(iter(element.xpath(".//figcaption")), None)
        caption = clean_text(caption_element.text_content()) if caption_element is not None else ""
        alt = clean_text(images[0].get("alt") or "") if images else ""
        credit = None
        if match := CAPTION_CREDIT.fullmatch(caption):
            caption, credit = clean_text(match[1]), clean_text(match[2])
        caption = caption or alt
        if not caption:
            self.warnings.append(ArchiverWarning("W002", "an image without caption or alt text was left out",
                                                 self.source))
            return None
        self.counters["fig"] += 1
        figure = {"type": "figure", "id": f"fig{self.counters['fig']}", "caption": [caption]}
        if credit:
            figure["credit"] = credit
        if alt:
            figure["alt"] = alt
        src = (images[0].get("src") or "").strip() if images else ""
        data, why = _saved_image(src, self.neighbour) if src else (None, "is not in the page")
        kind = image_type(data) if data is not None else None
        if data is not None and kind is None:
            why = f"{why} but is not a PNG or JPEG file"
        if kind is None:
            shown = src if len(src) <= 120 else src[:117] + "..."
            self.warnings.append(ArchiverWarning("W003", f"figure {self.counters['fig']}: image {shown or '(none)'} "
                                                 f"{why}; caption and credit kept", self.source))
        else:
            self.images[figure["id"]] = (data, kind)
        return figure

    def place_images(self, record: dict) -> dict[str, bytes]:
        """Name each image found after the record (`images/<identifier>-<figure>.<type>`) and return
        the files to write beside it."""
        assets: dict[str, bytes] = {}

        def visit(blocks: list) -> None:
            for block in blocks:
                if block.get("type") == "figure" and block["id"] in self.images:
                    data, kind = self.images[block["id"]]
                    block["image"] = f"images/{record['identifier']}-{block['id']}.{kind}"
                    assets[block["image"]] = data
                visit(block.get("blocks", []))

        visit(record.get("body", {}).get("blocks", []))
        return assets

    def table(self, element) -> dict | None:
        head: list = []
        rows: list = []
        for tr in element.xpath(".//tr"):
            cells = [_trim(self.inlines(cell)) for cell in tr if cell.tag in ("td", "th")]
            if not cells:
                continue
            in_head = tr.getparent().tag == "thead" or (not rows and all(c.tag == "th" for c in tr
                                                                          if c.tag in ("td", "th")))
            (head if in_head else rows).append(cells)
        if not rows:
            rows, head = head, []
        if not rows:
            return None
        self.counters["tab"] += 1
        table = {"type": "table", "id": f"tab{self.counters['tab']}"}
        caption = next(iter(element.xpath(".//caption")), None)
        if caption is not None and (content := _trim(self.inlines(caption))):
            table["caption"] = content
        if head:
            table["head"] = head
        table["rows"] = rows
        return table

    # Inlines ----------------------------------------------------------------------------------------

    def inlines(self, element) -> list:
        """Inlines of an element's content, or of a run of nodes (strings and elements)."""
        out: list = [] if isinstance(element, list) else _fragment(element.text)
        for child in element:
            if isinstance(child, str):
                out.append(child)
                continue
            out.extend(self.inline(child))
            if child.tail:
                out.append(child.tail)
        return out

    def inline(self, child) -> list:
        tag = child.tag if isinstance(child.tag, str) else ""
        text = clean_text(child.text_content())
        if tag in ("sup", "a") and MARKER_TEXT.fullmatch(text) and (tag == "sup" or (child.get("href") or "")
                                                                        .startswith("#")):
            return [{"type": "pending_note", "label": MARKER_TEXT.fullmatch(text)[1].lower(), "text": text}]
        if tag in _STYLED:
            content = _trim_inner(self.inlines(child))
            return [{"type": _STYLED[tag], "content": content}] if content else []
        if tag in ("code", "kbd", "samp", "tt"):
            return [{"type": "code", "text": text}] if text else []
        if tag == "a":
            href = (child.get("href") or "").strip()
            url = urljoin(self.base, href) if self.base and href and not href.startswith("#") else href
            content = _trim_inner(self.inlines(child))
            if re.fullmatch(r"(https?://|mailto:)\S+", url) and content:
                return [{"type": "link", "url": url, "content": content}]
            return content
        if tag == "br":
            return [" "]
        if tag == "img":
            self.warnings.append(ArchiverWarning("W002", "an inline image was left out", self.source))
            return []
        return self.inlines(child)

    # Assembly ---------------------------------------------------------------------------------------

    def finish_body(self) -> None:
        parts, notes = self.parts, self.notes
        labels = {note.get("label", note["id"][1:]): note["id"] for note in notes}
        body = [s for s in self.sections if s["title"] or s["blocks"]]
        for index, section in enumerate(body, start=1):
            section["id"] = f"s{index}"
        for index, section in enumerate(body):
            section["blocks"] = self.resolve(section["blocks"], labels, f"/body/blocks/{index}/blocks")
            section["title"] = self.resolve_inlines(section["title"], labels, f"/body/blocks/{index}/title")
        for index, note in enumerate(notes):
            note["blocks"] = self.resolve(note["blocks"], {}, f"/body/notes/{index}/blocks")
        body = [{"type": "section", "id": s["id"], "title": s["title"], "blocks": s["blocks"]} for s in body]
        if body:
            parts["body"] = {"blocks": body, **({"notes": notes} if notes else {})}
        if self.abstract and not parts.get("abstract"):
            parts["abstract"] = "\n\n".join(self.abstract)
        if self.bios and parts.get("authors"):
            attribute_bios(parts["authors"], self.bios, self.source, self.warnings)

    def resolve(self, blocks: list, labels: dict, pointer: str) -> list:
        out = []
        for index, block in enumerate(blocks):
            here = f"{pointer}/{index}"
            if block["type"] == "paragraph":
                block["content"] = self.resolve_inlines(block["content"], labels, here + "/content")
                if not block["content"]:
                    continue
            elif block["type"] == "list":
                block["items"] = [self.resolve(item, labels, here) for item in block["items"]]
            elif block["type"] == "quote":
                block["blocks"] = self.resolve(block["blocks"], labels, here)
            elif block["type"] == "table":
                for row in (block.get("head") or []) + block["rows"]:
                    row[:] = [self.resolve_inlines(cell, labels, here) for cell in row]
            out.append(block)
        return out

    def resolve_inlines(self, inlines: list, labels: dict, pointer: str) -> list:
        out: list = []
        for node in inlines:
            if isinstance(node, dict) and node["type"] == "pending_note":
                if node["label"] in labels:
                    out.append({"type": "note_ref", "note": labels[node["label"]]})
                else:
                    self.warnings.append(ArchiverWarning("W007", f"marker {node['text']} has no note text; kept as "
                                                         "text", self.source, pointer))
                    out.append(node["text"])
            elif isinstance(node, dict) and "content" in node:
                content = self.resolve_inlines(node["content"], labels, pointer)
                if content:
                    out.append({**node, "content": content})
            elif isinstance(node, str) and labels:
                out.extend(note_inlines(node, labels, self.source, pointer, self.warnings))
            else:
                out.append(node)
        return _merge(out)


# Helpers ---------------------------------------------------------------------------------------------

def _blocks(element):
    """The block-level elements of a container, in document order, looking through wrappers."""
    if element.text and element.text.strip() and element.tag in _CONTAINERS - {"li"}:
        yield _wrap(element.text)
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag in _BLOCK_TAGS:
            yield child
        elif child.tag in _CONTAINERS and any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS
                                              for d in child.iterdescendants()):
            yield from _blocks(child)
        elif clean_text(child.text_content()):
            paragraph = _wrap("")
            paragraph.append(_copy(child))
            yield paragraph
        if child.tail and child.tail.strip() and element.tag in _CONTAINERS:
            yield _wrap(child.tail)


def _wrap(text: str):
    from lxml import html
    element = html.Element("p")
    element.text = text
    return element


def _copy(element):
    import copy
    clone = copy.deepcopy(element)
    clone.tail = None
    return clone


def _fragment(text: str | None) -> list:
    return [text] if text else []


def _bare_marker(pattern: re.Pattern, text: str) -> bool:
    """The text is the marker alone: a heading "Synopsis", not a paragraph "Synopsis: ..." (the page-text
    reader takes the latter too; in HTML such a paragraph is text)."""
    match = pattern.fullmatch(text)
    return bool(match) and not any(match.groups())


def _has_marker(content, pattern: re.Pattern) -> bool:
    return any(_bare_marker(pattern, clean_text(element.text_content()))
               for element in content.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "strong", "b"))


def _is_bold_line(element) -> bool:
    """A paragraph that is only bold text: how many sites set their headings."""
    children = [c for c in element if isinstance(c.tag, str)]
    return len(children) == 1 and children[0].tag in ("strong", "b") and not (element.text or "").strip() \
        and not (children[0].tail or "").strip()


def _starts_with_backlink(element) -> bool:
    first = next((c for c in element.iter() if c is not element and isinstance(c.tag, str)), None)
    return first is not None and first.tag in ("a", "sup") and not (element.text or "").strip() and \
        bool(MARKER_TEXT.fullmatch(clean_text(first.text_content())))


def _split(text: str) -> list[str]:
    return [clean_text(e) for e in re.split(r"\s+/\s+|\s*[;,]\s*", text) if clean_text(e)]


def _fold(text: str) -> str:
    """White space folded to single spaces; a space at either end kept (it separates inlines)."""
    core = clean_text(text)
    if not core:
        return " " if text else ""
    return (" " if text[:1].isspace() else "") + core + (" " if text[-1:].isspace() else "")


def _merge(inlines: list) -> list:
    out: list = []
    for node in inlines:
        if isinstance(node, str):
            node = _fold(node)
            if not node:
                continue
            if out and isinstance(out[-1], str):
                out[-1] = _fold(out[-1] + node)
                continue
        out.append(node)
    return out


def _trim_heading(inlines: list) -> list:
    """A heading's inlines: a heading set wholly in bold is a plain heading."""
    out = _trim(inlines)
    if len(out) == 1 and isinstance(out[0], dict) and out[0]["type"] == "strong":
        return _trim(out[0]["content"])
    return out


def _trim_inner(inlines: list) -> list:
    merged = _merge(inlines)
    return merged if any(not isinstance(n, str) or n.strip() for n in merged) else []


def _trim(inlines: list) -> list:
    """Inlines of one block: merged, without white space at either end."""
    out = _merge(inlines)
    while out and isinstance(out[0], str) and not out[0].strip():
        out.pop(0)
    while out and isinstance(out[-1], str) and not out[-1].strip():
        out.pop()
    if out and isinstance(out[0], str):
        out[0] = out[0].lstrip()
    if out and isinstance(out[-1], str):
        out[-1] = out[-1].rstrip()
    return out

"""Landing page writer: `index.html`, the commentary readable in a browser in the brand's look, and
the page search engines and reference managers read citation metadata from:

- Highwire Press `citation_*` meta tags (the tags Google Scholar's inclusion guidelines name: title,
  author with institution, publication date, PDF URL, technical report institution and number);
- Dublin Core `DC.*` meta tags (DCMI "Expressing Dublin Core metadata using HTML/XHTML meta and link
  elements"), the same elements as the oai_dc record;
- schema.org JSON-LD (`Report` with `reportNumber`, `isPartOf` the series, `citation` the references);
- schema 1.1's acknowledgements, author notes and reference list (DPUB-ARIA roles `doc-acknowledgments`,
  `doc-bibliography`), and `citation_reference` tags for the references;
- the "Cite as" line in Chicago, APA, Harvard and MLA (citeproc-py, from the crosswalk), and links to
  every other output of the record by its file name, and to the figure images.

The CSS is the brand's `styles/<brand>/html.css`, its colour placeholders filled (`Style.css`), inlined
so the page is one self-contained file. All record text is HTML-escaped; links keep only http(s) and
mailto URLs. Output links are relative, because the page lives in the record's output folder.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from ..citation import (CSL_STYLES, DEFAULT_STYLE, cite_as, date_parts, doi_url, full_title, keywords,
                        person_name, web_url)
from ..record import (Code, Figure, Link, ListBlock, NoteRef, Paragraph, Quote, Record, Reference, Section,
                      Styled, Table, long_date, plain_text)
from . import FORMATS, RenderContext

STYLE_LABELS = {"chicago": "Chicago (author-date)", "apa": "APA", "harvard": "Harvard", "mla": "MLA"}
_INLINE_TAGS = {"emphasis": "em", "strong": "strong", "superscript": "sup", "subscript": "sub"}
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _attr(value: str) -> str:
    return escape(value, quote=True)


class _Body:
    """The article body as HTML; note references become links to the numbered notes at the end."""

    def __init__(self, record: Record, context: RenderContext):
        self.context = context
        self.labels = record.note_labels()

    def inlines(self, content) -> str:
        out = []
        for node in content or []:
            if isinstance(node, str):
                out.append(escape(node, quote=False))
            elif isinstance(node, Styled):
                tag = _INLINE_TAGS[node.type]
                out.append(f"<{tag}>{self.inlines(node.content)}</{tag}>")
            elif isinstance(node, Link):
                text = self.inlines(node.content)
                out.append(f'<a href="{_attr(node.url)}">{text}</a>' if node.url.startswith(_SAFE_SCHEMES) else text)
            elif isinstance(node, Code):
                out.append(f"<code>{escape(node.text, quote=False)}</code>")
            elif isinstance(node, NoteRef):
                label = self.labels.get(node.note, "?")
                out.append(f'<sup class="note-ref"><a id="ref-{_attr(node.note)}" href="#note-{_attr(node.note)}" '
                           f'role="doc-noteref">{escape(label)}</a></sup>')
        return "".join(out)

    def blocks(self, blocks, depth: int = 2) -> str:
        return "\n".join(self.block(block, depth) for block in blocks)

    def block(self, node, depth: int) -> str:
        if isinstance(node, Section):
            heading = ""
            if node.title:
                level = min(depth, 6)
                heading = f"<h{level}>{self.inlines(node.title)}</h{level}>\n"
            ident = f' id="{_attr(node.id)}"' if node.id else ""
            return f"<section{ident}>\n{heading}{self.blocks(node.blocks, depth + 1)}\n</section>"
        if isinstance(node, Paragraph):
            return f"<p>{self.inlines(node.content)}</p>"
        if isinstance(node, ListBlock):
            tag = "ol" if node.ordered else "ul"
            items = "\n".join(f"<li>{self.blocks(item, depth)}</li>" for item in node.items)
            return f"<{tag}>\n{items}\n</{tag}>"
        if isinstance(node, Quote):
            attribution = (f'\n<footer class="attribution">— {self.inlines(node.attribution)}</footer>'
                           if node.attribution else "")
            return f"<blockquote>\n{self.blocks(node.blocks, depth)}{attribution}\n</blockquote>"
        if isinstance(node, Figure):
            return self.figure(node)
        if isinstance(node, Table):
            return self.table(node)
        raise TypeError(f"unknown block {type(node).__name__}")

    def figure(self, node: Figure) -> str:
        if node.image and node.image in self.context.assets:
            media = f'<img src="{_attr(node.image)}" alt="{_attr(node.alt or "")}">'
        else:
            media = '<p class="missing-image">(The image of this figure is not available.)</p>'
        credit = f'<span class="credit">{escape(node.credit)}</span>' if node.credit else ""
        return (f'<figure id="{_attr(node.id)}">\n{media}\n<figcaption>{self.inlines(node.caption)}'
                f"{' ' + credit if credit else ''}</figcaption>\n</figure>")

    def table(self, node: Table) -> str:
        def row(cells, tag):
            return "<tr>" + "".join(f"<{tag}>{self.inlines(cell)}</{tag}>" for cell in cells) + "</tr>"
        parts = [f'<table id="{_attr(node.id)}">']
        if node.caption:
            parts.append(f"<caption>{self.inlines(node.caption)}</caption>")
        if node.head:
            parts.append("<thead>" + "".join(row(r, "th") for r in node.head) + "</thead>")
        parts.append("<tbody>" + "".join(row(r, "td") for r in node.rows) + "</tbody>")
        parts.append("</table>")
        return "\n".join(parts)

    def notes(self, record: Record) -> str:
        if not (record.body and record.body.notes):
            return ""
        items = "\n".join(
            f'<li id="note-{_attr(note.id)}"><span class="note-label">{escape(self.labels[note.id])}.</span> '
            f'{self.blocks(note.blocks)} <a href="#ref-{_attr(note.id)}" role="doc-backlink">↩</a></li>'
            for note in record.body.notes)
        return f'<section class="notes" role="doc-endnotes">\n<h2>Notes</h2>\n<ol class="notes">\n{items}\n</ol>\n</section>'


def outputs(record: Record, context: RenderContext) -> list[tuple[str, str]]:
    """(file name, label) of every other output of the record: the registered formats, in registry
    order, without those the record cannot have (Crossref without a DOI), and the record itself."""
    found = []
    for fmt in FORMATS.values():
        if fmt.name == "html" or fmt.unmet(record, context.style):
            continue
        found.append((fmt.output_name(record), fmt.description))
    found.append((f"{record.identifier}.json", "The canonical record (JSON)"))
    return found


def pdf_url(record: Record) -> str | None:
    if record.links and record.links.pdf:
        return record.links.pdf
    return FORMATS["pdf"].output_name(record) if "pdf" in FORMATS else None


def highwire(record: Record) -> list[tuple[str, str]]:
    """Highwire Press meta tags, in the order Google Scholar expects (each author then its institution)."""
    tags = [("citation_title", full_title(record))]
    for author in record.authors:
        tags.append(("citation_author", person_name(author).inverted()))
        for affiliation in author.affiliations or []:
            tags.append(("citation_author_institution", affiliation.name))
        if author.orcid:
            tags.append(("citation_author_orcid", author.orcid))
    tags.append(("citation_publication_date", "/".join(f"{p:02d}" for p in date_parts(record.published))))
    tags.append(("citation_publisher", record.publisher.name))
    tags.append(("citation_technical_report_institution", record.publisher.name))
    if record.series and record.series.number:
        tags.append(("citation_technical_report_number", record.series.number))
    if record.series:
        tags.append(("citation_series_title", record.series.name))
    tags.append(("citation_language", record.language))
    if keywords(record):
        tags.append(("citation_keywords", "; ".join(keywords(record))))
    if record.links and record.links.doi:
        tags.append(("citation_doi", record.links.doi))
    if pdf_url(record):
        tags.append(("citation_pdf_url", pdf_url(record)))
    if web_url(record):
        tags.append(("citation_abstract_html_url", web_url(record)))
    tags += [("citation_reference", _highwire_reference(reference)) for reference in record.references or []]
    return tags


def _highwire_reference(reference: Reference) -> str:
    """One `citation_reference` value: `citation_*` name=value pairs separated by "; " (the form Google
    Scholar and OJS use); the printed citation stands in for a reference without structured parts."""
    pairs = [("citation_title", reference.title or plain_text(reference.citation))]
    pairs += [("citation_author", name.literal or ", ".join(filter(None, (name.family, name.given))))
              for name in reference.authors or []]
    for key, value in (("citation_journal_title", reference.container_title), ("citation_volume", reference.volume),
                       ("citation_issue", reference.issue), ("citation_publisher", reference.publisher),
                       ("citation_publication_date", reference.issued and reference.issued.replace("-", "/")),
                       ("citation_doi", reference.doi), ("citation_pages", reference.pages)):
        if value:
            pairs.append((key, value))
    # a ";" inside a value would end it early: it becomes a comma
    return "; ".join(f"{key}={' '.join(value.replace(';', ',').split())}" for key, value in pairs)


def json_ld(record: Record) -> dict[str, Any]:
    """schema.org `Report` (a CreativeWork with `reportNumber`) as JSON-LD."""
    def person(author):
        name = person_name(author)
        item: dict[str, Any] = {"@type": "Organization" if author.is_organization else "Person", "name": author.name}
        if name.family is not None:
            item["familyName"] = name.full_family
            if name.given:
                item["givenName"] = name.given
        if author.affiliations:
            item["affiliation"] = [{"@type": "Organization", "name": a.name} for a in author.affiliations]
        if author.orcid:
            item["identifier"] = author.orcid
        return item

    publisher: dict[str, Any] = {"@type": "Organization", "name": record.publisher.name}
    if record.publisher.parent:
        publisher["parentOrganization"] = {"@type": "Organization", "name": record.publisher.parent}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Report",
        "identifier": record.identifier,
        "name": full_title(record),
        "headline": record.title,
        "author": [person(a) for a in record.authors],
        "datePublished": record.published,
        "inLanguage": record.language,
        "publisher": publisher,
    }
    if record.modified:
        data["dateModified"] = record.modified
    if record.abstract:
        data["abstract"] = record.abstract
    if keywords(record):
        data["keywords"] = keywords(record)
    if record.series:
        series: dict[str, Any] = {"@type": "CreativeWorkSeries", "name": record.series.name}
        if record.series.issn:
            series["issn"] = record.series.issn
        data["isPartOf"] = series
        if record.series.number:
            data["reportNumber"] = record.series.number
    if web_url(record):
        data["url"] = web_url(record)
    if doi_url(record):
        data["sameAs"] = doi_url(record)
    if record.rights and record.rights.license:
        data["license"] = record.rights.license
    if pdf_url(record):
        data["encoding"] = {"@type": "MediaObject", "contentUrl": pdf_url(record), "encodingFormat": "application/pdf"}
    if record.references:
        data["citation"] = [_json_ld_reference(reference) for reference in record.references]
    return data


def _json_ld_reference(reference: Reference) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "CreativeWork", "description": plain_text(reference.citation)}
    if reference.title:
        item["name"] = reference.title
    if reference.doi_url():
        item["sameAs"] = reference.doi_url()
    if reference.url:
        item["url"] = reference.url
    return item


def render(record: Record, context: RenderContext) -> bytes:
    from .dublincore import elements

    body = _Body(record, context)
    head = ['<meta charset="utf-8">', '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(full_title(record))}</title>"]
    head += [f'<meta name="{name}" content="{_attr(" ".join(value.split()))}">' for name, value in highwire(record)]
    head.append('<link rel="schema.DC" href="http://purl.org/dc/elements/1.1/">')
    head += [f'<meta name="DC.{name}" content="{_attr(" ".join(value.split()))}"'
             + (f' lang="{_attr(lang)}"' if lang else "") + ">" for name, value, lang in elements(record)]
    if web_url(record):
        head.append(f'<link rel="canonical" href="{_attr(web_url(record))}">')
    # "<" escaped so no text in the data can close the script element
    ld = json.dumps(json_ld(record), ensure_ascii=False, indent=1).replace("<", "\\u003c")
    head.append(f'<script type="application/ld+json">\n{ld}\n</script>')
    head.append(f"<style>\n{context.style.css('html.css')}</style>")

    masthead = context.style.data.get("masthead") or context.style.label
    series = ""
    if record.series:
        series = escape(record.series.name + (f" {record.series.number}" if record.series.number else ""))
    byline = ", ".join(escape(a.name) for a in record.authors)
    main = [f'<header class="masthead"><p class="brand">{escape(masthead)}</p>'
            f'<p class="series">{series}</p></header>', "<article>",
            f'<h1>{escape(record.title)}</h1>']
    if record.subtitle:
        main.append(f'<p class="subtitle">{escape(record.subtitle)}</p>')
    main.append(f'<p class="byline">{byline}</p>')
    main.append(f'<p class="date"><time datetime="{_attr(record.published)}">{escape(long_date(record.published))}</time></p>')
    if record.editor_note:
        main.append(f'<p class="editor-note">{escape(record.editor_note)}</p>')
    if record.abstract:
        main.append(f'<section class="synopsis"><h2>Synopsis</h2><p>{escape(record.abstract)}</p></section>')
    if record.body:
        main.append(body.blocks(record.body.blocks))
    main.append(_acknowledgements(body, record))
    if record.body:
        main.append(body.notes(record))
    main.append(_references(body, record))
    main.append(_about(record))
    main.append(_author_notes(body, record))
    main.append("</article>")
    main.append(_cite(record))
    main.append(_downloads(record, context))
    if record.rights and (record.rights.statement or record.rights.license):
        rights = escape(record.rights.statement or "")
        if record.rights.license and record.rights.license.startswith(_SAFE_SCHEMES):
            rights += f' <a rel="license" href="{_attr(record.rights.license)}">Licence</a>'
        main.append(f'<footer class="rights"><p>{rights}</p></footer>')
    page = (f'<!DOCTYPE html>\n<html lang="{_attr(record.language)}">\n<head>\n' + "\n".join(head)
            + "\n</head>\n<body>\n" + "\n".join(part for part in main if part) + "\n</body>\n</html>\n")
    return page.encode("utf-8")


def _acknowledgements(body: _Body, record: Record) -> str:
    if not record.acknowledgements:
        return ""
    return (f'<section class="acknowledgements" role="doc-acknowledgments">\n<h2>Acknowledgements</h2>\n'
            f"{body.blocks(record.acknowledgements, 3)}\n</section>")


def _references(body: _Body, record: Record) -> str:
    """The reference list as printed; a DOI or URL the printed citation does not show follows it."""
    if not record.references:
        return ""
    items = []
    for reference in record.references:
        added = "".join(f' <a href="{_attr(url)}">{escape(url)}</a>' for url in reference.links_to_add())
        items.append(f'<li id="{_attr(reference.id)}">{body.inlines(reference.citation)}{added}</li>')
    return ('<section class="references" role="doc-bibliography">\n<h2>References</h2>\n<ul class="references">\n'
            + "\n".join(items) + "\n</ul>\n</section>")


def _author_notes(body: _Body, record: Record) -> str:
    """Author notes as printed (their text says what they are), each marked with its kind."""
    if not record.author_notes:
        return ""
    notes = "\n".join(f'<p class="author-note {_attr(note.kind)}">{body.inlines(note.content)}</p>'
                      for note in record.author_notes)
    return f'<section class="author-notes">\n<h2>Author notes</h2>\n{notes}\n</section>'


def _about(record: Record) -> str:
    bios = [f"<p>{escape(a.bio)}</p>" for a in record.authors if a.bio]
    if not bios:
        return ""
    return '<section class="about"><h2>About the Author' + ("s" if len(bios) > 1 else "") + "</h2>\n" \
        + "\n".join(bios) + "\n</section>"


def _cite(record: Record) -> str:
    default = f'<p class="cite-as" data-style="{DEFAULT_STYLE}">{cite_as(record, DEFAULT_STYLE, "html")}</p>'
    others = "\n".join(
        f'<dt>{STYLE_LABELS[style]}</dt><dd data-style="{style}">{cite_as(record, style, "html")}</dd>'
        for style in CSL_STYLES if style != DEFAULT_STYLE)
    return (f'<section class="cite"><h2>Cite as</h2>\n{default}\n'
            f"<details><summary>Other styles</summary><dl>\n{others}\n</dl></details>\n</section>")


def _downloads(record: Record, context: RenderContext) -> str:
    links = [f'<li><a href="{_attr(name)}">{escape(name)}</a> — {escape(label)}</li>'
             for name, label in outputs(record, context)]
    images = dict.fromkeys(f.image for f in record.figures() if f.image and f.image in context.assets)
    links += [f'<li><a href="{_attr(image)}">{escape(image)}</a> — Figure image</li>' for image in images]
    return '<section class="downloads"><h2>Downloads</h2>\n<ul>\n' + "\n".join(links) + "\n</ul>\n</section>"

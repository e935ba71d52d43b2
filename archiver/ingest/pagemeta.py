"""The metadata of a saved article page, from any site (issue 3 point 4; issue 14 points 2 and 3).

Read from the page's own standards first, in this order: schema.org JSON-LD (the article object,
found in arrays and `@graph`, its `author`/`creator`/`publisher` resolved through `@id`), Highwire
`citation_*` tags, Dublin Core `DC.*` meta, OpenGraph/`article:*` meta, `meta name=author`; then the
visible page (its byline, `<time>`, `<h1>`). Every value is cleaned as a record needs it: entities left
double-escaped in titles decoded, names without "By", degrees and job titles, organisations kept whole,
ISO 8601 date-times dated as their own zone has them. Problems are collected, never raised one by one.
"""

from __future__ import annotations

import html as entities
import json
import re
from typing import Any

from ..errors import ArchiverWarning, Problem
from ..normalize import author_from_name, clean_text, is_organisation, organisation, parse_date, split_authors
from .article import TITLE_LINE, most_precise_date
from .sites import Site

_ARTICLE_TYPES = {"article", "newsarticle", "scholarlyarticle", "report", "blogposting", "opinionnewsarticle",
                  "analysisnewsarticle", "reportagenewsarticle", "techarticle", "socialmediaposting",
                  "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting", "creativework", "webpage"}
_ORGANISATION_TYPES = {"organization", "newsmediaorganization", "corporation", "governmentorganization",
                       "educationalorganization", "researchorganization", "ngo", "collegeoruniversity"}
_DOI = re.compile(r"(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)", re.I)
_URL = re.compile(r"https?://\S+")
#: meta keys whose value may stand in a value= attribute
_VALUE_KEYS = ("article:", "og:", "dc.", "dcterms.", "citation_")
#: characters of a meta value read (a title or name is far shorter; a hostile page's megabyte is not read)
_MAX_META = 4000
#: how many JSON-LD objects a page may give before the rest are ignored (a hostile page's millions)
_MAX_LD_NODES = 2000


class Meta:
    """The page's meta tags (name/property -> contents, in order) and its JSON-LD objects."""

    def __init__(self, document):
        self.tags: dict[str, list[str]] = {}
        for element in document.iter("meta"):
            key = (element.get("name") or element.get("property") or element.get("itemprop") or "").strip().lower()
            # some CMSs write value= for content= (the Obama White House's article:published_time);
            # taken only for the standards' own keys: a Blogger template's <meta name=author value>
            # names the template's designer, not the post's author
            raw = element.get("content") or (element.get("value") if key.startswith(_VALUE_KEYS) else None)
            value = clean_text((raw or "")[:_MAX_META])
            if key and value:
                self.tags.setdefault(key, []).append(value)
        self.nodes: list[dict] = []
        for script in document.xpath("//script[@type='application/ld+json']"):
            try:
                _flatten(json.loads(script.text or ""), self.nodes, 0)
            except (ValueError, RecursionError):
                continue
        self.by_id = {node["@id"]: node for node in self.nodes if isinstance(node.get("@id"), str)}
        typed = [(node, _types(node)) for node in self.nodes]
        self.ld: dict[str, Any] = next((node for node, types in typed if types & (_ARTICLE_TYPES - {"webpage"})),
                                       next((node for node, types in typed if "webpage" in types), {}))

    def first(self, *keys: str) -> str | None:
        return next((self.tags[key][0] for key in keys if key in self.tags), None)

    def all(self, *keys: str) -> list[str]:
        return next((self.tags[key] for key in keys if key in self.tags), [])

    def resolve(self, value: Any) -> Any:
        """A JSON-LD reference ({"@id": ...} alone) replaced by the object it names."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value


def _flatten(data: Any, out: list[dict], depth: int) -> None:
    if depth > 8 or len(out) >= _MAX_LD_NODES:
        return
    if isinstance(data, list):
        for item in data:
            _flatten(item, out, depth + 1)
    elif isinstance(data, dict):
        out.append(data)
        _flatten(data.get("@graph"), out, depth + 1)


def _types(node: dict) -> set[str]:
    types = node.get("@type")
    types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return {t.lower() for t in types if isinstance(t, str)}


def decoded(text: str | None) -> str | None:
    """Text with the entities a page escaped twice ("&amp;#8217;" read as "&#8217;") decoded."""
    if not text:
        return None
    text = text[:_MAX_META]
    value = clean_text(entities.unescape(text) if "&" in text else text)
    return value or None


def ld_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("value")
    return decoded(value) if isinstance(value, str) else None


def metadata(meta: Meta, document, site: Site | None, source: str, warnings: list[ArchiverWarning],
             problems: list[Problem]) -> dict[str, Any]:
    """The record parts the page's metadata gives; problems found go to `problems`."""
    parts: dict[str, Any] = {}
    ld = meta.ld
    heading = _heading(document)
    titles = [decoded(t) for t in (ld_text(ld.get("headline")), meta.first("citation_title"), meta.first("dc.title"),
                                   meta.first("og:title"), meta.first("twitter:title"), ld_text(ld.get("name"))) if t]
    # the first title the page's own heading confirms (a JSON-LD headline may be a description; an
    # og:title may end with the site's name), else the first given, else the heading or <title>
    title = next((t for t in titles if heading and t.casefold() == heading.casefold()),
                 titles[0] if titles else heading or _page_title(document))
    identifier = _ld_identifier(ld.get("identifier")) or meta.first("citation_technical_report_number")
    dc_identifier = meta.first("dc.identifier")
    if not identifier and dc_identifier and not _DOI.fullmatch(dc_identifier) and not _URL.fullmatch(dc_identifier):
        identifier = dc_identifier
    for candidate in (title, heading):
        if candidate and (match := TITLE_LINE.fullmatch(candidate)):
            identifier = identifier or match[1]
            if candidate == title:
                title = match[2].strip()
    parts["title"] = title
    url = next((u for u in (ld_text(ld.get("url")), _main_entity(ld),
                            next(iter(document.xpath("//link[@rel='canonical']/@href")), None), meta.first("og:url"))
                if u and _URL.fullmatch(u.strip())), None)
    doi = next((m[1].rstrip(".") for value in (meta.first("citation_doi", "prism.doi", "dc.identifier.doi"),
                                               dc_identifier, _ld_identifier(ld.get("identifier")),
                                               ld_text(ld.get("sameAs")))
                if value and (m := _DOI.fullmatch(value.strip()))), None)
    parts["identifiers"] = {"source": identifier, "doi": doi, "canonical": url and url.split("#")[0], "file": source}

    parts["authors"] = authors(meta, document)
    _dates(meta, document, parts, source, problems)
    publisher = _publisher(meta, ld) or meta.first("citation_technical_report_institution", "citation_publisher",
                                                   "dc.publisher") or meta.first("og:site_name")
    if title and publisher and heading != title:  # "Headline – Site Name": the site's part is not the title
        title = re.sub(rf"\s+[|–—·-]\s+{re.escape(publisher)}$", "", title) or title
    parts["title"] = title
    if publisher:
        parts["publisher"] = {"name": publisher}
        if site and site.publisher["name"] == publisher:
            parts["publisher"] = dict(site.publisher)
            warnings.append(ArchiverWarning("W001", f"publisher's place and parent from the {site.key} site rules",
                                            source, "/publisher"))
    language = ld_text(ld.get("inLanguage")) or meta.first("citation_language", "dc.language", "og:locale") \
        or document.get("lang")
    if language and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*", language):
        parts["language"] = language.replace("_", "-")
    abstract = ld_text(ld.get("abstract")) or meta.first("citation_abstract", "dc.description.abstract")
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
    if url:
        links["source"] = url.strip().split("#")[0]  # "...#webpage": JSON-LD's node name, not the page's
    pdf = meta.first("citation_pdf_url")
    if pdf and _URL.fullmatch(pdf):
        links["pdf"] = pdf
    if doi and re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi):
        links["doi"] = doi
    if links:
        parts["links"] = links
    return parts


def _heading(document) -> str | None:
    """The article's visible title: its headline markup, an <h1> that is not the site's logo link (<a
    href="/">), else the first heading of its <article>."""
    for expression in ("//*[@itemprop='headline']", "//article//*[@itemprop='name']", "//article//h1", "//h1",
                       "//article//h2"):
        for element in document.xpath(expression)[:5]:
            if element.xpath("ancestor-or-self::a[@href='/'] | .//a[@href='/']"):
                continue
            if text := decoded(element.text_content()):
                return text
    return None


def _page_title(document) -> str | None:
    title = next((clean_text(t.text_content()[:_MAX_META]) for t in document.iter("title")), None)
    # "Headline | Site" or "Headline - Site": the site's part is not the title
    return re.split(r"\s+[|–—-]\s+(?=[^|–—-]+$)", title)[0] if title else None


def _main_entity(ld: dict) -> str | None:
    value = ld.get("mainEntityOfPage")
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    return value if isinstance(value, str) else None


def _ld_identifier(value: Any) -> str | None:
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("value") or value.get("@value") or value.get("name")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return clean_text(value) or None if isinstance(value, str) else None


def _publisher(meta: Meta, ld: dict) -> str | None:
    value = meta.resolve(ld.get("publisher"))
    if isinstance(value, list):
        value = meta.resolve(value[0]) if value else None
    return ld_text(value)


def authors(meta: Meta, document) -> list[dict]:
    """The byline: JSON-LD author, then creator; citation_author; DC.Creator; meta author; the
    visible byline: the first of these that names anyone."""
    ld = meta.ld
    for key in ("author", "creator"):
        found = _ld_people(meta, ld.get(key))
        if found:
            return found
    for key, inverted in (("citation_author", True), ("dc.creator", True), ("author", False),
                          ("article:author", False), ("parsely-author", False), ("sailthru.author", False)):
        values = [v for v in meta.all(key) if not _URL.fullmatch(v)]
        found = [a for value in values for a in _names(value, inverted)]
        if found:
            return _unique(found)
    for element in _marked(document, _BYLINE_MARKS):
        text = clean_text(" ".join(element.itertext()))  # spans apart: "Heiko Sauer" "Do 9 Apr 2020"
        if (date := DATE_IN_TEXT.search(text)) and date.start() > 0:
            text = re.sub(r"\s+(?:[A-Z][a-z]{1,2}\.?,?\s*)?$", "", text[:date.start()])
        if not text or len(text) > 200:
            continue
        marked_by = _BY_NAME.search(text)
        if marked_by:
            text = marked_by[1]
        elif not _AUTHOR_MARK.search(_marks(element)):
            continue  # an attribution or date line that names nobody "by" name
        found = _names(_BYLINE_END.split(text)[0], False)
        if found:
            return _unique(found)
    return []


#: a date line's own words taken for a byline ("Posted on", "Veröffentlicht am")
_NOT_A_NAME = re.compile(r"\s*(?:posted|published|veröffentlicht|geschrieben|erstellt|updated|aktualisiert)"
                         r"(?:\s+(?:on|am|by|von))?\s*:?\s*$", re.I)
#: class, id, itemprop or rel words that mark a page's byline and its date line
_BYLINE_MARKS = ("author", "byline", "attribution", "submitted", "posted")
_DATE_MARKS = ("date", "posted", "submitted", "attribution", "published", "dateline", "timestamp")
_AUTHOR_MARK = re.compile(r"author|byline")
_BY_NAME = re.compile(r"(?:^|\b)(?:posted|written|published|gespeichert|verfasst|geschrieben)?\s*(?:by|von)\s*(.+)",
                      re.I)
#: where a byline's name ends: " at 12:55", " on 3 May", " | ", " · ", " —", a final full stop
_BYLINE_END = re.compile(r"\s+(?:at|on|am|um|in)\s+(?=\d|[A-Z][a-z]+ \d)|\s*[|·•—–]\s*|\.\s*$|\s+-\s+")
_MONTH = r"(?:jan|j\u00e4n|feb|f\u00e9v|fev|mar|m\u00e4r|apr|avr|may|mai|jun|juin|jul|juil|aug|ao\u00fb|aou|sep|oct|okt|nov|dec|dez|d\u00e9c)\w*\.?"
#: a written date inside a line of text ("Posted on Tuesday 15 October 2019 at 09:11 by ...")
DATE_IN_TEXT = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\.?\s+{_MONTH},?\s+\d{{4}}\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?"
                          rf"\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.I)


#: a byline printed in the text: "by Danilo Dietsch", "Posted by ..." (no digits, no sentence)
_BYLINE_LINE = re.compile(r"(?:(?:posted|written|geschrieben|verfasst)\s+)?(?:by|von)\s+[^\d.!?:;]{2,60}", re.I)
_NUMERIC_DATE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}\b|\d{4}-\d{2}-\d{2}\b")


def is_dateline(text: str) -> bool:
    """A short line of the date and byline the page's metadata already gives ("Tuesday 15 October
    2019 by Bradley M. Kuhn", "31.01.2016 Hardware", "by Danilo Dietsch"): not body text."""
    words = text.split()
    if not words or len(words) > 12:
        return False
    if _BYLINE_LINE.fullmatch(text):
        return True
    date = DATE_IN_TEXT.search(text) or _NUMERIC_DATE.search(text)
    return bool(date) and (date.start() <= 15 or re.search(r"\b(?:by|von)\s+[A-Z]", text) is not None) \
        and not re.search(r"(?<![A-Z])[.!?]\s+\S", text)


def _marks(element) -> str:
    return " ".join(filter(None, (element.get(a) for a in ("class", "id", "itemprop", "rel")))).lower()


def _marked(document, words: tuple[str, ...], limit: int = 30) -> list:
    """Elements whose class, id, itemprop or rel holds one of `words`, in page order, outside
    comment threads (whose authors and dates are not the article's)."""
    condition = " or ".join(
        f"contains(translate(concat(@class, ' ', @id, ' ', @itemprop, ' ', @rel), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
        f"'abcdefghijklmnopqrstuvwxyz'), '{word}')" for word in words)
    found = document.xpath(f"//*[{condition}][not(ancestor-or-self::*[contains(translate(@class, 'COMENT', "
                           f"'coment'), 'comment')])]")
    return found[:limit]


def _visible_dates(document) -> list[str]:
    """The written dates of the page's date lines (class date, posted, submitted...), in page order."""
    out = []
    for element in _marked(document, _DATE_MARKS):
        text = clean_text(element.text_content())
        if text and len(text) <= 200 and (match := DATE_IN_TEXT.search(text)):
            out.append(match[0])
    return out


def _ld_people(meta: Meta, value: Any) -> list[dict]:
    values = value if isinstance(value, list) else [value] if value else []
    out = []
    for item in values[:100]:
        item = meta.resolve(item)
        if isinstance(item, dict):
            name = ld_text(item.get("name")) or " ".join(filter(None, (ld_text(item.get("givenName")),
                                                                       ld_text(item.get("familyName")))))
            if not name:
                continue
            if _types(item) & _ORGANISATION_TYPES:
                out.append(organisation(name))
            elif item.get("givenName") and item.get("familyName") and not is_organisation(name):
                out.append({"name": name, "given": ld_text(item["givenName"]), "family": ld_text(item["familyName"])})
            elif author := author_from_name(name):
                out.append(author)
        elif isinstance(item, str) and not _URL.fullmatch(item.strip()):
            out.extend(_names(item, False))
    return _unique(out)


def _names(text: str, inverted: bool) -> list[dict]:
    """The authors one byline string names ("By A and B", "A, B and C", "Family, Given"); an address
    ("name[at]site.net") names no one."""
    text = re.sub(r"\s*\((?:https?://|mailto:)[^)]*\)", "", decoded(text) or "")  # "Name (http://site/)"
    if "@" in text or "[at]" in text.lower() or _NOT_A_NAME.match(text):
        return []
    text = re.sub(r"^(?:written\s+)?by[:\s]\s*", "", text, flags=re.I)
    head, _, tail = text.partition(",")
    if inverted or (not re.search(r"\s(?:and|&)\s|;", text) and text.count(",") == 1 and not is_organisation(text)
                    and (len(head.split()) == 1 or not tail.strip()[:1].isupper() or " " not in tail.strip())):
        single = author_from_name(text, inverted=True)
        if single:
            return [single]
    if is_organisation(text) and not re.search(r"\s(?:and|&)\s|;", text):
        return [organisation(text)]
    try:
        pieces = [p["name"] for p in split_authors(text)]
    except ValueError:
        return []
    return [a for piece in pieces if (a := author_from_name(piece))]


def _unique(authors: list[dict]) -> list[dict]:
    seen: set[str] = set()
    return [a for a in authors if not (a["name"] in seen or seen.add(a["name"]))]


def _dates(meta: Meta, document, parts: dict, source: str, problems: list[Problem]) -> None:
    ld = meta.ld
    values = [ld_text(ld.get("datePublished")), meta.first("citation_publication_date", "citation_date"),
              meta.first("dc.date", "dc.date.issued", "dcterms.issued", "dcterms.created"),
              meta.first("article:published_time", "og:published_time", "pubdate", "publishdate", "date"),
              ld_text(ld.get("dateCreated"))]
    values += document.xpath("//time/@datetime | //*[@itemprop='datePublished']/@content")
    values += _visible_dates(document) + [clean_text(t.text_content()) for t in document.iter("time")]
    # As precise as the page says it: a page's dc.date "2019" beside its article:published_time
    # "2019-10-15" is dated the 15th.
    found, unreadable = most_precise_date(filter(None, values))
    if found:
        parts["published"] = found
    elif unreadable:
        problems.append(Problem(unreadable, "/published", source,
                                "correct the page's date (citation_publication_date or datePublished)"))
    modified = ld_text(ld.get("dateModified")) or meta.first("article:modified_time", "og:updated_time")
    if modified:
        try:
            value = parse_date(modified)[0]
            if parts.get("published") and value > parts["published"]:
                parts["modified"] = value
        except ValueError:
            pass

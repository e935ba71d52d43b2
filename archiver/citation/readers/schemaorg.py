"""schema.org JSON-LD (Article and its kinds) -> loose records.

The landing-page writer (`archiver/writers/html.py`) writes the other direction. Authors are
`Person` (name, givenName, familyName, an ORCID `@id` or `identifier`, `affiliation`) or
`Organization`; the series is `isPartOf` (a `Periodical`, `CreativeWorkSeries`, `Blog`...).
"""

from __future__ import annotations

from typing import Any

from . import Crosswalked, apply, date, doi, finish_identifier, issn, language, link, organisation, person, split_terms, text

#: the article types this reader takes (schema.org's Article and its descendants that carry text)
ARTICLE_TYPES = frozenset({
    "Article", "ScholarlyArticle", "Report", "NewsArticle", "OpinionNewsArticle", "AnalysisNewsArticle",
    "BackgroundNewsArticle", "ReportageNewsArticle", "ReviewNewsArticle", "BlogPosting", "SocialMediaPosting",
    "TechArticle", "MedicalScholarlyArticle", "AdvertiserContentArticle", "SatiricalArticle"})

IGNORED = frozenset({"@context", "@type", "image", "thumbnailUrl", "mainEntityOfPage", "wordCount",
                     "potentialAction", "speakable", "isAccessibleForFree", "dateCreated", "articleSection",
                     "encodingFormat", "sdPublisher", "sdDatePublished", "articleBody"})


def _types(item: dict) -> set[str]:
    kinds = item.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return {str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if k}


def is_article(item: Any) -> bool:
    if not isinstance(item, dict) or not (_types(item) & ARTICLE_TYPES):
        return False
    context = item.get("@context")
    return context is None or "schema.org" in str(context)


def _name(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return text(value.get("name")) if isinstance(value, dict) else text(value)


def authors(value: Any) -> list[dict]:
    out = []
    for author in value if isinstance(value, list) else [value]:
        if isinstance(author, str):
            found = {"name": text(author)} if text(author) else None
        elif isinstance(author, dict):
            affiliations = author.get("affiliation")
            affiliations = [_name(a) for a in (affiliations if isinstance(affiliations, list) else [affiliations])]
            identifier = author.get("@id") or author.get("identifier") or author.get("sameAs")
            if _types(author) & {"Organization", "Organisation", "ResearchOrganization", "NewsMediaOrganization"}:
                found = organisation(_name(author))
            else:
                found = person(given=author.get("givenName"), family=author.get("familyName"),
                               name=author.get("name"), orcid_id=text(identifier), affiliations=affiliations)
        else:
            found = None
        if found:
            out.append(found)
    return out


def series(value: Any) -> dict | None:
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict) and _name(value):
        out = {"name": _name(value)}
        if text(value.get("issn")):
            out["issn"] = issn(value["issn"])
        if text(value.get("url")):
            out["url"] = text(value["url"])
        return out
    return {"name": text(value)} if text(value) else None


def identifier(value: Any) -> dict | None:
    """`identifier` or `@id`: a DOI (as a URL, `doi:` or a PropertyValue) becomes the DOI link."""
    for candidate in value if isinstance(value, list) else [value]:
        if isinstance(candidate, dict):
            candidate = candidate.get("value") or candidate.get("@id")
        found = doi(candidate)
        if found:
            return {"doi": found}
    return None


def licence(value: Any) -> str | None:
    value = value[0] if isinstance(value, list) and value else value
    return text(value.get("url") or value.get("@id")) if isinstance(value, dict) else text(value)


#: schema.org property -> (record field, converter)
TABLE = {
    "headline": ("title", text),
    "name": ("_name", text),
    "alternativeHeadline": ("subtitle", text),
    "author": ("authors", authors),
    "creator": ("authors", authors),
    "datePublished": ("published", date),
    "dateModified": ("modified", date),
    "inLanguage": ("language", language),
    "publisher": ("publisher", lambda v: publisher(v)),
    "reportNumber": ("series.number", text),
    "encoding": ("links.pdf", lambda v: next((text(e.get("contentUrl")) for e in (v if isinstance(v, list) else [v])
                                             if isinstance(e, dict) and e.get("encodingFormat") == "application/pdf"
                                             and str(e.get("contentUrl", "")).startswith(("http://", "https://"))), None)),
    "sameAs": ("links", link),
    "isPartOf": ("series", series),
    "abstract": ("abstract", text),
    "description": ("abstract", text),
    "keywords": ("subjects", split_terms),
    "about": ("subjects", lambda v: [n for n in (_name(x) for x in (v if isinstance(v, list) else [v])) if n]),
    "contentLocation": ("coverage", lambda v: [n for n in (_name(x) for x in (v if isinstance(v, list) else [v])) if n]),
    "url": ("links", link),
    "@id": ("links", identifier),
    "identifier": ("links", identifier),
    "license": ("rights.license", licence),
    "copyrightHolder": ("rights.holder", _name),
    "copyrightYear": ("rights.year", text),
    "copyrightNotice": ("rights.statement", text),
}


def publisher(value: Any) -> dict | None:
    value = value[0] if isinstance(value, list) and value else value
    out = {"name": _name(value)}
    if isinstance(value, dict) and _name(value.get("parentOrganization")):
        out["parent"] = _name(value["parentOrganization"])
    return out if out["name"] else None


def crosswalk(item: dict[str, Any]) -> Crosswalked:
    result = apply(TABLE, item, IGNORED)
    loose = result.loose
    name, title = loose.pop("_name", None), loose.get("title")
    if name and not title:
        loose["title"] = name
    elif name and title and name.startswith(title + ": ") and "subtitle" not in loose:
        loose["subtitle"] = name[len(title) + 2:]  # archiver's landing page: name = title: subtitle
    own = item.get("identifier")
    return finish_identifier(result, own if isinstance(own, str) and not doi(own) else None)

"""Site rules for saved web pages (issue 3, points 2-4): what a publisher's site tells us that its
pages do not print, kept as data.

Each entry is keyed by the site and found by its markers (strings printed on every page of the site).
A value taken from here rather than read from the page is reported with warning W001 by the reader.
`regions` lists the site's region categories: a page's flat category list is split into regions
(record `coverage`) and topics (record `subjects`) with it. `series_categories` name the series and
are neither. `furniture` are lines/classes of the site's page furniture that end the article.

Below the site entries, the furniture every site may put inside its article text (issue 14, point 4),
also as data: box classes (`FURNITURE_CLASSES`) and block texts (`is_furniture`: share rows, newsletter
and consent boxes, "related" and "PDF version" lines, funders' disclaimers, donation appeals), each
pattern matched whole with at most one bounded tail, so no page can make them backtrack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    key: str
    markers: tuple[str, ...]
    identifier: re.Pattern          # groups: (two-digit year, sequence number)
    series: dict
    publisher: dict
    language: str
    rights_holder: str
    regions: frozenset[str]
    series_categories: frozenset[str]
    #: XPath expressions (HTML) selecting the article's content and the furniture inside it
    html_content: tuple[str, ...] = ()
    html_furniture: tuple[str, ...] = ()

    def series_for(self, identifier: str) -> dict | None:
        match = self.identifier.fullmatch(identifier)
        if not match:
            return None
        year, number = match.groups()
        return {"name": self.series["name"], "number": f"{number}/20{year}", "url": self.series["url"]}


SITES: tuple[Site, ...] = (
    Site(
        key="rsis",
        markers=("S. Rajaratnam School of International Studies", "rsis.edu.sg", "RSIS Commentary"),
        identifier=re.compile(r"CO(\d{2})(\d{3})"),
        series={"name": "RSIS Commentary", "url": "https://www.rsis.edu.sg/rsis-publication/rsis/"},
        publisher={"name": "S. Rajaratnam School of International Studies", "place": "Singapore",
                   "country_code": "SG", "parent": "Nanyang Technological University"},
        language="en",
        rights_holder="S. Rajaratnam School of International Studies",
        # The region terms of the RSIS "Country and Region Studies" category tree.
        regions=frozenset({
            "Global", "Central Asia", "East Asia and Asia Pacific", "South Asia", "Southeast Asia and ASEAN",
            "Middle East and North Africa (MENA)", "Europe", "North America", "Latin America",
            "Sub-Saharan Africa", "Africa", "Singapore", "Americas", "Russia and Eurasia",
        }),
        series_categories=frozenset({"RSIS Commentary Series", "RSIS Commentaries"}),
        html_content=("//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]",),
        html_furniture=(
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' sharedaddy ')]",
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' share-buttons ')]",
            ".//*[@id='disqus_thread']",
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' related-posts ')]",
            ".//*[contains(concat(' ', normalize-space(@class), ' '), ' download-pdf ')]",
        ),
    ),
)

#: Lines that end an article on any site: comment widgets, footers, sharing rows.
FURNITURE_LINES = re.compile(
    r"(comments powered by disqus|popular links|connect with us|share this( article)?:?|related (posts|articles)"
    r"|you may also like|subscribe to .*|help us improve|privacy statement.*|get in touch|back to top)", re.I)

#: Boxes any site puts inside its article text, by a word in their class or id (lower-cased)
FURNITURE_CLASSES = ("share", "social", "newsletter", "subscribe", "signup", "sign-up", "related", "promo",
                     "advert", "cookie", "consent", "donate", "breadcrumb", "comments", "pdf-download",
                     "download-pdf", "recommended", "read-more", "more-stories", "disclaimer")

#: Blocks any site puts inside its article text, by how their text starts (matched whole, one bounded
#: tail: linear): "PDF version" and download lines, share rows, "related" lines
_FURNITURE_STARTS = re.compile(
    r"(?:download(?: the| this)?(?: full)? (?:pdf|report|brief|paper|article)\b(?s:.{0,80})"
    r"|(?:view|read|get|open)(?: the| this)?(?: full)? pdf\b(?s:.{0,80})"
    r"|pdf(?: version| download)?\s*(?:[:(|-](?s:.{0,100}))?"
    r"|(?:share|share this(?: article| story| page)?|share on \w+|tweet|email|print|follow us)(?: on \w+)?\s*:?"
    r"|(?:related|related (?:content|articles?|posts?|stories|reading|topics?)|read more|more on this topic"
    r"|recommended(?: for you)?|you (?:may|might) also like|further reading)\s*(?::(?s:.{0,200}))?"
    r"|(?:jump|skip) to (?:main )?(?:navigation|search|content)(?:,? (?:jump|skip) to (?:navigation|search))?"
    r"|(?:posted|written|geschrieben|verfasst) (?:by|von) (?s:.{1,150})|more posts|ähnliche beiträge"
    r"|(?:diesen (?:beitrag|artikel) )?(?:teilen|drucken|weiterempfehlen|merken|twittern|tweeten|pinnen|mailen)\s*:?|über uns|about us|kontakt|contact(?: us)?"
    r"|impressum|datenschutz(?:erklärung)?|privacy policy|startseite|home"
    r"|(?:titelbild|titelfoto|beitragsbild|fotos?|bild|header image|cover (?:photo|image)|photo|image)\s*:\s*[^.!?]{1,150}"
    r"|(?:last )?(?:updated|aktualisiert)(?: on| am)?:? [\w.,:/ ]{4,40})", re.I)
#: ... and by what they say, each sign searched on its own (no pattern spans two unbounded runs):
#: newsletter boxes (both signs), consent boxes, the funders' disclaimers think tanks end their pages with
_NEWSLETTER = (re.compile(r"\bnewsletters?\b", re.I), re.compile(r"\b(?:sign up|subscribe|inbox)\b", re.I))
_FURNITURE_SIGNS = re.compile(
    r"\b(?:we|this (?:site|website)) uses? cookies\b|\bis a non-?profit organi[sz]ation (?:devoted to|based in)\b"
    r"|\bsupported by its donors\b|\bfinanced through the support of\b|\bfunders? (?:do|did) not\b"
    r"|\bare solely those of (?:its|the) authors?\b|\bis a (?:registered )?(?:service ?|trade ?)mark of\b"
    r"|\bfreuen uns\b.{0,60}\büber (?:eure |Ihre |deine )?spenden\b|\bplease consider (?:supporting|donating)\b"
    r"|\bsupport (?:our|this) (?:work|journalism|reporting)\b", re.I)
#: blocks longer than this (characters) are never furniture: article paragraphs may quote such words
FURNITURE_MAX = 600


def is_furniture(text: str) -> bool:
    """Whether a block of an article (its text, white space folded) is page furniture."""
    if not text or len(text) > FURNITURE_MAX:
        return False
    return bool(_FURNITURE_STARTS.fullmatch(text) or FURNITURE_LINES.fullmatch(text)
                or all(sign.search(text) for sign in _NEWSLETTER) or _FURNITURE_SIGNS.search(text))


#: Countries an affiliation may end with, and their ISO 3166-1 codes.
COUNTRIES: dict[str, str] = {
    "Singapore": "SG", "Malaysia": "MY", "Indonesia": "ID", "Thailand": "TH", "Philippines": "PH",
    "Viet Nam": "VN", "Vietnam": "VN", "Cambodia": "KH", "Laos": "LA", "Myanmar": "MM", "Brunei": "BN",
    "China": "CN", "Japan": "JP", "South Korea": "KR", "Korea": "KR", "Taiwan": "TW", "India": "IN",
    "Pakistan": "PK", "Bangladesh": "BD", "Sri Lanka": "LK", "Australia": "AU", "New Zealand": "NZ",
    "United States": "US", "USA": "US", "United Kingdom": "GB", "UK": "GB", "France": "FR",
    "Germany": "DE", "Netherlands": "NL", "Belgium": "BE", "Italy": "IT", "Spain": "ES", "Russia": "RU",
    "Kazakhstan": "KZ", "Uzbekistan": "UZ", "Canada": "CA", "Switzerland": "CH", "Sweden": "SE",
    "Norway": "NO", "Turkey": "TR", "Türkiye": "TR", "Hong Kong": "HK",
}


def site_for(text: str) -> Site | None:
    """The site whose markers the page carries, if any."""
    return next((site for site in SITES if any(marker in text for marker in site.markers)), None)

"""URLs from a record as the validators of the output formats take them (RFC 3986).

The record schema lets a link, licence or web address be any string without spaces; EPUBCheck
(RSC-005, RSC-020), the DataCite XSD (`xs:anyURI`) and harvesters reading Highwire tags each refuse a
string that is not a URL. `safe_url` percent-encodes what a URL cannot hold and says None when no URL
can be made of the string; `absolute_url` is the same for the http(s) addresses a harvester fetches.
"""

from __future__ import annotations

import re
from urllib.parse import quote

# Host of an http(s) URL as EPUBCheck's URL parser takes it: dot-separated labels of letters, digits
# and inner hyphens (IDN labels too), or an IPv6 literal; optional user info and port around it.
_URL_SAFE = "/:?#@!$&'()*+,;=%-._~"
_AUTHORITY = re.compile(r"(?:[\w.~!$&'()*+,;=%:-]*@)?"
                        r"(?:[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)*\.?|\[[0-9A-Fa-f:.]+\])"
                        r"(?::[0-9]*)?")


def safe_url(url: str) -> str | None:
    """`url` as a valid URL, or None if it has no host or mail address."""
    url = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", url)
    # A URL has one fragment: a "#" after the first is a character of it (RSC-020 otherwise).
    head, hash_, fragment = url.partition("#")
    url = head + hash_ + fragment.replace("#", "%23")
    scheme, slashes, rest = url.partition("://")
    if not slashes:  # mailto:, which needs an address before any query or fragment
        return quote(url, safe=_URL_SAFE) if re.match(r"mailto:[^?#]", url) else None
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return None
    authority, path = re.match(r"([^/?#]*)(.*)", rest, re.S).groups()
    if not _AUTHORITY.fullmatch(authority):
        return None
    # An empty port is the scheme's default (RFC 3986 6.2.3), but libxml2's xs:anyURI refuses it.
    authority = authority.removesuffix(":")
    # Brackets belong to an IPv6 host only; anywhere else they are escaped.
    return f"{scheme}://{quote(authority, safe=_URL_SAFE + '[]')}{quote(path, safe=_URL_SAFE)}"


def absolute_url(url: str | None) -> str | None:
    """`url` as an absolute http(s) URL (safe_url), or None: a relative path, another scheme or a
    string no URL can be made of is no address a harvester can fetch."""
    if not url or not re.match(r"https?://", url, re.I):
        return None
    return safe_url(url)

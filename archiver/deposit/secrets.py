"""Deposit credentials and the redaction of them from everything a server sends back.

Credentials come from ARCHIVER_SWORD_USER / ARCHIVER_SWORD_PASSWORD or the netrc file (NETRC or
~/.netrc) for the service host, and are sent only as HTTP Basic authentication (RFC 7617) to the
origin of the service document.

A server may echo what it was sent: in an XML parse error, a collection title, an error body, a
header. Every text that reaches a message passes through `Redactor.redact`, which replaces the
password in each form a server may give it back: as it is, URL-encoded (RFC 3986 and form
encoding), base64 (alone, and the `user:password` token of the Authorization header) and with its
runs of white space folded or changed. It replaces whole values only, never part of a longer word:
the password `sword` is hidden in `password sword` but not in `swordfish`; and a URL keeps the path
words it shares with the service document URL or the SWORD vocabulary (`…/sword/error/…`), which
the user typed or the protocol names and which hide nothing. URL userinfo (`//user:pw@`) is always
removed.
"""

from __future__ import annotations

import base64
import dataclasses
import netrc
import os
import re
import urllib.parse
from dataclasses import dataclass

MASK = "***"
#: URLs every SWORD server names (error and package IRIs): their path words are public vocabulary
PUBLIC_URLS = ("http://purl.org/net/sword/terms/", "http://purl.org/net/sword/error/",
               "http://purl.org/net/sword/package/", "http://www.w3.org/2005/Atom",
               "http://www.w3.org/2007/app")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"']+")
_USERINFO = re.compile(r"(?<=://)[^/\s@<>\"']*@")


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = dataclasses.field(repr=False)

    def token(self) -> str:
        return base64.b64encode(f"{self.user}:{self.password}".encode("utf-8")).decode("ascii")

    def header(self) -> str:
        return f"Basic {self.token()}"


def credentials_for(url: str, environ: dict[str, str] | None = None) -> Credentials | None:
    """From the environment, else from netrc (NETRC or ~/.netrc) for the URL's host; else none."""
    environ = os.environ if environ is None else environ
    user, password = environ.get("ARCHIVER_SWORD_USER"), environ.get("ARCHIVER_SWORD_PASSWORD")
    if user and password is not None:
        return Credentials(user, password)
    path = environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        return None
    if entry and entry[0] and entry[2] is not None:
        return Credentials(entry[0], entry[2])
    return None


def _host(url: str) -> str:
    try:
        return urllib.parse.urlsplit(url).netloc.lower()
    except ValueError:
        return ""


def _path_words(url: str) -> set[str]:
    return {w for w in re.split(r"[/.:;,]+", urllib.parse.urlsplit(url).path) if w}


class Redactor:
    """Replaces a secret's forms in text with `***` (see the module docstring for what counts)."""

    def __init__(self, credentials: Credentials | None, public_url: str = ""):
        #: host -> the path words of URLs on it that hide nothing
        self.public: dict[str, set[str]] = {}
        for url in (public_url, *PUBLIC_URLS):
            if url:
                self.public.setdefault(_host(url), set()).update(_path_words(url))
        self.patterns: list[re.Pattern] = []
        if credentials is None or not credentials.password.strip():
            return
        password = credentials.password
        forms = {password, urllib.parse.quote(password, safe=""), urllib.parse.quote(password),
                 urllib.parse.quote_plus(password)}
        b64 = {credentials.token(), base64.b64encode(password.encode("utf-8")).decode("ascii")}
        # White space inside the value matches any run of white space (a folded or re-wrapped echo);
        # its plain and URL-encoded forms in one pattern, so that an echo mixing them is one run.
        bodies = [r"\s+".join(re.escape(run) for run in form.split()) for form in sorted(forms, key=len, reverse=True)]
        self.patterns.append(re.compile(self._edges(password, "|".join(bodies), r"\w")))
        for form in sorted(b64, key=len, reverse=True):
            self.patterns.append(re.compile(self._edges(form, re.escape(form), r"[A-Za-z0-9+/=]")))

    @staticmethod
    def _edges(form: str, body: str, word: str) -> str:
        # A whole value: no word character glued to either end (when the value's end is one). A run
        # of the value repeated ("pwpw", an echo doubled) is the value too, not part of another word.
        stripped = form.strip()
        before = f"(?<!{word})" if re.match(word, stripped[:1]) else ""
        after = f"(?!{word})" if re.match(word, stripped[-1:]) else ""
        return f"{before}(?:{body})+{after}"

    def redact(self, text: str) -> str:
        if not text:
            return text
        pieces = re.split(f"({_URL.pattern})", text)
        return "".join(self._redact_url(piece) if index % 2 else self._redact(piece)
                       for index, piece in enumerate(pieces))

    def _redact_url(self, url: str) -> str:
        url = _USERINFO.sub(f"{MASK}@", url)
        # The path of a URL on the service's host or on SWORD's own keeps its public words: the user
        # typed them, or the protocol names them. The query and fragment get no such leave.
        split = re.search(r"[?#]", url)
        address, rest = (url[:split.start()], url[split.start():]) if split else (url, "")
        return self._redact(address, self.public.get(_host(address), set())) + self._redact(rest)

    def _redact(self, text: str, public: set[str] = frozenset()) -> str:
        def mask(match: re.Match) -> str:
            return match.group(0) if match.group(0) in public else MASK
        for pattern in self.patterns:
            text = pattern.sub(mask, text)
        return text

    def __call__(self, text: str) -> str:
        return self.redact(text)

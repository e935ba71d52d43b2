"""Normalisation of the loose values librarians have: dates in common forms, author strings, text.

Every reader uses these so that one rule decides, e.g., how "31/05/2023" or "Nguyễn Thị Minh" is read.
Functions raise `ValueError` with a message fit for a user when a value cannot be normalised; the
reader turns it into an error naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

MONTHS = {name: number for number, names in enumerate([
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for name in names}

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")
# White space is folded in two passes, each a scan the regex engine does fast (one character class; a
# literal prefix): every other space becomes an ASCII space, then runs of ASCII spaces become one. A
# single pattern for both ("[ ...]{2,}|[...]") tries at every space of the text and costs four times as much.
_OTHER_SPACES = re.compile(r"[\t\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile("  +")


def clean_text(text: str, keep_newlines: bool = False) -> str:
    """NFC, no control characters, runs of white space (non-breaking ones too) folded to one space,
    trimmed. Typographic quotes and dashes are kept as they are."""
    text = _FORBIDDEN.sub("", unicodedata.normalize("NFC", text)).replace("\r\n", "\n").replace("\r", "\n")
    if keep_newlines:
        # Folded over the whole text at once (neither pattern matches a newline), not line by line:
        # a page of several hundred lines costs two scans.
        return "\n".join(line.strip() for line in _fold_spaces(text).split("\n")).strip()
    return _fold_spaces(text.replace("\n", " ")).strip()


def _fold_spaces(text: str) -> str:
    return _SPACE_RUNS.sub(" ", _OTHER_SPACES.sub(" ", text))


def parse_date(text: str) -> tuple[str, bool]:
    """An ISO 8601 date from a common written form, as precise as the text ("May 2024" -> "2024-05",
    "2024" -> "2024": a missing day or month is never invented), and whether it is such a partial date.
    Numeric dates are read day first (31/05/2023) unless only month first makes sense (05/31/2023)."""
    raw = clean_text(str(text))
    value = raw.lower().replace(",", " ").replace(".", " ")
    value = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", value)
    # "31.05.2023" is a numeric date, not three words; a leading weekday ("Wednesday, 31 May") says nothing.
    value = re.sub(r"^(\d{1,2}) (\d{1,2}) (\d{4})$", r"\1/\2/\3", re.sub(r"\s+", " ", value).strip())
    value = re.sub(r"^(mon|tue|wed|thu|fri|sat|sun)[a-z]* ", "", value)
    completed = False
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME, value) or \
        re.fullmatch(r"(\d{4})/(\d{1,2})/(\d{1,2})", value)
    if match:
        year, month, day = (int(g) for g in match.groups()[:3])
        if not _real_time(match.groups()[3:] or (None,) * 5):  # "2023/05/31" has no time part
            raise ValueError(f"{raw!r} has a time of day that does not exist; write the date as YYYY-MM-DD")
    elif match := re.fullmatch(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})", value):
        first, second, year = (int(g) for g in match.groups())
        day, month = (second, first) if first <= 12 < second else (first, second)
    elif match := re.fullmatch(r"(\d{1,2}) ([a-z]+) (\d{4})", value):
        day, month, year = int(match[1]), _month(match[2], raw), int(match[3])
    elif match := re.fullmatch(r"([a-z]+) (\d{1,2}) (\d{4})", value):
        month, day, year = _month(match[1], raw), int(match[2]), int(match[3])
    elif match := re.fullmatch(r"([a-z]+) (\d{4})", value):
        month, day, year, completed = _month(match[1], raw), 1, int(match[2]), True
    elif match := re.fullmatch(r"(\d{4})[-/](\d{1,2})", value):  # "2024/05" is Highwire's form
        year, month, day, completed = int(match[1]), int(match[2]), 1, True
    elif match := re.fullmatch(r"(\d{4})", value):
        year, month, day, completed = int(match[1]), 0, 1, True
    else:
        raise ValueError(f"{raw!r} is not a date archiver can read; write it as YYYY-MM-DD")
    try:
        iso = date(year, month or 1, day).isoformat()
    except ValueError:
        raise ValueError(f"{raw!r} is not a real calendar date; write it as YYYY-MM-DD") from None
    if completed:  # the day (and the month) the text did not give are left out
        return (iso[:7] if month else iso[:4]), True
    return iso, False


# The time of a timestamp ("2023-05-31T10:00:00+08:00") is checked, then dropped: a record keeps dates.
_TIME = r"(?:[t ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:z|[+-](\d{2})(?::?(\d{2}))?)?)?"


def _real_time(parts: tuple) -> bool:
    hour, minute, second, offset_hours, offset_minutes = (int(p) if p else 0 for p in parts)
    return hour <= 23 and minute <= 59 and second <= 60 and offset_hours <= 14 and offset_minutes <= 59


def _month(name: str, raw: str) -> int:
    try:
        return MONTHS[name]
    except KeyError:
        raise ValueError(f"{raw!r}: {name!r} is not a month name; write the date as YYYY-MM-DD") from None


# Names ----------------------------------------------------------------------------------------------

PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten",
             "bin", "binti", "bte", "al", "el", "dos", "das", "do"}
VIETNAMESE_FAMILY = {"nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi",
                     "đỗ", "hồ", "ngô", "dương", "lý", "đinh", "trương", "lương", "mai", "trịnh"}
CJK_COMPOUND_FAMILY = {"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "司徒", "夏侯"}
HONORIFICS = {"dr", "prof", "professor", "mr", "mrs", "ms", "assoc", "asst", "ambassador", "amb"}
INSTITUTION_WORDS = re.compile(
    r"\b(university|universit\w*|institute|institut|school|college|centre|center|ministry|department|"
    r"foundation|council|programme|program|academy|rsis|ntu|nus|agency|office|government|bank|"
    r"commission|association|society|laboratory|lab|group|fellow|research|studies)\b", re.I)
_VIETNAMESE_FOLDED = {"nguyen", "tran", "pham", "hoang", "huynh", "phan", "dang", "bui", "ngo", "duong",
                      "truong", "trinh", "dinh", "luong"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")


def _fold(word: str) -> str:
    """A word without diacritics, lower-cased ("Nguyễn" -> "nguyen", "Đặng" -> "dang")."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def split_name(display: str) -> dict[str, str]:
    """Structured parts of a display name: always `name`; `given`, `family` and `name_order` when the
    split is clear. A single word (a mononym) gives only `name`."""
    name = clean_text(display)
    words = [w for w in name.split(" ") if w.rstrip(".").lower() not in HONORIFICS] or name.split(" ")
    if is_cjk(name) and " " not in name:
        family = name[:2] if name[:2] in CJK_COMPOUND_FAMILY else name[:1]
        if len(name) > len(family):
            return {"name": name, "given": name[len(family):], "family": family, "name_order": "family-first"}
        return {"name": name}
    if len(words) == 1:
        return {"name": name}
    # Without diacritics ("Nguyen Thi Minh") only a three-part name is read family first: "Minh Nguyen"
    # is the usual given-first English byline.
    if words[0].lower() in VIETNAMESE_FAMILY or (len(words) >= 3 and _fold(words[0]) in _VIETNAMESE_FOLDED):
        return {"name": name, "given": " ".join(words[1:]), "family": words[0], "name_order": "family-first"}
    first_particle = next((i for i, w in enumerate(words[1:], start=1) if w.lower() in PARTICLES
                           and i < len(words) - 1), None)
    if first_particle is not None:
        return {"name": name, "given": " ".join(words[:first_particle]), "family": " ".join(words[first_particle:])}
    return {"name": name, "given": " ".join(words[:-1]), "family": words[-1]}


def split_authors(text: str) -> list[dict]:
    """Authors from a byline string: "A, B and C", "A; B", "A & B", "Name, Affiliation",
    "Family, Given". Each author is a dict of the record's author fields."""
    line = clean_text(text)
    if not line:
        raise ValueError("the author string is empty; give at least one author's name")
    if ";" in line:
        return [_author_with_affiliation(part) for part in line.split(";") if part.strip()]
    parts = [p.strip() for p in re.split(r",|\s+and\s+|\s*&\s*", line) if p.strip()]
    if "," in line and not re.search(r"\s+and\s+|&", line):
        head, _, tail = line.partition(",")
        if INSTITUTION_WORDS.search(tail) or len(tail.split()) > 4:
            return [_author_with_affiliation(line)]
        if len(parts) == 2 and all(len(p.split()) == 1 for p in parts):
            family, given = parts
            return [{"name": f"{given} {family}", "given": given, "family": family}]
    return [split_name(part) for part in parts]


def _author_with_affiliation(text: str) -> dict:
    name, _, affiliation = clean_text(text).partition(",")
    author = split_name(name)
    if affiliation.strip():
        author["affiliations"] = [{"name": affiliation.strip()}]
    return author

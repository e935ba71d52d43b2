"""CSL names rendered the way citeproc-js, the CSL reference processor, renders them (CSL 1.0.2 spec,
"Name" and "Name-part Order"), in place of citeproc-py's `Name.process`.

citeproc-py differs from citeproc-js in four ways that show in every style with more than one name
script or an organisation as author; each is a rule of citeproc-js, ported here:

- **Scripts.** citeproc-js calls a name "romanesque" when its family name has a letter of Latin,
  Greek, Cyrillic, Hebrew, Arabic or Thai (`CSL.ROMANESQUE_REGEXP`). A name that is not (Chinese,
  Japanese, Korean, ...) prints family then given with no space and no initials ("李显龙"); a name
  marked `static-ordering`, or a romanesque name in an item whose language is Japanese or Chinese,
  prints family then given with a space, never inverted with a comma, with the style's initials
  ("Nguyễn T. M."). citeproc-py knows neither rule ("李, . 显龙 .").
- **Initials** (`CSL.Util.Names.initializeWith` / `doInitialize`): a word becomes an initial when it
  starts with a capital in `CSL.NAME_INITIAL_REGEXP` (Latin, Cyrillic, Greek capitals, and every Hebrew,
  Arabic and Thai letter, which have no case), so "محمد" is "م." as "Raffaello" is "R."; a word that
  starts in lower case ("bell") stays whole; a given name not starting in a romanesque letter is kept.
- **An organisation last** (a `literal` name): the final "and" follows the delimiter rule of
  `cs:institution`, which citeproc-js builds from the style's inheritable options and not from the
  `cs:name` element, so APA's `delimiter-precedes-last="always"` gives "Petrov, I., & Lee, K." but
  "Petrov, I. & World Health Organization" (`CSL.Node.institution`).
- **Serial comma**: `delimiter-precedes-last` "contextual" puts the delimiter before the final "and"
  only with three names or more, "always" with two as well, "never" not at all
  (`CSL.NameOutput._getAndJoin`).

One habit of citeproc-js comes with it, deliberately (tests/test_citeproc_reference.py holds the
reference's text): a lower-case given name keeps the space `doInitialize` puts before it in
initialising styles ("hooks,  bell"). One is not taken: citeproc-js treats scripts outside its
romanesque list (Devanagari, Georgian) like CJK, family and given run together ("शर्माअमित");
archiver spaces them as they are written ("शर्मा, अमित"), a named difference in that test.
"""

from __future__ import annotations

import re
from typing import Any

#: CSL.ROMANESQUE_REGEXP and CSL.STARTSWITH_ROMANESQUE_REGEXP of citeproc-js, plus Devanagari and
#: Georgian: citeproc-js leaves them out and runs family and given together as for CJK ("शर्माअमित"),
#: but Hindi and Georgian names are written given first with a space, like the romanesque ones (issue
#: 17: names in every script come out right). The one deliberate difference from the reference,
#: named in tests/test_citeproc_reference.py.
_SPACED_SCRIPTS = "\u0900-\u097f\u10a0-\u10ff"
_ROMANESQUE_CHARS = ("a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0370-\u03ff\u0400-\u052f\u0590-\u05d4\u05d6-\u05ff"
                     "\u1f00-\u1fff\u0600-\u06ff\u200c\u200d\u200e\u0218\u0219\u021a\u021b\u202a-\u202e"
                     + _SPACED_SCRIPTS)
ROMANESQUE = re.compile(f"[-0-9{_ROMANESQUE_CHARS}]")
_SPACED = re.compile(f"[{_SPACED_SCRIPTS}]")
STARTS_ROMANESQUE = re.compile(f"^[&{_ROMANESQUE_CHARS}]")
#: CSL.NAME_INITIAL_REGEXP: an initial letter, the rest of the word, a closing period.
NAME_INITIAL = re.compile(
    "^([A-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u042f\u0590-\u05d4\u05d6-\u05ff\u0600-\u06ff\u0370\u0372\u0376"
    "\u0386\u0388-\u03ab\u03e2\u03e4\u03e6\u03e8\u03ea\u03ec\u03ee\u03f4\u03f7\u03fd-\u03ff])"
    "([a-zA-Z\u0e01-\u0e5b\u00c0-\u017f\u0400-\u052f\u0600-\u06ff\u0370-\u03ff\u1f00-\u1fff]*|)(\\.)*")
#: Languages whose items print romanesque names family first (citeproc-js `_isRomanesque`).
FAMILY_FIRST_LANGUAGES = ("ja", "zh")


def romanesque(family: str, given: str | None, language: str | None) -> int:
    """0: not romanesque (family and given run together); 1: family first with a space; 2: the style's
    order. citeproc-js `CSL.NameOutput._isRomanesque`."""
    level = 2
    if not ROMANESQUE.search(family.replace('"', "")):
        level = 0
    if not level and given and STARTS_ROMANESQUE.match(given):
        level = 1
    if level == 2 and language and language[:2] in FAMILY_FIRST_LANGUAGES:
        level = 1
    return level


def initialize_with(given: str, terminator: str, hyphenate: bool = True, normalize_only: bool = False) -> str:
    """A given name as initials followed by `terminator` ("Jean-Paul", ". " -> "J.-P."): citeproc-js
    `CSL.Util.Names.initializeWith` and `doInitialize` for a terminator without "%s". With
    `normalize_only` (a name with initialize="false"), only initials already there are spaced with the
    terminator ("J.R.R." -> "J. R. R."), `doNormalize`."""
    if given in ("Lord", "Lady") or not STARTS_ROMANESQUE.match(given):
        return given
    name = given if hyphenate else given.replace("-", " ")
    name = re.sub(r"\s+", " ", re.sub(r"\s*-\s*", "-", name))
    name = re.sub(r"-([a-z])", "\u2013\\1", name)  # a hyphen before a lower-case word joins, not splits
    name = re.sub(r"\.(?=[^ ])", ". ", name)
    pieces = re.split(r"([-\s]+)", name)  # words at even positions, separators between them
    if len(pieces) == 1:
        tail = re.search(r"[^.]+$", pieces[0])
        if tail and len(tail.group(0)) == 1 and tail.group(0) != tail.group(0).lower():
            pieces[0] += "."
    if normalize_only:
        return re.sub("\u2013([a-z])", "-\\1", _normalize(pieces, terminator))
    for i in range(0, len(pieces), 2):
        word = pieces[i]
        if not word:
            continue
        match = NAME_INITIAL.match(word)
        if match and match.group(1)[0] == match.group(1)[0].upper():
            initial, rest = match.group(1), match.group(2)
            if rest and match.group(3):
                initial, rest = initial + rest, ""  # an abbreviation ("Wm.") is kept as it is
            capitals = ""
            for char in rest:  # a run of capitals after the initial ("THomas") is kept, lower-cased
                if char != char.upper():
                    break
                capitals += char
            pieces[i] = initial + (capitals.lower() if len(capitals) < len(rest) else "")
            if i < len(pieces) - 1:
                pieces[i + 1] = terminator + "-" if "-" in pieces[i + 1] else terminator
            else:
                pieces.append(terminator)
        elif _SPACED.search(word):
            pieces[i] = word  # a script without capitals has no initials: the word is kept whole
        elif ROMANESQUE.search(word) and not (match and match.group(3)):
            pieces[i] = " " + word
    return re.sub("\u2013([a-z])", "-\\1", _tidy("".join(pieces)))


_FAMILY_PARTICLE = re.compile("^([^ ]+(?:-|\u02bb|\u2019| |') *)(.+)$", re.S)
_GIVEN_PARTICLE = re.compile("^([^ ]+(?:\u02bb |\u2019 | |' ) *)(.+)$", re.S)


def _split_particles(value: str, trailing: bool) -> tuple[str, list[str]]:
    """Leading (family) or trailing (given) lower-case words split off a name field: citeproc-js
    `CSL.parseParticles` `splitParticles`, which it applies to every name it reads."""
    original = value
    pattern = _GIVEN_PARTICLE if trailing else _FAMILY_PARTICLE
    rest = value[::-1] if trailing else value
    particles: list[str] = []
    match = pattern.match(rest)
    while match:
        head = match.group(1)[::-1] if trailing else match.group(1)
        first = re.sub("^[-'\u02bb\u2019\\s]*(.).*$", "\\1", head, flags=re.S)
        if first.upper() == first:
            break
        if trailing:
            particles.append(original[-len(head):])
            original = original[:-len(head)]
        else:
            particles.append(original[:len(head)])
            original = original[len(head):]
        rest = match.group(2)
        match = pattern.match(rest)
    if trailing:
        particles.reverse()
        for i in range(1, len(particles)):
            if particles[i].startswith(" "):
                particles[i - 1] += " "
        particles = [p[1:] if p.startswith(" ") else p for p in particles]
        return original[:len(rest)], particles
    return original[len(original) - len(rest):], particles


def parse_particles(name: dict[str, Any]) -> dict[str, Any]:
    """A CSL name with the particles citeproc-js finds in it: "binti Tarudin" is family "Tarudin" with
    the non-dropping particle "binti", "Maria de la" given "Maria" with the dropping particle "de la"."""
    if "literal" in name or not name.get("family"):
        return name
    name = dict(name)
    family, found = _split_particles(name["family"], trailing=False)
    particle = "".join(found)
    if particle:
        kept = particle.strip()
        if particle.endswith(" ") and kept[-1:] in ("'", "\u2019"):
            kept += " "
        name["family"] = family
        name["non-dropping-particle"] = _join([name.get("non-dropping-particle"), kept], " ")
    if name.get("given"):
        given, found = _split_particles(name["given"], trailing=True)
        dropping = "".join(found).strip()
        if dropping:
            name["given"], name["dropping-particle"] = given, dropping
    return name


def _tidy(text: str) -> str:
    text = text.rstrip(" \t\n\x0b\x0c\r\ufeff\u00a0")
    return re.sub(r"[\t\n\x0b\x0c\r ]+", " ", re.sub(r"\s*-\s*", "-", text))


def _normalize(pieces: list[str], terminator: str) -> str:
    """citeproc-js `CSL.Util.Names.doNormalize`: abbreviations among the words (and separators) get the
    terminator, full words are left alone."""
    abbreviation = []
    for i, piece in enumerate(pieces):
        if len(piece) > 1 and piece.endswith("."):
            pieces[i] = re.sub(r"^(.*)\.(.*)$", r"\1\2", piece, flags=re.S)
            abbreviation.append(True)
        else:
            abbreviation.append(len(piece) == 1 and piece.upper() == piece)
    for i in range(0, len(pieces), 2):
        if not abbreviation[i]:
            continue
        if i < len(pieces) - 2:
            if not abbreviation[i + 2]:
                pieces[i + 1] += " "
            if len(pieces[i + 2]) > 1:
                pieces[i + 1] = terminator.rstrip("\ufeff") + pieces[i + 1]
            else:
                pieces[i + 1] = terminator
        if i == len(pieces) - 1:
            pieces[i] += terminator
    return _tidy("".join(pieces))


def _join(parts: list[str | None], separator: str) -> str:
    return separator.join(p for p in parts if p)


def _particle_join(particle: str | None, family: str) -> str:
    """A non-dropping particle and the family name: joined without a space after an apostrophe or a
    hyphen ("d'Alembert"), as citeproc-js `hasJoiningPunctuation` decides."""
    if particle and particle[-1] in "\u2019'- ":
        return particle + family
    return _join([particle, family], " ")


def person(name: Any, *, inverted: bool, initialize: str | None, normalize_only: bool, hyphenate: bool,
           demote: str, sort_separator: str, language: str | None, name_parts: Any) -> str:
    """One personal name in the long form (citeproc-js `_renderOnePersonalName`)."""
    given, family, dropping, particle, suffix = name.parts()
    family = family or ""
    if given and initialize is not None:
        given = initialize_with(str(given), initialize, hyphenate, normalize_only)
    given, family = name_parts(given, family)
    level = romanesque(family, given, language)
    if level == 0:
        return _join([particle, family, given], "")
    if level == 1 or name.get("static-ordering"):
        # citeproc-js joins the particle with a space here even after an apostrophe ("d’ Alembert").
        return _join([_join([particle, family], " "), given], " ")
    if inverted:
        if demote in ("never", "sort-only"):
            first, second = _particle_join(particle, family), _join([given, dropping], " ")
        else:
            first, second = family, _join([given, dropping, particle], " ")
        return _join([_join([first, second], sort_separator), suffix], sort_separator)
    return _join([_join([given, dropping, _particle_join(particle, family)], " "), suffix], " ")


def final_and(and_term: str | None, delimiter: str, count: int, precedes_last: str) -> str:
    """What stands before the last of `count` names: `CSL.Node.name` / `CSL.Node.institution`'s and-join."""
    if and_term is None:
        return delimiter
    single, multiple = " ", delimiter
    if precedes_last == "always":
        single = delimiter
    elif precedes_last == "never":
        multiple = " "
    return (single if count == 2 else multiple) + and_term + " "


def process(self: Any, item: Any, variable: str, context: Any = None, sort_options: Any = None,
            **kwargs: Any) -> Any:
    """citeproc-py's `Name.process` with citeproc-js's rules (module docstring). The options are read
    as citeproc-py reads them; et-al truncation and the `count` form are citeproc-py's."""
    def option(name: str) -> Any:
        return self.get_option(name, context, sort_options)

    names = item.reference.get(variable, [])
    form = option("form")
    et_al_min, et_al_use_first = option("et-al-min"), option("et-al-use-first")
    if form == "count":
        return min(len(names), et_al_use_first)
    delimiter = option("delimiter") or ", "
    truncate = len(names) > 1 and et_al_min and len(names) >= et_al_min
    use_last = option("et-al-use-last") and et_al_use_first <= et_al_min - 2
    if truncate:
        names = names[:et_al_use_first] + ([names[-1]] if use_last else [])

    and_ = option("and")
    and_term = (str(self.get_single_term(name="and")) if and_ == "text"
                else "&" if and_ == "symbol" else None)
    # initialize="false" still normalises the initials a given name has (citeproc-js `_givenName`).
    initialize = option("initialize-with")
    language = item.reference.get("language")
    language = str(language) if language else None

    def name_parts(given: Any, family: Any) -> tuple[Any, Any]:
        for part in self.findall("cs:name-part", self.nsmap):
            given, family = part.format_part(given, family)
        return given, family

    output = []
    for i, name in enumerate(names):
        if "literal" in name:
            output.append(name["literal"])
        elif form == "short":
            output.append(_join([name.get("non-dropping-particle"), name_parts(None, name.get("family"))[1]], " "))
        else:
            order = option("name-as-sort-order")
            output.append(person(
                name, inverted=order == "all" or (order == "first" and i == 0), initialize=initialize,
                normalize_only=self.get("initialize") == "false", hyphenate=bool(option("initialize-with-hyphen")), demote=option("demote-non-dropping-particle"),
                sort_separator=option("sort-separator"), language=language, name_parts=name_parts))

    if truncate and use_last:
        return self.join(output[:-1], delimiter) + delimiter + self.unicode_character("horizontal ellipsis") \
            + " " + output[-1]
    if truncate:
        et_al = self.et_al()
        if not et_al:
            return self.join(output, delimiter)
        precedes = option("delimiter-precedes-et-al")
        if precedes == "always" or (precedes == "contextual" and len(output) >= 2):
            return self.join(output, delimiter) + delimiter + et_al
        return self.join(output, delimiter) + " " + et_al
    if len(output) > 1:
        # The last name's kind picks the rule (an organisation follows cs:institution's, "contextual").
        last_is_organisation = "literal" in names[-1]
        precedes_last = "contextual" if last_is_organisation else option("delimiter-precedes-last")
        return self.join(output[:-1], delimiter) + final_and(and_term, delimiter, len(output), precedes_last) \
            + output[-1]
    return self.join(output, delimiter)


def install() -> None:
    """Replace citeproc-py's `Name.process` (process-wide, like the look-ups of `render`)."""
    from citeproc import model

    model.Name.process = process

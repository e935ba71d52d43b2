"""citeproc-py's per-element work done once, or not at all where it changes nothing: what never changes
during a rendering is looked up once (a style's XPath answers, its elements' roots, macros and
children, whether an element renders a variable, a cited item's reference), a cs:choose tests its
branches without raising an exception for each that fails, a branch testing only an item's type and
variables is answered once per kind of item (and so is a cs:choose whose branches all do), and
formatting, affixes and quotes an element does not ask for are skipped. Installed into citeproc-py
once per process (`render._install`); every result is the one citeproc-py computes, so the rendered
references are the same, byte for byte (tests/test_citeproc_reference.py renders a share of its
corpus in a process without them).

citeproc-py interprets the CSL style's element tree for every reference: before these, one reference
cost about 17 ms (8,600 XPath queries, 500 root look-ups, the variable test of every group's
descendants recomputed), and the landing page renders four; with them, the four cost 55 %
of what they cost with the look-ups alone (32M instructions a record instead of 58M, callgrind).
"""

from __future__ import annotations

from typing import Any

#: (style element, XPath expression) -> (the element, kept alive so its id is never reused; the result)
_XPATH: dict[tuple[int, str], tuple[Any, list[Any]]] = {}
#: style element -> (the element, kept alive likewise; whether it renders a variable)
_CALLS_VARIABLE: dict[int, tuple[Any, bool]] = {}
#: style element -> (the element, kept alive likewise; the root of its style or locale)
_ROOT: dict[int, tuple[Any, Any]] = {}
#: (style element, child tag) -> (the element, kept alive likewise; its first child of that tag), as
#: citeproc-py's attribute access (`element.layout`, `.terms`, `.name`) finds it; absent ones are not kept
_CHILD: dict[tuple[int, str], tuple[Any, Any]] = {}
#: (style root, macro name) -> (the root, kept alive likewise; the macro)
_MACRO: dict[tuple[int, str], tuple[Any, Any]] = {}
#: cs:text element -> (the element, kept alive likewise; whether it has none of the attributes its markup
#: reads: then its markup is its text)
_PLAIN_TEXT: dict[int, tuple[Any, bool]] = {}
#: the attributes a cs:text's markup reads (CSL 1.0.2, "Formatting", "Affixes", "Quotes", "Text-case",
#: "Strip-periods")
_MARKUP_ATTRIBUTES = frozenset({"font-style", "font-variant", "font-weight", "text-decoration", "vertical-align",
                                "prefix", "suffix", "quotes", "text-case", "strip-periods"})
#: cs:if / cs:else-if element -> (the element, kept alive likewise; its answer by the item's shape),
#: for the elements whose tests read only the item's type and which variables it has
_HOLDS: dict[int, tuple[Any, dict[Any, bool] | None]] = {}
#: cs:choose element -> (the element, kept alive likewise; its branch by the item's shape, in a tuple),
#: for the elements whose branches all test only the item's type and which variables it has
_CHOSEN: dict[int, tuple[Any, dict[Any, tuple[Any]] | None]] = {}
#: the answers kept for one element: shapes are few (the optional fields a series' records have)
_SHAPES_PER_BRANCH = 64
# These grow with the elements of the styles and locales a process renders with (four styles, one
# locale: a few thousand entries), never with the references rendered.


def install() -> None:
    """The look-ups remembered and the steps that change nothing skipped, process-wide (like any
    change to a library class)."""
    _remember_lookups()
    _skip_what_changes_nothing()


def _remember_lookups() -> None:
    """citeproc-py runs an XPath query on the style for every macro it expands and for many options it
    reads (about 8,600 queries for one reference), recomputes, for every group it renders, whether each
    descendant calls a variable, and finds a cited item's reference through three properties each
    time; every element also finds its style's root (for the formatter and macros) about 500 times a
    reference, its macros by name and its children by tag (an XPath query or a search each). The
    style's answers depend on the style alone (its elements and the query) and an item's reference
    on the item, so each is computed once. (citeproc-py adds one element to a style as it renders: a
    cs:name to a cs:names that has none; a child not found is therefore never remembered.)"""
    from citeproc import model, source

    plain_xpath_search = model.CitationStylesElement.xpath_search

    def xpath_search(element: Any, expression: str) -> list[Any]:
        key = (id(element), expression)
        entry = _XPATH.get(key)
        if entry is None:
            entry = _XPATH[key] = (element, plain_xpath_search(element, expression))
        return list(entry[1])

    def get_root(element: Any) -> Any:
        entry = _ROOT.get(id(element))
        if entry is None:
            entry = _ROOT[id(element)] = (element, element.getroottree().getroot())
        return entry[1]

    plain_child = model.SomewhatObjectifiedElement.__getattr__

    def child(element: Any, tag: str) -> Any:
        key = (id(element), tag)
        entry = _CHILD.get(key)
        if entry is None:
            found = plain_child(element, tag)
            if found is None:
                return None
            entry = _CHILD[key] = (element, found)
        return entry[1]

    def get_macro(element: Any, name: str) -> Any:
        root = element.get_root()
        key = (id(root), name)
        entry = _MACRO.get(key)
        if entry is None:
            entry = _MACRO[key] = (root, root.xpath_search(f"cs:macro[@name='{name}'][1]")[0])
        return entry[1]

    def remembered(compute: Any) -> Any:
        def calls_variable(element: Any) -> bool:
            entry = _CALLS_VARIABLE.get(id(element))
            if entry is None:
                entry = _CALLS_VARIABLE[id(element)] = (element, compute(element))
            return entry[1]
        return calls_variable

    class Reference:
        """A cited item's reference, fixed for its life: found once through citeproc-py's three
        properties and a dict subclass (it was looked up about 500 times a reference), then kept in
        the item's own attributes, which this non-data descriptor leaves to Python to read."""

        def __get__(self, item: Any, owner: Any = None) -> Any:
            if item is None:
                return self
            found = item.__dict__["reference"] = item.bibliography.source[item.key]
            return found  # not setattr: CustomDict turns attributes into keys

    model.CitationStylesElement.xpath_search = xpath_search
    model.CitationStylesElement.get_root = get_root
    model.SomewhatObjectifiedElement.__getattr__ = child
    model.CitationStylesElement.get_macro = get_macro
    model.Parent.calls_variable = remembered(model.Parent.calls_variable)
    model.Text.calls_variable = remembered(model.Text.calls_variable)
    source.CitationItem.reference = Reference()


def _skip_what_changes_nothing() -> None:
    """Every element citeproc-py renders passes its text through five formatting steps, its affixes
    and its quotes, each of which finds the formatter and reads an attribute (and the quotes the
    locale's punctuation-in-quote option, which it then does not use): most elements have none of
    these attributes, and each step returns the text unchanged. The steps run only for an element
    that has one (citeproc-py's code then, unchanged)."""
    from citeproc import model

    plain_format, plain_wrap, plain_quote = model.Formatted.format, model.Affixed.wrap, model.Quoted.quote

    def format(self: Any, string: Any) -> Any:  # noqa: A001 - citeproc-py's name
        # the five attributes of CSL's formatting (CSL 1.0.2, "Formatting")
        get = self.get
        if (get("font-style") is None and get("font-variant") is None and get("font-weight") is None
                and get("text-decoration") is None and get("vertical-align") is None):
            return str(string) if isinstance(string, (int, float)) else string
        return plain_format(self, string)

    def wrap(self: Any, string: Any) -> Any:
        if string is None or (self.get("prefix") is None and self.get("suffix") is None):
            return string
        return plain_wrap(self, string)

    def quote(self: Any, string: Any) -> Any:
        if self.get("quotes", "false").lower() != "true":
            return string
        return plain_quote(self, string)

    def choose(self: Any, item: Any, context: Any = None, delimiter: str = "", **kwargs: Any) -> Any:
        # citeproc-py's cs:choose tries each branch and catches the exception a failed cs:if raises:
        # the branch is chosen here instead (`chosen`)
        branch = chosen(self, item, context)
        if branch is None:
            return None
        return branch.render_children(item, context=context, delimiter=delimiter, **kwargs)

    plain_text_markup = model.Text.markup

    def text_markup(self: Any, text: Any, language: Any) -> Any:
        # a cs:text's markup strips periods, changes the case, formats, quotes and affixes its text,
        # each only when the element asks: most ask for none
        if not text:
            return None
        entry = _PLAIN_TEXT.get(id(self))
        if entry is None:
            entry = _PLAIN_TEXT[id(self)] = (self, _MARKUP_ATTRIBUTES.isdisjoint(self.attrib))
        if entry[1]:
            return str(text) if isinstance(text, (int, float)) else text
        return plain_text_markup(self, text, language)

    model.Text.markup = text_markup
    model.Formatted.format = format
    model.Affixed.wrap = wrap
    model.Quoted.quote = quote
    model.Choose.render = choose


#: the branches of a cs:choose that test a condition (citeproc-py's If and Else_If)
_CONDITIONS = frozenset({"{http://purl.org/net/xbiblio/csl}if", "{http://purl.org/net/xbiblio/csl}else-if"})


def chosen(choose: Any, item: Any, context: Any) -> Any:
    """The branch of a cs:choose that renders for the item: the first cs:if or cs:else-if that holds
    (If.render's tests and match rule, `_holds`), else its cs:else; None if there is none. Remembered
    by the item's shape for a cs:choose whose branches all test only the type and which variables are
    present, like their answers. Looked up by name when a cs:choose renders, so that `memo` can
    record the choice as what a remembered rendering read."""
    entry = _CHOSEN.get(id(choose))
    if entry is None:
        by_shape = all(set(b.attrib) <= _SHAPE_TESTS for b in choose.iterchildren() if b.tag in _CONDITIONS)
        entry = _CHOSEN[id(choose)] = (choose, {} if by_shape else None)
    answers = entry[1]
    if answers is None:
        return _first_holding(choose, item, context)
    return _by_shape(answers, item, lambda: _first_holding(choose, item, context))


def _by_shape(answers: dict[Any, Any], item: Any, answer: Any) -> Any:
    """The answer remembered in `answers` for the item's shape, or `answer()` remembered (at most
    `_SHAPES_PER_BRANCH` shapes an element; an answer may be None: no branch holds)."""
    shape = _shape(item)
    if shape in answers:
        return answers[shape]
    if len(answers) >= _SHAPES_PER_BRANCH:
        answers.clear()
    value = answers[shape] = answer()
    return value


def _first_holding(choose: Any, item: Any, context: Any) -> Any:
    for branch in choose.iterchildren():
        if branch.tag in _CONDITIONS and not _holds(branch, item, context):
            continue
        return branch
    return None


#: the attributes of a cs:if whose answer depends on the item's shape alone (`_shape`)
_SHAPE_TESTS = frozenset({"type", "variable", "match"})


def _holds(branch: Any, item: Any, context: Any) -> bool:
    """Whether a cs:if or cs:else-if holds for the item (`_test`), remembered by the item's shape for
    a branch that tests only the type and which variables are present (most of a style's branches)."""
    entry = _HOLDS.get(id(branch))
    if entry is None:
        entry = _HOLDS[id(branch)] = (branch, {} if set(branch.attrib) <= _SHAPE_TESTS else None)
    answers = entry[1]
    if answers is None:
        return _test(branch, item, context)
    return _by_shape(answers, item, lambda: _test(branch, item, context))


def _shape(item: Any) -> Any:
    """What `type` and `variable` tests read of a cited item: the reference's type and keys, and the
    item's own keys (its locator); computed once per item."""
    shape = item.__dict__.get("_shape")
    if shape is None:
        reference = item.reference
        shape = item.__dict__["_shape"] = (reference.type, frozenset(reference), frozenset(item))
    return shape


def _test(branch: Any, item: Any, context: Any) -> bool:
    """citeproc-py's `If.render` test, without its exception (CSL 1.0.2, "Choose": the tests of one
    element combined by its `match`)."""
    attrib = branch.attrib
    results: list[Any] = []
    if "type" in attrib:
        results += branch._type(item)
    if "variable" in attrib:
        results += branch._variable(item)
    if "is-numeric" in attrib:
        results += branch._is_numeric(item)
    if "is-uncertain-date" in attrib:
        results += branch._is_uncertain_date(item)
    if "locator" in attrib:
        results += branch._locator(item)
    if "position" in attrib:
        results += branch._position(item, context)
    match = branch.get("match")
    if match == "any":
        return any(results)
    if match == "none":
        return not any(results)
    return all(results)

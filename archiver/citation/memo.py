"""The rendered output of a CSL style's macros remembered across references, keyed on exactly what
rendering the macro read: identical-output work saved where a series repeats itself.

citeproc-py interprets a style's element tree anew for every reference (about 40 macro expansions a
reference in APA or Chicago; most of citeproc-py's time once `fastpaths` removed the look-ups). In a
series, most parts of a reference repeat from record to record (the authors, the publisher, the
series, the genre); some (the title, the number, the DOI) are unique. A macro's rendering is a
deterministic function of what it reads, so it is rendered once per distinct reading:

- **What a rendering reads is traced** while it runs: every read of the cited item's reference
  (`[]`, `.get`, `in`, attribute access: the variable's value, or only whether it is present), and
  every cs:choose's choice (`fastpaths.chosen`, recorded as the branch chosen rather than as the
  variables its conditions tested). A macro inside another traces into its caller too (a remembered
  inner macro adds what it read). A read that names no one variable (iterating over the reference,
  comparing or changing it) makes the rendering unrememberable.
- **The key** is the macro element and its `context` argument (the layout element that called it,
  which decides delimiters and name options), then the state the rendering reads besides the item:
  the variables cs:substitute has suppressed so far in this entry (the layout's `repressed`, which a
  cs:text consults), the style's formatter, the item's citation number and the style's epoch (below),
  then the traced reads with their values, in the order they were made. Values are compared as frozen
  copies, types included (a `NoCase` string is not a `String`, 1 is not "1"). The reads of all the
  renderings of one macro and context form one tree (`_Node`): a rendering is deterministic, so two
  that have read the same values so far make the same next read. A lookup walks the tree, reading
  each variable of the item at hand, to a result or to a value not seen. **A hit therefore implies
  the same execution**: the same path, nothing else read, the same result.
- **What a rendering changes is replayed or refused**: cs:substitute's additions to `repressed` are
  kept with the result and restored on a hit. citeproc-py also changes the style tree while rendering
  (a locale's date part takes the attributes of the date part that calls it, `Date_Part.process`; a
  cs:names without a cs:name gets one, `Names.process`; the locales are set, `Style.set_locale_list`):
  each change advances the epoch, so nothing remembered before it is found again, and a rendering
  during which the tree changed is not remembered.
- **Only what is fixed is remembered**: a bibliography entry (not a citation), of a cited item with
  no locator, prefix or suffix, and not while sorting (`sort_options`). Everything else, and every
  macro whose renderings hardly repeat (fewer than one hit in `_WORTH` after `_TRIAL` renderings: a
  title, a DOI, where tracing is all cost), renders as citeproc-py renders it.

Remembered results (citeproc-py's `String`, `MixedString`, formatter strings, `None`) are shared
between entries: citeproc-py never changes one in place (each operation on them builds a new object;
tests/test_citation_memo.py checks that no remembered result changed after rendering its corpus).

Bounded: each (macro, context) keeps at most `ENTRIES_PER_SITE` results and `NODES_PER_SITE` points
of its tree, and starts again when full; the sites are the macro calls of the styles in use (137 for
the four styles), never the references rendered: at most about 8,800 results and 25 MB (1.5 MB after
the two benchmark corpora, about 2,800 renderings). tests/test_citation_memo.py renders a corpus
with and without the memo in several orders and compares every string, and shows that a key missing
one read makes that comparison fail.

Not thread-safe, like citeproc-py itself (which keeps `repressed` on the style's layout element): one
rendering at a time per process.
"""

from __future__ import annotations

from typing import Any

#: False: every entry rendered as citeproc-py renders it (bench/bench_citations.py compares the two)
ENABLED = True
#: the results each (macro, context) keeps
ENTRIES_PER_SITE = 64
#: the points of the reads' tree each (macro, context) keeps (with its edge's value and the results at
#: its ends, about 350 bytes each, measured)
NODES_PER_SITE = 512
#: a (macro, context) whose renderings repeat less than one time in `_WORTH` after `_TRIAL` renderings
#: is rendered without the memo from then on, and forgets what it kept
_TRIAL, _WORTH = 32, 8

#: (macro element, context element) -> _Site; the elements are kept alive by the key, so their ids
#: are never reused while remembered
_SITES: dict[tuple[Any, Any], _Site] = {}
#: the traces of the macro renderings under way, innermost last
_TRACES: list[_Trace] = []
#: the entry being rendered, while the memo is in use (`_Entry`)
_ENTRY: list[_Entry] = []
#: advanced whenever citeproc-py changes a style's tree while rendering
_EPOCH = [0]


class _Site:
    """What one macro, called from one context, has rendered: per state (`_remembered`), a tree of
    the reads its renderings made, in the order they made them, ending in the result."""

    __slots__ = ("layout", "roots", "results", "nodes", "hits", "misses", "disagreements")

    def __init__(self, context: Any) -> None:
        try:
            self.layout = context.get_layout()  # the cs:layout whose `repressed` its texts read
        except IndexError:
            self.layout = None
        self.roots: dict[Any, _Node] = {}
        self.results = self.nodes = self.hits = self.misses = self.disagreements = 0


class _Node:
    """A point in a rendering: either the next read it makes (and where each of its values leads),
    or its end (the result and what it left in `repressed`). A rendering is deterministic, so the
    renderings that read the same values so far make the same next read: one tree holds them all."""

    __slots__ = ("read", "edges", "end")

    def __init__(self) -> None:
        self.read: Any = None
        self.edges: dict[Any, _Node] = {}
        self.end: tuple[Any, Any] | None = None


class _Trace:
    """The reads of one rendering under way: (kind, ...) -> frozen value, in the order first read."""

    __slots__ = ("reads", "unrememberable")

    def __init__(self) -> None:
        self.reads: dict[tuple[Any, ...], Any] = {}
        self.unrememberable = False


class _Entry:
    """The item whose bibliography entry is being rendered and the values of its reads, each computed
    once."""

    __slots__ = ("item", "reference", "number", "values")

    def __init__(self, item: Any, reference: Any, number: int) -> None:
        self.item, self.reference, self.number = item, reference, number
        self.values: dict[tuple[Any, ...], Any] = {}

    def value(self, read: tuple[Any, ...]) -> Any:
        found = self.values.get(read, _UNSET)
        if found is _UNSET:
            kind = read[0]
            if kind == "var":
                found = freeze(dict.get(self.reference, read[1], _ABSENT))
            elif kind == "has":
                found = dict.__contains__(self.reference, read[1])
            else:  # "chosen": a cs:choose's branch, the reads of its tests not traced (the choice counts)
                _TRACES.append(_Trace())
                try:
                    found = _plain_chosen[0](read[1], self.item, read[2])
                finally:
                    _TRACES.pop()
            self.values[read] = found
        return found


_UNSET = object()
#: the value of a variable the reference does not have
_ABSENT = ("absent",)


class Unfreezable(TypeError):
    """A value of a type the memo does not know how to compare."""


def freeze(value: Any) -> Any:
    """A hashable copy of a reference value that equals another's only if the two have the same types
    and contents all the way down (str subclasses, lists such as `MixedString`, dicts such as `Name`
    and `Date` with their attributes)."""
    kind = type(value)
    if value is None or kind in (bool, int, float):
        return (kind, value)
    if value is _ABSENT:
        return value
    if isinstance(value, str):
        frozen: Any = str.__str__(value)
    elif isinstance(value, (list, tuple)):
        frozen = tuple(freeze(v) for v in value)
    elif isinstance(value, dict):
        frozen = tuple(sorted((k, freeze(v)) for k, v in dict.items(value)))
    else:
        raise Unfreezable(kind.__name__)
    attributes = getattr(value, "__dict__", None)  # a subclass's own attributes, if it set any
    if attributes:
        return (kind, frozen, tuple(sorted((k, freeze(v)) for k, v in attributes.items())))
    return (kind, frozen)


def _read(read: tuple[Any, ...]) -> None:
    """One read of the reference by the innermost rendering under way."""
    trace = _TRACES[-1]
    if read not in trace.reads:
        try:
            trace.reads[read] = _ENTRY[0].value(read)
        except (TypeError, IndexError):  # Unfreezable, or keys that do not sort
            trace.unrememberable = True


def _unattributable() -> None:
    if _TRACES:
        _TRACES[-1].unrememberable = True


_plain_chosen: list[Any] = []


def install() -> None:
    """The memo, process-wide (`render._install`, after `fastpaths`)."""
    from citeproc import model
    from citeproc.source import Reference

    from . import fastpaths

    traced = _traced_reference(Reference)
    _install_entry(model, Reference, traced)
    _install_macro(model)
    _install_choices(fastpaths)
    _install_epoch(model)


def _traced_reference(Reference: Any) -> Any:
    class TracedReference(Reference):
        """A reference whose reads are recorded while a macro renders (the class of the cited item's
        reference only while its entry is rendered)."""

        def __getitem__(self, key: str) -> Any:
            if _TRACES:
                _read(("var", key))
            return Reference.__getitem__(self, key)

        def get(self, key: str, default: Any = None) -> Any:
            if _TRACES:
                _read(("var", key))
            return dict.get(self, key, default)

        def __contains__(self, key: object) -> bool:
            if _TRACES:
                _read(("has", key))
            return dict.__contains__(self, key)

        def __iter__(self) -> Any:
            _unattributable()
            return dict.__iter__(self)

        def __len__(self) -> int:
            _unattributable()
            return dict.__len__(self)

        def keys(self) -> Any:
            _unattributable()
            return dict.keys(self)

        def values(self) -> Any:
            _unattributable()
            return dict.values(self)

        def items(self) -> Any:
            _unattributable()
            return dict.items(self)

        def __eq__(self, other: object) -> bool:
            _unattributable()
            return dict.__eq__(self, other)

        __hash__ = None  # type: ignore[assignment]

    def whole(name: str) -> Any:
        # a read of the whole reference, or a change to it: nothing the key could name
        plain = getattr(dict, name)

        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            _unattributable()
            return plain(self, *args, **kwargs)
        return method

    for name in ("__ne__", "copy", "__setitem__", "__delitem__", "setdefault", "pop", "popitem", "update",
                 "clear", "__or__", "__ior__", "__reversed__"):
        setattr(TracedReference, name, whole(name))
    return TracedReference


#: the cited item's own fields with which an entry is fixed (no locator, prefix or suffix)
_PLAIN_ITEM = frozenset({"key", "citation"})


def _install_entry(model: Any, Reference: Any, traced: Any) -> None:
    """The memo in use while a bibliography entry of a plain cited item renders: its reference traced."""
    plain_render_children = model.Layout.render_children

    def render_children(self: Any, item: Any, *args: Any, **kwargs: Any) -> Any:
        if (not ENABLED or _ENTRY or not isinstance(self.getparent(), model.Bibliography)
                or not _PLAIN_ITEM.issuperset(item)):
            return plain_render_children(self, item, *args, **kwargs)
        try:
            reference, number = item.reference, item.number
        except Exception:  # not a registered item: citeproc-py's own path, and its error
            return plain_render_children(self, item, *args, **kwargs)
        if type(reference) is not Reference:
            return plain_render_children(self, item, *args, **kwargs)
        # object's setattr: CustomDict's would store "__class__" as a key
        object.__setattr__(reference, "__class__", traced)
        _ENTRY.append(_Entry(item, reference, number))
        try:
            return plain_render_children(self, item, *args, **kwargs)
        finally:
            _ENTRY.pop()
            object.__setattr__(reference, "__class__", Reference)

    model.Layout.render_children = render_children


def _install_macro(model: Any) -> None:
    """cs:macro rendered through the memo: the unit of a style that repeats. (cs:group was tried as
    well and cost more than it saved, on both benchmark corpora: its renderings are small and mostly
    inside macros that hit already.)"""
    plain = model.Macro.render

    def render(self: Any, item: Any, context: Any = None, sort_options: Any = None) -> Any:
        if not _ENTRY or context is None or sort_options is not None or item is not _ENTRY[0].item:
            return plain(self, item, context, sort_options)
        return _remembered(plain, self, item, context)

    model.Macro.render = render


def _remembered(plain: Any, macro: Any, item: Any, context: Any) -> Any:
    """The macro's rendering: found by what it reads, or rendered by citeproc-py (`plain`), traced and
    remembered."""
    entry = _ENTRY[0]
    site = _SITES.get((macro, context))
    if site is None:
        site = _SITES[(macro, context)] = _Site(context)
    if site.misses >= _TRIAL and site.hits * _WORTH < site.misses:
        if site.roots:  # its renderings hardly repeat (a title, a DOI): tracing them is all cost
            site.roots.clear()
            site.results = site.nodes = 0
        return plain(macro, item, context, None)
    layout = site.layout
    if layout is None or not isinstance(getattr(layout, "repressed", None), dict):
        return plain(macro, item, context, None)
    repressed = _frozen_repressed(layout.repressed)
    state = (repressed, _EPOCH[0], entry.number, macro.get_formatter())
    node = site.roots.get(state)
    path = []
    known = entry.values
    while node is not None and node.end is None:
        read = node.read
        value = known.get(read, _UNSET)
        if value is _UNSET:
            try:
                value = entry.value(read)
            except Exception:  # a read this item cannot answer: not the recorded path
                node = None
                break
        path.append((read, value))
        node = node.edges.get(value)
    if node is not None:
        site.hits += 1
        result, repressed_after = node.end
        if repressed_after is not None:
            layout.repressed = {tag: list(names) for tag, names in repressed_after}
        if _TRACES:
            reads = _TRACES[-1].reads
            for read, value in path:
                reads.setdefault(read, value)
        return result
    site.misses += 1
    trace = _Trace()
    epoch = _EPOCH[0]
    _TRACES.append(trace)
    try:
        result = plain(macro, item, context, None)
    except BaseException:
        # a caller that catches the error must not be remembered without these reads
        trace.unrememberable = True
        raise
    finally:
        _TRACES.pop()
        if _TRACES and trace.unrememberable:
            _TRACES[-1].unrememberable = True
    if _TRACES:
        reads = _TRACES[-1].reads
        for read, value in trace.reads.items():
            reads.setdefault(read, value)
    if not trace.unrememberable and _EPOCH[0] == epoch:
        after = _frozen_repressed(layout.repressed)
        _remember(site, state, trace.reads, (result, None if after == repressed else after))
    return result


def _remember(site: _Site, state: Any, reads: dict[tuple[Any, ...], Any], end: tuple[Any, Any]) -> None:
    if site.results >= ENTRIES_PER_SITE or site.nodes + len(reads) >= NODES_PER_SITE:
        site.roots.clear()  # full: start again (the least recent are as likely to recur as the rest)
        site.results = site.nodes = 0
    node = site.roots.get(state)
    if node is None:
        node = site.roots[state] = _Node()
    for read, value in reads.items():
        if node.read is None and node.end is None:
            node.read = read
        elif node.read != read:  # cannot happen while every read is traced; a safeguard, counted
            site.disagreements += 1
            return
        child = node.edges.get(value)
        if child is None:
            child = node.edges[value] = _Node()
            site.nodes += 1
        node = child
    if node.read is not None or node.end is not None:
        site.disagreements += 1
        return
    node.end = end
    site.results += 1


def _frozen_repressed(repressed: dict[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((tag, tuple(names)) for tag, names in repressed.items()) if repressed else ()


def _install_choices(fastpaths: Any) -> None:
    """Each cs:choose's choice a remembered rendering depends on, recorded as the branch chosen (not
    as the variables its conditions tested)."""
    plain = fastpaths.chosen
    _plain_chosen[:] = [plain]

    def chosen(choose: Any, item: Any, context: Any) -> Any:
        if not _TRACES or item is not _ENTRY[0].item:
            return plain(choose, item, context)
        read = ("chosen", choose, context)
        reads = _TRACES[-1].reads
        branch = reads.get(read, _UNSET)
        if branch is _UNSET:
            branch = reads[read] = _ENTRY[0].value(read)
        return branch

    fastpaths.chosen = chosen


def _install_epoch(model: Any) -> None:
    """The epoch advanced by each change citeproc-py makes to a style's tree while rendering."""
    plain_date_part, plain_names, plain_locales = model.Date_Part.process, model.Names.process, \
        model.Style.set_locale_list

    def date_part_process(self: Any, *args: Any, **kwargs: Any) -> Any:
        # citeproc-py merges the calling date part's attributes into a locale's date part
        before = dict(self.attrib)
        try:
            return plain_date_part(self, *args, **kwargs)
        finally:
            if dict(self.attrib) != before:
                _EPOCH[0] += 1

    def names_process(self: Any, item: Any, names_context: Any = None, *args: Any, **kwargs: Any) -> Any:
        # citeproc-py adds a cs:name to a cs:names that has none
        target = self if names_context is None else names_context
        before = len(target)
        try:
            return plain_names(self, item, names_context, *args, **kwargs)
        finally:
            if len(target) != before:
                _EPOCH[0] += 1

    def set_locale_list(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return plain_locales(self, *args, **kwargs)
        finally:
            _EPOCH[0] += 1

    model.Date_Part.process = date_part_process
    model.Names.process = names_process
    model.Style.set_locale_list = set_locale_list


def sites() -> dict[tuple[Any, Any], tuple[int, int, int, int]]:
    """(macro, context) -> (hits, misses, results kept, disagreements): what the memo holds, for tests
    and benchmarks."""
    return {key: (site.hits, site.misses, site.results, site.disagreements) for key, site in _SITES.items()}

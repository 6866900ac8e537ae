"""Functions a policy may call, each declared with its signature so that bad calls are rejected at load time.

A new function is one decorated definition here, in the section of its family. Parameter kinds are
`|`-separated names from number, integer, string, boolean, list, object, map, date (a `YYYY-MM-DD` string)
and any; `variadic` makes the last parameter repeatable. The result is declared as a kind too (what the
reference shows) and, where the checker can know more, as `result`: a function of the types module and the
argument types giving the static result type (`lambda t, args: t.list_of(t.STR)`). It receives the module
rather than importing it here, so that a run from the cache, which never checks a policy, does not load
it. Every function must accept MISSING and answer sensibly.
"""
from __future__ import annotations

import calendar
import contextvars
import datetime as _dt
import re
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import phrases as _phrases
from .runtime import MISSING, is_number, whole_number

if TYPE_CHECKING:
    from .types import Ty

Result = Callable[[ModuleType, Sequence["Ty"]], "Ty"]


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]  # the kind of each parameter, as the reference shows it
    returns: str  # the kind of the result, as the reference shows it
    variadic: bool
    needs_context: bool
    doc: str
    result: Result | None = None  # the static result type, where it is more than `returns` says

    def result_type(self, args: Sequence[Ty]) -> Ty:
        """The static type of a call with arguments of these types."""
        from . import types as t

        if self.result is not None:
            return self.result(t, args)
        declared = t.from_kind_spec(self.returns)
        if declared.kinds == frozenset({"list"}):
            return t.list_of(t.ANY)
        if declared.kinds == frozenset({"map"}):
            return t.map_of(t.ANY)
        return declared


BUILTINS: dict[str, Builtin] = {}


def builtin(name: str, params: tuple[str, ...], returns: str, *, result: Result | None = None,
            variadic: bool = False, needs_context: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        BUILTINS[name] = Builtin(name, fn, params, returns, variadic, needs_context, (fn.__doc__ or "").strip(),
                                 result)
        return fn

    return register


class Context:
    """Run-wide facts that some functions read (the as-of date)."""

    def __init__(self, as_of: _dt.date) -> None:
        self.as_of = as_of


# -- collections ------------------------------------------------------------------------------------------

@builtin("len", ("list|string|object|map",), "integer")
def _len(x: Any) -> int:
    """Number of items of a list or map, characters of a string; 0 when missing."""
    return len(x) if isinstance(x, (list, str, dict)) else 0


@builtin("concat", ("list",), "list", result=lambda t, args: t.list_of_items(args), variadic=True)
def _concat(*lists: Any) -> list:
    """The lists one after another; missing lists count as empty."""
    out: list = []
    for xs in lists:
        if type(xs) is list:
            out.extend(xs)
    return out


class _Frozen(tuple):
    """A list or object made hashable, equal exactly when the values it stands for are equal."""

    __slots__ = ()


def _hashable(x: Any) -> Any:
    """`x`, or for lists and objects a _Frozen stand-in, so that sets and dicts can count values (a list
    scanned for each item would make `unique` quadratic). Nested too deep for Python: RecursionError."""
    t = type(x)
    if t is list:
        return _Frozen(("list", tuple(_hashable(v) for v in x)))
    if t is dict:
        return _Frozen(("object", frozenset((k, _hashable(v)) for k, v in x.items())))
    return x


@builtin("unique", ("list",), "list", result=lambda t, args: t.list_of_items(args))
def _unique(xs: Any) -> list:
    """The list without repeated values, first occurrences kept in order."""
    out: list = []
    seen: set = set()
    for x in xs if type(xs) is list else ():
        key = _hashable(x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


@builtin("duplicates", ("list",), "list", result=lambda t, args: t.list_of_items(args))
def _duplicates(xs: Any) -> list:
    """Values that occur more than once in the list, each once, in order of first repetition."""
    seen: set = set()
    reported: set = set()
    out: list = []
    for x in xs if type(xs) is list else ():
        key = _hashable(x)
        if key in seen:
            if key not in reported:
                reported.add(key)
                out.append(x)
        else:
            seen.add(key)
    return out


@builtin("tally", ("list",), "map", result=lambda t, args: t.map_of(t.INT))
def _tally(xs: Any) -> dict:
    """A map from each (hashable) value of the list to how often it occurs."""
    out: dict = {}
    for x in xs if type(xs) is list else ():
        try:
            out[x] = out.get(x, 0) + 1
        except TypeError:
            continue
    return out


@builtin("keys", ("object|map",), "list", result=lambda t, args: t.list_of(t.STR))
def _keys(x: Any) -> list:
    """The keys of an object or map, in document order."""
    return list(x) if type(x) is dict else []


@builtin("first", ("list",), "any", result=lambda t, args: t.first_item(args))
def _first(xs: Any) -> Any:
    """The first item of a list; missing when it is empty."""
    return xs[0] if type(xs) is list and xs else MISSING


@builtin("abs", ("number",), "number")
def _abs(x: Any) -> Any:
    """The number without its sign; missing when missing."""
    return abs(x) if is_number(x) else MISSING


@builtin("sum", ("list",), "number")
def _sum(xs: Any) -> Any:
    """Sum of the numbers in a list (other items ignored); 0 for an empty list."""
    return sum(x for x in (xs if type(xs) is list else ()) if is_number(x))


def _numbers(args: tuple) -> list:
    if len(args) == 1 and type(args[0]) is list:
        args = tuple(args[0])
    return [a for a in args if is_number(a)]


@builtin("min", ("number|list",), "number", variadic=True)
def _min(*args: Any) -> Any:
    """Smallest of the numbers given (or of one list); missing when there are none."""
    nums = _numbers(args)
    return min(nums) if nums else MISSING


@builtin("max", ("number|list",), "number", variadic=True)
def _max(*args: Any) -> Any:
    """Largest of the numbers given (or of one list); missing when there are none."""
    nums = _numbers(args)
    return max(nums) if nums else MISSING


@builtin("contains", ("string|list", "any"), "boolean")
def _contains(haystack: Any, needle: Any) -> bool:
    """A list has the item, or a string has the substring."""
    if type(haystack) is str:
        return type(needle) is str and needle in haystack
    if type(haystack) is list:
        return needle is not MISSING and needle in haystack
    return False


@builtin("reachable", ("list", "map"), "list")
def _reachable(start: Any, edges: Any) -> list:
    """Every value reachable from `start` by following `edges` (a map from a value to a list), start included."""
    seen: dict = {}
    stack = list(start) if type(start) is list else []
    graph = edges if type(edges) is dict else {}
    while stack:
        x = stack.pop()
        try:
            if x in seen:
                continue
            seen[x] = True
        except TypeError:
            continue
        nxt = graph.get(x)
        if type(nxt) is list:
            stack.extend(nxt)
    return list(seen)


@builtin("map_of", ("list", "string", "string"), "map")
def _map_of(items: Any, key: Any, value: Any) -> dict:
    """A map from each object's `key` field to its `value` field (objects lacking the key are skipped)."""
    out: dict = {}
    for item in items if type(items) is list else ():
        if type(item) is dict and key in item:
            try:
                out[item[key]] = item.get(value, MISSING)
            except TypeError:
                continue
    return out


# -- strings ----------------------------------------------------------------------------------------------

@builtin("lower", ("string",), "string")
def _lower(s: Any) -> Any:
    """The string in lower case."""
    return s.lower() if type(s) is str else MISSING


@builtin("upper", ("string",), "string")
def _upper(s: Any) -> Any:
    """The string in upper case."""
    return s.upper() if type(s) is str else MISSING


@builtin("trim", ("string",), "string")
def _trim(s: Any) -> Any:
    """The string without leading and trailing white space."""
    return s.strip() if type(s) is str else MISSING


_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@builtin("words", ("string",), "list", result=lambda t, args: t.list_of(t.STR))
def _words(s: Any) -> list:
    """The words of a string, lower-cased (letters and digits; inner apostrophes and hyphens kept)."""
    return [w.lower() for w in _WORD.findall(s)] if type(s) is str else []


@builtin("starts_with", ("string", "string"), "boolean")
def _starts_with(s: Any, prefix: Any) -> bool:
    """True if `s` begins with `prefix`."""
    return type(s) is str and type(prefix) is str and s.startswith(prefix)


@builtin("ends_with", ("string", "string"), "boolean")
def _ends_with(s: Any, suffix: Any) -> bool:
    """True if `s` ends with `suffix`."""
    return type(s) is str and type(suffix) is str and s.endswith(suffix)


@builtin("join", ("list", "string"), "string")
def _join(xs: Any, sep: Any) -> str:
    """The list's items as text, separated by `sep`."""
    from .runtime import render

    return (sep if type(sep) is str else "").join(render(x) for x in (xs if type(xs) is list else ()))


# -- dates (ISO `YYYY-MM-DD` strings, so that they compare with < and >) -------------------------------------

def _date(s: Any) -> _dt.date | None:
    if type(s) is not str:
        return None
    try:
        return _dt.date.fromisoformat(s) if len(s) == 10 else None
    except ValueError:
        return None


@builtin("today", (), "date", needs_context=True)
def _today(ctx: Context) -> str:
    """The as-of date of the run (`--as-of`, else today)."""
    return ctx.as_of.isoformat()


@builtin("is_date", ("any",), "boolean")
def _is_date(s: Any) -> bool:
    """True if the value is a real calendar date written `YYYY-MM-DD`."""
    return _date(s) is not None


@builtin("add_days", ("date", "integer"), "date")
def _add_days(s: Any, days: Any) -> Any:
    """The date `days` days later (earlier when negative); missing if the date is not valid."""
    d, days = _date(s), whole_number(days)
    if d is None or days is None:
        return MISSING
    try:
        return (d + _dt.timedelta(days=days)).isoformat()
    except OverflowError:
        return MISSING


@builtin("add_months", ("date", "integer"), "date")
def _add_months(s: Any, months: Any) -> Any:
    """The date `months` calendar months later (earlier when negative), clamped to the month's last day."""
    d, months = _date(s), whole_number(months)
    if d is None or months is None:
        return MISSING
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    if not 1 <= year <= 9999:
        return MISSING
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return _dt.date(year, month + 1, day).isoformat()


@builtin("days_between", ("date", "date"), "integer")
def _days_between(a: Any, b: Any) -> Any:
    """Days from date `a` to date `b` (negative when `b` is earlier)."""
    da, db = _date(a), _date(b)
    if da is None or db is None:
        return MISSING
    return (db - da).days

# -- the text heuristics (their machinery is phrases.py) ------------------------------------------------------

@builtin("find_phrases", ("string", "list", "list"), "list", result=lambda t, args: t.list_of(t.STR))
def _find_phrases(text: Any, phrases: Any, exceptions: Any) -> list:
    """The phrases of the list found in the text (as written there, in order), leaving out any that overlaps
    a phrase of `exceptions`. Phrase syntax: whole words, case-insensitive except capitals (`IT`), `a|b`
    alternatives, `word*` any ending, `*ed` any beginning, a lone `*` any one word. The work is bounded by
    the sizes of text and list: where more would be needed, TextTooLarge (see phrases._PhraseIndex.spans)."""
    if type(text) is not str or not text:
        return []
    return _phrases.find_phrases(text, phrases, exceptions)


@builtin("unquoted", ("string",), "string")
def _unquoted(s: Any) -> Any:
    """The string with every quoted passage ("…", “…”, ‘…’, '…', «…», `…`) blanked out, so that words a
    text cites or names are not read as its own words. An apostrophe inside a word (`don't`) is no quote."""
    return _phrases.unquoted(s) if type(s) is str else MISSING


# -- positions in the spec (USM-008 names the line of an id's first use) ------------------------------------
#
# A rule sees plain data, not source positions. The engine sets a locator for the document whose rules are
# running (`LINE_LOCATOR`: object -> 1-based line, or None); without one (repository rules, a spec built by
# hand) `line_of` is missing.

LINE_LOCATOR: contextvars.ContextVar[Callable[[Any], "int | None"] | None] = contextvars.ContextVar(
    "usm_rules_line_locator", default=None)

_FIRSTS: list[Any] = [None, None, None]  # the last (list, field, {value: first item}) asked of `earlier`


@builtin("earlier", ("list", "object", "string"), "any")
def _earlier(items: Any, item: Any, field: Any) -> Any:
    """The first object of the list whose `field` equals the item's, when that is another object than the
    item itself (so the item repeats it); missing when the item is the first with its value."""
    if type(items) is not list or type(item) is not dict or type(field) is not str or field not in item:
        return MISSING
    if _FIRSTS[0] is not items or _FIRSTS[1] != field:  # one pass per list, however many items ask
        firsts: dict = {}
        for x in items:
            if type(x) is dict and field in x:
                try:
                    firsts.setdefault(x[field], x)
                except TypeError:  # an unhashable value
                    continue
        _FIRSTS[:] = [items, field, firsts]
    try:
        first = _FIRSTS[2].get(item[field], MISSING)
    except TypeError:
        return MISSING
    return MISSING if first is item else first


@builtin("line_of", ("object|list",), "integer")
def _line_of(node: Any) -> Any:
    """The line of the spec file where the object or list is written; missing when it is not known."""
    locate = LINE_LOCATOR.get()
    if locate is None or (type(node) is not dict and type(node) is not list):
        return MISSING
    line = locate(node)
    return MISSING if line is None else line

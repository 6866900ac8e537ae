"""Functions a policy may call, each declared with its signature so that bad calls are rejected at load time.

A new function is one decorated definition here. Parameter kinds are `|`-separated names from
number, integer, string, boolean, list, object, map, date (a `YYYY-MM-DD` string) and any; a trailing
`...` makes the last parameter repeatable. Every function must accept MISSING and answer sensibly.
"""
from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Callable

from .runtime import MISSING, is_number


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    fn: Callable[..., Any]
    params: tuple[str, ...]
    returns: str
    variadic: bool
    needs_context: bool
    doc: str


BUILTINS: dict[str, Builtin] = {}


def builtin(name: str, params: tuple[str, ...], returns: str, *, variadic: bool = False,
            needs_context: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        BUILTINS[name] = Builtin(name, fn, params, returns, variadic, needs_context, (fn.__doc__ or "").strip())
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


@builtin("concat", ("list",), "list", variadic=True)
def _concat(*lists: Any) -> list:
    """The lists one after another; missing lists count as empty."""
    out: list = []
    for xs in lists:
        if type(xs) is list:
            out.extend(xs)
    return out


@builtin("unique", ("list",), "list")
def _unique(xs: Any) -> list:
    """The list without repeated values, first occurrences kept in order."""
    out: list = []
    seen: list = []
    for x in xs if type(xs) is list else ():
        if x not in seen:
            seen.append(x)
            out.append(x)
    return out


@builtin("duplicates", ("list",), "list")
def _duplicates(xs: Any) -> list:
    """Values that occur more than once in the list, each once, in order of first repetition."""
    seen: list = []
    out: list = []
    for x in xs if type(xs) is list else ():
        if x in seen:
            if x not in out:
                out.append(x)
        else:
            seen.append(x)
    return out


@builtin("tally", ("list",), "map")
def _tally(xs: Any) -> dict:
    """A map from each (hashable) value of the list to how often it occurs."""
    out: dict = {}
    for x in xs if type(xs) is list else ():
        try:
            out[x] = out.get(x, 0) + 1
        except TypeError:
            continue
    return out


@builtin("keys", ("object|map",), "list")
def _keys(x: Any) -> list:
    """The keys of an object or map, in document order."""
    return list(x) if type(x) is dict else []


@builtin("first", ("list",), "any")
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


@builtin("words", ("string",), "list")
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
    d = _date(s)
    if d is None or type(days) is not int:
        return MISSING
    try:
        return (d + _dt.timedelta(days=days)).isoformat()
    except OverflowError:
        return MISSING


@builtin("add_months", ("date", "integer"), "date")
def _add_months(s: Any, months: Any) -> Any:
    """The date `months` calendar months later (earlier when negative), clamped to the month's last day."""
    d = _date(s)
    if d is None or type(months) is not int:
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

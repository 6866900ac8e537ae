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


@builtin("unique", ("list",), "list")
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


@builtin("duplicates", ("list",), "list")
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


# -- word lists (the text heuristics) ----------------------------------------------------------------------
#
# A *phrase* is one or more words separated by spaces. Text and phrases are split into words the same way:
# runs of letters, digits, hyphens and inner apostrophes (`fast-track`, `we'll` and `provider's` are one
# word each, so `fast` is not found in `breakfast` or `fast-track`). A phrase is found where its words
# follow each other with nothing but spaces, quotes or brackets between them (no `.,;:!?`). Each word is
# matched case-insensitively, except a word written in capitals of two letters or more (`IT`, `HVAC`), which
# matches only in capitals so that the department is not the pronoun. Within a word, `a|b` gives
# alternatives; a trailing `*` matches any ending (`maintain*` finds maintain, maintains, maintained), a
# leading `*` any beginning of at least one letter (`*ed` finds every word ending in -ed); a lone `*` is any
# one word (`our * team`). Word lists come from params, so config can replace them; each distinct list is
# compiled once into an index by first word, and a text is split into words once, so a statement with none
# of the listed first words costs one set comparison.

_TOKEN = re.compile(r"\w(?:[\w'’-]*\w)?")
_SPLIT = re.compile(r"(\w(?:[\w'’-]*\w)?)")
_GAP_STOP = frozenset(".,;:!?")


class _WordMatcher:
    __slots__ = ("exact", "cased", "prefixes", "cased_prefixes", "suffixes", "any", "literal", "cost")

    def __init__(self, alternatives: list[str]) -> None:
        exact, cased, prefixes, cased_prefixes, suffixes = set(), set(), [], [], []
        self.any = False
        for alt in alternatives:
            if alt == "*":
                self.any = True
                continue
            lead = alt.startswith("*")
            trail = alt.endswith("*") and len(alt) > 1
            core = alt[1 if lead else 0:len(alt) - 1 if trail else len(alt)]
            if not core:
                continue
            caps = len(core) >= 2 and core.isupper()
            if lead:
                suffixes.append(core.lower())
            elif trail:
                (cased_prefixes if caps else prefixes).append(core if caps else core.lower())
            else:
                (cased if caps else exact).add(core if caps else core.lower())
        self.exact = frozenset(exact)
        self.cased = frozenset(cased)
        self.prefixes = tuple(prefixes)
        self.cased_prefixes = tuple(cased_prefixes)
        self.suffixes = tuple(suffixes)
        self.cost = 1 + len(prefixes) + len(cased_prefixes) + len(suffixes)  # comparisons one call may make
        # Only whole words, all in lower case: a text without any of them cannot match this word.
        self.literal = self.exact if not (self.any or self.cased or prefixes or cased_prefixes or suffixes) else None

    def __call__(self, tok: str, low: str) -> bool:
        if self.any or low in self.exact or tok in self.cased:
            return True
        if self.prefixes and low.startswith(self.prefixes):
            return True
        if self.cased_prefixes and tok.startswith(self.cased_prefixes):
            return True
        return any(low.endswith(x) and len(low) > len(x) for x in self.suffixes)


class _Text:
    """A text split into words once: words, their lower-case forms, and the gaps before each word."""

    __slots__ = ("text", "words", "lows", "gaps", "low_set", "word_set")

    def __init__(self, text: str) -> None:
        parts = _SPLIT.split(text)
        self.text = text
        self.words = parts[1::2]
        self.gaps = parts[0::2]
        self.lows = [w.lower() for w in self.words]
        self.low_set = frozenset(self.lows)
        self.word_set = frozenset(self.words)


class TextTooLarge(RuntimeError):
    """Matching a word list against a text would take more comparisons than their sizes justify."""


class _PhraseIndex:
    """A word list compiled for matching: phrases indexed by what their first word can be."""

    def __init__(self, phrases: list) -> None:
        self.phrases: list[tuple[_WordMatcher, ...]] = []
        self.needs: list[tuple[frozenset, ...]] = []  # per phrase: word sets a text must touch, each
        self.first: dict[str, list[int]] = {}
        self.first_cased: dict[str, list[int]] = {}
        self.prefixed: dict[str, list[int]] = {}  # first word given as `prefix*`
        self.loose: list[int] = []  # first word `*`, `*suffix` or a capitals prefix: tried at every word
        self.size = 0  # comparisons needed to try every phrase once: what the work budget scales with
        for phrase in phrases:
            if type(phrase) is not str:
                continue
            words = _phrase_words(phrase)
            if not words:
                continue
            index = len(self.phrases)
            matchers = tuple(_WordMatcher(alts) for alts in words)
            self.size += sum(m.cost for m in matchers)
            self.phrases.append(matchers)
            self.needs.append(tuple(m.literal for m in matchers if m.literal is not None))
            head = matchers[0]
            if head.any or head.suffixes or head.cased_prefixes:
                self.loose.append(index)
                continue
            for w in head.exact:
                self.first.setdefault(w, []).append(index)
            for w in head.cased:
                self.first_cased.setdefault(w, []).append(index)
            for w in head.prefixes:
                self.prefixed.setdefault(w, []).append(index)
        self.prefix_lengths = sorted({len(p) for p in self.prefixed})
        self.lookup_cost = 2 + len(self.prefix_lengths) + sum(self.phrases[k][0].cost for k in self.loose)

    def spans(self, t: _Text) -> list[tuple[int, int]]:
        """(first word, end word) of each match, scanning left to right; the longest match wins.

        Each word of the text is compared with the phrases that can start there, so the work is the text's
        length times the phrases sharing a first word: small for any real word list, but a spec can supply
        a list (names of its goods) that shares first words with a long statement. The comparisons are
        counted, and past `_budget` of them TextTooLarge stops the function: the time stays linear in the
        sizes of the text and the list whatever their content.
        """
        lows = t.low_set
        words, low_words, gaps = t.words, t.lows, t.gaps
        n = len(words)
        budget = _budget(n, self.size)
        if not self.loose and lows.isdisjoint(self.first) and t.word_set.isdisjoint(self.first_cased) and (
                len(lows) * len(self.prefix_lengths) <= budget and not self._prefixed_in(lows)):
            return []  # no word of the text can start a phrase: the common case, one set comparison
        viable: dict[int, bool] = {}
        out = []
        work = 0
        i = 0
        while i < n:
            best = 0
            candidates = self._candidates(words[i], low_words[i])
            work += self.lookup_cost + len(candidates)
            for index in candidates:
                matchers = self.phrases[index]
                size = len(matchers)
                if size <= best or i + size > n:
                    continue
                ok = viable.get(index)
                if ok is None:
                    ok = viable[index] = all(not lows.isdisjoint(need) for need in self.needs[index])
                    work += len(self.needs[index])
                if not ok:
                    continue
                for k in range(1, size):
                    work += matchers[k].cost
                    if not _GAP_STOP.isdisjoint(gaps[i + k]) or not matchers[k](words[i + k], low_words[i + k]):
                        break
                else:
                    best = size
            if work > budget:
                raise TextTooLarge(f"comparing a text of {n} words with a word list of {len(self.phrases)} "
                                   f"phrases needs more than {budget} word comparisons")
            if best:
                out.append((i, i + best))
                i += best
            else:
                i += 1
        return out

    def _prefixed_in(self, lows: frozenset) -> bool:
        """Whether a word of the text starts with a `prefix*` first word."""
        lengths, prefixed = self.prefix_lengths, self.prefixed
        return any(low[:size] in prefixed for low in lows for size in lengths if size <= len(low))

    def _candidates(self, tok: str, low: str) -> list[int]:
        """The phrases whose first word matches this word (in no particular order)."""
        found = self.first.get(low, [])
        cased = self.first_cased.get(tok)
        if cased:
            found = found + cased
        for size in self.prefix_lengths:  # one look-up per distinct prefix length, not per prefix
            if size > len(low):
                break
            ks = self.prefixed.get(low[:size])
            if ks:
                found = found + ks
        if self.loose:
            found = found + [k for k in self.loose if self.phrases[k][0](tok, low)]
        return found


def _budget(words: int, list_size: int) -> int:
    """Word comparisons allowed for one text and one list, linear in both sizes: the default lists need at
    most 9 per word on a 5,000-word text, and a statement of a few hundred words stays within the constant."""
    return 200_000 + 16 * (words + list_size)


def _phrase_words(phrase: str) -> list[list[str]]:
    """A phrase's words, each a list of alternatives, with punctuation dropped as the text's words drop it."""
    out: list[list[str]] = []
    for word in phrase.split():
        alts = [a for a in word.split("|") if a]
        cleaned = []
        for alt in alts:
            if alt == "*":
                cleaned.append(alt)
                continue
            lead, trail = alt.startswith("*"), alt.endswith("*") and len(alt) > 1
            core = alt[1 if lead else 0:len(alt) - 1 if trail else len(alt)]
            parts = _TOKEN.findall(core)
            if not parts:
                continue
            if len(alts) == 1 and len(parts) > 1:  # `(14)` or `a/b`: the words inside, one after another
                out.extend([[p] for p in parts[:-1]])
                parts = parts[-1:]
            cleaned.append(("*" if lead else "") + parts[0] + ("*" if trail else ""))
        if cleaned:
            out.append(cleaned)
    return out


_INDEXES: dict[tuple, _PhraseIndex] = {}
_TEXTS: dict[str, _Text] = {}  # the statements of the spec in hand: several rules and lists ask about each
_CACHED_TEXT = 10_000  # longer texts are split again when asked again: the cache holds no megabytes
_CACHED_INDEX = 100_000  # likewise for word lists: at most this many comparisons' worth of lists is kept
_cached_size = [0]


def _index_of(phrases: Any) -> _PhraseIndex | None:
    if type(phrases) is not list or not phrases:
        return None
    try:
        key = tuple(phrases)
        index = _INDEXES.get(key)
    except TypeError:
        return _PhraseIndex(phrases)
    if index is None:
        index = _PhraseIndex(phrases)
        if index.size <= _CACHED_INDEX:
            if len(_INDEXES) >= 1024 or _cached_size[0] + index.size > _CACHED_INDEX:
                _INDEXES.clear()
                _cached_size[0] = 0
            _INDEXES[key] = index
            _cached_size[0] += index.size
    return index


def _split_text(text: str) -> _Text:
    t = _TEXTS.get(text)
    if t is None:
        t = _Text(text)
        if len(text) <= _CACHED_TEXT:
            if len(_TEXTS) >= 256:
                _TEXTS.clear()
            _TEXTS[text] = t
    return t


def _without_overlaps(found: list[tuple[int, int]], blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans of `found` that overlap no span of `blocked`; both are sorted and without overlaps of their
    own, so one sweep over each does."""
    out = []
    j = 0
    for start, end in found:
        while j < len(blocked) and blocked[j][1] <= start:
            j += 1
        if j < len(blocked) and blocked[j][0] < end:
            continue
        out.append((start, end))
    return out


@builtin("find_phrases", ("string", "list", "list"), "list")
def _find_phrases(text: Any, phrases: Any, exceptions: Any) -> list:
    """The phrases of the list found in the text (as written there, in order), leaving out any that overlaps
    a phrase of `exceptions`. Phrase syntax: whole words, case-insensitive except capitals (`IT`), `a|b`
    alternatives, `word*` any ending, `*ed` any beginning, a lone `*` any one word. The work is bounded by
    the sizes of text and list: where more would be needed, TextTooLarge (see _PhraseIndex.spans)."""
    if type(text) is not str or not text:
        return []
    index = _index_of(phrases)
    if index is None:
        return []
    t = _split_text(text)
    found = index.spans(t)
    if not found:
        return []
    ex = _index_of(exceptions)
    if ex is not None:
        blocked = ex.spans(t)
        if blocked:
            found = _without_overlaps(found, blocked)
    return [" ".join(t.words[a:b]) for a, b in found]


_CLOSING = {'"': '"', "“": "”", "‘": "’", "«": "»", "`": "`", "'": "'"}  # opening quote -> closing quote
# An opening quote; a straight `'` only where no letter, digit or quote precedes it. One character and a
# one-character look-behind: nothing to backtrack.
_OPENING = re.compile("[\"“‘«`]|(?<![\\w'’])'")


@builtin("unquoted", ("string",), "string")
def _unquoted(s: Any) -> Any:
    """The string with every quoted passage ("…", “…”, ‘…’, '…', «…», `…`) blanked out, so that words a
    text cites or names are not read as its own words. An apostrophe inside a word (`don't`) is no quote."""
    if type(s) is not str:
        return MISSING
    return _blank_quotes(s) if any(q in s for q in _CLOSING) else s


def _blank_quotes(s: str) -> str:
    """Each passage from an opening quote to the next closing quote on the same line becomes one space.

    Left to right, a passage resumes the scan after its closing quote. A straight `'` opens only where it
    does not follow a letter, digit or quote, and closes only where none follows (`don't`, `provider's`).
    Where the next closing quote or line end lies is remembered and only searched again once the scan has
    passed it, so an unclosed quote costs one search, not one per later quote: the pass is linear.
    """
    out: list[str] = []
    size = len(s)
    ahead: dict[str, int] = {}  # character -> its first position after the last search start (size: none)
    done = 0  # s[:done] is settled
    for m in _OPENING.finditer(s):
        i = m.start()
        if i < done:
            continue
        quote = s[i]
        close = _next(s, _CLOSING[quote], i, ahead)
        if close >= _next(s, "\n", i, ahead):
            continue
        if quote == "'" and close + 1 < size and _in_word(s[close + 1]):
            continue
        out.append(s[done:i])
        out.append(" ")
        done = close + 1
    out.append(s[done:])
    return "".join(out)


def _next(s: str, char: str, i: int, ahead: dict[str, int]) -> int:
    """Position of the first `char` after `i` (len(s) if none), searching only past the last answer."""
    pos = ahead.get(char, -1)
    if pos <= i:
        pos = s.find(char, i + 1)
        pos = ahead[char] = len(s) if pos < 0 else pos
    return pos


def _in_word(c: str) -> bool:
    """Python's `\\w` and the two apostrophes: what may not stand next to a straight quote."""
    return c.isalnum() or c in "_'’"


# -- positions in the spec (H5: USM-008 names the line of an id's first use) ----------------------------------
#
# A rule sees plain data, not source positions. The engine sets a locator for the document whose rules are
# running (`LINE_LOCATOR`: object -> 1-based line, or None); without one (repository rules, a spec built by
# hand) `line_of` is missing.

import contextvars as _contextvars  # noqa: E402 - kept with the functions that use it

LINE_LOCATOR: _contextvars.ContextVar[Callable[[Any], "int | None"] | None] = _contextvars.ContextVar(
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

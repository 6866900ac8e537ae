"""Regular expressions of policies, run by RE2: time linear in the text, whatever the pattern.

One door for every pattern a policy can hold (a `matches` literal, a regex param set by config, a
`patternProperties` key of the schema). RE2 syntax is Perl's without backreferences or lookaround, which
are what make a backtracking engine take exponential time (`(a+)+$` on 40 characters ran for minutes
under Python's `re`). Without the `m` flag, `$` is the end of the text, as in Go, OPA and JSON Schema: a
trailing newline does not satisfy `^SLA-[0-9]{4}$` (Python's `$` also matches before one).

`re2` is imported on first use, so only policies that use regexes pay for it.
"""
from __future__ import annotations

import functools
from typing import Any

from ..textsafe import visible

MAX_REPEAT = 1000  # RE2's bound on a counted repetition; larger counts it would read as literal text

_LINEAR = "policies use RE2 syntax, which runs in linear time"
_HINTS = (
    ("invalid perl operator: (?=", f"lookahead is not supported: {_LINEAR}"),
    ("invalid perl operator: (?!", f"lookahead is not supported: {_LINEAR}"),
    ("invalid perl operator: (?<", f"lookbehind is not supported: {_LINEAR}"),
    ("invalid escape sequence: \\Z", "write `\\z` or `$` for the end of the text"),
    ("invalid repetition size", f"a count in `{{…}}` may be at most {MAX_REPEAT}, nested counts multiplied"),
    ("pattern too large", "it needs more memory than RE2 allows a pattern; simplify it"),
)


class RegexError(ValueError):
    """A pattern that RE2 cannot run; the message says why, in a user's words."""


class Regex:
    """A compiled pattern. `found_in(text)`: does it match anywhere in the text (a search, not a full match)."""

    __slots__ = ("pattern", "_search")

    def __init__(self, pattern: str, search: Any) -> None:
        self.pattern = pattern
        self._search = search

    def found_in(self, text: str) -> bool:
        # Encoded here so that a lone surrogate (JSON allows `"\ud800"`) cannot raise: RE2 then sees a
        # few bytes of invalid UTF-8 and goes on.
        return self._search(text.encode("utf-8", "surrogatepass")) is not None

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"


@functools.lru_cache(maxsize=1)
def _options() -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print every rejected pattern on stderr
    return options


def compile_regex(pattern: Any) -> Regex:
    """The pattern compiled by RE2; RegexError when it is not a string RE2 can run."""
    if type(pattern) is not str:
        raise RegexError("a regular expression must be a string")
    huge = _huge_repeat(pattern)
    if huge is not None:
        raise RegexError(f"bad regular expression: the repetition `{visible(huge)}` is larger than RE2 allows "
                         f"(a count in `{{…}}` may be at most {MAX_REPEAT})")
    import re2

    try:
        compiled = re2.compile(pattern, _options())
    except UnicodeEncodeError:
        raise RegexError("bad regular expression: it is not valid Unicode text") from None
    except re2.error as err:
        raise RegexError(f"bad regular expression: {_describe(err)}") from None
    return Regex(pattern, compiled.search)


def check_regex(pattern: str) -> str | None:
    """Why RE2 cannot run the pattern, or None when it can."""
    try:
        compile_regex(pattern)
    except RegexError as err:
        return str(err)
    return None


def _describe(err: Exception) -> str:
    raw = err.args[0] if err.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    what, sep, fragment = text.partition(": ")
    described = f"{what} at `{visible(fragment)}`" if sep and fragment else visible(text)
    for needle, hint in _HINTS:
        if text.startswith(needle):
            return f"{described} ({hint})"
    if what == "invalid escape sequence" and fragment[1:2].isdigit():
        return f"{described} (backreferences are not supported: {_LINEAR})"
    return described


def _huge_repeat(pattern: str) -> str | None:
    """A counted repetition above MAX_REPEAT that RE2 would take as literal text (`a{4294967296}`), if any.

    RE2 rejects counts up to its integer limit but reads a `{…}` whose number it cannot parse as plain
    characters; a policy author who wrote one meant a repetition, so it is refused instead.
    """
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\":
            if pattern.startswith("\\Q", i):  # literal text up to `\E`
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
            else:
                i += 2
            continue
        if in_class:
            if pattern.startswith("[:", i):  # a POSIX class such as `[:alpha:]` inside the brackets
                end = pattern.find(":]", i + 2)
                i = n if end < 0 else end + 2
                continue
            in_class = c != "]"
            i += 1
            continue
        if c == "[":
            in_class = True
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):  # a leading `]` is a member, not the end
                i += 1
            continue
        if c == "{":
            count, end = _counted(pattern, i)
            if count is not None and any(_too_many(d) for d in count):
                return pattern[i:end]
        i += 1
    return None


def _counted(pattern: str, i: int) -> tuple[tuple[str, ...] | None, int]:
    """The digit strings of a `{n}`, `{n,}` or `{n,m}` at `i`, and where it ends; (None, i) if it is not one."""
    n = len(pattern)
    j = i + 1
    parts: list[str] = []
    start = j
    while j < n and "0" <= pattern[j] <= "9":
        j += 1
    if j == start:
        return None, i
    parts.append(pattern[start:j])
    if j < n and pattern[j] == ",":
        j += 1
        start = j
        while j < n and "0" <= pattern[j] <= "9":
            j += 1
        if j > start:
            parts.append(pattern[start:j])
    if j < n and pattern[j] == "}":
        return tuple(parts), j + 1
    return None, i


def _too_many(digits: str) -> bool:
    significant = digits.lstrip("0")
    return len(significant) > len(str(MAX_REPEAT)) or int(significant or "0") > MAX_REPEAT

"""TOML text -> tomllib's data, with every way that can fail turned into a located `ConfigError`: syntax errors
at tomllib's position, nesting too deep for tomllib's recursion refused before it starts, over-long integers."""
from __future__ import annotations

import re
from typing import Any

from ..errors import ConfigError, Located, located
from .model import MAX_TOML_NESTING


def parse_toml(text: str, path: str) -> Any:
    """tomllib's reading of `text`; everything it cannot take is a located ConfigError, never another error."""
    import tomllib

    deep = _too_deep(text, MAX_TOML_NESTING)
    if deep is not None:
        raise ConfigError([_at_offset(path, text, deep, f"invalid TOML: arrays and inline tables are nested more "
                                                        f"than {MAX_TOML_NESTING} levels deep")])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(path, text, exc)]) from None
    except RecursionError:  # a last guard: _too_deep keeps tomllib's recursion shallow
        raise ConfigError([located(path, displayable(text), 1, 1, "invalid TOML: nested too deeply")]) from None
    except ValueError as exc:  # an integer with more digits than int() converts (sys.get_int_max_str_digits)
        offset, digits = _longest_number(text)
        if digits > 0:
            message = f"invalid TOML: an integer of {digits:,} digits is too long to read"
        else:
            offset, message = 0, f"invalid TOML: {exc}"
        raise ConfigError([_at_offset(path, text, offset, message)]) from None


def _at_offset(path: str, text: str, offset: int, message: str) -> Located:
    shown = displayable(text)
    line = shown.count("\n", 0, offset) + 1
    column = offset - (shown.rfind("\n", 0, offset) + 1) + 1
    return located(path, shown, line, column, message)


_TOML_TOKEN = re.compile(r"\"\"\"|'''|[\"'#\[\]{}]")
_BASIC_REST = re.compile(r'(?:[^"\\\n]|\\.)*"?')  # what follows an opening `"`, up to its closing quote
_MULTILINE_BASIC_REST = re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)', re.S)  # the same after `"""`


def _too_deep(text: str, limit: int) -> int | None:
    """The offset of the first `[` or `{` nested more than `limit` deep, or None.

    Linear and iterative: strings and comments are skipped by their syntax, so brackets inside them do not
    count; table headers count as one level (or two), far below any limit.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth, position, end = 0, 0, len(text)
    while position < end:
        match = _TOML_TOKEN.search(text, position)
        if match is None:
            return None
        token, position = match.group(), match.end()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth = max(0, depth - 1)
        elif token == "#":
            newline = text.find("\n", position)
            position = end if newline < 0 else newline
        elif token == "'''":
            close = text.find("'''", position)
            position = end if close < 0 else close + 3
        elif token == "'":
            close = text.find("'", position)
            newline = text.find("\n", position)
            position = end if close < 0 else close + 1 if newline < 0 or close < newline else newline
        else:
            rest = (_MULTILINE_BASIC_REST if token == '"""' else _BASIC_REST).match(text, position)
            position = rest.end() if rest else end
    return None


_DIGITS = re.compile(r"[0-9][0-9_]*")


def _longest_number(text: str) -> tuple[int, int]:
    """(offset, digit count) of the longest run of digits (TOML allows `_` between them), or (0, 0)."""
    best = (0, 0)
    for match in _DIGITS.finditer(text):
        digits = len(match.group()) - match.group().count("_")
        if digits > best[1]:
            best = (match.start(), digits)
    return best


_SYNTAX = re.compile(r"(?s)(.*) \(at (?:line (\d+), column (\d+)|end of document)\)")


def _syntax_problem(path: str, text: str, exc: Exception) -> Located:
    message = str(exc)
    line, column = 1, 1
    match = _SYNTAX.fullmatch(message)
    shown = displayable(text)
    if match:
        message = match.group(1)
        if match.group(2):
            line, column = int(match.group(2)), int(match.group(3))
        else:
            lines = shown.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message += " at end of file"
    if message:
        message = message[0].lower() + message[1:]
    return located(path, shown, line, column, f"invalid TOML: {message}")


_LINE_BREAKS = str.maketrans({c: " " for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def displayable(text: str) -> str:
    """`text` with TOML's line structure only: lines end at "\\n" alone, as tomllib counts them.

    `str.splitlines` (used to pick the source line) also breaks at characters TOML allows inside strings
    and comments (U+2028, U+0085, ...); they become spaces, one for one, so lines and columns still agree.
    Valid TOML has no lone "\r", so the key index can scan the same text with only "\r\n" replaced.
    """
    return text.replace("\r\n", "\n").translate(_LINE_BREAKS)

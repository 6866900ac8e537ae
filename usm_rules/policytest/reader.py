"""Validating one test file: typed reads of its values, each problem located at the offending value or key."""
from __future__ import annotations

import datetime as _dt
import os
import re
from typing import Any

from ..errors import Located, located
from ..suggest import did_you_mean


def normal_path(path: str) -> str:
    """A path as reports show it: normalised (no `./`, no `a/../`), with `/` separators."""
    path = os.path.normpath(path)
    return path.replace(os.sep, "/") if os.sep != "/" else path


def kind(value: Any) -> str:
    """What a value is, for messages: `the string 'x'`, `a list`, `null`."""
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if type(value) in (int, float):
        return f"the number {value}"
    if type(value) is str:
        return f"the string {value!r}" if value else "an empty string"
    if type(value) is list:
        return "a list"
    return "a mapping"


class Reader:
    """Reads the values of one loaded test file, collecting located problems instead of stopping at the first."""

    def __init__(self, path: str, text: str, document: Any) -> None:
        self.path = path
        self.text = text
        self.doc = document
        self.problems: list[Located] = []

    def where(self, parts: tuple, message: str = "", key: bool = False) -> Located:
        """The place of the value at `parts` (with `key`: of its key), carrying `message`."""
        span, _ = self.doc.locate(parts)
        line, column = span.line, span.column
        length = span.end_column - span.column if span.end_line == span.line else 1
        if key and parts:
            found = self._key_position(parts)
            if found:
                line, column, length = found
        return located(self.path, self.text, line, column, message, max(1, length))

    def _key_position(self, parts: tuple) -> tuple[int, int, int] | None:
        """Line, column and length of the key of the mapping entry at `parts` (the loader locates values):
        the last `key:` before the value, on its line or the few lines above."""
        span, found = self.doc.locate(parts)
        if found != parts:
            return None
        lines = self.text.splitlines()
        # A literal key, optionally quoted, then `:`; no nested repetition, so no backtracking blow-up.
        pattern = re.compile(r"(?<![\w\-/.~])(['\"]?)" + re.escape(str(parts[-1])) + r"\1\s*:")
        for number in range(span.line, max(0, span.line - 4), -1):
            if number > len(lines):
                continue
            text = lines[number - 1] if number != span.line else lines[number - 1][:span.column - 1]
            hits = list(pattern.finditer(text))
            if hits:
                m = hits[-1]
                return number, m.start() + 1, len(m.group(0).rstrip(": \t"))
        return None

    def error(self, parts: tuple, message: str, key: bool = False) -> None:
        self.problems.append(self.where(parts, message, key))

    def keys(self, parts: tuple, value: Any, known: tuple[str, ...], what: str) -> bool:
        """Whether `value` is a mapping; each key it has that is not `known` is a problem."""
        if type(value) is not dict:
            self.error(parts, f"{what} must be a mapping, got {kind(value)}")
            return False
        for key in value:
            if key not in known:
                hint = did_you_mean(str(key), known) or f" (known: {', '.join(known)})"
                self.error(parts + (key,), f"unknown key `{key}` in {what}{hint}", key=True)
        return True

    def string(self, parts: tuple, value: Any, what: str) -> str | None:
        if type(value) is str and value.strip():
            return value
        self.error(parts, f"{what} must be a non-empty string, got {kind(value)}")
        return None

    def date(self, parts: tuple, value: Any) -> _dt.date | None:
        if type(value) is str:
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(parts, f"`as_of` must be a date written YYYY-MM-DD, got {kind(value)}")
        return None

    def file(self, parts: tuple, value: Any, base_dir: str, what: str) -> str | None:
        """The path a value names, relative to the test file's directory, if it is a file."""
        name = self.string(parts, value, what)
        if name is None:
            return None
        full = normal_path(os.path.join(base_dir, name))
        if not os.path.isfile(full):
            self.error(parts, f"{what} `{name}` does not exist (looked for `{full}`)")
            return None
        return full

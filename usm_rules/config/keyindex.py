"""Where each key of a TOML document is written. tomllib gives no positions, so the (already valid) text is
scanned once more, by its syntax, and the first place of every key path is recorded."""
from __future__ import annotations

import re
from bisect import bisect_right

from .wording import BARE_KEY


class _Stop(Exception):
    """The scanner met something it does not understand: keep what it found so far."""


_SCALAR = re.compile(r"[^,\]}\n#]+")


class KeyIndex:
    """Where each key path of a valid TOML document is first written, as (line, column, length).

    A header `[a.b]` records ("a",) and ("a", "b"); a key `c.d = 1` under it records ("a", "b", "c") and
    ("a", "b", "c", "d"); keys of inline tables extend the path of their key, arrays pass it on to the
    inline tables they hold. Values are skipped by their syntax (strings with escapes and multi-line
    quotes, nested arrays, comments), so text inside a string or a comment is never taken for a key.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.spots: dict[tuple[str | int, ...], tuple[int, int]] = {}
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        try:
            self._document()
        except (_Stop, IndexError, ValueError, RecursionError):
            pass

    def find(self, path: tuple[str | int, ...]) -> tuple[int, int, int] | None:
        spot = self.spots.get(path)
        if spot is None:
            return None
        start, end = spot
        line = bisect_right(self.line_starts, start)
        return line, start - self.line_starts[line - 1] + 1, max(1, end - start)

    def _document(self) -> None:
        text = self.text
        table: tuple[str, ...] = ()
        while True:
            self._blank(newlines=True)
            if self.pos >= len(text):
                return
            if text[self.pos] == "[":
                double = text.startswith("[[", self.pos)
                self.pos += 2 if double else 1
                table = self._key(())
                self._blank()
                self._expect("]]" if double else "]")
            else:
                path = self._key(table)
                self._blank()
                self._expect("=")
                self._value(path)

    def _blank(self, newlines: bool = False) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise _Stop
        self.pos += len(token)

    def _key(self, prefix: tuple[str, ...]) -> tuple[str, ...]:
        path = prefix
        while True:
            self._blank()
            start = self.pos
            path = path + (self._key_part(),)
            self.spots.setdefault(path, (start, self.pos))
            self._blank()
            if self.text.startswith(".", self.pos):
                self.pos += 1
            else:
                return path

    def _key_part(self) -> str:
        text, start = self.text, self.pos
        c = text[start]
        if c == '"':
            self.pos = self._basic_string_end(start)
            return _decode_basic_key(text[start:self.pos])
        if c == "'":
            self.pos = text.index("'", start + 1) + 1
            return text[start + 1:self.pos - 1]
        match = BARE_KEY.match(text, start)
        if match is None:
            raise _Stop
        self.pos = match.end()
        return match.group()

    def _basic_string_end(self, start: int) -> int:
        text, i = self.text, start + 1
        while True:
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "\n":
                raise _Stop
            else:
                i += 1

    def _multiline_end(self, start: int, quote: str) -> int:
        text, i = self.text, start + 3
        while True:
            c = text[i]
            if c == "\\" and quote == '"':
                i += 2
            elif c == quote and text.startswith(quote * 3, i):
                run = 3  # up to two more quotes just before the delimiter belong to the string
                while run < 5 and i + run < len(text) and text[i + run] == quote:
                    run += 1
                return i + run
            else:
                i += 1

    def _value(self, path: tuple[str, ...]) -> None:
        self._blank()
        text, start = self.text, self.pos
        c = text[start]
        if text.startswith('"""', start) or text.startswith("'''", start):
            self.pos = self._multiline_end(start, c)
        elif c == '"':
            self.pos = self._basic_string_end(start)
        elif c == "'":
            self.pos = text.index("'", start + 1) + 1
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            match = _SCALAR.match(text, start)
            if match is None:
                raise _Stop
            self.pos = match.end()

    def _array(self, path: tuple[str | int, ...]) -> None:
        self.pos += 1
        index = 0
        while True:
            self._blank(newlines=True)
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            start = self.pos
            if self.text[start] == "[":  # a nested array numbers its own elements below this one
                self._array(path + (index,))
            else:
                self._value(path)  # inline tables in an array record their keys under the array's key
            self.spots.setdefault(path + (index,), (start, self.pos))
            index += 1
            self._blank(newlines=True)
            if self.text[self.pos] == ",":
                self.pos += 1
            elif self.text[self.pos] != "]":
                raise _Stop

    def _inline_table(self, path: tuple[str, ...]) -> None:
        self.pos += 1
        while True:
            self._blank(newlines=True)
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            key = self._key(path)
            self._blank()
            self._expect("=")
            self._value(key)
            self._blank(newlines=True)
            if self.text[self.pos] == ",":
                self.pos += 1
            elif self.text[self.pos] != "}":
                raise _Stop


def _decode_basic_key(quoted: str) -> str:
    if "\\" not in quoted:
        return quoted[1:-1]
    import tomllib

    try:
        return next(iter(tomllib.loads(quoted + " = 0")))
    except (tomllib.TOMLDecodeError, StopIteration):
        return quoted[1:-1]

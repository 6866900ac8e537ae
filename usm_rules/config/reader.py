"""The validating reader: each check of a config value records a located problem (and accepts nothing) or
hands the value back; where each accepted key is written is recorded for later stages."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import Located, located
from .keyindex import KeyIndex
from .syntax import displayable
from .wording import dotted, either, show, suggest


class Reader:
    """Collects located problems and key locations while one config table is validated."""

    def __init__(self, path: str, text: str, prefix: tuple[str, ...]) -> None:
        self.path = path
        self.source = text.replace("\r\n", "\n")  # same offsets as `text` shown, with its keys intact
        self.text = displayable(text)
        self.prefix = prefix
        self.problems: list[Located] = []
        self.locations: dict[str, Located] = {}
        self._index: KeyIndex | None = None

    def at(self, key: tuple[str | int, ...], message: str = "") -> Located:
        if self._index is None:
            self._index = KeyIndex(self.source)
        spot = self._index.find(self.prefix + key)
        line, column, length = spot if spot is not None else (1, 1, 1)
        return located(self.path, self.text, line, column, message, length)

    def note(self, key: tuple[str, ...]) -> Located:
        return self.note_as(key, dotted(key))

    def note_as(self, key: tuple[str | int, ...], name: str) -> Located:
        """Record where `key` is written under `name` in `Config.locations` (message "")."""
        where = self.at(key)
        self.locations[name] = where
        return where

    def error(self, key: tuple[str, ...], message: str) -> None:
        self.problems.append(self.at(key, message))

    def unknown(self, key: tuple[str, ...], known: Iterable[str], hint: str = "") -> None:
        where = f" in `[{dotted(key[:-1])}]`" if len(key) > 1 else ""
        suggestion = "" if hint else suggest(key[-1], known)
        self.error(key, f"unknown key `{dotted(key[-1:])}`{where}{suggestion}{hint}")

    # Each check returns the value it accepts, or None after recording a problem.

    def table(self, key: tuple[str, ...], value: object) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(key, f"`{dotted(key)}` must be a table, got {show(value)}")
        return None

    def keys(self, key: tuple[str, ...], value: object, known: Iterable[str]) -> dict[str, Any]:
        """The entries of table `key` whose names are in `known`; the others are reported."""
        table = self.table(key, value)
        if table is None:
            return {}
        known = tuple(known)
        accepted = {}
        for name, item in table.items():
            if name in known:
                self.note(key + (name,))
                accepted[name] = item
            else:
                self.unknown(key + (name,), known)
        return accepted

    def string(self, key: tuple[str, ...], value: object) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.error(key, f"`{dotted(key)}` must be a non-empty string, got {show(value)}")
        return None

    def strings(self, key: tuple[str, ...], value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.error(key, f"`{dotted(key)}` must be an array of strings, got {show(value)}")
            return None
        ok = True
        for number, item in enumerate(value, 1):
            if not (isinstance(item, str) and item.strip()):
                self.error(key, f"item {number} of `{dotted(key)}` must be a non-empty string, got {show(item)}")
                ok = False
        return tuple(value) if ok else None

    def names(self, key: tuple[str, ...], value: object, minimum: int) -> tuple[str, ...] | None:
        """An array of at least `minimum` unique non-empty strings."""
        items = self.strings(key, value)
        if items is None:
            return None
        if len(items) < minimum:
            entries = "entry" if minimum == 1 else "entries"
            self.error(key, f"`{dotted(key)}` must have at least {minimum} {entries}, got {len(items)}")
            return None
        seen: set[str] = set()
        ok = True
        for item in items:
            if item in seen:
                self.error(key, f"`{dotted(key)}` lists {show(item)} more than once")
                ok = False
            seen.add(item)
        return items if ok else None

    def positive_int(self, key: tuple[str, ...], value: object, maximum: int) -> int | None:
        """A positive integer no larger than `maximum` (what the code that uses it can honour)."""
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            self.error(key, f"`{dotted(key)}` must be a positive integer, got {show(value)}")
        elif value > maximum:
            self.error(key, f"`{dotted(key)}` must be between 1 and {maximum:,}, got {show(value)}")
        else:
            return value
        return None

    def choice(self, key: tuple[str, ...], value: object, options: tuple[str, ...]) -> str | None:
        if isinstance(value, str) and value in options:
            return value
        suggestion = suggest(value, options) if isinstance(value, str) else ""
        self.error(key, f"`{dotted(key)}` must be {either(options)}, got {show(value)}{suggestion}")
        return None

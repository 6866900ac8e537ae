"""Positions in a JSON text that `json.loads` accepted: a token scanner builds a light tree of offsets on the
first `locate`, so a document that produces no finding never pays for it."""
from __future__ import annotations

import json
import re
from typing import Any, Iterator

from ..findings import Span
from .scalars import as_index, find_key
from .surrogates import surrogate_message
from .text import line_col

_JSON_TOKEN = re.compile(
    r'[ \t\r\n]*(?:(?P<s>"(?:[^"\\]|\\.)*")|(?P<p>[\[\]{},:])'
    r"|(?P<v>-?(?:[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity))",
    re.S,
)


class _JsonNode:
    __slots__ = ("start", "end", "items", "is_object")

    def __init__(self, start: int, is_object: bool | None) -> None:
        self.start, self.end, self.is_object = start, start, is_object
        self.items: list[Any] = []  # objects: (key, key_start, key_end, node); arrays: nodes


class JsonSource:
    """Positions in a JSON text, computed on the first `locate` (the fast path never needs them)."""

    __slots__ = ("text", "_root")

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: _JsonNode | None = None

    def root(self) -> _JsonNode:
        if self._root is None:
            self._root = self._scan()
        return self._root

    def _scan(self) -> _JsonNode:
        """Token scanner for a text `json.loads` accepted; iterative, so depth does not matter."""
        text, position, end = self.text, 0, len(self.text)
        stack: list[_JsonNode] = []
        key: tuple[str, int, int] | None = None
        root: _JsonNode | None = None
        while position < end:
            match = _JSON_TOKEN.match(text, position)
            if match is None:
                break
            position = match.end()
            kind = match.lastgroup
            token = match.group(kind)
            start = match.start(kind)
            if kind == "p":
                if token in "[{":
                    node = _JsonNode(start, token == "{")
                    self._attach(stack, node, key)
                    key = None
                    stack.append(node)
                elif token in "]}":
                    node = stack.pop()
                    node.end = position
                    if not stack:
                        root = node
                continue
            if kind == "s" and stack and stack[-1].is_object and key is None:
                key = (json.loads(token), start, position)
                continue
            node = _JsonNode(start, None)
            node.end = position
            self._attach(stack, node, key)
            key = None
            if not stack:
                root = node
        return root or _JsonNode(0, None)

    @staticmethod
    def _attach(stack: list[_JsonNode], node: _JsonNode, key: tuple[str, int, int] | None) -> None:
        if stack:
            parent = stack[-1]
            parent.items.append((*key, node) if parent.is_object and key is not None else node)

    def span(self, start: int, end: int) -> Span:
        line, column = line_col(self.text, start)
        end_line, end_column = line_col(self.text, end)
        return Span(line, column, end_line, end_column)

    def locate(self, parts: tuple[str | int, ...]) -> tuple[Span, tuple[str | int, ...]]:
        node = self.root()
        found: list[str | int] = []
        for part in parts:
            if node.is_object:
                at = find_key([item[0] for item in node.items], part)
                if at is None:
                    break
                node = node.items[at][3]
            elif node.is_object is False:
                index = as_index(part)
                if index is None or index >= len(node.items):
                    break
                node = node.items[index]
            else:
                break
            found.append(part)
        return self.span(node.start, node.end), tuple(found)

    def surrogates(self) -> Iterator[tuple[tuple[str | int, ...], Span, str]]:
        """Each key or string value that holds a lone surrogate: its pointer parts, its span, the message."""
        stack: list[tuple[_JsonNode, tuple]] = [(self.root(), ())]
        while stack:
            node, parts = stack.pop()
            if node.is_object:
                for key, key_start, key_end, child in node.items:
                    message = surrogate_message("the key", key)
                    if message is not None:
                        yield parts + (key,), self.span(key_start, key_end), message
                    stack.append((child, parts + (key,)))
            elif node.is_object is False:
                stack.extend((child, parts + (i,)) for i, child in enumerate(node.items))
            else:
                token = self.text[node.start:node.end]
                if token[:1] == '"' and "\\u" in token:
                    message = surrogate_message("the string", json.loads(token))
                    if message is not None:
                        yield parts, self.span(node.start, node.end), message

    def duplicates(self) -> Iterator[tuple[tuple[str | int, ...], str, Span, tuple[int, int]]]:
        """Each duplicate key: its pointer parts, the key, its span, and the first occurrence's line/column."""
        stack: list[tuple[_JsonNode, tuple]] = [(self.root(), ())]
        while stack:
            node, parts = stack.pop()
            if node.is_object:
                first: dict[str, int] = {}
                for key, key_start, key_end, child in node.items:
                    if key in first:
                        yield parts + (key,), key, self.span(key_start, key_end), line_col(self.text, first[key])
                    else:
                        first[key] = key_start
                    stack.append((child, parts + (key,)))
            elif node.is_object is False:
                stack.extend((child, parts + (i,)) for i, child in enumerate(node.items))

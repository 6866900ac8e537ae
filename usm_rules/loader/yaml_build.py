"""Composed YAML nodes -> plain Python values, within the depth and node limits.

Two builders: `build_plain`, the fast path for a document without aliases (recursive, scalars resolved
inline), and `CarefulBuilder`, which builds each aliased node once, shares it, counts it at its expanded
size (the "billion laughs" guard) and finds aliases that refer to a collection containing them. Both report
duplicate keys, complex keys and bad tags as `Issue`s tied to their node.
"""
from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .problems import Limits, depth_message, first_defined, short
from .scalars import BAD, MAP, NUMBER_START, PLAIN_SPECIAL, SEQ, Issue, key_quiet, plain, scalar_value, tagged


class LimitExceeded(Exception):
    """A limit was passed at `node`; `root` is the document's (possibly unfinished) root if known."""

    def __init__(self, message: str, node: Any, root: Any = None) -> None:
        super().__init__(message)
        self.message, self.node, self.root = message, node, root


def build_plain(node: Any, remaining: int, issues: list) -> Any:
    """Fast path for a tree without aliases: `remaining` is how many more collection levels are allowed.

    Scalars are resolved inline (a function call per scalar costs more than the rest of the work); the
    mapping and sequence loops are functions of their own, one call per collection.
    """
    cls = node.__class__
    if cls is ScalarNode:
        return scalar_value(node, issues)
    if remaining < 1:
        raise LimitExceeded("", node)
    tag = node.tag
    if tag.__class__ is not slice and tag != (MAP if cls is MappingNode else SEQ):
        tagged(node, issues)
        return None
    if cls is MappingNode:
        return _plain_mapping(node.value, remaining - 1, issues)
    return _plain_sequence(node.value, remaining - 1, issues)


def _plain_mapping(pairs: list, remaining: int, issues: list) -> dict:
    result = {}
    for key_node, value_node in pairs:
        if key_node.__class__ is ScalarNode:
            tag = key_node.tag
            if tag.__class__ is slice:
                key = key_node.value
                if tag.step[0] and (key in PLAIN_SPECIAL or key[0] in NUMBER_START):
                    key = plain(key, key_node, issues)
                    if key is BAD:
                        continue
            else:
                key = tagged(key_node, issues)
                if key is BAD:
                    continue
        else:
            _complex_key(key_node, issues)
            continue
        if value_node.__class__ is ScalarNode:
            tag = value_node.tag
            if tag.__class__ is slice:
                value = value_node.value
                if tag.step[0] and (value in PLAIN_SPECIAL or value[0] in NUMBER_START):
                    value = plain(value, value_node, issues)
                    if value is BAD:
                        value = None
            else:
                value = tagged(value_node, issues)
                if value is BAD:
                    value = None
            result[key] = value
        else:
            result[key] = build_plain(value_node, remaining, issues)
    if len(result) != len(pairs):
        _report_duplicates(pairs, issues)
    return result


def _plain_sequence(items: list, remaining: int, issues: list) -> list:
    result: list = []
    append = result.append
    for item in items:
        if item.__class__ is ScalarNode:
            tag = item.tag
            if tag.__class__ is slice:
                value = item.value
                if tag.step[0] and (value in PLAIN_SPECIAL or value[0] in NUMBER_START):
                    value = plain(value, item, issues)
                    if value is BAD:
                        value = None
            else:
                value = tagged(item, issues)
                if value is BAD:
                    value = None
            append(value)
        else:
            append(build_plain(item, remaining, issues))
    return result


def _complex_key(node: Any, issues: list) -> None:
    kind = "mapping" if node.__class__ is MappingNode else "sequence"
    issues.append(Issue("SPEC-PARSE", f"a mapping key must be a scalar (string, number, boolean or null), "
                                      f"not a {kind}", node))


def _report_duplicates(pairs: list, issues: list) -> None:
    first: dict[Any, Any] = {}
    for key_node, _ in pairs:
        if key_node.__class__ is not ScalarNode:
            continue
        key = key_quiet(key_node)
        if key is BAD:
            continue
        earlier = first.get(key)
        if earlier is None:
            first[key] = key_node
        else:
            first_at = first_defined(earlier.start_mark.line + 1, earlier.start_mark.column + 1,
                                     key_node.start_mark.line + 1)
            message = f"duplicate key `{short(key_node.value)}` ({first_at})"
            issues.append(Issue("SPEC-DUPLICATE-KEY", message, key_node))


class CarefulBuilder:
    """The general path: aliases (shared nodes, built once), recursion through aliases, node counting."""

    __slots__ = ("max_depth", "max_nodes", "count", "done", "active", "issues", "aliased")

    def __init__(self, limits: Limits, issues: list) -> None:
        self.max_depth = limits.max_depth
        self.max_nodes = limits.max_nodes
        self.count = 0
        self.done: dict[int, tuple[Any, int, int]] = {}  # id(node) -> (value, expanded size, height)
        self.active: set[int] = set()
        self.issues = issues
        self.aliased = False

    def build(self, node: Any, depth: int) -> tuple[Any, int]:
        """Value of `node`, whose parent is at `depth` collection levels, and the node's height."""
        if node.__class__ is ScalarNode:
            self._grow(1, node)
            value = scalar_value(node, self.issues)
            return (None if value is BAD else value), 0
        key = id(node)
        seen = self.done.get(key)
        if seen is not None:  # an alias of a node built before: shared, but counted at full size
            value, size, height = seen
            self.aliased = True
            if depth + height > self.max_depth:
                raise LimitExceeded(depth_message(self.max_depth), node)
            self._grow(size, node)
            return value, height
        if key in self.active:
            self.issues.append(Issue("SPEC-PARSE", "an alias refers to a collection that contains it "
                                                   "(a recursive structure)", node))
            return None, 0
        if depth + 1 > self.max_depth:
            raise LimitExceeded(depth_message(self.max_depth), node)
        start = self.count
        self._grow(1, node)
        tag = node.tag
        if tag.__class__ is not slice and tag != (MAP if node.__class__ is MappingNode else SEQ):
            tagged(node, self.issues)
            value, height = None, 1
        else:
            self.active.add(key)
            value, height = self._children(node, depth + 1)
            self.active.discard(key)
        self.done[key] = (value, self.count - start, height)
        return value, height

    def _children(self, node: Any, depth: int) -> tuple[Any, int]:
        height = 0
        if node.__class__ is SequenceNode:
            items = []
            for item in node.value:
                value, h = self.build(item, depth)
                items.append(value)
                height = h if h > height else height
            return items, height + 1
        result = {}
        pairs = node.value
        for key_node, value_node in pairs:
            if key_node.__class__ is not ScalarNode:
                _complex_key(key_node, self.issues)
                continue
            self._grow(1, key_node)
            key = scalar_value(key_node, self.issues)
            if key is BAD:
                continue
            value, h = self.build(value_node, depth)
            result[key] = value
            height = h if h > height else height
        if len(result) != len(pairs):
            _report_duplicates(pairs, self.issues)
        return result, height + 1

    def _grow(self, size: int, node: Any) -> None:
        self.count += size
        if self.count > self.max_nodes:
            raise LimitExceeded(f"the document expands to more than {self.max_nodes:,} nodes through aliases "
                                f"(a \"billion laughs\" structure?)" if self.aliased else
                                f"the document has more than {self.max_nodes:,} nodes", node)

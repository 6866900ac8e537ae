"""Composing YAML into node trees: libyaml (or PyYAML's pure-Python parser) with resolver hooks that cost next
to nothing, and an event-stream composer without recursion for input nested too deep for them.
"""
from __future__ import annotations

from typing import Any, Iterator

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..findings import Span
from .document import AliasUse
from .problems import depth_message
from .yaml_build import LimitExceeded

# The composer calls `resolve(kind, value, implicit)` for every node without an explicit tag, and
# `descend_resolver(parent, index)` / `ascend_resolver()` around every node. Python functions there cost
# more than a tenth of the whole parse; builtins are the cheapest callables: `slice(kind, value, implicit)`
# keeps the `implicit` flags in `.step` - a `(plain, quoted)` tuple for scalars, so `tag.step[0]` means
# "plain scalar: resolve by the core schema" - and `slice` / `tuple` accept the descend / ascend arguments
# and do nothing. Explicit tags stay strings, so `tag.__class__ is slice` means "no explicit tag".
#
# `safe_depth` is the nesting depth up to which the recursive composer (`get_node`) is used. libyaml's C
# composer overflows an 8 MB stack somewhere between 20,000 and 40,000 levels and its scanner is quadratic
# in the depth (10,000 levels take about a second); PyYAML's pure-Python composer uses two Python frames
# per level. Deeper input goes through `compose_events`.
RESOLVER_HOOKS = {"resolve": slice, "descend_resolver": slice, "ascend_resolver": tuple}

if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _CParser

    CComposer: type | None = type("CComposer", (_CParser,), {**RESOLVER_HOOKS, "safe_depth": 4000})
else:  # pragma: no cover - depends on how PyYAML was built
    CComposer = None

PyComposer = type("PyComposer", (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                                 yaml.composer.Composer), {**RESOLVER_HOOKS, "safe_depth": 200})


def _py_composer_init(self: Any, stream: str) -> None:
    yaml.reader.Reader.__init__(self, stream)
    yaml.scanner.Scanner.__init__(self)
    yaml.parser.Parser.__init__(self)
    yaml.composer.Composer.__init__(self)


PyComposer.__init__ = _py_composer_init  # type: ignore[misc]

DefaultComposer = CComposer or PyComposer
LIBYAML_DEPTH = "exceeded maximum nesting depth"


def depth_bound_ok(text: str, limit: int) -> bool:
    """True if the collection nesting of `text` is certainly at most `limit` (cheap, C-speed checks).

    Every collection on a path needs its own indicator character (`[` `{` `-` `?` `:`), so their count
    bounds the depth. When that is too loose (long files): flow nesting is at most two levels per `[`
    (a single-pair mapping inside) plus one per `{`, and block collections open at strictly increasing
    columns (at most two per column: a sequence may sit at its parent mapping's column), and a column is
    less than the length of the longest line.
    """
    if len(text) <= limit:
        return True
    flow = text.count("[") + text.count("{")
    if flow + text.count("-") + text.count("?") + text.count(":") <= limit:
        return True
    flow += text.count("[")
    if flow > limit:
        return False
    return flow + 2 * (max(map(len, text.split("\n"))) + 2) <= limit


def compose_events(parser: Any, max_depth: int, record_aliases: bool = False
                   ) -> Iterator[tuple[Any, dict[tuple[int, int], AliasUse] | None]]:
    """Compose documents from the event stream without recursion, stopping past `max_depth` levels.

    Gives the same nodes as the recursive composers (anchors registered the same way, same errors). With
    `record_aliases`, each document comes with where its aliases stand: (id(parent node), position of the
    child in the parent's `value`) -> the alias use; the recursive composers cannot tell an alias from its
    anchor, as both hand back the same node.
    """
    get = parser.get_event
    get()  # stream start
    while True:
        event = get()
        if event.__class__ is StreamEndEvent:
            return
        uses: dict[tuple[int, int], AliasUse] | None = {} if record_aliases else None
        root = _compose_document(get, max_depth, uses)
        get()  # document end
        yield root, uses


def _compose_document(get: Any, max_depth: int, uses: dict[tuple[int, int], AliasUse] | None) -> Any:
    """The root node of the document whose start event was just read; `get` reads the next event."""
    anchors: dict[str, Any] = {}
    stack: list[Any] = []  # open collections
    pending: list[Any] = []  # per open collection: the key node waiting for its value (mappings)
    root = None
    while root is None:
        event = get()
        cls = event.__class__
        if cls is SequenceEndEvent or cls is MappingEndEvent:
            node = stack.pop()
            pending.pop()
            node.end_mark = event.end_mark
            if not stack:
                root = node
            continue
        if cls is AliasEvent:
            node = _alias_node(event, anchors, uses, stack, pending)
        else:
            anchor = event.anchor
            if anchor is not None and anchor in anchors:
                raise yaml.composer.ComposerError("found duplicate anchor; first occurrence",
                                                  anchors[anchor].start_mark, "second occurrence",
                                                  event.start_mark)
            tag = event.tag
            if cls is ScalarEvent:
                if tag is None or tag == "!":
                    tag = slice(ScalarNode, event.value, event.implicit)
                node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            else:
                kind = SequenceNode if cls is SequenceStartEvent else MappingNode
                if tag is None or tag == "!":
                    tag = slice(kind, None, event.implicit)
                node = kind(tag, [], event.start_mark, None, event.flow_style)
            if anchor is not None:
                anchors[anchor] = node
        if stack:
            parent = stack[-1]
            if parent.__class__ is SequenceNode:
                parent.value.append(node)
            elif pending[-1] is None:
                pending[-1] = node
            else:
                parent.value.append((pending[-1], node))
                pending[-1] = None
        if cls is SequenceStartEvent or cls is MappingStartEvent:
            if len(stack) >= max_depth:
                raise LimitExceeded(depth_message(max_depth), node, stack[0] if stack else node)
            stack.append(node)
            pending.append(None)
        elif not stack:
            root = node
    return root


def _alias_node(event: Any, anchors: dict[str, Any], uses: dict[tuple[int, int], AliasUse] | None,
                stack: list[Any], pending: list[Any]) -> Any:
    """The anchored node an alias event stands for; where it stands is recorded in `uses` (when kept)."""
    node = anchors.get(event.anchor)
    if node is None:
        raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
    if uses is not None and stack and (stack[-1].__class__ is SequenceNode or pending[-1] is not None):
        start, end = event.start_mark, event.end_mark
        uses[(id(stack[-1]), len(stack[-1].value))] = AliasUse(
            Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1), event.anchor, node)
    return node


def compose_recursive(parser: Any) -> Iterator[tuple[Any, None]]:
    while parser.check_node():
        yield parser.get_node(), None

"""One loaded document: its plain data, and the composed nodes (or JSON positions) that say where each part is."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..findings import Span
from ..textsafe import visible
from .scalars import BAD, as_index, find_key, key_quiet

if TYPE_CHECKING:
    from .json_positions import JsonSource


class Document:
    """One YAML or JSON document: plain data plus what is needed to find where each part came from."""

    __slots__ = ("index", "data", "has_problems", "_root", "_json", "_aliases")

    def __init__(self, index: int, data: Any, has_problems: bool = False, root: Any = None,
                 json_source: "JsonSource | None" = None, aliases: "dict[tuple[int, int], AliasUse] | None" = None
                 ) -> None:
        self.index = index
        self.data = data
        self.has_problems = has_problems
        self._root = root
        self._json = json_source
        self._aliases = aliases  # where a YAML alias stands for a node: only for documents that have aliases

    def __repr__(self) -> str:
        return f"Document(index={self.index}, has_problems={self.has_problems}, data={self.data!r:.60})"

    def locate(self, parts: tuple[str | int, ...]) -> tuple[Span, tuple[str | int, ...]]:
        """Span of the node at that JSON-pointer path; if the path does not fully exist, the span of the
        DEEPEST existing node along it, and the parts actually found. For a mapping key, the span is the
        VALUE node's span (for a missing key: the parent mapping's). Root () = the whole document node.
        A node reached through a YAML alias is located at the (first) alias on the way: where it is used."""
        if self._json is not None:
            return self._json.locate(parts)
        if self._root is None:
            return Span(1, 1, 1, 1), ()
        node, found, uses = self._walk(parts)
        return (uses[0].span if uses else node_span(node)), found

    def related(self, parts: tuple[str | int, ...]) -> tuple[tuple[Span, str], ...]:
        """Where a node reached through YAML aliases is really written: each anchor passed on the way to it
        (and the node itself when it lies inside the last anchor), as (span, message) pairs; () without
        aliases."""
        if not self._aliases:
            return ()
        node, _, uses = self._walk(parts)
        out = [(node_span(use.anchor), f"anchor `{visible(use.name)}` is defined here") for use in uses]
        if uses and node is not uses[-1].anchor:
            out.append((node_span(node), f"the node is defined here, inside anchor `{visible(uses[-1].name)}`"))
        return tuple(out)

    def _walk(self, parts: tuple[str | int, ...]) -> tuple[Any, tuple[str | int, ...], list["AliasUse"]]:
        """The deepest node along `parts`, the parts found, and the alias uses passed on the way."""
        node = self._root
        aliases = self._aliases
        found: list[str | int] = []
        uses: list[AliasUse] = []
        for part in parts:
            cls = node.__class__
            if cls is MappingNode:
                at = find_key([key_quiet(k) if k.__class__ is ScalarNode else BAD for k, _ in node.value], part)
                if at is None:
                    break
                child = node.value[at][1]
            elif cls is SequenceNode:
                at = as_index(part)
                if at is None or at >= len(node.value):
                    break
                child = node.value[at]
            else:
                break
            if aliases:
                use = aliases.get((id(node), at))
                if use is not None:
                    uses.append(use)
            node = child
            found.append(part)
        return node, tuple(found), uses


class AliasUse:
    """A YAML alias (`*name`) in the document: its own span, and the anchored node it stands for."""

    __slots__ = ("span", "name", "anchor")

    def __init__(self, span: Span, name: str, anchor: Any) -> None:
        self.span, self.name, self.anchor = span, name, anchor


def node_span(node: Any) -> Span:
    """The 1-based span of a composed YAML node (a node without an end mark: its start)."""
    start, end = node.start_mark, node.end_mark or node.start_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)

"""Changes to a spec along the paths a rule reads: each sets one place to one candidate value (or removes it),
adds a missing object on the way to a path, or adds an item to an empty list on it.

Specs are never changed in place: `apply` copies only the containers along the changed path and shares the
rest, so a mutant costs little however large the spec.
"""
from __future__ import annotations

from typing import Any, Iterator

from .reads import Reads
from .values import REMOVE, Context, candidates, minimal, node_at, node_of_items

_ITEMS_PER_LIST = 3  # list items a `*` step visits (the first ones: enough to vary one and keep another)

Location = tuple  # keys and indexes from the spec's root
Mutation = tuple  # (location, value or REMOVE)


def places(data: Any, path: tuple) -> Iterator[tuple[Location, bool, Any, Mutation | None]]:
    """Each concrete place of `path` in `data`: (location, present, current value, None); and where the way
    is blocked (a missing object, an empty list), the mutation that opens it: (location, False, None, mutation)."""
    def walk(node: Any, at: Location, rest: tuple) -> Iterator[tuple[Location, bool, Any, Mutation | None]]:
        if not rest:
            yield at, True, node, None
            return
        step, tail = rest[0], rest[1:]
        if step == "*":
            if type(node) is not list:
                return
            if not node:
                schema_node = node_at(_abstract(at) + ("*",))
                if schema_node is not None:
                    yield at, False, None, (at, [minimal(schema_node)])
                return
            for i in range(min(len(node), _ITEMS_PER_LIST)):
                yield from walk(node[i], at + (i,), tail)
            return
        if type(node) is not dict:
            return
        if step in node:
            yield from walk(node[step], at + (step,), tail)
            return
        if not tail:
            yield at + (step,), False, None, None
            return
        schema_node = node_at(_abstract(at + (step,)))
        if schema_node is not None:  # open the way: the smallest value the schema allows there
            value = minimal(schema_node)
            if tail[0] == "*" and value == []:  # a list the path goes through: with one item to go into
                value = [minimal(node_of_items(schema_node))]
            yield at + (step,), False, None, (at + (step,), value)

    yield from walk(data, (), path)


def _abstract(location: Location) -> tuple:
    return tuple("*" if type(k) is int else k for k in location)


def mutations(data: Any, reads: Reads, ctx: Context) -> Iterator[Mutation]:
    """Every change worth trying on `data` for a rule that reads `reads`, in a fixed order: the rule's paths
    in the order it reads them, each place in document order, each candidate value in `candidates` order."""
    seen: set[tuple] = set()
    for path in reads.paths:
        schema_node = node_at(path)
        if schema_node is None:
            continue
        paired = reads.paired.get(path, [])
        for location, present, current, opening in places(data, path):
            if opening is not None:
                key = (opening[0], "open")
                if key not in seen:
                    seen.add(key)
                    yield opening
                continue
            if not location:
                continue
            for value in candidates(schema_node, current, paired, ctx, present):
                yield location, value


def apply(data: Any, mutation: Mutation) -> Any:
    """A copy of `data` with the mutation made (containers along the location copied, the rest shared)."""
    location, value = mutation

    def put(node: Any, rest: Location) -> Any:
        key = rest[0]
        if type(node) is dict:
            out: Any = dict(node)
        elif type(node) is list:
            out = list(node)
        else:
            raise KeyError(key)
        if len(rest) == 1:
            if value is REMOVE:
                del out[key]
            else:
                out[key] = value
        else:
            out[key] = put(node[key], rest[1:])
        return out

    return put(data, location)


def ids_in(data: Any, limit: int = 32) -> list[str]:
    """The `id` values in a spec (references and duplicates are made of them), in document order."""
    out: list[str] = []
    stack = [data]
    while stack and len(out) < limit:
        node = stack.pop(0)
        if type(node) is dict:
            value = node.get("id")
            if type(value) is str and value not in out:
                out.append(value)
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return out


def context_for(data: Any, reads: Reads, as_of: Any) -> Context:
    return Context(as_of, reads.constants, ids_in(data))

"""Values the schema allows at a place of a spec: what the search sets there.

`node_at` walks the spec schema along a path (`*` = a list's items; `$ref`, `anyOf` and `oneOf` followed);
`candidates` lists, in a fixed order, the values worth trying at a place of that schema node: the constants
the rule compares with it, the enum, numbers around the rule's numbers, dates around the run's date,
strings that make the text heuristics speak, ids of the spec (for references and duplicates), and for lists
none, one or a duplicated item. `minimal` builds the smallest schema-valid value of a node (a new list
item, an object the spec lacks). Validity is still decided by the schema itself when a candidate is checked.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any

from ..schema import resolve_ref, schema

REMOVE = object()  # the candidate "no value here": the key is removed
_DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_MAX_CANDIDATES = 48


def _resolved(node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 32:
        node = resolve_ref(schema(), node["$ref"])
        seen += 1
    return node


def branches(node: Any) -> list[dict]:
    """The alternatives a (resolved) schema node allows: itself, or each branch of its anyOf/oneOf."""
    node = _resolved(node)
    if not isinstance(node, dict):
        return []
    alternatives = node.get("anyOf") or node.get("oneOf")
    if alternatives:
        return [b for alt in alternatives for b in branches(alt)]
    return [node]


def node_at(path: tuple) -> dict | None:
    """The schema node of the value at `path` (a merged view of anyOf branches is not needed: the first
    branch that has the step wins); None when the schema has no such place."""
    node: Any = schema()
    for step in path:
        nxt = None
        for b in branches(node):
            if step == "*":
                if b.get("type") == "array" and "items" in b:
                    nxt = b["items"]
            elif step in b.get("properties", {}):
                nxt = b["properties"][step]
            if nxt is not None:
                break
        if nxt is None:
            return None
        node = nxt
    return _resolved(node)


def _types(node: Any) -> set[str]:
    out: set[str] = set()
    for b in branches(node):
        if "const" in b or "enum" in b:
            out.add("enum")
        t = b.get("type")
        out.update(t if isinstance(t, list) else [t] if t else [])
    return out


def minimal(node: Any, serial: int = 1) -> Any:
    """The smallest value the schema node allows: required keys only, minimal items, the first enum value."""
    for b in branches(node):
        if "const" in b:
            return b["const"]
        if "enum" in b:
            return b["enum"][0]
        t = b.get("type")
        if t == "object":
            return {k: minimal(b.get("properties", {}).get(k, {}), serial) for k in b.get("required", ())}
        if t == "array":
            return [minimal(b.get("items", {}), serial + i) for i in range(b.get("minItems", 0))]
        if t == "string":
            return _string_for(b, serial)
        if t == "integer":
            return max(b.get("minimum", 1), 1)
        if t == "number":
            return b.get("minimum", 1)
        if t == "boolean":
            return False
    return "x"


def _string_for(b: dict, serial: int) -> str:
    if b.get("pattern") == _DATE_PATTERN:
        return "2026-01-01"
    if str(b.get("pattern", "")).startswith("^P"):
        return "P1M"
    return f"new-{serial}"  # fits the id pattern, and is a name or a description too


class Context:
    """What candidates draw on besides the schema: the run's date, the rule's constants, the spec's ids."""

    def __init__(self, as_of: _dt.date, constants: list[Any], ids: list[str]) -> None:
        self.as_of = as_of
        self.numbers = [c for c in constants if type(c) in (int, float) and abs(c) < 1e9]
        self.strings = [c for c in constants if type(c) is str and 0 < len(c) <= 200]
        self.ids = ids
        self.dates = _dates(as_of, [int(x) for x in self.numbers if float(x).is_integer()])


def _dates(as_of: _dt.date, numbers: list[int]) -> list[str]:
    """The run's date and the days around it, and around `as_of` minus each of the rule's numbers taken as
    days, months and years (`assessedOn >= add_months(today(), -max_age_months)`)."""
    from ..lang.builtins import BUILTINS

    add_months = BUILTINS["add_months"].fn
    out: list[_dt.date] = [as_of]
    for k in sorted({abs(x) for x in numbers if 0 < abs(x) < 1000}):
        for back in (as_of - _dt.timedelta(days=k), _to_date(add_months(as_of.isoformat(), -k)),
                     _to_date(add_months(as_of.isoformat(), -12 * k))):
            if back is not None:
                out.extend([back - _dt.timedelta(days=1), back, back + _dt.timedelta(days=1)])
    out.extend([as_of + _dt.timedelta(days=1), as_of - _dt.timedelta(days=1), _dt.date(2000, 1, 1)])
    return list(dict.fromkeys(d.isoformat() for d in out))


def _to_date(value: Any) -> _dt.date | None:
    try:
        return _dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def candidates(node: Any, current: Any, paired: list[Any], ctx: Context, present: bool) -> list[Any]:
    """Values worth trying at a place whose schema node is `node` and whose value is `current` (`present`:
    the key exists). Paired constants come first; REMOVE (drop the key) is among them when the key exists."""
    kinds = _types(node)
    out: list[Any] = []
    out.extend(v for v in paired if _fits(v, kinds))
    if present:
        out.append(REMOVE)
    for b in branches(node):
        if "const" in b:
            out.append(b["const"])
        out.extend(b.get("enum", ()))
    if kinds & {"integer", "number"}:
        out.extend(_numbers(current, paired, ctx, "number" in kinds))
    if "string" in kinds:
        out.extend(_strings(node, current, paired, ctx))
    if "boolean" in kinds:
        out.extend([True, False])
    if "array" in kinds:
        out.extend(_lists(node, current, paired, ctx))
    if "object" in kinds and not present:
        out.append(minimal(node))
    return _unique([v for v in out if v is REMOVE or not _same(v, current)])[:_MAX_CANDIDATES]


def _fits(value: Any, kinds: set[str]) -> bool:
    if type(value) is str:
        return bool(kinds & {"string", "enum"})
    if type(value) in (int, float):
        return bool(kinds & {"integer", "number", "enum"})
    return False


def _numbers(current: Any, paired: list[Any], ctx: Context, fractional: bool) -> list[Any]:
    base = [v for v in paired if type(v) in (int, float)] + ctx.numbers
    if type(current) in (int, float):
        base.append(current)
    out: list[Any] = []
    for v in base:
        out.extend([v, v + 1, v - 1])
    out.extend([0, 1, 2, 5])
    if fractional:
        out.append(0.5)
    return out


def _strings(node: Any, current: Any, paired: list[Any], ctx: Context) -> list[Any]:
    patterns = {b.get("pattern") for b in branches(node)}
    if _DATE_PATTERN in patterns:  # the rule's own dates and the days around them, then the run's
        days = [d for v in paired if (d := _to_date(v)) is not None]
        around = [(d + _dt.timedelta(days=k)).isoformat() for d in days for k in (-1, 0, 1)]
        return around + list(ctx.dates)
    if any(str(p).startswith("^P") for p in patterns if p):
        return ["P1M", "P1D", "PT4H"]
    words = [v for v in paired if type(v) is str] + ctx.strings
    out: list[Any] = list(words)
    if isinstance(current, str):
        out.extend(f"{current} {w}" for w in words[:12])
    out.extend(ctx.ids)
    out.extend(["", " ", "new-1"])
    return out


def _lists(node: Any, current: Any, paired: list[Any], ctx: Context) -> list[Any]:
    items = node_of_items(node)
    out: list[Any] = [[]]
    cur = current if type(current) is list else []
    if cur:
        out.append(cur[:1])
        out.append(cur + [_copy(cur[0])])  # a duplicate
        out.append(cur[1:])
        out.append(cur[:-1])
    out.append(cur + [minimal(items, len(cur) + 1)])
    out.append([minimal(items, 1), minimal(items, 2)])
    for v in [p for p in paired if type(p) in (str, int, float)] + ctx.ids[:16]:
        out.append(cur + [v])
        out.append([v])
    return out


def node_of_items(node: Any) -> Any:
    for b in branches(node):
        if b.get("type") == "array":
            return b.get("items", {})
    return {}


def _copy(value: Any) -> Any:
    import copy

    return copy.deepcopy(value)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _unique(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    keys: set[str] = set()
    for v in values:
        key = "REMOVE" if v is REMOVE else repr((type(v).__name__, v))
        if key not in keys:
            keys.add(key)
            out.append(v)
    return out

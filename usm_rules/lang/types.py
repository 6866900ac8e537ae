"""Static types of policy expressions, derived from the spec JSON Schema."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = frozenset({"null", "boolean", "integer", "number", "string", "list", "object", "map"})
NUMERIC = frozenset({"integer", "number"})


@dataclass(frozen=True, slots=True)
class Ty:
    kinds: frozenset
    schema: Any = None  # for objects from the spec: the (resolved) schema node
    item: "Ty | None" = None  # list items / map values
    enum: tuple | None = None  # the only values possible, when the schema says so
    spec_root: bool = False  # a whole spec document (for repository-scope pruning)

    @property
    def is_any(self) -> bool:
        return self.kinds == KINDS

    def describe(self) -> str:
        if self.is_any:
            return "a value of any type"
        names = []
        for kind, text in (("boolean", "a boolean"), ("integer", "an integer"), ("number", "a number"),
                           ("string", "a string"), ("list", "a list"), ("object", "an object"),
                           ("map", "a map"), ("null", "null")):
            if kind in self.kinds and not (kind == "integer" and "number" in self.kinds):
                names.append(text)
        if not names:
            return "nothing"
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


ANY = Ty(KINDS)
BOOL = Ty(frozenset({"boolean"}))
INT = Ty(frozenset({"integer"}))
NUM = Ty(NUMERIC)
STR = Ty(frozenset({"string"}))
NULL = Ty(frozenset({"null"}))


def list_of(item: Ty) -> Ty:
    return Ty(frozenset({"list"}), item=item)


def map_of(value: Ty) -> Ty:
    return Ty(frozenset({"map"}), item=value)


def union(a: Ty, b: Ty) -> Ty:
    if a.is_any or b.is_any:
        return ANY
    item = a.item if b.item is None else b.item if a.item is None else union(a.item, b.item)
    enum = a.enum + b.enum if a.enum is not None and b.enum is not None else None
    return Ty(a.kinds | b.kinds, a.schema or b.schema, item, enum, a.spec_root and b.spec_root)


def of_literal(value: Any) -> Ty:
    if value is None:
        return NULL
    if type(value) is bool:
        return BOOL
    if type(value) is int:
        return INT
    if type(value) is float:
        return NUM
    if type(value) is str:
        return STR
    return ANY


def from_kind_spec(spec: str) -> Ty:
    """`number|list` (a builtin's declared parameter or result) -> Ty."""
    if spec == "any":
        return ANY
    kinds: set[str] = set()
    for part in spec.split("|"):
        if part == "number":
            kinds |= NUMERIC
        elif part == "date":
            kinds.add("string")
        else:
            kinds.add(part)
    return Ty(frozenset(kinds))


class SchemaTypes:
    """Turns nodes of the bundled JSON Schema into Ty values (resolving `$ref`)."""

    def __init__(self, root: dict) -> None:
        self.root = root

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            ref = node["$ref"]
            target: Any = self.root
            for part in ref.lstrip("#/").split("/"):
                if part:
                    target = target[part]
            node = target
            seen += 1
        return node

    def ty(self, node: Any) -> Ty:
        node = self.resolve(node)
        if not isinstance(node, dict):
            return ANY
        for key in ("anyOf", "oneOf"):
            if key in node:
                result: Ty | None = None
                for alt in node[key]:
                    t = self.ty(alt)
                    result = t if result is None else union(result, t)
                return result or ANY
        if "const" in node:
            return Ty(of_literal(node["const"]).kinds, enum=(node["const"],))
        declared = node.get("type")
        kinds: set[str] = set()
        for t in ([declared] if isinstance(declared, str) else declared or []):
            kinds |= {"array": {"list"}, "number": set(NUMERIC)}.get(t, {t})
        enum = tuple(node["enum"]) if "enum" in node else None
        if not kinds:
            if enum is not None:
                for v in enum:
                    kinds |= of_literal(v).kinds
            else:
                return ANY
        item = self.ty(node["items"]) if "list" in kinds and "items" in node else (ANY if "list" in kinds else None)
        return Ty(frozenset(kinds), node if "object" in kinds else None, item, enum)

    def root_ty(self) -> Ty:
        t = self.ty(self.root)
        return Ty(t.kinds, t.schema, t.item, t.enum, spec_root=True)

    def field(self, obj: Ty, name: str) -> tuple[Ty | None, list[str]]:
        """The type of `obj.name`, or (None, known field names) when the schema has no such field."""
        if obj.schema is None:
            return ANY, []
        props = obj.schema.get("properties", {})
        if name in props:
            return self.ty(props[name]), []
        for pattern, sub in obj.schema.get("patternProperties", {}).items():
            if _pattern_property(pattern, name):
                return self.ty(sub), []
        if obj.schema.get("additionalProperties", True) is False:
            return None, sorted(props)
        return ANY, []


def _pattern_property(pattern: str, name: str) -> bool:
    """Whether a `patternProperties` regex of the schema matches a field name (JSON Schema: a search)."""
    from .regex import RegexError, compile_regex

    try:
        return compile_regex(pattern).found_in(name)
    except RegexError:  # not a pattern RE2 can run: no field name matches it
        return False

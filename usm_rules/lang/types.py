"""Static types of policy expressions, derived from the spec JSON Schema.

A type (Ty) is the set of kinds of value that may stand there, from KINDS. In a type, `integer` means
whole numbers may stand there and `number` that other numbers may: INT is {integer}, NUM (any number) is
{integer, number}. `map` is an object with arbitrary keys (`tally`, `map_of`). A value's own kinds are
another question, answered once by runtime.kinds_of (the type tests it passes: a whole number is both an
integer and a number there); of_literal turns a value into the type of a literal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..schema import resolve_ref
from .runtime import kinds_of

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


def list_of(item: Ty) -> Ty:
    return Ty(frozenset({"list"}), item=item)


def map_of(value: Ty) -> Ty:
    return Ty(frozenset({"map"}), item=value)


def item_type(t: Ty) -> Ty:
    """The type of the items of a list of type `t`."""
    return ANY if t.is_any or t.item is None else t.item


def first_item(args: Sequence[Ty]) -> Ty:
    """The type of an item of the first argument (a builtin's result type, e.g. `first`)."""
    return item_type(args[0]) if args else ANY


def list_of_items(args: Sequence[Ty]) -> Ty:
    """A list of the items of all the argument lists (a builtin's result type, e.g. `concat`)."""
    item: Ty | None = None
    for t in args:
        item = item_type(t) if item is None else union(item, item_type(t))
    return list_of(item or ANY)


def union(a: Ty, b: Ty) -> Ty:
    if a.is_any or b.is_any:
        return ANY
    item = a.item if b.item is None else b.item if a.item is None else union(a.item, b.item)
    enum = a.enum + b.enum if a.enum is not None and b.enum is not None else None
    return Ty(a.kinds | b.kinds, a.schema or b.schema, item, enum, a.spec_root and b.spec_root)


def of_literal(value: Any) -> Ty:
    """The static type of a literal written in a policy (or a `const`/`enum` value of the schema).

    In a static type, `integer` alone means only whole numbers may stand there and `number` that any number
    may: an `int` literal is INT, and a literal written with a decimal point or exponent is NUM, because
    that is what its author meant (a param defaulting to `1.0` accepts 1.5 from config) even where its value
    is whole. Otherwise the type is the value's kinds (kinds_of).
    """
    if type(value) is float:
        return NUM
    if type(value) is int:
        return INT
    kinds = kinds_of(value)
    return Ty(kinds) if kinds else ANY


# Which static kinds each type test accepts (the runtime's tests, read statically): `is integer` on a `number`
# depends on the value; `missing` is no kind of value.
_TEST_KINDS = {"number": NUMERIC, "integer": frozenset({"integer"}), "string": frozenset({"string"}),
               "boolean": frozenset({"boolean"}), "list": frozenset({"list"}),
               "object": frozenset({"object", "map"}), "null": frozenset({"null"}), "missing": frozenset()}


def static_type_test(type_name: str, t: Ty) -> bool | None:
    """Whether `x is <type_name>` holds for every present value of type `t` (True), for none (False), or
    depends on the value (None); None too for a name that is no type test."""
    wanted = _TEST_KINDS.get(type_name)
    if wanted is None or t.is_any:
        return None
    if type_name == "integer" and "number" in t.kinds:
        return None  # a number may be whole
    if t.kinds <= wanted:
        return True
    return False if not (t.kinds & wanted) else None


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
        """The node a chain of `$ref`s leads to (at most 50 steps: the schema is ours, and finite)."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 50:
            node = resolve_ref(self.root, node["$ref"])
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

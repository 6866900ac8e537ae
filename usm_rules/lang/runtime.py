"""What compiled rules use at run time: the MISSING value and small helpers the generated code calls.

MISSING is what a path yields when a key is absent. It behaves so that compiled rules need no checks:
every comparison with it is false, arithmetic with it stays missing, iterating it yields nothing,
`.get` on it yields itself, `len` of it is 0 and it is falsy. `x exists` is how a rule asks about it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Hit:
    """What a compiled rule reports through `emit`: the engine locates it and makes it a Finding.

    `node` is the spec object the finding is about (or the nearest one that exists) and `keys` the path from
    it to the exact value (`at sco.metric.target` on an SCO without a metric: node = the SCO, keys =
    ("metric", "target")). `severity` is set only when a `severity … if` clause overrides the rule's own;
    `trace` holds the (expression, value) pairs behind the finding when compiled with --explain."""

    rule: str
    message: str
    node: Any
    keys: tuple = ()
    severity: str | None = None
    trace: tuple = ()


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())

    def __contains__(self, item: object) -> bool:
        return False

    def get(self, key: object, default: object = None) -> "_Missing":
        return self

    def __hash__(self) -> int:
        return 0

    def _false(self, other: object) -> bool:
        return False

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _false  # type: ignore[assignment]

    def _self(self, *other: object) -> "_Missing":
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _self
    __truediv__ = __rtruediv__ = __mod__ = __rmod__ = __neg__ = __abs__ = _self


MISSING: Any = _Missing()


def get(value: Any, key: Any) -> Any:
    """`value.key` where the static type of `value` is not known to be an object."""
    if type(value) is dict:
        return value.get(key, MISSING)
    return MISSING


def index(value: Any, key: Any) -> Any:
    """`value[key]`: a list position (negative counts from the end), an object key or a map key."""
    if type(value) is list:
        if type(key) is not int:
            key = whole_number(key)  # `xs[1.0]` is `xs[1]`; anything else indexes nothing
            if key is None:
                return MISSING
        if -len(value) <= key < len(value):
            return value[key]
        return MISSING
    if type(value) is dict:
        try:
            return value.get(key, MISSING)
        except TypeError:  # unhashable key
            return MISSING
    return MISSING


def iterate(value: Any) -> Any:
    """What `for`/quantifiers walk: a list, the keys of a map, nothing for anything else."""
    if type(value) is list or type(value) is dict:
        return value
    return ()


def div(a: Any, b: Any) -> Any:
    if a is MISSING or b is MISSING or b == 0:
        return MISSING
    return a / b


def mod(a: Any, b: Any) -> Any:
    if a is MISSING or b is MISSING or b == 0:
        return MISSING
    return a % b


def is_number(v: Any) -> bool:
    t = type(v)
    return t is int or t is float


def is_integer(v: Any) -> bool:
    """As in JSON Schema, a number whose value is whole is an integer, `2.0` as much as `2`."""
    return type(v) is int or (type(v) is float and v.is_integer())


def whole_number(v: Any) -> int | None:
    """`v` as an int where it is an integer (see is_integer), else None."""
    if type(v) is int:
        return v
    return int(v) if type(v) is float and v.is_integer() else None


TYPE_TESTS = {
    "number": is_number,
    "integer": is_integer,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "list": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
    "null": lambda v: v is None,
    "missing": lambda v: v is MISSING,
}


def kinds_of(value: Any) -> frozenset[str]:
    """The kinds a value of a spec, param or policy belongs to: the names of the type tests it passes
    (`is number`, `is integer`, …: TYPE_TESTS, the one table), with an object also a `map`.

    As in JSON Schema, a number whose value is whole is an integer whatever its notation: `2` and `2.0` are
    `{"integer", "number"}`, `2.5` is `{"number"}`; booleans are not numbers. The one answer to "what is this
    value" for the checker (types.of_literal), lint and config's params (`program.param_problem`); here
    rather than in types.py so that checking config's params on a run from the cache loads no static types.
    """
    kinds = frozenset(name for name, test in TYPE_TESTS.items() if name != "missing" and test(value))
    return kinds | {"map"} if "object" in kinds else kinds


def render(value: Any) -> str:
    """How an interpolated value reads in a message."""
    if type(value) is str:
        return value
    if value is MISSING:
        return "(missing)"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is float and value.is_integer():
        return str(int(value))
    if type(value) in (int, float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def match(pattern: Any, value: Any) -> bool:
    """`value matches pattern`: `pattern` (a regex.Regex, run by RE2) is found somewhere in the string."""
    return type(value) is str and pattern.found_in(value)


def contains(item: Any, container: Any) -> bool:
    """`item in container` for any container: substring for strings, membership otherwise."""
    if type(container) is str:
        return type(item) is str and item in container
    if type(container) in (list, dict):
        try:
            return item is not MISSING and item in container
        except TypeError:
            return False
    return False

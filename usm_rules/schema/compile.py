"""The compiled fast validator: the bundled schema's keywords turned into nested Python closures, once."""
from __future__ import annotations

import json
import numbers
import re
from typing import Any, Callable

from . import _ANNOTATIONS, KEYWORDS, Check, resolve_ref

class SchemaCompileError(ValueError):
    """The schema uses something the fast validator does not implement."""


def compile_validator(root: dict | bool) -> Check:
    """Compile a JSON Schema (restricted to `KEYWORDS`, local `$ref`s only) to a predicate `data -> bool`."""
    return _Compiler(root).node(root, "#")


def _accept(x: Any) -> bool:
    return True


def _reject(x: Any) -> bool:
    return False


def _key_text(key: Any) -> str:
    """How a mapping key that is not a string is read: as its JSON text (`1`, `true`, `null`)."""
    try:
        return json.dumps(key, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        return repr(key)


def _is_number(x: Any) -> bool:
    t = type(x)
    if t is int or t is float:
        return True
    # jsonschema's meaning, less complex numbers (no JSON meaning, and no order for `minimum`)
    return not isinstance(x, (bool, complex)) and isinstance(x, numbers.Number)


def _is_integer(x: Any) -> bool:
    t = type(x)
    if t is int:
        return True
    if t is float:
        return x.is_integer()
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


# JSON Schema's `type` tests. Not the policy runtime's TYPE_TESTS (lang/runtime.py), although both say the same
# of every value the loader produces (booleans are not numbers, `3.0` is an integer): these use JSON Schema's
# names (`array`) and must agree with jsonschema, the reference validator, on any Python value (`isinstance`,
# `numbers.Number`), while the runtime's tests sit on the hot path of every rule and test exact types.
_TYPE_TESTS: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "number": _is_number,
    "integer": _is_integer,
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def _same(a: Any, b: Any) -> bool:
    """JSON equality: `1 == 1.0`, but `true != 1`; lists and mappings compared deeply."""
    if a is b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic values compare unequal
        return False


def _canon(v: Any) -> Any:
    """A hashable form of a JSON value such that equal forms mean `_same` values (TypeError if exotic)."""
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, bool):
        return ("b", v)
    if v is None:
        return ("z",)
    if isinstance(v, (int, float)):
        return ("n", v)
    if isinstance(v, list):
        return ("l", tuple(map(_canon, v)))
    if isinstance(v, dict):
        return ("d", frozenset((k, _canon(w)) for k, w in v.items()))
    raise TypeError(type(v).__name__)


def _first_repeat(xs: list) -> int | None:
    """Index of the first item equal (as JSON) to an earlier one, or None when all are unique.

    Linear for JSON values (hashing a canonical form), so a huge list cannot stall a run."""
    seen: set[Any] = set()
    try:
        for i, v in enumerate(xs):
            key = _canon(v)
            if key in seen:
                return i
            seen.add(key)
        return None
    except TypeError:
        pass
    for i, v in enumerate(xs):
        for w in xs[:i]:
            if _same(v, w):
                return i
    return None


_LITERAL_PREFIX = re.compile(r"\^([A-Za-z0-9_\-/:@ ]*)")


def _key_matcher(pattern: str) -> Callable[[str], bool]:
    """A fast test for a `patternProperties` pattern (a regex search; `^literal` becomes startswith)."""
    m = _LITERAL_PREFIX.fullmatch(pattern)
    if m:
        prefix = m.group(1)
        return lambda key: key.startswith(prefix)
    search = re.compile(pattern).search
    return lambda key: search(key) is not None


def _is_trivial(s: Any) -> bool:
    return s is True or (isinstance(s, dict) and s.keys() <= _ANNOTATIONS)


class _Compiler:
    def __init__(self, root: dict) -> None:
        self.root = root
        self.done: dict[int, Check] = {}
        self.busy: set[int] = set()

    # A schema node -> one closure. Type tests are fused into the closure of the type's keywords, so that
    # `{"type": "string", "minLength": 1}` costs one call.
    def node(self, s: Any, where: str) -> Check:
        if s is True:
            return _accept
        if s is False:
            return _reject
        if not isinstance(s, dict):
            raise SchemaCompileError(f"{where}: a schema must be an object or a boolean")
        key = id(s)
        if key in self.done:
            return self.done[key]
        if key in self.busy:  # a recursive $ref: bind late
            return lambda x: self.done[key](x)
        self.busy.add(key)
        try:
            check = self._build(s, where)
        finally:
            self.busy.discard(key)
        self.done[key] = check
        return check

    def _build(self, s: dict, where: str) -> Check:
        unknown = sorted(set(s) - KEYWORDS)
        if unknown:
            raise SchemaCompileError(f"{where}: keyword {unknown[0]!r} is not supported by the fast validator")
        types = s.get("type")
        if types is not None:
            types = [types] if isinstance(types, str) else list(types)
            for t in types:
                if t not in _TYPE_TESTS:
                    raise SchemaCompileError(f"{where}: unknown type {t!r}")
        only = types[0] if types is not None and len(types) == 1 else None

        checks: list[Check] = []
        fused = False
        if any(k in s for k in ("properties", "required", "additionalProperties", "patternProperties")):
            checks.append(self._object(s, where, strict=only == "object"))
            fused = only == "object"
        if any(k in s for k in ("items", "minItems", "maxItems", "uniqueItems")):
            checks.append(self._array(s, where, strict=only == "array"))
            fused = fused or only == "array"
        if any(k in s for k in ("minLength", "pattern")):
            checks.append(self._string(s, strict=only == "string"))
            fused = fused or only == "string"
        if any(k in s for k in ("minimum", "maximum")):
            checks.append(self._number(s, strict=only if only in ("number", "integer") else None))
            fused = fused or only in ("number", "integer")
        if types is not None and not fused:
            tests = [_TYPE_TESTS[t] for t in types]
            checks.insert(0, tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests)))
        if "const" in s:
            checks.append(self._const(s["const"]))
        if "enum" in s:
            checks.append(self._enum(s["enum"], where))
        if "$ref" in s:
            checks.append(self._ref(s["$ref"], where))
        for word in ("anyOf", "oneOf"):
            if word in s:
                alts = s[word]
                if not isinstance(alts, list) or not alts:
                    raise SchemaCompileError(f"{where}/{word}: must be a non-empty list of schemas")
                subs = tuple(self.node(a, f"{where}/{word}/{i}") for i, a in enumerate(alts))
                checks.append(_any_of(subs) if word == "anyOf" else _one_of(subs))
        if not checks:
            return _accept
        if len(checks) == 1:
            return checks[0]
        if len(checks) == 2:
            first, second = checks
            return lambda x: first(x) and second(x)
        every = tuple(checks)
        return lambda x: all(c(x) for c in every)

    def _ref(self, ref: str, where: str) -> Check:
        try:
            target = resolve_ref(self.root, ref)
        except LookupError as err:
            raise SchemaCompileError(f"{where}: {err}") from None
        return self.node(target, ref)

    def _object(self, s: dict, where: str, strict: bool) -> Check:
        required = tuple(s.get("required", ()))
        patterns = [
            (pattern, _key_matcher(pattern), None if _is_trivial(sub) else self.node(sub, f"{where}/{pattern}"))
            for pattern, sub in s.get("patternProperties", {}).items()
        ]
        extra = s.get("additionalProperties", True)
        other: Check | None = None if _is_trivial(extra) else self.node(extra, f"{where}/additionalProperties")
        props: dict[str, Check] = {}
        for name, sub in s.get("properties", {}).items():
            check = self.node(sub, f"{where}/properties/{name}")
            # patternProperties apply to declared properties too: fold those that match, known statically.
            also = [c for p, _, c in patterns if c is not None and re.search(p, name)]
            if also:
                every = (check, *also)
                check = lambda x, every=every: all(c(x) for c in every)
            props[name] = check
        matchers = tuple((test, c) for _, test, c in patterns)
        get = props.get

        def check_object(x: Any) -> bool:
            if not isinstance(x, dict):
                return not strict
            for name in required:
                if name not in x:
                    return False
            for key, value in x.items():
                c = get(key)
                if c is None and not isinstance(key, str):
                    key = _key_text(key)
                    c = get(key)
                if c is not None:
                    if not c(value):
                        return False
                    continue
                matched = False
                for test, pc in matchers:
                    if test(key):
                        matched = True
                        if pc is not None and not pc(value):
                            return False
                if not matched and other is not None and not other(value):
                    return False
            return True

        return check_object

    def _array(self, s: dict, where: str, strict: bool) -> Check:
        items = s.get("items", True)
        if isinstance(items, list):
            raise SchemaCompileError(f"{where}/items: the array form of `items` is not supported")
        item = None if _is_trivial(items) else self.node(items, f"{where}/items")
        low = s.get("minItems", 0)
        high = s.get("maxItems")
        unique = bool(s.get("uniqueItems", False))

        def check_array(x: Any) -> bool:
            if not isinstance(x, list):
                return not strict
            n = len(x)
            if n < low or (high is not None and n > high):
                return False
            if unique and _first_repeat(x) is not None:
                return False
            return item is None or all(map(item, x))

        return check_array

    def _string(self, s: dict, strict: bool) -> Check:
        low = s.get("minLength", 0)
        search = re.compile(s["pattern"]).search if "pattern" in s else None

        def check_string(x: Any) -> bool:
            if not isinstance(x, str):
                return not strict
            return len(x) >= low and (search is None or search(x) is not None)

        return check_string

    def _number(self, s: dict, strict: str | None) -> Check:
        low = s.get("minimum")
        high = s.get("maximum")
        is_type = _is_integer if strict == "integer" else _is_number

        def check_number(x: Any) -> bool:
            if not is_type(x):
                return False
            if low is not None and x < low:
                return False
            return high is None or not x > high

        if strict is None:
            # Without a numeric type, bounds apply to numbers only; anything else passes this check.
            def check_bounds(x: Any) -> bool:
                return not _is_number(x) or check_number(x)

            return check_bounds
        return check_number

    def _const(self, value: Any) -> Check:
        if isinstance(value, str):
            return lambda x: isinstance(x, str) and x == value
        return lambda x: _same(x, value)

    def _enum(self, values: Any, where: str) -> Check:
        if not isinstance(values, list) or not values:
            raise SchemaCompileError(f"{where}/enum: must be a non-empty list")
        if all(isinstance(v, str) for v in values):
            allowed = frozenset(values)
            return lambda x: isinstance(x, str) and x in allowed
        options = tuple(values)
        return lambda x: any(_same(x, v) for v in options)


def _any_of(subs: tuple[Check, ...]) -> Check:
    def check_any(x: Any) -> bool:
        for c in subs:
            if c(x):
                return True
        return False

    return check_any


def _one_of(subs: tuple[Check, ...]) -> Check:
    def check_one(x: Any) -> bool:
        return sum(1 for c in subs if c(x)) == 1

    return check_one


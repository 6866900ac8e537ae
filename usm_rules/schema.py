"""The bundled spec JSON Schema: a fast validity check, and located violations in plain words.

Two validators read the same schema file:

* a **compiled fast validator** (`compile_validator`): the schema's keywords turned into nested Python
  closures once per process. It only answers valid / invalid, and never imports jsonschema, so a clean
  document costs a few dozen microseconds;
* **jsonschema** (`Draft202012Validator`), the reference, imported only when the fast validator says a
  document is invalid, to find every violation. Each violation is rendered in words (what was expected,
  what was found) and located at a path of keys and indexes that the engine maps to a source position.

This is the only module that imports jsonschema, and it does so inside functions: `import jsonschema` costs
about 50 ms, more than checking a whole repository of clean specs.

The fast validator implements exactly the keywords listed in `KEYWORDS`, with jsonschema's semantics for
draft 2020-12 (booleans are not numbers, `3.0` is an integer, `pattern` is a regex search, `enum`/`const`/
`uniqueItems` compare JSON values so that `1 != true`). A schema using any other keyword is refused when it
is compiled, so the two validators cannot silently drift apart.

Mapping keys that are not strings (YAML `1: x`, `null: x`) have no JSON meaning: both validators read them
as their JSON text (`1`, `null`), so in a closed object they are unknown keys, reported at the mapping.
"""
from __future__ import annotations

import json
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable

from .resources import schema_file

__all__ = [
    "KEYWORDS",
    "SchemaCompileError",
    "Violation",
    "compile_validator",
    "is_valid",
    "path_text",
    "resolve_ref",
    "schema",
    "schema_text",
    "validate",
]

#: The JSON Schema keywords the bundled schema may use (the fast validator and the policy checker read it).
KEYWORDS = frozenset(
    "$schema $id $defs $ref title description type properties required additionalProperties "
    "patternProperties items minItems maxItems uniqueItems enum const pattern minimum maximum minLength "
    "anyOf oneOf".split()
)

# Keywords that only annotate: a schema made of these alone accepts everything.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description"})

Check = Callable[[Any], bool]


# ---------------------------------------------------------------------------------------------- the schema

_SCHEMA: dict | None = None


def schema() -> dict:
    """The bundled spec schema (draft 2020-12), loaded once. Shared: do not modify it."""
    global _SCHEMA
    if _SCHEMA is None:
        with open(schema_file(), encoding="utf-8") as fh:
            _SCHEMA = json.load(fh)
    return _SCHEMA


def schema_text() -> str:
    """The schema as pretty JSON, as `usm-rules schema` prints it (no trailing newline)."""
    return json.dumps(schema(), indent=2, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------- violations


@dataclass(frozen=True, slots=True)
class Violation:
    """One schema violation.

    `parts` is the path of the node the violation points at, as keys and list indexes from the document
    root; a missing key (and a key that is not a string) points at the mapping that should hold it.
    """

    parts: tuple[str | int, ...]
    message: str


def validate(data: object) -> list[Violation]:
    """All schema violations of one document, sorted by path then message; `[]` when it is valid."""
    if is_valid(data):
        return []
    return _explain(data)


def is_valid(data: object) -> bool:
    """True when `data` satisfies the schema (fast: no jsonschema import)."""
    try:
        return _fast_validator()(data)
    except Exception:  # noqa: BLE001 - an input the fast path cannot judge goes to the reference
        return False


_FAST: Check | None = None


def _fast_validator() -> Check:
    global _FAST
    if _FAST is None:
        _FAST = compile_validator(schema())
    return _FAST


# ---------------------------------------------------------------------------------------------- references


def resolve_ref(root: Any, ref: Any) -> Any:
    """The node of `root` that a local `$ref` names: `#` is the root, `#/$defs/metric` a JSON Pointer.

    RFC 6901: the pointer is split at `/`, then in each token `~1` becomes `/` and `~0` becomes `~` (in that
    order, so `~01` is the key `~1`); an empty token is the key "" and a token indexes a list as a decimal
    number. The one resolver of the project (the fast validator, its messages and the policy checker's
    types all use it). LookupError, saying why, when the reference is not local or names nothing.
    """
    if not isinstance(ref, str) or not ref.startswith("#"):
        raise LookupError(f"only local references (#/...) are supported, got {ref!r}")
    pointer = ref[1:]
    if not pointer:
        return root
    if not pointer.startswith("/"):
        raise LookupError(f"reference {ref!r} is not a JSON Pointer (it must start with `#/`)")
    target = root
    for token in pointer[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        try:
            if isinstance(target, list):
                if not token.isdigit() or (token.startswith("0") and token != "0"):
                    raise LookupError
                target = target[int(token)]
            elif isinstance(target, dict):
                target = target[token]
            else:
                raise LookupError
        except (LookupError, ValueError):
            raise LookupError(f"reference {ref!r} does not resolve") from None
    return target


# ---------------------------------------------------------------------------------------------- compiler


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


# ---------------------------------------------------------------------------------------------- messages

_REFERENCE: Any = None


def _reference_validator() -> Any:
    """jsonschema's draft 2020-12 validator for the bundled schema, built once.

    `uniqueItems` is swapped for a linear implementation with the same meaning: jsonschema falls back to
    comparing every pair of items when they cannot be sorted, which a large hostile list turns into a hang.
    A complex number is not a number (jsonschema would fail comparing it with `minimum`).
    """
    global _REFERENCE
    if _REFERENCE is None:
        from jsonschema import Draft202012Validator, validators
        from jsonschema.exceptions import ValidationError

        def unique_items(validator: Any, unique: Any, instance: Any, sch: Any) -> Any:
            if unique and validator.is_type(instance, "array") and _first_repeat(instance) is not None:
                yield ValidationError("has repeated items")

        types = Draft202012Validator.TYPE_CHECKER.redefine("number", lambda checker, x: _is_number(x))
        cls = validators.extend(
            Draft202012Validator, validators={"uniqueItems": unique_items}, type_checker=types
        )
        _REFERENCE = cls(schema())
    return _REFERENCE


def _explain(data: object) -> list[Violation]:
    found: set[Violation] = set()
    try:
        instance, renamed = _string_keys(data)
        for error in _reference_validator().iter_errors(instance):
            found.update(_render(error, renamed))
    except Exception as exc:  # noqa: BLE001 - never crash on a document; say it could not be checked
        found.add(Violation((), f"the spec could not be checked against the schema ({type(exc).__name__})"))
    return sorted(found, key=_sort_key)


def _sort_key(v: Violation) -> tuple:
    return (tuple((0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in v.parts), v.message)


def _string_keys(data: Any) -> tuple[Any, dict[int, dict[str, Any]]]:
    """`data` with every non-string mapping key replaced by its JSON text, which jsonschema needs (it
    applies regexes to keys); `renamed` maps id(new mapping) -> {text: original key}. Unchanged (and not
    copied) when every key is a string."""
    stack = [data]
    while stack:  # iterative: a deep document must not hit the recursion limit here
        node = stack.pop()
        if isinstance(node, dict):
            if not all(isinstance(k, str) for k in node):
                break
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    else:
        return data, {}
    renamed: dict[int, dict[str, Any]] = {}

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(v) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        originals: dict[str, Any] = {}
        for k, v in node.items():
            if not isinstance(k, str):
                text = _key_text(k)
                while text in node or text in out:
                    text += "'"
                originals[text] = k
                k = text
            out[k] = convert(v)
        if originals:
            renamed[id(out)] = originals
        return out

    return convert(data), renamed


_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")


def path_text(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """`("customers", 0, "valueMaturity")` -> `customers[0].valueMaturity`; the root is `the spec`."""
    out: list[str] = []
    for p in parts:
        if isinstance(p, int) and not isinstance(p, bool):
            out.append(f"[{p}]")
        elif isinstance(p, str) and _IDENTIFIER.fullmatch(p):
            out.append("." + p if out else p)
        else:
            out.append(f"[{_json_text(str(p))}]")
    return "".join(out) or "the spec"


_GOT_LIMIT = 40


def _json_text(value: Any) -> str:
    """JSON text for a message: one line, every control or separator character escaped."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if text.isprintable() else json.dumps(value, default=str)


def _key_word(key: str) -> str:
    """A key named in a message: `metrc`, or as JSON when it holds backticks or unprintable characters."""
    return f"`{key}`" if key.isprintable() and "`" not in key and key else _json_text(key)


def _got(value: Any) -> str:
    """A found value, shown as JSON and short; containers are named, not dumped."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        if all(v is None or isinstance(v, (str, int, float)) for v in value):
            text = _json_text(value)
            return text if len(text) <= _GOT_LIMIT else f"a list of {len(value)} items"
        return f"a list of {len(value)} items"
    if value is None or isinstance(value, (str, bool, int, float)):
        text = _json_text(value)
        if len(text) > _GOT_LIMIT:
            if isinstance(value, str):  # cut the string, not its JSON text (an escape must stay whole)
                return _json_text(value[: _GOT_LIMIT - 3])[:-1] + "…\""
            text = text[: _GOT_LIMIT - 1] + "…"
        return text
    shown = str(value)
    if not shown.isprintable():
        shown = ascii(shown)
    if len(shown) > _GOT_LIMIT:
        shown = shown[: _GOT_LIMIT - 1] + "…"
    return f"a {type(value).__name__} ({shown})"


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}

# What a `pattern` means, in words; every pattern of the bundled schema has an entry (tested).
PATTERN_WORDS = {
    "^[a-z0-9][a-z0-9-]*$": "must match ^[a-z0-9][a-z0-9-]*$ (lowercase letters, digits and dashes)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "must be a date written YYYY-MM-DD",
    "^P(?!$)([0-9]+Y)?([0-9]+M)?([0-9]+W)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+([.,][0-9]+)?S)?)?$":
        "must be an ISO 8601 duration such as P1M, P3M or PT4H",
}


def _json_word(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _article(words: str) -> str:
    return ("an " if words[:1].lower() in "aeiou" else "a ") + words


def _describe(s: Any) -> str:
    """What a (sub)schema expects, in words."""
    if s is True:
        return "anything"
    if s is False or not isinstance(s, dict):
        return "nothing"
    if "title" in s and isinstance(s["title"], str):
        return _article(s["title"])
    if "const" in s:
        return json.dumps(s["const"], ensure_ascii=False)
    if "enum" in s:
        return "one of " + ", ".join(_json_word(v) for v in s["enum"])
    if "$ref" in s and "type" not in s:
        try:
            target = resolve_ref(schema(), s["$ref"])
        except LookupError:
            return "a valid value"
        if isinstance(target, dict):
            target = {k: v for k, v in target.items() if k != "title"}
        return _describe(target)
    types = s.get("type")
    if types is None:
        return "a valid value"
    types = [types] if isinstance(types, str) else types
    words = [_TYPE_WORDS.get(t, t) for t in types]
    if types == ["array"] and isinstance(s.get("items"), dict) and s["items"].get("type") in _TYPE_WORDS:
        noun = _TYPE_WORDS[s["items"]["type"]].split(" ", 1)[1]
        words = [f"a list of {noun}s"]
    return " or ".join(words)


def _error_parts(error: Any) -> tuple[str | int, ...]:
    return tuple(error.absolute_path)


def _render(error: Any, renamed: dict[int, dict[str, Any]]) -> list[Violation]:
    parts = _error_parts(error)
    where = path_text(parts)
    word = error.validator
    value = error.validator_value
    instance = error.instance

    if word == "required":
        return [
            Violation(parts, f"{where} is missing required key `{name}`")
            for name in value
            if isinstance(instance, dict) and name not in instance
        ]
    if word == "additionalProperties":
        return _unknown_keys(error, parts, renamed)
    if word in ("anyOf", "oneOf"):
        return _alternatives(error, renamed)
    if word == "type":
        expected = [value] if isinstance(value, str) else list(value)
        return [Violation(parts, f"{where} must be {' or '.join(_TYPE_WORDS.get(t, t) for t in expected)}, "
                                 f"got {_got(instance)}")]
    if word == "enum":
        options = ", ".join(_json_word(v) for v in value)
        return [Violation(parts, f"{where} must be one of {options}, got {_got(instance)}")]
    if word == "const":
        return [Violation(parts, f"{where} must be {json.dumps(value, ensure_ascii=False)}, got {_got(instance)}")]
    if word == "pattern":
        words = PATTERN_WORDS.get(value, f"must match {value}")
        return [Violation(parts, f"{where} {words}, got {_got(instance)}")]
    if word == "minLength":
        if value == 1:
            return [Violation(parts, f"{where} must not be empty")]
        return [Violation(parts, f"{where} must be at least {value} characters long, got {_got(instance)}")]
    if word == "minItems":
        return [Violation(parts, f"{where} must have at least {value} item{'' if value == 1 else 's'}")]
    if word == "maxItems":
        return [Violation(parts, f"{where} must have at most {value} item{'' if value == 1 else 's'}, "
                                 f"got {len(instance)}")]
    if word == "uniqueItems":
        i = _first_repeat(instance) if isinstance(instance, list) else None
        repeated = _got(instance[i]) if i is not None else "an item"
        return [Violation(parts, f"{where} lists {repeated} more than once")]
    if word == "minimum":
        return [Violation(parts, f"{where} must be at least {_json_word(value)}, got {_got(instance)}")]
    if word == "maximum":
        return [Violation(parts, f"{where} must be at most {_json_word(value)}, got {_got(instance)}")]
    if word is None or value is False:
        return [Violation(parts, f"{where} is not allowed here")]
    return [Violation(parts, f"{where} does not satisfy `{word}`")]


def _unknown_keys(error: Any, parts: tuple[str | int, ...], renamed: dict[int, dict[str, Any]]) -> list[Violation]:
    instance = error.instance
    if not isinstance(instance, dict):
        return []
    sch = error.schema if isinstance(error.schema, dict) else {}
    known = list(sch.get("properties", {}))
    patterns = list(sch.get("patternProperties", {}))
    originals = renamed.get(id(instance), {})
    where = path_text(parts)
    from .suggest import did_you_mean  # only needed to explain an invalid document

    out = []
    for key in instance:
        if key in known or any(re.search(p, key) for p in patterns):
            continue
        if key in originals:
            out.append(Violation(parts, f"unknown key {_key_text(originals[key])} in {where}: keys must be strings"))
            continue
        message = f"unknown key {_key_word(key)} in {where}{did_you_mean(key, known)}"
        out.append(Violation(parts + (key,), message))
    return out


def _fits_type(s: Any, instance: Any) -> bool:
    """Does the instance have a type this alternative accepts (ignoring its other keywords)?"""
    if not isinstance(s, dict) or "type" not in s:
        return True
    types = [s["type"]] if isinstance(s["type"], str) else s["type"]
    return any(_TYPE_TESTS[t](instance) for t in types if t in _TYPE_TESTS)


def _alternatives(error: Any, renamed: dict[int, dict[str, Any]]) -> list[Violation]:
    """One message for a failed anyOf/oneOf: when the value's type picks exactly one alternative and that
    alternative fails deeper inside the value, report those deeper errors; otherwise say what the
    alternatives are, in words."""
    parts = _error_parts(error)
    where = path_text(parts)
    alts = error.validator_value if isinstance(error.validator_value, list) else []
    context = list(error.context or ())
    if error.validator == "oneOf" and not context:
        return [Violation(parts, f"{where} must match exactly one of: {', '.join(_describe(a) for a in alts)}")]
    fitting = [i for i, a in enumerate(alts) if _fits_type(a, error.instance)]
    if len(fitting) == 1:
        mine = [e for e in context if e.relative_schema_path and e.relative_schema_path[0] == fitting[0]]
        if mine and all(len(e.relative_path) > 0 for e in mine):
            out: list[Violation] = []
            for e in mine:
                out.extend(_render(e, renamed))
            return out
    expected = " or ".join(_describe(a) for a in alts)
    return [Violation(parts, f"{where} must be {expected}, got {_got(error.instance)}")]

"""Schema violations in plain words, located: jsonschema (the reference) finds them, this module says them."""
from __future__ import annotations

import json
import re
from typing import Any

from . import Violation, resolve_ref, schema
from .compile import _TYPE_TESTS, _first_repeat, _is_number, _key_text

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


def explain(data: object) -> list[Violation]:
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
    from ..suggest import did_you_mean  # only needed to explain an invalid document

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

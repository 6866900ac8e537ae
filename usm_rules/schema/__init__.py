"""The bundled spec JSON Schema: a fast validity check, and located violations in plain words.

Two validators read the same schema file:

* a **compiled fast validator** (`compile_validator`): the schema's keywords turned into nested Python
  closures once per process. It only answers valid / invalid, and never imports jsonschema, so a clean
  document costs a few dozen microseconds;
* **jsonschema** (`Draft202012Validator`), the reference, imported only when the fast validator says a
  document is invalid, to find every violation. Each violation is rendered in words (what was expected,
  what was found) and located at a path of keys and indexes that the engine maps to a source position.

This package (`compile.py`: the fast validator; `messages.py`: violations in words) is the only importer of
jsonschema, and it does so inside functions: `import jsonschema` costs
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
from dataclasses import dataclass
from typing import Any, Callable

from ..resources import schema_file

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
    from .messages import explain

    return explain(data)


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
        from .compile import compile_validator

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


def __getattr__(name: str) -> Any:
    # The compiler and the message builder are separate modules (usm_rules/schema/compile.py, messages.py);
    # their public names are reachable from here too.
    if name in ("compile_validator", "SchemaCompileError"):
        from . import compile as module
    elif name in ("path_text", "PATTERN_WORDS"):
        from . import messages as module  # type: ignore[no-redef]
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(module, name)

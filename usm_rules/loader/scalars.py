"""Scalars by the YAML 1.2 core schema, explicit tags, and mapping keys as pointer parts.

A composed node's tag is a `slice` when the node had no explicit tag (see `yaml_compose.RESOLVER_HOOKS`):
`tag.step[0]` is true for a plain scalar, which is resolved here; quoted and block scalars stay strings.
"""
from __future__ import annotations

import math
import re
from typing import Any

from yaml.nodes import MappingNode, ScalarNode

from .problems import short

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, MAP, SEQ = (_T + n for n in ("str", "int", "float", "bool", "null", "map", "seq"))

_INF, _NAN = math.inf, math.nan
_NULLS = {"": None, "~": None, "null": None, "Null": None, "NULL": None}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {sign + word: -_INF if sign == "-" else _INF
                   for word in (".inf", ".Inf", ".INF") for sign in ("", "+", "-")}
_SPECIAL_FLOATS.update({".nan": _NAN, ".NaN": _NAN, ".NAN": _NAN})
# Plain scalars that are not strings and do not start like a number.
PLAIN_SPECIAL: dict[str, Any] = {**_NULLS, **_BOOLS, **_SPECIAL_FLOATS}
NUMBER_START = frozenset("0123456789+-.")
_NUMBER = re.compile(
    r"(?P<i>[-+]?[0-9]+)|0o(?P<o>[0-7]+)|0x(?P<x>[0-9a-fA-F]+)"
    r"|(?P<f>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
).fullmatch

BAD = object()  # a node that could not be constructed (its problem is already recorded)


class Issue:
    """A problem found while building a document, tied to its node; located after the build."""

    __slots__ = ("rule", "message", "node")

    def __init__(self, rule: str, message: str, node: Any) -> None:
        self.rule, self.message, self.node = rule, message, node


def _number(text: str, node: Any, issues: list) -> Any:
    """Resolve a plain scalar that starts like a number: int, float, or (no match) the string itself."""
    match = _NUMBER(text)
    if match is None:
        return text
    kind = match.lastgroup
    try:
        if kind == "i":
            return int(text)
        if kind == "f":
            return float(text)
        return int(text[2:], 8 if kind == "o" else 16)
    except ValueError:  # more digits than int() converts (sys.get_int_max_str_digits)
        issues.append(Issue("SPEC-PARSE", f"integer `{short(text)}` has too many digits", node))
        return BAD


def plain(text: str, node: Any, issues: list) -> Any:
    value = PLAIN_SPECIAL.get(text, BAD)
    if value is not BAD:
        return value
    if text[0] in NUMBER_START:
        return _number(text, node, issues)
    return text


def tagged(node: Any, issues: list) -> Any:
    """A node with an explicit tag (or a quoted scalar); `BAD` if the tag or value is not acceptable."""
    tag = node.tag
    if node.__class__ is ScalarNode:
        value = node.value
        if tag.__class__ is slice or tag == _STR:  # quoted, block or `!` scalar; `!!str`
            return value
        if tag == _NULL and value in _NULLS:
            return None
        if tag == _BOOL and value in _BOOLS:
            return _BOOLS[value]
        if tag == _INT or tag == _FLOAT:
            match = _NUMBER(value)
            if match is not None and (tag == _FLOAT or match.lastgroup != "f"):
                result = _number(value, node, issues)
                return float(result) if tag == _FLOAT and result is not BAD else result
            if tag == _FLOAT and value in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[value]
        if tag in (_STR, _NULL, _BOOL, _INT, _FLOAT):
            issues.append(Issue("SPEC-PARSE", f"`{short(value)}` is not a valid `{_tag_name(tag)}`", node))
            return BAD
    elif tag in (_STR, _NULL, _BOOL, _INT, _FLOAT, MAP, SEQ):
        kind = "mapping" if node.__class__ is MappingNode else "sequence"
        issues.append(Issue("SPEC-PARSE", f"a {kind} cannot have the tag `{_tag_name(tag)}`", node))
        return BAD
    issues.append(Issue("SPEC-PARSE", f"unsupported tag `{_tag_name(tag)}`", node))
    return BAD


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T):] if tag.startswith(_T) else tag


def scalar_value(node: Any, issues: list) -> Any:
    tag = node.tag
    if tag.__class__ is slice and tag.step[0]:
        return plain(node.value, node, issues)
    return tagged(node, issues)


def key_quiet(node: Any) -> Any:
    """The constructed value of a scalar key node, without recording problems (`BAD` if invalid)."""
    return scalar_value(node, [])


def find_key(keys: list[Any], part: str | int) -> int | None:
    """The position of key `part` among a mapping's constructed keys (`BAD` for keys that have none); the
    last match wins, as in the data.

    Keys equal to `part` (string to string) are preferred; otherwise a key whose text is `part` (so the
    pointer token `"1"` finds the integer key `1`).
    """
    exact = loose = None
    text = key_text(part)
    for position, key in enumerate(keys):
        if key is BAD:
            continue
        if key == part and key.__class__ is part.__class__:
            exact = position
        elif key_text(key) == text:
            loose = position
    return exact if exact is not None else loose


def key_text(key: Any) -> str:
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    return str(key)


def as_index(part: str | int) -> int | None:
    if part.__class__ is int:
        return part if part >= 0 else None  # type: ignore[operator]
    if isinstance(part, str) and part.isascii() and part.isdigit() and (part == "0" or part[0] != "0"):
        return int(part)
    return None


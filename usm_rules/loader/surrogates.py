r"""Lone surrogates: `"\ud800"` is a valid escape in JSON (and PyYAML's Python parser lets it through in YAML),
but the string it makes has no UTF-8 form, so nothing could print, hash or compare it reliably. Such a
string is reported where it is written and its document is not checked. Only an escape can make one (the
text itself was decoded strictly), so files without `\u` / `\U` cost nothing.
"""
from __future__ import annotations

import re
from typing import Any

from yaml.nodes import ScalarNode, SequenceNode

from ..findings import pointer_from_parts
from ..textsafe import visible
from .scalars import Issue

_SURROGATE = re.compile("[\ud800-\udfff]")


def surrogate_message(what: str, text: str) -> str | None:
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"{what} holds `{visible(match.group())}`, a lone UTF-16 surrogate, which is not a character"


def safe_pointer(parts: tuple[str | int, ...]) -> str:
    """The pointer of `parts`, cut before the first key that holds a surrogate: such a key has no UTF-8 form,
    so no report could print or encode it (its problem is reported at the mapping that holds it)."""
    for at, part in enumerate(parts):
        if part.__class__ is str and _SURROGATE.search(part) is not None:
            return pointer_from_parts(parts[:at])
    return pointer_from_parts(parts)


def yaml_surrogates(root: Any) -> list[Issue]:
    """An issue for each scalar (key or value) of the node tree that holds a surrogate."""
    issues: list[Issue] = []
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        cls = node.__class__
        if cls is ScalarNode:
            message = surrogate_message("the string", node.value)
            if message is not None:
                issues.append(Issue("SPEC-PARSE", message, node))
        elif cls is SequenceNode:
            stack.extend(reversed(node.value))
        else:
            for key_node, value_node in reversed(node.value):
                stack.append(value_node)
                stack.append(key_node)
    return issues

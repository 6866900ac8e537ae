"""The difference between two specs as JSON Pointer changes: what `usm-rules test` cases write as `patch`
and `remove`, and what the report shows of a witness (the changes that turn its seed into it)."""
from __future__ import annotations

from typing import Any


def _pointer(parts: tuple) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def diff(base: Any, spec: Any, at: tuple = ()) -> tuple[dict[str, Any], list[str]]:
    """(patch, remove) that turn `base` into `spec`: changed keys and list items are set by JSON Pointer, an
    item appended to a list by `/list/-`, removed keys listed; a list that shrank or grew by more than one
    item is replaced whole."""
    patch: dict[str, Any] = {}
    remove: list[str] = []
    if type(base) is dict and type(spec) is dict:
        for key, value in spec.items():
            if key not in base:
                patch[_pointer(at + (key,))] = value
            else:
                p, r = diff(base[key], value, at + (key,))
                patch.update(p)
                remove.extend(r)
        remove.extend(_pointer(at + (key,)) for key in base if key not in spec)
    elif type(base) is list and type(spec) is list and len(base) <= len(spec) <= len(base) + 1:
        for i, item in enumerate(base):
            p, r = diff(item, spec[i], at + (i,))
            patch.update(p)
            remove.extend(r)
        if len(spec) > len(base):
            patch[_pointer(at) + "/-"] = spec[-1]
    elif not (type(base) is type(spec) and base == spec):
        patch[_pointer(at)] = spec
    return patch, remove

"""A case's specs: read from a file, written inline, or the file's `base_spec` changed by `patch` and `remove`;
and `CaseDocument`, the assembled spec as a document the engine checks like any other, which says where each
of its parts was written, so that findings point into the test file (or the base spec file) directly.
"""
from __future__ import annotations

import copy
from typing import Any

from ..findings import Span
from .model import Origin, SpecSource
from .reader import Reader, kind


def load_spec_file(path: str) -> Any:
    """A spec file, loaded as `check` loads it (bounded read; problems are values, never raised)."""
    from ..loader import load_path

    return load_path(path)


def base_from_file(r: Reader, full: str) -> SpecSource | None:
    """The `base_spec_file`: its first document, which must be a mapping."""
    loaded = load_spec_file(full)
    if loaded.problems or not loaded.documents or type(loaded.documents[0].data) is not dict:
        r.error(("base_spec_file",), f"`{full}` is not a readable YAML mapping"
                + (f": {loaded.problems[0].message}" if loaded.problems else ""))
        return None
    doc = loaded.documents[0]
    return SpecSource(data=doc.data, origins=[Origin((), doc, (), full)])


def spec_source(r: Reader, parts: tuple, raw: dict, base_dir: str, base: SpecSource | None) -> SpecSource | None:
    """The spec that the case (or `specs:` entry) at `parts` gives, or None after recording a problem."""
    given = [k for k in ("spec", "spec_file") if k in raw]
    patched = [k for k in ("patch", "remove") if k in raw]
    if len(given) > 1 or (given and patched):
        r.error(parts + ((given + patched)[1],), "give one of `spec`, `spec_file`, or `patch`/`remove` onto the "
                                                 "file's `base_spec`", key=True)
        return None
    if "spec" in raw:
        if type(raw["spec"]) is not dict:
            r.error(parts + ("spec",), f"`spec` must be a mapping (a spec document), got {kind(raw['spec'])}")
            return None
        return SpecSource(data=raw["spec"], origins=[Origin((), r.doc, parts + ("spec",), r.path)])
    if "spec_file" in raw:
        full = r.file(parts + ("spec_file",), raw["spec_file"], base_dir, "`spec_file`")
        return SpecSource(file=full) if full is not None else None
    if base is None:
        r.error(parts, "this case has no spec: give `spec`, `spec_file`, or a `base_spec` at the top of the file "
                       "for `patch` to change")
        return None
    source = SpecSource(data=copy.deepcopy(base.data), origins=list(base.origins))
    _patch(r, parts, raw.get("patch", {}), source)
    _remove(r, parts, raw, source.data)
    return source


def _patch(r: Reader, parts: tuple, patch: Any, source: SpecSource) -> None:
    """Set each top-level key (replaced whole) or JSON Pointer (`/list/-` appends) of `patch` in the spec."""
    if type(patch) is not dict:
        r.error(parts + ("patch",), f"`patch` must be a mapping of top-level keys or JSON Pointers to values, "
                                    f"got {kind(patch)}")
        return
    data = source.data
    for key, value in patch.items():
        where = parts + ("patch", key)
        if type(key) is not str:
            r.error(where, "a `patch` key must be a top-level key or a JSON Pointer such as `/scos/0/metric`",
                    key=True)
            continue
        if not key.startswith("/"):
            data[key] = copy.deepcopy(value)
            source.origins.append(Origin((key,), r.doc, where, r.path))
            continue
        target = _pointer_target(r, where, data, key)
        if target is None:
            continue
        container, last, spec_parts = target
        if type(container) is list and last == len(container):
            container.append(copy.deepcopy(value))
        else:
            container[last] = copy.deepcopy(value)
        source.origins.append(Origin(spec_parts, r.doc, where, r.path))


def _remove(r: Reader, parts: tuple, raw: dict, data: dict) -> None:
    """Delete each top-level key or JSON Pointer of the case's `remove` (one, or a list) from the spec."""
    removals = raw.get("remove", [])
    listed = type(removals) is list
    for j, key in enumerate(removals if listed else [removals]):
        where = parts + ("remove", j) if listed else parts + ("remove",)
        if type(key) is not str or not key:
            r.error(where, f"`remove` lists top-level keys or JSON Pointers, got {kind(key)}")
            continue
        if not key.startswith("/"):
            if key not in data:
                r.error(where, f"cannot remove `{key}`: the spec has no such top-level key")
            data.pop(key, None)
            continue
        target = _pointer_target(r, where, data, key, must_exist=True)
        if target is not None:
            container, last, _ = target
            del container[last]


def _pointer_tokens(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _pointer_target(r: Reader, where: tuple, data: Any, pointer: str,
                    must_exist: bool = False) -> tuple[Any, Any, tuple] | None:
    """(container, key or index, spec parts) that a JSON Pointer names, or None after an error."""
    tokens = _pointer_tokens(pointer)
    node = data
    spec_parts: list = []
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        if type(node) is dict:
            if last:
                if must_exist and token not in node:
                    break
                return node, token, tuple(spec_parts + [token])
            if token not in node:
                break
            node = node[token]
            spec_parts.append(token)
        elif type(node) is list:
            if token == "-" and last and not must_exist:
                return node, len(node), tuple(spec_parts + [len(node)])
            if not token.isdigit() or int(token) >= len(node):
                break
            if last:
                return node, int(token), tuple(spec_parts + [int(token)])
            node = node[int(token)]
            spec_parts.append(int(token))
        else:
            break
    else:
        r.error(where, "a JSON Pointer in `patch` must name a place inside the spec", key=True)
        return None
    shown = "/" + "/".join(str(p) for p in spec_parts) if spec_parts else "the spec's root"
    r.error(where, f"JSON Pointer `{pointer}` does not resolve: nothing at `{tokens[len(spec_parts)]}` "
                   f"under {shown}", key=True)
    return None


class CaseDocument:
    """A spec assembled for a case (a base spec patched by the case, or inline data): a document the engine
    checks like any other, which says for each part the file and place its text was written in."""

    __slots__ = ("index", "data", "has_problems", "_origins")

    def __init__(self, index: int, data: Any, origins: list[tuple[Origin, Any]]) -> None:
        self.index = index
        self.data = data
        self.has_problems = False
        self._origins = origins  # (where a part was written, the engine's FileId of that file)

    def _origin(self, parts: tuple) -> tuple[Origin, Any] | None:
        """The origin of the longest prefix of `parts` (a patch wins over the base spec it changes)."""
        best = None
        for origin in self._origins:
            prefix = origin[0].spec_parts
            if parts[:len(prefix)] == prefix and (best is None or len(prefix) >= len(best[0].spec_parts)):
                best = origin
        return best

    def locate(self, parts: tuple) -> tuple[Span, tuple]:
        found = _existing(self.data, parts)
        origin = self._origin(found)
        if origin is None:
            return Span(1, 1, 1, 2), found
        where = origin[0]
        span, _ = where.document.locate(tuple(where.parts) + tuple(found[len(where.spec_parts):]))
        return span, found

    def file_of(self, parts: tuple) -> Any:
        origin = self._origin(_existing(self.data, parts))
        return origin[1] if origin else None


def _existing(data: Any, parts: tuple) -> tuple:
    """The longest prefix of `parts` that exists in `data` (list indexes as ints)."""
    found: list = []
    node = data
    for p in parts:
        if type(node) is dict and p in node:
            node = node[p]
        elif type(node) is list and (type(p) is int or (type(p) is str and p.isdigit())) and int(p) < len(node):
            p = int(p)
            node = node[p]
        else:
            break
        found.append(p)
    return tuple(found)

"""Where a finding is: files as shown and as identified, rule hits located in their document, Findings built.

A compiled rule reports a Hit on a spec object (plain dicts and lists): the object's identity, indexed once
per document on the first hit, gives its path from the root, and the loaded document gives that path's line
and column. Fingerprints use the project-relative identity of the file, never the spelling of its path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..findings import Finding, RuleInfo, Severity, Span, fingerprint, pointer_from_parts
from ..textsafe import visible


@dataclass(frozen=True, slots=True)
class FileId:
    """A checked file: `path` as read, `shown` as reports print it (as given, with anything that is not
    printable made visible), `identity` relative to the project root (fingerprints, waivers, CI paths)."""

    path: str
    identity: str
    shown: str = ""

    def __post_init__(self) -> None:
        if not self.shown:
            object.__setattr__(self, "shown", visible(self.path))


def identity_index(root: Any) -> dict[int, tuple]:
    """id() of every dict and list in a document -> its path from the root (the first path, for shared ones)."""
    index: dict[int, tuple] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())]
    while stack:
        obj, parts = stack.pop()
        if id(obj) in index:
            continue
        index[id(obj)] = parts
        if type(obj) is dict:
            for k, v in obj.items():
                if type(v) is dict or type(v) is list:
                    stack.append((v, parts + (k,)))
        elif type(obj) is list:
            for i, v in enumerate(obj):
                if type(v) is dict or type(v) is list:
                    stack.append((v, parts + (i,)))
    return index


def value_at(data: Any, parts: tuple) -> Any:
    for p in parts:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def resolve_parts(index: dict[int, tuple], node: Any, keys: tuple) -> tuple:
    """A hit's (node, keys) as a path from the document root."""
    parts = index.get(id(node))
    while parts is None and keys and type(node) in (list, dict):
        try:
            node = node[keys[0]]
        except (KeyError, IndexError, TypeError):
            break
        keys = keys[1:]
        parts = index.get(id(node)) if type(node) in (dict, list) else None
    return (parts or ()) + tuple(keys) if parts is not None else ()


def make_finding(info: RuleInfo | None, rule: str, severity: Severity, message: str, file: FileId, span: Span,
                 parts: tuple | str, document: int, service: str | None, value: Any, trace: Any = (),
                 related: tuple[tuple[Span, str], ...] = ()) -> Finding:
    """A finding at `span`, the node at `parts` (a path, or a JSON Pointer already made) of document `document`;
    `value` is what the fingerprint hashes besides rule, file identity and pointer."""
    pointer = parts if isinstance(parts, str) else pointer_from_parts(parts)
    return Finding(rule, severity, info.title if info else rule, message, file.shown, span.line, span.column,
                   span.end_line, span.end_column, pointer, document, service,
                   fingerprint(rule, file.identity, pointer, value, document),
                   explain=tuple((str(e), str(v)) for e, v in trace) if trace else (), project_path=file.identity,
                   related=related)


def file_finding(info: RuleInfo, file: FileId, message: str, span: Span = Span(1, 1, 1, 2), key: str = "") -> Finding:
    """A finding of the engine about a file as a whole, or a place in it that is not a spec node (unreadable,
    aborted, a suppression comment, a waiver or baseline entry). `key` tells apart several at one place."""
    return Finding(info.id, info.severity, info.title, message, file.shown, span.line, span.column, span.end_line,
                   span.end_column, "", 0, None, fingerprint(info.id, file.identity, "", key or info.id),
                   project_path=file.identity)

"""Files -> documents with source positions (YAML 1.2 core schema, duplicate keys, limits).

What this module promises (DESIGN §2, §8):

* **YAML 1.2 core schema** for plain scalars: only `true`/`false` (and their `True`/`TRUE`/... spellings)
  are booleans, `null`/`~`/empty are null, `072` is the integer 72, `0o17` and `0x1F` are octal and hex,
  `1e3` and `.inf` are floats; everything else - `yes`, `on`, `12:30`, `2026-09-15` - stays a string.
  Quoted and block scalars are always strings. Explicit tags `!!str`, `!!int`, `!!float`, `!!bool`,
  `!!null`, `!!map` and `!!seq` are honoured; any other tag is reported as `SPEC-PARSE` and nothing is
  ever executed or instantiated. (libyaml reports a plain scalar with the non-specific tag `!` exactly like
  an untagged one, so `! 12` is the integer 12, not the string the YAML spec asks for.)
* **Merge keys are not supported**: `<<` is an ordinary string key, as in the YAML 1.2 core schema (merge
  keys were a YAML 1.1 type). A spec using `<<: *defaults` therefore gets a schema finding on the `<<` key
  instead of silently merged values.
* **Duplicate keys** are reported (`SPEC-DUPLICATE-KEY`, at the second key); the document is still
  returned with the *last* value, as the `json` module and most YAML readers keep it, and is marked
  `has_problems`. Keys are compared as constructed values, so `1` and `0x1` are duplicates. Other problems
  inside a document also set `has_problems`: a node with an unsupported tag becomes `None`, and a pair
  whose key is not a scalar (a "complex key") is left out.
* **Positions**: every document keeps its composed node tree; `Document.locate` walks it on demand, so no
  position table or pointer string is built for documents that produce no finding. JSON files are parsed
  with the standard library and positions are computed by a small scanner only when `locate` is called;
  `NaN` and `Infinity` are rejected, as a JSON reader in another language would.
* **Encodings**: a UTF-8/16/32 BOM, or the NUL pattern of an ASCII first character (YAML 1.2 §5.2),
  selects the encoding; otherwise UTF-8. Invalid bytes and NUL bytes (binary files) are `SPEC-PARSE`.
* **Limits** (`SPEC-LIMIT`): file size (checked before parsing), nesting depth of collections (the root
  collection is level 1), and the number of nodes a document expands to through aliases (the "billion
  laughs" guard; the same count also caps documents without aliases, which the size bounds anyway). A
  limit stops the reading of the file; documents before it are kept. Aliased nodes become one shared
  Python object, so callers must not mutate `Document.data`.
* **Never raises**: unreadable paths are `SPEC-READ`, everything wrong with the content is a located
  `SPEC-PARSE` / `SPEC-LIMIT` problem. Documents before a syntax error in a multi-document stream are kept.

How it is fast: libyaml (when PyYAML was built with it) composes the node tree in C; its resolver hooks
are replaced by builtins that cost next to nothing (see `_RESOLVER_HOOKS`), and plain Python values are
built by a tight recursive function instead of PyYAML's generator-based constructor. The cyclic GC is paused while
building. libyaml's composer recurses in C (deep enough input overflows the C stack) and its scanner is
quadratic in the nesting depth, so a cheap upper bound of the nesting depth is computed first; input whose
bound is too high is composed from libyaml's event stream instead, iteratively, stopping as soon as the
depth limit is passed.
"""
from __future__ import annotations

import codecs
import errno
import gc
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Iterator

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .findings import Span, pointer_from_parts
from .textsafe import visible

__all__ = ["Limits", "LoadProblem", "Document", "LoadedFile", "load_bytes", "load_path", "refused"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024  # file size
    max_depth: int = 200  # nesting depth of collections (the root collection is depth 1)
    max_nodes: int = 1_000_000  # nodes of one document after alias expansion (billion-laughs guard)


@dataclass(frozen=True, slots=True)
class LoadProblem:
    rule: str  # "SPEC-PARSE" | "SPEC-DUPLICATE-KEY" | "SPEC-LIMIT" | "SPEC-READ"
    message: str  # one sentence; values in `backticks`
    span: Span  # 1-based
    document: int  # 0-based document index in the file (0 when unknown)
    pointer: str  # RFC 6901 pointer of the offending node if known, else ""


class Document:
    """One YAML or JSON document: plain data plus what is needed to find where each part came from."""

    __slots__ = ("index", "data", "has_problems", "_root", "_json", "_aliases")

    def __init__(self, index: int, data: Any, has_problems: bool = False, root: Any = None,
                 json_source: "_JsonSource | None" = None, aliases: "dict[tuple[int, int], _AliasUse] | None" = None
                 ) -> None:
        self.index = index
        self.data = data
        self.has_problems = has_problems
        self._root = root
        self._json = json_source
        self._aliases = aliases  # where a YAML alias stands for a node: only for documents that have aliases

    def __repr__(self) -> str:
        return f"Document(index={self.index}, has_problems={self.has_problems}, data={self.data!r:.60})"

    def locate(self, parts: tuple[str | int, ...]) -> tuple[Span, tuple[str | int, ...]]:
        """Span of the node at that JSON-pointer path; if the path does not fully exist, the span of the
        DEEPEST existing node along it, and the parts actually found. For a mapping key, the span is the
        VALUE node's span (for a missing key: the parent mapping's). Root () = the whole document node.
        A node reached through a YAML alias is located at the (first) alias on the way: where it is used."""
        if self._json is not None:
            return self._json.locate(parts)
        if self._root is None:
            return Span(1, 1, 1, 1), ()
        node, found, uses = self._walk(parts)
        return (uses[0].span if uses else _node_span(node)), found

    def related(self, parts: tuple[str | int, ...]) -> tuple[tuple[Span, str], ...]:
        """Where a node reached through YAML aliases is really written: each anchor passed on the way to it
        (and the node itself when it lies inside the last anchor), as (span, message) pairs; () without
        aliases."""
        if not self._aliases:
            return ()
        node, _, uses = self._walk(parts)
        out = [(_node_span(use.anchor), f"anchor `{visible(use.name)}` is defined here") for use in uses]
        if uses and node is not uses[-1].anchor:
            out.append((_node_span(node), f"the node is defined here, inside anchor `{visible(uses[-1].name)}`"))
        return tuple(out)

    def _walk(self, parts: tuple[str | int, ...]) -> tuple[Any, tuple[str | int, ...], list["_AliasUse"]]:
        """The deepest node along `parts`, the parts found, and the alias uses passed on the way."""
        node = self._root
        aliases = self._aliases
        found: list[str | int] = []
        uses: list[_AliasUse] = []
        for part in parts:
            cls = node.__class__
            if cls is MappingNode:
                at = _find_key([_key_quiet(k) if k.__class__ is ScalarNode else _BAD for k, _ in node.value], part)
                if at is None:
                    break
                child = node.value[at][1]
            elif cls is SequenceNode:
                at = _as_index(part)
                if at is None or at >= len(node.value):
                    break
                child = node.value[at]
            else:
                break
            if aliases:
                use = aliases.get((id(node), at))
                if use is not None:
                    uses.append(use)
            node = child
            found.append(part)
        return node, tuple(found), uses


class _AliasUse:
    """A YAML alias (`*name`) in the document: its own span, and the anchored node it stands for."""

    __slots__ = ("span", "name", "anchor")

    def __init__(self, span: Span, name: str, anchor: Any) -> None:
        self.span, self.name, self.anchor = span, name, anchor


@dataclass(slots=True)
class LoadedFile:
    path: str  # as given by the caller
    documents: list[Document]
    problems: list[LoadProblem]


# --------------------------------------------------------------------------------------------------
# Entry points


def load_path(path: str, limits: Limits = Limits()) -> LoadedFile:
    """Read (regular files only, at most `limits.max_bytes`) and load one file (`-` is stdin). A file that
    cannot be read gives a `SPEC-READ` problem, one over the size limit `SPEC-LIMIT`; never raises."""
    from .files import FileRefused, read_bounded

    try:
        data = sys.stdin.buffer.read(limits.max_bytes + 1) if path == "-" else read_bounded(path, limits.max_bytes)
    except FileRefused as exc:
        return refused(path, exc)
    except OSError as exc:
        return LoadedFile(path, [], [_problem("SPEC-READ", f"cannot read `{visible(path)}`: {_os_reason(exc)}")])
    return load_bytes(data, path, limits)


def refused(path: str, exc: Any) -> LoadedFile:
    """The loaded file of a path the bounded reader refused: why, as its only problem."""
    if exc.too_large:
        return LoadedFile(path, [], [_problem("SPEC-LIMIT", f"file {exc.reason}")])
    return LoadedFile(path, [], [_problem("SPEC-READ", f"cannot read `{visible(path)}`: {exc.reason}")])


def load_bytes(data: bytes, path: str, limits: Limits = Limits()) -> LoadedFile:
    """Load the content of one file; `path` decides JSON (`*.json`) or YAML (anything else, also `-`)."""
    try:
        if len(data) > limits.max_bytes:
            return _too_big(path, len(data), limits)
        text, problem = _decode(data)
        if problem is not None:
            return LoadedFile(path, [], [problem])
        if path.lower().endswith(".json"):
            return _load_json(text, path, limits)
        loaded = _load_yaml(text, path, limits, _DefaultComposer)
        if _DefaultComposer is not _PyComposer and any(_LIBYAML_DEPTH in p.message for p in loaded.problems):
            # libyaml 0.2.6 (PyYAML 6.0.4) refuses nesting deeper than 1000 levels before our own depth limit
            # can say so; PyYAML's Python parser has no such limit, and only such pathological input pays for it.
            loaded = _load_yaml(text, path, limits, _PyComposer)
        return loaded
    except Exception as exc:  # noqa: BLE001 - a bug here must not take the run down
        return LoadedFile(path, [], [_problem("SPEC-PARSE", f"cannot load the file: {type(exc).__name__}: {exc}")])


def _too_big(path: str, size: int, limits: Limits) -> LoadedFile:
    message = f"file is {size:,} bytes, more than the limit of {limits.max_bytes:,} bytes"
    return LoadedFile(path, [], [_problem("SPEC-LIMIT", message)])


def _os_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EISDIR: "it is a directory",
        errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
        errno.ENOTDIR: "a part of the path is not a directory",
    }
    return reasons.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def _problem(rule: str, message: str, line: int = 1, column: int = 1, document: int = 0,
             pointer: str = "", span: Span | None = None) -> LoadProblem:
    return LoadProblem(rule, message, span or Span(line, column, line, column + 1), document, pointer)


# --------------------------------------------------------------------------------------------------
# Bytes -> text

_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def _decode(data: bytes) -> tuple[str, LoadProblem | None]:
    """Decode as YAML 1.2 §5.2 says: a BOM, else NUL patterns of an ASCII first character, else UTF-8."""
    encoding, label, skip = "utf-8", "UTF-8", 0
    for bom, name, name_label in _BOMS:
        if data.startswith(bom):
            encoding, label, skip = name, name_label, len(bom)
            break
    else:
        head = data[:4]
        if len(head) >= 4 and head[:3] == b"\0\0\0" and head[3]:
            encoding, label = "utf-32-be", "UTF-32"
        elif len(head) >= 4 and head[0] and head[1:4] == b"\0\0\0":
            encoding, label = "utf-32-le", "UTF-32"
        elif len(head) >= 2 and not head[0] and head[1]:
            encoding, label = "utf-16-be", "UTF-16"
        elif len(head) >= 2 and head[0] and not head[1]:
            encoding, label = "utf-16-le", "UTF-16"
    body = data[skip:] if skip else data
    if encoding == "utf-8" and b"\0" in body:
        return "", _binary_problem(body, body.index(b"\0") + skip)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start
        prefix = body[:offset].decode(encoding, "replace")
        line, column = _line_col(prefix, len(prefix))
        return "", _problem("SPEC-PARSE", f"not valid {label} at byte {offset + skip}", line, column)
    if encoding != "utf-8" and "\0" in text:
        line, column = _line_col(text, text.index("\0"))
        return "", _problem("SPEC-PARSE", "binary file: it contains a NUL character", line, column)
    return text, None


def _binary_problem(data: bytes, offset: int) -> LoadProblem:
    prefix = data[:offset].decode("utf-8", "replace")
    line, column = _line_col(prefix, len(prefix))
    return _problem("SPEC-PARSE", f"binary file: NUL byte at byte {offset}", line, column)


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (lines end at `\\n`)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --------------------------------------------------------------------------------------------------
# Scalars: the YAML 1.2 core schema

_T = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ = (_T + n for n in ("str", "int", "float", "bool", "null", "map", "seq"))

_INF, _NAN = math.inf, math.nan
_NULLS = {"": None, "~": None, "null": None, "Null": None, "NULL": None}
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SPECIAL_FLOATS = {sign + word: -_INF if sign == "-" else _INF
                   for word in (".inf", ".Inf", ".INF") for sign in ("", "+", "-")}
_SPECIAL_FLOATS.update({".nan": _NAN, ".NaN": _NAN, ".NAN": _NAN})
# Plain scalars that are not strings and do not start like a number.
_PLAIN_SPECIAL: dict[str, Any] = {**_NULLS, **_BOOLS, **_SPECIAL_FLOATS}
_NUMBER_START = frozenset("0123456789+-.")
_NUMBER = re.compile(
    r"(?P<i>[-+]?[0-9]+)|0o(?P<o>[0-7]+)|0x(?P<x>[0-9a-fA-F]+)"
    r"|(?P<f>[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)"
).fullmatch

_BAD = object()  # a node that could not be constructed (its problem is already recorded)


class _Issue:
    """A problem found while building a document, tied to its node; located after the build."""

    __slots__ = ("rule", "message", "node")

    def __init__(self, rule: str, message: str, node: Any) -> None:
        self.rule, self.message, self.node = rule, message, node


def _short(text: str, limit: int = 60) -> str:
    """Spec text as a message quotes it: one line, no backticks, nothing that could steer a terminal."""
    text = visible(text[: limit * 2]).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        issues.append(_Issue("SPEC-PARSE", f"integer `{_short(text)}` has too many digits", node))
        return _BAD


def _plain(text: str, node: Any, issues: list) -> Any:
    value = _PLAIN_SPECIAL.get(text, _BAD)
    if value is not _BAD:
        return value
    if text[0] in _NUMBER_START:
        return _number(text, node, issues)
    return text


def _tagged(node: Any, issues: list) -> Any:
    """A node with an explicit tag (or a quoted scalar); `_BAD` if the tag or value is not acceptable."""
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
                return float(result) if tag == _FLOAT and result is not _BAD else result
            if tag == _FLOAT and value in _SPECIAL_FLOATS:
                return _SPECIAL_FLOATS[value]
        if tag in (_STR, _NULL, _BOOL, _INT, _FLOAT):
            issues.append(_Issue("SPEC-PARSE", f"`{_short(value)}` is not a valid `{_tag_name(tag)}`", node))
            return _BAD
    elif tag in (_STR, _NULL, _BOOL, _INT, _FLOAT, _MAP, _SEQ):
        kind = "mapping" if node.__class__ is MappingNode else "sequence"
        issues.append(_Issue("SPEC-PARSE", f"a {kind} cannot have the tag `{_tag_name(tag)}`", node))
        return _BAD
    issues.append(_Issue("SPEC-PARSE", f"unsupported tag `{_tag_name(tag)}`", node))
    return _BAD


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_T):] if tag.startswith(_T) else tag


def _scalar_value(node: Any, issues: list) -> Any:
    tag = node.tag
    if tag.__class__ is slice and tag.step[0]:
        return _plain(node.value, node, issues)
    return _tagged(node, issues)


def _key_quiet(node: Any) -> Any:
    """The constructed value of a scalar key node, without recording problems (`_BAD` if invalid)."""
    return _scalar_value(node, [])


def _find_key(keys: list[Any], part: str | int) -> int | None:
    """The position of key `part` among a mapping's constructed keys (`_BAD` for keys that have none); the
    last match wins, as in the data.

    Keys equal to `part` (string to string) are preferred; otherwise a key whose text is `part` (so the
    pointer token `"1"` finds the integer key `1`).
    """
    exact = loose = None
    text = _key_text(part)
    for position, key in enumerate(keys):
        if key is _BAD:
            continue
        if key == part and key.__class__ is part.__class__:
            exact = position
        elif _key_text(key) == text:
            loose = position
    return exact if exact is not None else loose


def _key_text(key: Any) -> str:
    if key is None:
        return "null"
    if key is True or key is False:
        return "true" if key else "false"
    return str(key)


def _as_index(part: str | int) -> int | None:
    if part.__class__ is int:
        return part if part >= 0 else None  # type: ignore[operator]
    if isinstance(part, str) and part.isascii() and part.isdigit() and (part == "0" or part[0] != "0"):
        return int(part)
    return None


# --------------------------------------------------------------------------------------------------
# Building plain values from composed nodes


class _LimitExceeded(Exception):
    """A limit was passed at `node`; `root` is the document's (possibly unfinished) root if known."""

    def __init__(self, message: str, node: Any, root: Any = None) -> None:
        super().__init__(message)
        self.message, self.node, self.root = message, node, root


def _depth_message(max_depth: int) -> str:
    return f"nesting is deeper than the limit of {max_depth} levels"


def _build(node: Any, remaining: int, issues: list) -> Any:
    """Fast path for a tree without aliases: `remaining` is how many more collection levels are allowed.

    Scalars are resolved inline (a function call per scalar costs more than the rest of the work).
    """
    cls = node.__class__
    if cls is ScalarNode:
        return _scalar_value(node, issues)
    if remaining < 1:
        raise _LimitExceeded("", node)
    remaining -= 1
    tag = node.tag
    if tag.__class__ is not slice and tag != (_MAP if cls is MappingNode else _SEQ):
        _tagged(node, issues)
        return None
    if cls is MappingNode:
        pairs = node.value
        result = {}
        for key_node, value_node in pairs:
            if key_node.__class__ is ScalarNode:
                tag = key_node.tag
                if tag.__class__ is slice:
                    key = key_node.value
                    if tag.step[0] and (key in _PLAIN_SPECIAL or key[0] in _NUMBER_START):
                        key = _plain(key, key_node, issues)
                        if key is _BAD:
                            continue
                else:
                    key = _tagged(key_node, issues)
                    if key is _BAD:
                        continue
            else:
                _complex_key(key_node, issues)
                continue
            if value_node.__class__ is ScalarNode:
                tag = value_node.tag
                if tag.__class__ is slice:
                    value = value_node.value
                    if tag.step[0] and (value in _PLAIN_SPECIAL or value[0] in _NUMBER_START):
                        value = _plain(value, value_node, issues)
                        if value is _BAD:
                            value = None
                else:
                    value = _tagged(value_node, issues)
                    if value is _BAD:
                        value = None
                result[key] = value
            else:
                result[key] = _build(value_node, remaining, issues)
        if len(result) != len(pairs):
            _report_duplicates(pairs, issues)
        return result
    result = []
    append = result.append
    for item in node.value:
        if item.__class__ is ScalarNode:
            tag = item.tag
            if tag.__class__ is slice:
                value = item.value
                if tag.step[0] and (value in _PLAIN_SPECIAL or value[0] in _NUMBER_START):
                    value = _plain(value, item, issues)
                    if value is _BAD:
                        value = None
            else:
                value = _tagged(item, issues)
                if value is _BAD:
                    value = None
            append(value)
        else:
            append(_build(item, remaining, issues))
    return result


def _complex_key(node: Any, issues: list) -> None:
    kind = "mapping" if node.__class__ is MappingNode else "sequence"
    issues.append(_Issue("SPEC-PARSE", f"a mapping key must be a scalar (string, number, boolean or null), "
                                       f"not a {kind}", node))


def _report_duplicates(pairs: list, issues: list) -> None:
    first: dict[Any, Any] = {}
    for key_node, _ in pairs:
        if key_node.__class__ is not ScalarNode:
            continue
        key = _key_quiet(key_node)
        if key is _BAD:
            continue
        earlier = first.get(key)
        if earlier is None:
            first[key] = key_node
        else:
            first_at = _first_defined(earlier.start_mark.line + 1, earlier.start_mark.column + 1,
                                      key_node.start_mark.line + 1)
            message = f"duplicate key `{_short(key_node.value)}` ({first_at})"
            issues.append(_Issue("SPEC-DUPLICATE-KEY", message, key_node))


def _first_defined(line: int, column: int, duplicate_line: int) -> str:
    return f"first defined at line {line}" + (f", column {column}" if line == duplicate_line else "")


class _CarefulBuilder:
    """The general path: aliases (shared nodes, built once), recursion through aliases, node counting."""

    __slots__ = ("max_depth", "max_nodes", "count", "done", "active", "issues", "aliased")

    def __init__(self, limits: Limits, issues: list) -> None:
        self.max_depth = limits.max_depth
        self.max_nodes = limits.max_nodes
        self.count = 0
        self.done: dict[int, tuple[Any, int, int]] = {}  # id(node) -> (value, expanded size, height)
        self.active: set[int] = set()
        self.issues = issues
        self.aliased = False

    def build(self, node: Any, depth: int) -> tuple[Any, int]:
        """Value of `node`, whose parent is at `depth` collection levels, and the node's height."""
        if node.__class__ is ScalarNode:
            self._grow(1, node)
            value = _scalar_value(node, self.issues)
            return (None if value is _BAD else value), 0
        key = id(node)
        seen = self.done.get(key)
        if seen is not None:  # an alias of a node built before: shared, but counted at full size
            value, size, height = seen
            self.aliased = True
            if depth + height > self.max_depth:
                raise _LimitExceeded(_depth_message(self.max_depth), node)
            self._grow(size, node)
            return value, height
        if key in self.active:
            self.issues.append(_Issue("SPEC-PARSE", "an alias refers to a collection that contains it "
                                                    "(a recursive structure)", node))
            return None, 0
        if depth + 1 > self.max_depth:
            raise _LimitExceeded(_depth_message(self.max_depth), node)
        start = self.count
        self._grow(1, node)
        tag = node.tag
        if tag.__class__ is not slice and tag != (_MAP if node.__class__ is MappingNode else _SEQ):
            _tagged(node, self.issues)
            value, height = None, 1
        else:
            self.active.add(key)
            value, height = self._children(node, depth + 1)
            self.active.discard(key)
        self.done[key] = (value, self.count - start, height)
        return value, height

    def _children(self, node: Any, depth: int) -> tuple[Any, int]:
        height = 0
        if node.__class__ is SequenceNode:
            items = []
            for item in node.value:
                value, h = self.build(item, depth)
                items.append(value)
                height = h if h > height else height
            return items, height + 1
        result = {}
        pairs = node.value
        for key_node, value_node in pairs:
            if key_node.__class__ is not ScalarNode:
                _complex_key(key_node, self.issues)
                continue
            self._grow(1, key_node)
            key = _scalar_value(key_node, self.issues)
            if key is _BAD:
                continue
            value, h = self.build(value_node, depth)
            result[key] = value
            height = h if h > height else height
        if len(result) != len(pairs):
            _report_duplicates(pairs, self.issues)
        return result, height + 1

    def _grow(self, size: int, node: Any) -> None:
        self.count += size
        if self.count > self.max_nodes:
            raise _LimitExceeded(f"the document expands to more than {self.max_nodes:,} nodes through aliases "
                                 f"(a \"billion laughs\" structure?)" if self.aliased else
                                 f"the document has more than {self.max_nodes:,} nodes", node)


# --------------------------------------------------------------------------------------------------
# Composing: libyaml (or PyYAML's pure-Python parser) with hooks that cost next to nothing

# The composer calls `resolve(kind, value, implicit)` for every node without an explicit tag, and
# `descend_resolver(parent, index)` / `ascend_resolver()` around every node. Python functions there cost
# more than a tenth of the whole parse; builtins are the cheapest callables: `slice(kind, value, implicit)`
# keeps the `implicit` flags in `.step` - a `(plain, quoted)` tuple for scalars, so `tag.step[0]` means
# "plain scalar: resolve by the core schema" - and `slice` / `tuple` accept the descend / ascend arguments
# and do nothing. Explicit tags stay strings, so `tag.__class__ is slice` means "no explicit tag".
#
# `safe_depth` is the nesting depth up to which the recursive composer (`get_node`) is used. libyaml's C
# composer overflows an 8 MB stack somewhere between 20,000 and 40,000 levels and its scanner is quadratic
# in the depth (10,000 levels take about a second); PyYAML's pure-Python composer uses two Python frames
# per level. Deeper input goes through `_compose_events`.
_RESOLVER_HOOKS = {"resolve": slice, "descend_resolver": slice, "ascend_resolver": tuple}

if yaml.__with_libyaml__:
    from yaml._yaml import CParser as _CParser

    _CComposer: type | None = type("_CComposer", (_CParser,), {**_RESOLVER_HOOKS, "safe_depth": 4000})
else:  # pragma: no cover - depends on how PyYAML was built
    _CComposer = None

_PyComposer = type("_PyComposer", (yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser,
                                   yaml.composer.Composer), {**_RESOLVER_HOOKS, "safe_depth": 200})


def _py_composer_init(self: Any, stream: str) -> None:
    yaml.reader.Reader.__init__(self, stream)
    yaml.scanner.Scanner.__init__(self)
    yaml.parser.Parser.__init__(self)
    yaml.composer.Composer.__init__(self)


_PyComposer.__init__ = _py_composer_init  # type: ignore[misc]

_DefaultComposer = _CComposer or _PyComposer
_LIBYAML_DEPTH = "exceeded maximum nesting depth"


def _depth_bound_ok(text: str, limit: int) -> bool:
    """True if the collection nesting of `text` is certainly at most `limit` (cheap, C-speed checks).

    Every collection on a path needs its own indicator character (`[` `{` `-` `?` `:`), so their count
    bounds the depth. When that is too loose (long files): flow nesting is at most two levels per `[`
    (a single-pair mapping inside) plus one per `{`, and block collections open at strictly increasing
    columns (at most two per column: a sequence may sit at its parent mapping's column), and a column is
    less than the length of the longest line.
    """
    if len(text) <= limit:
        return True
    flow = text.count("[") + text.count("{")
    if flow + text.count("-") + text.count("?") + text.count(":") <= limit:
        return True
    flow += text.count("[")
    if flow > limit:
        return False
    return flow + 2 * (max(map(len, text.split("\n"))) + 2) <= limit


def _compose_events(parser: Any, max_depth: int, record_aliases: bool = False
                    ) -> Iterator[tuple[Any, dict[tuple[int, int], _AliasUse] | None]]:
    """Compose documents from the event stream without recursion, stopping past `max_depth` levels.

    Gives the same nodes as the recursive composers (anchors registered the same way, same errors). With
    `record_aliases`, each document comes with where its aliases stand: (id(parent node), position of the
    child in the parent's `value`) -> the alias use; the recursive composers cannot tell an alias from its
    anchor, as both hand back the same node.
    """
    get = parser.get_event
    get()  # stream start
    while True:
        event = get()
        if event.__class__ is StreamEndEvent:
            return
        anchors: dict[str, Any] = {}
        uses: dict[tuple[int, int], _AliasUse] | None = {} if record_aliases else None
        stack: list[Any] = []  # open collections
        pending: list[Any] = []  # per open collection: the key node waiting for its value (mappings)
        root = None
        while root is None:
            event = get()
            cls = event.__class__
            if cls is SequenceEndEvent or cls is MappingEndEvent:
                node = stack.pop()
                pending.pop()
                node.end_mark = event.end_mark
                if not stack:
                    root = node
                continue
            if cls is AliasEvent:
                node = anchors.get(event.anchor)
                if node is None:
                    raise yaml.composer.ComposerError(None, None, "found undefined alias", event.start_mark)
                if uses is not None and stack and (stack[-1].__class__ is SequenceNode or pending[-1] is not None):
                    start, end = event.start_mark, event.end_mark
                    uses[(id(stack[-1]), len(stack[-1].value))] = _AliasUse(
                        Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1), event.anchor, node)
            else:
                anchor = event.anchor
                if anchor is not None and anchor in anchors:
                    raise yaml.composer.ComposerError("found duplicate anchor; first occurrence",
                                                      anchors[anchor].start_mark, "second occurrence",
                                                      event.start_mark)
                tag = event.tag
                if cls is ScalarEvent:
                    if tag is None or tag == "!":
                        tag = slice(ScalarNode, event.value, event.implicit)
                    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
                else:
                    kind = SequenceNode if cls is SequenceStartEvent else MappingNode
                    if tag is None or tag == "!":
                        tag = slice(kind, None, event.implicit)
                    node = kind(tag, [], event.start_mark, None, event.flow_style)
                if anchor is not None:
                    anchors[anchor] = node
            if stack:
                parent = stack[-1]
                if parent.__class__ is SequenceNode:
                    parent.value.append(node)
                elif pending[-1] is None:
                    pending[-1] = node
                else:
                    parent.value.append((pending[-1], node))
                    pending[-1] = None
            if cls is SequenceStartEvent or cls is MappingStartEvent:
                if len(stack) >= max_depth:
                    raise _LimitExceeded(_depth_message(max_depth), node, stack[0] if stack else node)
                stack.append(node)
                pending.append(None)
            elif not stack:
                root = node
        get()  # document end
        yield root, uses


def _compose_recursive(parser: Any) -> Iterator[tuple[Any, None]]:
    while parser.check_node():
        yield parser.get_node(), None


# --------------------------------------------------------------------------------------------------
# YAML files


def _load_yaml(text: str, path: str, limits: Limits, composer_class: type) -> LoadedFile:
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    max_depth = limits.max_depth
    careful = "*" in text or 2 * len(text) + 4 > limits.max_nodes
    # Only a document with an alias needs to know where its aliases are; the recursive composers cannot say.
    aliased = careful and "&" in text and "*" in text
    # The only way to a lone surrogate (see `_yaml_surrogates`); a one-character test first: it costs next to
    # nothing, a two-character search costs microseconds per file.
    escapes = "\\" in text and ("\\u" in text or "\\U" in text)
    old_limit = sys.getrecursionlimit()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if 2 * max_depth + 200 > old_limit:  # the builders recurse once or twice per level
            sys.setrecursionlimit(2 * max_depth + 200)
        parser = composer_class(text)
        if _depth_bound_ok(text, composer_class.safe_depth) and not aliased:
            nodes = _compose_recursive(parser)
        else:
            nodes = _compose_events(parser, max_depth, aliased)
        for root, aliases in nodes:
            issues: list[_Issue] = []
            index = len(documents)
            try:
                if careful:
                    data = _CarefulBuilder(limits, issues).build(root, 0)[0]
                else:
                    data = _build(root, max_depth, issues)
            except _LimitExceeded as exc:
                problems.extend(_located(issues, root, index))
                message = exc.message or _depth_message(max_depth)
                problems.append(_problem("SPEC-LIMIT", message, document=index, span=_node_span(exc.node),
                                         pointer=pointer_from_parts(_path_to(root, exc.node))))
                break
            if escapes:
                issues.extend(_yaml_surrogates(root))
            documents.append(Document(index, data, bool(issues), root, None, aliases or None))
            if issues:
                problems.extend(_located(issues, root, index))
    except _LimitExceeded as exc:  # from the event composer, inside an unfinished tree
        problems.append(_problem("SPEC-LIMIT", exc.message, document=len(documents), span=_node_span(exc.node),
                                 pointer=pointer_from_parts(_path_to(exc.root, exc.node))))
    except yaml.MarkedYAMLError as exc:
        problems.append(_marked_error(exc, len(documents)))
    except yaml.reader.ReaderError as exc:
        problems.append(_reader_error(exc, text, len(documents), composer_class))
    except RecursionError:  # cannot happen with the depth bound; kept as a last guard
        problems.append(_problem("SPEC-LIMIT", _depth_message(max_depth), document=len(documents)))
    except Exception as exc:  # noqa: BLE001 - e.g. a libyaml memory error
        problems.append(_problem("SPEC-PARSE", f"cannot parse the file: {type(exc).__name__}: {exc}",
                                 document=len(documents)))
    finally:
        if gc_was_enabled:
            gc.enable()
        if sys.getrecursionlimit() != old_limit:
            sys.setrecursionlimit(old_limit)
    if len(problems) > 1:
        problems.sort(key=lambda p: (p.document, p.span.line, p.span.column))
    return LoadedFile(path, documents, problems)


def _node_span(node: Any) -> Span:
    start, end = node.start_mark, node.end_mark or node.start_mark
    return Span(start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _located(issues: list[_Issue], root: Any, index: int) -> list[LoadProblem]:
    paths = _paths_to(root, [issue.node for issue in issues])
    return [LoadProblem(issue.rule, issue.message, _node_span(issue.node), index,
                        _safe_pointer(paths.get(id(issue.node), ()))) for issue in issues]


def _safe_pointer(parts: tuple[str | int, ...]) -> str:
    """The pointer of `parts`, cut before the first key that holds a surrogate: such a key has no UTF-8 form,
    so no report could print or encode it (its problem is reported at the mapping that holds it)."""
    for at, part in enumerate(parts):
        if part.__class__ is str and _SURROGATE.search(part) is not None:
            return pointer_from_parts(parts[:at])
    return pointer_from_parts(parts)


# --------------------------------------------------------------------------------------------------
# Lone surrogates: `"\ud800"` is a valid escape in JSON (and PyYAML's Python parser lets it through in YAML),
# but the string it makes has no UTF-8 form, so nothing could print, hash or compare it reliably. Such a
# string is reported where it is written and its document is not checked. Only an escape can make one (the
# text itself was decoded strictly), so files without `\u` / `\U` cost nothing.

_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_message(what: str, text: str) -> str | None:
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"{what} holds `{visible(match.group())}`, a lone UTF-16 surrogate, which is not a character"


def _yaml_surrogates(root: Any) -> list[_Issue]:
    """An issue for each scalar (key or value) of the node tree that holds a surrogate."""
    issues: list[_Issue] = []
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        cls = node.__class__
        if cls is ScalarNode:
            message = _surrogate_message("the string", node.value)
            if message is not None:
                issues.append(_Issue("SPEC-PARSE", message, node))
        elif cls is SequenceNode:
            stack.extend(reversed(node.value))
        else:
            for key_node, value_node in reversed(node.value):
                stack.append(value_node)
                stack.append(key_node)
    return issues


def _path_to(root: Any, target: Any) -> tuple[str | int, ...]:
    return _paths_to(root, [target]).get(id(target), ())


def _paths_to(root: Any, targets: list[Any]) -> dict[int, tuple[str | int, ...]]:
    """Pointer parts of each target node, by id, in one walk (a key node: its mapping's parts plus the key).

    Only used to report problems, so the fast path never builds a pointer.
    """
    wanted = {id(node) for node in targets}
    found: dict[int, tuple[str | int, ...]] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())]
    seen: set[int] = set()
    while stack and len(found) < len(wanted):
        node, parts = stack.pop()
        key = id(node)
        if key in wanted and key not in found:
            found[key] = parts
        if key in seen:
            continue
        seen.add(key)
        if node.__class__ is SequenceNode:
            stack.extend((child, parts + (i,)) for i, child in enumerate(node.value))
        elif node.__class__ is MappingNode:
            for key_node, value_node in node.value:
                if key_node.__class__ is ScalarNode:
                    value = _key_quiet(key_node)
                    key_parts = parts + ((_key_text(value) if value is not _BAD else key_node.value),)
                else:
                    key_parts = parts
                if id(key_node) in wanted and id(key_node) not in found:
                    found[id(key_node)] = key_parts
                stack.append((value_node, key_parts))
    return found


_QUOTED_TOKEN = re.compile(r"'([^'\s]{1,3})'")


def _marked_error(exc: yaml.MarkedYAMLError, document: int) -> LoadProblem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem, context = exc.problem or "", exc.context or ""
    if context.startswith("found duplicate anchor") and exc.context_mark is not None:
        message = f"duplicate anchor (first defined at line {exc.context_mark.line + 1})"
    elif problem.startswith("found undefined alias"):
        message = "alias to an anchor that is not defined before it"
    elif problem and context:
        started = exc.context_mark.line + 1 if exc.context_mark is not None else line
        message = f"{problem} {context}" + (f" that started at line {started}" if started < line else "")
    else:
        message = problem or context or "invalid YAML"
    message = _QUOTED_TOKEN.sub(r"`\1`", message)
    return _problem("SPEC-PARSE", f"YAML syntax error: {message}", line, column, document)


def _reader_error(exc: yaml.reader.ReaderError, text: str, document: int, composer_class: type) -> LoadProblem:
    position = exc.position
    if composer_class is _CComposer:  # libyaml reports a UTF-8 byte offset
        position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    line, column = _line_col(text, min(max(position, 0), len(text)))
    character = exc.character
    code = character if isinstance(character, int) else ord(character) if character else 0
    return _problem("SPEC-PARSE", f"character U+{code:04X} is not allowed in YAML", line, column, document)


# --------------------------------------------------------------------------------------------------
# JSON files


class _BadConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _load_json(text: str, path: str, limits: Limits) -> LoadedFile:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip(" \t\r\n"):
        return LoadedFile(path, [], [_problem("SPEC-PARSE", "empty JSON file")])
    if text.count("[") + text.count("{") > limits.max_depth:
        depth = 0
        for match in _JSON_STRING_OR_BRACKET.finditer(text):
            char = match.group()
            if char == "[" or char == "{":
                depth += 1
                if depth > limits.max_depth:
                    line, column = _line_col(text, match.start())
                    return LoadedFile(path, [], [_problem("SPEC-LIMIT", _depth_message(limits.max_depth),
                                                          line, column)])
            elif char == "]" or char == "}":
                depth -= 1
    duplicates = False

    def pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal duplicates
        result = dict(pairs)
        if len(result) != len(pairs):
            duplicates = True
        return result

    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        data = json.loads(text, object_pairs_hook=pairs_hook, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = exc.msg[:1].lower() + exc.msg[1:]
        return LoadedFile(path, [], [_problem("SPEC-PARSE", f"invalid JSON: {message}", exc.lineno, exc.colno)])
    except _BadConstant as exc:
        offset = _find_constant(text, str(exc))
        line, column = _line_col(text, offset)
        return LoadedFile(path, [], [_problem("SPEC-PARSE", f"invalid JSON: `{exc}` is not a JSON value",
                                              line, column)])
    except RecursionError:
        return LoadedFile(path, [], [_problem("SPEC-LIMIT", "nesting is too deep to parse")])
    except ValueError as exc:  # e.g. an integer with more digits than int() converts
        match = re.search(r"[0-9]{1000,}", text)
        line, column = _line_col(text, match.start()) if match else (1, 1)
        return LoadedFile(path, [], [_problem("SPEC-PARSE", f"invalid JSON: {exc}", line, column)])
    finally:
        if gc_was_enabled:
            gc.enable()
    source = _JsonSource(text)
    problems: list[LoadProblem] = []
    if len(text) > limits.max_nodes and _json_size(data) > limits.max_nodes:
        problems.append(_problem("SPEC-LIMIT", f"the document has more than {limits.max_nodes:,} nodes"))
        return LoadedFile(path, [], problems)
    if duplicates:
        for parts, key, key_span, (first_line, first_column) in source.duplicates():
            message = f"duplicate key `{_short(key)}` ({_first_defined(first_line, first_column, key_span.line)})"
            problems.append(LoadProblem("SPEC-DUPLICATE-KEY", message, key_span, 0, _safe_pointer(parts)))
    if "\\" in text and "\\u" in text:
        problems.extend(LoadProblem("SPEC-PARSE", message, span, 0, _safe_pointer(parts))
                        for parts, span, message in source.surrogates())
    if len(problems) > 1:
        problems.sort(key=lambda p: (p.span.line, p.span.column))
    return LoadedFile(path, [Document(0, data, bool(problems), None, source)], problems)


def _json_size(data: Any) -> int:
    size, stack = 0, [data]
    while stack:
        item = stack.pop()
        size += 1
        if isinstance(item, dict):
            size += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return size


def _find_constant(text: str, name: str) -> int:
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|' + re.escape(name), text, re.S):
        if match.group() == name:
            return match.start()
    return 0


_JSON_TOKEN = re.compile(
    r'[ \t\r\n]*(?:(?P<s>"(?:[^"\\]|\\.)*")|(?P<p>[\[\]{},:])'
    r"|(?P<v>-?(?:[0-9]+)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null|NaN|-?Infinity))",
    re.S,
)


class _JsonNode:
    __slots__ = ("start", "end", "items", "is_object")

    def __init__(self, start: int, is_object: bool | None) -> None:
        self.start, self.end, self.is_object = start, start, is_object
        self.items: list[Any] = []  # objects: (key, key_start, key_end, node); arrays: nodes


class _JsonSource:
    """Positions in a JSON text, computed on the first `locate` (the fast path never needs them)."""

    __slots__ = ("text", "_root")

    def __init__(self, text: str) -> None:
        self.text = text
        self._root: _JsonNode | None = None

    def root(self) -> _JsonNode:
        if self._root is None:
            self._root = self._scan()
        return self._root

    def _scan(self) -> _JsonNode:
        """Token scanner for a text `json.loads` accepted; iterative, so depth does not matter."""
        text, position, end = self.text, 0, len(self.text)
        stack: list[_JsonNode] = []
        key: tuple[str, int, int] | None = None
        root: _JsonNode | None = None
        while position < end:
            match = _JSON_TOKEN.match(text, position)
            if match is None:
                break
            position = match.end()
            kind = match.lastgroup
            token = match.group(kind)
            start = match.start(kind)
            if kind == "p":
                if token in "[{":
                    node = _JsonNode(start, token == "{")
                    self._attach(stack, node, key)
                    key = None
                    stack.append(node)
                elif token in "]}":
                    node = stack.pop()
                    node.end = position
                    if not stack:
                        root = node
                continue
            if kind == "s" and stack and stack[-1].is_object and key is None:
                key = (json.loads(token), start, position)
                continue
            node = _JsonNode(start, None)
            node.end = position
            self._attach(stack, node, key)
            key = None
            if not stack:
                root = node
        return root or _JsonNode(0, None)

    @staticmethod
    def _attach(stack: list[_JsonNode], node: _JsonNode, key: tuple[str, int, int] | None) -> None:
        if stack:
            parent = stack[-1]
            parent.items.append((*key, node) if parent.is_object and key is not None else node)

    def span(self, start: int, end: int) -> Span:
        line, column = _line_col(self.text, start)
        end_line, end_column = _line_col(self.text, end)
        return Span(line, column, end_line, end_column)

    def locate(self, parts: tuple[str | int, ...]) -> tuple[Span, tuple[str | int, ...]]:
        node = self.root()
        found: list[str | int] = []
        for part in parts:
            if node.is_object:
                at = _find_key([item[0] for item in node.items], part)
                if at is None:
                    break
                node = node.items[at][3]
            elif node.is_object is False:
                index = _as_index(part)
                if index is None or index >= len(node.items):
                    break
                node = node.items[index]
            else:
                break
            found.append(part)
        return self.span(node.start, node.end), tuple(found)

    def surrogates(self) -> Iterator[tuple[tuple[str | int, ...], Span, str]]:
        """Each key or string value that holds a lone surrogate: its pointer parts, its span, the message."""
        stack: list[tuple[_JsonNode, tuple]] = [(self.root(), ())]
        while stack:
            node, parts = stack.pop()
            if node.is_object:
                for key, key_start, key_end, child in node.items:
                    message = _surrogate_message("the key", key)
                    if message is not None:
                        yield parts + (key,), self.span(key_start, key_end), message
                    stack.append((child, parts + (key,)))
            elif node.is_object is False:
                stack.extend((child, parts + (i,)) for i, child in enumerate(node.items))
            else:
                token = self.text[node.start:node.end]
                if token[:1] == '"' and "\\u" in token:
                    message = _surrogate_message("the string", json.loads(token))
                    if message is not None:
                        yield parts, self.span(node.start, node.end), message

    def duplicates(self) -> Iterator[tuple[tuple[str | int, ...], str, Span, tuple[int, int]]]:
        """Each duplicate key: its pointer parts, the key, its span, and the first occurrence's line/column."""
        stack: list[tuple[_JsonNode, tuple]] = [(self.root(), ())]
        while stack:
            node, parts = stack.pop()
            if node.is_object:
                first: dict[str, int] = {}
                for key, key_start, key_end, child in node.items:
                    if key in first:
                        yield parts + (key,), key, self.span(key_start, key_end), _line_col(self.text, first[key])
                    else:
                        first[key] = key_start
                    stack.append((child, parts + (key,)))
            elif node.is_object is False:
                stack.extend((child, parts + (i,)) for i, child in enumerate(node.items))

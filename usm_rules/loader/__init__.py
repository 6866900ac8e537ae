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
are replaced by builtins that cost next to nothing (see `yaml_compose.RESOLVER_HOOKS`), and plain Python values are
built by a tight recursive function instead of PyYAML's generator-based constructor. The cyclic GC is paused while
building. libyaml's composer recurses in C (deep enough input overflows the C stack) and its scanner is
quadratic in the nesting depth, so a cheap upper bound of the nesting depth is computed first; input whose
bound is too high is composed from libyaml's event stream instead, iteratively, stopping as soon as the
depth limit is passed.

The package, one job per module: `problems` (Limits, LoadProblem, LoadedFile and how problems are phrased),
`document` (Document: data plus positions), `text` (bytes -> text: BOMs, encodings, binary files),
`scalars` (the YAML 1.2 core schema, tags, keys), `yaml_compose` (libyaml / PyYAML composers, the event
composer for deep input), `yaml_build` (composed nodes -> plain values, limits, aliases), `yaml_load` (a
YAML stream -> documents and located problems), `surrogates` (lone UTF-16 surrogates), `json_load` and
`json_positions` (JSON files and their positions). This module is the public API.
"""
from __future__ import annotations

import sys
from typing import Any

from ..findings import RuleInfo, Severity
from ..textsafe import visible
from .document import Document
from .problems import Limits, LoadedFile, LoadProblem, problem
from .text import decode_text
# `load_bytes` reads the composers from this module's names, so that a test can swap them here.
from .yaml_compose import LIBYAML_DEPTH
from .yaml_compose import CComposer as _CComposer  # noqa: F401 - for tests: None without libyaml
from .yaml_compose import DefaultComposer as _DefaultComposer
from .yaml_compose import PyComposer as _PyComposer
from .yaml_load import load_yaml

__all__ = ["Limits", "LoadProblem", "Document", "LoadedFile", "decode_text", "load_bytes", "load_path", "refused"]

# The findings the loader reports, declared once (see codes.py).
CODES = (
    RuleInfo("SPEC-READ", Severity.ERROR, "File can be read", "engine",
             "A path that was named or found but cannot be read is a finding, never skipped in silence: missing, a "
             "directory the walk cannot list, no permission, not a regular file (a FIFO or device is refused without "
             "being read), or a link that leads out of the project.",
             example="`usm-rules check specs/missing.yaml`, or a FIFO named `specs/pipe.yaml`"),
    RuleInfo("SPEC-PARSE", Severity.ERROR, "File is valid YAML or JSON", "engine",
             "A spec that cannot be parsed cannot be checked; the parser's line and column are reported. Text that "
             "is not Unicode (a lone UTF-16 surrogate) and an empty JSON file are parse errors too.",
             example="a tab before a key, an unclosed `[`, or `{\"statement\": \"\\ud800\"}` in a `.json` file"),
    RuleInfo("SPEC-DUPLICATE-KEY", Severity.ERROR, "No duplicate keys in a mapping", "engine",
             "YAML parsers silently keep one of two equal keys; which one is meant is ambiguous, so the document is "
             "not checked further.", example="`id: a` and `id: b` in one mapping"),
    RuleInfo("SPEC-LIMIT", Severity.ERROR, "File within size, depth and alias limits", "engine",
             "Guards against oversized files, pathological nesting and alias expansion (billion laughs); the limits "
             "are set in `[limits]` of the config.", example="a 20 MB spec, or nine levels of nested aliases"),
)


def load_path(path: str, limits: Limits = Limits()) -> LoadedFile:
    """Read (regular files only, at most `limits.max_bytes`) and load one file (`-` is stdin). A file that
    cannot be read gives a `SPEC-READ` problem, one over the size limit `SPEC-LIMIT`; never raises."""
    from ..files import FileRefused, os_reason, read_bounded

    try:
        data = sys.stdin.buffer.read(limits.max_bytes + 1) if path == "-" else read_bounded(path, limits.max_bytes)
    except FileRefused as exc:
        return refused(path, exc)
    except OSError as exc:
        return LoadedFile(path, [], [problem("SPEC-READ", f"cannot read `{visible(path)}`: {os_reason(exc)}")])
    return load_bytes(data, path, limits)


def refused(path: str, exc: Any) -> LoadedFile:
    """The loaded file of a path the bounded reader refused: why, as its only problem."""
    if exc.too_large:
        return LoadedFile(path, [], [problem("SPEC-LIMIT", f"file {exc.reason}")])
    return LoadedFile(path, [], [problem("SPEC-READ", f"cannot read `{visible(path)}`: {exc.reason}")])


def load_bytes(data: bytes, path: str, limits: Limits = Limits()) -> LoadedFile:
    """Load the content of one file; `path` decides JSON (`*.json`) or YAML (anything else, also `-`)."""
    try:
        if len(data) > limits.max_bytes:
            return _too_big(path, len(data), limits)
        text, trouble = decode_text(data)
        if trouble is not None:
            return LoadedFile(path, [], [trouble])
        if path.lower().endswith(".json"):
            from .json_load import load_json  # a YAML-only repository never loads the JSON reader

            return load_json(text, path, limits)
        loaded = load_yaml(text, path, limits, _DefaultComposer)
        if _DefaultComposer is not _PyComposer and any(LIBYAML_DEPTH in p.message for p in loaded.problems):
            # libyaml 0.2.6 (PyYAML 6.0.4) refuses nesting deeper than 1000 levels before our own depth limit
            # can say so; PyYAML's Python parser has no such limit, and only such pathological input pays for it.
            loaded = load_yaml(text, path, limits, _PyComposer)
        return loaded
    except Exception as exc:  # noqa: BLE001 - a bug here must not take the run down
        return LoadedFile(path, [], [problem("SPEC-PARSE", f"cannot load the file: {type(exc).__name__}: {exc}")])


def _too_big(path: str, size: int, limits: Limits) -> LoadedFile:
    message = f"file is {size:,} bytes, more than the limit of {limits.max_bytes:,} bytes"
    return LoadedFile(path, [], [problem("SPEC-LIMIT", message)])

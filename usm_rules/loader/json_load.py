"""JSON files: parsed by the standard library (duplicate keys, `NaN` and `Infinity` rejected), nesting bounded
before parsing, positions left to `json_positions` until something asks where a node is."""
from __future__ import annotations

import gc
import json
import re
from typing import Any

from .document import Document
from .json_positions import JsonSource
from .problems import Limits, LoadedFile, LoadProblem, depth_message, first_defined, problem, short
from .surrogates import safe_pointer
from .text import line_col


class _BadConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def load_json(text: str, path: str, limits: Limits) -> LoadedFile:
    """The one document of a JSON file and its problems (a file that does not parse: no document)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip(" \t\r\n"):
        return LoadedFile(path, [], [problem("SPEC-PARSE", "empty JSON file")])
    too_deep = _depth_problem(text, limits.max_depth)
    if too_deep is not None:
        return LoadedFile(path, [], [too_deep])
    parsed = _parse(text)
    if isinstance(parsed, LoadProblem):
        return LoadedFile(path, [], [parsed])
    data, duplicates = parsed
    source = JsonSource(text)
    problems: list[LoadProblem] = []
    if len(text) > limits.max_nodes and _json_size(data) > limits.max_nodes:
        problems.append(problem("SPEC-LIMIT", f"the document has more than {limits.max_nodes:,} nodes"))
        return LoadedFile(path, [], problems)
    if duplicates:
        for parts, key, key_span, (first_line, first_column) in source.duplicates():
            message = f"duplicate key `{short(key)}` ({first_defined(first_line, first_column, key_span.line)})"
            problems.append(LoadProblem("SPEC-DUPLICATE-KEY", message, key_span, 0, safe_pointer(parts)))
    if "\\" in text and "\\u" in text:
        problems.extend(LoadProblem("SPEC-PARSE", message, span, 0, safe_pointer(parts))
                        for parts, span, message in source.surrogates())
    if len(problems) > 1:
        problems.sort(key=lambda p: (p.span.line, p.span.column))
    return LoadedFile(path, [Document(0, data, bool(problems), None, source)], problems)


def _depth_problem(text: str, max_depth: int) -> LoadProblem | None:
    """A `SPEC-LIMIT` at the first bracket nested deeper than `max_depth` (json.loads recurses), or None."""
    if text.count("[") + text.count("{") <= max_depth:
        return None
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char == "[" or char == "{":
            depth += 1
            if depth > max_depth:
                line, column = line_col(text, match.start())
                return problem("SPEC-LIMIT", depth_message(max_depth), line, column)
        elif char == "]" or char == "}":
            depth -= 1
    return None


def _parse(text: str) -> tuple[Any, bool] | LoadProblem:
    """(the data, whether some object repeats a key), or why `text` is not JSON."""
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
        return problem("SPEC-PARSE", f"invalid JSON: {message}", exc.lineno, exc.colno)
    except _BadConstant as exc:
        offset = _find_constant(text, str(exc))
        line, column = line_col(text, offset)
        return problem("SPEC-PARSE", f"invalid JSON: `{exc}` is not a JSON value", line, column)
    except RecursionError:
        return problem("SPEC-LIMIT", "nesting is too deep to parse")
    except ValueError as exc:  # e.g. an integer with more digits than int() converts
        match = re.search(r"[0-9]{1000,}", text)
        line, column = line_col(text, match.start()) if match else (1, 1)
        return problem("SPEC-PARSE", f"invalid JSON: {exc}", line, column)
    finally:
        if gc_was_enabled:
            gc.enable()
    return data, duplicates


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

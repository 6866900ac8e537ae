"""A YAML stream -> documents and located problems: compose, build, and turn parser errors into `SPEC-PARSE`."""
from __future__ import annotations

import gc
import re
import sys
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..findings import pointer_from_parts
from .document import Document, node_span
from .problems import Limits, LoadedFile, LoadProblem, depth_message, problem
from .scalars import BAD, Issue, key_quiet, key_text
from .surrogates import safe_pointer, yaml_surrogates
from .text import line_col
from .yaml_build import CarefulBuilder, LimitExceeded, build_plain
from .yaml_compose import CComposer, compose_events, compose_recursive, depth_bound_ok


def load_yaml(text: str, path: str, limits: Limits, composer_class: type) -> LoadedFile:
    """Every document of `text` up to the first syntax error or limit, and the problems found on the way."""
    documents: list[Document] = []
    problems: list[LoadProblem] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    max_depth = limits.max_depth
    old_limit = sys.getrecursionlimit()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if 2 * max_depth + 200 > old_limit:  # the builders recurse once or twice per level
            sys.setrecursionlimit(2 * max_depth + 200)
        _load_documents(text, limits, composer_class, documents, problems)
    except LimitExceeded as exc:  # from the event composer, inside an unfinished tree
        problems.append(problem("SPEC-LIMIT", exc.message, document=len(documents), span=node_span(exc.node),
                                pointer=pointer_from_parts(_path_to(exc.root, exc.node))))
    except yaml.MarkedYAMLError as exc:
        problems.append(_marked_error(exc, len(documents)))
    except yaml.reader.ReaderError as exc:
        problems.append(_reader_error(exc, text, len(documents), composer_class))
    except RecursionError:  # cannot happen with the depth bound; kept as a last guard
        problems.append(problem("SPEC-LIMIT", depth_message(max_depth), document=len(documents)))
    except Exception as exc:  # noqa: BLE001 - e.g. a libyaml memory error
        problems.append(problem("SPEC-PARSE", f"cannot parse the file: {type(exc).__name__}: {exc}",
                                document=len(documents)))
    finally:
        if gc_was_enabled:
            gc.enable()
        if sys.getrecursionlimit() != old_limit:
            sys.setrecursionlimit(old_limit)
    if len(problems) > 1:
        problems.sort(key=lambda p: (p.document, p.span.line, p.span.column))
    return LoadedFile(path, documents, problems)


def _load_documents(text: str, limits: Limits, composer_class: type, documents: list[Document],
                    problems: list[LoadProblem]) -> None:
    """Compose and build the documents of `text` into `documents`, their problems into `problems`; a limit
    passed inside a document stops the stream there. Parser errors are raised."""
    max_depth = limits.max_depth
    careful = "*" in text or 2 * len(text) + 4 > limits.max_nodes
    # Only a document with an alias needs to know where its aliases are; the recursive composers cannot say.
    aliased = careful and "&" in text and "*" in text
    # The only way to a lone surrogate (see `surrogates`); a one-character test first: it costs next to
    # nothing, a two-character search costs microseconds per file.
    escapes = "\\" in text and ("\\u" in text or "\\U" in text)
    parser = composer_class(text)
    if depth_bound_ok(text, composer_class.safe_depth) and not aliased:
        nodes = compose_recursive(parser)
    else:
        nodes = compose_events(parser, max_depth, aliased)
    for root, aliases in nodes:
        issues: list[Issue] = []
        index = len(documents)
        try:
            if careful:
                data = CarefulBuilder(limits, issues).build(root, 0)[0]
            else:
                data = build_plain(root, max_depth, issues)
        except LimitExceeded as exc:
            problems.extend(_located(issues, root, index))
            message = exc.message or depth_message(max_depth)
            problems.append(problem("SPEC-LIMIT", message, document=index, span=node_span(exc.node),
                                    pointer=pointer_from_parts(_path_to(root, exc.node))))
            return
        if escapes:
            issues.extend(yaml_surrogates(root))
        documents.append(Document(index, data, bool(issues), root, None, aliases or None))
        if issues:
            problems.extend(_located(issues, root, index))


def _located(issues: list[Issue], root: Any, index: int) -> list[LoadProblem]:
    paths = _paths_to(root, [issue.node for issue in issues])
    return [LoadProblem(issue.rule, issue.message, node_span(issue.node), index,
                        safe_pointer(paths.get(id(issue.node), ()))) for issue in issues]


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
                    value = key_quiet(key_node)
                    key_parts = parts + ((key_text(value) if value is not BAD else key_node.value),)
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
    said, context = exc.problem or "", exc.context or ""
    if context.startswith("found duplicate anchor") and exc.context_mark is not None:
        message = f"duplicate anchor (first defined at line {exc.context_mark.line + 1})"
    elif said.startswith("found undefined alias"):
        message = "alias to an anchor that is not defined before it"
    elif said and context:
        started = exc.context_mark.line + 1 if exc.context_mark is not None else line
        message = f"{said} {context}" + (f" that started at line {started}" if started < line else "")
    else:
        message = said or context or "invalid YAML"
    message = _QUOTED_TOKEN.sub(r"`\1`", message)
    return problem("SPEC-PARSE", f"YAML syntax error: {message}", line, column, document)


def _reader_error(exc: yaml.reader.ReaderError, text: str, document: int, composer_class: type) -> LoadProblem:
    position = exc.position
    if composer_class is CComposer:  # libyaml reports a UTF-8 byte offset
        position = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    line, column = line_col(text, min(max(position, 0), len(text)))
    character = exc.character
    code = character if isinstance(character, int) else ord(character) if character else 0
    return problem("SPEC-PARSE", f"character U+{code:04X} is not allowed in YAML", line, column, document)

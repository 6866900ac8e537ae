"""What loading a file gives besides its documents: the limits it obeys, its problems and how they are phrased."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..findings import Span
from ..textsafe import visible

if TYPE_CHECKING:
    from .document import Document


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


@dataclass(slots=True)
class LoadedFile:
    path: str  # as given by the caller
    documents: list[Document]
    problems: list[LoadProblem]


def problem(rule: str, message: str, line: int = 1, column: int = 1, document: int = 0,
            pointer: str = "", span: Span | None = None) -> LoadProblem:
    return LoadProblem(rule, message, span or Span(line, column, line, column + 1), document, pointer)


def short(text: str, limit: int = 60) -> str:
    """Spec text as a message quotes it: one line, no backticks, nothing that could steer a terminal."""
    text = visible(text[: limit * 2]).replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def depth_message(max_depth: int) -> str:
    return f"nesting is deeper than the limit of {max_depth} levels"


def first_defined(line: int, column: int, duplicate_line: int) -> str:
    """Where the first of two equal keys is, as a duplicate-key message says it (the column only on one line)."""
    return f"first defined at line {line}" + (f", column {column}" if line == duplicate_line else "")

"""What the config, waivers and baseline readers share: reading a user file through the one bounded door,
and turning a refusal, a loader problem or a position in a loaded document into a located error."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from .. import files
from ..errors import ConfigError, Located, located
from ..files import TEXT_FILE_LIMIT, FileRefused


def refused_error(path: str, what: str, err: FileRefused) -> ConfigError:
    """A user file that was not read (config, waivers, baseline) as a ConfigError naming it and why:
    `path:1:1: cannot read the waivers file: it is a FIFO (named pipe), not a regular file`."""
    return ConfigError([Located(path, 1, 1, f"cannot read {what}: {err.reason}")])


def read_user_file(path: str, what: str, limit: int = TEXT_FILE_LIMIT) -> bytes:
    """The bytes of a config, waivers or baseline file, through the one bounded door; a ConfigError if refused."""
    try:
        return files.read_bounded(path, limit)  # looked up when called: the one door, also when a test wraps it
    except FileRefused as err:
        raise refused_error(path, what, err) from None


def span_error(path: str, source: str | None, span: Any, message: str) -> Located:
    """A located error at a loader `Span` of a user file; the caret underlines it when it is on one line."""
    length = span.end_column - span.column if span.end_line == span.line else 1
    return located(path, source, span.line, span.column, message, max(1, length))


def loader_errors(path: str, source: str | None, problems: Iterable[Any]) -> list[Located]:
    """The spec loader's problems with a waivers or baseline file (syntax, encoding, limits, duplicate keys)
    as located errors."""
    return [span_error(path, source, p.span, p.message) for p in problems]


class DocumentChecker:
    """Collects located problems while the loaded document of a waivers or baseline file is checked."""

    most = 50  # problems shown; a broken file of a million entries is not a million lines of errors

    def __init__(self, path: str, source: str, doc: Any) -> None:
        self.path, self.source, self.doc = path, source, doc
        self.problems: list[Located] = []

    def at(self, parts: tuple, message: str = "") -> Located:
        """Where the node at pointer `parts` is written (the deepest existing node along it)."""
        span, _ = self.doc.locate(parts)
        return span_error(self.path, self.source, span, message)

    def err(self, parts: tuple, message: str) -> None:
        self.problems.append(self.at(parts, message))

    def raise_problems(self) -> None:
        """Raise every problem recorded (in file order, the first `most` of them); nothing if there is none."""
        if not self.problems:
            return
        problems = sorted(self.problems, key=lambda p: (p.line, p.column))
        if len(problems) > self.most:
            more = len(problems) - self.most
            problems = problems[:self.most] + [dataclasses.replace(problems[self.most], length=1, message=(
                f"... and {more:,} more problem{'' if more == 1 else 's'} in this file"))]
        raise ConfigError(problems)

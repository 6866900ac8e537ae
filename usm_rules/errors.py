"""Errors in things the user owns (policies, config, command line): located and rendered with a caret."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Located:
    """One problem at a place in a file; `length` is how many characters the caret underlines."""

    file: str
    line: int
    column: int
    message: str
    length: int = 1
    source_line: str | None = None

    def render(self) -> str:
        head = f"{self.file}:{self.line}:{self.column}: {self.message}"
        if self.source_line is None:
            return head
        text = self.source_line.rstrip("\r\n").expandtabs(1)
        caret = " " * (self.column - 1) + "^" * max(1, min(self.length, max(1, len(text) - self.column + 1)))
        return f"{head}\n    {text}\n    {caret}"


def located(file: str, source: str | None, line: int, column: int, message: str, length: int = 1) -> Located:
    """Build a Located error, taking the offending source line from `source` when it is known."""
    source_line = None
    if source is not None:
        lines = source.splitlines()
        if 1 <= line <= len(lines):
            source_line = lines[line - 1]
        elif line == len(lines) + 1:
            source_line = ""
    return Located(file, line, column, message, length, source_line)


class UsmError(Exception):
    """A problem with a policy, config or invocation: nothing can be trusted, exit code 2."""

    kind = "error"

    def __init__(self, problems: list[Located] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Located] = []
            self.text = problems
        else:
            self.problems = list(problems)
            self.text = "\n".join(p.render() for p in self.problems)
        super().__init__(self.text)

    def render(self) -> str:
        return self.text


class PolicyError(UsmError):
    kind = "policy"


class ConfigError(UsmError):
    kind = "config"


class UsageError(UsmError):
    kind = "usage"

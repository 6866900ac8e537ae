"""Errors in things the user owns (policies, config, command line): located and rendered with a caret."""
from __future__ import annotations

from dataclasses import dataclass

from .findings import Span
from .textsafe import mark, printable


@dataclass(frozen=True, slots=True)
class Located:
    """One problem at a place in a file; `length` is how many characters the caret underlines."""

    file: str
    line: int
    column: int
    message: str
    length: int = 1
    source_line: str | None = None

    @property
    def span(self) -> Span:
        """The place as the one span type the project uses (findings, suppressions, waivers)."""
        return Span(self.line, self.column, self.line, self.column + max(1, self.length))

    def render(self) -> str:
        # File names, messages and source lines come from anyone's files: shown through `printable`, so no
        # newline, escape sequence or bidi control in them can steer a terminal or a CI log.
        head = f"{printable(self.file)}:{self.line}:{self.column}: {printable(self.message)}"
        if self.source_line is None:
            return head
        start = self.column - 1
        # A tab is shown as one space: columns count it as one character, so the caret needs no tab stops.
        text, caret = mark(self.source_line.replace("\t", " "), start, start + max(1, self.length))
        return f"{head}\n    {text}\n    {caret}"


def located(file: str, source: str | None, line: int, column: int, message: str, length: int = 1) -> Located:
    """Build a Located error, taking the offending source line from `source` when it is known."""
    source_line = None
    if source is not None:
        # Lines end at `\n` alone, as the policy parser and the TOML reader count them (`str.splitlines`
        # would also break at form feeds and U+2028, and show the wrong line after one).
        lines = source.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if 1 <= line <= len(lines):
            source_line = lines[line - 1].rstrip("\r")
        elif line == len(lines) + 1:
            source_line = ""
    return Located(file, line, column, message, length, source_line)


class UsmError(Exception):
    """A problem with a policy, config or invocation: nothing can be trusted, exit code 2."""

    kind = "error"

    def __init__(self, problems: list[Located] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Located] = []
            self.text = printable(problems)
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

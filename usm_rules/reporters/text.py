"""`--format text`: `file:line:col: severity RULE message`, optional source line and caret, a summary.

Everything that comes from a spec or a file name (the file, the message, explain traces, source lines, notes)
is printed through `textsafe.printable`: a newline, ESC, C1 control, bidi control or line separator in it is
shown as an escape (`\\n`, `\\x1b`, `\\u202e`), and so is the first character of what a CI runner reads
as a command (a leading `::`, `##[`), so no spec can start a line a CI system reads as a command or send the
terminal a control sequence. Source lines keep their tabs, and the caret is measured on the escaped line.
The only escape sequences in the output are our own colours, and only with `color`.
"""
from __future__ import annotations

from ..findings import Finding, RunResult, Severity, Span
from ..textsafe import mark, printable
from . import ReportOptions
from .source import SourceLines, read_lines

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"
_NOTE_COLOR = "\x1b[36m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class _Sources:
    """Each file's lines, read once per report (None: not shown)."""

    def __init__(self, read: SourceLines) -> None:
        self._read = read
        self._lines: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path == "-":  # standard input is gone by now
            return None
        if path not in self._lines:
            self._lines[path] = self._read(path)
        lines = self._lines[path]
        return lines[number - 1] if lines is not None and 1 <= number <= len(lines) else None


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _head(f: Finding, color: bool) -> str:
    where = f"{printable(f.file)}:{f.line}:{f.column}:"
    return (f"{_paint(where, _BOLD, color)} {_paint(f.severity.label, _COLORS[f.severity], color)} "
            f"{_paint(printable(f.rule), _BOLD, color)} {printable(f.message)}")


def _snippet(span: Span, text: str, caret_color: str, color: bool) -> list[str]:
    start = span.column - 1
    # A span that ends on a later line is marked by its first character only.
    end = span.end_column - 1 if span.end_line == span.line else start + 1
    shown, caret = mark(text, start, end)
    return [f"    {shown}", f"    {_paint(caret, caret_color, color)}"]


def _details(f: Finding, options: ReportOptions, sources: _Sources | None) -> list[str]:
    """The lines under a finding's head: explain trace, source line and caret, related locations."""
    color = options.color
    out = [f"    = {printable(expression)}: {printable(value)}" for expression, value in f.explain]
    span = Span(f.line, f.column, f.end_line, f.end_column)
    text = sources.line(f.file, f.line) if sources else None
    if text is not None:
        out += _snippet(span, text, _COLORS[f.severity], color)
    for where, message in f.related:
        note = _paint("note:", _NOTE_COLOR, color)
        out.append(f"    {note} {printable(message)} (line {where.line}, column {where.column})")
        text = sources.line(f.file, where.line) if sources else None
        if text is not None:
            out += _snippet(where, text, _NOTE_COLOR, color)
    return out


def _summary(result: RunResult) -> str:
    s = result.summary()
    where = f"{_plural(result.files, 'file')} ({_plural(result.specs, 'spec')}, {result.skipped} skipped)"
    if s.findings:
        counts = f"{_plural(s.error, 'error')}, {_plural(s.warning, 'warning')}, {s.info} info"
        line = f"Found {_plural(s.findings, 'finding')} ({counts}) in {where}"
    else:
        line = f"No findings in {where}"
    if s.suppressed:
        line += f"; {s.suppressed} suppressed"
    return line + "."


def render(result: RunResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    sources = _Sources(options.source or read_lines) if options.show_source else None
    out: list[str] = []
    for f in result.findings:
        if f.suppressed is not None:
            continue
        out.append(_head(f, options.color))
        if not options.quiet:
            out += _details(f, options, sources)
    if not options.quiet:
        if out:
            out.append("")
        out.append(_summary(result))
    return "\n".join(out) + ("\n" if out else "")

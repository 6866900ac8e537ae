"""`--format text`: `file:line:col: severity RULE message`, optional source line and caret, a summary."""
from __future__ import annotations

from ..findings import Finding, RunResult, Severity
from . import ReportOptions

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _source_lines(path: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    if path not in cache:
        try:
            with open(path, encoding="utf-8-sig", errors="replace") as fh:
                cache[path] = fh.read().splitlines()
        except OSError:
            cache[path] = None
    return cache[path]


def _safe(text: str) -> str:
    """Terminal output never carries control characters from a spec (no escape-sequence injection)."""
    return "".join(c if c >= " " or c == "\t" else "?" for c in text).replace("\x7f", "?").replace("\x1b", "?")


def _caret(f: Finding, line: str) -> str:
    start = max(0, f.column - 1)
    end = f.end_column - 1 if f.end_line == f.line and f.end_column > f.column else start + 1
    end = min(max(end, start + 1), max(len(line), start + 1))
    prefix = "".join("\t" if c == "\t" else " " for c in line[:start])
    return prefix + "^" * (end - start)


def render(result: RunResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    color = options.color
    out: list[str] = []
    sources: dict[str, list[str] | None] = {}
    for f in result.findings:
        if f.suppressed is not None:
            continue
        sev = f.severity.label
        if color:
            head = (f"{_BOLD}{f.file}:{f.line}:{f.column}:{_RESET} {_COLORS[f.severity]}{sev}{_RESET} "
                    f"{_BOLD}{f.rule}{_RESET} {_safe(f.message)}")
        else:
            head = f"{f.file}:{f.line}:{f.column}: {sev} {f.rule} {_safe(f.message)}"
        out.append(head)
        if options.quiet:
            continue
        for expression, value in f.explain:
            out.append(f"    = {_safe(expression)}: {_safe(value)}")
        if options.show_source and f.file != "-":
            lines = _source_lines(f.file, sources)
            if lines is not None and 1 <= f.line <= len(lines):
                text = _safe(lines[f.line - 1])
                caret = _caret(f, text)
                out.append(f"    {text}")
                out.append(f"    {_COLORS[f.severity] if color else ''}{caret}{_RESET if color else ''}")
    s = result.summary()
    if not options.quiet:
        if out:
            out.append("")
        where = f"{_plural(result.files, 'file')} ({_plural(result.specs, 'spec')}, {result.skipped} skipped)"
        if s.findings:
            counts = f"{_plural(s.error, 'error')}, {_plural(s.warning, 'warning')}, {s.info} info"
            line = f"Found {_plural(s.findings, 'finding')} ({counts}) in {where}"
        else:
            line = f"No findings in {where}"
        if s.suppressed:
            line += f"; {s.suppressed} suppressed"
        out.append(line + ".")
    return "\n".join(out) + ("\n" if out else "")

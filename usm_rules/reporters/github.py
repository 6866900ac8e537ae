"""`--format github`: GitHub Actions workflow commands, one annotation line per active finding.

    ::error file=specs/a.yaml,line=16,col=5,endLine=16,endColumn=12,title=CEMM-002 Every SCO is measurable::SCO ...

error -> `::error`, warning -> `::warning`, info -> `::notice`; suppressed findings are left out, and nothing
but annotation lines is printed.

Nothing from a spec or a file name can inject a workflow command or steer the log (DESIGN §8). First, every
such text goes through `textsafe.printable`, as in every other format: line breaks (also U+2028/U+2029 and
NEL, which some log viewers break lines on), other controls, bidi controls, undecodable bytes and `##[`
become visible escapes (`\\n`, `\\x1b`, `\\u202e`, `\\xff`). Then GitHub's own escaping: the message as
command data (`%` -> `%25`, CR -> `%0D`, LF -> `%0A`), the file and title as property values (additionally
`:` -> `%3A`, `,` -> `%2C`), so no text can end the line, end a property, or end the property list. (After
`printable` no CR, LF or control is left; that escaping of them, and U+FFFD for any other control, stays as a
second wall.)

`file` is `Finding.path`, relative to the project root (a leading `./` dropped): GitHub matches annotations
to repository paths. `col`/`endColumn` are only sent when the finding starts and ends on one line: GitHub
refuses columns on a multi-line annotation.
"""
from __future__ import annotations

import re

from ..findings import Finding, RunResult, Severity
from ..textsafe import printable
from . import ci_path

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# C0 controls except tab (CR and LF are escaped first), DEL, C1 controls, U+2028/U+2029.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def escape_data(text: str) -> str:
    # Not at a line's start (the line starts with our own `::error `): a leading `:` needs no escape here.
    text = printable(text, line_start=False).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return _UNSAFE.sub("\ufffd", text)


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(f: Finding) -> str:
    line = max(1, f.line)
    end_line = max(line, f.end_line)
    props = [f"file={escape_property(ci_path(f.path))}", f"line={line}"]
    if end_line == line:
        column = max(1, f.column)
        props += [f"col={column}", f"endLine={end_line}", f"endColumn={max(column, f.end_column)}"]
    else:
        props.append(f"endLine={end_line}")
    props.append(f"title={escape_property(f'{f.rule} {f.title}'.rstrip())}")
    return f"::{_COMMANDS[f.severity]} {','.join(props)}::{escape_data(f.message)}"


def render(result: RunResult, options: object = None) -> str:
    lines = [_annotation(f) for f in sorted(result.active(), key=Finding.sort_key)]
    return "".join(line + "\n" for line in lines)

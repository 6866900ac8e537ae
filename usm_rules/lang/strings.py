"""The STRING token of the policy language, both ways: `decode_string` (token -> value, the parser's) and
`encode_string` (value -> canonical token, the printer's), `decode_string(encode_string(v)) == v`; and a
message's token split into its text and its `{expression}` holes (`template_parts`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}

_MUST_ESCAPE_AFTER_BACKSLASH = frozenset({'"', "\\", "n", "t", "\n", "\t"})


def encode_string(value: str) -> str:
    """The canonical STRING token for a value: `"` `\\n` `\\t` escaped; a backslash stays bare where it
    cannot be read as an escape (so regexes keep reading `"\\d+"`), doubled where it could."""
    out = ['"']
    for i, c in enumerate(value):
        if c == "\\":
            nxt = value[i + 1] if i + 1 < len(value) else None
            out.append("\\" if nxt is not None and nxt not in _MUST_ESCAPE_AFTER_BACKSLASH else "\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def decode_string(raw: str) -> str:
    """The value of a STRING token: quotes removed, `\\"` `\\\\` `\\n` `\\t` decoded.

    Unknown escapes keep their backslash, so regexes read naturally: `"\\d+"` is the regex `\\d+`.
    """
    body = raw[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


_INTERP = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")  # no nesting, no repetition of a group: linear


@dataclass(frozen=True, slots=True)
class Hole:
    """`{expr}` in a message: the expression's text (decoded) and where it starts in the file."""

    text: str
    line: int
    column: int


def template_parts(token: str, line: int, column: int) -> tuple[list[str | Hole], list[tuple[int, int, str, int]]]:
    """A message's STRING token, written at (line, column), as literal text (decoded; `{{` and `}}` are
    braces) and holes, in order, with no empty text; and the problems found, as (line, column, message,
    length). Holes are found in the raw token, so that their columns are exact in error messages."""
    body = token[1:-1]
    parts: list[str | Hole] = []
    problems: list[tuple[int, int, str, int]] = []
    text: list[str] = []
    last = 0
    for m in _INTERP.finditer(body):
        text.append(decode_string('"' + body[last:m.start()] + '"'))
        last = m.end()
        brace = column + 1 + m.start()  # the column of the brace in the file
        if m.group(0) in ("{{", "}}"):
            text.append(m.group(0)[0])
        elif m.group(1) is None:
            problems.append((line, brace, "unmatched brace in message; write `{{` or `}}` for a literal brace", 1))
        elif not m.group(1).strip():
            problems.append((line, brace, "empty `{}` in message", 2))
        else:
            if "".join(text):
                parts.append("".join(text))
            text = []
            parts.append(Hole(decode_string('"' + m.group(1) + '"'), line, brace + 1))
    text.append(decode_string('"' + body[last:] + '"'))
    if "".join(text):
        parts.append("".join(text))
    return parts, problems

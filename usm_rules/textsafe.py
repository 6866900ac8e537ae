"""Text from specs and file names made safe to print: what could steer a terminal or a CI log becomes visible.

A spec or a file name comes from anyone. Printed as it is, a newline could start a line that a CI system
reads as a command (`::error …`), an ESC could drive the terminal, a bidi override could make text read
other than it is, and a lone surrogate (from a file name that is not UTF-8) could not be encoded at all.
`visible` turns each such character into an escape a person can read: `\\n`, `\\x1b`, `\\u202e`, and the
original byte `\\xff` of an undecodable file name.

`printable` is `visible` plus what a CI runner reads as a command inside ordinary printable text: a line whose
first non-blank characters are `::` (GitHub Actions workflow commands) and `##[`, `##vso[`, `##teamcity[`
anywhere in a line (GitHub's legacy commands, Azure Pipelines, TeamCity). Their first character is escaped
(`\\x3a`, `\\x23`). Reports and error messages print through `printable`; identities (which must not change
when a printer gets stricter) use `visible`.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import Any

# C0 controls; then DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, the zero-width
# characters, the Unicode line and paragraph separators, the BOM / zero-width no-break space, and lone surrogates.
_C0, _C0_BUT_TAB = "\x00-\x1f", "\x00-\x08\x0a-\x1f"
_OTHERS = "\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
# `##` + a short word + `[`: a command anywhere in a log line for GitHub (`##[`), Azure (`##vso[`), TeamCity.
_LOG_COMMAND = "#(?=#[A-Za-z]{0,16}\\[)"


class _Patterns:
    """Compiled on first use: most runs print only plain ASCII, which the fast paths below answer unaided
    (compiling these at import cost a pre-commit run about 1.5 ms)."""

    @cached_property
    def unsafe(self) -> re.Pattern:
        return re.compile(f"[{_C0}{_OTHERS}]")

    @cached_property
    def unsafe_keep_tab(self) -> re.Pattern:
        return re.compile(f"[{_C0_BUT_TAB}{_OTHERS}]")

    @cached_property
    def unsafe_in_log(self) -> re.Pattern:
        return re.compile(f"[{_C0}{_OTHERS}]|{_LOG_COMMAND}")

    @cached_property
    def unsafe_in_log_keep_tab(self) -> re.Pattern:
        return re.compile(f"[{_C0_BUT_TAB}{_OTHERS}]|{_LOG_COMMAND}")

    @cached_property
    def beyond_c0(self) -> re.Pattern:
        # What `printable` escapes beyond C0: for serialisers that escape C0 themselves (JSON) and must escape
        # the rest; only ever found inside JSON strings, where a `\\uXXXX` escape keeps the value.
        return re.compile(f"[{_OTHERS}]|{_LOG_COMMAND}")

    @cached_property
    def leading_colon(self) -> re.Pattern:
        # A colon after nothing but blanks (any Unicode white space, as runners trim it) at the start of a line.
        return re.compile(r"\s*:")


_P = _Patterns()


def __getattr__(name: str) -> Any:
    if name == "UNSAFE_BEYOND_C0":
        return _P.beyond_c0
    raise AttributeError(name)


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    c = match.group()
    named = _NAMED.get(c)
    if named:
        return named
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def visible(text: str, *, keep_tab: bool = False) -> str:
    """`text` with every control, bidi, separator and surrogate character shown as an escape."""
    if text.isascii() and text.isprintable():  # the common case: nothing to escape
        return text
    pattern = _P.unsafe_keep_tab if keep_tab else _P.unsafe
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)




def _log_escapes(text: str, keep_tab: bool, line_start: bool) -> dict[int, str]:
    """Index -> escape of each character of `text` that `printable` replaces."""
    pattern = _P.unsafe_in_log_keep_tab if keep_tab else _P.unsafe_in_log
    escapes = {m.start(): _escape(m) for m in pattern.finditer(text)}
    if line_start:
        lead = _P.leading_colon.match(text)
        if lead is not None:
            escapes[lead.end() - 1] = "\\x3a"
    return escapes


def _apply(text: str, escapes: dict[int, str], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    parts, at = [], start
    for i in sorted(k for k in escapes if start <= k < end):
        parts += [text[at:i], escapes[i]]
        at = i + 1
    parts.append(text[at:end])
    return "".join(parts)


def printable(text: str, *, keep_tab: bool = False, line_start: bool = True) -> str:
    """`visible(text)`, and no CI runner reads a command in it (see above).

    `line_start=False` for a piece printed after other text on its line: only a line's start can begin a
    `::` command, so the piece's own leading colon is left alone.
    """
    if text.isascii() and text.isprintable() and "##" not in text and not (line_start and
                                                                           text.lstrip().startswith(":")):
        return text  # the common case: nothing to escape
    escapes = _log_escapes(text, keep_tab, line_start)
    return _apply(text, escapes) if escapes else text


# A source line longer than this many characters is shown cropped around the marked place: a minified JSON
# spec can hold megabytes on one line, and every finding in it would print the whole line.
SHOWN_LINE_WIDTH = 160
_ELLIPSIS = "…"


def _cells(text: str) -> int:
    """Terminal columns `text` takes: East Asian wide characters two, combining and format marks none."""
    import unicodedata  # only runs that show source lines pay for it

    total = 0
    for c in text:
        if unicodedata.combining(c) or unicodedata.category(c) in ("Me", "Mn", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
    return total


def _blank(text: str) -> str:
    """Whitespace as wide as `text` on a terminal; tabs stay tabs, so the caret lines up whatever the tab width."""
    return "".join(c if c == "\t" else " " * _cells(c) for c in text)


def mark(line: str, start: int, end: int, *, width: int = SHOWN_LINE_WIDTH) -> tuple[str, str]:
    """A source line as shown under a message, and the caret line under characters `start` to `end` of it.

    `start` and `end` are 0-based character offsets into `line` (end exclusive; at least one caret is drawn,
    after the line's end if `start` is there). The line is shown through `printable` (tabs kept), and the caret
    is measured on that shown text, so it still sits under the right characters when some before it were
    escaped into several. A line longer than `width` characters is cropped around the mark, with `…` at a cut.
    """
    line = line.rstrip("\r\n")
    start = min(max(0, start), len(line))
    end = min(max(end, start + 1), len(line))
    left, right = 0, len(line)
    if len(line) > width:
        left = max(0, min(start - width // 4, len(line) - width))
        right = left + width
        end = min(end, right)
    # Escaped as one piece, so that a `##[` or a leading `::` is seen across the caret's edges.
    shifted = {k + left: v for k, v in _log_escapes(line[left:right], True, not left).items()}
    before = (_ELLIPSIS if left else "") + _apply(line, shifted, left, start)
    marked = _apply(line, shifted, start, end)
    after = _apply(line, shifted, end, right) + (_ELLIPSIS if right < len(line) else "")
    caret = _blank(before) + "^" * max(1, _cells(marked))
    return before + marked + after, caret

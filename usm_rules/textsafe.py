"""Text from specs and file names made safe to print: what could steer a terminal or a CI log becomes visible.

A spec or a file name comes from anyone. Printed as it is, a newline could start a line that a CI system
reads as a command (`::error …`), an ESC could drive the terminal, a bidi override could make text read
other than it is, and a lone surrogate (from a file name that is not UTF-8) could not be encoded at all.
`visible` turns each such character into an escape a person can read: `\\n`, `\\x1b`, `\\u202e`, and the
original byte `\\xff` of an undecodable file name.
"""
from __future__ import annotations

import re

# C0 controls and DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, the Unicode line and
# paragraph separators, the BOM / zero-width no-break space, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")
_UNSAFE_KEEP_TAB = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                              "\ud800-\udfff]")
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
    pattern = _UNSAFE_KEEP_TAB if keep_tab else _UNSAFE
    if pattern.search(text) is None:  # the common case costs one scan
        return text
    return pattern.sub(_escape, text)


def is_visible(text: str) -> bool:
    """True when `visible(text)` would change nothing."""
    return _UNSAFE.search(text) is None

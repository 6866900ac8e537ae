"""Bytes -> text, as YAML 1.2 §5.2 says: a BOM, else the NUL pattern of an ASCII first character, else UTF-8.

Invalid bytes and NUL characters (binary files) are located `SPEC-PARSE` problems. `decode_text` is also
how `--show-source` reads a spec, so that its lines are the loader's.
"""
from __future__ import annotations

import codecs

from .problems import LoadProblem, problem

_BOMS = (  # longest first: the UTF-32-LE BOM starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


def decode_text(data: bytes) -> tuple[str, LoadProblem | None]:
    """The text of a spec file, or ("", the problem) when it is not text in the encoding it announces."""
    encoding, label, skip = _encoding(data)
    body = data[skip:] if skip else data
    if encoding == "utf-8" and b"\0" in body:
        return "", _binary_problem(body, body.index(b"\0") + skip)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start
        prefix = body[:offset].decode(encoding, "replace")
        line, column = line_col(prefix, len(prefix))
        return "", problem("SPEC-PARSE", f"not valid {label} at byte {offset + skip}", line, column)
    if encoding != "utf-8" and "\0" in text:
        line, column = line_col(text, text.index("\0"))
        return "", problem("SPEC-PARSE", "binary file: it contains a NUL character", line, column)
    return text, None


def _encoding(data: bytes) -> tuple[str, str, int]:
    """(codec, name for messages, length of the BOM to skip) of the bytes of a file."""
    for bom, name, name_label in _BOMS:
        if data.startswith(bom):
            return name, name_label, len(bom)
    head = data[:4]
    if len(head) >= 4 and head[:3] == b"\0\0\0" and head[3]:
        return "utf-32-be", "UTF-32", 0
    if len(head) >= 4 and head[0] and head[1:4] == b"\0\0\0":
        return "utf-32-le", "UTF-32", 0
    if len(head) >= 2 and not head[0] and head[1]:
        return "utf-16-be", "UTF-16", 0
    if len(head) >= 2 and head[0] and not head[1]:
        return "utf-16-le", "UTF-16", 0
    return "utf-8", "UTF-8", 0


def _binary_problem(data: bytes, offset: int) -> LoadProblem:
    prefix = data[:offset].decode("utf-8", "replace")
    line, column = line_col(prefix, len(prefix))
    return problem("SPEC-PARSE", f"binary file: NUL byte at byte {offset}", line, column)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (lines end at `\\n`)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1

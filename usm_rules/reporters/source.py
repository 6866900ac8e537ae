"""Source lines for `--show-source`: read through the one bounded door, split as the loader counts lines.

A report that shows a finding's source line must not be the way to read a 2 GB file or block on a FIFO:
`read_lines` reads only regular files, at most the spec size limit, and a file it refuses is simply shown
without source lines. Reporters get lines through `ReportOptions.source`, so they stay pure functions of
the run result; the CLI passes `reader(limit, result.inputs)` with the run's own spec size limit.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

SourceLines = Callable[[str], "list[str] | None"]

# The line breaks the YAML loader counts (PyYAML's marks: CR LF, CR, LF, NEL, LS, PS). JSON positions count
# LF only (the `json` module), and a CR before it is not part of the line.
_YAML_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def split_lines(text: str, path: str) -> list[str]:
    """`text` as the list of lines the loader's line numbers refer to (line 1 is item 0)."""
    if path.lower().endswith(".json"):
        return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    return _YAML_BREAKS.split(text)


def _decode(data: bytes) -> str:
    from ..loader import decode_text as decode_spec  # the loader's own BOM / UTF-16 / UTF-32 detection

    text, problem = decode_spec(data)
    if problem is not None:  # still show the lines before (and around) the bad bytes the finding is about
        return data.decode("utf-8", "replace")
    return text


def read_lines(path: str, limit: int | None = None) -> list[str] | None:
    """The lines of the spec file at `path`, or None when it is not a regular file, unreadable or too large.

    `limit` defaults to the loader's spec size limit: a file the loader refused to read is not read here.
    """
    from ..files import FileRefused, read_bounded

    if limit is None:
        from ..loader import Limits

        limit = Limits().max_bytes
    try:
        data = read_bounded(path, limit)
    except FileRefused:
        return None
    return split_lines(_decode(data), path)


def reader(limit: int, inputs: Iterable[str] = (), stdin: tuple[str, bytes] | None = None) -> SourceLines:
    """A `ReportOptions.source` that reads files of at most `limit` bytes.

    A finding's `file` is the name as reports show it: a name that needed escaping (`textsafe.visible`) is
    not the path on disk. `inputs`, the paths the run read (`RunResult.inputs`), map such names back.
    `stdin` is (the name `-` was given by --stdin-filename, the bytes read): its lines come from those bytes,
    never from a file of that name, whose content may differ (an editor pipes the unsaved buffer).
    """
    from ..textsafe import visible

    paths = {visible(path): path for path in inputs}
    stdin_name = visible(stdin[0]) if stdin and stdin[0] != "-" else None

    def read(shown: str) -> list[str] | None:
        if stdin is not None and shown == stdin_name:
            return split_lines(_decode(stdin[1]), shown)
        return read_lines(paths.get(shown, shown), limit)

    return read

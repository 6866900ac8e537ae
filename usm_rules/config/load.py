"""Finding the config that applies (walking up from a start directory), reading it, and validating it."""
from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any

from ..errors import ConfigError, located
from ..files import TEXT_FILE_LIMIT, FileRefused, read_bounded
from .model import CONFIG_FILE, PYPROJECT_FILE, PYPROJECT_TABLE, Config


def find_config(start: str) -> str | None:
    """The absolute path of the config that applies to `start` (a directory or a file in one), or None.

    A `usm-rules.toml` that exists but is not a regular file (a FIFO, a directory, a dangling symlink) is
    still returned, so that reading it reports why it cannot be used instead of the config being skipped in
    silence; nothing here opens it.
    """
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, CONFIG_FILE)
        if os.path.lexists(candidate):
            return candidate
        candidate = os.path.join(here, PYPROJECT_FILE)
        if _has_tool_table(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _has_tool_table(pyproject: str) -> bool:
    """Whether a pyproject.toml configures usm-rules; one that might but cannot be parsed counts, so that
    its problem is reported. Anything but a regular file is not ours to judge and does not count."""
    try:
        data = read_bounded(pyproject, TEXT_FILE_LIMIT)
    except FileRefused as err:
        return err.too_large  # too large to look inside: pick it, so that the limit is reported
    if b"usm-rules" not in data:
        return False
    import tomllib

    try:
        parsed = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, ValueError):
        return True  # it mentions us but does not parse: pick it, so that the problem is reported
    tool = parsed.get("tool")
    return isinstance(tool, dict) and "usm-rules" in tool


def load_config(path: str | None = None, start: str = ".") -> Config:
    """Read the config at `path` (`--config`), or the one found from `start`, or the defaults."""
    if path is None:
        found = find_config(start)
        if found is None:
            return Config(path=None, root=os.getcwd())
        path = _shown_path(found)
    text = _read_text(path)
    return parse_config(text, path, pyproject=os.path.basename(path) == PYPROJECT_FILE)


def _shown_path(path: str) -> str:
    """`path` relative to the working directory when it lies below it (shorter messages), else as is."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel.replace(os.sep, "/")


def _read_text(path: str) -> str:
    from .documents import read_user_file

    data = read_user_file(path, "the config file")
    problem = text_problem(data)
    if problem is not None:
        offset, message = problem
        shown = data.decode("utf-8", "replace")
        line, column = _line_column(data, offset)
        raise ConfigError([located(path, shown, line, column, f"config file {message}")])
    return data.decode("utf-8-sig")


def text_problem(data: bytes) -> tuple[int, str] | None:
    """Why `data` is not UTF-8 text, as (byte offset, "is not valid UTF-8 (byte 17)"), or None."""
    nul = data.find(b"\0")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul < 0 or exc.start < nul:
            return exc.start, f"is not valid UTF-8 (byte {exc.start})"
    if nul >= 0:
        return nul, f"holds a NUL byte (byte {nul}): it is not a text file"
    return None


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset; undecodable bytes count one each."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", "replace")) + 1


def parse_config(text: str, path: str, *, pyproject: bool = False) -> Config:
    """Validate config `text` read from `path`; raise one ConfigError listing every problem in it."""
    # Imported here: a run without a config file (the defaults) never needs the TOML validator.
    from .reader import Reader
    from .syntax import parse_toml
    from .tables import TOP_LEVEL
    from .wording import show

    if text.startswith("\ufeff"):
        text = text[1:]
    root = os.path.dirname(os.path.abspath(path))
    data: Any = parse_toml(text, path)
    prefix: tuple[str, ...] = ()
    if pyproject:
        tool = data.get("tool")
        if not isinstance(tool, dict) or "usm-rules" not in tool:
            raise ConfigError(f"{path}: no [tool.usm-rules] table")
        data = tool["usm-rules"]
        if not isinstance(data, dict):
            reader = Reader(path, text, ())
            reader.error(PYPROJECT_TABLE, f"`tool.usm-rules` must be a table, got {show(data)}")
            raise ConfigError(reader.problems)
        prefix = PYPROJECT_TABLE
    reader = Reader(path, text, prefix)
    values: dict[str, Any] = {}
    for key, value in data.items():
        handler = TOP_LEVEL.get(key)
        if handler is None:
            hint = ""
            if key == "tool" and not pyproject:
                hint = (" (`[tool.usm-rules]` belongs in pyproject.toml; in usm-rules.toml write its keys"
                        " at the top level)")
            reader.unknown((key,), TOP_LEVEL, hint)
            continue
        reader.note((key,))
        handler(reader, value, values, root)
    if reader.problems:
        raise ConfigError(sorted(reader.problems, key=lambda p: (p.line, p.column)))
    return Config(path=path, root=root, locations=MappingProxyType(reader.locations), **values)

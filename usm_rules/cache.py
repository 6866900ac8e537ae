"""The user's cache directory for compiled artefacts (never the spec repository), and its entries.

A cache entry holds code the tool will run, so the cache is used only where nobody else could have written
it: the directory and each entry must be owned by the current user and not writable by group or others,
and an entry's envelope (format, key, SHA-256 of the payload) is verified before the payload is handed on.
A directory or entry that fails the trust checks is not used, and one line saying why is queued for the
CLI (`cache_warnings`); an entry that fails verification is simply rebuilt, since a crash mid-write or a
disk error is ordinary. Nothing here prints, and nothing here unpickles or unmarshals.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .digest import sha256
from .files import kind_problem, os_reason
from .textsafe import visible

ENTRY_LIMIT = 64 * 1024 * 1024  # far above a compiled program (~150 KB for both packs)

# The envelope: MAGIC, SHA-256 of the full key, SHA-256 of the payload, then the payload.
_MAGIC = b"usm-rules-cache\x01"
_DIGEST = 32
_HEADER = len(_MAGIC) + 2 * _DIGEST
_FIX = "set USM_RULES_CACHE_DIR to a private directory (or to an empty value for no cache)"

_pending: list[str] = []
_said: set[str] = set()


def cache_warnings() -> list[str]:
    """Lines (no newline) saying why a cache directory or entry was not used, each once per process.

    Returns the lines queued since the last call; the CLI prints them on standard error.
    """
    lines = list(_pending)
    _pending.clear()
    return lines


def _warn(line: str) -> None:
    if line not in _said:
        _said.add(line)
        _pending.append(line)


def cache_dir() -> Path | None:
    """`$USM_RULES_CACHE_DIR`, else `$XDG_CACHE_HOME/usm-rules`, else `~/.cache/usm-rules`, if it is private.

    Created with mode 0o700 when missing. None when `USM_RULES_CACHE_DIR` is empty (silently), or when the
    directory is a symlink, not a directory, not owned by the current user or writable by group or others,
    or cannot be created (with a line for `cache_warnings`).
    """
    explicit = os.environ.get("USM_RULES_CACHE_DIR")
    if explicit == "":
        return None  # caching switched off
    try:
        if explicit:
            base = Path(explicit)
        else:
            xdg = os.environ.get("XDG_CACHE_HOME")
            base = (Path(xdg) if xdg else Path.home() / ".cache") / "usm-rules"
    except RuntimeError:  # no home directory to be found
        _warn(f"usm-rules: not using a cache: there is no home directory; {_FIX}")
        return None
    problem = _prepare(base)
    if problem:
        _warn(f"usm-rules: not using the cache directory {visible(str(base))}: {problem}; {_FIX}")
        return None
    return base


def _prepare(base: Path) -> str | None:
    """Create `base` (private) if missing; why it cannot be trusted, or None."""
    try:
        base.mkdir(mode=0o700, parents=True)  # parents get the usual mode; only ours must be private
    except FileExistsError:
        pass  # whatever it is, lstat below judges it
    except (OSError, ValueError) as err:  # ValueError: a NUL in the name
        return f"it cannot be created ({_why(err)})"
    try:
        info = os.lstat(base)
    except (OSError, ValueError) as err:
        return f"it cannot be examined ({_why(err)})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    return _trust_problem(info)


def _why(err: OSError | ValueError) -> str:
    return os_reason(err) if isinstance(err, OSError) else "the name holds a NUL character"


def _trust_problem(info: os.stat_result) -> str | None:
    """Why a file or directory with this stat could have been written by someone else, or None."""
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid is not None and info.st_uid != euid:
        return f"it is owned by uid {info.st_uid}, not you (uid {euid})"
    if info.st_mode & 0o022:
        who = "group and others" if info.st_mode & 0o022 == 0o022 else "group" if info.st_mode & 0o020 else "others"
        return f"it is writable by {who} (mode {stat.S_IMODE(info.st_mode):o})"
    return None


# ---------------------------------------------------------------------------------------------- entries


def pack_entry(key: bytes, payload: bytes) -> bytes:
    """The bytes of a cache entry holding `payload` under `key`."""
    return _MAGIC + sha256(key).digest() + sha256(payload).digest() + payload


def unpack_entry(data: bytes, key: bytes) -> bytes | None:
    """The payload of an entry written by `pack_entry` under this `key`; None if anything does not match."""
    if len(data) < _HEADER or not data.startswith(_MAGIC):
        return None
    key_at, sum_at = len(_MAGIC), len(_MAGIC) + _DIGEST
    if data[key_at:sum_at] != sha256(key).digest():
        return None
    payload = data[_HEADER:]
    if data[sum_at:_HEADER] != sha256(payload).digest():
        return None
    return payload


def read_entry(directory: Path, name: str, key: bytes) -> bytes | None:
    """The verified payload of entry `name` for `key`, or None (missing, untrusted, corrupt, another key).

    Only a regular file owned by the current user, not writable by group or others and at most
    ENTRY_LIMIT bytes is read; the checks are made on the open file, so a swap after them does not count.
    """
    path = directory / name
    try:
        info = os.lstat(path)
    except OSError:
        return None  # missing: an ordinary miss
    problem = _entry_problem(info)  # judged before opening: opening a device can have effects
    if problem is None:
        data, problem = _read_private(path)
        if data is not None:
            return unpack_entry(data, key)
    if problem:
        _warn(f"usm-rules: not using the cache entry {visible(str(path))}: {problem}; compiling afresh"
              + ("" if stat.S_ISREG(info.st_mode) else " (remove it to cache again)"))
    return None


def _entry_problem(info: os.stat_result) -> str | None:
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    kind = kind_problem(info.st_mode)
    if kind:
        return kind
    if info.st_size > ENTRY_LIMIT:
        return f"it is {info.st_size:,} bytes, more than the limit of {ENTRY_LIMIT:,}"
    return _trust_problem(info)


def _read_private(path: Path) -> tuple[bytes | None, str | None]:
    """(bytes, None) of a trusted entry, else (None, why); (None, None) when it vanished meanwhile."""
    flags = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
             | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, None
    except OSError as err:
        return None, f"it cannot be opened ({os_reason(err)})"
    with os.fdopen(fd, "rb") as stream:
        problem = _entry_problem(os.fstat(fd))
        if problem:
            return None, problem
        try:
            data = stream.read(ENTRY_LIMIT + 1)
        except OSError:
            return None, None  # a disk error: rebuild
    return (data, None) if len(data) <= ENTRY_LIMIT else (None, None)


def write_entry(directory: Path, name: str, key: bytes, payload: bytes) -> None:
    """Store `payload` under `key` as entry `name`: atomically, mode 0o600; silently not on failure."""
    from .writing import WriteRefused, write_atomic

    path = directory / name
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return  # a link, FIFO or device someone put there: never write through it (read_entry said so)
    except FileNotFoundError:
        pass
    except OSError:
        return
    try:
        write_atomic(path, pack_entry(key, payload), mode=0o600)
    except (OSError, WriteRefused):
        pass  # a full disk or a read-only cache only costs the next run a compile

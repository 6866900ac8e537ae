"""The one door through which usm-rules reads a user's file: regular files only, never more than a limit.

Specs, policies, config, waivers, baselines and the source lines a report shows all come through
`read_bounded`. A FIFO, device, socket or directory is refused without being read (a FIFO is never opened
in a way that could block), and a file larger than the caller's limit is refused after reading at most
`limit + 1` bytes, so `/dev/zero`, `/dev/urandom` or a 2 GB file cannot exhaust memory or hang a run.
"""
from __future__ import annotations

import errno
import os
import stat

# Default limit for files the user writes by hand (config, waivers, baselines, policies): far above any real
# one, far below what would hurt.
TEXT_FILE_LIMIT = 16 * 1024 * 1024


class FileRefused(Exception):
    """A file that was not read; `reason` is a short phrase such as "it is a FIFO, not a regular file"."""

    def __init__(self, path: str, reason: str, *, too_large: bool = False) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
        self.too_large = too_large


_KINDS = (
    (stat.S_ISDIR, "it is a directory"),
    (stat.S_ISFIFO, "it is a FIFO (named pipe), not a regular file"),
    (stat.S_ISSOCK, "it is a socket, not a regular file"),
    (stat.S_ISCHR, "it is a character device, not a regular file"),
    (stat.S_ISBLK, "it is a block device, not a regular file"),
)

_REASONS = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a directory",
    errno.ELOOP: "too many levels of symbolic links (a symlink loop?)",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.ENAMETOOLONG: "the file name is too long",
}


def os_reason(err: OSError) -> str:
    """A short, lower-case phrase for why an OS call failed."""
    return _REASONS.get(err.errno or 0) or (err.strerror or str(err)).lower()


def kind_problem(mode: int) -> str | None:
    """Why a file of this `st_mode` is not read (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    for test, reason in _KINDS:
        if test(mode):
            return reason
    return "it is not a regular file"


def read_bounded(path: str, limit: int) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.

    Raises FileRefused naming the reason: missing, unreadable, not a regular file, or larger than `limit`.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as err:
        raise FileRefused(path, os_reason(err)) from None
    except ValueError:  # an embedded NUL in the name
        raise FileRefused(path, "the file name holds a NUL character") from None
    problem = kind_problem(mode)
    if problem:
        raise FileRefused(path, problem)
    # O_NONBLOCK: if the path was swapped for a FIFO since the stat, opening it still returns at once.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise FileRefused(path, os_reason(err)) from None
    try:
        info = os.fstat(fd)
        problem = kind_problem(info.st_mode)
        if problem:
            raise FileRefused(path, problem)
        if info.st_size > limit:
            raise FileRefused(path, f"it is {info.st_size:,} bytes, more than the limit of {limit:,} bytes",
                              too_large=True)
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            try:
                chunk = os.read(fd, min(remaining, 1 << 20))
            except OSError as err:
                raise FileRefused(path, os_reason(err)) from None
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:  # it grew while we read it
            raise FileRefused(path, f"it is more than the limit of {limit:,} bytes", too_large=True)
        return data
    finally:
        os.close(fd)


def read_text(path: str, limit: int = TEXT_FILE_LIMIT) -> str:
    """A hand-written UTF-8 text file (a BOM is dropped); FileRefused also when it is not valid UTF-8."""
    data = read_bounded(path, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileRefused(path, f"it is not valid UTF-8 (byte {err.start})") from None

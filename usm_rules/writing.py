"""The one way usm-rules writes a file: atomically, never through a symlink, never onto an input of the run.

A repository under review may contain symlinks (`usm-rules.sarif -> specs/heating.yaml`, `reports -> /home/…`),
so a report, baseline, formatted policy or scaffold file is written only when every part of its path that lies
inside the working directory is a real directory or file, and never onto a file the run read. The file is
written beside its target under a fresh name (created exclusively, not following links) and renamed over it,
so a reader sees the old file or the new one, never half of one. A character device or a pipe
(`--output /dev/stdout`, `/dev/null`) is written to as it is: there is nothing to replace.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable


class WriteRefused(Exception):
    """A write that was not made: `reason` says why, in a sentence that names the path."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _check_components(path: str) -> None:
    """Refuse a symlink in any part of `path` at or below the working directory (the repository's own
    links); parts above it (`/tmp` on some systems) are the machine's, not the repository's."""
    cwd = os.getcwd()
    absolute = os.path.abspath(path)
    parts = absolute.split("/")
    for i in range(2, len(parts) + 1):
        prefix = "/".join(parts[:i]) or "/"
        if not _inside(prefix, cwd) or prefix == cwd:
            continue
        try:
            mode = os.lstat(prefix).st_mode
        except FileNotFoundError:
            return  # the rest does not exist yet: nothing below can be a link
        except OSError:
            continue
        if stat.S_ISLNK(mode):
            shown = path if prefix == absolute else os.path.relpath(prefix, cwd)
            raise WriteRefused(path, f"`{shown}` is a symbolic link; usm-rules does not write through links")


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def check_target(path: str, inputs: Iterable[str] = ()) -> bool:
    """Raise WriteRefused if `path` must not be written; True when it is a device or pipe to write in place."""
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        link = None
    except OSError as err:
        raise WriteRefused(path, f"cannot write `{path}`: {err.strerror or err}") from None
    if link is not None and stat.S_ISLNK(link.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            target = None
        if target is not None and (stat.S_ISCHR(target.st_mode) or stat.S_ISFIFO(target.st_mode)):
            return True  # /dev/stdout -> /proc/self/fd/1: a stream, not a file to overwrite
        raise WriteRefused(path, f"`{path}` is a symbolic link; usm-rules does not write through links "
                                 "(remove the link or name another file)")
    _check_components(path)
    if link is None:
        return False
    if stat.S_ISCHR(link.st_mode) or stat.S_ISFIFO(link.st_mode):
        return True
    if not stat.S_ISREG(link.st_mode):
        raise WriteRefused(path, f"cannot write `{path}`: it is not a regular file")
    for source in inputs:
        try:
            if _same_file(os.stat(source), link):
                raise WriteRefused(path, f"`{path}` is an input of this run (`{source}`); usm-rules never "
                                         "overwrites what it reads")
        except OSError:
            continue
    return False


def write_atomic(path: str | os.PathLike[str], data: bytes, *, inputs: Iterable[str] = (),
                 mode: int = 0o666) -> None:
    """Write `data` to `path` atomically. WriteRefused for a link or an input; OSError for the disk's own
    reasons (the target is then untouched and no temporary file is left behind). `mode` is masked by the
    umask, as for any new file."""
    name = os.fspath(path)
    if check_target(name, inputs):
        with open(name, "wb") as stream:
            stream.write(data)
        return
    directory = os.path.dirname(os.path.abspath(name))
    tmp = os.path.join(directory, f".{os.path.basename(name)}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, name)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

"""The rule-set inputs as they were at a git commit, copied into a private directory that mirrors the
repository's layout (`BaseTree.materialise`).

Only what a rule set reads is copied: a file named by path, and the `*.policy` files under a directory named by
path. Blobs are read with `git cat-file` after their size is known from `git ls-tree -l` (bounded); symbolic
links and submodules in the tree are never followed (a link is left out, with a notice); only the resolved
commit hash reaches git, and every path is passed after `--` with literal pathspecs.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field

from ..engine.discover import git
from ..errors import UsageError
from ..files import TEXT_FILE_LIMIT
from ..textsafe import visible

OPTION = "--base"
_BLOB_MODES = (b"100644", b"100755")


@dataclass
class BaseTree:
    """A commit of the repository at `top`, and the private directory its files are copied into."""

    top: str       # the work tree's top directory, symlinks resolved
    commit: str    # the resolved hash
    ref: str       # as the user wrote it (for messages)
    dir: str = ""  # the private copy; "" until made
    notices: list[str] = field(default_factory=list)

    def __enter__(self) -> "BaseTree":
        self.dir = os.path.realpath(tempfile.mkdtemp(prefix="usm-rules-base-"))  # mode 0700: ours alone
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def relative(self, path: str) -> str | None:
        """`path` (absolute) relative to the work tree's top, posix; None when it lies outside the repository."""
        return _below(path, self.top)

    def copy_of(self, rel: str) -> str:
        """Where the base copy of the repository path `rel` is (or would be)."""
        return os.path.join(self.dir, *rel.split("/")) if rel else self.dir

    def in_copy(self, path: str) -> str | None:
        """`path` relative to the copy, posix, when it lies in it."""
        return _below(path, self.dir)

    def working_path(self, path: str) -> str:
        """A path in the copy -> the same path in the work tree (other paths unchanged)."""
        rel = self.in_copy(path)
        return path if rel is None else os.path.join(self.top, *rel.split("/")) if rel else self.top

    def materialise(self, rel: str) -> bool:
        """Copy the file or directory `rel` as it is at the commit; False when the commit has nothing there.
        Under a directory only the `*.policy` files are copied: that is all a rule set reads from one."""
        exact = [e for e in self._ls(rel) if e[3] == rel] if rel else []
        if exact and exact[0][1] != b"tree":
            self._write(*exact[0])
            return True
        below = self._ls(rel + "/" if rel else "", recursive=True)
        if not below and not exact:
            return False
        os.makedirs(self.copy_of(rel), exist_ok=True)
        for entry in below:
            if entry[3].endswith(".policy"):
                self._write(*entry)
        return True

    def _ls(self, rel: str, recursive: bool = False) -> list[tuple[bytes, bytes, str, str]]:
        """(mode, type, object, path) of the entries `git ls-tree -l` lists for `rel`, blobs' sizes checked."""
        args = ["--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree"] + (["-r"] if recursive else [])
        out = git(args + [self.commit, "--", rel or "."], self.top, visible(self.ref), OPTION)
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, obj, size = meta.split()
            path = os.fsdecode(name)
            if kind == b"blob" and mode in _BLOB_MODES and size.isdigit() and int(size) > TEXT_FILE_LIMIT:
                raise UsageError(f"{OPTION} `{visible(self.ref)}`: `{visible(path)}` is {int(size)} bytes, over "
                                 f"the {TEXT_FILE_LIMIT}-byte limit of a rule-set file")
            entries.append((mode, kind, obj.decode("ascii"), path))
        return entries

    def _write(self, mode: bytes, kind: bytes, obj: str, path: str) -> None:
        if kind != b"blob" or mode not in _BLOB_MODES:
            what = "a symbolic link" if mode == b"120000" else "not a regular file"
            self.notices.append(f"`{visible(path)}` at {OPTION} `{visible(self.ref)}` is {what}; left out")
            return
        target = self.copy_of(path)
        if any(p in ("", ".", "..") for p in path.split("/")) or os.path.lexists(target):
            return  # git never stores such a path (refused all the same); or copied already
        data = git(["cat-file", "blob", obj], self.top, visible(self.ref), OPTION)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(target, flags, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data[: TEXT_FILE_LIMIT + 1])


def _below(path: str, top: str) -> str | None:
    """`path` relative to the directory `top`, posix ("" for `top` itself); None when it is not below it."""
    rel = os.path.relpath(os.path.abspath(path), top)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return "" if rel == os.curdir else rel.replace(os.sep, "/")

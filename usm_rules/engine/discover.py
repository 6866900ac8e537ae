"""Which files a run checks, and what each is called in identities: paths -> files, the project root.

Named files are checked as given (a symlink the user names is followed). Directories are walked for the
included names; what the walk cannot read is reported, never skipped in silence: a directory it cannot list
and a symlink that leads outside the project are `unreadable` (the engine makes them SPEC-READ findings),
and a path that yields no file, or a named file that the config excludes, gets a notice.
"""
from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from ..errors import UsageError
from ..files import os_reason
from ..textsafe import visible

ALWAYS_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", "__pycache__",
                                  ".mypy_cache", ".pytest_cache"})


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)  # to check, in a stable order; "-" for stdin
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, reason): met but not readable
    notices: list[str] = field(default_factory=list)  # what the user should know: nothing found, excluded


def posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def project_root(config_root: str | None, start: str | None = None) -> str:
    """The directory identities are relative to: the config file's directory, else the enclosing git work
    tree, else the working directory. Absolute, symlinks resolved."""
    if config_root:
        return os.path.realpath(config_root)
    here = os.path.realpath(start or os.getcwd())
    probe = here
    while True:
        if os.path.lexists(os.path.join(probe, ".git")):
            return probe
        parent = os.path.dirname(probe)
        if parent == probe:
            return here
        probe = parent


def project_path(path: str, root: str) -> str:
    """`path` relative to `root`, posix, however it was spelled (`./x`, `a/../x`, absolute) and wherever the
    tool runs; a path outside the root stays absolute. Standard input is `-`."""
    if path == "-":
        return "-"
    absolute = os.path.abspath(path)
    absolute = os.path.join(_real_dir(os.path.dirname(absolute)), os.path.basename(absolute))
    rel = os.path.relpath(absolute, root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = absolute
    # An identity is printed in CI reports and hashed into fingerprints: it must be valid, visible text even
    # for a file name that is not UTF-8 or holds control characters.
    return visible(posix(rel))


@lru_cache(maxsize=4096)
def _real_dir(directory: str) -> str:
    # The file's own name is kept (a symlinked spec is identified by its own name), its directory is
    # resolved, so `specs/x.yaml` and `/abs/link-to-specs/x.yaml` are one file. Absolute keys only.
    return os.path.realpath(directory)


def _matches(path: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern):
        return True
    if pattern.endswith("/**"):
        stem = pattern[:-3]
        return (path + "/").startswith(stem + "/") or ("/" + path + "/").find("/" + stem + "/") >= 0
    return False


def excluded_by(path: str, rel: str, patterns: Iterable[str]) -> str | None:
    """The first exclude pattern that matches the path as given or as relative to the project root."""
    given = posix(path)
    if given.startswith("./"):
        given = given[2:]
    for pattern in patterns:
        if _matches(given, pattern) or _matches(rel, pattern):
            return pattern
    return None


def _included(name: str, include: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern.rsplit("/", 1)[-1]) for pattern in include)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _walk(top: str, include: tuple[str, ...], exclude: tuple[str, ...], root: str, out: Discovery) -> list[str]:
    found: list[str] = []

    def unreadable(err: OSError) -> None:
        name = err.filename if isinstance(err.filename, str) else top
        out.unreadable.append((posix(name), f"cannot read the directory: {os_reason(err)}"))

    for dirpath, dirnames, filenames in os.walk(top, onerror=unreadable):
        keep = []
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if d in ALWAYS_EXCLUDED_DIRS or (exclude and excluded_by(full, project_path(full, root), exclude)):
                continue
            keep.append(d)
        dirnames[:] = sorted(keep)
        for name in filenames:
            if not _included(name, include):
                continue
            full = os.path.join(dirpath, name)
            if exclude and excluded_by(full, project_path(full, root), exclude):
                continue
            if os.path.islink(full) and not _inside(os.path.realpath(full), root):
                out.unreadable.append((posix(full), "it is a symbolic link to a file outside the project; "
                                                    "name it on the command line to check it"))
                continue
            found.append(posix(full))
    return sorted(found)


def discover(paths: Iterable[str], include: tuple[str, ...], exclude: tuple[str, ...], root: str,
             stdin_name: str | None = None) -> Discovery:
    """Files to check, in a stable order: named files as given, directories walked for included names.
    Standard input (`-`) named `stdin_name` (--stdin-filename) is excluded as a file of that name would be."""
    out = Discovery()
    seen: set[str] = set()
    for given in paths:
        if given == "-":
            pattern = excluded_by(stdin_name, project_path(stdin_name, root), exclude) if stdin_name else None
            if pattern is not None:
                out.notices.append(f"standard input, named `{posix(stdin_name or '')}`, is excluded by the pattern "
                                   f"`{pattern}` of the config's `exclude`; not checked")
            files = ["-"] if pattern is None else []
        elif os.path.isdir(given):
            files = _walk(given, include, exclude, root, out)
            if not files:
                out.notices.append(f"`{posix(given)}`: no spec file found (looked for "
                                   f"{', '.join(p.rsplit('/', 1)[-1] for p in include)})")
        else:
            pattern = excluded_by(given, project_path(given, root), exclude)
            if pattern is not None:
                out.notices.append(f"`{posix(given)}` is excluded by the pattern `{pattern}` of the config's "
                                   "`exclude`; not checked")
                files = []
            else:
                files = [posix(given)]
        for f in files:
            if f not in seen:
                seen.add(f)
                out.files.append(f)
    return out


# -- files changed since a git ref (--changed-since) --------------------------------------------------------

def git(args: list[str], cwd: str, what: str, option: str = "--changed-since") -> bytes:
    """`git ARGS` in `cwd`, its output; a failure is a one-line UsageError naming `option` and `what`."""
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              stdin=subprocess.DEVNULL)
    except OSError as err:
        raise UsageError(f"{option} needs git: {err.strerror or err}") from None
    if done.returncode != 0:
        # Only git's first line: a usage screen must never flood the log in place of one clear message.
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{option} {what}: git says: {visible(said[0]) if said else 'failed'}")
    return done.stdout


def _git_quiet(args: list[str], cwd: str, option: str) -> bytes:
    """git's output, or b"" when it fails (its complaint is ours to word)."""
    try:
        return git(args, cwd, "", option)
    except UsageError as err:
        if "needs git" in err.text:
            raise
        return b""


def resolve_commit(ref: str, option: str = "--changed-since") -> tuple[str, str]:
    """(the git work tree's top directory, the commit hash `ref` names), for a ref from the command line or a
    CI variable: it is resolved with `--end-of-options` (a ref such as `--output=FILE` can never reach git as
    an option), and callers pass only the resolved hash on."""
    shown = visible(ref)
    if not ref or ref.startswith("-") or "\0" in ref:
        raise UsageError(f"{option} `{shown}` is not a git revision")
    here = os.getcwd()
    inside = _git_quiet(["rev-parse", "--is-inside-work-tree"], here, option)
    if inside.strip() != b"true":
        raise UsageError(f"{option} needs a git work tree, and `{visible(posix(here))}` is not inside one "
                         "(run it from the repository's checkout)")
    top = git(["rev-parse", "--show-toplevel"], here, shown, option).decode("utf-8", "surrogateescape").strip()
    found = _git_quiet(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], here, option)
    commit = found.decode("ascii", "replace").strip()
    if not commit or not all(c in "0123456789abcdef" for c in commit):
        raise UsageError(f"{option} `{shown}` is not a commit of the git repository here")
    return top, commit


def changed_files(ref: str, root: str) -> frozenset[str]:
    """Project paths (see `project_path`) of the files changed since `ref` — committed, staged and
    unstaged — and of new untracked files."""
    top, commit = resolve_commit(ref)
    shown = visible(ref)
    names = git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", commit, "--"], top, shown)
    names += git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name"], top, shown)
    return frozenset(project_path(os.path.join(top, os.fsdecode(name)), root)
                     for name in names.split(b"\0") if name)

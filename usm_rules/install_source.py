"""Where a spec repository's pre-commit hook and CI jobs install usm-rules from (`usm-rules init --source`).

usm-rules is not on a package index: it is installed from its own git repository at a release tag, as pip
(`usm-rules @ git+URL@vX.Y.Z`) and pre-commit (`repo: URL`, `rev: vX.Y.Z`) both can. The source is

- a git URL (`https://…`, `ssh://…`, `git@host:path`, `file://…`), at the tag of this version unless `--rev`;
- a local clone (a directory, or `file:///path`): the same, as a `file://localhost/path` URL (pip's requirement
  parser refuses `file:///` with an empty host; git takes both), for trying things out on one machine;
- `index`: a package index that has usm-rules (pip's own configuration says which): `usm-rules==X.Y.Z`;
- nothing: the git URL and revision this installation came from, when pip recorded them (PEP 610,
  `direct_url.json`, for `pip install "usm-rules @ git+URL@REV"`); otherwise `init` stops and asks, rather
  than writing files that name an install source that cannot work.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import __version__
from .errors import UsageError

PACKAGE = "usm-rules"
INDEX = "index"
EXAMPLE_URL = "https://git.example.com/your-org/usm-rules.git"
# A local clone as a URL that both pip (whose requirement parser wants a host in a URL) and git accept.
_LOCAL = "file://localhost"
_URL = re.compile(r"(?:https?|ssh|git|file)://[^\s@]+(?:@[^\s/]+/[^\s]*)?|[\w.-]+@[\w.-]+:[^\s]+")
_REV = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")

ASK = (f"usm-rules init needs to know where the pre-commit hook and CI jobs install usm-rules from: pass "
       f"--source with the git repository you got usm-rules from (e.g. --source {EXAMPLE_URL}), a local clone "
       f"(--source ../usm-rules), or `--source {INDEX}` when a package index has it")


@dataclass(frozen=True)
class InstallSource:
    """`url` and `rev` of a git repository, or (url "") a package index at version `rev`."""

    url: str
    rev: str

    @property
    def from_index(self) -> bool:
        return not self.url

    @property
    def local(self) -> bool:
        return self.url.startswith("file://")

    def requirement(self) -> str:
        """The pip requirement: `usm-rules @ git+URL@REV`, or `usm-rules==X.Y.Z`."""
        if self.from_index:
            return f"{PACKAGE}=={self.rev.removeprefix('v')}"
        return f"{PACKAGE} @ git+{self.url}@{self.rev}"


def default_rev() -> str:
    return f"v{__version__}"


def parse_source(text: str, rev: str | None = None, base: str = ".") -> InstallSource:
    """`--source TEXT [--rev REV]` as an InstallSource; UsageError for anything pip could not install from."""
    rev = rev or default_rev()
    if not _REV.fullmatch(rev):
        raise UsageError(f"--rev `{rev}` is not a git tag or branch name")
    text = text.strip()
    if text == INDEX:
        return InstallSource("", rev)
    if text.startswith("git+"):
        text = text[4:]
    if text.startswith("file:///"):
        text = _LOCAL + text[len("file://"):]
    if _URL.fullmatch(text):
        return InstallSource(text, rev)
    path = Path(base, text)
    if path.is_dir():
        if not (path / "pyproject.toml").is_file() or not (path / ".git").exists():
            raise UsageError(f"--source `{text}` is a directory but not a git clone of usm-rules")
        return InstallSource(_LOCAL + quote(path.resolve().as_posix()), rev)
    raise UsageError(f"--source `{text}` is neither a git URL, a local clone of usm-rules, nor `{INDEX}`")


def installed_source() -> InstallSource | None:
    """The git URL and revision this installation was made from (PEP 610), or None."""
    from importlib import metadata

    try:
        text = metadata.distribution(PACKAGE).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        return None
    vcs = info.get("vcs_info") if isinstance(info, dict) else None
    url = info.get("url") if isinstance(info, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not isinstance(url, str) or not _URL.fullmatch(url):
        return None
    requested = vcs.get("requested_revision")
    rev = requested if isinstance(requested, str) and _REV.fullmatch(requested) else default_rev()
    return InstallSource(url, rev)


def resolve_source(text: str | None, rev: str | None = None) -> InstallSource:
    """`--source` when given, else where this installation came from, else a UsageError that says what to pass."""
    if text is not None:
        return parse_source(text, rev, os.getcwd())
    found = installed_source()
    if found is None:
        raise UsageError(ASK)
    return InstallSource(found.url, rev or found.rev)

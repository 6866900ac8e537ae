"""The two rule sets `diff-rules` compares, each as the `EngineOptions` of a run: the working tree's (config
found as `check` finds it) and the base commit's (the same config path, policy paths, waivers and baseline,
as they are at the commit, copied into a `BaseTree`).

Both runs check the same spec files with the same project root, so that findings keep their fingerprints and
can be matched. Paths outside the repository, and the built-in packs, are the same on both sides.
"""
from __future__ import annotations

import dataclasses
import os
from typing import Any

from ..config import Config, load_config
from ..engine import Flags, build_options
from ..engine.options import EngineOptions
from ..errors import Located, UsmError
from ..textsafe import visible
from .tree import BaseTree


class SideError(UsmError):
    """A rule set that does not load, on one side: the problems, under a line that names the side."""

    def __init__(self, side: str, err: UsmError, tree: BaseTree | None = None) -> None:
        problems = [_unmasked(p, tree) for p in err.problems] if tree is not None else err.problems
        super().__init__(problems or err.text)
        if tree is not None and not problems:
            self.text = self.text.replace(tree.dir + os.sep, "")
        self.text = f"the rule set of the {side} does not load:\n{self.text}"
        self.kind = err.kind


def _unmasked(problem: Located, tree: BaseTree) -> Located:
    """A problem in a base copy, shown at the file's path in the repository."""
    path = tree.working_path(problem.file)
    if path == problem.file:
        return problem
    return dataclasses.replace(problem, file=shown_path(path))


def shown_path(path: str) -> str:
    """A path as findings show it: relative to the working directory when below it, posix."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def working_options(config_path: str | None, flags: Flags) -> tuple[Config, EngineOptions]:
    """The working tree's config and options (errors name the side)."""
    try:
        config = load_config(config_path, start=os.getcwd())
        return config, build_options(config, flags)
    except UsmError as err:
        raise SideError("working tree", err) from None


def base_options(tree: BaseTree, head: Config, head_options: EngineOptions, flags: Flags) -> EngineOptions:
    """The base commit's options: its config at the working tree config's path, and every path the config or
    the flags name, copied from the commit into `tree`; the working tree's project root and spec files."""
    side = f"base `{visible(tree.ref)}`"
    try:
        config = _base_config(tree, head)
        config = dataclasses.replace(
            config, policies=tuple(_at_base(tree, p) for p in config.policies),
            waivers=config.waivers and _at_base(tree, config.waivers),
            baseline=config.baseline and _at_base(tree, config.baseline))
        flags = dataclasses.replace(
            flags, policies=tuple(p for p in (_flag_at_base(tree, p) for p in flags.policies) if p),
            waivers=flags.waivers and _flag_at_base(tree, flags.waivers),
            baseline=flags.baseline and _flag_at_base(tree, flags.baseline))
        options = build_options(config, flags)
    except UsmError as err:
        raise SideError(side, err, tree) from None
    return dataclasses.replace(options, root=head_options.root)


def _base_config(tree: BaseTree, head: Config) -> Config:
    """The config file at the working tree config's path, as it is at the commit; the defaults when the
    working tree has none, or the commit has none there (a notice says so)."""
    if head.path is None:
        return Config(None, tree.dir)
    rel = tree.relative(os.path.realpath(head.path))
    if rel is None:
        tree.notices.append(f"the config `{visible(head.path)}` is outside the repository: both sides use it")
        return head
    if not tree.materialise(rel):
        tree.notices.append(f"`{visible(rel)}` does not exist at base `{visible(tree.ref)}`: the base uses the "
                            "default config")
        return Config(None, tree.copy_of(os.path.dirname(rel)))
    return load_config(tree.copy_of(rel))


def _at_base(tree: BaseTree, path: str) -> str:
    """A path from the base config (in the copy) or from the flags (in the working tree) -> the base copy of
    the same repository path, made from the commit. A path outside the repository is used as it is."""
    in_copy = tree.in_copy(path)
    if in_copy is None:
        rel = tree.relative(_real_dir(path))
        if rel is None:
            tree.notices.append(f"`{visible(path)}` is outside the repository: both sides use it")
            return path
        in_copy = rel
    tree.materialise(in_copy)  # when the commit has nothing there, the run says the path does not exist
    return tree.copy_of(in_copy)


def _flag_at_base(tree: BaseTree, path: str) -> str | None:
    """A path from the command line at the base; None when the commit has nothing there (a policy, waivers or
    baseline file the change adds: the base runs without it, and a notice says so)."""
    at_base = _at_base(tree, path)
    if os.path.lexists(at_base):
        return at_base
    tree.notices.append(f"`{visible(path)}` does not exist at base `{visible(tree.ref)}`: the base runs without it")
    return None


def _real_dir(path: str) -> str:
    """`path` absolute, its directory's symlinks resolved (the file's own name kept)."""
    absolute = os.path.abspath(path)
    return os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))


def unmask_paths(tree: BaseTree, finding: Any, root: str) -> Any:
    """A base finding located in a copied file (a waiver, a baseline entry) -> at that file's path in the
    repository, as the working tree's run shows it."""
    path = tree.working_path(finding.file) if os.path.isabs(finding.file) else finding.file
    if path == finding.file:
        return finding
    from ..engine.discover import project_path

    return dataclasses.replace(finding, file=shown_path(path), project_path=project_path(path, root))

"""`usm-rules diff-rules`: the impact of a rule-set change, before it is merged.

The rule set (config, local policies, waivers, baseline) as it is at a git commit and as it is in the working
tree, each run by the engine on the same spec files, and the two results compared: `tree` copies the base's
inputs out of git, `sides` builds each side's options, `compare` matches the findings, `render` writes text,
JSON and markdown. Nothing here prints or exits.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import EngineOptions, Flags, run
from ..engine.discover import resolve_commit
from ..errors import UsmError
from ..findings import RunResult
from ..textsafe import visible
from .compare import Impact, compare
from .sides import SideError, base_options, unmask_paths, working_options
from .tree import OPTION, BaseTree

__all__ = ["DiffRun", "diff_rules", "Impact", "SideError"]


@dataclass
class DiffRun:
    """What `diff_rules` found, and what a report needs to say where it came from."""

    impact: Impact
    ref: str
    commit: str
    notices: list[str] = field(default_factory=list)
    inputs: tuple[str, ...] = ()  # files the runs read in the working tree (never to be written over)


def diff_rules(paths: list[str], ref: str, config_path: str | None = None, flags: Flags = Flags()) -> DiffRun:
    """Run the rule set of commit `ref` and of the working tree on `paths` and compare the results. Raises
    UsmError: a bad ref or no git repository (one line), or a side whose rule set does not load (SideError)."""
    import os

    top, commit = resolve_commit(ref, OPTION)
    config, head_options = working_options(config_path, flags)
    with BaseTree(os.path.realpath(top), commit, ref) as tree:
        options = base_options(tree, config, head_options, flags)
        base = _run(f"base `{visible(ref)}`", paths, options, tree)
        base.findings = sorted((unmask_paths(tree, f, head_options.root) for f in base.findings),
                               key=lambda f: f.sort_key())
        notices = list(tree.notices)
    head = _run("working tree", paths, head_options, None)
    inputs = tuple(head.inputs) + tuple(head_options.policy_files) + tuple(
        p for p in (head_options.waivers, head_options.baseline, config.path) if p)
    return DiffRun(compare(base, head), ref, commit, notices + base.notices + head.notices, inputs)


def _run(side: str, paths: list[str], options: EngineOptions, tree: BaseTree | None) -> RunResult:
    try:
        return run(paths, options)
    except UsmError as err:
        raise SideError(side, err, tree) from None

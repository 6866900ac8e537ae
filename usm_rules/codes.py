"""Every code the tool can emit, gathered from where each is declared.

Pack rules are declared in their policy files; each finding of the engine itself is declared beside the code
that emits it (a `CODES` tuple in loader, doctype, engine/check, engine/workers, suppressions, waivers and
baseline); policy lints in `lint.CODES`. `usm-rules rules`, `explain` and `docs/rules.md` read them from here,
so nothing the tool prints is undocumented.
"""
from __future__ import annotations

import importlib
from functools import lru_cache

from .findings import RuleInfo

# Modules that declare the findings of the engine itself, in the order the docs list them.
_ENGINE_MODULES = ("usm_rules.loader", "usm_rules.doctype", "usm_rules.engine.check", "usm_rules.engine.workers",
                   "usm_rules.suppressions", "usm_rules.waivers", "usm_rules.baseline")


def _gather(modules: tuple[str, ...]) -> dict[str, RuleInfo]:
    out: dict[str, RuleInfo] = {}
    for name in modules:
        for info in importlib.import_module(name).CODES:
            if info.id in out:
                raise RuntimeError(f"code {info.id} is declared twice")  # a bug of ours, caught by the tests
            out[info.id] = info
    return out


@lru_cache(maxsize=1)
def engine_codes() -> dict[str, RuleInfo]:
    """The findings the engine itself emits (SPEC-*, RULE-ERROR, CHECK-ABORTED, SUPPRESSION-*, WAIVER-*,
    BASELINE-*), by id."""
    return _gather(_ENGINE_MODULES)


@lru_cache(maxsize=1)
def lint_codes() -> dict[str, RuleInfo]:
    """The warnings of `usm-rules lint` (LINT-*), by id."""
    return _gather(("usm_rules.lint",))


def tool_codes() -> dict[str, RuleInfo]:
    """The codes the tool emits on its own, beside pack rules: the engine's findings and the policy lints."""
    return {**engine_codes(), **lint_codes()}

"""Every code the tool can emit, gathered from where each is declared.

Pack rules are declared in their policy files; each finding of the engine itself is declared beside the code
that emits it (a `CODES` tuple in loader, doctype, engine/check, engine/workers, suppressions, waivers and
baseline); policy lints in `lint.CODES`. `usm-rules rules`, `explain` and `docs/rules.md` read them from here,
so nothing the tool prints is undocumented.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
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


class CodeTable(Mapping):
    """The codes that can appear in a run: the rules in force, then the engine's own codes, which are looked
    up only when something asks for one (a clean pre-commit run never needs their modules)."""

    def __init__(self, rules: dict[str, RuleInfo]) -> None:
        self._rules = rules

    def _all(self) -> dict[str, RuleInfo]:
        return {**engine_codes(), **self._rules}

    def __getitem__(self, key: str) -> RuleInfo:
        found = self._rules.get(key)
        return found if found is not None else engine_codes()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._rules or key in engine_codes()

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

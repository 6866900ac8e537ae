"""`usm-rules test --coverage`: per rule, whether some case made it fire and some case made it pass, and which
of its policy lines no case ran.

Line coverage comes from the compiler (`lang/compiler.py`): rules compiled with `coverage` live in a module
whose `POINTS` lists the (rule id, policy line) of each hit-marker and whose `HITS` bytearray records which ran.
Every compiled rule function of a rule set shares that module, so its globals are where the markers are read.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import CaseResult, TestFile
from .reader import normal_path

if TYPE_CHECKING:
    from ..engine import RuleSet
    from .runner import Runner


@dataclass
class RuleCoverage:
    rule: str
    file: str
    line: int
    fired_by: list[str] = field(default_factory=list)  # case ids
    passed_by: list[str] = field(default_factory=list)
    lines: dict[int, bool] = field(default_factory=dict)  # policy line -> ran at least once

    @property
    def covered(self) -> bool:
        return bool(self.fired_by) and bool(self.passed_by)

    @property
    def missed_lines(self) -> list[int]:
        return sorted(line for line, hit in self.lines.items() if not hit)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "file": self.file, "line": self.line, "fires": bool(self.fired_by),
                "passes": bool(self.passed_by), "fired_by": self.fired_by, "passed_by": self.passed_by,
                "lines": len(self.lines), "lines_hit": sum(self.lines.values()), "missed_lines": self.missed_lines}


@dataclass
class Coverage:
    rules: list[RuleCoverage]

    @property
    def total_lines(self) -> int:
        return sum(len(r.lines) for r in self.rules)

    @property
    def hit_lines(self) -> int:
        return sum(sum(r.lines.values()) for r in self.rules)

    @property
    def rule_percent(self) -> float:
        return 100.0 * sum(r.covered for r in self.rules) / len(self.rules) if self.rules else 100.0

    @property
    def line_percent(self) -> float:
        return 100.0 * self.hit_lines / self.total_lines if self.total_lines else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {"rule_coverage": round(self.rule_percent, 2), "line_coverage": round(self.line_percent, 2),
                "rules": [r.to_dict() for r in self.rules]}


def measure(runner: Runner, tests: list[TestFile], results: list[CaseResult], policies: list[str]) -> Coverage:
    """Coverage of every rule the runner loaded, and of the rules of `policies` that no test file loads."""
    by_rule: dict[tuple[str, str], RuleCoverage] = {}

    def entry(meta: Any) -> RuleCoverage:
        key = (os.path.realpath(meta.file), meta.id)
        if key not in by_rule:
            by_rule[key] = RuleCoverage(meta.id, normal_path(meta.file), meta.line)
        return by_rule[key]

    tested = {os.path.realpath(p) for t in tests for p in t.policies}
    untested = [p for p in policies if os.path.realpath(p) not in tested]
    if untested:
        runner.policies_rule_set(untested)
    for rules in runner.rule_sets:
        for meta in rules.metas.values():
            entry(meta)
        for rule_id, line, hit in _line_hits(rules):
            if rule_id in rules.metas:
                cov = entry(rules.metas[rule_id])
                cov.lines[line] = cov.lines.get(line, False) or hit
    test_of = {id(case): test for test in tests for case in test.cases}
    for result in results:
        rules = runner.rule_set(test_of[id(result.case)], result.case)
        for rule_id in sorted(result.fired | result.passed_rules):
            meta = rules.metas.get(rule_id)
            if meta is not None:
                cov = entry(meta)
                (cov.fired_by if rule_id in result.fired else cov.passed_by).append(result.case.id)
    return Coverage(sorted(by_rule.values(), key=lambda c: (c.rule, c.file)))


def _line_hits(rules: RuleSet) -> list[tuple[str, int, bool]]:
    """(rule id, policy line, ran) of each hit-marker of the module the rule set's functions were compiled in."""
    for _, fn in list(rules.spec_rules) + list(rules.repo_rules):
        namespace = getattr(fn, "__globals__", None) or {}
        hits, points = namespace.get("HITS"), namespace.get("POINTS", ())
        return [(rule_id, line, bool(hits[k])) for k, (rule_id, line) in enumerate(points)]
    return []

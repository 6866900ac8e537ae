"""Two runs on the same spec files -> what the rule-set change does (`Impact`): findings that appear and
disappear (matched by fingerprint, which does not depend on lines or severity), severity changes, counts per
rule and per service, rules added, removed or re-severitied, and the waivers and baseline entries that the
change makes unnecessary or newly needed.

Only active findings count (those no suppression, waiver or baseline accepts): a finding that a waiver accepts
on one side and not on the other appears or disappears. The findings about the exceptions themselves
(`EXCEPTION_CODES`) are compared apart, by rule, file and message (a waivers file has no fingerprinted nodes).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..findings import Finding, RuleInfo, RunResult, Severity

# Findings that say an exception is of no use: appearing, the change made it unnecessary; disappearing, the
# change made an idle one needed.
EXCEPTION_CODES = ("WAIVER-UNUSED", "WAIVER-UNKNOWN-RULE", "BASELINE-STALE", "BASELINE-UNKNOWN-RULE")


@dataclass(frozen=True)
class SeverityChange:
    finding: Finding  # as the working tree reports it
    before: Severity


@dataclass(frozen=True)
class Count:
    key: str  # a rule id, or a service id (`(file) PATH` for findings outside any service)
    base: int
    head: int


@dataclass
class Impact:
    base: RunResult
    head: RunResult
    new: list[Finding] = field(default_factory=list)
    gone: list[Finding] = field(default_factory=list)
    severity_changed: list[SeverityChange] = field(default_factory=list)
    by_rule: list[Count] = field(default_factory=list)
    by_service: list[Count] = field(default_factory=list)
    rules_added: list[RuleInfo] = field(default_factory=list)
    rules_removed: list[RuleInfo] = field(default_factory=list)
    rules_severity_changed: list[tuple[RuleInfo, Severity]] = field(default_factory=list)  # (head info, base severity)
    unnecessary: list[Finding] = field(default_factory=list)  # exception findings the change brings
    newly_needed: list[Finding] = field(default_factory=list)  # exception findings the change removes

    def introduces(self, threshold: Severity) -> list[Finding]:
        """Findings the change brings at or above `threshold`: new ones, and ones raised to it."""
        raised = [c.finding for c in self.severity_changed if c.finding.severity >= threshold > c.before]
        return [f for f in self.new if f.severity >= threshold] + raised


def compare(base: RunResult, head: RunResult) -> Impact:
    impact = Impact(base, head)
    base_active = [f for f in base.active() if f.rule not in EXCEPTION_CODES]
    head_active = [f for f in head.active() if f.rule not in EXCEPTION_CODES]
    _match(impact, base_active, head_active)
    impact.by_rule = _counts(base_active, head_active, lambda f: f.rule)
    impact.by_service = _counts(base_active, head_active, lambda f: f.service or f"(file) {f.path}")
    _rules(impact, base.rules, head.rules)
    base_exc = _exception_keys(base)
    head_exc = _exception_keys(head)
    impact.unnecessary = [f for key, f in head_exc.items() if key not in base_exc]
    impact.newly_needed = [f for key, f in base_exc.items() if key not in head_exc]
    return impact


def _match(impact: Impact, base: list[Finding], head: list[Finding]) -> None:
    """Pair findings by fingerprint, in order (several findings may share one); the rest are new or gone."""
    waiting: dict[str, list[Finding]] = {}
    for f in sorted(base, key=Finding.sort_key, reverse=True):
        waiting.setdefault(f.fingerprint, []).append(f)
    for f in sorted(head, key=Finding.sort_key):
        same = waiting.get(f.fingerprint)
        if not same:
            impact.new.append(f)
            continue
        before = same.pop()
        if before.severity != f.severity:
            impact.severity_changed.append(SeverityChange(f, before.severity))
    impact.gone = sorted((f for left in waiting.values() for f in left), key=Finding.sort_key)


def _counts(base: list[Finding], head: list[Finding], key) -> list[Count]:  # type: ignore[no-untyped-def]
    before, after = Counter(map(key, base)), Counter(map(key, head))
    return [Count(k, before[k], after[k]) for k in sorted(set(before) | set(after)) if before[k] != after[k]]


def _rules(impact: Impact, base: dict[str, RuleInfo], head: dict[str, RuleInfo]) -> None:
    """Pack rules in force on one side only, or at another severity (the engine's own codes never differ)."""
    def pack_rules(infos: dict[str, RuleInfo]) -> dict[str, RuleInfo]:
        return {k: v for k, v in infos.items() if v.pack not in ("engine", "lint")}

    before, after = pack_rules(base), pack_rules(head)
    impact.rules_added = [after[k] for k in sorted(set(after) - set(before))]
    impact.rules_removed = [before[k] for k in sorted(set(before) - set(after))]
    impact.rules_severity_changed = [(after[k], before[k].severity) for k in sorted(set(before) & set(after))
                              if before[k].severity != after[k].severity]


def _exception_keys(result: RunResult) -> dict[tuple[str, str, str], Finding]:
    return {(f.rule, f.path, f.message): f for f in result.findings if f.rule in EXCEPTION_CODES}

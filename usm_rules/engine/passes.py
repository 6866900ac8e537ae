"""The post-passes over a run's findings, in order: dated ramps (`ramp_pass`: severities before an enforcement
day), inline suppressions, waivers, baseline.

Each is a function `list[Finding] -> list[Finding]` made for one run (`suppression_pass`, `waiver_pass`,
`baseline_pass`): it marks the findings it accepts as suppressed (they stay in JSON and SARIF) and adds the
findings about itself (an unused suppression, an expired waiver, a stale baseline entry). A pass reports an
exception as unused only when this run could have used it: its rule ran and its file or service was checked.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable

from ..codes import engine_codes
from ..findings import Finding, Span
from ..suggest import did_you_mean
from ..textsafe import visible
from .bind import RuleSet
from .locate import FileId, file_finding

Pass = Callable[[list[Finding]], list[Finding]]


def _emit(rule: str, file: FileId, message: str, span: Span, key: str) -> Finding:
    return file_finding(engine_codes()[rule], file, message, span, key)


def ramp_pass(rules: RuleSet, as_of: Any) -> Pass:
    """Findings of rules with a dated ramp (usm_rules/ramp.py): before the day, one severity lower and a message
    that says when the full severity applies; always, the schedule (`enforcement`). Fingerprints do not change."""
    from ..ramp import lowered, suffix

    def apply(findings: list[Finding]) -> list[Finding]:
        out = []
        for f in findings:
            ramp = rules.ramps.get(f.rule)
            if ramp is not None:
                schedule = (ramp.day.isoformat(), ramp.severity.label)
                if ramp.active(as_of) and f.severity > lowered(f.severity):
                    f = dataclasses.replace(f, severity=lowered(f.severity), enforcement=schedule,
                                            message=f.message + suffix(f.severity, ramp.day))
                else:
                    f = dataclasses.replace(f, enforcement=schedule)
            out.append(f)
        return out

    return apply


def suppression_pass(commented: Iterable[Any], rules: RuleSet, require_reason: bool) -> Pass:
    """Inline `# usm-rules: ignore[...]` comments; `commented` are the FileResults of files that have some."""
    by_file = {r.file.identity: (r.file, r.suppressions, r.malformed) for r in commented if r.file is not None}

    def apply(findings: list[Finding]) -> list[Finding]:
        if not by_file:
            return findings
        known = set(rules.metas) | set(engine_codes())
        out = [_suppressed_inline(f, by_file.get(f.path), require_reason) for f in findings]
        for file, sups, malformed in by_file.values():
            for bad in malformed:
                out.append(_emit("SUPPRESSION-INVALID", file, bad.message, bad.span,
                                 f"{bad.span.line}:{bad.message}"))
            for sup in sups:
                out.extend(_suppression_findings(file, sup, rules, known, require_reason))
        return out

    return apply


def _suppressed_inline(f: Finding, entry: Any, require_reason: bool) -> Finding:
    if entry is None or f.suppressed is not None:
        return f
    for sup in entry[1]:
        if require_reason and not sup.reason:
            continue
        if sup.covers(f.rule, f.line):
            sup.used.add(f.rule)
            return dataclasses.replace(f, suppressed=f"inline: {sup.reason}" if sup.reason else "inline")
    return f


def _suppression_findings(file: FileId, sup: Any, rules: RuleSet, known: set[str],
                          require_reason: bool) -> list[Finding]:
    where, line = sup.span, sup.span.line
    if require_reason and not sup.reason:
        return [_emit("SUPPRESSION-INVALID", file, "this suppression gives no reason, and the config requires one",
                      where, f"{line}:reason")]
    out = []
    for rule in sup.rules:
        if rule not in known:
            out.append(_emit("SUPPRESSION-INVALID", file, f"`{visible(rule)}` is not a known rule"
                             f"{did_you_mean(rule, sorted(known))}", where, f"{line}:{rule}"))
        elif (rule in rules.severities or rule in engine_codes()) and rule not in sup.used:
            scope = "this file" if sup.file_level else "this line"
            out.append(_emit("SUPPRESSION-UNUSED", file, f"nothing on {scope} is suppressed by `ignore[{rule}]`",
                             where, f"{line}:{rule}"))
    return out


def waiver_pass(waivers: list[Any], source: FileId, rules: RuleSet, checked: list[FileId], services: set[str],
                as_of: Any, warn_within: int | None) -> Pass:
    """Waivers from `source`: live ones suppress what they match; expired, unused and expiring ones are
    reported. `checked` and `services` are the files and service ids this run reported on."""
    def could_have_matched(w: Any) -> bool:
        # pre-commit passes a few files; --select and --changed-since narrow a run
        if w.rule not in rules.severities and w.rule not in engine_codes():
            return False
        if w.service is not None:
            return w.service in services
        return any(w.could_match_file(f.identity) for f in checked)

    def apply(findings: list[Finding]) -> list[Finding]:
        out = [_waived(f, waivers, as_of) for f in findings]
        for w in waivers:
            where = (Span(w.span.line, w.span.column, w.span.line, w.span.column + 1), f"{w.index}")
            days = (w.expires - as_of).days
            not_in_set = _not_in_rule_set(w.rule, rules)
            if not_in_set is not None:
                span = w.rule_location.span if w.rule_location else where[0]
                out.append(_emit("WAIVER-UNKNOWN-RULE", source, f"{w.describe()} can never be used: {not_in_set}",
                                 span, where[1]))
            elif days < 0:
                out.append(_emit("WAIVER-EXPIRED", source, f"{w.describe()} expired on {w.expires.isoformat()}: "
                                 "its findings are reported again", *where))
            elif not w.used and could_have_matched(w):
                out.append(_emit("WAIVER-UNUSED", source, f"{w.describe()} matches no finding", *where))
            elif w.used and warn_within is not None and days <= warn_within:
                out.append(_emit("WAIVER-EXPIRING", source, f"{w.describe()} expires in {days} day"
                                 f"{'' if days == 1 else 's'} ({w.expires.isoformat()})", *where))
        return out

    return apply


def _waived(f: Finding, waivers: list[Any], as_of: Any) -> Finding:
    if f.suppressed is not None:
        return f
    for w in waivers:
        if w.matches(f.rule, f.service, f.path, f.pointer):
            w.used = True
            if w.expires >= as_of:
                return dataclasses.replace(f, suppressed=w.note())
    return f


def baseline_pass(baseline: Any, source: FileId, rules: RuleSet, checked: set[str]) -> Pass:
    """Mark the findings the baseline accepts (a baseline counts: several findings may share a fingerprint),
    and report entries that nothing matched, for files this run checked and rules that ran."""
    from ..baseline import stale_message

    def apply(findings: list[Finding]) -> list[Finding]:
        out: list[Finding] = []
        # Sorted, so that when there are more findings of a fingerprint than baselined, the later ones are new.
        for f in sorted(findings, key=Finding.sort_key):
            if f.suppressed is None and baseline.take(f.fingerprint):
                f = dataclasses.replace(f, suppressed="baseline")
            out.append(f)
        out.extend(_baseline_unknown_rules(baseline, source, rules))
        for entry, left in baseline.remaining():
            if entry.rule not in rules.infos or entry.file not in checked:
                continue  # its rule did not run, or its file was not part of this run (pre-commit, --changed-since)
            where = entry.location
            out.append(_emit("BASELINE-STALE", source, stale_message(entry, left), where.span, entry.fingerprint))
        return out

    return apply


def _not_in_rule_set(rule: str, rules: RuleSet) -> str | None:
    """Why an exception naming `rule` can never be used by this rule set (None: it can, or the caller's own
    --select/--ignore left the rule out of a partial run)."""
    if rule in rules.metas or rule in engine_codes():
        off = rules.switched_off.get(rule)
        return None if off is None else f"rule {rule} is switched off ({off})"
    return f"no loaded policy defines rule `{visible(rule)}`{did_you_mean(rule, sorted(rules.metas))}"


def _baseline_unknown_rules(baseline: Any, source: FileId, rules: RuleSet) -> list[Finding]:
    """One BASELINE-UNKNOWN-RULE per rule that baseline entries name and this rule set can never run, at the
    first such entry (a removed rule may leave thousands of entries)."""
    by_rule: dict[str, list[Any]] = {}
    for entry in baseline.entries.values():
        by_rule.setdefault(entry.rule, []).append(entry)
    out = []
    for rule in sorted(by_rule):
        why = _not_in_rule_set(rule, rules)
        if why is None:
            continue
        entries = sorted(by_rule[rule], key=lambda e: (e.location.line, e.location.column))
        count = sum(e.count for e in entries)
        first = entries[0].location
        out.append(_emit("BASELINE-UNKNOWN-RULE", source, f"baseline entries of rule {visible(rule)} ({count} finding"
                         f"{'' if count == 1 else 's'}) can never match again: {why}",
                         Span(first.line, first.column, first.line, first.column + 1), rule))
    return out

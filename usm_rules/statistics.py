"""`check --statistics`: how many active findings each rule has, like `ruff --statistics`.

Text is one line per rule, most findings first (then by rule id): the count, right-aligned, the rule id, its
severity and title. JSON is a list of `{"rule", "severity", "title", "count"}` in the same order. Suppressed
findings are not counted, as they do not fail a run. Titles come from policies: they are printed through
`textsafe.printable` like every other text.
"""
from __future__ import annotations

from dataclasses import dataclass

from .findings import RunResult
from .textsafe import printable


@dataclass(frozen=True, slots=True)
class RuleCount:
    rule: str
    severity: str
    title: str
    count: int


def count_by_rule(result: RunResult) -> list[RuleCount]:
    """Active findings per rule (and severity: a rule re-severitied per finding counts once per severity)."""
    counts: dict[tuple[str, str], int] = {}
    titles: dict[str, str] = {}
    for f in result.active():
        key = (f.rule, f.severity.label)
        counts[key] = counts.get(key, 0) + 1
        titles.setdefault(f.rule, f.title)
    rows = [RuleCount(rule, severity, titles[rule], n) for (rule, severity), n in counts.items()]
    return sorted(rows, key=lambda r: (-r.count, r.rule, r.severity))


def render_statistics(result: RunResult, fmt: str = "text") -> str:
    rows = count_by_rule(result)
    if fmt == "json":
        from .reporters.json_ import dumps

        return dumps([{"rule": r.rule, "severity": r.severity, "title": r.title, "count": r.count}
                      for r in rows]) + "\n"
    if not rows:
        return "No findings.\n"
    count_width = max(len(str(r.count)) for r in rows)
    rule_width = max(len(r.rule) for r in rows)
    lines = [f"{r.count:>{count_width}}  {printable(r.rule):<{rule_width}}  {r.severity:<7}  {printable(r.title)}"
             for r in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"

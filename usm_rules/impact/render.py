"""A `DiffRun` as text (terminal), JSON (`format_version` 1, documented in docs/governance.md) or markdown (a
pull-request comment). Pure functions; everything that comes from a spec or a policy is escaped for the
format (`visible`/`printable` for text, `dumps` for JSON, `_cell` for markdown tables)."""
from __future__ import annotations

from typing import Any, Callable

from ..findings import Finding
from ..reporters.json_ import dumps, finding_dict
from ..textsafe import printable, visible
from . import DiffRun
from .compare import Count, Impact

FORMAT_VERSION = 1
HEAD = "working tree"


def _short(run: DiffRun) -> str:
    return run.commit[:12]


def _totals(findings: list[Finding]) -> dict[str, int]:
    out = {"findings": 0, "error": 0, "warning": 0, "info": 0}
    for f in findings:
        out["findings"] += 1
        out[f.severity.label] += 1
    return out


def _counted(impact: Impact) -> tuple[dict[str, int], dict[str, int]]:
    from .compare import EXCEPTION_CODES

    def active(findings: list[Finding]) -> list[Finding]:
        return [f for f in findings if f.suppressed is None and f.rule not in EXCEPTION_CODES]

    return _totals(active(impact.base.findings)), _totals(active(impact.head.findings))


# -- text ----------------------------------------------------------------------------------------------------

def _line(f: Finding, severity: str | None = None) -> str:
    return printable(f"{f.file}:{f.line}:{f.column}: {severity or f.severity.label} {f.rule} {f.message}")


def render_text(run: DiffRun) -> str:
    impact = run.impact
    base, head = _counted(impact)
    out = [printable(f"Rule-set change: base `{run.ref}` ({_short(run)}) -> {HEAD}"),
           f"Findings: {base['findings']} -> {head['findings']} ({len(impact.new)} new, {len(impact.gone)} gone, "
           f"{len(impact.severity_changed)} with another severity)"]
    _section(out, "Rules added", [f"{r.id} ({r.severity.label}): {visible(r.title)}" for r in impact.rules_added])
    _section(out, "Rules removed", [f"{r.id} ({r.severity.label}): {visible(r.title)}" for r in impact.rules_removed])
    _section(out, "Rules with another severity",
             [f"{r.id}: {before.label} -> {r.severity.label}" for r, before in impact.rules_severity_changed])
    _section(out, "New findings", [_line(f) for f in impact.new])
    _section(out, "Gone findings", [_line(f) for f in impact.gone])
    _section(out, "Findings with another severity",
             [_line(c.finding, f"{c.before.label} -> {c.finding.severity.label}") for c in impact.severity_changed])
    _table(out, "By rule", "rule", impact.by_rule)
    _table(out, "By service", "service", impact.by_service)
    _section(out, "Waivers and baseline entries the change makes unnecessary", [_line(f) for f in impact.unnecessary])
    _section(out, "Waivers and baseline entries the change newly needs", [_line(f) for f in impact.newly_needed])
    return "\n".join(out) + "\n"


def _section(out: list[str], title: str, lines: list[str]) -> None:
    if lines:
        out += ["", f"{title} ({len(lines)}):"] + [f"  {line}" for line in lines]


def _change(c: Count) -> str:
    return f"{c.head - c.base:+d}"


def _table(out: list[str], title: str, what: str, counts: list[Count]) -> None:
    if not counts:
        return
    names = [printable(c.key) for c in counts]
    width = max(len(what), *(len(n) for n in names))
    out += ["", f"{title}:", f"  {what:<{width}}  base  head  change"]
    out += [f"  {n:<{width}}  {c.base:>4}  {c.head:>4}  {_change(c):>6}" for n, c in zip(names, counts)]


# -- JSON ----------------------------------------------------------------------------------------------------

def render_json(run: DiffRun) -> str:
    impact = run.impact
    base, head = _counted(impact)

    def rule(r: Any) -> dict[str, str]:
        return {"id": r.id, "severity": r.severity.label, "title": r.title, "pack": r.pack}

    def counts(items: list[Count], key: str) -> list[dict[str, Any]]:
        return [{key: c.key, "base": c.base, "head": c.head} for c in items]

    document = {
        "tool": {"name": "usm-rules", "version": impact.head.tool_version},
        "format_version": FORMAT_VERSION,
        "base": {"ref": run.ref, "commit": run.commit},
        "summary": {"base": base, "head": head, "new": len(impact.new), "gone": len(impact.gone),
                    "severity_changed": len(impact.severity_changed)},
        "rules": {"added": [rule(r) for r in impact.rules_added],
                  "removed": [rule(r) for r in impact.rules_removed],
                  "severity_changed": [{**rule(r), "before": before.label}
                                       for r, before in impact.rules_severity_changed]},
        "new": [finding_dict(f) for f in impact.new],
        "gone": [finding_dict(f) for f in impact.gone],
        "severity_changed": [{**finding_dict(c.finding), "before": c.before.label} for c in impact.severity_changed],
        "by_rule": counts(impact.by_rule, "rule"),
        "by_service": counts(impact.by_service, "service"),
        "exceptions": {"unnecessary": [finding_dict(f) for f in impact.unnecessary],
                       "newly_needed": [finding_dict(f) for f in impact.newly_needed]},
    }
    return dumps(document) + "\n"


# -- markdown ------------------------------------------------------------------------------------------------

def _cell(text: str) -> str:
    """Spec or policy text in a table cell: visible, and every character that markdown or HTML would read
    (emphasis, links, code, tags, entities, the cell's pipe) escaped, so a spec cannot shape the comment."""
    text = visible(text).replace("\\", "\\\\").replace("&", "&amp;")
    for c in "`*_[]<>|~#!":
        text = text.replace(c, "\\" + c)
    return text


def _finding_rows(findings: list[Finding], severity: Callable[[Finding], str] = lambda f: f.severity.label,
                  ) -> list[str]:
    rows = ["| file | line | rule | severity | service | message |", "|---|---:|---|---|---|---|"]
    rows += [f"| {_cell(f.file)} | {f.line} | {f.rule} | {severity(f)} | {_cell(f.service or '')} | "
             f"{_cell(f.message)} |" for f in findings]
    return rows


def _details(out: list[str], title: str, rows: list[str], count: int) -> None:
    if count:
        out += ["", f"<details><summary>{title} ({count})</summary>", ""] + rows + ["", "</details>"]


def render_markdown(run: DiffRun) -> str:
    impact = run.impact
    base, head = _counted(impact)
    out = ["### usm-rules: impact of this rule-set change", "",
           f"Base {_cell(run.ref)} (`{_short(run)}`) compared with this change, on the same spec files.", "",
           "| | errors | warnings | info | findings |", "|---|---:|---:|---:|---:|",
           f"| base | {base['error']} | {base['warning']} | {base['info']} | {base['findings']} |",
           f"| this change | {head['error']} | {head['warning']} | {head['info']} | {head['findings']} |", "",
           f"**{len(impact.new)} new**, {len(impact.gone)} gone, {len(impact.severity_changed)} with another "
           "severity."]
    rules = [f"- added: {r.id} ({r.severity.label}) {_cell(r.title)}" for r in impact.rules_added]
    rules += [f"- removed: {r.id} ({r.severity.label}) {_cell(r.title)}" for r in impact.rules_removed]
    rules += [f"- severity: {r.id} {before.label} → {r.severity.label}" for r, before in impact.rules_severity_changed]
    if rules:
        out += ["", "#### Rules", ""] + rules
    if impact.by_rule or impact.by_service:
        out += ["", "#### Findings by rule and service", "", "| rule or service | base | this change | change |",
                "|---|---:|---:|---:|"]
        out += [f"| {_cell(c.key)} | {c.base} | {c.head} | {_change(c)} |" for c in impact.by_rule + impact.by_service]
    _details(out, "New findings", _finding_rows(impact.new), len(impact.new))
    _details(out, "Gone findings", _finding_rows(impact.gone), len(impact.gone))
    changed = {id(c.finding): c.before for c in impact.severity_changed}
    _details(out, "Findings with another severity",
             _finding_rows([c.finding for c in impact.severity_changed],
                           lambda f: f"{changed[id(f)].label} → {f.severity.label}"), len(impact.severity_changed))
    _details(out, "Waivers and baseline entries made unnecessary", _finding_rows(impact.unnecessary),
             len(impact.unnecessary))
    _details(out, "Waivers and baseline entries newly needed", _finding_rows(impact.newly_needed),
             len(impact.newly_needed))
    return "\n".join(out) + "\n"


RENDERERS: dict[str, Callable[[DiffRun], str]] = {"text": render_text, "json": render_json,
                                                   "markdown": render_markdown}

"""A GitHub Actions job summary (`$GITHUB_STEP_SUMMARY`, Markdown) from a `check --format json` report.

`python -m usm_rules.step_summary REPORT.json` prints it; the GitHub Action (`action.yml`, `action/run.sh`) appends
it to the summary, and any workflow can do the same. It shows the counts, then the active findings per rule and
per file (the files with most findings first, at most `MAX_FILES`); the findings themselves are in the SARIF
report and the annotations. Text from policies and file names is made printable (`textsafe.printable`) and
Markdown-escaped, so no spec or file name can add markup, links or HTML to the summary.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from .textsafe import printable

MAX_FILES = 20
REPORT_LIMIT = 1 << 30  # a JSON report of a large repository is large, but never unbounded
_MARKDOWN = {c: f"&#{ord(c)};" for c in "&<>|`*_[]()#!\\~"}


def cell(text: object) -> str:
    """`text` as inert Markdown table-cell text."""
    return "".join(_MARKDOWN.get(c, c) for c in printable(str(text)))


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render(report: dict[str, Any]) -> str:
    summary = report.get("summary", {})
    active = [f for f in report.get("findings", []) if f.get("suppressed") is None]
    where = f"{_plural(summary.get('files', 0), 'file')} ({_plural(summary.get('specs', 0), 'spec')})"
    out = ["## usm-rules", ""]
    if not active:
        out.append(f"No findings in {where}.")
    else:
        out.append(f"**{_plural(len(active), 'finding')}** ({_plural(summary.get('error', 0), 'error')}, "
                   f"{_plural(summary.get('warning', 0), 'warning')}, {summary.get('info', 0)} info) in {where}.")
    if summary.get("suppressed"):
        out[-1] += f" {summary['suppressed']} suppressed."
    if active:
        rules = Counter((f["rule"], f["severity"], f.get("title", "")) for f in active)
        out += ["", "| Rule | Severity | Findings | Title |", "|---|---|---:|---|"]
        for (rule, severity, title), count in sorted(rules.items(), key=lambda item: (-item[1], item[0])):
            out.append(f"| {cell(rule)} | {cell(severity)} | {count} | {cell(title)} |")
        files = Counter(f.get("path") or f.get("file", "") for f in active)
        out += ["", "| File | Findings |", "|---|---:|"]
        ranked = sorted(files.items(), key=lambda item: (-item[1], item[0]))
        for path, count in ranked[:MAX_FILES]:
            out.append(f"| {cell(path)} | {count} |")
        if len(ranked) > MAX_FILES:
            out.append(f"| … and {len(ranked) - MAX_FILES} more | |")
    tool = report.get("tool", {})
    out += ["", f"<sub>usm-rules {cell(tool.get('version', ''))}</sub>", ""]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m usm_rules.step_summary REPORT.json", file=sys.stderr)
        return 2
    from .files import FileRefused, read_bounded

    try:
        report = json.loads(read_bounded(argv[0], REPORT_LIMIT).decode("utf-8"))
    except (FileRefused, ValueError) as err:
        print(f"usm-rules: cannot read the JSON report `{printable(argv[0])}`: {printable(str(err))}", file=sys.stderr)
        return 2
    sys.stdout.write(render(report if isinstance(report, dict) else {}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

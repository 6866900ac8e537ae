"""`--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

A JSON array with one object per active finding (suppressed ones are left out), in finding order:
`description` (the message), `check_name` (the rule id), `fingerprint`, `severity`, and `location` with
`path` (as given, a leading `./` dropped) and `lines.begin` / `lines.end`.

Severities: error -> `major`, warning -> `minor`, info -> `info`; `critical` and `blocker` are not used.

GitLab keeps only the first issue of each fingerprint, so fingerprints must be unique in a report. The
finding's own fingerprint (rule, file, pointer and value; stable across re-formatting) is used; when two
findings share one (the same value at the same pointer in two documents of one file), the second and later
get `-2`, `-3`, ... appended.
"""
from __future__ import annotations

import json
from typing import Any

from ..findings import Finding, RunResult, Severity, unique_fingerprints

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _path(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path


def _issue(f: Finding, fingerprint: str) -> dict[str, Any]:
    begin = max(1, f.line)
    return {
        "description": f.message,
        "check_name": f.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[f.severity],
        "location": {"path": _path(f.file), "lines": {"begin": begin, "end": max(begin, f.end_line)}},
    }


def render(result: RunResult, options: object = None) -> str:
    findings = sorted(result.active(), key=Finding.sort_key)
    issues = [_issue(f, fp) for f, fp in zip(findings, unique_fingerprints(findings))]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

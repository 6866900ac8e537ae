"""`--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`).

A JSON array with one object per active finding (suppressed ones are left out), in finding order:
`description` (the message), `check_name` (the rule id), `fingerprint`, `severity`, and `location` with
`path` (`Finding.path`: relative to the project root, posix, so that GitLab can link it to the repository
whatever directory the tool ran in; a leading `./` dropped) and `lines.begin` / `lines.end`.

The description is shown to people in merge requests: it goes through `textsafe.printable`, as in every other
format. The path is exact (GitLab must find the file); the JSON text escapes control, bidi and separator
characters in it, and a name that is not UTF-8 is written as `visible` shows it (see `json_.dumps`).

Severities: error -> `major`, warning -> `minor`, info -> `info`; `critical` and `blocker` are not used.

GitLab keeps only the first issue of each fingerprint, so fingerprints must be unique in a report. The
finding's own fingerprint (rule, file, pointer and value; stable across re-formatting) is used; when two
findings share one (the same value at the same pointer in two documents of one file), the second and later
get `-2`, `-3`, ... appended.
"""
from __future__ import annotations

from typing import Any

from ..findings import Finding, RunResult, Severity, unique_fingerprints
from ..textsafe import printable
from . import ci_path
from .json_ import dumps

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def _issue(f: Finding, fingerprint: str) -> dict[str, Any]:
    begin = max(1, f.line)
    return {
        "description": printable(f.message),
        "check_name": f.rule,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[f.severity],
        "location": {"path": ci_path(f.path), "lines": {"begin": begin, "end": max(begin, f.end_line)}},
    }


def render(result: RunResult, options: object = None) -> str:
    findings = sorted(result.active(), key=Finding.sort_key)
    issues = [_issue(f, fp) for f, fp in zip(findings, unique_fingerprints(findings))]
    return dumps(issues) + "\n"

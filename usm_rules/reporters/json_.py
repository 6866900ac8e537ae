"""`--format json`: one deterministic object (DESIGN §5).

Each finding is `Finding.to_dict()` plus two keys:

- `path` (after `file`): the file relative to the project root, posix — what fingerprints, baselines, waivers
  and the CI formats use; `file` stays as it was given on the command line.
- `related` (last, only when there are any): other places in the same file that explain the finding, e.g. the
  anchor of a node reached through a YAML alias: `[{"line", "column", "end_line", "end_column", "message"}]`.

A finding of a rule on a dated enforcement ramp (docs/policy-language.md) also has `enforcement` (after
`suppressed`): `{"from": "YYYY-MM-DD", "severity": the rule's full severity}`; other findings have no such key.

Values are exact: a JSON reader gets back the message or file name as it was. The bytes are safe to print
anyway: besides the C0 controls `json` escapes, every character `textsafe.visible` would escape (DEL, C1, bidi
controls, zero-width characters, U+2028/U+2029), and the `#` that starts a CI log command (`##[`, `##vso[`),
is written as a `\\uXXXX` escape. The one value that cannot
be carried exactly is a lone surrogate (a file name that is not UTF-8): no UTF-8 file, and no strict JSON
reader, can hold one, so it is written as `visible` shows it (`\\xff` for the undecodable byte 0xff), the
same text the other formats print.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..findings import Finding, RunResult
from ..textsafe import UNSAFE_BEYOND_C0, visible


def _escape(match: re.Match[str]) -> str:
    c = match.group()
    if "\ud800" <= c <= "\udfff":
        return json.dumps(visible(c))[1:-1]  # `\\xff`: the escape text, itself JSON-escaped
    return f"\\u{ord(c):04x}"


def dumps(value: Any, indent: int | None = 2) -> str:
    """`json.dumps` whose output carries no control, bidi, separator or surrogate character (see above).

    Such characters only ever occur inside strings in `json.dumps` output, where a `\\uXXXX` escape means
    the same character, so escaping them in the finished text keeps the document valid and its values equal.
    """
    return UNSAFE_BEYOND_C0.sub(_escape, json.dumps(value, indent=indent, ensure_ascii=False))


def finding_dict(f: Finding) -> dict[str, Any]:
    """The JSON object of one finding: `to_dict()` with `path` and `related` (see above)."""
    item: dict[str, Any] = {}
    for key, value in f.to_dict().items():
        item[key] = value
        if key == "file":
            item["path"] = f.path
    if f.related:
        item["related"] = [{"line": span.line, "column": span.column, "end_line": span.end_line,
                            "end_column": span.end_column, "message": message} for span, message in f.related]
    return item


def render(result: RunResult, options: object = None) -> str:
    # Rendered finding by finding (the same text `json.dumps(document, indent=2)` gives), so that a large
    # run never holds every finding as a dict and as text at once.
    head = {
        "tool": {"name": "usm-rules", "version": result.tool_version},
        "format_version": 1,
        "summary": result.summary().to_dict(),
    }
    text = dumps(head)[:-2]  # without the closing "\n}"
    if not result.findings:
        return text + ',\n  "findings": []\n}\n'
    parts = [text, ',\n  "findings": [\n']
    last = len(result.findings) - 1
    for i, finding in enumerate(result.findings):
        item = dumps(finding_dict(finding))
        parts.append("    " + item.replace("\n", "\n    "))
        parts.append(",\n" if i < last else "\n")
    parts.append("  ]\n}\n")
    return "".join(parts)

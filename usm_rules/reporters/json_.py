"""`--format json`: one deterministic object (DESIGN §5)."""
from __future__ import annotations

import json

from ..findings import RunResult


def render(result: RunResult, options: object = None) -> str:
    # Rendered finding by finding (the same text `json.dumps(document, indent=2)` gives), so that a large
    # run never holds every finding as a dict and as text at once.
    head = {
        "tool": {"name": "usm-rules", "version": result.tool_version},
        "format_version": 1,
        "summary": result.summary().to_dict(),
    }
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2]  # without the closing "\n}"
    if not result.findings:
        return text + ',\n  "findings": []\n}\n'
    parts = [text, ',\n  "findings": [\n']
    last = len(result.findings) - 1
    for i, finding in enumerate(result.findings):
        item = json.dumps(finding.to_dict(), indent=2, ensure_ascii=False)
        parts.append("    " + item.replace("\n", "\n    "))
        parts.append(",\n" if i < last else "\n")
    parts.append("  ]\n}\n")
    return "".join(parts)

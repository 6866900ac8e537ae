"""`--format json`: one deterministic object (DESIGN §5)."""
from __future__ import annotations

import json

from ..findings import RunResult


def render(result: RunResult, options: object = None) -> str:
    document = {
        "tool": {"name": "usm-rules", "version": result.tool_version},
        "format_version": 1,
        "summary": result.summary().to_dict(),
        "findings": [f.to_dict() for f in result.findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

"""Baselines: the fingerprints of findings accepted as they are, so that only new findings are reported.

Fingerprints do not depend on lines or layout (see findings.fingerprint), so re-formatting or re-ordering
a spec keeps its baseline valid.
"""
from __future__ import annotations

import json
from pathlib import Path

from .errors import ConfigError
from .findings import Finding

FORMAT_VERSION = 1


def render(findings: list[Finding], tool_version: str) -> str:
    entries = sorted({(f.fingerprint, f.rule, f.file, f.pointer) for f in findings if f.suppressed is None})
    doc = {"tool": "usm-rules", "version": tool_version, "format_version": FORMAT_VERSION,
           "findings": [{"fingerprint": fp, "rule": r, "file": file, "pointer": p} for fp, r, file, p in entries]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(path: str) -> dict[str, dict]:
    """fingerprint -> entry; a missing or malformed file is a ConfigError naming it."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the baseline: {err.strerror or err}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}:{err.lineno}:{err.colno}: the baseline is not valid JSON: {err.msg}") from None
    if type(doc) is not dict or doc.get("format_version") != FORMAT_VERSION or type(doc.get("findings")) is not list:
        raise ConfigError(f"{path}: not a usm-rules baseline (create one with `usm-rules baseline create {path}`)")
    out = {}
    for entry in doc["findings"]:
        if type(entry) is dict and type(entry.get("fingerprint")) is str:
            out[entry["fingerprint"]] = entry
    return out

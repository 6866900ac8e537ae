"""`--format sarif`: SARIF 2.1.0, shaped for GitHub code scanning (and any other SARIF viewer).

One run with one tool component, `usm-rules`, with its `version` and `semanticVersion`, whose `rules` are
the rules that ran (sorted by id), each with a PascalCase `name`, the title as `shortDescription`, the
rationale as `fullDescription`, `help` in text and Markdown, `helpUri`, its default level and its tags.

`helpUri` is always absolute, so that a SARIF viewer can follow it: a rule's own absolute http(s) help URL,
or, for the built-in rules (whose help is `docs/rules.md#<id>`) and the engine's codes, that page where the
config's `help_base_url` says it is published (`ReportOptions.help_base_url`). With no such URL it is left
out and the help text names `usm-rules explain <id>` instead of a path no viewer can open. `informationUri`
is that same published page when it is known (the project has no public home page of its own to name), and
is left out otherwise.

Choices a reader of the output may want to know:

- Every finding is a result, suppressed ones included: those carry a suppression whose justification is
  `Finding.suppressed`: `inSource` for inline comments, `external` for waivers and baselines.
- Locations: `Finding.path` (the file relative to the project root, whatever directory the tool ran in),
  relative to `%SRCROOT%`, which `originalUriBaseIds` describes without an absolute URI so that the output
  names no local directory; a path with no project-relative form that is absolute becomes a `file://` URI
  with no base. URIs are RFC 3986 percent-encoded from the name's bytes (`%20`, `%23`, `%25`, `%3A`, UTF-8
  bytes; a name that is not UTF-8 keeps its own bytes). The region is the loader's, clamped so it is never
  empty or inverted; the JSON Pointer into the document is a logical location. Columns count Unicode code
  points, as the YAML loader does, which the run declares with `columnKind`. `Finding.related` places
  (e.g. the anchor of a node reached through a YAML alias) are `relatedLocations` in the same file.
- Text from specs shown to people (messages, pointers, service ids, suppression reasons) is passed through
  `textsafe.printable`, as in every other format; the JSON text escapes the rest (see `json_.dumps`).
- `partialFingerprints["usmRules/v1"]` is the finding's fingerprint. Two findings can share one (the same
  value at the same pointer in two documents of one file); the second and later get `-2`, `-3`, ... so code
  scanning does not merge them into one alert.
- Deterministic: results in finding order (file, line, column, rule), no timestamps, fixed key order.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit

from ..findings import Finding, RuleInfo, RunResult, Severity, Span, unique_fingerprints
from ..textsafe import printable, visible
from . import ReportOptions, ci_path
from .json_ import dumps

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
RULES_PAGE = "docs/rules.md"  # the built-in rules' `help` is `docs/rules.md#<id>`, relative to the project
ENGINE_ANCHOR = "#engine-findings"  # where docs/rules.md lists the engine's own codes
FINGERPRINT_KEY = "usmRules/v1"
SRCROOT = "%SRCROOT%"
# No absolute URI: the output stays the same on every machine, and names no local directory.
SRCROOT_DESCRIPTION = "The project root: relative result URIs are paths from it, in the repository's layout."

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:/")


def _pascal_case(title: str, fallback: str) -> str:
    """`Every SCO is measurable` -> `EverySCOIsMeasurable` (acronyms keep their capitals)."""
    words = re.findall(r"[^\W_]+", title)
    name = "".join(w[0].upper() + w[1:] for w in words)
    return name or "".join(re.findall(r"[^\W_]+", fallback)) or "Rule"


def _absolute_url(text: str) -> bool:
    if not text or any(c.isspace() or c in "<>" for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _help_uri(info: RuleInfo, base: str) -> str:
    """An absolute URL for the rule's documentation, or "" (see the module docstring)."""
    if _absolute_url(info.help):
        return info.help
    if not base:
        return ""
    if info.help.startswith(RULES_PAGE + "#"):
        return base + info.help[len(RULES_PAGE):]
    if info.pack == "engine" and not info.help:
        return base + ENGINE_ANCHOR
    return ""


def _help(info: RuleInfo, base: str) -> dict[str, str]:
    level = info.severity.label
    text = [info.title]
    markdown = [f"**{info.id}: {info.title}**"]
    if info.rationale:
        text.append(info.rationale)
        markdown.append(info.rationale)
    origin = f"Rule {info.id} from the `{info.pack}` pack; default severity {level}." if info.pack else (
        f"Rule {info.id}; default severity {level}.")
    text.append(origin)
    markdown.append(origin)
    uri = _help_uri(info, base)
    if uri:
        text.append(f"More: {uri}")
        markdown.append(f"[More about {info.id}](<{uri}>)")
    elif info.help.startswith(RULES_PAGE + "#") or info.pack == "engine":
        text.append(f"More: usm-rules explain {info.id}")
        markdown.append(f"More: `usm-rules explain {info.id}`")
    elif info.help:
        text.append(f"More: {info.help}")
        markdown.append(f"More: `{info.help.replace('`', '')}`")
    return {"text": "\n\n".join(text), "markdown": "\n\n".join(markdown)}


def _rule(info: RuleInfo, base: str) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": info.id,
        "name": _pascal_case(info.title, info.id),
        "shortDescription": {"text": info.title or info.id},
    }
    if info.rationale:
        rule["fullDescription"] = {"text": info.rationale}
    rule["help"] = _help(info, base)
    uri = _help_uri(info, base)
    if uri:
        rule["helpUri"] = uri
    rule["defaultConfiguration"] = {"level": _LEVELS[info.severity]}
    tags = list(dict.fromkeys(info.tags))
    if tags:
        rule["properties"] = {"tags": tags}
    return rule


def _percent_encoded(path: str, safe: str) -> str:
    """RFC 3986 percent-encoding of the file name's bytes: a name that is not UTF-8 keeps its own bytes."""
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no file name's bytes decode to
        raw = visible(path).encode("utf-8")
    return quote(raw, safe=safe)


def _artifact_location(path: str) -> dict[str, str]:
    # Everything but unreserved characters and `/` is percent-encoded, also `:` (a relative reference whose
    # first segment holds a colon would read as a scheme), `#`, `?`, `%`, spaces and non-ASCII bytes.
    if _WINDOWS_DRIVE.match(path):
        return {"uri": "file:///" + _percent_encoded(path, "/:")}
    if path.startswith("/"):
        return {"uri": "file://" + _percent_encoded(path, "/")}
    return {"uri": _percent_encoded(ci_path(path), "/"), "uriBaseId": SRCROOT}


def _region(span: Finding | Span) -> dict[str, int]:
    line = max(1, span.line)
    column = max(1, span.column)
    end_line = max(line, span.end_line)
    end_column = max(column, span.end_column) if end_line == line else max(1, span.end_column)
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


def _related(f: Finding, artifact: dict[str, str]) -> list[dict[str, Any]]:
    return [{"id": i, "physicalLocation": {"artifactLocation": dict(artifact), "region": _region(span)},
             "message": {"text": printable(message)}} for i, (span, message) in enumerate(f.related, 1)]


def _result(f: Finding, index: int, fingerprint: str) -> dict[str, Any]:
    artifact = _artifact_location(f.path)
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": _region(f)},
    }
    if f.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": printable(f.pointer)}]
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _LEVELS[f.severity],
        "message": {"text": printable(f.message)},
        "locations": [location],
    }
    if f.related:
        result["relatedLocations"] = _related(f, artifact)
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    if f.suppressed is not None:
        # An inline `# usm-rules: ignore[...]` lives in the spec itself; waivers and baselines outside it.
        kind = "inSource" if f.suppressed.startswith("inline") else "external"
        result["suppressions"] = [{"kind": kind, "justification": printable(f.suppressed)}]
    properties: dict[str, Any] = {"document": f.document}
    if f.service is not None:
        properties["service"] = printable(f.service)
    result["properties"] = properties
    return result


def render(result: RunResult, options: ReportOptions | None = None) -> str:
    base = (options or ReportOptions()).help_base_url
    findings = sorted(result.findings, key=Finding.sort_key)
    infos = dict(result.rules)
    for f in findings:  # a finding from a rule missing in `rules` still needs a descriptor to point at
        if f.rule not in infos:
            infos[f.rule] = RuleInfo(f.rule, f.severity, f.title, "")
    ids = sorted(infos)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    driver: dict[str, Any] = {"name": "usm-rules"}
    if result.tool_version:
        driver["version"] = result.tool_version
        driver["semanticVersion"] = result.tool_version
    if base:
        driver["informationUri"] = base
    driver["rules"] = [_rule(infos[rule_id], base) for rule_id in ids]
    fingerprints = unique_fingerprints(findings)
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"description": {"text": SRCROOT_DESCRIPTION}}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f, index[f.rule], fp) for f, fp in zip(findings, fingerprints)],
            }
        ],
    }
    return dumps(document) + "\n"

"""Findings and run results: pure data shared by the engine and every reporter."""
from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity `{text}` (expected error, warning or info)") from None


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based source range; end is exclusive of the character after the node."""

    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def length(self) -> int:
        """How many characters a caret underlines: the span's width on one line, else 1."""
        return self.end_column - self.column if self.end_line == self.line else 1


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What reporters, `usm-rules rules` and `explain` know of a code the tool can emit: a pack rule (pack =
    the policy's name), a finding of the engine itself (pack "engine") or a policy lint (pack "lint")."""

    id: str
    severity: Severity
    title: str
    pack: str
    rationale: str = ""
    help: str = ""
    tags: tuple[str, ...] = ()
    example: str = ""  # engine and lint codes: what makes it appear (pack rules keep theirs in the policy)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    title: str
    message: str
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    pointer: str
    document: int
    service: str | None
    fingerprint: str
    suppressed: str | None = None
    explain: tuple[tuple[str, str], ...] = ()  # (expression, value) pairs behind the finding, with --explain
    # The file relative to the project root, posix, however the path was typed and wherever the tool ran:
    # what identities (fingerprints, baselines, waivers) and CI reports (SARIF, GitLab) use. "" = as `file`.
    project_path: str = ""
    # Other places that explain the finding, e.g. the anchor of a node reached through a YAML alias:
    # (span, message) pairs in the same file.
    related: tuple[tuple[Span, str], ...] = ()
    # A dated ramp of the finding's rule: (the day it is enforced from, YYYY-MM-DD, the severity from then on).
    enforcement: tuple[str, str] | None = None

    @property
    def path(self) -> str:
        """The project-relative path (see `project_path`)."""
        return self.project_path or self.file

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule, self.document, self.pointer, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "title": self.title,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "pointer": self.pointer,
            "document": self.document,
            "service": self.service,
            "fingerprint": self.fingerprint,
            "suppressed": self.suppressed,
            **({"enforcement": {"from": self.enforcement[0], "severity": self.enforcement[1]}}
               if self.enforcement else {}),
            **({"explain": [{"expression": e, "value": v} for e, v in self.explain]} if self.explain else {}),
        }


def fingerprint(rule: str, file: str, pointer: str, value: Any, document: int = 0) -> str:
    """Stable identity of a finding: independent of lines, layout and key order.

    The offending value is hashed in a canonical JSON form, so re-formatting a spec (flow vs block style,
    re-ordered keys, comments) keeps the fingerprint, while changing the value itself makes a new one. The
    document index keeps two documents of one file apart.
    """
    from .digest import sha256  # only runs that have findings pay for it

    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    parts = (rule, file, pointer, canonical) if document == 0 else (rule, file, pointer, canonical, str(document))
    digest = sha256("\x1f".join(parts).encode("utf-8"))
    return digest.hexdigest()[:32]


def unique_fingerprints(findings: list[Finding]) -> list[str]:
    """The findings' fingerprints, in order, with `-2`, `-3`... added to repeats so every one is unique."""
    taken = {f.fingerprint for f in findings}
    seen: set[str] = set()
    out: list[str] = []
    for f in findings:
        fp = f.fingerprint
        if fp in seen:
            n = 2
            while f"{fp}-{n}" in taken or f"{fp}-{n}" in seen:
                n += 1
            fp = f"{fp}-{n}"
        seen.add(fp)
        out.append(fp)
    return out


def escape_pointer_token(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_from_parts(parts: tuple[str | int, ...] | list[str | int]) -> str:
    return "".join("/" + escape_pointer_token(p) for p in parts)


@dataclass(slots=True)
class Summary:
    files: int = 0
    specs: int = 0
    skipped: int = 0
    findings: int = 0
    error: int = 0
    warning: int = 0
    info: int = 0
    suppressed: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "files": self.files,
            "specs": self.specs,
            "skipped": self.skipped,
            "findings": self.findings,
            "error": self.error,
            "warning": self.warning,
            "info": self.info,
            "suppressed": self.suppressed,
        }


@dataclass(slots=True)
class RunResult:
    """Everything a reporter may show: sorted findings, counts, and the metadata of the rules that ran."""

    findings: list[Finding]
    files: int
    specs: int
    skipped: int
    rules: dict[str, RuleInfo] = field(default_factory=dict)
    tool_version: str = ""
    notices: list[str] = field(default_factory=list)  # what the user should know beyond the findings
    inputs: tuple[str, ...] = ()  # the spec files the run read (writers refuse to overwrite them)
    checked: tuple[str, ...] = ()  # project paths of the files reported on, clean ones too (JUnit, --show-files)

    def summary(self) -> Summary:
        s = Summary(files=self.files, specs=self.specs, skipped=self.skipped)
        for f in self.findings:
            if f.suppressed is not None:
                s.suppressed += 1
                continue
            s.findings += 1
            if f.severity is Severity.ERROR:
                s.error += 1
            elif f.severity is Severity.WARNING:
                s.warning += 1
            else:
                s.info += 1
        return s

    def active(self) -> list[Finding]:
        """The findings that no inline suppression, waiver or baseline accepted."""
        return [f for f in self.findings if f.suppressed is None]

    def failed(self, threshold: Severity = Severity.ERROR) -> bool:
        """Whether an active finding is at or above `threshold` (what makes `check` exit 1)."""
        return any(f.severity >= threshold for f in self.findings if f.suppressed is None)

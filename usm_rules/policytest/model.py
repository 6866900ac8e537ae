"""What a test file says, once read and validated, and what running one of its cases gave. Pure data."""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from ..errors import Located, UsmError
from ..findings import Finding


class TestFileError(UsmError):
    kind = "test"


@dataclass(frozen=True)
class Expectation:
    """One entry of a case's `expect`: a finding the case must give. None means "any"."""

    rule: str
    pointer: str | None
    message: str | None
    severity: str | None
    spec: int | None
    document: int | None
    where: Located

    def describe(self) -> str:
        text = self.rule + (f" {self.pointer}" if self.pointer is not None else "")
        extra = []
        if self.spec is not None:
            extra.append(f"spec {self.spec}")
        if self.document is not None:
            extra.append(f"document {self.document}")
        if self.severity is not None:
            extra.append(self.severity)
        if self.message is not None:
            extra.append(f"message ~ {self.message!r}")
        return text + (f" ({', '.join(extra)})" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "pointer": self.pointer, "message": self.message, "severity": self.severity,
                "spec": self.spec, "document": self.document, "line": self.where.line}


@dataclass(frozen=True)
class Origin:
    """Where a part of an assembled spec was written: the spec's parts under `spec_parts` are the node at
    `parts` of the loaded `document` of file `file` (the test file, or a `base_spec_file`)."""

    spec_parts: tuple
    document: Any
    parts: tuple
    file: str


@dataclass
class SpecSource:
    """One spec of a case: a file on disk, or data (inline or patched) with where each part was written."""

    file: str | None = None
    data: Any = None
    origins: list[Origin] = field(default_factory=list)


@dataclass
class Case:
    name: str
    file: str
    line: int
    column: int
    specs: list[SpecSource]
    expect: list[Expectation]
    expect_not: list[tuple[str, Located]]  # (rule id, prefix or `*`; where it is written)
    params: dict[str, dict[str, Any]]
    param_locations: dict[tuple[str, str], Located]
    as_of: _dt.date

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass
class TestFile:
    path: str
    policies: list[str]
    packs: tuple[str, ...]
    cases: list[Case]


@dataclass
class CaseResult:
    case: Case
    findings: list[tuple[Finding, int]]  # (finding, index of the case's spec it came from)
    missing: list[Expectation]
    unexpected: list[tuple[Finding, int]]
    matched: list[tuple[Expectation, Finding]]
    fired: set[str]
    passed_rules: set[str]  # rules that ran on a schema-valid spec of the case and gave no finding
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected

"""`usm-rules test`: policy unit tests that live beside the policies, and what they cover.

A test file is `<name>.test.yaml` next to `<name>.policy`:

    as_of: 2026-11-24                  # the date for date rules: runs are reproducible
    base_spec: {apiVersion: usm/v1, …} # a clean spec that cases patch (or base_spec_file: clean.yaml)
    cases:
      - name: provider two levels below hr
        patch: {/customers/0/valueMaturity/level: 4}   # a top-level key, or a JSON Pointer
        expect: ["USM-010 /customers/0/valueMaturity/level"]
        expect_not: ["CEMM"]

Each case runs the policies under test (by default the `.policy` file the test file is named after; else
`policies:` and `packs:`) on its spec through the engine's own functions — the schema check included, so
`SPEC-SCHEMA` findings count — and compares findings with `expect` (each entry must be matched by its own
finding; a rule named there must give no other finding) and `expect_not` (rule ids, prefixes, or `*` for every
rule not expected). Coverage records, per rule, whether some case made it fire and some case made it pass,
and which policy lines never ran.

Modules: `model` (the data), `reader` and `testfile` (reading and validating a test file), `specs` (a case's
specs, and the document the engine checks for an assembled one), `runner` (running cases, matching
expectations), `coverage`, `report` (text, JSON, JUnit). No printing here: the CLI renders a `TestRun`.
"""
from __future__ import annotations

from .coverage import Coverage, RuleCoverage
from .model import Case, CaseResult, Expectation, Origin, SpecSource, TestFile, TestFileError
from .report import failure_details, render_coverage, render_json, render_junit, render_text
from .runner import Runner, TestRun, match, run
from .testfile import load_test_file

__all__ = ["Case", "CaseResult", "Coverage", "Expectation", "Origin", "Runner", "RuleCoverage", "SpecSource",
           "TestFile", "TestFileError", "TestRun", "failure_details", "load_test_file", "match", "render_coverage",
           "render_json", "render_junit", "render_text", "run"]

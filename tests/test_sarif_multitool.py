"""SARIF read by Microsoft's own validator, `sarif-multitool validate` (npm `@microsoft/sarif-multitool`), when it
is installed: `npm install -g @microsoft/sarif-multitool`, or in the checkout (`node_modules/.bin`), or named by
`SARIF_MULTITOOL`. Skipped otherwise; the JSON Schema checks in test_reporters_ci.py always run.

With `help_base_url` the report gets neither an error nor a warning; without it, only the warning that the tool
has no `informationUri` (the project has no page of its own to name)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "cases" / "ci" / "project"


def _multitool() -> str | None:
    for candidate in (os.environ.get("SARIF_MULTITOOL"), shutil.which("sarif-multitool"),
                      str(ROOT / "node_modules" / ".bin" / "sarif-multitool")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


TOOL = _multitool()
pytestmark = pytest.mark.skipif(TOOL is None, reason="sarif-multitool is not installed (npm @microsoft/sarif-multitool)")


def _sarif(cwd: Path, out: Path, *paths: str) -> None:
    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--as-of", "2026-11-24", "-q", "-o", f"sarif:{out}", *paths])
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 1), result.stderr


def _validate(report: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """(level, rule) of every problem the multitool finds."""
    log = tmp_path / "validation.sarif"
    assert TOOL is not None
    done = subprocess.run([TOOL, "validate", str(report), "--output", str(log), "--log", "ForceOverwrite", "--quiet"],
                          capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    results = json.loads(log.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])
    return [(r.get("level", "warning"), r["ruleId"]) for r in results]


@pytest.mark.slow
def test_multitool_finds_nothing_to_say_with_help_base_url(tmp_path: Path) -> None:
    report = tmp_path / "run.sarif"
    _sarif(PROJECT, report, "specs")
    assert _validate(report, tmp_path) == []


@pytest.mark.slow
def test_multitool_finds_no_error_in_the_demo_specs_report(tmp_path: Path) -> None:
    report = tmp_path / "run.sarif"
    _sarif(ROOT, report, "specs")
    problems = _validate(report, tmp_path)
    assert [p for p in problems if p[0] == "error"] == []
    assert set(problems) <= {("warning", "SARIF2005")}  # no informationUri without help_base_url

"""`usm-rules test --coverage` (policytest.coverage): rules that fire and pass, policy lines run, minimums."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring
from usm_rules.policytest import Coverage, RuleCoverage

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/authoring")


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_authoring.test, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_coverage_reports_rules_and_lines_and_min_coverage_fails() -> None:
    code, out, err = invoke("--coverage", "--min-coverage", "30", str(CASES / "coverage"))
    assert code == 0, out + err
    lines = out.splitlines()
    table = lines[lines.index("Coverage:") + 2:lines.index("Coverage:") + 5]
    assert [line.split()[0] + " " + " ".join(line.split()[2:]) for line in table] == [
        "COV-001 yes yes 2/2",
        "COV-002 NO yes 1/4 14, 15, 16",  # the `when` ran; the require (both lines) and message never did
        "UNT-001 NO NO 0/1 6",  # a policy without any test file counts, too
    ]
    assert "Rules that fire and pass: 1/3 (33.3%); policy lines run: 3/7 (42.9%)" in out
    code, _, err = invoke("--min-coverage", "40", str(CASES / "coverage"))
    assert code == 1 and "rule coverage 33.3% is below --min-coverage 40%" in err
    code, _, err = invoke("--min-line-coverage", "50", str(CASES / "coverage"))
    assert code == 1 and "line coverage 42.9%" in err
    code, out, _ = invoke("--coverage", "--format", "json", str(CASES / "coverage"))
    cov = json.loads(out)["coverage"]
    assert cov["rule_coverage"] == 33.33
    assert cov["rules"][1] == {"rule": "COV-002", "file": (CASES / "coverage" / "cov.policy").as_posix(), "line": 10,
                               "fires": False, "passes": True, "fired_by": [],
                               "passed_by": [(CASES / "coverage" / "cov.test.yaml").as_posix() + "::clean",
                                             (CASES / "coverage" / "cov.test.yaml").as_posix() + "::no owner"],
                               "lines": 4, "lines_hit": 1, "missed_lines": [14, 15, 16]}


def test_a_rule_is_covered_when_it_both_fires_and_passes() -> None:
    both = RuleCoverage("A-1", "a.policy", 1, fired_by=["t::x"], passed_by=["t::y"], lines={2: True, 3: True})
    fires_only = RuleCoverage("A-2", "a.policy", 5, fired_by=["t::x"], lines={6: True, 7: False, 8: False})
    cov = Coverage([both, fires_only])
    assert (both.covered, fires_only.covered, fires_only.missed_lines) == (True, False, [7, 8])
    assert (cov.rule_percent, cov.hit_lines, cov.total_lines, cov.line_percent) == (50.0, 3, 5, 60.0)
    assert Coverage([]).rule_percent == Coverage([]).line_percent == 100.0

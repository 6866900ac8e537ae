"""`usm-rules test`: policy unit tests beside the policies, their reports, and coverage.

The built-in packs' own test files (policies/*.test.yaml) run here too: every rule must fire in some case
and pass in another.
"""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import policytest
from usm_rules import cli_authoring

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/authoring")
POLICIES = ROOT / "policies"


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in outputs are relative, as a user would type them


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli_authoring.test, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_the_built_in_packs_pass_their_own_tests_with_full_rule_coverage() -> None:
    run = policytest.run(["policies"], coverage=True)
    failures = ["\n".join([r.case.id] + policytest.failure_details(r)) for r in run.failed]
    assert not failures, "\n\n".join(failures)
    assert run.coverage is not None
    uncovered = [r.rule for r in run.coverage.rules if not r.covered]
    assert not uncovered, f"rules that no case makes both fire and pass: {uncovered}"
    assert {r.rule for r in run.coverage.rules} >= {"USM-010", "CEMM-002"}
    tested_packs = {Path(t.path).name.split(".")[0] for t in run.files}
    assert tested_packs == {p.stem for p in POLICIES.glob("*.policy")}, "every pack has a test file"


def test_every_feature_of_the_test_file_format() -> None:
    code, out, err = invoke("-v", str(CASES / "policytest"))
    assert code == 0, out + err
    assert out.count("PASSED") == 10
    assert out.endswith("10 passed in " + out.rsplit(" in ", 1)[1])


def test_findings_of_inline_and_patched_specs_point_into_the_test_file() -> None:
    code, out, _ = invoke("--format", "json", str(CASES / "policytest"))
    assert code == 0
    cases = {c["name"]: c for c in json.loads(out)["cases"]}
    test_file = (CASES / "policytest" / "team.test.yaml").as_posix()
    [finding] = cases["a draft owned by a person"]["findings"]
    # the owner came from the case's patch
    assert (finding["rule"], finding["file"], finding["line"], finding["column"]) == ("TEAM-001", test_file, 17, 55)
    [finding] = cases["each case has its own date"]["findings"]
    # the valueMaturity object came from the base spec
    assert (finding["file"], finding["line"], finding["pointer"]) == (test_file, 8, "/provider/valueMaturity")
    [finding] = cases["a spec file with several documents"]["findings"]
    assert (finding["file"], finding["line"], finding["document"]) == (
        (CASES / "policytest" / "specs" / "two-drafts.yaml").as_posix(), 4, 0)
    repo = [f for f in cases["repository rules see every spec of a case"]["findings"] if f["rule"] == "TEAM-002"]
    assert [(f["spec"], f["line"]) for f in repo] == [(0, 5), (1, 5)]


def test_failures_show_expected_against_found_and_exit_1() -> None:
    code, out, _ = invoke(str(CASES / "failing"))
    assert code == 1
    expected = (CASES / "failing" / "expected.txt").read_text(encoding="utf-8")
    assert re.sub(r" in \d+\.\d+s", " in 0.00s", out) == expected


def test_json_and_junit_reports() -> None:
    code, out, _ = invoke("--format", "json", str(CASES / "failing"))
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"] == {"files": 1, "cases": 4, "passed": 1, "failed": 3}
    wrong = next(c for c in doc["cases"] if c["name"] == "wrong pointer")
    assert wrong["outcome"] == "failed"
    assert wrong["missing"][0]["pointer"] == "/metadata" and wrong["unexpected"][0]["pointer"] == "/metadata/owner"
    assert doc["coverage"] is None
    code, out, _ = invoke("--format", "junit", str(CASES / "failing"))
    assert code == 1
    root = ET.fromstring(out)
    assert (root.tag, root.get("tests"), root.get("failures")) == ("testsuites", "4", "3")
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["passes", "wrong pointer", "a finding that must not be there",
                                              "one finding expected, none found"]
    failure = cases[1].find("failure")
    assert failure is not None and "- TEAM-001 /metadata" in (failure.text or "")


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    code, out, _ = invoke("--format", "junit", "--output", str(target), str(CASES / "policytest"))
    assert code == 0 and out == ""
    assert ET.parse(target).getroot().get("failures") == "0"


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


def test_malformed_test_files_are_located_errors_and_exit_2() -> None:
    code, out, err = invoke(str(CASES / "malformed"))
    assert code == 2 and out == ""
    assert err == (CASES / "malformed" / "expected.txt").read_text(encoding="utf-8")


def test_typos_in_rule_ids_are_errors(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text(
        'rule T-001 {\n  title "t"\n  severity error\n  require spec.metadata.id != "x"\n}\n')
    (tmp_path / "t.test.yaml").write_text(
        "as_of: 2026-01-01\ncases:\n  - name: a\n    spec: {}\n    expect: [T-01]\n    expect_not: [U, T-001]\n")
    code, _, err = invoke(str(tmp_path))
    assert code == 2
    assert ":5:14: `T-01` is not a rule of the policies under test; did you mean `T-001`?" in err
    assert ":6:18: `U` matches no rule of the policies under test" in err


def test_no_test_files_and_missing_paths_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke(str(tmp_path))
    assert code == 2 and "no test files" in err
    code, _, err = invoke(str(tmp_path / "nope"))
    assert code == 2 and "no such file or directory" in err


def test_a_policy_error_exits_2(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text('rule T-001 {\n  title "t"\n  severity error\n  require spec.metrc exists\n}\n')
    (tmp_path / "t.test.yaml").write_text("cases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    code, _, err = invoke(str(tmp_path))
    assert code == 2 and "t.policy:4:16: unknown field `metrc`" in err


def test_matching_rules() -> None:
    """Precise expectations take their finding first; a rule named in `expect` gives no other finding."""
    from usm_rules.errors import Located
    from usm_rules.findings import Finding, Severity

    def finding(rule: str, pointer: str) -> tuple[Finding, int]:
        return Finding(rule, Severity.ERROR, "t", "m", "f", 1, 1, 1, 2, pointer, 0, None, "x"), 0

    where = Located("f", 1, 1, "")
    bare = policytest.Expectation("A-1", None, None, None, None, None, where)
    precise = policytest.Expectation("A-1", "/x", None, None, None, None, where)
    case = policytest.Case("c", "f", 1, 1, [], [bare, precise], [("B", where)], {}, {}, None)  # type: ignore[arg-type]
    found = [finding("A-1", "/x"), finding("A-1", "/y"), finding("B-1", "/z"), finding("C-1", "/z")]
    missing, unexpected, matched = policytest.match(case, found)
    assert missing == [] and [f.rule for f, _ in unexpected] == ["B-1"]
    assert {(e.pointer, f.pointer) for e, f in matched} == {("/x", "/x"), (None, "/y")}
    missing, unexpected, _ = policytest.match(case, found[:1] + found[2:] + [finding("A-1", "/q")] * 2)
    assert missing == [] and [(f.rule, f.pointer) for f, _ in unexpected] == [("B-1", "/z"), ("A-1", "/q")]
    star = policytest.Case("c", "f", 1, 1, [], [], [("*", where)], {}, {}, None)  # type: ignore[arg-type]
    assert len(policytest.match(star, found)[1]) == 4


def test_discovery_walks_directories_and_skips_hidden_ones(tmp_path: Path) -> None:
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.test.yaml").write_text("cases: []\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.test.yml").write_text("cases: []\n")
    (tmp_path / "a" / "b.policy").write_text("")
    tests, policies = policytest.discover([str(tmp_path)])
    assert [os.path.relpath(t, tmp_path) for t in tests] == [os.path.join("a", "b.test.yml")]
    assert [os.path.relpath(p, tmp_path) for p in policies] == [os.path.join("a", "b.policy")]


def test_the_authoring_commands_fit_on_the_main_command_group() -> None:
    import click

    from usm_rules.cli import main

    clash = set(main.commands) & {c.name for c in cli_authoring.COMMANDS} - {
        name for name, c in main.commands.items() if c in cli_authoring.COMMANDS}
    assert not clash, f"commands already defined in cli.py: {clash}"
    group = click.Group("usm-rules", commands={**main.commands, **{c.name: c for c in cli_authoring.COMMANDS}})
    out = CliRunner().invoke(group, ["test", str(CASES / "policytest")])
    assert out.exit_code == 0, out.output
    helps = CliRunner().invoke(group, ["--help"]).output
    assert all(name in helps for name in ("test", "fmt", "lint", "init", "check"))

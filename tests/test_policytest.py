"""`usm-rules test` end to end: the command, its outputs and exit codes, and the shape of the package.

The built-in packs' own test files (policies/*.test.yaml) run here too: every rule must fire in some case
and pass in another. Each module of `usm_rules/policytest/` has its own test module as well
(test_policytest_testfile, _specs, _runner, _coverage, _report).
"""
from __future__ import annotations

import ast
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring, policytest

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


def test_every_module_of_the_package_is_small_and_so_is_every_function() -> None:
    for path in sorted((ROOT / "usm_rules" / "policytest").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= 400, f"{path.name} has more than 400 lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 60, f"{path.name}: {node.name} has {length} lines"

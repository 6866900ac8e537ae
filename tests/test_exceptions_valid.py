"""Waivers and baseline entries stay valid when the rule set changes: an exception naming a rule that no policy
defines, or that the config switches off, is reported (WAIVER-UNKNOWN-RULE, BASELINE-UNKNOWN-RULE); a rule left
out only by the caller's --select/--ignore is a partial run and is not reported."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import usm_rules

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "exceptions_valid"
HEATING = ROOT / "specs" / "heating-bad.yaml"
AS_OF = "2026-12-01"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(HEATING, tmp_path / "heating.yaml")
    shutil.copy(CASES / "waivers.yaml", tmp_path / "waivers.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(project: Path, config: str = "", **overrides: object) -> list[usm_rules.Finding]:
    (project / "usm-rules.toml").write_text(config)
    result = usm_rules.check(["heating.yaml"], config=project / "usm-rules.toml", as_of=AS_OF, **overrides)
    return [f for f in result.findings if f.rule.endswith("-UNKNOWN-RULE")]


def _lines(found: list[usm_rules.Finding]) -> list[str]:
    return [f"{f.file}:{f.line}:{f.column}: {f.severity.label} {f.rule} {f.message}" for f in found]


def test_a_waiver_naming_a_rule_no_policy_defines_is_reported_at_its_rule(project: Path) -> None:
    assert _lines(_check(project, waivers="waivers.yaml")) == [
        "waivers.yaml:2:11: warning WAIVER-UNKNOWN-RULE waiver 1 (USM-099 on service `svc-heating`) can never be "
        "used: no loaded policy defines rule `USM-099`; did you mean `USM-009`?"]


def test_a_waiver_naming_a_rule_the_config_switches_off_is_reported(project: Path) -> None:
    found = _check(project, '[rules.USM-011]\nseverity = "off"\n', waivers="waivers.yaml")
    assert _lines(found)[1] == (
        "waivers.yaml:7:11: warning WAIVER-UNKNOWN-RULE waiver 2 (USM-011 on service `svc-heating`) can never be "
        "used: rule USM-011 is switched off (the config sets `severity = \"off\"`)")


def test_a_waiver_naming_a_rule_the_config_ignores_is_reported(project: Path) -> None:
    found = _check(project, 'ignore = ["USM-011"]\n', waivers="waivers.yaml")
    assert [f.line for f in found] == [2, 7]
    assert found[1].message.endswith("rule USM-011 is switched off (the config's `select`/`ignore` leave it out)")


@pytest.mark.parametrize("overrides", [{"ignore": ["USM-011"]}, {"select": ["USM-010"]}])
def test_a_rule_left_out_by_the_callers_select_or_ignore_is_a_partial_run_not_reported(
        project: Path, overrides: dict) -> None:
    found = _check(project, waivers="waivers.yaml", **overrides)
    assert [f.line for f in found] == [2]  # only the rule nothing defines


def test_an_unknown_rule_waiver_does_not_stop_the_other_waivers(project: Path) -> None:
    (project / "usm-rules.toml").write_text("")
    result = usm_rules.check(["heating.yaml"], config=project / "usm-rules.toml", as_of=AS_OF, waivers="waivers.yaml")
    assert any(f.rule == "USM-010" and f.suppressed for f in result.findings)
    assert not any(f.rule == "USM-010" and f.suppressed is None for f in result.findings)


def _baseline(project: Path, rename: str) -> None:
    (project / "usm-rules.toml").write_text("")
    result = usm_rules.check(["heating.yaml"], config=project / "usm-rules.toml", as_of=AS_OF)
    from usm_rules.baseline import render

    text = render(result.findings, usm_rules.__version__).replace(f'"rule": "{rename}"', '"rule": "USM-099"')
    (project / "baseline.json").write_text(text)


def test_baseline_entries_naming_a_removed_rule_are_one_finding_per_rule(project: Path) -> None:
    _baseline(project, "USM-011")
    found = _check(project, baseline="baseline.json")
    assert [(f.rule, f.severity.label, f.message) for f in found] == [
        ("BASELINE-UNKNOWN-RULE", "info", "baseline entries of rule USM-099 (2 findings) can never match again: "
         "no loaded policy defines rule `USM-099`; did you mean `USM-009`?")]
    entries = json.loads((project / "baseline.json").read_text())["findings"]
    first = next(i for i, e in enumerate(entries) if e["rule"] == "USM-099")
    assert found[0].file == "baseline.json" and found[0].line == first + 6  # the first such entry's line


def test_baseline_entries_of_a_rule_switched_off_are_reported_and_not_for_a_partial_run(project: Path) -> None:
    _baseline(project, "NONE")
    off = _check(project, '[rules.USM-010]\nseverity = "off"\n', baseline="baseline.json")
    assert [f.message for f in off] == ["baseline entries of rule USM-010 (1 finding) can never match again: "
                                        "rule USM-010 is switched off (the config sets `severity = \"off\"`)"]
    assert _check(project, baseline="baseline.json", ignore=["USM-010"]) == []


def test_the_new_codes_are_listed_with_the_engine_codes() -> None:
    from usm_rules.codes import engine_codes

    codes = engine_codes()
    assert codes["WAIVER-UNKNOWN-RULE"].severity.label == "warning"
    assert codes["BASELINE-UNKNOWN-RULE"].severity.label == "info"

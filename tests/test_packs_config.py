"""Configuration reaches the built-in rules: the maturity scale, word lists, per-rule severity and params, off.

Each test writes a `usm-rules.toml` and a spec into a temporary directory and runs the real CLI there (the
config is found by walking up from the working directory), once without and once with the setting, so each
proves that the setting changes the outcome.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from usm_rules.ruledocs import base_spec

ROOT = Path(__file__).resolve().parent.parent


def check(directory: Path, config: str | None, spec: dict) -> list[dict]:
    (directory / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    toml = directory / "usm-rules.toml"
    if config is None:
        toml.unlink(missing_ok=True)
    else:
        toml.write_text(config, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "usm_rules", "check", "--format", "json", "--as-of", "2026-11-24",
                          "spec.json"], cwd=directory, capture_output=True, text=True, env=env)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)["findings"]


def rules_of(findings: list[dict]) -> list[tuple[str, str, str]]:
    return [(f["rule"], f["severity"], f["pointer"]) for f in findings]


def spec_with(**changes: object) -> dict:
    spec = base_spec()
    spec.update(changes)
    return spec


def levels(provider: int, *customers: int) -> dict:
    spec = base_spec()
    spec["provider"]["valueMaturity"]["level"] = provider
    for customer, level in zip(spec["customers"], customers):
        customer["valueMaturity"]["level"] = level
    return spec


def test_the_base_spec_is_clean_without_config(tmp_path: Path) -> None:
    assert check(tmp_path, None, base_spec()) == []


def test_a_seven_level_maturity_scale_makes_level_6_legal(tmp_path: Path) -> None:
    spec = levels(6, 6, 6)
    assert [r for r in rules_of(check(tmp_path, None, spec)) if r[0] == "USM-009"] == [
        ("USM-009", "error", "/provider/valueMaturity/level"),
        ("USM-009", "error", "/customers/0/valueMaturity/level"),
        ("USM-009", "error", "/customers/1/valueMaturity/level"),
    ]
    seven = '[maturity]\nlevels = ["ad hoc", "repeatable", "defined", "managed", "measured", "optimising", "leading"]\n'
    assert [f for f in check(tmp_path, seven, spec) if f["rule"] in ("USM-009", "USM-010")] == []
    found = [f for f in check(tmp_path, seven, levels(6, 6, 8)) if f["rule"] == "USM-009"]
    assert rules_of(found) == [("USM-009", "error", "/customers/1/valueMaturity/level")]
    assert "off the scale 1 (`ad hoc`) to 7 (`leading`)" in found[0]["message"]


def test_a_custom_weasel_word_list_replaces_the_default(tmp_path: Path) -> None:
    spec = base_spec()
    spec["scos"][1]["statement"] = "When I report a fault, it is fixed fast and it feels comfortable again."
    default = [f["message"] for f in check(tmp_path, None, spec) if f["rule"] == "CEMM-006"]
    assert default == ["SCO `sco-quick-fix` uses weasel words (`fast`): say what the customer will see, in numbers"]
    custom = check(tmp_path, '[word_lists]\nweasel_words = ["comfortable*", "feel|feels"]\n', spec)
    assert [(f["rule"], f["pointer"]) for f in custom] == [("CEMM-006", "/scos/0/statement"),
                                                            ("CEMM-006", "/scos/1/statement")]
    assert "(`feels`, `comfortable`)" in custom[1]["message"]  # `fast` is no longer in the list


def test_per_rule_severity(tmp_path: Path) -> None:
    spec = levels(1, 4, 2)
    assert rules_of(check(tmp_path, None, spec)) == [("USM-010", "error", "/customers/0/valueMaturity/level")]
    found = check(tmp_path, '[rules.USM-010]\nseverity = "info"\n', spec)
    assert rules_of(found) == [("USM-010", "info", "/customers/0/valueMaturity/level")]


def test_per_rule_param(tmp_path: Path) -> None:
    spec = levels(2, 4, 2)
    assert [f["rule"] for f in check(tmp_path, None, spec)] == ["USM-010"]
    assert check(tmp_path, "[rules.USM-010]\nmax_gap = 2\n", spec) == []
    found = check(tmp_path, "[rules.USM-010]\nmax_gap = 2\n", levels(1, 4, 2))
    assert [f["message"] for f in found] == ["provider at level 1, customer `hr` at level 4: more than 2 apart"]


def test_severity_off_switches_a_rule_off(tmp_path: Path) -> None:
    spec = base_spec()
    spec["scos"][0]["statement"] = "We will keep every room at 72 °F."
    assert [f["rule"] for f in check(tmp_path, None, spec)] == ["CEMM-005"]
    assert check(tmp_path, '[rules.CEMM-005]\nseverity = "off"\n', spec) == []


def test_date_params_and_heuristic_lists_per_rule(tmp_path: Path) -> None:
    spec = base_spec()
    spec["provider"]["valueMaturity"]["assessedOn"] = "2026-03-01"
    assert check(tmp_path, None, spec) == []
    found = check(tmp_path, "[rules.USM-011]\nmax_age_months = 6\n", spec)
    assert [(f["rule"], f["pointer"]) for f in found] == [("USM-011", "/provider/valueMaturity/assessedOn")]
    assert "more than 6 months before `2026-11-24`" in found[0]["message"]
    spec = base_spec()
    spec["scos"][0]["statement"] = "The caretaker will open the windows at 7:00 so rooms feel fresh."
    assert check(tmp_path, None, spec) == []
    found = check(tmp_path, '[word_lists]\nprovider_voice = ["the caretaker will"]\n', spec)
    assert [(f["rule"], f["message"]) for f in found] == [
        ("CEMM-005", "SCO `sco-comfortable-day` is in the provider's voice (`The caretaker will`): state what the "
                     "customer wants, as the customer would say it")]


def test_a_bad_param_value_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "spec.json").write_text(json.dumps(base_spec()), encoding="utf-8")
    (tmp_path / "usm-rules.toml").write_text('[rules.USM-011]\nmax_age_months = "a year"\n', encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "usm_rules", "check", "spec.json"], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    assert out.returncode == 2 and "param `max_age_months` of rule USM-011" in out.stderr

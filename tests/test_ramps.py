"""Dated enforcement ramps: `enforce_from` / `warn_until` in a rule or `[rules.ID]` in config. Before the day a
rule reports one severity lower with a message that says when it takes its full severity; on and after the day
it is enforced; `--as-of` governs; fingerprints never change with the ramp; bad dates are located errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import usm_rules
from usm_rules.errors import ConfigError, PolicyError

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "ramps"
POLICY = str(CASES / "ramped.policy")
SPEC = str(CASES / "spec.yaml")


def _run(as_of: str, config: Path | None = None, **overrides: object) -> dict[str, list[usm_rules.Finding]]:
    result = usm_rules.check([SPEC], config=config or CASES / "empty.toml", no_builtin=True, policies=[POLICY],
                             as_of=as_of, use_cache=False, **overrides)
    out: dict[str, list[usm_rules.Finding]] = {}
    for f in result.findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.mark.parametrize("as_of, severity, suffix", [
    ("2026-12-31", "warning", " (becomes an error on 2027-01-01)"),  # the day before: one lower, announced
    ("2027-01-01", "error", ""),                                     # on the day: enforced
    ("2027-06-30", "error", ""),                                     # after it: enforced
])
def test_a_rule_with_enforce_from_before_on_and_after_its_day(as_of: str, severity: str, suffix: str) -> None:
    [f] = _run(as_of)["RAMP-001"]
    assert f.severity.label == severity
    assert f.message == "SCO `sco-warm` has no owner" + suffix
    assert f.enforcement == ("2027-01-01", "error")


@pytest.mark.parametrize("as_of, severity, suffix", [
    ("2026-12-31", "info", " (becomes a warning on 2027-01-01)"),  # warn_until's last day
    ("2027-01-01", "warning", ""),                                  # the day after it
])
def test_warn_until_is_the_same_ramp_ending_after_its_day(as_of: str, severity: str, suffix: str) -> None:
    [f] = _run(as_of)["RAMP-002"]
    assert (f.severity.label, f.message) == (severity, "SCO `sco-warm` states no action" + suffix)


def test_the_ramp_never_changes_a_fingerprint_and_rules_without_one_are_untouched() -> None:
    before, after = _run("2026-01-01"), _run("2027-01-01")
    assert before["RAMP-001"][0].fingerprint == after["RAMP-001"][0].fingerprint
    assert before["RAMP-002"][0].fingerprint == after["RAMP-002"][0].fingerprint
    [plain] = before["RAMP-003"]
    assert plain.severity.label == "error" and plain.enforcement is None and "becomes" not in plain.message


def test_a_ramp_lowers_the_severity_that_config_sets(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text('[rules.RAMP-001]\nseverity = "warning"\n')
    [f] = _run("2026-12-31", tmp_path / "c.toml")["RAMP-001"]
    assert (f.severity.label, f.enforcement) == ("info", ("2027-01-01", "warning"))
    assert f.message.endswith(" (becomes a warning on 2027-01-01)")


@pytest.mark.parametrize("setting", ['enforce_from = "2026-03-01"', "enforce_from = 2026-03-01",
                                     'warn_until = "2026-02-28"'])
def test_config_sets_a_ramp_on_any_rule(tmp_path: Path, setting: str) -> None:
    (tmp_path / "c.toml").write_text(f"[rules.RAMP-003]\n{setting}\n[rules.RAMP-001]\nenforce_from = \"2026-03-01\"\n")
    early, late = _run("2026-02-28", tmp_path / "c.toml"), _run("2026-03-01", tmp_path / "c.toml")
    assert [f.severity.label for f in early["RAMP-003"]] == ["warning"]
    assert early["RAMP-003"][0].message.endswith("(becomes an error on 2026-03-01)")
    assert [f.severity.label for f in late["RAMP-003"]] == ["error"]
    assert late["RAMP-001"][0].severity.label == "error"  # config moved the policy's date earlier


@pytest.mark.parametrize("setting, said", [
    ('enforce_from = "2026-13-01"', 'c.toml:2:1: `enforce_from` must be a date written "YYYY-MM-DD"'),
    ('warn_until = 5', 'c.toml:2:1: `warn_until` must be a date written "YYYY-MM-DD"'),
    ('enforce_from = "2026-03-01"\nwarn_until = "2026-03-01"',
     'c.toml:3:1: `warn_until "2026-03-01"` and `enforce_from "2026-03-01"` disagree'),
])
def test_bad_dates_in_config_are_located_errors(tmp_path: Path, setting: str, said: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text(f"[rules.RAMP-001]\n{setting}\n")
    with pytest.raises(ConfigError) as err:
        _run("2026-01-01", Path("c.toml"))
    assert said in err.value.render() and "^" in err.value.render()


def test_bad_dates_in_a_policy_are_located_errors_with_a_caret() -> None:
    with pytest.raises(PolicyError) as err:
        usm_rules.check([SPEC], config=CASES / "empty.toml", no_builtin=True, policies=[str(CASES / "bad-dates.policy")],
                        use_cache=False)
    text = err.value.render()
    assert 'bad-dates.policy:6:16: `enforce_from` must be a date written "YYYY-MM-DD"\n' \
           '      enforce_from "2027-02-30"\n                   ^^^^^^^^^^^^' in text
    assert 'bad-dates.policy:14:3: `warn_until "2026-12-31"` and `enforce_from "2027-01-02"` disagree: warnings ' \
           'until a day mean enforcement from the next (2027-01-01); give one of them' in text


def usm(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), USM_RULES_CACHE_DIR="")
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=CASES, capture_output=True, text=True,
                          env=env, timeout=120)


def test_check_announces_rules_enforced_within_warn_expiring_within_days() -> None:
    args = ("check", "-q", "--config", "empty.toml", "--no-builtin", "--policy", "ramped.policy", "spec.yaml")
    soon = usm(*args, "--as-of", "2026-12-22", "--warn-expiring-within", "10")
    assert soon.stderr.splitlines() == [
        "usm-rules: rule RAMP-001 is enforced as error from 2027-01-01 (in 10 days); 1 finding of it is reported "
        "one severity lower until then",
        "usm-rules: rule RAMP-002 is enforced as warning from 2027-01-01 (in 10 days); 1 finding of it is reported "
        "one severity lower until then"]
    assert soon.returncode == 1  # RAMP-003 is an error; the ramped ones are not yet
    assert usm(*args, "--as-of", "2026-12-21", "--warn-expiring-within", "10").stderr == ""
    assert usm(*args, "--as-of", "2027-01-01", "--warn-expiring-within", "10").stderr == ""
    assert usm(*args, "--as-of", "2026-12-22").stderr == ""


def test_json_findings_carry_the_schedule() -> None:
    out = usm("check", "--format", "json", "--config", "empty.toml", "--no-builtin", "--policy", "ramped.policy",
              "--as-of", "2026-12-31", "spec.yaml")
    found = {f["rule"]: f for f in json.loads(out.stdout)["findings"]}
    assert found["RAMP-001"]["enforcement"] == {"from": "2027-01-01", "severity": "error"}
    assert found["RAMP-001"]["severity"] == "warning"
    assert "enforcement" not in found["RAMP-003"]


def test_rules_and_explain_show_the_schedule() -> None:
    base = ("--config", "empty.toml", "--no-builtin", "--policy", "ramped.policy")
    listed = usm("rules", *base).stdout
    [line] = [line for line in listed.splitlines() if line.startswith("RAMP-001 ")]
    assert line.split(None, 3)[1:] == ["error", "ramped",
                                       "Every SCO has an owner  [warning until 2026-12-31, error from 2027-01-01]"]
    as_json = {r["id"]: r for r in json.loads(usm("rules", *base, "--format", "json").stdout)}
    assert as_json["RAMP-002"]["enforcement"] == {"from": "2027-01-01", "severity": "warning"}
    assert "enforcement" not in as_json["RAMP-003"]
    explained = usm("explain", "RAMP-001", "--config", "empty.toml", "--policy", "ramped.policy").stdout
    assert explained.splitlines()[3] == "  enforced: warning until 2026-12-31, error from 2027-01-01"
    markdown = usm("rules", *base, "--format", "markdown").stdout
    assert "**Enforced from:** 2027-01-01 (one severity lower before)" in markdown


def test_fmt_keeps_the_ramp_keywords(tmp_path: Path) -> None:
    target = tmp_path / "ramped.policy"
    target.write_text((CASES / "ramped.policy").read_text().replace('enforce_from "', 'enforce_from   "'))
    assert usm("fmt", "--write", str(target)).returncode == 0
    assert target.read_text() == (CASES / "ramped.policy").read_text()


def test_usm_rules_test_sees_the_ramp_on_each_cases_date() -> None:
    out = usm("test", "ramped.test.yaml")
    assert out.returncode == 0 and "2 passed" in out.stdout

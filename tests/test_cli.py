"""The command line end to end: exit codes, text and JSON output, errors with carets, stdin, caching."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "cli"
SHARED = ROOT.parent / "shared" / "examples"
EXAMPLES = SHARED if SHARED.is_dir() else ROOT / "specs"
HEATING = EXAMPLES / ("heating-bad.yaml")
OFFICE = EXAMPLES / "office-climate.yaml"


def usm(*args: str, stdin: bytes | None = None, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, input=stdin, capture_output=True,
                          env=full_env)


def rel(path: Path) -> str:
    return os.path.relpath(path, ROOT).replace(os.sep, "/")


def test_heating_bad_reports_usm_010_at_hr_and_cemm_002_at_sco_1() -> None:
    out = usm("check", "--as-of", "2026-11-24", "--format", "json", str(HEATING))
    assert out.returncode == 1
    findings = json.loads(out.stdout)["findings"]
    usm010 = [f for f in findings if f["rule"] == "USM-010"]
    assert [(f["pointer"], f["line"], f["column"]) for f in usm010] == [("/customers/0/valueMaturity/level", 10, 28)]
    cemm002 = [f for f in findings if f["rule"] == "CEMM-002"]
    assert [(f["pointer"], f["line"], f["column"]) for f in cemm002] == [("/scos/0", 22, 5)]
    assert "`sco-1`" in cemm002[0]["message"]


def test_office_climate_is_clean() -> None:
    out = usm("check", "--as-of", "2026-11-24", str(OFFICE))
    assert out.returncode == 0, out.stdout.decode()
    assert out.stdout.decode().strip().startswith("No findings in 1 file (1 spec, 0 skipped)")


def test_policy_typo_exits_2_with_did_you_mean_and_position() -> None:
    out = usm("check", "--no-builtin", "--policy", rel(CASES / "typo.policy"), str(OFFICE))
    assert out.returncode == 2
    assert out.stdout == b""
    assert out.stderr.decode() == (
        "tests/cases/cli/typo.policy:7:15: unknown field `metrc` on `sco`; did you mean `metric`?\n"
        "      require sco.metrc exists\n"
        "                  ^^^^^\n")


def test_json_output_is_golden_and_byte_identical_twice() -> None:
    args = ("check", "--as-of", "2026-11-24", "--format", "json", "--pack", "usm", "--select", "USM-010,LOCAL",
            "--policy", rel(CASES / "local.policy"), rel(CASES / "multi.yaml"), rel(CASES / "schema-bad.yaml"),
            rel(CASES / "parse-bad.yaml"), rel(CASES / "dup-key.yaml"))
    first, second = usm(*args), usm(*args)
    assert first.returncode == 1
    assert first.stdout == second.stdout
    if os.environ.get("USM_RULES_UPDATE_GOLDEN"):
        (CASES / "golden.json").write_bytes(first.stdout)
    expected = (CASES / "golden.json").read_text(encoding="utf-8")
    assert first.stdout.decode() == expected


def test_text_output_is_golden() -> None:
    out = usm("check", "--as-of", "2026-11-24", "--pack", "usm", "--select", "USM-010", "--show-source",
              rel(CASES / "multi.yaml"), rel(CASES / "schema-bad.yaml"))
    expected_path = CASES / "golden.txt"
    if os.environ.get("USM_RULES_UPDATE_GOLDEN"):
        expected_path.write_bytes(out.stdout)
    assert out.stdout.decode() == expected_path.read_text(encoding="utf-8")
    assert out.returncode == 1


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("info", 1)])
def test_fail_on_threshold(fail_on: str, code: int) -> None:
    out = usm("check", "--no-builtin", "--policy", rel(CASES / "local.policy"), "--fail-on", fail_on,
              rel(CASES / "multi.yaml"))
    assert out.returncode == code


def test_stdin_is_read_with_dash() -> None:
    out = usm("check", "--as-of", "2026-11-24", "--format", "json", "-", stdin=HEATING.read_bytes())
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert {f["file"] for f in doc["findings"]} == {"-"}
    assert doc["summary"]["specs"] == 1


def test_missing_path_is_a_located_finding_and_others_are_still_checked() -> None:
    out = usm("check", "--format", "json", "--as-of", "2026-11-24", "no/such/file.yaml", str(OFFICE))
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    assert [f["rule"] for f in doc["findings"]] == ["SPEC-READ"]
    assert doc["summary"]["specs"] == 1


def test_bad_config_exits_2_with_location(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    out = usm("check", str(OFFICE), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.decode().startswith("usm-rules.toml:1:1: unknown key `fail-on`; did you mean `fail_on`?")


def test_bad_param_in_config_exits_2(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text('[rules.USM-010]\nmax_gap = "two"\n', encoding="utf-8")
    out = usm("check", str(OFFICE), cwd=tmp_path)
    assert out.returncode == 2
    assert "param `max_gap` of rule USM-010" in out.stderr.decode()


def test_config_params_change_the_result(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text('select = ["USM-010"]\n[rules.USM-010]\nmax_gap = 2\n', encoding="utf-8")
    assert usm("check", "--as-of", "2026-11-24", str(HEATING), cwd=tmp_path).returncode == 0


def test_usage_errors_exit_2() -> None:
    assert usm("check", "--format", "yaml", str(OFFICE)).returncode == 2
    assert usm("check", "--as-of", "tomorrow", str(OFFICE)).returncode == 2
    assert usm("check", "--pack", "nope", str(OFFICE)).returncode == 2
    assert usm("explain", "USM-999").returncode == 2


def test_a_corrupt_cache_is_rebuilt_silently(tmp_path: Path) -> None:
    env = {"USM_RULES_CACHE_DIR": str(tmp_path)}
    assert usm("check", "--as-of", "2026-11-24", str(OFFICE), env=env).returncode == 0
    cached = list(tmp_path.glob("policies-*.bin"))
    assert cached
    for f in cached:
        f.write_bytes(b"\x00garbage")
    again = usm("check", "--as-of", "2026-11-24", str(OFFICE), env=env)
    assert again.returncode == 0 and again.stderr == b""
    for f in tmp_path.glob("*"):
        f.unlink()
    assert usm("check", "--as-of", "2026-11-24", str(OFFICE), env=env).returncode == 0


def test_rules_explain_and_schema_commands() -> None:
    listing = usm("rules").stdout.decode()
    assert "USM-010" in listing and "CEMM-002" in listing and "SPEC-PARSE" in listing
    explained = usm("explain", "USM-010").stdout.decode()
    assert explained.startswith("USM-010: Provider within one maturity level of each customer")
    assert "max_gap = 1" in explained
    schema = json.loads(usm("schema").stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_python_m_and_version() -> None:
    out = usm("--version")
    assert out.returncode == 0 and b"usm-rules" in out.stdout


def test_jobs_2_gives_byte_identical_output() -> None:
    args = ("check", "--as-of", "2026-11-24", "--format", "json", "specs", rel(CASES))
    one, two = usm(*args), usm(*args, "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout


def test_a_rule_that_raises_gives_rule_error_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text('[rules.LOCAL-003]\nlimits = ["x"]\n', encoding="utf-8")
    out = usm("check", "--format", "json", "--no-builtin", "--policy", str(CASES / "raises.policy"),
              str(CASES / "multi.yaml"), cwd=tmp_path)
    assert out.returncode == 1
    found = [(f["rule"], f["line"], f["message"]) for f in json.loads(out.stdout)["findings"]]
    error = "rule LOCAL-003 failed on this spec: TypeError: '>' not supported between instances of 'str' and 'int'"
    assert found == [("LOCAL-004", 2, "no status"), ("RULE-ERROR", 2, error),
                     ("LOCAL-004", 14, "no status"), ("RULE-ERROR", 14, error)]


def test_output_to_a_device_writes_through_it_and_a_symlink_is_refused(tmp_path: Path) -> None:
    out = usm("check", "--as-of", "2026-11-24", "--output", "/dev/null", str(OFFICE))
    assert out.returncode == 0 and out.stdout == b""
    assert Path("/dev/null").is_char_device()
    target = tmp_path / "real.json"
    target.write_text("old")
    (tmp_path / "link.json").symlink_to(target)
    refused = usm("check", "--format", "json", "--output", str(tmp_path / "link.json"), str(OFFICE))
    assert refused.returncode == 2 and b"symbolic link" in refused.stderr
    assert (tmp_path / "link.json").is_symlink() and target.read_text() == "old"

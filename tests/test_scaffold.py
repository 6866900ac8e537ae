"""`usm-rules init`: a working spec repository in one command, never overwriting anything."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from usm_rules import cli_authoring, scaffold

ROOT = Path(__file__).resolve().parent.parent


def usm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, env=env)


def test_init_then_check_test_fmt_and_lint_succeed(tmp_path: Path, monkeypatch) -> None:
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        scaffold.files())
    check = usm("check", cwd=tmp_path)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    assert b"No findings in 1 file (1 spec, 0 skipped)" in check.stdout
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    tested = runner.invoke(cli_authoring.test, ["--coverage", "--min-coverage", "100"])
    assert tested.exit_code == 0, tested.output
    assert "4 passed" in tested.stdout
    assert runner.invoke(cli_authoring.fmt, ["--check", "policies"]).exit_code == 0
    linted = runner.invoke(cli_authoring.lint, ["--strict"])
    assert linted.exit_code == 0, linted.output


def test_the_generated_ci_files_say_what_the_issue_asks() -> None:
    files = scaffold.files()
    for name in (".pre-commit-config.yaml", ".github/workflows/usm-rules.yml", "ci/usm-rules.gitlab-ci.yml",
                 "specs/example-service.yaml", "policies/local.test.yaml"):
        yaml.safe_load(files[name])  # valid YAML
    hook = yaml.safe_load(files[".pre-commit-config.yaml"])["repos"][0]
    assert hook["repo"] == "local"
    assert hook["hooks"][0]["entry"] == "usm-rules check" and hook["hooks"][0]["language"] == "system"
    assert "# Alternative" in files[".pre-commit-config.yaml"]
    steps = yaml.safe_load(files[".github/workflows/usm-rules.yml"])["jobs"]["usm-rules"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert "usm-rules check --format sarif --output usm-rules.sarif" in runs
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "usm-rules.sarif" and upload["if"] == "always()"
    job = yaml.safe_load(files["ci/usm-rules.gitlab-ci.yml"])["usm-rules"]
    assert any("--format gitlab" in line for line in job["script"])
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text("# mine\n", encoding="utf-8")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "local.policy").write_text("# mine\n", encoding="utf-8")
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path)])
    assert out.exit_code == 2
    assert "usm-rules.toml" in out.stderr and "policies/local.policy" in out.stderr
    assert "nothing was written" in out.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "policies", "policies/local.policy", "usm-rules.toml"]
    assert (tmp_path / "usm-rules.toml").read_text(encoding="utf-8") == "# mine\n"

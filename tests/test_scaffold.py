"""`usm-rules init`: a working spec repository in one command, never overwriting anything."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from usm_rules import cli_authoring, scaffold
from usm_rules.install_source import InstallSource

ROOT = Path(__file__).resolve().parent.parent
URL = "https://git.example.com/platform/usm-rules.git"
SOURCE = InstallSource(URL, "v0.2.0")


def usm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, env=env)


def test_init_then_check_test_fmt_and_lint_succeed(tmp_path: Path, monkeypatch) -> None:
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path), "--source", URL])
    assert out.exit_code == 0, out.output
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        scaffold.files(SOURCE))
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
    files = scaffold.files(SOURCE)
    for name in (".pre-commit-config.yaml", ".github/workflows/usm-rules.yml", "ci/usm-rules.gitlab-ci.yml",
                 "specs/example-service.yaml", "policies/local.test.yaml"):
        yaml.safe_load(files[name])  # valid YAML
    repo = yaml.safe_load(files[".pre-commit-config.yaml"])["repos"][0]
    assert (repo["repo"], repo["rev"]) == (URL, "v0.2.0")  # pre-commit installs usm-rules from its repository
    assert [h["id"] for h in repo["hooks"]] == ["usm-rules", "usm-rules-test", "usm-rules-fmt"]
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {h["id"] for h in repo["hooks"]} <= hooks
    steps = yaml.safe_load(files[".github/workflows/usm-rules.yml"])["jobs"]["usm-rules"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert f"pip install 'usm-rules @ git+{URL}@v0.2.0'" in runs
    assert "usm-rules check --format sarif --output usm-rules.sarif" in runs
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "usm-rules.sarif" and upload["if"] == "always()"
    job = yaml.safe_load(files["ci/usm-rules.gitlab-ci.yml"])["usm-rules"]
    assert f"pip install 'usm-rules @ git+{URL}@v0.2.0'" in job["script"]
    assert any("--output gitlab:gl-code-quality-report.json" in line for line in job["script"])
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["reports"]["junit"] == "usm-rules.junit.xml"
    assert all("pip install usm-rules" not in text for text in files.values())  # no index has it


def test_a_package_index_source_uses_the_released_package() -> None:
    from usm_rules.install_source import parse_source

    files = scaffold.files(parse_source("index"))
    repo = yaml.safe_load(files[".pre-commit-config.yaml"])["repos"][0]
    assert repo["repo"] == "local"
    assert {tuple(h["additional_dependencies"]) for h in repo["hooks"]} == {("usm-rules==0.2.0",)}
    assert "pip install 'usm-rules==0.2.0'" in files[".github/workflows/usm-rules.yml"]


def test_init_without_a_known_source_asks_for_one_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    from usm_rules import install_source

    monkeypatch.setattr(install_source, "installed_source", lambda: None)
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path)])
    assert out.exit_code == 2
    assert "pass --source with the git repository you got usm-rules from" in out.stderr
    assert list(tmp_path.iterdir()) == []


def test_init_defaults_to_the_git_url_pip_recorded(tmp_path: Path, monkeypatch) -> None:
    from usm_rules import install_source

    monkeypatch.setattr(install_source, "installed_source", lambda: InstallSource(URL, "v0.2.0"))
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert f"repo: {URL}" in (tmp_path / ".pre-commit-config.yaml").read_text()


def test_sources_init_accepts_and_refuses(tmp_path: Path) -> None:
    from usm_rules.errors import UsageError
    from usm_rules.install_source import parse_source

    assert parse_source("git+ssh://git@host/org/usm-rules.git").requirement() == (
        "usm-rules @ git+ssh://git@host/org/usm-rules.git@v0.2.0")
    assert parse_source("git@host:org/usm-rules.git", "main").rev == "main"
    if (ROOT / ".git").exists():
        assert parse_source(str(ROOT)).url == "file://localhost" + ROOT.as_posix()
    assert parse_source("file:///srv/usm-rules").requirement() == (
        "usm-rules @ git+file://localhost/srv/usm-rules@v0.2.0")  # a host: pip refuses `file:///` in requirements
    for bad in ("usm-rules", str(tmp_path), "https://host/x.git@v0.2.0"):
        with pytest.raises(UsageError):
            parse_source(bad)
    with pytest.raises(UsageError):
        parse_source(URL, "--upload-pack=x")


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text("# mine\n", encoding="utf-8")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "local.policy").write_text("# mine\n", encoding="utf-8")
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path), "--source", URL])
    assert out.exit_code == 2
    assert "usm-rules.toml" in out.stderr and "policies/local.policy" in out.stderr
    assert "nothing was written" in out.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "policies", "policies/local.policy", "usm-rules.toml"]
    assert (tmp_path / "usm-rules.toml").read_text(encoding="utf-8") == "# mine\n"

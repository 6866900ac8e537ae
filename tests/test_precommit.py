"""The real pre-commit runs the hook from this repository: a bad spec blocks, a clean spec passes."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pre-commit") is None or not (ROOT / ".git").exists(),
                                 reason="needs the pre-commit command and a git checkout of this project")]


@pytest.fixture(scope="module")
def spec_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    repo = tmp_path_factory.mktemp("spec-repo")
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(home)
    env["USM_RULES_CACHE_DIR"] = str(home / "usm-cache")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    shutil.copy(ROOT / "specs" / "office-climate.yaml", repo / "clean.yaml")
    shutil.copy(ROOT / "specs" / "heating-bad.yaml", repo / "bad.yaml")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    return repo, env


def try_repo(repo: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(["pre-commit", "try-repo", str(ROOT), "usm-rules", "--files", *files], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=900)


def test_bad_spec_blocks_the_commit(spec_repo: tuple[Path, dict]) -> None:
    repo, env = spec_repo
    out = try_repo(repo, env, "bad.yaml")
    assert out.returncode != 0, out.stdout + out.stderr
    assert "bad.yaml:10:28: error USM-010" in out.stdout
    assert "CEMM-002" in out.stdout


def test_clean_spec_passes(spec_repo: tuple[Path, dict]) -> None:
    repo, env = spec_repo
    out = try_repo(repo, env, "clean.yaml")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Passed" in out.stdout

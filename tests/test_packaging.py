"""The wheel carries the grammar, the built-in policies and the schema, and works outside the checkout."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and installs it in a fresh virtual environment

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)], check=True,
                   capture_output=True, text=True)
    wheels = list(out.glob("usm_rules-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_grammar_policies_and_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "usm_rules/grammar/policy.lark" in names
    assert "usm_rules/policies/usm.policy" in names
    assert "usm_rules/policies/cemm.policy" in names
    assert "usm_rules/data/spec-v1.schema.json" in names


def test_installed_wheel_checks_specs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    subprocess.run([str(pip), "install", "--quiet", str(wheel)], check=True, capture_output=True, text=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "clean.yaml").write_bytes((SPECS / "office-climate.yaml").read_bytes())
    (work / "bad.yaml").write_bytes((SPECS / "heating-bad.yaml").read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["USM_RULES_CACHE_DIR"] = ""  # compile from the shipped grammar and policies, not a cache
    exe = str(venv / "bin" / "usm-rules")
    clean = subprocess.run([exe, "check", "--as-of", "2026-11-24", "clean.yaml"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    bad = subprocess.run([exe, "check", "--as-of", "2026-11-24", "bad.yaml"], cwd=work, env=env,
                         capture_output=True, text=True)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "USM-010" in bad.stdout and "CEMM-002" in bad.stdout
    # The module runs as `python -m usm_rules` too, and does not come from the checkout.
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import usm_rules; print(usm_rules.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True)
    assert str(venv) in where.stdout

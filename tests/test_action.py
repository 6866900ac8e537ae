"""The GitHub Action (action.yml): its shell steps (action/run.sh) run here with faked runner variables and files,
its job summary is golden, and no input reaches a shell as code."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "action" / "run.sh"
PROJECT = ROOT / "tests" / "cases" / "ci" / "project"
CASES = ROOT / "tests" / "cases" / "ci"


def _runner(tmp_path: Path, **inputs: str) -> tuple[Path, dict[str, str]]:
    """A workspace (a copy of the test project) and the environment a GitHub runner gives a composite step."""
    workspace = tmp_path / "workspace"
    shutil.copytree(PROJECT, workspace)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env.update({
        "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(temp), "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_PATH": str(tmp_path / "path"),
        # The step before (`run.sh install`) puts usm-rules on PATH; here it is this environment's.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "PYTHONPATH": str(ROOT), "USM_RULES_CACHE_DIR": "",
    })
    env.update({f"INPUT_{k.upper()}": v for k, v in inputs.items()})
    for name in ("output", "summary.md", "path"):
        (tmp_path / name).touch()
    return workspace, env


def _check(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess, Path]:
    workspace, env = _runner(tmp_path, **inputs)
    done = subprocess.run(["bash", str(SCRIPT), "check"], cwd=workspace, env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    return done, workspace


def _outputs(tmp_path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (tmp_path / "output").read_text().splitlines())


def test_action_yml_is_a_composite_action_whose_steps_are_the_script() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == ['"$GITHUB_ACTION_PATH/action/run.sh" install', '"$GITHUB_ACTION_PATH/action/run.sh" check']
    assert all("${{" not in run for run in runs)  # inputs reach the script as variables, never as code
    check = next(s for s in steps if s.get("id") == "check")
    assert set(check["env"]) == {"INPUT_PATHS", "INPUT_ARGS", "INPUT_SARIF_FILE"}
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["if"].startswith("always()")  # findings fail the step, and are still uploaded
    assert set(action["inputs"]) == {"paths", "args", "sarif-file", "upload-sarif", "python-version"}


def test_check_step_annotates_writes_sarif_outputs_and_summary(tmp_path: Path) -> None:
    done, workspace = _check(tmp_path, paths="specs", args="--as-of 2026-11-24")
    assert done.returncode == 1, done.stderr  # errors found: the step fails, the upload step still runs
    assert "::error file=specs/bad.yaml,line=14,endLine=18,title=USM-003" in done.stdout
    assert _outputs(tmp_path) == {"exit-code": "1", "sarif-file": "usm-rules.sarif"}
    assert (workspace / "usm-rules.sarif").read_text().startswith("{")
    summary = (tmp_path / "summary.md").read_text()
    assert summary == (CASES / "step-summary.md").read_text().replace("0.0.0", _version())


def test_check_step_with_a_clean_run_passes(tmp_path: Path) -> None:
    done, _ = _check(tmp_path, paths="specs/clean.yaml", args="--as-of 2026-11-24", sarif_file="out/scan.sarif")
    assert done.returncode == 0, done.stderr
    assert _outputs(tmp_path) == {"exit-code": "0", "sarif-file": "out/scan.sarif"}
    assert "No findings in 1 file (1 spec)." in (tmp_path / "summary.md").read_text()


def test_check_step_that_cannot_check_says_so_and_uploads_nothing(tmp_path: Path) -> None:
    done, _ = _check(tmp_path, args="--select NOPE-001")
    assert done.returncode == 2
    assert _outputs(tmp_path) == {"exit-code": "2"}
    assert "could not be checked (exit status 2)" in (tmp_path / "summary.md").read_text()


def test_inputs_are_never_run_as_shell_code(tmp_path: Path) -> None:
    done, workspace = _check(tmp_path, paths="specs/clean.yaml $(touch pwned-paths) `touch pwned-tick`",
                             args="--as-of=2026-11-24 ;touch${IFS}pwned-args")
    assert not list(workspace.glob("pwned*")) and not list(tmp_path.glob("pwned*"))
    assert done.returncode == 1  # each word is a path that does not exist: a SPEC-READ error finding
    assert "title=SPEC-READ" in done.stdout and "pwned-args" in done.stdout


@pytest.mark.slow
def test_install_step_installs_this_checkout_in_a_venv_of_its_own(tmp_path: Path) -> None:
    _, env = _runner(tmp_path)
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(Path(sys.executable).parent))
    env.pop("PYTHONPATH")
    done = subprocess.run(["bash", str(SCRIPT), "install"], env=env, capture_output=True, text=True, timeout=900,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    (bin_dir,) = (tmp_path / "path").read_text().splitlines()
    version = subprocess.run([str(Path(bin_dir) / "usm-rules"), "--version"], capture_output=True, text=True)
    assert _version() in version.stdout


def _version() -> str:
    import usm_rules

    return usm_rules.__version__


def test_summary_shows_titles_and_file_names_as_inert_text() -> None:
    from usm_rules.step_summary import render

    text = render({"summary": {"files": 1, "specs": 1, "error": 1}, "tool": {"version": "1"}, "findings": [
        {"rule": "X-1", "severity": "error", "title": "<img src=x onerror=y> | **b**", "suppressed": None,
         "path": "specs/[click](https://evil.example)\n| x |.yaml"}]})
    table_rows = [line for line in text.splitlines() if line.startswith("| X-1") or line.startswith("| specs")]
    assert len(table_rows) == 2
    assert all(row.count("|") == row.count(" | ") + 2 for row in table_rows)  # no cell added by a `|` in the text
    assert "<img" not in text and "](" not in text and "**b**" not in text

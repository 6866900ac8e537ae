"""`usm-rules diff-rules --base REF`: the impact of a rule-set change, on a git repository made here.

The repository's history: `base` (config with USM-010 at warning and `max_gap = 2`, a local policy with
LOCAL-001, a waiver for LOCAL-001), then a commit that tightens `max_gap` to 1 (and USM-010 back to error), one
that adds LOCAL-002, one that removes LOCAL-001. Each step's impact, and the whole change, are compared with
golden outputs (USM_RULES_UPDATE_GOLDEN=1 rewrites them). Commits are made with fixed names and dates, so their
hashes, which the reports quote, are the same on every machine.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from usm_rules.findings import Finding, RunResult, Severity
from usm_rules.impact.compare import compare

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "diff_rules"
AS_OF = ("--as-of", "2026-12-01")
GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org", "GIT_COMMITTER_NAME": "Test",
           "GIT_COMMITTER_EMAIL": "test@example.org", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
           "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}


def usm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), USM_RULES_CACHE_DIR="")
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)  # the timeout only guards against a hang


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=dict(os.environ, **GIT_ENV))


def commit(repo: Path, message: str, files: dict[str, str]) -> None:
    """Copy fixtures ({path in the repository: fixture name}) into the repository and commit them."""
    for dest, fixture in files.items():
        target = repo / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CASES / fixture, target)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess]:
    """The repository built commit by commit; after each commit, the impact of that commit (its parent as the
    base); at the end, the impact of the whole change in every format."""
    repo = tmp_path_factory.mktemp("history") / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    out: dict[str, subprocess.CompletedProcess] = {}
    commit(repo, "base", {"specs/svc-a.yaml": "svc-a.yaml", "specs/svc-b.yaml": "svc-b.yaml",
                          "waivers.yaml": "waivers.yaml", "usm-rules.toml": "config-1.toml",
                          "policies/local.policy": "local-1.policy"})
    git(repo, "tag", "base")
    steps = (("tighten", "Tighten max_gap", {"usm-rules.toml": "config-2.toml"}),
             ("add", "Add LOCAL-002", {"policies/local.policy": "local-2.policy"}),
             ("remove", "Remove LOCAL-001", {"policies/local.policy": "local-3.policy"}))
    for name, message, files in steps:
        commit(repo, message, files)
        out[name] = usm("diff-rules", "--base", "HEAD~1", *AS_OF, "specs", cwd=repo)
    for fmt in ("text", "json", "markdown"):
        out[f"all-{fmt}"] = usm("diff-rules", "--base", "base", *AS_OF, "--format", fmt, "specs", cwd=repo)
    out["repo"] = repo  # type: ignore[assignment]
    return out


def golden(name: str, text: str) -> str:
    path = CASES / name
    if os.environ.get("USM_RULES_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("step", ["tighten", "add", "remove"])
def test_each_commit_of_the_history_has_its_golden_impact(history: dict, step: str) -> None:
    out = history[step]
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden(f"{step}.expected.txt", out.stdout)


def test_tightening_max_gap_shows_the_new_finding_and_the_raised_severity(history: dict) -> None:
    text = history["tighten"].stdout
    assert "specs/svc-a.yaml:10:28: error USM-010 provider at level 2, customer `hr` at level 4" in text
    assert "specs/svc-a.yaml:13:28: warning -> error USM-010" in text


def test_removing_a_rule_makes_its_waiver_unnecessary(history: dict) -> None:
    text = history["remove"].stdout
    assert "Rules removed (1):\n  LOCAL-001 (warning)" in text
    assert "unnecessary (1):\n  waivers.yaml:2:11: warning WAIVER-UNKNOWN-RULE waiver 1 (LOCAL-001" in text


@pytest.mark.parametrize("fmt, suffix", [("text", "txt"), ("json", "json"), ("markdown", "md")])
def test_the_whole_change_is_golden_in_every_format(history: dict, fmt: str, suffix: str) -> None:
    out = history[f"all-{fmt}"]
    assert out.returncode == 0, out.stderr
    assert out.stdout == golden(f"all.expected.{suffix}", out.stdout)


def test_the_json_report_counts_and_lists_agree(history: dict) -> None:
    report = json.loads(history["all-json"].stdout)
    assert report["format_version"] == 1 and report["base"]["ref"] == "base"
    assert report["summary"]["new"] == len(report["new"]) == 3
    assert report["summary"]["gone"] == len(report["gone"]) == 1
    assert [(c["rule"], c["before"], c["severity"]) for c in report["severity_changed"]] == [
        ("USM-010", "warning", "error")]
    assert [e["rule"] for e in report["exceptions"]["unnecessary"]] == ["WAIVER-UNKNOWN-RULE"]
    assert {r["rule"]: (r["base"], r["head"]) for r in report["by_rule"]} == {
        "LOCAL-001": (1, 0), "LOCAL-002": (0, 2), "USM-010": (1, 2)}


@pytest.mark.parametrize("args, code", [
    (("--base", "base", "--fail-on-new", "error"), 1),
    (("--base", "HEAD~1", "--fail-on-new", "warning"), 0),   # removing a rule brings nothing new
    (("--base", "base"), 0),
])
def test_fail_on_new_exits_1_only_when_the_change_brings_such_findings(history: dict, args: tuple, code: int) -> None:
    assert usm("diff-rules", *args, *AS_OF, "specs", cwd=history["repo"]).returncode == code


def test_output_file_gets_the_report_and_stdout_stays_empty(history: dict, tmp_path: Path) -> None:
    out = usm("diff-rules", "--base", "base", *AS_OF, "--format", "markdown", "-o", str(tmp_path / "impact.md"),
              "specs", cwd=history["repo"])
    assert out.returncode == 0 and out.stdout == ""
    assert (tmp_path / "impact.md").read_text() == history["all-markdown"].stdout


@pytest.mark.parametrize("ref, said", [
    ("no-such-branch", "--base `no-such-branch` is not a commit of the git repository here"),
    ("--output=x", "--base `--output=x` is not a git revision"),
])
def test_a_bad_ref_is_one_line_and_exit_2(history: dict, ref: str, said: str) -> None:
    out = usm("diff-rules", f"--base={ref}", "specs", cwd=history["repo"])
    assert out.returncode == 2 and out.stderr == said + "\n" and out.stdout == ""


def test_outside_a_git_repository_is_one_line_and_exit_2(tmp_path: Path) -> None:
    shutil.copy(CASES / "svc-b.yaml", tmp_path / "svc-b.yaml")
    out = usm("diff-rules", "--base", "main", "svc-b.yaml", cwd=tmp_path)
    assert out.returncode == 2 and out.stderr.startswith("--base needs a git work tree, and `")
    assert out.stderr.count("\n") == 1


def _repo_with_bad_policy(tmp_path: Path, in_base: bool) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "base", {"specs/svc-b.yaml": "svc-b.yaml", "usm-rules.toml": "config-1.toml",
                          "waivers.yaml": "waivers.yaml",
                          "policies/local.policy": "bad.policy" if in_base else "local-1.policy"})
    shutil.copy(CASES / ("local-1.policy" if in_base else "bad.policy"), repo / "policies" / "local.policy")
    return repo


@pytest.mark.parametrize("in_base, side", [(True, "base `HEAD`"), (False, "working tree")])
def test_a_policy_that_does_not_compile_names_its_side_with_a_caret(tmp_path: Path, in_base: bool,
                                                                     side: str) -> None:
    repo = _repo_with_bad_policy(tmp_path, in_base)
    out = usm("diff-rules", "--base", "HEAD", "specs", cwd=repo)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert lines[0] == f"the rule set of the {side} does not load:"
    assert lines[1].endswith("policies/local.policy:7:15: unknown field `onwer` on `sco`; did you mean `owner`?")
    assert lines[3].strip() == "^^^^^"
    assert "usm-rules-base-" not in out.stderr  # the private copy is never shown


def test_a_symlink_in_the_base_tree_is_never_followed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    secret = tmp_path / "outside.policy"
    shutil.copy(CASES / "bad.policy", secret)
    (repo / "policies").mkdir()
    os.symlink(secret, repo / "policies" / "linked.policy")
    commit(repo, "base", {"specs/svc-b.yaml": "svc-b.yaml", "usm-rules.toml": "config-1.toml",
                          "waivers.yaml": "waivers.yaml", "policies/local.policy": "local-1.policy"})
    (repo / "policies" / "linked.policy").unlink()
    out = usm("diff-rules", "--base", "HEAD", *AS_OF, "specs", cwd=repo)
    assert out.returncode == 0, out.stderr
    assert "`policies/linked.policy` at --base `HEAD` is a symbolic link; left out" in out.stderr


def _finding(rule: str, severity: str, fingerprint: str, message: str = "m", path: str = "s.yaml",
             suppressed: str | None = None, service: str | None = "svc") -> Finding:
    return Finding(rule, Severity.parse(severity), rule, message, path, 1, 1, 1, 2, "", 0, service, fingerprint,
                   suppressed)


def test_compare_matches_by_fingerprint_counts_repeats_and_reads_exception_findings_both_ways() -> None:
    base = RunResult([_finding("R-1", "warning", "a"), _finding("R-1", "warning", "a"), _finding("R-2", "error", "b"),
                      _finding("WAIVER-UNUSED", "warning", "w", "waiver 2 matches no finding", "waivers.yaml", None,
                               None)], 1, 1, 0)
    head = RunResult([_finding("R-1", "error", "a"), _finding("R-2", "error", "b", suppressed="waiver: ok"),
                      _finding("R-3", "info", "c"),
                      _finding("BASELINE-STALE", "info", "x", "entry gone", "baseline.json", None, None)], 1, 1, 0)
    impact = compare(base, head)
    assert [(f.rule, f.fingerprint) for f in impact.new] == [("R-3", "c")]
    assert sorted((f.rule, f.fingerprint) for f in impact.gone) == [("R-1", "a"), ("R-2", "b")]  # one of two; waived
    assert [(c.finding.rule, c.before.label, c.finding.severity.label) for c in impact.severity_changed] == [
        ("R-1", "warning", "error")]
    assert [f.message for f in impact.newly_needed] == ["waiver 2 matches no finding"]  # now it accepts one
    assert [f.message for f in impact.unnecessary] == ["entry gone"]
    assert [(c.key, c.base, c.head) for c in impact.by_rule] == [("R-1", 2, 1), ("R-2", 1, 0), ("R-3", 0, 1)]
    assert [f.rule for f in impact.introduces(Severity.ERROR)] == ["R-1"]  # raised to error
    assert [f.rule for f in impact.introduces(Severity.INFO)] == ["R-3"]   # raised within the threshold: not new


def test_a_policy_named_on_the_command_line_is_taken_at_the_base_too(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "base", {"specs/svc-a.yaml": "svc-a.yaml", "extra/local.policy": "local-1.policy"})
    shutil.copy(CASES / "local-3.policy", repo / "extra" / "local.policy")
    out = usm("diff-rules", "--base", "HEAD", *AS_OF, "--no-builtin", "--policy", "extra", "--format", "json",
              "specs", cwd=repo)
    assert out.returncode == 0, out.stderr
    rules = json.loads(out.stdout)["rules"]
    assert [r["id"] for r in rules["added"]] == ["LOCAL-002"] and [r["id"] for r in rules["removed"]] == ["LOCAL-001"]


def test_the_json_report_validates_against_its_published_schema(history: dict) -> None:
    import jsonschema

    schema = json.loads((ROOT / "docs" / "diff-rules-v1.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = [e.message for e in validator(schema).iter_errors(json.loads(history["all-json"].stdout))]
    assert errors == []


def test_output_never_overwrites_an_input_of_the_run(history: dict) -> None:
    repo = history["repo"]
    before = (repo / "specs" / "svc-a.yaml").read_bytes()
    out = usm("diff-rules", "--base", "base", *AS_OF, "-o", "specs/svc-a.yaml", "specs", cwd=repo)
    assert out.returncode == 2 and (repo / "specs" / "svc-a.yaml").read_bytes() == before


def test_a_policy_the_change_adds_on_the_command_line_is_absent_from_the_base(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "base", {"specs/svc-a.yaml": "svc-a.yaml"})
    (repo / "extra").mkdir()
    shutil.copy(CASES / "local-3.policy", repo / "extra" / "local.policy")
    out = usm("diff-rules", "--base", "HEAD", *AS_OF, "--pack", "usm", "--policy", "extra", "--format", "json",
              "specs", cwd=repo)
    assert out.returncode == 0, out.stderr
    assert out.stderr == "usm-rules: `extra` does not exist at base `HEAD`: the base runs without it\n"
    assert [r["id"] for r in json.loads(out.stdout)["rules"]["added"]] == ["LOCAL-002"]

"""A gate people can trust: every reproducer of the trust issue that concerns the engine, the walk and the CLI.

Unknown rule ids and runs with no rule are errors; unreadable paths, FIFOs and links out of the project are
findings; Ctrl-C exits 130; a lost worker never hangs a run; writers refuse links and inputs; identities do not
depend on how a path is spelled; suppressions count only in real comments; waivers are unused only when they
could have matched; git refs cannot become options.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "trust"
HEATING = ROOT / "specs" / "heating-bad.yaml"
OFFICE = ROOT / "specs" / "office-climate.yaml"


def usm(*args: str, cwd: Path = ROOT, timeout: float = 120, **kwargs: object) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=timeout, **kwargs)  # the timeout only guards against a hang


def findings(out: subprocess.CompletedProcess) -> list[dict]:
    return json.loads(out.stdout)["findings"]


# -- never exit 0 without having checked ------------------------------------------------------------------

@pytest.mark.parametrize("args, said", [
    (["--select", "NOPE-999"], "--select NOPE-999: matches no rule"),
    (["--select", "nope"], "--select NOPE: matches no rule"),
    (["--ignore", "USM-01O"], "--ignore USM-01O: matches no rule; did you mean"),
])
def test_an_unknown_rule_id_or_prefix_on_the_command_line_is_exit_2(args: list[str], said: str) -> None:
    out = usm("check", *args, str(HEATING))
    assert out.returncode == 2 and said in out.stderr and out.stdout == ""


def test_rule_ids_match_whatever_their_case() -> None:
    out = usm("check", "--format", "json", "--select", "usm-010", str(HEATING))
    assert out.returncode == 1 and {f["rule"] for f in findings(out)} == {"USM-010"}
    explained = usm("explain", "usm-010")
    assert explained.returncode == 0 and explained.stdout.startswith("USM-010:")


def test_explain_of_an_unknown_rule_suggests_the_nearest(tmp_path: Path) -> None:
    out = usm("explain", "CEMM-0022")
    assert out.returncode == 2 and "unknown rule `CEMM-0022`; did you mean `CEMM-002`?" in out.stderr


@pytest.mark.parametrize("config, located", [
    ('select = ["NOPE-999"]\n', "usm-rules.toml:1:11: select: `NOPE-999` matches no rule"),
    ('ignore = ["USM-010", "CEMM-0002"]\n', "ignore: `CEMM-0002` matches no rule; did you mean `CEMM-002`?"),
    ('[rules.USM-999]\nseverity = "warning"\n', "`[rules.USM-999]`: no loaded policy defines rule USM-999"),
])
def test_an_unknown_rule_id_in_config_is_a_located_error(tmp_path: Path, config: str, located: str) -> None:
    (tmp_path / "usm-rules.toml").write_text(config)
    shutil.copy(HEATING, tmp_path / "heating.yaml")
    out = usm("check", "heating.yaml", cwd=tmp_path)
    assert out.returncode == 2 and located in out.stderr and "^" in out.stderr


def test_a_waiver_naming_an_unknown_rule_is_a_located_finding_with_a_suggestion(tmp_path: Path) -> None:
    # A finding, not exit 2: removing a rule from a pack must not stop every run that still waives it.
    (tmp_path / "waivers.yaml").write_text(
        'waivers:\n  - rule: USM-0100\n    service: svc-heating\n    reason: r\n    approvedBy: b\n'
        '    expires: "2030-01-01"\n')
    out = usm("check", "-q", "--waivers", str(tmp_path / "waivers.yaml"), str(HEATING))
    assert out.returncode == 1 and ("waivers.yaml:2:11: warning WAIVER-UNKNOWN-RULE waiver 1 (USM-0100 on service "
                                    "`svc-heating`) can never be used: no loaded policy defines rule `USM-0100`; "
                                    "did you mean `USM-010`?") in out.stdout


@pytest.mark.parametrize("make", ["no-builtin", "empty-file", "empty-dir", "all-off"])
def test_a_run_with_no_rule_in_force_is_exit_2(tmp_path: Path, make: str) -> None:
    args = {"no-builtin": ["--no-builtin"],
            "empty-file": ["--no-builtin", "--policy", str(tmp_path / "empty.policy")],
            "empty-dir": ["--no-builtin", "--policy", str(tmp_path / "policies")],
            "all-off": ["--ignore", "USM,CEMM,SPEC"]}[make]
    (tmp_path / "empty.policy").write_text("")
    (tmp_path / "policies").mkdir()
    out = usm("check", *args, str(HEATING))
    assert out.returncode == 2 and "no rule is in force" in out.stderr and out.stdout == ""


def test_a_directory_with_no_spec_file_gets_a_notice(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = usm("check", str(tmp_path / "empty"))
    assert out.returncode == 0 and "no spec file found" in out.stderr


def test_a_named_file_excluded_by_config_gets_a_notice_that_names_it(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").write_text('exclude = ["drafts/**"]\n')
    (tmp_path / "drafts").mkdir()
    shutil.copy(HEATING, tmp_path / "drafts" / "wip.yaml")
    out = usm("check", "drafts/wip.yaml", cwd=tmp_path)
    assert "`drafts/wip.yaml` is excluded by the pattern `drafts/**`" in out.stderr


def test_an_unreadable_directory_or_file_is_a_spec_read_finding_and_the_rest_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated in-process: CI runs as root, for whom nothing is unreadable, and the interpreter lives where
    # another user cannot run it. The OS refuses exactly as it would for a non-root user.
    import errno

    from usm_rules.engine import run
    from usm_rules.engine import Flags, build_options, builtin_packs
    from usm_rules.config import load_config

    (tmp_path / "specs" / "locked").mkdir(parents=True)
    shutil.copy(HEATING, tmp_path / "specs" / "locked" / "failing.yaml")
    shutil.copy(HEATING, tmp_path / "specs" / "secret.yaml")
    shutil.copy(HEATING, tmp_path / "specs" / "open.yaml")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    def os_open(path: object, *args: object, **kwargs: object) -> int:
        if str(path).endswith("secret.yaml"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "open", os_open)
    options = build_options(load_config(None, start=str(tmp_path)), Flags(use_cache=False))
    walked = run(["specs"], options)
    named = run(["specs/secret.yaml", "specs/open.yaml"], options)
    reads = {(f.file, f.message) for f in walked.findings if f.rule == "SPEC-READ"}
    assert reads == {("specs/locked", "cannot read `specs/locked`: cannot read the directory: permission denied"),
                     ("specs/secret.yaml", "cannot read `specs/secret.yaml`: permission denied")}
    assert any(f.file == "specs/open.yaml" and f.rule == "USM-010" for f in walked.findings)
    assert {f.file for f in named.findings} == {"specs/secret.yaml", "specs/open.yaml"}
    assert [f.severity.label for f in named.findings if f.rule == "SPEC-READ"] == ["error"]
    assert builtin_packs()  # the run above used the real packs


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_or_met_by_the_walk_is_a_spec_read_finding_not_a_hang(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    os.mkfifo(tmp_path / "specs" / "pipe.yaml")
    shutil.copy(HEATING, tmp_path / "specs" / "heating.yaml")
    for args in (["specs"], ["specs/pipe.yaml", "specs/heating.yaml"]):
        out = usm("check", "--format", "json", *args, cwd=tmp_path, timeout=60)
        assert out.returncode == 1
        read = [f for f in findings(out) if f["rule"] == "SPEC-READ"]
        assert [(f["file"], f["message"]) for f in read] == [
            ("specs/pipe.yaml", "cannot read `specs/pipe.yaml`: it is a FIFO (named pipe), not a regular file")]
        assert any(f["rule"] == "USM-010" for f in findings(out))


def test_the_walk_does_not_follow_a_link_out_of_the_project_but_a_named_link_is_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    (project / ".git").mkdir()  # the project root
    outside.mkdir()
    shutil.copy(HEATING, outside / "secret.yaml")
    (project / "specs" / "leak.yaml").symlink_to(outside / "secret.yaml")
    walked = usm("check", "--format", "json", "specs", cwd=project)
    assert [(f["rule"], f["file"]) for f in findings(walked)] == [("SPEC-READ", "specs/leak.yaml")]
    assert "symbolic link to a file outside the project" in findings(walked)[0]["message"]
    named = usm("check", "--format", "json", "specs/leak.yaml", cwd=project)
    assert any(f["rule"] == "USM-010" for f in findings(named))


# -- Ctrl-C and lost workers -------------------------------------------------------------------------------

def _copies(directory: Path, count: int) -> None:
    directory.mkdir()
    text = HEATING.read_text()
    for i in range(count):
        (directory / f"s{i:05}.yaml").write_text(text.replace("svc-heating", f"svc-{i}"))


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_with_one_line_and_no_partial_output_file(tmp_path: Path, jobs: str) -> None:
    _copies(tmp_path / "specs", 3000)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "usm_rules", "check", "--jobs", jobs, "--progress",
                             "--output", "sarif:out.sarif", "specs"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    assert proc.stderr is not None
    seen = b""
    while b"files" not in seen:  # the progress bar: the run is under way
        chunk = os.read(proc.stderr.fileno(), 256)
        assert chunk, "the run ended before it could be interrupted"
        seen += chunk
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    out, err = proc.communicate(timeout=60)
    text = (seen + err).decode()
    assert proc.returncode == 130
    assert "usm-rules: interrupted" in text and "Traceback" not in text and "Aborted!" not in text
    assert text.count("\n") == 1  # the progress bar redraws with \r; the one line is ours
    assert not (tmp_path / "out.sarif").exists() and not list(tmp_path.glob(".out.sarif*"))


def test_a_worker_killed_once_is_rechecked_and_one_killed_twice_is_reported(tmp_path: Path) -> None:
    from usm_rules.engine.workers import check_parallel

    parent = os.getpid()
    marker = tmp_path / "killed-once"

    def check(path: str) -> str:
        if os.getpid() != parent and path == "f37" and not marker.exists():
            marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        if os.getpid() != parent and path == "f99":
            os.kill(os.getpid(), signal.SIGKILL)
        return path

    got: list[str] = []
    lost: list[str] = []
    check_parallel([f"f{i}" for i in range(200)], 2, check, got.append, lambda p, reason: lost.append(p))
    assert sorted(got) == sorted(f"f{i}" for i in range(200) if i != 99)
    assert lost == ["f99"] and marker.exists()


def test_parallel_output_is_byte_identical_to_one_process(tmp_path: Path) -> None:
    _copies(tmp_path / "specs", 60)
    one = usm("check", "--format", "json", "--as-of", "2026-12-01", "specs", cwd=tmp_path)
    two = usm("check", "--format", "json", "--as-of", "2026-12-01", "--jobs", "2", "specs", cwd=tmp_path)
    assert one.returncode == two.returncode == 1 and one.stdout == two.stdout


# -- writers ------------------------------------------------------------------------------------------------

def test_output_onto_a_committed_link_or_an_input_is_refused_and_nothing_is_touched(tmp_path: Path) -> None:
    shutil.copy(HEATING, tmp_path / "heating.yaml")
    before = (tmp_path / "heating.yaml").read_bytes()
    (tmp_path / "usm-rules.sarif").symlink_to("heating.yaml")
    linked = usm("check", "--output", "sarif:usm-rules.sarif", "heating.yaml", cwd=tmp_path)
    assert linked.returncode == 2 and "`usm-rules.sarif` is a symbolic link" in linked.stderr
    onto = usm("check", "--output", "sarif:heating.yaml", "heating.yaml", cwd=tmp_path)
    assert onto.returncode == 2 and "is an input of this run" in onto.stderr
    assert (tmp_path / "heating.yaml").read_bytes() == before


def test_output_through_a_linked_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "reports").symlink_to(tmp_path / "elsewhere")
    shutil.copy(HEATING, tmp_path / "repo" / "heating.yaml")
    out = usm("check", "--output", "json:reports/out.json", "heating.yaml", cwd=tmp_path / "repo")
    assert out.returncode == 2 and "`reports` is a symbolic link" in out.stderr
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_baseline_create_through_a_dangling_link_creates_nothing(tmp_path: Path) -> None:
    shutil.copy(HEATING, tmp_path / "heating.yaml")
    (tmp_path / "bl.json").symlink_to(tmp_path / "nowhere" / "bl.json")
    out = usm("baseline", "create", "bl.json", "heating.yaml", cwd=tmp_path)
    assert out.returncode == 2 and "symbolic link" in out.stderr
    assert not (tmp_path / "nowhere").exists()


def test_output_to_stdout_through_dev_stdout_still_works() -> None:
    out = usm("check", "--format", "json", "--output", "/dev/stdout", str(OFFICE))
    assert out.returncode == 0 and json.loads(out.stdout)["summary"]["findings"] == 0


# -- identities -------------------------------------------------------------------------------------------

def test_fingerprints_do_not_depend_on_the_spelling_of_the_path_or_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs").mkdir()
    shutil.copy(HEATING, tmp_path / "specs" / "x.yaml")
    runs = [usm("check", "--format", "json", spelling, cwd=tmp_path)
            for spelling in ("specs/x.yaml", "./specs/x.yaml", str(tmp_path / "specs" / "x.yaml"),
                             "specs/../specs/x.yaml")]
    runs.append(usm("check", "--format", "json", "x.yaml", cwd=tmp_path / "specs"))
    prints = {tuple(f["fingerprint"] for f in findings(r)) for r in runs}
    paths = {f["path"] for r in runs for f in findings(r)}
    assert len(prints) == 1 and paths == {"specs/x.yaml"}
    assert [findings(r)[0]["file"] for r in runs[:2]] == ["specs/x.yaml", "./specs/x.yaml"]  # as given


def test_a_baseline_made_with_one_spelling_hides_the_findings_under_another(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "specs").mkdir()
    shutil.copy(HEATING, tmp_path / "specs" / "x.yaml")
    assert usm("baseline", "create", "bl.json", "specs/x.yaml", cwd=tmp_path).returncode == 0
    out = usm("check", "--format", "json", "--baseline", "bl.json", str(tmp_path / "specs"), cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    assert all(f["suppressed"] == "baseline" for f in findings(out))


def test_a_file_name_that_is_not_utf8_is_checked_and_every_format_reports(tmp_path: Path) -> None:
    bad = os.fsencode(tmp_path) + b"/bad\xff\x1b[2J.yaml"
    shutil.copy(HEATING, os.fsdecode(bad))
    shutil.copy(OFFICE, tmp_path / "good.yaml")
    for fmt in ("text", "json", "sarif", "junit", "github", "gitlab"):
        out = usm("check", "--format", fmt, ".", cwd=tmp_path)
        assert out.returncode == 1, (fmt, out.stderr)
        assert "internal error" not in out.stderr and "\x1b" not in out.stdout
    listed = {f["file"] for f in findings(usm("check", "--format", "json", ".", cwd=tmp_path))}
    assert listed == {"./bad\\xff\\x1b[2J.yaml"}


# -- suppressions, waivers, git ------------------------------------------------------------------------------

def test_a_suppression_inside_a_string_or_block_scalar_suppresses_nothing() -> None:
    out = usm("check", "--format", "json", "--select", "USM-001,USM-008,USM-010,USM-011,CEMM-002",
              str(CASES / "suppression-in-strings.yaml"))
    active = {(f["rule"], f["line"]) for f in findings(out) if f["suppressed"] is None}
    suppressed = {(f["rule"], f["line"]) for f in findings(out) if f["suppressed"] is not None}
    assert {("USM-001", 1), ("USM-010", 18), ("CEMM-002", 20)} <= active
    assert suppressed == {("USM-011", 18)}  # the one real comment


def test_json_has_no_comments_so_no_suppressions() -> None:
    out = usm("check", "--format", "json", "--select", "USM-010", str(CASES / "suppression-in-json.json"))
    assert [(f["rule"], f["suppressed"]) for f in findings(out)] == [("USM-010", None)]


def test_a_waiver_is_not_unused_when_its_file_or_rule_is_not_part_of_the_run(tmp_path: Path) -> None:
    shutil.copy(HEATING, tmp_path / "heating.yaml")
    shutil.copy(OFFICE, tmp_path / "office.yaml")
    (tmp_path / "waivers.yaml").write_text(
        'waivers:\n'
        '  - rule: USM-010\n    service: svc-heating\n    reason: r\n    approvedBy: b\n    expires: "2030-01-01"\n'
        '  - rule: CEMM-005\n    file: "heating.yaml"\n    reason: r\n    approvedBy: b\n    expires: "2030-01-01"\n')
    precommit = usm("check", "--format", "json", "--waivers", "waivers.yaml", "office.yaml", cwd=tmp_path)
    assert [f for f in findings(precommit) if f["rule"] == "WAIVER-UNUSED"] == []
    selected = usm("check", "--format", "json", "--select", "USM-010", "--waivers", "waivers.yaml", "heating.yaml",
                   cwd=tmp_path)
    assert [f for f in findings(selected) if f["rule"] == "WAIVER-UNUSED"] == []
    full = usm("check", "--format", "json", "--ignore", "CEMM-005", "--waivers", "waivers.yaml", ".", cwd=tmp_path)
    assert [f["message"] for f in findings(full) if f["rule"] == "WAIVER-UNUSED"] == []


def _git_repo(path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=path,
                       check=True, capture_output=True)

    git("init", "-q")
    shutil.copy(HEATING, path / "a.yaml")
    git("add", ".")
    git("commit", "-qm", "first")


@pytest.mark.parametrize("ref", ["--output=FILE", "-p", "--no-index"])
def test_a_ref_that_looks_like_an_option_never_reaches_git_as_one(tmp_path: Path, ref: str) -> None:
    _git_repo(tmp_path)
    out = usm("check", f"--changed-since={ref}", ".", cwd=tmp_path)
    assert out.returncode == 2 and "is not a git revision" in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "a.yaml"]


def test_changed_since_reports_only_changed_and_new_files(tmp_path: Path) -> None:
    _git_repo(tmp_path)
    shutil.copy(HEATING, tmp_path / "b.yaml")
    out = usm("check", "--format", "json", "--changed-since", "HEAD", ".", cwd=tmp_path)
    assert {f["path"] for f in findings(out)} == {"b.yaml"}
    unknown = usm("check", "--changed-since", "no-such-branch", ".", cwd=tmp_path)
    assert unknown.returncode == 2 and "`no-such-branch` is not a commit" in unknown.stderr


def test_baseline_entries_of_files_outside_a_partial_run_are_not_stale(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    shutil.copy(HEATING, tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text(HEATING.read_text().replace("svc-heating", "svc-b"))
    assert usm("baseline", "create", "bl.json", ".", cwd=tmp_path).returncode == 0
    partial = usm("check", "--format", "json", "--baseline", "bl.json", "a.yaml", cwd=tmp_path)
    assert partial.returncode == 0 and not [f for f in findings(partial) if f["rule"] == "BASELINE-STALE"]
    (tmp_path / "b.yaml").write_text(OFFICE.read_text())  # b's findings are fixed: its entries are stale
    full = usm("check", "--format", "json", "--baseline", "bl.json", ".", cwd=tmp_path)
    stale = {f["message"].split(" at ")[1].split("`")[1].split("/")[0] for f in findings(full)
             if f["rule"] == "BASELINE-STALE"}
    assert stale == {"b.yaml"}

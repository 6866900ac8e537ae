"""The conventions users bring from ruff, Spectral and conftest (issue 15): exit-status flags, statistics,
standard input with a file name, --show-files, colour, one-line errors, JUnit per file, SARIF help links.

The project in tests/cases/ci/project has a config (drafts excluded, a waiver for USM-010 in specs/bad.yaml,
a `help_base_url`), a clean spec and a bad one. Commands run in-process through click's runner (fast); the
ones that depend on the process (colour on a pipe, git) run as subprocesses.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "ci"
PROJECT = CASES / "project"
BAD = PROJECT / "specs" / "bad.yaml"
AS_OF = ("--as-of", "2026-11-24")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None, cwd: Path = PROJECT):
    """`usm-rules ARGS` in-process, in `cwd`; stdout and stderr apart."""
    runner = CliRunner()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, list(args), input=stdin, env=env, catch_exceptions=False)
    finally:
        os.chdir(here)


def usm(*args: str, env: dict[str, str] | None = None, cwd: Path = PROJECT) -> subprocess.CompletedProcess:
    """`usm-rules ARGS` as its own process, output to a pipe."""
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full["PYTHONPATH"] = str(ROOT)
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, env=full,
                          stdin=subprocess.DEVNULL)


# -- exit status: --exit-zero, --fail-on never -----------------------------------------------------------------

def test_exit_zero_exits_0_although_errors_were_found() -> None:
    plain = run("check", *AS_OF, "-q", "specs")
    assert plain.exit_code == 1
    zero = run("check", *AS_OF, "-q", "--exit-zero", "specs")
    assert zero.exit_code == 0
    assert zero.stdout == plain.stdout  # the findings are still reported


def test_exit_zero_still_exits_2_on_a_usage_error() -> None:
    out = run("check", "--exit-zero", "--select", "NOPE-001", "specs")
    assert out.exit_code == 2


def test_fail_on_never_exits_0_with_findings() -> None:
    out = run("check", *AS_OF, "-q", "--fail-on", "never", "specs")
    assert out.exit_code == 0
    assert "error USM-003" in out.stdout


def test_config_fail_on_never_and_the_flag_wins(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "bad.yaml")
    (tmp_path / "usm-rules.toml").write_text('fail_on = "never"\n')
    assert run("check", *AS_OF, "-q", "bad.yaml", cwd=tmp_path).exit_code == 0
    assert run("check", *AS_OF, "-q", "--fail-on", "error", "bad.yaml", cwd=tmp_path).exit_code == 1


# -- --statistics ---------------------------------------------------------------------------------------------

def test_statistics_counts_findings_per_rule_like_ruff() -> None:
    out = run("check", *AS_OF, "--statistics", "specs")
    assert out.exit_code == 1  # the exit status is the check's
    assert out.stdout == (CASES / "statistics.txt").read_text()


def test_statistics_as_json() -> None:
    out = run("check", *AS_OF, "--statistics", "--format", "json", "specs")
    rows = json.loads(out.stdout)
    assert rows[0] == {"rule": "CEMM-006", "severity": "warning", "title": "SCO statements avoid weasel words",
                       "count": 2}
    assert sum(r["count"] for r in rows) == len(json.loads(run("check", *AS_OF, "--format", "json", "specs")
                                                           .stdout)["findings"]) - 1  # USM-010 is waived
    assert all(r["rule"] != "USM-010" for r in rows)


def test_statistics_refuses_a_format_that_cannot_hold_counts() -> None:
    out = run("check", "--statistics", "--format", "sarif", "specs")
    assert out.exit_code == 2
    assert "--statistics" in out.stderr


# -- --stdin-filename -----------------------------------------------------------------------------------------

def _stdin_json(*extra: str) -> dict:
    out = run("check", *AS_OF, "--format", "json", "--stdin-filename", "specs/bad.yaml", *extra, "-",
              stdin=BAD.read_bytes())
    return json.loads(out.stdout)


def test_stdin_filename_names_the_spec_and_keeps_its_fingerprints() -> None:
    from_file = json.loads(run("check", *AS_OF, "--format", "json", "specs/bad.yaml").stdout)["findings"]
    from_stdin = _stdin_json()["findings"]
    assert {f["file"] for f in from_stdin} == {"specs/bad.yaml"}
    assert {f["path"] for f in from_stdin} == {"specs/bad.yaml"}
    assert [f["fingerprint"] for f in from_stdin] == [f["fingerprint"] for f in from_file]


def test_stdin_filename_lets_the_waivers_match() -> None:
    usm010 = [f for f in _stdin_json()["findings"] if f["rule"] == "USM-010"]
    assert usm010 and all(f["suppressed"] for f in usm010)


@pytest.mark.parametrize("fmt", ["sarif", "gitlab", "junit", "github"])
def test_stdin_filename_reaches_every_ci_format(fmt: str) -> None:
    out = run("check", *AS_OF, "--format", fmt, "--stdin-filename", "specs/bad.yaml", "-", stdin=BAD.read_bytes())
    assert "specs/bad.yaml" in out.stdout
    assert not re.search(r'"-"|name="-"|file=-,', out.stdout)


def test_stdin_filename_excluded_by_the_config_is_not_checked() -> None:
    out = run("check", "--stdin-filename", "drafts/new.yaml", "-", stdin=BAD.read_bytes())
    assert out.exit_code == 0
    assert "excluded by the pattern `drafts/**`" in out.stderr
    assert "No findings in 0 files" in out.stdout


def test_stdin_filename_shows_source_lines_from_stdin_not_from_the_disk() -> None:
    text = BAD.read_text().replace("  goods:\n", "  goods:  # unsaved edit in the editor\n")
    assert text != BAD.read_text()
    out = run("check", *AS_OF, "--show-source", "--select", "USM-003", "--stdin-filename", "specs/bad.yaml", "-",
              stdin=text.encode())
    assert out.stdout.splitlines()[:3] == [
        "specs/bad.yaml:14:3: error USM-003 the facility of service `svc-heating` has no `functioning`",
        "      goods:  # unsaved edit in the editor",
        "      ^"]


def test_stdin_filename_json_decides_the_reader() -> None:
    spec = {"apiVersion": "usm/v1", "kind": "ServiceSpecification", "metadata": {"id": "x", "name": "X", "owner": "o"},
            "provider": {"name": "P", "valueMaturity": {"level": 2}},
            "customers": [{"id": "c", "name": "C", "valueMaturity": {"level": 2}}], "scos": [{"id": "s", "statement": "t"}]}
    text = json.dumps(spec).replace('"x"', '"x", "id": "y"', 1)  # a duplicate key: only the JSON reader says so
    out = run("check", "--format", "json", "--stdin-filename", "specs/new.json", "-", stdin=text.encode())
    rules = {f["rule"] for f in json.loads(out.stdout)["findings"]}
    assert "SPEC-DUPLICATE-KEY" in rules


def test_stdin_filename_must_not_be_empty() -> None:
    assert run("check", "--stdin-filename", " ", "-", stdin=b"").exit_code == 2


# -- --show-files ---------------------------------------------------------------------------------------------

def test_show_files_lists_what_would_be_checked_and_checks_nothing() -> None:
    out = run("check", "--show-files")
    assert out.exit_code == 0
    assert out.stdout.splitlines() == ["./specs/bad.yaml", "./specs/clean.yaml", "./waivers.yaml"]  # not drafts/


def test_show_files_names_standard_input_by_stdin_filename() -> None:
    out = run("check", "--show-files", "--stdin-filename", "specs/new.yaml", "-", "specs/clean.yaml")
    assert out.stdout.splitlines() == ["specs/new.yaml", "specs/clean.yaml"]


# -- colour ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "env", "coloured"), [
    ((), {}, False),                                        # a pipe: auto means no colour
    (("--color",), {}, True),                               # bare --color forces it, as before
    (("--color=always",), {}, True),
    (("--color", "always"), {}, True),
    (("--color=auto",), {}, False),
    ((), {"FORCE_COLOR": "1"}, True),                       # FORCE_COLOR colours a pipe
    ((), {"FORCE_COLOR": "0"}, False),
    ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True),      # FORCE_COLOR wins over NO_COLOR
    (("--color=never",), {"FORCE_COLOR": "1"}, False),      # a flag wins over both
    (("--no-color",), {"FORCE_COLOR": "1"}, False),         # --no-color is --color=never
    (("--color=always",), {"NO_COLOR": "1"}, True),
])
def test_colour_by_flag_and_environment(args: tuple[str, ...], env: dict[str, str], coloured: bool) -> None:
    out = usm("check", *AS_OF, "-q", "--select", "USM-003", *args, "specs/bad.yaml", env=env)
    assert out.returncode == 1, out.stderr
    assert bool(ANSI.search(out.stdout.decode())) is coloured


def test_no_color_turns_colour_off_in_auto_on_a_terminal() -> None:
    from usm_rules.conventions import use_color

    assert use_color(None, True, {}) is True
    assert use_color(None, True, {"NO_COLOR": "1"}) is False
    assert use_color("auto", True, {"NO_COLOR": "1"}) is False
    assert use_color(None, True, {"NO_COLOR": ""}) is True  # no-color.org: only a non-empty value counts
    assert use_color(None, False, {"FORCE_COLOR": "true"}) is True


def test_colour_never_reaches_report_files(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    run("check", *AS_OF, "--color=always", "-o", str(target), "specs/bad.yaml")
    assert not ANSI.search(target.read_text())


# -- one-line errors --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "says"), [
    ("sarif:", "`sarif:` names no file after the colon; write sarif:FILE"),
    ("junit:  ", "names no file after the colon"),
    (":out.sarif", "names no format before the colon"),
    ("sarife:out.sarif", "unknown format `sarife`"),
    ("", "needs a file name"),
])
def test_malformed_output_is_one_line_and_writes_nothing(tmp_path: Path, value: str, says: str) -> None:
    out = run("check", "-o", value, str(BAD), cwd=tmp_path)
    assert out.exit_code == 2
    assert len(out.stderr.splitlines()) == 1 and says in out.stderr
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_changed_since_outside_a_git_repository_is_one_line(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "bad.yaml")
    out = usm("check", "--changed-since", "HEAD", "bad.yaml", cwd=tmp_path,
              env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)})
    assert out.returncode == 2
    lines = out.stderr.decode().splitlines()
    assert len(lines) == 1
    assert "needs a git work tree" in lines[0]
    assert out.stdout == b""


# -- JUnit: every file, failures at --fail-on --------------------------------------------------------------------

def _junit(*args: str) -> ET.Element:
    out = run("check", *AS_OF, "--format", "junit", *args, "specs", env={"SOURCE_DATE_EPOCH": "1764806400"})
    return ET.fromstring(out.stdout.encode())


def test_junit_has_a_suite_for_every_file_checked_clean_ones_too() -> None:
    root = _junit()
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert sorted(suites) == ["specs/bad.yaml", "specs/clean.yaml"]
    clean = suites["specs/clean.yaml"]
    assert clean.get("failures") == "0" and int(clean.get("tests")) > 0
    assert all(len(case) == 0 for case in clean.iter("testcase"))


def test_junit_fails_only_at_or_above_fail_on() -> None:
    bad = next(s for s in _junit().iter("testsuite") if s.get("name") == "specs/bad.yaml")
    cases = {c.get("name").split(" ", 1)[0]: c for c in bad.iter("testcase")}
    assert cases["USM-003"].find("failure") is not None  # an error
    assert cases["USM-006"].find("failure") is None  # a warning: in system-out
    assert "warning" in cases["USM-006"].find("system-out").text
    assert cases["USM-010"].find("failure") is None  # waived
    assert "suppressed" in cases["USM-010"].find("system-out").text
    stricter = next(s for s in _junit("--fail-on", "warning").iter("testsuite") if s.get("name") == "specs/bad.yaml")
    assert {c.get("name").split(" ", 1)[0] for c in stricter.iter("testcase") if c.find("failure") is not None} >= {
        "USM-003", "USM-006"}
    never = _junit("--fail-on", "never")
    assert never.get("failures") == "0" and not list(never.iter("failure"))


def test_junit_suites_carry_timestamp_and_hostname() -> None:
    import socket

    for suite in _junit().iter("testsuite"):
        assert suite.get("timestamp") == "2025-12-04T00:00:00"  # SOURCE_DATE_EPOCH, for reproducible reports
        assert suite.get("hostname") == socket.gethostname()


# -- SARIF: help links ----------------------------------------------------------------------------------------------

def test_sarif_links_every_rule_to_the_published_docs() -> None:
    out = run("check", *AS_OF, "--format", "sarif", "specs")
    driver = json.loads(out.stdout)["runs"][0]["tool"]["driver"]
    base = "https://git.example.com/platform/usm-rules/-/blob/v0.2.0/docs/rules.md"
    assert driver["semanticVersion"] == driver["version"]
    uris = {r["id"]: r.get("helpUri") for r in driver["rules"]}
    assert uris["USM-010"] == base + "#usm-010"
    assert uris["SPEC-READ"] == base + "#engine-findings"
    assert all(uri and uri.startswith(base + "#") for uri in uris.values())


def test_sarif_without_help_base_url_has_no_relative_help(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "bad.yaml")
    out = run("check", *AS_OF, "--format", "sarif", "bad.yaml", cwd=tmp_path)
    rules = json.loads(out.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert all("helpUri" not in r for r in rules)
    assert "docs/rules.md" not in json.dumps(rules)


@pytest.mark.parametrize("url", ["docs/rules.md", "ftp://x/rules.md", "https://x/rules.md#usm-001", "https://"])
def test_help_base_url_must_be_an_absolute_http_url(tmp_path: Path, url: str) -> None:
    (tmp_path / "usm-rules.toml").write_text(f'help_base_url = "{url}"\n')
    out = run("check", "--show-files", cwd=tmp_path)
    assert out.exit_code == 2
    assert "usm-rules.toml:1:1: `help_base_url` must be an absolute http(s) URL" in out.stderr


def test_show_files_with_changed_since_lists_only_changed_files(tmp_path: Path) -> None:
    import subprocess as sp

    work = tmp_path / "repo"
    shutil.copytree(PROJECT, work)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    sp.run(["git", "init", "-q"], cwd=work, check=True)
    sp.run([*git, "add", "."], cwd=work, check=True)
    sp.run([*git, "commit", "-qm", "x"], cwd=work, check=True)
    (work / "specs" / "clean.yaml").write_text((work / "specs" / "clean.yaml").read_text() + "# edited\n")
    out = usm("check", "--show-files", "--changed-since", "HEAD", cwd=work)
    assert out.returncode == 0, out.stderr
    assert out.stdout.decode().splitlines() == ["./specs/clean.yaml"]

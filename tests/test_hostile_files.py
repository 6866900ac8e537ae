"""Config, waivers and baseline files that cannot break a run, and baselines that count.

Every file the user hands us besides specs and policies is read once, through the bounded door (regular files
only, a size limit), and whatever it holds ends in a located error (exit 2: `file:line:col`, the source line
and a caret), never an internal error or a traceback. Fixtures: tests/cases/hostile-files/; big or binary
inputs are made in tmp_path.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from usm_rules.baseline import Baseline, Entry, render, stale_message
from usm_rules.config import LIMIT_MAXIMUMS, MAX_JOBS, MAX_TOML_NESTING, load_config, parse_config
from usm_rules.errors import ConfigError, Located
from usm_rules.findings import Finding, Severity
from usm_rules.waivers import load_waivers

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "hostile-files"
SPEC = ROOT / "specs" / "heating-bad.yaml"
WAIVER = ('waivers:\n  - rule: USM-010\n    service: svc-heating\n    reason: growth plan\n'
          '    approvedBy: board\n    expires: "2099-12-31"\n')
# Only a guard against a hang (a FIFO opened for reading blocks until a writer comes): never a measure of speed.
HANG_GUARD = 120


def usm(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), USM_RULES_CACHE_DIR="")
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=HANG_GUARD, stdin=subprocess.DEVNULL)


def assert_located(out: subprocess.CompletedProcess, where: str, message: str, caret: bool = True) -> None:
    """Exit 2 with `where` (file:line:col) and `message` in the first line, a caret under it, no traceback."""
    assert out.returncode == 2, (out.returncode, out.stderr)
    first = out.stderr.splitlines()[0]
    assert first.startswith(where + ": "), out.stderr
    assert message in first, out.stderr
    if caret:
        assert out.stderr.splitlines()[2].strip().startswith("^"), out.stderr
    assert "Traceback" not in out.stderr and "internal error" not in out.stderr


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    return info.value.render()


def waivers_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_waivers(str(path))
    return info.value.render()


def baseline_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        Baseline.load(str(path))
    return info.value.render()


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    shutil.copy(SPEC, tmp_path / "heating.yaml")
    return tmp_path


def make_fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(path)
    return path


# --- files that are not regular files, or too large ------------------------------------------------------


@pytest.mark.parametrize("option", ["--waivers", "--baseline", "--config"])
def test_dev_zero_is_refused_at_once(project: Path, option: str) -> None:
    out = usm("check", option, "/dev/zero", "heating.yaml", cwd=project)
    what = {"--waivers": "the waivers file", "--baseline": "the baseline", "--config": "the config file"}[option]
    assert_located(out, "/dev/zero:1:1", f"cannot read {what}: it is a character device, not a regular file",
                   caret=False)


def test_dev_zero_named_as_waivers_in_the_config_is_refused(project: Path) -> None:
    (project / "usm-rules.toml").write_text('waivers = "/dev/zero"\n', encoding="utf-8")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "/dev/zero:1:1", "cannot read the waivers file: it is a character device", caret=False)


@pytest.mark.parametrize("option", ["--waivers", "--baseline", "--config"])
def test_a_fifo_is_refused_without_hanging(project: Path, option: str) -> None:
    make_fifo(project / "pipe")
    out = usm("check", option, "pipe", "heating.yaml", cwd=project)
    assert_located(out, "pipe:1:1", "it is a FIFO (named pipe), not a regular file", caret=False)


def test_a_fifo_named_usm_rules_toml_is_found_and_refused(project: Path) -> None:
    make_fifo(project / "usm-rules.toml")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "usm-rules.toml:1:1", "cannot read the config file: it is a FIFO", caret=False)


def test_a_fifo_named_pyproject_toml_is_not_ours_and_is_skipped(project: Path) -> None:
    make_fifo(project / "pyproject.toml")
    out = usm("check", "--format", "json", "heating.yaml", cwd=project)
    assert out.returncode == 1, out.stderr  # the spec's findings: the config walk went on past the FIFO


def test_a_fifo_waivers_file_named_in_the_config_is_refused(project: Path) -> None:
    make_fifo(project / "waivers.yaml")
    (project / "usm-rules.toml").write_text('waivers = "waivers.yaml"\n', encoding="utf-8")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "waivers.yaml:1:1", "cannot read the waivers file: it is a FIFO", caret=False)


def test_files_over_the_limit_are_refused_before_reading(tmp_path: Path) -> None:
    waivers, baseline, config = tmp_path / "w.yaml", tmp_path / "b.json", tmp_path / "usm-rules.toml"
    for path, size in ((waivers, 17 << 20), (baseline, 65 << 20), (config, 17 << 20)):
        with open(path, "wb") as fh:  # sparse: nothing is written, the size alone is over the limit
            fh.truncate(size)
    assert "cannot read the waivers file: it is 17,825,792 bytes, more than the limit" in waivers_error(waivers)
    assert "cannot read the baseline: it is 68,157,440 bytes, more than the limit" in baseline_error(baseline)
    assert "cannot read the config file: it is 17,825,792 bytes, more than the limit" in config_error(config)


# --- range-checked limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ("[limits]\nmax_bytes = 100000000000\n",
     "`limits.max_bytes` must be between 1 and 1,073,741,824, got 100000000000"),
    ("[limits]\nmax_depth = 9223372036854775807\n",
     "`limits.max_depth` must be between 1 and 1,000, got 9223372036854775807"),
    ("[limits]\nmax_nodes = 100000001\n", "`limits.max_nodes` must be between 1 and 100,000,000, got 100000001"),
    ("jobs = 1000\n", "`jobs` must be between 1 and 256, got 1000"),
])
def test_limits_beyond_what_the_loader_can_honour_are_located_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "usm-rules.toml")
    (problem,) = info.value.problems
    assert problem.message == message and problem.line == text.count("\n")


def test_the_largest_limits_allowed_are_accepted_and_loadable() -> None:
    text = "jobs = {}\n[limits]\n".format(MAX_JOBS) + "".join(f"{k} = {v}\n" for k, v in LIMIT_MAXIMUMS.items())
    config = parse_config(text, "usm-rules.toml")
    assert dict(config.limits) == LIMIT_MAXIMUMS and config.jobs == MAX_JOBS
    # The loader honours the deepest allowed nesting without a RecursionError: a located SPEC-LIMIT.
    from usm_rules.loader import Limits, load_bytes

    depth = LIMIT_MAXIMUMS["max_depth"] + 1
    loaded = load_bytes(("[" * depth + "]" * depth).encode(), "x.yaml", Limits(**dict(config.limits)))
    assert [p.rule for p in loaded.problems] == ["SPEC-LIMIT"]


def test_a_huge_limit_through_the_cli_is_exit_2_not_a_memory_error(project: Path) -> None:
    (project / "usm-rules.toml").write_text("[limits]\nmax_bytes = 100000000000\n", encoding="utf-8")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "usm-rules.toml:2:1", "must be between 1 and 1,073,741,824")


# --- hostile config content ---------------------------------------------------------------------------------


def test_invalid_utf8_in_the_config_names_line_column_and_byte(project: Path) -> None:
    (project / "usm-rules.toml").write_bytes(b'jobs = 2\nfail_on = "warn\xffing"\n')
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "usm-rules.toml:2:16", "config file is not valid UTF-8 (byte 24)")


def test_a_nul_byte_in_the_config_is_located(project: Path) -> None:
    (project / "usm-rules.toml").write_bytes(b"jobs = 2\nfail_on = \"err\x00or\"\n")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "usm-rules.toml:2:15", "config file holds a NUL byte (byte 23): it is not a text file")


@pytest.mark.parametrize("value", ["[" * 100_000 + "]" * 100_000, "{a = " * 100_000 + "1" + "}" * 100_000])
def test_100k_deep_toml_is_a_located_error(project: Path, value: str) -> None:
    (project / "usm-rules.toml").write_text(f"jobs = 1\nx = {value}\n", encoding="utf-8")
    out = usm("check", "heating.yaml", cwd=project)
    column = 5 + MAX_TOML_NESTING * (1 if value.startswith("[") else 5)
    assert_located(out, f"usm-rules.toml:2:{column}",
                   f"arrays and inline tables are nested more than {MAX_TOML_NESTING} levels deep")


def test_brackets_in_strings_and_comments_do_not_count_as_nesting() -> None:
    many = "[" * 500
    text = (f'[rules.USM-010]\na = "{many}"\nb = \'{many}\'\nc = """\n{many}\\""" """\nd = \'\'\'{many}\'\'\'\n'
            f'# {many}\ne = [[[1]]]\n')
    settings = parse_config(text, "c.toml").rules["USM-010"]
    assert settings.params["a"] == many and settings.params["e"] == [[[1]]]


def test_a_5000_digit_integer_in_the_config_is_located(project: Path) -> None:
    (project / "usm-rules.toml").write_text("jobs = 2\n[limits]\nmax_nodes = " + "9" * 5000 + "\n",
                                            encoding="utf-8")
    out = usm("check", "heating.yaml", cwd=project)
    assert_located(out, "usm-rules.toml:3:13", "invalid TOML: an integer of 5,000 digits is too long to read")


def test_a_long_integer_python_can_read_is_shown_short() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config("jobs = " + "9" * 4000 + "\n", "c.toml")
    assert info.value.problems[0].message == "`jobs` must be between 1 and 256, got an integer of more than 40 digits"


def test_a_deep_or_huge_pyproject_that_mentions_us_is_picked_and_reported(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.usm-rules]\nx = ' + "[" * 5000 + "]" * 5000 + "\n",
                                             encoding="utf-8")
    from usm_rules.config import find_config

    assert find_config(str(tmp_path)) == str(tmp_path / "pyproject.toml")
    assert "nested more than 100 levels deep" in config_error(tmp_path / "pyproject.toml")


# --- hostile waivers -------------------------------------------------------------------------------------


def test_waivers_file_is_read_once_through_the_bounded_door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import usm_rules.files as files

    reads: list[str] = []
    real = files.read_bounded
    monkeypatch.setattr(files, "read_bounded", lambda path, limit: reads.append(path) or real(path, limit))
    import usm_rules.config as config

    (tmp_path / "w.yaml").write_text(WAIVER, encoding="utf-8")
    assert [w.rule for w in load_waivers(str(tmp_path / "w.yaml"))] == ["USM-010"]
    assert reads == [str(tmp_path / "w.yaml")]


def test_100k_deep_yaml_in_a_waivers_file_is_a_located_error(project: Path) -> None:
    (project / "w.yaml").write_text("waivers: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    out = usm("check", "--waivers", "w.yaml", "heating.yaml", cwd=project)
    assert_located(out, "w.yaml:1:25", "nesting is deeper than the limit of 16 levels")


LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join(['*' + a] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi")) + WAIVER


@pytest.mark.parametrize(("content", "where", "message"), [
    (WAIVER.encode().replace(b"growth", b"gr\xffowth"), "w.yaml:4:15", "not valid UTF-8 at byte 66"),
    (WAIVER.encode().replace(b"growth", b"gr\x00owth"), "w.yaml:4:15", "NUL byte at byte 66"),
    (WAIVER.replace("board", "9" * 5000).encode(), "w.yaml:5:17", "has too many digits"),
    (WAIVER.replace("reason:", "reason: &a [*a]\n    x:").encode(), "w.yaml:4:13", "(a recursive structure)"),
    (LAUGHS.encode(), "w.yaml:6:4", "the document expands to more than 1,000,000 nodes through aliases"),
    (WAIVER.replace("approvedBy", "reason").encode(), "w.yaml:5:5", "duplicate key `reason`"),
    (WAIVER.replace("reason: growth plan", "reason: [growth plan").encode(), "w.yaml:5:15", "YAML syntax error"),
])
def test_hostile_content_in_a_waivers_file_is_located(project: Path, content: bytes, where: str, message: str) -> None:
    (project / "w.yaml").write_bytes(content)
    out = usm("check", "--waivers", "w.yaml", "heating.yaml", cwd=project)
    assert_located(out, where, message)


def test_bad_waiver_values_are_each_located() -> None:
    rendered = waivers_error(CASES / "waivers-bad-values.yaml")
    lines = [line.split(": ", 1) for line in rendered.splitlines() if not line.startswith("    ")]
    name = str(CASES / "waivers-bad-values.yaml")
    assert lines == [
        [f"{name}:2:11", "`rule` of waiver 1 is not a rule id (such as `USM-010`): \"USM 010\""],
        [f"{name}:3:11", "`file` of waiver 1 is matched against paths relative to the project root; an absolute "
                         "path never matches"],
        [f"{name}:6:14", "`expires` of waiver 1 must be a date written YYYY-MM-DD"],
        [f"{name}:12:12", "unknown key `count` in waiver 2"],
    ]


def test_waiver_rule_ids_are_case_insensitive_and_located() -> None:
    first, second = load_waivers(str(CASES / "waivers-any-case.yaml"))
    assert (first.rule, second.rule) == ("USM-010", "CEMM-002")
    assert first.rule_location is not None and second.rule_location is not None
    assert (first.rule_location.line, first.rule_location.column, first.rule_location.length) == (2, 11, 7)
    assert first.rule_location.message == "" and first.rule_location.source_line == "  - rule: usm-010"
    assert second.file_glob == "heating.yaml"  # a leading ./ is dropped: globs match project-relative paths


def test_a_lower_case_waiver_suppresses_through_the_cli(project: Path) -> None:
    shutil.copy(CASES / "waivers-any-case.yaml", project / "w.yaml")
    out = usm("check", "--format", "json", "--select", "USM-010", "--waivers", "w.yaml", "heating.yaml",
              cwd=project)
    assert out.returncode in (0, 1), out.stderr
    usm010 = [f for f in json.loads(out.stdout)["findings"] if f["rule"] == "USM-010"]
    assert usm010 and all(f["suppressed"] for f in usm010)


def test_could_match_file_tells_whether_a_waivers_target_was_checked() -> None:
    by_file, by_service = load_waivers(str(CASES / "waivers-any-case.yaml"))[::-1]
    assert by_file.could_match_file("heating.yaml") and not by_file.could_match_file("specs/heating.yaml")
    assert by_service.could_match_file("anything.yaml")  # a service may live in any file
    assert by_file.matches("CEMM-002", None, "heating.yaml", "/scos/0")
    assert not by_file.matches("CEMM-002", None, "other.yaml", "/scos/0")


# --- hostile baselines ---------------------------------------------------------------------------------------


def test_every_bad_baseline_entry_is_located() -> None:
    rendered = baseline_error(CASES / "baseline-bad-entries.json")
    expected = (CASES / "baseline-bad-entries.expected").read_text(encoding="utf-8")
    assert rendered.replace(str(CASES) + "/", "tests/cases/hostile-files/") + "\n" == expected


def test_bad_baseline_entries_through_the_cli(project: Path) -> None:
    shutil.copy(CASES / "baseline-bad-entries.json", project / "b.json")
    out = usm("check", "--baseline", "b.json", "heating.yaml", cwd=project)
    assert_located(out, "b.json:6:35", "`rule` of entry 1 must be a non-empty string, got an array")


@pytest.mark.parametrize(("name", "where", "message"), [
    ("baseline-array.json", "1:1", "not a usm-rules baseline: a baseline is a JSON object"),
    ("baseline-v1.json", "4:21", "this baseline has format 1, which recorded no counts"),
    ("baseline-surrogate.json", "6:21", "a lone UTF-16 surrogate"),
])
def test_baselines_that_are_not_ours_are_located(project: Path, name: str, where: str, message: str) -> None:
    shutil.copy(CASES / name, project / "b.json")
    out = usm("check", "--baseline", "b.json", "heating.yaml", cwd=project)
    assert_located(out, f"b.json:{where}", message)


def test_a_format_1_baseline_says_how_to_get_a_new_one() -> None:
    rendered = baseline_error(CASES / "baseline-v1.json")
    assert f"write a new one with `usm-rules baseline update {CASES / 'baseline-v1.json'}`" in rendered


@pytest.mark.parametrize(("content", "where", "message"), [
    (b'{"format_version": 2, "findings": [}', "1:36", "invalid JSON"),
    (b'{"format_version": 2, "findings": ["\xff"]}', "1:37", "not valid UTF-8 at byte 36"),
    (b'{"format_version": 2, "findings": [\x00]}', "1:36", "NUL byte"),
    (b'{"format_version": 2, "findings": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}", "1:", "nesting"),
    (b'{"format_version": 2, "findings": [{"count": ' + b"9" * 5000 + b"}]}", "1:", ""),
    (b'{"format_version": 2, "format_version": 2, "findings": []}', "1:23", "duplicate key `format_version`"),
    (b'{"format_version": 2, "findings": {}}', "1:35", "`findings` must be a list of entries"),
    (b'{"format_version": true, "findings": []}', "1:20", "`format_version` true is not one this usm-rules reads"),
    (b'{"format_version": 2, "findings": [NaN]}', "1:36", "`NaN` is not a JSON value"),
    (b"", "1:1", "empty"),
])
def test_hostile_baseline_content_is_located(tmp_path: Path, content: bytes, where: str, message: str) -> None:
    (tmp_path / "b.json").write_bytes(content)
    rendered = baseline_error(tmp_path / "b.json")
    assert rendered.startswith(f"{tmp_path / 'b.json'}:{where}"), rendered
    assert message in rendered.splitlines()[0]


def test_a_baseline_with_any_name_is_read_as_json(tmp_path: Path) -> None:
    (tmp_path / ".usm-rules-baseline").write_text('{"format_version": 2, "findings": []}', encoding="utf-8")
    assert len(Baseline.load(str(tmp_path / ".usm-rules-baseline"))) == 0
    (tmp_path / "b.yaml").write_text("format_version: 2\nfindings: []\n", encoding="utf-8")
    assert "invalid JSON" in baseline_error(tmp_path / "b.yaml")


# --- baselines count --------------------------------------------------------------------------------------------


def _finding(fingerprint: str, line: int, *, path: str = "specs/a.yaml", suppressed: str | None = None) -> Finding:
    return Finding("USM-010", Severity.ERROR, "t", "m", "./" + path, line, 1, line, 2, "/provider", 0, "svc",
                   fingerprint, suppressed, project_path=path)


def test_render_counts_findings_that_share_a_fingerprint_and_is_deterministic() -> None:
    findings = [_finding("bb", 3), _finding("aa", 9, path="specs/0.yaml"), _finding("bb", 5),
                _finding("cc", 7, suppressed="inline")]
    text = render(findings, "9.9.9")
    assert text == render(list(reversed(findings)), "9.9.9")
    doc = json.loads(text)
    assert doc["format_version"] == 2 and doc["version"] == "9.9.9"
    assert doc["findings"] == [
        {"fingerprint": "aa", "rule": "USM-010", "file": "specs/0.yaml", "pointer": "/provider", "count": 1},
        {"fingerprint": "bb", "rule": "USM-010", "file": "specs/a.yaml", "pointer": "/provider", "count": 2}]
    assert text.count("\n") == 9  # one entry a line


def test_take_consumes_the_count_and_remaining_reports_the_rest(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(render([_finding("bb", 3), _finding("bb", 5), _finding("aa", 1)], "1"),
                                     encoding="utf-8")
    baseline = Baseline.load(str(tmp_path / "b.json"))
    assert [baseline.take("bb") for _ in range(3)] == [True, True, False]
    assert baseline.take("zz") is False
    ((entry, left),) = baseline.remaining()
    assert (entry.fingerprint, entry.count, left, entry.location.line) == ("aa", 1, 1, 6)
    assert stale_message(entry, left) == "baseline entry USM-010 at `specs/a.yaml/provider` matches no finding any more"
    two = Entry("bb", "USM-010", "specs/a.yaml", "/provider", 2, Located("b.json", 7, 5, ""))
    assert stale_message(two, 1) == ("baseline entry USM-010 at `specs/a.yaml/provider` records 2 findings; 1 of "
                                     "them is gone")


def test_a_new_finding_beyond_the_baselined_count_is_reported(project: Path) -> None:
    shutil.copy(CASES / "gap.yaml", project / "gap.yaml")
    shutil.copy(CASES / "gap.policy", project / "gap.policy")
    (project / "usm-rules.toml").write_text('packs = []\npolicies = ["gap.policy"]\n', encoding="utf-8")
    made = usm("baseline", "create", "b.json", "gap.yaml", cwd=project)
    assert made.returncode == 0, made.stderr
    (entry,) = json.loads((project / "b.json").read_text(encoding="utf-8"))["findings"]
    assert entry["count"] == 2 and entry["rule"] == "GAP-001"

    def run() -> list[dict]:
        out = usm("check", "--baseline", "b.json", "--format", "json", "gap.yaml", cwd=project)
        assert out.returncode in (0, 1), out.stderr
        return json.loads(out.stdout)["findings"]

    assert [f["suppressed"] for f in run()] == ["baseline", "baseline"]
    spec = project / "gap.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("{level: 1}}\nscos", "{level: 3}}\nscos"),
                    encoding="utf-8")
    findings = run()
    assert [f["suppressed"] for f in findings if f["rule"] == "GAP-001"].count(None) == 1
    assert len([f for f in findings if f["rule"] == "GAP-001"]) == 3
    # Two customers caught up: one of the two baselined findings is gone, and BASELINE-STALE says so.
    spec.write_text(spec.read_text(encoding="utf-8").replace("C2, valueMaturity: {level: 3}", "C2, valueMaturity: "
                                                             "{level: 1}").replace("C3, valueMaturity: {level: 3}",
                                                                                   "C3, valueMaturity: {level: 1}"),
                    encoding="utf-8")
    findings = run()
    assert [f["suppressed"] for f in findings if f["rule"] == "GAP-001"] == ["baseline"]
    assert [(f["line"], f["message"]) for f in findings if f["rule"] == "BASELINE-STALE"] == [
        (6, "baseline entry GAP-001 at `gap.yaml/provider/valueMaturity` records 2 findings; 1 of them is gone")]


def test_a_baseline_with_thousands_of_bad_entries_shows_the_first_fifty(tmp_path: Path) -> None:
    entries = ",\n".join('{"fingerprint": "f%d", "rule": [], "file": "", "pointer": "", "count": 1}' % i
                         for i in range(5000))
    (tmp_path / "b.json").write_text('{"format_version": 2, "findings": [\n' + entries + "\n]}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Baseline.load(str(tmp_path / "b.json"))
    problems = info.value.problems
    assert len(problems) == 51 and problems[-1].message == "... and 4,950 more problems in this file"
    assert (problems[0].line, problems[49].line, problems[50].line) == (2, 51, 52)

"""The public Python API: the examples of docs/api.md run, results equal the command line's, no printing, no
exiting, no global state between calls or threads."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import usm_rules

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_the_examples_in_docs_api_run(index: int, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(_blocks()[index], f"docs/api.md block {index + 1}", "exec"), {})
    if "err.render()" in _blocks()[index]:
        assert "did you mean `USM-010`?" in capsys.readouterr().out


def test_check_counts_what_the_command_line_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = usm_rules.check(["specs"], as_of="2026-12-01")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "usm_rules", "check", "--format", "json", "--as-of", "2026-12-01",
                          "specs/"], cwd=ROOT, capture_output=True, text=True, env=env)
    cli = json.loads(out.stdout)
    assert len(result.findings) == cli["summary"]["findings"] + cli["summary"]["suppressed"]
    assert [f.fingerprint for f in result.findings] == [f["fingerprint"] for f in cli["findings"]]


def test_the_api_prints_nothing_and_never_exits(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    usm_rules.check("specs/heating-bad.yaml")
    with pytest.raises(usm_rules.UsageError):
        usm_rules.check("specs", no_builtin=True)  # no rule in force: raised, not exited
    with pytest.raises(usm_rules.PolicyError) as raised:
        usm_rules.check("specs", policies=[str(ROOT / "tests" / "cases" / "cli" / "typo.policy")])
    assert raised.value.problems and raised.value.problems[0].line > 0
    assert capsys.readouterr() == ("", "")


def test_an_unknown_override_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="did you mean `select`"):
        usm_rules.check("specs", selct=["USM"])


def test_two_configs_in_one_process_give_what_two_command_line_runs_give(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    strict = tmp_path / "strict.toml"
    strict.write_text('[rules.USM-010]\nmax_gap = 0\n')
    lenient = tmp_path / "lenient.toml"
    lenient.write_text('[rules.USM-010]\nmax_gap = 3\n')
    monkeypatch.chdir(ROOT)

    def usm010(config: Path) -> int:
        return sum(1 for f in usm_rules.check("specs", config=config, select=["USM-010"]).findings)

    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def cli(config: Path) -> int:
        out = subprocess.run([sys.executable, "-m", "usm_rules", "check", "--format", "json", "--config",
                              str(config), "--select", "USM-010", "specs"], cwd=ROOT, capture_output=True,
                             text=True, env=env)
        return json.loads(out.stdout)["summary"]["findings"]

    assert (usm010(strict), usm010(lenient), usm010(strict)) == (cli(strict), cli(lenient), cli(strict))
    assert usm010(strict) > usm010(lenient)


def test_runs_in_two_threads_give_the_results_of_runs_in_turn(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    strict = tmp_path / "strict.toml"
    strict.write_text('[rules.USM-010]\nmax_gap = 0\n')
    configs = [usm_rules.load_config(strict), usm_rules.load_config(None)]
    alone = [[f.fingerprint for f in usm_rules.check("specs", config=c, as_of="2026-12-01").findings]
             for c in configs]
    together: list[list[str]] = [[], []]

    def work(i: int) -> None:
        for _ in range(3):
            together[i] = [f.fingerprint for f in usm_rules.check("specs", config=configs[i],
                                                                  as_of="2026-12-01").findings]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone and alone[0] != alone[1]


def test_rules_lists_the_codes_in_force_with_their_severities(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    listed = {r.id: r for r in usm_rules.rules()}
    assert listed["SPEC-SCHEMA"].pack == "engine" and listed["USM-010"].severity is usm_rules.Severity.ERROR
    assert "CEMM-007" not in {r.id for r in usm_rules.rules(ignore=["CEMM-007"])}


def test_importing_the_package_imports_nothing_else() -> None:
    out = subprocess.run([sys.executable, "-c", "import sys, usm_rules; "
                          "print(sorted(m for m in sys.modules if m.startswith('usm_rules')))"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "['usm_rules']"


def test_an_untrusted_cache_is_a_notice_of_the_result_not_a_printed_line(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    directory.chmod(0o777)
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(directory))
    monkeypatch.chdir(ROOT)
    result = usm_rules.check("specs/office-climate.yaml", select=["USM-010"])
    assert any("not using the cache directory" in n for n in result.notices)
    assert capsys.readouterr() == ("", "")

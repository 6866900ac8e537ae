"""`usm-rules lint`: warnings about policies that load but are probably not what their author meant."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring
from usm_rules.errors import PolicyError
from usm_rules.lint import lint_paths

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/authoring/lint")


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_every_lint_check_with_position_source_line_and_caret() -> None:
    result = lint_paths([str(CASES / "local.policy")], context_policies=[str(CASES / "context" / "other.policy")])
    rendered = "\n".join(w.render() for w in result.warnings) + "\n"
    assert rendered == (CASES / "local.expected").read_text(encoding="utf-8")
    assert {w.code for w in result.warnings} == {"LINT-UNTESTED", "LINT-GUARD", "LINT-UNUSED", "LINT-DUPLICATE",
                                                 "LINT-MISSING"}


def test_warnings_exit_0_and_strict_makes_them_errors_exit_1() -> None:
    runner = CliRunner()
    out = runner.invoke(cli_authoring.lint, ["--no-builtin", str(CASES / "local.policy")])
    assert out.exit_code == 0
    assert ": warning LINT-UNUSED param `unused_one`" in out.stdout
    strict = runner.invoke(cli_authoring.lint, ["--no-builtin", "--strict", str(CASES / "local.policy")])
    assert strict.exit_code == 1
    assert ": error LINT-UNUSED param `unused_one`" in strict.stdout
    as_json = runner.invoke(cli_authoring.lint, ["--no-builtin", "--no-tests", "--format", "json", str(CASES)])
    assert '"code": "LINT-GUARD"' in as_json.stdout and "LINT-UNTESTED" not in as_json.stdout


def test_the_built_in_packs_lint_clean() -> None:
    out = CliRunner().invoke(cli_authoring.lint, ["--strict", "policies"])
    assert out.exit_code == 0, out.stdout


def test_a_policy_that_does_not_load_is_an_error_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.policy"
    bad.write_text('rule B-1 {\n  title "t"\n  severity error\n  require spec.metrc exists\n}\n', encoding="utf-8")
    with pytest.raises(PolicyError):
        lint_paths([str(bad)])
    out = CliRunner().invoke(cli_authoring.lint, [str(bad)])
    assert out.exit_code == 2 and "bad.policy:4:16: unknown field `metrc`" in out.stderr


def test_guards_the_schema_does_not_decide_are_not_reported(tmp_path: Path) -> None:
    policy = tmp_path / "ok.policy"
    policy.write_text(
        'rule OK-1 {\n  title "t"\n  severity info\n  for sco in spec.scos\n'
        '  when sco.metric exists and sco.metric.kind == "outcome"\n'
        '  when spec.metadata.status == "agreed" or spec.provider.valueMaturity.level >= 4\n'
        '  require sco.metric.unit exists\n  message "{sco.id}: {sco.metric.name}"\n}\n', encoding="utf-8")
    result = lint_paths([str(policy)], run_tests=False)
    assert result.warnings == []


def test_every_code_lint_emits_is_declared_with_what_explain_shows() -> None:
    from usm_rules.lint import CODES

    declared = {info.id: info for info in CODES}
    assert set(declared) == {"LINT-UNTESTED", "LINT-GUARD", "LINT-UNUSED", "LINT-DUPLICATE", "LINT-MISSING"}
    for info in CODES:
        assert info.pack == "lint" and info.title and info.rationale and info.example, info.id
    emitted = set(re.findall(r'"(LINT-[A-Z]+)"', Path(ROOT / "usm_rules" / "lint.py").read_text(encoding="utf-8")))
    assert emitted <= set(declared)


def test_explain_shows_a_lint_code() -> None:
    from usm_rules.cli import main

    out = CliRunner().invoke(main, ["explain", "LINT-GUARD"])
    assert out.exit_code == 0 and "LINT-GUARD" in out.stdout and "when spec.apiVersion" in out.stdout

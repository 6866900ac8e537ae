"""`usm-rules prove`: witnesses that each rule fires and passes, the rules that cannot, overlapping pairs, and
the witnesses written as test cases that `usm-rules test` runs."""
from __future__ import annotations

import datetime as _dt
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_prove, policytest
from usm_rules.config import Config
from usm_rules.engine import Flags, build_options, builtin_packs, load_rules
from usm_rules.prove import prove
from usm_rules.prove.cases import diff
from usm_rules.prove.reads import rule_reads

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/prove")
AS_OF = "2026-12-01"


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _options(*policies: str, no_builtin: bool = False) -> object:
    flags = Flags(policies=policies, no_builtin=no_builtin, as_of=_dt.date.fromisoformat(AS_OF))
    return build_options(Config(path=None, root=str(ROOT)), flags)


def _run(*args: str) -> object:
    return CliRunner().invoke(cli_prove.prove, ["--as-of", AS_OF, *args])


def _by_rule(result: object) -> dict:
    return {p.rule: p for p in result.proofs}  # type: ignore[attr-defined]


# -- the built-in packs ---------------------------------------------------------------------------------------

def test_every_builtin_rule_has_a_witness_to_fire_and_one_to_pass() -> None:
    result = prove(_options())
    assert sorted(p.rule for p in result.proofs) == sorted(load_rules(_options()).severities)
    assert not result.failed
    assert all(p.proven for p in result.proofs)
    assert result.overlaps == []


def test_the_search_alone_finds_witnesses_for_every_builtin_rule_without_their_examples() -> None:
    result = prove(_options(), use_examples=False)
    assert [p.rule for p in result.proofs if not p.proven] == []
    usm_010 = _by_rule(result)["USM-010"]
    assert usm_010.fire.seed == "the base spec" and usm_010.fire.changes  # found by changing it


def test_a_witness_is_schema_valid_and_really_fires_or_passes() -> None:
    from usm_rules import schema

    result = prove(_options(), use_examples=False)
    for p in result.proofs:
        for spec in p.fire.candidate + p.pass_.candidate:
            assert schema.is_valid(spec), p.rule
        assert p.fire.findings and all(type(pointer) is str for _, pointer in p.fire.findings)
        assert p.pass_.findings == ()


def test_repository_rule_is_searched_with_two_specs() -> None:
    proof = _by_rule(prove(_options(), use_examples=False))["SPEC-001"]
    assert proof.scope == "repository"
    assert len(proof.fire.candidate) == 2
    assert [spec for spec, _ in proof.fire.findings] == [0, 1]


def test_exit_0_when_every_rule_fires_and_passes() -> None:
    out = _run("--pack", "usm")
    assert out.exit_code == 0, out.output
    assert "USM-010 fires on `example fail` of USM-010; passes on " in out.stdout
    last = out.stdout.splitlines()[-1]
    assert re.fullmatch(rf"(\d+) rules: \1 fire and pass, 0 cannot fire, 0 cannot pass; 0 overlaps; \d+ specs checked "
                        rf"\(\d+ schema-valid\), as of {AS_OF}", last), last


# -- rules that cannot fire or pass -----------------------------------------------------------------------------

def test_rules_that_cannot_fire_or_cannot_pass_are_flagged_with_the_reason() -> None:
    proofs = _by_rule(prove(_options(str(CASES / "vacuous.policy"), no_builtin=True)))
    assert proofs["VAC-001"].fire is None and proofs["VAC-001"].pass_ is not None
    assert proofs["VAC-001"].cannot_fire.startswith(
        "the `require` at line 7 holds for every value the schema allows: the schema implies it")
    assert proofs["VAC-002"].fire is None
    assert proofs["VAC-002"].cannot_fire.startswith("the `when` at line 14 held on none of the ")
    assert proofs["VAC-003"].pass_ is None and proofs["VAC-003"].fire is not None
    assert proofs["VAC-003"].cannot_pass.startswith("the rule fired on every one of the ")


def test_cannot_fire_is_exit_1_with_a_located_line() -> None:
    out = _run(str(CASES / "vacuous.policy"))
    assert out.exit_code == 1
    lines = out.stdout.splitlines()
    assert any(line.startswith("tests/cases/prove/vacuous.policy:4: VAC-001 cannot fire: ") for line in lines)
    assert any(line.startswith("tests/cases/prove/vacuous.policy:19: VAC-003 cannot pass: ") for line in lines)
    assert "2 cannot fire, 1 cannot pass" in lines[-1]


def test_a_small_budget_is_named_as_the_reason_the_search_stopped() -> None:
    proofs = _by_rule(prove(_options(str(CASES / "vacuous.policy"), no_builtin=True), budget=3))
    assert proofs["VAC-002"].search.steps <= 3
    assert proofs["VAC-002"].cannot_fire.endswith("; the budget of 3 checks for this rule was spent")


def test_the_overall_budget_bounds_the_whole_run() -> None:
    out = _run("--max-checks", "5", "--format", "json", str(CASES / "vacuous.policy"))
    doc = json.loads(out.stdout)
    assert doc["summary"]["checked"] <= 5 + 1  # the seeds are checked whatever the budget
    assert all(r["cannot_fire"] is None or r["cannot_fire"].endswith("the overall budget of 5 checks was spent")
               for r in doc["rules"])


# -- overlapping rules ------------------------------------------------------------------------------------------

def test_rules_that_fire_on_the_same_specs_are_reported_as_an_overlap() -> None:
    result = prove(_options(str(CASES / "overlap.policy"), no_builtin=True))
    assert [o.rules for o in result.overlaps] == [("OVL-001", "OVL-002")]
    overlap = result.overlaps[0]
    assert 0 < overlap.fired_on < overlap.tried


def test_rules_that_only_look_alike_are_told_apart() -> None:
    result = prove(_options(str(CASES / "overlap.policy"), no_builtin=True))
    assert not any("OVL-003" in o.rules for o in result.overlaps)  # an empty owner fires OVL-004 alone


def test_overlap_is_worded_as_evidence_not_proof() -> None:
    out = _run(str(CASES / "overlap.policy"))
    assert out.exit_code == 0
    assert "overlap: OVL-001 and OVL-002 fired on exactly the same " in out.stdout
    assert "evidence, not proof" in out.stdout


# -- output -------------------------------------------------------------------------------------------------------

def test_json_output_has_witnesses_reasons_and_overlaps() -> None:
    out = _run("--format", "json", "--budget", "300", str(CASES / "vacuous.policy"), str(CASES / "overlap.policy"))
    doc = json.loads(out.stdout)
    assert doc["format_version"] == 1 and doc["as_of"] == AS_OF
    assert doc["summary"]["cannot_fire"] == 2 and doc["summary"]["overlaps"] == 1
    rules = {r["rule"]: r for r in doc["rules"]}
    assert rules["VAC-001"]["fires"] is None and "schema implies it" in rules["VAC-001"]["cannot_fire"]
    fire = rules["OVL-001"]["fires"]
    assert fire["seed"] == "the base spec"
    assert fire["changes"] == [{"spec": 0, "pointer": "/customers/0/valueMaturity/level", "value": 6}]
    assert fire["findings"] == [{"spec": 0, "pointer": "/customers/0"}]
    assert doc["overlaps"][0]["rules"] == ["OVL-001", "OVL-002"]


def test_json_output_matches_its_schema() -> None:
    import jsonschema

    schema = json.loads((CASES / "report.schema.json").read_text(encoding="utf-8"))
    for args in (("--budget", "300", str(CASES / "vacuous.policy"), str(CASES / "overlap.policy")),
                 ("--no-examples",)):
        doc = json.loads(_run("--format", "json", *args).stdout)
        jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)


def test_constants_from_a_policy_are_shown_escaped_in_text_and_json() -> None:
    for fmt in ("text", "json"):
        out = _run("--no-examples", "--format", fmt, str(CASES / "escape.policy"))
        assert out.exit_code == 0, out.output
        assert "\u202e" not in out.stdout and "\x1b" not in out.stdout
        assert "j.devries\\u202e\\u001b[31m" in out.stdout


def test_two_runs_give_the_same_output() -> None:
    args = ("--format", "json", "--no-examples", "--budget", "300", str(CASES / "vacuous.policy"),
            str(CASES / "overlap.policy"))
    first, second = _run(*args), _run(*args)
    assert first.stdout == second.stdout
    builtin = ("--no-examples", "--pack", "usm", "--pack", "cemm")
    assert _run(*builtin).stdout == _run(*builtin).stdout


def test_output_file_is_written_and_never_over_a_policy(tmp_path: Path) -> None:
    report = tmp_path / "prove.json"
    out = _run("--format", "json", "-o", str(report), str(CASES / "overlap.policy"))
    assert out.exit_code == 0 and out.stdout == ""
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["rules"] == 4
    policy = tmp_path / "local.policy"
    policy.write_bytes((CASES / "overlap.policy").read_bytes())
    refused = _run("-o", str(policy), str(policy))
    assert refused.exit_code == 2
    assert policy.read_bytes() == (CASES / "overlap.policy").read_bytes()


def test_a_policy_that_does_not_compile_is_a_located_error_exit_2() -> None:
    out = _run(str(CASES / "bad.policy"))
    assert out.exit_code == 2
    assert "tests/cases/prove/bad.policy:7:16: unknown field `metrc` on `sco`; did you mean `metric`?" in out.output
    assert "Traceback" not in out.output


def test_a_missing_policy_path_is_exit_2() -> None:
    out = _run(str(CASES / "nowhere.policy"))
    assert out.exit_code == 2
    assert "nowhere.policy:1:1: no such policy file or directory" in out.output


def test_lint_prove_adds_the_report_and_fails_on_a_rule_that_cannot_fire() -> None:
    from usm_rules import cli_authoring

    runner = CliRunner()
    out = runner.invoke(cli_authoring.lint, ["--no-tests", "--no-builtin", "--prove", str(CASES / "vacuous.policy")])
    assert out.exit_code == 1
    assert "tests/cases/prove/vacuous.policy:4: VAC-001 cannot fire: " in out.stdout
    clean = runner.invoke(cli_authoring.lint, ["--no-tests", "--prove", "--format", "json",
                                               str(CASES / "overlap.policy")])
    assert clean.exit_code == 0
    assert json.loads(clean.stdout)["prove"]["summary"]["proven"] == 4


# -- generated tests ----------------------------------------------------------------------------------------------

def test_written_tests_of_the_builtin_packs_pass_usm_rules_test(tmp_path: Path) -> None:
    out = _run("--no-examples", "--write-tests", str(tmp_path))
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{pack}.test.yaml" for pack in builtin_packs())
    run = policytest.run([str(tmp_path)])
    assert run.failed == [] and len(run.results) == 2 * len(load_rules(_options()).severities)


def test_written_tests_of_a_policy_file_name_it_and_pass(tmp_path: Path) -> None:
    out = _run(str(CASES / "overlap.policy"), "--write-tests", str(tmp_path))
    assert out.exit_code == 0, out.output
    text = (tmp_path / "overlap.test.yaml").read_text(encoding="utf-8")
    assert f"policies:\n- {os.path.relpath(CASES / 'overlap.policy', tmp_path)}\n" in text
    assert ("- name: OVL-001 fires\n  patch:\n    /customers/0/valueMaturity/level: 6\n"
            "  expect:\n  - OVL-001 /customers/0\n") in text
    run = policytest.run([str(tmp_path)], coverage=True)
    assert run.failed == []
    assert run.coverage is not None and run.coverage.rule_percent == 100.0


def test_two_policy_files_of_one_name_get_two_test_files(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "local.policy").write_bytes((CASES / "overlap.policy").read_bytes().replace(
            b"OVL-", f"{sub.upper()}-".encode()))
    out = _run(str(tmp_path / "a"), str(tmp_path / "b"), "--write-tests", str(tmp_path / "tests"))
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in (tmp_path / "tests").iterdir()) == ["local-2.test.yaml", "local.test.yaml"]
    assert policytest.run([str(tmp_path / "tests")]).failed == []


def test_written_tests_never_replace_a_file_without_force(tmp_path: Path) -> None:
    existing = tmp_path / "overlap.test.yaml"
    existing.write_text("# mine\n", encoding="utf-8")
    out = _run(str(CASES / "overlap.policy"), "--write-tests", str(tmp_path))
    assert out.exit_code == 2
    assert "would overwrite" in out.output and "--force" in out.output
    assert existing.read_text(encoding="utf-8") == "# mine\n"
    forced = _run(str(CASES / "overlap.policy"), "--write-tests", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert existing.read_text(encoding="utf-8").startswith("# Generated by `usm-rules prove --write-tests`")


def test_patch_and_remove_turn_the_base_into_the_witness() -> None:
    base = {"a": {"b": 1, "c": 2}, "xs": [{"id": "x"}], "ys": [1, 2]}
    spec = {"a": {"b": 5}, "xs": [{"id": "x", "n": 1}, {"id": "y"}], "ys": [1], "z": True}
    patch, remove = diff(base, spec)
    assert patch == {"/a/b": 5, "/xs/0/n": 1, "/xs/-": {"id": "y"}, "/ys": [1], "/z": True}
    assert remove == ["/a/c"]


# -- what a rule reads --------------------------------------------------------------------------------------------

def test_paths_and_constants_come_from_the_rule_and_its_params() -> None:
    from usm_rules.lang.parser import parse_policy

    source = (ROOT / "policies" / "usm.policy").read_text(encoding="utf-8")
    rule = next(r for r in parse_policy(source, "usm.policy").rules if r.id == "USM-006")
    reads = rule_reads(rule, {})
    assert ("support", "requestTypes") in reads.paths
    assert reads.paired[("support", "requestTypes", "*")] == ["incident"]
    usm_010 = next(r for r in parse_policy(source, "usm.policy").rules if r.id == "USM-010")
    reads = rule_reads(usm_010, {"max_gap": 1})
    assert reads.paths[0] == ("customers",)
    assert ("provider", "valueMaturity", "level") in reads.paths
    assert ("customers", "*", "valueMaturity", "level") in reads.paths
    assert 1 in reads.constants

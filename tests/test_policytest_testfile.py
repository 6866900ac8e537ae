"""Reading `*.test.yaml` files (policytest.testfile, reader, specs): what they test, their specs, their errors."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring
from usm_rules import policytest
from usm_rules.policytest import load_test_file

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/authoring")
SPEC = ("  apiVersion: usm/v1\n  kind: ServiceSpecification\n  metadata: {id: svc-a, name: A, owner: o}\n"
        "  provider: {name: P, valueMaturity: {level: 3}}\n  customers: [{id: c, name: C, valueMaturity: {level: 3}}]\n"
        "  scos: [{id: s, statement: Things work}]\n")
POLICY = 'rule T-001 {\n  title "t"\n  severity error\n  require spec.metadata.id != "x"\n}\n'


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def problems(path: Path) -> list[str]:
    with pytest.raises(policytest.TestFileError) as err:
        load_test_file(str(path))
    return [p.message for p in err.value.problems]


def test_malformed_test_files_are_located_errors_and_exit_2() -> None:
    result = CliRunner().invoke(cli_authoring.test, [str(CASES / "malformed")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (CASES / "malformed" / "expected.txt").read_text(encoding="utf-8")


def test_by_default_a_test_file_tests_the_policy_it_is_named_after(tmp_path: Path) -> None:
    (tmp_path / "x.policy").write_text(POLICY)
    (tmp_path / "x.test.yaml").write_text("cases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    (tmp_path / "other.test.yaml").write_text("cases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    assert load_test_file(str(tmp_path / "x.test.yaml")).policies == [(tmp_path / "x.policy").as_posix()]
    # another policy in the directory is not what `other.test.yaml` tests: it must say what it tests
    assert problems(tmp_path / "other.test.yaml") == [
        "no policy to test: `other.policy` is not beside this file; name them with `policies:` or `packs:`"]


def test_a_policies_directory_is_walked_by_the_one_policy_file_walker(tmp_path: Path) -> None:
    for folder in ("rules/a", "rules/.hidden", "rules/node_modules"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "p.policy").write_text(POLICY)
    (tmp_path / "t.test.yaml").write_text("policies: [rules]\ncases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    assert load_test_file(str(tmp_path / "t.test.yaml")).policies == [(tmp_path / "rules/a/p.policy").as_posix()]
    (tmp_path / "empty").mkdir()
    (tmp_path / "t.test.yaml").write_text("policies: empty\ncases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    assert problems(tmp_path / "t.test.yaml") == ["policy directory `empty` holds no `.policy` file"]


def test_unknown_keys_and_packs_get_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "t.test.yaml").write_text(
        "packs: [usn, nothing-like-it]\ncases:\n  - name: a\n    spec: {}\n    expect_nto: ['*']\n")
    assert problems(tmp_path / "t.test.yaml") == [
        "unknown built-in pack `usn`; did you mean `usm`?",
        "unknown built-in pack `nothing-like-it` (available: cemm, spec, usm)",
        "a test case needs `expect` (findings it must give) or `expect_not` (rules that must not fire)",
        "unknown key `expect_nto` in a test case; did you mean `expect_not`?"]


def test_patch_sets_appends_and_replaces_and_remove_deletes(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text(POLICY)
    (tmp_path / "t.test.yaml").write_text(
        "base_spec:\n" + SPEC + "cases:\n  - name: a\n    expect_not: ['*']\n"
        "    patch: {/scos/-: {id: s2, statement: More}, /metadata/owner: team, provider: {name: Q}}\n"
        "    remove: [/customers/0/valueMaturity, scos]\n")
    [case] = load_test_file(str(tmp_path / "t.test.yaml")).cases
    data = case.specs[0].data
    assert data["metadata"]["owner"] == "team" and data["provider"] == {"name": "Q"}
    assert "scos" not in data and data["customers"] == [{"id": "c", "name": "C"}]
    # every patched part says where it was written
    assert [o.spec_parts for o in case.specs[0].origins] == [(), ("scos", 1), ("metadata", "owner"), ("provider",)]


def test_pointers_that_do_not_resolve_are_located_errors(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text(POLICY)
    (tmp_path / "t.test.yaml").write_text(
        "base_spec:\n" + SPEC + "cases:\n  - name: a\n    expect_not: ['*']\n"
        "    patch: {/scos/5/id: x, /metadata/nope/x: 1}\n    remove: [/metadata/nope, colour]\n")
    with pytest.raises(policytest.TestFileError) as err:
        load_test_file(str(tmp_path / "t.test.yaml"))
    assert [(p.line, p.message) for p in err.value.problems] == [
        (11, "JSON Pointer `/scos/5/id` does not resolve: nothing at `5` under /scos"),
        (11, "JSON Pointer `/metadata/nope/x` does not resolve: nothing at `nope` under /metadata"),
        (12, "JSON Pointer `/metadata/nope` does not resolve: nothing at `nope` under /metadata"),
        (12, "cannot remove `colour`: the spec has no such top-level key")]


def test_a_test_file_is_read_through_the_bounded_door(tmp_path: Path) -> None:
    (tmp_path / "dir.test.yaml").mkdir()
    [message] = problems(tmp_path / "dir.test.yaml")
    assert message.startswith("cannot read test file: ")

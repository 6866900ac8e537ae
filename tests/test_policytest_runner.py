"""Running cases (policytest.runner): through the engine's public functions only, expectations matched, names
checked, and `lint` running only the tests named after the policies it lints."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring, engine, policytest
from usm_rules.errors import Located
from usm_rules.findings import Finding, Severity

ROOT = Path(__file__).resolve().parent.parent
CASES = Path("tests/cases/authoring")
PACKAGE = ROOT / "usm_rules" / "policytest"


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def finding(rule: str, pointer: str) -> tuple[Finding, int]:
    return Finding(rule, Severity.ERROR, "t", "m", "f", 1, 1, 1, 2, pointer, 0, None, "x"), 0


def test_matching_rules() -> None:
    """Precise expectations take their finding first; a rule named in `expect` gives no other finding."""
    where = Located("f", 1, 1, "")
    bare = policytest.Expectation("A-1", None, None, None, None, None, where)
    precise = policytest.Expectation("A-1", "/x", None, None, None, None, where)
    case = policytest.Case("c", "f", 1, 1, [], [bare, precise], [("B", where)], {}, {}, None)  # type: ignore[arg-type]
    found = [finding("A-1", "/x"), finding("A-1", "/y"), finding("B-1", "/z"), finding("C-1", "/z")]
    missing, unexpected, matched = policytest.match(case, found)
    assert missing == [] and [f.rule for f, _ in unexpected] == ["B-1"]
    assert {(e.pointer, f.pointer) for e, f in matched} == {("/x", "/x"), (None, "/y")}
    missing, unexpected, _ = policytest.match(case, found[:1] + found[2:] + [finding("A-1", "/q")] * 2)
    assert missing == [] and [(f.rule, f.pointer) for f, _ in unexpected] == [("B-1", "/z"), ("A-1", "/q")]
    star = policytest.Case("c", "f", 1, 1, [], [], [("*", where)], {}, {}, None)  # type: ignore[arg-type]
    assert len(policytest.match(star, found)[1]) == 4


def test_typos_in_rule_ids_are_errors_with_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "t.policy").write_text(
        'rule T-001 {\n  title "t"\n  severity error\n  require spec.metadata.id != "x"\n}\n')
    (tmp_path / "t.test.yaml").write_text(
        "as_of: 2026-01-01\ncases:\n  - name: a\n    spec: {}\n    expect: [T-01]\n    expect_not: [U, T-001]\n")
    out = CliRunner().invoke(cli_authoring.test, [str(tmp_path)])
    assert out.exit_code == 2
    assert ":5:14: `T-01` is not a rule of the policies under test; did you mean `T-001`?" in out.stderr
    assert ":6:18: `U` matches no rule of the policies under test" in out.stderr


def test_test_files_are_found_by_the_one_policy_file_walker(tmp_path: Path) -> None:
    """Hidden and tool directories are skipped (a broken test file there is never read); paths are shown
    normalised, as typed relative to the working directory."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b.policy").write_text(
        'rule B-001 {\n  title "t"\n  severity error\n  require spec.metadata.id != "x"\n}\n')
    (tmp_path / "a" / "b.test.yml").write_text("cases:\n  - name: a\n    spec: {}\n    expect_not: ['*']\n")
    for skipped in (".hidden", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.test.yaml").write_text("cases: [\n")
    run = policytest.run([str(tmp_path) + "/./a/../"])
    assert [t.path for t in run.files] == [(tmp_path / "a" / "b.test.yml").as_posix()]
    assert not run.failed


def test_lint_of_a_policy_runs_only_the_tests_named_after_it() -> None:
    folder = CASES / "tests-of"
    out = CliRunner().invoke(cli_authoring.lint, ["--no-builtin", str(folder / "x.policy")])
    assert out.exit_code == 0, out.output
    assert "other.test.yaml" not in out.output
    assert "LINT-UNTESTED" not in out.output  # x.test.yaml ran: X-001 fires in one case and passes in the other
    broken = CliRunner().invoke(cli_authoring.test, [str(folder / "other.test.yaml")])
    assert broken.exit_code == 2 and "other.test.yaml:3:1: YAML syntax error" in broken.stderr


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every `from … import name` in a source file, the module made absolute."""
    package = ["usm_rules", "policytest"]  # every module here, __init__ included, is in this package
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out.extend((module, alias.name) for alias in node.names)
    return out


def test_policytest_imports_only_public_engine_names() -> None:
    allowed = set(engine.__all__) | {("usm_rules.engine.repository", "repository_findings"),
                                     ("usm_rules.engine.passes", "ramp_pass")}
    for path in sorted(PACKAGE.glob("*.py")):
        for module, name in _imports(path):
            assert not name.startswith("_") or name == "__version__", f"{path.name} imports private {module}.{name}"
            if module == "usm_rules.engine":
                assert name in allowed, f"{path.name} imports {name} from the engine"
            elif module.startswith("usm_rules.engine."):
                assert (module, name) in allowed, f"{path.name} imports {module}.{name}"

"""Both JUnit outputs validate against Jenkins' `junit-10.xsd` (tests/schemas/, see its .LICENSE file for where it
comes from): `check --format junit` on clean, bad, hostile and empty runs, and `test --format junit` on passing and
failing test files. Validated with `xmlschema` (the `test` extra), an independent XSD 1.0 validator."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules.cli import main

xmlschema = pytest.importorskip("xmlschema")

ROOT = Path(__file__).resolve().parent.parent
XSD = ROOT / "tests" / "schemas" / "junit-10.xsd"
PROJECT = ROOT / "tests" / "cases" / "ci" / "project"
AUTHORING = ROOT / "tests" / "cases" / "authoring"


@pytest.fixture(scope="module")
def schema():
    return xmlschema.XMLSchema(str(XSD))


def _cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    import os

    here = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(here)
    assert result.exit_code in (0, 1), result.stderr
    return result.stdout


def _assert_valid(schema, text: str) -> None:
    errors = list(schema.iter_errors(text))
    assert not errors, "\n".join(str(e) for e in errors[:3])


@pytest.mark.parametrize("args", [
    ("specs",),                                  # a clean file and a bad one, with a waiver
    ("--fail-on", "never", "specs"),
    ("--fail-on", "info", "specs"),
    ("--stdin-filename", "specs/x.yaml", "-"),   # nothing on standard input: a file with no spec
])
def test_check_junit_validates_against_junit_10_xsd(schema, args: tuple[str, ...]) -> None:
    _assert_valid(schema, _cli("check", "--as-of", "2026-11-24", "--format", "junit", *args, cwd=PROJECT))


def test_check_junit_of_hostile_names_validates(schema, tmp_path: Path) -> None:
    name = "evil <a & b> \"q\" \x1b[31m.yaml"
    shutil.copy(PROJECT / "specs" / "bad.yaml", tmp_path / name)
    _assert_valid(schema, _cli("check", "--format", "junit", ".", cwd=tmp_path))


def test_check_junit_of_the_demo_specs_validates(schema) -> None:
    _assert_valid(schema, _cli("check", "--as-of", "2026-11-24", "--format", "junit", "specs"))


def test_test_junit_validates_against_junit_10_xsd(schema) -> None:
    _assert_valid(schema, _cli("test", "--format", "junit", str(AUTHORING / "policytest")))


def test_test_junit_of_failing_cases_validates(schema) -> None:
    text = _cli("test", "--format", "junit", str(AUTHORING / "failing"))
    assert "<failure" in text
    _assert_valid(schema, text)

"""What `usm-rules test` prints (policytest.report): spec and test-file text shown through the reporters' own
helpers — `textsafe.printable`, the JSON reporter's `dumps`, the JUnit reporter's `xml_text` — never raw."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring
from usm_rules.reporters.junit import xml_text

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = Path("tests/cases/authoring/hostile")
NAME = "red\x1b[31m name \u202e<&>"  # the case name in the fixture
OWNER = "j.doe\x1b[31m\u202e\n::error::owned"  # the spec value its finding's message shows


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli_authoring.test, [*args, str(HOSTILE)])
    assert result.exit_code == 1, result.output  # the one case fails, so its details are shown
    return result.stdout


def test_text_shows_control_bidi_and_line_breaks_as_escapes() -> None:
    out = invoke("-v")
    assert "\x1b" not in out and "\u202e" not in out
    assert "::red\\x1b[31m name \\u202e<&> FAILED" in out
    assert "is owned by `j.doe\\x1b[31m\\u202e\\n::error::owned`" in out
    assert not any(line.lstrip().startswith("::") for line in out.splitlines())


def test_json_keeps_exact_values_with_the_json_reporters_escapes() -> None:
    out = invoke("--format", "json")
    assert "\x1b" not in out and "\u202e" not in out and "\\u202e" in out
    [case] = json.loads(out)["cases"]
    assert case["name"] == NAME and OWNER in case["unexpected"][0]["message"]


def test_junit_uses_the_junit_reporters_escaping_and_is_well_formed() -> None:
    out = invoke("--format", "junit")
    assert "\x1b" not in out and "\u202e" not in out
    case = ET.fromstring(out).find("testsuite/testcase")
    assert case is not None and case.get("name") == xml_text(NAME)
    failure = case.find("failure")
    assert failure is not None and xml_text(OWNER) in (failure.text or "")

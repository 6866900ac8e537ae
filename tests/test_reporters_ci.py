"""CI output formats (sarif, junit, github, gitlab): golden files, real consumers, hostile input.

Goldens live in tests/cases/reporters/; regenerate them with `USM_RULES_UPDATE_GOLDEN=1 pytest ...` and
review the diff.
"""
from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from usm_rules.findings import Finding, RuleInfo, RunResult, Severity, fingerprint
from usm_rules.reporters import REPORTERS, get_reporter
from usm_rules.textsafe import printable

CASES = Path(__file__).parent / "cases" / "reporters"
SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
FORMATS = {"sarif": "run.sarif.json", "junit": "run.junit.xml", "github": "run.github.txt", "gitlab": "run.gitlab.json"}

ALPHA = "specs/alpha.yaml"
EVIL_FILE = "specs/evil,name:1\n::set-output name=x::y%0A::add-mask::z.yaml"
EVIL_TITLE = "Hostile, title: x\r\n::warning::y %25"
EVIL_MESSAGE = ("bad value `a,b:c`\r\n::set-output name=x::y\n%0A ::add-mask::secret 100% done,\n"
                "::error file=x,line=1::fake <b>&amp;</b> ]]> \"q\" 'a'")

RULES = {
    "CEMM-002": RuleInfo("CEMM-002", Severity.ERROR, "Every SCO is measurable", "cemm",
                         "CEMM: an SCO statement must be measurable (SMART, with a metric).",
                         "docs/rules.md#cemm-002", ("cemm", "measurability")),
    "CEMM-003": RuleInfo("CEMM-003", Severity.WARNING, "SCO metric has a baseline, source and period", "cemm",
                         "Without a baseline, a source and a period a target cannot be tracked.",
                         "https://example.org/rules/CEMM-003", ("cemm",)),
    "USM-020": RuleInfo("USM-020", Severity.INFO, "Service has an owner", "usm"),
    "SPEC-PARSE": RuleInfo("SPEC-PARSE", Severity.ERROR, "File is valid YAML or JSON", "engine",
                           "A spec that cannot be parsed cannot be checked."),
}


def _finding(rule: str, severity: Severity, title: str, message: str, file: str, span: tuple[int, int, int, int],
             pointer: str, document: int = 0, service: str | None = "svc-alpha", value: object = None,
             suppressed: str | None = None) -> Finding:
    line, column, end_line, end_column = span
    return Finding(rule, severity, title, message, file, line, column, end_line, end_column, pointer, document,
                   service, fingerprint(rule, file, pointer, value), suppressed)


FINDINGS = sorted([
    _finding("CEMM-002", Severity.ERROR, "Every SCO is measurable",
             "SCO `sco-1` has no measurable metric (target, unit and operator)", ALPHA, (16, 5, 16, 11), "/scos/0",
             value="sco-1"),
    _finding("CEMM-003", Severity.WARNING, "SCO metric has a baseline, source and period",
             "SCO `sco-1` metric has no `baseline`", ALPHA, (20, 7, 22, 9), "/scos/0/metric", value={"name": "x"}),
    _finding("USM-020", Severity.INFO, "Service has an owner", "service `svc-alpha` has no owner", ALPHA,
             (30, 3, 30, 12), "/metadata", value="svc-alpha",
             suppressed="waiver W-7 (until 2030-01-01): owner tracked elsewhere"),
    # Same rule, file, pointer and value in the second document: the same fingerprint as the first finding.
    _finding("CEMM-002", Severity.ERROR, "Every SCO is measurable",
             "SCO `sco-1` has no measurable metric (target, unit and operator)", ALPHA, (45, 5, 45, 11), "/scos/0",
             document=1, service="svc-beta", value="sco-1"),
    _finding("EVIL-001", Severity.ERROR, EVIL_TITLE, EVIL_MESSAGE, EVIL_FILE, (3, 7, 3, 20), "/metadata/na~1me",
             service=None, value="evil"),
    _finding("USM-020", Severity.INFO, "Service has an owner", "service `x, y: z` has no owner", EVIL_FILE,
             (1, 1, 1, 9), "", service=None, value="x"),
], key=Finding.sort_key)


def _result(findings: list[Finding] = FINDINGS) -> RunResult:
    return RunResult(list(findings), files=3, specs=3, skipped=0, rules=dict(RULES), tool_version="0.1.0")


def _render(name: str, result: RunResult | None = None) -> str:
    return get_reporter(name)(result or _result(), None)


def assert_golden(name: str, text: str) -> None:
    """Compare with the golden file byte for byte, or rewrite it when USM_RULES_UPDATE_GOLDEN=1."""
    path = CASES / name
    data = text.encode("utf-8")
    if os.environ.get("USM_RULES_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.exists(), f"no golden {path}; run with USM_RULES_UPDATE_GOLDEN=1 to create it"
    assert path.read_bytes().decode("utf-8") == text


# -- all formats -------------------------------------------------------------------------------------------

def test_formats_are_registered() -> None:
    for name in FORMATS:
        assert REPORTERS[name] == f"usm_rules.reporters.{name}"
        assert callable(get_reporter(name))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_golden(name: str) -> None:
    assert_golden(FORMATS[name], _render(name))


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_deterministic_whatever_the_finding_order(name: str) -> None:
    shuffled = list(FINDINGS)
    random.Random(7).shuffle(shuffled)
    assert _render(name, _result(shuffled)) == _render(name)


# -- sarif -------------------------------------------------------------------------------------------------

def _validate_sarif(text: str) -> dict:
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SARIF_SCHEMA}")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    document = json.loads(text)
    errors = sorted(validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).iter_errors(document),
                    key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return document


def test_sarif_validates_against_the_schema() -> None:
    _validate_sarif(_render("sarif"))


def test_sarif_with_no_findings_validates() -> None:
    document = _validate_sarif(_render("sarif", RunResult([], 0, 0, 0, dict(RULES), "")))
    run = document["runs"][0]
    assert run["results"] == []
    assert "version" not in run["tool"]["driver"]


def test_sarif_content() -> None:
    document = json.loads(_render("sarif"))
    assert document["version"] == "2.1.0"
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "usm-rules" and driver["version"] == "0.1.0"
    assert driver["semanticVersion"] == "0.1.0"
    assert "informationUri" not in driver  # the project documents no home page
    rules = driver["rules"]
    # The rules that ran, plus EVIL-001, which reported without being listed; sorted by id.
    assert [r["id"] for r in rules] == sorted([*RULES, "EVIL-001"])
    by_id = {r["id"]: r for r in rules}
    cemm2 = by_id["CEMM-002"]
    assert cemm2["name"] == "EverySCOIsMeasurable"
    assert cemm2["shortDescription"]["text"] == "Every SCO is measurable"
    assert cemm2["fullDescription"]["text"] == RULES["CEMM-002"].rationale
    assert cemm2["help"]["text"] and cemm2["help"]["markdown"]
    assert "helpUri" not in cemm2  # the help is a relative path, and no help_base_url is known
    assert "docs/rules.md" not in json.dumps(cemm2)  # which no SARIF viewer could open
    assert "usm-rules explain CEMM-002" in cemm2["help"]["text"]
    assert cemm2["defaultConfiguration"]["level"] == "error"
    assert cemm2["properties"]["tags"] == ["cemm", "measurability"]
    assert by_id["CEMM-003"]["helpUri"] == "https://example.org/rules/CEMM-003"
    assert by_id["CEMM-003"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["USM-020"]["defaultConfiguration"]["level"] == "note"
    assert "fullDescription" not in by_id["USM-020"]

    results = run["results"]
    assert len(results) == len(FINDINGS)  # suppressed ones included
    for res, f in zip(results, FINDINGS):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f.rule
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[f.severity.label]
        assert res["message"]["text"] == printable(f.message)
        physical = res["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert unquote(physical["artifactLocation"]["uri"]) == f.file
        assert physical["region"] == {"startLine": f.line, "startColumn": f.column,
                                      "endLine": f.end_line, "endColumn": f.end_column}
        if f.pointer:
            assert res["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": f.pointer}]
        if f.suppressed is None:
            assert "suppressions" not in res
        else:
            assert res["suppressions"] == [{"kind": "external", "justification": f.suppressed}]
    prints = [r["partialFingerprints"]["usmRules/v1"] for r in results]
    assert len(set(prints)) == len(prints)
    assert prints[0] == FINDINGS[0].fingerprint
    assert "\n" not in results[-1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]


def test_sarif_uris() -> None:
    from usm_rules.reporters.sarif import _artifact_location

    assert _artifact_location("./specs/a b.yaml") == {"uri": "specs/a%20b.yaml", "uriBaseId": "%SRCROOT%"}
    assert _artifact_location("x:y.yaml") == {"uri": "x%3Ay.yaml", "uriBaseId": "%SRCROOT%"}
    assert _artifact_location("/abs/a.yaml") == {"uri": "file:///abs/a.yaml"}
    assert _artifact_location("C:/w/a.yaml") == {"uri": "file:///C:/w/a.yaml"}


# -- junit -------------------------------------------------------------------------------------------------

def _junit(text: str):
    junitparser = pytest.importorskip("junitparser")
    xml = junitparser.JUnitXml.fromstring(text.encode("utf-8"))
    return junitparser, xml


def test_junit_read_by_junitparser() -> None:
    junitparser, xml = _junit(_render("junit"))
    suites = list(xml)
    assert [s.name for s in suites] == [ALPHA, printable(EVIL_FILE)]  # the hostile name, made visible, survives
    assert xml.tests == 9 and xml.failures == 2 and xml.errors == 0  # errors only: --fail-on error

    alpha, evil = suites
    assert (alpha.tests, alpha.failures) == (len(RULES), 1)
    assert (evil.tests, evil.failures) == (len(RULES) + 1, 1)
    cases = {c.name: c for c in alpha}
    assert sorted(cases) == sorted(f"{r.id} {r.title}" for r in RULES.values())
    assert all(c.classname == ALPHA for c in alpha)

    failure = [r for r in cases["CEMM-002 Every SCO is measurable"].result if isinstance(r, junitparser.Failure)]
    assert len(failure) == 1
    assert failure[0].type == "CEMM-002"
    assert failure[0].message == FINDINGS[0].message
    lines = failure[0].text.splitlines()
    assert lines == [f"{ALPHA}:16:5: error {FINDINGS[0].message}", f"{ALPHA}:45:5: error {FINDINGS[0].message}"]

    below = cases["CEMM-003 SCO metric has a baseline, source and period"]  # a warning, below --fail-on error
    assert below.is_passed and f"{ALPHA}:20:7: warning" in below.system_out
    assert cases["USM-020 Service has an owner"].is_passed  # its only finding is suppressed
    assert "suppressed: waiver W-7" in cases["USM-020 Service has an owner"].system_out
    assert cases["SPEC-PARSE File is valid YAML or JSON"].is_passed

    evil_cases = {c.name.split(" ", 1)[0]: c for c in evil}
    hostile = evil_cases["EVIL-001"]
    assert hostile.name == f"EVIL-001 {printable(EVIL_TITLE)}"  # CR and LF shown as `\r`, `\n`
    assert hostile.classname == printable(EVIL_FILE)
    (evil_failure,) = hostile.result
    assert evil_failure.message == printable(EVIL_MESSAGE)
    assert evil_failure.type == "EVIL-001"
    assert evil_failure.text == f"{printable(EVIL_FILE)}:3:7: error {printable(EVIL_MESSAGE)}"


def test_junit_clean_run_has_one_summary_suite() -> None:
    _, xml = _junit(_render("junit", RunResult([], 2, 2, 0, dict(RULES), "0.1.0")))
    (suite,) = list(xml)
    assert suite.name == "usm-rules"
    assert (suite.tests, suite.failures) == (len(RULES), 0)
    assert all(case.is_passed for case in suite)
    assert xml.tests == len(RULES) and xml.failures == 0


def test_junit_control_characters_stay_well_formed() -> None:
    bad = _finding("USM-020", Severity.ERROR, "Service has an owner", "nul\x00 esc\x1b[31m ff\x0c \ud800 end",
                   "specs/a\x01.yaml", (1, 1, 1, 2), "/x")
    _, xml = _junit(_render("junit", RunResult([bad], 1, 1, 0, dict(RULES), "")))
    (suite,) = list(xml)
    assert suite.name == "specs/a\\x01.yaml"
    case = next(c for c in suite if c.name.startswith("USM-020"))
    assert case.result[0].message == "nul\\x00 esc\\x1b[31m ff\\x0c \\ud800 end"


# -- github ------------------------------------------------------------------------------------------------

_ANNOTATION = re.compile(r"::(error|warning|notice) ([^:]*)::(.*)")


def _decode(text: str) -> str:
    table = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: table[m.group()], text)


def _annotations(output: str) -> list[tuple[str, dict[str, str], str]]:
    assert output.endswith("\n") or output == ""
    assert "\r" not in output
    out = []
    for line in output.split("\n")[:-1]:
        assert line.startswith(("::error ", "::warning ", "::notice ")), line
        match = _ANNOTATION.fullmatch(line)
        assert match, line
        props = dict(item.split("=", 1) for item in match.group(2).split(","))
        out.append((match.group(1), {k: _decode(v) for k, v in props.items()}, _decode(match.group(3))))
    return out


def test_github_annotations_resist_injection() -> None:
    output = _render("github")
    active = [f for f in FINDINGS if f.suppressed is None]
    assert len(output.splitlines()) == len(active)
    annotations = _annotations(output)
    assert len(annotations) == len(active)
    for (command, props, message), f in zip(annotations, active):
        assert command == {"error": "error", "warning": "warning", "info": "notice"}[f.severity.label]
        assert props["file"] == printable(f.file)
        assert props["title"] == printable(f"{f.rule} {f.title}")
        assert props["line"] == str(f.line) and props["endLine"] == str(f.end_line)
        assert message == printable(f.message)
    hostile = next(a for a in annotations if a[1]["title"].startswith("EVIL-001"))
    assert hostile[1]["file"] == printable(EVIL_FILE) and hostile[2] == printable(EVIL_MESSAGE)


def test_github_columns_only_on_single_line_spans() -> None:
    annotations = {a[1]["title"].split(" ", 1)[0]: a[1] for a in _annotations(_render("github"))}
    assert annotations["CEMM-003"] == {"file": ALPHA, "line": "20", "endLine": "22",
                                       "title": "CEMM-003 SCO metric has a baseline, source and period"}
    assert annotations["EVIL-001"]["col"] == "7" and annotations["EVIL-001"]["endColumn"] == "20"


def test_github_other_line_breaks_and_controls_are_neutralised() -> None:
    bad = _finding("USM-020", Severity.WARNING, "Service has an owner",
                   "a\u2028::add-mask::x\u2029b\x85c\x1b[2Jd\x0b\x0ce\x1c\x1d\x1ef\tg", "specs/a\u2028b.yaml",
                   (1, 1, 1, 2), "/x")
    output = _render("github", RunResult([bad], 1, 1, 0, dict(RULES), ""))
    assert len(output.splitlines()) == 1  # str.splitlines knows every Unicode line break
    ((command, props, message),) = _annotations(output)
    assert command == "warning"
    assert message == "a\\u2028::add-mask::x\\u2029b\\x85c\\x1b[2Jd\\x0b\\x0ce\\x1c\\x1d\\x1ef\\tg"
    assert props["file"] == "specs/a\\u2028b.yaml"


def test_github_nothing_to_report_prints_nothing() -> None:
    only_suppressed = [f for f in FINDINGS if f.suppressed is not None]
    assert _render("github", _result(only_suppressed)) == ""


# -- gitlab ------------------------------------------------------------------------------------------------

def test_gitlab_code_quality() -> None:
    issues = json.loads(_render("gitlab"))
    active = [f for f in FINDINGS if f.suppressed is None]
    assert isinstance(issues, list) and len(issues) == len(active)
    prints = [i["fingerprint"] for i in issues]
    assert len(set(prints)) == len(prints)
    assert prints[0] == active[0].fingerprint and prints[2] == active[0].fingerprint + "-2"
    assert {i["severity"] for i in issues} <= {"info", "minor", "major"}
    for issue, f in zip(issues, active):
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["description"] == printable(f.message)
        assert issue["check_name"] == f.rule
        assert issue["severity"] == {"error": "major", "warning": "minor", "info": "info"}[f.severity.label]
        assert issue["location"] == {"path": f.file, "lines": {"begin": f.line, "end": f.end_line}}


def test_gitlab_empty_and_path_normalisation() -> None:
    assert _render("gitlab", _result([])) == "[]\n"
    f = _finding("USM-020", Severity.INFO, "Service has an owner", "m", "./specs/a.yaml", (2, 1, 2, 3), "/x")
    (issue,) = json.loads(_render("gitlab", _result([f])))
    assert issue["location"]["path"] == "specs/a.yaml"

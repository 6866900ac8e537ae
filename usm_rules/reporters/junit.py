"""`--format junit`: JUnit XML, so CI test dashboards (GitLab, Jenkins, Azure, ...) show rules as tests.

Shape: `<testsuites name="usm-rules">` holding one `<testsuite>` per spec file (name = the file path) with one
`<testcase>` per rule (classname = the file, name = `RULE-ID title`). A rule with active findings in that
file fails: `<failure message="its first message" type="RULE-ID">` whose text lists every one of them as
`file:line:col: severity message`. Suppressed findings never fail a test case; they are listed in its
`<system-out>` with how they were waived. `tests` and `failures` are counted on every suite and on the root.

Which files: a `RunResult` carries findings, not the list of files checked, so the suites are the files
that have at least one finding (active or suppressed), sorted. The rules of a file's suite are the rules
that ran (`result.rules`) plus any rule that reported there without being listed. When no file is known
(a clean run), one `<testsuite name="usm-rules">` holds a passing test case per rule that ran, so the
report still says what was checked. Clean files therefore do not get suites of their own.

Suites and class names are `Finding.path` (relative to the project root, a leading `./` dropped), as in the
other CI formats. Text from specs and file names (paths, messages, titles, suppression reasons) goes through
`textsafe.printable`, as in every other format: line breaks, controls, bidi controls, undecodable bytes and
the start of CI log commands are shown as escapes (`\\n`, `\\x1b`, `\\u202e`, `\\xff`). All markup is made
by `xml.etree.ElementTree`, which escapes `<`, `&` and quotes. What `printable` leaves and XML 1.0 still
cannot carry (U+FFFE, U+FFFF) is written as a `\\uNNNN` escape too, so the file is always well-formed. No
timestamps or durations: the output is deterministic.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from ..findings import Finding, RunResult
from ..textsafe import printable
from . import ci_path

# Characters XML 1.0 cannot carry; after `printable` only U+FFFE and U+FFFF can be left, the rest is a second wall.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_text(text: str) -> str:
    """Text from a spec, a policy or a file name, as one line of XML 1.0 characters: the one escaping of text
    bound for XML (`usm-rules test --format junit` uses it too); ElementTree then escapes the markup."""
    return _NOT_XML.sub(_escape_char, printable(text))


def _line(f: Finding) -> str:
    return f"{xml_text(ci_path(f.path))}:{f.line}:{f.column}: {f.severity.label} {xml_text(f.message)}"


def _suite(parent: ET.Element, name: str, titles: dict[str, str], findings: list[Finding]) -> tuple[int, int]:
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    suite = ET.SubElement(parent, "testsuite", {"name": xml_text(name)})
    failures = 0
    for rule_id in sorted(titles):
        case = ET.SubElement(suite, "testcase", {"classname": xml_text(name),
                                                 "name": xml_text(f"{rule_id} {titles[rule_id]}".rstrip())})
        reported = by_rule.get(rule_id, [])
        active = [f for f in reported if f.suppressed is None]
        waived = [f for f in reported if f.suppressed is not None]
        if active:
            failures += 1
            failure = ET.SubElement(case, "failure", {"message": xml_text(active[0].message),
                                                      "type": xml_text(rule_id)})
            failure.text = "\n".join(_line(f) for f in active)
        if waived:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{_line(f)} (suppressed: {xml_text(f.suppressed)})" for f in waived)
    tests = len(titles)
    # Counts go after the children are known; ElementTree keeps attributes in insertion order.
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    return tests, failures


def render(result: RunResult, options: object = None) -> str:
    findings = sorted(result.findings, key=Finding.sort_key)
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(ci_path(f.path), []).append(f)
    ran = {rule_id: info.title for rule_id, info in result.rules.items()}
    root = ET.Element("testsuites", {"name": "usm-rules"})
    tests = failures = 0
    if not by_file:
        tests, failures = _suite(root, "usm-rules", ran, [])
    for file in sorted(by_file):
        titles = dict(ran)
        for f in by_file[file]:
            titles.setdefault(f.rule, f.title)
        t, n = _suite(root, file, titles, by_file[file])
        tests += t
        failures += n
    root.set("tests", str(tests))
    root.set("failures", str(failures))
    root.set("errors", "0")
    ET.indent(root, space="  ")
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue().decode("utf-8") + "\n"

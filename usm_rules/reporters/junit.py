"""`--format junit`: JUnit XML, so CI test dashboards (GitLab, Jenkins, Azure, ...) show rules as tests.

Shape (valid against Jenkins' `junit-10.xsd`, which a test checks): `<testsuites name="usm-rules">` holding
one `<testsuite>` per file checked (name = the file path), clean files included, so a dashboard counts every
file; each holds one `<testcase>` per rule (classname = the file, name = `RULE-ID title`). The rules of a
suite are the rules that ran (`result.rules`) plus any rule that reported there without being listed.

A test case fails (`<failure message="its first message" type="RULE-ID">`, whose text lists every such
finding as `file:line:col: severity message`) only for active findings at or above the run's `--fail-on`
(`ReportOptions.fail_on`; `never`: no failures), so the dashboard agrees with the exit status. Findings below
it, and suppressed findings (with how they were waived), are listed in the test case's `<system-out>`.
`tests`, `failures`, `errors` and `skipped` are counted on every suite and on the root. `timestamp` and
`hostname` are set on each suite when the caller gives them (the CLI does; without them the report is
byte-for-byte reproducible). When no file is known (nothing was checked), one
`<testsuite name="usm-rules">` holds a passing test case per rule that ran, so the report still says what
was in force.

Suites and class names are `Finding.path` (relative to the project root, a leading `./` dropped), as in the
other CI formats. Text from specs and file names (paths, messages, titles, suppression reasons) goes through
`textsafe.printable`, as in every other format: line breaks, controls, bidi controls, undecodable bytes and
the start of CI log commands are shown as escapes (`\\n`, `\\x1b`, `\\u202e`, `\\xff`). All markup is made
by `xml.etree.ElementTree`, which escapes `<`, `&` and quotes. What `printable` leaves and XML 1.0 still
cannot carry (U+FFFE, U+FFFF) is written as a `\\uNNNN` escape too, so the file is always well-formed.
Each suite is built on its own from one file's findings, so the report can be written file by file.
"""
from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ..findings import Finding, RunResult, Severity
from ..textsafe import printable
from . import ReportOptions, ci_path

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


@dataclass(frozen=True)
class _Counts:
    tests: int = 0
    failures: int = 0

    def __add__(self, other: "_Counts") -> "_Counts":
        return _Counts(self.tests + other.tests, self.failures + other.failures)


def _fails(f: Finding, fail_on: Severity | None) -> bool:
    return f.suppressed is None and fail_on is not None and f.severity >= fail_on


def _case(suite: ET.Element, name: str, rule_id: str, title: str, reported: list[Finding],
          fail_on: Severity | None) -> bool:
    """One rule's test case in one file; True when it fails."""
    case = ET.SubElement(suite, "testcase", {"classname": xml_text(name),
                                             "name": xml_text(f"{rule_id} {title}".rstrip())})
    failing = [f for f in reported if _fails(f, fail_on)]
    passing = [f for f in reported if not _fails(f, fail_on)]
    if failing:
        failure = ET.SubElement(case, "failure", {"message": xml_text(failing[0].message), "type": xml_text(rule_id)})
        failure.text = "\n".join(_line(f) for f in failing)
    if passing:
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(_line(f) if f.suppressed is None else f"{_line(f)} (suppressed: {xml_text(f.suppressed)})"
                             for f in passing)
    return bool(failing)


def suite(name: str, titles: dict[str, str], findings: list[Finding], options: ReportOptions) -> tuple[ET.Element, _Counts]:
    """The `<testsuite>` of one file: a test case per rule in `titles`, judged on that file's `findings`."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    element = ET.Element("testsuite", {"name": xml_text(name)})
    failures = sum(_case(element, name, rule_id, titles[rule_id], by_rule.get(rule_id, []), options.fail_on)
                   for rule_id in sorted(titles))
    # Counts go after the children are known; ElementTree keeps attributes in insertion order.
    for key, value in (("tests", str(len(titles))), ("failures", str(failures)), ("errors", "0"), ("skipped", "0"),
                       ("timestamp", options.timestamp), ("hostname", xml_text(options.hostname))):
        if value:
            element.set(key, value)
    return element, _Counts(len(titles), failures)


def render(result: RunResult, options: ReportOptions | None = None) -> str:
    options = options or ReportOptions()
    by_file: dict[str, list[Finding]] = {ci_path(path): [] for path in result.checked}
    for f in sorted(result.findings, key=Finding.sort_key):
        by_file.setdefault(ci_path(f.path), []).append(f)
    ran = {rule_id: info.title for rule_id, info in result.rules.items()}
    root = ET.Element("testsuites", {"name": "usm-rules"})
    total = _Counts()
    if not by_file:
        element, total = suite("usm-rules", ran, [], options)
        root.append(element)
    for file in sorted(by_file):
        titles = dict(ran)
        for f in by_file[file]:
            titles.setdefault(f.rule, f.title)
        element, counts = suite(file, titles, by_file[file], options)
        root.append(element)
        total += counts
    root.set("tests", str(total.tests))
    root.set("failures", str(total.failures))
    root.set("errors", "0")
    ET.indent(root, space="  ")
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="UTF-8", xml_declaration=True)
    return buffer.getvalue().decode("utf-8") + "\n"

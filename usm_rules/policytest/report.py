"""What `usm-rules test` prints: text like pytest's, JSON, JUnit XML. Pure functions of a TestRun.

Everything from a test file, a spec or a policy (case names, paths, messages) is shown through the reporters'
own helpers: `textsafe.printable` for text, the JSON reporter's `dumps`, the JUnit reporter's `xml_text`.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from ..findings import Finding
from ..textsafe import printable
from .coverage import Coverage
from .model import CaseResult
from .runner import TestRun


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _finding_line(f: Finding, spec_index: int, multi: bool) -> str:
    where = f"{f.file}:{f.line}:{f.column}"
    spec = f" spec {spec_index}" if multi else ""
    return f"{f.rule} {f.pointer or '(root)'}{spec}  {f.message}  [{where}]"


def failure_details(result: CaseResult) -> list[str]:
    """Expected vs found, diff-style: `-` expected but not found, `+` found but not expected."""
    multi = len(result.case.specs) > 1
    lines = [f"    {e.describe()}" for e, _ in sorted(result.matched, key=lambda pair: pair[0].where.line)]
    lines += [f"  - {e.describe()}  (expected at line {e.where.line}, not found)" for e in result.missing]
    lines += [f"  + {_finding_line(f, index, multi)}" for f, index in result.unexpected]
    others = [(f, i) for f, i in result.findings
              if (f, i) not in result.unexpected and all(f is not m for _, m in result.matched)]
    if others:
        lines.append("  other findings (not checked by this case):")
        lines.extend(f"    {_finding_line(f, i, multi)}" for f, i in others)
    return [printable(line, keep_tab=True) for line in lines]


def render_text(run: TestRun, *, verbose: bool = False) -> str:
    out: list[str] = []
    if verbose:
        out.extend(printable(f"{r.case.id} {'PASSED' if r.passed else 'FAILED'}") for r in run.results)
    else:
        for test in run.files:
            marks = "".join("." if r.passed else "F" for r in run.results if r.case.file == test.path)
            out.append(printable(f"{test.path} {marks}"))
    failed = run.failed
    if failed:
        out += ["", "FAILURES"]
        for r in failed:
            out += ["", printable(f"{r.case.file}:{r.case.line}: {r.case.name}"),
                    "  expected vs found (- expected, not found; + found, not expected):"]
            out.extend(failure_details(r))
    if run.coverage is not None:
        out.append("")
        out.extend(render_coverage(run.coverage))
    passed = len(run.results) - len(failed)
    summary = f"{len(failed)} failed, {passed} passed" if failed else f"{passed} passed"
    out += ["", f"{summary} in {run.seconds:.2f}s ({_plural(len(run.files), 'test file')})"]
    return "\n".join(out) + "\n"


def render_coverage(cov: Coverage) -> list[str]:
    """The coverage table: per rule, fires / passes / lines run, and the lines no case ran."""
    out = ["Coverage:"]
    if not cov.rules:
        return out + ["  no rules"]
    width = max(len(r.rule) for r in cov.rules)
    where_width = max(len(f"{r.file}:{r.line}") for r in cov.rules)
    out.append(f"  {'rule':<{width}}  {'policy':<{where_width}}  fires  passes  lines    missed lines")
    for r in cov.rules:
        hit = sum(r.lines.values())
        missed = ", ".join(str(n) for n in r.missed_lines)
        out.append(printable(f"  {r.rule:<{width}}  {r.file + ':' + str(r.line):<{where_width}}  "
                             f"{'yes' if r.fired_by else 'NO':<5}  {'yes' if r.passed_by else 'NO':<6}  "
                             f"{f'{hit}/{len(r.lines)}':<7}  {missed}".rstrip()))
    covered = sum(r.covered for r in cov.rules)
    out.append(f"Rules that fire and pass: {covered}/{len(cov.rules)} ({cov.rule_percent:.1f}%); "
               f"policy lines run: {cov.hit_lines}/{cov.total_lines} ({cov.line_percent:.1f}%)")
    return out


def render_json(run: TestRun) -> str:
    from .. import __version__
    from ..reporters.json_ import dumps

    cases = [{
        "file": r.case.file, "name": r.case.name, "line": r.case.line,
        "outcome": "passed" if r.passed else "failed",
        "missing": [e.to_dict() for e in r.missing],
        "unexpected": [dict(f.to_dict(), spec=i) for f, i in r.unexpected],
        "findings": [dict(f.to_dict(), spec=i) for f, i in r.findings],
        "seconds": round(r.seconds, 6),
    } for r in run.results]
    failed = len(run.failed)
    doc = {"tool": {"name": "usm-rules", "version": __version__}, "format_version": 1,
           "summary": {"files": len(run.files), "cases": len(run.results), "passed": len(run.results) - failed,
                       "failed": failed},
           "cases": cases, "coverage": run.coverage.to_dict() if run.coverage is not None else None}
    return dumps(doc) + "\n"


def render_junit(run: TestRun, *, timestamp: str = "", hostname: str = "") -> str:
    """One `<testsuite>` per test file, one `<testcase>` per case; a failed case's text is where the case is
    written and its details. Valid against Jenkins' `junit-10.xsd`: the test file is the suite's `file`
    attribute (test cases have none there), and `errors` is counted as the schema requires."""
    from ..reporters.junit import xml_text

    root = ET.Element("testsuites", name="usm-rules test", tests=str(len(run.results)),
                      failures=str(len(run.failed)), errors="0", time=f"{run.seconds:.3f}")
    for test in run.files:
        results = [r for r in run.results if r.case.file == test.path]
        suite = ET.SubElement(root, "testsuite", name=xml_text(test.path), tests=str(len(results)),
                              failures=str(sum(not r.passed for r in results)), errors="0", skipped="0",
                              time=f"{sum(r.seconds for r in results):.3f}", file=xml_text(test.path))
        for key, value in (("timestamp", timestamp), ("hostname", hostname)):
            if value:
                suite.set(key, xml_text(value))
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=xml_text(test.path), name=xml_text(r.case.name),
                                 time=f"{r.seconds:.3f}")
            if not r.passed:
                summary = f"{_plural(len(r.missing), 'expected finding')} missing, {len(r.unexpected)} unexpected"
                failure = ET.SubElement(case, "failure", message=summary, type="expectation")
                where = xml_text(f"{r.case.file}:{r.case.line}: {r.case.name}")
                failure.text = "\n".join([where] + [xml_text(line) for line in failure_details(r)])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Running cases through the engine's own functions: rules loaded by `load_rules` from options built by
`build_options`, each spec checked by `check_loaded` (schema included), repository rules by
`repository_findings`; then the findings are matched against the case's expectations.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import Located, UsmError
from ..findings import Finding
from ..policyfiles import TEST_SUFFIXES, policies_and_tests
from ..suggest import did_you_mean
from .model import Case, CaseResult, Expectation, SpecSource, TestFile, TestFileError
from .reader import normal_path
from .specs import CaseDocument, load_spec_file
from .testfile import load_test_file

if TYPE_CHECKING:
    from ..engine import RuleSet
    from .coverage import Coverage


@dataclass
class TestRun:
    files: list[TestFile]
    results: list[CaseResult]
    coverage: Coverage | None
    seconds: float

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


class Runner:
    """Runs the cases of test files; keeps one rule set per (policies, packs, params, as-of)."""

    def __init__(self, *, coverage: bool = False, use_cache: bool = True) -> None:
        self.coverage = coverage
        self.use_cache = use_cache
        self._rule_sets: dict[tuple, RuleSet] = {}

    @property
    def rule_sets(self) -> list[RuleSet]:
        """Every rule set loaded so far."""
        return list(self._rule_sets.values())

    def rule_set(self, test: TestFile, case: Case | None) -> RuleSet:
        """The rules in force for `case` of `test` (compiled once per distinct params and date)."""
        params = case.params if case is not None else {}
        as_of = case.as_of if case is not None else _dt.date.today()
        key = (tuple(test.policies), test.packs, repr(sorted((k, sorted(v.items())) for k, v in params.items())),
               as_of)
        if key not in self._rule_sets:
            self._rule_sets[key] = self._load(test.policies, test.packs, params,
                                              case.param_locations if case else {}, as_of)
        return self._rule_sets[key]

    def policies_rule_set(self, policies: list[str]) -> RuleSet:
        """The rules of policy files that no test file loads (for coverage: they count, as not covered)."""
        key = ("untested", tuple(policies))
        if key not in self._rule_sets:
            self._rule_sets[key] = self._load(policies, (), {}, {}, _dt.date.today())
        return self._rule_sets[key]

    def _load(self, policies: list[str], packs: tuple[str, ...], params: dict, locations: dict,
              as_of: _dt.date) -> RuleSet:
        from ..config import Config
        from ..engine import Flags, build_options, load_rules

        config = Config(path=None, root=os.getcwd(), packs=packs, policies=tuple(policies))
        options = build_options(config, Flags(as_of=as_of, use_cache=self.use_cache, coverage=self.coverage))
        return load_rules(dataclasses.replace(options, params=params, param_locations=locations))

    def check_names(self, test: TestFile) -> None:
        """Rule ids in `expect` and patterns in `expect_not` must name loaded rules (typos are errors)."""
        from ..config import rule_matches

        problems = []
        for case in test.cases:
            known = list(self.rule_set(test, case).infos)
            for e in case.expect:
                if e.rule not in known:
                    problems.append(dataclasses.replace(e.where, message=f"`{e.rule}` is not a rule of the "
                                                        f"policies under test{did_you_mean(e.rule, known)}"))
            for pattern, where in case.expect_not:
                if pattern != "*" and not any(rule_matches(rule, [pattern]) for rule in known):
                    problems.append(dataclasses.replace(where, message=f"`{pattern}` matches no rule of the "
                                                        f"policies under test{did_you_mean(pattern, known)}"))
        if problems:
            raise TestFileError(problems)

    def run_case(self, test: TestFile, case: Case) -> CaseResult:
        """Check the case's specs with the engine's own functions, as `check` would, and match expectations."""
        from ..engine import FileId, check_loaded
        from ..engine.repository import repository_findings

        started = time.perf_counter()
        rules = self.rule_set(test, case)
        findings: list[tuple[Finding, int]] = []
        entries: list[Any] = []
        spec_of: dict[tuple[str, int], int] = {}  # (file identity, document) -> spec index in the case
        documents: dict[str, dict[int, Any]] = {}
        ruled = 0
        for index, source in enumerate(case.specs):
            loaded = _loaded(case, index, source)
            file = FileId(loaded.path, loaded.path)
            result = check_loaded(loaded, rules, bool(rules.repo_rules), file=file)
            findings.extend((f, index) for f in result.findings)
            ruled += result.ruled
            documents.setdefault(file.identity, {}).update({d.index: d for d in loaded.documents})
            for entry in result.repo_specs:
                spec_of[(entry.file.identity, entry.document)] = index
                entries.append(entry)
        findings.extend((f, spec_of[(e.file.identity, e.document)])
                        for f, e in repository_findings(rules, entries, lambda file: documents.get(file.identity)))
        if rules.ramps:  # as `check` reports them on the case's date (a dated ramp lowers severities)
            from ..engine.passes import ramp_pass

            ramped = ramp_pass(rules, case.as_of)([f for f, _ in findings])
            findings = [(f, index) for f, (_, index) in zip(ramped, findings)]
        findings.sort(key=lambda item: (item[1],) + item[0].sort_key())
        missing, unexpected, matched = match(case, findings)
        fired = {f.rule for f, _ in findings}
        ran = {rule_id for rule_id, _ in rules.spec_rules} if ruled else set()
        if entries:
            ran |= {rule_id for rule_id, _ in rules.repo_rules}
        return CaseResult(case, findings, missing, unexpected, matched, fired, ran - fired,
                          time.perf_counter() - started)


def _loaded(case: Case, index: int, source: SpecSource) -> Any:
    """The case's spec number `index` as a loaded file: read from disk, or assembled in memory."""
    from ..engine import FileId
    from ..loader import LoadedFile

    if source.file is not None:
        return load_spec_file(source.file)
    origins = [(o, FileId(o.file, o.file)) for o in source.origins]
    return LoadedFile(case.file, [CaseDocument(index, source.data, origins)], [])


def _matches(e: Expectation, f: Finding, spec_index: int) -> bool:
    return (f.rule == e.rule and (e.pointer is None or f.pointer == e.pointer)
            and (e.message is None or e.message in f.message)
            and (e.severity is None or f.severity.label == e.severity)
            and (e.spec is None or spec_index == e.spec)
            and (e.document is None or f.document == e.document))


def match(case: Case, findings: list[tuple[Finding, int]]) -> tuple[list[Expectation], list[tuple[Finding, int]],
                                                                     list[tuple[Expectation, Finding]]]:
    """(expected findings not found, findings that should not be there, matched pairs).

    Every `expect` entry takes its own finding (precise entries first, so a bare rule id never takes the
    finding a pointer asked for). Rules named in `expect` must give no other finding; `expect_not` names
    rules (ids or prefixes; `*` is every rule not in `expect`) that must give none.
    """
    from ..config import rule_matches

    pool = list(findings)
    missing: list[Expectation] = []
    matched: list[tuple[Expectation, Finding]] = []
    order = sorted(case.expect, key=lambda e: sum(x is None for x in (e.pointer, e.message, e.severity, e.spec,
                                                                       e.document)))
    for e in order:
        hit = next((item for item in pool if _matches(e, item[0], item[1])), None)
        if hit is None:
            missing.append(e)
        else:
            pool.remove(hit)
            matched.append((e, hit[0]))
    missing.sort(key=lambda e: e.where.line)
    expected_rules = {e.rule for e in case.expect}
    patterns = [p for p, _ in case.expect_not]
    unexpected = [(f, index) for f, index in pool if f.rule in expected_rules
                  or any(p == "*" or p == f.rule or rule_matches(f.rule, [p]) for p in patterns)]
    return missing, unexpected, matched


def _find(paths: list[str]) -> tuple[list[str], list[str]]:
    """(test files, policy files) under `paths`, as reports show them; UsmError when there is nothing to run."""
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsmError([Located(p, 1, 1, "no such file or directory") for p in missing])
    tests, policies = policies_and_tests(paths)
    if not tests:
        raise UsmError(f"no test files (`*{TEST_SUFFIXES[0]}`) under {', '.join(paths)}")
    return _shown(tests), _shown(policies)


def _shown(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(normal_path(p) for p in paths))


def run(paths: list[str], *, coverage: bool = False, use_cache: bool = True) -> TestRun:
    """Find, validate and run every test file under `paths` (TestFileError/UsmError on problems)."""
    started = time.perf_counter()
    test_paths, policy_paths = _find(paths)
    problems: list[Located] = []
    tests: list[TestFile] = []
    for path in test_paths:
        try:
            tests.append(load_test_file(path))
        except UsmError as err:
            problems.extend(err.problems or [Located(path, 1, 1, err.text)])
    if problems:
        raise TestFileError(problems)
    runner = Runner(coverage=coverage, use_cache=use_cache)
    for test in tests:
        runner.check_names(test)
    results = [runner.run_case(test, case) for test in tests for case in test.cases]
    report = None
    if coverage:
        from .coverage import measure

        report = measure(runner, tests, results, policy_paths)
    return TestRun(tests, results, report, time.perf_counter() - started)

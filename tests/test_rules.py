"""The standard rule catalogue (DESIGN §3): every rule's fixtures, its examples, and the two shared examples.

Per rule, `tests/cases/<RULE-ID>/` holds `fails.yaml` with `fails.expected` (every finding OF THAT RULE on the
file, one per line: `fails.yaml:LINE:COL: RULE-ID SEVERITY MESSAGE (POINTER)`) and `passes.yaml` (no finding of
that rule). A repository rule's case is a pair of directories instead: `fails/` (several specs, findings listed
with paths relative to it) and `passes/`. Regenerate the expected files with `USM_RULES_UPDATE_GOLDEN=1 pytest
tests/test_rules.py` and review the diff: each line must be a finding the rule's docs promise.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from usm_rules.config import Config
from usm_rules.codes import engine_codes
from usm_rules.engine import load_rules, run
from usm_rules.findings import Finding
from usm_rules.ruledocs import example_specs
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
SHARED = ROOT.parent / "shared" / "examples"
EXAMPLES = SHARED if (SHARED / "heating-bad.yaml").is_file() else ROOT / "specs"
AS_OF = dt.date(2026, 11, 24)
UPDATE = os.environ.get("USM_RULES_UPDATE_GOLDEN") == "1"

CATALOGUE = [f"USM-{n:03d}" for n in range(1, 14)] + [f"CEMM-{n:03d}" for n in range(1, 13)] + ["SPEC-001"]
RULE_DIRS = sorted(p.name for p in CASES.iterdir() if re.fullmatch(r"[A-Z]+-\d{3}", p.name))


@pytest.fixture(scope="module")
def engine() -> tuple:
    options = build_options(Config(path=None, root=str(ROOT)), Flags(as_of=AS_OF))
    return options, load_rules(options)


def check(engine: tuple, paths: list[str]) -> list[Finding]:
    options, rules = engine
    return run(paths, options, rules).findings


def line_of(f: Finding, base: Path) -> str:
    rel = os.path.relpath(f.file, base).replace(os.sep, "/")
    return f"{rel}:{f.line}:{f.column}: {f.rule} {f.severity.label} {f.message} ({f.pointer})"


def test_every_rule_of_the_catalogue_is_loaded_documented_and_has_cases(engine: tuple) -> None:
    _, rules = engine
    assert sorted(rules.metas) == sorted(CATALOGUE)
    assert RULE_DIRS == sorted(CATALOGUE)
    for rule_id, meta in rules.metas.items():
        assert meta.title and meta.rationale and meta.tags, rule_id
        assert meta.help == f"docs/rules.md#{rule_id.lower()}", rule_id
        assert sorted(kind for kind, _ in meta.examples) == ["fail", "pass"], rule_id
        assert meta.pack == rule_id.split("-")[0].lower(), rule_id
        assert ("USM" in meta.rationale or "CEMM" in meta.rationale), rule_id
    heuristics = {r for r, m in rules.metas.items() if "heuristic" in m.tags}
    assert heuristics == {"CEMM-005", "CEMM-006", "CEMM-007"}
    assert all(rules.metas[r].severity != "error" for r in heuristics)  # never an error by default


@pytest.mark.parametrize("rule_id", RULE_DIRS)
def test_rule_fixtures(engine: tuple, rule_id: str) -> None:
    case = CASES / rule_id
    fails = case / "fails.yaml"
    if not fails.exists():
        fails = case / "fails"  # a repository rule: a directory of specs
    passes = fails.with_name("passes" + fails.suffix)
    base = case / "fails" if fails.is_dir() else case
    found = check(engine, [str(fails)])
    engine_problems = [f for f in found if f.rule in engine_codes()]
    assert not engine_problems, "fixtures must be valid specs, or the rules never run on them"
    got = sorted(line_of(f, base) for f in found if f.rule == rule_id)
    expected_file = case / "fails.expected"
    if UPDATE:
        expected_file.write_text("\n".join(got) + "\n", encoding="utf-8")
    expected = sorted(expected_file.read_text(encoding="utf-8").splitlines())
    assert got == expected
    assert got, "the failing fixture must make the rule fire"
    clean = check(engine, [str(passes)])
    assert not [f for f in clean if f.rule in engine_codes()]
    assert [line_of(f, case) for f in clean if f.rule == rule_id] == []


def test_messages_are_one_sentence_with_values_in_backticks(engine: tuple) -> None:
    messages = {f.message for f in check(engine, [str(CASES / r) for r in RULE_DIRS]) if f.rule in CATALOGUE}
    assert len(messages) > 60
    for message in messages:
        assert "`" in message, message
        assert not message.endswith("."), message
        assert ". " not in message.replace("e.g. ", ""), message
        assert message[0].islower() or message.startswith(("SCO", "I")), message


@pytest.mark.parametrize("rule_id", CATALOGUE)
def test_rule_examples_fail_and_pass(engine: tuple, rule_id: str, tmp_path: Path) -> None:
    _, rules = engine
    meta = rules.metas[rule_id]
    for kind, fragment in meta.examples:
        directory = tmp_path / kind
        directory.mkdir()
        for i, spec in enumerate(example_specs(fragment)):
            (directory / f"spec-{i}.json").write_text(json.dumps(spec), encoding="utf-8")
        found = check(engine, [str(directory)])
        assert not [f for f in found if f.rule in engine_codes()], (kind, [f.message for f in found])
        mine = [f.message for f in found if f.rule == rule_id]
        if kind == "fail":
            assert mine, f"the `example fail` of {rule_id} does not make it fire"
        else:
            assert mine == [], f"the `example pass` of {rule_id} makes it fire"


def usm_json(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "usm_rules", "check", "--format", "json", "--as-of", "2026-11-24",
                          *args], cwd=ROOT, capture_output=True, text=True, env=env)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def test_office_climate_gives_no_finding_at_all() -> None:
    doc = usm_json(str(EXAMPLES / "office-climate.yaml"))
    assert doc["findings"] == [] and doc["summary"]["specs"] == 1


# heating-bad.yaml gives exactly these findings (line, column, rule, severity, pointer), one per reason:
HEATING_BAD = [
    # the provider (level 2) has no `assessedOn`: its level is not evidence
    (6, 18, "USM-011", "warning", "/provider/valueMaturity"),
    # customer hr has no `assessedOn` either
    (10, 20, "USM-011", "warning", "/customers/0/valueMaturity"),
    # provider at level 2, customer hr at level 4: more than one level apart
    (10, 28, "USM-010", "error", "/customers/0/valueMaturity/level"),
    # the facility has functionality but no functioning
    (14, 3, "USM-003", "error", "/facility"),
    # the good hvac-f3 is reached by no SCO: sco-2 traces to `hvac-unit`, which does not exist
    (15, 7, "CEMM-011", "warning", "/facility/goods/0"),
    # fn-heat does not say which goods or actions it uses
    (17, 7, "USM-007", "warning", "/facility/functionality/0"),
    # the support has functioning but no functionality
    (19, 3, "USM-004", "error", "/support"),
    # the support declares no request types (so no incidents)
    (19, 3, "USM-006", "warning", "/support"),
    # sp-fast has no metric at all
    (20, 7, "USM-005", "error", "/support/functioning/0"),
    # no SCO states a benefit, for the customer or for the provider (provider at level 2: a warning)
    (22, 3, "USM-012", "warning", "/scos"),
    # sco-1 has no metric
    (22, 5, "CEMM-002", "error", "/scos/0"),
    # sco-1 traces to nothing
    (22, 5, "CEMM-008", "error", "/scos/0"),
    # sco-1 has no owner and no actions
    (22, 5, "CEMM-009", "warning", "/scos/0"),
    # sco-1 states no benefit for the customer
    (22, 5, "CEMM-010", "warning", "/scos/0"),
    # "We will maintain ...": the provider's voice
    (23, 16, "CEMM-005", "warning", "/scos/0/statement"),
    # "... respond fast to complaints": a weasel word
    (23, 16, "CEMM-006", "warning", "/scos/0/statement"),
    # "maintain", "respond": activities, not an outcome
    (23, 16, "CEMM-007", "info", "/scos/0/statement"),
    # sco-2 has no owner and no actions
    (25, 5, "CEMM-009", "warning", "/scos/1"),
    # sco-2 states no benefit for the customer
    (25, 5, "CEMM-010", "warning", "/scos/1"),
    # "Efficient HVAC uptime": a weasel word
    (26, 16, "CEMM-006", "warning", "/scos/1/statement"),
    # "HVAC", "uptime": technology, not an outcome
    (26, 16, "CEMM-007", "info", "/scos/1/statement"),
    # sco-2's observer `finance` is not a customer of the service
    (27, 26, "CEMM-004", "error", "/scos/1/observer/customer"),
    # sco-2's metric has no baseline, source or period
    (28, 13, "CEMM-003", "warning", "/scos/1/metric"),
    # sco-2 traces to `hvac-unit`, which is no element of the spec
    (29, 16, "USM-008", "error", "/scos/1/tracesTo/0"),
]


def test_heating_bad_gives_exactly_the_catalogue_findings() -> None:
    doc = usm_json(str(EXAMPLES / "heating-bad.yaml"))
    got = [(f["line"], f["column"], f["rule"], f["severity"], f["pointer"]) for f in doc["findings"]]
    assert got == HEATING_BAD
    # Rules that must NOT fire on it, and why: USM-001 (facility and support both exist), USM-002 (one good),
    # USM-009 (levels on the scale), USM-013 (provider below level 4), CEMM-001 (hr observes sco-1),
    # CEMM-012 (hr's sco-1 is observed by its business stakeholder), SPEC-001 (one spec).
    assert doc["summary"] == {"files": 1, "specs": 1, "skipped": 0, "findings": 24, "error": 8, "warning": 14,
                              "info": 2, "suppressed": 0}


def header_rules(path: Path) -> set[str]:
    """The rule ids the comment at the top of a demo spec names (what the file is there to show)."""
    ids: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        ids.update(re.findall(r"\b(?:USM|CEMM|SPEC)-\d{3}\b", line))
    return ids


def test_demo_specs_show_what_their_comments_say(engine: tuple) -> None:
    specs = ROOT / "specs"
    found: dict[str, set[str]] = {}
    for f in check(engine, [str(specs)]):
        found.setdefault(Path(f.file).relative_to(specs).as_posix(), set()).add(f.rule)
    files = sorted(p.relative_to(specs).as_posix() for p in specs.rglob("*.yaml"))
    assert len(files) >= 8
    clean = [name for name in files if not header_rules(specs / name) and name != "heating-bad.yaml"]
    assert {"office-climate.yaml", "service-desk.yaml", "workplace-devices.yaml"} <= set(clean)
    for name in files:
        expected = {r for _, _, r, _, _ in HEATING_BAD} if name == "heating-bad.yaml" else header_rules(specs / name)
        assert found.get(name, set()) == expected, name

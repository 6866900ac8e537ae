"""`check --explain`: each finding carries the values behind it; findings themselves do not change."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from usm_rules.config import Config
from usm_rules.engine import run
from usm_rules.lang.program import compile_sources, instantiate
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "examples"
HEATING = (SHARED if SHARED.is_dir() else ROOT / "specs") / "heating-bad.yaml"


def _options(explain: bool, packs: tuple[str, ...] = ("usm", "cemm")):
    options = build_options(Config(path=None, root=str(ROOT), packs=packs),
                             Flags(as_of=dt.date(2026, 11, 24), use_cache=False))
    options = dataclasses.replace(options, explain=explain)
    return options


def test_usm_010_on_heating_bad_shows_the_values_behind_it() -> None:
    result = run([str(HEATING)], _options(True, ("usm",)))
    [finding] = [f for f in result.findings if f.rule == "USM-010"]
    assert finding.explain == (
        ("spec.provider.valueMaturity.level", "2"),
        ("customer.valueMaturity.level", "4"),
        ("spec.provider.valueMaturity.level - customer.valueMaturity.level", "-2"),
        ("abs(spec.provider.valueMaturity.level - customer.valueMaturity.level)", "2"),
        ("max_gap", "1"),
        ("abs(spec.provider.valueMaturity.level - customer.valueMaturity.level) <= max_gap", "2 <= 1: false"),
    )
    as_json = json.loads(json.dumps(finding.to_dict()))
    assert as_json["explain"][0] == {"expression": "spec.provider.valueMaturity.level", "value": "2"}
    assert as_json["explain"][-1]["value"] == "2 <= 1: false"


def test_explain_changes_no_finding_and_plain_runs_carry_no_trace() -> None:
    plain = run([str(HEATING)], _options(False))
    explained = run([str(HEATING)], _options(True))
    strip = [(f.rule, f.pointer, f.message, f.fingerprint) for f in explained.findings]
    assert strip == [(f.rule, f.pointer, f.message, f.fingerprint) for f in plain.findings]
    assert all(f.explain == () for f in plain.findings)
    assert all("explain" not in f.to_dict() for f in plain.findings)
    assert all(f.explain for f in explained.findings if f.rule in ("USM-010", "CEMM-002"))


def _trace(body: str, spec: dict, params: dict | None = None) -> list[list[tuple[str, str]]]:
    text = 'policy t "t"\nrule T-001 {\n  title "t"\n  severity error\n' + body + "\n}\n"
    program = compile_sources([("t.policy", text)], explain=True)
    values = dict(program.rules[0].params)
    values.update(params or {})
    fn = instantiate(program, {"T-001": values}, dt.date(2026, 11, 24))["T-001"]
    traces: list = []
    fn(spec, lambda hit: traces.append(list(hit.trace)))
    return traces


SPEC = {"scos": [{"id": "a", "statement": "We will", "metric": {"name": "m", "target": [1, "x"]}},
                 {"id": "b", "statement": "Rooms"}],
        "customers": [{"id": "hr", "valueMaturity": {"level": 4}}]}


def test_short_circuit_is_respected_and_values_are_not_repeated() -> None:
    [first, second] = _trace("for s in spec.scos\nrequire s.metric exists and s.metric.unit exists", SPEC)
    assert first == [("s.metric", '{"name": "m", "target": [1, "x"]}'), ("s.metric exists", "true"),
                     ("s.metric.unit", "(missing)"), ("s.metric.unit exists", "false")]
    # the second SCO has no metric: `and` stopped there, so the unit was never looked at
    assert second == [("s.metric", "(missing)"), ("s.metric exists", "false")]


def test_strings_are_quoted_lets_params_and_calls_are_shown_quantifier_bodies_are_not() -> None:
    body = ('param voice = ["we", "our"]\nfor s in spec.scos\nlet w = lower(first(words(s.statement)))\n'
            'require not (w in voice) and all t in s.metric.target: t is number')
    [trace] = _trace(body, SPEC)
    assert trace == [("w", '"we"'), ("voice", '["we", "our"]'), ("w in voice", '"we" in ["we", "our"]: true'),
                     ("not (w in voice)", "false")]
    body = "for s in spec.scos\nwhen s.metric exists\nrequire all t in s.metric.target: t is number"
    [trace] = _trace(body, SPEC)
    assert trace == [("s.metric.target", '[1, "x"]'), ("all t in s.metric.target: t is number", "false")]


def test_long_values_are_summarised() -> None:
    spec = {"scos": [{"id": str(i) * 20} for i in range(10)]}
    [trace] = _trace('require len(spec.scos) < 3', spec)
    assert trace == [("spec.scos", "[10 items]"), ("len(spec.scos)", "10"), ("len(spec.scos) < 3", "10 < 3: false")]


@pytest.mark.parametrize("explain", [False, True])
def test_the_explain_program_is_cached_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, explain: bool) -> None:
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(tmp_path))
    options = _options(explain, ("usm",))
    options = dataclasses.replace(options, use_cache=True)
    for _ in range(2):  # the second run reads the cache
        [finding] = [f for f in run([str(HEATING)], options).findings if f.rule == "USM-010"]
        assert bool(finding.explain) is explain


def test_a_constant_require_is_explained_by_the_when_guards_that_held() -> None:
    body = ("for s in spec.scos\nwhen s.metric exists\nwhen s.metric.target is list and len(s.metric.target) == 2\n"
            "require false")
    [trace] = _trace(body, SPEC)
    assert trace == [("s.metric", '{"name": "m", "target": [1, "x"]}'), ("s.metric exists", "true"),
                     ("s.metric.target", '[1, "x"]'), ("s.metric.target is list", "true"),
                     ("len(s.metric.target)", "2"), ("len(s.metric.target) == 2", "2 == 2: true")]

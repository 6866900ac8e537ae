"""The policy language: parsing, static checks (exact messages and positions) and evaluation semantics."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from usm_rules.engine.locate import identity_index as _identity_index, resolve_parts
from usm_rules.lang.runtime import Hit
from usm_rules.errors import PolicyError
from usm_rules.lang.program import compile_sources, instantiate

CASES = Path(__file__).parent / "cases" / "lang"
ERROR_CASES = sorted((CASES / "errors").glob("*.policy"))


def _relative(path: Path) -> str:
    return path.relative_to(Path(__file__).parent.parent).as_posix()


@pytest.mark.parametrize("policy", ERROR_CASES, ids=[p.stem for p in ERROR_CASES])
def test_static_errors_are_reported_together_with_positions(policy: Path) -> None:
    expected = policy.with_suffix(".expected").read_text(encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        compile_sources([(_relative(policy), policy.read_text(encoding="utf-8"))])
    assert info.value.render() + "\n" == expected


SPEC = {
    "apiVersion": "usm/v1",
    "kind": "ServiceSpecification",
    "metadata": {"id": "svc-a", "name": "A", "owner": "o"},
    "provider": {"name": "P", "valueMaturity": {"level": 2, "assessedOn": "2026-01-31"}},
    "customers": [
        {"id": "hr", "name": "HR", "valueMaturity": {"level": 4},
         "stakeholders": [{"id": "dir", "role": "Director", "perspective": "business"}]},
        {"id": "ops", "name": "Ops", "valueMaturity": {"level": 2}},
    ],
    "facility": {"goods": [{"id": "g1", "name": "Good"}], "actions": [{"id": "a1", "name": "Act"}],
                 "functionality": [{"id": "f1", "description": "d", "uses": ["g1", "zz"]}]},
    "scos": [
        {"id": "sco-1", "statement": "We will be fast", "metric": {"name": "m", "target": [1, 2], "unit": "%",
                                                                  "operator": "between"}},
        {"id": "sco-2", "statement": "Rooms feel comfortable", "tracesTo": ["g1"]},
    ],
}


def run_policy(body: str, spec: dict = SPEC, *, scope_specs: list | None = None, params: dict | None = None,
               as_of: dt.date = dt.date(2026, 11, 24)) -> list[tuple[str, str, tuple]]:
    """Compile a one-rule policy and run it; (rule, message, pointer parts) of each finding."""
    text = "policy t \"test\"\nrule T-001 {\n  title \"t\"\n  severity error\n" + body + "\n}\n"
    program = compile_sources([("t.policy", text)])
    values = dict(program.rules[0].params)
    values.update(params or {})
    fn = instantiate(program, {"T-001": values}, as_of)["T-001"]
    out: list[tuple[str, str, tuple]] = []
    root = scope_specs if scope_specs is not None else spec
    index = _identity_index(root)

    def emit(hit: Hit) -> None:
        out.append((hit.rule, hit.message, resolve_parts(index, hit.node, hit.keys)))

    fn(root, emit)
    return out


def messages(body: str, **kw: object) -> list[str]:
    return [m for _, m, _ in run_policy(body, **kw)]


def test_for_and_default_location_is_the_iterated_node() -> None:
    found = run_policy('for c in spec.customers\nrequire c.valueMaturity.level >= 3\nmessage "low {c.id}"')
    assert found == [("T-001", "low ops", ("customers", 1))]


def test_at_points_at_a_nested_path() -> None:
    found = run_policy("param max_gap = 1\nfor c in spec.customers\n"
                       "require abs(spec.provider.valueMaturity.level - c.valueMaturity.level) <= max_gap\n"
                       'message "{c.id}"\nat c.valueMaturity.level')
    assert found == [("T-001", "hr", ("customers", 0, "valueMaturity", "level"))]


def test_params_can_be_overridden() -> None:
    body = ("param max_gap = 1\nfor c in spec.customers\n"
            "require abs(spec.provider.valueMaturity.level - c.valueMaturity.level) <= max_gap")
    assert len(run_policy(body)) == 1
    assert run_policy(body, params={"max_gap": 2}) == []


def test_missing_values_make_comparisons_false_and_exists_false() -> None:
    body = 'for s in spec.scos\nrequire s.metric.unit == "%"\nmessage "{s.id}"'
    assert messages(body) == ["sco-2"]
    body = 'for s in spec.scos\nrequire not (s.metric.unit != "%")\nmessage "{s.id}"'
    assert messages(body) == []  # `!=` with a missing side is false too, so `not (…)` holds
    assert messages('for s in spec.scos\nrequire s.metric exists\nmessage "{s.id}"') == ["sco-2"]
    assert messages('for s in spec.scos\nrequire s.metric is missing\nmessage "{s.id}"') == ["sco-1"]


def test_missing_in_arithmetic_and_len() -> None:
    assert messages('for s in spec.scos\nrequire len(s.actions) == 0 and s.metric.baseline + 1 > 0\n'
                    'message "{s.id} {s.metric.baseline}"') == ["sco-1 (missing)", "sco-2 (missing)"]


def test_when_guard_and_let() -> None:
    body = ('for s in spec.scos\nwhen s.metric exists\nlet t = s.metric.target\n'
            'require t is number\nmessage "{s.id}: {t}"\nat t')
    assert run_policy(body) == [("T-001", "sco-1: [1, 2]", ("scos", 0, "metric", "target"))]


def test_nested_for_and_quantifiers() -> None:
    body = ('for f in spec.facility.functionality\nfor u in f.uses\n'
            'require any g in concat(spec.facility.goods, spec.facility.actions): g.id == u\n'
            'message "dangling {u}"')
    assert run_policy(body) == [("T-001", "dangling zz", ("facility", "functionality", 0, "uses", 1))]
    assert messages('require all c in spec.customers: c.valueMaturity.level > 1') == []
    assert messages('require none c in spec.customers: c.valueMaturity.level > 3') == ["t"]
    assert messages('require (count c in spec.customers: c.valueMaturity.level > 3) == 1') == []


def test_projection_and_index() -> None:
    assert messages('require spec.customers[*].valueMaturity.level == [4, 2] and spec.customers[1].id == "ops"'
                    ' and spec.customers[-1].id == "ops" and spec.customers[5].id is missing') == []
    assert messages('require spec.customers[*].stakeholders[*].id == ["dir"]') == []


def test_in_matches_and_strings() -> None:
    assert messages('for s in spec.scos\nrequire not (s.statement matches "^[Ww]e\\\\b")\nmessage "{s.id}"') \
        == ["sco-1"]
    assert messages('require "hr" in spec.customers[*].id and "x" not in spec.customers[*].id '
                    'and "Rooms" in spec.scos[1].statement') == []
    assert messages('require words(spec.scos[0].statement) == ["we", "will", "be", "fast"]') == []


def test_if_expression_in_message() -> None:
    assert messages('for c in spec.customers\nrequire false or c.id == "x"\n'
                    'message "{if c.valueMaturity.level > 3 then \\"high\\" else \\"low\\"} {c.id}"') == \
        ["high hr", "low ops"]


def test_dates_use_the_as_of_day() -> None:
    body = ('param max_age_months = 12\nrequire spec.provider.valueMaturity.assessedOn >= '
            'add_months(today(), 0 - max_age_months)\nmessage "old"')
    assert messages(body, as_of=dt.date(2027, 1, 31)) == []  # exactly on the cutoff passes
    assert messages(body, as_of=dt.date(2027, 2, 1)) == ["old"]


def test_several_bodies_in_one_rule() -> None:
    body = ('for c in spec.customers\nrequire c.id != "hr"\nmessage "first {c.id}"\n'
            'for s in spec.scos\nrequire s.id != "sco-2"\nmessage "second {s.id}"')
    assert messages(body) == ["first hr", "second sco-2"]


def test_severity_if_overrides_per_finding() -> None:
    text = ('policy t "t"\nrule T-001 {\n title "t"\n severity warning\n severity error if c.id == "hr"\n'
            ' for c in spec.customers\n require false\n}\n')
    program = compile_sources([("t.policy", text)])
    fn = instantiate(program, {"T-001": {}}, dt.date(2026, 1, 1))["T-001"]
    seen: list = []
    fn(SPEC, lambda hit: seen.append(hit.severity))
    assert seen == ["error", None]


def test_repository_scope_iterates_specs() -> None:
    other = dict(SPEC, metadata={"id": "svc-a", "name": "B", "owner": "o"})
    third = dict(SPEC, metadata={"id": "svc-c", "name": "C", "owner": "o"})
    body = ("scope repository\nlet ids = tally(specs[*].metadata.id)\nfor s in specs\n"
            'require ids[s.metadata.id] == 1\nmessage "{s.metadata.id} x{ids[s.metadata.id]}"\nat s.metadata.id')
    found = run_policy(body, scope_specs=[SPEC, other, third])
    assert [m for _, m, _ in found] == ["svc-a x2", "svc-a x2"]


def test_repository_rules_record_the_paths_they_read() -> None:
    text = ('policy t "t"\nrule T-001 {\n title "t"\n severity error\n scope repository\n'
            ' for s in specs\n require s.metadata.id != s.provider.name\n at s.metadata.id\n}\n')
    program = compile_sources([("t.policy", text)])
    assert program.rules[0].repo_paths == (("metadata", "id"), ("provider", "name"))


def test_message_braces_and_escapes() -> None:
    assert messages('require false\nmessage "a {{literal}} \\"q\\" {1 + 2}"') == ['a {literal} "q" 3']

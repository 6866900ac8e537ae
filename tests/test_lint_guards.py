"""What lint knows of conditions without a spec (lint_guards.py): presence, and guards the schema decides."""
from __future__ import annotations

import pytest

from usm_rules.lang.checker import check_policy
from usm_rules.lang.parser import parse_policy
from usm_rules.lint_guards import Presence, guard_problems
from usm_rules.schema import schema


def _guard(when: str, lets: str = "") -> list[str]:
    text = (f'rule G-1 {{\n  title "t"\n  severity info\n  for sco in spec.scos\n{lets}  when {when}\n'
            '  require sco.id exists\n}\n')
    policy = parse_policy(text, "g.policy")
    facts = check_policy(policy, schema())["G-1"]
    [rule] = policy.rules
    binders = {"spec": "spec", "sco": "for"}
    cond = rule.bodies[0].clauses[-1].cond
    return [message for _, message in guard_problems(cond, facts, Presence(facts, binders), binders)]


@pytest.mark.parametrize(("when", "verdict"), [
    ('spec.apiVersion == "usm/v1"', "always true"),
    ('spec.kind != "ServiceSpecification"', "always false"),
    ("spec.provider.valueMaturity.level == 2.5", "always false"),  # an integer is never 2.5
    ("spec.provider.valueMaturity.level == 2.0", None),  # but may be 2.0 (JSON Schema: 2.0 is an integer)
    ("spec.provider.valueMaturity.level is integer", "always true"),
    ('spec.provider.valueMaturity.level is string', "always false"),
    ("spec.provider.valueMaturity.level >= 3", None),
])
def test_guards_the_schema_decides(when: str, verdict: str | None) -> None:
    problems = _guard(when)
    if verdict is None:
        assert problems == []
    else:
        assert len(problems) == 1 and f"this `when` is {verdict} for a spec that passes the schema" in problems[0]


def test_a_comparison_that_only_tests_presence_says_so() -> None:
    [problem] = _guard('sco.metric.kind == "outcome" or sco.metric.kind != "outcome"')
    assert "it only tests that `sco.metric.kind` exists; say `… exists`" in problem


def test_a_constant_part_of_a_guard_is_named() -> None:
    [problem] = _guard('sco.owner exists and spec.apiVersion == "usm/v1"')
    assert problem == "this part of the `when` is always true for a spec that passes the schema"


def test_required_fields_of_present_values_are_present_and_guards_add_to_them() -> None:
    text = ('rule G-1 {\n  title "t"\n  severity info\n  for sco in spec.scos\n'
            '  require sco.id exists and sco.owner exists and sco.metric.unit exists\n}\n')
    policy = parse_policy(text, "g.policy")
    facts = check_policy(policy, schema())["G-1"]
    presence = Presence(facts, {"spec": "spec", "sco": "for"})
    sco_id, owner, unit = (e.operand for e in (policy.rules[0].bodies[0].require.left.left,
                                                policy.rules[0].bodies[0].require.left.right,
                                                policy.rules[0].bodies[0].require.right))
    assert presence.present(sco_id)  # `id` is required on an SCO
    assert not presence.present(owner) and not presence.present(unit)
    presence.note_guard(policy.rules[0].bodies[0].require)  # once the guard held, all three exist
    assert presence.present(owner) and presence.present(unit) and presence.present(unit.base)

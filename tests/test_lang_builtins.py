"""Functions a policy may call (builtins.py): each declares its signature and result type beside its code."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from usm_rules.errors import PolicyError
from usm_rules.lang import types as t
from usm_rules.lang.builtins import BUILTINS
from usm_rules.lang.program import compile_sources
from usm_rules.lang.runtime import MISSING, index

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARGS = {"list": t.list_of(t.STR), "string": t.STR, "number": t.NUM, "integer": t.INT, "date": t.STR,
               "object": t.ANY, "map": t.map_of(t.INT), "any": t.ANY, "boolean": t.BOOL}


def _sample(kind_spec: str) -> t.Ty:
    return SAMPLE_ARGS[kind_spec.split("|")[0]]


@pytest.mark.parametrize("name", list(BUILTINS))
def test_the_declared_result_type_is_one_the_reference_allows(name: str) -> None:
    b = BUILTINS[name]
    result = b.result_type([_sample(p) for p in b.params])
    documented = t.from_kind_spec(b.returns)
    assert documented.is_any or result.kinds <= documented.kinds


@pytest.mark.parametrize(("call", "kinds", "item"), [
    ("words(x)", {"list"}, {"string"}),
    ("keys(o)", {"list"}, {"string"}),
    ("tally(xs)", {"map"}, {"integer"}),
    ("first(xs)", {"integer"}, None),
    ("unique(xs)", {"list"}, {"integer"}),
    ("concat(xs, ys)", {"list"}, {"integer", "string"}),
    ("abs(n)", {"integer", "number"}, None),
    ("reachable(xs, m)", {"list"}, None),
])
def test_results_are_typed_from_the_declarations(call: str, kinds: set[str], item: set[str] | None) -> None:
    from usm_rules.lang.infer import ExprChecker, Var
    from usm_rules.lang.parser import parse_policy

    expr = parse_policy(f'rule T-1 {{\n  title "t"\n  severity info\n  require {call} == 1\n}}\n', "t").rules[0]
    checker = ExprChecker(parse_policy("", "t"), {})
    scope = {"x": Var(t.STR, "let"), "o": Var(t.map_of(t.INT), "let"), "xs": Var(t.list_of(t.INT), "let"),
             "ys": Var(t.list_of(t.STR), "let"), "n": Var(t.INT, "let"), "m": Var(t.map_of(t.ANY), "let")}
    call_node = expr.bodies[0].require.left
    ty = checker.expr(call_node, scope)
    assert ty.kinds == kinds
    if item is not None:
        assert ty.item is not None and ty.item.kinds == item


def test_a_precise_result_type_catches_a_comparison_that_never_holds() -> None:
    policy = ('rule T-1 {\n  title "t"\n  severity info\n  for s in spec.scos\n'
              '  require not (1 in words(s.statement))\n}\n')
    with pytest.raises(PolicyError) as err:
        compile_sources([("t.policy", policy)])
    [problem] = err.value.problems
    assert problem.message == "`1` is an integer and `words(s.statement)` is a string: they are never equal"


def test_the_checker_names_no_builtin() -> None:
    names = "|".join(re.escape(name) for name in BUILTINS)
    for module in ("checker.py", "infer.py", "compiler.py", "codegen.py"):
        text = (ROOT / "usm_rules" / "lang" / module).read_text(encoding="utf-8")
        assert not re.findall(rf"[\"']({names})[\"']", text), module


def test_date_functions_take_whole_numbers_in_any_notation() -> None:
    add_days, add_months = BUILTINS["add_days"].fn, BUILTINS["add_months"].fn
    assert add_days("2026-01-30", 2.0) == add_days("2026-01-30", 2) == "2026-02-01"
    assert add_months("2026-01-31", 1.0) == "2026-02-28"
    assert add_days("2026-01-30", 1.5) is MISSING and add_months("2026-01-31", True) is MISSING


def test_a_list_index_that_is_a_whole_float_is_an_index() -> None:
    assert index(["a", "b"], 1.0) == "b" and index(["a", "b"], -1.0) == "b"
    assert index(["a", "b"], 0.5) is MISSING and index(["a", "b"], True) is MISSING

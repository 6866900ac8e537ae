"""Policy files -> a compiled, cached program (program.py): what its cache key covers, config's params."""
from __future__ import annotations

from pathlib import Path

import pytest

from usm_rules.lang import program
from usm_rules.lang.program import compile_sources, param_problem

ROOT = Path(__file__).resolve().parent.parent
POLICY = ('policy t "t"\nrule T-001 {\n  title "t"\n  severity error\n  param max_gap = 1\n  param ratio = 0.5\n'
          '  param words = ["a"]\n  require max_gap + ratio > 0 and len(words) > 0\n}\n')


def test_the_cache_key_covers_every_module_of_the_language_and_the_ref_resolver() -> None:
    covered = {p.resolve() for p in program._tool_files()}
    lang = {p.resolve() for p in (ROOT / "usm_rules" / "lang").glob("*.py")}
    assert lang <= covered
    assert (ROOT / "usm_rules" / "schema" / "__init__.py").resolve() in covered  # `$ref`s give the checker its types
    assert {"policy.lark", "spec-v1.schema.json", "printer.py", "builtins.py"} <= {p.name for p in covered}


@pytest.mark.parametrize(("param", "value", "accepted"), [
    ("max_gap", 2, True),
    ("max_gap", 2.0, True),  # a whole number is an integer, as in JSON Schema
    ("max_gap", 2.5, False),
    ("max_gap", True, False),  # booleans are not numbers
    ("ratio", 1, True),  # a default written `0.5` takes any number
    ("ratio", "1", False),
    ("words", ["b", "c"], True),
    ("words", ["b", 1], False),
    ("nope", 1, False),
])
def test_a_param_from_config_must_be_of_its_defaults_kind(param: str, value: object, accepted: bool) -> None:
    [meta] = compile_sources([("t.policy", POLICY)]).rules
    assert (param_problem(meta, param, value) is None) is accepted


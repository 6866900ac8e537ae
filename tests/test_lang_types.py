"""Value kinds (runtime.kinds_of, the one answer) and static types (lang/types.py)."""
from __future__ import annotations

import pytest

from usm_rules.lang.runtime import MISSING, TYPE_TESTS, kinds_of
from usm_rules.lang.types import (ANY, BOOL, INT, NUM, STR, SchemaTypes, Ty, first_item, list_of, list_of_items,
                                  map_of, of_literal, static_type_test)
from usm_rules.schema import schema


@pytest.mark.parametrize(("value", "kinds"), [
    (2, {"integer", "number"}),
    (2.0, {"integer", "number"}),  # as in JSON Schema: a whole number is an integer whatever its notation
    (2.5, {"number"}),
    (-0.0, {"integer", "number"}),
    (True, {"boolean"}),  # booleans are not numbers
    ("2", {"string"}),
    (None, {"null"}),
    ([1], {"list"}),
    ({"a": 1}, {"object", "map"}),
    (MISSING, set()),
])
def test_kinds_of_a_value(value: object, kinds: set[str]) -> None:
    assert kinds_of(value) == kinds


@pytest.mark.parametrize("value", [0, 1.5, 3.0, True, "x", None, [], {}, MISSING])
def test_kinds_are_the_type_tests_a_value_passes(value: object) -> None:
    passed = {name for name, test in TYPE_TESTS.items() if name != "missing" and test(value)}
    assert kinds_of(value) - {"map"} == passed


def test_literals_have_the_type_their_author_wrote() -> None:
    assert of_literal(3) == INT
    assert of_literal(3.0) == NUM  # a default of `1.0` is a number: config may set 1.5
    assert of_literal(True) == BOOL and of_literal("x") == STR
    assert of_literal(None).kinds == {"null"}


@pytest.mark.parametrize(("test", "ty", "holds"), [
    ("number", INT, True),
    ("integer", INT, True),
    ("integer", NUM, None),  # a number may be whole
    ("string", INT, False),
    ("object", map_of(INT), True),
    ("list", list_of(STR), True),
    ("missing", STR, False),  # a present value is never missing
    ("string", ANY, None),
    ("nonsense", STR, None),
])
def test_a_type_test_read_statically(test: str, ty: Ty, holds: bool | None) -> None:
    assert static_type_test(test, ty) is holds


def test_item_types_for_builtin_results() -> None:
    assert first_item([list_of(STR)]) == STR
    assert first_item([ANY]) == ANY and first_item([]) == ANY
    assert list_of_items([list_of(STR), list_of(INT)]).item.kinds == {"string", "integer"}
    assert list_of_items([]) == list_of(ANY)


def test_schema_types_resolve_refs_through_the_one_resolver() -> None:
    types = SchemaTypes(schema())
    root = types.root_ty()
    customers, _ = types.field(root, "customers")
    level, _ = types.field(types.field(customers.item, "valueMaturity")[0], "level")
    assert "list" in customers.kinds and level == Ty(frozenset({"integer"}), level.schema)
    missing, known = types.field(root, "metrc")
    assert missing is None and "metadata" in known


def test_refs_with_escaped_names_resolve() -> None:
    root = {"$defs": {"a/b": {"type": "string"}, "m~n": {"$ref": "#/$defs/a~1b"}},
            "properties": {"x": {"$ref": "#/$defs/m~0n"}}, "type": "object", "additionalProperties": False}
    types = SchemaTypes(root)
    x, _ = types.field(types.ty(root), "x")
    assert x == STR


@pytest.mark.parametrize("name", list(TYPE_TESTS))
def test_every_type_test_of_the_runtime_can_be_read_statically(name: str) -> None:
    assert static_type_test(name, STR) is not None

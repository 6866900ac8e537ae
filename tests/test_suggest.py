"""`did_you_mean`: the one suggestion builder (fields, functions, config keys, rule ids)."""
from __future__ import annotations

import pytest

from usm_rules.suggest import closest, did_you_mean

RULES = ["USM-001", "USM-010", "USM-011", "USM-020", "CEMM-002", "CEMM-003", "CEMM-020"]


def test_the_suggestion_is_one_clause_or_nothing() -> None:
    assert did_you_mean("metrc", ["metadata", "metric"]) == "; did you mean `metric`?"
    assert did_you_mean("zzzzzz", ["metadata", "metric"]) == ""
    assert did_you_mean("metric", []) == ""


@pytest.mark.parametrize(("typed", "meant"), [
    ("usm-010", "USM-010"),  # case does not matter
    ("USM_010", "USM-010"),  # nor `_` for `-`
    ("USM-0l0", "USM-010"),  # a lower-case L looks like a one: not USM-020, one plain edit away as well
    ("USM-O10", "USM-010"),  # a capital O looks like a zero
    ("USM-01I", "USM-011"),  # a capital I looks like a one: not USM-010
    ("CEMM-200", "CEMM-020"),  # two neighbours swapped is one edit
])
def test_rule_ids_one_edit_away_win_with_look_alikes_breaking_ties(typed: str, meant: str) -> None:
    assert closest(typed, RULES) == meant


def test_equal_candidates_keep_their_order() -> None:
    assert closest("USM-030", RULES) == "USM-010"  # USM-010 and USM-020 are both one plain edit away


def test_short_words_allow_one_edit_longer_ones_two() -> None:
    assert closest("tgs", ["tags"]) == "tags"
    assert closest("ab", ["xy"]) is None
    assert closest("x", ["y"]) is None  # a one-letter word is never "one edit away" from another
    assert closest("asesedOn", ["assessedOn"]) == "assessedOn"


def test_long_words_with_several_slips_still_find_their_match() -> None:
    assert closest("valueMaturty_levl", ["valueMaturity.level", "customers"]) == "valueMaturity.level"


def test_candidates_may_be_any_iterable_of_strings() -> None:
    assert closest("lenn", {"len": 1, "lower": 2}) == "len"  # a dict gives its keys
    assert closest("abc", iter(["abd"])) == "abd"


def test_a_candidate_of_very_different_length_is_not_suggested() -> None:
    long = ["metric" + "x" * 5000 + str(i) for i in range(100)]
    assert closest("metric", long) is None

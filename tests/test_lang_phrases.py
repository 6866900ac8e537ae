"""The text heuristics' machinery (phrases.py): linear in its inputs whatever they hold, and meaning what the
reference says. The packs' use of it is tested in test_heuristics.py."""
from __future__ import annotations

import pytest

from usm_rules.lang import builtins as b
from usm_rules.lang import phrases


def test_unquoted_scans_each_character_a_bounded_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every search for a closing quote or line end starts after the last one's answer, so the characters
    searched are at most 7 times the text (one pass per kind of closing character and the newline)."""
    searched = [0]
    real = phrases._next

    def counting(s: str, char: str, i: int, ahead: dict[str, int]) -> int:
        fresh = ahead.get(char, -1) <= i
        pos = real(s, char, i, ahead)
        if fresh:
            searched[0] += pos - i
        return pos

    monkeypatch.setattr(phrases, "_next", counting)
    for text in ("“" * 100_000, "'a " * 100_000, "“a\n" * 100_000, "\"'“‘«`" * 50_000, "x “y” «z" * 30_000):
        searched[0] = 0
        b._unquoted(text)
        assert searched[0] <= 7 * len(text)


def test_unquoted_keeps_its_meaning() -> None:
    assert b._unquoted('I never hear "we will look" again') == "I never hear   again"
    assert b._unquoted("don't say 'fast' or “quick”").split() == ["don't", "say", "or"]
    assert b._unquoted("the provider's 'own' words") == "the provider's   words"
    assert b._unquoted("“open\nclosed”") == "“open\nclosed”"  # a quote does not run across lines
    assert b._unquoted("'a'b 'c'") == "'a'b  "  # a closing `'` followed by a letter closes nothing
    assert b._unquoted(None) is b.MISSING


def test_find_phrases_stops_at_its_work_budget_on_a_crafted_list() -> None:
    """Goods named `a w0` … `a w1999` against a statement that names them all: each `a` could start 2,000
    phrases. The comparisons are counted and the budget (linear in both sizes) ends it."""
    goods = [f"a w{k}" for k in range(2000)]
    text = " ".join(f"a w{k}" for k in range(100_000))
    with pytest.raises(phrases.TextTooLarge):
        b._find_phrases(text, goods, [])
    assert b._find_phrases(" ".join(f"a w{k}" for k in range(300)), goods[:30], [])[:2] == ["a w0", "a w1"]


def test_find_phrases_overlap_filter_is_one_sweep() -> None:
    found = [(i, i + 2) for i in range(0, 400_000, 4)]
    blocked = [(i + 1, i + 3) for i in range(0, 400_000, 8)]
    kept = phrases._without_overlaps(found, blocked)
    assert kept == [(i, i + 2) for i in range(4, 400_000, 8)]


@pytest.mark.parametrize(("text", "phrases", "found"), [
    ("We will keep it fast", ["we will", "fast"], ["We will", "fast"]),  # case-insensitive, as written
    ("IT keeps it running", ["IT"], ["IT"]),  # capitals match only capitals: the department, not the pronoun
    ("Maintained and maintains", ["maintain*"], ["Maintained", "maintains"]),
    ("it installed, it patched", ["*ed"], ["installed", "patched"]),
    ("our service team and our team", ["our * team"], ["our service team"]),
    ("fast-track, breakfast", ["fast"], []),  # whole words only
    ("we. will", ["we will"], []),  # a phrase does not run across punctuation
    ("timely or efficient", ["efficient|timely"], ["timely", "efficient"]),
])
def test_phrase_syntax(text: str, phrases: list[str], found: list[str]) -> None:
    assert b.BUILTINS["find_phrases"].fn(text, phrases, []) == found


def test_exceptions_leave_out_overlapping_phrases() -> None:
    assert phrases.find_phrases("as fast as possible, fast", ["fast"], ["as fast as"]) == ["fast"]

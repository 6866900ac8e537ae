"""The text heuristics CEMM-005/006/007, measured honestly, and the word-list functions they are built on.

Each `tests/cases/heuristics/CEMM-00X.yaml` holds labelled SCO statements (written as real SCOs are, labels set
by judgement). Every statement becomes an SCO of the base spec; the real engine runs the real rule with its
default word lists; precision and recall are computed from which SCOs it flags. The rule's rationale states
the figures ("Measured on N labelled statements (...): precision P, recall R."), and this test holds the
rule to them: measured >= stated, and N is the size of the labelled set.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import yaml

from usm_rules.config import Config
from usm_rules.engine import load_rules, run
from usm_rules.lang.builtins import BUILTINS
from usm_rules.ruledocs import base_spec
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "cases" / "heuristics"
HEURISTICS = ("CEMM-005", "CEMM-006", "CEMM-007")
STATED = re.compile(r"Measured on (\d+) labelled statements \(tests/cases/heuristics/([A-Z0-9-]+)\.yaml\): "
                    r"precision (\d\.\d\d), recall (\d\.\d\d)\.")


def measure(rule_id: str, tmp_path: Path) -> tuple[int, float, float, list[str]]:
    data = yaml.safe_load((LABELLED / f"{rule_id}.yaml").read_text(encoding="utf-8"))
    assert data["rule"] == rule_id
    statements = data["statements"]
    spec = base_spec()
    spec["scos"] = [{"id": f"s{i}", "statement": s["text"]} for i, s in enumerate(statements)]
    path = tmp_path / f"{rule_id}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    options = build_options(Config(path=None, root=str(ROOT)), Flags(as_of=dt.date(2026, 11, 24),
                                                                      select=(rule_id,)))
    findings = run([str(path)], options, load_rules(options)).findings
    flagged = {int(f.pointer.split("/")[2]) for f in findings if f.rule == rule_id}
    tp = sum(1 for i, s in enumerate(statements) if s["expected"] and i in flagged)
    fp = sum(1 for i, s in enumerate(statements) if not s["expected"] and i in flagged)
    fn = sum(1 for i, s in enumerate(statements) if s["expected"] and i not in flagged)
    misses = [("false positive: " if i in flagged else "missed: ") + s["text"]
              for i, s in enumerate(statements) if (i in flagged) != bool(s["expected"])]
    return len(statements), tp / (tp + fp), tp / (tp + fn), misses


@pytest.mark.parametrize("rule_id", HEURISTICS)
def test_labelled_sets_are_big_enough_and_balanced(rule_id: str) -> None:
    statements = yaml.safe_load((LABELLED / f"{rule_id}.yaml").read_text(encoding="utf-8"))["statements"]
    positives = sum(1 for s in statements if s["expected"] is True)
    negatives = sum(1 for s in statements if s["expected"] is False)
    assert positives + negatives == len(statements) >= 30
    assert positives >= 15 and negatives >= 15
    assert len({s["text"] for s in statements}) == len(statements)


@pytest.mark.parametrize("rule_id", HEURISTICS)
def test_precision_and_recall_are_at_least_what_the_rule_states(rule_id: str, tmp_path: Path) -> None:
    options = build_options(Config(path=None, root=str(ROOT)), Flags())
    rationale = load_rules(options).metas[rule_id].rationale
    stated = STATED.search(rationale)
    assert stated, f"{rule_id} must state its measured precision and recall in its rationale"
    count, name, precision, recall = int(stated[1]), stated[2], float(stated[3]), float(stated[4])
    assert name == rule_id
    size, measured_precision, measured_recall, misses = measure(rule_id, tmp_path)
    assert size == count
    detail = "\n".join(misses)
    assert measured_precision >= precision, f"precision {measured_precision:.3f} < {precision}\n{detail}"
    assert measured_recall >= recall, f"recall {measured_recall:.3f} < {recall}\n{detail}"


# -- the functions the heuristics are written with -----------------------------------------------------------

find = BUILTINS["find_phrases"].fn
unquoted = BUILTINS["unquoted"].fn


def test_phrases_are_whole_words_case_insensitive_except_capitals() -> None:
    assert find("Breakfast is fast, fast-track is not", ["fast"], []) == ["fast"]
    assert find("We will come. IT will patch it; it will rain", ["we will", "IT will"], []) == ["We will", "IT will"]
    assert find("it will rain", ["IT will"], []) == []


def test_alternatives_wildcards_and_any_word() -> None:
    assert find("The team maintained it and maintains it", ["maintain*"], []) == ["maintained", "maintains"]
    assert find("it was fixed and patched", ["*ed"], []) == ["fixed", "patched"]
    assert find("our sales team will call", ["our * team will|shall"], []) == ["our sales team will"]
    assert find("We shall see", ["we will|shall"], []) == ["We shall"]


def test_the_longest_phrase_wins_and_punctuation_breaks_a_phrase() -> None:
    assert find("as soon as possible", ["as soon", "as soon as possible"], []) == ["as soon as possible"]
    assert find("We, will", ["we will"], []) == []
    assert find("Room thermostats (14) are calibrated", ["Room thermostats (14)"], []) == ["Room thermostats 14"]


def test_exceptions_drop_overlapping_matches_only() -> None:
    text = "We will be able to book, and we will call back"
    assert find(text, ["we will"], ["we will be able"]) == ["we will"]
    assert find("My laptop will be replaced", ["will be replaced"], ["my * will be *ed"]) == []


def test_odd_inputs_give_nothing() -> None:
    assert find(None, ["a"], []) == [] and find("a", None, []) == [] and find("a", [1, None, ""], []) == []
    assert find("", ["a"], []) == []


def test_unquoted_blanks_quoted_passages_but_not_apostrophes() -> None:
    assert unquoted('I never hear "we will look" again').split() == ["I", "never", "hear", "again"]
    assert unquoted("don't say 'fast' or “quick”").split() == ["don't", "say", "or"]

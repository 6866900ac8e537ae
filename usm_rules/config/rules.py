"""Rule ids and the patterns of `select` and `ignore`: matching, specificity and the canonical (upper-case) form."""
from __future__ import annotations

import re
from collections.abc import Iterable

_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9A-Z-]+")
_RULE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(?:-[0-9A-Z-]*)?")


def is_selected(rule_id: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether `select` (empty: everything) and `ignore` keep the rule; the longer pattern wins, a tie ignores."""
    select = tuple(select)
    chosen = _longest_match(rule_id, select) if select else 0
    if chosen is None:
        return False
    ignored = _longest_match(rule_id, ignore)
    return ignored is None or chosen > ignored


def rule_matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """True if any pattern is `rule_id` itself or a prefix of it.

    A pattern without a dash names a whole pack prefix (`CEMM` matches `CEMM-002` but not `CEMMX-001`);
    a pattern with a dash matches every id starting with it (`USM-01` matches `USM-010`; `USM-010` matches
    only `USM-010` in a catalogue of three-digit ids). Patterns match in any case (`usm-010` is `USM-010`;
    rule ids themselves are upper case); "" matches nothing.
    """
    return any(_pattern_matches(rule_id, p) for p in patterns)


def canonical_rule_id(text: str) -> str:
    """A rule id or pattern as the catalogue spells it: ASCII letters in upper case (`usm-010` -> `USM-010`).

    Only ASCII is folded, so that no other character turns into an id by case mapping (`ﬀ`.upper() is `FF`).
    """
    return text.translate(_ASCII_UPPER)


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def is_rule_id(text: str) -> bool:
    """True for a full rule id (`CEMM-002`, `spec-parse`), in any case."""
    return _RULE_ID.fullmatch(canonical_rule_id(text)) is not None


def is_rule_pattern(text: str) -> bool:
    """True for what `select`/`ignore` accept: a rule id or a prefix of one (`CEMM`, `usm-01`), in any case."""
    return _RULE_PATTERN.fullmatch(canonical_rule_id(text)) is not None


def _pattern_matches(rule_id: str, pattern: str) -> bool:
    if not pattern:
        return False
    pattern = canonical_rule_id(pattern)
    if "-" in pattern:
        return rule_id.startswith(pattern)
    return rule_id == pattern or rule_id.startswith(pattern + "-")


def _longest_match(rule_id: str, patterns: Iterable[str]) -> int | None:
    # Lengths compare specificity; canonical_rule_id keeps the length of every pattern it accepts.
    lengths = [len(p) for p in patterns if _pattern_matches(rule_id, p)]
    return max(lengths) if lengths else None

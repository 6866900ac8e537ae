"""Rules that fire on exactly the same specs: evidence (not proof) that one says what another says.

Compared over the pool of every schema-valid single-spec candidate the search checked (every check runs
every rule). A pair that looks the same is first given a few more checks to be told apart.
"""
from __future__ import annotations

from dataclasses import dataclass

from .reads import Reads
from .search import Searcher


@dataclass
class Overlap:
    rules: tuple[str, ...]  # fired on exactly the same candidates
    fired_on: int  # how many of them
    tried: int  # schema-valid candidates compared


def find_overlaps(searcher: Searcher, rules: list[tuple[str, Reads]], pair_budget: int) -> list[Overlap]:
    """Rules (spec rules: id and what they read) that fired on exactly the same single-spec candidates, and
    on some but not all: each pair is first given `pair_budget` checks to be told apart, changing specs along
    the paths of both; the groups that stay together are reported."""
    reads_of = dict(rules)

    def groups() -> tuple[list[list[str]], list]:
        pool = [o for c, o in searcher.evaluator.pool.values() if o.valid and len(c) == 1]
        sets: dict[tuple, list[str]] = {}
        for rule, _ in rules:
            fired = tuple(i for i, o in enumerate(pool) if rule in o.fired)
            if fired and len(fired) < len(pool):
                sets.setdefault(fired, []).append(rule)
        return [ids for ids in sets.values() if len(ids) > 1], pool

    found, _ = groups()
    for ids in found:
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                both = reads_of[a].merged(reads_of[b])
                searcher.separate(a, b, both, _separation_seeds(searcher, a), pair_budget)
    final, pool = groups()
    return [Overlap(tuple(ids), sum(1 for o in pool if ids[0] in o.fired), len(pool)) for ids in final]


def _separation_seeds(searcher: Searcher, rule: str) -> list[tuple]:
    """Candidates to change while telling two rules apart: the first on which they fire, the first on which
    they pass."""
    fired = passed = None
    for c, o in searcher.evaluator.pool.values():
        if not o.valid or len(c) != 1:
            continue
        if rule in o.fired and fired is None:
            fired = c
        elif rule not in o.fired and passed is None:
            passed = c
    return [c for c in (fired, passed) if c is not None]

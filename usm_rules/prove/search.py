"""The search for witnesses: per rule, a spec on which it fires and one on which it passes.

Seeds first: the base spec and the rules' own `example fail` / `example pass` specs (several specs for a
repository rule), all checked with every rule. A rule that lacks a witness then searches breadth-first from
its own seeds: each level changes every spec of the level below once more, along the paths the rule reads
(mutate.py), with the values the schema and the rule suggest (values.py); every change is checked by the
engine (evaluate.py), and only schema-valid specs count or are changed further. Everything is in a fixed
order, so two runs give the same result; each rule may check at most `budget` new candidates, and the whole
run at most `total_budget`.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Callable

from .evaluate import Candidate, Evaluator, Outcome, key_of
from .mutate import apply, context_for, mutations
from .reads import Reads
from .values import REMOVE

MAX_DEPTH = 3  # changes on top of a seed
MAX_FRONTIER = 64  # specs of one level that are changed further


def _change_text(change: tuple) -> str:
    import json

    spec, pointer, value = change
    where = f"spec {spec + 1} {pointer}" if spec else pointer
    if value is REMOVE:
        return f"remove {where}"
    text = json.dumps(value, ensure_ascii=False)
    return f"{where} = {text if len(text) <= 60 else text[:59] + '…'}"


@dataclass
class Witness:
    candidate: Candidate
    seed: str  # the seed it was made from: `the base spec`, "`example fail` of USM-001"
    findings: tuple  # (spec index, pointer) of the rule's findings on it (none for a pass witness)
    changes: tuple = ()  # (spec index, JSON Pointer, value or REMOVE) that turn the seed into the candidate

    def describe(self) -> str:
        """`the base spec, changed: /a/b = 1; remove /c` (the changes as the difference from the seed)."""
        if not self.changes:
            return self.seed
        return f"{self.seed}, changed: " + "; ".join(_change_text(c) for c in self.changes)


@dataclass
class Search:
    """What one rule's search did."""

    fire: Witness | None = None
    pass_: Witness | None = None
    steps: int = 0  # candidates this rule's search checked
    exhausted: str = ""  # why the search stopped short of both witnesses ("" when it found both)


@dataclass
class Searcher:
    evaluator: Evaluator
    as_of: _dt.date
    budget: int
    total_budget: int
    origins: dict[str, str] = field(default_factory=dict)  # candidate key -> the seed it was made from
    seeds: dict[str, Candidate] = field(default_factory=dict)  # seed name -> the candidate it names
    spent: int = 0

    # -- the pool ---------------------------------------------------------------------------------------------

    def seed(self, candidate: Candidate, name: str) -> Outcome:
        key = key_of(candidate)
        self.origins.setdefault(key, name)
        self.seeds.setdefault(name, candidate)
        outcome, fresh = self.evaluator.outcome(candidate)
        self.spent += fresh
        return outcome

    def check(self, candidate: Candidate, origin: str) -> tuple[Outcome, bool]:
        key = key_of(candidate)
        outcome, fresh = self.evaluator.outcome(candidate)
        if fresh:
            self.origins[key] = origin
            self.spent += 1
        return outcome, fresh

    def witness(self, rule: str, candidate: Candidate, outcome: Outcome) -> Witness:
        seed = self.origins[key_of(candidate)]
        return Witness(candidate, seed, tuple((spec, pointer) for r, spec, pointer in outcome.findings if r == rule),
                       self.changes(seed, candidate))

    def changes(self, seed: str, candidate: Candidate) -> tuple:
        """The changes that turn the seed named `seed` into `candidate`, spec by spec."""
        from .patch import diff

        start = self.seeds.get(seed)
        if start is None or len(start) != len(candidate):
            return ()
        out = []
        for index, (before, after) in enumerate(zip(start, candidate)):
            patch, remove = diff(before, after)
            out.extend((index, pointer, value) for pointer, value in patch.items())
            out.extend((index, pointer, REMOVE) for pointer in remove)
        return tuple(out)

    # -- one rule -------------------------------------------------------------------------------------------

    def search(self, rule: str, reads: Reads, seeds: list[Candidate], arity: Callable[[Candidate], bool]) -> Search:
        """Witnesses for `rule`: from the seeds (in the order given: preferred first) and the pool, then by
        changing the seeds. `arity` says which candidates the rule is judged on."""
        result = Search()
        self._take(rule, [c for c in seeds if arity(c)] + self._pool(arity), result)
        if result.fire and result.pass_:
            return result
        frontier = [c for c in seeds if arity(c) and self.evaluator.outcome(c)[0].valid]
        for _depth in range(MAX_DEPTH):
            following: list[Candidate] = []
            for candidate in frontier:
                if self._stopped(result):
                    return result
                following.extend(self._expand(rule, reads, candidate, result))
                if result.fire and result.pass_:
                    return result
            frontier = following[:MAX_FRONTIER]
            if not frontier:
                break
        if not (result.fire and result.pass_) and not result.exhausted:
            result.exhausted = "the search tried every change within reach"
        return result

    def _pool(self, arity: Callable[[Candidate], bool]) -> list[Candidate]:
        return [c for c, _ in self.evaluator.pool.values() if arity(c)]

    def _take(self, rule: str, candidates: list[Candidate], result: Search) -> None:
        for candidate in candidates:
            outcome, _ = self.evaluator.outcome(candidate)
            self._note(rule, candidate, outcome, result)
            if result.fire and result.pass_:
                return

    def _note(self, rule: str, candidate: Candidate, outcome: Outcome, result: Search) -> None:
        if not outcome.valid:
            return
        if rule in outcome.fired:
            if result.fire is None:
                result.fire = self.witness(rule, candidate, outcome)
        elif result.pass_ is None:
            result.pass_ = self.witness(rule, candidate, outcome)

    def _stopped(self, result: Search) -> bool:
        if result.steps >= self.budget:
            result.exhausted = f"the budget of {self.budget} checks for this rule was spent"
        elif self.spent >= self.total_budget:
            result.exhausted = f"the overall budget of {self.total_budget} checks was spent"
        return bool(result.exhausted)

    def _expand(self, rule: str, reads: Reads, candidate: Candidate, result: Search) -> list[Candidate]:
        """Check every one-change variant of `candidate`; the schema-valid ones, to change further."""
        index = len(candidate) - 1  # the last spec is the one changed (the others stay as seeded)
        spec = candidate[index]
        seed = self.origins.get(key_of(candidate), "a spec of the pool")
        ctx = context_for(spec, reads, self.as_of)
        out: list[Candidate] = []
        for mutation in mutations(spec, reads, ctx):
            if self._stopped(result):
                break
            try:
                changed = candidate[:index] + (apply(spec, mutation),)
            except (KeyError, IndexError, TypeError):
                continue
            outcome, fresh = self.check(changed, seed)
            result.steps += fresh
            if outcome.valid:
                self._note(rule, changed, outcome, result)
                if result.fire and result.pass_:
                    break
                if fresh:
                    out.append(changed)
        return out

    # -- separating two rules ----------------------------------------------------------------------------------

    def separate(self, a: str, b: str, reads: Reads, seeds: list[Candidate], budget: int) -> bool:
        """Look for a candidate on which exactly one of `a` and `b` fires, changing `seeds` along `reads`
        (both rules' paths); True when found."""
        steps = 0
        frontier = list(seeds)
        for _depth in range(MAX_DEPTH):
            following: list[Candidate] = []
            for candidate in frontier:
                spec = candidate[-1]
                seed = self.origins.get(key_of(candidate), "a spec of the pool")
                ctx = context_for(spec, reads, self.as_of)
                for mutation in mutations(spec, reads, ctx):
                    if steps >= budget or self.spent >= self.total_budget:
                        return False
                    try:
                        changed = candidate[:-1] + (apply(spec, mutation),)
                    except (KeyError, IndexError, TypeError):
                        continue
                    outcome, fresh = self.check(changed, seed)
                    steps += fresh
                    if outcome.valid and ((a in outcome.fired) != (b in outcome.fired)):
                        return True
                    if outcome.valid and fresh:
                        following.append(changed)
            frontier = following[:MAX_FRONTIER]
        return False

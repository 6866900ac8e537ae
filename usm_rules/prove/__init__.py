"""`usm-rules prove`: for every rule in force, a schema-valid spec on which it fires and one on which it
passes, found by a guided, deterministic, budgeted search; the rules that cannot fire or cannot pass, with
the reason found; and pairs of rules that fired on exactly the same specs (evidence of overlap, not proof).

- reads.py     the paths a rule reads and the constants it compares them with (from its AST)
- values.py    values the schema allows at a place, guided by the rule's constants and the run's date
- mutate.py    one-change variants of a spec along a rule's paths
- evaluate.py  fire or pass, decided by the engine's own check of a candidate (all rules at once)
- search.py    seeds (base spec, examples), then breadth-first changes within a step budget
- reasons.py   why a rule never fired or never passed (lines that ran, what the schema decides)
- overlap.py   rules that fired on exactly the same specs
- report.py    text and JSON
- cases.py     the witnesses as `*.test.yaml` cases for `usm-rules test` (patch.py: specs as JSON Pointer changes)

No printing, no exiting: `prove` returns a ProveResult; cli_prove.py renders it.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from .overlap import Overlap
from .search import Search, Searcher, Witness

DEFAULT_BUDGET = 2000  # new candidates one rule's search may check
DEFAULT_TOTAL_BUDGET = 50000  # for the whole run
DEFAULT_PAIR_BUDGET = 300  # for trying to tell apart two rules that fired on the same specs


@dataclass
class RuleProof:
    rule: str
    title: str
    file: str
    line: int
    scope: str
    search: Search
    cannot_fire: str = ""  # the reason found, when no witness makes it fire
    cannot_pass: str = ""

    @property
    def fire(self) -> Witness | None:
        return self.search.fire

    @property
    def pass_(self) -> Witness | None:
        return self.search.pass_

    @property
    def proven(self) -> bool:
        return self.fire is not None and self.pass_ is not None


@dataclass
class ProveResult:
    proofs: list[RuleProof]
    overlaps: list[Overlap]
    as_of: _dt.date
    checked: int  # candidates checked in all
    valid: int  # of them schema-valid
    budget: int
    total_budget: int
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # params in force, per rule
    defaults: dict[str, dict[str, Any]] = field(default_factory=dict)  # the rules' own param defaults
    packs: dict[str, str] = field(default_factory=dict)  # policy file -> built-in pack name (built-in files)

    @property
    def failed(self) -> list[RuleProof]:
        return [p for p in self.proofs if not p.proven]


@dataclass
class _Rule:
    meta: Any
    ast: Any
    facts: Any
    reads: Any
    seeds: list[tuple[str, tuple]]  # (name, candidate) of its examples


def prove(options: Any, *, budget: int = DEFAULT_BUDGET, total_budget: int = DEFAULT_TOTAL_BUDGET,
          pair_budget: int = DEFAULT_PAIR_BUDGET, use_examples: bool = True,
          only_files: list[str] | None = None) -> ProveResult:
    """Search witnesses for every rule in force under `options` (EngineOptions), or only for those defined
    in `only_files`. PolicyError/ConfigError when the policies or the config do not load."""
    import os

    from ..engine import load_rules
    from ..engine.bind import bound_params
    from ..errors import UsmError
    from ..ruledocs import base_spec
    from .evaluate import Evaluator
    from .overlap import find_overlaps
    from .reads import rule_reads

    rules = load_rules(dataclasses.replace(options, coverage=True, explain=False))
    params = bound_params(list(rules.metas.values()), options)
    asts = _asts(list(options.policy_files))
    only = None if only_files is None else {os.path.realpath(p) for p in only_files}
    in_force = [m for m in rules.metas.values()
                if m.id in rules.severities and (only is None or os.path.realpath(m.file) in only)]
    if not in_force:
        raise UsmError("no rule to prove: the policies in force define none (or --select keeps none)")
    base = base_spec()
    table: list[_Rule] = []
    for meta in in_force:
        ast, facts = asts[meta.id]
        seeds = _example_seeds(meta, base) if use_examples else []
        table.append(_Rule(meta, ast, facts, rule_reads(ast, params.get(meta.id, {})), seeds))
    searcher = Searcher(Evaluator(rules), options.as_of, budget, total_budget)
    searcher.seed((base,), "the base spec")
    if rules.repo_rules:
        searcher.seed((base, base), "two copies of the base spec")
    for r in table:
        for name, candidate in r.seeds:
            searcher.seed(candidate, name)
    proofs = [_prove_rule(searcher, r, base) for r in table]
    overlaps = find_overlaps(searcher, [(r.meta.id, r.reads) for r in table if r.meta.scope != "repository"],
                             pair_budget)
    _give_reasons(searcher, table, proofs)
    pool = searcher.evaluator.pool.values()
    return ProveResult(proofs, overlaps, options.as_of, len(searcher.evaluator.pool),
                       sum(1 for _, o in pool if o.valid), budget, total_budget,
                       {m.id: params.get(m.id, {}) for m in in_force}, {m.id: dict(m.params) for m in in_force},
                       _builtin_files())


def _asts(paths: list[str]) -> dict[str, tuple[Any, Any]]:
    """rule id -> (its AST, what the checker learned of it), for every rule of the policy files."""
    from ..lang.checker import check_policy
    from ..lang.parser import parse_policy
    from ..lang.program import read_sources
    from ..schema import schema

    out: dict[str, tuple[Any, Any]] = {}
    for path, text in read_sources(paths):
        policy = parse_policy(text, path)
        facts = check_policy(policy, schema())
        for rule in policy.rules:
            out[rule.id] = (rule, facts[rule.id])
    return out


def _example_seeds(meta: Any, base: dict) -> list[tuple[str, tuple]]:
    from ..ruledocs import example_specs

    out = []
    for kind, fragment in sorted(meta.examples, key=lambda e: e[0] != "fail"):
        try:
            specs = example_specs(fragment, base)
        except ValueError:
            continue  # an example that does not load is the business of `usm-rules test`
        out.append((f"`example {kind}` of {meta.id}", tuple(specs)))
    return out


def _prove_rule(searcher: Searcher, r: _Rule, base: dict) -> RuleProof:
    """Search one rule's witnesses; a witness that is one of the rule's own examples is named as such."""
    from .evaluate import key_of

    proof = _search_rule(searcher, r, base)
    own = {key_of(c): name for name, c in r.seeds}
    for w in (proof.fire, proof.pass_):
        if w is not None and key_of(w.candidate) in own:
            w.seed, w.changes = own[key_of(w.candidate)], ()
    return proof


def _search_rule(searcher: Searcher, r: _Rule, base: dict) -> RuleProof:
    """A repository rule is judged on candidates of any number of specs and changed on two; a spec rule on
    candidates of one spec."""
    meta = r.meta
    if meta.scope == "repository":
        seeds = [c for _, c in r.seeds if len(c) > 1] + [(base, base)] + [c for _, c in r.seeds if len(c) == 1]
        search = searcher.search(meta.id, r.reads, seeds, lambda c: True)
    else:
        seeds = [c for _, c in r.seeds if len(c) == 1] + [(base,)]
        search = searcher.search(meta.id, r.reads, seeds, lambda c: len(c) == 1)
    return RuleProof(meta.id, meta.title, meta.file, meta.line, meta.scope, search)


def _give_reasons(searcher: Searcher, table: list[_Rule], proofs: list[RuleProof]) -> None:
    from .reasons import cannot_fire, cannot_pass

    ran = searcher.evaluator.lines_run()
    pool = [(c, o) for c, o in searcher.evaluator.pool.values() if o.valid]
    for r, proof in zip(table, proofs):
        if proof.proven:
            continue
        single = r.meta.scope != "repository"
        tried = sum(1 for c, _ in pool if len(c) == 1 or not single)
        lines = ran.get(r.meta.id, set())
        tail = f"; {proof.search.exhausted}" if proof.search.exhausted else ""
        if proof.fire is None:
            proof.cannot_fire = cannot_fire(r.ast, r.facts, lines, tried) + tail
        if proof.pass_ is None:
            proof.cannot_pass = cannot_pass(r.ast, r.facts, lines, tried) + tail


def _builtin_files() -> dict[str, str]:
    import os

    from ..engine import builtin_packs

    return {os.path.realpath(path): name for name, path in builtin_packs().items()}


__all__ = ["DEFAULT_BUDGET", "DEFAULT_PAIR_BUDGET", "DEFAULT_TOTAL_BUDGET", "Overlap", "ProveResult", "RuleProof",
           "prove"]

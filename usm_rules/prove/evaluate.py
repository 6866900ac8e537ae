"""Deciding fire or pass: a candidate (one spec, or several for repository rules) checked by the engine's own
`check_loaded` (schema first: rules run only on a schema-valid spec) and `repository_findings`, with every
rule in force at once, so each check also tells which other rules fire on the same spec.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..engine import FileId, RuleSet, check_loaded
from ..engine.repository import repository_findings

Candidate = tuple  # of spec documents (plain data)


@dataclass(frozen=True)
class Outcome:
    valid: bool  # every spec passed the schema (so every rule ran)
    fired: frozenset  # rule ids with a finding
    findings: tuple  # (rule, spec index, pointer) of each rule finding, in order


def key_of(candidate: Candidate) -> str:
    """The identity of a candidate (equal data, equal key), for the pool."""
    return json.dumps(candidate, sort_keys=True, ensure_ascii=False, default=str)


class Evaluator:
    """Checks candidates with the rule set; remembers every outcome (the pool), in the order first checked."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.rule_ids = set(rules.severities)
        self.pool: dict[str, tuple[Candidate, Outcome]] = {}

    def outcome(self, candidate: Candidate) -> tuple[Outcome, bool]:
        """(the outcome, whether it was checked now: a candidate seen before costs nothing)."""
        key = key_of(candidate)
        known = self.pool.get(key)
        if known is not None:
            return known[1], False
        result = self._check(candidate)
        self.pool[key] = (candidate, result)
        return result, True

    def _check(self, candidate: Candidate) -> Outcome:
        from ..loader import LoadedFile
        from ..policytest.specs import CaseDocument
        from ..schema import is_valid

        if not all(is_valid(data) for data in candidate):  # what check_loaded would say, without the messages
            return Outcome(False, frozenset(), ())
        keep_repo = bool(self.rules.repo_rules)
        found: list[tuple[str, int, str]] = []
        errored = False  # some rule failed to evaluate (RULE-ERROR)
        entries: list[Any] = []
        documents: dict[str, dict[int, Any]] = {}
        valid = True
        for index, data in enumerate(candidate):
            path = f"<candidate {index}>"
            doc = CaseDocument(0, data, [])
            result = check_loaded(LoadedFile(path, [doc], []), self.rules, keep_repo, file=FileId(path, path))
            valid = valid and result.ruled == 1
            found.extend((f.rule, index, f.pointer) for f in result.findings if f.rule in self.rule_ids)
            errored = errored or any(f.rule == "RULE-ERROR" for f in result.findings)
            documents[path] = {0: doc}
            entries.extend(result.repo_specs)
        if valid and entries:
            spec_of = {e.file.identity: i for i, e in enumerate(entries)}
            for f, entry in repository_findings(self.rules, entries, lambda file: documents.get(file.identity)):
                if f.rule in self.rule_ids:
                    found.append((f.rule, spec_of[entry.file.identity], f.pointer))
                errored = errored or f.rule == "RULE-ERROR"
        if not valid or errored:
            # a rule that fails to evaluate neither fires nor passes: the candidate is not judged at all
            return Outcome(False, frozenset(), ())
        return Outcome(True, frozenset(r for r, _, _ in found), tuple(found))

    def lines_run(self) -> dict[str, set[int]]:
        """rule id -> the policy lines that ran in some check so far (the rules are compiled with coverage
        markers: lang/compiler.py)."""
        out: dict[str, set[int]] = {}
        for _, fn in list(self.rules.spec_rules) + list(self.rules.repo_rules):
            namespace = getattr(fn, "__globals__", None) or {}
            hits, points = namespace.get("HITS"), namespace.get("POINTS", ())
            if hits is None:
                continue
            for k, (rule_id, line) in enumerate(points):
                if hits[k]:
                    out.setdefault(rule_id, set()).add(line)
            break
        return out

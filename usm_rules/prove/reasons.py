"""Why a rule was never seen to fire, or to pass: from the policy lines that ran during the search (coverage
markers of the compiled rules) and what the schema decides about a condition (lint_guards.constant).
"""
from __future__ import annotations

from typing import Any

from ..lang import nodes as n
from ..lint_guards import UNKNOWN, Binders, Presence, constant, subexprs


def _binders(rule: n.Rule, body: n.Body, facts: Any, upto: int) -> tuple[Binders, Presence]:
    """The names bound, and the paths known present, before clause number `upto` of the check (as lint
    reads them)."""
    binders: Binders = {"spec": "spec", "specs": "specs"}
    binders.update({p.name: "param" for p in rule.params})
    presence = Presence(facts, binders)
    for clause in body.clauses[:upto]:
        if isinstance(clause, n.For):
            binders[clause.var] = "for"
        elif isinstance(clause, n.Let):
            binders[clause.name] = clause.value if isinstance(clause.value, (n.Name, n.Field, n.Index)) else "let"
        else:
            presence.note_guard(clause.cond)
    return binders, presence


def _schema_says(rule: n.Rule, body: n.Body, facts: Any, cond: n.Expr, upto: int) -> Any:
    binders, presence = _binders(rule, body, facts, upto)
    for e in subexprs(cond):
        if isinstance(e, n.Quantified):
            binders.setdefault(e.var, "quant")
    try:
        return constant(cond, facts, presence, binders, True)
    except (RecursionError, TypeError, ValueError):
        return UNKNOWN


def _blocker(body: n.Body, ran: set[int]) -> tuple[int, n.Clause | None]:
    """(index, clause) of the last clause that ran when the one after it (or the `require`) never did;
    (-1, None) when the `require` ran."""
    if body.pos.line in ran:
        return -1, None
    last: tuple[int, n.Clause | None] = (-1, None)
    for i, clause in enumerate(body.clauses):
        if clause.pos.line not in ran:
            break
        last = (i, clause)
    return last


def cannot_fire(rule: n.Rule, facts: Any, ran: set[int], tried: int) -> str:
    """Why no spec tried made the rule fire, one reason per check of the rule."""
    reasons = [_body_not_fired(rule, body, facts, ran, tried) for body in rule.bodies]
    if len(reasons) == 1:
        return reasons[0]
    return "; ".join(f"check at line {b.pos.line}: {r}" for b, r in zip(rule.bodies, reasons))


def _body_not_fired(rule: n.Rule, body: n.Body, facts: Any, ran: set[int], tried: int) -> str:
    specs = f"{tried} schema-valid spec{'s' * (tried != 1)} tried"
    index, clause = _blocker(body, ran)
    if clause is None and index == -1 and body.pos.line in ran:
        if _schema_says(rule, body, facts, body.require, len(body.clauses)) is True:
            return (f"the `require` at line {body.pos.line} holds for every value the schema allows: the schema "
                    "implies it")
        return f"the `require` at line {body.pos.line} held every time it ran, on all {specs}"
    if isinstance(clause, n.When):
        if _schema_says(rule, body, facts, clause.cond, index) is False:
            return f"the `when` at line {clause.pos.line} is false for every value the schema allows"
        return f"the `when` at line {clause.pos.line} held on none of the {specs}"
    if isinstance(clause, n.For):
        return f"the `for` at line {clause.pos.line} found nothing to iterate on any of the {specs}"
    return f"the check at line {body.pos.line} never reached its `require` on any of the {specs}"


def cannot_pass(rule: n.Rule, facts: Any, ran: set[int], tried: int) -> str:
    """Why every spec tried made the rule fire."""
    specs = f"{tried} schema-valid spec{'s' * (tried != 1)} tried"
    for body in rule.bodies:
        if any(isinstance(c, n.When) for c in body.clauses) or body.pos.line not in ran:
            continue
        said = _schema_says(rule, body, facts, body.require, len(body.clauses))
        if said is False:
            guard = "nothing before it excludes a spec" if not body.clauses else "no `when` guards it"
            return (f"the `require` at line {body.pos.line} is false for every value the schema allows, and "
                    f"{guard}")
        if not _reads_spec(body):
            return f"the `require` at line {body.pos.line} is constant: it reads nothing of the spec"
    return f"the rule fired on every one of the {specs}"


def _reads_spec(body: n.Body) -> bool:
    bound = {c.var if isinstance(c, n.For) else c.name for c in body.clauses if isinstance(c, (n.For, n.Let))}
    used = {e.ident for e in subexprs(body.require) if isinstance(e, n.Name)}
    return bool(used & (bound | {"spec", "specs"}))

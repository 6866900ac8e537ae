"""What the grammar allows in a rule but a rule may not have (the parser reports it; nodes.build_rule leaves
it out of the rule's meaning)."""
from __future__ import annotations

from ..errors import Located, located
from . import nodes as n


def structure_problems(rule: n.Rule, path: str, source: str) -> list[Located]:
    """What the grammar allows but a rule may not have: repeated metadata, a `message` or `at` that follows
    no `require` (or one that already has one), clauses with no `require` after them, unknown words after
    `scope` and `example`, no `require`, `title` or `severity` at all. (nodes.build_rule leaves them out.)"""
    problems: list[Located] = []

    def problem(pos: n.Pos, message: str, length: int = 1) -> None:
        problems.append(located(path, source, pos.line, pos.column, message, length))

    given: set[type] = set()
    current: set[type] | None = None  # what the last `require` already has; None: no `require` to join
    pending: list[n.Clause] = []
    for item in rule.items:
        word = item.KEYWORD
        if isinstance(item, n.METADATA):
            if type(item) in given:
                problem(item.pos, f"`{word}` is given twice in rule {rule.id}", len(word))
                continue
            given.add(type(item))
        if isinstance(item, n.Scope) and item.value not in ("spec", "repository"):
            problem(item.value_pos, f"unknown scope `{item.value}`; expected `spec` or `repository`", len(item.value))
        elif isinstance(item, n.Example) and item.kind not in ("fail", "pass"):
            problem(item.kind_pos, f"unknown example kind `{item.kind}`; expected `fail` or `pass`", len(item.kind))
        elif isinstance(item, (n.For, n.When, n.Let)):
            current = None
            pending.append(item)
        elif isinstance(item, n.Require):
            current, pending = set(), []
        elif isinstance(item, (n.Message, n.At)):
            if current is None:
                problem(item.pos, f"`{word}` must follow a `require`", len(word))
            elif type(item) in current:
                problem(item.pos, f"this `require` already has a `{word}`", len(word))
            else:
                current.add(type(item))
    if pending:
        problem(pending[-1].pos, "these clauses are not followed by a `require`")
    if not rule.bodies:
        problem(rule.pos, f"rule {rule.id} has no `require`: it can never fire", 4)
    for required in (n.Title, n.Severity):
        if required not in given:
            problem(rule.id_pos, f"rule {rule.id} has no `{required.KEYWORD}`", len(rule.id))
    return problems

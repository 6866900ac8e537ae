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
    problems += _ramp_problems(rule, path, source)
    if pending:
        problem(pending[-1].pos, "these clauses are not followed by a `require`")
    if not rule.bodies:
        problem(rule.pos, f"rule {rule.id} has no `require`: it can never fire", 4)
    for required in (n.Title, n.Severity):
        if required not in given:
            problem(rule.id_pos, f"rule {rule.id} has no `{required.KEYWORD}`", len(rule.id))
    return problems


def _ramp_problems(rule: n.Rule, path: str, source: str) -> list[Located]:
    """`enforce_from` and `warn_until` hold real dates, and agree when both are given (usm_rules/ramp.py)."""
    from ..ramp import enforcement_day, parse_day

    problems: list[Located] = []
    days = {}
    for kind in (n.EnforceFrom, n.WarnUntil):
        item = rule.first(kind)
        if item is None:
            continue
        days[kind] = parse_day(item.value)
        if days[kind] is None:
            column, length = _string_after(source, item.pos, len(kind.KEYWORD))
            problems.append(located(path, source, item.pos.line, column,
                                    f"`{kind.KEYWORD}` must be a date written \"YYYY-MM-DD\"", length))
    if not problems and len(days) == 2:
        _, why = enforcement_day(days[n.EnforceFrom], days[n.WarnUntil])
        if why:
            second = max((rule.first(k) for k in days), key=lambda i: (i.pos.line, i.pos.column))
            problems.append(located(path, source, second.pos.line, second.pos.column, why, len(second.KEYWORD)))
    return problems


def _string_after(source: str, pos: n.Pos, skip: int) -> tuple[int, int]:
    """(column, length) of the string that follows a keyword of `skip` characters at `pos` on its line."""
    lines = source.split("\n")
    text = lines[pos.line - 1] if 0 < pos.line <= len(lines) else ""
    start = text.find('"', pos.column - 1 + skip)
    if start < 0:
        return pos.column, skip
    end = text.find('"', start + 1)
    return start + 1, (end - start + 1) if end > start else 1

"""`usm-rules fmt`: one canonical layout for `.policy` files, comments kept.

The layout: two-space indentation, one rule item per line, metadata values aligned in one column, one
blank line between rules (blank lines inside a rule are kept, collapsed to one), canonical spacing and
parentheses inside expressions, strings re-escaped canonically, `example` blocks kept verbatim apart from
their indentation, and `require`/`when` conditions longer than the line broken at their top-level
`and`/`or`, operators leading. Formatting never changes what the file means (the AST is the same, modulo
positions) and formatting formatted text changes nothing.

The file is parsed once (parser.parse_policy, comments kept) and printed from its AST; expressions and
strings are printed by printer.py.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from . import nodes as n
from .printer import AND, EXPR, NOT, OR, encode_string, expr_text, needs_parens, or_operand_ctx

WIDTH = 120  # formatted lines are broken to stay within this where the language allows (as the Python code)
ITEM = "  "  # indentation of rule items
CONT = "    "  # extra indentation of a broken condition's continuation lines
META_COLUMN = len("rationale") + 1  # metadata values start in this column after the item indentation


# -- breaking long conditions -------------------------------------------------------------------------------

@dataclass
class _Segment:
    """One output line of a broken condition and the source lines of the operand it shows."""

    text: str
    start: int
    end: int


def _chain(e: n.Expr, op: str) -> list[n.Expr]:
    """`a and b and c` -> [a, b, c] (the chain of one operator, left-associated)."""
    out: list[n.Expr] = []
    while isinstance(e, n.Binary) and e.op == op:
        out.append(e.right)
        e = e.left
    out.append(e)
    out.reverse()
    return out


def _is_chain(e: n.Expr) -> bool:
    return isinstance(e, n.Binary) and e.op in ("and", "or")


def _break(e: n.Expr, prefix: str, cont: int, ctx: int, tail: bool, suffix: str, force: bool) -> list[_Segment]:
    """Lay out `e` after `prefix` (the first line's text so far) and before `suffix`.

    Continuation lines start at column `cont`. A chain of `and`/`or` that does not fit (or `force`) is
    broken before each operator; a parenthesised chain breaks inside its parentheses, aligned after `(`;
    a chain that is an operand of a looser one without parentheses is indented one step further.
    """
    flat = expr_text(e, ctx, tail)
    if (not force and len(prefix) + len(flat) + len(suffix) <= WIDTH) or not _is_chain(e):
        return [_Segment(prefix + flat + suffix, e.pos.line, e.pos.end_line)]
    if needs_parens(e, ctx, tail):
        return _break(e, prefix + "(", len(prefix) + 1, EXPR, True, ")" + suffix, False)
    assert isinstance(e, n.Binary)
    op = e.op
    operands = _chain(e, op)
    lines: list[_Segment] = []
    for i, operand in enumerate(operands):
        last = i == len(operands) - 1
        o_tail = tail and last
        o_ctx = (OR if op == "or" else AND) if i == 0 else (AND if op == "or" else NOT)
        if op == "or":
            o_ctx = or_operand_ctx(operand, o_ctx)
        nested = _is_chain(operand) and not needs_parens(operand, o_ctx, o_tail)
        o_prefix = prefix if i == 0 else " " * cont + op + " "
        o_cont = cont + len(CONT) if nested else (cont if i == 0 else len(o_prefix))
        lines.extend(_break(operand, o_prefix, o_cont, o_ctx, o_tail, suffix if last else "", False))
    return lines


def layout_condition(keyword: str, e: n.Expr, comments: list["_Comment"]) -> tuple[list[str], list["_Comment"],
                                                                                    list["_Comment"]]:
    """Lines of `keyword <condition>` at item indentation, with the comments found inside it placed.

    A condition that fits stays on one line unless a comment on a line of its own sits inside it (after
    its first operand). Returns (lines, comments to put before the item, comments to put after it).
    """
    prefix = ITEM + keyword + " "
    flat = prefix + expr_text(e)
    fits = len(flat) <= WIDTH
    broken = _break(e, prefix, len(ITEM) + len(CONT), EXPR, True, "", True)
    before: list[_Comment] = []
    placed_own: dict[int, list[_Comment]] = {}
    trailing: dict[int, list[_Comment]] = {}
    for c in comments:
        index = _segment_for(broken, c)
        if c.own_line and index == 0:
            before.append(c)
        elif c.own_line:
            placed_own.setdefault(index, []).append(c)
        else:
            trailing.setdefault(index, []).append(c)
    if len(broken) == 1 or (fits and not placed_own):
        own = [c for c in comments if c.own_line]
        return [flat], own, [c for c in comments if not c.own_line]
    lines: list[str] = []
    for i, seg in enumerate(broken):
        indent = len(seg.text) - len(seg.text.lstrip())
        for c in placed_own.get(i, []):
            lines.append(" " * indent + c.text)
        lines.append(_with_trailing(seg.text, trailing.get(i, [])))
    return lines, before, []


def _segment_for(segments: list[_Segment], c: "_Comment") -> int:
    """The segment a comment inside a condition goes with: a trailing comment, the last one showing its
    line (else the last one before it); an own-line comment, the one it precedes or sits inside."""
    if c.own_line:
        for i, seg in enumerate(segments):
            if seg.start > c.line or (seg.start < c.line <= seg.end):
                return i
        return len(segments) - 1
    covering = [i for i, seg in enumerate(segments) if seg.start <= c.line <= seg.end]
    if covering:
        return covering[-1]
    return max([i for i, seg in enumerate(segments) if seg.start <= c.line], default=0)


# -- files --------------------------------------------------------------------------------------------------

@dataclass
class _Comment:
    line: int
    column: int
    text: str
    own_line: bool
    blank_before: bool


@dataclass
class _Unit:
    """Something printed on lines of its own: the header, a rule (its `units`: the opening line, each item,
    the closing brace), an item, a closing brace."""

    node: Any  # n.Header, n.Rule, an item, or a str: "open" / "close" for a rule's first and last line
    start: int
    end: int
    blank_before: bool = False
    units: list["_Unit"] = field(default_factory=list)  # a rule's
    leading: list[_Comment] = field(default_factory=list)  # own-line comments before it
    internal: list[_Comment] = field(default_factory=list)  # comments inside a unit of several lines
    trailing: list[_Comment] = field(default_factory=list)  # comments after it on its last line


def format_source(source: str, path: str = "<policy>") -> str:
    """The canonical text of a policy file; PolicyError (located) when it is not a valid policy."""
    from .parser import parse_policy

    text = source[1:] if source.startswith("\ufeff") else source
    text = text.replace("\r\n", "\n")  # a lone CR may sit inside a string: it is kept
    policy = parse_policy(text, path, keep_comments=True)  # raises the located syntax or structure error
    lines = text.split("\n")

    def blank_before(line: int) -> bool:
        return line >= 2 and not lines[line - 2].strip()

    comments = [_Comment(c.pos.line, c.pos.column, c.text.rstrip(),
                         not lines[c.pos.line - 1][:c.pos.column - 1].strip(), blank_before(c.pos.line))
                for c in policy.comments]
    top = _units(policy, blank_before)
    file_trailer = _place_comments(comments, top)
    out: list[str] = []
    for number, unit in enumerate(top):
        if number > 0:
            out.append("")
        _comment_lines(out, unit.leading, "", first_blank=False)
        if unit.leading and unit.blank_before:
            out.append("")
        if isinstance(unit.node, n.Header):
            header = unit.node
            title = "" if header.title is None else " " + encode_string(header.title)
            out.append(_with_trailing(f"policy {header.name}{title}", unit.trailing))
        else:
            _rule_lines(out, unit.node.id, unit.units)
    if file_trailer:
        if out and file_trailer[0].blank_before:
            out.append("")
        _comment_lines(out, file_trailer, "", first_blank=False)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _units(policy: n.PolicyFile, blank_before: Any) -> list[_Unit]:
    """The header and the rules, each rule with a unit per line group: opening line, items, closing brace."""
    top: list[_Unit] = []
    if policy.header is not None:
        pos = policy.header.pos
        top.append(_Unit(policy.header, pos.line, pos.end_line, blank_before(pos.line)))
    for rule in policy.rules:
        pos = rule.pos
        unit = _Unit(rule, pos.line, pos.end_line, blank_before(pos.line))
        unit.units.append(_Unit("open", pos.line, pos.line))
        for item in rule.items:
            unit.units.append(_Unit(item, item.pos.line, item.pos.end_line, blank_before(item.pos.line)))
        unit.units.append(_Unit("close", pos.end_line, pos.end_line, blank_before(pos.end_line)))
        top.append(unit)
    return top


def _place_comments(comments: list[_Comment], top: list[_Unit]) -> list[_Comment]:
    """Give each comment to the unit it is printed with; returns those that end the file."""
    file_trailer: list[_Comment] = []
    for c in comments:
        owner = next((u for u in top if isinstance(u.node, n.Rule) and u.start <= c.line <= u.end), None)
        if owner is not None:
            _assign(c, owner.units)
            continue
        headers = [u for u in top if isinstance(u.node, n.Header) and u.start <= c.line <= u.end]
        if headers and not c.own_line:
            headers[0].trailing.append(c)
        elif not c.own_line:
            prior = [u for u in top if u.end <= c.line]
            (prior[-1].trailing if prior else file_trailer).append(c)
        else:
            nxt = next((u for u in top if u.start > c.line), None)
            (nxt.leading if nxt is not None else file_trailer).append(c)
    return file_trailer


def _assign(c: _Comment, units: list[_Unit]) -> None:
    if c.own_line:
        covering = [u for u in units if u.start < c.line <= u.end and not isinstance(u.node, str)]
        if covering:
            covering[-1].internal.append(c)
            return
        nxt = next((u for u in units if u.start > c.line), units[-1])
        nxt.leading.append(c)
        return
    covering = [u for u in units if u.start <= c.line <= u.end]
    if covering:
        unit = covering[-1]
        (unit.trailing if c.line == unit.end else unit.internal).append(c)
        return
    prior = [u for u in units if u.start <= c.line]
    (prior[-1] if prior else units[0]).trailing.append(c)


def _comment_lines(out: list[str], comments: list[_Comment], indent: str, first_blank: bool) -> None:
    for i, c in enumerate(comments):
        if c.blank_before and (i > 0 or first_blank) and out and out[-1] != "":
            out.append("")
        out.append(indent + c.text)


def _with_trailing(text: str, comments: list[_Comment]) -> str:
    if not comments:
        return text
    return text + "  " + "  ".join(c.text for c in comments)


def _rule_lines(out: list[str], rule_id: str, units: list[_Unit]) -> None:
    for i, unit in enumerate(units):
        if unit.node == "open":
            out.append(_with_trailing(f"rule {rule_id} {{", unit.trailing))
            continue
        inside = i > 1  # not the first item
        leading = list(unit.leading)
        if unit.node == "close":
            _comment_lines(out, leading, ITEM, first_blank=inside)
            out.append(_with_trailing("}", unit.trailing))
            continue
        lines, before, after = _item_lines(unit.node, unit.internal)
        leading += before
        if inside and (leading[0].blank_before if leading else unit.blank_before):
            out.append("")
        _comment_lines(out, leading, ITEM, first_blank=False)
        if leading and unit.blank_before and inside:
            out.append("")
        lines[-1] = _with_trailing(lines[-1], after + unit.trailing)
        out.extend(lines)


def _meta(keyword: str, value: str) -> str:
    return ITEM + keyword.ljust(META_COLUMN - 1) + " " + value


def _item_lines(item: n.Item, internal: list[_Comment]) -> tuple[list[str], list[_Comment], list[_Comment]]:
    """(lines, comments to put before, comments to put after) for one rule item."""
    own = [c for c in internal if c.own_line]
    trailing = [c for c in internal if not c.own_line]
    if isinstance(item, (n.Require, n.When)):
        return layout_condition(item.KEYWORD, item.cond, internal)
    if isinstance(item, n.Param):
        text = f"{ITEM}param {item.name} = {expr_text(item.default)}"
        if len(text) > WIDTH and isinstance(item.default, n.ListLit) and item.default.items:
            return _filled_list(f"{ITEM}param {item.name} = ", item.default), own, trailing
        return [text], own, trailing
    if isinstance(item, n.Example):
        return _example_lines(item.kind, item.raw), own, trailing
    return [_item_line(item)], own, trailing


def _item_line(item: n.Item) -> str:
    """The one line of an item that always takes one."""
    if isinstance(item, (n.Title, n.Rationale, n.Help, n.EnforceFrom, n.WarnUntil)):
        return _meta(item.KEYWORD, encode_string(item.value))
    if isinstance(item, (n.Severity, n.Scope)):
        return _meta(item.KEYWORD, item.value)
    if isinstance(item, n.SeverityIf):
        return _meta(item.KEYWORD, f"{item.severity} if {expr_text(item.cond)}")
    if isinstance(item, n.Tags):
        return _meta(item.KEYWORD, "[" + ", ".join(encode_string(t) for t in item.values) + "]")
    if isinstance(item, n.For):
        return f"{ITEM}for {item.var} in {expr_text(item.iterable)}"
    if isinstance(item, n.Let):
        return f"{ITEM}let {item.name} = {expr_text(item.value)}"
    if isinstance(item, n.Message):
        return f"{ITEM}message {encode_string(item.text)}"
    if isinstance(item, n.At):
        return f"{ITEM}at {expr_text(item.target)}"
    raise AssertionError(f"unknown item {item!r}")


def _filled_list(head: str, e: n.ListLit) -> list[str]:
    """A list too long for one line: `[` ends the first line, the items fill lines indented one step more,
    `]` closes on a line of its own."""
    indent = ITEM * 2
    lines = [head + "["]
    current = ""
    items = [expr_text(x) for x in e.items]
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "")
        if current and len(indent) + len(current) + 1 + len(piece) > WIDTH:
            lines.append(indent + current)
            current = piece
        else:
            current = f"{current} {piece}" if current else piece
    lines.append(indent + current)
    lines.append(ITEM + "]")
    return lines


def _example_lines(which: str, raw: str) -> list[str]:
    """`example fail \"\"\"…\"\"\"`: the block's lines re-indented one step under the item (the closing quotes
    level with `example`), otherwise verbatim."""
    head = f"{ITEM}example {which} "
    content = raw[3:-3]
    if not content.startswith("\n"):
        return (head + raw).split("\n")
    body = content[1:].split("\n")
    closing_alone = not body[-1].strip()
    if closing_alone:
        body = body[:-1]
    margin = os.path.commonprefix([line[:len(line) - len(line.lstrip())] for line in body if line.strip()])
    indent = ITEM * 2
    lines = [head + '"""']
    for line in body:
        lines.append(indent + line[len(margin):] if line.strip() else "")
    if closing_alone:
        lines.append(ITEM + '"""')
    else:
        lines[-1] += '"""'
    return lines

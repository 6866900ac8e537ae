"""`usm-rules fmt`: one canonical layout for `.policy` files, comments kept.

The layout: two-space indentation, one rule item per line, metadata values aligned in one column, one
blank line between rules (blank lines inside a rule are kept, collapsed to one), canonical spacing and
parentheses inside expressions, strings re-escaped canonically, `example` blocks kept verbatim apart from
their indentation, and `require`/`when` conditions longer than the line broken at their top-level
`and`/`or`, operators leading. Formatting never changes what the file means (the AST is the same, modulo
positions) and formatting formatted text changes nothing.

`expr_text` (canonical one-line text of an expression) is also what explain traces show.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from . import nodes as n

WIDTH = 120  # formatted lines are broken to stay within this where the language allows (as the Python code)
ITEM = "  "  # indentation of rule items
CONT = "    "  # extra indentation of a broken condition's continuation lines
META_KEYWORDS = ("title", "severity", "rationale", "help", "tags", "scope")
META_COLUMN = len("rationale") + 1  # metadata values start in this column after the item indentation

# Grammar levels, loosest first (see grammar/policy.lark): an expression printed where a tighter level is
# required gets parentheses.
EXPR, OR, AND, NOT, CMP, SUM, PROD, UNARY, POSTFIX, ATOM = range(10)
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


# -- strings ------------------------------------------------------------------------------------------------

_MUST_ESCAPE_AFTER_BACKSLASH = frozenset({'"', "\\", "n", "t", "\n", "\t"})


def encode_string(value: str) -> str:
    """The canonical STRING token for a value: `"` `\\n` `\\t` escaped; a backslash stays bare where it
    cannot be read as an escape (so regexes keep reading `"\\d+"`), doubled where it could."""
    out = ['"']
    for i, c in enumerate(value):
        if c == "\\":
            nxt = value[i + 1] if i + 1 < len(value) else None
            out.append("\\" if nxt is not None and nxt not in _MUST_ESCAPE_AFTER_BACKSLASH else "\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


# -- expressions --------------------------------------------------------------------------------------------

def level(e: n.Expr) -> int:
    """The grammar level an expression needs no parentheses at."""
    if isinstance(e, n.IfExpr):
        return EXPR
    if isinstance(e, n.Binary):
        if e.op == "or":
            return OR
        if e.op == "and":
            return AND
        if e.op in ("+", "-"):
            return SUM
        if e.op in ("*", "/", "%"):
            return PROD
        return CMP
    if isinstance(e, n.Unary):
        return NOT if e.op == "not" else UNARY
    if isinstance(e, n.Quantified):
        return NOT
    if isinstance(e, (n.Exists, n.IsType, n.Matches)):
        return CMP
    if isinstance(e, (n.Field, n.Index, n.Star)):
        return POSTFIX
    return ATOM


def _greedy(e: n.Expr) -> bool:
    """Quantifier bodies and `else` branches run to the end of the expression."""
    return isinstance(e, (n.Quantified, n.IfExpr))


def or_operand_ctx(operand: n.Expr, ctx: int) -> int:
    """`and` inside `or` is parenthesised although it binds tighter: `a or (b and c)` reads unambiguously."""
    return NOT if isinstance(operand, n.Binary) and operand.op == "and" else ctx


def _not_operand_ctx(operand: n.Expr) -> int:
    """`not` applies to a path, call, literal or another `not` bare; anything looser gets parentheses:
    `not (a == b)`, never `not a == b`."""
    return NOT if isinstance(operand, n.Unary) and operand.op == "not" else POSTFIX


def needs_parens(e: n.Expr, ctx: int, tail: bool) -> bool:
    return level(e) < ctx or (_greedy(e) and not tail)


def _literal(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is str:
        return encode_string(value)
    if type(value) is float:
        return repr(value)
    return str(value)


def expr_text(e: n.Expr, ctx: int = EXPR, tail: bool = True) -> str:
    """Canonical one-line source text of an expression, parenthesised for the position it stands in."""
    if needs_parens(e, ctx, tail):
        return "(" + _bare(e, True) + ")"
    return _bare(e, tail)


def _bare(e: n.Expr, tail: bool) -> str:
    if isinstance(e, n.Literal):
        return _literal(e.value)
    if isinstance(e, n.ListLit):
        return "[" + ", ".join(expr_text(x) for x in e.items) + "]"
    if isinstance(e, n.Name):
        return e.ident
    if isinstance(e, n.Call):
        return e.func + "(" + ", ".join(expr_text(a) for a in e.args) + ")"
    if isinstance(e, n.Field):
        return expr_text(e.base, POSTFIX, False) + "." + e.name
    if isinstance(e, n.Index):
        return expr_text(e.base, POSTFIX, False) + "[" + expr_text(e.index) + "]"
    if isinstance(e, n.Star):
        return expr_text(e.base, POSTFIX, False) + "[*]"
    if isinstance(e, n.Unary):
        if e.op == "not":
            return "not " + expr_text(e.operand, _not_operand_ctx(e.operand), tail)
        inner = expr_text(e.operand, UNARY, tail)
        return "-" + ("(" + inner + ")" if inner.startswith("-") else inner)
    if isinstance(e, n.Binary):
        op = e.op
        if op == "or":
            return (f"{expr_text(e.left, or_operand_ctx(e.left, OR), False)} or "
                    f"{expr_text(e.right, or_operand_ctx(e.right, AND), tail)}")
        if op == "and":
            return f"{expr_text(e.left, AND, False)} and {expr_text(e.right, NOT, tail)}"
        if op in ("+", "-"):
            return f"{expr_text(e.left, SUM, False)} {op} {expr_text(e.right, PROD, False)}"
        if op in ("*", "/", "%"):
            return f"{expr_text(e.left, PROD, False)} {op} {expr_text(e.right, UNARY, False)}"
        word = "not in" if op == "notin" else op
        return f"{expr_text(e.left, SUM, False)} {word} {expr_text(e.right, SUM, False)}"
    if isinstance(e, n.Exists):
        return expr_text(e.operand, SUM, False) + " exists"
    if isinstance(e, n.IsType):
        return expr_text(e.operand, SUM, False) + (" is not " if e.negated else " is ") + e.type_name
    if isinstance(e, n.Matches):
        word = " not matches " if e.negated else " matches "
        return expr_text(e.operand, SUM, False) + word + expr_text(e.pattern, SUM, False)
    if isinstance(e, n.Quantified):
        return f"{e.kind} {e.var} in {expr_text(e.iterable, OR, False)}: {expr_text(e.body, EXPR, tail)}"
    if isinstance(e, n.IfExpr):
        return (f"if {expr_text(e.cond, EXPR, False)} then {expr_text(e.then, EXPR, False)} "
                f"else {expr_text(e.otherwise, EXPR, tail)}")
    raise AssertionError(f"unknown node {e!r}")


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
    """Something printed on lines of its own: the header, a rule's opening line, an item, a closing brace."""

    kind: str
    start: int
    end: int
    payload: Any
    blank_before: bool = False
    leading: list[_Comment] = field(default_factory=list)  # own-line comments before it
    internal: list[_Comment] = field(default_factory=list)  # comments inside a unit of several lines
    trailing: list[_Comment] = field(default_factory=list)  # comments after it on its last line


_LARK: Any = None


def _comment_parser() -> Any:
    """A Lark parser on the project grammar whose lexer hands comments to a callback (the grammar ignores
    them); built once per process."""
    global _LARK
    if _LARK is None:
        import lark

        from ..resources import grammar_file

        _LARK = lark.Lark(grammar_file().read_text(encoding="utf-8"), parser="lalr", propagate_positions=True,
                          maybe_placeholders=False, start=["start"],
                          lexer_callbacks={"COMMENT": lambda tok: _COMMENTS.append(tok)})
    return _LARK


_COMMENTS: list[Any] = []


def _read(source: str) -> tuple[list[tuple], list[Any]]:
    from .parser import _ToAst

    del _COMMENTS[:]
    tree = _comment_parser().parse(source)
    tokens = list(_COMMENTS)
    del _COMMENTS[:]
    return _ToAst().transform(tree), tokens


def format_source(source: str, path: str = "<policy>") -> str:
    """The canonical text of a policy file; PolicyError (located) when it is not a valid policy."""
    from .parser import parse_policy

    text = source[1:] if source.startswith("\ufeff") else source
    text = text.replace("\r\n", "\n")  # a lone CR may sit inside a string: it is kept
    parse_policy(text, path)  # raises the located syntax or structure error
    entries, tokens = _read(text)
    lines = text.split("\n")

    def blank_before(line: int) -> bool:
        return line >= 2 and not lines[line - 2].strip()

    comments = []
    for tok in tokens:
        before = lines[tok.line - 1][:tok.column - 1]
        comments.append(_Comment(tok.line, tok.column, str(tok).rstrip(), not before.strip(),
                                 blank_before(tok.line)))

    top: list[_Unit] = []
    for kind, pos, children in entries:
        unit = _Unit(kind, pos.line, pos.end_line, children, blank_before(pos.line))
        top.append(unit)
        if kind == "rule":
            inner = [_Unit("open", pos.line, pos.line, children[0])]
            for item_kind, ipos, payload in children[1:]:
                inner.append(_Unit(item_kind, ipos.line, ipos.end_line, (ipos, payload), blank_before(ipos.line)))
            inner.append(_Unit("close", pos.end_line, pos.end_line, None, blank_before(pos.end_line)))
            unit.payload = inner
    file_trailer: list[_Comment] = []
    for c in comments:
        owner = next((u for u in top if u.kind == "rule" and u.start <= c.line <= u.end), None)
        if owner is not None:
            _assign(c, owner.payload)
        else:
            headers = [u for u in top if u.kind == "header" and u.start <= c.line <= u.end]
            if headers and not c.own_line:
                headers[0].trailing.append(c)
            elif not c.own_line:
                prior = [u for u in top if u.end <= c.line]
                (prior[-1].trailing if prior else file_trailer).append(c)
            else:
                nxt = next((u for u in top if u.start > c.line), None)
                (nxt.leading if nxt is not None else file_trailer).append(c)

    out: list[str] = []
    for number, unit in enumerate(top):
        if number > 0:
            out.append("")
        _comment_lines(out, unit.leading, "", first_blank=False)
        if unit.leading and unit.blank_before:
            out.append("")
        if unit.kind == "header":
            name = str(unit.payload[0])
            title = " " + encode_string(_decode(unit.payload[1])) if len(unit.payload) > 1 else ""
            out.append(_with_trailing(f"policy {name}{title}", unit.trailing))
        else:
            _rule_lines(out, unit.payload)
    if file_trailer:
        if out and file_trailer[0].blank_before:
            out.append("")
        _comment_lines(out, file_trailer, "", first_blank=False)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _decode(token: Any) -> str:
    from .parser import decode_string

    return decode_string(str(token))


def _assign(c: _Comment, units: list[_Unit]) -> None:
    if c.own_line:
        covering = [u for u in units if u.start < c.line <= u.end and u.kind not in ("open", "close")]
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


def _rule_lines(out: list[str], units: list[_Unit]) -> None:
    for i, unit in enumerate(units):
        if unit.kind == "open":
            out.append(_with_trailing(f"rule {unit.payload} {{", unit.trailing))
            continue
        inside = i > 1  # not the first item
        leading = list(unit.leading)
        if unit.kind == "close":
            _comment_lines(out, leading, ITEM, first_blank=inside)
            out.append(_with_trailing("}", unit.trailing))
            continue
        pos, payload = unit.payload
        lines, before, after = _item_lines(unit.kind, pos, payload, unit.internal)
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


def _item_lines(kind: str, pos: n.Pos, payload: list, internal: list[_Comment]) -> tuple[list[str], list[_Comment],
                                                                                        list[_Comment]]:
    """(lines, comments to put before, comments to put after) for one rule item."""
    own = [c for c in internal if c.own_line]
    trailing = [c for c in internal if not c.own_line]
    if kind in ("require", "when"):
        return layout_condition(kind, payload[0], internal)
    if kind in ("title", "rationale", "help"):
        text = _meta(kind, encode_string(_decode(payload[0])))
    elif kind == "severity":
        text = _meta(kind, str(payload[0]))
    elif kind == "severity_if":
        text = _meta("severity", f"{payload[0]} if {expr_text(payload[1])}")
    elif kind == "tags":
        text = _meta(kind, "[" + ", ".join(encode_string(_decode(t)) for t in payload) + "]")
    elif kind == "scope":
        text = _meta(kind, str(payload[0]))
    elif kind == "param":
        text = f"{ITEM}param {payload[0]} = {expr_text(payload[1])}"
        if len(text) > WIDTH and isinstance(payload[1], n.ListLit) and payload[1].items:
            return _filled_list(f"{ITEM}param {payload[0]} = ", payload[1]), own, trailing
    elif kind == "for":
        text = f"{ITEM}for {payload[0]} in {expr_text(payload[1])}"
    elif kind == "let":
        text = f"{ITEM}let {payload[0]} = {expr_text(payload[1])}"
    elif kind == "message":
        text = f"{ITEM}message {encode_string(_decode(payload[0]))}"
    elif kind == "at":
        text = f"{ITEM}at {expr_text(payload[0])}"
    elif kind == "example":
        return _example_lines(str(payload[0]), str(payload[1])), own, trailing
    else:
        raise AssertionError(kind)
    return [text], own, trailing


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


def check_formatted(source: str, path: str = "<policy>") -> bool:
    """True when the file is already in canonical layout."""
    return format_source(source, path) == source

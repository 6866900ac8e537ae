"""Policy text from the AST: the one printer of expressions and strings.

`expr_text` is the canonical one-line text of an expression (canonical spacing, only the parentheses the
grammar needs, plus a few that make it read unambiguously); `encode_string` the canonical token of a string.
The formatter lays files out with them, and `check --explain` names the values behind a finding with
`expr_text`, so a trace reads like formatted policy text.
"""
from __future__ import annotations

from typing import Any

from . import nodes as n
from .strings import encode_string

# -- expressions --------------------------------------------------------------------------------------------

# Grammar levels, loosest first (see grammar/policy.lark): an expression printed where a tighter level is
# required gets parentheses.
EXPR, OR, AND, NOT, CMP, SUM, PROD, UNARY, POSTFIX, ATOM = range(10)


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

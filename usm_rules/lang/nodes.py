"""The policy AST: frozen dataclasses, each carrying the source position it came from."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Pos:
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def length(self) -> int:
        return self.end_column - self.column if self.end_line == self.line else 1


NOWHERE = Pos(1, 1, 1, 2)

# What one policy may ask of the compiler. Generated code meets Python's own limits (200 nested brackets
# per expression, 20 nested loops per function, 100 levels of indentation) and the compiler's walkers
# recurse once per level of an expression; below these limits every stage works, beyond them the parser or
# checker reports a located error naming the limit.
MAX_EXPR_DEPTH = 64  # nesting of one expression: each operator, call, list, path step or quantifier is a level
MAX_FOR = 16  # `for` clauses in one check (each a Python loop)
MAX_BLOCKS = 64  # `for` and `when` clauses in one check (each an indented block)


@dataclass(frozen=True, slots=True)
class Expr:
    pos: Pos


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: Any  # int, float, str, bool or None


@dataclass(frozen=True, slots=True)
class ListLit(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Name(Expr):
    ident: str


@dataclass(frozen=True, slots=True)
class Field(Expr):
    base: Expr
    name: str
    name_pos: Pos


@dataclass(frozen=True, slots=True)
class Index(Expr):
    base: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Star(Expr):
    """`xs[*]`: the trailers that follow apply to every element (missing results are dropped)."""

    base: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "neg" | "not"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: str  # + - * / % == != < <= > >= and or in notin
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Exists(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class IsType(Expr):
    operand: Expr
    type_name: str
    type_pos: Pos
    negated: bool


@dataclass(frozen=True, slots=True)
class Matches(Expr):
    operand: Expr
    pattern: Expr
    negated: bool


@dataclass(frozen=True, slots=True)
class Quantified(Expr):
    kind: str  # all | any | none | count
    var: str
    iterable: Expr
    body: Expr


@dataclass(frozen=True, slots=True)
class IfExpr(Expr):
    cond: Expr
    then: Expr
    otherwise: Expr


def path_chain(e: Expr) -> tuple[Expr, list[Expr]]:
    """`a.b[0][*].c` -> (`a`, [the `.b`, `[0]`, `[*]` and `.c` nodes in source order])."""
    chain: list[Expr] = []
    root = e
    while isinstance(root, (Field, Index, Star)):
        chain.append(root)
        root = root.base
    chain.reverse()
    return root, chain


def children(e: Expr) -> list[Expr]:
    """The direct sub-expressions of `e`, left to right (a quantifier's body included)."""
    if isinstance(e, ListLit):
        return list(e.items)
    if isinstance(e, Call):
        return list(e.args)
    if isinstance(e, (Field, Star)):
        return [e.base]
    if isinstance(e, Index):
        return [e.base, e.index]
    if isinstance(e, (Unary, Exists, IsType)):
        return [e.operand]
    if isinstance(e, Binary):
        return [e.left, e.right]
    if isinstance(e, Matches):
        return [e.operand, e.pattern]
    if isinstance(e, Quantified):
        return [e.iterable, e.body]
    if isinstance(e, IfExpr):
        return [e.cond, e.then, e.otherwise]
    return []


@dataclass(frozen=True, slots=True)
class Template:
    """An interpolated message: literal text and `{expr}` parts, in order."""

    pos: Pos
    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class For:
    pos: Pos
    var: str
    iterable: Expr


@dataclass(frozen=True, slots=True)
class When:
    pos: Pos
    cond: Expr


@dataclass(frozen=True, slots=True)
class Let:
    pos: Pos
    name: str
    value: Expr


Clause = For | When | Let


@dataclass(frozen=True, slots=True)
class Body:
    """One check of a rule: clauses that nest left to right, then `require`, `message`, `at`."""

    pos: Pos
    clauses: tuple[Clause, ...]
    require: Expr
    message: Template | None
    at: Expr | None


@dataclass(frozen=True, slots=True)
class Param:
    pos: Pos
    name: str
    default: Expr


@dataclass(frozen=True, slots=True)
class SeverityIf:
    pos: Pos
    severity: str
    cond: Expr


@dataclass(frozen=True, slots=True)
class Rule:
    pos: Pos
    id: str
    title: str | None
    severity: str | None
    rationale: str
    help: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    scope: str  # "spec" | "repository"
    severity_ifs: tuple[SeverityIf, ...]
    bodies: tuple[Body, ...]
    examples: tuple[tuple[str, str], ...] = ()  # ("fail" | "pass", YAML fragment merged onto a base spec)
    item_pos: dict[str, Pos] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class PolicyFile:
    path: str
    source: str
    name: str
    title: str
    rules: tuple[Rule, ...]

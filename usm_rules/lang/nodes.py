"""The policy AST: frozen dataclasses, each carrying the source position it came from."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..findings import Span


# A node's place in its policy file: the one span type of the project (findings, errors, suppressions,
# waivers and the policy AST all use it).
Pos = Span

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


# -- rule items: one class per item of the grammar (grammar/policy.lark `rule_item`), each with its keyword ----

@dataclass(frozen=True, slots=True)
class _Text:
    pos: Pos
    value: str  # decoded (a string) or as written (a severity or scope word)


@dataclass(frozen=True, slots=True)
class Title(_Text):
    KEYWORD: ClassVar[str] = "title"


@dataclass(frozen=True, slots=True)
class Severity(_Text):
    KEYWORD: ClassVar[str] = "severity"


@dataclass(frozen=True, slots=True)
class Rationale(_Text):
    KEYWORD: ClassVar[str] = "rationale"


@dataclass(frozen=True, slots=True)
class Help(_Text):
    KEYWORD: ClassVar[str] = "help"


@dataclass(frozen=True, slots=True)
class EnforceFrom(_Text):
    """`enforce_from "YYYY-MM-DD"`: the rule reports one severity lower before that day (usm_rules/ramp.py)."""

    KEYWORD: ClassVar[str] = "enforce_from"


@dataclass(frozen=True, slots=True)
class WarnUntil(_Text):
    """`warn_until "YYYY-MM-DD"`: the same ramp, ending after that day."""

    KEYWORD: ClassVar[str] = "warn_until"


@dataclass(frozen=True, slots=True)
class Scope(_Text):
    KEYWORD: ClassVar[str] = "scope"
    value_pos: Pos  # where the word after `scope` is written


@dataclass(frozen=True, slots=True)
class Tags:
    KEYWORD: ClassVar[str] = "tags"
    pos: Pos
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Example:
    """`example fail \"\"\"…\"\"\"`: a YAML fragment merged onto a base spec (ruledocs, `usm-rules test`)."""

    KEYWORD: ClassVar[str] = "example"
    pos: Pos
    kind: str  # "fail" | "pass" (the parser reports any other word)
    kind_pos: Pos
    raw: str  # the token as written, quotes included: the formatter keeps it verbatim but for indentation
    text: str  # the fragment: common indentation and surrounding blank lines removed


@dataclass(frozen=True, slots=True)
class Param:
    KEYWORD: ClassVar[str] = "param"
    pos: Pos
    name: str
    default: Expr


@dataclass(frozen=True, slots=True)
class SeverityIf:
    KEYWORD: ClassVar[str] = "severity"
    pos: Pos
    severity: str
    cond: Expr


@dataclass(frozen=True, slots=True)
class For:
    KEYWORD: ClassVar[str] = "for"
    pos: Pos
    var: str
    iterable: Expr


@dataclass(frozen=True, slots=True)
class When:
    KEYWORD: ClassVar[str] = "when"
    pos: Pos
    cond: Expr


@dataclass(frozen=True, slots=True)
class Let:
    KEYWORD: ClassVar[str] = "let"
    pos: Pos
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Require:
    KEYWORD: ClassVar[str] = "require"
    pos: Pos
    cond: Expr


@dataclass(frozen=True, slots=True)
class Message:
    KEYWORD: ClassVar[str] = "message"
    pos: Pos
    text: str  # the decoded string, braces as written (`{{`, `{expr}`)
    template: Template


@dataclass(frozen=True, slots=True)
class At:
    KEYWORD: ClassVar[str] = "at"
    pos: Pos
    target: Expr


Clause = For | When | Let
Metadata = Title | Severity | Rationale | Help | Tags | Scope | EnforceFrom | WarnUntil
Item = Metadata | Example | Param | SeverityIf | Clause | Require | Message | At
METADATA = (Title, Severity, Rationale, Help, Tags, Scope, EnforceFrom, WarnUntil)  # each at most once per rule


def item_expr(item: Item) -> Expr | None:
    """The expression an item holds (a clause's, a condition, a default, an `at` target), if any."""
    if isinstance(item, For):
        return item.iterable
    if isinstance(item, (When, Require, SeverityIf)):
        return item.cond
    if isinstance(item, Let):
        return item.value
    if isinstance(item, Param):
        return item.default
    if isinstance(item, At):
        return item.target
    return None


@dataclass(frozen=True, slots=True)
class Body:
    """One check of a rule: clauses that nest left to right, then `require`, `message`, `at`."""

    pos: Pos
    clauses: tuple[Clause, ...]
    require: Expr
    message: Template | None
    at: Expr | None


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule as written (`items`, in source order: what the formatter prints) and as meant (the fields after
    it, derived from the items by `build_rule`: what the checker and compiler read)."""

    pos: Pos
    id: str
    id_pos: Pos
    items: tuple[Item, ...]
    title: str | None
    severity: str | None
    rationale: str
    help: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    scope: str  # "spec" | "repository"
    severity_ifs: tuple[SeverityIf, ...]
    bodies: tuple[Body, ...]
    examples: tuple[tuple[str, str], ...]  # ("fail" | "pass", YAML fragment merged onto a base spec)
    enforce_from: str = ""  # the day a dated ramp ends, YYYY-MM-DD (from `enforce_from` or `warn_until`); "": none

    def first(self, kind: type) -> Any:
        """The first item of this class, or None."""
        return next((item for item in self.items if isinstance(item, kind)), None)


def build_rule(pos: Pos, rule_id: str, id_pos: Pos, items: tuple[Item, ...]) -> Rule:
    """The rule these items make. The first of each metadata item counts; each `require` closes a check made
    of the clauses since the previous one, and the first `message` and `at` after it belong to it. What does
    not fit (a repeated title, a `message` before any `require`, clauses after the last) is left out here and
    reported by the parser (parser._structure_problems)."""
    meta: dict[type, Any] = {}
    for item in items:
        if isinstance(item, METADATA):
            meta.setdefault(type(item), item)

    def text(kind: type, default: Any) -> Any:
        return meta[kind].value if kind in meta else default

    return Rule(pos, rule_id, id_pos, items, text(Title, None), text(Severity, None), text(Rationale, ""),
                text(Help, ""), meta[Tags].values if Tags in meta else (),
                tuple(i for i in items if isinstance(i, Param)), text(Scope, "spec"),
                tuple(i for i in items if isinstance(i, SeverityIf)), _bodies(items),
                tuple((i.kind, i.text) for i in items if isinstance(i, Example) and i.kind in ("fail", "pass")),
                _enforce_from(meta))


def _enforce_from(meta: dict[type, Any]) -> str:
    """The day a ramp ends, when the rule has one and its dates are valid (structure.py reports them)."""
    from ..ramp import enforcement_day, parse_day

    day, problem = enforcement_day(parse_day(meta[EnforceFrom].value) if EnforceFrom in meta else None,
                                   parse_day(meta[WarnUntil].value) if WarnUntil in meta else None)
    return day.isoformat() if day is not None and not problem else ""


def _bodies(items: tuple[Item, ...]) -> tuple[Body, ...]:
    checks: list[list[Any]] = []  # [clauses, require, message, at] of each check
    clauses: list[Clause] = []  # read since the last `require`
    current: list[Any] | None = None  # the check a `message` or `at` may still join
    for item in items:
        if isinstance(item, (For, When, Let)):
            current = None
            clauses.append(item)
        elif isinstance(item, Require):
            current = [tuple(clauses), item, None, None]
            checks.append(current)
            clauses = []
        elif isinstance(item, Message) and current is not None and current[2] is None:
            current[2] = item
        elif isinstance(item, At) and current is not None and current[3] is None:
            current[3] = item
    return tuple(Body(require.pos, body_clauses, require.cond, message.template if message is not None else None,
                      at.target if at is not None else None) for body_clauses, require, message, at in checks)


@dataclass(frozen=True, slots=True)
class Header:
    """`policy name "title"`."""

    pos: Pos
    name: str
    title: str | None  # None: no title written


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# …` comment (kept only when the parser is asked to: the formatter prints them)."""

    pos: Pos
    text: str


@dataclass(frozen=True, slots=True)
class PolicyFile:
    path: str
    source: str
    header: Header | None
    rules: tuple[Rule, ...]
    comments: tuple[Comment, ...] = ()

    @property
    def name(self) -> str:
        return self.header.name if self.header is not None else ""

    @property
    def title(self) -> str:
        return (self.header.title or "") if self.header is not None else ""

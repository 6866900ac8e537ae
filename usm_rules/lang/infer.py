"""The static type of every expression of a policy, and the problems found on the way.

Spec paths take their types from the schema; unknown paths ("did you mean"), type mismatches, unknown
functions and types, bad regexes and values an enum never takes are reported at their positions. The rule
level (clauses, scopes, params) is checker.py, which extends this class.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Located
from ..suggest import did_you_mean
from . import nodes as n
from .builtins import BUILTINS
from .regex import check_regex
from .runtime import TYPE_TESTS
from .types import ANY, BOOL, INT, NUM, NUMERIC, STR, SchemaTypes, Ty, from_kind_spec, list_of, of_literal, union


@dataclass
class Var:
    ty: Ty
    kind: str  # spec | specs | param | for | let | quant
    node: Any = None  # the For/Let/Quantified that bound it


@dataclass
class RuleFacts:
    """What the compiler and engine learn from checking one rule."""

    types: dict[int, Ty] = field(default_factory=dict)
    regexes: dict[int, str | None] = field(default_factory=dict)  # id(Matches) -> pattern; None: a param
    param_types: dict[str, Ty] = field(default_factory=dict)
    param_defaults: dict[str, Any] = field(default_factory=dict)
    repo_paths: set[tuple[str, ...]] | None = field(default_factory=set)  # None: rule needs whole specs


def literal_value(expr: n.Expr) -> tuple[bool, Any]:
    """(True, value) when the expression is made of literals only."""
    if isinstance(expr, n.Literal):
        return True, expr.value
    if isinstance(expr, n.ListLit):
        values = []
        for item in expr.items:
            ok, v = literal_value(item)
            if not ok:
                return False, None
            values.append(v)
        return True, values
    if isinstance(expr, n.Unary) and expr.op == "neg":
        ok, v = literal_value(expr.operand)
        if ok and type(v) in (int, float):
            return True, -v
    return False, None


Scope = dict[str, Var]


class ExprChecker:
    """Types expressions of one policy file; problems are collected in `problems`."""

    def __init__(self, policy: n.PolicyFile, schema: dict) -> None:
        self.policy = policy
        self.schema = SchemaTypes(schema)
        self.problems: list[Located] = []
        self.facts: RuleFacts = RuleFacts()
        self.bare_allowed = False  # a bare `specs` or spec variable may stand here (iterated, or `at`)
        self.lines = policy.source.split("\n")  # lines end at `\n` alone, as the parser counts them
        self.params: dict[str, n.Param] = {}  # of the rule being checked
        self.regex_params: set[str] = set()  # its params used as regexes, each checked once

    # -- reporting --------------------------------------------------------------------------------------

    def error(self, pos: n.Pos, message: str) -> None:
        # The line comes from the lines split once: `located` would split the whole source per problem.
        line = self.lines[pos.line - 1].rstrip("\r") if 1 <= pos.line <= len(self.lines) else None
        self.problems.append(Located(self.policy.path, pos.line, pos.column, message, pos.length, line))

    def text(self, expr: n.Expr) -> str:
        """The source text of an expression (single line), for messages."""
        lines = self.lines
        p = expr.pos
        if p.line != p.end_line or p.line > len(lines):
            return lines[p.line - 1][p.column - 1:].strip() if p.line <= len(lines) else "?"
        return lines[p.line - 1][p.column - 1:p.end_column - 1]

    # -- expressions ------------------------------------------------------------------------------------

    def condition(self, expr: n.Expr, scope: Scope, where: str) -> None:
        t = self.expr(expr, scope)
        if not t.is_any and t.kinds != BOOL.kinds:
            self.error(expr.pos, f"{where} needs a condition (true or false), but `{self.text(expr)}` is "
                                 f"{t.describe()}")

    def iterated(self, expr: n.Expr, scope: Scope) -> Ty:
        self.bare_allowed = isinstance(expr, n.Name)
        try:
            return self.expr(expr, scope)
        finally:
            self.bare_allowed = False

    def iterable_item(self, t: Ty, expr: n.Expr) -> Ty:
        if t.is_any:
            return ANY
        if "list" in t.kinds or "map" in t.kinds:
            if "map" in t.kinds:
                return ANY
            return t.item or ANY
        self.error(expr.pos, f"cannot iterate over `{self.text(expr)}`: it is {t.describe()}, not a list")
        return ANY

    def bind(self, name: str, pos: n.Pos, var: Var, scope: Scope) -> None:
        if name in ("spec", "specs") or name in BUILTINS:
            self.error(pos, f"`{name}` is a reserved name")
        elif name in self.params:
            # A param is the rule's configuration: a loop or `let` of the same name would hide what config set.
            what = {"for": "a `for`", "let": "a `let`"}.get(var.kind, "a quantifier")
            self.error(pos, f"`{name}` is a param of this rule (line {self.params[name].pos.line}); "
                            f"{what} cannot take its name")
        scope[name] = var

    def expr(self, expr: n.Expr, scope: Scope) -> Ty:
        t = self._expr(expr, scope)
        self.facts.types[id(expr)] = t
        return t

    def _expr(self, e: n.Expr, scope: Scope) -> Ty:
        if isinstance(e, n.Literal):
            return of_literal(e.value)
        if isinstance(e, n.ListLit):
            item: Ty | None = None
            for x in e.items:
                t = self.expr(x, scope)
                item = t if item is None else union(item, t)
            return list_of(item or ANY)
        if isinstance(e, n.Name):
            return self.name(e, scope)
        if isinstance(e, (n.Field, n.Index, n.Star)):
            return self.path(e, scope)
        if isinstance(e, n.Call):
            return self.call(e, scope)
        if isinstance(e, n.Unary):
            return self.unary(e, scope)
        if isinstance(e, n.Binary):
            return self.binary(e, scope)
        if isinstance(e, n.Exists):
            self.expr(e.operand, scope)
            return BOOL
        if isinstance(e, n.IsType):
            self.expr(e.operand, scope)
            if e.type_name not in TYPE_TESTS:
                self.error(e.type_pos, f"unknown type `{e.type_name}`{did_you_mean(e.type_name, TYPE_TESTS)}"
                           f" (types: {', '.join(TYPE_TESTS)})")
            return BOOL
        if isinstance(e, n.Matches):
            return self.matches(e, scope)
        if isinstance(e, n.Quantified):
            return self.quantified(e, scope)
        if isinstance(e, n.IfExpr):
            self.condition(e.cond, scope, "`if`")
            return union(self.expr(e.then, scope), self.expr(e.otherwise, scope))
        raise AssertionError(f"unknown node {e!r}")

    def name(self, e: n.Name, scope: Scope) -> Ty:
        var = scope.get(e.ident)
        if var is None:
            self.error(e.pos, f"unknown name `{e.ident}`{did_you_mean(e.ident, scope)}")
            return ANY
        self.note_repo_use(var, None)
        return var.ty

    def unary(self, e: n.Unary, scope: Scope) -> Ty:
        t = self.expr(e.operand, scope)
        if e.op == "not":
            if not t.is_any and t.kinds != BOOL.kinds:
                self.error(e.operand.pos, f"`not` needs a condition, but `{self.text(e.operand)}` is {t.describe()}")
            return BOOL
        if not t.is_any and not t.kinds <= NUMERIC:
            self.error(e.operand.pos, f"cannot negate `{self.text(e.operand)}`: it is {t.describe()}")
        return t if not t.is_any else NUM

    def quantified(self, e: n.Quantified, scope: Scope) -> Ty:
        t = self.iterated(e.iterable, scope)
        inner = dict(scope)
        self.bind(e.var, e.pos, Var(self.iterable_item(t, e.iterable), "quant", e), inner)
        body = self.expr(e.body, inner)
        if not body.is_any and body.kinds != BOOL.kinds:
            self.error(e.body.pos, f"`{e.kind}` needs a condition after `:`, but `{self.text(e.body)}` is "
                                   f"{body.describe()}")
        return INT if e.kind == "count" else BOOL

    def note_repo_use(self, var: Var, path: tuple[str, ...] | None) -> None:
        """Record which parts of each spec a repository rule reads, so the engine keeps only those.

        `path` is the chain of field names read below a spec; None is a use of whole specs.
        """
        if self.facts.repo_paths is None or not (var.kind == "specs" or var.ty.spec_root):
            return
        if path:
            self.facts.repo_paths.add(path)
        elif not self.bare_allowed:
            self.facts.repo_paths = None

    # -- paths ------------------------------------------------------------------------------------------

    def path(self, e: n.Expr, scope: Scope) -> Ty:
        root, chain = n.path_chain(e)
        if isinstance(root, n.Name) and root.ident in scope:
            t = self.path_root(root, chain, scope[root.ident])
        else:
            t = self.expr(root, scope)
        projecting = False
        for seg in chain:
            if isinstance(seg, n.Star):
                if not t.is_any and "list" not in t.kinds:
                    self.error(seg.pos, f"`[*]` needs a list, but `{self.text(seg.base)}` is {t.describe()}")
                    t = ANY
                # a nested projection flattens
                t = t.item or ANY if projecting or not t.is_any else ANY
                projecting = True
            elif isinstance(seg, n.Field):
                t = self.field(t, seg)
            else:
                t = self.index(t, seg, scope)
            self.facts.types[id(seg)] = list_of(t) if projecting else t
        return list_of(t) if projecting else t

    def path_root(self, root: n.Name, chain: list[n.Expr], var: Var) -> Ty:
        """The type of a path's root variable, noting what a repository rule reads below it."""
        self.facts.types[id(root)] = var.ty
        names: list[str] = []
        for i, seg in enumerate(chain):
            if isinstance(seg, n.Field):
                names.append(seg.name)
            elif var.kind == "specs" and i == 0:
                continue  # `specs[*]` or `specs[0]`: the fields after it are read from each spec
            else:
                break
        self.note_repo_use(var, tuple(names))
        return var.ty

    def field(self, t: Ty, seg: n.Field) -> Ty:
        if t.is_any:
            return ANY
        if "object" not in t.kinds:
            self.error(seg.name_pos, f"`{self.text(seg.base)}` is {t.describe()}; it has no field `{seg.name}`")
            return ANY
        ft, known = self.schema.field(t, seg.name)
        if ft is None:
            self.error(seg.name_pos, f"unknown field `{seg.name}` on `{self.text(seg.base)}`"
                                     f"{did_you_mean(seg.name, known)}")
            return ANY
        return ft

    def index(self, t: Ty, seg: n.Index, scope: Scope) -> Ty:
        idx = self.expr(seg.index, scope)
        if t.is_any:
            return t
        if "list" in t.kinds:
            if not idx.is_any and not idx.kinds <= NUMERIC:
                self.error(seg.index.pos, f"a list index must be an integer, but `{self.text(seg.index)}` "
                                          f"is {idx.describe()}")
            return t.item or ANY
        if "map" in t.kinds:
            return t.item or ANY
        if "object" in t.kinds:
            ok, key = literal_value(seg.index)
            if not (ok and type(key) is str):
                return ANY
            ft, known = self.schema.field(t, key)
            if ft is None:
                self.error(seg.index.pos, f"unknown field `{key}` on `{self.text(seg.base)}`{did_you_mean(key, known)}")
                return ANY
            return ft
        self.error(seg.pos, f"cannot index `{self.text(seg.base)}`: it is {t.describe()}")
        return ANY

    # -- calls and operators ----------------------------------------------------------------------------

    def call(self, e: n.Call, scope: Scope) -> Ty:
        fn = BUILTINS.get(e.func)
        arg_types = [self.expr(a, scope) for a in e.args]
        if fn is None:
            name_pos = n.Pos(e.pos.line, e.pos.column, e.pos.line, e.pos.column + len(e.func))
            self.error(name_pos, f"unknown function `{e.func}`{did_you_mean(e.func, BUILTINS)}")
            return ANY
        params = fn.params
        count = len(e.args)
        plural = "s" * (len(params) != 1)
        if fn.variadic and count < len(params):
            self.error(e.pos, f"`{e.func}` takes at least {len(params)} argument{plural}, got {count}")
        elif not fn.variadic and count != len(params):
            self.error(e.pos, f"`{e.func}` takes {len(params)} argument{plural}, got {count}")
        arity_ok = count >= len(params) if fn.variadic else count == len(params)
        for i, (arg, t) in enumerate(zip(e.args, arg_types) if arity_ok else ()):
            expected = from_kind_spec(params[min(i, len(params) - 1)] if params else "any")
            if t.is_any or expected.is_any:
                continue
            if not (t.kinds & expected.kinds) and not (t.kinds & NUMERIC and expected.kinds & NUMERIC):
                self.error(arg.pos, f"argument {i + 1} of `{e.func}` must be {expected.describe()}, but "
                                    f"`{self.text(arg)}` is {t.describe()}")
        return fn.result_type(arg_types)

    def binary(self, e: n.Binary, scope: Scope) -> Ty:
        lt = self.expr(e.left, scope)
        rt = self.expr(e.right, scope)
        op = e.op
        if op in ("and", "or"):
            for side, t in ((e.left, lt), (e.right, rt)):
                if not t.is_any and t.kinds != BOOL.kinds:
                    self.error(side.pos, f"`{op}` needs conditions, but `{self.text(side)}` is {t.describe()}")
            return BOOL
        if op in ("+", "-", "*", "/", "%"):
            return self.arithmetic(e, lt, rt)
        if op in ("==", "!="):
            self.comparable(e, lt, rt)
            self.enum_check(e.left, lt, e.right)
            self.enum_check(e.right, rt, e.left)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            ok = lt.is_any or rt.is_any or (lt.kinds <= NUMERIC and rt.kinds <= NUMERIC) or (
                lt.kinds == STR.kinds and rt.kinds == STR.kinds)
            if not ok:
                self.error(e.pos, f"cannot order `{self.text(e.left)}` ({lt.describe()}) and `{self.text(e.right)}` "
                                  f"({rt.describe()}): `{op}` compares two numbers or two strings")
            return BOOL
        if op in ("in", "notin"):
            self.membership(e, lt, rt)
            return BOOL
        raise AssertionError(op)

    def arithmetic(self, e: n.Binary, lt: Ty, rt: Ty) -> Ty:
        op = e.op
        if op == "+" and lt.kinds == STR.kinds and rt.kinds == STR.kinds:
            return STR
        for side, t in ((e.left, lt), (e.right, rt)):
            if not t.is_any and not t.kinds <= NUMERIC:
                self.error(side.pos, f"`{op}` needs numbers, but `{self.text(side)}` is {t.describe()}")
        if lt.kinds == INT.kinds and rt.kinds == INT.kinds and op != "/":
            return INT
        return NUM

    def membership(self, e: n.Binary, lt: Ty, rt: Ty) -> None:
        if not rt.is_any and not rt.kinds & {"list", "string", "map", "object"}:
            self.error(e.right.pos, f"`in` needs a list, string or map on its right, but `{self.text(e.right)}` "
                                    f"is {rt.describe()}")
        elif not rt.is_any and rt.kinds == STR.kinds and not lt.is_any and lt.kinds != STR.kinds:
            self.error(e.left.pos, f"`in` a string looks for a substring, but `{self.text(e.left)}` is "
                                   f"{lt.describe()}")
        elif "list" in rt.kinds and rt.item is not None:
            self.comparable(e, lt, rt.item)
            if isinstance(e.right, n.ListLit):
                for item in e.right.items:
                    self.enum_check(e.left, lt, item)

    def comparable(self, e: n.Binary, lt: Ty, rt: Ty) -> None:
        if lt.is_any or rt.is_any or "null" in lt.kinds or "null" in rt.kinds:
            return
        if lt.kinds & rt.kinds or (lt.kinds & NUMERIC and rt.kinds & NUMERIC):
            return
        self.error(e.pos, f"`{self.text(e.left)}` is {lt.describe()} and `{self.text(e.right)}` is "
                          f"{rt.describe()}: they are never equal")

    def enum_check(self, side: n.Expr, t: Ty, other: n.Expr) -> None:
        if t.enum is None:
            return
        ok, value = literal_value(other)
        if ok and not isinstance(value, list) and value not in t.enum:
            allowed = ", ".join(str(v) for v in t.enum)
            self.error(other.pos, f"`{self.text(side)}` is never {_show(value)}: it is one of {allowed}"
                                  f"{did_you_mean(str(value), [str(v) for v in t.enum])}")

    def matches(self, e: n.Matches, scope: Scope) -> Ty:
        lt = self.expr(e.operand, scope)
        rt = self.expr(e.pattern, scope)
        if not lt.is_any and lt.kinds != STR.kinds:
            self.error(e.operand.pos, f"`matches` needs a string on its left, but `{self.text(e.operand)}` is "
                                      f"{lt.describe()}")
        ok, value = literal_value(e.pattern)
        if ok and type(value) is str:
            problem = check_regex(value)
            if problem:
                self.error(e.pattern.pos, problem)
            else:
                self.facts.regexes[id(e)] = value
        elif isinstance(e.pattern, n.Name) and scope.get(e.pattern.ident) and scope[e.pattern.ident].kind == "param" \
                and rt.kinds == STR.kinds:
            self.facts.regexes[id(e)] = None  # compiled when the params are known, before any spec is read
            self.param_regex(e.pattern.ident)
        else:
            self.error(e.pattern.pos, "`matches` needs a regular expression: a string literal or a string param")
        return BOOL

    def param_regex(self, name: str) -> None:
        """A param used as a regex: its default must be one too (config values are checked when they are set)."""
        param = self.params.get(name)
        if param is None or name in self.regex_params:
            return
        self.regex_params.add(name)
        problem = check_regex(self.facts.param_defaults.get(name))
        if problem:
            self.error(param.default.pos, f"the default of param `{name}` is used as a regular expression: {problem}")


def _show(value: Any) -> str:
    return f'"{value}"' if type(value) is str else str(value).lower() if type(value) is bool else str(value)

"""Static checks of a parsed policy against the spec JSON Schema, before any spec is read.

Every expression gets a type (from the schema for spec paths); unknown paths ("did you mean"), type
mismatches, unknown functions, names and types, bad regexes, values an enum can never take and
conditions that can never fire are reported together, each at its position.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from ..errors import Located, PolicyError
from . import nodes as n
from .builtins import BUILTINS
from .regex import check_regex
from .runtime import TYPE_TESTS
from .types import (ANY, BOOL, INT, NUM, NUMERIC, STR, SchemaTypes, Ty, from_kind_spec, list_of, map_of,
                    of_literal, union)

SEVERITIES = ("error", "warning", "info")


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


def _close(word: str, options: list[str]) -> str:
    match = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean `{match[0]}`?" if match else ""


def _literal_value(expr: n.Expr) -> tuple[bool, Any]:
    """(True, value) when the expression is made of literals only."""
    if isinstance(expr, n.Literal):
        return True, expr.value
    if isinstance(expr, n.ListLit):
        values = []
        for item in expr.items:
            ok, v = _literal_value(item)
            if not ok:
                return False, None
            values.append(v)
        return True, values
    if isinstance(expr, n.Unary) and expr.op == "neg":
        ok, v = _literal_value(expr.operand)
        if ok and type(v) in (int, float):
            return True, -v
    return False, None


class Checker:
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

    # -- rules -----------------------------------------------------------------------------------------

    def check(self) -> dict[str, RuleFacts]:
        out: dict[str, RuleFacts] = {}
        seen: dict[str, n.Rule] = {}
        for rule in self.policy.rules:
            if rule.id in seen:
                self.error(rule.pos, f"rule {rule.id} is defined twice (first at line {seen[rule.id].pos.line})")
            seen[rule.id] = rule
            out[rule.id] = self.check_rule(rule)
        if self.problems:
            raise PolicyError(sorted(self.problems, key=lambda p: (p.line, p.column, p.message)))
        return out

    def check_rule(self, rule: n.Rule) -> RuleFacts:
        self.facts = facts = RuleFacts()
        self.params = {}
        self.regex_params = set()
        for param in rule.params:
            self.params.setdefault(param.name, param)
        if rule.severity is not None and rule.severity not in SEVERITIES:
            self.error(rule.item_pos.get("severity", rule.pos), f"unknown severity `{rule.severity}`")
        scope: dict[str, Var] = {}
        if rule.scope == "repository":
            scope["specs"] = Var(list_of(self.schema.root_ty()), "specs")
        else:
            scope["spec"] = Var(self.schema.root_ty(), "spec")
        for param in rule.params:
            ok, value = _literal_value(param.default)
            if not ok:
                self.error(param.default.pos, f"the default of param `{param.name}` must be a literal value")
                continue
            if param.name in facts.param_types:
                self.error(param.pos, f"param `{param.name}` is declared twice")
            ty = of_literal(value)
            if isinstance(value, list):
                item_ty = None
                for v in value:
                    item_ty = of_literal(v) if item_ty is None else union(item_ty, of_literal(v))
                ty = list_of(item_ty or ANY)
            facts.param_types[param.name] = ty
            facts.param_defaults[param.name] = value
            scope[param.name] = Var(ty, "param")
        for body in rule.bodies:
            inner = dict(scope)
            self.nesting(body)
            for clause in body.clauses:
                self.clause(clause, inner)
            self.condition(body.require, inner, "`require`")
            self.cannot_fire(body.require, "require", "the rule can never fire")
            if body.message is not None:
                for part in body.message.parts:
                    if not isinstance(part, str):
                        self.expr(part, inner)
            if body.at is not None:
                self.at(body.at, inner)
            elif rule.scope == "repository" and not any(isinstance(c, n.For) for c in body.clauses):
                self.error(body.pos, "a repository rule must iterate `specs` (or name `at`) so its findings have a place")
            for sev in rule.severity_ifs:
                self.condition(sev.cond, inner, "`severity … if`")
        return facts

    def nesting(self, body: n.Body) -> None:
        """Each `for` of a check is a loop and each `when` a block of the generated code: both are limited."""
        loops = blocks = 0
        for clause in body.clauses:
            if isinstance(clause, n.Let):
                continue
            loops += isinstance(clause, n.For)
            blocks += 1
            if loops > n.MAX_FOR and isinstance(clause, n.For):
                self.error(clause.pos, f"more than {n.MAX_FOR} `for` clauses in one check (the limit); "
                                       f"iterate a projection such as `xs[*].ys` or split the rule")
                return
            if blocks > n.MAX_BLOCKS:
                self.error(clause.pos, f"more than {n.MAX_BLOCKS} `for` and `when` clauses in one check (the "
                                       f"limit); join conditions with `and`")
                return

    def clause(self, clause: n.Clause, scope: dict[str, Var]) -> None:
        if isinstance(clause, n.For):
            t = self.iterated(clause.iterable, scope)
            item = self.iterable_item(t, clause.iterable)
            self.bind(clause.var, clause.pos, Var(item, "for", clause), scope)
        elif isinstance(clause, n.When):
            self.condition(clause.cond, scope, "`when`")
            ok, value = _literal_value(clause.cond)
            if ok and value is False:
                self.error(clause.cond.pos, "this `when` is always false: the rule can never fire")
        else:
            t = self.expr(clause.value, scope)
            self.bind(clause.name, clause.pos, Var(t, "let", clause), scope)

    def bind(self, name: str, pos: n.Pos, var: Var, scope: dict[str, Var]) -> None:
        if name in ("spec", "specs") or name in BUILTINS:
            self.error(pos, f"`{name}` is a reserved name")
        elif name in self.params:
            # A param is the rule's configuration: a loop or `let` of the same name would hide what config set.
            what = {"for": "a `for`", "let": "a `let`"}.get(var.kind, "a quantifier")
            self.error(pos, f"`{name}` is a param of this rule (line {self.params[name].pos.line}); "
                            f"{what} cannot take its name")
        scope[name] = var

    def cannot_fire(self, expr: n.Expr, what: str, consequence: str) -> None:
        ok, value = self.constant(expr)
        if ok and value is True:
            self.error(expr.pos, f"this `{what}` is always true: {consequence}")

    def constant(self, expr: n.Expr) -> tuple[bool, Any]:
        ok, value = _literal_value(expr)
        if ok:
            return ok, value
        if isinstance(expr, n.Binary) and expr.op in ("==", "!=", "<", "<=", ">", ">=", "and", "or"):
            lok, lv = self.constant(expr.left)
            rok, rv = self.constant(expr.right)
            if lok and rok:
                try:
                    return True, {"==": lambda: lv == rv, "!=": lambda: lv != rv, "<": lambda: lv < rv,
                                  "<=": lambda: lv <= rv, ">": lambda: lv > rv, ">=": lambda: lv >= rv,
                                  "and": lambda: bool(lv and rv), "or": lambda: bool(lv or rv)}[expr.op]()
                except TypeError:
                    return False, None
        if isinstance(expr, n.Unary) and expr.op == "not":
            ok, v = self.constant(expr.operand)
            if ok and type(v) is bool:
                return True, not v
        return False, None

    def iterated(self, expr: n.Expr, scope: dict[str, Var]) -> Ty:
        self.bare_allowed = isinstance(expr, n.Name)
        try:
            return self.expr(expr, scope)
        finally:
            self.bare_allowed = False

    def at(self, expr: n.Expr, scope: dict[str, Var]) -> None:
        self.bare_allowed = True
        try:
            self.expr(expr, scope)
        finally:
            self.bare_allowed = False
        root = expr
        while isinstance(root, (n.Field, n.Index)):
            root = root.base
        if isinstance(root, n.Name) and scope.get(root.ident) and scope[root.ident].kind in ("spec", "for", "let",
                                                                                             "quant"):
            return
        t = self.facts.types[id(expr)]
        if not (t.kinds & {"object", "list"}) or t.kinds & {"string", "integer", "number", "boolean"}:
            self.error(expr.pos, "`at` must name a node of the spec (a path such as `sco.metric`)")

    # -- expressions ------------------------------------------------------------------------------------

    def condition(self, expr: n.Expr, scope: dict[str, Var], where: str) -> None:
        t = self.expr(expr, scope)
        if not t.is_any and t.kinds != BOOL.kinds:
            self.error(expr.pos, f"{where} needs a condition (true or false), but `{self.text(expr)}` is {t.describe()}")

    def iterable_item(self, t: Ty, expr: n.Expr) -> Ty:
        if t.is_any:
            return ANY
        if "list" in t.kinds or "map" in t.kinds:
            if "map" in t.kinds:
                return ANY
            return t.item or ANY
        self.error(expr.pos, f"cannot iterate over `{self.text(expr)}`: it is {t.describe()}, not a list")
        return ANY

    def expr(self, expr: n.Expr, scope: dict[str, Var]) -> Ty:
        t = self._expr(expr, scope)
        self.facts.types[id(expr)] = t
        return t

    def _expr(self, e: n.Expr, scope: dict[str, Var]) -> Ty:
        if isinstance(e, n.Literal):
            return of_literal(e.value)
        if isinstance(e, n.ListLit):
            item: Ty | None = None
            for x in e.items:
                t = self.expr(x, scope)
                item = t if item is None else union(item, t)
            return list_of(item or ANY)
        if isinstance(e, n.Name):
            var = scope.get(e.ident)
            if var is None:
                names = [k for k in scope]
                self.error(e.pos, f"unknown name `{e.ident}`{_close(e.ident, names)}")
                return ANY
            self.note_repo_use(var, None)
            return var.ty
        if isinstance(e, (n.Field, n.Index, n.Star)):
            return self.path(e, scope)
        if isinstance(e, n.Call):
            return self.call(e, scope)
        if isinstance(e, n.Unary):
            t = self.expr(e.operand, scope)
            if e.op == "not":
                if not t.is_any and t.kinds != BOOL.kinds:
                    self.error(e.operand.pos, f"`not` needs a condition, but `{self.text(e.operand)}` is {t.describe()}")
                return BOOL
            if not t.is_any and not t.kinds <= NUMERIC:
                self.error(e.operand.pos, f"cannot negate `{self.text(e.operand)}`: it is {t.describe()}")
            return t if not t.is_any else NUM
        if isinstance(e, n.Binary):
            return self.binary(e, scope)
        if isinstance(e, n.Exists):
            self.expr(e.operand, scope)
            return BOOL
        if isinstance(e, n.IsType):
            self.expr(e.operand, scope)
            if e.type_name not in TYPE_TESTS:
                self.error(e.type_pos, f"unknown type `{e.type_name}`{_close(e.type_name, list(TYPE_TESTS))}"
                           f" (types: {', '.join(TYPE_TESTS)})")
            return BOOL
        if isinstance(e, n.Matches):
            return self.matches(e, scope)
        if isinstance(e, n.Quantified):
            t = self.iterated(e.iterable, scope)
            inner = dict(scope)
            self.bind(e.var, e.pos, Var(self.iterable_item(t, e.iterable), "quant", e), inner)
            body = self.expr(e.body, inner)
            if not body.is_any and body.kinds != BOOL.kinds:
                self.error(e.body.pos, f"`{e.kind}` needs a condition after `:`, but `{self.text(e.body)}` is "
                                       f"{body.describe()}")
            return INT if e.kind == "count" else BOOL
        if isinstance(e, n.IfExpr):
            self.condition(e.cond, scope, "`if`")
            return union(self.expr(e.then, scope), self.expr(e.otherwise, scope))
        raise AssertionError(f"unknown node {e!r}")

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

    def path(self, e: n.Expr, scope: dict[str, Var]) -> Ty:
        root, chain = n.path_chain(e)
        if isinstance(root, n.Name) and root.ident in scope:
            var = scope[root.ident]
            t = var.ty
            self.facts.types[id(root)] = t
            names: list[str] = []
            for i, seg in enumerate(chain):
                if isinstance(seg, n.Field):
                    names.append(seg.name)
                elif var.kind == "specs" and i == 0:
                    continue  # `specs[*]` or `specs[0]`: the fields after it are read from each spec
                else:
                    break
            self.note_repo_use(var, tuple(names))
        else:
            t = self.expr(root, scope)
        projecting = False
        for seg in chain:
            if isinstance(seg, n.Star):
                if not t.is_any and "list" not in t.kinds:
                    self.error(seg.pos, f"`[*]` needs a list, but `{self.text(seg.base)}` is {t.describe()}")
                    t = ANY
                if projecting:
                    t = t.item or ANY  # nested projection flattens
                else:
                    t = t.item or ANY if not t.is_any else ANY
                projecting = True
            elif isinstance(seg, n.Field):
                t = self.field(t, seg, projecting)
            else:
                idx = self.expr(seg.index, scope)
                if t.is_any:
                    pass
                elif "list" in t.kinds:
                    if not idx.is_any and not idx.kinds <= NUMERIC:
                        self.error(seg.index.pos, f"a list index must be an integer, but `{self.text(seg.index)}` "
                                                  f"is {idx.describe()}")
                    t = t.item or ANY
                elif "map" in t.kinds:
                    t = t.item or ANY
                elif "object" in t.kinds:
                    ok, key = _literal_value(seg.index)
                    if ok and type(key) is str:
                        ft, known = self.schema.field(t, key)
                        if ft is None:
                            self.error(seg.index.pos, f"unknown field `{key}` on `{self.text(seg.base)}`{_close(key, known)}")
                            ft = ANY
                        t = ft
                    else:
                        t = ANY
                else:
                    self.error(seg.pos, f"cannot index `{self.text(seg.base)}`: it is {t.describe()}")
                    t = ANY
            self.facts.types[id(seg)] = list_of(t) if projecting else t
        return list_of(t) if projecting else t

    def field(self, t: Ty, seg: n.Field, projecting: bool) -> Ty:
        if t.is_any:
            return ANY
        if "object" not in t.kinds:
            self.error(seg.name_pos, f"`{self.text(seg.base)}` is {t.describe()}; it has no field `{seg.name}`")
            return ANY
        ft, known = self.schema.field(t, seg.name)
        if ft is None:
            self.error(seg.name_pos, f"unknown field `{seg.name}` on `{self.text(seg.base)}`{_close(seg.name, known)}")
            return ANY
        return ft

    def call(self, e: n.Call, scope: dict[str, Var]) -> Ty:
        fn = BUILTINS.get(e.func)
        arg_types = [self.expr(a, scope) for a in e.args]
        if fn is None:
            name_pos = n.Pos(e.pos.line, e.pos.column, e.pos.line, e.pos.column + len(e.func))
            self.error(name_pos, f"unknown function `{e.func}`{_close(e.func, list(BUILTINS))}")
            return ANY
        params = fn.params
        count = len(e.args)
        if fn.variadic:
            if count < len(params):
                self.error(e.pos, f"`{e.func}` takes at least {len(params)} argument{'s' * (len(params) != 1)}, got {count}")
        elif count != len(params):
            self.error(e.pos, f"`{e.func}` takes {len(params)} argument{'s' * (len(params) != 1)}, got {count}")
        arity_ok = count >= len(params) if fn.variadic else count == len(params)
        for i, (arg, t) in enumerate(zip(e.args, arg_types) if arity_ok else ()):
            expected = from_kind_spec(params[min(i, len(params) - 1)] if params else "any")
            if t.is_any or expected.is_any:
                continue
            if not (t.kinds & expected.kinds) and not (t.kinds & NUMERIC and expected.kinds & NUMERIC):
                self.error(arg.pos, f"argument {i + 1} of `{e.func}` must be {expected.describe()}, but "
                                    f"`{self.text(arg)}` is {t.describe()}")
        returns = from_kind_spec(fn.returns)
        if e.func in ("first",) and arg_types:
            return arg_types[0].item or ANY if not arg_types[0].is_any else ANY
        if e.func in ("concat", "unique", "duplicates") and arg_types:
            item: Ty | None = None
            for t in arg_types:
                it = t.item if (not t.is_any and t.item is not None) else ANY
                item = it if item is None else union(item, it)
            return list_of(item or ANY)
        if e.func == "tally":
            return map_of(INT)
        if e.func == "words":
            return list_of(STR)
        if e.func in ("keys",):
            return list_of(STR)
        if e.func == "abs" or e.func in ("min", "max", "sum"):
            return NUM
        if returns.kinds == frozenset({"list"}):
            return list_of(ANY)
        if returns.kinds == frozenset({"map"}):
            return map_of(ANY)
        return returns

    def binary(self, e: n.Binary, scope: dict[str, Var]) -> Ty:
        lt = self.expr(e.left, scope)
        rt = self.expr(e.right, scope)
        op = e.op
        if op in ("and", "or"):
            for side, t in ((e.left, lt), (e.right, rt)):
                if not t.is_any and t.kinds != BOOL.kinds:
                    self.error(side.pos, f"`{op}` needs conditions, but `{self.text(side)}` is {t.describe()}")
            return BOOL
        if op in ("+", "-", "*", "/", "%"):
            if op == "+" and lt.kinds == STR.kinds and rt.kinds == STR.kinds:
                return STR
            for side, t in ((e.left, lt), (e.right, rt)):
                if not t.is_any and not t.kinds <= NUMERIC:
                    self.error(side.pos, f"`{op}` needs numbers, but `{self.text(side)}` is {t.describe()}")
            if lt.kinds == INT.kinds and rt.kinds == INT.kinds and op != "/":
                return INT
            return NUM
        if op in ("==", "!="):
            self.comparable(e, lt, rt)
            self.enum_check(e.left, lt, e.right)
            self.enum_check(e.right, rt, e.left)
            return BOOL
        if op in ("<", "<=", ">", ">="):
            ok = lt.is_any or rt.is_any or (lt.kinds <= NUMERIC and rt.kinds <= NUMERIC) or (
                lt.kinds == STR.kinds and rt.kinds == STR.kinds)
            if not ok:
                self.error(e.pos, f"cannot order `{self.text(e.left)}` ({lt.describe()}) and "
                                  f"`{self.text(e.right)}` ({rt.describe()}): `{op}` compares two numbers or two strings")
            return BOOL
        if op in ("in", "notin"):
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
            return BOOL
        raise AssertionError(op)

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
        ok, value = _literal_value(other)
        if ok and not isinstance(value, list) and value not in t.enum:
            allowed = ", ".join(str(v) for v in t.enum)
            self.error(other.pos, f"`{self.text(side)}` is never {_show(value)}: it is one of {allowed}"
                                  f"{_close(str(value), [str(v) for v in t.enum])}")

    def matches(self, e: n.Matches, scope: dict[str, Var]) -> Ty:
        lt = self.expr(e.operand, scope)
        rt = self.expr(e.pattern, scope)
        if not lt.is_any and lt.kinds != STR.kinds:
            self.error(e.operand.pos, f"`matches` needs a string on its left, but `{self.text(e.operand)}` is "
                                      f"{lt.describe()}")
        ok, value = _literal_value(e.pattern)
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


def check_policy(policy: n.PolicyFile, schema: dict) -> dict[str, RuleFacts]:
    """Check every rule of the file; raise PolicyError with all problems at once."""
    return Checker(policy, schema).check()

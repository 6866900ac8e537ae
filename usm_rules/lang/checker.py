"""Static checks of a parsed policy against the spec JSON Schema, before any spec is read.

Every expression gets a type (infer.py; from the schema for spec paths); unknown paths ("did you mean"),
type mismatches, unknown functions, names and types, bad regexes, values an enum can never take and
conditions that can never fire are reported together, each at its position. This module checks what is
above expressions: rules, params, checks and their clauses.
"""
from __future__ import annotations

from typing import Any

from ..errors import PolicyError
from . import nodes as n
from .infer import ExprChecker, RuleFacts, Scope, Var, literal_value
from .types import ANY, Ty, list_of, of_literal, union

__all__ = ["Checker", "check_policy"]

SEVERITIES = ("error", "warning", "info")


class Checker(ExprChecker):
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
        self.facts = RuleFacts()
        self.params = {}
        self.regex_params = set()
        for param in rule.params:
            self.params.setdefault(param.name, param)
        if rule.severity is not None and rule.severity not in SEVERITIES:
            self.error((rule.first(n.Severity) or rule).pos, f"unknown severity `{rule.severity}`")
        scope: Scope = {}
        if rule.scope == "repository":
            scope["specs"] = Var(list_of(self.schema.root_ty()), "specs")
        else:
            scope["spec"] = Var(self.schema.root_ty(), "spec")
        for param in rule.params:
            self.param(param, scope)
        for body in rule.bodies:
            self.body(rule, body, dict(scope))
        return self.facts

    def param(self, param: n.Param, scope: Scope) -> None:
        """A param's type is its default's: a literal, or a list of literals."""
        ok, value = literal_value(param.default)
        if not ok:
            self.error(param.default.pos, f"the default of param `{param.name}` must be a literal value")
            return
        if param.name in self.facts.param_types:
            self.error(param.pos, f"param `{param.name}` is declared twice")
        ty = of_literal(value)
        if isinstance(value, list):
            item_ty: Ty | None = None
            for v in value:
                item_ty = of_literal(v) if item_ty is None else union(item_ty, of_literal(v))
            ty = list_of(item_ty or ANY)
        self.facts.param_types[param.name] = ty
        self.facts.param_defaults[param.name] = value
        scope[param.name] = Var(ty, "param")

    def body(self, rule: n.Rule, body: n.Body, scope: Scope) -> None:
        """One check: its clauses in order (each sees the names bound before it), then what follows them."""
        self.nesting(body)
        for clause in body.clauses:
            self.clause(clause, scope)
        self.condition(body.require, scope, "`require`")
        self.cannot_fire(body.require, "require", "the rule can never fire")
        if body.message is not None:
            for part in body.message.parts:
                if not isinstance(part, str):
                    self.expr(part, scope)
        if body.at is not None:
            self.at(body.at, scope)
        elif rule.scope == "repository" and not any(isinstance(c, n.For) for c in body.clauses):
            self.error(body.pos, "a repository rule must iterate `specs` (or name `at`) so its findings have a place")
        for sev in rule.severity_ifs:
            self.condition(sev.cond, scope, "`severity … if`")

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

    def clause(self, clause: n.Clause, scope: Scope) -> None:
        if isinstance(clause, n.For):
            t = self.iterated(clause.iterable, scope)
            item = self.iterable_item(t, clause.iterable)
            self.bind(clause.var, clause.pos, Var(item, "for", clause), scope)
        elif isinstance(clause, n.When):
            self.condition(clause.cond, scope, "`when`")
            ok, value = literal_value(clause.cond)
            if ok and value is False:
                self.error(clause.cond.pos, "this `when` is always false: the rule can never fire")
        else:
            t = self.expr(clause.value, scope)
            self.bind(clause.name, clause.pos, Var(t, "let", clause), scope)

    def cannot_fire(self, expr: n.Expr, what: str, consequence: str) -> None:
        ok, value = self.constant(expr)
        if ok and value is True:
            self.error(expr.pos, f"this `{what}` is always true: {consequence}")

    def constant(self, expr: n.Expr) -> tuple[bool, Any]:
        ok, value = literal_value(expr)
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

    def at(self, expr: n.Expr, scope: Scope) -> None:
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


def check_policy(policy: n.PolicyFile, schema: dict) -> dict[str, RuleFacts]:
    """Check every rule of the file; raise PolicyError with all problems at once."""
    return Checker(policy, schema).check()

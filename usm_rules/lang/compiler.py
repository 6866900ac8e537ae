"""Checked AST -> Python source: one function per rule, built once, never interpreted per node.

The generated module defines `make(P, R)`: P maps rule id -> param values, R is usm_rules.lang.runtime
plus bound builtins and compiled regexes. `make` returns [(rule_id, fn)], where `fn(root, emit)` runs the rule
on one spec (or, for repository rules, on the list of specs) and calls `emit(Hit(...))` (lang/runtime.Hit)
for every finding.

Two optional instrumentations, both decided at generation time so that normal runs pay nothing:
- explain: inside each `if not <require>:` branch (only the finding path), the require is evaluated again
  with every path, param, let, call and sub-expression recorded, and the Hit's `trace` holds the
  `(expression text, rendered value)` pairs in evaluation order, without duplicates.
- coverage: cheap hit-markers (`HITS[k] = 1`) before every clause, `require`, and in each finding branch,
  and `(_hx(k) and …)` on the first sub-expression of every continuation line of a multi-line condition.
  The generated module then defines `HITS` (a bytearray) and `POINTS` (`(rule id, policy line)` of each
  marker), which callers read back through the rule functions' globals.
"""
from __future__ import annotations

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import nodes as n
from .builtins import BUILTINS
from .codegen import TRACE_HELPERS, Env, ExprCompiler, RuleCode, is_constant
from .infer import RuleFacts
from .runtime import TYPE_TESTS


@dataclass
class _Check:
    """Where the code of one check stands while its clauses are compiled."""

    env: Env  # the names bound so far
    indent: int  # of the next line, in steps of four spaces
    default: tuple[str, str]  # (base, keys) code of the innermost iterated node: where findings point by default
    whens: list[tuple[n.Expr, Env]] = field(default_factory=list)  # the guards passed, to explain a constant `require`


class Compiler(ExprCompiler):
    def mark(self, r: RuleCode, line: int, pad: str) -> list[str]:
        return [f"{pad}HITS[{self.point(r, line)}] = 1"] if self.coverage else []

    # -- rules -----------------------------------------------------------------------------------------

    def rule(self, r: RuleCode) -> None:
        rule = r.rule
        root = "specs" if rule.scope == "repository" else "spec"
        r.lines.append(f"    def rule_{r.index}({root}, emit):")
        params: Env = {root: {"code": root, "kind": root, "loc": (root, "()")}}
        for param in rule.params:
            var = r.local(param.name)
            r.lines.append(f"        {var} = P{r.index}[{param.name!r}]")
            params[param.name] = {"code": var, "kind": "param"}
        for body in rule.bodies:
            # each check starts from the params: nothing a check binds reaches the next
            check = _Check(dict(params), 2, (root, "()"))
            for clause in body.clauses:
                self.clause(r, clause, check)
            self.finding(r, body, check)
        r.lines.append(f"    rules.append(({rule.id!r}, rule_{r.index}))")

    def clause(self, r: RuleCode, clause: n.Clause, check: _Check) -> None:
        """A `for` opens a loop, a `when` an `if`; a `let` assigns (and locates a pure path)."""
        pad = "    " * check.indent
        r.lines.extend(self.mark(r, clause.pos.line, pad))
        self.mark_lines(r, n.item_expr(clause))
        env = check.env
        if isinstance(clause, n.For):
            container, idx, var = r.fresh("c_"), r.fresh("i_"), r.local(clause.var)
            r.lines.append(f"{pad}{container} = {self.expr(r, clause.iterable, env)}")
            it = self._iter_code(container, r.ty(clause.iterable))
            r.lines.append(f"{pad}for {idx}, {var} in enumerate({it}):")
            check.env = {**env, clause.var: {"code": var, "kind": "for", "loc": (container, f"({idx},)")}}
            check.default = (container, f"({idx},)")
            check.indent += 1
        elif isinstance(clause, n.When):
            check.whens.append((clause.cond, env))
            r.lines.append(f"{pad}if {self.expr(r, clause.cond, env)}:")
            check.indent += 1
        else:
            var = r.local(clause.name)
            r.lines.append(f"{pad}{var} = {self.expr(r, clause.value, env)}")
            info: dict[str, Any] = {"code": var, "kind": "let"}
            if isinstance(clause.value, (n.Field, n.Index, n.Name)) and _pure_path(clause.value):
                info["loc"] = self.location(r, clause.value, env, check.default)
            check.env = {**env, clause.name: info}

    def finding(self, r: RuleCode, body: n.Body, check: _Check) -> None:
        """`if not <require>:` and the Hit it emits: message, place, severity and (explain) trace."""
        rule, env = r.rule, check.env
        pad = "    " * check.indent
        r.lines.extend(self.mark(r, body.pos.line, pad))
        self.mark_lines(r, body.require)
        r.lines.append(f"{pad}if not {self.expr(r, body.require, env)}:")
        r.line_marks.clear()
        pad2 = pad + "    "
        for marked in (body.message, body.at, *rule.severity_ifs):
            if marked is not None:
                r.lines.extend(self.mark(r, marked.pos.line, pad2))
        trace = self.trace(r, body, check, pad2)
        sev = "None"
        if rule.severity_ifs:
            conds = " else ".join(f"{s.severity!r} if {self.expr(r, s.cond, env)}" for s in rule.severity_ifs)
            sev = f"({conds} else None)"
        if body.message is not None:
            parts = [repr(part) if isinstance(part, str) else f"_render({self.expr(r, part, env)})"
                     for part in body.message.parts]
            message = "_join((" + ", ".join(parts) + ",))" if parts else "''"
        else:
            message = repr(rule.title or rule.id)
        base, keys = self.location(r, body.at, env, check.default)
        r.lines.append(f"{pad2}emit(_Hit({rule.id!r}, {message}, {base}, {keys}, {sev}{trace}))")

    def trace(self, r: RuleCode, body: n.Body, check: _Check, pad: str) -> str:
        """With explain: the lines that evaluate the failed `require` again, recording its values; returns the
        Hit's trace argument."""
        if not self.explain:
            return ""
        self.tracing = True
        r.lines.append(f"{pad}_tr = {{}}")
        # `when … / require false`: the guards are what made it fire, so they are what is shown
        for cond, cond_env in (check.whens if is_constant(body.require) else []):
            r.lines.append(f"{pad}{self.expr(r, cond, cond_env)}")
        r.lines.append(f"{pad}{self.expr(r, body.require, check.env)}")
        self.tracing = False
        return ", tuple(_tr.items())"

    def module(self, rules: list[tuple[n.Rule, RuleFacts]]) -> str:
        out = [
            "# Generated by usm-rules from policy files: do not edit.",
            "",
        ]
        if self.explain:
            out += ["import json as _json", "from usm_rules.lang.runtime import MISSING as _M, render as _render",
                    *TRACE_HELPERS.strip("\n").split("\n"), ""]
        header = len(out)
        out += [
            "def make(P, R):",
            "    M = R.MISSING",
            "    _get, _index, _iterate, _div, _mod, _render, _match, _in = (R.get, R.index, R.iterate, R.div, "
            "R.mod, R.render, R.match, R.contains)",
            "    _join = ''.join",
            "    _Hit = R.Hit",
        ]
        for type_name in TYPE_TESTS:
            out.append(f"    _is_{type_name} = R.TYPE_TESTS[{type_name!r}]")
        for name in BUILTINS:
            out.append(f"    f_{name} = R.function({name!r})")
        out.append("    rules = []")
        for index, (rule, facts) in enumerate(rules):
            r = RuleCode(rule, facts, index)
            self.rule(r)
            out.append(f"    # rule {rule.id}")
            out.append(f"    P{index} = P[{rule.id!r}]")
            out.extend("    " + line for line in r.make_lines)
            out.extend(r.lines)
        out.append("    return rules")
        if self.coverage:
            points = sorted(self.points, key=self.points.__getitem__)
            out[header:header] = [f"POINTS = {tuple(points)!r}", f"HITS = bytearray({len(points)})", "",
                                  "def _hx(k):", "    HITS[k] = 1", "    return True", ""]
        return "\n".join(out) + "\n"



def _pure_path(e: n.Expr) -> bool:
    while isinstance(e, (n.Field, n.Index)):
        e = e.base
    return isinstance(e, n.Name)


def generate(rules: list[tuple[n.Rule, RuleFacts]], *, explain: bool = False, coverage: bool = False) -> str:
    """Python source for the rules, checked beforehand (see checker.check_policy).

    With `explain`, each Hit carries the (expression text, rendered value) pairs behind it in `trace`.
    With `coverage`, the module records which policy lines ran.
    """
    return Compiler(explain=explain, coverage=coverage).module(rules)

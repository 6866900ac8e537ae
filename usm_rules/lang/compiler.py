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

from typing import Any

from . import nodes as n
from .builtins import BUILTINS
from .checker import RuleFacts
from .types import Ty


class _Rule:
    def __init__(self, rule: n.Rule, facts: RuleFacts, index: int) -> None:
        self.rule = rule
        self.facts = facts
        self.index = index
        self.lines: list[str] = []
        self.counter = 0
        self.regex_names: dict[int, str] = {}
        self.make_lines: list[str] = []
        self.line_marks: dict[int, int] = {}  # id(expr) -> coverage point hit when it is evaluated

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def local(self, name: str) -> str:
        """The Python name of a policy binding (param, `for`, `let`, quantifier): new for every binding, so
        that no binding can overwrite another that a later check still reads."""
        self.counter += 1
        return f"v{self.counter}_{name}"

    def ty(self, e: n.Expr) -> Ty | None:
        return self.facts.types.get(id(e))


def _is_object(t: Ty | None) -> bool:
    return t is not None and t.kinds == frozenset({"object"})


def _is_list(t: Ty | None) -> bool:
    return t is not None and t.kinds == frozenset({"list"})


def _constant(e: n.Expr) -> bool:
    """No names and no calls below: the value is plain from the source, not worth a trace line."""
    if isinstance(e, (n.Name, n.Call)):
        return False
    return all(_constant(c) for c in _children(e))


def _children(e: n.Expr) -> list[n.Expr]:
    """Sub-expressions that the compiler compiles through `Compiler.expr`, in evaluation order.

    Unlike `nodes.children`, a path counts as one value (its root and index expressions are its parts) and
    a `matches` pattern, compiled once beforehand, is not one.
    """
    if isinstance(e, n.ListLit):
        return list(e.items)
    if isinstance(e, n.Call):
        return list(e.args)
    if isinstance(e, (n.Field, n.Index, n.Star)):
        chain: list[n.Expr] = []
        root: n.Expr = e
        while isinstance(root, (n.Field, n.Index, n.Star)):
            if isinstance(root, n.Index):
                chain.append(root.index)
            root = root.base
        return [root] + chain[::-1]
    if isinstance(e, n.Unary):
        return [e.operand]
    if isinstance(e, n.Binary):
        return [e.left, e.right]
    if isinstance(e, (n.Exists, n.IsType)):
        return [e.operand]
    if isinstance(e, n.Matches):
        return [e.operand]
    if isinstance(e, n.Quantified):
        return [e.iterable, e.body]
    if isinstance(e, n.IfExpr):
        return [e.cond, e.then, e.otherwise]
    return []


_TRACE_HELPERS = '''
def _tshow(v):
    if v is _M:
        return "(missing)"
    if type(v) is str:
        return _json.dumps(v, ensure_ascii=False)
    text = _render(v)
    if len(text) > 80:
        if type(v) is list:
            return "[%d items]" % len(v)
        if type(v) is dict:
            return "{%d keys}" % len(v)
        return text[:77] + "..."
    return text

def _tx(tr, text, v):
    if text not in tr:
        tr[text] = _tshow(v)
    return v

def _tc(tr, text, op, a, b, fn):
    v = fn(a, b)
    if text not in tr:
        tr[text] = "%s %s %s: %s" % (_tshow(a), op, _tshow(b), "true" if v else "false")
    return v
'''


class Compiler:
    def __init__(self, *, explain: bool = False, coverage: bool = False) -> None:
        self.explain = explain
        self.coverage = coverage
        self.tracing = False  # compiling the explain re-evaluation of a failed `require`
        self.points: dict[tuple[str, int], int] = {}

    # -- coverage ---------------------------------------------------------------------------------------

    def point(self, r: _Rule, line: int) -> int:
        return self.points.setdefault((r.rule.id, line), len(self.points))

    def mark(self, r: _Rule, line: int, pad: str) -> list[str]:
        return [f"{pad}HITS[{self.point(r, line)}] = 1"] if self.coverage else []

    def mark_lines(self, r: _Rule, e: n.Expr) -> None:
        """Coverage markers on the first sub-expression that starts each continuation line of `e`."""
        if not self.coverage or e.pos.end_line == e.pos.line:
            return
        seen = {e.pos.line}
        stack = [e]
        while stack:
            node = stack.pop()
            if node.pos.line not in seen:
                seen.add(node.pos.line)
                r.line_marks[id(node)] = self.point(r, node.pos.line)
            stack.extend(reversed(_children(node)))

    # -- expressions ------------------------------------------------------------------------------------

    def expr(self, r: _Rule, e: n.Expr, env: dict[str, Any]) -> str:
        code = self._expr(r, e, env)
        if self.tracing and not _constant(e) and self._traced(e, env):
            if isinstance(e, n.Binary) and e.op not in ("and", "or", "+", "-", "*", "/", "%"):
                code = self._trace_compare(r, e, env)
            else:
                code = f"_tx(_tr, {_text(e)!r}, {code})"
        mark = r.line_marks.get(id(e))
        if mark is not None:
            code = f"(_hx({mark}) and {code})"
        return code

    @staticmethod
    def _traced(e: n.Expr, env: dict[str, Any]) -> bool:
        if isinstance(e, n.Name):
            return env.get(e.ident, {}).get("kind") in ("param", "let")
        if isinstance(e, n.Binary) and e.op in ("and", "or"):
            return False
        return not isinstance(e, n.ListLit)

    def _trace_compare(self, r: _Rule, e: n.Binary, env: dict[str, Any]) -> str:
        a, b = self.expr(r, e.left, env), self.expr(r, e.right, env)
        inner = dict(env)
        inner["\0a"] = {"code": "_a", "kind": "trace"}
        inner["\0b"] = {"code": "_b", "kind": "trace"}
        tracing, self.tracing = self.tracing, False
        op_code = self._expr(r, n.Binary(e.pos, e.op, n.Name(e.left.pos, "\0a"), n.Name(e.right.pos, "\0b")),
                             inner)
        self.tracing = tracing
        word = {"notin": "not in"}.get(e.op, e.op)
        return f"_tc(_tr, {_text(e)!r}, {word!r}, {a}, {b}, lambda _a, _b: {op_code})"

    def _expr(self, r: _Rule, e: n.Expr, env: dict[str, Any]) -> str:
        if isinstance(e, n.Literal):
            return repr(e.value)
        if isinstance(e, n.ListLit):
            return "[" + ", ".join(self.expr(r, x, env) for x in e.items) + "]"
        if isinstance(e, n.Name):
            return env[e.ident]["code"]
        if isinstance(e, (n.Field, n.Index, n.Star)):
            return self.path(r, e, env)
        if isinstance(e, n.Call):
            args = ", ".join(self.expr(r, a, env) for a in e.args)
            return f"f_{e.func}({args})"
        if isinstance(e, n.Unary):
            inner = self.expr(r, e.operand, env)
            return f"(not {inner})" if e.op == "not" else f"(-{inner})"
        if isinstance(e, n.Binary):
            a, b = self.expr(r, e.left, env), self.expr(r, e.right, env)
            if e.op in ("and", "or"):
                return f"({a} {e.op} {b})"
            if e.op == "/":
                return f"_div({a}, {b})"
            if e.op == "%":
                return f"_mod({a}, {b})"
            if e.op in ("in", "notin"):
                test = f"({a} in {b})" if _is_list(r.ty(e.right)) else f"_in({a}, {b})"
                return test if e.op == "in" else f"(not {test})"
            return f"({a} {e.op} {b})"
        if isinstance(e, n.Exists):
            return f"({self.expr(r, e.operand, env)} is not M)"
        if isinstance(e, n.IsType):
            test = f"_is_{e.type_name}({self.expr(r, e.operand, env)})"
            return f"(not {test})" if e.negated else test
        if isinstance(e, n.Matches):
            name = r.regex_names.get(id(e))
            if name is None:
                name = f"rx{r.index}_{len(r.regex_names)}"
                r.regex_names[id(e)] = name
                pattern = r.facts.regexes.get(id(e))
                if pattern is not None:
                    r.make_lines.append(f"{name} = R.regex({pattern!r})")
                else:
                    assert isinstance(e.pattern, n.Name)
                    r.make_lines.append(f"{name} = R.compile_param_regex({r.rule.id!r}, {e.pattern.ident!r}, "
                                        f"P[{r.rule.id!r}][{e.pattern.ident!r}])")
            test = f"_match({name}, {self.expr(r, e.operand, env)})"
            return f"(not {test})" if e.negated else test
        if isinstance(e, n.Quantified):
            var = r.local(e.var)
            inner = dict(env)
            inner[e.var] = {"code": var, "kind": "quant"}
            it = self.iterable(r, e.iterable, env)
            tracing, self.tracing = self.tracing, False  # a body's values differ per item: not traced
            body = self.expr(r, e.body, inner)
            self.tracing = tracing
            if e.kind == "all":
                return f"all({body} for {var} in {it})"
            if e.kind == "any":
                return f"any({body} for {var} in {it})"
            if e.kind == "none":
                return f"(not any({body} for {var} in {it}))"
            return f"sum(1 for {var} in {it} if {body})"
        if isinstance(e, n.IfExpr):
            return f"({self.expr(r, e.then, env)} if {self.expr(r, e.cond, env)} else {self.expr(r, e.otherwise, env)})"
        raise AssertionError(e)

    def iterable(self, r: _Rule, e: n.Expr, env: dict[str, Any]) -> str:
        code = self.expr(r, e, env)
        t = r.ty(e)
        # Values that the schema makes lists (or MISSING, which iterates as empty) need no helper.
        return code if _is_list(t) else f"_iterate({code})"

    def path(self, r: _Rule, e: n.Expr, env: dict[str, Any]) -> str:
        root, chain = n.path_chain(e)
        code = self.expr(r, root, env)
        prev_ty = r.ty(root)
        # Projections: everything after `[*]` applies to each element; results that are missing are dropped.
        loops: list[str] = []
        for seg in chain:
            if isinstance(seg, n.Star):
                var = r.fresh("e_")
                loops.append(f"for {var} in {self._iter_code(code, prev_ty)}")
                code = var
                prev_ty = prev_ty.item if prev_ty is not None and prev_ty.item is not None else None
                if prev_ty is not None and not prev_ty.kinds:
                    prev_ty = None
                continue
            if isinstance(seg, n.Field):
                code = f"{code}.get({seg.name!r}, M)" if _is_object(prev_ty) else f"_get({code}, {seg.name!r})"
            else:
                code = f"_index({code}, {self.expr(r, seg.index, env)})"
            seg_ty = r.ty(seg)
            prev_ty = seg_ty.item if loops and seg_ty is not None else seg_ty
        if not loops:
            return code
        result = r.fresh("p_")
        return f"[{result} {' '.join(loops)} for {result} in ({code},) if {result} is not M]"

    @staticmethod
    def _iter_code(code: str, t: Ty | None) -> str:
        return code if _is_list(t) else f"_iterate({code})"

    # -- locations --------------------------------------------------------------------------------------

    def location(self, r: _Rule, e: n.Expr | None, env: dict[str, Any], default: tuple[str, str]) -> tuple[str, str]:
        """(base, keys) code for the node a finding points at."""
        if e is None:
            return default
        keys: list[str] = []
        root = e
        while isinstance(root, (n.Field, n.Index)):
            keys.append(repr(root.name) if isinstance(root, n.Field) else self.expr(r, root.index, env))
            root = root.base
        keys.reverse()
        if isinstance(root, n.Name):
            info = env[root.ident]
            if "loc" in info:
                base, base_keys = info["loc"]
                return base, _tuple(base_keys, keys)
            return info["code"], _tuple("()", keys)
        return self.expr(r, e, env), "()"

    # -- rules -----------------------------------------------------------------------------------------

    def rule(self, r: _Rule) -> None:
        rule = r.rule
        lines = r.lines
        root = "specs" if rule.scope == "repository" else "spec"
        lines.append(f"    def rule_{r.index}({root}, emit):")
        params: dict[str, Any] = {root: {"code": root, "kind": root, "loc": (root, "()")}}
        for param in rule.params:
            var = r.local(param.name)
            lines.append(f"        {var} = P{r.index}[{param.name!r}]")
            params[param.name] = {"code": var, "kind": "param"}
        for b, body in enumerate(rule.bodies):
            env = dict(params)  # each check starts from the params: nothing a check binds reaches the next
            indent = 2
            default = (root, "()")
            whens: list[tuple[n.Expr, dict[str, Any]]] = []  # for explaining a constant `require`
            for clause in body.clauses:
                pad = "    " * indent
                lines.extend(self.mark(r, clause.pos.line, pad))
                self.mark_lines(r, clause.iterable if isinstance(clause, n.For) else
                                clause.cond if isinstance(clause, n.When) else clause.value)
                if isinstance(clause, n.For):
                    container, idx, var = r.fresh("c_"), r.fresh("i_"), r.local(clause.var)
                    lines.append(f"{pad}{container} = {self.expr(r, clause.iterable, env)}")
                    it = self._iter_code(container, r.ty(clause.iterable))
                    lines.append(f"{pad}for {idx}, {var} in enumerate({it}):")
                    env = dict(env)
                    env[clause.var] = {"code": var, "kind": "for", "loc": (container, f"({idx},)")}
                    default = (container, f"({idx},)")
                    indent += 1
                elif isinstance(clause, n.When):
                    whens.append((clause.cond, env))
                    lines.append(f"{pad}if {self.expr(r, clause.cond, env)}:")
                    indent += 1
                else:
                    var = r.local(clause.name)
                    lines.append(f"{pad}{var} = {self.expr(r, clause.value, env)}")
                    info: dict[str, Any] = {"code": var, "kind": "let"}
                    if isinstance(clause.value, (n.Field, n.Index, n.Name)) and _pure_path(clause.value):
                        info["loc"] = self.location(r, clause.value, env, default)
                    env = dict(env)
                    env[clause.name] = info
            pad = "    " * indent
            lines.extend(self.mark(r, body.pos.line, pad))
            self.mark_lines(r, body.require)
            lines.append(f"{pad}if not {self.expr(r, body.require, env)}:")
            r.line_marks.clear()
            pad2 = pad + "    "
            if body.message is not None:
                lines.extend(self.mark(r, body.message.pos.line, pad2))
            if body.at is not None:
                lines.extend(self.mark(r, body.at.pos.line, pad2))
            for s_if in rule.severity_ifs:
                lines.extend(self.mark(r, s_if.pos.line, pad2))
            trace = ""
            if self.explain:
                self.tracing = True
                lines.append(f"{pad2}_tr = {{}}")
                # `when … / require false`: the guards are what made it fire, so they are what is shown
                for cond, cond_env in (whens if _constant(body.require) else []):
                    lines.append(f"{pad2}{self.expr(r, cond, cond_env)}")
                lines.append(f"{pad2}{self.expr(r, body.require, env)}")
                self.tracing = False
                trace = ", tuple(_tr.items())"
            sev = "None"
            if rule.severity_ifs:
                conds = " else ".join(f"{s.severity!r} if {self.expr(r, s.cond, env)}" for s in rule.severity_ifs)
                sev = f"({conds} else None)"
            if body.message is not None:
                parts = []
                for part in body.message.parts:
                    parts.append(repr(part) if isinstance(part, str) else f"_render({self.expr(r, part, env)})")
                message = "_join((" + ", ".join(parts) + ",))" if parts else "''"
            else:
                message = repr(rule.title or rule.id)
            base, keys = self.location(r, body.at, env, default)
            lines.append(f"{pad2}emit(_Hit({rule.id!r}, {message}, {base}, {keys}, {sev}{trace}))")
        lines.append(f"    rules.append(({rule.id!r}, rule_{r.index}))")

    def module(self, rules: list[tuple[n.Rule, RuleFacts]]) -> str:
        out = [
            "# Generated by usm-rules from policy files: do not edit.",
            "",
        ]
        if self.explain:
            out += ["import json as _json", "from usm_rules.lang.runtime import MISSING as _M, render as _render",
                    *_TRACE_HELPERS.strip("\n").split("\n"), ""]
        header = len(out)
        out += [
            "def make(P, R):",
            "    M = R.MISSING",
            "    _get, _index, _iterate, _div, _mod, _render, _match, _in = (R.get, R.index, R.iterate, R.div, "
            "R.mod, R.render, R.match, R.contains)",
            "    _join = ''.join",
            "    _Hit = R.Hit",
        ]
        for type_name in ("number", "integer", "string", "boolean", "list", "object", "null", "missing"):
            out.append(f"    _is_{type_name} = R.TYPE_TESTS[{type_name!r}]")
        for name in BUILTINS:
            out.append(f"    f_{name} = R.function({name!r})")
        out.append("    rules = []")
        for index, (rule, facts) in enumerate(rules):
            r = _Rule(rule, facts, index)
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


def _tuple(base_keys: str, keys: list[str]) -> str:
    if not keys:
        return base_keys
    extra = ", ".join(keys) + ","
    if base_keys == "()":
        return f"({extra})"
    return f"({base_keys[1:-1].rstrip(',')}, {extra})"


def _text(e: n.Expr) -> str:
    from .formatter import expr_text

    return expr_text(e)


def generate(rules: list[tuple[n.Rule, RuleFacts]], *, explain: bool = False, coverage: bool = False) -> str:
    """Python source for the rules, checked beforehand (see checker.check_policy).

    With `explain`, each Hit carries the (expression text, rendered value) pairs behind it in `trace`.
    With `coverage`, the module records which policy lines ran.
    """
    return Compiler(explain=explain, coverage=coverage).module(rules)

"""Policy expressions -> Python expressions, for the rule functions compiler.py generates.

A compiled expression evaluates with the runtime's semantics (lang/runtime.py: MISSING, `_get`, …), using
the static types the checker found to skip helpers where a value is known to be an object or a list. With
`tracing` (explain), each value a failed `require` is made of is recorded with the expression's text
(printer.expr_text) as it is evaluated again; coverage markers go on the sub-expressions that start a
continuation line.
"""
from __future__ import annotations

from typing import Any

from . import nodes as n
from .infer import RuleFacts
from .printer import expr_text
from .types import Ty

Env = dict[str, Any]  # a policy name -> {"code": its Python name, "kind": …, "loc": (base, keys) code}


class RuleCode:
    """The code of one rule being generated, and the names it has used."""

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


def is_constant(e: n.Expr) -> bool:
    """No names and no calls below: the value is plain from the source, not worth a trace line."""
    if isinstance(e, (n.Name, n.Call)):
        return False
    return all(is_constant(c) for c in _children(e))


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


TRACE_HELPERS = '''
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



class ExprCompiler:
    """Compiles expressions; compiler.Compiler adds rules and the module around them."""

    def __init__(self, *, explain: bool = False, coverage: bool = False) -> None:
        self.explain = explain
        self.coverage = coverage
        self.tracing = False  # compiling the explain re-evaluation of a failed `require`
        self.points: dict[tuple[str, int], int] = {}

    # -- coverage ---------------------------------------------------------------------------------------

    def point(self, r: RuleCode, line: int) -> int:
        return self.points.setdefault((r.rule.id, line), len(self.points))

    def mark_lines(self, r: RuleCode, e: n.Expr) -> None:
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

    def expr(self, r: RuleCode, e: n.Expr, env: Env) -> str:
        code = self._expr(r, e, env)
        if self.tracing and not is_constant(e) and self._traced(e, env):
            if isinstance(e, n.Binary) and e.op not in ("and", "or", "+", "-", "*", "/", "%"):
                code = self._trace_compare(r, e, env)
            else:
                code = f"_tx(_tr, {expr_text(e)!r}, {code})"
        mark = r.line_marks.get(id(e))
        if mark is not None:
            code = f"(_hx({mark}) and {code})"
        return code

    @staticmethod
    def _traced(e: n.Expr, env: Env) -> bool:
        if isinstance(e, n.Name):
            return env.get(e.ident, {}).get("kind") in ("param", "let")
        if isinstance(e, n.Binary) and e.op in ("and", "or"):
            return False
        return not isinstance(e, n.ListLit)

    def _trace_compare(self, r: RuleCode, e: n.Binary, env: Env) -> str:
        a, b = self.expr(r, e.left, env), self.expr(r, e.right, env)
        inner = dict(env)
        inner["\0a"] = {"code": "_a", "kind": "trace"}
        inner["\0b"] = {"code": "_b", "kind": "trace"}
        tracing, self.tracing = self.tracing, False
        op_code = self._expr(r, n.Binary(e.pos, e.op, n.Name(e.left.pos, "\0a"), n.Name(e.right.pos, "\0b")),
                             inner)
        self.tracing = tracing
        word = {"notin": "not in"}.get(e.op, e.op)
        return f"_tc(_tr, {expr_text(e)!r}, {word!r}, {a}, {b}, lambda _a, _b: {op_code})"

    def _expr(self, r: RuleCode, e: n.Expr, env: Env) -> str:
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
            return self.binary(r, e, env)
        if isinstance(e, n.Exists):
            return f"({self.expr(r, e.operand, env)} is not M)"
        if isinstance(e, n.IsType):
            test = f"_is_{e.type_name}({self.expr(r, e.operand, env)})"
            return f"(not {test})" if e.negated else test
        if isinstance(e, n.Matches):
            test = f"_match({self.regex(r, e)}, {self.expr(r, e.operand, env)})"
            return f"(not {test})" if e.negated else test
        if isinstance(e, n.Quantified):
            return self.quantified(r, e, env)
        if isinstance(e, n.IfExpr):
            return f"({self.expr(r, e.then, env)} if {self.expr(r, e.cond, env)} else {self.expr(r, e.otherwise, env)})"
        raise AssertionError(e)

    def binary(self, r: RuleCode, e: n.Binary, env: Env) -> str:
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

    def regex(self, r: RuleCode, e: n.Matches) -> str:
        """The name of the compiled regex of a `matches`, compiled once in `make` (a param's: with its value)."""
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
        return name

    def quantified(self, r: RuleCode, e: n.Quantified, env: Env) -> str:
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

    def iterable(self, r: RuleCode, e: n.Expr, env: Env) -> str:
        code = self.expr(r, e, env)
        t = r.ty(e)
        # Values that the schema makes lists (or MISSING, which iterates as empty) need no helper.
        return code if _is_list(t) else f"_iterate({code})"

    def path(self, r: RuleCode, e: n.Expr, env: Env) -> str:
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

    def location(self, r: RuleCode, e: n.Expr | None, env: Env, default: tuple[str, str]) -> tuple[str, str]:
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


def _tuple(base_keys: str, keys: list[str]) -> str:
    if not keys:
        return base_keys
    extra = ", ".join(keys) + ","
    if base_keys == "()":
        return f"({extra})"
    return f"({base_keys[1:-1].rstrip(',')}, {extra})"

"""What a rule reads, from its AST: the spec paths it touches and the constants it compares them with.

A path is a tuple of keys from the spec's root, `*` standing for "every item of this list" (`("scos", "*",
"metric", "target")`). Variables bound by `for`, `let` and quantifiers stand for the paths of what they are
bound to, so `for sco in spec.scos` makes `sco.metric` read `scos/*/metric`. Calls pass the paths of their
arguments through (an over-approximation: the paths only guide the search, which tries each of them), except
`tally` and `map_of`, whose results are maps that an index looks into. Constants are the literals of the
rule and the values of its params; a constant compared with a path (`==`, `in`, a call such as
`find_phrases(text, words)`) is also paired with that path, so the search tries it there first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..lang import nodes as n

Path = tuple  # of str keys and "*"
SPECS = ("#specs",)  # the list of every spec (repository rules); an item of it is a spec's root
_MAP = "{}"  # a path's last step when the value is a map made from it (`tally`, `map_of`)


@dataclass
class Reads:
    paths: list[Path] = field(default_factory=list)  # in order of first appearance in the rule
    constants: list[Any] = field(default_factory=list)  # numbers and strings, in order of appearance
    paired: dict[Path, list[Any]] = field(default_factory=dict)  # path -> constants compared with it

    def add_path(self, path: Path) -> None:
        path = tuple(step for step in path if step != _MAP)
        if path and path != SPECS and SPECS[0] not in path and path not in self.paths:
            self.paths.append(path)

    def add_constant(self, value: Any, paths: Iterable[Path] = ()) -> None:
        for v in _flat(value):
            if v not in self.constants:
                self.constants.append(v)
            for p in paths:
                p = tuple(step for step in p if step != _MAP)
                bucket = self.paired.setdefault(p, [])
                if v not in bucket:
                    bucket.append(v)


    def merged(self, other: "Reads") -> "Reads":
        """What two rules read together (this one's paths and constants first)."""
        out = Reads()
        for reads in (self, other):
            for p in reads.paths:
                out.add_path(p)
            out.add_constant(reads.constants)
            for p, values in reads.paired.items():
                out.add_constant(values, [p])
        return out


def _flat(value: Any) -> list[Any]:
    """The scalar constants in a literal value (a list's items); booleans and null are not worth pairing."""
    if type(value) is list:
        return [x for v in value for x in _flat(v)]
    return [value] if type(value) in (int, float, str) else []


_COMPARE = ("==", "!=", "<", "<=", ">", ">=", "in", "notin")


class _Walker:
    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self.reads = Reads()
        for value in params.values():
            self.reads.add_constant(value)

    def paths_of(self, e: n.Expr, env: dict[str, list[Path]]) -> list[Path]:
        """The spec paths whose values `e` may be (or be made of)."""
        if isinstance(e, n.Name):
            if e.ident == "spec":
                return [()]
            if e.ident == "specs":
                return [SPECS]
            return env.get(e.ident, [])
        if isinstance(e, n.Field):
            return [_strip(p) + (e.name,) for p in self.paths_of(e.base, env) if p != SPECS]
        if isinstance(e, (n.Index, n.Star)):
            out = []
            for p in self.paths_of(e.base, env):
                if p == SPECS:
                    out.append(())
                elif p and p[-1] == _MAP:
                    out.append(p[:-1])  # a map's value: the path it was made of
                else:
                    out.append(p + ("*",))
            return out
        if isinstance(e, n.Call):
            return self._call_paths(e, env)
        if isinstance(e, n.IfExpr):
            return self.paths_of(e.then, env) + self.paths_of(e.otherwise, env)
        return []

    def _call_paths(self, e: n.Call, env: dict[str, list[Path]]) -> list[Path]:
        args = [self.paths_of(a, env) for a in e.args]
        if e.func == "tally" and args:
            return [_strip(p) + ("*", _MAP) if p == SPECS else _strip(p) + (_MAP,) for p in args[0]]
        if e.func == "map_of" and args:
            value = e.args[2].value if len(e.args) > 2 and isinstance(e.args[2], n.Literal) else None
            tail = ("*", value, _MAP) if isinstance(value, str) else ("*", _MAP)
            return [_strip(p) + tail for p in args[0] if p != SPECS]
        return [p for a in args for p in a]

    def constants_of(self, e: n.Expr) -> list[Any]:
        """The constant values `e` stands for: a literal, a list of literals, or a param."""
        if isinstance(e, n.Literal):
            return [e.value]
        if isinstance(e, n.ListLit):
            return [v for item in e.items for v in self.constants_of(item)]
        if isinstance(e, n.Unary) and e.op == "neg":
            return [-v for v in self.constants_of(e.operand) if type(v) in (int, float)]
        if isinstance(e, n.Name) and e.ident in self.params:
            return _flat(self.params[e.ident])
        if isinstance(e, n.Call) and e.func == "len" and len(e.args) == 1:  # `len(levels)`: a param's length
            return [len(v) for v in self._param_value(e.args[0]) if type(v) in (list, str)]
        if isinstance(e, n.Binary) and e.op == "+":  # `spec.provider.name + " " + words`: the words
            return self.constants_of(e.left) + self.constants_of(e.right)
        return []

    def _param_value(self, e: n.Expr) -> list[Any]:
        return [self.params[e.ident]] if isinstance(e, n.Name) and e.ident in self.params else []

    def visit(self, e: n.Expr, env: dict[str, list[Path]]) -> None:
        """Record the paths and constants of `e` and everything in it."""
        if isinstance(e, (n.Field, n.Index, n.Star, n.Name)):
            for p in self.paths_of(e, env):
                self.reads.add_path(p)
        if isinstance(e, n.Literal):
            self.reads.add_constant(e.value)
        if isinstance(e, n.Binary) and e.op in _COMPARE:
            self._pair(e.left, e.right, env, e.op)
            self._pair(e.right, e.left, env, e.op)
        elif isinstance(e, n.Call):
            for i, a in enumerate(e.args):
                for b in e.args[:i] + e.args[i + 1:]:
                    self._pair(a, b, env, "call")
        elif isinstance(e, n.Matches):
            self._pair(e.operand, e.pattern, env, "call")
        if isinstance(e, n.Quantified):
            self.visit(e.iterable, env)
            inner = dict(env)
            inner[e.var] = _items(self.paths_of(e.iterable, env))
            self.visit(e.body, inner)
            return
        for child in n.children(e):
            self.visit(child, env)

    def _pair(self, side: n.Expr, other: n.Expr, env: dict[str, list[Path]], op: str) -> None:
        paths = self.paths_of(side, env)
        if not paths:
            return
        values = self.constants_of(other)
        if op in ("in", "notin") and side is not None:
            # `"incident" in xs` pairs with the items of xs; `x in [a, b]` pairs x with a and b
            paths = paths + [p + ("*",) for p in paths]
        self.reads.add_constant(values, paths)


def _strip(p: Path) -> Path:
    return p[:-1] if p and p[-1] == _MAP else p


def _items(paths: list[Path]) -> list[Path]:
    out = []
    for p in paths:
        if p == SPECS:
            out.append(())
        elif not (p and p[-1] == _MAP):
            out.append(p + ("*",))
    return out


def rule_reads(rule: n.Rule, params: dict[str, Any]) -> Reads:
    """The paths and constants of every check of `rule` (params: the values in force)."""
    walker = _Walker(params)
    for body in rule.bodies:
        env: dict[str, list[Path]] = {}
        for clause in body.clauses:
            if isinstance(clause, n.For):
                walker.visit(clause.iterable, env)
                env[clause.var] = _items(walker.paths_of(clause.iterable, env))
            elif isinstance(clause, n.Let):
                walker.visit(clause.value, env)
                env[clause.name] = walker.paths_of(clause.value, env)
            else:
                walker.visit(clause.cond, env)
        walker.visit(body.require, env)
        if body.at is not None:
            walker.visit(body.at, env)
    for s in rule.severity_ifs:
        walker.visit(s.cond, {})
    return walker.reads

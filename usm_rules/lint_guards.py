"""What `usm-rules lint` knows of a rule's conditions without a spec: which paths may be missing (the
schema's `required`, and the guards already passed), and which `when` guards the schema decides.

A guard is evaluated with the runtime's semantics on every value the schema allows for the paths in it
(an enum's values, else "some value of these kinds", and MISSING where a path may be absent); when all
give the same answer the guard is constant. UNKNOWN stands for what the schema does not decide.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Iterable

from .lang import nodes as n
from .lang.printer import expr_text
from .lang.runtime import MISSING, TYPE_TESTS, kinds_of
from .lang.types import Ty, static_type_test

_MAX_ASSIGNMENTS = 4096  # value combinations tried for one guard; more and it is left undecided

Binders = dict[str, Any]  # name -> "spec" | "specs" | "for" | "quant" | "param" | "let" | n.Expr (a let's path)


# -- walking expressions ------------------------------------------------------------------------------------

def subexprs(e: n.Expr) -> Iterable[n.Expr]:
    """Every expression node below and including `e`."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(n.children(node))


def names(e: n.Expr) -> set[str]:
    return {x.ident for x in subexprs(e) if isinstance(x, n.Name)}


def root_of(e: n.Expr) -> n.Expr:
    return n.path_chain(e)[0]


def is_path(e: n.Expr) -> bool:
    """A path of fields and indexes from a name, without projections."""
    root, chain = n.path_chain(e)
    return bool(chain) and isinstance(root, n.Name) and not any(isinstance(x, n.Star) for x in chain)


def _operands(e: n.Expr, op: str) -> list[n.Expr]:
    """`a and b and c` -> [a, b, c] for op "and" (likewise "or"); [e] for anything else."""
    if isinstance(e, n.Binary) and e.op == op:
        return _operands(e.left, op) + _operands(e.right, op)
    return [e]


def paths_in(e: n.Expr, binders: Binders) -> list[n.Expr]:
    """The outermost spec paths in `e` (rooted at spec, an iterated or quantified variable, or a let)."""
    out: list[n.Expr] = []
    seen: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if is_path(node) and binders.get(root_of(node).ident) not in (None, "param"):  # type: ignore[attr-defined]
            text = expr_text(node)
            if text not in seen:
                seen.add(text)
                out.append(node)
            continue
        if isinstance(node, n.Quantified):
            stack.append(node.iterable)  # the body's variable is not one value
            continue
        stack.extend(n.children(node))
    return out


def rendered_paths(e: n.Expr, binders: Binders) -> list[n.Expr]:
    """The paths whose own value a message shows: the interpolated path itself, the branches of an `if`,
    the operands of arithmetic (missing stays missing). Paths inside calls and conditions are not shown."""
    if is_path(e):
        return paths_in(e, binders)
    if isinstance(e, n.IfExpr):
        return rendered_paths(e.then, binders) + rendered_paths(e.otherwise, binders)
    if isinstance(e, n.Binary) and e.op in ("+", "-", "*", "/", "%"):
        return rendered_paths(e.left, binders) + rendered_paths(e.right, binders)
    if isinstance(e, n.Unary) and e.op == "neg":
        return rendered_paths(e.operand, binders)
    return []


# -- presence: which paths the schema (or an earlier guard) guarantees --------------------------------------

class Presence:
    """Whether a path may be missing, from the schema's `required` and the guards already passed."""

    def __init__(self, facts: Any, binders: Binders) -> None:
        self.facts = facts
        self.binders = binders
        self.known: set[str] = set()

    def note_guard(self, cond: n.Expr) -> None:
        """Positive conjuncts of a condition that held: what they compare or test exists."""
        for atom in _operands(cond, "and"):
            for path in _implied_present(atom):
                self.known.add(expr_text(path))

    def present(self, e: n.Expr, depth: int = 0) -> bool:
        if depth > 20:
            return False
        text = expr_text(e)
        if text in self.known or any(k.startswith(text + ".") or k.startswith(text + "[") for k in self.known):
            return True
        if isinstance(e, n.Name):
            kind = self.binders.get(e.ident)
            if isinstance(kind, n.Expr):
                return self.present(kind, depth + 1)
            return kind in ("spec", "for", "quant")
        if isinstance(e, n.Field):
            if not self.present(e.base, depth + 1):
                return False
            ty = self.facts.types.get(id(e.base))
            schema = getattr(ty, "schema", None)
            return isinstance(schema, dict) and e.name in schema.get("required", ())
        return False


def _implied_present(atom: n.Expr) -> list[n.Expr]:
    """Paths that must exist when `atom` is true: any comparison with a missing value is false, and so is a
    boolean function (`is_date`, `starts_with`, …) given a missing argument."""
    from .lang.builtins import BUILTINS

    if isinstance(atom, n.Call) and atom.func in BUILTINS and BUILTINS[atom.func].returns == "boolean":
        return [a for a in atom.args if is_path(a)]
    if isinstance(atom, n.Exists):
        return [atom.operand]
    if isinstance(atom, n.IsType) and not atom.negated and atom.type_name != "missing":
        return [atom.operand]
    if isinstance(atom, n.Binary) and atom.op in ("==", "!=", "<", "<=", ">", ">=", "in"):
        return [x for x in (atom.left, atom.right) if is_path(x)]
    if isinstance(atom, n.Matches) and not atom.negated:
        return [atom.operand]
    return []


# -- three-valued evaluation --------------------------------------------------------------------------------

class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class _Some:
    """Some present value of these (static) kinds: the schema says no more."""

    kinds: frozenset


def _candidates(path: n.Expr, facts: Any, presence: Presence, with_missing: bool) -> list[Any]:
    ty = facts.types.get(id(path))
    if ty is None:
        return [UNKNOWN]
    values: list[Any] = list(ty.enum) if ty.enum is not None else [_Some(ty.kinds)]
    if with_missing and not presence.present(path):
        values.append(MISSING)
    return values


def _eval(e: n.Expr, env: dict[str, Any]) -> Any:
    """The value of `e` with the paths in `env` set (by their text), by the runtime's semantics; UNKNOWN
    where that depends on more than `env` says."""
    if isinstance(e, n.Literal):
        return e.value
    if isinstance(e, n.ListLit):
        items = [_eval(x, env) for x in e.items]
        return UNKNOWN if any(x is UNKNOWN or isinstance(x, _Some) for x in items) else items
    text = expr_text(e)
    if text in env:
        return env[text]
    if isinstance(e, n.Unary) and e.op == "not":
        v = _eval(e.operand, env)
        return UNKNOWN if v is UNKNOWN or type(v) is not bool else not v
    if isinstance(e, n.Binary) and e.op in ("and", "or"):
        return _eval_logic(e, env)
    if isinstance(e, n.Binary) and e.op in ("==", "!=", "<", "<=", ">", ">=", "in", "notin"):
        return _eval_compare(e.op, _eval(e.left, env), _eval(e.right, env))
    if isinstance(e, n.Exists):
        v = _eval(e.operand, env)
        return UNKNOWN if v is UNKNOWN else v is not MISSING
    if isinstance(e, n.IsType):
        result = _eval_type(e.type_name, _eval(e.operand, env))
        return result if result is UNKNOWN else result != e.negated
    return UNKNOWN


def _eval_logic(e: n.Binary, env: dict[str, Any]) -> Any:
    """`and`/`or`, short-circuit from either side when one side decides."""
    left = _eval(e.left, env)
    if left is not UNKNOWN and type(left) is bool:
        if e.op == "and" and not left:
            return False
        if e.op == "or" and left:
            return True
    right = _eval(e.right, env)
    if left is UNKNOWN or right is UNKNOWN or type(left) is not bool or type(right) is not bool:
        if e.op == "and" and right is False:
            return False
        if e.op == "or" and right is True:
            return True
        return UNKNOWN
    return right


def _eval_compare(op: str, a: Any, b: Any) -> Any:
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    if a is MISSING or b is MISSING:
        return op == "notin"  # every comparison with a missing value is false; `not in` negates `in`
    if isinstance(a, _Some) or isinstance(b, _Some):
        if op in ("==", "!=") and not (isinstance(a, _Some) and isinstance(b, _Some)):
            some, other = (a, b) if isinstance(a, _Some) else (b, a)
            if not (kinds_of(other) & some.kinds):
                return op == "!="  # no value of these kinds equals it
        return UNKNOWN
    try:
        if op == "in":
            return a in b if type(b) in (list, str, dict) else False
        if op == "notin":
            return a not in b if type(b) in (list, str, dict) else True
        return {"==": lambda: a == b, "!=": lambda: a != b, "<": lambda: a < b, "<=": lambda: a <= b,
                ">": lambda: a > b, ">=": lambda: a >= b}[op]()
    except TypeError:
        return UNKNOWN


def _eval_type(type_name: str, v: Any) -> Any:
    """`v is <type_name>` (not negated)."""
    if v is UNKNOWN:
        return UNKNOWN
    if isinstance(v, _Some):
        result = static_type_test(type_name, Ty(v.kinds))
        return UNKNOWN if result is None else result
    return TYPE_TESTS[type_name](v) if type_name in TYPE_TESTS else UNKNOWN


# -- constant guards ----------------------------------------------------------------------------------------

def constant(cond: n.Expr, facts: Any, presence: Presence, binders: Binders, with_missing: bool) -> Any:
    """True/False when `cond` has that value for every value the schema allows; else UNKNOWN."""
    paths = paths_in(cond, binders)
    if not paths:
        return UNKNOWN
    options = [_candidates(p, facts, presence, with_missing) for p in paths]
    total = 1
    for o in options:
        total *= len(o)
    if total > _MAX_ASSIGNMENTS or any(UNKNOWN in o for o in options):
        return UNKNOWN
    results = set()
    for values in itertools.product(*options):
        env = {expr_text(p): v for p, v in zip(paths, values)}
        value = _eval(cond, env)
        if value is UNKNOWN or type(value) is not bool:
            return UNKNOWN
        results.add(value)
        if len(results) > 1:
            return UNKNOWN
    return results.pop()


def guard_problems(cond: n.Expr, facts: Any, presence: Presence, binders: Binders) -> list[tuple[n.Pos, str]]:
    """What is wrong with a `when`: (position, message) of each LINT-GUARD warning."""
    value = constant(cond, facts, presence, binders, True)
    if value is not UNKNOWN:
        consequence = "the rule can never fire here" if value is False else "it filters nothing"
        return [(cond.pos, f"this `when` is always {str(value).lower()} for a spec that passes the schema: "
                           f"{consequence}")]
    asks_presence = any(isinstance(x, (n.Exists, n.IsType)) for x in subexprs(cond))
    present_only = UNKNOWN if asks_presence else constant(cond, facts, presence, binders, False)
    if present_only is not UNKNOWN:
        optional = [expr_text(p) for p in sorted(paths_in(cond, binders), key=lambda p: (p.pos.line, p.pos.column))
                    if not presence.present(p)]
        what = ", ".join(f"`{p}`" for p in optional)
        if present_only:
            return [(cond.pos, f"this `when` is true for every value the schema allows: it only tests that {what} "
                               f"exist{'s' if len(optional) == 1 else ''}; say `… exists`")]
        return [(cond.pos, f"this `when` is false for every value the schema allows: it holds only when {what} "
                           f"{'is' if len(optional) == 1 else 'are'} missing; say `… is missing`")]
    parts = _operands(cond, "and")
    if len(parts) == 1:
        parts = _operands(cond, "or")
    out = []
    for part in parts if len(parts) > 1 else ():
        value = constant(part, facts, presence, binders, True)
        if value is not UNKNOWN:
            out.append((part.pos, f"this part of the `when` is always {str(value).lower()} for a spec that passes "
                                  f"the schema"))
    return out

"""`usm-rules lint`: warnings about policies that load fine but are probably not what their author meant.

The static checks of the engine (unknown paths, type errors, …) stay errors and are reported as such.
On top of them:

  LINT-UNTESTED   no test case makes the rule fire, or none makes it pass
  LINT-GUARD      a `when` (or a part of it) that the schema makes always true or always false, or that
                  only tests whether a value is present
  LINT-UNUSED     a param or `let` that nothing reads
  LINT-DUPLICATE  a rule id defined in more than one loaded policy file
  LINT-MISSING    a message interpolates a path that may be missing (not required by the schema and not
                  guarded by `exists` in the rule's `when`/`require`): it would read `(missing)`

No printing: `lint_paths` returns the warnings; the CLI renders them.
"""
from __future__ import annotations

import dataclasses

import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from .errors import Located, PolicyError, UsmError, located
from .lang import nodes as n
from .lang.formatter import expr_text

CODES = ("LINT-UNTESTED", "LINT-GUARD", "LINT-UNUSED", "LINT-DUPLICATE", "LINT-MISSING")
_MAX_ASSIGNMENTS = 4096


@dataclass(frozen=True)
class LintWarning:
    code: str
    where: Located  # file, line, column, the message, and the source line for the caret

    file = property(lambda self: self.where.file)
    line = property(lambda self: self.where.line)
    column = property(lambda self: self.where.column)
    message = property(lambda self: self.where.message)

    def render(self, strict: bool = False) -> str:
        label = "error" if strict else "warning"
        return dataclasses.replace(self.where, message=f"{label} {self.code} {self.message}").render()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "file": self.file, "line": self.line, "column": self.column,
                "message": self.message}


@dataclass
class LintResult:
    warnings: list[LintWarning] = field(default_factory=list)
    files: int = 0
    rules: int = 0


@dataclass
class _Checked:
    path: str
    source: str
    policy: n.PolicyFile
    facts: dict[str, Any]


def _rule_pos(checked: _Checked, rule: n.Rule) -> n.Pos:
    """Where the rule's id is written (for warnings about the whole rule)."""
    lines = checked.source.splitlines()
    text = lines[rule.pos.line - 1] if rule.pos.line <= len(lines) else ""
    column = text.find(rule.id, rule.pos.column - 1) + 1 or rule.pos.column
    return n.Pos(rule.pos.line, column, rule.pos.line, column + len(rule.id))


def _shown(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def _warn(out: list[LintWarning], checked: _Checked, pos: n.Pos, code: str, message: str) -> None:
    out.append(LintWarning(code, located(checked.path, checked.source, pos.line, pos.column, message, pos.length)))


# -- walking expressions ------------------------------------------------------------------------------------

def _subexprs(e: n.Expr) -> Iterable[n.Expr]:
    """Every expression node below and including `e`."""
    stack = [e]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(n.children(node))


def _names(e: n.Expr) -> set[str]:
    return {x.ident for x in _subexprs(e) if isinstance(x, n.Name)}


def _body_exprs(rule: n.Rule, body: n.Body) -> list[n.Expr]:
    out: list[n.Expr] = []
    for clause in body.clauses:
        out.append(clause.iterable if isinstance(clause, n.For) else clause.cond if isinstance(clause, n.When)
                   else clause.value)
    out.append(body.require)
    if body.message is not None:
        out.extend(p for p in body.message.parts if not isinstance(p, str))
    if body.at is not None:
        out.append(body.at)
    out.extend(s.cond for s in rule.severity_ifs)
    return out


def _root(e: n.Expr) -> n.Expr:
    while isinstance(e, (n.Field, n.Index, n.Star)):
        e = e.base
    return e


def _is_path(e: n.Expr) -> bool:
    return isinstance(e, (n.Field, n.Index)) and isinstance(_root(e), n.Name) and not any(
        isinstance(x, n.Star) for x in _chain(e))


def _chain(e: n.Expr) -> list[n.Expr]:
    out = []
    while isinstance(e, (n.Field, n.Index, n.Star)):
        out.append(e)
        e = e.base
    return out[::-1]


def _conjuncts(e: n.Expr) -> list[n.Expr]:
    if isinstance(e, n.Binary) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


# -- presence: which paths the schema (or an earlier guard) guarantees --------------------------------------

class _Presence:
    """Whether a path may be missing, from the schema's `required` and the guards already passed."""

    def __init__(self, facts: Any, binders: dict[str, Any]) -> None:
        self.facts = facts
        self.binders = binders  # name -> "spec" | "for" | "quant" | "param" | n.Expr (a let's value)
        self.known: set[str] = set()

    def note_guard(self, cond: n.Expr) -> None:
        """Positive conjuncts of a condition that held: what they compare or test exists."""
        for atom in _conjuncts(cond):
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
        return [a for a in atom.args if _is_path(a)]
    if isinstance(atom, n.Exists):
        return [atom.operand]
    if isinstance(atom, n.IsType) and not atom.negated and atom.type_name != "missing":
        return [atom.operand]
    if isinstance(atom, n.Binary) and atom.op in ("==", "!=", "<", "<=", ">", ">=", "in"):
        return [x for x in (atom.left, atom.right) if _is_path(x)]
    if isinstance(atom, n.Matches) and not atom.negated:
        return [atom.operand]
    return []


# -- constant guards ----------------------------------------------------------------------------------------

class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class _Some:
    """Some present value of these kinds (the schema says no more)."""

    kinds: frozenset


def _candidates(path: n.Expr, facts: Any, presence: _Presence, with_missing: bool) -> list[Any]:
    from .lang.runtime import MISSING

    ty = facts.types.get(id(path))
    if ty is None:
        return [UNKNOWN]
    values: list[Any]
    if ty.enum is not None:
        values = list(ty.enum)
    else:
        values = [_Some(ty.kinds)]
    if with_missing and not presence.present(path):
        values.append(MISSING)
    return values


def _eval(e: n.Expr, env: dict[str, Any]) -> Any:
    """Three-valued evaluation with the runtime's semantics; UNKNOWN where the schema does not decide."""
    from .lang.runtime import MISSING, TYPE_TESTS

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
    if isinstance(e, n.Binary) and e.op in ("==", "!=", "<", "<=", ">", ">=", "in", "notin"):
        a, b = _eval(e.left, env), _eval(e.right, env)
        if a is UNKNOWN or b is UNKNOWN:
            return UNKNOWN
        if a is MISSING or b is MISSING:
            return e.op == "notin"  # every comparison with a missing value is false; `not in` negates `in`
        if isinstance(a, _Some) or isinstance(b, _Some):
            if e.op in ("==", "!=") and not (isinstance(a, _Some) and isinstance(b, _Some)):
                some, other = (a, b) if isinstance(a, _Some) else (b, a)
                if not (_kinds_of(other) & some.kinds):
                    return e.op == "!="
            return UNKNOWN
        try:
            if e.op == "in":
                return a in b if type(b) in (list, str, dict) else False
            if e.op == "notin":
                return a not in b if type(b) in (list, str, dict) else True
            return {"==": a == b, "!=": a != b}.get(e.op) if e.op in ("==", "!=") else \
                {"<": lambda: a < b, "<=": lambda: a <= b, ">": lambda: a > b, ">=": lambda: a >= b}[e.op]()
        except TypeError:
            return UNKNOWN
    if isinstance(e, n.Exists):
        v = _eval(e.operand, env)
        return UNKNOWN if v is UNKNOWN else v is not MISSING
    if isinstance(e, n.IsType):
        v = _eval(e.operand, env)
        if v is UNKNOWN:
            return UNKNOWN
        if isinstance(v, _Some):
            wanted = _type_kinds(e.type_name)
            if wanted is None or e.type_name == "integer" and "number" in v.kinds:
                result: Any = UNKNOWN
            elif v.kinds <= wanted:
                result = True
            elif not (v.kinds & wanted):
                result = False
            else:
                result = UNKNOWN
        else:
            result = TYPE_TESTS[e.type_name](v) if e.type_name in TYPE_TESTS else UNKNOWN
        if result is UNKNOWN:
            return UNKNOWN
        return not result if e.negated else result
    return UNKNOWN


def _type_kinds(name: str) -> frozenset | None:
    return {"number": frozenset({"integer", "number"}), "integer": frozenset({"integer"}),
            "string": frozenset({"string"}), "boolean": frozenset({"boolean"}), "list": frozenset({"list"}),
            "object": frozenset({"object", "map"}), "null": frozenset({"null"}), "missing": frozenset()}.get(name)


def _kinds_of(value: Any) -> frozenset:
    if value is None:
        return frozenset({"null"})
    if type(value) is bool:
        return frozenset({"boolean"})
    if type(value) in (int, float):
        return frozenset({"integer", "number"})
    if type(value) is str:
        return frozenset({"string"})
    if type(value) is list:
        return frozenset({"list"})
    return frozenset({"object", "map"})


def _paths_in(e: n.Expr, binders: dict[str, Any]) -> list[n.Expr]:
    """The outermost spec paths in `e` (rooted at spec, an iterated or quantified variable, or a let)."""
    out: list[n.Expr] = []
    seen: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if _is_path(node) and binders.get(_root(node).ident) is not None \
                and binders.get(_root(node).ident) != "param":  # type: ignore[union-attr]
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


def _rendered_paths(e: n.Expr, binders: dict[str, Any]) -> list[n.Expr]:
    """The paths whose own value a message shows: the interpolated path itself, the branches of an `if`,
    the operands of arithmetic (missing stays missing). Paths inside calls and conditions are not shown."""
    if _is_path(e):
        return _paths_in(e, binders)
    if isinstance(e, n.IfExpr):
        return _rendered_paths(e.then, binders) + _rendered_paths(e.otherwise, binders)
    if isinstance(e, n.Binary) and e.op in ("+", "-", "*", "/", "%"):
        return _rendered_paths(e.left, binders) + _rendered_paths(e.right, binders)
    if isinstance(e, n.Unary) and e.op == "neg":
        return _rendered_paths(e.operand, binders)
    return []


def _constant(cond: n.Expr, facts: Any, presence: _Presence, binders: dict[str, Any],
              with_missing: bool) -> Any:
    """True/False when `cond` has that value for every value the schema allows; else UNKNOWN."""
    paths = _paths_in(cond, binders)
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


def _guard_warnings(out: list[LintWarning], checked: _Checked, cond: n.Expr, facts: Any, presence: _Presence,
                    binders: dict[str, Any]) -> None:
    value = _constant(cond, facts, presence, binders, True)
    if value is not UNKNOWN:
        consequence = "the rule can never fire here" if value is False else "it filters nothing"
        _warn(out, checked, cond.pos, "LINT-GUARD",
              f"this `when` is always {str(value).lower()} for a spec that passes the schema: {consequence}")
        return
    asks_presence = any(isinstance(x, n.Exists) or isinstance(x, n.IsType) for x in _subexprs(cond))
    present_only = UNKNOWN if asks_presence else _constant(cond, facts, presence, binders, False)
    if present_only is not UNKNOWN:
        optional = [expr_text(p) for p in sorted(_paths_in(cond, binders), key=lambda p: (p.pos.line, p.pos.column))
                    if not presence.present(p)]
        what = ", ".join(f"`{p}`" for p in optional)
        if present_only:
            _warn(out, checked, cond.pos, "LINT-GUARD",
                  f"this `when` is true for every value the schema allows: it only tests that {what} "
                  f"exist{'s' if len(optional) == 1 else ''}; say `… exists`")
        else:
            _warn(out, checked, cond.pos, "LINT-GUARD",
                  f"this `when` is false for every value the schema allows: it holds only when {what} "
                  f"{'is' if len(optional) == 1 else 'are'} missing; say `… is missing`")
        return
    parts = _conjuncts(cond)
    if len(parts) == 1 and isinstance(cond, n.Binary) and cond.op == "or":
        parts = _disjuncts(cond)
    if len(parts) > 1:
        for part in parts:
            value = _constant(part, facts, presence, binders, True)
            if value is not UNKNOWN:
                _warn(out, checked, part.pos, "LINT-GUARD",
                      f"this part of the `when` is always {str(value).lower()} for a spec that passes the schema")


def _disjuncts(e: n.Expr) -> list[n.Expr]:
    if isinstance(e, n.Binary) and e.op == "or":
        return _disjuncts(e.left) + _disjuncts(e.right)
    return [e]


# -- one policy file ----------------------------------------------------------------------------------------

def lint_policy(checked: _Checked) -> list[LintWarning]:
    """Warnings about one checked policy file (all but LINT-UNTESTED and LINT-DUPLICATE)."""
    out: list[LintWarning] = []
    for rule in checked.policy.rules:
        facts = checked.facts[rule.id]
        used: set[str] = set()
        for body in rule.bodies:
            for e in _body_exprs(rule, body):
                used |= _names(e)
        for param in rule.params:
            if param.name not in used:
                _warn(out, checked, param.pos, "LINT-UNUSED", f"param `{param.name}` of rule {rule.id} is never used")
        for body in rule.bodies:
            _lint_body(out, checked, rule, body, facts)
    return out


def _lint_body(out: list[LintWarning], checked: _Checked, rule: n.Rule, body: n.Body, facts: Any) -> None:
    binders: dict[str, Any] = {"spec": "spec", "specs": "specs"}
    binders.update({p.name: "param" for p in rule.params})
    presence = _Presence(facts, binders)
    later = _body_exprs(rule, body)
    for i, clause in enumerate(body.clauses):
        if isinstance(clause, n.For):
            binders[clause.var] = "for"
        elif isinstance(clause, n.Let):
            binders[clause.name] = clause.value if _is_path(clause.value) or isinstance(clause.value, n.Name) \
                else "let"
            rest = later[i + 1:]
            if not any(clause.name in _names(e) for e in rest):
                _warn(out, checked, clause.pos, "LINT-UNUSED", f"`let {clause.name}` is never used")
        else:
            _guard_warnings(out, checked, clause.cond, facts, presence, binders)
            presence.note_guard(clause.cond)
    for e in _subexprs(body.require):
        if isinstance(e, n.Quantified):
            binders.setdefault(e.var, "quant")
    if body.message is None:
        return
    guarded = {expr_text(x.operand) for x in _subexprs(body.require) if isinstance(x, n.Exists)}
    guarded |= {expr_text(x.operand) for x in _subexprs(body.require)
                if isinstance(x, n.IsType) and x.type_name == "missing"}
    for part in body.message.parts:
        if isinstance(part, str):
            continue
        local = set(guarded) | {expr_text(x.operand) for x in _subexprs(part) if isinstance(x, n.Exists)}
        for path in _rendered_paths(part, binders):
            text = expr_text(path)
            if presence.present(path) or any(g == text or g.startswith(text + ".") or g.startswith(text + "[")
                                             for g in local):
                continue
            if isinstance(binders.get(_root(path).ident), str) and binders[_root(path).ident] == "let":
                continue
            _warn(out, checked, path.pos, "LINT-MISSING",
                  f"`{text}` may be missing (the schema does not require it and no `exists` guards it): the "
                  "message would read `(missing)`")


# -- the run ------------------------------------------------------------------------------------------------

def _check_files(paths: list[str]) -> tuple[list[_Checked], list[Located]]:
    from .lang.checker import check_policy
    from .lang.parser import parse_policy
    from .lang.program import read_sources
    from .schema import schema

    checked: list[_Checked] = []
    problems: list[Located] = []
    for path in paths:
        try:
            [(path_, text)] = read_sources([path])
            policy = parse_policy(text, path_)
            facts = check_policy(policy, schema())
        except PolicyError as err:
            problems.extend(err.problems)
            continue
        checked.append(_Checked(path_, text, policy, facts))
    return checked, problems


def policy_files(paths: Iterable[str]) -> list[str]:
    """`.policy` files named or found under directories (hidden directories skipped), each once, in order."""
    out: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                out.extend(os.path.join(dirpath, f).replace(os.sep, "/") for f in sorted(filenames)
                           if f.endswith(".policy"))
        else:
            out.append(given)
    return list(dict.fromkeys(out))


def lint_paths(paths: list[str], *, context_policies: Iterable[str] = (), run_tests: bool = True,
               use_cache: bool = True) -> LintResult:
    """Lint the policy files under `paths`. `context_policies` are the other policies loaded beside them
    (built-in packs, configured ones), for duplicate ids. PolicyError when a file does not even load."""
    files = policy_files(paths)
    missing = [p for p in files if not os.path.exists(p)]
    if missing:
        raise UsmError([Located(p, 1, 1, "no such policy file or directory") for p in missing])
    checked, problems = _check_files(files)
    if problems:
        raise PolicyError(problems)
    result = LintResult(files=len(checked), rules=sum(len(c.policy.rules) for c in checked))
    for c in checked:
        result.warnings.extend(lint_policy(c))
    # duplicate ids across everything that is loaded together
    linted = {os.path.realpath(c.path) for c in checked}
    others = [p for p in context_policies if os.path.realpath(p) not in linted]
    context, _ = _check_files(others) if others else ([], [])
    seen: dict[str, list[tuple[_Checked, n.Rule]]] = {}
    for c in context + checked:
        for rule in c.policy.rules:
            seen.setdefault(rule.id, []).append((c, rule))
    for rule_id, places in seen.items():
        files_ = {os.path.realpath(c.path) for c, _ in places}
        if len(files_) < 2:
            continue
        for c, rule in places:
            if os.path.realpath(c.path) not in linted:
                continue
            others_ = [f"{_shown(o.path)}:{r.pos.line}" for o, r in places if o is not c]
            _warn(result.warnings, c, _rule_pos(c, rule), "LINT-DUPLICATE",
                  f"rule {rule_id} is also defined in {', '.join(others_)}: they cannot be loaded together")
    if run_tests:
        _untested(result, checked, paths, use_cache)
    result.warnings.sort(key=lambda w: (w.file, w.line, w.column, w.code))
    return result


def _untested(result: LintResult, checked: list[_Checked], paths: list[str], use_cache: bool) -> None:
    from . import policytest

    roots = list(paths) + sorted({os.path.dirname(c.path) or "." for c in checked})
    tests, _ = policytest.discover([p for p in roots if os.path.isdir(p)])
    fired: dict[tuple[str, str], bool] = {}
    passed: dict[tuple[str, str], bool] = {}
    if tests:
        loaded = [policytest.load_test_file(t) for t in tests]
        runner = policytest.Runner(use_cache=use_cache)
        for test in loaded:
            runner.check_names(test)
            for case in test.cases:
                r = runner.run_case(test, case)
                rules = runner.rule_set(test, case)
                for rule_id in r.fired | r.passed_rules:
                    meta = rules.metas.get(rule_id)
                    if meta is None:
                        continue
                    key = (os.path.realpath(meta.file), rule_id)
                    if rule_id in r.fired:
                        fired[key] = True
                    else:
                        passed[key] = True
    for c in checked:
        for rule in c.policy.rules:
            key = (os.path.realpath(c.path), rule.id)
            if not fired.get(key) and not passed.get(key):
                what = "no test case runs rule {id}: add one to a `.test.yaml` beside the policy"
            elif not fired.get(key):
                what = "no test case makes rule {id} fire"
            elif not passed.get(key):
                what = "no test case makes rule {id} pass"
            else:
                continue
            _warn(result.warnings, c, _rule_pos(c, rule), "LINT-UNTESTED", what.format(id=rule.id))

"""`usm-rules lint`: warnings about policies that load fine but are probably not what their author meant.

The static checks of the engine (unknown paths, type errors, …) stay errors and are reported as such. On
top of them, the LINT-* codes declared in `CODES` (what each finds, why it matters, an example). The guard
and presence analysis behind LINT-GUARD and LINT-MISSING is lint_guards.py.

No printing: `lint_paths` returns the warnings; the CLI renders them.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from .errors import Located, PolicyError, UsmError, located
from .findings import RuleInfo, Severity
from .lang import nodes as n
from .lang.printer import expr_text
from .lint_guards import Binders, Presence, guard_problems, is_path, names, rendered_paths, root_of, subexprs

CODES = (
    RuleInfo("LINT-UNTESTED", Severity.WARNING, "Every rule is tested both ways", "lint",
             "A rule no test case makes fire may never fire at all (a wrong path, an inverted condition), and one "
             "no case makes pass may fire on every spec; a `.test.yaml` beside the policy with a failing and a "
             "passing case shows it does what its title says.",
             example="a rule whose only test case gives a clean spec (it is never seen to fire)"),
    RuleInfo("LINT-GUARD", Severity.WARNING, "Every `when` can go both ways", "lint",
             "A `when` that the schema makes always true filters nothing, one that is always false silences the "
             "rule, and one that only holds when a value is present is an `exists` test written as a comparison: "
             "each says something other than what its author meant.",
             example='when spec.apiVersion == "usm/v1"   # the schema allows no other value'),
    RuleInfo("LINT-UNUSED", Severity.WARNING, "Every param and `let` is used", "lint",
             "A param that nothing reads is configuration that changes nothing, and an unused `let` is usually "
             "a value the author meant to test.",
             example="param max_gap = 1   # in a rule that never mentions max_gap"),
    RuleInfo("LINT-DUPLICATE", Severity.WARNING, "Rule ids are unique across loaded policies", "lint",
             "Two policy files that define the same rule id cannot be loaded together: the run that loads both "
             "stops with an error.",
             example="rule LOCAL-004 { … } in two policy files named by the same config"),
    RuleInfo("LINT-MISSING", Severity.WARNING, "Messages show values that exist", "lint",
             "A message that interpolates a path the schema does not require, with no `exists` guarding it, "
             "reads `(missing)` on the specs that lack it.",
             example='message "SCO {sco.id} ({sco.metric.unit}) has no owner"   # no `sco.metric.unit exists`'),
)


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


def _shown(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def _warn(out: list[LintWarning], checked: _Checked, pos: n.Pos, code: str, message: str) -> None:
    out.append(LintWarning(code, located(checked.path, checked.source, pos.line, pos.column, message, pos.length)))


def _body_exprs(rule: n.Rule, body: n.Body) -> list[n.Expr]:
    """The expressions of one check, in order: clauses, `require`, message parts, `at`, `severity … if`."""
    out: list[n.Expr] = [n.item_expr(clause) for clause in body.clauses]  # type: ignore[misc]
    out.append(body.require)
    if body.message is not None:
        out.extend(p for p in body.message.parts if not isinstance(p, str))
    if body.at is not None:
        out.append(body.at)
    out.extend(s.cond for s in rule.severity_ifs)
    return out


# -- one policy file ----------------------------------------------------------------------------------------

def lint_policy(checked: _Checked) -> list[LintWarning]:
    """Warnings about one checked policy file (all but LINT-UNTESTED and LINT-DUPLICATE)."""
    out: list[LintWarning] = []
    for rule in checked.policy.rules:
        facts = checked.facts[rule.id]
        used: set[str] = set()
        for body in rule.bodies:
            for e in _body_exprs(rule, body):
                used |= names(e)
        for param in rule.params:
            if param.name not in used:
                _warn(out, checked, param.pos, "LINT-UNUSED", f"param `{param.name}` of rule {rule.id} is never used")
        for body in rule.bodies:
            _lint_body(out, checked, rule, body, facts)
    return out


def _lint_body(out: list[LintWarning], checked: _Checked, rule: n.Rule, body: n.Body, facts: Any) -> None:
    binders: Binders = {"spec": "spec", "specs": "specs"}
    binders.update({p.name: "param" for p in rule.params})
    presence = Presence(facts, binders)
    later = _body_exprs(rule, body)
    for i, clause in enumerate(body.clauses):
        if isinstance(clause, n.For):
            binders[clause.var] = "for"
        elif isinstance(clause, n.Let):
            binders[clause.name] = clause.value if is_path(clause.value) or isinstance(clause.value, n.Name) \
                else "let"
            if not any(clause.name in names(e) for e in later[i + 1:]):
                _warn(out, checked, clause.pos, "LINT-UNUSED", f"`let {clause.name}` is never used")
        else:
            for pos, message in guard_problems(clause.cond, facts, presence, binders):
                _warn(out, checked, pos, "LINT-GUARD", message)
            presence.note_guard(clause.cond)
    for e in subexprs(body.require):
        if isinstance(e, n.Quantified):
            binders.setdefault(e.var, "quant")
    if body.message is not None:
        _missing_in_message(out, checked, body, presence, binders)


def _missing_in_message(out: list[LintWarning], checked: _Checked, body: n.Body, presence: Presence,
                        binders: Binders) -> None:
    """LINT-MISSING: paths a message shows that may be missing, unless an `exists` guards them."""
    assert body.message is not None
    guarded = {expr_text(x.operand) for x in subexprs(body.require) if isinstance(x, n.Exists)}
    guarded |= {expr_text(x.operand) for x in subexprs(body.require)
                if isinstance(x, n.IsType) and x.type_name == "missing"}
    for part in body.message.parts:
        if isinstance(part, str):
            continue
        local = set(guarded) | {expr_text(x.operand) for x in subexprs(part) if isinstance(x, n.Exists)}
        for path in rendered_paths(part, binders):
            text = expr_text(path)
            if presence.present(path) or any(g == text or g.startswith(text + ".") or g.startswith(text + "[")
                                             for g in local):
                continue
            if binders.get(root_of(path).ident) == "let":  # type: ignore[attr-defined]
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


def lint_paths(paths: list[str], *, context_policies: Iterable[str] = (), run_tests: bool = True,
               use_cache: bool = True) -> LintResult:
    """Lint the policy files under `paths`. `context_policies` are the other policies loaded beside them
    (built-in packs, configured ones), for duplicate ids. PolicyError when a file does not even load."""
    from .policyfiles import policy_files

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
    _duplicates(result, checked, context_policies)
    if run_tests:
        _untested(result, checked, use_cache)
    result.warnings.sort(key=lambda w: (w.file, w.line, w.column, w.code))
    return result


def _duplicates(result: LintResult, checked: list[_Checked], context_policies: Iterable[str]) -> None:
    """LINT-DUPLICATE: rule ids defined again in another file loaded with them."""
    linted = {os.path.realpath(c.path) for c in checked}
    others = [p for p in context_policies if os.path.realpath(p) not in linted]
    context, _ = _check_files(others) if others else ([], [])
    seen: dict[str, list[tuple[_Checked, n.Rule]]] = {}
    for c in context + checked:
        for rule in c.policy.rules:
            seen.setdefault(rule.id, []).append((c, rule))
    for rule_id, places in seen.items():
        if len({os.path.realpath(c.path) for c, _ in places}) < 2:
            continue
        for c, rule in places:
            if os.path.realpath(c.path) not in linted:
                continue
            elsewhere = [f"{_shown(o.path)}:{r.pos.line}" for o, r in places if o is not c]
            _warn(result.warnings, c, rule.id_pos, "LINT-DUPLICATE",
                  f"rule {rule_id} is also defined in {', '.join(elsewhere)}: they cannot be loaded together")


def _untested(result: LintResult, checked: list[_Checked], use_cache: bool) -> None:
    """LINT-UNTESTED, from running the test files that belong to each linted policy (policyfiles.tests_of)."""
    from . import policytest
    from .policyfiles import tests_of

    tests = list(dict.fromkeys(t for c in checked for t in tests_of(c.path)))
    fired: set[tuple[str, str]] = set()
    passed: set[tuple[str, str]] = set()
    if tests:
        runner = policytest.Runner(use_cache=use_cache)
        for test in (policytest.load_test_file(t) for t in tests):
            runner.check_names(test)
            for case in test.cases:
                r = runner.run_case(test, case)
                metas = runner.rule_set(test, case).metas
                for rule_id in r.fired | r.passed_rules:
                    meta = metas.get(rule_id)
                    if meta is not None:
                        (fired if rule_id in r.fired else passed).add((os.path.realpath(meta.file), rule_id))
    for c in checked:
        for rule in c.policy.rules:
            key = (os.path.realpath(c.path), rule.id)
            if key not in fired and key not in passed:
                what = "no test case runs rule {id}: add one to a `.test.yaml` beside the policy"
            elif key not in fired:
                what = "no test case makes rule {id} fire"
            elif key not in passed:
                what = "no test case makes rule {id} pass"
            else:
                continue
            _warn(result.warnings, c, rule.id_pos, "LINT-UNTESTED", what.format(id=rule.id))

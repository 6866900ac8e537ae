"""Compiled policies + options -> the rules in force for a run (RuleSet): params bound, severities set, rules
selected. Every rule id the config or the caller names must exist: a typo never selects or configures nothing.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass, field
from typing import Any, Callable

from ..codes import CodeTable, engine_codes
from ..config import is_selected, rule_matches
from ..errors import ConfigError, Located, UsageError
from ..findings import RuleInfo, Severity
from ..ramp import Ramp
from ..suggest import did_you_mean
from ..textsafe import visible
from .options import EngineOptions


@dataclass(frozen=True)
class RuleSet:
    """The rules in force for a run: metadata, effective severities and params, compiled functions."""

    infos: CodeTable  # every code that can appear in this run's findings: rules in force, then engine codes
    severities: dict[str, Severity]  # rules in force only
    spec_rules: tuple[tuple[str, Callable], ...]
    repo_rules: tuple[tuple[str, Callable], ...]
    repo_paths: tuple[tuple[str, ...], ...] | None  # parts of each spec repository rules read; None: all
    metas: dict[str, Any]  # every rule the policies define (RuleMeta), in force or not
    # Rules the rule set itself switches off (config `severity = "off"`, config select/ignore) -> how; rules
    # that only the caller's --select/--ignore leave out are not here (a partial run switches nothing off).
    switched_off: dict[str, str] = field(default_factory=dict)
    ramps: dict[str, Ramp] = field(default_factory=dict)  # rules in force with a dated ramp (usm_rules/ramp.py)

    @property
    def empty(self) -> bool:
        return not self.spec_rules and not self.repo_rules


def _at(where: Located | None, message: str) -> Located:
    return dataclasses.replace(where, message=message) if where else Located("<config>", 1, 1, message)


def load_rules(options: EngineOptions) -> RuleSet:
    """Compile (or fetch from cache) the policies and bind config; PolicyError/ConfigError on problems."""
    from ..lang.program import ParamError, instantiate, load_program

    program = load_program(list(options.policy_files), use_cache=options.use_cache, explain=options.explain,
                           coverage=options.coverage)
    metas = {m.id: m for m in program.rules}
    params, problems = _bind_params(program.rules, options)
    problems += _unknown_rule_problems(options, set(metas))
    if problems:
        raise ConfigError(problems)
    try:
        functions = instantiate(program, params, options.as_of)
    except ParamError as err:  # a regex param from config that RE2 cannot run
        where = options.param_locations.get((err.rule_id, err.param)) or options.shared_param_locations.get(err.param)
        raise ConfigError([_at(where, str(err))]) from None
    return _select(program.rules, functions, metas, options)


def bound_params(rules: list[Any], options: EngineOptions) -> dict[str, dict[str, Any]]:
    """Each rule's params as a run binds them (defaults, then config); problems are `load_rules`' to report."""
    return _bind_params(rules, options)[0]


def _bind_params(rules: list[Any], options: EngineOptions) -> tuple[dict[str, dict[str, Any]], list[Located]]:
    """Each rule's params: its defaults, then shared values from config, then its own `[rules.ID]` values."""
    from ..lang.program import param_problem

    problems: list[Located] = []
    params: dict[str, dict[str, Any]] = {}
    for m in rules:
        values = dict(m.params)
        for name, value in options.shared_params.items():
            if name in values:
                problem = param_problem(m, name, value)
                if problem:
                    problems.append(_at(options.shared_param_locations.get(name), problem))
                values[name] = value
        for name, value in options.params.get(m.id, {}).items():
            problem = param_problem(m, name, value)
            if problem:
                problems.append(_at(options.param_locations.get((m.id, name)), problem))
            values[name] = value
        params[m.id] = values
    return params, problems


def _select(rules: list[Any], functions: dict[str, Callable], metas: dict[str, Any],
            options: EngineOptions) -> RuleSet:
    """The rules that select/ignore/severity keep, with their effective severities."""
    infos: dict[str, RuleInfo] = {}
    severities: dict[str, Severity] = {}
    spec_rules: list[tuple[str, Callable]] = []
    repo_rules: list[tuple[str, Callable]] = []
    repo_paths: set[tuple[str, ...]] | None = set()
    switched_off: dict[str, str] = {}
    ramps: dict[str, Ramp] = {}
    for m in rules:
        sev = Severity.parse(m.severity)
        if m.id in options.severities:
            override = options.severities[m.id]
            if override is None:
                switched_off[m.id] = 'the config sets `severity = "off"`'
                continue
            sev = override
        if not is_selected(m.id, options.select, options.ignore):
            if is_selected(m.id, options.caller_select, options.caller_ignore):
                switched_off[m.id] = "the config's `select`/`ignore` leave it out"
            continue
        infos[m.id] = RuleInfo(m.id, sev, m.title, m.pack, m.rationale, m.help, m.tags)
        severities[m.id] = sev
        day = options.ramps.get(m.id) or (_dt.date.fromisoformat(m.enforce_from) if m.enforce_from else None)
        if day is not None:
            ramps[m.id] = Ramp(day, sev)
        if m.scope == "repository":
            repo_rules.append((m.id, functions[m.id]))
            if m.repo_paths is None:
                repo_paths = None
            elif repo_paths is not None:
                repo_paths.update(m.repo_paths)
        else:
            spec_rules.append((m.id, functions[m.id]))
    return RuleSet(CodeTable(infos), severities, tuple(spec_rules), tuple(repo_rules),
                   None if repo_paths is None else tuple(sorted(repo_paths)), metas, switched_off, ramps)


def _unknown_rule_problems(options: EngineOptions, defined: set[str]) -> list[Located]:
    """Every rule id or pattern that config or flags name but no loaded policy (or the engine) defines: a
    typo must never quietly select nothing or configure nothing."""
    problems: list[Located] = []
    for rule_id in sorted(set(options.params) | set(options.severities) | set(options.ramps)):
        if rule_id not in defined:
            where = options.rule_locations.get(rule_id) or next(
                (loc for (rid, _), loc in options.param_locations.items() if rid == rule_id), None)
            problems.append(_at(where, f"`[rules.{rule_id}]`: no loaded policy defines rule {rule_id}"
                                       f"{did_you_mean(rule_id, sorted(defined))}"))
    for kind, patterns in (("select", options.select), ("ignore", options.ignore)):
        for pattern in patterns:
            # the engine's own codes (SPEC-SCHEMA…) are looked at only when no rule matches: a clean run
            # never needs their modules
            if any(rule_matches(rule_id, (pattern,)) for rule_id in defined) or \
                    any(rule_matches(code, (pattern,)) for code in engine_codes()):
                continue
            known = defined | set(engine_codes())
            hint = did_you_mean(pattern, sorted(known))
            where = options.pattern_locations.get((kind, pattern))
            if where is None:  # from the command line
                raise UsageError(f"--{kind} {visible(pattern)}: matches no rule{hint}")
            problems.append(_at(where, f"{kind}: `{visible(pattern)}` matches no rule{hint}"))
    return problems


def unknown_rule_error(rule_id: str, known: Any) -> str:
    """The message for a rule id that nothing defines (explain, waivers)."""
    return f"unknown rule `{visible(rule_id)}`{did_you_mean(rule_id, sorted(known))}"

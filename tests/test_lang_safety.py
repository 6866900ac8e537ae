"""Policies cannot hang the tool or break its compiler (issue items 5 and 15).

- regexes run on RE2: linear time, `$` is the end of the text, and what RE2 cannot run is a located error;
- the text functions are linear on megabyte statements of every hostile shape, alone and in the default packs;
- bindings cannot leak from one check into another;
- every expression the compiler cannot take is a located policy error (exit 2), and everything up to the
  limits compiles, with explain and coverage instrumentation too; a seeded stream of hostile texts never
  gets anything but a Program or a located PolicyError.

No test here measures time: the hostile inputs simply run, and the suite's own duration shows a regression.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from usm_rules.config import Config
from usm_rules.engine import EngineOptions, load_rules, run
from usm_rules.errors import ConfigError, PolicyError
from usm_rules.lang import builtins as b
from usm_rules.lang import nodes as n
from usm_rules.lang.checker import Checker
from usm_rules.lang.compiler import generate
from usm_rules.lang.formatter import format_source
from usm_rules.lang.program import compile_sources, instantiate
from usm_rules.lang.regex import RegexError, compile_regex
from usm_rules.lint import lint_paths
from usm_rules.ruledocs import base_spec
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "lang-safety"
ERROR_CASES = sorted((CASES / "errors").glob("*.policy"))
MB = 1_000_000


def policy_text(body: str, params: str = "") -> str:
    return f'policy t "test"\nrule T-001 {{\n  title "t"\n  severity error\n{params}{body}\n}}\n'


def findings(body: str, spec: dict, *, params: str = "", values: dict | None = None) -> list[str]:
    """Messages of the findings of a one-rule policy on one spec (the generated code run directly)."""
    program = compile_sources([("t.policy", policy_text(body, params))])
    merged = dict(program.rules[0].params)
    merged.update(values or {})
    fn = instantiate(program, {"T-001": merged}, dt.date(2026, 11, 24))["T-001"]
    out: list[str] = []
    fn(spec, lambda hit: out.append(hit.message))
    return out


def policy_error(text: str, **kw: Any) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        compile_sources([("t.policy", text)], **kw)
    return info.value


# -- regular expressions ----------------------------------------------------------------------------------

def test_dollar_is_the_end_of_the_text_so_a_trailing_newline_does_not_match() -> None:
    sla = compile_regex("^SLA-[0-9]{4}$")
    assert sla.found_in("SLA-1234")
    assert not sla.found_in("SLA-1234\n")
    spec = {"metadata": {"agreementRef": "SLA-1234\n"}}
    assert findings('require spec.metadata.agreementRef matches "^SLA-[0-9]{4}$"\nmessage "no match"', spec) == \
        ["no match"]
    assert findings('require spec.metadata.agreementRef matches "^SLA-[0-9]{4}\\n$"\nmessage "no match"', spec) == []


def test_matches_is_a_search_anywhere_in_the_string_as_documented() -> None:
    assert compile_regex("SLA-[0-9]{4}").found_in("see SLA-1234 there")
    assert not compile_regex("^SLA").found_in("see SLA-1234")
    assert compile_regex("(?m)^SLA-1$").found_in("x\nSLA-1\ny")


def test_a_pattern_that_backtracks_exponentially_elsewhere_answers_on_a_megabyte() -> None:
    assert not compile_regex("(a+)+$").found_in("a" * MB + "!")
    assert compile_regex("(a|aa)*b").found_in("a" * MB + "b")
    spec = {"metadata": {"name": "a" * MB + "!"}}
    assert findings('require not (spec.metadata.name matches "^(a+)+$")\nmessage "all a"', spec) == []


def test_text_that_is_not_valid_unicode_is_matched_without_an_error() -> None:
    assert compile_regex("x").found_in("a\ud800x")
    assert not compile_regex("^a$").found_in("a\udcff")


@pytest.mark.parametrize("policy", ERROR_CASES, ids=[p.stem for p in ERROR_CASES])
def test_what_the_compiler_cannot_take_is_a_located_policy_error(policy: Path) -> None:
    name = policy.relative_to(ROOT).as_posix()
    with pytest.raises(PolicyError) as info:
        compile_sources([(name, policy.read_text(encoding="utf-8"))])
    assert info.value.render() + "\n" == policy.with_suffix(".expected").read_text(encoding="utf-8")


def test_rejected_patterns_print_nothing_on_standard_error(capfd: pytest.CaptureFixture[str]) -> None:
    for pattern in ("(a)\\1", "(?=a)", "[", "a{1001}", "(a{100}){100}", "\\Z"):
        with pytest.raises(RegexError):
            compile_regex(pattern)
    assert capfd.readouterr().err == ""


def test_a_regex_param_set_by_config_is_a_config_error_naming_rule_and_param(tmp_path: Path) -> None:
    (tmp_path / "p.policy").write_text(policy_text('for sco in spec.scos\nrequire sco.id matches pattern',
                                                   '  param pattern = "^sco-"\n'), encoding="utf-8")
    options = EngineOptions(policy_files=[str(tmp_path / "p.policy")], use_cache=False,
                            params={"T-001": {"pattern": "(?<=x)y"}})
    with pytest.raises(ConfigError) as info:
        load_rules(options)
    assert "param `pattern` of rule T-001: bad regular expression" in info.value.render()
    assert "lookbehind is not supported" in info.value.render()


def test_a_regex_param_from_config_is_run_by_re2() -> None:
    spec = {"metadata": {"id": "svc-x\n"}}
    body = 'require spec.metadata.id matches pattern\nmessage "{spec.metadata.id}"'
    assert findings(body, spec, params='  param pattern = "^svc-"\n') == []
    assert findings(body, spec, params='  param pattern = "^svc-"\n', values={"pattern": "^svc-x$"}) == ["svc-x\n"]


def generated(text: str) -> str:
    """The Python that a policy text compiles to."""
    from usm_rules.lang.checker import check_policy
    from usm_rules.lang.parser import parse_policy
    from usm_rules.schema import schema

    parsed = parse_policy(text, "t.policy")
    facts = check_policy(parsed, schema())
    return generate([(rule, facts[rule.id]) for rule in parsed.rules])


def test_generated_code_does_not_use_pythons_re() -> None:
    source = generated(policy_text('require spec.metadata.id matches "^svc-[a-z]+$"'))
    assert "import re" not in source and "_re." not in source and "re.compile" not in source
    assert "R.regex('^svc-[a-z]+$')" in source


def test_re2_is_imported_only_by_policies_that_use_matches(tmp_path: Path) -> None:
    script = ("import sys, datetime\n"
              "from usm_rules.lang.program import compile_sources, instantiate\n"
              "p = compile_sources([('t.policy', sys.argv[1])])\n"
              "instantiate(p, {'T-001': {}}, datetime.date(2026, 1, 1))\n"
              "print('re2' in sys.modules)\n")
    plain = policy_text('require spec.metadata.id == "x"')
    regex = policy_text('require spec.metadata.id matches "x"')
    outputs = [subprocess.run([sys.executable, "-c", script, text], capture_output=True, text=True, check=True,
                              cwd=ROOT).stdout.strip() for text in (plain, regex)]
    assert outputs == ["False", "True"]


# -- text functions on hostile megabytes ------------------------------------------------------------------

HOSTILE = {
    "unclosed-curly-quotes": "“" * 100_000,
    "alternating-quotes": "“”‘’«»\"'`" * (MB // 9),
    "one-word": "a" * MB,
    "apostrophes": "'" * MB,
    "hyphens": "-" * MB,
    "spaces": " " * MB,
    "apostrophe-after-word": "x'" * (MB // 2),
    "quote-before-word": "'a " * (MB // 3),
    "provider-voice": "we will maintain the efficient fast team " * (MB // 41),
    "unclosed-quote-per-line": "“we will\n" * (MB // 9),
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(HOSTILE))
def test_each_text_function_takes_a_hostile_megabyte(shape: str) -> None:
    text = HOSTILE[shape]
    unquoted = b._unquoted(text)
    words = b._words(unquoted)
    weasel = b._find_phrases(unquoted, ["fast", "efficient|effective", "we will|shall", "*ed"], ["as fast as"])
    assert b._lower(text) == text.lower() and b._upper(text) == text.upper() and b._len(text) == len(text)
    assert b._trim(text) == text.strip() and b._starts_with(text, text[:3]) and b._ends_with(text, text[-3:])
    assert b._contains(text, text[-5:]) and b._join(words[:3], "|") == "|".join(words[:3])
    if shape == "one-word":
        assert words == [text] and unquoted == text
    elif shape == "alternating-quotes":  # every passage closes on the line: blanks, and the last quote open
        assert set(unquoted[:-1]) == {" "} and unquoted[-1] == "`" and len(unquoted) < len(text) // 5
    elif shape in ("unclosed-curly-quotes", "apostrophes", "hyphens", "spaces", "apostrophe-after-word",
                   "quote-before-word"):
        assert unquoted == text  # nothing is closed: nothing is blanked
    elif shape == "provider-voice":
        assert weasel[:4] == ["we will", "efficient", "fast", "we will"]
        assert len(weasel) == 3 * (MB // 41)
    elif shape == "unclosed-quote-per-line":
        assert unquoted == text and words[:2] == ["we", "will"]


def test_unique_and_duplicates_count_with_hashing_and_keep_equality() -> None:
    assert b._unique([1, 1.0, True, "1", [1], [True], {"a": 1}, {"a": 1.0}]) == [1, "1", [1], {"a": 1}]
    assert b._duplicates([{"a": [1]}, {"a": [1]}, 2, 2, 2]) == [{"a": [1]}, 2]
    many = list(range(200_000))
    assert b._unique(many + many) == many and b._duplicates(many + many) == many
    assert len(b._unique([{"id": i} for i in range(100_000)])) == 100_000


@pytest.mark.slow
def test_the_default_packs_take_specs_of_hostile_statements(tmp_path: Path) -> None:
    """Every hostile megabyte as an SCO statement, checked by CEMM-005/006/007 (two files: 10 MiB each at most)."""
    paths = []
    shapes = list(HOSTILE)
    for half in (shapes[:5], shapes[5:]):
        spec = base_spec()
        spec["scos"] = [{"id": shape, "statement": HOSTILE[shape]} for shape in half]
        paths.append(tmp_path / f"hostile-{len(paths)}.json")
        paths[-1].write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    options = build_options(Config(path=None, root=str(ROOT)),
                             Flags(as_of=dt.date(2026, 11, 24), select=("CEMM-005", "CEMM-006", "CEMM-007")))
    result = run([str(p) for p in paths], options, load_rules(options))
    fired = {(f.rule, f.service, f.pointer) for f in result.findings}
    assert not [f for f in result.findings if f.rule.startswith(("RULE-", "SPEC-"))]
    voice = f"/scos/{shapes[5:].index('provider-voice')}/statement"
    assert {rule for rule, _, pointer in fired if pointer == voice} >= {"CEMM-005", "CEMM-006"}


def test_a_crafted_provider_name_costs_a_rule_error_not_minutes(tmp_path: Path) -> None:
    spec = base_spec()
    spec["provider"]["name"] = "a " * 2000
    spec["scos"] = [{"id": "s0", "statement": "a " * 100_000 + "will"}]
    path = tmp_path / "crafted.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    options = build_options(Config(path=None, root=str(ROOT)), Flags(as_of=dt.date(2026, 11, 24), select=("CEMM",)))
    errors = [f.message for f in run([str(path)], options, load_rules(options)).findings if f.rule == "RULE-ERROR"]
    assert len(errors) == 1 and "CEMM-005" in errors[0] and "TextTooLarge" in errors[0]


# -- scoping --------------------------------------------------------------------------------------------

SHADOWING = {
    "for": "for limit in spec.customers\nrequire limit.id != \"x\"",
    "let": "let limit = 5\nrequire len(spec.scos) < limit",
    "quantifier": "require all limit in spec.customers: limit.id != \"x\"",
}


@pytest.mark.parametrize("binding", list(SHADOWING))
def test_a_binding_cannot_take_the_name_of_a_param(binding: str) -> None:
    err = policy_error(policy_text(SHADOWING[binding], "  param limit = 1\n"))
    assert len(err.problems) == 1
    problem = err.problems[0]
    assert problem.line == 6 and "`limit` is a param of this rule (line 5)" in problem.message


def test_a_later_check_sees_the_param_even_where_a_loop_reused_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue's reproducer, with the checker's rule against shadowing switched off: the generated code
    gives every binding its own name, so the loop's last customer cannot leak into the second check."""
    def permissive(self: Checker, name: str, pos: n.Pos, var: Any, scope: dict) -> None:
        scope[name] = var

    monkeypatch.setattr(Checker, "bind", permissive)
    spec = {"customers": [{"id": "hr"}, {"id": "ops"}], "scos": []}
    body = ('for x in spec.customers\nrequire x.id != "nobody"\nmessage "loop {x.id}"\n'
            'require x == 1\nmessage "param is {x}"')
    assert findings(body, spec, params="  param x = 1\n") == []
    assert findings(body, spec, params="  param x = 2\n") == ["param is 2"]


def test_every_binding_gets_its_own_python_name() -> None:
    source = generated(policy_text('param limit = 1\nfor c in spec.customers\nlet n = 1\n'
                                   'require all c in spec.scos: c.id != "x"\n'
                                   'for c in spec.scos\nlet n = 2\nrequire (count c in spec.customers: true) >= n'))
    bound = [line.split()[0] for line in source.splitlines() if line.strip().startswith("v") and " = " in line]
    loops = [line.split()[2] for line in source.splitlines() if line.strip().startswith("for i")]
    names = bound + [name.rstrip(":") for name in loops]
    assert len(names) == len(set(names)) >= 5  # param, 2 lets, 2 loop variables: each assigned in one place


# -- what the compiler takes, up to the limits --------------------------------------------------------------

def _deep(kind: str, depth: int) -> str:
    """An expression `depth` levels deep (the leaf comparison included) of one kind of nesting."""
    leaf = 'spec.metadata.id == "a"'  # 4 levels: ==, .id, .metadata, spec
    inner = depth - 4
    return {
        "not": "not " * inner + leaf,
        "and": " and ".join([leaf] * (inner + 1)),
        "quantifier": "".join(f"all q{i} in spec.scos: " for i in range(inner)) + leaf,
        "if": "if true then " * inner + leaf + " else false" * inner,
        "parentheses": "(" * 500 + leaf + ")" * 500,
        "calls": "abs(" * (depth - 4) + "len(spec.scos)" + ")" * (depth - 4) + " == 1",
        "lists": "len(" + "[" * (depth - 3) + "1" + "]" * (depth - 3) + ") == 1",
        "arithmetic": " + ".join(["len(spec.scos)"] * (depth - 3)) + " == 1",
        "negation": "- " * (depth - 4) + "len(spec.scos) == 1",
    }[kind]


KINDS = ["not", "and", "quantifier", "if", "parentheses", "calls", "lists", "arithmetic", "negation"]


@pytest.mark.parametrize("kind", KINDS)
def test_an_expression_at_the_nesting_limit_compiles_formats_lints_and_runs(kind: str, tmp_path: Path) -> None:
    text = policy_text(f"require {_deep(kind, n.MAX_EXPR_DEPTH)}")
    for mode in ({}, {"explain": True, "coverage": True}):
        program = compile_sources([("t.policy", text)], **mode)
        fn = instantiate(program, {"T-001": {}}, dt.date(2026, 11, 24))["T-001"]
        fn({"metadata": {"id": "b"}, "scos": [{"id": "s"}]}, lambda *finding: None)
    assert format_source(text, "t.policy").count("\n") >= text.count("\n") - 1
    (tmp_path / "t.policy").write_text(text, encoding="utf-8")
    assert lint_paths([str(tmp_path / "t.policy")], run_tests=False, use_cache=False).rules == 1
    beyond = policy_text(f"require {_deep(kind, n.MAX_EXPR_DEPTH + 1)}")
    if kind != "parentheses":  # parentheses are free: only what they hold counts
        assert "more than 64 levels deep" in policy_error(beyond).render()


def test_clauses_up_to_the_limits_compile_with_instrumentation() -> None:
    fors = "".join(f"for c{i} in spec.customers\n" for i in range(n.MAX_FOR))
    whens = "".join(f'when c0.id != "w{i}"\n' for i in range(n.MAX_BLOCKS - n.MAX_FOR))
    text = policy_text(fors + whens + f'require {_deep("not", n.MAX_EXPR_DEPTH)}')
    program = compile_sources([("t.policy", text)], explain=True, coverage=True)
    fn = instantiate(program, {"T-001": {}}, dt.date(2026, 11, 24))["T-001"]
    hits: list[Any] = []
    fn({"metadata": {"id": "b"}, "customers": [{"id": "hr"}]}, lambda *finding: hits.append(finding))
    assert len(hits) == 1


def test_a_policy_error_from_the_command_line_exits_2(tmp_path: Path) -> None:
    policy = tmp_path / "big.policy"
    policy.write_text(policy_text("require len(spec.scos) < 1e999"), encoding="utf-8")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(base_spec()), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "usm_rules", "check", "--no-builtin", "--no-cache", "--policy",
                           str(policy), str(spec)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 2
    assert "big.policy:5:26: the number `1e999` is too large" in done.stderr and "Traceback" not in done.stderr


def test_what_pythons_compiler_still_refuses_is_a_policy_error_naming_the_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import usm_rules.lang.compiler as compiler

    def too_nested(rules: list, **kw: Any) -> str:
        return "def make(P, R):\n    return " + "(" * 300 + "1" + ")" * 300 + "\n"

    monkeypatch.setattr(compiler, "generate", too_nested)
    err = policy_error(policy_text('require spec.metadata.id == "a"'))
    assert len(err.problems) == 1
    assert err.problems[0].line == 2 and "rule T-001 is too large or too deeply nested to compile" in \
        err.problems[0].message


# -- fuzz -------------------------------------------------------------------------------------------------

TOKENS = ["rule", "T-2", "{", "}", "title", '"t"', "severity", "error", "for", "x", "in", "spec", "specs", ".",
          "scos", "id", "require", "and", "or", "not", "(", ")", "[", "]", ",", "*", "+", "-", "/", "==", "<", "1",
          "1e999", "9" * 400, "0" * 5000 + "1", "2.5", "matches", '"(a)\\1"', '"a{4294967296}"', '"(?=x)"',
          '"^a$"', "all", "count", ":", "if", "then", "else", "let", "=", "param", "message", '"{x}"',
          '"{1e999}"', '"{"', "at", "when", "exists", "is", "missing", "true", "null", "\u202e", "é", "\x00",
          "#c\n", '"""', "scope", "repository", "tags", "example", "\n", "\r", "\x0c", "\u2028", "len", "words",
          "find_phrases", "today", "\ufeff", "\\", "'", "@"]
ATOMS = ["sco.id", "sco.statement", "1", '"a"', "true", "null", "len(spec.scos)", "spec.scos[*].id", "-1", "[1, 2]"]
CONDITIONS = ['sco.id == "a"', "sco.metric exists", 'sco.statement matches "^we"', "len(spec.scos) > 1", "true",
              '"x" in spec.scos[*].id', "sco.metric.target is number", '(count c in spec.customers: c.id == "hr") > 0']


def _spine(rnd: random.Random, depth: int) -> str:
    """An expression nesting `depth` levels along one spine: mostly well-typed conditions, sometimes not."""
    typed = rnd.random() < 0.8
    e = rnd.choice(CONDITIONS if typed else ATOMS)
    for d in range(depth):
        leaf = rnd.choice(CONDITIONS if typed else ATOMS)
        if typed:
            e = rnd.choice([f"({e}) and ({leaf})", f"not ({e})", f"({leaf}) or ({e})", f"all q{d} in spec.scos: ({e})",
                            f"if ({leaf}) then ({e}) else ({leaf})", f"({e}) == ({leaf})", f"[{e}][0] == true",
                            f"any q{d} in [{e}]: q{d}"])
        else:
            e = rnd.choice([f"({e} and {leaf} == 1)", f"not {e}", f"-{e}", f"{e} + {leaf}", f"abs({e})", f"[{e}]",
                            f"({e} == {leaf})", f"len({e})", f"({e})[0]", f"({e}).id", f'{e} matches "a+"'])
    return e


def _hostile_policy(rnd: random.Random) -> str:
    if rnd.random() < 0.4:  # token soup, after a prefix that gets it past the first token
        prefix = rnd.choice(["", 'rule T-1 {\n  title "t"\n  severity error\n', 'rule T-1 {\n  title "t"\n'
                             '  severity error\n  for sco in spec.scos\n  require '])
        return prefix + " ".join(rnd.choice(TOKENS) for _ in range(rnd.randint(0, 50))) + rnd.choice(["", "\n}\n"])
    depth = rnd.choice([2, 10, 30, 60, 63, 64, 65, 120, 400])
    clauses = "".join(rnd.choice(["  for c in spec.customers\n", '  when sco.id == "a"\n', "  let y = 1\n"])
                      for _ in range(rnd.choice([0, 2, 14, 17, 40, 70])))
    params = rnd.choice(["", "", "  param p = 1\n", '  param p = "(?=a)"\n', "  param p = 1e999\n",
                         "  param x = [1]\n"])
    message = rnd.choice(["", '  message "{sco.id}"\n',
                          '  message "{' + _spine(rnd, min(depth, 70)).replace('"', '\\"') + '}"\n'])
    return (f'policy p "t"\nrule T-1 {{\n  title "t"\n  severity error\n{params}  for sco in spec.scos\n'
            f'{clauses}  require {_spine(rnd, depth)}\n{message}}}\n')


@pytest.mark.slow
def test_hostile_policy_texts_give_a_program_or_located_policy_errors() -> None:
    rnd = random.Random(20261124)
    outcomes = {"program": 0, "errors": 0}
    for i in range(300):
        text = _hostile_policy(rnd)
        mode = {"explain": True, "coverage": True} if i % 4 == 0 else {}
        try:
            compile_sources([("fuzz.policy", text)], **mode)
            outcomes["program"] += 1
        except PolicyError as err:
            outcomes["errors"] += 1
            assert err.problems, text
            lines = text.count("\n") + 1
            for problem in err.problems:
                assert problem.file == "fuzz.policy" and 1 <= problem.line <= lines and problem.column >= 1, text
                assert problem.message
            assert err.render()
    assert outcomes["program"] >= 10 and outcomes["errors"] >= 100

"""`usm-rules fmt`: one canonical layout, comments kept, idempotent, never changes what a policy means."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usm_rules.cli_authoring import fmt
from usm_rules.errors import PolicyError
from usm_rules.lang import nodes as n
from usm_rules.lang.formatter import format_source
from usm_rules.lang.parser import parse_policy
from usm_rules.lang.printer import expr_text
from usm_rules.lang.strings import decode_string, encode_string

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "authoring" / "fmt"
PACKS = sorted((ROOT / "policies").glob("*.policy"))
ALL_POLICIES = sorted(p for p in ROOT.rglob("*.policy") if ".git" not in p.parts)


def shape(x: object) -> object:
    """The AST without positions and layout (the file's own text, an example block's indentation), for
    "means the same" comparisons."""
    if isinstance(x, n.Pos):
        return None
    if dataclasses.is_dataclass(x):
        return (type(x).__name__,) + tuple(shape(getattr(x, f.name)) for f in dataclasses.fields(x)
                                           if f.name not in ("source", "raw"))  # `raw`: an example as laid out
    if isinstance(x, (list, tuple)):
        return tuple(shape(i) for i in x)
    return x


def assert_canonical(source: str, path: str = "t.policy") -> str:
    formatted = format_source(source, path)
    assert format_source(formatted, path) == formatted, "formatting is not idempotent"
    assert shape(parse_policy(formatted, path)) == shape(parse_policy(source, path)), "formatting changed the AST"
    return formatted


@pytest.mark.parametrize("policy", PACKS, ids=[p.name for p in PACKS])
def test_the_built_in_packs_are_formatted(policy: Path) -> None:
    source = policy.read_text(encoding="utf-8")
    assert assert_canonical(source, policy.name) == source, f"run `usm-rules fmt --write {policy.name}`"


def test_every_valid_policy_in_the_project_formats_idempotently() -> None:
    checked = 0
    for policy in ALL_POLICIES:
        source = policy.read_text(encoding="utf-8")
        try:
            parse_policy(source, policy.name)
        except PolicyError:
            continue  # the error fixtures of the language tests
        assert_canonical(source, policy.name)
        checked += 1
    assert checked >= len(PACKS)


def test_messy_policy_becomes_the_golden_layout() -> None:
    source = (CASES / "messy.policy").read_text(encoding="utf-8")
    expected = (CASES / "messy.expected.policy").read_text(encoding="utf-8")
    assert assert_canonical(source) == expected
    assert format_source(expected) == expected


def test_long_conditions_break_at_top_level_operators_with_operators_leading() -> None:
    long = " and ".join(f"spec.customers[{i}].valueMaturity.level >= 2" for i in range(4))
    source = f'rule T-1 {{\ntitle "t"\nseverity error\nrequire {long} or spec.scos[0].id == "x"\n}}\n'
    assert assert_canonical(source) == (
        'rule T-1 {\n'
        '  title     "t"\n'
        '  severity  error\n'
        '  require (spec.customers[0].valueMaturity.level >= 2\n'
        '           and spec.customers[1].valueMaturity.level >= 2\n'
        '           and spec.customers[2].valueMaturity.level >= 2\n'
        '           and spec.customers[3].valueMaturity.level >= 2)\n'
        '      or spec.scos[0].id == "x"\n'
        '}\n')


def test_strings_are_re_escaped_canonically() -> None:
    assert encode_string('a "b" \\d \\n\n\t\\') == '"a \\"b\\" \\d \\\\n\\n\\t\\\\"'
    for value in ['\\d+', '\\\\', 'x\\', '\\"', 'tab\there', '\\\n', '{a} {{b}}']:
        assert decode_string(encode_string(value)) == value


def test_expression_text_has_canonical_spacing_and_only_needed_parentheses() -> None:
    source = ('rule T-1 {\n title "t"\n severity error\n'
              ' require ((a.b+1)*2)>= -(3) and not(x exists) and (count q in xs : q>1)==2 or (p and q)\n}\n')
    policy = parse_policy(source, "t")
    text = expr_text(policy.rules[0].bodies[0].require)
    # `and` inside `or` keeps its parentheses although it binds tighter: it reads unambiguously
    assert text == "((a.b + 1) * 2 >= -3 and not (x exists) and (count q in xs: q > 1) == 2) or (p and q)"


def test_an_invalid_policy_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.policy"
    bad.write_text('rule T-1 {\n  title "t"\n  severity error\n  require a ==\n}\n', encoding="utf-8")
    out = CliRunner().invoke(fmt, ["--check", str(bad)])
    assert out.exit_code == 2
    assert f"{bad}:5:1: unexpected `}}`" in out.output


def test_check_diff_and_write(tmp_path: Path) -> None:
    messy = tmp_path / "messy.policy"
    clean = tmp_path / "clean.policy"
    messy.write_text((CASES / "messy.policy").read_text(encoding="utf-8"), encoding="utf-8")
    clean.write_text((CASES / "messy.expected.policy").read_text(encoding="utf-8"), encoding="utf-8")
    runner = CliRunner()
    check = runner.invoke(fmt, ["--check", str(tmp_path)])
    assert check.exit_code == 1
    assert f"would reformat {messy.as_posix()}" in check.output and "clean.policy" not in check.stdout
    diff = runner.invoke(fmt, ["--diff", str(messy)])
    assert diff.exit_code == 0
    assert f"--- a/{messy.as_posix()}" in diff.output and "+  severity  warning" in diff.output
    assert messy.read_text(encoding="utf-8") != clean.read_text(encoding="utf-8")  # --check/--diff change nothing
    clean_mtime = clean.stat().st_mtime_ns
    write = runner.invoke(fmt, ["--write", str(tmp_path)])
    assert write.exit_code == 0 and f"reformatted {messy.as_posix()}" in write.output
    assert messy.read_text(encoding="utf-8") == clean.read_text(encoding="utf-8")
    assert clean.stat().st_mtime_ns == clean_mtime  # unchanged files are not touched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.policy", "messy.policy"]  # no temp files left
    assert runner.invoke(fmt, ["--check", str(tmp_path)]).exit_code == 0


def test_without_an_option_the_formatted_text_is_printed(tmp_path: Path) -> None:
    out = CliRunner().invoke(fmt, ["-"], input=(CASES / "messy.policy").read_text(encoding="utf-8"))
    assert out.exit_code == 0
    assert out.stdout == (CASES / "messy.expected.policy").read_text(encoding="utf-8")


# -- property tests ----------------------------------------------------------------------------------------

NAMES = ["spec", "sco", "c", "max_gap", "xs", "t"]
FIELDS = ["metric", "unit", "level", "id", "customers", "valueMaturity"]
TYPES = ["number", "string", "list", "missing", "integer"]
FUNCS = ["len", "abs", "lower", "min", "concat", "today"]
TEXT = st.text(alphabet=st.sampled_from(list('abc XYZ"\\\n\t{}#é€\r')), max_size=8)


def leaves() -> st.SearchStrategy:
    pos = n.NOWHERE
    return st.one_of(
        st.integers(0, 10**6).map(lambda v: n.Literal(pos, v)),
        st.floats(0, 1e6, allow_nan=False, allow_infinity=False).map(lambda v: n.Literal(pos, v)),
        TEXT.map(lambda v: n.Literal(pos, v)),
        st.sampled_from([True, False, None]).map(lambda v: n.Literal(pos, v)),
        st.sampled_from(NAMES).map(lambda v: n.Name(pos, v)),
    )


def extend(children: st.SearchStrategy) -> st.SearchStrategy:
    pos = n.NOWHERE
    ops = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "notin"]
    return st.one_of(
        st.builds(lambda o, a, b: n.Binary(pos, o, a, b), st.sampled_from(ops), children, children),
        st.builds(lambda o, a: n.Unary(pos, o, a), st.sampled_from(["not", "neg"]), children),
        st.builds(lambda b, f: n.Field(pos, b, f, pos), children, st.sampled_from(FIELDS)),
        st.builds(lambda b, i: n.Index(pos, b, i), children, children),
        st.builds(lambda b: n.Star(pos, b), children),
        st.builds(lambda f, a: n.Call(pos, f, tuple(a)), st.sampled_from(FUNCS), st.lists(children, max_size=2)),
        st.builds(lambda a: n.ListLit(pos, tuple(a)), st.lists(children, max_size=3)),
        st.builds(lambda a: n.Exists(pos, a), children),
        st.builds(lambda a, t, neg: n.IsType(pos, a, t, pos, neg), children, st.sampled_from(TYPES), st.booleans()),
        st.builds(lambda a, p, neg: n.Matches(pos, a, n.Literal(pos, p), neg), children, TEXT, st.booleans()),
        st.builds(lambda k, v, it, body: n.Quantified(pos, k, v, it, body), st.sampled_from(["all", "any", "none",
                                                                                             "count"]),
                  st.sampled_from(["q", "s"]), children, children),
        st.builds(lambda c, a, b: n.IfExpr(pos, c, a, b), children, children, children),
    )


EXPRS = st.recursive(leaves(), extend, max_leaves=12)


class Noise:
    """Prints an AST fully parenthesised, with random spacing, line breaks and comments between tokens."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.comments: list[str] = []

    def gap(self, newline_ok: bool = True) -> str:
        r = self.rnd.random()
        if not newline_ok or r < 0.6:
            return " " * self.rnd.randint(1, 3)
        if r < 0.8:
            return "\n" + " " * self.rnd.randint(0, 9)
        text = f"# note {len(self.comments)} {'x' * self.rnd.randint(0, 5)}"
        self.comments.append(text)
        if r < 0.9:
            return f"  {text}\n" + " " * self.rnd.randint(0, 6)
        return f"\n{' ' * self.rnd.randint(0, 6)}{text}\n" + " " * self.rnd.randint(0, 6)

    def string(self, value: str) -> str:
        # a different (but equivalent) escaping from the canonical one: every backslash doubled
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'

    def join(self, parts: list[str]) -> str:
        return "".join(("," + self.gap() if i else "") + part for i, part in enumerate(parts))

    def expr(self, e: n.Expr) -> str:
        g = self.gap
        if isinstance(e, n.Literal):
            if type(e.value) is str:
                return self.string(e.value)
            if e.value is None or type(e.value) is bool:
                return {True: "true", False: "false", None: "null"}[e.value]
            return repr(e.value)
        if isinstance(e, n.Name):
            return e.ident
        p = lambda x: "(" + g() + self.expr(x) + g() + ")"  # noqa: E731
        if isinstance(e, n.ListLit):
            return "[" + g() + self.join([p(x) for x in e.items]) + g() + "]"
        if isinstance(e, n.Call):
            return e.func + "(" + g() + self.join([p(x) for x in e.args]) + g() + ")"
        if isinstance(e, n.Field):
            return p(e.base) + g() + "." + g() + e.name
        if isinstance(e, n.Index):
            return p(e.base) + g() + "[" + g() + p(e.index) + g() + "]"
        if isinstance(e, n.Star):
            return p(e.base) + g() + "[" + g() + "*" + g() + "]"
        if isinstance(e, n.Unary):
            return ("not" if e.op == "not" else "-") + g() + p(e.operand)
        if isinstance(e, n.Binary):
            word = "not" + g() + "in" if e.op == "notin" else e.op
            return p(e.left) + g() + word + g() + p(e.right)
        if isinstance(e, n.Exists):
            return p(e.operand) + g() + "exists"
        if isinstance(e, n.IsType):
            return p(e.operand) + g() + "is" + g() + ("not" + g() if e.negated else "") + e.type_name
        if isinstance(e, n.Matches):
            return p(e.operand) + g() + ("not" + g() if e.negated else "") + "matches" + g() + p(e.pattern)
        if isinstance(e, n.Quantified):
            return e.kind + g() + e.var + g() + "in" + g() + p(e.iterable) + g() + ":" + g() + p(e.body)
        if isinstance(e, n.IfExpr):
            return "if" + g() + p(e.cond) + g() + "then" + g() + p(e.then) + g() + "else" + g() + p(e.otherwise)
        raise AssertionError(e)


@st.composite
def policies(draw: st.DrawFn) -> tuple[str, list[str]]:
    rnd = draw(st.randoms(use_true_random=False))
    noise = Noise(rnd)
    g = noise.gap
    out: list[str] = []
    if draw(st.booleans()):
        out.append(f"policy{g()}p{g()}{noise.string(draw(TEXT))}{g()}")
    for number in range(draw(st.integers(1, 3))):
        items = [f"title{g()}{noise.string(draw(TEXT))}", f"severity{g()}{draw(st.sampled_from(['error', 'info']))}"]
        if draw(st.booleans()):
            items.append(f"rationale{g()}{noise.string(draw(TEXT))}")
        if draw(st.booleans()):
            tags = noise.join([noise.string(t) for t in draw(st.lists(TEXT, max_size=3))])
            items.append(f"tags{g()}[{g()}{tags}{g()}]")
        if draw(st.booleans()):
            items.append(f"param{g()}max_gap{g()}={g()}{noise.expr(draw(EXPRS))}")
        if draw(st.booleans()):
            indent = " " * rnd.randint(0, 8)
            items.append(f'example{g()}fail{g()}"""\n{indent}scos:\n{indent}  - id: a\n\n{indent}  # c\n  """')
        for _ in range(draw(st.integers(1, 2))):
            for kind in draw(st.lists(st.sampled_from(["for", "when", "let"]), max_size=2)):
                e = noise.expr(draw(EXPRS))
                if kind == "for":
                    items.append(f"for{g()}c{g()}in{g()}{e}")
                elif kind == "when":
                    items.append(f"when{g()}{e}")
                else:
                    items.append(f"let{g()}t{g()}={g()}{e}")
            items.append(f"require{g()}{noise.expr(draw(EXPRS))}")
            if draw(st.booleans()):
                text = draw(TEXT).replace("{", "{{").replace("}", "}}")
                items.append(f"message{g()}{noise.string(text)[:-1]} {{c.id}}\"")
            if draw(st.booleans()):
                items.append(f"at{g()}{noise.expr(draw(EXPRS))}")
        body = "".join(g() + item for item in items)
        out.append(f"rule{g()}T-{number}{g()}{{{body}{g()}}}")
    return "\n".join(out) + rnd.choice(["", "\n", "\n\n"]), noise.comments


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies())
def test_generated_policies_format_idempotently_keeping_meaning_and_comments(case: tuple[str, list[str]]) -> None:
    source, comments = case
    formatted = assert_canonical(source)
    for comment in comments:
        assert comment.rstrip() in formatted
    assert all(line == line.rstrip() for line in formatted.split("\n")), "no trailing white space"


@pytest.mark.slow
@settings(max_examples=12, deadline=None)
@given(st.sampled_from(PACKS), st.randoms(use_true_random=False))
def test_packs_re_spaced_at_random_format_back_to_themselves(policy: Path, rnd: random.Random) -> None:
    """Layout is not meaning: re-print every condition of a pack with random spacing and parentheses, and
    the formatter gives the pack's own text back."""
    source = policy.read_text(encoding="utf-8")
    parsed = parse_policy(source, policy.name)
    lines = source.split("\n")
    noise = Noise(rnd)
    noise.gap = lambda newline_ok=True: rnd.choice([" ", "  ", "\n" + " " * rnd.randint(0, 8)])  # no comments
    spans = []
    for rule in parsed.rules:
        for body in rule.bodies:
            spans.append(body.require)
            spans.extend(c.cond for c in body.clauses if isinstance(c, n.When))
    for e in sorted(spans, key=lambda x: (x.pos.line, x.pos.column), reverse=True):
        p = e.pos
        start = sum(len(line) + 1 for line in lines[:p.line - 1]) + p.column - 1
        end = sum(len(line) + 1 for line in lines[:p.end_line - 1]) + p.end_column - 1
        text = "\n".join(lines)
        text = text[:start] + "(" + noise.expr(e) + ")" + text[end:]
        lines = text.split("\n")
    noisy = "\n".join(lines)
    assert noisy != source
    assert format_source(noisy, policy.name) == format_source(source, policy.name)


def test_long_list_params_fill_lines_and_keep_their_comments() -> None:
    words = ", ".join(f'"word{i}"' for i in range(40))
    source = f'rule T-1 {{\n  title "t"\n  severity info\n  param words = [{words},  # why these\n "last"]\n' \
             '  require len(words) > 0\n}\n'
    formatted = assert_canonical(source)
    lines = formatted.splitlines()
    start = lines.index("  param words = [")
    assert lines[start + 1].startswith('    "word0", "word1",') and "  ]  # why these" in lines[start + 2:]
    assert all(len(line) <= 120 for line in lines)

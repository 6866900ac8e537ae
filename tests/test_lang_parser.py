"""Policy text -> typed AST (parser.py, nodes.py, structure.py, strings.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from usm_rules.errors import PolicyError
from usm_rules.lang import nodes as n
from usm_rules.lang.parser import parse_policy
from usm_rules.lang.strings import Hole, decode_string, encode_string, template_parts

ROOT = Path(__file__).resolve().parent.parent

POLICY = '''# leading comment
policy demo "Demo rules"  # after the header

rule DEMO-001 {
  title     "A title"
  severity  warning
  severity  error if spec.provider.valueMaturity.level >= 4
  rationale "Why"
  help      "https://example.com"
  tags      ["a", "b"]
  param max_gap = 1
  scope     spec
  example fail """
    provider: null
  """
  for c in spec.customers  # each customer
  when c.id exists
  let level = c.valueMaturity.level
  require level <= max_gap
  message "customer {c.id} at {level}"
  at c.valueMaturity
  require true or false
}
'''


def test_every_rule_item_is_a_typed_node_in_source_order() -> None:
    [rule] = parse_policy(POLICY, "demo.policy").rules
    kinds = [type(item).__name__ for item in rule.items]
    assert kinds == ["Title", "Severity", "SeverityIf", "Rationale", "Help", "Tags", "Param", "Scope", "Example",
                     "For", "When", "Let", "Require", "Message", "At", "Require"]
    title, *_ = rule.items
    assert title == n.Title(n.Pos(5, 3, 5, 22), "A title")
    assert rule.id == "DEMO-001" and rule.id_pos == n.Pos(4, 6, 4, 14)


def test_the_rule_means_what_its_items_say() -> None:
    [rule] = parse_policy(POLICY, "demo.policy").rules
    assert (rule.title, rule.severity, rule.rationale, rule.help, rule.tags, rule.scope) == (
        "A title", "warning", "Why", "https://example.com", ("a", "b"), "spec")
    assert [p.name for p in rule.params] == ["max_gap"] and len(rule.severity_ifs) == 1
    assert rule.examples == (("fail", "provider: null\n"),)
    first, second = rule.bodies
    assert [type(c).__name__ for c in first.clauses] == ["For", "When", "Let"]
    assert first.message is not None and first.message.parts[0] == "customer "
    assert isinstance(first.at, n.Field) and second.clauses == () and second.message is None
    assert first.clauses[0] is rule.items[9]  # the check is made of the items themselves


def test_comments_come_with_the_file_only_when_asked_for() -> None:
    assert parse_policy(POLICY, "demo.policy").comments == ()
    policy = parse_policy(POLICY, "demo.policy", keep_comments=True)
    assert [(c.pos.line, c.pos.column, c.text) for c in policy.comments] == [
        (1, 1, "# leading comment"), (2, 27, "# after the header"), (16, 28, "# each customer")]
    assert policy.header == n.Header(n.Pos(2, 1, 2, 25), "demo", "Demo rules")
    assert (policy.name, policy.title) == ("demo", "Demo rules")


def test_a_header_without_a_title_is_told_from_an_empty_one() -> None:
    assert parse_policy('policy p\n', "p.policy").header.title is None
    assert parse_policy('policy p ""\n', "p.policy").header.title == ""
    assert parse_policy('', "p.policy").header is None


@pytest.mark.parametrize(("items", "message", "where"), [
    ('title "t"\n  title "u"\n  severity info\n  require true or false', "`title` is given twice in rule R-1", (4, 3)),
    ('title "t"\n  severity info\n  message "m"\n  require true or false', "`message` must follow a `require`",
     (5, 3)),
    ('title "t"\n  severity info\n  require true or false\n  at spec\n  at spec', "this `require` already has a `at`",
     (7, 3)),
    ('title "t"\n  severity info\n  require true or false\n  when true', "these clauses are not followed by a "
                                                                         "`require`", (6, 3)),
    ('title "t"\n  severity info\n  scope   nowhere\n  require true or false', "unknown scope `nowhere`", (5, 11)),
    ('title "t"\n  severity info\n  example maybe """x"""\n  require true or false', "unknown example kind `maybe`",
     (5, 11)),
    ('title "t"\n  severity info', "rule R-1 has no `require`: it can never fire", (2, 1)),
    ('severity info\n  require true or false', "rule R-1 has no `title`", (2, 6)),
])
def test_what_the_grammar_allows_but_a_rule_may_not_have_is_located(items: str, message: str,
                                                                     where: tuple[int, int]) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(f'\nrule R-1 {{\n  {items}\n}}\n', "r.policy")
    assert [(p.line, p.column) for p in err.value.problems if p.message.startswith(message)] == [where]


def test_only_the_parser_imports_lark() -> None:
    importers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "usm_rules").rglob("*.py")
                       if re.search(r"^\s*(import lark|from lark)", p.read_text(encoding="utf-8"), re.M))
    assert importers == ["usm_rules/lang/parser.py"]


# -- strings ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["", "plain", 'a "b"', "\\d+", "\\\\", "x\\", "\\n", "tab\there", "line\nbreak",
                                   "{a} {{b}}", "é€"])
def test_a_string_encodes_and_decodes_back(value: str) -> None:
    assert decode_string(encode_string(value)) == value


def test_unknown_escapes_keep_their_backslash() -> None:
    assert decode_string(r'"\d+\.\w"') == r"\d+\.\w"
    assert encode_string(r"\d+") == r'"\d+"'


def test_a_message_splits_into_text_and_holes_at_their_columns() -> None:
    parts, problems = template_parts('"id {sco.id}: {{literal}} {n + 1}"', 7, 11)
    assert parts == ["id ", Hole("sco.id", 7, 16), ": {literal} ", Hole("n + 1", 7, 38)]
    assert problems == []


def test_bad_braces_in_a_message_are_problems() -> None:
    parts, problems = template_parts('"a } b {} c"', 1, 1)
    assert parts == ["a  b  c"]
    assert problems == [(1, 4, "unmatched brace in message; write `{{` or `}}` for a literal brace", 1),
                        (1, 8, "empty `{}` in message", 2)]

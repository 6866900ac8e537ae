"""DESIGN §2-§3 as users rely on them: what a rule asks for is schema-valid, which documents are specs
(SPEC-SKIPPED), USM-008 per occurrence, findings through YAML aliases, hostile JSON (empty files, lone
surrogates) and a scaffolded repository that keeps every pack on."""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from usm_rules import cli_authoring, doctype, schema
from usm_rules.config import Config
from usm_rules.codes import engine_codes
from usm_rules.engine import RuleSet, load_rules, run
from usm_rules.findings import Finding, RunResult, Span
from usm_rules.lang import builtins
from usm_rules.lang.runtime import MISSING
from usm_rules.loader import load_bytes
from usm_rules.ruledocs import base_spec, example_specs
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "contract"
AS_OF = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def engine() -> tuple[Any, RuleSet]:
    options = build_options(Config(path=None, root=str(ROOT)), Flags(as_of=AS_OF))
    return options, load_rules(options)


def check(engine: tuple[Any, RuleSet], *paths: Path | str) -> RunResult:
    options, rules = engine
    return run([str(p) for p in paths], options, rules)


def usm(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, env=env)


# ------------------------------------------------------------------------------------------------------------
# Everything a rule's message asks the user to do is schema-valid (DESIGN §3)
#
# Per rule: the fix its message (or rationale) asks for, applied to the rule's own `example fail` specs, as
# JSON-pointer edits: (pointer, value) sets or adds (`/-` appends), (pointer, None) removes. A fix may apply to
# one spec of a multi-spec example only ("spec" index). Extra cases start from the base spec with a `break`
# patch, for messages the examples do not show (a duplicate id; support functionality to mark `internal`).

METRIC = {"name": "Solved in time", "unit": "%", "target": 90, "operator": ">="}

FIXES: list[dict[str, Any]] = [
    {"rule": "USM-001", "asks": "add a `support`",
     "fix": [("/support", {"requestTypes": ["incident"], "functionality": [{"id": "sp-desk", "description": "Desk"}],
                           "functioning": [{"id": "sp-fix", "description": "Fixed fast", "metric": METRIC}]})]},
    {"rule": "USM-002", "asks": "give the facility goods or actions",
     "fix": [("/facility/goods", [{"id": "hvac-f3", "name": "HVAC installation floor 3"}])]},
    {"rule": "USM-003", "asks": "add facility `functioning`",
     "fix": [("/facility/functioning", [{"id": "fg-band", "description": "In band", "metric": METRIC}])]},
    {"rule": "USM-004", "asks": "add support `functioning`",
     "fix": [("/support/functioning", [{"id": "sp-fix", "description": "Fixed fast", "metric": METRIC}])]},
    {"rule": "USM-005", "asks": "a metric with a numeric target, a unit and an operator",
     "fix": [("/support/functioning/0/metric", METRIC)]},
    {"rule": "USM-006", "asks": "handle `incident` requests",
     "fix": [("/support/requestTypes/-", "incident")]},
    {"rule": "USM-007", "asks": "name the goods or actions it `uses`",
     "fix": [("/facility/functionality/0/uses", ["hvac-f3"])]},
    {"rule": "USM-008", "asks": "trace to an existing facility or support element",
     "fix": [("/scos/0/tracesTo/1", "fg-band")]},
    {"rule": "USM-008", "asks": "give the element that repeats an id an id of its own",
     "break": [("/support/functioning/0/id", "fg-band")],
     "fix": [("/support/functioning/0/id", "sp-restore")]},
    {"rule": "USM-009", "asks": "a level on the scale",
     "fix": [("/provider/valueMaturity/level", 5)]},
    {"rule": "USM-010", "asks": "a provider within one level of the customer",
     "fix": [("/provider/valueMaturity/level", 3)]},
    {"rule": "USM-011", "asks": "a recent `assessedOn` date",
     "fix": [("/provider/valueMaturity/assessedOn", "2026-09-15")]},
    {"rule": "USM-012", "asks": "a benefit for the `provider`",
     "fix": [("/scos/0/valueBenefits/-", {"type": "relationship", "beneficiary": "provider"})]},
    {"rule": "USM-013", "asks": "a metric of kind `outcome` or `experience`",
     "fix": [("/scos/0/metric/kind", "outcome")]},
    {"rule": "CEMM-001", "asks": "an SCO observed by the customer",
     "fix": [("/scos/-", {"id": "sco-finance", "statement": "I close the month without chasing invoices.",
                          "observer": {"customer": "finance"}})]},
    {"rule": "CEMM-002", "asks": "a numeric target, a unit and an operator",
     "fix": [("/scos/0/metric/unit", "%")]},
    {"rule": "CEMM-003", "asks": "a `baseline`, a `source` and a `period`",
     "fix": [("/scos/0/metric/baseline", 81), ("/scos/0/metric/source", "BMS sensor log"),
             ("/scos/0/metric/period", "P1M")]},
    {"rule": "CEMM-004", "asks": "an observer that is a stakeholder of the customer",
     "fix": [("/scos/0/observer/stakeholder", "hr-director")]},
    {"rule": "CEMM-005", "asks": "what the customer wants, as the customer would say it",
     "fix": [("/scos/0/statement", "My room stays comfortable all year round.")]},
    {"rule": "CEMM-006", "asks": "what the customer will see, in numbers",
     "fix": [("/scos/0/statement", "When I report a cold room, it is warm again within four hours.")]},
    {"rule": "CEMM-007", "asks": "the outcome the customer wants",
     "fix": [("/scos/0/statement", "I never have to arrange an emergency heating repair in winter.")]},
    {"rule": "CEMM-008", "asks": "`tracesTo` a facility or support element",
     "fix": [("/scos/0/tracesTo", ["fn-climate"])]},
    {"rule": "CEMM-009", "asks": "an `owner` and `actions`",
     "fix": [("/scos/0/actions", ["Rebalance airflow in rooms 3.07-3.09"])]},
    {"rule": "CEMM-010", "asks": "a `valueBenefits` item for the customer",
     "fix": [("/scos/0/valueBenefits/-", {"type": "valueInUse", "beneficiary": "customer"})]},
    {"rule": "CEMM-011", "asks": "mark the good `internal`",
     "fix": [("/facility/goods/1/internal", "keeps the BMS licence compliant")]},
    {"rule": "CEMM-011", "asks": "mark the support functionality `internal` (the fix the issue reports broken)",
     "break": [("/scos/2/tracesTo", ["act-pm", "hvac-f3"])],
     "fix": [("/support/functionality/1/internal", "shared with the building owner, not a customer outcome")]},
    {"rule": "CEMM-012", "asks": "an SCO observed by a stakeholder that is not `technical`",
     "fix": [("/scos/-", {"id": "sco-warm", "statement": "My staff work in comfortable rooms all day.",
                          "observer": {"customer": "hr", "stakeholder": "hr-director"}})]},
    {"rule": "SPEC-001", "asks": "a service id of its own", "spec": 1,
     "fix": [("/metadata/id", "svc-office-climate-copy")]},
]


def _apply(spec: Any, edits: list[tuple[str, Any]]) -> Any:
    spec = copy.deepcopy(spec)
    for pointer, value in edits:
        *head, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        node = spec
        for part in head:
            node = node[int(part)] if type(node) is list else node.setdefault(part, {})
        if type(node) is list:
            if value is None:
                del node[int(last)]
            elif last == "-":
                node.append(value)
            else:
                node[int(last)] = value
        elif value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return spec


def _findings_of(engine: tuple[Any, RuleSet], specs: list[Any], rule: str, tmp: Path) -> list[Finding]:
    tmp.mkdir()
    for i, spec in enumerate(specs):
        (tmp / f"spec-{i}.json").write_text(json.dumps(spec), encoding="utf-8")
    found = check(engine, tmp).findings
    assert not [f for f in found if f.rule in engine_codes()], [f.message for f in found if f.rule in engine_codes()]
    return [f for f in found if f.rule == rule]


def test_every_pack_rule_has_a_fix_written_down(engine: tuple[Any, RuleSet]) -> None:
    assert {fix["rule"] for fix in FIXES} == set(engine[1].metas)


@pytest.mark.parametrize("fix", FIXES, ids=[f"{f['rule']}-{f['asks'][:30]}" for f in FIXES])
def test_the_fix_a_rule_asks_for_is_schema_valid_and_silences_it(engine: tuple[Any, RuleSet], fix: dict,
                                                                   tmp_path: Path) -> None:
    rule = fix["rule"]
    if "break" in fix:
        specs = [_apply(base_spec(), fix["break"])]
    else:
        specs = example_specs(dict(engine[1].metas[rule].examples)["fail"])
    assert _findings_of(engine, specs, rule, tmp_path / "before"), f"{rule} does not fire before the fix"
    targets = [fix["spec"]] if "spec" in fix else range(len(specs))
    fixed = [_apply(s, fix["fix"]) if i in targets else s for i, s in enumerate(specs)]
    for spec in fixed:
        assert schema.validate(spec) == [], f"{rule}: the fix ({fix['asks']}) is not schema-valid"
    assert _findings_of(engine, fixed, rule, tmp_path / "after") == [], f"{rule} still fires after: {fix['asks']}"


def test_support_functionality_may_be_internal_and_facility_functionality_may_not() -> None:
    spec = base_spec()
    assert schema.validate(_apply(spec, [("/support/functionality/0/internal", "kept for the landlord")])) == []
    violations = schema.validate(_apply(spec, [("/facility/functionality/0/internal", "no such thing")]))
    assert [(v.parts, v.message) for v in violations] == [
        (("facility", "functionality", 0, "internal"), "unknown key `internal` in facility.functionality[0]")]
    bad = schema.validate(_apply(spec, [("/support/functionality/0/internal", 7)]))
    assert [v.parts for v in bad] == [("support", "functionality", 0, "internal")]


# ------------------------------------------------------------------------------------------------------------
# Which documents are specs: SPEC-SKIPPED for near misses, silence for the rest (DESIGN §2)


def test_near_misses_get_one_located_spec_skipped_warning_each_and_no_schema_finding(engine: tuple) -> None:
    result = check(engine, CASES / "near-misses.yaml")
    skipped = [(f.line, f.column, f.pointer, f.document) for f in result.findings if f.rule == "SPEC-SKIPPED"]
    assert skipped == [
        (3, 13, "/apiVersion", 0),  # usm/v2
        (7, 13, "/apiVersion", 1),  # usm/v1beta
        (11, 13, "/apiVersion", 2),  # v1
        (14, 7, "/kind", 3),  # no apiVersion at all: at our kind
        (18, 7, "/kind", 4),  # a typo: one edit
        (22, 7, "/kind", 5),  # another case
        (25, 7, "/kind", 6),  # two letters swapped: one Damerau edit
    ]
    assert not [f for f in result.findings if f.rule == "SPEC-SCHEMA"]
    # the near misses, ServiceCatalogue, a workflow, a list and a scalar are skipped; the real spec is checked
    assert (result.specs, result.skipped) == (1, 11)
    assert {f.document for f in result.findings if f.rule not in ("SPEC-SKIPPED",)} == {11}
    by_line = {f.line: f for f in result.findings if f.rule == "SPEC-SKIPPED"}
    assert by_line[3].message == ("`apiVersion: usm/v2` is not `usm/v1`, so this `ServiceSpecification` is "
                                  "skipped, not checked")
    assert by_line[18].message == ("`kind: ServiceSpecificaton` is not `ServiceSpecification` (a typo?), so this "
                                   "`usm/v1` document is skipped, not checked")
    assert by_line[3].severity.label == "warning" and engine_codes()["SPEC-SKIPPED"].severity.label == "warning"


def test_a_near_miss_in_json_is_located_and_can_be_suppressed_inline(engine: tuple, tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text('{"kind": "ServiceSpecification",\n "apiVersion": "usm/v0"}\n',
                                       encoding="utf-8")
    kept = tmp_path / "kept.yaml"  # an old-format document kept on purpose, with the reason on record
    kept.write_text("# usm-rules: ignore[SPEC-SKIPPED] the v0 original, kept for the audit trail\n"
                    "apiVersion: usm/v0\nkind: ServiceSpecification\n", encoding="utf-8")
    result = check(engine, tmp_path)
    assert [(Path(f.file).name, f.line, f.column, f.pointer, f.suppressed is not None)
            for f in result.findings] == [("kept.yaml", 2, 13, "/apiVersion", True),
                                          ("old.json", 2, 16, "/apiVersion", False)]
    assert (result.specs, result.skipped) == (0, 2)


@pytest.mark.parametrize(("data", "key"), [
    ({"apiVersion": "usm/v2", "kind": "ServiceSpecification"}, "apiVersion"),
    ({"apiVersion": 1, "kind": "ServiceSpecification"}, "apiVersion"),
    ({"kind": "ServiceSpecification"}, "kind"),
    ({"apiVersion": "usm/v1", "kind": "ServiceSpecifications"}, "kind"),
    ({"apiVersion": "usm/v1", "kind": "SERVICESPECIFICATION"}, "kind"),  # close once case is ignored
    ({"apiVersion": "usm/v1", "kind": "ServiceSpecificatoin"}, "kind"),  # a swap is one edit
    ({"apiVersion": "usm/v1"}, "apiVersion"),
    ({"apiVersion": "usm/v1", "kind": None}, "kind"),
])
def test_near_miss_classification(data: dict, key: str) -> None:
    assert not doctype.is_spec(data)
    miss = doctype.near_miss(data)
    assert miss is not None and miss.key == key


@pytest.mark.parametrize("data", [
    {"apiVersion": "usm/v1", "kind": "ServiceSpecification"},  # a spec: checked, no warning
    {"apiVersion": "usm/v1", "kind": "ServiceCatalogue"},
    {"apiVersion": "usm/v1", "kind": "ServiceSpec"},  # three edits away
    {"apiVersion": "usm/v2", "kind": "ServiceCatalogue"},
    {"apiVersion": "v1", "kind": "ConfigMap"},
    {"name": "CI", "on": ["push"], "jobs": {}},
    [1, 2], "text", None, 3,
])
def test_other_documents_are_skipped_in_silence(data: Any) -> None:
    assert doctype.near_miss(data) is None


def test_edit_distance_is_damerau_and_bounded() -> None:
    assert doctype.edit_distance("ServiceSpecification", "ServiceSpecification", 2) == 0
    assert doctype.edit_distance("ServiceSpecificatoin", "ServiceSpecification", 2) == 1  # swap
    assert doctype.edit_distance("ServceSpecificaton", "ServiceSpecification", 2) == 2
    assert doctype.edit_distance("ServiceCatalogue", "ServiceSpecification", 2) == 3  # "more than 2"
    # a hostile megabyte `kind` is answered from its length alone
    assert doctype.edit_distance("S" * 1_000_000, "ServiceSpecification", 2) == 3


def test_a_near_miss_value_is_shown_safely() -> None:
    miss = doctype.near_miss({"apiVersion": "usm/v1\u202e`\n" + "x" * 500, "kind": "ServiceSpecification"})
    assert miss is not None
    assert "\u202e" not in miss.message and "\n" not in miss.message and "\\u202e" in miss.message
    assert len(miss.message) < 200 and miss.message.count("`") % 2 == 0


# ------------------------------------------------------------------------------------------------------------
# USM-008: one finding per occurrence after the first, naming the first's line (DESIGN §3)


def test_usm_008_reports_each_later_occurrence_naming_the_first_line(engine: tuple, tmp_path: Path) -> None:
    text = (ROOT / "usm_rules" / "data" / "base-spec.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines, 1) if "{id: hvac-f3," in line)
    # the support functioning item and a new good both reuse `hvac-f3`
    text = text.replace("    - id: sp-restore\n", "    - id: hvac-f3\n").replace(
        "    - {id: room-thermostats,", "    - {id: hvac-f3, name: Spare unit}\n    - {id: room-thermostats,")
    spec = tmp_path / "dup.yaml"
    spec.write_text(text, encoding="utf-8")
    found = [f for f in check(engine, spec).findings if f.rule == "USM-008" and "already used" in f.message]
    lines = text.splitlines()
    second = next(i for i, line in enumerate(lines, 1) if "{id: hvac-f3, name: Spare" in line)
    third = next(i for i, line in enumerate(lines, 1) if "- id: hvac-f3" in line)
    assert [(f.line, f.pointer, f.message) for f in found] == [
        (second, "/facility/goods/1/id",
         f"id `hvac-f3` is already used on line {first} by another facility or support element"),
        (third, "/support/functioning/0/id",
         f"id `hvac-f3` is already used on line {first} by another facility or support element"),
    ]


def test_earlier_finds_the_first_other_object_with_the_same_value() -> None:
    a, b, c, d = {"id": "x"}, {"id": "y"}, {"id": "x"}, {"id": "x"}
    items = [a, b, c, d]
    earlier = builtins.BUILTINS["earlier"].fn
    assert earlier(items, a, "id") is MISSING
    assert earlier(items, b, "id") is MISSING
    assert earlier(items, c, "id") is a and earlier(items, d, "id") is a
    assert earlier(items, {"id": "z"}, "id") is MISSING
    assert earlier(items, {"name": "no id"}, "id") is MISSING
    assert earlier(MISSING, a, "id") is MISSING and earlier(items, MISSING, "id") is MISSING
    assert earlier([{"id": [1]}, {"id": [1]}], {"id": [1]}, "id") is MISSING  # unhashable values never match


def test_line_of_is_missing_without_a_document_and_located_within_one() -> None:
    line_of = builtins.BUILTINS["line_of"].fn
    node = {"id": "x"}
    assert line_of(node) is MISSING
    token = builtins.LINE_LOCATOR.set(lambda obj: 7 if obj is node else None)
    try:
        assert line_of(node) == 7
        assert line_of({"id": "other"}) is MISSING
        assert line_of("a string") is MISSING and line_of(MISSING) is MISSING
    finally:
        builtins.LINE_LOCATOR.reset(token)
    assert line_of(node) is MISSING


def test_the_new_functions_are_declared_and_documented() -> None:
    doc = (ROOT / "docs" / "policy-language.md").read_text(encoding="utf-8")
    for name, signature in (("earlier", "earlier(list, object, string) -> any"),
                            ("line_of", "line_of(object|list) -> integer")):
        assert name in builtins.BUILTINS and builtins.BUILTINS[name].doc
        assert f"`{signature}`" in doc


# ------------------------------------------------------------------------------------------------------------
# YAML aliases: a finding reached through `*x` points at the alias, the anchor `&x` is related (DESIGN §3)


def test_a_rule_finding_through_an_alias_points_at_the_alias_with_the_anchor_related(engine: tuple) -> None:
    found = {(f.rule, f.pointer): f for f in check(engine, CASES / "aliases.yaml").findings}
    anchor = Span(26, 13, 32, 5)  # `&m` and the mapping it names
    at_anchor = found[("CEMM-003", "/scos/0/metric")]
    assert (at_anchor.line, at_anchor.column, at_anchor.related) == (26, 13, ())
    through = found[("CEMM-003", "/scos/1/metric")]
    assert (through.line, through.column, through.end_line, through.end_column) == (39, 13, 39, 15)  # `*m`
    assert through.related == ((anchor, "anchor `m` is defined here"),)
    deeper = found[("USM-013", "/scos/1/metric/kind")]
    assert (deeper.line, deeper.column) == (39, 13)
    assert deeper.related == ((anchor, "anchor `m` is defined here"),
                              (Span(31, 13, 31, 22), "the node is defined here, inside anchor `m`"))
    assert found[("USM-013", "/scos/0/metric/kind")].related == ()


def test_a_schema_finding_through_an_alias_points_at_the_alias(engine: tuple) -> None:
    found = [f for f in check(engine, CASES / "alias-schema.yaml").findings if f.rule == "SPEC-SCHEMA"]
    assert [(f.pointer, f.line, f.column, len(f.related)) for f in found] == [
        ("/provider/valueMaturity/level", 6, 48, 0), ("/customers/0/valueMaturity/level", 8, 39, 2)]
    assert found[1].related[0][1] == "anchor `vm` is defined here" and found[1].related[0][0].line == 6


def test_related_locations_reach_sarif(engine: tuple) -> None:
    out = usm("check", "--as-of", "2026-11-24", "--format", "sarif", str(CASES / "alias-schema.yaml"))
    results = json.loads(out.stdout)["runs"][0]["results"]
    related = [r.get("relatedLocations") for r in results]
    assert related[0] in (None, [])
    assert related[1][0]["physicalLocation"]["region"]["startLine"] == 6
    assert related[1][0]["message"]["text"] == "anchor `vm` is defined here"


def test_alias_positions_are_kept_only_for_documents_with_aliases() -> None:
    doc = load_bytes(b"a: 1\nb: [2, 3]\nnote: 5 * 3 & more\n", "x.yaml").documents[0]
    assert doc.related(("b", 1)) == () and doc._aliases is None
    doc = load_bytes(b"a: &x [1]\nb: *x\nc: [*x, *x]\n", "x.yaml").documents[0]
    assert doc.locate(("c", 1)) == (Span(3, 9, 3, 11), ("c", 1))
    assert doc.related(("c", 1)) == ((Span(1, 4, 1, 10), "anchor `x` is defined here"),)
    assert doc.locate(("a",))[0] == Span(1, 4, 1, 10) and doc.related(("a",)) == ()


# ------------------------------------------------------------------------------------------------------------
# Hostile JSON: empty files and lone surrogates are located SPEC-PARSE findings; other files go on (DESIGN §8)


@pytest.mark.parametrize("text", ["", "   \n\t", "\ufeff"])
def test_an_empty_json_file_is_a_parse_finding(text: str) -> None:
    loaded = load_bytes(text.encode("utf-8"), "spec.json")
    assert loaded.documents == []
    assert [(p.rule, p.message) for p in loaded.problems] == [("SPEC-PARSE", "empty JSON file")]


@pytest.mark.parametrize(("source", "span", "pointer", "shown"), [
    (r'{"a": "\ud800"}', Span(1, 7, 1, 15), "/a", r"\ud800"),
    (r'{"a": ["ok", "x\udfffy"]}', Span(1, 14, 1, 24), "/a/1", r"\udfff"),
    (r'{"a": "\ud800\ud800"}', Span(1, 7, 1, 21), "/a", r"\ud800"),  # high + high is no pair
    (r'{"a": "\udc00\ud800"}', Span(1, 7, 1, 21), "/a", r"\udc00"),  # low before high neither
    (r'{"k\uDBFF": 1}', Span(1, 2, 1, 11), "", r"\udbff"),  # a key: reported at the object
])
def test_a_lone_surrogate_in_json_is_one_located_parse_finding(source: str, span: Span, pointer: str,
                                                               shown: str) -> None:
    loaded = load_bytes(source.encode("ascii"), "spec.json")
    assert [(p.rule, p.span, p.pointer) for p in loaded.problems] == [("SPEC-PARSE", span, pointer)]
    assert loaded.problems[0].message.endswith(
        f"holds `{shown}`, a lone UTF-16 surrogate, which is not a character")
    assert all(d.has_problems for d in loaded.documents)  # the document is not checked


def test_a_surrogate_pair_in_json_is_a_character() -> None:
    loaded = load_bytes(r'{"a": "\ud83d\ude00", "b": "\\ud800"}'.encode("ascii"), "spec.json")
    assert loaded.problems == [] and loaded.documents[0].data == {"a": "\U0001f600", "b": "\\ud800"}


@pytest.mark.parametrize("composer", ["libyaml", "python"])
def test_a_surrogate_escape_in_yaml_is_a_located_parse_finding(monkeypatch: pytest.MonkeyPatch,
                                                               composer: str) -> None:
    from usm_rules import loader

    if composer == "python":
        monkeypatch.setattr(loader, "_DefaultComposer", loader._PyComposer)
    elif loader._CComposer is None:
        pytest.skip("PyYAML without libyaml")
    loaded = load_bytes(b'a: fine\nb: "x \\ud800"\nc: "\\U0000DFFF"\n', "spec.yaml")
    assert loaded.problems and all(p.rule == "SPEC-PARSE" for p in loaded.problems)
    assert loaded.problems[0].span.line == 2  # at the first offending string
    assert all(d.has_problems for d in loaded.documents)  # libyaml gives none, Python ones are not checked
    if composer == "python":
        assert [(p.span.line, p.pointer) for p in loaded.problems] == [(2, "/b"), (3, "/c")]
        assert "lone UTF-16 surrogate" in loaded.problems[0].message


def test_a_surrogate_spec_gets_its_finding_and_the_other_files_theirs(engine: tuple) -> None:
    other = ROOT / "tests" / "cases" / "USM-008" / "fails.yaml"
    alone = check(engine, other)
    together = check(engine, CASES / "surrogate.json", other)
    mine = [f for f in together.findings if f.file.endswith("surrogate.json")]
    assert [(f.rule, f.line, f.column, f.pointer) for f in mine] == [("SPEC-PARSE", 5, 40, "/scos/0/statement")]
    assert not [f for f in together.findings if f.rule == "RULE-ERROR"]
    assert [f for f in together.findings if f not in mine] == alone.findings


def test_every_format_reports_a_run_with_hostile_json(tmp_path: Path) -> None:
    """The issue: one lone surrogate made every format exit 2 with no report."""
    other = ROOT / "tests" / "cases" / "USM-008" / "fails.yaml"
    outputs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("json", "sarif", "junit", "github", "gitlab")}
    args = ["check", "--as-of", "2026-11-24", "--format", "text", str(CASES / "surrogate.json"),
            str(CASES / "empty.json"), str(other)]
    for fmt, path in outputs.items():
        args += ["--output", f"{fmt}:{path}"]
    out = usm(*args)
    assert out.returncode == 1, out.stderr.decode()
    text = out.stdout.decode("utf-8")
    assert "surrogate.json:5:40: error SPEC-PARSE the string holds `\\ud800`" in text
    assert "empty.json:1:1: error SPEC-PARSE empty JSON file" in text
    assert "USM-008" in text
    report = json.loads(outputs["json"].read_text(encoding="utf-8"))
    assert {f["rule"] for f in report["findings"]} >= {"SPEC-PARSE", "USM-008"}
    assert json.loads(outputs["sarif"].read_text(encoding="utf-8"))["runs"][0]["results"]
    ET.fromstring(outputs["junit"].read_bytes())
    assert "::error" in outputs["github"].read_text(encoding="utf-8")
    assert json.loads(outputs["gitlab"].read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------------------
# A scaffolded repository keeps every pack on (SPEC-001 runs)


def test_a_scaffolded_repository_runs_spec_001(tmp_path: Path) -> None:
    out = CliRunner().invoke(cli_authoring.init, [str(tmp_path), "--source", "https://git.example.com/x/usm-rules.git"])
    assert out.exit_code == 0, out.output
    listed = usm("rules", cwd=tmp_path)
    assert listed.returncode == 0 and b"SPEC-001" in listed.stdout, listed.stdout.decode()
    example = tmp_path / "specs" / "example-service.yaml"
    (tmp_path / "specs" / "copy.yaml").write_bytes(example.read_bytes())  # the same service id twice
    checked = usm("check", "--format", "json", cwd=tmp_path)
    findings = json.loads(checked.stdout)["findings"]
    assert sorted((f["rule"], Path(f["file"]).name) for f in findings) == [
        ("SPEC-001", "copy.yaml"), ("SPEC-001", "example-service.yaml")]


def test_the_readme_config_example_does_not_switch_a_pack_off() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    toml_blocks = [b.split("```", 1)[0] for b in readme.split("```toml")[1:]]
    assert toml_blocks
    for block in toml_blocks:
        for line in block.splitlines():
            if line.strip().startswith("packs"):
                assert all(f'"{pack}"' in line for pack in ("usm", "cemm", "spec")), line

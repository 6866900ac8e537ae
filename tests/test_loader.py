"""Tests of usm_rules.loader: YAML 1.2 core scalars, duplicate keys, limits, robustness and positions."""
from __future__ import annotations

import codecs
import gc
import io
import json
import math
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usm_rules import loader
from usm_rules.loader import yaml_build, yaml_compose, yaml_load
from usm_rules.findings import Span
from usm_rules.loader import Document, LoadedFile, LoadProblem, Limits, load_bytes, load_path

CASES = Path(__file__).parent / "cases" / "loader"
SUITE = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "yaml-test-suite"
RULES = {"SPEC-PARSE", "SPEC-DUPLICATE-KEY", "SPEC-LIMIT", "SPEC-READ"}


def load(text: str | bytes, path: str = "spec.yaml", limits: Limits = Limits()) -> LoadedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return load_bytes(data, path, limits)


def only_data(text: str) -> object:
    result = load(text)
    assert result.problems == []
    assert len(result.documents) == 1
    return result.documents[0].data


def rules(result: LoadedFile) -> list[str]:
    return [p.rule for p in result.problems]


def check_well_formed(result: LoadedFile) -> None:
    """What every load result must look like, whatever the input."""
    assert isinstance(result, LoadedFile)
    for doc in result.documents:
        assert isinstance(doc, Document)
    assert [d.index for d in result.documents] == list(range(len(result.documents)))
    for problem in result.problems:
        assert isinstance(problem, LoadProblem)
        assert problem.rule in RULES
        assert problem.message and "\n" not in problem.message
        assert problem.span.line >= 1 and problem.span.column >= 1
        assert (problem.span.end_line, problem.span.end_column) >= (problem.span.line, problem.span.column)
        assert problem.document >= 0
        assert problem.pointer == "" or problem.pointer.startswith("/")


# --------------------------------------------------------------------------------------------------
# YAML 1.2 core schema


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("072", 72),
        ("0o17", 15),
        ("0x1F", 31),
        ("-12", -12),
        ("+7", 7),
        ("0", 0),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        ("12:30", "12:30"),
        ("1:20:30", "1:20:30"),
        ("2026-01-05", "2026-01-05"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("1e3", 1000.0),
        ("1E-2", 0.01),
        ("1.5", 1.5),
        ("1.", 1.0),
        (".5", 0.5),
        ("-.5", -0.5),
        (".inf", math.inf),
        ("-.inf", -math.inf),
        ("+.Inf", math.inf),
        ("0b101", "0b101"),
        ("0O17", "0O17"),
        ("1_000", "1_000"),
        ("0x", "0x"),
        (".", "."),
        ("-x", "-x"),
        ("+", "+"),
        ("1e", "1e"),
        ("0o8", "0o8"),
        ("'true'", "true"),
        ('"true"', "true"),
        ('"072"', "072"),
        ("'~'", "~"),
        ("!!str 12", "12"),
        ("!!str true", "true"),
        ("!!int 12", 12),
        ('!!int "0x1F"', 31),
        ("!!float 1", 1.0),
        ("!!float .nan", "nan"),
        ("!!bool false", False),
        ("!!null ~", None),
        ("!<tag:yaml.org,2002:str> 5", "5"),
        ("|\n  5\n", "5\n"),
        ("<<", "<<"),
    ],
)
def test_core_schema_scalars(source: str, expected: object) -> None:
    value = only_data(f"v: {source}\n" if not source.startswith("|") else f"v: {source}")["v"]
    if expected == "nan":
        assert isinstance(value, float) and math.isnan(value)
        return
    assert value == expected
    assert type(value) is type(expected)


def test_keys_are_resolved_too() -> None:
    assert only_data("2: a\ntrue: b\n~: c\nx: d\n'3': e\n") == {2: "a", True: "b", None: "c", "x": "d", "3": "e"}


def test_collections_and_explicit_collection_tags() -> None:
    assert only_data("a: !!map {b: [1, !!seq [2]]}\n") == {"a": {"b": [1, [2]]}}
    assert only_data("- ! [x]\n- ! {y: 1}\n") == [["x"], {"y": 1}]


def test_merge_keys_stay_plain_keys() -> None:
    data = only_data("base: &base {a: 1}\nitem:\n  <<: *base\n  b: 2\n")
    assert data["item"] == {"<<": {"a": 1}, "b": 2}


def test_aliases_share_values() -> None:
    data = only_data("a: &x [1, 2]\nb: *x\nc: &s text\nd: *s\n")
    assert data == {"a": [1, 2], "b": [1, 2], "c": "text", "d": "text"}


@pytest.mark.parametrize(
    ("source", "fragment", "column"),
    [
        ("v: !foo bar", "unsupported tag `!foo`", 4),
        ("v: !!python/object/apply:os.system ['echo pwned']", "unsupported tag `!!python/object/apply:os.system`", 4),
        ("v: !!binary aGVsbG8=", "unsupported tag `!!binary`", 4),
        ("v: !!timestamp 2001-01-01", "unsupported tag `!!timestamp`", 4),
        ("v: !!set {a, b}", "unsupported tag `!!set`", 4),
        ("v: !!int 1.5", "`1.5` is not a valid `!!int`", 4),
        ("v: !!bool yes", "`yes` is not a valid `!!bool`", 4),
        ("v: !!null 0", "`0` is not a valid `!!null`", 4),
        ("v: !!float abc", "`abc` is not a valid `!!float`", 4),
        ("v: !!str [a]", "a sequence cannot have the tag `!!str`", 4),
        ("v: !!seq {a: 1}", "a mapping cannot have the tag `!!seq`", 4),
    ],
)
def test_bad_tags_are_located_parse_problems(source: str, fragment: str, column: int) -> None:
    result = load(source + "\nw: fine\n")
    assert rules(result) == ["SPEC-PARSE"]
    problem = result.problems[0]
    assert fragment in problem.message
    assert (problem.span.line, problem.span.column) == (1, column)
    assert problem.pointer == "/v"
    doc = result.documents[0]
    assert doc.has_problems and doc.data == {"v": None, "w": "fine"}


def test_complex_keys_are_parse_problems() -> None:
    result = load("ok: 1\n? [a, b]\n: list key\n? {c: d}\n: map key\n")
    assert rules(result) == ["SPEC-PARSE", "SPEC-PARSE"]
    assert [(p.span.line, p.span.column) for p in result.problems] == [(2, 3), (4, 3)]
    assert "must be a scalar" in result.problems[0].message
    assert result.documents[0].data == {"ok": 1}
    assert result.documents[0].has_problems


def test_integer_with_too_many_digits() -> None:
    result = load("a: " + "9" * 5000 + "\n")
    assert rules(result) == ["SPEC-PARSE"]
    assert "too many digits" in result.problems[0].message
    assert result.problems[0].pointer == "/a"


def test_recursive_alias_is_a_parse_problem() -> None:
    result = load("a: &x [1, *x]\n")
    assert rules(result) == ["SPEC-PARSE"]
    assert "recursive" in result.problems[0].message
    assert result.documents[0].data == {"a": [1, None]}


# --------------------------------------------------------------------------------------------------
# Duplicate keys


def test_duplicate_keys_yaml_fixture() -> None:
    result = load_path(str(CASES / "duplicate-keys.yaml"))
    assert [(p.rule, p.message, p.span, p.pointer) for p in result.problems] == [
        ("SPEC-DUPLICATE-KEY", "duplicate key `id` (first defined at line 3)", Span(5, 3, 5, 5), "/metadata/id"),
        ("SPEC-DUPLICATE-KEY", "duplicate key `id` (first defined at line 7, column 6)", Span(7, 24, 7, 26),
         "/customers/0/id"),
    ]
    doc = result.documents[0]
    assert doc.has_problems
    assert doc.data["metadata"] == {"id": "svc-b", "name": "Service A"}  # the last value wins
    span, found = doc.locate(("metadata", "id"))
    assert (span.line, span.column, found) == (5, 7, ("metadata", "id"))  # where the kept value is


def test_duplicate_keys_each_reported() -> None:
    result = load("a: 1\nb: 2\na: 3\na: 4\n")
    assert [(p.rule, p.span.line, p.span.column) for p in result.problems] == [
        ("SPEC-DUPLICATE-KEY", 3, 1), ("SPEC-DUPLICATE-KEY", 4, 1)]
    assert all("first defined at line 1" in p.message for p in result.problems)


def test_duplicates_by_value_not_spelling() -> None:
    result = load("1: a\n0x1: b\n")  # the same integer key
    assert rules(result) == ["SPEC-DUPLICATE-KEY"]
    assert result.problems[0].span.line == 2


def test_duplicate_keys_in_document_with_aliases() -> None:
    result = load("x: &a {k: 1, k: 2}\ny: *a\n")  # the careful builder path
    assert rules(result) == ["SPEC-DUPLICATE-KEY"]
    assert result.problems[0].span == Span(1, 14, 1, 15)
    assert result.documents[0].data == {"x": {"k": 2}, "y": {"k": 2}}


def test_no_problems_means_no_has_problems() -> None:
    result = load_path(str(CASES / "office-climate.yaml"))
    assert result.problems == [] and not result.documents[0].has_problems


# --------------------------------------------------------------------------------------------------
# Limits


def test_file_size_limit_checked_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: [" + b"1, " * 100 + b"]\n")
    for result in (load_path(str(path), Limits(max_bytes=100)), load(path.read_bytes(), limits=Limits(max_bytes=100))):
        assert rules(result) == ["SPEC-LIMIT"]
        assert "more than the limit of 100 bytes" in result.problems[0].message
        assert result.documents == []


@pytest.mark.parametrize(
    "source",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000 + "1" + "}" * 10_000,
        "- " * 10_000 + "x\n",
        "? " * 10_000 + "x\n",
        "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "end: 1\n",
        "x: [" + "[" * 250 + "]" * 250 + "]\n",
    ],
    ids=["flow-seq", "flow-map", "block-seq", "explicit-keys", "indented-300", "flow-in-block-250"],
)
def test_deep_nesting_is_a_limit_not_a_crash(source: str) -> None:
    result = load(source)
    assert rules(result) == ["SPEC-LIMIT"]
    assert "deeper than the limit of 200 levels" in result.problems[0].message
    assert result.problems[0].span.line >= 1


@pytest.mark.parametrize("source", ["[" * 10_000 + "]" * 10_000, "{a: " * 10_000 + "1" + "}" * 10_000,
                                    "- " * 10_000 + "x\n", "? " * 10_000 + "x\n"],
                         ids=["flow-seq", "flow-map", "block-seq", "explicit-keys"])
def test_deep_input_is_read_only_up_to_the_depth_limit(monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Input nested deeper than the recursive composers can take goes to the event composer, which stops at the
    limit: each composer tried reads at most two events per level allowed, however deep the input goes (libyaml
    gives up on a deep flow sequence at once, and PyYAML's parser takes over)."""
    assert not yaml_compose.depth_bound_ok(source, yaml_compose.DefaultComposer.safe_depth)
    reads: dict[str, int] = {}

    def counting(composer: type) -> type:
        def get_event(self: object) -> object:
            reads[composer.__name__] = reads.get(composer.__name__, 0) + 1
            return composer.get_event(self)
        return type(composer.__name__, (composer,), {"get_event": get_event})

    monkeypatch.setattr(loader, "_PyComposer", counting(yaml_compose.PyComposer))
    monkeypatch.setattr(loader, "_DefaultComposer", counting(yaml_compose.DefaultComposer))
    result = load(source)
    assert rules(result) == ["SPEC-LIMIT"]
    assert max(reads.values()) <= 2 * Limits().max_depth + 3 and sum(reads.values()) > 200


def test_deep_json_is_a_limit() -> None:
    result = load("[" * 10_000 + "]" * 10_000, "deep.json")
    assert rules(result) == ["SPEC-LIMIT"]
    assert result.problems[0].span == Span(1, 201, 1, 202)
    assert rules(load('{"a": ' * 300 + "1" + "}" * 300, "deep.json")) == ["SPEC-LIMIT"]


def test_nesting_at_the_limit_is_fine() -> None:
    assert rules(load("[" * 200 + "]" * 200)) == []
    assert rules(load("[" * 201 + "]" * 201)) == ["SPEC-LIMIT"]
    assert rules(load("- " * 200 + "x\n")) == []
    assert rules(load("- " * 201 + "x\n")) == ["SPEC-LIMIT"]


def test_depth_limit_location_and_pointer() -> None:
    result = load("a:\n  b: [[[x]]]\n", limits=Limits(max_depth=3))
    problem = result.problems[0]
    # depth 1 is the root mapping, 2 the mapping of `a`, 3 the outer list: the second `[` is too deep
    assert (problem.rule, problem.span.line, problem.span.column, problem.pointer) == ("SPEC-LIMIT", 2, 7, "/a/b/0")


@pytest.mark.slow  # libyaml's scanner is quadratic in the depth: 3,000 levels take seconds
def test_large_depth_limit_does_not_hit_python_recursion() -> None:
    limit = sys.getrecursionlimit()
    result = load("[" * 3000 + "1" + "]" * 3000, limits=Limits(max_depth=5000))
    assert result.problems == []
    value = result.documents[0].data
    for _ in range(3000):
        value = value[0]
    assert value == 1
    assert sys.getrecursionlimit() == limit


def test_alias_expansion_through_nesting_counts_depth() -> None:
    inner = "a: &a " + "[" * 150 + "]" * 150 + "\n"
    outer = "b: " + "[" * 100 + "*a" + "]" * 100 + "\n"
    assert rules(load(inner + outer)) == ["SPEC-LIMIT"]


BILLION_LAUGHS = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9) + "]" for i in range(1, 9)]
) + "\n"


def test_billion_laughs_is_a_limit_without_expanding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    build = yaml_build.CarefulBuilder.build
    monkeypatch.setattr(yaml_build.CarefulBuilder, "build",
                        lambda self, node, depth: built.append(1) or build(self, node, depth))
    result = load(BILLION_LAUGHS)
    assert rules(result) == ["SPEC-LIMIT"]
    assert "through aliases" in result.problems[0].message
    assert result.documents == []
    # each node written is built once (about 100 calls); an alias is counted at its size, never walked again
    assert len(built) < 200


def test_modest_alias_use_is_fine() -> None:
    result = load(BILLION_LAUGHS.split("\nd:")[0] + "\n")  # 9**3 leaves
    assert result.problems == []
    assert len(result.documents[0].data["c"]) == 9


def test_node_limit_without_aliases() -> None:
    result = load("[" + "1," * 1000 + "]", limits=Limits(max_nodes=500))
    assert rules(result) == ["SPEC-LIMIT"]


def test_limit_stops_the_file_but_keeps_earlier_documents() -> None:
    result = load("a: 1\n---\n" + "[" * 300 + "]" * 300 + "\n---\nb: 2\n")
    assert [d.data for d in result.documents] == [{"a": 1}]
    assert rules(result) == ["SPEC-LIMIT"]
    assert result.problems[0].document == 1


# --------------------------------------------------------------------------------------------------
# Robustness: encodings, bad bytes, empty and unreadable files


def test_empty_inputs_give_no_documents() -> None:
    for text in ("", "\n\n", "# only a comment\n", "\ufeff"):
        result = load(text)
        assert result.documents == [] and result.problems == []
    for text in ("", "  \n"):  # an empty JSON file is not a JSON value: SPEC-PARSE (DESIGN §2, tests/test_contract.py)
        result = load(text, "empty.json")
        assert result.documents == [] and [p.rule for p in result.problems] == ["SPEC-PARSE"]


def test_empty_documents_are_null() -> None:
    result = load("---\n---\n# nothing\n---\na: 1\n")
    assert [d.data for d in result.documents] == [None, None, {"a": 1}]
    assert [d.index for d in result.documents] == [0, 1, 2]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                      "utf-32-be"])
def test_encodings_and_boms(encoding: str) -> None:
    text = "name: Café 3 °F\nlist: [1, 2]\n"
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
               "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[encoding]
        variants = [bom + data, data]  # with a BOM, and detected from the NUL pattern of `n`
    else:
        variants = [data]
    for variant in variants:
        result = load(variant)
        assert result.problems == [], encoding
        assert result.documents[0].data == {"name": "Café 3 °F", "list": [1, 2]}
        span, _ = result.documents[0].locate(("list", 1))
        assert (span.line, span.column) == (2, 11)


def test_bom_json() -> None:
    result = load(codecs.BOM_UTF8 + b'{"a": 1}', "x.json")
    assert result.problems == [] and result.documents[0].data == {"a": 1}


def test_invalid_utf8_is_located() -> None:
    result = load(b"a: ok\nb: caf\xc3\xa9 \xff bad\n")
    assert rules(result) == ["SPEC-PARSE"]
    problem = result.problems[0]
    assert problem.message == "not valid UTF-8 at byte 15"
    assert (problem.span.line, problem.span.column) == (2, 9)
    assert result.documents == []


def test_binary_file() -> None:
    result = load(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert rules(result) == ["SPEC-PARSE"]
    assert "binary file" in result.problems[0].message
    assert (result.problems[0].span.line, result.problems[0].span.column) == (3, 1)
    assert rules(load(b'{"a": "\x00"}', "x.json")) == ["SPEC-PARSE"]


def test_control_characters_are_located() -> None:
    result = load("a: fine\nb: caf\u00e9\x07\n")
    assert rules(result) == ["SPEC-PARSE"]
    assert "U+0007" in result.problems[0].message
    assert (result.problems[0].span.line, result.problems[0].span.column) == (2, 8)


def test_missing_file() -> None:
    result = load_path("/definitely/not/here.yaml")
    assert rules(result) == ["SPEC-READ"]
    assert result.problems[0].message == "cannot read `/definitely/not/here.yaml`: no such file"


def test_directory_as_file(tmp_path: Path) -> None:
    result = load_path(str(tmp_path))
    assert rules(result) == ["SPEC-READ"]
    assert result.problems[0].message == f"cannot read `{tmp_path}`: it is a directory"


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = load_path(str(tmp_path / "a.yaml"))
    assert rules(result) == ["SPEC-READ"]
    assert "symbolic links" in result.problems[0].message


def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    try:
        try:
            with open(path, "rb"):
                pytest.skip("running as a user who can read mode-000 files (root)")
        except PermissionError:
            pass
        result = load_path(str(path))
        assert rules(result) == ["SPEC-READ"]
        assert result.problems[0].message == f"cannot read `{path}`: permission denied"
    finally:
        path.chmod(0o600)


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"a: 1\n---\nb: yes\n"))
    monkeypatch.setattr(sys, "stdin", fake)
    result = load_path("-")
    assert result.path == "-" and [d.data for d in result.documents] == [{"a": 1}, {"b": "yes"}]


def test_path_is_kept_as_given(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text("a: 1\n")
    assert load_path(str(path)).path == str(path)


def test_gc_state_is_restored() -> None:
    assert gc.isenabled()
    load("a: [1, 2]\n")
    assert gc.isenabled()
    gc.disable()
    try:
        load("a: [1, 2]\n")
        load('{"a": 1}', "x.json")
        assert not gc.isenabled()
    finally:
        gc.enable()


# --------------------------------------------------------------------------------------------------
# Syntax errors and multi-document streams


def test_multi_document_with_a_bad_last_document() -> None:
    result = load_path(str(CASES / "multi-doc-bad-last.yaml"))
    assert [d.data for d in result.documents] == [
        {"apiVersion": "usm/v1", "kind": "ServiceSpecification", "metadata": {"id": "svc-one"}}, None]
    assert rules(result) == ["SPEC-PARSE"]
    problem = result.problems[0]
    assert problem.document == 2
    assert (problem.span.line, problem.span.column) == (12, 1)
    assert problem.message.startswith("YAML syntax error: ")
    assert "`,` or `]`" in problem.message


def test_syntax_error_location() -> None:
    result = load("a: 1\nb: [2\nc: 3\n")
    problem = result.problems[0]
    assert problem.rule == "SPEC-PARSE" and problem.span.line >= 2
    result = load("key: value\n  bad: indent\n")
    assert rules(result) == ["SPEC-PARSE"] and result.problems[0].span.line == 2


def test_undefined_alias_and_duplicate_anchor() -> None:
    result = load("a: *nope\n")
    assert rules(result) == ["SPEC-PARSE"] and "anchor" in result.problems[0].message
    assert (result.problems[0].span.line, result.problems[0].span.column) == (1, 4)
    result = load("a: &x 1\nb: &x 2\n")
    assert rules(result) == ["SPEC-PARSE"] and "first defined at line 1" in result.problems[0].message


# --------------------------------------------------------------------------------------------------
# locate


@pytest.fixture(scope="module")
def office() -> Document:
    result = load_path(str(CASES / "office-climate.yaml"))
    assert result.problems == []
    return result.documents[0]


@pytest.mark.parametrize(
    ("parts", "span", "found", "text"),
    [
        ((), Span(1, 1, 76, 1), (), "apiVersion: usm/v1"),
        (("metadata", "id"), Span(4, 7, 4, 28), ("metadata", "id"), "svc-office-climate-f3"),
        (("customers", 1, "name"), Span(19, 11, 19, 26), ("customers", 1, "name"), "Site Operations"),
        (("customers", "1", "name"), Span(19, 11, 19, 26), ("customers", "1", "name"), "Site Operations"),
        (("provider", "valueMaturity", "level"), Span(10, 26, 10, 27), ("provider", "valueMaturity", "level"), "3"),
        (("scos", 0, "metric", "target"), Span(52, 69, 52, 71), ("scos", 0, "metric", "target"), "95"),
        (("support", "requestTypes", 2), Span(38, 44, 38, 60), ("support", "requestTypes", 2), "requestForChange"),
        (("customers", 0, "stakeholders", 1), Span(17, 9, 17, 70), ("customers", 0, "stakeholders", 1),
         "{id: staff-f3, role: Office staff floor 3, perspective: user}"),
        # missing key: the parent mapping; missing index: the sequence; through a scalar: the scalar
        (("metadata", "nope"), Span(4, 3, 8, 1), ("metadata",), "id: svc-office-climate-f3"),
        (("customers", 5, "name"), Span(12, 3, 23, 1), ("customers",), "- id: hr"),
        (("customers", -1), Span(12, 3, 23, 1), ("customers",), "- id: hr"),
        (("customers", "01"), Span(12, 3, 23, 1), ("customers",), "- id: hr"),
        (("metadata", "id", "x"), Span(4, 7, 4, 28), ("metadata", "id"), "svc-office-climate-f3"),
        (("nope",), Span(1, 1, 76, 1), (), "apiVersion: usm/v1"),
    ],
)
def test_locate_yaml(office: Document, parts: tuple, span: Span, found: tuple, text: str) -> None:
    got_span, got_found = office.locate(parts)
    assert (got_span, got_found) == (span, found)
    line = (CASES / "office-climate.yaml").read_text().split("\n")[span.line - 1]
    end = span.end_column - 1 if span.end_line == span.line else None
    assert line[span.column - 1:end] == text


def test_locate_non_string_keys() -> None:
    doc = load("1: one\ntrue: yes\nnull: nothing\n").documents[0]
    assert doc.locate((1,))[0].column == 4
    assert doc.locate(("1",))[0].column == 4
    assert doc.locate((True,))[0].line == 2
    assert doc.locate(("null",))[0].line == 3


def test_locate_json() -> None:
    result = load_path(str(CASES / "spec.json"))
    assert result.problems == []
    doc = result.documents[0]
    assert doc.data["customers"][1]["name"] == 'Site "Ops"'
    assert doc.locate(()) == (Span(1, 1, 9, 2), ())
    assert doc.locate(("metadata", "id")) == (Span(4, 22, 4, 32), ("metadata", "id"))
    assert doc.locate(("customers", 1, "name")) == (Span(7, 27, 7, 41), ("customers", 1, "name"))
    assert doc.locate(("customers", 1, "tags", 3)) == (Span(7, 66, 7, 70), ("customers", 1, "tags", 3))
    assert doc.locate(("customers", "1", "tags", "1")) == (Span(7, 55, 7, 58), ("customers", "1", "tags", "1"))
    assert doc.locate(("customers", 7)) == (Span(5, 16, 8, 4), ("customers",))
    assert doc.locate(("metadata", "missing")) == (Span(4, 15, 4, 54), ("metadata",))


def test_json_duplicate_keys() -> None:
    result = load_path(str(CASES / "duplicate-keys.json"))
    assert [(p.rule, p.message, p.span, p.pointer) for p in result.problems] == [
        ("SPEC-DUPLICATE-KEY", "duplicate key `id` (first defined at line 3)", Span(4, 5, 4, 9), "/metadata/id"),
        ("SPEC-DUPLICATE-KEY", "duplicate key `id` (first defined at line 6, column 18)", Span(6, 44, 6, 48),
         "/customers/0/id"),
    ]
    doc = result.documents[0]
    assert doc.has_problems and doc.data["metadata"] == {"id": "svc-b"}
    assert doc.locate(("metadata", "id"))[0] == Span(4, 11, 4, 18)  # the kept (last) value


@pytest.mark.parametrize(
    ("source", "line", "column", "fragment"),
    [
        ('{"a": 1,}', 1, 9, "invalid JSON"),
        ('{\n  "a": 1\n  "b": 2\n}', 3, 3, "delimiter"),
        ('{"a": NaN}', 1, 7, "`NaN` is not a JSON value"),
        ('["x", -Infinity]', 1, 7, "`-Infinity`"),
        ("[1] [2]", 1, 5, "extra data"),
        ("a: 1", 1, 1, "invalid JSON"),
    ],
)
def test_json_errors(source: str, line: int, column: int, fragment: str) -> None:
    result = load(source, "bad.json")
    assert rules(result) == ["SPEC-PARSE"]
    problem = result.problems[0]
    assert (problem.span.line, problem.span.column) == (line, column)
    assert fragment in problem.message.lower() or fragment in problem.message


def test_json_is_chosen_by_suffix_only() -> None:
    assert load("a: yes", "spec.yaml").documents[0].data == {"a": "yes"}
    assert load('{"a": 072}', "spec.yaml").documents[0].data == {"a": 72}
    assert rules(load('{"a": 072}', "SPEC.JSON")) == ["SPEC-PARSE"]  # not a JSON number


# --------------------------------------------------------------------------------------------------
# The pure-Python fallback (PyYAML without libyaml) and the event composer give the same results


def _summary(result: LoadedFile) -> tuple:
    return ([d.data for d in result.documents], [(p.rule, p.span.line) for p in result.problems],
            [d.locate(("scos", 1, "metric"))[0] for d in result.documents if isinstance(d.data, dict)])


@pytest.mark.parametrize("composer", ["python", "events"])
def test_other_composers_agree(monkeypatch: pytest.MonkeyPatch, composer: str) -> None:
    texts = [(CASES / "office-climate.yaml").read_text(), (CASES / "duplicate-keys.yaml").read_text(),
             BILLION_LAUGHS, "- " * 300 + "x", "[" * 300 + "]" * 300, "a: &x [1, *x]\n", "a: !foo x\n"]
    expected = [_summary(load(text)) for text in texts]
    if composer == "python":
        monkeypatch.setattr(loader, "_DefaultComposer", loader._PyComposer)
    else:
        monkeypatch.setattr(yaml_load, "depth_bound_ok", lambda text, limit: False)
    assert [_summary(load(text)) for text in texts] == expected


def test_depth_bound_is_an_upper_bound() -> None:
    for text, depth in [("[" * 50 + "]" * 50, 50), ("- " * 50 + "x", 50), ("[a: " * 30 + "b" + "]" * 30, 60),
                        ("".join(" " * i + "k:\n" for i in range(40)) + " " * 40 + "x", 40)]:
        assert not yaml_compose.depth_bound_ok(text, depth - 1)


# --------------------------------------------------------------------------------------------------
# The yaml-test-suite corpus (DESIGN §8): every case loads or gives located problems


def _suite_cases() -> list[Path]:
    if not SUITE.is_dir():
        return []
    return sorted(p.parent for p in SUITE.rglob("in.yaml"))


def _libyaml_rejects(data: bytes) -> bool:
    try:
        for _ in yaml.compose_all(data.decode("utf-8"), Loader=yaml.CSafeLoader if yaml.__with_libyaml__
                                  else yaml.SafeLoader):
            pass
    except Exception:  # noqa: BLE001 - any failure of the reference parser counts as a rejection
        return True
    return False


def test_yaml_test_suite(capsys: pytest.CaptureFixture[str]) -> None:
    cases = _suite_cases()
    if not cases:
        pytest.skip(f"yaml-test-suite not found at {SUITE}")
    accepted_errors, rejected_valid, checked_errors = [], [], 0
    for case in cases:
        data = (case / "in.yaml").read_bytes()
        result = load_bytes(data, "in.yaml")
        check_well_formed(result)
        assert result.documents or result.problems or not data.strip(b" \t\r\n") or b"#" in data or b"%" in data, case
        is_error_case = (case / "error").exists()
        libyaml_rejects = _libyaml_rejects(data)
        if is_error_case:
            if libyaml_rejects:
                checked_errors += 1
                assert result.problems, f"{case}: an error case libyaml rejects gave no problem"
            elif not result.problems:
                accepted_errors.append(case.relative_to(SUITE).as_posix())
        elif libyaml_rejects:
            rejected_valid.append(case.relative_to(SUITE).as_posix())
        if not libyaml_rejects:  # what libyaml parses never becomes a syntax error of ours
            assert not any(p.message.startswith("YAML syntax error") for p in result.problems), case
    with capsys.disabled():
        print(f"\nyaml-test-suite: {len(cases)} cases; {checked_errors} error cases rejected by libyaml and us; "
              f"libyaml disagrees with the suite on {len(accepted_errors)} error cases it accepts and "
              f"{len(rejected_valid)} valid cases it rejects")
    assert checked_errors > 50


# --------------------------------------------------------------------------------------------------
# Property tests: no input makes the loader raise


YAMLISH = st.text(alphabet=st.sampled_from(list("[]{}:,-?&*!|>'\"#%@`\n\t ab01.~<=\\\r\ufeff\x85é")), max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(YAMLISH, st.text(max_size=80)), json_path=st.booleans())
def test_random_text_never_raises(text: str, json_path: bool) -> None:
    result = load(text.encode("utf-8", "surrogatepass"), "x.json" if json_path else "x.yaml")
    check_well_formed(result)
    for doc in result.documents:
        doc.locate(("a", 0, "b"))


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=120), json_path=st.booleans())
def test_random_bytes_never_raise(data: bytes, json_path: bool) -> None:
    result = load_bytes(data, "x.json" if json_path else "x.yaml")
    check_well_formed(result)


# libyaml does not accept the surrogate-pair escapes json.dumps writes for characters beyond the BMP
BMP = st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",))


@settings(max_examples=100, deadline=None)
@given(value=st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(BMP, max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(BMP, max_size=5), children, max_size=4),
    max_leaves=20))
def test_round_trip_of_json_values(value: object) -> None:
    """What json.dumps writes, both the YAML and the JSON path read back unchanged (YAML 1.2 is a superset)."""
    text = json.dumps(value)
    assert load(text, "x.json").documents[0].data == value
    yaml_result = load(text, "x.yaml")
    assert yaml_result.problems == [] and yaml_result.documents[0].data == value

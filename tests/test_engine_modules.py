"""The engine's modules one by one: options, bind, discover, locate, check, repository, passes, run.

(Workers are tested in test_trust.py: a lost worker, Ctrl-C, byte-identical parallel output.)
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from usm_rules.config import Config, load_config
from usm_rules.engine import (EngineOptions, FileId, Flags, RuleSet, build_options, check_loaded, load_rules,
                              run)
from usm_rules.engine.check import RepoEntry, prune
from usm_rules.engine.discover import discover, project_path, project_root
from usm_rules.engine.locate import identity_index, make_finding, resolve_parts
from usm_rules.engine.passes import suppression_pass
from usm_rules.engine.repository import run_repository_rules
from usm_rules.errors import UsageError
from usm_rules.findings import Severity, Span
from usm_rules.lang.runtime import Hit
from usm_rules.loader import load_path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "engine"
AS_OF = dt.date(2026, 12, 1)


def options(**flags: object) -> EngineOptions:
    return build_options(Config(path=None, root=str(ROOT)), Flags(as_of=AS_OF, **flags))  # type: ignore[arg-type]


# -- options ------------------------------------------------------------------------------------------------

def test_options_are_frozen_and_varied_by_replace() -> None:
    base = options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.jobs = 2  # type: ignore[misc]
    two = dataclasses.replace(base, jobs=2)
    assert (base.jobs, two.jobs) == (1, 2)


def test_flags_override_config_and_patterns_are_upper_case() -> None:
    config = Config(path=None, root=str(ROOT), select=("CEMM",), ignore=("CEMM-007",))
    built = build_options(config, Flags(select=("usm-010",), ignore=("usm-011",)))
    assert built.select == ("USM-010",)  # --select replaces the config's select
    assert built.ignore == ("CEMM-007", "USM-011")  # --ignore adds to its ignore


def test_a_pack_named_twice_is_loaded_once_and_an_unknown_pack_is_a_usage_error() -> None:
    built = options(packs=("usm",), policies=(str(ROOT / "policies" / "usm.policy"),))
    assert [Path(p).name for p in built.policy_files] == ["usm.policy"]
    with pytest.raises(UsageError, match="unknown built-in pack `nope`"):
        options(packs=("nope",))


# -- bind ---------------------------------------------------------------------------------------------------

def test_bind_keeps_what_select_keeps_with_the_configured_severity() -> None:
    rules = load_rules(dataclasses.replace(options(select=("USM-010", "SPEC")), severities={"USM-010": Severity.INFO}))
    assert isinstance(rules, RuleSet)
    assert [r for r, _ in rules.spec_rules] == ["USM-010"] and [r for r, _ in rules.repo_rules] == ["SPEC-001"]
    assert rules.severities == {"USM-010": Severity.INFO, "SPEC-001": Severity.ERROR}
    assert "SPEC-SCHEMA" in rules.infos and "CEMM-002" in rules.metas and "CEMM-002" not in rules.infos


# -- discover -----------------------------------------------------------------------------------------------

def test_discover_walks_in_a_stable_order_and_skips_tool_directories(tmp_path: Path) -> None:
    for rel in ("b/x.yaml", "a/y.yml", "a/z.json", "a/notes.txt", "node_modules/m.yaml", ".git/h.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    found = discover([str(tmp_path)], ("*.yaml", "*.yml", "*.json"), ("b/**",), str(tmp_path))
    assert [Path(f).relative_to(tmp_path).as_posix() for f in found.files] == ["a/y.yml", "a/z.json"]


def test_the_project_root_is_the_config_directory_else_the_git_tree(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    assert project_root(None, str(tmp_path / "repo" / "sub")) == os.path.realpath(tmp_path / "repo")
    assert project_root(str(tmp_path / "repo" / "sub")) == os.path.realpath(tmp_path / "repo" / "sub")
    root = os.path.realpath(tmp_path / "repo")
    assert project_path(str(tmp_path / "repo" / "sub" / "x.yaml"), root) == "sub/x.yaml"
    assert project_path(str(tmp_path / "elsewhere.yaml"), root).endswith("/elsewhere.yaml")


# -- locate -------------------------------------------------------------------------------------------------

def test_a_hit_on_a_node_or_below_it_resolves_to_a_path_from_the_root() -> None:
    spec = {"scos": [{"id": "a"}, {"id": "b", "metric": {"unit": "%"}}]}
    index = identity_index(spec)
    assert resolve_parts(index, spec["scos"][1], ("metric", "unit")) == ("scos", 1, "metric", "unit")
    assert resolve_parts(index, spec["scos"][0], ("metric", "target")) == ("scos", 0, "metric", "target")


def test_a_finding_carries_the_identity_not_the_spelling_of_its_file() -> None:
    one = make_finding(None, "X-001", Severity.ERROR, "m", FileId("./a/x.yaml", "a/x.yaml"), Span(1, 1, 1, 2),
                       ("scos", 0), 0, None, {"id": "a"})
    two = make_finding(None, "X-001", Severity.ERROR, "m", FileId("/abs/a/x.yaml", "a/x.yaml"), Span(9, 1, 9, 2),
                       ("scos", 0), 0, None, {"id": "a"})
    assert one.fingerprint == two.fingerprint and one.pointer == "/scos/0"
    assert (one.file, one.path) == ("./a/x.yaml", "a/x.yaml")


# -- check --------------------------------------------------------------------------------------------------

def test_check_loaded_reports_each_document_and_skips_what_is_not_a_spec() -> None:
    rules = load_rules(options(select=("USM-010", "SPEC-001")))
    result = check_loaded(load_path(str(CASES / "two-docs.yaml")), rules, keep_repo=True)
    assert (result.specs, result.skipped, result.ruled) == (2, 1, 1)
    assert [(f.rule, f.document) for f in result.findings] == [("USM-010", 0), ("SPEC-SCHEMA", 2)]
    assert [e.document for e in result.repo_specs] == [0]  # a schema-invalid spec is left out of repository rules


def test_prune_keeps_only_the_paths_repository_rules_read() -> None:
    spec = {"metadata": {"id": "a", "name": "n"}, "scos": [1, 2]}
    assert prune(spec, (("metadata", "id"),)) == {"metadata": {"id": "a"}}
    assert prune(spec, None) is spec


# -- repository ---------------------------------------------------------------------------------------------

def test_repository_hits_are_located_in_their_own_spec_through_the_callers_documents() -> None:
    rules = load_rules(options(select=("SPEC-001",)))
    loaded = load_path(str(CASES / "two-docs.yaml"))
    file = FileId(loaded.path, "tests/cases/engine/two-docs.yaml")
    docs = {d.index: d for d in loaded.documents}
    entries = [RepoEntry({"metadata": {"id": "svc-a"}}, file, 0, "svc-a"),
               RepoEntry({"metadata": {"id": "svc-a"}}, file, 2, "svc-a")]
    found = run_repository_rules(rules, entries, lambda f: docs if f == file else None)
    assert [(f.rule, f.document, f.line) for f in found] == [("SPEC-001", 0, 3), ("SPEC-001", 2, 15)]
    assert run_repository_rules(rules, entries, lambda f: None) == []  # a file that went away


# -- passes -------------------------------------------------------------------------------------------------

def test_a_pass_is_a_function_from_findings_to_findings() -> None:
    rules = load_rules(options(select=("USM-010",)))
    assert suppression_pass([], rules, False)([]) == []


# -- run ----------------------------------------------------------------------------------------------------

def test_a_run_folds_files_into_counts_and_sorted_findings() -> None:
    result = run([str(CASES / "two-docs.yaml"), str(ROOT / "specs" / "office-climate.yaml")],
                 options(select=("USM-010", "SPEC")))
    assert (result.files, result.specs, result.skipped) == (2, 3, 1)
    assert result.findings == sorted(result.findings, key=lambda f: f.sort_key())
    assert {f.rule for f in result.findings} == {"USM-010", "SPEC-SCHEMA"}  # the invalid twin meets no SPEC-001


def test_a_hit_is_frozen_data() -> None:
    hit = Hit("X-001", "m", {}, ("a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.rule = "Y"  # type: ignore[misc]
    assert (hit.severity, hit.trace) == (None, ())


def test_load_config_with_no_file_gives_the_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_config(None, start=str(tmp_path)).path is None

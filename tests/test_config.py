"""Config: discovery, every key, defaults, located errors (fixtures in tests/cases/config/), rule patterns."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from usm_rules.config import (
    DEFAULT_INCLUDE,
    DEFAULT_MATURITY_LEVELS,
    DEFAULT_PERSPECTIVES,
    DEFAULT_VALUE_TYPES,
    Config,
    RuleSettings,
    canonical_rule_id,
    find_config,
    is_rule_id,
    is_rule_pattern,
    load_config,
    parse_config,
    rule_matches,
)
from usm_rules.config.keyindex import KeyIndex
from usm_rules.config.reader import Reader
from usm_rules.errors import ConfigError
from usm_rules.findings import Severity

CASES = Path(__file__).parent / "cases" / "config"
ERROR_CASES = sorted((CASES / "errors").glob("*.toml"))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _error(text: str, name: str = "usm-rules.toml", *, pyproject: bool = False) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text, name, pyproject=pyproject)
    return info.value.render()


def _strip_lines(text: str) -> str:
    # Editors and hooks trim trailing blanks in fixture files; a caret under an empty line leaves some.
    return "\n".join(line.rstrip() for line in text.rstrip("\n").split("\n"))


# --- discovery -------------------------------------------------------------------------------------------


def test_find_walks_up_to_the_nearest_config(tmp_path: Path) -> None:
    config = _write(tmp_path / "repo" / "usm-rules.toml", "")
    start = tmp_path / "repo" / "specs" / "team"
    start.mkdir(parents=True)
    assert find_config(str(start)) == str(config)
    assert find_config(str(tmp_path / "repo")) == str(config)


def test_find_starts_from_the_directory_of_a_file(tmp_path: Path) -> None:
    config = _write(tmp_path / "usm-rules.toml", "")
    spec = _write(tmp_path / "specs" / "a.yaml", "")
    assert find_config(str(spec)) == str(config)


def test_find_prefers_usm_rules_toml_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.usm-rules]\njobs = 2\n")
    config = _write(tmp_path / "usm-rules.toml", "")
    assert find_config(str(tmp_path)) == str(config)


def test_find_takes_a_nearer_pyproject_with_our_table(tmp_path: Path) -> None:
    _write(tmp_path / "usm-rules.toml", "")
    pyproject = _write(tmp_path / "sub" / "pyproject.toml", '[tool."usm-rules"]\n')
    assert find_config(str(tmp_path / "sub")) == str(pyproject)


def test_find_skips_a_pyproject_without_our_table(tmp_path: Path) -> None:
    config = _write(tmp_path / "usm-rules.toml", "")
    _write(tmp_path / "sub" / "pyproject.toml", '[tool.black]\nline-length = 100\n# usm-rules mentioned\n')
    _write(tmp_path / "sub" / "deeper" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(str(tmp_path / "sub" / "deeper")) == str(config)


def test_find_picks_a_broken_pyproject_that_mentions_us(tmp_path: Path) -> None:
    pyproject = _write(tmp_path / "pyproject.toml", "[tool.usm-rules]\njobs = = 2\n")
    assert find_config(str(tmp_path)) == str(pyproject)
    with pytest.raises(ConfigError) as info:
        load_config(start=str(tmp_path))
    assert "invalid TOML: invalid value" in info.value.render()


def test_find_returns_none_without_config(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(str(tmp_path)) is None


def test_load_without_config_gives_defaults_rooted_at_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(start=str(tmp_path))
    assert config == Config(path=None, root=os.getcwd())


def test_load_discovered_config_is_shown_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "repo" / "usm-rules.toml", 'policies = ["local.policy"]\njobs = "two"\n')
    (tmp_path / "repo" / "specs").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(start="repo/specs")
    assert info.value.render() == (
        'repo/usm-rules.toml:2:1: `jobs` must be a positive integer, got "two"\n'
        '    jobs = "two"\n'
        "    ^^^^")


def test_load_discovered_config_resolves_paths_against_its_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "repo" / "usm-rules.toml", 'policies = ["local.policy"]\nwaivers = "w.yaml"\n')
    (tmp_path / "repo" / "specs").mkdir()
    monkeypatch.chdir(tmp_path / "repo" / "specs")
    config = load_config()
    root = os.path.realpath(tmp_path / "repo")
    assert os.path.realpath(config.root) == root
    assert config.path == os.path.join(config.root, "usm-rules.toml")  # above cwd: shown absolute
    assert config.policies == (os.path.join(config.root, "local.policy"),)
    assert config.waivers == os.path.join(config.root, "w.yaml")


def test_load_explicit_path_skips_discovery(tmp_path: Path) -> None:
    _write(tmp_path / "usm-rules.toml", "jobs = 3\n")
    other = _write(tmp_path / "ci" / "strict.toml", 'fail_on = "info"\n')
    config = load_config(str(other), start=str(tmp_path))
    assert config.path == str(other)
    assert config.fail_on is Severity.INFO
    assert config.jobs == 1


def test_load_explicit_pyproject_reads_the_tool_table(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n[tool.usm-rules]\njobs = 4\n")
    assert load_config(str(path)).jobs == 4


def test_load_explicit_pyproject_without_the_table_is_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert info.value.render() == f"{path}: no [tool.usm-rules] table"


def test_load_missing_explicit_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config("missing.toml")
    assert info.value.render() == "missing.toml:1:1: cannot read the config file: no such file"
    assert info.value.kind == "config"


def test_load_directory_as_config_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigError) as info:
        load_config("conf")
    assert info.value.render() == "conf:1:1: cannot read the config file: it is a directory"


def test_load_invalid_utf8_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.toml").write_bytes(b'jobs = 2\nfail_on = "\xe9rror"\n')
    with pytest.raises(ConfigError) as info:
        load_config("bad.toml")
    assert info.value.render() == ("bad.toml:2:12: config file is not valid UTF-8 (byte 20)\n"
                                   '    fail_on = "\ufffdrror"\n'
                                   "               ^")


def test_load_strips_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "usm-rules.toml"
    path.write_bytes(b"\xef\xbb\xbfjobs = 2\n")
    assert load_config(str(path)).jobs == 2


# --- every key, defaults ---------------------------------------------------------------------------------


def test_defaults() -> None:
    config = Config(path=None, root="/r")
    assert config.policies == ()
    assert config.packs is None
    assert config.select == () and config.ignore == ()
    assert config.fail_on is Severity.ERROR
    assert config.include == ("**/*.yaml", "**/*.yml", "**/*.json") == DEFAULT_INCLUDE
    assert config.exclude == ()
    assert dict(config.rules) == {}
    assert config.maturity_levels == DEFAULT_MATURITY_LEVELS
    assert len(config.maturity_levels) == 5 and config.maturity_levels[0] == "technology-driven"
    assert config.perspectives == DEFAULT_PERSPECTIVES == ("business", "user", "technical", "financial", "legal")
    assert config.value_types == DEFAULT_VALUE_TYPES
    assert dict(config.word_lists) == {} and dict(config.limits) == {}
    assert config.waivers is None and config.baseline is None
    assert config.jobs == 1


def test_empty_file_gives_defaults_with_its_path(tmp_path: Path) -> None:
    path = str(tmp_path / "usm-rules.toml")
    config = parse_config("# nothing set\n", path)
    assert config == Config(path=path, root=str(tmp_path))


def test_every_key_is_read(tmp_path: Path) -> None:
    text = (CASES / "valid" / "full.toml").read_text(encoding="utf-8")
    path = str(tmp_path / "usm-rules.toml")
    config = parse_config(text, path)
    root = str(tmp_path)
    assert config.path == path and config.root == root
    assert config.policies == (os.path.join(root, "policies", "local.policy"),
                               os.path.join(os.path.dirname(root), "shared", "policies"))
    assert config.packs == ("cemm",)
    assert config.select == ("USM", "CEMM-002")
    assert config.ignore == ("CEMM-007",)
    assert config.fail_on is Severity.WARNING
    assert config.include == ("specs/**/*.yaml",)
    assert config.exclude == ("drafts/**", "specs/old/*.json")
    assert config.waivers == os.path.join(root, "waivers.yaml")
    assert config.baseline == os.path.join(root, ".usm-rules-baseline.json")
    assert config.jobs == 2
    assert config.maturity_levels == ("ad hoc", "managed", "optimised")
    assert config.perspectives == ("business", "user")
    assert config.value_types == ("valueInUse", "financial")
    assert dict(config.word_lists) == {"weasel_words": ("fast", "efficient"),
                                       "provider_voice": ("we will", "our team shall"),
                                       "activity_verbs": ()}
    assert dict(config.limits) == {"max_bytes": 10485760, "max_depth": 64, "max_nodes": 200000}
    assert set(config.rules) == {"USM-010", "USM-011", "CEMM-007"}

    usm010 = config.rules["USM-010"]
    assert usm010.severity is Severity.WARNING and usm010.enabled
    assert dict(usm010.params) == {"max_gap": 2}
    where = usm010.param_locations["max_gap"]
    assert (where.file, where.line, where.column, where.length) == (path, 32, 1, 7)
    assert dataclasses.replace(where, message="unknown parameter `max_gap`").render() == (
        f"{path}:32:1: unknown parameter `max_gap`\n    max_gap = 2\n    ^^^^^^^")
    assert usm010.location is not None and (usm010.location.line, usm010.location.column) == (30, 8)

    usm011 = config.rules["USM-011"]
    assert usm011.severity is None and usm011.enabled
    assert dict(usm011.params) == {"max_age_months": 6, "tags": ["a", "b"]}
    assert config.rules["CEMM-007"] == RuleSettings(
        severity=None, enabled=False, location=config.rules["CEMM-007"].location)

    assert (config.locations["jobs"].line, config.locations["limits.max_nodes"].line) == (11, 28)
    assert config.locations["rules.USM-011.tags"].line == 36


def test_severity_off_disables_the_rule() -> None:
    config = parse_config('[rules.CEMM-007]\nseverity = "off"\n', "c.toml")
    settings = config.rules["CEMM-007"]
    assert settings.enabled is False and settings.severity is None
    assert not config.is_selected("CEMM-007")
    assert config.is_selected("CEMM-006")


def test_rule_settings_in_inline_and_dotted_form() -> None:
    config = parse_config('rules.USM-010.max_gap = 2\n[rules.CEMM-002]\n'
                          'severity = "info"\nlimits = { low = 1 }\n', "c.toml")
    assert dict(config.rules["USM-010"].params) == {"max_gap": 2}
    assert config.rules["CEMM-002"].severity is Severity.INFO
    assert dict(config.rules["CEMM-002"].params) == {"limits": {"low": 1}}
    assert config.rules["USM-010"].param_locations["max_gap"].column == 15


def test_empty_packs_means_none() -> None:
    assert parse_config("packs = []\n", "c.toml").packs == ()
    assert parse_config("", "c.toml").packs is None


def test_config_is_immutable() -> None:
    config = parse_config('[rules.USM-010]\nmax_gap = 2\n[limits]\nmax_depth = 3\n', "c.toml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.jobs = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.limits["max_depth"] = 4  # type: ignore[index]
    with pytest.raises(TypeError):
        config.rules["USM-010"].params["max_gap"] = 4  # type: ignore[index]


def test_pyproject_mode_reads_only_the_tool_table(tmp_path: Path) -> None:
    text = (CASES / "valid" / "pyproject.toml").read_text(encoding="utf-8")
    path = str(tmp_path / "pyproject.toml")
    config = parse_config(text, path, pyproject=True)
    assert config.fail_on is Severity.INFO
    assert config.packs == ()
    assert config.exclude == ("drafts/**",)
    assert config.rules["USM-010"].severity is Severity.ERROR
    assert dict(config.limits) == {"max_depth": 32}
    where = config.rules["USM-010"].param_locations["max_gap"]
    assert (where.line, where.column) == (16, 1)
    assert (config.locations["exclude"].line, config.locations["limits.max_depth"].line) == (12, 19)


# --- errors: exact rendered text -------------------------------------------------------------------------


@pytest.mark.parametrize("case", ERROR_CASES, ids=[p.name for p in ERROR_CASES])
def test_error_fixture(case: Path) -> None:
    """Each fixture renders exactly its .expected file; `*.pyproject.toml` is read in pyproject mode."""
    text = case.read_text(encoding="utf-8")
    rendered = _error(text, case.name, pyproject=case.name.endswith(".pyproject.toml"))
    expected = case.with_suffix(".expected").read_text(encoding="utf-8")
    assert _strip_lines(rendered) == _strip_lines(expected)


def test_error_fixtures_exist() -> None:
    assert len(ERROR_CASES) >= 10


def test_syntax_error_has_the_parser_position() -> None:
    assert _error('jobs = 2\nselect = ["USM" "CEMM"]\n') == (
        "usm-rules.toml:2:17: invalid TOML: unclosed array\n"
        '    select = ["USM" "CEMM"]\n'
        "                    ^")


def test_unknown_key_names_the_key_and_a_suggestion() -> None:
    assert _error('fail-on = "warning"\n') == (
        "usm-rules.toml:1:1: unknown key `fail-on`; did you mean `fail_on`?\n"
        '    fail-on = "warning"\n'
        "    ^^^^^^^")


def test_wrong_type_shows_the_value() -> None:
    assert _error('jobs = "two"\n') == (
        'usm-rules.toml:1:1: `jobs` must be a positive integer, got "two"\n'
        '    jobs = "two"\n'
        "    ^^^^")


def test_all_problems_of_a_file_come_in_one_error_in_file_order() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[limits]\nmax_depth = 0\n[maturity]\nlevels = []\n[rules.x]\n', "c.toml")
    problems = info.value.problems
    assert [(p.line, p.column) for p in problems] == [(2, 1), (4, 1), (5, 8)]
    assert info.value.render() == "\n".join(p.render() for p in problems)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert _error("x = " + "[" * 3000 + "]" * 3000 + "\n").splitlines()[0] == (
        "usm-rules.toml:1:105: invalid TOML: arrays and inline tables are nested more than 100 levels deep")


def test_key_index_gives_up_quietly_on_deep_nesting() -> None:
    index = KeyIndex("a = 1\nb = " + "[" * 3000 + "]" * 3000 + "\nc = 2\n")
    assert index.find(("a",)) == (1, 1, 1)
    assert index.find(("c",)) is None


def test_crlf_lines_are_located_like_lf_lines() -> None:
    rendered = _error('jobs = 2\r\n\r\n[rules.USM-010]\r\nseverity = "warn"\r\n')
    assert rendered == (
        "usm-rules.toml:4:1: `rules.USM-010.severity` must be error, warning, info or off, got \"warn\"; "
        "did you mean `warning`?\n"
        '    severity = "warn"\n'
        "    ^^^^^^^^")


def test_unicode_line_separator_in_a_string_does_not_shift_lines() -> None:
    rendered = _error('x-note = "a\u2028b"\njobs = 0\n')
    assert rendered.splitlines()[3:] == [
        "usm-rules.toml:2:1: `jobs` must be a positive integer, got 0",
        "    jobs = 0",
        "    ^^^^"]


def test_unicode_line_separator_in_a_quoted_key_is_found() -> None:
    assert _error('[word_lists]\n"a\u2028b" = "x"\n') == (
        'usm-rules.toml:2:1: `word_lists."a\\u2028b"` must be an array of strings, got "x"\n'
        '    "a b" = "x"\n'
        "    ^^^^^")


def test_tabs_and_multiline_arrays_are_located() -> None:
    text = 'select = [\n\t"USM",  # the pack\n\t"cemm",\n]\n\tjobs\t= -2\n'
    assert _error(text).splitlines()[-3:] == [
        "usm-rules.toml:5:2: `jobs` must be a positive integer, got -2",
        "     jobs = -2",
        "     ^^^^"]


def test_key_that_cannot_be_found_is_reported_at_the_start() -> None:
    reader = Reader("c.toml", "jobs = 1\n", ())
    assert reader.at(("nowhere",), "lost").render() == "c.toml:1:1: lost\n    jobs = 1\n    ^"


def test_key_index_handles_headers_quotes_and_inline_tables() -> None:
    text = ('# [commented] = 1\n'
            '[ tool . "usm-rules" ]\n'
            "'quoted key' = { a.b = [ { c = 1 } ], d = '''\n[not.a.header]\n''' }\n"
            'e = "x # not a comment"  # f = 1\n'
            '[[arr]]\ng = 1979-05-27 07:32:00\n')
    index = KeyIndex(text)
    assert index.find(("tool", "usm-rules")) == (2, 10, 11)
    assert index.find(("tool", "usm-rules", "quoted key")) == (3, 1, 12)
    assert index.find(("tool", "usm-rules", "quoted key", "a", "b", "c")) == (3, 28, 1)
    assert index.find(("tool", "usm-rules", "quoted key", "d")) == (3, 39, 1)
    assert index.find(("tool", "usm-rules", "e")) == (6, 1, 1)
    assert index.find(("arr", "g")) == (8, 1, 1)
    assert index.find(("not",)) is None
    assert index.find(("commented",)) is None
    assert index.find(("tool", "usm-rules", "f")) is None


def test_escaped_quoted_key_is_decoded() -> None:
    index = KeyIndex('"j\\u006Fbs" = 1\n')
    assert index.find(("jobs",)) == (1, 1, 11)


# --- rule patterns -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule_id", "pattern", "matches"), [
    ("CEMM-002", "CEMM", True),
    ("CEMM-002", "CEMM-", True),
    ("CEMM-002", "CEMM-002", True),
    ("CEMM-002", "CEMM-00", True),
    ("CEMM-012", "CEMM-00", False),
    ("USM-010", "USM-01", True),
    ("USM-013", "USM-01", True),
    ("USM-001", "USM-01", False),
    ("USM-010", "USM-010", True),
    ("USM-011", "USM-010", False),
    ("USM-001", "USM-010", False),
    ("CEMMX-001", "CEMM", False),
    ("USM-001", "US", False),
    ("SPEC-PARSE", "SPEC", True),
    ("SPEC-SCHEMA", "SPEC-S", True),
    ("CEMM-002", "cemm", True),
    ("USM-010", "usm-010", True),
    ("USM-011", "usm-010", False),
    ("CEMM-002", "", False),
])
def test_rule_matches(rule_id: str, pattern: str, matches: bool) -> None:
    assert rule_matches(rule_id, [pattern]) is matches


def test_rule_matches_any_of_several_patterns() -> None:
    assert rule_matches("USM-010", iter(["CEMM", "USM-01"]))
    assert not rule_matches("USM-010", [])


def test_is_selected_prefers_the_more_specific_pattern() -> None:
    config = Config(path=None, root="/", select=("USM", "CEMM-007"), ignore=("USM-01", "CEMM"))
    assert config.is_selected("USM-001")
    assert not config.is_selected("USM-010")
    assert config.is_selected("CEMM-007")
    assert not config.is_selected("CEMM-002")
    assert not config.is_selected("SPEC-001")
    everything = Config(path=None, root="/", ignore=("CEMM-007",))
    assert everything.is_selected("SPEC-001") and not everything.is_selected("CEMM-007")
    tie = Config(path=None, root="/", select=("CEMM",), ignore=("CEMM",))
    assert not tie.is_selected("CEMM-001")


def test_id_and_pattern_shapes() -> None:
    assert is_rule_id("CEMM-002") and is_rule_id("SPEC-PARSE") and is_rule_id("X1-A-2")
    assert not is_rule_id("CEMM") and not is_rule_id("USM-")
    assert is_rule_pattern("CEMM") and is_rule_pattern("USM-01") and is_rule_pattern("USM-")
    assert not is_rule_pattern("USM 01") and not is_rule_pattern("")
    # Any case is accepted (only ASCII is folded: `\ufb00` would upper-case to `FF`).
    assert is_rule_id("cemm-002") and is_rule_pattern("usm") and is_rule_pattern("Usm-01")
    assert not is_rule_id("\ufb00-001") and canonical_rule_id("usm-010") == "USM-010"


# --- rule ids in any case, and where each pattern is written ------------------------------------------------


def test_rule_ids_and_patterns_are_upper_cased_and_each_entry_is_located() -> None:
    text = 'select = ["usm", "Cemm-002"]\nignore = [\n  "cemm-007",\n]\n[rules.usm-010]\nmax_gap = 2\n'
    config = parse_config(text, "c.toml")
    assert config.select == ("USM", "CEMM-002") and config.ignore == ("CEMM-007",)
    assert config.is_selected("USM-001") and not config.is_selected("CEMM-007")
    where = {name: (loc.line, loc.column, loc.length) for name, loc in config.locations.items()}
    assert where["select[0]"] == (1, 11, 5) and where["select[1]"] == (1, 18, 10)
    assert where["ignore[0]"] == (3, 3, 10)
    assert set(config.rules) == {"USM-010"} and where["rules.USM-010"] == (5, 8, 7)
    assert where["rules.USM-010.max_gap"] == (6, 1, 7)
    assert config.rules["USM-010"].location == config.locations["rules.USM-010"]
    assert dataclasses.replace(config.locations["select[1]"], message="unknown rule").render() == (
        'c.toml:1:18: unknown rule\n    select = ["usm", "Cemm-002"]\n                     ^^^^^^^^^^')


def test_the_same_rule_in_two_cases_is_an_error() -> None:
    assert _error('[rules.USM-010]\nmax_gap = 1\n[rules.usm-010]\nmax_gap = 2\n').splitlines()[0] == (
        "usm-rules.toml:3:8: `[rules.usm-010]` configures USM-010 a second time (rule ids ignore case; see "
        "`[rules.USM-010]`)")


def test_key_index_locates_array_elements_and_nested_arrays() -> None:
    index = KeyIndex('a = ["x", [1, 22], { k = 1 }]\n[t]\nb = [\n  "y",  # c\n  "z"]\n')
    assert index.find(("a", 0)) == (1, 6, 3)
    assert index.find(("a", 1)) == (1, 11, 7) and index.find(("a", 1, 1)) == (1, 15, 2)
    assert index.find(("a", "k")) == (1, 22, 1)  # inline tables in arrays record keys under the array's key
    assert index.find(("t", "b", 1)) == (5, 3, 3)


# --- discovery that cannot hang ---------------------------------------------------------------------------------


def test_find_returns_a_usm_rules_toml_that_is_not_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "usm-rules.toml").symlink_to(tmp_path / "nowhere")
    assert find_config(str(tmp_path)) == str(tmp_path / "usm-rules.toml")
    with pytest.raises(ConfigError) as info:
        load_config(str(tmp_path / "usm-rules.toml"))
    assert info.value.render().endswith(":1:1: cannot read the config file: no such file")


def test_find_skips_a_pyproject_that_is_not_a_regular_file(tmp_path: Path) -> None:
    config = _write(tmp_path / "usm-rules.toml", "")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").mkdir()
    assert find_config(str(tmp_path / "sub")) == str(config)

"""The reference docs cannot drift from the code: docs/spec-format.md is generated from the spec schema, and
docs/configuration.md is checked key by key against the config reader (every key documented, every documented
key real, defaults as the code has them, every example accepted). Flags the docs show exist."""
from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path

import pytest

from usm_rules.config import parse_config
from usm_rules.config.model import Config
from usm_rules.config.tables import SUBTABLE_KEYS, TOP_LEVEL
from usm_rules.loader import Limits
from usm_rules.schema import schema
from usm_rules.schema.reference import GENERATE_COMMAND, render_reference, undocumented

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
OPEN_TABLES = ("word_lists", "rules")  # tables whose keys are names of the user's choosing


# -- docs/spec-format.md ------------------------------------------------------------------------------------------

def test_spec_format_doc_is_generated_from_the_schema() -> None:
    text = (DOCS / "spec-format.md").read_text(encoding="utf-8")
    assert text == render_reference(), f"docs/spec-format.md is stale: run `{GENERATE_COMMAND}`"


def test_every_schema_field_has_a_description() -> None:
    assert undocumented() == []


def test_a_field_added_to_the_schema_is_missing_from_the_docs_until_described_and_regenerated() -> None:
    changed = copy.deepcopy(schema())
    changed["$defs"]["Metric"]["properties"]["confidence"] = {"type": "number"}
    assert undocumented(changed) == ["Metric.confidence"]
    assert "| `confidence` | number | no |" in render_reference(changed)
    assert render_reference(changed) != (DOCS / "spec-format.md").read_text(encoding="utf-8")


def test_spec_format_doc_shows_every_field_and_type() -> None:
    text = render_reference()
    root = schema()
    for owner in [root, *root["$defs"].values()]:
        for key in owner.get("properties", {}):
            assert f"| `{key}` |" in text
    for name, definition in root["$defs"].items():
        if definition.get("type") == "object":
            assert f'<a id="type-{name.lower()}"></a>' in text


# -- docs/configuration.md ---------------------------------------------------------------------------------------

def _config_rows() -> dict[str, list[str]]:
    """Key -> [type, default, meaning, example] of the table in docs/configuration.md."""
    rows = {}
    for line in (DOCS / "configuration.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].strip("`")] = cells[1:]
    return rows


def _code_keys() -> set[str]:
    keys = set()
    for key in TOP_LEVEL:
        if key in SUBTABLE_KEYS:
            keys.update(f"{key}.{sub}" for sub in SUBTABLE_KEYS[key])
        elif key not in OPEN_TABLES:
            keys.add(key)
    return keys


def test_every_config_key_is_documented_and_every_documented_key_exists() -> None:
    documented = set(_config_rows())
    fixed = {k for k in documented if "<" not in k}
    assert fixed == _code_keys()
    for table in OPEN_TABLES:
        assert any(k.startswith(f"{table}.<") for k in documented), f"`{table}` has no row"
    assert {k.split(".", 1)[0] for k in documented - fixed} == set(OPEN_TABLES)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def test_config_defaults_are_the_code_defaults() -> None:
    defaults = Config(path=None, root=".")
    expected = {
        "policies": _toml(list(defaults.policies)), "ignore": _toml(list(defaults.ignore)),
        "fail_on": _toml(defaults.fail_on.label), "include": _toml(list(defaults.include)),
        "exclude": _toml(list(defaults.exclude)), "jobs": _toml(defaults.jobs),
        "maturity.levels": _toml(list(defaults.maturity_levels)),
        "vocabulary.perspectives": _toml(list(defaults.perspectives)),
        "vocabulary.value_types": _toml(list(defaults.value_types)),
        "suppressions.require_reason": _toml(defaults.require_suppression_reason),
        **{f"limits.{name}": _toml(getattr(Limits(), name)) for name in SUBTABLE_KEYS["limits"]},
    }
    words = {"packs": ("all built-in packs", defaults.packs is None), "select": ("all rules", defaults.select == ()),
             "waivers": ("none", defaults.waivers is None), "baseline": ("none", defaults.baseline is None),
             "help_base_url": ("none", defaults.help_base_url == "")}
    rows = _config_rows()
    for key, value in expected.items():
        assert rows[key][1] == f"`{value}`", key
    for key, (text, holds) in words.items():
        assert holds and rows[key][1] == text, key


@pytest.mark.parametrize("key", sorted(_config_rows()))
def test_every_config_example_is_accepted(key: str, tmp_path: Path) -> None:
    example = _config_rows()[key][3]
    assert example.startswith("`") and example.endswith("`"), example
    line = example.strip("`")
    assert line.split(" = ", 1)[0].replace("USM-010", "<ID>").replace("max_gap", "<param>").replace(
        "weasel_words", "<name>") == key
    config = parse_config(line + "\n", str(tmp_path / "usm-rules.toml"))
    assert config != Config(path=str(tmp_path / "usm-rules.toml"), root=str(tmp_path))


def test_the_full_config_example_is_accepted(tmp_path: Path) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    tomllib.loads(block)
    parse_config(block, str(tmp_path / "usm-rules.toml"))


# -- flags the docs show ----------------------------------------------------------------------------------------

_COMMAND = re.compile(r"usm-rules (check|test|init|schema|rules|explain|baseline|fmt|lint)\b([^`\n]*)")


@pytest.mark.parametrize("doc", ["README.md", "docs/ci.md", "docs/editors.md", "docs/configuration.md",
                                 "docs/spec-format.md"])
def test_flags_in_the_docs_exist(doc: str) -> None:
    from usm_rules.cli import main

    import click

    ctx = click.Context(main)
    text = (ROOT / doc).read_text(encoding="utf-8")
    for name, rest in _COMMAND.findall(text):
        command = main.get_command(ctx, name)
        known = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])\b", rest):
            assert flag in known or flag in ("-h", "--help"), f"{doc}: `usm-rules {name}` has no option {flag}"

"""docs/rules.md is generated from the policies and must match a fresh render; `explain` text has the facts."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from usm_rules.codes import engine_codes, tool_codes
from usm_rules.lang.program import compile_sources, read_sources
from usm_rules.ruledocs import GENERATE_COMMAND, anchor, render_markdown, render_rule
from usm_rules.engine import builtin_packs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules.md"


@pytest.fixture(scope="module")
def metas() -> list:
    return compile_sources(read_sources(list(builtin_packs().values()))).rules


def test_committed_docs_match_a_fresh_render(metas: list) -> None:
    fresh = render_markdown(metas, tool_codes())
    committed = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert committed == fresh, (f"docs/rules.md is out of date with the policies; regenerate it with "
                                f"`{GENERATE_COMMAND}` and commit the result")


def test_the_render_does_not_depend_on_rule_order(metas: list) -> None:
    assert render_markdown(list(reversed(metas)), tool_codes()) == render_markdown(metas, tool_codes())


def test_every_help_link_has_its_anchor_and_every_rule_its_examples(metas: list) -> None:
    text = render_markdown(metas, tool_codes())
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for m in metas:
        assert m.help == f"docs/rules.md#{anchor(m.id)}" and anchor(m.id) in anchors
        section = text.split(f'<a id="{anchor(m.id)}"></a>')[1].split("<a id=")[0]
        assert f"### {m.id}: {m.title}" in section
        assert "**Fails on:**" in section and "**Passes on:**" in section and m.rationale in section
        for name in m.params:
            assert f"- `{name}` = `" in section
    for rule_id in engine_codes():
        assert f"| `{rule_id}` |" in text


def test_explain_text_names_the_rule_params_examples_and_source(metas: list) -> None:
    meta = next(m for m in metas if m.id == "USM-010")
    text = render_rule(meta)
    assert text.startswith("USM-010: Provider within one maturity level of each customer\n")
    assert "  severity: error (default)\n" in text and "    max_gap = 1\n" in text
    assert "fails on" in text and "passes on" in text and "source: usm.policy:" in text
    assert all(len(line) <= 100 for line in text.splitlines() if not line.startswith("      "))


def test_the_cli_renders_the_same_markdown_once_wired() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "usm_rules", "rules", "--format", "markdown"], cwd=ROOT,
                         capture_output=True, text=True, env=env)
    if out.returncode == 2 and "markdown" in out.stderr:
        pytest.skip("`usm-rules rules --format markdown` is not wired to usm_rules.ruledocs yet")
    assert out.returncode == 0, out.stderr
    assert out.stdout == DOCS.read_text(encoding="utf-8")

"""Rule documentation: the Markdown catalogue (`docs/rules.md`) and the plain text of `usm-rules explain`.

Both are rendered from what the policies say about themselves (`RuleMeta`: title, severity, rationale, help,
tags, params, the `example fail` / `example pass` fragments), so the docs cannot drift from the rules.

Examples: each rule carries YAML fragments whose top-level keys replace those of a base spec
(`usm_rules/data/base-spec.yaml`, the office-climate example; a key set to `null` is removed). A fragment of
several YAML documents (`---`) stands for several specs checked in one run, for repository rules such as
SPEC-001. `example_specs` builds those specs; tests/test_rules.py proves every `fail` fragment makes its rule
fire and every `pass` fragment does not.

Pure functions of their inputs: no printing, no reading of the clock.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any, Iterable

from .findings import RuleInfo
from .lang.program import RuleMeta

BASE_SPEC = Path(__file__).resolve().parent / "data" / "base-spec.yaml"
GENERATE_COMMAND = "usm-rules rules --format markdown > docs/rules.md"

# Config keys that set a param of the same meaning in every rule that declares it (see engine/options.py).
_SHARED_PARAMS = {
    "maturity_levels": "`[maturity] levels`",
    "perspectives": "`[vocabulary] perspectives`",
    "value_types": "`[vocabulary] value_types`",
}
_PACK_ORDER = ("usm", "cemm", "spec")
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


# -- examples ---------------------------------------------------------------------------------------------

def base_spec() -> dict[str, Any]:
    """The base spec that examples patch, loaded as the engine loads specs (YAML 1.2 core)."""
    from .loader import load_path

    loaded = load_path(str(BASE_SPEC))
    if loaded.problems or not loaded.documents:
        raise ValueError(f"cannot load the base spec {BASE_SPEC}")
    return loaded.documents[0].data


def example_specs(fragment: str, base: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The specs an example fragment stands for: one per YAML document of the fragment, each the base spec
    with the fragment's top-level keys put in place (a key set to null is removed)."""
    from .loader import load_bytes

    base = base_spec() if base is None else base
    loaded = load_bytes(fragment.encode("utf-8"), "example.yaml")
    if loaded.problems:
        first = loaded.problems[0]
        raise ValueError(f"example fragment line {first.span.line}: {first.message}")
    out = []
    for doc in loaded.documents:
        if not isinstance(doc.data, dict):
            raise ValueError("an example fragment must be a mapping of top-level spec keys")
        spec = json.loads(json.dumps(base))  # a deep copy of plain data
        for key, value in doc.data.items():
            if value is None:
                spec.pop(key, None)
            else:
                spec[key] = value
        out.append(spec)
    return out


# -- shared helpers ---------------------------------------------------------------------------------------

def anchor(rule_id: str) -> str:
    """The anchor of a rule in docs/rules.md, as its `help` link names it (`#cemm-002`)."""
    return rule_id.lower()


def _id_key(rule_id: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", rule_id))


def _pack_key(pack: str) -> tuple:
    return (_PACK_ORDER.index(pack) if pack in _PACK_ORDER else len(_PACK_ORDER), pack)


def _show(value: Any) -> str:
    """A param value as TOML would write it (what users put in usm-rules.toml)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _config_keys(meta: RuleMeta, name: str) -> str:
    keys = [f"`[rules.{meta.id}] {name}`"]
    value = meta.params[name]
    if name in _SHARED_PARAMS:
        keys.append(_SHARED_PARAMS[name])
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        keys.append(f"`[word_lists] {name}`")
    return " or ".join(keys)


def _pack_titles(metas: Iterable[RuleMeta]) -> dict[str, str]:
    """Pack name -> the title its policy file gives in `policy NAME "TITLE"` (the name when unreadable)."""
    from .files import FileRefused, read_text

    titles: dict[str, str] = {}
    for m in metas:
        if m.pack in titles:
            continue
        titles[m.pack] = m.pack
        try:
            text = read_text(m.file)
        except FileRefused:
            continue
        found = re.search(r'^\s*policy\s+([A-Za-z_][A-Za-z0-9_]*)\s+"((?:\\.|[^"\\])*)"', text, re.MULTILINE)
        if found and found.group(1) == m.pack:
            titles[m.pack] = found.group(2).replace('\\"', '"').replace("\\\\", "\\")
    return titles


def _examples(meta: RuleMeta, kind: str) -> list[str]:
    return [text for which, text in meta.examples if which == kind]


# -- Markdown -------------------------------------------------------------------------------------------

_CODE_SECTIONS = (
    ("engine", "engine-findings", "Engine findings",
     "Not rules of a pack: the engine emits these itself, and `usm-rules rules` lists them all the same."),
    ("lint", "policy-lints", "Policy lints",
     "Warnings of `usm-rules lint` about policy files (not about specs); `usm-rules explain LINT-…` shows each."),
)


def render_markdown(metas: Iterable[RuleMeta], codes: dict[str, RuleInfo]) -> str:
    """The whole catalogue as Markdown: an index, then every rule under an anchor its `help` link names,
    with severity, tags, rationale, params (defaults and the config keys that set them) and the failing and
    passing examples; then the codes the engine and `lint` emit themselves. Rules are ordered by pack, then id,
    so the output does not depend on the order of `metas`."""
    rules = sorted(metas, key=lambda m: (_pack_key(m.pack), _id_key(m.id)))
    titles = _pack_titles(rules)
    ids = {m.id for m in rules}
    sections = [(anchor_id, heading, intro, sorted((c for c in codes.values() if c.pack == pack and c.id not in ids),
                                                   key=lambda c: _id_key(c.id)))
                for pack, anchor_id, heading, intro in _CODE_SECTIONS]
    out = _preamble()
    for m in rules:
        mark = " *(heuristic)*" if "heuristic" in m.tags else ""
        out.append(f"| [{m.id}](#{anchor(m.id)}) | {m.severity} | {_cell(m.title)}{mark} |")
    for anchor_id, heading, _, listed in sections:
        if listed:
            out.append(f"| [{heading}](#{anchor_id}) | | {', '.join(c.id for c in listed)} |")
    pack = None
    for m in rules:
        if m.pack != pack:
            pack = m.pack
            out += ["", f"## Pack `{pack}`: {titles.get(pack, pack)}"]
        out += ["", *_rule_markdown(m)]
    for anchor_id, heading, intro, listed in sections:
        if listed:
            out += ["", f'<a id="{anchor_id}"></a>', "", f"## {heading}", "", intro, "",
                    "| Id | Severity | Title | What it means | For example |", "|---|---|---|---|---|"]
            out += [f"| `{c.id}` | {c.severity.label} | {_cell(c.title)} | {_cell(c.rationale)} | {_cell(c.example)} |"
                    for c in listed]
    return "\n".join(out) + "\n"


def _preamble() -> list[str]:
    return [
        "# Rule catalogue",
        "",
        f"<!-- Generated by `{GENERATE_COMMAND}`; edit the policies, not this file. -->",
        "",
        "Every rule below is written in the usm-rules policy language (`policies/*.policy`). The severity shown is "
        "the default: config can change it, set a rule's params, or switch it off:",
        "",
        "```toml",
        "[rules.USM-010]",
        'severity = "warning"   # error | warning | info | off',
        "max_gap = 2",
        "",
        "[word_lists]           # sets the param of that name in every rule that declares it",
        'weasel_words = ["fast", "efficient", "seamless"]',
        "",
        "[maturity]",
        'levels = ["ad hoc", "repeatable", "defined", "managed", "optimising", "innovating", "leading"]',
        "```",
        "",
        "Each rule has a failing and a passing example: a YAML fragment whose top-level keys replace those of the "
        "base spec `usm_rules/data/base-spec.yaml` (the office-climate example; a key set to `null` is removed). "
        "A fragment of several documents (`---`) stands for several specs checked in one run. The test suite "
        "checks that every failing example makes its rule fire and every passing one does not.",
        "",
        "Rules marked *heuristic* read the words of a statement. Their word lists are params (so `[word_lists]` "
        "can replace them); a phrase is matched as whole words, case-insensitively except words in capitals "
        "(`IT`), with `a|b` for alternatives, `word*` for any ending, `*ed` for any beginning and `*` for any "
        "one word; quoted passages of a statement are ignored. Their precision and recall are measured on "
        "labelled statements in `tests/cases/heuristics/` and stated with each rule.",
        "",
        "## Index",
        "",
        "| Rule | Severity | Title |",
        "|---|---|---|",
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rule_markdown(m: RuleMeta) -> list[str]:
    facts = [f"**Severity:** {m.severity}", f"**Pack:** `{m.pack}`"]
    if m.enforce_from:
        facts.append(f"**Enforced from:** {m.enforce_from} (one severity lower before)")
    if m.scope == "repository":
        facts.append("**Scope:** repository (all specs of a run)")
    if m.tags:
        facts.append("**Tags:** " + ", ".join(f"`{t}`" for t in m.tags))
    out = [f'<a id="{anchor(m.id)}"></a>', "", f"### {m.id}: {m.title}", "", " · ".join(facts), ""]
    if m.rationale:
        out += [m.rationale, ""]
    if m.params:
        out += ["**Params:**", ""]
        for name, value in m.params.items():
            out.append(f"- `{name}` = `{_show(value)}` (set with {_config_keys(m, name)})")
        out.append("")
    for kind, label in (("fail", "Fails on"), ("pass", "Passes on")):
        for text in _examples(m, kind):
            out += [f"**{label}:**", "", "```yaml", text.rstrip("\n"), "```", ""]
    out += ["<details><summary>Policy source</summary>", "", "```", m.source.rstrip("\n"), "```", "", "</details>"]
    return out


# -- plain text -------------------------------------------------------------------------------------------

def _param_lines(name: str, value: Any, width: int) -> list[str]:
    """`name = value`, a long list wrapped between its items (never inside a phrase)."""
    line = f"    {name} = {_show(value)}"
    if len(line) <= width or not isinstance(value, list):
        return [line]
    items = [_show(v) for v in value]
    lines = [f"    {name} = ["]
    for i, item in enumerate(items):
        piece = item + ("," if i < len(items) - 1 else "]")
        if len(lines[-1]) + 1 + len(piece) > width and lines[-1].strip() not in (f"{name} = [",):
            lines.append("        " + piece)
        else:
            lines[-1] += ("" if lines[-1].endswith("[") else " ") + piece
    return lines

def render_code(info: RuleInfo) -> str:
    """A code of the engine or of `lint` as plain text for `usm-rules explain`."""
    width = 100
    kind = {"engine": "engine (a finding of the tool itself)", "lint": "lint (a warning of `usm-rules lint`)"}
    out = [f"{info.id}: {info.title}", f"  severity: {info.severity.label}",
           f"  pack:     {kind.get(info.pack, info.pack)}"]
    if info.rationale:
        out.append("")
        out.extend(textwrap.wrap(info.rationale, width, initial_indent="  ", subsequent_indent="  ",
                                 break_long_words=False, break_on_hyphens=False))
    if info.example:
        out += ["", "  for example:"]
        out += [f"    {line}" for line in info.example.splitlines()]
    return "\n".join(out) + "\n"


def render_rule(meta: RuleMeta) -> str:
    """One rule as plain text for `usm-rules explain`: metadata, rationale, params, examples and source."""
    width = 100
    out = [f"{meta.id}: {meta.title}",
           f"  severity: {meta.severity} (default)",
           f"  pack:     {meta.pack}" + (" (repository scope)" if meta.scope == "repository" else "")]
    if meta.enforce_from:
        out.append(f"  enforced: from {meta.enforce_from}; one severity lower before (enforce_from)")
    if meta.tags:
        out.append(f"  tags:     {', '.join(meta.tags)}")
    if meta.help:
        out.append(f"  help:     {meta.help}")
    if meta.params:
        out.append("  params:")
        for name, value in meta.params.items():
            out.extend(_param_lines(name, value, width))
    if meta.rationale:
        out.append("")
        out.extend(textwrap.wrap(meta.rationale, width, initial_indent="  ", subsequent_indent="  ",
                                 break_long_words=False, break_on_hyphens=False))
    for kind, label in (("fail", "fails on"), ("pass", "passes on")):
        for text in _examples(meta, kind):
            out += ["", f"  {label} (top-level keys put in the base spec):"]
            out += [f"    {line}" if line else "" for line in text.rstrip("\n").splitlines()]
    out += ["", f"  source: {Path(meta.file).name}:{meta.line}"]
    out += [f"    {line}" if line else "" for line in meta.source.splitlines()]
    return "\n".join(out) + "\n"

"""docs/policy-language.md is a tested reference: its policies compile, its examples give the findings shown,
and it lists every function with its signature."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from usm_rules.engine import EngineOptions, run
from usm_rules.lang.builtins import BUILTINS, Builtin
from usm_rules.lang.program import compile_sources

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "policy-language.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def blocks() -> list[tuple[str, str, int]]:
    text = DOC.read_text(encoding="utf-8")
    return [(m.group(1), m.group(2), text[:m.start()].count("\n") + 1) for m in FENCE.finditer(text)]


def examples() -> list[tuple[str, str | None, str | None, int]]:
    """(policy, spec or None, expected findings or None, line) for each ```policy block."""
    found = blocks()
    out = []
    for i, (lang, body, line) in enumerate(found):
        if lang != "policy":
            continue
        spec = found[i + 1][1] if i + 1 < len(found) and found[i + 1][0] == "yaml" else None
        expected = found[i + 2][1] if spec is not None and i + 2 < len(found) and found[i + 2][0] == "findings" \
            else None
        out.append((body, spec, expected, line))
    return out


EXAMPLES = examples()


def test_the_reference_has_runnable_examples() -> None:
    assert len(EXAMPLES) >= 5
    assert sum(expected is not None for _, _, expected, _ in EXAMPLES) >= 5


@pytest.mark.parametrize(("policy", "spec", "expected", "line"), EXAMPLES,
                         ids=[f"line-{line}" for *_, line in EXAMPLES])
def test_policy_blocks_compile_and_give_the_findings_shown(policy: str, spec: str | None, expected: str | None,
                                                          line: int, tmp_path: Path) -> None:
    compile_sources([(f"policy-language.md:{line}", policy)])
    if spec is None:
        return
    assert expected is not None, f"the spec at line {line} has no ```findings block after it"
    (tmp_path / "example.policy").write_text(policy, encoding="utf-8")
    (tmp_path / "spec.yaml").write_text(spec, encoding="utf-8")
    options = EngineOptions(policy_files=[str(tmp_path / "example.policy")], as_of=dt.date(2026, 11, 24),
                            use_cache=False)
    result = run([str(tmp_path / "spec.yaml")], options)
    shown = [f"spec.yaml:{f.line}:{f.column}: {f.severity.label} {f.rule} {f.message}" for f in result.findings]
    assert shown == expected.splitlines()


def signature(b: Builtin) -> str:
    return f"{b.name}({', '.join(b.params)}{'...' if b.variadic else ''}) -> {b.returns}"


def test_every_function_is_documented_with_its_signature() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [signature(b) for b in BUILTINS.values() if f"`{signature(b)}`" not in text]
    assert not missing, f"document these functions in {DOC.name} (with these signatures): {missing}"
    documented = set(re.findall(r"^\| `(\w+)\(", text, re.M))
    assert documented <= set(BUILTINS), f"documented but not defined: {documented - set(BUILTINS)}"


def test_every_construct_of_the_grammar_is_described() -> None:
    text = DOC.read_text(encoding="utf-8")
    grammar = (ROOT / "grammar" / "policy.lark").read_text(encoding="utf-8")
    keywords = set(re.findall(r'"([a-z]+)"', grammar))
    missing = sorted(k for k in keywords if f"`{k}" not in text and f"{k} " not in text)
    assert not missing, f"grammar keywords the reference does not mention: {missing}"
    for type_name in ("number", "integer", "string", "boolean", "list", "object", "null", "missing"):
        assert type_name in text

"""Checked AST -> Python (compiler.py, codegen.py): what the compiler depends on, and the texts it traces."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from usm_rules.lang.parser import parse_policy
from usm_rules.lang.printer import expr_text
from usm_rules.lang.program import compile_sources, instantiate

ROOT = Path(__file__).resolve().parent.parent


def test_compiling_does_not_import_the_formatter() -> None:
    policy = 'rule T-1 {\\n title \"t\"\\n severity info\\n require len(spec.scos) > 0\\n}\\n'
    code = ("import sys\n"
            "from usm_rules.lang.program import compile_sources\n"
            f"compile_sources([('t.policy', '{policy}')], explain=True)\n"
            "print('usm_rules.lang.formatter' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_explain_names_each_value_by_its_canonical_text_whatever_the_source_spacing() -> None:
    text = 'rule T-1 {\n  title "t"\n  severity info\n  require   len( spec.scos )<3  and(true)\n}\n'
    program = compile_sources([("t.policy", text)], explain=True)
    fn = instantiate(program, {"T-1": {}}, dt.date(2026, 1, 1))["T-1"]
    traces: list = []
    fn({"scos": [1, 2, 3]}, lambda hit: traces.append(hit.trace))
    require = parse_policy(text, "t.policy").rules[0].bodies[0].require
    assert [name for name, _ in traces[0]] == ["spec.scos", "len(spec.scos)", "len(spec.scos) < 3"]
    assert traces[0][-1][0] == expr_text(require.left)

"""The result of `prove` as text and as JSON (pure functions; the CLI writes them)."""
from __future__ import annotations

import os
from typing import Any

from ..textsafe import visible
from . import ProveResult, RuleProof
from .search import REMOVE, Witness

OVERLAP_NOTE = ("evidence, not proof: these rules fired on exactly the same specs among those tried; a spec "
                "that tells them apart may still exist")


def _relative(path: str) -> str:
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative.replace(os.sep, "/")


def _shown(path: str) -> str:
    return visible(_relative(path))


def _how(w: Witness) -> str:
    return visible(w.describe())


def render_text(result: ProveResult) -> str:
    lines: list[str] = []
    for p in result.proofs:
        lines.extend(_rule_lines(p))
    for o in result.overlaps:
        rules = " and ".join(o.rules) if len(o.rules) == 2 else ", ".join(o.rules)
        lines.append(f"overlap: {rules} fired on exactly the same {o.fired_on} of {o.tried} specs tried "
                     f"({OVERLAP_NOTE})")
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def _rule_lines(p: RuleProof) -> list[str]:
    where = f"{_shown(p.file)}:{p.line}"
    if p.proven:
        assert p.fire is not None and p.pass_ is not None
        return [f"{p.rule} fires on {_how(p.fire)}; passes on {_how(p.pass_)}"]
    out = []
    if p.fire is None:
        out.append(f"{where}: {p.rule} cannot fire: {visible(p.cannot_fire)}")
    if p.pass_ is None:
        out.append(f"{where}: {p.rule} cannot pass: {visible(p.cannot_pass)}")
    if p.fire is not None:
        out.append(f"{p.rule} fires on {_how(p.fire)}")
    if p.pass_ is not None:
        out.append(f"{p.rule} passes on {_how(p.pass_)}")
    return out


def _summary(result: ProveResult) -> str:
    s = summary(result)
    pairs = s["overlaps"]
    return (f"{s['rules']} rule{'s' * (s['rules'] != 1)}: {s['proven']} fire and pass, {s['cannot_fire']} cannot "
            f"fire, {s['cannot_pass']} cannot pass; {pairs} overlap"
            f"{'s' * (pairs != 1)}; {s['checked']} specs checked ({s['valid']} schema-valid), as of "
            f"{result.as_of.isoformat()}")


def summary(result: ProveResult) -> dict[str, int]:
    proofs = result.proofs
    return {"rules": len(proofs), "proven": sum(p.proven for p in proofs),
            "cannot_fire": sum(p.fire is None for p in proofs), "cannot_pass": sum(p.pass_ is None for p in proofs),
            "overlaps": len(result.overlaps),
            "checked": result.checked, "valid": result.valid}


def _witness_json(w: Witness | None) -> dict[str, Any] | None:
    if w is None:
        return None
    return {
        "seed": w.seed,
        "changes": [_change_json(c) for c in w.changes],
        "how": w.describe(),
        "specs": len(w.candidate),
        "findings": [{"spec": spec, "pointer": pointer} for spec, pointer in w.findings],
    }


def _change_json(change: tuple) -> dict[str, Any]:
    spec, pointer, value = change
    out: dict[str, Any] = {"spec": spec, "pointer": pointer}
    if value is REMOVE:
        out["remove"] = True
    else:
        out["value"] = value
    return out


def render_json(result: ProveResult) -> str:
    from .. import __version__
    from ..reporters.json_ import dumps

    rules = []
    for p in result.proofs:
        rules.append({
            "rule": p.rule, "title": p.title, "file": _relative(p.file), "line": p.line, "scope": p.scope,
            "steps": p.search.steps,
            "fires": _witness_json(p.fire), "passes": _witness_json(p.pass_),
            "cannot_fire": p.cannot_fire or None, "cannot_pass": p.cannot_pass or None,
        })
    doc = {
        "tool": {"name": "usm-rules", "version": __version__},
        "format_version": 1,
        "as_of": result.as_of.isoformat(),
        "budget": {"per_rule": result.budget, "total": result.total_budget},
        "summary": summary(result),
        "rules": rules,
        "overlaps": [{"rules": list(o.rules), "fired_on": o.fired_on, "tried": o.tried, "note": OVERLAP_NOTE}
                     for o in result.overlaps],
    }
    return dumps(doc) + "\n"

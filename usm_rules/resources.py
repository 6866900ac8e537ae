"""Where the files that ship with the package live, installed or in a checkout."""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    # A wheel puts grammar/ and policies/ inside the package; an editable install or a checkout keeps
    # them at the project's top level, beside the package.
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def grammar_file() -> Path:
    return _shipped("grammar") / "policy.lark"


def policies_dir() -> Path:
    return _shipped("policies")


def schema_file() -> Path:
    return _PACKAGE / "data" / "spec-v1.schema.json"

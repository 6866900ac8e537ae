"""What a config holds (`Config`, `RuleSettings`), its defaults, and the bounds of what it may ask for."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..errors import Located
from ..findings import Severity
from .rules import is_selected

CONFIG_FILE = "usm-rules.toml"
PYPROJECT_FILE = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "usm-rules")
DEFAULT_INCLUDE = ("**/*.yaml", "**/*.yml", "**/*.json")
DEFAULT_MATURITY_LEVELS = ("technology-driven", "system-driven", "service-driven", "customer-driven",
                           "business-driven")
DEFAULT_PERSPECTIVES = ("business", "user", "technical", "financial", "legal")
DEFAULT_VALUE_TYPES = ("valueInUse", "social", "environmental", "relationship", "financial")
LIMIT_KEYS = ("max_bytes", "max_depth", "max_nodes")
# The largest values the loader can honour: a file it may hold in memory; a depth its builders reach without
# RecursionError and libyaml parses itself (beyond 1,000 levels libyaml gives up and the loader falls back to
# PyYAML's pure-Python parser, which takes seconds on a 20 KB file); a node count it can count.
LIMIT_MAXIMUMS = {"max_bytes": 1 << 30, "max_depth": 1_000, "max_nodes": 100_000_000}
MAX_JOBS = 256
# Arrays and inline tables nested deeper than this are refused: tomllib recurses (~3 frames a level).
MAX_TOML_NESTING = 100
RULE_SEVERITIES = ("error", "warning", "info", "off")


def builtin_pack_names() -> tuple[str, ...]:
    """The packs shipped in the package's policies/ directory (`usm`, `cemm`, `spec`)."""
    from ..resources import policies_dir

    try:
        return tuple(sorted(p.stem for p in policies_dir().glob("*.policy")))
    except OSError:
        return ()


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """What the config says about one rule; `params` are carried as tomllib read them."""

    severity: Severity | None = None          # re-severity; None keeps the rule's own
    enabled: bool = True                      # False when the config says severity = "off"
    params: Mapping[str, object] = field(default_factory=_empty)
    param_locations: Mapping[str, Located] = field(default_factory=_empty)   # message "": replace() it
    location: Located | None = None           # where `[rules.ID]` was written (message "")
    enforce_from: Any = None                  # datetime.date: a dated ramp set by config (usm_rules/ramp.py)


@dataclass(frozen=True, slots=True)
class Config:
    path: str | None                          # the file it came from, None for defaults
    root: str                                 # absolute directory that config paths are relative to
    policies: tuple[str, ...] = ()            # extra policy files/dirs, joined to `root`
    packs: tuple[str, ...] | None = None      # None = all built-in packs; () = none
    select: tuple[str, ...] = ()              # rule ids or prefixes; empty = all
    ignore: tuple[str, ...] = ()
    fail_on: Severity | None = Severity.ERROR  # None: "never", findings never fail a run
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    rules: Mapping[str, RuleSettings] = field(default_factory=_empty)
    maturity_levels: tuple[str, ...] = DEFAULT_MATURITY_LEVELS
    perspectives: tuple[str, ...] = DEFAULT_PERSPECTIVES
    value_types: tuple[str, ...] = DEFAULT_VALUE_TYPES
    word_lists: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    waivers: str | None = None                # joined to `root`
    baseline: str | None = None               # joined to `root`
    limits: Mapping[str, int] = field(default_factory=_empty)
    jobs: int = 1
    require_suppression_reason: bool = False  # [suppressions] require_reason: inline ignores must say why
    help_base_url: str = ""                   # where docs/rules.md is published: SARIF `helpUri` of built-in rules
    # Where each key that was set is written, by dotted name ("select", "limits.max_bytes", "rules.USM-010"),
    # so later stages (a policy path that does not exist, an unknown rule id) can point at it.
    locations: Mapping[str, Located] = field(default_factory=_empty)

    def is_selected(self, rule_id: str) -> bool:
        """Whether `select`/`ignore` keep the rule and the config has not switched it off."""
        settings = self.rules.get(rule_id)
        if settings is not None and not settings.enabled:
            return False
        return is_selected(rule_id, self.select, self.ignore)

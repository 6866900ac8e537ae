"""usm-rules: policy-as-code for USM/CEMM service specifications.

The Python API (see docs/api.md)::

    import usm_rules
    result = usm_rules.check(["specs"])          # a RunResult: findings, counts, the rules that ran
    for f in result.active():                     # findings not suppressed by a comment, waiver or baseline
        print(f.file, f.line, f.rule, f.message)

`check`, `load_config` and `rules` never print and never exit: problems with policies, config or arguments
are raised as `UsmError` (`PolicyError`, `ConfigError`, `UsageError`), each with located `problems`. Nothing
here is imported until it is used, so `import usm_rules` costs nothing.
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import TYPE_CHECKING, Any, Iterable

__version__ = "0.2.0"

__all__ = ["check", "load_config", "rules", "Config", "Finding", "RuleInfo", "RunResult", "Severity", "UsmError",
           "PolicyError", "ConfigError", "UsageError", "__version__"]

if TYPE_CHECKING:
    from .config import Config
    from .errors import ConfigError, PolicyError, UsageError, UsmError
    from .findings import Finding, RuleInfo, RunResult, Severity

_LAZY = {"Config": "config", "Finding": "findings", "RuleInfo": "findings", "RunResult": "findings",
         "Severity": "findings", "UsmError": "errors", "PolicyError": "errors", "ConfigError": "errors",
         "UsageError": "errors"}

# What `check(..., **overrides)` and `rules(..., **overrides)` accept, as the command line spells them.
_OVERRIDES = ("policies", "packs", "no_builtin", "select", "ignore", "as_of", "jobs", "use_cache", "explain",
              "inline_suppressions", "waivers", "warn_expiring_within", "baseline", "changed_since")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'usm_rules' has no attribute {name!r}")


def load_config(path: str | os.PathLike[str] | None = None) -> "Config":
    """The config at `path`, or (None) the one the command line would find: `usm-rules.toml` or
    `[tool.usm-rules]` in `pyproject.toml`, walking up from the current directory; the defaults if none."""
    from .config import load_config as _load

    return _load(None if path is None else os.fspath(path), start=os.getcwd())


def check(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]], *,
          config: "Config | str | os.PathLike[str] | None" = None, **overrides: Any) -> "RunResult":
    """Check spec files and directories, as `usm-rules check PATHS` does, and return the result.

    `config` is a Config, a path to one, or None (found as the command line finds it). `overrides` are the
    command line's options by their Python names: policies, packs, no_builtin, select, ignore, as_of (a date
    or "YYYY-MM-DD"), jobs, use_cache, explain, inline_suppressions, waivers, warn_expiring_within, baseline,
    changed_since. Raises UsmError (with located problems) when the policies, config or arguments are wrong.
    """
    import dataclasses

    from .engine import build_options, run
    from .engine.discover import changed_files

    options = build_options(_config(config), _flags(overrides))
    if overrides.get("changed_since") is not None:
        options = dataclasses.replace(options, report_only=changed_files(str(overrides["changed_since"]),
                                                                        options.root))
    return run(_paths(paths), options)


def rules(config: "Config | str | os.PathLike[str] | None" = None, **overrides: Any) -> "list[RuleInfo]":
    """The rules in force, as `usm-rules rules` lists them (the engine's own codes first, then by pack and id),
    with their effective severities. Same `config` and `overrides` as `check`."""
    from .engine import build_options, load_rules

    rule_set = load_rules(build_options(_config(config), _flags(overrides)))
    return sorted(rule_set.infos.values(), key=lambda r: (r.pack != "engine", r.pack, r.id))


def _config(config: Any) -> "Config":
    from .config import Config

    return config if isinstance(config, Config) else load_config(config)


def _paths(paths: Any) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    out = [os.fspath(p) for p in paths]
    return out or ["."]


def _flags(overrides: dict[str, Any]) -> Any:
    from .engine import Flags
    from .errors import UsageError
    from .suggest import did_you_mean

    for name in overrides:
        if name not in _OVERRIDES:
            raise TypeError(f"unknown option `{name}`{did_you_mean(name, _OVERRIDES)}")
    values = {k: v for k, v in overrides.items() if k != "changed_since" and v is not None}
    for name in ("policies", "packs", "select", "ignore"):
        if name in values:
            value = values[name]
            values[name] = (value,) if isinstance(value, (str, os.PathLike)) else tuple(value)
            values[name] = tuple(os.fspath(v) for v in values[name])
    if isinstance(values.get("as_of"), str):
        try:
            values["as_of"] = _dt.date.fromisoformat(values["as_of"])
        except ValueError:
            raise UsageError(f"as_of `{values['as_of']}` is not a date written YYYY-MM-DD") from None
    return Flags(**values)

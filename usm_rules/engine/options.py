"""Config + what the caller says (flags) -> EngineOptions: built once, here, and never changed afterwards.

EngineOptions is frozen; a variant is `dataclasses.replace(options, ...)`. The command line, the Python API
(`usm_rules.check`) and `usm-rules test` all build options through `build_options`, so they cannot disagree on
which policies, rules, params and limits are in force.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Any

from ..config import Config, builtin_pack_names
from ..errors import Located, UsageError
from ..findings import Severity
from ..resources import policies_dir
from .discover import project_root


# eq=False: nothing compares options, and a pre-commit run pays at start-up for every method a dataclass makes.
@dataclass(frozen=True, eq=False)
class EngineOptions:
    policy_files: tuple[str, ...]
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severities: dict[str, Severity | None] = field(default_factory=dict)  # None: rule switched off
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Values that config sets for a param name in every rule that declares it (the maturity scale,
    # vocabularies, heuristic word lists); a rule's own `[rules.ID]` setting wins over these.
    shared_params: dict[str, Any] = field(default_factory=dict)
    shared_param_locations: dict[str, Located] = field(default_factory=dict)
    param_locations: dict[tuple[str, str], Located] = field(default_factory=dict)
    rule_locations: dict[str, Located] = field(default_factory=dict)  # where `[rules.ID]` is written
    ramps: dict[str, _dt.date] = field(default_factory=dict)  # `[rules.ID] enforce_from`/`warn_until`: ramp ends
    # Where each select/ignore pattern came from: ("select", pattern) -> its config location; absent for flags.
    pattern_locations: dict[tuple[str, str], Located] = field(default_factory=dict)
    as_of: _dt.date = field(default_factory=_dt.date.today)
    include: tuple[str, ...] = ("*.yaml", "*.yml", "*.json")
    exclude: tuple[str, ...] = ()
    limits: Any = None  # loader.Limits
    jobs: int = 1
    use_cache: bool = True
    stdin: bytes | None = None
    stdin_filename: str | None = None  # --stdin-filename: what `-` is called (excludes, waivers, fingerprints)
    explain: bool = False  # compile rules so that findings carry the values that made them fire
    coverage: bool = False  # compile rules with line hit-markers (`usm-rules test --coverage`)
    inline_suppressions: bool = True
    require_suppression_reason: bool = False
    waivers: str | None = None  # path of a waivers file
    warn_expiring_within: int | None = None  # days
    baseline: str | None = None  # path of a baseline file
    report_only: frozenset[str] | None = None  # --changed-since: project paths of the files to report on
    # The caller's own --select/--ignore (upper case): a rule they leave out is a partial run, not a rule the
    # rule set switched off, so exceptions naming it are not reported as naming a rule that is off.
    caller_select: tuple[str, ...] = ()
    caller_ignore: tuple[str, ...] = ()
    root: str = ""  # the project root that identities are relative to ("": found from the working directory)


@dataclass(frozen=True, eq=False)
class Flags:
    """What the caller says (command line or API); None means "as the config says"."""

    policies: tuple[str, ...] = ()
    packs: tuple[str, ...] | None = None
    no_builtin: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    as_of: _dt.date | None = None
    jobs: int | None = None
    use_cache: bool = True
    explain: bool = False
    coverage: bool = False
    inline_suppressions: bool = True
    waivers: str | None = None
    warn_expiring_within: int | None = None
    baseline: str | None = None


def builtin_packs() -> dict[str, str]:
    """Pack name -> policy file shipped with the package."""
    return {name: str(policies_dir() / f"{name}.policy") for name in builtin_pack_names()}


def build_options(config: Config, flags: Flags = Flags()) -> EngineOptions:
    """The options of a run: the config, overridden by the flags."""
    select, ignore, pattern_locations = _patterns(config, flags)
    severities, params, param_locations = _rule_settings(config)
    shared, shared_locations = _shared_params(config)
    limits = None
    if config.limits:
        from ..loader import Limits

        limits = Limits(**dict(config.limits))
    return EngineOptions(
        policy_files=_policy_set(config, flags),
        select=select,
        ignore=ignore,
        severities=severities,
        params=params,
        shared_params=shared,
        shared_param_locations=shared_locations,
        param_locations=param_locations,
        rule_locations={rule_id: s.location for rule_id, s in config.rules.items() if s.location is not None},
        ramps={rule_id: s.enforce_from for rule_id, s in config.rules.items() if s.enforce_from is not None},
        pattern_locations=pattern_locations,
        as_of=flags.as_of or _dt.date.today(),
        include=tuple(config.include),
        exclude=tuple(config.exclude),
        limits=limits,
        jobs=flags.jobs or config.jobs,
        use_cache=flags.use_cache,
        explain=flags.explain,
        coverage=flags.coverage,
        inline_suppressions=flags.inline_suppressions,
        require_suppression_reason=config.require_suppression_reason,
        waivers=flags.waivers or _shown(config.waivers),
        warn_expiring_within=flags.warn_expiring_within,
        baseline=flags.baseline or _shown(config.baseline),
        root=project_root(config.root if config.path else None),
        caller_select=tuple(p.upper() for p in flags.select),
        caller_ignore=tuple(p.upper() for p in flags.ignore),
    )


def _policy_set(config: Config, flags: Flags) -> tuple[str, ...]:
    """The policy files in force: built-in packs, then configured policies, then `--policy`; each file once."""
    available = builtin_packs()
    if flags.no_builtin:
        packs: tuple[str, ...] = ()
    elif flags.packs is not None:
        packs = flags.packs
    else:
        packs = config.packs if config.packs is not None else tuple(available)
    files: list[str] = []
    for pack in packs:
        if pack not in available:
            raise UsageError(f"unknown built-in pack `{pack}` (available: {', '.join(available) or 'none'})")
        files.append(available[pack])
    where = config.locations.get("policies")
    files += _policy_files(config.policies, where)
    files += _policy_files(flags.policies, None)
    unique: dict[str, str] = {}  # a file named twice (a pack and a path) is loaded once
    for f in files:
        unique.setdefault(os.path.realpath(f), f)
    return tuple(unique.values())


def _policy_files(entries: tuple[str, ...], where: Located | None) -> list[str]:
    """Policy files named directly or found under directories; `where` locates a config entry for errors."""
    from ..policyfiles import policy_files

    for path in entries:
        if not os.path.exists(path):
            message = f"policy path `{path}` does not exist"
            raise UsageError([dataclasses.replace(where, message=message)] if where else message)
    return policy_files(entries)


def _rule_settings(config: Config) -> tuple[dict, dict, dict]:
    """`[rules.ID]` tables -> (severities, params, param locations)."""
    severities: dict[str, Severity | None] = {}
    params: dict[str, dict] = {}
    param_locations: dict[tuple[str, str], Located] = {}
    for rule_id, settings in config.rules.items():
        if not settings.enabled:
            severities[rule_id] = None
        elif settings.severity is not None:
            severities[rule_id] = settings.severity
        if settings.params:
            params[rule_id] = dict(settings.params)
            for name, loc in settings.param_locations.items():
                param_locations[(rule_id, name)] = loc
    return severities, params, param_locations


def _shared_params(config: Config) -> tuple[dict, dict]:
    """Params that config sets by name for every rule that declares them, and where each is written."""
    shared: dict = {"maturity_levels": list(config.maturity_levels), "perspectives": list(config.perspectives),
                    "value_types": list(config.value_types)}
    shared.update({name: list(words) for name, words in config.word_lists.items()})
    keys = {"maturity_levels": "maturity.levels", "perspectives": "vocabulary.perspectives",
            "value_types": "vocabulary.value_types", **{n: f"word_lists.{n}" for n in config.word_lists}}
    return shared, {name: config.locations[key] for name, key in keys.items() if key in config.locations}


def _patterns(config: Config, flags: Flags) -> tuple[tuple, tuple, dict]:
    """(select, ignore, where each config pattern is written). `--select` replaces the config's select;
    `--ignore` adds to its ignore. Rule ids match in any case: patterns are kept upper-case."""
    select = tuple(p.upper() for p in flags.select) or tuple(config.select)
    ignore = tuple(config.ignore) + tuple(p.upper() for p in flags.ignore)
    where: dict[tuple[str, str], Located] = {}
    for kind, patterns in (("select", () if flags.select else config.select), ("ignore", config.ignore)):
        for i, pattern in enumerate(patterns):
            loc = config.locations.get(f"{kind}[{i}]") or config.locations.get(kind)
            if loc is not None:
                where[(kind, pattern)] = loc
    return select, ignore, where


def _shown(path: str | None) -> str | None:
    """A config path as findings show it: relative to the working directory when below it."""
    if path is None:
        return None
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")

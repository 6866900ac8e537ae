"""Config file + command-line flags -> EngineOptions (which policies, rules, params and limits are in force)."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

from .config import Config, builtin_pack_names
from .discovery import project_root
from .engine import EngineOptions
from .errors import Located, UsageError
from .findings import Severity
from .resources import policies_dir
from .textsafe import visible


def builtin_packs() -> dict[str, str]:
    """Pack name -> policy file shipped with the package."""
    return {name: str(policies_dir() / f"{name}.policy") for name in builtin_pack_names()}


@dataclass
class Flags:
    """What the command line says; None means "as the config says"."""

    policies: tuple[str, ...] = ()
    packs: tuple[str, ...] | None = None
    no_builtin: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    as_of: _dt.date | None = None
    jobs: int | None = None
    use_cache: bool = True
    explain: bool = False
    inline_suppressions: bool = True
    waivers: str | None = None
    warn_expiring_within: int | None = None
    baseline: str | None = None


def _policy_files(entries: tuple[str, ...], where: dict[str, Located]) -> list[str]:
    """Policy files named directly or found under directories; `where` locates config entries for errors."""
    out: list[str] = []
    for path in entries:
        if os.path.isdir(path):
            out.extend(str(p) for p in sorted(Path(path).rglob("*.policy")))
        elif os.path.exists(path):
            out.append(path)
        else:
            message = f"policy path `{path}` does not exist"
            loc = where.get(path)
            raise UsageError([dataclasses.replace(loc, message=message)] if loc else message)
    return out


def engine_options(config: Config, flags: Flags) -> EngineOptions:
    packs_available = builtin_packs()
    if flags.no_builtin:
        packs: tuple[str, ...] = ()
    elif flags.packs is not None:
        packs = flags.packs
    elif config.packs is not None:
        packs = config.packs
    else:
        packs = tuple(packs_available)
    files: list[str] = []
    for pack in packs:
        if pack not in packs_available:
            raise UsageError(f"unknown built-in pack `{pack}` (available: {', '.join(packs_available) or 'none'})")
        files.append(packs_available[pack])
    config_where = {}
    if "policies" in config.locations:
        config_where = {p: config.locations["policies"] for p in config.policies}
    files += _policy_files(config.policies, config_where)
    files += _policy_files(flags.policies, {})
    # The same file named twice (a pack and a path) is loaded once.
    seen: set[str] = set()
    unique = []
    for f in files:
        key = os.path.realpath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
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
    limits = None
    if config.limits:
        from .loader import Limits

        limits = Limits(**dict(config.limits))
    shared: dict = {"maturity_levels": list(config.maturity_levels), "perspectives": list(config.perspectives),
                    "value_types": list(config.value_types)}
    shared.update({name: list(words) for name, words in config.word_lists.items()})
    where = {"maturity_levels": "maturity.levels", "perspectives": "vocabulary.perspectives",
             "value_types": "vocabulary.value_types", **{n: f"word_lists.{n}" for n in config.word_lists}}
    shared_locations = {name: config.locations[key] for name, key in where.items() if key in config.locations}
    select = tuple(p.upper() for p in flags.select) or tuple(config.select)
    ignore = tuple(config.ignore) + tuple(p.upper() for p in flags.ignore)
    pattern_locations: dict[tuple[str, str], Located] = {}
    for kind, patterns, flagged in (("select", config.select, flags.select), ("ignore", config.ignore, ())):
        if kind == "select" and flagged:
            continue  # --select replaces the config's select
        for i, pattern in enumerate(patterns):
            where = config.locations.get(f"{kind}[{i}]") or config.locations.get(kind)
            if where is not None:
                pattern_locations[(kind, pattern)] = where
    rule_locations = {rule_id: s.location for rule_id, s in config.rules.items() if s.location is not None}
    return EngineOptions(
        policy_files=unique,
        select=tuple(select),
        ignore=ignore,
        severities=severities,
        params=params,
        shared_params=shared,
        shared_param_locations=shared_locations,
        param_locations=param_locations,
        rule_locations=rule_locations,
        pattern_locations=pattern_locations,
        as_of=flags.as_of or _dt.date.today(),
        include=tuple(config.include),
        exclude=tuple(config.exclude),
        limits=limits,
        jobs=flags.jobs or config.jobs,
        use_cache=flags.use_cache,
        explain=flags.explain,
        inline_suppressions=flags.inline_suppressions,
        require_suppression_reason=config.require_suppression_reason,
        waivers=flags.waivers or _shown(config.waivers),
        warn_expiring_within=flags.warn_expiring_within,
        baseline=flags.baseline or _shown(config.baseline),
        root=project_root(config.root if config.path else None),
    )


def _shown(path: str | None) -> str | None:
    """A config path as findings show it: relative to the working directory when below it."""
    if path is None:
        return None
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def _git(args: list[str], cwd: str, what: str) -> bytes:
    import subprocess

    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False,
                              stdin=subprocess.DEVNULL)
    except OSError as err:
        raise UsageError(f"--changed-since needs git: {err.strerror or err}") from None
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise UsageError(f"--changed-since {what}: git says: {visible(said) or 'failed'}")
    return done.stdout


def changed_files(ref: str, root: str) -> frozenset[str]:
    """Project paths (see discovery.project_path) of the files changed since `ref` — committed, staged and
    unstaged — and of new untracked files.

    The ref comes from the command line or a CI variable, so it is first resolved to a commit with
    `--end-of-options` (a ref such as `--output=FILE` can never reach git as an option), and only the
    resolved hash is passed on."""
    from .discovery import project_path

    shown = visible(ref)
    if not ref or ref.startswith("-") or "\0" in ref:
        raise UsageError(f"--changed-since `{shown}` is not a git revision")
    here = os.getcwd()
    top = _git(["rev-parse", "--show-toplevel"], here, shown).decode("utf-8", "surrogateescape").strip()
    try:
        found = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], here, shown)
    except UsageError as err:
        if "needs git" in err.text:
            raise
        found = b""
    commit = found.decode("ascii", "replace").strip()
    if not commit or not all(c in "0123456789abcdef" for c in commit):
        raise UsageError(f"--changed-since `{shown}` is not a commit of the git repository here")
    names = _git(["diff", "--name-only", "-z", "--no-renames", "--diff-filter=d", commit, "--"], top, shown)
    names += _git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name"], top, shown)
    return frozenset(project_path(os.path.join(top, os.fsdecode(name)), root)
                     for name in names.split(b"\0") if name)

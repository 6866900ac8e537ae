"""files -> loaded documents -> schema check -> compiled rules -> findings. No printing, no exiting."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from . import __version__
from .config import is_selected
from .discovery import discover, project_path, project_root
from .textsafe import visible
from .errors import ConfigError, Located, UsageError
from .findings import Finding, RuleInfo, RunResult, Severity, Span, fingerprint, pointer_from_parts
from .lang.runtime import Hit

ENGINE_RULES: dict[str, RuleInfo] = {
    r.id: r
    for r in (
        RuleInfo("SPEC-PARSE", Severity.ERROR, "File is valid YAML or JSON", "engine",
                 "A spec that cannot be parsed cannot be checked; the parser's line and column are reported."),
        RuleInfo("SPEC-SCHEMA", Severity.ERROR, "Spec matches the v1 schema", "engine",
                 "The v1 JSON Schema (`usm-rules schema`) fixes shape, types and allowed values; one finding per "
                 "violation, at the offending node."),
        RuleInfo("SPEC-DUPLICATE-KEY", Severity.ERROR, "No duplicate keys in a mapping", "engine",
                 "YAML parsers silently keep one of two equal keys; which one is meant is ambiguous, so the "
                 "document is not checked further."),
        RuleInfo("SPEC-LIMIT", Severity.ERROR, "File within size, depth and alias limits", "engine",
                 "Guards against oversized files, pathological nesting and alias expansion (billion laughs)."),
        RuleInfo("SPEC-READ", Severity.ERROR, "File can be read", "engine",
                 "A path that was named or found but cannot be read (missing, a directory, no permission)."),
        # H5: DESIGN §2 - a document that looks like a spec but is not one is skipped, never in silence.
        RuleInfo("SPEC-SKIPPED", Severity.WARNING, "Document that looks like a spec is one", "engine",
                 "A document is checked only when it says `apiVersion: usm/v1` and `kind: ServiceSpecification`. One "
                 "that comes close (our kind with another `apiVersion`, or our `apiVersion` with a `kind` within two "
                 "edits of `ServiceSpecification`) is skipped with this warning, at the key to fix."),
        RuleInfo("CHECK-ABORTED", Severity.ERROR, "File was checked to the end", "engine",
                 "The worker process checking this file ended abnormally (killed, out of memory or crashed) twice; "
                 "the file was not checked, and the rest of the run went on."),
        RuleInfo("RULE-ERROR", Severity.ERROR, "Rule evaluated without error", "engine",
                 "A rule failed to evaluate on this spec; the other rules and files were still checked."),
        RuleInfo("SUPPRESSION-UNUSED", Severity.WARNING, "Inline suppression is used", "engine",
                 "A `# usm-rules: ignore[...]` comment that suppresses nothing hides future findings; remove it."),
        RuleInfo("SUPPRESSION-INVALID", Severity.WARNING, "Inline suppression is well-formed", "engine",
                 "A suppression must name known rules (and give a reason when the config requires one)."),
        RuleInfo("WAIVER-EXPIRED", Severity.WARNING, "Waiver has not expired", "engine",
                 "An expired waiver no longer suppresses its findings; renew it with a new approval or fix the specs."),
        RuleInfo("WAIVER-EXPIRING", Severity.INFO, "Waiver is not about to expire", "engine",
                 "Announces waivers that expire within `--warn-expiring-within` days."),
        RuleInfo("WAIVER-UNUSED", Severity.WARNING, "Waiver matches a finding", "engine",
                 "A live waiver that matches no finding is stale; remove it from the waivers file."),
        RuleInfo("BASELINE-STALE", Severity.INFO, "Baseline entry still matches a finding", "engine",
                 "A baseline entry whose finding is gone; refresh with `usm-rules baseline update`."),
    )
}


@dataclass
class EngineOptions:
    policy_files: list[str]
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
    # Where each select/ignore pattern came from: ("select", pattern) -> its config location; absent for flags.
    pattern_locations: dict[tuple[str, str], Located] = field(default_factory=dict)
    as_of: _dt.date = field(default_factory=_dt.date.today)
    include: tuple[str, ...] = ("*.yaml", "*.yml", "*.json")
    exclude: tuple[str, ...] = ()
    limits: Any = None  # loader.Limits
    jobs: int = 1
    use_cache: bool = True
    stdin: bytes | None = None
    explain: bool = False  # compile rules so that findings carry the values that made them fire
    coverage: bool = False  # compile rules with line hit-markers (`usm-rules test --coverage`)
    inline_suppressions: bool = True
    require_suppression_reason: bool = False
    waivers: str | None = None  # path of a waivers file
    warn_expiring_within: int | None = None  # days
    baseline: str | None = None  # path of a baseline file
    report_only: frozenset[str] | None = None  # --changed-since: project paths of the files to report on
    root: str = ""  # the project root that identities are relative to ("": found from the working directory)


@dataclass
class RuleSet:
    """The rules in force for a run: metadata, effective severities and params, compiled functions."""

    infos: dict[str, RuleInfo]
    severities: dict[str, Severity]
    spec_rules: list[tuple[str, Callable]]
    repo_rules: list[tuple[str, Callable]]
    repo_paths: tuple[tuple[str, ...], ...] | None  # parts of each spec repository rules read; None: all
    metas: dict[str, Any]


def load_rules(options: EngineOptions) -> RuleSet:
    """Compile (or fetch from cache) the policies and bind config; PolicyError/ConfigError on problems."""
    from .lang.program import ParamError, instantiate, load_program, param_problem

    program = load_program(options.policy_files, use_cache=options.use_cache, explain=options.explain,
                           coverage=options.coverage)
    metas = {m.id: m for m in program.rules}
    problems: list[Located] = []
    params: dict[str, dict[str, Any]] = {}
    def at(where: Located | None, message: str) -> Located:
        return dataclasses.replace(where, message=message) if where else Located("<config>", 1, 1, message)

    for m in program.rules:
        values = dict(m.params)
        for name, value in options.shared_params.items():
            if name in values:
                problem = param_problem(m, name, value)
                if problem:
                    problems.append(at(options.shared_param_locations.get(name), problem))
                values[name] = value
        for name, value in options.params.get(m.id, {}).items():
            problem = param_problem(m, name, value)
            if problem:
                problems.append(at(options.param_locations.get((m.id, name)), problem))
            values[name] = value
        params[m.id] = values
    problems += _unknown_rule_problems(options, set(metas), at)
    if problems:
        raise ConfigError(problems)
    try:
        functions = instantiate(program, params, options.as_of)
    except ParamError as err:  # a regex param from config that RE2 cannot run
        where = options.param_locations.get((err.rule_id, err.param)) or options.shared_param_locations.get(err.param)
        raise ConfigError([at(where, str(err))]) from None
    infos: dict[str, RuleInfo] = dict(ENGINE_RULES)
    severities: dict[str, Severity] = {}
    spec_rules: list[tuple[str, Callable]] = []
    repo_rules: list[tuple[str, Callable]] = []
    repo_paths: set[tuple[str, ...]] | None = set()
    for m in program.rules:
        sev = Severity.parse(m.severity)
        if m.id in options.severities:
            override = options.severities[m.id]
            if override is None:
                continue
            sev = override
        if not is_selected(m.id, options.select, options.ignore):
            continue
        infos[m.id] = RuleInfo(m.id, sev, m.title, m.pack, m.rationale, m.help, m.tags)
        severities[m.id] = sev
        if m.scope == "repository":
            repo_rules.append((m.id, functions[m.id]))
            if m.repo_paths is None:
                repo_paths = None
            elif repo_paths is not None:
                repo_paths.update(m.repo_paths)
        else:
            spec_rules.append((m.id, functions[m.id]))
    return RuleSet(infos, severities, spec_rules, repo_rules,
                   None if repo_paths is None else tuple(sorted(repo_paths)), metas)


def _unknown_rule_problems(options: EngineOptions, defined: set[str],
                           at: Callable[[Located | None, str], Located]) -> list[Located]:
    """Every rule id or pattern that config or flags name but no loaded policy (or the engine) defines: a
    typo must never quietly select nothing or configure nothing."""
    from .config import _suggest, rule_matches

    known = defined | set(ENGINE_RULES)
    problems: list[Located] = []
    configured = sorted(set(options.params) | set(options.severities))
    for rule_id in configured:
        if rule_id not in defined:
            where = options.rule_locations.get(rule_id) or next(
                (loc for (rid, _), loc in options.param_locations.items() if rid == rule_id), None)
            problems.append(at(where, f"`[rules.{rule_id}]`: no loaded policy defines rule {rule_id}"
                                      f"{_suggest(rule_id, sorted(defined))}"))
    for kind, patterns in (("select", options.select), ("ignore", options.ignore)):
        for pattern in patterns:
            if any(rule_matches(rule_id, (pattern,)) for rule_id in known):
                continue
            message = f"{kind}: `{visible(pattern)}` matches no rule{_suggest(pattern, sorted(known))}"
            where = options.pattern_locations.get((kind, pattern))
            if where is None:  # from the command line
                raise UsageError(f"--{kind} {visible(pattern)}: matches no rule{_suggest(pattern, sorted(known))}")
            problems.append(at(where, message))
    return problems


def unknown_rule_error(rule_id: str, known: Any) -> str:
    """The message for a rule id that nothing defines (explain, waivers)."""
    from .config import _suggest

    return f"unknown rule `{visible(rule_id)}`{_suggest(rule_id, sorted(known))}"


# -- checking one file ----------------------------------------------------------------------------------

def is_spec(data: Any) -> bool:
    """A document is ours when it says `apiVersion: usm/v1` and `kind: ServiceSpecification` (H5: near
    misses are skipped with a SPEC-SKIPPED warning, see doctype.py)."""
    from .doctype import is_spec as _is_spec

    return _is_spec(data)


def _identity_index(root: Any) -> dict[int, tuple]:
    index: dict[int, tuple] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())]
    while stack:
        obj, parts = stack.pop()
        if id(obj) in index:
            continue
        index[id(obj)] = parts
        if type(obj) is dict:
            for k, v in obj.items():
                if type(v) is dict or type(v) is list:
                    stack.append((v, parts + (k,)))
        elif type(obj) is list:
            for i, v in enumerate(obj):
                if type(v) is dict or type(v) is list:
                    stack.append((v, parts + (i,)))
    return index


def _value_at(data: Any, parts: tuple) -> Any:
    for p in parts:
        try:
            data = data[p]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def resolve_parts(index: dict[int, tuple], base: Any, keys: tuple) -> tuple:
    """Turn a compiled rule's (base object, keys) into a path from the document root."""
    parts = index.get(id(base))
    while parts is None and keys and type(base) in (list, dict):
        try:
            base = base[keys[0]]
        except (KeyError, IndexError, TypeError):
            break
        keys = keys[1:]
        parts = index.get(id(base)) if type(base) in (dict, list) else None
    return (parts or ()) + tuple(keys) if parts is not None else ()


@dataclass(frozen=True, slots=True)
class FileId:
    """A checked file: `path` as read, `shown` as reports print it (as given, with anything that is not
    printable made visible), `identity` relative to the project root (fingerprints, waivers, CI paths)."""

    path: str
    identity: str
    shown: str = ""

    def __post_init__(self) -> None:
        if not self.shown:
            from .textsafe import visible

            object.__setattr__(self, "shown", visible(self.path))


@dataclass
class FileResult:
    findings: list[Finding]
    specs: int
    skipped: int
    repo_specs: list[tuple[Any, FileId, int, str | None]]  # (pruned data, file, document, service)
    file: FileId | None = None
    services: list[str] = field(default_factory=list)  # the service ids of the specs checked in it
    suppressions: list[Any] = field(default_factory=list)  # inline `# usm-rules:` comments of the file
    malformed: list[Any] = field(default_factory=list)


def _service(data: Any) -> str | None:
    meta = data.get("metadata") if type(data) is dict else None
    sid = meta.get("id") if type(meta) is dict else None
    return sid if type(sid) is str else None


def _make_finding(rules: RuleSet, rule: str, severity: Severity, message: str, file: FileId | str, span: Span,
                  parts: tuple, document: int, service: str | None, value: Any,
                  trace: Any = None, related: tuple[tuple[Span, str], ...] = ()) -> Finding:
    if isinstance(file, str):
        file = FileId(file, file)
    pointer = pointer_from_parts(parts)
    info = rules.infos.get(rule) or ENGINE_RULES.get(rule)
    return Finding(rule, severity, info.title if info else rule, message, file.shown, span.line, span.column,
                   span.end_line, span.end_column, pointer, document, service,
                   fingerprint(rule, file.identity, pointer, value, document),
                   explain=tuple((str(e), str(v)) for e, v in trace) if trace else (), project_path=file.identity,
                   related=related)  # H5: e.g. the anchor of a node reached through a YAML alias


def prune(data: Any, paths: tuple[tuple[str, ...], ...] | None) -> Any:
    """The parts of a spec that repository rules read (all of it when `paths` is None)."""
    if paths is None:
        return data
    out: dict = {}
    for path in paths:
        src: Any = data
        dst = out
        for i, key in enumerate(path):
            if type(src) is not dict or key not in src:
                break
            if i == len(path) - 1 or type(src[key]) is not dict:
                dst[key] = src[key]
                break
            src = src[key]
            dst = dst.setdefault(key, {})
    return out


def check_loaded(loaded: Any, rules: RuleSet, keep_repo: bool, run_rules: bool = True,
                 file: FileId | None = None) -> FileResult:
    """Findings of one loaded file; `file` says how it is shown and identified (default: as loaded)."""
    from .doctype import near_miss  # H5
    from .lang.builtins import LINE_LOCATOR  # H5
    from .schema import is_valid, validate

    findings: list[Finding] = []
    file = file or FileId(loaded.path, loaded.path)
    specs = skipped = 0
    repo_specs: list[tuple[Any, FileId, int, str | None]] = []
    services: list[str] = []
    for problem in loaded.problems:
        findings.append(Finding(problem.rule, Severity.ERROR, ENGINE_RULES[problem.rule].title, problem.message,
                                file.shown, problem.span.line, problem.span.column, problem.span.end_line,
                                problem.span.end_column, problem.pointer, problem.document, None,
                                fingerprint(problem.rule, file.identity, problem.pointer, problem.message,
                                            problem.document), project_path=file.identity))
    for doc in loaded.documents:
        data = doc.data
        related_of = getattr(doc, "related", _no_related)  # H5: anchors of YAML aliases on the way to a node
        if not is_spec(data):
            skipped += 1
            miss = near_miss(data)  # H5: a near miss is skipped with one warning at the key to fix
            if miss is not None:
                span, found = doc.locate((miss.key,))
                findings.append(_make_finding(rules, "SPEC-SKIPPED", ENGINE_RULES["SPEC-SKIPPED"].severity,
                                              miss.message, file, span, found, doc.index, _service(data),
                                              miss.message))
            continue
        specs += 1
        service = _service(data)
        if service is not None:
            services.append(service)
        if doc.has_problems:
            continue
        if not is_valid(data):
            for v in validate(data):
                span, found = doc.locate(v.parts)
                findings.append(_make_finding(rules, "SPEC-SCHEMA", Severity.ERROR, v.message, file, span, found,
                                              doc.index, service, v.message, related=related_of(found)))
            continue
        index: dict[int, tuple] | None = None

        def emit(hit: Hit) -> None:
            nonlocal index
            if index is None:
                index = _identity_index(data)
            span, found = doc.locate(resolve_parts(index, hit.node, hit.keys))
            severity = Severity.parse(hit.severity) if hit.severity else rules.severities[hit.rule]
            findings.append(_make_finding(rules, hit.rule, severity, hit.message, file, span, found, doc.index,
                                          service, _value_at(data, found), hit.trace, related_of(found)))

        def line_of(node: Any) -> int | None:  # H5: the `line_of` builtin, through the same index as `emit`
            nonlocal index
            if index is None:
                index = _identity_index(data)
            parts = index.get(id(node))
            return None if parts is None else doc.locate(parts)[0].line

        line_token = LINE_LOCATOR.set(line_of)

        for rule_id, fn in rules.spec_rules if run_rules else ():
            try:
                fn(data, emit)
            except Exception as err:  # a rule bug must not stop the other rules or files
                span, _ = doc.locate(())
                findings.append(_make_finding(rules, "RULE-ERROR", Severity.ERROR,
                                              f"rule {rule_id} failed on this spec: {type(err).__name__}: {err}",
                                              file, span, (), doc.index, service, rule_id))
        LINE_LOCATOR.reset(line_token)  # H5
        if keep_repo:
            repo_specs.append((prune(data, rules.repo_paths), file, doc.index, service))
    return FileResult(findings, specs, skipped, repo_specs, file=file, services=services)


def _no_related(parts: tuple) -> tuple:  # H5: documents that have no aliases (e.g. specs built in memory)
    return ()


def check_file(file: FileId, rules: RuleSet, options: EngineOptions, keep_repo: bool) -> FileResult:
    """Read (through the one bounded door), load and check one file; never raises for the file's sake."""
    from .files import FileRefused, read_bounded
    from .loader import Limits, load_bytes, refused

    limits = options.limits or Limits()
    raw: bytes | None = None
    if file.path == "-":
        raw = options.stdin or b""
        loaded = load_bytes(raw, "-", limits)
    else:
        try:
            raw = read_bounded(file.path, limits.max_bytes)
            loaded = load_bytes(raw, file.path, limits)
        except FileRefused as err:
            loaded = refused(file.path, err)
    reported = options.report_only is None or file.identity in options.report_only
    result = check_loaded(loaded, rules, keep_repo, run_rules=reported, file=file)
    result.file = file
    if not reported:
        result.findings, result.services = [], []
    elif options.inline_suppressions and raw is not None and b"usm-rules:" in raw:
        from .suppressions import scan

        result.suppressions, result.malformed = scan(raw.decode("utf-8", errors="replace"),
                                                     json=file.path.lower().endswith(".json"))
    return result


# -- the run --------------------------------------------------------------------------------------------

def _run_repository_rules(rules: RuleSet, entries: list[tuple[Any, FileId, int, str | None]],
                          options: EngineOptions) -> list[Finding]:
    if not rules.repo_rules or not entries:
        return []
    specs = [e[0] for e in entries]
    owner = {id(e[0]): e for e in entries}
    raw: list[tuple[str, str | None, str, Any, tuple, Any]] = []
    for rule_id, fn in rules.repo_rules:
        def emit(hit: Hit) -> None:
            raw.append((hit.rule, hit.severity, hit.message, hit.node, hit.keys, hit.trace))

        try:
            fn(specs, emit)
        except Exception as err:
            first = entries[0]
            raw.append(("RULE-ERROR", None, f"repository rule {rule_id} failed: {type(err).__name__}: {err}",
                        first[0], (), None))
    # Locate each finding in its own spec: reload the files concerned, one at a time (a file's node tree is
    # dropped before the next is read, so memory stays flat however many specs share an id).
    from .files import FileRefused, read_bounded
    from .loader import Limits, load_bytes

    limits = options.limits or Limits()
    indexes: dict[int, dict[int, tuple]] = {}
    placed: dict[FileId, list[tuple]] = {}
    for rule, sev, message, base, keys, trace in raw:
        entry = owner.get(id(base))
        if entry is None and keys and type(base) is list and type(keys[0]) is int and 0 <= keys[0] < len(base):
            base, keys = base[keys[0]], keys[1:]
            entry = owner.get(id(base))
        if entry is None:  # a location inside a spec: find which
            for e in entries:
                idx = indexes.setdefault(id(e[0]), _identity_index(e[0]))
                if id(base) in idx:
                    entry = e
                    keys = idx[id(base)] + tuple(keys)
                    break
        if entry is None:
            entry, keys = entries[0], ()
        placed.setdefault(entry[1], []).append((entry, rule, sev, message, tuple(keys), trace))
    out: list[Finding] = []
    for file, items in placed.items():
        try:
            data = (options.stdin or b"") if file.path == "-" else read_bounded(file.path, limits.max_bytes)
        except FileRefused:
            continue  # the file went away since it was checked
        documents = {d.index: d for d in load_bytes(data, file.path, limits).documents}
        for (_, _, doc_index, service), rule, sev, message, keys, trace in items:
            doc = documents.get(doc_index)
            if doc is None:  # the file changed under us since it was checked
                continue
            span, found = doc.locate(keys)
            severity = Severity.parse(sev) if sev else rules.severities.get(rule, Severity.ERROR)
            out.append(_make_finding(rules, rule, severity, message, file, span, found, doc_index, service,
                                     _value_at(doc.data, found), trace))
    return out


def run(paths: list[str], options: EngineOptions, rules: RuleSet | None = None,
        progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Check every file under `paths`; policies are loaded first (errors raise before any spec is read)."""
    if rules is None:
        rules = load_rules(options)
    if not rules.spec_rules and not rules.repo_rules:
        raise UsageError("no rule is in force, so nothing would be checked: " + _why_no_rules(options, rules))
    waivers = _load_waivers(options, rules) if options.waivers else None
    baseline = _load_baseline(options) if options.baseline else None
    # Specs, node trees and findings hold no reference cycles, so reference counting frees them; the cyclic
    # collector would only re-scan every live node tree again and again (measured: ~40% of load time).
    import gc

    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(paths, options, rules, progress, waivers, baseline)
    finally:
        if gc_was_enabled:
            gc.enable()


def _file_result(rule: str, file: FileId, message: str) -> FileResult:
    """The result of a file that could not be checked at all: one finding at its first line."""
    info = ENGINE_RULES[rule]
    finding = Finding(rule, info.severity, info.title, message, file.shown, 1, 1, 1, 2, "", 0, None,
                      fingerprint(rule, file.identity, "", rule, 0), project_path=file.identity)
    return FileResult([finding], 0, 0, [], file=file)


def _why_no_rules(options: EngineOptions, rules: RuleSet) -> str:
    if not options.policy_files:
        return "no policy is loaded (built-in packs switched off and no --policy or config `policies`)"
    if not rules.metas:
        return f"the policies loaded ({', '.join(visible(p) for p in options.policy_files)}) define no rule"
    return "every rule is switched off by `select`, `ignore` or `severity = \"off\"`"


def _load_waivers(options: EngineOptions, rules: RuleSet) -> list[Any]:
    """The waivers, read before any spec, so that a waiver naming a rule nothing defines stops the run."""
    from .waivers import load_waivers

    assert options.waivers is not None
    waivers = load_waivers(options.waivers)
    known = set(rules.metas) | set(ENGINE_RULES)
    problems = []
    for w in waivers:
        if w.rule not in known:
            where = getattr(w, "rule_location", None) or Located(options.waivers, w.line, w.column, "")
            problems.append(dataclasses.replace(where, message=f"waiver {w.index + 1}: "
                                                + unknown_rule_error(w.rule, known)))
    if problems:
        raise ConfigError(problems)
    return waivers


def _load_baseline(options: EngineOptions) -> Any:
    """The baseline, read before any spec, so that a malformed one stops the run at once."""
    from .baseline import Baseline

    assert options.baseline is not None
    return Baseline.load(options.baseline)


def _run(paths: list[str], options: EngineOptions, rules: RuleSet,
         progress: Callable[[int, int], None] | None, waivers: list[Any] | None, baseline: Any) -> RunResult:
    import gc

    root = options.root or project_root(None)
    found = discover(paths, options.include, options.exclude, root)
    files = [FileId(f, project_path(f, root)) for f in found.files]
    keep_repo = bool(rules.repo_rules)
    # What each checked file leaves behind is folded in at once, so that memory grows with the findings,
    # not with the number of files.
    findings: list[Finding] = []
    entries: list[tuple[Any, FileId, int, str | None]] = []
    commented: list[FileResult] = []  # files with `# usm-rules:` comments
    counts = [0, 0]  # specs, skipped
    checked_services: set[str] = set()

    def fold(r: FileResult) -> None:
        findings.extend(r.findings)
        entries.extend(r.repo_specs)
        checked_services.update(r.services)
        counts[0] += r.specs
        counts[1] += r.skipped
        if r.suppressions or r.malformed:
            r.findings, r.repo_specs = [], []
            commented.append(r)

    for path, reason in found.unreadable:
        unreadable = FileId(path, project_path(path, root))
        fold(_file_result("SPEC-READ", unreadable, f"cannot read `{unreadable.shown}`: {reason}"))
    jobs = max(1, options.jobs)
    if jobs > 1 and len(files) >= 2 * jobs and all(f.path != "-" for f in files):
        from .workers import check_parallel

        by_path = {f.path: f for f in files}

        def lost(path: str, reason: str) -> None:
            fold(_file_result("CHECK-ABORTED", by_path[path], f"`{by_path[path].shown}` was not checked: {reason}"))

        check_parallel([f.path for f in files], jobs, lambda p: check_file(by_path[p], rules, options, keep_repo),
                       fold, lost, progress)
    else:
        for i, f in enumerate(files):
            fold(check_file(f, rules, options, keep_repo))
            if i % 4096 == 4095:
                gc.collect()  # in case some cycle (a rule's exception traceback) was made after all
            if progress:
                progress(i + 1, len(files))
    repo_findings = _run_repository_rules(rules, entries, options)
    if options.report_only is not None:
        repo_findings = [f for f in repo_findings if f.path in options.report_only]
    findings.extend(repo_findings)
    findings = _apply_inline_suppressions(findings, commented, rules, options)
    reported = [f for f in files if options.report_only is None or f.identity in options.report_only]
    if waivers is not None:
        findings = _apply_waivers(findings, waivers, options, rules, reported, checked_services)
    if baseline is not None:
        findings = _apply_baseline(findings, baseline, options, rules, {f.identity for f in reported})
    findings.sort(key=Finding.sort_key)
    return RunResult(findings, len(reported) + len(found.unreadable), counts[0], counts[1], rules.infos,
                     __version__, notices=found.notices, inputs=tuple(f.path for f in files if f.path != "-"))


def _engine_finding(rule: str, message: str, file: FileId, line: int, column: int, end_line: int, end_column: int,
                    key: str) -> Finding:
    info = ENGINE_RULES[rule]
    return Finding(rule, info.severity, info.title, message, file.shown, line, column, end_line, end_column, "", 0,
                   None, fingerprint(rule, file.identity, "", key), project_path=file.identity)


def _apply_inline_suppressions(findings: list[Finding], results: list[FileResult], rules: RuleSet,
                               options: EngineOptions) -> list[Finding]:
    by_file: dict[str, tuple[FileId, list[Any], list[Any]]] = {}
    for r in results:
        if (r.suppressions or r.malformed) and r.file is not None:
            by_file[r.file.identity] = (r.file, r.suppressions, r.malformed)
    if not by_file:
        return findings
    known = set(rules.metas) | set(ENGINE_RULES)
    out: list[Finding] = []
    for f in findings:
        entry = by_file.get(f.path)
        if entry is not None and f.suppressed is None:
            for sup in entry[1]:
                if options.require_suppression_reason and not sup.reason:
                    continue
                if sup.covers(f.rule, f.line):
                    sup.used.add(f.rule)
                    f = dataclasses.replace(f, suppressed=f"inline: {sup.reason}" if sup.reason else "inline")
                    break
        out.append(f)
    for file, sups, malformed in by_file.values():
        for bad in malformed:
            out.append(_engine_finding("SUPPRESSION-INVALID", bad.message, file, bad.line, bad.column, bad.line,
                                       bad.end_column, f"{bad.line}:{bad.message}"))
        for sup in sups:
            where = (file, sup.line, sup.column, sup.line, sup.end_column)
            if options.require_suppression_reason and not sup.reason:
                out.append(_engine_finding("SUPPRESSION-INVALID", "this suppression gives no reason, and the config "
                                           "requires one", *where, f"{sup.line}:reason"))
                continue
            for rule in sup.rules:
                if rule not in known:
                    out.append(_engine_finding("SUPPRESSION-INVALID", f"`{visible(rule)}` is not a known rule{_hint(rule, known)}",
                                               *where, f"{sup.line}:{rule}"))
                elif rule in rules.severities or rule in ENGINE_RULES:
                    if rule not in sup.used:
                        scope = "this file" if sup.file_level else "this line"
                        out.append(_engine_finding("SUPPRESSION-UNUSED", f"nothing on {scope} is suppressed by "
                                                   f"`ignore[{rule}]`", *where, f"{sup.line}:{rule}"))
    return out


def _hint(word: str, candidates: Any) -> str:
    from .config import _suggest

    return _suggest(word, candidates)


def _apply_waivers(findings: list[Finding], waivers: list[Any], options: EngineOptions, rules: RuleSet,
                   checked: list[FileId], services: set[str]) -> list[Finding]:
    assert options.waivers is not None
    today = options.as_of
    out: list[Finding] = []
    for f in findings:
        if f.suppressed is None:
            for w in waivers:
                if w.matches(f.rule, f.service, f.path, f.pointer):
                    w.used = True
                    if w.expires >= today:
                        f = dataclasses.replace(f, suppressed=w.note())
                        break
        out.append(f)
    source = FileId(options.waivers, project_path(options.waivers, options.root or project_root(None)))

    def target_checked(w: Any) -> bool:
        # A waiver is only unused when this run could have used it: its rule ran and its target was checked
        # (pre-commit passes a few files; --select and --changed-since narrow a run).
        if w.rule not in rules.severities and w.rule not in ENGINE_RULES:
            return False
        if w.service is not None:
            return w.service in services
        return any(w.could_match_file(f.identity) for f in checked)

    for w in waivers:
        where = (source, w.line, w.column, w.line, w.column + 1, f"{w.index}")
        if w.expires < today:
            out.append(_engine_finding("WAIVER-EXPIRED", f"{w.describe()} expired on {w.expires.isoformat()}: its "
                                       "findings are reported again", *where))
        elif not w.used and target_checked(w):
            out.append(_engine_finding("WAIVER-UNUSED", f"{w.describe()} matches no finding", *where))
        elif w.used and options.warn_expiring_within is not None and \
                (w.expires - today).days <= options.warn_expiring_within:
            days = (w.expires - today).days
            out.append(_engine_finding("WAIVER-EXPIRING", f"{w.describe()} expires in {days} day"
                                       f"{'' if days == 1 else 's'} ({w.expires.isoformat()})", *where))
    return out


def _apply_baseline(findings: list[Finding], baseline: Any, options: EngineOptions, rules: RuleSet,
                    checked: set[str]) -> list[Finding]:
    """Mark the findings the baseline accepts (a baseline counts: several findings may share a fingerprint),
    and report entries that nothing matched, for files this run checked and rules that ran."""
    from .baseline import stale_message

    assert options.baseline is not None
    out: list[Finding] = []
    # Sorted, so that when there are more findings of a fingerprint than baselined, the later ones are new.
    for f in sorted(findings, key=Finding.sort_key):
        if f.suppressed is None and baseline.take(f.fingerprint):
            f = dataclasses.replace(f, suppressed="baseline")
        out.append(f)
    source = FileId(options.baseline, project_path(options.baseline, options.root or project_root(None)))
    for entry, left in baseline.remaining():
        if entry.rule not in rules.infos or entry.file not in checked:
            continue  # its rule did not run, or its file was not part of this run (pre-commit, --changed-since)
        where = entry.location
        out.append(_engine_finding("BASELINE-STALE", stale_message(entry, left), source, where.line, where.column,
                                   where.line, where.column + where.length, entry.fingerprint))
    return out

"""files -> loaded documents -> schema check -> compiled rules -> findings. No printing, no exiting."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import fnmatch
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from . import __version__
from .config import is_selected
from .errors import ConfigError, Located
from .findings import Finding, RuleInfo, RunResult, Severity, Span, fingerprint, pointer_from_parts

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

ALWAYS_EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", "__pycache__",
                                  ".mypy_cache", ".pytest_cache"})


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
    report_only: frozenset[str] | None = None  # --changed-since: findings only for these files


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
    from .lang.program import instantiate, load_program, param_problem

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
    for rule_id in options.params:
        if rule_id not in metas:
            where = next((loc for (rid, _), loc in options.param_locations.items() if rid == rule_id), None)
            problems.append(at(where, f"params are set for rule {rule_id}, which no loaded policy defines"))
    if problems:
        raise ConfigError(problems)
    try:
        functions = instantiate(program, params, options.as_of)
    except ValueError as err:  # a regex param from config that does not compile
        raise ConfigError(str(err)) from None
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


# -- discovery ------------------------------------------------------------------------------------------

def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    p = _posix(path)
    if p.startswith("./"):
        p = p[2:]
    for pattern in patterns:
        if fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(os.path.basename(p), pattern):
            return True
        if pattern.endswith("/**") and (p + "/").startswith(pattern[:-2]):
            return True
        if pattern.endswith("/**") and ("/" + p + "/").find("/" + pattern[:-3] + "/") >= 0:
            return True
    return False


def discover(paths: Iterable[str], include: tuple[str, ...], exclude: tuple[str, ...]) -> list[str]:
    """Files to check, in a stable order: named files as given, directories walked for included names."""
    out: list[str] = []
    seen: set[str] = set()
    for given in paths:
        if given == "-":
            out.append("-")
            continue
        if os.path.isdir(given):
            found = []
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if d not in ALWAYS_EXCLUDED_DIRS
                                     and not _excluded(os.path.join(dirpath, d) + "/", exclude)
                                     and not _excluded(os.path.join(dirpath, d), exclude))
                for name in filenames:
                    full = os.path.join(dirpath, name)
                    if any(fnmatch.fnmatch(name, pat.rsplit("/", 1)[-1]) for pat in include) and \
                            not _excluded(full, exclude):
                        found.append(_posix(full))
            files = sorted(found)
        else:
            files = [] if _excluded(given, exclude) else [_posix(given)]
        for f in files:
            if f not in seen:
                seen.add(f)
                out.append(f)
    return out


# -- checking one file ----------------------------------------------------------------------------------

def is_spec(data: Any) -> bool:
    """A document is ours when it says so; a near-miss (our kind, another version) is ours too, so the
    schema reports the wrong `apiVersion` instead of the spec being skipped in silence."""
    if type(data) is not dict:
        return False
    api, kind = data.get("apiVersion"), data.get("kind")
    return kind == "ServiceSpecification" or (type(api) is str and api.startswith("usm/"))


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


@dataclass
class FileResult:
    findings: list[Finding]
    specs: int
    skipped: int
    repo_specs: list[tuple[Any, str, int, str | None]]  # (pruned data, file, document, service)
    path: str = ""
    suppressions: list[Any] = field(default_factory=list)  # inline `# usm-rules:` comments of the file
    malformed: list[Any] = field(default_factory=list)


def _service(data: Any) -> str | None:
    meta = data.get("metadata") if type(data) is dict else None
    sid = meta.get("id") if type(meta) is dict else None
    return sid if type(sid) is str else None


def _make_finding(rules: RuleSet, rule: str, severity: Severity, message: str, file: str, span: Span,
                  parts: tuple, document: int, service: str | None, value: Any,
                  trace: Any = None) -> Finding:
    pointer = pointer_from_parts(parts)
    info = rules.infos.get(rule) or ENGINE_RULES.get(rule)
    return Finding(rule, severity, info.title if info else rule, message, file, span.line, span.column, span.end_line,
                   span.end_column, pointer, document, service, fingerprint(rule, file, pointer, value, document),
                   explain=tuple((str(e), str(v)) for e, v in trace) if trace else ())


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


def check_loaded(loaded: Any, rules: RuleSet, keep_repo: bool, run_rules: bool = True) -> FileResult:
    from .schema import is_valid, validate

    findings: list[Finding] = []
    file = loaded.path
    specs = skipped = 0
    repo_specs: list[tuple[Any, str, int, str | None]] = []
    for problem in loaded.problems:
        findings.append(Finding(problem.rule, Severity.ERROR, ENGINE_RULES[problem.rule].title, problem.message, file,
                                problem.span.line, problem.span.column, problem.span.end_line,
                                problem.span.end_column, problem.pointer, problem.document, None,
                                fingerprint(problem.rule, file, problem.pointer, problem.message,
                                            problem.document)))
    for doc in loaded.documents:
        data = doc.data
        if not is_spec(data):
            skipped += 1
            continue
        specs += 1
        service = _service(data)
        if doc.has_problems:
            continue
        if not is_valid(data):
            for v in validate(data):
                span, found = doc.locate(v.parts)
                findings.append(_make_finding(rules, "SPEC-SCHEMA", Severity.ERROR, v.message, file, span, found,
                                              doc.index, service, v.message))
            continue
        index: dict[int, tuple] | None = None

        def emit(rule: str, body: int, sev: str | None, message: str, base: Any, keys: tuple,
                 trace: Any = None) -> None:
            nonlocal index
            if index is None:
                index = _identity_index(data)
            span, found = doc.locate(resolve_parts(index, base, keys))
            severity = Severity.parse(sev) if sev else rules.severities[rule]
            findings.append(_make_finding(rules, rule, severity, message, file, span, found, doc.index, service,
                                          _value_at(data, found), trace))

        for rule_id, fn in rules.spec_rules if run_rules else ():
            try:
                fn(data, emit)
            except Exception as err:  # a rule bug must not stop the other rules or files
                span, _ = doc.locate(())
                findings.append(_make_finding(rules, "RULE-ERROR", Severity.ERROR,
                                              f"rule {rule_id} failed on this spec: {type(err).__name__}: {err}",
                                              file, span, (), doc.index, service, rule_id))
        if keep_repo:
            repo_specs.append((prune(data, rules.repo_paths), file, doc.index, service))
    return FileResult(findings, specs, skipped, repo_specs)


def check_file(path: str, rules: RuleSet, options: EngineOptions, keep_repo: bool) -> FileResult:
    from .loader import Limits, load_bytes, load_path

    limits = options.limits or Limits()
    raw: bytes | None = None
    if path == "-":
        raw = options.stdin or b""
    else:
        try:
            with open(path, "rb") as fh:
                raw = fh.read(limits.max_bytes + 1)
        except OSError:
            raw = None  # the loader reports why, as SPEC-READ
    loaded = load_path(path, limits) if raw is None else load_bytes(raw, path, limits)
    reported = options.report_only is None or os.path.normpath(path) in options.report_only
    result = check_loaded(loaded, rules, keep_repo, run_rules=reported)
    result.path = path
    if not reported:
        result.findings = []
    elif options.inline_suppressions and raw is not None and b"usm-rules:" in raw:
        from .suppressions import scan

        result.suppressions, result.malformed = scan(raw.decode("utf-8", errors="replace"))
    return result


# -- the run --------------------------------------------------------------------------------------------

def _run_repository_rules(rules: RuleSet, entries: list[tuple[Any, str, int, str | None]],
                          options: EngineOptions) -> list[Finding]:
    if not rules.repo_rules or not entries:
        return []
    specs = [e[0] for e in entries]
    owner = {id(e[0]): e for e in entries}
    raw: list[tuple[str, str | None, str, Any, tuple, Any]] = []
    for rule_id, fn in rules.repo_rules:
        def emit(rule: str, body: int, sev: str | None, message: str, base: Any, keys: tuple,
                 trace: Any = None) -> None:
            raw.append((rule, sev, message, base, keys, trace))

        try:
            fn(specs, emit)
        except Exception as err:
            first = entries[0]
            raw.append(("RULE-ERROR", None, f"repository rule {rule_id} failed: {type(err).__name__}: {err}",
                        first[0], (), None))
    # Locate each finding in its own spec: reload the files concerned, one at a time (a file's node tree is
    # dropped before the next is read, so memory stays flat however many specs share an id).
    from .loader import Limits, load_bytes, load_path

    limits = options.limits or Limits()
    indexes: dict[int, dict[int, tuple]] = {}
    placed: dict[str, list[tuple]] = {}
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
        loaded = load_bytes(options.stdin or b"", "-", limits) if file == "-" else load_path(file, limits)
        documents = {d.index: d for d in loaded.documents}
        for (_, _, doc_index, service), rule, sev, message, keys, trace in items:
            doc = documents.get(doc_index)
            if doc is None:  # the file changed under us since it was checked
                continue
            span, found = doc.locate(keys)
            severity = Severity.parse(sev) if sev else rules.severities.get(rule, Severity.ERROR)
            out.append(_make_finding(rules, rule, severity, message, file, span, found, doc_index, service,
                                     _value_at(doc.data, found), trace))
    return out


def _worker_check(args: tuple[list[str], bool]) -> list[FileResult]:
    files, keep_repo = args
    return [check_file(f, _WORKER_STATE["rules"], _WORKER_STATE["options"], keep_repo) for f in files]


_WORKER_STATE: dict[str, Any] = {}


def run(paths: list[str], options: EngineOptions, rules: RuleSet | None = None,
        progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Check every file under `paths`; policies are loaded first (errors raise before any spec is read)."""
    if rules is None:
        rules = load_rules(options)
    # Specs, node trees and findings hold no reference cycles, so reference counting frees them; the cyclic
    # collector would only re-scan every live node tree again and again (measured: ~40% of load time).
    import gc

    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run(paths, options, rules, progress)
    finally:
        if gc_was_enabled:
            gc.enable()


def _run(paths: list[str], options: EngineOptions, rules: RuleSet,
         progress: Callable[[int, int], None] | None) -> RunResult:
    import gc

    files = discover(paths, options.include, options.exclude)
    keep_repo = bool(rules.repo_rules)
    # What each checked file leaves behind is folded in at once, so that memory grows with the findings,
    # not with the number of files.
    findings: list[Finding] = []
    entries: list[tuple[Any, str, int, str | None]] = []
    commented: list[FileResult] = []  # files with `# usm-rules:` comments
    counts = [0, 0]  # specs, skipped

    def fold(r: FileResult) -> None:
        findings.extend(r.findings)
        entries.extend(r.repo_specs)
        counts[0] += r.specs
        counts[1] += r.skipped
        if r.suppressions or r.malformed:
            r.findings, r.repo_specs = [], []
            commented.append(r)

    jobs = max(1, options.jobs)
    if jobs > 1 and len(files) >= 2 * jobs and "-" not in files:
        import multiprocessing

        _WORKER_STATE["rules"], _WORKER_STATE["options"] = rules, options
        chunk = max(1, min(256, len(files) // (jobs * 8) or 1))
        batches = [files[i:i + chunk] for i in range(0, len(files), chunk)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            done = 0
            for batch_result in pool.imap(_worker_check, [(b, keep_repo) for b in batches]):
                for r in batch_result:
                    fold(r)
                done += len(batch_result)
                if progress:
                    progress(done, len(files))
    else:
        for i, f in enumerate(files):
            fold(check_file(f, rules, options, keep_repo))
            if i % 4096 == 4095:
                gc.collect()  # in case some cycle (a rule's exception traceback) was made after all
            if progress:
                progress(i + 1, len(files))
    repo_findings = _run_repository_rules(rules, entries, options)
    if options.report_only is not None:
        repo_findings = [f for f in repo_findings if os.path.normpath(f.file) in options.report_only]
    findings.extend(repo_findings)
    findings = _apply_inline_suppressions(findings, commented, rules, options)
    if options.waivers:
        findings = _apply_waivers(findings, options)
    if options.baseline:
        findings = _apply_baseline(findings, options, rules)
    findings.sort(key=Finding.sort_key)
    checked = len(files) if options.report_only is None else sum(
        1 for f in files if os.path.normpath(f) in options.report_only)
    return RunResult(findings, checked, counts[0], counts[1], rules.infos, __version__)


def _engine_finding(rule: str, message: str, file: str, line: int, column: int, end_line: int, end_column: int,
                    key: str) -> Finding:
    info = ENGINE_RULES[rule]
    return Finding(rule, info.severity, info.title, message, file, line, column, end_line, end_column, "", 0, None,
                   fingerprint(rule, file, "", key))


def _apply_inline_suppressions(findings: list[Finding], results: list[FileResult], rules: RuleSet,
                               options: EngineOptions) -> list[Finding]:

    by_file: dict[str, tuple[list[Any], list[Any]]] = {}
    for r in results:
        if r.suppressions or r.malformed:
            by_file[r.path] = (r.suppressions, r.malformed)
    if not by_file:
        return findings
    known = set(rules.metas) | set(ENGINE_RULES)
    out: list[Finding] = []
    for f in findings:
        entry = by_file.get(f.file)
        if entry is not None and f.suppressed is None:
            for sup in entry[0]:
                if options.require_suppression_reason and not sup.reason:
                    continue
                if sup.covers(f.rule, f.line):
                    sup.used.add(f.rule)
                    f = dataclasses.replace(f, suppressed=f"inline: {sup.reason}" if sup.reason else "inline")
                    break
        out.append(f)
    for file, (sups, malformed) in by_file.items():
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
                    out.append(_engine_finding("SUPPRESSION-INVALID", f"`{rule}` is not a known rule", *where,
                                               f"{sup.line}:{rule}"))
                elif rule in rules.severities or rule in ENGINE_RULES:
                    if rule not in sup.used:
                        scope = "this file" if sup.file_level else "this line"
                        out.append(_engine_finding("SUPPRESSION-UNUSED", f"nothing on {scope} is suppressed by "
                                                   f"`ignore[{rule}]`", *where, f"{sup.line}:{rule}"))
    return out


def _apply_waivers(findings: list[Finding], options: EngineOptions) -> list[Finding]:

    from .waivers import load_waivers

    assert options.waivers is not None
    waivers = load_waivers(options.waivers)
    today = options.as_of
    out: list[Finding] = []
    for f in findings:
        if f.suppressed is None:
            for w in waivers:
                if w.matches(f.rule, f.service, f.file, f.pointer):
                    w.used = True
                    if w.expires >= today:
                        f = dataclasses.replace(f, suppressed=w.note())
                        break
        out.append(f)
    path = options.waivers
    for w in waivers:
        where = (path, w.line, w.column, w.line, w.column + 1, f"{w.index}")
        if w.expires < today:
            out.append(_engine_finding("WAIVER-EXPIRED", f"{w.describe()} expired on {w.expires.isoformat()}: its "
                                       "findings are reported again", *where))
        elif not w.used:
            out.append(_engine_finding("WAIVER-UNUSED", f"{w.describe()} matches no finding", *where))
        elif options.warn_expiring_within is not None and (w.expires - today).days <= options.warn_expiring_within:
            days = (w.expires - today).days
            out.append(_engine_finding("WAIVER-EXPIRING", f"{w.describe()} expires in {days} day"
                                       f"{'' if days == 1 else 's'} ({w.expires.isoformat()})", *where))
    return out


def _apply_baseline(findings: list[Finding], options: EngineOptions, rules: RuleSet) -> list[Finding]:

    from .baseline import load

    assert options.baseline is not None
    accepted = load(options.baseline)
    seen: set[str] = set()
    out: list[Finding] = []
    for f in findings:
        if f.suppressed is None and f.fingerprint in accepted:
            seen.add(f.fingerprint)
            f = dataclasses.replace(f, suppressed="baseline")
        out.append(f)
    for fp, entry in sorted(accepted.items()):
        if fp in seen or entry.get("rule") not in rules.infos:
            continue  # matched, or its rule did not run this time (--select, --ignore, config)
        if options.report_only is not None and os.path.normpath(str(entry.get("file"))) not in options.report_only:
            continue
        out.append(_engine_finding("BASELINE-STALE", f"baseline entry {entry.get('rule', '?')} at "
                                   f"`{entry.get('file', '?')}{entry.get('pointer', '')}` matches no finding any more",
                                   options.baseline, 1, 1, 1, 2, fp))
    return out

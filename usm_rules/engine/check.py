"""Checking one file: read it through the bounded door, load it, validate each spec against the schema, run
the spec-scope rules, and keep what repository rules need. Never raises for the file's sake: every problem
is a located finding of that file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..codes import engine_codes
from ..findings import Finding, RuleInfo, Severity
from ..lang.runtime import Hit
from .bind import RuleSet
from .locate import FileId, identity_index, make_finding, resolve_parts, value_at
from .options import EngineOptions

CODES = (
    RuleInfo("SPEC-SCHEMA", Severity.ERROR, "Spec matches the v1 schema", "engine",
             "The v1 JSON Schema (`usm-rules schema`) fixes shape, types and allowed values; one finding per "
             "violation, at the offending node. Rules run only on specs that pass it.",
             example="`level: high` where an integer is expected, or an unknown key `metrc`"),
    RuleInfo("RULE-ERROR", Severity.ERROR, "Rule evaluated without error", "engine",
             "A rule failed to evaluate on this spec; the other rules and files were still checked. Please report "
             "it with the spec that caused it.", example="a rule whose text functions exceed their work budget"),
)


@dataclass(frozen=True, slots=True)
class RepoEntry:
    """What repository rules need of one spec: the parts they read, and where the spec came from."""

    data: Any
    file: FileId
    document: int
    service: str | None


@dataclass
class FileResult:
    findings: list[Finding]
    specs: int = 0
    skipped: int = 0
    repo_specs: list[RepoEntry] = field(default_factory=list)
    file: FileId | None = None
    services: list[str] = field(default_factory=list)  # the service ids of the specs checked in it
    ruled: int = 0  # specs that passed the schema and so met the spec-scope rules
    suppressions: list[Any] = field(default_factory=list)  # inline `# usm-rules:` comments of the file
    malformed: list[Any] = field(default_factory=list)


def service_of(data: Any) -> str | None:
    meta = data.get("metadata") if type(data) is dict else None
    sid = meta.get("id") if type(meta) is dict else None
    return sid if type(sid) is str else None


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
    """Findings of one loaded file (its load problems, skipped near-misses, schema violations, rule hits);
    `file` says how it is shown and identified (default: as loaded)."""
    file = file or FileId(loaded.path, loaded.path)
    result = FileResult([], file=file)
    for problem in loaded.problems:
        result.findings.append(make_finding(engine_codes()[problem.rule], problem.rule, Severity.ERROR, problem.message,
                                            file, problem.span, problem.pointer, problem.document, None,
                                            problem.message))
    for doc in loaded.documents:
        _check_document(doc, rules, keep_repo, run_rules, file, result)
    return result


def _check_document(doc: Any, rules: RuleSet, keep_repo: bool, run_rules: bool, file: FileId,
                    result: FileResult) -> None:
    from ..doctype import is_spec, near_miss

    data = doc.data
    if not is_spec(data):
        result.skipped += 1
        miss = near_miss(data)  # a near miss is skipped with one warning, at the key to fix
        if miss is not None:
            span, found = doc.locate((miss.key,))
            info = engine_codes()["SPEC-SKIPPED"]
            result.findings.append(make_finding(info, info.id, info.severity, miss.message, file, span, found,
                                                doc.index, service_of(data), miss.message))
        return
    result.specs += 1
    service = service_of(data)
    if service is not None:
        result.services.append(service)
    if doc.has_problems or not _schema_valid(doc, rules, file, service, result):
        return
    if run_rules:
        result.ruled += 1
        _run_spec_rules(doc, rules, file, service, result)
    if keep_repo:
        result.repo_specs.append(RepoEntry(prune(data, rules.repo_paths), file, doc.index, service))


def _related_of(doc: Any) -> Any:
    """Documents from the loader say where aliases lead; documents built in memory have none."""
    return getattr(doc, "related", None) or (lambda parts: ())


def file_at(doc: Any, file: FileId) -> Any:
    """parts -> the file that text was written in. A loaded document is all one file; a document assembled
    from several (`usm-rules test`: a base spec patched by a case) says where each part came from."""
    origin = getattr(doc, "file_of", None)
    return (lambda parts: origin(parts) or file) if origin else (lambda parts: file)


def _schema_valid(doc: Any, rules: RuleSet, file: FileId, service: str | None, result: FileResult) -> bool:
    from ..schema import is_valid, validate

    if is_valid(doc.data):
        return True
    info = rules.infos.get("SPEC-SCHEMA") or engine_codes()["SPEC-SCHEMA"]
    related = _related_of(doc)
    where = file_at(doc, file)
    for v in validate(doc.data):
        span, found = doc.locate(v.parts)
        result.findings.append(make_finding(info, info.id, Severity.ERROR, v.message, where(found), span, found,
                                            doc.index, service, v.message, related=related(found)))
    return False


def _run_spec_rules(doc: Any, rules: RuleSet, file: FileId, service: str | None, result: FileResult) -> None:
    """Run every spec-scope rule on one schema-valid spec; a rule that raises is a RULE-ERROR finding."""
    from ..lang.builtins import LINE_LOCATOR

    data = doc.data
    related = _related_of(doc)
    where = file_at(doc, file)
    index: dict[int, tuple] | None = None

    def path_of(node: Any, keys: tuple = ()) -> tuple:
        nonlocal index
        if index is None:  # built on the first hit only: most specs have none
            index = identity_index(data)
        return resolve_parts(index, node, keys)

    def emit(hit: Hit) -> None:
        span, found = doc.locate(path_of(hit.node, hit.keys))
        severity = Severity.parse(hit.severity) if hit.severity else rules.severities[hit.rule]
        result.findings.append(make_finding(rules.infos.get(hit.rule), hit.rule, severity, hit.message,
                                            where(found), span, found, doc.index, service, value_at(data, found),
                                            hit.trace, related(found)))

    def line_of(node: Any) -> int | None:  # the `line_of` builtin
        nonlocal index
        if index is None:
            index = identity_index(data)
        parts = index.get(id(node))
        return None if parts is None else doc.locate(parts)[0].line

    token = LINE_LOCATOR.set(line_of)
    try:
        for rule_id, fn in rules.spec_rules:
            try:
                fn(data, emit)
            except Exception as err:  # a rule bug must not stop the other rules or files
                span, _ = doc.locate(())
                info = engine_codes()["RULE-ERROR"]
                result.findings.append(make_finding(
                    info, info.id, Severity.ERROR, f"rule {rule_id} failed on this spec: {type(err).__name__}: {err}",
                    file, span, (), doc.index, service, rule_id))
    finally:
        LINE_LOCATOR.reset(token)


def check_file(file: FileId, rules: RuleSet, options: EngineOptions, keep_repo: bool) -> FileResult:
    """Read (through the one bounded door), load and check one file; never raises for the file's sake."""
    from ..files import FileRefused, read_bounded
    from ..loader import Limits, load_bytes, refused

    limits = options.limits or Limits()
    raw: bytes | None = None
    name = (options.stdin_filename or "-") if file.path == "-" else file.path  # `.json` decides the reader
    if file.path == "-":
        raw = options.stdin or b""
        loaded = load_bytes(raw, name, limits)
    else:
        try:
            raw = read_bounded(file.path, limits.max_bytes)
            loaded = load_bytes(raw, file.path, limits)
        except FileRefused as err:
            loaded = refused(file.path, err)
    reported = options.report_only is None or file.identity in options.report_only
    result = check_loaded(loaded, rules, keep_repo, run_rules=reported, file=file)
    if not reported:
        result.findings, result.services = [], []
    elif options.inline_suppressions and raw is not None and b"usm-rules:" in raw:
        from ..suppressions import scan

        result.suppressions, result.malformed = scan(raw.decode("utf-8", errors="replace"),
                                                     json=name.lower().endswith(".json"))
    return result

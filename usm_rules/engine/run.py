"""The run: policies, waivers and baseline first (a problem with any of them stops the run before a spec is
read), then every file (in this process or in workers), then repository rules, then the post-passes.

What each checked file leaves behind is folded into the run at once, so memory grows with the findings, not
with the number of files. No printing, no exiting: problems are raised as UsmError, findings returned.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from .. import __version__
from ..codes import engine_codes
from ..errors import UsageError
from ..findings import Finding, RunResult, Severity
from ..textsafe import visible
from .bind import RuleSet, load_rules
from .check import FileResult, RepoEntry, check_file
from .discover import discover, posix, project_path, project_root
from .locate import FileId, file_finding
from .options import EngineOptions

Progress = Callable[[int, int], None]


def run(paths: list[str], options: EngineOptions, rules: RuleSet | None = None,
        progress: Progress | None = None) -> RunResult:
    """Check every file under `paths` with the rules in force (loaded from `options` unless given)."""
    if rules is None:
        rules = load_rules(options)
    if rules.empty:
        raise UsageError("no rule is in force, so nothing would be checked: " + _why_no_rules(options, rules))
    root = options.root or project_root(None)
    waivers = _load_waivers(options) if options.waivers else None
    baseline = _load_baseline(options) if options.baseline else None
    with _cyclic_gc_paused():
        return _Run(options, rules, root, progress).go(paths, waivers, baseline)


class _GcPause:
    """Specs, node trees and findings hold no reference cycles, so reference counting frees them; the cyclic
    collector would only re-scan every live node tree again and again (measured: ~40% of load time). Counted,
    so that runs in several threads resume it only when the last one ends, and only if it was on before."""

    lock = threading.Lock()
    runs = 0
    was_enabled = True


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    import gc

    with _GcPause.lock:
        if _GcPause.runs == 0:
            _GcPause.was_enabled = gc.isenabled()
            gc.disable()
        _GcPause.runs += 1
    try:
        yield
    finally:
        with _GcPause.lock:
            _GcPause.runs -= 1
            if _GcPause.runs == 0 and _GcPause.was_enabled:
                gc.enable()


def _why_no_rules(options: EngineOptions, rules: RuleSet) -> str:
    if not options.policy_files:
        return "no policy is loaded (built-in packs switched off and no --policy or config `policies`)"
    if not rules.metas:
        return f"the policies loaded ({', '.join(visible(p) for p in options.policy_files)}) define no rule"
    return "every rule is switched off by `select`, `ignore` or `severity = \"off\"`"


def _load_waivers(options: EngineOptions) -> list[Any]:
    """The waivers, read before any spec, so that a malformed waivers file stops the run at once. A waiver
    naming a rule that is not in the rule set is a finding of the waiver pass (WAIVER-UNKNOWN-RULE), so that
    removing a rule from a pack does not stop every run that still waives it."""
    from ..waivers import load_waivers

    assert options.waivers is not None
    return load_waivers(options.waivers)


def _load_baseline(options: EngineOptions) -> Any:
    """The baseline, read before any spec, so that a malformed one stops the run at once."""
    from ..baseline import Baseline

    assert options.baseline is not None
    return Baseline.load(options.baseline)


class _Run:
    """One run's state: what the checked files left behind, folded in as each file is done."""

    def __init__(self, options: EngineOptions, rules: RuleSet, root: str, progress: Progress | None) -> None:
        self.options, self.rules, self.root, self.progress = options, rules, root, progress
        self.findings: list[Finding] = []
        self.entries: list[RepoEntry] = []
        self.commented: list[FileResult] = []  # files with `# usm-rules:` comments
        self.services: set[str] = set()
        self.specs = self.skipped = 0

    def fold(self, r: FileResult) -> None:
        self.findings.extend(r.findings)
        self.entries.extend(r.repo_specs)
        self.services.update(r.services)
        self.specs += r.specs
        self.skipped += r.skipped
        if r.suppressions or r.malformed:
            r.findings, r.repo_specs = [], []
            self.commented.append(r)

    def file_id(self, path: str) -> FileId:
        name = self.options.stdin_filename
        if path == "-" and name:  # standard input, named by --stdin-filename like the file it stands for
            return FileId(path, project_path(name, self.root), visible(posix(name)))
        return FileId(path, project_path(path, self.root))

    def go(self, paths: list[str], waivers: list[Any] | None, baseline: Any) -> RunResult:
        found = discover(paths, self.options.include, self.options.exclude, self.root, self.options.stdin_filename)
        files = [self.file_id(f) for f in found.files]
        for path, reason in found.unreadable:
            unreadable = self.file_id(path)
            self.fold(_alone("SPEC-READ", unreadable, f"cannot read `{unreadable.shown}`: {reason}"))
        self.check_files(files)
        self.findings.extend(self.repository_findings())
        reported = [f for f in files if self.reported(f.identity)]
        for apply in self.passes(reported, waivers, baseline):
            self.findings = apply(self.findings)
        self.findings.sort(key=Finding.sort_key)
        checked = [f.identity for f in reported] + [self.file_id(path).identity for path, _ in found.unreadable]
        notices = found.notices + _ramp_notices(self.rules, self.options, self.findings) + _cache_notices()
        return RunResult(self.findings, len(reported) + len(found.unreadable), self.specs, self.skipped,
                         self.rules.infos, __version__, notices=notices,
                         inputs=tuple(f.path for f in files if f.path != "-"), checked=tuple(checked))

    def reported(self, identity: str) -> bool:
        return self.options.report_only is None or identity in self.options.report_only

    def check_files(self, files: list[FileId]) -> None:
        import gc

        keep_repo = bool(self.rules.repo_rules)
        jobs = max(1, self.options.jobs)
        if jobs > 1 and len(files) >= 2 * jobs and all(f.path != "-" for f in files):
            from .workers import check_parallel

            by_path = {f.path: f for f in files}

            def lost(path: str, reason: str) -> None:
                self.fold(_alone("CHECK-ABORTED", by_path[path], f"`{by_path[path].shown}` was not checked: {reason}"))

            check_parallel([f.path for f in files], jobs,
                           lambda p: check_file(by_path[p], self.rules, self.options, keep_repo), self.fold, lost,
                           self.progress)
            return
        for i, f in enumerate(files):
            self.fold(check_file(f, self.rules, self.options, keep_repo))
            if i % 4096 == 4095:
                gc.collect()  # in case some cycle (a rule's exception traceback) was made after all
            if self.progress:
                self.progress(i + 1, len(files))

    def repository_findings(self) -> list[Finding]:
        from .repository import run_repository_rules

        found = run_repository_rules(self.rules, self.entries, self.documents_of)
        return [f for f in found if self.reported(f.path)]

    def documents_of(self, file: FileId) -> dict[int, Any] | None:
        """A checked file's documents, read again (bounded): repository findings are located one file at a time."""
        from ..files import FileRefused, read_bounded
        from ..loader import Limits, load_bytes

        limits = self.options.limits or Limits()
        try:
            data = (self.options.stdin or b"") if file.path == "-" else read_bounded(file.path, limits.max_bytes)
        except FileRefused:
            return None
        return {d.index: d for d in load_bytes(data, file.path, limits).documents}

    def passes(self, reported: list[FileId], waivers: list[Any] | None, baseline: Any) -> list[Any]:
        from .passes import baseline_pass, ramp_pass, suppression_pass, waiver_pass

        out = [suppression_pass(self.commented, self.rules, self.options.require_suppression_reason)]
        if self.rules.ramps:
            out.insert(0, ramp_pass(self.rules, self.options.as_of))
        if waivers is not None and self.options.waivers:
            out.append(waiver_pass(waivers, self.file_id(self.options.waivers), self.rules, reported, self.services,
                                   self.options.as_of, self.options.warn_expiring_within))
        if baseline is not None and self.options.baseline:
            out.append(baseline_pass(baseline, self.file_id(self.options.baseline), self.rules,
                                     {f.identity for f in reported}))
        return out


def _ramp_notices(rules: RuleSet, options: EngineOptions, findings: list[Finding]) -> list[str]:
    """With --warn-expiring-within DAYS, the rules whose dated ramp ends within DAYS days (like expiring
    waivers: a date that will change what fails the run)."""
    within = options.warn_expiring_within
    if within is None or not rules.ramps:
        return []
    out = []
    for rule_id, ramp in sorted(rules.ramps.items(), key=lambda item: (item[1].day, item[0])):
        days = (ramp.day - options.as_of).days
        if 0 < days <= within and ramp.severity > Severity.INFO:  # an info rule has nothing lower to leave
            count = sum(1 for f in findings if f.rule == rule_id and f.suppressed is None)
            out.append(f"rule {rule_id} is enforced as {ramp.severity.label} from {ramp.day.isoformat()} (in {days} "
                       f"day{'' if days == 1 else 's'}); {count} finding{'' if count == 1 else 's'} of it "
                       f"{'is' if count == 1 else 'are'} reported one severity lower until then")
    return out


def _cache_notices() -> list[str]:
    """Why the compiled-policy cache was not used (a directory another user can write, …): handed to the
    caller with the run's results, never printed here. Commands that load rules without a run (`rules`,
    `explain`, `test`) leave them queued for the command line to print."""
    from ..cache import cache_warnings

    return [line.removeprefix("usm-rules: ") for line in cache_warnings()]


def _alone(rule: str, file: FileId, message: str) -> FileResult:
    """The result of a file that could not be checked at all: one finding at its first line."""
    return FileResult([file_finding(engine_codes()[rule], file, message)], file=file)

"""Baselines: the findings accepted as they are, so that only new findings are reported.

A baseline counts. Findings that share a fingerprint (several of one rule at one node) are recorded once,
with how many there were; a run hides that many and reports the rest, so a new one beyond the baselined
count is never hidden with the old ones. Fingerprints do not depend on lines or layout (see
findings.fingerprint), so re-formatting or re-ordering a spec keeps its baseline valid.

Format 2 (JSON, written sorted and deterministic, one entry a line)::

    {
      "tool": "usm-rules",
      "version": "0.2.0",
      "format_version": 2,
      "findings": [
        {"fingerprint": "3f…", "rule": "USM-010", "file": "specs/heating.yaml", "pointer": "/customers/0", "count": 2}
      ]
    }

`file` is the project-relative posix path (`Finding.path`), `pointer` the JSON Pointer; both are for people
and for BASELINE-STALE messages, matching is by fingerprint. A format 1 file (before counts, when
fingerprints still depended on how a path was typed) is refused with a message to run `usm-rules baseline
update`, since its entries could silently hide or show the wrong findings.

Reading: through the bounded door (a regular file, at most `BASELINE_LIMIT` bytes), parsed by the spec
loader's JSON reader (duplicate keys, NaN, lone surrogates and over-long integers are located errors), then
every entry is checked; each problem is a located error (`file:line:col` and a caret), all at once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from .config import DocumentChecker, canonical_rule_id, is_rule_id, loader_errors, read_user_file
from .config.wording import show as _show
from .errors import ConfigError, Located
from .findings import Finding, RuleInfo, Severity
from .suggest import did_you_mean
from .textsafe import visible

CODES = (
    RuleInfo("BASELINE-STALE", Severity.INFO, "Baseline entry still matches a finding", "engine",
             "A baseline entry whose finding is gone (for a file this run checked and a rule that ran); refresh the "
             "baseline with `usm-rules baseline update`.", example="a finding recorded in the baseline, then fixed"),
    RuleInfo("BASELINE-UNKNOWN-RULE", Severity.INFO, "Baseline entries name rules in force", "engine",
             "Baseline entries whose rule no loaded policy defines, or that the config switches off, can never match "
             "a finding; one finding per such rule, at its first entry. Refresh the baseline with `usm-rules "
             "baseline update`. Rules left out by `--select`/`--ignore` on the command line do not count.",
             example="a baseline recorded while `USM-099` existed, checked after it was removed"),
)

FORMAT_VERSION = 2
# About 150 bytes an entry: room for 400,000 entries (10,000 specs with 40 findings each), while reading it
# (bytes, text and parsed entries) stays well under a gigabyte.
BASELINE_LIMIT = 64 * 1024 * 1024
MAX_COUNT = 1_000_000_000
_TOP_KEYS = ("tool", "version", "format_version", "findings")
_ENTRY_KEYS = ("fingerprint", "rule", "file", "pointer", "count")


@dataclass(frozen=True, slots=True)
class Entry:
    """One baseline entry: `count` findings of one fingerprint; `location` is where it is written."""

    fingerprint: str
    rule: str
    file: str
    pointer: str
    count: int
    location: Located  # message "": dataclasses.replace(location, message=...) to point at it


class Baseline:
    """The accepted findings of a baseline file, consumed one finding at a time by a run."""

    def __init__(self, path: str, entries: Iterable[Entry]) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {e.fingerprint: e for e in entries}
        self._left = {fp: e.count for fp, e in self.entries.items()}

    @classmethod
    def load(cls, path: str) -> "Baseline":
        """Read and check the baseline at `path`; any problem is a ConfigError (exit 2), located."""
        return cls(path, _read(path))

    def take(self, fingerprint: str) -> bool:
        """True (and one fewer left) if the baseline still accepts a finding with this fingerprint."""
        left = self._left.get(fingerprint, 0)
        if left <= 0:
            return False
        self._left[fingerprint] = left - 1
        return True

    def remaining(self) -> list[tuple[Entry, int]]:
        """Entries not fully matched, with how many of their findings were not seen, in file order."""
        out = [(e, self._left[fp]) for fp, e in self.entries.items() if self._left[fp] > 0]
        out.sort(key=lambda item: (item[0].location.line, item[0].location.column))
        return out

    def __len__(self) -> int:
        return len(self.entries)


def stale_message(entry: Entry, left: int) -> str:
    """The BASELINE-STALE message for an entry of which `left` findings were not seen."""
    where = f"baseline entry {entry.rule} at `{entry.file}{entry.pointer}`"
    if left >= entry.count:
        recorded = f" (it records {entry.count})" if entry.count > 1 else ""
        return f"{where} matches no finding any more{recorded}"
    return f"{where} records {entry.count} findings; {left} of them {'is' if left == 1 else 'are'} gone"


def render(findings: list[Finding], tool_version: str) -> str:
    """A format-2 baseline of the active (unsuppressed) findings: sorted, one entry a line, byte-stable."""
    counts: dict[str, list[Any]] = {}
    for f in findings:
        if f.suppressed is not None:
            continue
        entry = counts.get(f.fingerprint)
        if entry is None:
            # `file` and `pointer` are for people: shown as text reports show them (a name that is not
            # UTF-8 must not make the baseline unreadable).
            counts[f.fingerprint] = [visible(f.path), f.rule, visible(f.pointer), f.fingerprint, 1]
        else:
            entry[4] += 1
    rows = sorted(counts.values())
    lines = [json.dumps({"fingerprint": fp, "rule": rule, "file": file, "pointer": pointer, "count": count},
                        ensure_ascii=False) for file, rule, pointer, fp, count in rows]
    head = (f'{{\n  "tool": "usm-rules",\n  "version": {json.dumps(tool_version)},\n'
            f'  "format_version": {FORMAT_VERSION},\n  "findings": [')
    if not lines:
        return head + "]\n}\n"
    return head + "\n    " + ",\n    ".join(lines) + "\n  ]\n}\n"


# --- reading ---------------------------------------------------------------------------------------------


def _read(path: str) -> list[Entry]:
    from .loader import Limits, load_bytes

    data = read_user_file(path, "the baseline", BASELINE_LIMIT)
    source = data.decode("utf-8-sig", "replace")
    # The loader picks JSON by the name; a baseline is JSON whatever it is called.
    loaded = load_bytes(data, "baseline.json", Limits(max_bytes=BASELINE_LIMIT, max_depth=16,
                                                      max_nodes=BASELINE_LIMIT))
    problems = loader_errors(path, source, loaded.problems)
    if problems:
        raise ConfigError(problems[:DocumentChecker.most])
    if not loaded.documents:
        raise ConfigError([Located(path, 1, 1, "the baseline is empty " + _REMEDY.format(path=path))])
    checker = _Checker(path, source, loaded.documents[0])
    entries = checker.read()
    checker.raise_problems()
    return entries


_REMEDY = "(write a new one with `usm-rules baseline update {path}`)"


class _Checker(DocumentChecker):
    """Checks the document of a baseline file, collecting located problems."""

    def read(self) -> list[Entry]:
        top = self.doc.data
        if type(top) is not dict:
            self.err((), "not a usm-rules baseline: a baseline is a JSON object with `format_version` and "
                         "`findings` " + _REMEDY.format(path=self.path))
            return []
        version = top.get("format_version")
        if type(version) is not int or version != FORMAT_VERSION:
            self.err(("format_version",) if "format_version" in top else (), self._version_problem(version))
            return []
        for key in top:
            if key not in _TOP_KEYS:
                self.err((key,), f"unknown key {_show(key)} in the baseline{did_you_mean(key, _TOP_KEYS)}")
        findings = top.get("findings")
        if type(findings) is not list:
            self.err(("findings",) if "findings" in top else (), "`findings` must be a list of entries")
            return []
        entries: list[Entry] = []
        first: dict[str, int] = {}
        for i, item in enumerate(findings):
            entry = self.entry(i, item)
            if entry is None:
                continue
            if entry.fingerprint in first:
                self.err(("findings", i, "fingerprint"), f"entry {i + 1} repeats the fingerprint of entry "
                                                         f"{first[entry.fingerprint] + 1}")
                continue
            first[entry.fingerprint] = i
            entries.append(entry)
        return entries

    def _version_problem(self, version: object) -> str:
        if version is None:
            return "not a usm-rules baseline: it has no `format_version` " + _REMEDY.format(path=self.path)
        if type(version) is int and version == 1:
            return ("this baseline has format 1, which recorded no counts and fingerprints that depended on how "
                    "paths were typed; " + _REMEDY.format(path=self.path)[1:-1])
        return (f"`format_version` {_show(version)} is not one this usm-rules reads (it reads {FORMAT_VERSION}) "
                + _REMEDY.format(path=self.path))

    def entry(self, i: int, item: object) -> Entry | None:
        where = ("findings", i)
        if type(item) is not dict:
            self.err(where, f"entry {i + 1} must be an object with {_keys(_ENTRY_KEYS)}")
            return None
        before = len(self.problems)
        for key in item:
            if key not in _ENTRY_KEYS:
                self.err(where + (key,), f"unknown key {_show(key)} in entry {i + 1}{did_you_mean(key, _ENTRY_KEYS)}")
        missing = [key for key in _ENTRY_KEYS if key not in item]
        if missing:
            self.err(where, f"entry {i + 1} lacks {_keys(missing)}")
        for key in _ENTRY_KEYS:
            if key in item:
                self.field(i, key, item[key])
        if len(self.problems) == before and not is_rule_id(item["rule"]):
            self.err(where + ("rule",), f"`rule` of entry {i + 1} is not a rule id: {_show(item['rule'])}")
        if len(self.problems) > before:
            return None
        return Entry(item["fingerprint"], canonical_rule_id(item["rule"]), item["file"], item["pointer"],
                     item["count"], self.at(where))


    def field(self, i: int, key: str, value: object) -> None:
        """Check the value of one known key of entry `i`."""
        where = ("findings", i, key)
        if key == "count":
            if type(value) is not int or not 1 <= value <= MAX_COUNT:
                self.err(where, f"`count` of entry {i + 1} must be an integer from 1 to {MAX_COUNT:,}, "
                                f"got {_show(value)}")
        elif type(value) is not str or (key in ("fingerprint", "rule") and not value):
            kind = "a non-empty string" if key in ("fingerprint", "rule") else "a string"
            self.err(where, f"`{key}` of entry {i + 1} must be {kind}, got {_json_kind(value)}")
        elif not _is_text(value):
            self.err(where, f"`{key}` of entry {i + 1} holds a lone UTF-16 surrogate, which is not a character")


def _is_text(value: str) -> bool:
    """False for a string with a lone surrogate (`"\\ud800"` in JSON), which no UTF-8 output can hold."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _keys(names: Iterable[str]) -> str:
    items = [f"`{n}`" for n in names]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _json_kind(value: object) -> str:
    """What a JSON value is, for a message (values themselves may be huge)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return _show(value)

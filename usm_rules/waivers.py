"""Waivers: accountable, expiring exceptions kept in a YAML file apart from the specs.

    waivers:
      - rule: USM-010
        service: svc-heating          # or `file: "specs/legacy/*.yaml"` (a glob on the project-relative path)
        pointer: /customers/0         # optional: this node and everything below it
        reason: "Provider growth plan agreed with HR until the new contract"
        approvedBy: service-board
        ticket: CHG-1                 # optional
        expires: "2027-01-31"         # the last day the waiver holds

A live waiver suppresses the findings it matches. From the day after `expires` (by `--as-of` or today) it
no longer does, and WAIVER-EXPIRED names it; WAIVER-EXPIRING announces expiry within a chosen number of days;
a live waiver that matches nothing is WAIVER-UNUSED. A malformed file is a located error (exit 2).

`rule` is a full rule id in any case (`usm-010` is `USM-010`); whether a rule of that id exists is for the
engine to say once the policies are loaded, at `Waiver.rule_location`. `file` is a glob (`fnmatch`: `*` also
matches `/`) on the finding's path relative to the project root, posix (`Finding.path`); a leading `./` is
dropped, and an absolute glob is an error, since it could never match.

The file is read once, through the bounded door (`files.read_bounded`: a regular file, at most
`TEXT_FILE_LIMIT` bytes), and loaded by the spec loader with tight limits (`WAIVER_LIMITS`), so invalid
UTF-8, NUL bytes, 100,000-deep nesting, alias bombs and 5,000-digit integers are located errors too.
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from .config import DocumentChecker, canonical_rule_id, is_rule_id, loader_errors, read_user_file
from .config.wording import show as _show
from .errors import ConfigError, Located, located
from .files import TEXT_FILE_LIMIT
from .findings import RuleInfo, Severity, Span
from .loader import Limits
from .suggest import did_you_mean

CODES = (
    RuleInfo("WAIVER-EXPIRED", Severity.WARNING, "Waiver has not expired", "engine",
             "An expired waiver no longer suppresses its findings; renew it with a new approval or fix the specs.",
             example="a waiver with `expires: \"2026-01-31\"` on a run on 2026-02-01"),
    RuleInfo("WAIVER-EXPIRING", Severity.INFO, "Waiver is not about to expire", "engine",
             "Announces, with `--warn-expiring-within DAYS`, the waivers in use that expire within that many days.",
             example="`--warn-expiring-within 30` and a waiver that expires in 10 days"),
    RuleInfo("WAIVER-UNUSED", Severity.WARNING, "Waiver matches a finding", "engine",
             "A live waiver that matches no finding, although its rule ran and its file or service was checked, is "
             "stale; remove it from the waivers file.", example="a waiver for a finding that was fixed"),
    RuleInfo("WAIVER-UNKNOWN-RULE", Severity.WARNING, "Waiver names a rule in force", "engine",
             "A waiver whose rule no loaded policy defines (removed, renamed or misspelt) or that the config switches "
             "off (`severity = \"off\"`, the config's `select`/`ignore`) can never be used; remove or correct it. "
             "Rules left out by `--select`/`--ignore` on the command line are a partial run and do not count.",
             example="a waiver for `USM-099` when no policy defines it, or for a rule with `severity = \"off\"`"),
)

_REQUIRED = ("rule", "reason", "approvedBy", "expires")
_KNOWN = ("rule", "service", "file", "pointer", "reason", "approvedBy", "ticket", "expires")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A waivers file is a mapping of a list of flat mappings: depth 3; anything far deeper is not a waivers file.
WAIVER_LIMITS = Limits(max_bytes=TEXT_FILE_LIMIT, max_depth=16, max_nodes=1_000_000)


@dataclass
class Waiver:
    index: int
    rule: str                 # upper case
    service: str | None
    file_glob: str | None     # matched against Finding.path (project-relative, posix)
    pointer: str | None
    reason: str
    approved_by: str
    ticket: str | None
    expires: _dt.date
    span: Span                # the waiver's entry in the waivers file
    used: bool = False
    # Where the `rule:` value is written (message ""): `dataclasses.replace(w.rule_location, message=...)`.
    rule_location: Located | None = None

    def matches(self, rule: str, service: str | None, file: str, pointer: str) -> bool:
        """Whether a finding (`file` = its project-relative path) is covered, live or expired."""
        if rule != self.rule:
            return False
        if self.service is not None and service != self.service:
            return False
        if not self.could_match_file(file):
            return False
        if self.pointer is not None and not (pointer == self.pointer or pointer.startswith(self.pointer.rstrip("/") + "/")):
            return False
        return True

    def could_match_file(self, path: str) -> bool:
        """Whether a finding in the file at `path` (project-relative, posix) could match this waiver: its
        `file` glob matches the path, or it names a service (which any file may hold)."""
        return self.file_glob is None or fnmatch.fnmatchcase(path, self.file_glob)

    def describe(self) -> str:
        target = f"service `{self.service}`" if self.service else f"files `{self.file_glob}`"
        where = f" at `{self.pointer}`" if self.pointer else ""
        return f"waiver {self.index + 1} ({self.rule} on {target}{where})"

    def note(self) -> str:
        ticket = f", {self.ticket}" if self.ticket else ""
        return f"waiver: {self.reason} (approved by {self.approved_by}{ticket}, until {self.expires.isoformat()})"


def load_waivers(path: str) -> list[Waiver]:
    """Read and validate a waivers file; every problem is reported at once, located."""
    from .loader import load_bytes

    data = read_user_file(path, "the waivers file")
    loaded = load_bytes(data, path, WAIVER_LIMITS)
    source = data.decode("utf-8-sig", "replace")
    problems = loader_errors(path, source, loaded.problems)
    if problems:
        raise ConfigError(problems[:DocumentChecker.most])
    docs = [d for d in loaded.documents if d.data is not None]
    if len(docs) != 1 or type(docs[0].data) is not dict:
        raise ConfigError([located(path, source, 1, 1, "a waivers file holds one mapping with a `waivers:` list")])
    reader = _Reader(path, source, docs[0])
    waivers = reader.read()
    reader.raise_problems()
    return waivers


class _Reader(DocumentChecker):
    """Validates the one document of a waivers file, collecting located problems."""

    def read(self) -> list[Waiver]:
        top = self.doc.data
        for key in top:
            if key != "waivers":
                self.err((key,), f"unknown key {_shown_key(key)}: a waivers file has only `waivers:`")
        entries = top.get("waivers")
        if type(entries) is not list:
            self.err(("waivers",) if "waivers" in top else (), "`waivers` must be a list of waivers")
            return []
        out = []
        for i, entry in enumerate(entries):
            waiver = self.entry(i, entry)
            if waiver is not None:
                out.append(waiver)
        return out

    def entry(self, i: int, entry: Any) -> Waiver | None:
        where = ("waivers", i)
        if type(entry) is not dict:
            self.err(where, f"waiver {i + 1} must be a mapping")
            return None
        before = len(self.problems)
        for key in entry:
            if key not in _KNOWN:
                hint = did_you_mean(key, _KNOWN) if type(key) is str else ""
                self.err(where + (key,), f"unknown key {_shown_key(key)} in waiver {i + 1}{hint}")
        for key in _REQUIRED:
            if key not in entry:
                self.err(where, f"waiver {i + 1} is missing `{key}`")
        for key in _KNOWN:
            if key in entry and (type(entry[key]) is not str or not entry[key].strip()):
                self.err(where + (key,), f"`{key}` of waiver {i + 1} must be a non-empty string")
        if ("service" in entry) == ("file" in entry):
            self.err(where, f"waiver {i + 1} needs exactly one of `service` or `file`")
        if len(self.problems) > before:
            return None
        return self.values(i, entry)

    def values(self, i: int, entry: dict[str, str]) -> Waiver | None:
        """The waiver of an entry whose keys are all present and strings; None after recording a problem."""
        where = ("waivers", i)
        before = len(self.problems)
        if not is_rule_id(entry["rule"]):
            self.err(where + ("rule",), f"`rule` of waiver {i + 1} is not a rule id (such as `USM-010`): "
                                        f"{_show(entry['rule'])}")
        expires = None
        if _DATE.fullmatch(entry["expires"]):
            try:
                expires = _dt.date.fromisoformat(entry["expires"])
            except ValueError:
                pass
        if expires is None:
            self.err(where + ("expires",), f"`expires` of waiver {i + 1} must be a date written YYYY-MM-DD")
        if "pointer" in entry and not entry["pointer"].startswith("/"):
            self.err(where + ("pointer",), "`pointer` is a JSON Pointer and starts with `/`")
        glob = entry.get("file")
        if glob is not None:
            glob = _project_glob(glob)
            if glob.startswith("/"):
                self.err(where + ("file",), f"`file` of waiver {i + 1} is matched against paths relative to the "
                                            "project root; an absolute path never matches")
        if len(self.problems) > before or expires is None:
            return None
        span, _ = self.doc.locate(where)
        return Waiver(i, canonical_rule_id(entry["rule"]), entry.get("service"), glob, entry.get("pointer"),
                      entry["reason"], entry["approvedBy"], entry.get("ticket"), expires, span,
                      rule_location=self.at(where + ("rule",)))


def _project_glob(glob: str) -> str:
    """A `file` glob as project-relative paths are spelled: no leading `./`."""
    while glob.startswith("./"):
        glob = glob[2:]
    return glob


def _shown_key(key: object) -> str:
    """A mapping key for a message: strings in backticks, anything else (YAML allows it) as written."""
    return f"`{key}`" if type(key) is str and len(key) <= 40 else _show(key)


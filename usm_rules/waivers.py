"""Waivers: accountable, expiring exceptions kept in a YAML file apart from the specs.

    waivers:
      - rule: USM-010
        service: svc-heating          # or `file: "specs/legacy/*.yaml"` (a glob on the finding's file)
        pointer: /customers/0         # optional: this node and everything below it
        reason: "Provider growth plan agreed with HR until the new contract"
        approvedBy: service-board
        ticket: CHG-1                 # optional
        expires: "2027-01-31"         # the last day the waiver holds

A live waiver suppresses the findings it matches. From the day after `expires` (by `--as-of` or today) it
no longer does, and WAIVER-EXPIRED names it; WAIVER-EXPIRING announces expiry within a chosen number of days;
a live waiver that matches nothing is WAIVER-UNUSED. A malformed file is a located error (exit 2).
"""
from __future__ import annotations

import datetime as _dt
import fnmatch
import re
from dataclasses import dataclass

from .errors import ConfigError, Located, located

_REQUIRED = ("rule", "reason", "approvedBy", "expires")
_KNOWN = ("rule", "service", "file", "pointer", "reason", "approvedBy", "ticket", "expires")
_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9A-Z-]+")


@dataclass
class Waiver:
    index: int
    rule: str
    service: str | None
    file_glob: str | None
    pointer: str | None
    reason: str
    approved_by: str
    ticket: str | None
    expires: _dt.date
    line: int
    column: int
    end_line: int
    end_column: int
    used: bool = False

    def matches(self, rule: str, service: str | None, file: str, pointer: str) -> bool:
        if rule != self.rule:
            return False
        if self.service is not None and service != self.service:
            return False
        if self.file_glob is not None and not fnmatch.fnmatchcase(file, self.file_glob):
            return False
        if self.pointer is not None and not (pointer == self.pointer or pointer.startswith(self.pointer.rstrip("/") + "/")):
            return False
        return True

    def describe(self) -> str:
        target = f"service `{self.service}`" if self.service else f"files `{self.file_glob}`"
        where = f" at `{self.pointer}`" if self.pointer else ""
        return f"waiver {self.index + 1} ({self.rule} on {target}{where})"

    def note(self) -> str:
        ticket = f", {self.ticket}" if self.ticket else ""
        return f"waiver: {self.reason} (approved by {self.approved_by}{ticket}, until {self.expires.isoformat()})"


def load_waivers(path: str) -> list[Waiver]:
    """Read and validate a waivers file; every problem is reported at once, located."""
    from .loader import load_path

    loaded = load_path(path)
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as fh:
            source: str | None = fh.read()
    except OSError:
        source = None
    problems: list[Located] = [located(path, source, p.span.line, p.span.column, p.message) for p in loaded.problems]
    if problems:
        raise ConfigError(problems)
    docs = [d for d in loaded.documents if d.data is not None]
    if len(docs) != 1 or type(docs[0].data) is not dict:
        raise ConfigError([located(path, source, 1, 1, "a waivers file holds one mapping with a `waivers:` list")])
    doc = docs[0]

    def err(parts: tuple, message: str) -> None:
        span, _ = doc.locate(parts)
        length = span.end_column - span.column if span.end_line == span.line else 1
        problems.append(located(path, source, span.line, span.column, message, max(1, length)))

    for key in doc.data:
        if key != "waivers":
            err((key,), f"unknown key `{key}`: a waivers file has only `waivers:`")
    entries = doc.data.get("waivers")
    if type(entries) is not list:
        err(("waivers",) if "waivers" in doc.data else (), "`waivers` must be a list of waivers")
        raise ConfigError(problems)
    out: list[Waiver] = []
    for i, entry in enumerate(entries):
        where = ("waivers", i)
        if type(entry) is not dict:
            err(where, f"waiver {i + 1} must be a mapping")
            continue
        ok = True
        for key in entry:
            if key not in _KNOWN:
                import difflib

                close = difflib.get_close_matches(str(key), _KNOWN, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                err(where + (key,), f"unknown key `{key}` in waiver {i + 1}{hint}")
                ok = False
        for key in _REQUIRED:
            if key not in entry:
                err(where, f"waiver {i + 1} is missing `{key}`")
                ok = False
        for key in _KNOWN:
            if key in entry and (type(entry[key]) is not str or not entry[key].strip()):
                err(where + (key,), f"`{key}` of waiver {i + 1} must be a non-empty string")
                ok = False
        if ("service" in entry) == ("file" in entry):
            err(where, f"waiver {i + 1} needs exactly one of `service` or `file`")
            ok = False
        if ok and not _RULE_ID.fullmatch(entry["rule"]):
            err(where + ("rule",), f"`{entry['rule']}` is not a rule id")
            ok = False
        expires = None
        if ok:
            try:
                expires = _dt.date.fromisoformat(entry["expires"])
            except ValueError:
                err(where + ("expires",), f"`expires` of waiver {i + 1} must be a date written YYYY-MM-DD")
                ok = False
        if ok and "pointer" in entry and not entry["pointer"].startswith("/"):
            err(where + ("pointer",), "`pointer` is a JSON Pointer and starts with `/`")
            ok = False
        if not ok or expires is None:
            continue
        span, _ = doc.locate(where)
        out.append(Waiver(i, entry["rule"], entry.get("service"), entry.get("file"), entry.get("pointer"),
                          entry["reason"], entry["approvedBy"], entry.get("ticket"), expires, span.line, span.column,
                          span.end_line, span.end_column))
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line, p.column)))
    return out

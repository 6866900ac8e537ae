"""Dated enforcement ramps: a rule that reports one severity lower until the date it is enforced from.

A rule says `enforce_from "2027-01-01"` (enforced on and after that date) or `warn_until "2026-12-31"` (the
same ramp, ending after that date: `warn_until D` is `enforce_from D + 1 day`); `[rules.ID]` in config can set
either for any rule. Before the date (`--as-of` governs) a finding is one severity lower — error -> warning,
warning -> info, info stays info — and its message says when it takes its full severity. One module for the
idea, read by the policy language, the config reader and the engine.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from .findings import Severity

KEYWORDS = ("enforce_from", "warn_until")


def parse_day(text: object) -> _dt.date | None:
    """A date written YYYY-MM-DD (a TOML date too), or None."""
    if type(text) is _dt.date:
        return text
    if type(text) is not str or len(text) != 10 or text[4] != "-" or text[7] != "-" \
            or not (text[:4] + text[5:7] + text[8:]).isdigit():
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def enforcement_day(enforce_from: _dt.date | None, warn_until: _dt.date | None) -> tuple[_dt.date | None, str]:
    """The day a ramp ends (the rule is enforced from), from either or both keys; when both are given they
    must agree (`warn_until` the day before `enforce_from`), else the second value is why not."""
    if warn_until is not None:
        day = warn_until + _dt.timedelta(days=1)
        if enforce_from is not None and enforce_from != day:
            return enforce_from, (f"`warn_until \"{warn_until.isoformat()}\"` and `enforce_from "
                                  f"\"{enforce_from.isoformat()}\"` disagree: warnings until a day mean enforcement "
                                  f"from the next ({day.isoformat()}); give one of them")
        return day, ""
    return enforce_from, ""


@dataclass(frozen=True, slots=True)
class Ramp:
    """A rule's schedule: its full severity (as configured) from `day`."""

    day: _dt.date
    severity: Severity

    def active(self, as_of: _dt.date) -> bool:
        """True while the ramp holds the rule one severity lower."""
        return as_of < self.day

    def to_dict(self) -> dict[str, str]:
        return {"from": self.day.isoformat(), "severity": self.severity.label}

    def describe(self) -> str:
        """`warning until 2026-12-31, error from 2027-01-01`."""
        before = lowered(self.severity)
        until = (self.day - _dt.timedelta(days=1)).isoformat()
        return f"{before.label} until {until}, {self.severity.label} from {self.day.isoformat()}"


def lowered(severity: Severity) -> Severity:
    """One severity lower; info is the lowest and stays info."""
    return Severity(max(Severity.INFO, severity - 1))


def suffix(severity: Severity, day: _dt.date) -> str:
    """What a ramped finding's message ends with."""
    article = {"error": "an error", "warning": "a warning", "info": "info"}[severity.label]
    return f" (becomes {article} on {day.isoformat()})"

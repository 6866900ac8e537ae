"""Inline suppressions written in spec files as YAML comments.

    # usm-rules: ignore[USM-010,CEMM-007] reason …      on a node's line, or alone on the line before it
    # usm-rules: ignore-file[CEMM-006] reason …         anywhere: the whole file

A suppressed finding is kept and marked (reporters show it as suppressed); a suppression that matches no
finding of a rule that ran is itself reported (SUPPRESSION-UNUSED), and so is one that names no known rule
or, when config requires it, gives no reason (SUPPRESSION-INVALID).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_COMMENT = re.compile(r"(?:^|\s)#\s*usm-rules:\s*(ignore-file|ignore)\s*\[([^\]]*)\]\s*(.*)$")
_MENTION = re.compile(r"#\s*usm-rules:")


@dataclass
class Suppression:
    line: int  # the comment's line
    column: int  # the `#`
    end_column: int
    file_level: bool
    own_line: bool  # the comment stands alone on its line (so it covers the next line)
    rules: tuple[str, ...]
    reason: str
    used: set[str] = field(default_factory=set)

    def covers(self, rule: str, line: int) -> bool:
        if rule not in self.rules:
            return False
        if self.file_level:
            return True
        return line == self.line or (self.own_line and line == self.line + 1)


@dataclass
class Malformed:
    line: int
    column: int
    end_column: int
    message: str


def scan(text: str) -> tuple[list[Suppression], list[Malformed]]:
    """Every `# usm-rules:` comment of a file (a cheap substring test first: most files have none)."""
    if "usm-rules:" not in text:
        return [], []
    found: list[Suppression] = []
    bad: list[Malformed] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "usm-rules:" not in line:
            continue
        match = _COMMENT.search(line)
        if match is None:
            mention = _MENTION.search(line)
            if mention:
                bad.append(Malformed(number, mention.start() + 1, len(line) + 1,
                                     "cannot read this `usm-rules:` comment; write "
                                     "`# usm-rules: ignore[RULE-ID] reason` or `ignore-file[RULE-ID] reason`"))
            continue
        hash_at = line.index("#", match.start())
        rules = tuple(r.strip() for r in match.group(2).split(",") if r.strip())
        own_line = not line[:hash_at].strip()
        if not rules:
            bad.append(Malformed(number, hash_at + 1, len(line) + 1, "this suppression names no rule"))
            continue
        found.append(Suppression(number, hash_at + 1, len(line.rstrip()) + 1, match.group(1) == "ignore-file",
                                 own_line, rules, match.group(3).strip()))
    return found, bad

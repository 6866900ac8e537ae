"""Inline suppressions written in spec files as YAML comments.

    # usm-rules: ignore[USM-010,CEMM-007] reason …      on a node's line, or alone on the line before it
    # usm-rules: ignore-file[CEMM-006] reason …         anywhere: the whole file

A suppressed finding is kept and marked (reporters show it as suppressed); a suppression that matches no
finding of a rule that ran is itself reported (SUPPRESSION-UNUSED), and so is one that names no known rule
or, when config requires it, gives no reason (SUPPRESSION-INVALID).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Callable

from .findings import RuleInfo, Severity, Span

CODES = (
    RuleInfo("SUPPRESSION-UNUSED", Severity.WARNING, "Inline suppression is used", "engine",
             "A `# usm-rules: ignore[...]` comment that suppresses nothing would hide a future finding nobody "
             "decided to accept; remove it.", example="`# usm-rules: ignore[USM-010]` on a line with no USM-010 finding"),
    RuleInfo("SUPPRESSION-INVALID", Severity.WARNING, "Inline suppression is well-formed", "engine",
             "A suppression must be readable, name known rules, and give a reason when the config requires one "
             "(`[suppressions] require_reason`).", example="`# usm-rules: ignore[USM-01O]`"),
)

_COMMENT = re.compile(r"(?:^|\s)#\s*usm-rules:\s*(ignore-file|ignore)\s*\[([^\]]*)\]\s*(.*)$")
_MENTION = re.compile(r"#\s*usm-rules:")
_HASH = re.compile(r"(?:^|(?<=\s))#")


@dataclass
class Suppression:
    span: Span  # the comment, from its `#`
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
        return line == self.span.line or (self.own_line and line == self.span.line + 1)


@dataclass
class Malformed:
    span: Span
    message: str


def _scalar_spans(text: str) -> tuple[list[tuple[int, int, int, int]], tuple[int, int] | None]:
    """The (start line, start column, end line, end column) of every scalar the YAML scanner reads, 0-based,
    and where the scanner stopped if the text is not valid YAML (None when it read to the end)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spans: list[tuple[int, int, int, int]] = []
    try:
        for token in yaml.scan(text, Loader=loader):
            if isinstance(token, yaml.ScalarToken):
                spans.append((token.start_mark.line, token.start_mark.column, token.end_mark.line,
                              token.end_mark.column))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        return spans, (mark.line, mark.column) if mark is not None else (0, 0)
    return spans, None


def _comment_test(text: str) -> Callable[[int, int], bool]:
    """Whether a `#` at (line, column), 0-based, starts a real YAML comment: not inside a quoted, plain or
    block scalar (`x-note: "see # usm-rules: …"` is text, not a comment), and not past a syntax error."""
    spans, stop = _scalar_spans(text)
    starts = [(a, b) for a, b, _, _ in spans]

    def is_comment(line: int, column: int) -> bool:
        if stop is not None and (line, column) >= stop:
            return False
        i = bisect.bisect_right(starts, (line, column)) - 1
        if i >= 0:
            _, _, end_line, end_column = spans[i]
            if (line, column) < (end_line, end_column):
                return False
        return True

    return is_comment


def scan(text: str, *, json: bool = False) -> tuple[list[Suppression], list[Malformed]]:
    """Every `# usm-rules:` comment of a file (a cheap substring test first: most files have none). JSON has
    no comments, so a JSON file has no suppressions."""
    if json or "usm-rules:" not in text:
        return [], []
    found: list[Suppression] = []
    bad: list[Malformed] = []
    is_comment: Callable[[int, int], bool] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if "usm-rules:" not in line:
            continue
        if _MENTION.search(line) is None:
            continue
        if is_comment is None:
            is_comment = _comment_test(text)
        hash_at = next((m.start() for m in _HASH.finditer(line) if is_comment(number - 1, m.start())), None)
        mention = None if hash_at is None else _MENTION.search(line, hash_at)
        if mention is None:
            continue  # the mention is inside a string, not in a comment
        line = line[:hash_at].replace("#", " ") + line[hash_at:]
        match = _COMMENT.search(line)
        if match is None:
            if mention:
                bad.append(Malformed(Span(number, mention.start() + 1, number, len(line) + 1),
                                     "cannot read this `usm-rules:` comment; write "
                                     "`# usm-rules: ignore[RULE-ID] reason` or `ignore-file[RULE-ID] reason`"))
            continue
        hash_at = line.index("#", match.start())
        rules = tuple(r.strip() for r in match.group(2).split(",") if r.strip())
        own_line = not line[:hash_at].strip()
        if not rules:
            bad.append(Malformed(Span(number, hash_at + 1, number, len(line) + 1), "this suppression names no rule"))
            continue
        found.append(Suppression(Span(number, hash_at + 1, number, len(line.rstrip()) + 1),
                                 match.group(1) == "ignore-file", own_line, rules, match.group(3).strip()))
    return found, bad

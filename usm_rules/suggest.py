"""`did you mean`: the one suggestion builder for every unknown name the tool reports (a field of the spec,
a function, a config key, a rule id, a test-file key).

The closest candidate wins, compared case-insensitively with `_` and `-` read alike: first one whose
spelling is the same, then the fewest edits (Damerau–Levenshtein: an insertion, deletion, substitution or
swap of two neighbours is one edit; at most 1 edit for words of up to 3 characters, 2 for longer ones), ties
broken by how alike the differing characters look (`0`/`O`, `1`/`l`/`I`, so `USM-0l0` means `USM-010`, not
`USM-020`), then by the candidates' order. When no candidate is that close, difflib's similarity ratio (at
least 0.6) still finds a long word with several slips.
"""
from __future__ import annotations

from typing import Iterable

# Characters that are easy to mistake for each other when read or typed (compared lower-cased).
_LOOK_ALIKE = (frozenset("o0"), frozenset("il1"))
_NEAR = 1  # the cost of substituting a look-alike, on the tie-breaking scale where a plain substitution is 2
_FAR = 2


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`"; did you mean `x`?"` for the candidate closest to `word`, or "" when none is close."""
    best = closest(word, candidates)
    return f"; did you mean `{best}`?" if best is not None else ""


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate `did_you_mean` would suggest, or None."""
    options = [c for c in dict.fromkeys(candidates) if isinstance(c, str)]
    if not options or not isinstance(word, str):
        return None
    wanted = _normal(word)
    limit = 1 if len(wanted) <= 3 else 2
    best: tuple[int, int, int] | None = None
    choice = None
    for order, option in enumerate(options):
        edits, looks = _distance(wanted, _normal(option), limit)
        if edits <= limit and edits < len(wanted) and (best is None or (edits, looks, order) < best):
            best, choice = (edits, looks, order), option
    if choice is not None:
        return choice
    import difflib  # only when nothing is within a couple of edits

    by_normal = {}
    for option in options:
        by_normal.setdefault(_normal(option), option)
    match = difflib.get_close_matches(wanted, list(by_normal), n=1, cutoff=0.6)
    return by_normal[match[0]] if match else None


def _normal(text: str) -> str:
    return text.strip().lower().replace("_", "-")


def _substitution(a: str, b: str) -> int:
    if a == b:
        return 0
    return _NEAR if any(a in group and b in group for group in _LOOK_ALIKE) else _FAR


def _distance(a: str, b: str, limit: int) -> tuple[int, int]:
    """(edits, look-alike cost) of the cheapest way from `a` to `b`, minimising edits first.

    Damerau–Levenshtein in its optimal-string-alignment form, on (edits, cost) pairs compared in order.
    Words whose lengths differ by more than `limit` are not compared at all (returned as limit + 1 edits),
    so a long candidate list costs little.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1, 0
    inf = (len(a) + len(b) + 1, 0)
    prev2: list[tuple[int, int]] = []
    prev = [(j, _FAR * j) for j in range(len(b) + 1)]
    for i in range(1, len(a) + 1):
        row = [(i, _FAR * i)] + [inf] * len(b)
        for j in range(1, len(b) + 1):
            sub = _substitution(a[i - 1], b[j - 1])
            d_edit, d_cost = prev[j - 1]
            options = [(prev[j][0] + 1, prev[j][1] + _FAR), (row[j - 1][0] + 1, row[j - 1][1] + _FAR),
                       (d_edit + (sub > 0), d_cost + sub)]
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1] and a[i - 1] != a[i - 2]:
                t_edit, t_cost = prev2[j - 2]
                options.append((t_edit + 1, t_cost + _FAR))
            row[j] = min(options)
        prev2, prev = prev, row
    return prev[len(b)]

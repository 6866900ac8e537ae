"""Which documents of a spec file are service specs (DESIGN §2).

A document is a spec when it says `apiVersion: usm/v1` and `kind: ServiceSpecification`. One that only
*looks like* a spec is a near miss: our kind with another (or no) `apiVersion` — an old or future format —,
or our `apiVersion` with a `kind` that is missing or within two edits of `ServiceSpecification` — a typo.
A near miss is skipped like any other document, but with one `SPEC-SKIPPED` warning, so that a spec is never
left unchecked in silence. Everything else (`kind: ServiceCatalogue`, a CI workflow, a list) is not ours and
is skipped without a word.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .findings import RuleInfo, Severity
from .textsafe import visible

__all__ = ["API_VERSION", "KIND", "NearMiss", "is_spec", "near_miss", "edit_distance"]

CODES = (
    RuleInfo("SPEC-SKIPPED", Severity.WARNING, "Document that looks like a spec is one", "engine",
             "A document is checked only when it says `apiVersion: usm/v1` and `kind: ServiceSpecification`. One "
             "that comes close (our kind with another `apiVersion`, or our `apiVersion` with a `kind` within two "
             "edits of `ServiceSpecification`) is skipped with this warning, at the key to fix, so that a typo or an "
             "old format never leaves a spec unchecked in silence.",
             example="`kind: ServiceSpecifcation`, or `apiVersion: usm/v2`"),
)

API_VERSION = "usm/v1"
KIND = "ServiceSpecification"
MAX_EDITS = 2


@dataclass(frozen=True, slots=True)
class NearMiss:
    """Why a document that looks like a spec is skipped, and the top-level key the warning points at."""

    key: str  # "apiVersion" or "kind"
    message: str


def is_spec(data: Any) -> bool:
    """True for a document that declares itself a v1 service spec."""
    return type(data) is dict and data.get("apiVersion") == API_VERSION and data.get("kind") == KIND


def near_miss(data: Any) -> NearMiss | None:
    """The SPEC-SKIPPED warning for a document that looks like a spec but is not one; None otherwise
    (also for a spec)."""
    if type(data) is not dict:
        return None
    api, kind = data.get("apiVersion"), data.get("kind")
    if kind == KIND and api != API_VERSION:
        if "apiVersion" not in data:
            return NearMiss("kind", f"a `{KIND}` without `apiVersion: {API_VERSION}` is skipped, not checked")
        return NearMiss("apiVersion", f"`apiVersion: {_shown(api)}` is not `{API_VERSION}`, so this `{KIND}` is "
                                      f"skipped, not checked")
    if api == API_VERSION and kind != KIND:
        if kind is None:
            where = "kind" if "kind" in data else "apiVersion"
            return NearMiss(where, f"a `{API_VERSION}` document without `kind: {KIND}` is skipped, not checked")
        if type(kind) is str and _close_to_kind(kind):
            return NearMiss("kind", f"`kind: {_shown(kind)}` is not `{KIND}` (a typo?), so this `{API_VERSION}` "
                                    f"document is skipped, not checked")
    return None


def _close_to_kind(kind: str) -> bool:
    return edit_distance(kind, KIND, MAX_EDITS) <= MAX_EDITS or \
        edit_distance(kind.lower(), KIND.lower(), MAX_EDITS) <= MAX_EDITS


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (optimal string alignment: insert, delete, substitute, swap two neighbours)
    between `a` and `b`, or `limit + 1` as soon as it is certainly more than `limit`.

    Strings whose lengths differ by more than `limit` are answered without any work, so a hostile megabyte
    `kind` costs nothing; otherwise the table is at most (len(b) + limit + 1) × (len(b) + 1).
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before[j - 2] + 1)
            current[j] = best
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[len(b)], limit + 1)


def _shown(value: Any) -> str:
    """A value as a message shows it: short, one line, no backticks, nothing that could steer a terminal."""
    text = value if type(value) is str else json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:59] + "…"
    return visible(text).replace("`", "'")

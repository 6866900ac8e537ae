"""Repository-scope rules (`scope repository`, e.g. SPEC-001): run once over every spec of the run, then each
hit is located in its own spec. `check` and `usm-rules test` both call `run_repository_rules`; they differ only
in how a file's documents are had again (`check` re-reads one file at a time, so memory stays flat however
many specs share an id; `test` keeps its inline specs in memory).
"""
from __future__ import annotations

from typing import Any, Callable

from ..codes import engine_codes
from ..findings import Finding, Severity
from ..lang.runtime import Hit
from .bind import RuleSet
from .check import RepoEntry, file_at
from .locate import FileId, identity_index, make_finding, value_at

# A file -> its loaded documents by index (None if the file cannot be had again).
DocumentsOf = Callable[[FileId], "dict[int, Any] | None"]


def run_repository_rules(rules: RuleSet, entries: list[RepoEntry], documents_of: DocumentsOf) -> list[Finding]:
    """Findings of the repository rules over `entries` (the specs of the run, in run order)."""
    return [f for f, _ in repository_findings(rules, entries, documents_of)]


def repository_findings(rules: RuleSet, entries: list[RepoEntry],
                        documents_of: DocumentsOf) -> list[tuple[Finding, RepoEntry]]:
    """Each finding of the repository rules with the spec (entry) it is about."""
    if not rules.repo_rules or not entries:
        return []
    hits = _collect_hits(rules, entries)
    out: list[tuple[Finding, RepoEntry]] = []
    for file, items in _place(hits, entries).items():
        documents = documents_of(file)
        if documents is None:
            continue  # the file went away since it was checked
        for entry, hit, keys in items:
            doc = documents.get(entry.document)
            if doc is None:  # the file changed under us since it was checked
                continue
            out.append((_finding(rules, hit, entry, doc, keys), entry))
    return out


def _collect_hits(rules: RuleSet, entries: list[RepoEntry]) -> list[Hit]:
    specs = [e.data for e in entries]
    hits: list[Hit] = []
    for rule_id, fn in rules.repo_rules:
        try:
            fn(specs, hits.append)
        except Exception as err:  # a rule bug is a finding, and the run goes on
            hits.append(Hit("RULE-ERROR", f"repository rule {rule_id} failed: {type(err).__name__}: {err}",
                            specs[0]))
    return hits


def _place(hits: list[Hit], entries: list[RepoEntry]) -> dict[FileId, list[tuple[RepoEntry, Hit, tuple]]]:
    """Each hit with the spec it belongs to and its path inside that spec, grouped by file in run order."""
    owner = {id(e.data): e for e in entries}
    indexes: dict[int, dict[int, tuple]] = {}
    placed: dict[FileId, list[tuple[RepoEntry, Hit, tuple]]] = {}
    for hit in hits:
        node, keys = hit.node, tuple(hit.keys)
        entry = owner.get(id(node))
        if entry is None and keys and type(node) is list and type(keys[0]) is int and 0 <= keys[0] < len(node):
            node, keys = node[keys[0]], keys[1:]  # `specs[i]…`: a path from the list of specs
            entry = owner.get(id(node))
        if entry is None:  # a node inside some spec: find which
            for e in entries:
                index = indexes.setdefault(id(e.data), identity_index(e.data))
                if id(node) in index:
                    entry, keys = e, index[id(node)] + keys
                    break
        if entry is None:
            entry, keys = entries[0], ()
        placed.setdefault(entry.file, []).append((entry, hit, keys))
    return placed


def _finding(rules: RuleSet, hit: Hit, entry: RepoEntry, doc: Any, keys: tuple) -> Finding:
    span, found = doc.locate(keys)
    info = rules.infos.get(hit.rule) or engine_codes().get(hit.rule)
    severity = Severity.parse(hit.severity) if hit.severity else rules.severities.get(hit.rule, Severity.ERROR)
    related = getattr(doc, "related", None)
    return make_finding(info, hit.rule, severity, hit.message, file_at(doc, entry.file)(found), span, found,
                        entry.document, entry.service, value_at(doc.data, found), hit.trace,
                        related(found) if related else ())

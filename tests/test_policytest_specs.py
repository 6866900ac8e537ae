"""A case's assembled spec (policytest.specs.CaseDocument): the engine locates findings in it directly, at the
text each part was written in."""
from __future__ import annotations

from usm_rules.findings import Span
from usm_rules.policytest import Origin
from usm_rules.policytest.specs import CaseDocument


class Written:
    """A loaded document stand-in: every path is at line = its depth, column = 1 + its length in characters."""

    def __init__(self, name: str) -> None:
        self.name = name

    def locate(self, parts: tuple) -> tuple[Span, tuple]:
        return Span(len(parts), 1 + len("".join(map(str, parts))), len(parts), 2), parts


def test_each_part_is_located_where_it_was_written_the_longest_prefix_winning() -> None:
    base, case = Written("base"), Written("case")
    data = {"metadata": {"owner": "x", "id": "a"}, "scos": [{"id": "s"}]}
    doc = CaseDocument(0, data, [(Origin((), base, ("base_spec",), "t.yaml"), "base-file"),
                                 (Origin(("metadata", "owner"), case, ("cases", 1, "patch", "/metadata/owner"),
                                         "t.yaml"), "case-file")])
    # a part the case patched: at the patch, in the case's file
    span, found = doc.locate(("metadata", "owner"))
    assert found == ("metadata", "owner") and (span.line, span.column) == (4, 1 + len("cases1patch/metadata/owner"))
    assert doc.file_of(("metadata", "owner")) == "case-file"
    # a part of the base spec: under `base_spec`
    span, found = doc.locate(("scos", 0, "id"))
    assert found == ("scos", 0, "id") and (span.line, span.column) == (4, 1 + len("base_specscos0id"))
    assert doc.file_of(("metadata", "id")) == "base-file"


def test_a_missing_part_is_located_at_its_nearest_existing_parent() -> None:
    doc = CaseDocument(0, {"scos": [{"id": "s"}]}, [(Origin((), Written("b"), ("spec",), "t.yaml"), "file")])
    assert doc.locate(("scos", "0", "metric", "unit"))[1] == ("scos", 0)
    assert doc.locate(("nothing",))[1] == ()


def test_a_document_without_origins_is_at_the_start_of_its_file() -> None:
    doc = CaseDocument(2, {"a": 1}, [])
    assert doc.locate(("a",)) == (Span(1, 1, 1, 2), ("a",))
    assert doc.file_of(("a",)) is None and doc.index == 2 and not doc.has_problems

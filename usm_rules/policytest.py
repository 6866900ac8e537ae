"""`usm-rules test`: policy unit tests that live beside the policies, and what they cover.

A test file is `<name>.test.yaml` next to `<name>.policy`:

    as_of: 2026-11-24                  # the date for date rules: runs are reproducible
    base_spec: {apiVersion: usm/v1, …} # a clean spec that cases patch (or base_spec_file: clean.yaml)
    cases:
      - name: provider two levels below hr
        patch: {/customers/0/valueMaturity/level: 4}   # a top-level key, or a JSON Pointer
        expect: ["USM-010 /customers/0/valueMaturity/level"]
        expect_not: ["CEMM"]

Each case runs the policies under test (by default the sibling `.policy` file) on its spec — the schema
check included, so `SPEC-SCHEMA` findings count — and compares findings with `expect` (each entry must be
matched by its own finding; a rule named there must give no other finding) and `expect_not` (rule ids,
prefixes, or `*` for every rule not expected). Coverage records, per rule, whether some case made it fire
and some case made it pass, and which policy lines never ran.

No printing here: the CLI renders a `TestRun` with `render_text`, `render_json` or `render_junit`.
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import difflib
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .errors import Located, UsmError, located
from .findings import Finding, Span

TEST_SUFFIXES = (".test.yaml", ".test.yml")
FILE_KEYS = ("as_of", "policies", "packs", "params", "base_spec", "base_spec_file", "cases")
CASE_KEYS = ("name", "spec", "spec_file", "specs", "patch", "remove", "expect", "expect_not", "params", "as_of")
SPEC_KEYS = ("spec", "spec_file", "patch", "remove")
EXPECT_KEYS = ("rule", "pointer", "message", "severity", "spec", "document")
_EXPECT_TEXT = re.compile(r"\s*(\S+)(?:\s+(/\S*))?\s*$")


class TestFileError(UsmError):
    kind = "test"


# -- the model ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Expectation:
    rule: str
    pointer: str | None
    message: str | None
    severity: str | None
    spec: int | None
    document: int | None
    where: Located

    def describe(self) -> str:
        text = self.rule + (f" {self.pointer}" if self.pointer is not None else "")
        extra = []
        if self.spec is not None:
            extra.append(f"spec {self.spec}")
        if self.document is not None:
            extra.append(f"document {self.document}")
        if self.severity is not None:
            extra.append(self.severity)
        if self.message is not None:
            extra.append(f"message ~ {self.message!r}")
        return text + (f" ({', '.join(extra)})" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "pointer": self.pointer, "message": self.message, "severity": self.severity,
                "spec": self.spec, "document": self.document, "line": self.where.line}


@dataclass
class SpecSource:
    """One spec of a case: a file on disk, or data (inline or patched) with where each part was written."""

    file: str | None = None
    data: Any = None
    # (spec parts prefix, loaded file holding it, parts there, file name): to point findings at the text
    origins: list[tuple[tuple, Any, tuple, str]] = field(default_factory=list)


@dataclass
class Case:
    name: str
    file: str
    line: int
    column: int
    specs: list[SpecSource]
    expect: list[Expectation]
    expect_not: list[tuple[str, Located]]
    params: dict[str, dict[str, Any]]
    param_locations: dict[tuple[str, str], Located]
    as_of: _dt.date

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass
class TestFile:
    path: str
    policies: list[str]
    packs: tuple[str, ...]
    cases: list[Case]


@dataclass
class CaseResult:
    case: Case
    findings: list[tuple[Finding, int]]  # (finding, index of the case's spec it came from)
    missing: list[Expectation]
    unexpected: list[tuple[Finding, int]]
    matched: list[tuple[Expectation, Finding]]
    fired: set[str]
    passed_rules: set[str]
    seconds: float

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected


@dataclass
class RuleCoverage:
    rule: str
    file: str
    line: int
    fired_by: list[str] = field(default_factory=list)
    passed_by: list[str] = field(default_factory=list)
    lines: dict[int, bool] = field(default_factory=dict)  # policy line -> ran at least once

    @property
    def covered(self) -> bool:
        return bool(self.fired_by) and bool(self.passed_by)

    @property
    def missed_lines(self) -> list[int]:
        return sorted(line for line, hit in self.lines.items() if not hit)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "file": self.file, "line": self.line, "fires": bool(self.fired_by),
                "passes": bool(self.passed_by), "fired_by": self.fired_by, "passed_by": self.passed_by,
                "lines": len(self.lines), "lines_hit": sum(self.lines.values()), "missed_lines": self.missed_lines}


@dataclass
class Coverage:
    rules: list[RuleCoverage]

    @property
    def rule_percent(self) -> float:
        return 100.0 * sum(r.covered for r in self.rules) / len(self.rules) if self.rules else 100.0

    @property
    def line_percent(self) -> float:
        total = sum(len(r.lines) for r in self.rules)
        hit = sum(sum(r.lines.values()) for r in self.rules)
        return 100.0 * hit / total if total else 100.0

    def to_dict(self) -> dict[str, Any]:
        return {"rule_coverage": round(self.rule_percent, 2), "line_coverage": round(self.line_percent, 2),
                "rules": [r.to_dict() for r in self.rules]}


@dataclass
class TestRun:
    files: list[TestFile]
    results: list[CaseResult]
    coverage: Coverage | None
    seconds: float

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


# -- discovery ----------------------------------------------------------------------------------------------

def _posix(path: str) -> str:
    path = os.path.normpath(path)
    return path.replace(os.sep, "/") if os.sep != "/" else path


def is_test_file(path: str) -> bool:
    return path.endswith(TEST_SUFFIXES)


def discover(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """(test files, policy files) under `paths` (files or directories), each in a stable order."""
    tests: list[str] = []
    policies: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            for dirpath, dirnames, filenames in os.walk(given):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in
                                     ("node_modules", "__pycache__", "venv"))
                for name in sorted(filenames):
                    full = _posix(os.path.join(dirpath, name))
                    if is_test_file(name):
                        tests.append(full)
                    elif name.endswith(".policy"):
                        policies.append(full)
        elif given.endswith(".policy"):
            policies.append(_posix(given))
        else:
            tests.append(_posix(given))
    return list(dict.fromkeys(tests)), list(dict.fromkeys(policies))


# -- reading test files -------------------------------------------------------------------------------------

class _Reader:
    """Validates one test file, collecting located problems."""

    def __init__(self, path: str, text: str, document: Any) -> None:
        self.path = path
        self.text = text
        self.doc = document
        self.problems: list[Located] = []

    def where(self, parts: tuple, message: str = "", key: bool = False) -> Located:
        span, _ = self.doc.locate(parts)
        line, column = span.line, span.column
        length = span.end_column - span.column if span.end_line == span.line else 1
        if key and parts:
            found = self._key_position(parts)
            if found:
                line, column, length = found
        return located(self.path, self.text, line, column, message, max(1, length))

    def _key_position(self, parts: tuple) -> tuple[int, int, int] | None:
        """Line, column and length of the key of the mapping entry at `parts` (the loader locates values):
        the last `key:` before the value, on its line or the few lines above."""
        span, found = self.doc.locate(parts)
        if found != parts:
            return None
        lines = self.text.splitlines()
        key = str(parts[-1])
        pattern = re.compile(r"(?<![\w\-/.~])(['\"]?)" + re.escape(key) + r"\1\s*:")
        for number in range(span.line, max(0, span.line - 4), -1):
            if number > len(lines):
                continue
            text = lines[number - 1] if number != span.line else lines[number - 1][:span.column - 1]
            hits = list(pattern.finditer(text))
            if hits:
                m = hits[-1]
                return number, m.start() + 1, len(m.group(0).rstrip(": \t"))
        return None

    def error(self, parts: tuple, message: str, key: bool = False) -> None:
        self.problems.append(self.where(parts, message, key))

    def keys(self, parts: tuple, value: Any, known: tuple[str, ...], what: str) -> bool:
        if type(value) is not dict:
            self.error(parts, f"{what} must be a mapping, got {_kind(value)}")
            return False
        for key in value:
            if key not in known:
                close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(known)})"
                self.error(parts + (key,), f"unknown key `{key}` in {what}{hint}", key=True)
        return True

    def string(self, parts: tuple, value: Any, what: str) -> str | None:
        if type(value) is str and value.strip():
            return value
        self.error(parts, f"{what} must be a non-empty string, got {_kind(value)}")
        return None

    def date(self, parts: tuple, value: Any) -> _dt.date | None:
        if type(value) is str:
            try:
                return _dt.date.fromisoformat(value)
            except ValueError:
                pass
        self.error(parts, f"`as_of` must be a date written YYYY-MM-DD, got {_kind(value)}")
        return None

    def file(self, parts: tuple, value: Any, base_dir: str, what: str) -> str | None:
        name = self.string(parts, value, what)
        if name is None:
            return None
        full = _posix(os.path.join(base_dir, name))
        if not os.path.isfile(full):
            self.error(parts, f"{what} `{name}` does not exist (looked for `{full}`)")
            return None
        return full


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if type(value) is bool:
        return "a boolean"
    if type(value) in (int, float):
        return f"the number {value}"
    if type(value) is str:
        return f"the string {value!r}" if value else "an empty string"
    if type(value) is list:
        return "a list"
    return "a mapping"


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _load_spec_file(path: str) -> Any:
    from .loader import load_path

    return load_path(path)


def load_test_file(path: str) -> TestFile:
    """Read and validate one test file; TestFileError with every problem, located, when it is malformed."""
    from .loader import load_bytes

    from .files import TEXT_FILE_LIMIT, FileRefused, read_bounded

    try:
        raw = read_bounded(path, TEXT_FILE_LIMIT)
    except FileRefused as err:
        raise TestFileError([Located(path, 1, 1, f"cannot read test file: {err.reason}")]) from None
    loaded = load_bytes(raw, path)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    if loaded.problems:
        raise TestFileError([located(path, text, p.span.line, p.span.column, p.message)
                             for p in loaded.problems])
    if len(loaded.documents) != 1:
        raise TestFileError([Located(path, 1, 1, "a test file holds exactly one YAML document "
                                                 f"(found {len(loaded.documents)})")])
    doc = loaded.documents[0]
    r = _Reader(path, text, doc)
    top = doc.data
    base_dir = os.path.dirname(path) or "."
    if not r.keys((), top, FILE_KEYS, "a test file"):
        raise TestFileError(r.problems)
    as_of = r.date(("as_of",), top["as_of"]) if "as_of" in top else _dt.date.today()
    policies = _policies(r, top, path, base_dir)
    packs: tuple[str, ...] = ()
    if "packs" in top:
        packs = _packs(r, top["packs"])
    params, param_locs = _params(r, ("params",), top.get("params", {}))
    base: SpecSource | None = None
    if "base_spec" in top and "base_spec_file" in top:
        r.error(("base_spec_file",), "give `base_spec` or `base_spec_file`, not both", key=True)
    elif "base_spec" in top:
        if type(top["base_spec"]) is not dict:
            r.error(("base_spec",), f"`base_spec` must be a mapping (a spec), got {_kind(top['base_spec'])}")
        else:
            base = SpecSource(data=top["base_spec"], origins=[((), doc, ("base_spec",), path)])
    elif "base_spec_file" in top:
        full = r.file(("base_spec_file",), top["base_spec_file"], base_dir, "`base_spec_file`")
        if full is not None:
            base = _base_from_file(r, full)
    cases: list[Case] = []
    raw_cases = top.get("cases")
    if type(raw_cases) is not list or not raw_cases:
        r.error(("cases",) if "cases" in top else (), "a test file needs `cases`: a non-empty list of test cases")
        raw_cases = []
    names: dict[str, int] = {}
    for i, raw_case in enumerate(raw_cases):
        case = _case(r, i, raw_case, path, base_dir, base, params, param_locs, as_of or _dt.date.today())
        if case is None:
            continue
        if case.name in names:
            r.error(("cases", i, "name"), f"case name `{case.name}` is used twice (first at line {names[case.name]})")
        names.setdefault(case.name, case.line)
        cases.append(case)
    if r.problems:
        raise TestFileError(sorted(r.problems, key=lambda p: (p.line, p.column)))
    return TestFile(path, policies, packs, cases)


def _policies(r: _Reader, top: dict, path: str, base_dir: str) -> list[str]:
    if "policies" in top:
        value = top["policies"]
        items = [value] if type(value) is str else value
        if type(items) is not list or not items:
            r.error(("policies",), f"`policies` must be a policy file or a list of them, got {_kind(value)}")
            return []
        out = []
        for i, item in enumerate(items):
            parts = ("policies",) if type(value) is str else ("policies", i)
            name = r.string(parts, item, "a policy path")
            if name is None:
                continue
            full = _posix(os.path.join(base_dir, name))
            if os.path.isdir(full):
                found = sorted(_posix(str(p)) for p in Path(full).rglob("*.policy"))
                if not found:
                    r.error(parts, f"policy directory `{name}` holds no `.policy` file")
                out.extend(found)
            elif os.path.isfile(full):
                out.append(full)
            else:
                r.error(parts, f"policy `{name}` does not exist (looked for `{full}`)")
        return out
    name = os.path.basename(path)
    stem = next((name[:-len(s)] for s in TEST_SUFFIXES if name.endswith(s)), name)
    sibling = _posix(os.path.join(base_dir, stem + ".policy"))
    if os.path.isfile(sibling):
        return [sibling]
    found = sorted(_posix(str(p)) for p in Path(base_dir).glob("*.policy"))
    if not found and "packs" not in top:
        r.error((), f"no policy to test: `{stem}.policy` is not beside this file; name them with `policies:` "
                    "or `packs:`")
    return found


def _packs(r: _Reader, value: Any) -> tuple[str, ...]:
    from .settings import builtin_packs

    available = builtin_packs()
    if type(value) is not list:
        r.error(("packs",), f"`packs` must be a list of built-in pack names, got {_kind(value)}")
        return ()
    out = []
    for i, item in enumerate(value):
        if item not in available:
            close = difflib.get_close_matches(str(item), list(available), n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f" (available: {', '.join(available)})"
            r.error(("packs", i), f"unknown built-in pack `{item}`{hint}")
        else:
            out.append(item)
    return tuple(out)


def _params(r: _Reader, parts: tuple, value: Any) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], Located]]:
    out: dict[str, dict[str, Any]] = {}
    locs: dict[tuple[str, str], Located] = {}
    if type(value) is not dict:
        r.error(parts, f"`params` must map rule ids to their params, got {_kind(value)}")
        return out, locs
    for rule, settings in value.items():
        if type(settings) is not dict:
            r.error(parts + (rule,), f"params of `{rule}` must be a mapping of param names to values, "
                                     f"got {_kind(settings)}")
            continue
        out[str(rule)] = dict(settings)
        for name in settings:
            locs[(str(rule), str(name))] = r.where(parts + (rule, name))
    return out, locs


def _base_from_file(r: _Reader, full: str) -> SpecSource | None:
    loaded = _load_spec_file(full)
    if loaded.problems or not loaded.documents or type(loaded.documents[0].data) is not dict:
        r.error(("base_spec_file",), f"`{full}` is not a readable YAML mapping"
                + (f": {loaded.problems[0].message}" if loaded.problems else ""))
        return None
    doc = loaded.documents[0]
    return SpecSource(data=doc.data, origins=[((), doc, (), full)])


def _case(r: _Reader, i: int, raw: Any, path: str, base_dir: str, base: SpecSource | None,
          file_params: dict[str, dict[str, Any]], file_param_locs: dict[tuple[str, str], Located],
          as_of: _dt.date) -> Case | None:
    parts: tuple = ("cases", i)
    if not r.keys(parts, raw, CASE_KEYS, "a test case"):
        return None
    where = r.where(parts)
    name = r.string(parts + ("name",), raw.get("name"), "`name`") if "name" in raw else None
    if name is None and "name" not in raw:
        r.error(parts, "a test case needs a `name`")
    params = {rule: dict(values) for rule, values in file_params.items()}
    locs = dict(file_param_locs)
    if "params" in raw:
        case_params, case_locs = _params(r, parts + ("params",), raw["params"])
        for rule, values in case_params.items():
            params.setdefault(rule, {}).update(values)
        locs.update(case_locs)
    if "as_of" in raw:
        as_of = r.date(parts + ("as_of",), raw["as_of"]) or as_of
    specs: list[SpecSource] = []
    if "specs" in raw:
        if any(k in raw for k in SPEC_KEYS):
            r.error(parts + ("specs",), "give `specs` (several specs) or one spec, not both", key=True)
        elif type(raw["specs"]) is not list or not raw["specs"]:
            r.error(parts + ("specs",), "`specs` must be a non-empty list of specs")
        else:
            for j, item in enumerate(raw["specs"]):
                if r.keys(parts + ("specs", j), item, SPEC_KEYS, "an entry of `specs`"):
                    source = _spec_source(r, parts + ("specs", j), item, path, base_dir, base)
                    if source is not None:
                        specs.append(source)
    else:
        source = _spec_source(r, parts, raw, path, base_dir, base)
        if source is not None:
            specs.append(source)
    expect = []
    raw_expect = raw.get("expect", [])
    if type(raw_expect) is not list:
        r.error(parts + ("expect",), f"`expect` must be a list of expected findings, got {_kind(raw_expect)}")
        raw_expect = []
    for j, entry in enumerate(raw_expect):
        e = _expectation(r, parts + ("expect", j), entry)
        if e is not None:
            expect.append(e)
    expect_not = []
    raw_not = raw.get("expect_not", [])
    single = type(raw_not) is str  # `expect_not: USM` for one pattern
    if not single and type(raw_not) is not list:
        r.error(parts + ("expect_not",), f"`expect_not` must be a list of rule ids or prefixes, got {_kind(raw_not)}")
        raw_not = []
    for j, pattern in enumerate([raw_not] if single else raw_not):
        where_parts = parts + (("expect_not",) if single else ("expect_not", j))
        text = r.string(where_parts, pattern, "an entry of `expect_not`")
        if text is not None:
            expect_not.append((text.strip(), r.where(where_parts)))
    if "expect" not in raw and "expect_not" not in raw:
        r.error(parts, "a test case needs `expect` (findings it must give) or `expect_not` (rules that must not fire)")
    if name is None:
        return None
    return Case(name, path, where.line, where.column, specs, expect, expect_not, params, locs, as_of)


def _spec_source(r: _Reader, parts: tuple, raw: dict, path: str, base_dir: str,
                 base: SpecSource | None) -> SpecSource | None:
    given = [k for k in ("spec", "spec_file") if k in raw]
    patched = [k for k in ("patch", "remove") if k in raw]
    if len(given) > 1 or (given and patched):
        r.error(parts + ((given + patched)[1],), "give one of `spec`, `spec_file`, or `patch`/`remove` onto the "
                                                 "file's `base_spec`", key=True)
        return None
    if "spec" in raw:
        if type(raw["spec"]) is not dict:
            r.error(parts + ("spec",), f"`spec` must be a mapping (a spec document), got {_kind(raw['spec'])}")
            return None
        return SpecSource(data=raw["spec"], origins=[((), r.doc, parts + ("spec",), path)])
    if "spec_file" in raw:
        full = r.file(parts + ("spec_file",), raw["spec_file"], base_dir, "`spec_file`")
        return SpecSource(file=full) if full is not None else None
    if base is None:
        r.error(parts, "this case has no spec: give `spec`, `spec_file`, or a `base_spec` at the top of the file "
                       "for `patch` to change")
        return None
    data = copy.deepcopy(base.data)
    origins = list(base.origins)
    patch = raw.get("patch", {})
    if type(patch) is not dict:
        r.error(parts + ("patch",), f"`patch` must be a mapping of top-level keys or JSON Pointers to values, "
                                    f"got {_kind(patch)}")
        patch = {}
    for key, value in patch.items():
        where = parts + ("patch", key)
        if type(key) is not str:
            r.error(where, "a `patch` key must be a top-level key or a JSON Pointer such as `/scos/0/metric`",
                    key=True)
            continue
        if not key.startswith("/"):
            data[key] = copy.deepcopy(value)
            origins.append(((key,), r.doc, where, path))
            continue
        target = _pointer_target(r, where, data, key)
        if target is None:
            continue
        container, last, spec_parts = target
        if type(container) is list:
            if last == len(container):
                container.append(copy.deepcopy(value))
            else:
                container[last] = copy.deepcopy(value)
        else:
            container[last] = copy.deepcopy(value)
        origins.append((spec_parts, r.doc, where, path))
    removals = raw.get("remove", [])
    if type(removals) is not list:
        removals = [removals]
    for j, key in enumerate(removals):
        where = parts + ("remove", j) if type(raw.get("remove")) is list else parts + ("remove",)
        if type(key) is not str or not key:
            r.error(where, f"`remove` lists top-level keys or JSON Pointers, got {_kind(key)}")
            continue
        if not key.startswith("/"):
            if key not in data:
                r.error(where, f"cannot remove `{key}`: the spec has no such top-level key")
            data.pop(key, None)
            continue
        target = _pointer_target(r, where, data, key, must_exist=True)
        if target is not None:
            container, last, _ = target
            del container[last]
    return SpecSource(data=data, origins=origins)


def _pointer_target(r: _Reader, where: tuple, data: Any, pointer: str,
                    must_exist: bool = False) -> tuple[Any, Any, tuple] | None:
    """(container, key or index, spec parts) that a JSON Pointer names, or None after an error."""
    tokens = _pointer_parts(pointer)
    node = data
    spec_parts: list = []
    for depth, token in enumerate(tokens):
        last = depth == len(tokens) - 1
        if type(node) is dict:
            if last:
                if must_exist and token not in node:
                    break
                return node, token, tuple(spec_parts + [token])
            if token not in node:
                break
            node = node[token]
            spec_parts.append(token)
        elif type(node) is list:
            if token == "-" and last and not must_exist:
                return node, len(node), tuple(spec_parts + [len(node)])
            if not token.isdigit() or int(token) >= len(node):
                break
            if last:
                return node, int(token), tuple(spec_parts + [int(token)])
            node = node[int(token)]
            spec_parts.append(int(token))
        else:
            break
    else:
        r.error(where, "a JSON Pointer in `patch` must name a place inside the spec", key=True)
        return None
    shown = "/" + "/".join(str(p) for p in spec_parts) if spec_parts else "the spec's root"
    r.error(where, f"JSON Pointer `{pointer}` does not resolve: nothing at `{tokens[len(spec_parts)]}` "
                   f"under {shown}", key=True)
    return None


def _expectation(r: _Reader, parts: tuple, entry: Any) -> Expectation | None:
    where = r.where(parts)
    if type(entry) is str:
        m = _EXPECT_TEXT.match(entry)
        if not m:
            r.error(parts, "an expected finding is `RULE-ID` or `RULE-ID /json/pointer`")
            return None
        return Expectation(m.group(1), m.group(2), None, None, None, None, where)
    if not r.keys(parts, entry, EXPECT_KEYS, "an expected finding"):
        return None
    rule = r.string(parts + ("rule",), entry.get("rule"), "`rule`") if "rule" in entry else None
    if rule is None:
        if "rule" not in entry:
            r.error(parts, "an expected finding needs a `rule`")
        return None
    pointer = entry.get("pointer")
    if pointer is not None and (type(pointer) is not str or (pointer and not pointer.startswith("/"))):
        r.error(parts + ("pointer",), "`pointer` is a JSON Pointer such as `/scos/0` (or \"\" for the root)")
        return None
    message = entry.get("message")
    if message is not None and type(message) is not str:
        r.error(parts + ("message",), "`message` is text that the finding's message must contain")
        return None
    severity = entry.get("severity")
    if severity is not None and severity not in ("error", "warning", "info"):
        r.error(parts + ("severity",), f"`severity` must be error, warning or info, got {_kind(severity)}")
        return None
    numbers = {}
    for key in ("spec", "document"):
        value = entry.get(key)
        if value is not None and (type(value) is not int or value < 0):
            r.error(parts + (key,), f"`{key}` must be a 0-based index, got {_kind(value)}")
            return None
        numbers[key] = value
    return Expectation(rule, pointer, message, severity, numbers["spec"], numbers["document"], where)


# -- running ------------------------------------------------------------------------------------------------

class _InlineDocument:
    """A spec given as data (inline or patched): `locate` answers the parts that exist; the runner then
    points the finding at the text the part was written in."""

    __slots__ = ("index", "data", "has_problems")

    def __init__(self, index: int, data: Any) -> None:
        self.index = index
        self.data = data
        self.has_problems = False

    def locate(self, parts: tuple) -> tuple[Span, tuple]:
        return Span(1, 1, 1, 1), _existing(self.data, parts)


def _existing(data: Any, parts: tuple) -> tuple:
    found: list = []
    node = data
    for p in parts:
        if type(node) is dict and p in node:
            node = node[p]
        elif type(node) is list and (type(p) is int or (type(p) is str and p.isdigit())) and int(p) < len(node):
            p = int(p)
            node = node[p]
        else:
            break
        found.append(p)
    return tuple(found)


def _relocate(f: Finding, source: SpecSource, parts: tuple) -> Finding:
    best = None
    for prefix, doc, file_parts, file in source.origins:
        if parts[:len(prefix)] == prefix and (best is None or len(prefix) >= len(best[0])):
            best = (prefix, doc, file_parts, file)
    if best is None:
        return f
    prefix, doc, file_parts, file = best
    span, _ = doc.locate(tuple(file_parts) + tuple(parts[len(prefix):]))
    return dataclasses.replace(f, file=file, line=span.line, column=span.column, end_line=span.end_line,
                               end_column=span.end_column)


def _parts_of(pointer: str) -> tuple:
    out: list = []
    for token in _pointer_parts(pointer) if pointer else []:
        out.append(int(token) if token.isdigit() else token)
    return tuple(out)


class Runner:
    """Runs test files; keeps compiled rule sets per (policies, params, as-of), and coverage hits."""

    def __init__(self, *, coverage: bool = False, use_cache: bool = True) -> None:
        self.coverage = coverage
        self.use_cache = use_cache
        self._rule_sets: dict[tuple, Any] = {}

    def rule_set(self, test: TestFile, case: Case | None) -> Any:
        params = case.params if case is not None else {}
        as_of = case.as_of if case is not None else _dt.date.today()
        key = (tuple(test.policies), test.packs, repr(sorted((k, sorted(v.items())) for k, v in params.items())),
               as_of)
        if key not in self._rule_sets:
            self._rule_sets[key] = self._load(test.policies, test.packs, params,
                                              case.param_locations if case else {}, as_of)
        return self._rule_sets[key]

    def _load(self, policies: list[str], packs: tuple[str, ...], params: dict, locations: dict,
              as_of: _dt.date) -> Any:
        from .config import Config
        from .engine import load_rules
        from .settings import Flags, engine_options

        config = Config(path=None, root=os.getcwd(), packs=packs, policies=tuple(policies))
        options = engine_options(config, Flags(as_of=as_of, use_cache=self.use_cache))
        options.params = params
        options.param_locations = locations
        options.coverage = self.coverage
        return load_rules(options)

    def check_names(self, test: TestFile) -> None:
        """Rule ids in `expect` and patterns in `expect_not` must name loaded rules (typos are errors)."""
        from .config import rule_matches

        problems = []
        for case in test.cases:
            rules = self.rule_set(test, case)
            known = list(rules.infos)
            for e in case.expect:
                if e.rule not in rules.infos:
                    close = difflib.get_close_matches(e.rule, known, n=1)
                    hint = f"; did you mean `{close[0]}`?" if close else ""
                    problems.append(dataclasses.replace(
                        e.where, message=f"`{e.rule}` is not a rule of the policies under test{hint}"))
            for pattern, where in case.expect_not:
                if pattern != "*" and not any(rule_matches(rule, [pattern]) for rule in known):
                    close = difflib.get_close_matches(pattern, known, n=1)
                    hint = f"; did you mean `{close[0]}`?" if close else ""
                    problems.append(dataclasses.replace(
                        where, message=f"`{pattern}` matches no rule of the policies under test{hint}"))
        if problems:
            raise TestFileError(problems)

    def run_case(self, test: TestFile, case: Case) -> CaseResult:
        from .engine import check_loaded, is_spec
        from .loader import LoadedFile
        from .schema import is_valid

        started = time.perf_counter()
        rules = self.rule_set(test, case)
        findings: list[tuple[Finding, int]] = []
        ran: set[str] = set()
        spec_rule_ids = {rule_id for rule_id, _ in rules.spec_rules}
        entries: list[tuple[Any, str, int, str | None, SpecSource, Any, int]] = []
        keep_repo = bool(rules.repo_rules)
        for index, source in enumerate(case.specs):
            if source.file is not None:
                loaded = _load_spec_file(source.file)
            else:
                loaded = LoadedFile(case.file, [_InlineDocument(index, source.data)], [])
            result = check_loaded(loaded, rules, keep_repo)
            for f in result.findings:
                if source.file is None:
                    f = _relocate(f, source, _parts_of(f.pointer))
                findings.append((f, index))
            for doc in loaded.documents:
                if is_spec(doc.data) and not doc.has_problems and is_valid(doc.data):
                    ran |= spec_rule_ids
            docs = {d.index: d for d in loaded.documents}
            for pruned, file, doc_index, service in result.repo_specs:
                entries.append((pruned, file, doc_index, service, source, docs[doc_index], index))
        if entries:
            ran |= {rule_id for rule_id, _ in rules.repo_rules}
            findings.extend(_run_repository_rules(rules, entries))
        findings.sort(key=lambda item: (item[1],) + item[0].sort_key())
        missing, unexpected, matched = match(case, findings)
        fired = {f.rule for f, _ in findings}
        return CaseResult(case, findings, missing, unexpected, matched, fired, ran - fired,
                          time.perf_counter() - started)

    def coverage_report(self, tests: list[TestFile], results: list[CaseResult], extra_policies: list[str]) -> Coverage:
        by_rule: dict[tuple[str, str], RuleCoverage] = {}

        def entry(meta: Any) -> RuleCoverage:
            key = (os.path.realpath(meta.file), meta.id)
            if key not in by_rule:
                by_rule[key] = RuleCoverage(meta.id, _posix(meta.file), meta.line)
            return by_rule[key]

        loaded_files = {os.path.realpath(p) for t in tests for p in t.policies}
        pending = [p for p in extra_policies if os.path.realpath(p) not in loaded_files]
        if pending:
            self._rule_sets[("untested", tuple(pending))] = self._load(pending, (), {}, {}, _dt.date.today())
        for rules in self._rule_sets.values():
            for meta in rules.metas.values():
                entry(meta)
            namespace = _namespace(rules)
            if namespace is None:
                continue
            hits, points = namespace.get("HITS"), namespace.get("POINTS", ())
            for k, (rule_id, line) in enumerate(points):
                meta = rules.metas.get(rule_id)
                if meta is None:
                    continue
                cov = entry(meta)
                cov.lines[line] = cov.lines.get(line, False) or bool(hits[k])
        for result in results:
            rules = self.rule_set(_file_of(tests, result.case), result.case)
            for rule_id in sorted(result.fired | result.passed_rules):
                meta = rules.metas.get(rule_id)
                if meta is None:
                    continue
                cov = entry(meta)
                (cov.fired_by if rule_id in result.fired else cov.passed_by).append(result.case.id)
        return Coverage(sorted(by_rule.values(), key=lambda c: (c.rule, c.file)))


def _file_of(tests: list[TestFile], case: Case) -> TestFile:
    return next(t for t in tests if case in t.cases)


def _namespace(rules: Any) -> dict | None:
    for _, fn in list(rules.spec_rules) + list(rules.repo_rules):
        return getattr(fn, "__globals__", None)
    return None


def _run_repository_rules(rules: Any, entries: list) -> list[tuple[Finding, int]]:
    """Repository rules over the specs of one case; findings located in the case's own text."""
    from .engine import _identity_index, _make_finding, _value_at
    from .findings import Severity

    specs = [e[0] for e in entries]
    owner = {id(e[0]): e for e in entries}
    out: list[tuple[Finding, int]] = []
    for rule_id, fn in rules.repo_rules:
        raw: list[tuple] = []

        def emit(hit: Any) -> None:
            raw.append((hit.rule, hit.severity, hit.message, hit.node, tuple(hit.keys), hit.trace))

        try:
            fn(specs, emit)
        except Exception as err:  # a rule bug is a finding, as in `check`
            raw.append(("RULE-ERROR", None, f"repository rule {rule_id} failed: {type(err).__name__}: {err}",
                        specs[0], (), None))
        for rule, sev, message, base, keys, trace in raw:
            entry = owner.get(id(base))
            if entry is None and keys and base is specs and type(keys[0]) is int and 0 <= keys[0] < len(specs):
                entry, keys = entries[keys[0]], keys[1:]
            if entry is None:
                for e in entries:
                    index = _identity_index(e[0])
                    if id(base) in index:
                        entry, keys = e, index[id(base)] + keys
                        break
            if entry is None:
                entry, keys = entries[0], ()
            pruned, file, doc_index, service, source, doc, spec_index = entry
            span, found = doc.locate(keys)
            severity = Severity.parse(sev) if sev else rules.severities.get(rule, Severity.ERROR)
            f = _make_finding(rules, rule, severity, message, file, span, found, doc_index, service,
                              _value_at(doc.data, found), trace)
            if source.file is None:
                f = _relocate(f, source, found)
            out.append((f, spec_index))
    return out


def _matches(e: Expectation, f: Finding, spec_index: int) -> bool:
    return (f.rule == e.rule and (e.pointer is None or f.pointer == e.pointer)
            and (e.message is None or e.message in f.message)
            and (e.severity is None or f.severity.label == e.severity)
            and (e.spec is None or spec_index == e.spec)
            and (e.document is None or f.document == e.document))


def match(case: Case, findings: list[tuple[Finding, int]]) -> tuple[list[Expectation], list[tuple[Finding, int]],
                                                                     list[tuple[Expectation, Finding]]]:
    """(expected findings not found, findings that should not be there, matched pairs).

    Every `expect` entry takes its own finding (precise entries first, so a bare rule id never takes the
    finding a pointer asked for). Rules named in `expect` must give no other finding; `expect_not` names
    rules (ids or prefixes; `*` is every rule not in `expect`) that must give none.
    """
    from .config import rule_matches

    pool = list(findings)
    missing: list[Expectation] = []
    matched: list[tuple[Expectation, Finding]] = []
    order = sorted(case.expect, key=lambda e: sum(x is None for x in (e.pointer, e.message, e.severity, e.spec,
                                                                       e.document)))
    for e in order:
        hit = next((item for item in pool if _matches(e, item[0], item[1])), None)
        if hit is None:
            missing.append(e)
        else:
            pool.remove(hit)
            matched.append((e, hit[0]))
    missing.sort(key=lambda e: e.where.line)
    expected_rules = {e.rule for e in case.expect}
    patterns = [p for p, _ in case.expect_not]
    unexpected = []
    for f, index in pool:
        if f.rule in expected_rules or any(p == "*" or p == f.rule or rule_matches(f.rule, [p]) for p in patterns):
            unexpected.append((f, index))
    return missing, unexpected, matched


def run(paths: list[str], *, coverage: bool = False, use_cache: bool = True,
        progress: Callable[[CaseResult], None] | None = None) -> TestRun:
    """Discover, validate and run every test file under `paths` (TestFileError/UsmError on problems)."""
    started = time.perf_counter()
    test_paths, policy_paths = discover(paths)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsmError([Located(p, 1, 1, "no such file or directory") for p in missing])
    if not test_paths:
        raise UsmError(f"no test files (`*{TEST_SUFFIXES[0]}`) under {', '.join(paths)}")
    problems: list[Located] = []
    tests: list[TestFile] = []
    for path in test_paths:
        try:
            tests.append(load_test_file(path))
        except UsmError as err:
            problems.extend(err.problems or [Located(path, 1, 1, err.text)])
    if problems:
        raise TestFileError(problems)
    runner = Runner(coverage=coverage, use_cache=use_cache)
    for test in tests:
        runner.check_names(test)
    results = []
    for test in tests:
        for case in test.cases:
            result = runner.run_case(test, case)
            results.append(result)
            if progress is not None:
                progress(result)
    report = runner.coverage_report(tests, results, policy_paths) if coverage else None
    return TestRun(tests, results, report, time.perf_counter() - started)


# -- reports ------------------------------------------------------------------------------------------------

def _finding_line(f: Finding, spec_index: int, multi: bool) -> str:
    where = f"{f.file}:{f.line}:{f.column}"
    spec = f" spec {spec_index}" if multi else ""
    return f"{f.rule} {f.pointer or '(root)'}{spec}  {_safe(f.message)}  [{where}]"


def _safe(text: str) -> str:
    return "".join(c if c >= " " or c == "\t" else "?" for c in text).replace("\x7f", "?")


def failure_details(result: CaseResult) -> list[str]:
    """Expected vs found, diff-style: `-` expected but not found, `+` found but not expected."""
    multi = len(result.case.specs) > 1
    lines = []
    for e, f in sorted(result.matched, key=lambda pair: pair[0].where.line):
        lines.append(f"    {e.describe()}")
    for e in result.missing:
        lines.append(f"  - {e.describe()}  (expected at line {e.where.line}, not found)")
    for f, index in result.unexpected:
        lines.append(f"  + {_finding_line(f, index, multi)}")
    others = [(f, i) for f, i in result.findings
              if (f, i) not in result.unexpected and all(f is not m for _, m in result.matched)]
    if others:
        lines.append("  other findings (not checked by this case):")
        lines.extend(f"    {_finding_line(f, i, multi)}" for f, i in others)
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_text(run_: TestRun, *, verbose: bool = False) -> str:
    out: list[str] = []
    if verbose:
        for r in run_.results:
            out.append(f"{r.case.id} {'PASSED' if r.passed else 'FAILED'}")
    else:
        for test in run_.files:
            marks = "".join("." if r.passed else "F" for r in run_.results if r.case.file == test.path)
            out.append(f"{test.path} {marks}")
    failed = run_.failed
    if failed:
        out.append("")
        out.append("FAILURES")
        for r in failed:
            out.append("")
            out.append(f"{r.case.file}:{r.case.line}: {r.case.name}")
            out.append("  expected vs found (- expected, not found; + found, not expected):")
            out.extend(failure_details(r))
    if run_.coverage is not None:
        out.append("")
        out.extend(render_coverage(run_.coverage))
    out.append("")
    passed = len(run_.results) - len(failed)
    summary = f"{len(failed)} failed, {passed} passed" if failed else f"{passed} passed"
    out.append(f"{summary} in {run_.seconds:.2f}s ({_plural(len(run_.files), 'test file')})")
    return "\n".join(out) + "\n"


def render_coverage(cov: Coverage) -> list[str]:
    out = ["Coverage:"]
    if not cov.rules:
        return out + ["  no rules"]
    width = max(len(r.rule) for r in cov.rules)
    where_width = max(len(f"{r.file}:{r.line}") for r in cov.rules)
    out.append(f"  {'rule':<{width}}  {'policy':<{where_width}}  fires  passes  lines    missed lines")
    for r in cov.rules:
        hit = sum(r.lines.values())
        missed = ", ".join(str(n) for n in r.missed_lines)
        out.append(f"  {r.rule:<{width}}  {r.file + ':' + str(r.line):<{where_width}}  "
                   f"{'yes' if r.fired_by else 'NO':<5}  {'yes' if r.passed_by else 'NO':<6}  "
                   f"{f'{hit}/{len(r.lines)}':<7}  {missed}".rstrip())
    covered = sum(r.covered for r in cov.rules)
    total_lines = sum(len(r.lines) for r in cov.rules)
    hit_lines = sum(sum(r.lines.values()) for r in cov.rules)
    out.append(f"Rules that fire and pass: {covered}/{len(cov.rules)} ({cov.rule_percent:.1f}%); "
               f"policy lines run: {hit_lines}/{total_lines} ({cov.line_percent:.1f}%)")
    return out


def render_json(run_: TestRun) -> str:
    import json

    from . import __version__

    cases = []
    for r in run_.results:
        cases.append({
            "file": r.case.file, "name": r.case.name, "line": r.case.line,
            "outcome": "passed" if r.passed else "failed",
            "missing": [e.to_dict() for e in r.missing],
            "unexpected": [dict(f.to_dict(), spec=i) for f, i in r.unexpected],
            "findings": [dict(f.to_dict(), spec=i) for f, i in r.findings],
            "seconds": round(r.seconds, 6),
        })
    failed = len(run_.failed)
    doc = {"tool": {"name": "usm-rules", "version": __version__}, "format_version": 1,
           "summary": {"files": len(run_.files), "cases": len(run_.results), "passed": len(run_.results) - failed,
                       "failed": failed},
           "cases": cases, "coverage": run_.coverage.to_dict() if run_.coverage is not None else None}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _XML_BAD.sub("?", text)


def render_junit(run_: TestRun) -> str:
    import xml.etree.ElementTree as ET

    root = ET.Element("testsuites", name="usm-rules test", tests=str(len(run_.results)),
                      failures=str(len(run_.failed)), time=f"{run_.seconds:.3f}")
    for test in run_.files:
        results = [r for r in run_.results if r.case.file == test.path]
        suite = ET.SubElement(root, "testsuite", name=_xml(test.path), tests=str(len(results)),
                              failures=str(sum(not r.passed for r in results)),
                              time=f"{sum(r.seconds for r in results):.3f}")
        for r in results:
            case = ET.SubElement(suite, "testcase", classname=_xml(test.path), name=_xml(r.case.name),
                                 file=_xml(test.path), line=str(r.case.line), time=f"{r.seconds:.3f}")
            if not r.passed:
                summary = f"{_plural(len(r.missing), 'expected finding')} missing, {len(r.unexpected)} unexpected"
                failure = ET.SubElement(case, "failure", message=_xml(summary), type="expectation")
                failure.text = _xml("\n".join(failure_details(r)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

"""Reading one `*.test.yaml` file: through the bounded door, loaded like a spec (positions, duplicate keys),
validated key by key. Every problem is collected and raised at once as a TestFileError, each located at the
offending key or value with the source line and a caret, like policy errors.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from typing import Any

from ..errors import Located, located
from ..policyfiles import POLICY_SUFFIX, TEST_SUFFIXES, policy_files
from ..suggest import did_you_mean
from .model import Case, Expectation, Origin, SpecSource, TestFile, TestFileError
from .reader import Reader, kind, normal_path
from .specs import base_from_file, spec_source

FILE_KEYS = ("as_of", "policies", "packs", "params", "base_spec", "base_spec_file", "cases")
CASE_KEYS = ("name", "spec", "spec_file", "specs", "patch", "remove", "expect", "expect_not", "params", "as_of")
SPEC_KEYS = ("spec", "spec_file", "patch", "remove")
EXPECT_KEYS = ("rule", "pointer", "message", "severity", "spec", "document")
_EXPECT_TEXT = re.compile(r"\s*(\S+)(?:\s+(/\S*))?\s*$")

Params = dict[str, dict[str, Any]]
ParamLocations = dict[tuple[str, str], Located]


def load_test_file(path: str) -> TestFile:
    """Read and validate one test file; TestFileError with every problem, located, when it is malformed."""
    r = _reader(path)
    top = r.doc.data
    if not r.keys((), top, FILE_KEYS, "a test file"):
        raise TestFileError(r.problems)
    base_dir = os.path.dirname(path) or "."
    as_of = r.date(("as_of",), top["as_of"]) if "as_of" in top else _dt.date.today()
    policies = _policies(r, top, base_dir)
    packs = _packs(r, top["packs"]) if "packs" in top else ()
    params, param_locations = _params(r, ("params",), top.get("params", {}))
    base = _base_spec(r, top, base_dir)
    raw_cases = top.get("cases")
    if type(raw_cases) is not list or not raw_cases:
        r.error(("cases",) if "cases" in top else (), "a test file needs `cases`: a non-empty list of test cases")
        raw_cases = []
    cases: list[Case] = []
    names: dict[str, int] = {}
    for i, raw_case in enumerate(raw_cases):
        case = _case(r, i, raw_case, base_dir, base, params, param_locations, as_of or _dt.date.today())
        if case is None:
            continue
        if case.name in names:
            r.error(("cases", i, "name"), f"case name `{case.name}` is used twice (first at line {names[case.name]})")
        names.setdefault(case.name, case.line)
        cases.append(case)
    if r.problems:
        raise TestFileError(sorted(r.problems, key=lambda p: (p.line, p.column)))
    return TestFile(path, policies, packs, cases)


def _reader(path: str) -> Reader:
    """The test file read (bounded), loaded, and holding exactly one YAML document."""
    from ..files import TEXT_FILE_LIMIT, FileRefused, read_bounded
    from ..loader import load_bytes

    try:
        raw = read_bounded(path, TEXT_FILE_LIMIT)
    except FileRefused as err:
        raise TestFileError([Located(path, 1, 1, f"cannot read test file: {err.reason}")]) from None
    loaded = load_bytes(raw, path)
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    if loaded.problems:
        raise TestFileError([located(path, text, p.span.line, p.span.column, p.message) for p in loaded.problems])
    if len(loaded.documents) != 1:
        raise TestFileError([Located(path, 1, 1, "a test file holds exactly one YAML document "
                                                 f"(found {len(loaded.documents)})")])
    return Reader(path, text, loaded.documents[0])


def _policies(r: Reader, top: dict, base_dir: str) -> list[str]:
    """The policy files under test: those `policies:` names (files, or directories of them), else the one
    named after the test file beside it (`local.test.yaml` tests `local.policy`)."""
    if "policies" not in top:
        name = os.path.basename(r.path)
        stem = next((name[:-len(s)] for s in TEST_SUFFIXES if name.endswith(s)), name)
        sibling = normal_path(os.path.join(base_dir, stem + POLICY_SUFFIX))
        if os.path.isfile(sibling):
            return [sibling]
        if "packs" not in top:
            r.error((), f"no policy to test: `{stem}{POLICY_SUFFIX}` is not beside this file; name them with "
                        "`policies:` or `packs:`")
        return []
    value = top["policies"]
    items = [value] if type(value) is str else value
    if type(items) is not list or not items:
        r.error(("policies",), f"`policies` must be a policy file or a list of them, got {kind(value)}")
        return []
    out: list[str] = []
    for i, item in enumerate(items):
        parts = ("policies",) if type(value) is str else ("policies", i)
        name = r.string(parts, item, "a policy path")
        if name is None:
            continue
        full = normal_path(os.path.join(base_dir, name))
        if os.path.isdir(full):
            found = [normal_path(p) for p in policy_files([full])]
            if not found:
                r.error(parts, f"policy directory `{name}` holds no `{POLICY_SUFFIX}` file")
            out.extend(found)
        elif os.path.isfile(full):
            out.append(full)
        else:
            r.error(parts, f"policy `{name}` does not exist (looked for `{full}`)")
    return out


def _packs(r: Reader, value: Any) -> tuple[str, ...]:
    from ..engine import builtin_packs

    available = builtin_packs()
    if type(value) is not list:
        r.error(("packs",), f"`packs` must be a list of built-in pack names, got {kind(value)}")
        return ()
    out = []
    for i, item in enumerate(value):
        if item not in available:
            hint = did_you_mean(str(item), available) or f" (available: {', '.join(available)})"
            r.error(("packs", i), f"unknown built-in pack `{item}`{hint}")
        else:
            out.append(item)
    return tuple(out)


def _params(r: Reader, parts: tuple, value: Any) -> tuple[Params, ParamLocations]:
    """`{RULE-ID: {param: value}}` and where each value is written (for errors about a bad value)."""
    out: Params = {}
    locations: ParamLocations = {}
    if type(value) is not dict:
        r.error(parts, f"`params` must map rule ids to their params, got {kind(value)}")
        return out, locations
    for rule, settings in value.items():
        if type(settings) is not dict:
            r.error(parts + (rule,), f"params of `{rule}` must be a mapping of param names to values, "
                                     f"got {kind(settings)}")
            continue
        out[str(rule)] = dict(settings)
        for name in settings:
            locations[(str(rule), str(name))] = r.where(parts + (rule, name))
    return out, locations


def _base_spec(r: Reader, top: dict, base_dir: str) -> SpecSource | None:
    """The spec that cases patch: `base_spec` (inline) or `base_spec_file`, at most one of them."""
    if "base_spec" in top and "base_spec_file" in top:
        r.error(("base_spec_file",), "give `base_spec` or `base_spec_file`, not both", key=True)
    elif "base_spec" in top:
        if type(top["base_spec"]) is dict:
            return SpecSource(data=top["base_spec"], origins=[Origin((), r.doc, ("base_spec",), r.path)])
        r.error(("base_spec",), f"`base_spec` must be a mapping (a spec), got {kind(top['base_spec'])}")
    elif "base_spec_file" in top:
        full = r.file(("base_spec_file",), top["base_spec_file"], base_dir, "`base_spec_file`")
        if full is not None:
            return base_from_file(r, full)
    return None


def _case(r: Reader, i: int, raw: Any, base_dir: str, base: SpecSource | None, file_params: Params,
          file_param_locations: ParamLocations, as_of: _dt.date) -> Case | None:
    parts: tuple = ("cases", i)
    if not r.keys(parts, raw, CASE_KEYS, "a test case"):
        return None
    where = r.where(parts)
    name = r.string(parts + ("name",), raw.get("name"), "`name`") if "name" in raw else None
    if name is None and "name" not in raw:
        r.error(parts, "a test case needs a `name`")
    params = {rule: dict(values) for rule, values in file_params.items()}
    locations = dict(file_param_locations)
    if "params" in raw:
        case_params, case_locations = _params(r, parts + ("params",), raw["params"])
        for rule, values in case_params.items():
            params.setdefault(rule, {}).update(values)
        locations.update(case_locations)
    if "as_of" in raw:
        as_of = r.date(parts + ("as_of",), raw["as_of"]) or as_of
    specs = _case_specs(r, parts, raw, base_dir, base)
    expect = _expect(r, parts, raw.get("expect", []))
    expect_not = _expect_not(r, parts, raw.get("expect_not", []))
    if "expect" not in raw and "expect_not" not in raw:
        r.error(parts, "a test case needs `expect` (findings it must give) or `expect_not` (rules that must not fire)")
    if name is None:
        return None
    return Case(name, r.path, where.line, where.column, specs, expect, expect_not, params, locations, as_of)


def _case_specs(r: Reader, parts: tuple, raw: dict, base_dir: str, base: SpecSource | None) -> list[SpecSource]:
    """The case's spec, or its `specs:` (several, for repository rules)."""
    if "specs" not in raw:
        source = spec_source(r, parts, raw, base_dir, base)
        return [source] if source is not None else []
    if any(k in raw for k in SPEC_KEYS):
        r.error(parts + ("specs",), "give `specs` (several specs) or one spec, not both", key=True)
        return []
    if type(raw["specs"]) is not list or not raw["specs"]:
        r.error(parts + ("specs",), "`specs` must be a non-empty list of specs")
        return []
    specs = []
    for j, item in enumerate(raw["specs"]):
        if r.keys(parts + ("specs", j), item, SPEC_KEYS, "an entry of `specs`"):
            source = spec_source(r, parts + ("specs", j), item, base_dir, base)
            if source is not None:
                specs.append(source)
    return specs


def _expect(r: Reader, parts: tuple, raw: Any) -> list[Expectation]:
    if type(raw) is not list:
        r.error(parts + ("expect",), f"`expect` must be a list of expected findings, got {kind(raw)}")
        return []
    found = (_expectation(r, parts + ("expect", j), entry) for j, entry in enumerate(raw))
    return [e for e in found if e is not None]


def _expect_not(r: Reader, parts: tuple, raw: Any) -> list[tuple[str, Located]]:
    single = type(raw) is str  # `expect_not: USM` for one pattern
    if not single and type(raw) is not list:
        r.error(parts + ("expect_not",), f"`expect_not` must be a list of rule ids or prefixes, got {kind(raw)}")
        return []
    out = []
    for j, pattern in enumerate([raw] if single else raw):
        where = parts + (("expect_not",) if single else ("expect_not", j))
        text = r.string(where, pattern, "an entry of `expect_not`")
        if text is not None:
            out.append((text.strip(), r.where(where)))
    return out


def _expectation(r: Reader, parts: tuple, entry: Any) -> Expectation | None:
    """`RULE-ID`, `RULE-ID /pointer`, or a mapping with `rule` and any of the other EXPECT_KEYS."""
    where = r.where(parts)
    if type(entry) is str:
        m = _EXPECT_TEXT.match(entry)
        if not m:
            r.error(parts, "an expected finding is `RULE-ID` or `RULE-ID /json/pointer`")
            return None
        return Expectation(m.group(1), m.group(2), None, None, None, None, where)
    if not r.keys(parts, entry, EXPECT_KEYS, "an expected finding"):
        return None
    rule = r.string(parts + ("rule",), entry["rule"], "`rule`") if "rule" in entry else None
    if rule is None:
        if "rule" not in entry:
            r.error(parts, "an expected finding needs a `rule`")
        return None
    pointer, message, severity = entry.get("pointer"), entry.get("message"), entry.get("severity")
    if pointer is not None and (type(pointer) is not str or (pointer and not pointer.startswith("/"))):
        r.error(parts + ("pointer",), "`pointer` is a JSON Pointer such as `/scos/0` (or \"\" for the root)")
        return None
    if message is not None and type(message) is not str:
        r.error(parts + ("message",), "`message` is text that the finding's message must contain")
        return None
    if severity is not None and severity not in ("error", "warning", "info"):
        r.error(parts + ("severity",), f"`severity` must be error, warning or info, got {kind(severity)}")
        return None
    numbers = {}
    for key in ("spec", "document"):
        value = entry.get(key)
        if value is not None and (type(value) is not int or value < 0):
            r.error(parts + (key,), f"`{key}` must be a 0-based index, got {kind(value)}")
            return None
        numbers[key] = value
    return Expectation(rule, pointer, message, severity, numbers["spec"], numbers["document"], where)

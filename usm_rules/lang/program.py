"""Policy files -> a compiled program (cached in the user's cache directory) -> runnable rules.

Only a cache miss imports lark and reads the schema: a warm run on one file pays for neither.
"""
from __future__ import annotations

import datetime as _dt
import marshal
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any, Callable

from .. import __version__
from ..errors import Located, PolicyError
from ..resources import grammar_file, schema_file

CACHE_FORMAT = 4


@dataclass(frozen=True)
class RuleMeta:
    id: str
    title: str
    severity: str
    rationale: str
    help: str
    tags: tuple[str, ...]
    pack: str
    scope: str
    params: dict[str, Any]
    param_kinds: dict[str, tuple[str, ...]]
    repo_paths: tuple[tuple[str, ...], ...] | None
    file: str
    line: int
    source: str
    examples: tuple[tuple[str, str], ...] = ()

    def to_marshal(self) -> tuple:
        return (self.id, self.title, self.severity, self.rationale, self.help, self.tags, self.pack, self.scope,
                self.params, self.param_kinds, self.repo_paths, self.file, self.line, self.source, self.examples)


@dataclass
class Program:
    rules: list[RuleMeta]
    code: CodeType
    from_cache: bool = False


def _cache_key(paths: list[str]) -> tuple[str, str]:
    """(file name, full key) of the compiled program for these policy files.

    The key names every input by path, size and modification time, so a warm run neither reads nor hashes
    the policies; the full key is stored in the cache file and compared, so a name collision is harmless.
    """
    import zlib

    parts = [f"{CACHE_FORMAT}", __version__, sys.version]
    # The compiler's own sources are inputs too: a changed tool must never run a stale compiled program.
    here = os.path.dirname(os.path.abspath(__file__))
    compiler_files = [os.path.join(here, f"{m}.py") for m in ("parser", "checker", "compiler", "builtins", "runtime",
                                                               "types", "nodes")]
    for path in [str(grammar_file()), str(schema_file()), *compiler_files, *paths]:
        try:
            st = os.stat(path)
            parts.append(f"{os.path.realpath(path)}\0{st.st_size}\0{st.st_mtime_ns}")
        except OSError:
            parts.append(f"{path}\0missing")
    full = "\n".join(parts)
    return f"{zlib.crc32(full.encode('utf-8', 'surrogateescape')):08x}", full


def _read_cache(name: str, key: str) -> Program | None:
    from ..cache import cache_dir

    directory = cache_dir()
    if directory is None:
        return None
    try:
        fmt, stored_key, metas, code = marshal.loads((directory / f"policies-{name}.bin").read_bytes())
        if fmt != CACHE_FORMAT or stored_key != key or not isinstance(code, CodeType):
            return None
        return Program([RuleMeta(*m) for m in metas], code, from_cache=True)
    except Exception:  # missing, truncated or foreign: rebuild silently
        return None


def _write_cache(name: str, key: str, program: Program) -> None:
    from ..cache import cache_dir
    from ..writing import write_atomic

    directory = cache_dir()
    if directory is None:
        return
    try:
        payload = marshal.dumps((CACHE_FORMAT, key, [m.to_marshal() for m in program.rules], program.code))
        write_atomic(directory / f"policies-{name}.bin", payload)
    except (OSError, ValueError):
        pass


def read_sources(paths: list[str]) -> list[tuple[str, str]]:
    """(path, text) of every policy file; unreadable files are a PolicyError naming them."""
    out = []
    problems = []
    for path in paths:
        try:
            raw = Path(path).read_bytes()
            out.append((path, raw.decode("utf-8-sig")))
        except UnicodeDecodeError as err:
            problems.append(Located(path, 1, 1, f"policy file is not valid UTF-8 (byte {err.start})"))
        except OSError as err:
            problems.append(Located(path, 1, 1, f"cannot read policy file: {err.strerror or err}"))
    if problems:
        raise PolicyError(problems)
    return out


def load_program(paths: list[str], *, use_cache: bool = True, explain: bool = False,
                 coverage: bool = False) -> Program:
    name, key = _cache_key(paths)
    for flag, on in (("explain", explain), ("coverage", coverage)):
        if on:
            name, key = f"{name}-{flag}", f"{key}\n{flag}"
    if use_cache:
        cached = _read_cache(name, key)
        if cached is not None:
            return cached
    program = compile_sources(read_sources(paths), explain=explain, coverage=coverage)
    if use_cache:
        _write_cache(name, key, program)
    return program


def compile_sources(sources: list[tuple[str, str]], *, explain: bool = False, coverage: bool = False) -> Program:
    """Parse, check and compile policy sources; every problem in every file is raised at once."""
    from ..schema import schema
    from .checker import check_policy
    from .compiler import generate
    from .parser import parse_policy

    problems: list[Located] = []
    checked = []
    seen: dict[str, str] = {}
    for path, text in sources:
        try:
            policy = parse_policy(text, path)
            facts = check_policy(policy, schema())
        except PolicyError as err:
            problems.extend(err.problems)
            continue
        for rule in policy.rules:
            if rule.id in seen:
                from ..errors import located

                problems.append(located(path, text, rule.pos.line, rule.pos.column,
                                        f"rule {rule.id} is already defined in {seen[rule.id]}", 4))
                continue
            seen[rule.id] = path
            checked.append((policy, rule, facts[rule.id]))
    if problems:
        raise PolicyError(problems)
    source = generate([(rule, facts) for _, rule, facts in checked], explain=explain, coverage=coverage)
    code = compile(source, "<usm-rules policies>", "exec")
    metas = []
    for policy, rule, facts in checked:
        lines = policy.source.splitlines()
        snippet = "\n".join(lines[rule.pos.line - 1:rule.pos.end_line])
        kinds = {name: tuple(sorted(t.kinds)) for name, t in facts.param_types.items()}
        repo = None if facts.repo_paths is None else tuple(sorted(facts.repo_paths))
        metas.append(RuleMeta(rule.id, rule.title or rule.id, rule.severity or "error", rule.rationale, rule.help,
                              rule.tags, policy.name or Path(policy.path).stem, rule.scope,
                              dict(facts.param_defaults), kinds, repo, policy.path, rule.pos.line, snippet,
                              rule.examples))
    return Program(metas, code)


def generated_source(paths: list[str]) -> str:
    """The Python the policies compile to (for `usm-rules explain --source` and debugging)."""
    from ..schema import schema
    from .checker import check_policy
    from .compiler import generate
    from .parser import parse_policy

    pairs = []
    for path, text in read_sources(paths):
        policy = parse_policy(text, path)
        facts = check_policy(policy, schema())
        pairs.extend((rule, facts[rule.id]) for rule in policy.rules)
    return generate(pairs)


class _Runtime:
    """The `R` that generated code receives."""

    def __init__(self, as_of: _dt.date) -> None:
        from . import runtime
        from .builtins import BUILTINS, Context

        self.ctx = Context(as_of)
        self._builtins = BUILTINS
        for name in ("MISSING", "get", "index", "iterate", "div", "mod", "render", "match", "contains",
                     "TYPE_TESTS"):
            setattr(self, name, getattr(runtime, name))

    def function(self, name: str) -> Callable[..., Any]:
        b = self._builtins[name]
        if b.needs_context:
            ctx = self.ctx
            return lambda *args: b.fn(ctx, *args)
        return b.fn

    @staticmethod
    def compile_param_regex(rule_id: str, param: str, value: Any) -> re.Pattern:
        try:
            return re.compile(value)
        except (re.error, TypeError) as err:
            raise ValueError(f"param `{param}` of rule {rule_id} is not a valid regular expression: {err}") from None


def _kinds_of(value: Any) -> set[str]:
    if value is None:
        return {"null"}
    if type(value) is bool:
        return {"boolean"}
    if type(value) is int:
        return {"integer", "number"}
    if type(value) is float:
        return {"number"}
    if type(value) is str:
        return {"string"}
    if type(value) is list:
        return {"list"}
    return {"object"}


def param_problem(meta: RuleMeta, name: str, value: Any) -> str | None:
    """Why `value` cannot stand for param `name` of the rule (None when it can)."""
    if name not in meta.params:
        known = ", ".join(sorted(meta.params)) or "none"
        return f"rule {meta.id} has no param `{name}` (its params: {known})"
    expected = set(meta.param_kinds.get(name, ()))
    if not expected:
        return None
    if not (_kinds_of(value) & expected):
        return f"param `{name}` of rule {meta.id} must be like its default {meta.params[name]!r}, got {value!r}"
    if type(value) is list and type(meta.params[name]) is list and meta.params[name]:
        want = _kinds_of(meta.params[name][0])
        if any(not (_kinds_of(v) & want) for v in value):
            return f"param `{name}` of rule {meta.id} must be a list like {meta.params[name]!r}, got {value!r}"
    return None


def instantiate(program: Program, params: dict[str, dict[str, Any]], as_of: _dt.date) -> dict[str, Callable]:
    """Run the generated `make`: rule id -> function. `params` must be complete for every rule."""
    namespace: dict[str, Any] = {}
    exec(program.code, namespace)
    return dict(namespace["make"](params, _Runtime(as_of)))

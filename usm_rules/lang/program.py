"""Policy files -> a compiled program (cached in the user's cache directory) -> runnable rules.

Only a cache miss imports lark and jsonschema: a warm run on one file pays for neither. The cache is keyed
by the content of every compile input and trusted only as `usm_rules.cache` allows.
"""
from __future__ import annotations

import datetime as _dt
import marshal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any, Callable

from .. import __version__
from ..cache import cache_dir, read_entry, write_entry
from ..digest import sha256
from ..errors import Located, PolicyError
from ..files import FileRefused, read_bounded, read_text
from ..resources import grammar_file, schema_file

CACHE_FORMAT = 6
_TOOL_FILE_LIMIT = 4 * 1024 * 1024  # the grammar, the schema, a module of ours


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
    enforce_from: str = ""  # YYYY-MM-DD: a dated ramp ends (usm_rules/ramp.py); "": none

    def to_marshal(self) -> tuple:
        return (self.id, self.title, self.severity, self.rationale, self.help, self.tags, self.pack, self.scope,
                self.params, self.param_kinds, self.repo_paths, self.file, self.line, self.source, self.examples,
                self.enforce_from)


@dataclass
class Program:
    rules: list[RuleMeta]
    code: CodeType
    from_cache: bool = False


def _tool_files() -> list[Path]:
    """The tool's own compile inputs: the grammar, the schema, every module of the policy language (parser,
    checker, compiler, printer, builtins, runtime, …: a changed compiler never runs a stale program), and
    the schema package, whose `$ref` resolver gives the checker the types the compiler reads."""
    here = Path(__file__).resolve().parent
    return [grammar_file(), schema_file(), *sorted(here.glob("*.py")), *sorted((here.parent / "schema").glob("*.py"))]


def _cache_key(sources: list[tuple[str, str]], explain: bool, coverage: bool) -> bytes | None:
    """The full key of the compiled program: a SHA-256 over the content of every compile input.

    Contents, not sizes and mtimes: an edit that keeps both is still seen. Each policy counts with its
    path as given (paths appear in messages). Every field is length-prefixed, so two different input
    lists never hash the same bytes. None when a file of the tool itself cannot be read (a broken
    installation: the compile will say what is wrong; nothing is cached meanwhile).
    """
    digest = sha256()

    def add(data: bytes) -> None:
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)

    for field in (f"usm-rules compiled policies {CACHE_FORMAT}", __version__, sys.version,
                  f"explain={explain} coverage={coverage}"):
        add(field.encode())
    for path in _tool_files():
        add(path.name.encode())
        try:
            add(read_bounded(str(path), _TOOL_FILE_LIMIT))
        except FileRefused:
            return None
    add(str(len(sources)).encode())
    for path, text in sources:
        add(path.encode("utf-8", "surrogatepass"))
        add(text.encode("utf-8", "surrogatepass"))
    return digest.digest()


def _entry_name(key: bytes) -> str:
    return f"policies-{key.hex()[:32]}.bin"


# The type of each field of RuleMeta.to_marshal(), checked before a cached program is used.
_META_TYPES: tuple[tuple[type, ...], ...] = (
    (str,), (str,), (str,), (str,), (str,), (tuple,), (str,), (str,), (dict,), (dict,), (tuple, type(None)),
    (str,), (int,), (str,), (tuple,), (str,))


def _program_from(value: object) -> Program | None:
    """The Program in an unmarshalled payload, if it has exactly the shape `_write_cache` gives it."""
    if not (type(value) is tuple and len(value) == 3 and type(value[0]) is int and value[0] == CACHE_FORMAT
            and type(value[1]) is list and type(value[2]) is CodeType):
        return None
    metas = []
    for fields in value[1]:
        if (type(fields) is not tuple or len(fields) != len(_META_TYPES)
                or any(type(f) not in types for f, types in zip(fields, _META_TYPES))):
            return None
        metas.append(RuleMeta(*fields))
    return Program(metas, value[2], from_cache=True)


def _read_cache(directory: Path, key: bytes) -> Program | None:
    """The cached program for `key`, or None. `read_entry` has checked who wrote the entry and that its
    payload is intact before marshal sees a byte of it."""
    payload = read_entry(directory, _entry_name(key), key)
    if payload is None:
        return None
    try:
        value = marshal.loads(payload)
    except Exception:  # EOFError, ValueError, TypeError: an entry from another Python; rebuild
        return None
    return _program_from(value)


def _write_cache(directory: Path, key: bytes, program: Program) -> None:
    try:
        payload = marshal.dumps((CACHE_FORMAT, [m.to_marshal() for m in program.rules], program.code))
    except ValueError:  # a value marshal cannot hold: run uncached
        return
    write_entry(directory, _entry_name(key), key, payload)


def read_sources(paths: list[str]) -> list[tuple[str, str]]:
    """(path, text) of every policy file, read once through the bounded door (regular files only, UTF-8);
    every refused file is a PolicyError located at its first line, all reported at once."""
    out = []
    problems = []
    for path in paths:
        try:
            out.append((path, read_text(path)))
        except FileRefused as err:
            problems.append(Located(path, 1, 1, f"cannot read policy file: {err.reason}"))
    if problems:
        raise PolicyError(problems)
    return out


def load_program(paths: list[str], *, use_cache: bool = True, explain: bool = False,
                 coverage: bool = False) -> Program:
    """The compiled program for these policy files, from the cache when a trusted entry holds it.

    `use_cache=False` (`--no-cache`) reads and writes no cache at all. The policies are read once, and the
    key and any compile both use that text, so what is cached is what was hashed.
    """
    sources = read_sources(paths)
    directory = cache_dir() if use_cache else None
    key = None if directory is None else _cache_key(sources, explain, coverage)
    if directory is None or key is None:
        return compile_sources(sources, explain=explain, coverage=coverage)
    cached = _read_cache(directory, key)
    if cached is not None:
        return cached
    program = compile_sources(sources, explain=explain, coverage=coverage)
    _write_cache(directory, key, program)
    return program


def compile_sources(sources: list[tuple[str, str]], *, explain: bool = False, coverage: bool = False) -> Program:
    """Parse, check and compile policy sources; every problem in every file is raised at once."""
    from ..schema import schema
    from .checker import check_policy
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
        except RecursionError:  # the limits in nodes.py keep every walker far from this; a last defence
            problems.append(Located(path, 1, 1, "this policy is nested too deeply to be compiled"))
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
    code = _compile_rules(checked, explain, coverage)
    metas = []
    for policy, rule, facts in checked:
        lines = policy.source.split("\n")  # as the parser counts lines
        snippet = "\n".join(line.rstrip("\r") for line in lines[rule.pos.line - 1:rule.pos.end_line])
        kinds = {name: tuple(sorted(t.kinds)) for name, t in facts.param_types.items()}
        repo = None if facts.repo_paths is None else tuple(sorted(facts.repo_paths))
        metas.append(RuleMeta(rule.id, rule.title or rule.id, rule.severity or "error", rule.rationale, rule.help,
                              rule.tags, policy.name or Path(policy.path).stem, rule.scope,
                              dict(facts.param_defaults), kinds, repo, policy.path, rule.pos.line, snippet,
                              rule.examples, rule.enforce_from))
    return Program(metas, code)


def _compile_rules(checked: list[tuple[Any, Any, Any]], explain: bool, coverage: bool) -> CodeType:
    """Generate and compile the Python of checked (policy, rule, facts); what Python refuses is a PolicyError.

    The limits in nodes.py keep generated code within Python's own; should a rule pass them and still be
    refused (or exhaust memory), each rule is compiled alone to name the ones at fault.
    """
    from ..errors import located
    from .compiler import generate

    failures = (SyntaxError, RecursionError, MemoryError, ValueError, OverflowError)
    try:
        source = generate([(rule, facts) for _, rule, facts in checked], explain=explain, coverage=coverage)
        return compile(source, "<usm-rules policies>", "exec")
    except failures as err:
        problems: list[Located] = []
        for policy, rule, facts in checked:
            try:
                compile(generate([(rule, facts)], explain=explain, coverage=coverage), "<rule>", "exec")
            except failures as one:
                problems.append(located(policy.path, policy.source, rule.pos.line, rule.pos.column,
                                        f"rule {rule.id} is too large or too deeply nested to compile "
                                        f"({type(one).__name__}: {one}); split it into smaller checks", 4))
        if not problems:  # only the rules together are refused: name every file
            problems = [Located(path, 1, 1, f"these policies cannot be compiled ({type(err).__name__}: {err})")
                        for path in sorted({policy.path for policy, _, _ in checked})]
        raise PolicyError(problems) from None


class ParamError(ValueError):
    """A param value from config that the rule cannot use (a regex RE2 cannot run)."""

    def __init__(self, rule_id: str, param: str, message: str) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.param = param


class _Runtime:
    """The `R` that generated code receives."""

    def __init__(self, as_of: _dt.date) -> None:
        from . import runtime
        from .builtins import BUILTINS, Context

        self.ctx = Context(as_of)
        self._builtins = BUILTINS
        for name in ("MISSING", "get", "index", "iterate", "div", "mod", "render", "match", "contains",
                     "TYPE_TESTS", "Hit"):
            setattr(self, name, getattr(runtime, name))

    def function(self, name: str) -> Callable[..., Any]:
        b = self._builtins[name]
        if b.needs_context:
            ctx = self.ctx
            return lambda *args: b.fn(ctx, *args)
        return b.fn

    @staticmethod
    def regex(pattern: str) -> Any:
        """A `matches` literal, checked when the policy was compiled (see lang/regex.py)."""
        from .regex import compile_regex

        return compile_regex(pattern)

    @staticmethod
    def compile_param_regex(rule_id: str, param: str, value: Any) -> Any:
        """A regex param as config set it; a ValueError (shown as a config error) when RE2 cannot run it."""
        from .regex import RegexError, compile_regex

        try:
            return compile_regex(value)
        except RegexError as err:
            raise ParamError(rule_id, param, f"param `{param}` of rule {rule_id}: {err}") from None


def param_problem(meta: RuleMeta, name: str, value: Any) -> str | None:
    """Why `value` cannot stand for param `name` of the rule (None when it can): its kinds (runtime.kinds_of)
    must meet those of the param's default."""
    from .runtime import kinds_of

    if name not in meta.params:
        known = ", ".join(sorted(meta.params)) or "none"
        return f"rule {meta.id} has no param `{name}` (its params: {known})"
    expected = set(meta.param_kinds.get(name, ()))
    if not expected:
        return None
    if not (kinds_of(value) & expected):
        return f"param `{name}` of rule {meta.id} must be like its default {meta.params[name]!r}, got {value!r}"
    if type(value) is list and type(meta.params[name]) is list and meta.params[name]:
        want = kinds_of(meta.params[name][0])
        if any(not (kinds_of(v) & want) for v in value):
            return f"param `{name}` of rule {meta.id} must be a list like {meta.params[name]!r}, got {value!r}"
    return None


def instantiate(program: Program, params: dict[str, dict[str, Any]], as_of: _dt.date) -> dict[str, Callable]:
    """Run the generated `make`: rule id -> function. `params` must be complete for every rule."""
    namespace: dict[str, Any] = {}
    exec(program.code, namespace)
    return dict(namespace["make"](params, _Runtime(as_of)))

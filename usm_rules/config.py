"""Find, read and validate the configuration of usm-rules.

Where it comes from
-------------------
A config is either a ``usm-rules.toml`` file (keys at the top level) or the ``[tool.usm-rules]`` table of a
``pyproject.toml`` (the rest of that file is ignored). ``find_config`` walks up from a start directory; the
first directory that holds a ``usm-rules.toml``, or a ``pyproject.toml`` *with* a ``[tool.usm-rules]`` table,
wins, and ``usm-rules.toml`` beats ``pyproject.toml`` in the same directory. ``--config PATH`` skips the walk;
that file must then exist, and it is read in pyproject mode when it is named ``pyproject.toml``. No config
at all means the defaults below. Relative paths in a config are relative to the config file's directory.

What users write
----------------
::

    policies = ["policies/local.policy"]   # extra policy files or directories
    packs = ["usm", "cemm"]                 # built-in packs that are on (default: all; [] = none)
    select = ["USM", "CEMM-002"]            # rule ids or prefixes to run (default: all)
    ignore = ["CEMM-007"]                   # rule ids or prefixes not to run
    fail_on = "warning"                     # error | warning | info (default: error)
    include = ["**/*.yaml", "**/*.yml", "**/*.json"]
    exclude = ["drafts/**"]
    waivers = "waivers.yaml"
    baseline = ".usm-rules-baseline.json"
    jobs = 2                                # worker processes (default: 1)

    [maturity]
    levels = ["technology-driven", "system-driven", "service-driven", "customer-driven", "business-driven"]

    [vocabulary]
    perspectives = ["business", "user", "technical", "financial", "legal"]
    value_types = ["valueInUse", "social", "environmental", "relationship", "financial"]

    [word_lists]                            # heuristic word lists by name; the packs decide which they read
    weasel_words = ["fast", "efficient"]

    [suppressions]
    require_reason = true                   # `# usm-rules: ignore[ID] reason` must give a reason

    [limits]                                # positive integers, at most 1 GiB / 1,000 / 100,000,000
    max_bytes = 10485760
    max_depth = 64
    max_nodes = 1000000

    [rules.USM-010]
    severity = "warning"                    # error | warning | info | off
    max_gap = 2                             # any other key overrides a parameter of the rule

    [rules.CEMM-007]
    severity = "off"

Types are strict: lists are TOML arrays of non-empty strings, ``maturity.levels`` has at least two unique
names (its length is the scale: level 1 is the first name), the vocabulary lists at least one unique name
each, ``jobs`` (at most 256) and the limits are positive integers within the bounds the loader can honour
(``LIMIT_MAXIMUMS``). A ``[rules.ID]`` table takes a full rule id (``[A-Z][A-Z0-9]*-[0-9A-Z-]+``, in any
case: ``[rules.usm-010]`` is ``USM-010``); its parameters are carried as written and checked later by the
engine against the parameters the rule declares, using ``RuleSettings.param_locations`` for the position.

Rule patterns
-------------
``select`` and ``ignore`` hold rule ids or prefixes (see ``rule_matches``): a pattern without a dash is a
pack prefix and matches whole prefixes only (``CEMM`` matches ``CEMM-002``, not ``CEMMX-001``); a pattern
with a dash matches every id that starts with it (``USM-01`` matches ``USM-010`` … ``USM-019``; ``USM-010``
matches ``USM-010``). When both lists match a rule, the longer (more specific) pattern wins and a tie goes
to ``ignore``: ``select = ["CEMM-007"]`` with ``ignore = ["CEMM"]`` keeps CEMM-007 and nothing else of CEMM.
Rule ids and patterns are matched case-insensitively and kept in upper case (``usm-010`` is ``USM-010``).
Whether a pattern or ``[rules.ID]`` names a rule that exists is for the engine to say once the policies are
loaded; ``Config.locations`` tells it where each was written: ``"select[0]"``, ``"ignore[2]"`` (one per
entry) and ``"rules.USM-010"`` (under the upper-case id).

Errors
------
Every problem of a file is collected and raised together as one ``ConfigError``, each located at the key
that is wrong (``file:line:col: message``, the source line and a caret): TOML syntax errors, unknown keys
(with "did you mean"), wrong types, bad severities, malformed rule ids and unknown packs. tomllib gives no
positions, so ``_KeyIndex`` scans the (already valid) TOML text once and records where every key path is
first written: table headers, dotted and quoted keys, inline tables and arrays of them, and the elements of
arrays; comments and strings are skipped. A key it cannot find is reported at line 1, column 1.

Hostile files
-------------
The file is read through ``files.read_bounded`` (a regular file, at most ``TEXT_FILE_LIMIT`` bytes), so a FIFO,
a device or a huge file is refused at once with ``path:1:1: cannot read the config file: <why>``. Invalid
UTF-8 and NUL bytes are located errors naming the byte; arrays and inline tables nested more than
``MAX_TOML_NESTING`` deep are refused before tomllib (which recurses) sees them; an integer with more digits
than Python converts is a located error, not a ValueError.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable

from .errors import ConfigError, Located, located
from .files import TEXT_FILE_LIMIT, FileRefused, read_bounded
from .findings import Severity

CONFIG_FILE = "usm-rules.toml"
PYPROJECT_FILE = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "usm-rules")



def builtin_pack_names() -> tuple[str, ...]:
    """The packs shipped in the package's policies/ directory (`usm`, `cemm`, `spec`)."""
    from .resources import policies_dir

    try:
        return tuple(sorted(p.stem for p in policies_dir().glob("*.policy")))
    except OSError:
        return ()
DEFAULT_INCLUDE = ("**/*.yaml", "**/*.yml", "**/*.json")
DEFAULT_MATURITY_LEVELS = ("technology-driven", "system-driven", "service-driven", "customer-driven",
                           "business-driven")
DEFAULT_PERSPECTIVES = ("business", "user", "technical", "financial", "legal")
DEFAULT_VALUE_TYPES = ("valueInUse", "social", "environmental", "relationship", "financial")
LIMIT_KEYS = ("max_bytes", "max_depth", "max_nodes")
# The largest values the loader can honour: a file it may hold in memory; a depth its builders reach without
# RecursionError and libyaml parses itself (beyond 1,000 levels libyaml gives up and the loader falls back to
# PyYAML's pure-Python parser, which takes seconds on a 20 KB file); a node count it can count.
LIMIT_MAXIMUMS = {"max_bytes": 1 << 30, "max_depth": 1_000, "max_nodes": 100_000_000}
MAX_JOBS = 256
# Arrays and inline tables nested deeper than this are refused: tomllib recurses (~3 frames a level).
MAX_TOML_NESTING = 100
RULE_SEVERITIES = ("error", "warning", "info", "off")

_RULE_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9A-Z-]+")
_RULE_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(?:-[0-9A-Z-]*)?")


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """What the config says about one rule; `params` are carried as tomllib read them."""

    severity: Severity | None = None          # re-severity; None keeps the rule's own
    enabled: bool = True                      # False when the config says severity = "off"
    params: Mapping[str, object] = field(default_factory=_empty)
    param_locations: Mapping[str, Located] = field(default_factory=_empty)   # message "": replace() it
    location: Located | None = None           # where `[rules.ID]` was written (message "")


@dataclass(frozen=True, slots=True)
class Config:
    path: str | None                          # the file it came from, None for defaults
    root: str                                 # absolute directory that config paths are relative to
    policies: tuple[str, ...] = ()            # extra policy files/dirs, joined to `root`
    packs: tuple[str, ...] | None = None      # None = all built-in packs; () = none
    select: tuple[str, ...] = ()              # rule ids or prefixes; empty = all
    ignore: tuple[str, ...] = ()
    fail_on: Severity = Severity.ERROR
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    rules: Mapping[str, RuleSettings] = field(default_factory=_empty)
    maturity_levels: tuple[str, ...] = DEFAULT_MATURITY_LEVELS
    perspectives: tuple[str, ...] = DEFAULT_PERSPECTIVES
    value_types: tuple[str, ...] = DEFAULT_VALUE_TYPES
    word_lists: Mapping[str, tuple[str, ...]] = field(default_factory=_empty)
    waivers: str | None = None                # joined to `root`
    baseline: str | None = None               # joined to `root`
    limits: Mapping[str, int] = field(default_factory=_empty)
    jobs: int = 1
    require_suppression_reason: bool = False  # [suppressions] require_reason: inline ignores must say why
    # Where each key that was set is written, by dotted name ("select", "limits.max_bytes", "rules.USM-010"),
    # so later stages (a policy path that does not exist, an unknown rule id) can point at it.
    locations: Mapping[str, Located] = field(default_factory=_empty)

    def settings_for(self, rule_id: str) -> RuleSettings:
        return self.rules.get(rule_id) or RuleSettings()

    def is_selected(self, rule_id: str) -> bool:
        """Whether `select`/`ignore` keep the rule and the config has not switched it off."""
        settings = self.rules.get(rule_id)
        if settings is not None and not settings.enabled:
            return False
        return is_selected(rule_id, self.select, self.ignore)


def is_selected(rule_id: str, select: Iterable[str], ignore: Iterable[str]) -> bool:
    """Whether `select` (empty: everything) and `ignore` keep the rule; the longer pattern wins, a tie ignores."""
    select = tuple(select)
    chosen = _longest_match(rule_id, select) if select else 0
    if chosen is None:
        return False
    ignored = _longest_match(rule_id, ignore)
    return ignored is None or chosen > ignored


def rule_matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """True if any pattern is `rule_id` itself or a prefix of it.

    A pattern without a dash names a whole pack prefix (`CEMM` matches `CEMM-002` but not `CEMMX-001`);
    a pattern with a dash matches every id starting with it (`USM-01` matches `USM-010`; `USM-010` matches
    only `USM-010` in a catalogue of three-digit ids). Patterns match in any case (`usm-010` is `USM-010`;
    rule ids themselves are upper case); "" matches nothing.
    """
    return any(_pattern_matches(rule_id, p) for p in patterns)


def canonical_rule_id(text: str) -> str:
    """A rule id or pattern as the catalogue spells it: ASCII letters in upper case (`usm-010` -> `USM-010`).

    Only ASCII is folded, so that no other character turns into an id by case mapping (`ﬀ`.upper() is `FF`).
    """
    return text.translate(_ASCII_UPPER)


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def is_rule_id(text: str) -> bool:
    """True for a full rule id (`CEMM-002`, `spec-parse`), in any case."""
    return _RULE_ID.fullmatch(canonical_rule_id(text)) is not None


def is_rule_pattern(text: str) -> bool:
    """True for what `select`/`ignore` accept: a rule id or a prefix of one (`CEMM`, `usm-01`), in any case."""
    return _RULE_PATTERN.fullmatch(canonical_rule_id(text)) is not None


def _pattern_matches(rule_id: str, pattern: str) -> bool:
    if not pattern:
        return False
    pattern = canonical_rule_id(pattern)
    if "-" in pattern:
        return rule_id.startswith(pattern)
    return rule_id == pattern or rule_id.startswith(pattern + "-")


def _longest_match(rule_id: str, patterns: Iterable[str]) -> int | None:
    # Lengths compare specificity; canonical_rule_id keeps the length of every pattern it accepts.
    lengths = [len(p) for p in patterns if _pattern_matches(rule_id, p)]
    return max(lengths) if lengths else None


# --- discovery and loading ----------------------------------------------------------------------------


def find_config(start: str) -> str | None:
    """The absolute path of the config that applies to `start` (a directory or a file in one), or None.

    A `usm-rules.toml` that exists but is not a regular file (a FIFO, a directory, a dangling symlink) is
    still returned, so that reading it reports why it cannot be used instead of the config being skipped in
    silence; nothing here opens it.
    """
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        candidate = os.path.join(here, CONFIG_FILE)
        if os.path.lexists(candidate):
            return candidate
        candidate = os.path.join(here, PYPROJECT_FILE)
        if _has_tool_table(candidate):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _has_tool_table(pyproject: str) -> bool:
    """Whether a pyproject.toml configures usm-rules; one that might but cannot be parsed counts, so that
    its problem is reported. Anything but a regular file is not ours to judge and does not count."""
    try:
        data = read_bounded(pyproject, TEXT_FILE_LIMIT)
    except FileRefused as err:
        return err.too_large  # too large to look inside: pick it, so that the limit is reported
    if b"usm-rules" not in data:
        return False
    import tomllib

    try:
        parsed = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError, ValueError):
        return True  # it mentions us but does not parse: pick it, so that the problem is reported
    tool = parsed.get("tool")
    return isinstance(tool, dict) and "usm-rules" in tool


def load_config(path: str | None = None, start: str = ".") -> Config:
    """Read the config at `path` (`--config`), or the one found from `start`, or the defaults."""
    if path is None:
        found = find_config(start)
        if found is None:
            return Config(path=None, root=os.getcwd())
        path = _shown_path(found)
    text = _read_text(path)
    return parse_config(text, path, pyproject=os.path.basename(path) == PYPROJECT_FILE)


def _shown_path(path: str) -> str:
    """`path` relative to the working directory when it lies below it (shorter messages), else as is."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive
        return path
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return path
    return rel.replace(os.sep, "/")


def refused_error(path: str, what: str, err: FileRefused) -> ConfigError:
    """A user file that was not read (config, waivers, baseline) as a ConfigError naming it and why:
    `path:1:1: cannot read the waivers file: it is a FIFO (named pipe), not a regular file`."""
    return ConfigError([Located(path, 1, 1, f"cannot read {what}: {err.reason}")])


def read_user_file(path: str, what: str, limit: int = TEXT_FILE_LIMIT) -> bytes:
    """The bytes of a config, waivers or baseline file, through the one bounded door; a ConfigError if refused."""
    try:
        return read_bounded(path, limit)
    except FileRefused as err:
        raise refused_error(path, what, err) from None


def span_error(path: str, source: str | None, span: Any, message: str) -> Located:
    """A located error at a loader `Span` of a user file; the caret underlines it when it is on one line."""
    length = span.end_column - span.column if span.end_line == span.line else 1
    return located(path, source, span.line, span.column, message, max(1, length))


def loader_errors(path: str, source: str | None, problems: Iterable[Any]) -> list[Located]:
    """The spec loader's problems with a waivers or baseline file (syntax, encoding, limits, duplicate keys)
    as located errors."""
    return [span_error(path, source, p.span, p.message) for p in problems]


class DocumentChecker:
    """Collects located problems while the loaded document of a waivers or baseline file is checked."""

    most = 50  # problems shown; a broken file of a million entries is not a million lines of errors

    def __init__(self, path: str, source: str, doc: Any) -> None:
        self.path, self.source, self.doc = path, source, doc
        self.problems: list[Located] = []

    def at(self, parts: tuple, message: str = "") -> Located:
        """Where the node at pointer `parts` is written (the deepest existing node along it)."""
        span, _ = self.doc.locate(parts)
        return span_error(self.path, self.source, span, message)

    def err(self, parts: tuple, message: str) -> None:
        self.problems.append(self.at(parts, message))

    def raise_problems(self) -> None:
        """Raise every problem recorded (in file order, the first `most` of them); nothing if there is none."""
        if not self.problems:
            return
        problems = sorted(self.problems, key=lambda p: (p.line, p.column))
        if len(problems) > self.most:
            more = len(problems) - self.most
            problems = problems[:self.most] + [dataclasses.replace(problems[self.most], length=1, message=(
                f"... and {more:,} more problem{'' if more == 1 else 's'} in this file"))]
        raise ConfigError(problems)


def _read_text(path: str) -> str:
    data = read_user_file(path, "the config file")
    problem = text_problem(data)
    if problem is not None:
        offset, message = problem
        shown = data.decode("utf-8", "replace")
        line, column = _line_column(data, offset)
        raise ConfigError([located(path, shown, line, column, f"config file {message}")])
    return data.decode("utf-8-sig")


def text_problem(data: bytes) -> tuple[int, str] | None:
    """Why `data` is not UTF-8 text, as (byte offset, "is not valid UTF-8 (byte 17)"), or None."""
    nul = data.find(b"\0")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if nul < 0 or exc.start < nul:
            return exc.start, f"is not valid UTF-8 (byte {exc.start})"
    if nul >= 0:
        return nul, f"holds a NUL byte (byte {nul}): it is not a text file"
    return None


def _line_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a byte offset; undecodable bytes count one each."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", "replace")) + 1


# --- parsing and validation ---------------------------------------------------------------------------


def parse_config(text: str, path: str, *, pyproject: bool = False) -> Config:
    """Validate config `text` read from `path`; raise one ConfigError listing every problem in it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    root = os.path.dirname(os.path.abspath(path))
    data: Any = _parse_toml(text, path)
    prefix: tuple[str, ...] = ()
    if pyproject:
        tool = data.get("tool")
        if not isinstance(tool, dict) or "usm-rules" not in tool:
            raise ConfigError(f"{path}: no [tool.usm-rules] table")
        data = tool["usm-rules"]
        if not isinstance(data, dict):
            reader = _Reader(path, text, ())
            reader.error(PYPROJECT_TABLE, f"`tool.usm-rules` must be a table, got {_show(data)}")
            raise ConfigError(reader.problems)
        prefix = PYPROJECT_TABLE
    reader = _Reader(path, text, prefix)
    values: dict[str, Any] = {}
    for key, value in data.items():
        handler = _TOP_LEVEL.get(key)
        if handler is None:
            hint = ""
            if key == "tool" and not pyproject:
                hint = (" (`[tool.usm-rules]` belongs in pyproject.toml; in usm-rules.toml write its keys"
                        " at the top level)")
            reader.unknown((key,), _TOP_LEVEL, hint)
            continue
        reader.note((key,))
        handler(reader, value, values, root)
    if reader.problems:
        raise ConfigError(sorted(reader.problems, key=lambda p: (p.line, p.column)))
    return Config(path=path, root=root, locations=MappingProxyType(reader.locations), **values)


def _parse_toml(text: str, path: str) -> Any:
    """tomllib's reading of `text`; everything it cannot take is a located ConfigError, never another error."""
    import tomllib

    deep = _too_deep(text, MAX_TOML_NESTING)
    if deep is not None:
        raise ConfigError([_at_offset(path, text, deep, f"invalid TOML: arrays and inline tables are nested more "
                                                        f"than {MAX_TOML_NESTING} levels deep")])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax_problem(path, text, exc)]) from None
    except RecursionError:  # a last guard: _too_deep keeps tomllib's recursion shallow
        raise ConfigError([located(path, _displayable(text), 1, 1, "invalid TOML: nested too deeply")]) from None
    except ValueError as exc:  # an integer with more digits than int() converts (sys.get_int_max_str_digits)
        offset, digits = _longest_number(text)
        if digits > 0:
            message = f"invalid TOML: an integer of {digits:,} digits is too long to read"
        else:
            offset, message = 0, f"invalid TOML: {exc}"
        raise ConfigError([_at_offset(path, text, offset, message)]) from None


def _at_offset(path: str, text: str, offset: int, message: str) -> Located:
    shown = _displayable(text)
    line = shown.count("\n", 0, offset) + 1
    column = offset - (shown.rfind("\n", 0, offset) + 1) + 1
    return located(path, shown, line, column, message)


_TOML_TOKEN = re.compile(r"\"\"\"|'''|[\"'#\[\]{}]")
_BASIC_REST = re.compile(r'(?:[^"\\\n]|\\.)*"?')  # what follows an opening `"`, up to its closing quote
_MULTILINE_BASIC_REST = re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)', re.S)  # the same after `"""`


def _too_deep(text: str, limit: int) -> int | None:
    """The offset of the first `[` or `{` nested more than `limit` deep, or None.

    Linear and iterative: strings and comments are skipped by their syntax, so brackets inside them do not
    count; table headers count as one level (or two), far below any limit.
    """
    if text.count("[") + text.count("{") <= limit:
        return None
    depth, position, end = 0, 0, len(text)
    while position < end:
        match = _TOML_TOKEN.search(text, position)
        if match is None:
            return None
        token, position = match.group(), match.end()
        if token in "[{":
            depth += 1
            if depth > limit:
                return match.start()
        elif token in "]}":
            depth = max(0, depth - 1)
        elif token == "#":
            newline = text.find("\n", position)
            position = end if newline < 0 else newline
        elif token == "'''":
            close = text.find("'''", position)
            position = end if close < 0 else close + 3
        elif token == "'":
            close = text.find("'", position)
            newline = text.find("\n", position)
            position = end if close < 0 else close + 1 if newline < 0 or close < newline else newline
        else:
            rest = (_MULTILINE_BASIC_REST if token == '"""' else _BASIC_REST).match(text, position)
            position = rest.end() if rest else end
    return None


_DIGITS = re.compile(r"[0-9][0-9_]*")


def _longest_number(text: str) -> tuple[int, int]:
    """(offset, digit count) of the longest run of digits (TOML allows `_` between them), or (0, 0)."""
    best = (0, 0)
    for match in _DIGITS.finditer(text):
        digits = len(match.group()) - match.group().count("_")
        if digits > best[1]:
            best = (match.start(), digits)
    return best


_SYNTAX = re.compile(r"(?s)(.*) \(at (?:line (\d+), column (\d+)|end of document)\)")


def _syntax_problem(path: str, text: str, exc: Exception) -> Located:
    message = str(exc)
    line, column = 1, 1
    match = _SYNTAX.fullmatch(message)
    shown = _displayable(text)
    if match:
        message = match.group(1)
        if match.group(2):
            line, column = int(match.group(2)), int(match.group(3))
        else:
            lines = shown.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message += " at end of file"
    if message:
        message = message[0].lower() + message[1:]
    return located(path, shown, line, column, f"invalid TOML: {message}")


_LINE_BREAKS = str.maketrans({c: " " for c in "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def _displayable(text: str) -> str:
    """`text` with TOML's line structure only: lines end at "\\n" alone, as tomllib counts them.

    `str.splitlines` (used to pick the source line) also breaks at characters TOML allows inside strings
    and comments (U+2028, U+0085, ...); they become spaces, one for one, so lines and columns still agree.
    Valid TOML has no lone "\r", so the key index can scan the same text with only "\r\n" replaced.
    """
    return text.replace("\r\n", "\n").translate(_LINE_BREAKS)


def _show(value: object) -> str:
    """A value as it would be written in TOML, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return _quote(text)
    if isinstance(value, int) and abs(value) >= 10 ** 40:  # str() of a huge int is long, or raises
        return "an integer of more than 40 digits"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else repr(value)


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(p if _BARE_KEY.fullmatch(p) else _quote(p) for p in path)


def _quote(text: str) -> str:
    """`text` as a TOML/JSON string; unprintable characters (line separators, controls) escaped."""
    return json.dumps(text, ensure_ascii=not text.isprintable())


def _either(options: Iterable[str]) -> str:
    items = list(options)
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def _suggest(word: str, candidates: Iterable[str]) -> str:
    import difflib

    options = list(candidates)
    normal = word.strip().lower().replace("-", "_")
    for option in options:
        if option.lower().replace("-", "_") == normal:
            return f"; did you mean `{option}`?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


class _Reader:
    """Collects located problems and key locations while one config table is validated."""

    def __init__(self, path: str, text: str, prefix: tuple[str, ...]) -> None:
        self.path = path
        self.source = text.replace("\r\n", "\n")  # same offsets as `text` shown, with its keys intact
        self.text = _displayable(text)
        self.prefix = prefix
        self.problems: list[Located] = []
        self.locations: dict[str, Located] = {}
        self._index: _KeyIndex | None = None

    def at(self, key: tuple[str | int, ...], message: str = "") -> Located:
        if self._index is None:
            self._index = _KeyIndex(self.source)
        spot = self._index.find(self.prefix + key)
        line, column, length = spot if spot is not None else (1, 1, 1)
        return located(self.path, self.text, line, column, message, length)

    def note(self, key: tuple[str, ...]) -> Located:
        return self.note_as(key, _dotted(key))

    def note_as(self, key: tuple[str | int, ...], name: str) -> Located:
        """Record where `key` is written under `name` in `Config.locations` (message "")."""
        where = self.at(key)
        self.locations[name] = where
        return where

    def error(self, key: tuple[str, ...], message: str) -> None:
        self.problems.append(self.at(key, message))

    def unknown(self, key: tuple[str, ...], known: Iterable[str], hint: str = "") -> None:
        where = f" in `[{_dotted(key[:-1])}]`" if len(key) > 1 else ""
        suggestion = "" if hint else _suggest(key[-1], known)
        self.error(key, f"unknown key `{_dotted(key[-1:])}`{where}{suggestion}{hint}")

    # Each check returns the value it accepts, or None after recording a problem.

    def table(self, key: tuple[str, ...], value: object) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(key, f"`{_dotted(key)}` must be a table, got {_show(value)}")
        return None

    def keys(self, key: tuple[str, ...], value: object, known: Iterable[str]) -> dict[str, Any]:
        """The entries of table `key` whose names are in `known`; the others are reported."""
        table = self.table(key, value)
        if table is None:
            return {}
        known = tuple(known)
        accepted = {}
        for name, item in table.items():
            if name in known:
                self.note(key + (name,))
                accepted[name] = item
            else:
                self.unknown(key + (name,), known)
        return accepted

    def string(self, key: tuple[str, ...], value: object) -> str | None:
        if isinstance(value, str) and value.strip():
            return value
        self.error(key, f"`{_dotted(key)}` must be a non-empty string, got {_show(value)}")
        return None

    def strings(self, key: tuple[str, ...], value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.error(key, f"`{_dotted(key)}` must be an array of strings, got {_show(value)}")
            return None
        ok = True
        for number, item in enumerate(value, 1):
            if not (isinstance(item, str) and item.strip()):
                self.error(key, f"item {number} of `{_dotted(key)}` must be a non-empty string, got {_show(item)}")
                ok = False
        return tuple(value) if ok else None

    def names(self, key: tuple[str, ...], value: object, minimum: int) -> tuple[str, ...] | None:
        """An array of at least `minimum` unique non-empty strings."""
        items = self.strings(key, value)
        if items is None:
            return None
        if len(items) < minimum:
            entries = "entry" if minimum == 1 else "entries"
            self.error(key, f"`{_dotted(key)}` must have at least {minimum} {entries}, got {len(items)}")
            return None
        seen: set[str] = set()
        ok = True
        for item in items:
            if item in seen:
                self.error(key, f"`{_dotted(key)}` lists {_show(item)} more than once")
                ok = False
            seen.add(item)
        return items if ok else None

    def positive_int(self, key: tuple[str, ...], value: object, maximum: int) -> int | None:
        """A positive integer no larger than `maximum` (what the code that uses it can honour)."""
        if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
            self.error(key, f"`{_dotted(key)}` must be a positive integer, got {_show(value)}")
        elif value > maximum:
            self.error(key, f"`{_dotted(key)}` must be between 1 and {maximum:,}, got {_show(value)}")
        else:
            return value
        return None

    def choice(self, key: tuple[str, ...], value: object, options: tuple[str, ...]) -> str | None:
        if isinstance(value, str) and value in options:
            return value
        suggestion = _suggest(value, options) if isinstance(value, str) else ""
        self.error(key, f"`{_dotted(key)}` must be {_either(options)}, got {_show(value)}{suggestion}")
        return None


def _path_list(name: str) -> Callable[[_Reader, object, dict[str, Any], str], None]:
    def read(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is not None:
            out[name] = tuple(os.path.normpath(os.path.join(root, item)) for item in items)
    return read


def _path(name: str) -> Callable[[_Reader, object, dict[str, Any], str], None]:
    def read(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
        item = r.string((name,), value)
        if item is not None:
            out[name] = os.path.normpath(os.path.join(root, item))
    return read


def _glob_list(name: str) -> Callable[[_Reader, object, dict[str, Any], str], None]:
    def read(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is not None:
            out[name] = items
    return read


def _pattern_list(name: str) -> Callable[[_Reader, object, dict[str, Any], str], None]:
    def read(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is None:
            return
        ok = True
        for number, item in enumerate(items):
            # Each entry keeps its own place, so that the engine can point at a pattern that matches no rule.
            where = r.note_as((name, number), f"{name}[{number}]")
            if not is_rule_pattern(item):
                r.problems.append(dataclasses.replace(
                    where, message=f"`{name}` entry {_show(item)} is not a rule id or prefix "
                                   f"(such as `CEMM`, `USM-01` or `CEMM-002`)"))
                ok = False
        if ok:
            out[name] = tuple(canonical_rule_id(item) for item in items)
    return read


def _packs(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    items = r.strings(("packs",), value)
    if items is None:
        return
    ok = True
    for item in items:
        known = builtin_pack_names()
        if item not in known:
            r.error(("packs",), f"`packs` entry {_show(item)} is not a built-in pack "
                                f"({_either(known)}){_suggest(item, known)}")
            ok = False
    if ok:
        out["packs"] = items


def _fail_on(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    choice = r.choice(("fail_on",), value, ("error", "warning", "info"))
    if choice is not None:
        out["fail_on"] = Severity.parse(choice)


def _jobs(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    jobs = r.positive_int(("jobs",), value, MAX_JOBS)
    if jobs is not None:
        out["jobs"] = jobs


def _maturity(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("maturity",), value, ("levels",))
    if "levels" in table:
        levels = r.names(("maturity", "levels"), table["levels"], minimum=2)
        if levels is not None:
            out["maturity_levels"] = levels


def _vocabulary(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("vocabulary",), value, ("perspectives", "value_types"))
    for name, item in table.items():
        names = r.names(("vocabulary", name), item, minimum=1)
        if names is not None:
            out[name] = names


def _word_lists(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.table(("word_lists",), value)
    if table is None:
        return
    lists = {}
    for name, item in table.items():
        r.note(("word_lists", name))
        words = r.strings(("word_lists", name), item)
        if words is not None:
            lists[name] = words
    out["word_lists"] = MappingProxyType(lists)


def _suppressions(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("suppressions",), value, ("require_reason",))
    if "require_reason" in table:
        flag = table["require_reason"]
        if type(flag) is bool:
            out["require_suppression_reason"] = flag
        else:
            r.error(("suppressions", "require_reason"), f"`suppressions.require_reason` must be true or false, "
                                                        f"got {_show(flag)}")


def _limits(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("limits",), value, LIMIT_KEYS)
    limits = {}
    for name, item in table.items():
        number = r.positive_int(("limits", name), item, LIMIT_MAXIMUMS[name])
        if number is not None:
            limits[name] = number
    out["limits"] = MappingProxyType(limits)


def _rules(r: _Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.table(("rules",), value)
    if table is None:
        return
    rules: dict[str, RuleSettings] = {}
    written: dict[str, str] = {}  # upper-case id -> as first written
    for written_id, item in table.items():
        key = ("rules", written_id)
        if not is_rule_id(written_id):
            r.error(key, f"`{_dotted(key[-1:])}` does not look like a rule id (such as `CEMM-002`)")
            continue
        rule_id = canonical_rule_id(written_id)
        if rule_id in written:
            r.error(key, f"`[rules.{_dotted(key[-1:])}]` configures {rule_id} a second time "
                         f"(rule ids ignore case; see `[rules.{_dotted((written[rule_id],))}]`)")
            continue
        written[rule_id] = written_id
        body = r.table(key, item)
        if body is None:
            continue
        rules[rule_id] = _rule_settings(r, key, ("rules", rule_id), body)
    out["rules"] = MappingProxyType(rules)


def _rule_settings(r: _Reader, key: tuple[str, ...], name: tuple[str, ...], body: dict[str, Any]) -> RuleSettings:
    """One `[rules.ID]` table written at `key`; locations are recorded under `name` (the upper-case id)."""
    where = r.note_as(key, _dotted(name))
    severity: Severity | None = None
    enabled = True
    params: dict[str, object] = {}
    param_locations: dict[str, Located] = {}
    for setting, value in body.items():
        located_at = r.note_as(key + (setting,), _dotted(name + (setting,)))
        if setting == "severity":
            choice = r.choice(key + (setting,), value, RULE_SEVERITIES)
            if choice == "off":
                enabled = False
            elif choice is not None:
                severity = Severity.parse(choice)
        else:
            params[setting] = value
            param_locations[setting] = located_at
    return RuleSettings(severity, enabled, MappingProxyType(params), MappingProxyType(param_locations), where)


_TOP_LEVEL: dict[str, Callable[[_Reader, object, dict[str, Any], str], None]] = {
    "policies": _path_list("policies"),
    "packs": _packs,
    "select": _pattern_list("select"),
    "ignore": _pattern_list("ignore"),
    "fail_on": _fail_on,
    "include": _glob_list("include"),
    "exclude": _glob_list("exclude"),
    "waivers": _path("waivers"),
    "baseline": _path("baseline"),
    "jobs": _jobs,
    "maturity": _maturity,
    "vocabulary": _vocabulary,
    "word_lists": _word_lists,
    "limits": _limits,
    "suppressions": _suppressions,
    "rules": _rules,
}


# --- where keys are written -----------------------------------------------------------------------------


class _Stop(Exception):
    """The scanner met something it does not understand: keep what it found so far."""


_SCALAR = re.compile(r"[^,\]}\n#]+")


class _KeyIndex:
    """Where each key path of a valid TOML document is first written, as (line, column, length).

    A header `[a.b]` records ("a",) and ("a", "b"); a key `c.d = 1` under it records ("a", "b", "c") and
    ("a", "b", "c", "d"); keys of inline tables extend the path of their key, arrays pass it on to the
    inline tables they hold. Values are skipped by their syntax (strings with escapes and multi-line
    quotes, nested arrays, comments), so text inside a string or a comment is never taken for a key.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.spots: dict[tuple[str | int, ...], tuple[int, int]] = {}
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        try:
            self._document()
        except (_Stop, IndexError, ValueError, RecursionError):
            pass

    def find(self, path: tuple[str | int, ...]) -> tuple[int, int, int] | None:
        spot = self.spots.get(path)
        if spot is None:
            return None
        start, end = spot
        line = bisect_right(self.line_starts, start)
        return line, start - self.line_starts[line - 1] + 1, max(1, end - start)

    def _document(self) -> None:
        text = self.text
        table: tuple[str, ...] = ()
        while True:
            self._blank(newlines=True)
            if self.pos >= len(text):
                return
            if text[self.pos] == "[":
                double = text.startswith("[[", self.pos)
                self.pos += 2 if double else 1
                table = self._key(())
                self._blank()
                self._expect("]]" if double else "]")
            else:
                path = self._key(table)
                self._blank()
                self._expect("=")
                self._value(path)

    def _blank(self, newlines: bool = False) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in " \t" or (newlines and c == "\n"):
                self.pos += 1
            elif c == "#":
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                return

    def _expect(self, token: str) -> None:
        if not self.text.startswith(token, self.pos):
            raise _Stop
        self.pos += len(token)

    def _key(self, prefix: tuple[str, ...]) -> tuple[str, ...]:
        path = prefix
        while True:
            self._blank()
            start = self.pos
            path = path + (self._key_part(),)
            self.spots.setdefault(path, (start, self.pos))
            self._blank()
            if self.text.startswith(".", self.pos):
                self.pos += 1
            else:
                return path

    def _key_part(self) -> str:
        text, start = self.text, self.pos
        c = text[start]
        if c == '"':
            self.pos = self._basic_string_end(start)
            return _decode_basic_key(text[start:self.pos])
        if c == "'":
            self.pos = text.index("'", start + 1) + 1
            return text[start + 1:self.pos - 1]
        match = _BARE_KEY.match(text, start)
        if match is None:
            raise _Stop
        self.pos = match.end()
        return match.group()

    def _basic_string_end(self, start: int) -> int:
        text, i = self.text, start + 1
        while True:
            c = text[i]
            if c == "\\":
                i += 2
            elif c == '"':
                return i + 1
            elif c == "\n":
                raise _Stop
            else:
                i += 1

    def _multiline_end(self, start: int, quote: str) -> int:
        text, i = self.text, start + 3
        while True:
            c = text[i]
            if c == "\\" and quote == '"':
                i += 2
            elif c == quote and text.startswith(quote * 3, i):
                run = 3  # up to two more quotes just before the delimiter belong to the string
                while run < 5 and i + run < len(text) and text[i + run] == quote:
                    run += 1
                return i + run
            else:
                i += 1

    def _value(self, path: tuple[str, ...]) -> None:
        self._blank()
        text, start = self.text, self.pos
        c = text[start]
        if text.startswith('"""', start) or text.startswith("'''", start):
            self.pos = self._multiline_end(start, c)
        elif c == '"':
            self.pos = self._basic_string_end(start)
        elif c == "'":
            self.pos = text.index("'", start + 1) + 1
        elif c == "[":
            self._array(path)
        elif c == "{":
            self._inline_table(path)
        else:
            match = _SCALAR.match(text, start)
            if match is None:
                raise _Stop
            self.pos = match.end()

    def _array(self, path: tuple[str | int, ...]) -> None:
        self.pos += 1
        index = 0
        while True:
            self._blank(newlines=True)
            if self.text[self.pos] == "]":
                self.pos += 1
                return
            start = self.pos
            if self.text[start] == "[":  # a nested array numbers its own elements below this one
                self._array(path + (index,))
            else:
                self._value(path)  # inline tables in an array record their keys under the array's key
            self.spots.setdefault(path + (index,), (start, self.pos))
            index += 1
            self._blank(newlines=True)
            if self.text[self.pos] == ",":
                self.pos += 1
            elif self.text[self.pos] != "]":
                raise _Stop

    def _inline_table(self, path: tuple[str, ...]) -> None:
        self.pos += 1
        while True:
            self._blank(newlines=True)
            if self.text[self.pos] == "}":
                self.pos += 1
                return
            key = self._key(path)
            self._blank()
            self._expect("=")
            self._value(key)
            self._blank(newlines=True)
            if self.text[self.pos] == ",":
                self.pos += 1
            elif self.text[self.pos] != "}":
                raise _Stop


def _decode_basic_key(quoted: str) -> str:
    if "\\" not in quoted:
        return quoted[1:-1]
    import tomllib

    try:
        return next(iter(tomllib.loads(quoted + " = 0")))
    except (tomllib.TOMLDecodeError, StopIteration):
        return quoted[1:-1]

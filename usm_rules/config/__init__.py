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
Every key, with its type, default and an example, is in ``docs/configuration.md`` (a test checks it against
``tables.TOP_LEVEL`` and ``tables.SUBTABLE_KEYS``)::

    policies = ["policies/local.policy"]   # extra policy files or directories
    packs = ["usm", "cemm"]                 # built-in packs that are on (default: all; [] = none)
    select = ["USM", "CEMM-002"]            # rule ids or prefixes to run (default: all)
    ignore = ["CEMM-007"]                   # rule ids or prefixes not to run
    fail_on = "warning"                     # error | warning | info | never (default: error)
    help_base_url = "https://git.example.com/platform/usm-rules/-/blob/v0.2.0/docs/rules.md"  # SARIF helpUri
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
    enforce_from = "2027-01-01"             # a dated ramp (or warn_until = "2026-12-31"): one severity lower
                                            # before that day; see usm_rules/ramp.py

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
positions, so ``keyindex.KeyIndex`` scans the (already valid) TOML text once and records where every key path is
first written: table headers, dotted and quoted keys, inline tables and arrays of them, and the elements of
arrays; comments and strings are skipped. A key it cannot find is reported at line 1, column 1.

Hostile files
-------------
The file is read through ``files.read_bounded`` (a regular file, at most ``TEXT_FILE_LIMIT`` bytes), so a FIFO,
a device or a huge file is refused at once with ``path:1:1: cannot read the config file: <why>``. Invalid
UTF-8 and NUL bytes are located errors naming the byte; arrays and inline tables nested more than
``MAX_TOML_NESTING`` deep are refused before tomllib (which recurses) sees them; an integer with more digits
than Python converts is a located error, not a ValueError.

The package
-----------
One job per module: ``model`` (``Config``, ``RuleSettings``, defaults and bounds), ``rules`` (rule ids and
``select``/``ignore`` patterns), ``load`` (finding and reading the file), ``syntax`` (TOML text -> tomllib
data, every failure located), ``reader`` (the validating reader), ``tables`` (one handler per top-level
key), ``keyindex`` (where keys are written), ``wording`` (how values and keys are quoted in messages) and
``documents`` (what the waivers and baseline readers share). This module is the public API.
"""

from __future__ import annotations

from typing import Any

from .load import find_config, load_config, parse_config, text_problem
from .model import (
    CONFIG_FILE,
    DEFAULT_INCLUDE,
    DEFAULT_MATURITY_LEVELS,
    DEFAULT_PERSPECTIVES,
    DEFAULT_VALUE_TYPES,
    LIMIT_KEYS,
    LIMIT_MAXIMUMS,
    MAX_JOBS,
    MAX_TOML_NESTING,
    PYPROJECT_FILE,
    PYPROJECT_TABLE,
    RULE_SEVERITIES,
    Config,
    RuleSettings,
    builtin_pack_names,
)
from .rules import canonical_rule_id, is_rule_id, is_rule_pattern, is_selected, rule_matches

__all__ = [
    "CONFIG_FILE", "DEFAULT_INCLUDE", "DEFAULT_MATURITY_LEVELS", "DEFAULT_PERSPECTIVES", "DEFAULT_VALUE_TYPES",
    "LIMIT_KEYS", "LIMIT_MAXIMUMS", "MAX_JOBS", "MAX_TOML_NESTING", "PYPROJECT_FILE", "PYPROJECT_TABLE",
    "RULE_SEVERITIES", "Config", "DocumentChecker", "RuleSettings", "builtin_pack_names", "canonical_rule_id",
    "find_config", "is_rule_id", "is_rule_pattern", "is_selected", "load_config", "loader_errors", "parse_config",
    "read_user_file", "refused_error", "rule_matches", "span_error", "text_problem",
]


def __getattr__(name: str) -> Any:
    # What the waivers and baseline readers share: loaded only when one of them is read.
    if name in ("DocumentChecker", "loader_errors", "read_user_file", "refused_error", "span_error"):
        from . import documents

        return getattr(documents, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

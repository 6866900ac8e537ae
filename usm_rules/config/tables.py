"""One handler per top-level key of a config: each validates its value with the reader and puts what it
accepts into the keyword arguments of `Config`."""
from __future__ import annotations

import dataclasses
import os
from types import MappingProxyType
from typing import Any, Callable

from ..errors import Located
from ..findings import Severity
from .model import LIMIT_KEYS, LIMIT_MAXIMUMS, MAX_JOBS, RULE_SEVERITIES, RuleSettings, builtin_pack_names
from ..ramp import KEYWORDS as RAMP_KEYWORDS, enforcement_day, parse_day
from .reader import Reader
from .rules import canonical_rule_id, is_rule_id, is_rule_pattern
from .wording import dotted, either, show, suggest

# The keys of the tables whose keys are fixed (docs/configuration.md is checked against these and TOP_LEVEL);
# `[word_lists]` and `[rules.ID]` take names of their own.
SUBTABLE_KEYS: dict[str, tuple[str, ...]] = {
    "maturity": ("levels",),
    "vocabulary": ("perspectives", "value_types"),
    "suppressions": ("require_reason",),
    "limits": LIMIT_KEYS,
}


def _path_list(name: str) -> Callable[[Reader, object, dict[str, Any], str], None]:
    def read(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is not None:
            out[name] = tuple(os.path.normpath(os.path.join(root, item)) for item in items)
    return read


def _path(name: str) -> Callable[[Reader, object, dict[str, Any], str], None]:
    def read(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
        item = r.string((name,), value)
        if item is not None:
            out[name] = os.path.normpath(os.path.join(root, item))
    return read


def _glob_list(name: str) -> Callable[[Reader, object, dict[str, Any], str], None]:
    def read(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is not None:
            out[name] = items
    return read


def _pattern_list(name: str) -> Callable[[Reader, object, dict[str, Any], str], None]:
    def read(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
        items = r.strings((name,), value)
        if items is None:
            return
        ok = True
        for number, item in enumerate(items):
            # Each entry keeps its own place, so that the engine can point at a pattern that matches no rule.
            where = r.note_as((name, number), f"{name}[{number}]")
            if not is_rule_pattern(item):
                r.problems.append(dataclasses.replace(
                    where, message=f"`{name}` entry {show(item)} is not a rule id or prefix "
                                   f"(such as `CEMM`, `USM-01` or `CEMM-002`)"))
                ok = False
        if ok:
            out[name] = tuple(canonical_rule_id(item) for item in items)
    return read


def _packs(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    items = r.strings(("packs",), value)
    if items is None:
        return
    ok = True
    for item in items:
        known = builtin_pack_names()
        if item not in known:
            r.error(("packs",), f"`packs` entry {show(item)} is not a built-in pack "
                                f"({either(known)}){suggest(item, known)}")
            ok = False
    if ok:
        out["packs"] = items


def _fail_on(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    choice = r.choice(("fail_on",), value, ("error", "warning", "info", "never"))
    if choice is not None:
        out["fail_on"] = None if choice == "never" else Severity.parse(choice)


def _help_base_url(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    from urllib.parse import urlsplit

    url = r.string(("help_base_url",), value)
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.fragment or any(
            c.isspace() or c in "<>\"" for c in url):
        r.error(("help_base_url",), f"`help_base_url` must be an absolute http(s) URL without a `#fragment` (the "
                                    f"page where `docs/rules.md` is published), got {show(url)}")
        return
    out["help_base_url"] = url


def _jobs(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    jobs = r.positive_int(("jobs",), value, MAX_JOBS)
    if jobs is not None:
        out["jobs"] = jobs


def _maturity(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("maturity",), value, SUBTABLE_KEYS["maturity"])
    if "levels" in table:
        levels = r.names(("maturity", "levels"), table["levels"], minimum=2)
        if levels is not None:
            out["maturity_levels"] = levels


def _vocabulary(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("vocabulary",), value, SUBTABLE_KEYS["vocabulary"])
    for name, item in table.items():
        names = r.names(("vocabulary", name), item, minimum=1)
        if names is not None:
            out[name] = names


def _word_lists(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
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


def _suppressions(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("suppressions",), value, SUBTABLE_KEYS["suppressions"])
    if "require_reason" in table:
        flag = table["require_reason"]
        if type(flag) is bool:
            out["require_suppression_reason"] = flag
        else:
            r.error(("suppressions", "require_reason"), f"`suppressions.require_reason` must be true or false, "
                                                        f"got {show(flag)}")


def _limits(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.keys(("limits",), value, SUBTABLE_KEYS["limits"])
    limits = {}
    for name, item in table.items():
        number = r.positive_int(("limits", name), item, LIMIT_MAXIMUMS[name])
        if number is not None:
            limits[name] = number
    out["limits"] = MappingProxyType(limits)


def _rules(r: Reader, value: object, out: dict[str, Any], root: str) -> None:
    table = r.table(("rules",), value)
    if table is None:
        return
    rules: dict[str, RuleSettings] = {}
    written: dict[str, str] = {}  # upper-case id -> as first written
    for written_id, item in table.items():
        key = ("rules", written_id)
        if not is_rule_id(written_id):
            r.error(key, f"`{dotted(key[-1:])}` does not look like a rule id (such as `CEMM-002`)")
            continue
        rule_id = canonical_rule_id(written_id)
        if rule_id in written:
            r.error(key, f"`[rules.{dotted(key[-1:])}]` configures {rule_id} a second time "
                         f"(rule ids ignore case; see `[rules.{dotted((written[rule_id],))}]`)")
            continue
        written[rule_id] = written_id
        body = r.table(key, item)
        if body is None:
            continue
        rules[rule_id] = _rule_settings(r, key, ("rules", rule_id), body)
    out["rules"] = MappingProxyType(rules)


def _rule_settings(r: Reader, key: tuple[str, ...], name: tuple[str, ...], body: dict[str, Any]) -> RuleSettings:
    """One `[rules.ID]` table written at `key`; locations are recorded under `name` (the upper-case id)."""
    where = r.note_as(key, dotted(name))
    severity: Severity | None = None
    enabled = True
    params: dict[str, object] = {}
    param_locations: dict[str, Located] = {}
    ramp: dict[str, Any] = {}
    for setting, value in body.items():
        located_at = r.note_as(key + (setting,), dotted(name + (setting,)))
        if setting in RAMP_KEYWORDS:
            ramp[setting] = _ramp_day(r, key + (setting,), value)
        elif setting == "severity":
            choice = r.choice(key + (setting,), value, RULE_SEVERITIES)
            if choice == "off":
                enabled = False
            elif choice is not None:
                severity = Severity.parse(choice)
        else:
            params[setting] = value
            param_locations[setting] = located_at
    return RuleSettings(severity, enabled, MappingProxyType(params), MappingProxyType(param_locations), where,
                        _ramp_end(r, key, ramp))


def _ramp_day(r: Reader, key: tuple[str, ...], value: object) -> Any:
    day = parse_day(value)
    if day is None:
        r.error(key, f"`{key[-1]}` must be a date written \"YYYY-MM-DD\"")
    return day


def _ramp_end(r: Reader, key: tuple[str, ...], ramp: dict[str, Any]) -> Any:
    """The day a ramp set by `enforce_from` and/or `warn_until` ends; both given must agree."""
    if not ramp or None in ramp.values():
        return None
    day, why = enforcement_day(ramp.get("enforce_from"), ramp.get("warn_until"))
    if why:
        r.error(key + ("warn_until",), why)
        return None
    return day


TOP_LEVEL: dict[str, Callable[[Reader, object, dict[str, Any], str], None]] = {
    "policies": _path_list("policies"),
    "packs": _packs,
    "select": _pattern_list("select"),
    "ignore": _pattern_list("ignore"),
    "fail_on": _fail_on,
    "help_base_url": _help_base_url,
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

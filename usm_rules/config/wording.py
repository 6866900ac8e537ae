"""How config (and waivers and baseline) messages quote what the user wrote: values as TOML would write them,
dotted key paths, lists of options, and "did you mean"."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable


def show(value: object) -> str:
    """A value as it would be written in TOML, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return quote(text)
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


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # a TOML bare key


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(p if BARE_KEY.fullmatch(p) else quote(p) for p in path)


def quote(text: str) -> str:
    """`text` as a TOML/JSON string; unprintable characters (line separators, controls) escaped."""
    return json.dumps(text, ensure_ascii=not text.isprintable())


def either(options: Iterable[str]) -> str:
    items = list(options)
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def suggest(word: str, candidates: Iterable[str]) -> str:
    from ..suggest import did_you_mean

    return did_you_mean(word, candidates)

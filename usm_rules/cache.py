"""The user's cache directory for compiled artefacts (never the spec repository)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    """`$USM_RULES_CACHE_DIR`, else `$XDG_CACHE_HOME/usm-rules`, else `~/.cache/usm-rules`; None if unusable."""
    explicit = os.environ.get("USM_RULES_CACHE_DIR")
    if explicit == "":
        return None  # caching switched off
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "usm-rules"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return base if os.access(base, os.W_OK) else None

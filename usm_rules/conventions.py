"""Conventions of `check` that users bring from other linters and CI systems, as pure functions: which severity
fails a run, whether to colour, and when and where a run happened (for reports that have a place for it)."""
from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Mapping

from .findings import Severity


def fail_threshold(flag: str | None, configured: Severity | None) -> Severity | None:
    """The lowest severity that fails the run, or None for `never` (Spectral's `--fail-severity`, conftest's
    `--no-fail`): the flag wins over the config."""
    if flag is None:
        return configured
    return None if flag == "never" else Severity.parse(flag)


def use_color(when: str | None, tty: bool, environ: Mapping[str, str] = os.environ) -> bool:
    """--color=always|never wins; `auto` (the default) colours a terminal, unless NO_COLOR is set (no-color.org);
    FORCE_COLOR (not "0" or "false") colours even a pipe, and wins over NO_COLOR, as in Node and pytest."""
    if when in ("always", "never"):
        return when == "always"
    force = environ.get("FORCE_COLOR")
    if force:
        return force.lower() not in ("0", "false")
    return tty and not environ.get("NO_COLOR")


def run_timestamp(environ: Mapping[str, str] = os.environ) -> str:
    """When the run happened, UTC, as JUnit writes it: SOURCE_DATE_EPOCH when set, so that a reproducible build
    gets a reproducible report."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "")
    moment = (_dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc) if epoch.isdigit()
              else _dt.datetime.now(_dt.timezone.utc))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def run_hostname() -> str:
    import socket

    try:
        return socket.gethostname()
    except OSError:
        return ""

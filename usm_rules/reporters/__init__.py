"""Output formats, one module each, registered by name. A reporter is `render(result, options) -> str`."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

from ..findings import RunResult


@dataclass(frozen=True)
class ReportOptions:
    show_source: bool = False
    color: bool = False
    quiet: bool = False
    explain: bool = False


# name -> module; imported only when that format is asked for, to keep start-up light.
REPORTERS: dict[str, str] = {
    "text": "usm_rules.reporters.text",
    "json": "usm_rules.reporters.json_",
    "sarif": "usm_rules.reporters.sarif",
    "junit": "usm_rules.reporters.junit",
    "github": "usm_rules.reporters.github",
    "gitlab": "usm_rules.reporters.gitlab",
}


def get_reporter(name: str) -> Callable[[RunResult, ReportOptions], str]:
    return importlib.import_module(REPORTERS[name]).render

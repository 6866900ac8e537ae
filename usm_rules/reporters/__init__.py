"""Output formats, one module each, registered by name. A reporter is `render(result, options) -> str`.

What every reporter owes (DESIGN §8): nothing from a spec or a file name reaches the output raw. Human-readable
text (text, github, junit, and the messages of sarif and gitlab) goes through `textsafe.printable`: control,
bidi and line-separator characters, and the start of anything a CI runner reads as a command, become visible
escapes. `--format json` keeps exact values and writes those characters as `\\uXXXX` escapes, so the bytes
are safe to print while a JSON reader gets the value back. `render_bytes` is what the CLI writes: the report as
UTF-8, whatever strings it was given.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..findings import RunResult, Severity

if TYPE_CHECKING:
    from .source import SourceLines


@dataclass(frozen=True)
class ReportOptions:
    show_source: bool = False
    color: bool = False
    quiet: bool = False
    explain: bool = False
    # Where `--show-source` gets a file's lines: `path -> lines | None` (None: show no source line). None here
    # means `reporters.source.read_lines`: regular files only, at most the default spec size limit. The CLI
    # passes `reporters.source.reader(limit, result.inputs)`: the run's own limit, and the real paths behind
    # names that reports show escaped.
    source: SourceLines | None = None
    # The lowest severity that fails the run (None: `--fail-on never`): JUnit fails only test cases at or above it.
    fail_on: Severity | None = Severity.ERROR
    # Where `docs/rules.md` is published (config `help_base_url`): SARIF links built-in rules' help there.
    help_base_url: str = ""
    # When and where the run happened, for formats that have a place for it (JUnit); "" leaves them out, so a
    # report made without them is byte-for-byte reproducible.
    timestamp: str = ""
    hostname: str = ""


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


def render_bytes(name: str, result: RunResult, options: ReportOptions | None = None) -> bytes:
    """The report in format `name`, encoded as UTF-8: what the CLI prints or writes.

    Reporters already escape what cannot be encoded; should a lone surrogate slip through anyway, it is
    written as the escape `\\udcff` (valid inside a JSON string, readable anywhere else) rather than making
    the whole run fail with no report.
    """
    return get_reporter(name)(result, options or ReportOptions()).encode("utf-8", "backslashreplace")


def ci_path(path: str) -> str:
    """The path CI systems match against the repository: a `Finding.path` without a leading `./`."""
    while path.startswith("./"):
        path = path[2:]
    return path

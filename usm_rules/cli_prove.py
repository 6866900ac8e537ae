"""`usm-rules prove`: witnesses that each rule fires and passes (registered on the main group by cli.py).

Like cli.py, this only wires parts together: options -> config -> usm_rules.prove -> report -> exit code.
Exit status: 0 every rule searched fires on some spec and passes on another, 1 some rule cannot fire or
cannot pass, 2 a usage, config or policy error (or a test file that would be overwritten).
"""
from __future__ import annotations

import datetime as _dt
import os
import sys
from typing import Any

import click

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _date(ctx: Any, param: Any, value: str | None) -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date written YYYY-MM-DD") from None


def _fail(err: Any) -> None:
    click.echo(err.render(), err=True)
    sys.exit(EXIT_ERROR)


@click.command("prove")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--pack", "packs", multiple=True, help="Built-in pack to load (repeatable; default: all, or as "
                                                     "configured; none when PATHS are given).")
@click.option("--no-builtin", is_flag=True, help="Load no built-in pack.")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated, repeatable).")
@click.option("--config", "config_path", type=click.Path(), help="Config file (params, packs, policies).")
@click.option("--as-of", callback=_date, help="The date date rules see (YYYY-MM-DD; default today).")
@click.option("--budget", type=click.IntRange(1), default=None, metavar="N",
              help="Candidate specs one rule's search may check (default 2000).")
@click.option("--max-checks", type=click.IntRange(1), default=None, metavar="N",
              help="Candidate specs the whole run may check (default 50000).")
@click.option("--no-examples", is_flag=True, help="Start from the base spec only, not the rules' own examples.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file (atomically).")
@click.option("--write-tests", "tests_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Save the witnesses as NAME.test.yaml cases in DIR, one file per policy file.")
@click.option("--force", is_flag=True, help="With --write-tests: replace test files that exist.")
@click.option("--no-cache", is_flag=True, help="Compile the policies afresh, without the user cache.")
def prove(paths: tuple[str, ...], packs: tuple[str, ...], no_builtin: bool, select: tuple[str, ...],
          config_path: str | None, as_of: _dt.date | None, budget: int | None, max_checks: int | None,
          no_examples: bool, fmt: str, output: str | None, tests_dir: str | None, force: bool,
          no_cache: bool) -> None:
    """Search, for every rule, a schema-valid spec on which it fires and one on which it passes.

    PATHS are policy files or directories: their rules are searched (default: every rule in force). The
    search starts from the base spec and each rule's examples and changes them along the paths the rule
    reads, with values from the schema and the rule; it is deterministic and bounded by --budget checks per
    rule. Reported: each rule's witnesses, the rules that cannot fire or cannot pass with the reason found,
    and rules that fired on exactly the same specs (evidence of overlap, not proof).

    Exit status: 0 every rule fires on some spec and passes on another, 1 some rule cannot fire or cannot
    pass, 2 a usage, config or policy error (or a test file that --write-tests would overwrite).
    """
    from .config import load_config
    from .engine import Flags, build_options
    from .errors import UsmError
    from .policyfiles import policy_files
    from . import prove as proving
    from .prove import cases, report

    split = tuple(part.strip() for v in select for part in v.split(",") if part.strip())
    try:
        config = load_config(config_path, start=os.getcwd())
        missing = [p for p in paths if not os.path.exists(p)]
        if missing:
            raise UsmError([_located(p) for p in missing])
        files = policy_files(paths) if paths else None
        flags = Flags(policies=tuple(files or ()), packs=packs or (() if paths else None), no_builtin=no_builtin,
                      select=split, as_of=as_of, use_cache=not no_cache)
        options = build_options(config, flags)
        result = proving.prove(options, budget=budget or proving.DEFAULT_BUDGET,
                               total_budget=max_checks or proving.DEFAULT_TOTAL_BUDGET,
                               use_examples=not no_examples, only_files=files)
        text = report.render_json(result) if fmt == "json" else report.render_text(result)
        written = []
        if tests_dir is not None:
            written = cases.write_tests(result, tests_dir, force=force, inputs=tuple(options.policy_files))
        if output:
            _write(output, text, tuple(options.policy_files))
        else:
            click.echo(text, nl=False)
    except UsmError as err:
        _fail(err)
        return
    for path in written:
        click.echo(f"wrote {path}", err=True)
    sys.exit(EXIT_FAIL if result.failed else EXIT_OK)


def prove_files(config: Any, paths: list[str], no_builtin: bool) -> tuple[bool, str, str]:
    """`lint --prove`: the rules of the policy files under `paths`, proven with the packs and config loaded
    beside them. (some rule cannot fire or pass, the JSON report, the text report); UsmError on problems."""
    from .engine import Flags, build_options
    from .policyfiles import policy_files
    from . import prove as proving
    from .prove import report

    files = policy_files(paths)
    options = build_options(config, Flags(policies=tuple(files), no_builtin=no_builtin))
    result = proving.prove(options, only_files=files)
    return bool(result.failed), report.render_json(result), report.render_text(result)


def _located(path: str) -> Any:
    from .errors import Located

    return Located(path, 1, 1, "no such policy file or directory")


def _write(path: str, text: str, inputs: tuple[str, ...]) -> None:
    from .errors import UsmError
    from .writing import WriteRefused, write_atomic

    try:
        write_atomic(path, text.encode("utf-8"), inputs=inputs)
    except WriteRefused as err:
        raise UsmError(err.reason) from None
    except OSError as err:
        raise UsmError(f"cannot write `{path}`: {err.strerror or err}") from None


COMMANDS = (prove,)

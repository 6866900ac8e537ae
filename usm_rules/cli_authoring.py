"""Policy-authoring commands: `test`, `fmt`, `lint`, `init` (registered on the main group by cli.py).

Like cli.py, these only wire parts together (options -> module -> output -> exit code); they are the only
other place that prints or exits. Exit codes follow the main command: 0 fine, 1 a failure the command
exists to find (a failing test, a file that needs formatting, a lint warning under --strict), 2 a usage,
policy or test-file error.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import click

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


def _fail(err: Any) -> None:
    click.echo(err.render(), err=True)
    sys.exit(EXIT_ERROR)


def _write(path: str, text: str) -> None:
    from pathlib import Path

    from .writing import WriteRefused, write_atomic
    from .errors import UsmError

    try:
        write_atomic(Path(path), text.encode("utf-8"))
    except WriteRefused as err:
        raise UsmError(err.reason) from None
    except OSError as err:
        raise UsmError(f"cannot write `{path}`: {err.strerror or err}") from None


# -- test ---------------------------------------------------------------------------------------------------

@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--coverage", is_flag=True, help="Report, per rule, whether a case makes it fire and pass, and the "
                                               "policy lines no case runs.")
@click.option("--min-coverage", type=click.FloatRange(0, 100), metavar="PCT",
              help="Fail (exit 1) when fewer than PCT% of the rules both fire and pass (implies --coverage).")
@click.option("--min-line-coverage", type=click.FloatRange(0, 100), metavar="PCT",
              help="Fail (exit 1) when fewer than PCT% of the policy lines run (implies --coverage).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file (atomically).")
@click.option("--verbose", "-v", is_flag=True, help="One line per test case instead of dots.")
@click.option("--no-cache", is_flag=True, help="Compile the policies afresh, without the user cache.")
def test(paths: tuple[str, ...], coverage: bool, min_coverage: float | None, min_line_coverage: float | None,
         fmt: str, output: str | None, verbose: bool, no_cache: bool) -> None:
    """Run the policy test cases in `*.test.yaml` files under PATHS (default: .).

    A test file sits beside the policy it tests (`local.test.yaml` tests `local.policy`) and lists cases:
    a spec (inline, a file, or a patch of the file's `base_spec`) and the findings it must (`expect`) and
    must not (`expect_not`) give. Exit status: 0 all passed, 1 a case failed or coverage is below the
    minimum, 2 a malformed test file or a policy error.
    """
    from . import policytest
    from .errors import UsmError

    want_coverage = coverage or min_coverage is not None or min_line_coverage is not None
    try:
        result = policytest.run(list(paths) or ["."], coverage=want_coverage, use_cache=not no_cache)
    except UsmError as err:
        _fail(err)
        return
    if fmt == "json":
        text = policytest.render_json(result)
    elif fmt == "junit":
        from .conventions import run_hostname, run_timestamp

        text = policytest.render_junit(result, timestamp=run_timestamp(), hostname=run_hostname())
    else:
        text = policytest.render_text(result, verbose=verbose)
    below = []
    if result.coverage is not None:
        if min_coverage is not None and result.coverage.rule_percent < min_coverage:
            below.append(f"rule coverage {result.coverage.rule_percent:.1f}% is below --min-coverage {min_coverage:g}%")
        if min_line_coverage is not None and result.coverage.line_percent < min_line_coverage:
            below.append(f"line coverage {result.coverage.line_percent:.1f}% is below --min-line-coverage "
                         f"{min_line_coverage:g}%")
    if output:
        try:
            _write(output, text)
        except UsmError as err:
            _fail(err)
    else:
        click.echo(text, nl=False)
    for line in below:
        click.echo(f"usm-rules: {line}", err=True)
    sys.exit(EXIT_FAIL if result.failed or below else EXIT_OK)


# -- fmt ----------------------------------------------------------------------------------------------------

@click.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@click.option("--diff", is_flag=True, help="Change nothing; show a unified diff of what would change.")
@click.option("--write", "-w", is_flag=True, help="Rewrite the files that change, atomically.")
def fmt(paths: tuple[str, ...], check: bool, diff: bool, write: bool) -> None:
    """Format policy files (files, directories, or - for standard input; default: .).

    Without an option the formatted text is printed. Exit status: 0 done (or, with --check, nothing would
    change), 1 with --check when some file would change, 2 a file is not a valid policy.
    """
    from .errors import UsmError
    from .lang.formatter import format_source
    from .policyfiles import policy_files

    if write and (check or diff):
        click.echo("usm-rules: --write cannot be combined with --check or --diff", err=True)
        sys.exit(EXIT_ERROR)
    files = policy_files(paths or (".",))
    errors: list[str] = []
    changed: list[str] = []
    for path in files:
        source = _read_policy(path, errors)
        if source is None:
            continue
        try:
            formatted = format_source(source, path)
        except UsmError as err:
            errors.append(err.render())
            continue
        if formatted == source:
            if not (check or diff or write):
                click.echo(formatted, nl=False)
            continue
        changed.append(path)
        _show_change(path, source, formatted, check, diff, write, errors)
    for error in errors:
        click.echo(error, err=True)
    if check or write:
        unchanged = len(files) - len(changed) - len(errors)
        verb = "would be reformatted" if check else "reformatted"
        click.echo(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, {unchanged} unchanged", err=True)
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FAIL if check and changed else EXIT_OK)


def _read_policy(path: str, errors: list[str]) -> str | None:
    """A policy's text (`-`: standard input), through the bounded reader; None after noting why not."""
    from .files import TEXT_FILE_LIMIT, FileRefused, read_text
    from .textsafe import visible

    try:
        if path == "-":
            return sys.stdin.buffer.read(TEXT_FILE_LIMIT + 1).decode("utf-8")
        return read_text(path)
    except FileRefused as err:
        errors.append(f"{visible(path)}:1:1: cannot read policy file: {err.reason}")
    except UnicodeDecodeError as err:
        errors.append(f"{visible(path)}:1:1: policy file is not valid UTF-8 (byte {err.start})")
    return None


def _show_change(path: str, source: str, formatted: str, check: bool, diff: bool, write: bool,
                 errors: list[str]) -> None:
    """What `fmt` does with a file whose layout changes: a diff, a `would reformat`, a rewrite, or the text."""
    import difflib

    from .errors import UsmError

    if diff:
        click.echo("".join(difflib.unified_diff(source.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                                f"a/{path}", f"b/{path}")), nl=False)
    if check:
        click.echo(f"would reformat {path}")
    elif write:
        if path == "-":
            click.echo(formatted, nl=False)
            return
        try:
            _write(path, formatted)
        except UsmError as err:
            errors.append(err.render())
            return
        click.echo(f"reformatted {path}")
    elif not diff:
        click.echo(formatted, nl=False)


# -- lint ---------------------------------------------------------------------------------------------------

@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Lint warnings are errors: exit 1 when there is any.")
@click.option("--no-tests", is_flag=True, help="Skip running the test files (no LINT-UNTESTED).")
@click.option("--no-builtin", is_flag=True, help="Do not compare rule ids with the built-in packs.")
@click.option("--config", "config_path", type=click.Path(), help="Config file (for the policies loaded beside).")
@click.option("--format", "fmt_", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--prove", "with_prove", is_flag=True, help="Also search each linted rule for a spec that fires it and "
                                                          "one that passes it (`usm-rules prove`): exit 1 if none.")
def lint(paths: tuple[str, ...], strict: bool, no_tests: bool, no_builtin: bool, config_path: str | None,
         fmt_: str, with_prove: bool) -> None:
    """Lint policy files (default: the configured local policies, else .): untested rules, `when` guards
    the schema decides, unused params and lets, duplicate rule ids, messages that may show `(missing)`.

    Exit status: 0 (warnings only), 1 with --strict when there is any warning, 2 a policy does not load.
    """
    import json

    from .config import load_config
    from .errors import UsmError
    from .lint import lint_paths
    from .engine import Flags, build_options

    try:
        config = load_config(config_path, start=os.getcwd())
        options = build_options(config, Flags(no_builtin=no_builtin))
        targets = list(paths) or [os.path.relpath(p) for p in options.policy_files
                                  if not _is_builtin(p)] or ["."]
        result = lint_paths(targets, context_policies=options.policy_files, run_tests=not no_tests)
        proved = None
        if with_prove:
            from .cli_prove import prove_files

            proved = prove_files(config, targets, no_builtin)
    except UsmError as err:
        _fail(err)
        return
    if fmt_ == "json":
        doc = {"files": result.files, "rules": result.rules, "warnings": [w.to_dict() for w in result.warnings]}
        if proved is not None:
            doc["prove"] = json.loads(proved[1])
        click.echo(json.dumps(doc, indent=2))
    else:
        for w in result.warnings:
            click.echo(w.render(strict))
        count = len(result.warnings)
        label = "error" if strict else "warning"
        click.echo(f"{count} lint {label}{'s' * (count != 1)} in {result.files} policy "
                   f"file{'s' * (result.files != 1)} ({result.rules} rules)", err=True)
        if proved is not None:
            click.echo(proved[2], nl=False)
    sys.exit(EXIT_FAIL if (strict and result.warnings) or (proved is not None and proved[0]) else EXIT_OK)


def _is_builtin(path: str) -> bool:
    from .resources import policies_dir

    return os.path.realpath(os.path.dirname(path)) == os.path.realpath(policies_dir())


# -- init ---------------------------------------------------------------------------------------------------

@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--source", metavar="URL|PATH|index",
              help="Where the pre-commit hook and CI jobs install usm-rules from: its git repository's URL, a "
                   "local clone, or `index` (a package index has it) [default: where this usm-rules was "
                   "installed from, when pip recorded a git URL].")
@click.option("--rev", metavar="TAG", help="The git tag (or branch) to install [default: this version's tag].")
def init(directory: str, source: str | None, rev: str | None) -> None:
    """Scaffold a spec repository in DIRECTORY (default: .): usm-rules.toml, an example spec, a local
    policy with its tests, a pre-commit hook, a GitHub Actions workflow and a GitLab CI job.

    Existing files are never overwritten: if any would be, nothing is written (exit 2).
    """
    from .errors import UsmError
    from .install_source import resolve_source
    from .scaffold import init as scaffold

    try:
        written = scaffold(directory, resolve_source(source, rev))
    except UsmError as err:
        _fail(err)
        return
    for path in written:
        click.echo(f"created {path}")
    click.echo("next: `usm-rules check` checks the specs, `usm-rules test` runs the policy tests")


COMMANDS = (test, fmt, lint, init)


if __name__ == "__main__":  # `python -m usm_rules.cli_authoring …`, until cli.py registers the commands
    @click.group()
    def _authoring() -> None:
        """usm-rules policy-authoring commands."""

    for _command in COMMANDS:
        _authoring.add_command(_command)
    _authoring()

"""The command line: options -> config -> engine -> reporter -> exit code. The only module that prints or exits."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import sys
from typing import Any

import click

from . import __version__
from .errors import UsageError, UsmError
from .reporters import REPORTERS

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
SEVERITY_NAMES = ("error", "warning", "info")
FAIL_ON_NAMES = (*SEVERITY_NAMES, "never")
COLOR_WHEN = ("always", "never", "auto")
_EXTENSIONS = {"sarif": "sarif", "junit": "xml", "json": "json", "gitlab": "json", "text": "txt", "github": "txt"}


def _date(ctx: Any, param: Any, value: str | None) -> _dt.date | None:
    if value is None:
        return None
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"`{value}` is not a date written YYYY-MM-DD") from None


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """`--select A,B --select C` -> (A, B, C)."""
    return tuple(part.strip() for v in values for part in v.split(",") if part.strip())


def _fail(err: UsmError) -> None:
    click.echo(err.render(), err=True)
    sys.exit(EXIT_ERROR)


def _load_config(path: str | None) -> Any:
    from .config import load_config

    return load_config(path, start=os.getcwd())


def _notify(notices: list[str]) -> None:
    from .textsafe import visible

    for notice in notices:
        click.echo(f"usm-rules: {visible(notice)}", err=True)


def _read_stdin(options: Any) -> bytes:
    """Standard input, read with the spec size limit (one byte more, so that the loader can say it is over)."""
    from .loader import Limits

    limit = (options.limits or Limits()).max_bytes
    return sys.stdin.buffer.read(limit + 1)


def _inputs(result: Any, options: Any, config: Any) -> tuple[str, ...]:
    """Every file the run read: a report must never be written over one of them."""
    extra = [p for p in (options.waivers, options.baseline, config.path) if p]
    return tuple(result.inputs) + tuple(options.policy_files) + tuple(extra)


def _write_output(path: str, data: bytes, inputs: tuple[str, ...] = ()) -> None:
    from .writing import WriteRefused, write_atomic

    try:
        write_atomic(path, data, inputs=inputs)
    except WriteRefused as err:
        raise UsmError(err.reason) from None
    except OSError as err:
        raise UsmError(f"cannot write `{path}`: {err.strerror or err}") from None


class _Commands(click.Group):
    """Commands other than `check` live in their own modules and are imported only when one of them is named
    or the command list is shown, so that `check` on one file does not pay for them. A new command is one
    line here: its name and the module whose `COMMANDS` holds it."""

    lazy = {
        "fmt": "cli_authoring", "init": "cli_authoring", "lint": "cli_authoring", "test": "cli_authoring",
        "diff-rules": "cli_diffrules",
        "prove": "cli_prove",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            import importlib

            module = importlib.import_module(f"{__package__}.{self.lazy[name]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="usm-rules")
def main() -> None:
    """Policy-as-code for USM/CEMM service specifications."""
    click.get_current_context().call_on_close(_print_cache_warnings)


def _print_cache_warnings() -> None:
    """Why a cache directory or entry was not used: one line each, on stderr, however the command ends."""
    from .cache import cache_warnings

    for line in cache_warnings():
        click.echo(line, err=True)


class _CheckCommand(click.Command):
    """`--color` alone still forces colour before a path (`--color specs/`), as it did when it was a flag:
    only `--color=WHEN` or `--color WHEN` with a WHEN it knows takes a value."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        fixed: list[str] = []
        for i, arg in enumerate(args):
            if arg == "--":
                fixed.extend(args[i:])
                break
            bare = arg == "--color" and (i + 1 == len(args) or args[i + 1] not in COLOR_WHEN)
            fixed.append("--color=always" if bare else arg)
        return super().parse_args(ctx, fixed)


@main.command(cls=_CheckCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--policy", "policies", multiple=True, type=click.Path(), help="Extra policy file or directory (repeatable).")
@click.option("--pack", "packs", multiple=True, help="Built-in pack to use (repeatable; default: all, or as configured).")
@click.option("--no-builtin", is_flag=True, help="Use no built-in pack, only --policy files and configured ones.")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes (comma-separated, repeatable).")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes (comma-separated, repeatable).")
@click.option("--fail-on", type=click.Choice(FAIL_ON_NAMES),
              help="Lowest severity that fails the run; `never`: findings never fail it [default: error].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings fail the run (2 still means an error).")
@click.option("--statistics", is_flag=True, help="Show how many findings each rule has, instead of the findings.")
@click.option("--stdin-filename", metavar="PATH", help="The file name of a spec read from `-`: excludes, waivers, "
              "fingerprints and every report use it.")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and check nothing.")
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text", show_default=True,
              help="Format of the report on standard output (or in --output FILE).")
@click.option("--output", "-o", "outputs", multiple=True,
              help="Write a report to a file, atomically: FILE (in --format) or FORMAT:FILE, e.g. "
                   "sarif:findings.sarif (repeatable; the terminal report stays unless FILE is given alone).")
@click.option("--as-of", callback=_date, help="Date for date-dependent rules, YYYY-MM-DD [default: today].")
@click.option("--config", "config_path", type=click.Path(), help="Config file [default: usm-rules.toml or pyproject.toml, found upwards].")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=256), help="Worker processes [default: 1, or as configured].")
@click.option("--quiet", "-q", is_flag=True, help="Only the finding lines, no source and no summary.")
@click.option("--show-source/--no-show-source", default=None, help="Show the source line and a caret [default: on a terminal].")
@click.option("--color", type=click.Choice(COLOR_WHEN), is_flag=False, flag_value="always", metavar="[always|never|auto]",
              help="Colour the text output: always (also bare --color), never, or auto: on a terminal, unless "
                   "NO_COLOR is set; FORCE_COLOR forces it [default: auto].")
@click.option("--no-color", is_flag=True, help="The same as --color=never.")
@click.option("--no-cache", is_flag=True, help="Compile the policies afresh, without the user cache.")
@click.option("--explain", is_flag=True, help="Show the values behind each finding.")
@click.option("--no-inline-suppressions", is_flag=True, help="Ignore `# usm-rules: ignore[...]` comments (audits).")
@click.option("--waivers", type=click.Path(dir_okay=False), help="Waivers file [default: as configured].")
@click.option("--warn-expiring-within", type=click.IntRange(min=0), metavar="DAYS",
              help="Announce waivers that expire within DAYS days.")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Hide findings recorded in this baseline file.")
@click.option("--changed-since", metavar="REF", help="Only report on spec files changed since a git ref "
              "(repository rules still see every spec).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr [default: on a terminal].")
def check(paths: tuple[str, ...], policies: tuple[str, ...], packs: tuple[str, ...], no_builtin: bool,
          select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str | None, fmt: str, outputs: tuple[str, ...],
          exit_zero: bool, statistics: bool, stdin_filename: str | None, show_files: bool,
          as_of: _dt.date | None, config_path: str | None, jobs: int | None, quiet: bool, show_source: bool | None,
          color: str | None, no_color: bool, no_cache: bool, explain: bool, no_inline_suppressions: bool, waivers: str | None,
          warn_expiring_within: int | None, baseline: str | None, changed_since: str | None,
          progress: bool | None) -> None:
    """Check service spec files (files, directories, or - for standard input).

    Exit status: 0 no findings at or above --fail-on, 1 findings at or above it, 2 a usage, config or
    policy error (nothing can be trusted).
    """
    from .engine import Flags, build_options, run
    from .engine.discover import changed_files
    from .loader import Limits
    from .reporters import ReportOptions, render_bytes
    from .reporters.source import reader

    try:
        files_out, terminal = _parse_outputs(outputs, fmt)
    except UsageError as err:
        _fail(err)
        return
    if statistics and fmt not in ("text", "json"):
        raise click.BadParameter(f"--statistics shows counts as text or json, not {fmt}", param_hint="'--format'")
    if stdin_filename is not None and not stdin_filename.strip():
        raise click.BadParameter("give the file name that `-` stands for", param_hint="'--stdin-filename'")
    try:
        config = _load_config(config_path)
        flags = Flags(policies=policies, packs=_split(packs) or None, no_builtin=no_builtin, select=_split(select),
                      ignore=_split(ignore), as_of=as_of, jobs=jobs, use_cache=not no_cache, explain=explain,
                      inline_suppressions=not no_inline_suppressions, waivers=waivers,
                      warn_expiring_within=warn_expiring_within, baseline=baseline)
        options = build_options(config, flags)
        if changed_since is not None:
            options = dataclasses.replace(options, report_only=changed_files(changed_since, options.root))
        if not paths:
            paths = (".",)
        if stdin_filename is not None:
            options = dataclasses.replace(options, stdin_filename=stdin_filename)
        if show_files:
            _show_files(list(paths), options)
            return
        if "-" in paths:
            options = dataclasses.replace(options, stdin=_read_stdin(options))
        show_progress = sys.stderr.isatty() if progress is None else progress
        result = run(list(paths), options, progress=_progress_bar() if show_progress else None)
    except UsmError as err:
        _fail(err)
        return
    _notify(result.notices)
    inputs = _inputs(result, options, config)
    from .conventions import fail_threshold, run_hostname, run_timestamp, use_color

    tty = sys.stdout.isatty()
    threshold = fail_threshold(fail_on, config.fail_on)
    stdin = (options.stdin_filename or "-", options.stdin or b"") if "-" in paths else None
    # When and where: only JUnit has a place for them (and `socket` is not worth importing for the others).
    junit = "junit" in {fmt, *(name for name, _ in files_out)}
    report_options = ReportOptions(
        show_source=tty if show_source is None else show_source,
        color=use_color("never" if no_color else color, tty),
        quiet=quiet,
        explain=explain,
        source=reader((options.limits or Limits()).max_bytes, result.inputs, stdin),
        fail_on=threshold,
        help_base_url=config.help_base_url,
        timestamp=run_timestamp() if junit else "",
        hostname=run_hostname() if junit else "",
    )
    try:
        for out_fmt, path in files_out:
            _write_output(path, render_bytes(out_fmt, result, dataclasses.replace(report_options, color=False)),
                          inputs)
    except UsmError as err:
        _fail(err)
    if terminal and statistics:
        from .statistics import render_statistics

        click.echo(render_statistics(result, fmt), nl=False)
    elif terminal:
        click.echo(render_bytes(fmt, result, report_options), nl=False)
    failed = threshold is not None and result.failed(threshold)
    sys.exit(EXIT_FINDINGS if failed and not exit_zero else EXIT_OK)


def _show_files(paths: list[str], options: Any) -> None:
    """--show-files (ruff's): the files a check would read, one a line, as reports name them; nothing is read."""
    from .engine.discover import discover, project_path, project_root
    from .textsafe import printable

    root = options.root or project_root(None)
    found = discover(paths or ["."], options.include, options.exclude, root, options.stdin_filename)
    _notify(found.notices)
    for path in found.files:
        name = (options.stdin_filename or "-") if path == "-" else path
        if options.report_only is not None and project_path(name, root) not in options.report_only:
            continue  # --changed-since: not reported on
        click.echo(printable(name))
    for path, reason in found.unreadable:
        click.echo(f"usm-rules: `{printable(path)}` cannot be read: {printable(reason)}", err=True)
    sys.exit(EXIT_OK)


def _parse_outputs(outputs: tuple[str, ...], fmt: str) -> tuple[list[tuple[str, str]], bool]:
    """`--output` values -> [(format, file)], and whether the terminal still gets the --format report.

    A value that looks like FORMAT:FILE but is not one (`sarif:`, `:x`, `sarife:x`) is a one-line usage error:
    it must never become a report in a file named after the mistake."""
    from .suggest import did_you_mean
    from .textsafe import visible

    files: list[tuple[str, str]] = []
    terminal = True
    formats = ", ".join(REPORTERS)
    for value in outputs:
        name, sep, path = value.partition(":")
        shown = visible(value)
        looks_like_format = bool(sep and name and os.path.sep not in name and name.isidentifier())
        if not value.strip():
            raise UsageError("--output needs a file name, or FORMAT:FILE")
        if sep and not name:
            raise UsageError(f"--output `{shown}` names no format before the colon; write FORMAT:FILE ({formats})")
        if looks_like_format and not path.strip():
            raise UsageError(f"--output `{shown}` names no file after the colon; write {visible(name)}:FILE, "
                             f"e.g. {visible(name)}:usm-rules.{_EXTENSIONS.get(name, 'out')}")
        if sep and name in REPORTERS:
            files.append((name, path))
        elif looks_like_format:
            raise UsageError(f"--output `{shown}`: unknown format `{visible(name)}` ({formats})"
                             f"{did_you_mean(name, REPORTERS)}")
        else:
            files.append((fmt, value))
            terminal = False
    return files, terminal


def _progress_bar() -> Any:
    """A progress callback that redraws one stderr line at most ten times a second."""
    import time

    last = [0.0]

    def show(done: int, total: int) -> None:
        now = time.monotonic()
        if total < 50 or (now - last[0] < 0.1 and done < total):
            return
        last[0] = now
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files")
        if done >= total:
            sys.stderr.write("\r" + " " * (width + 30) + "\r")
        sys.stderr.flush()

    return show


def _rule_set(config_path: str | None, policies: tuple[str, ...], no_builtin: bool) -> Any:
    from .engine import Flags, build_options, load_rules

    config = _load_config(config_path)
    options = build_options(config, Flags(policies=policies, no_builtin=no_builtin))
    return load_rules(dataclasses.replace(options, select=(), ignore=(), pattern_locations={}))


@main.command()
@click.option("--policy", "policies", multiple=True, type=click.Path(), help="Extra policy file or directory.")
@click.option("--no-builtin", is_flag=True, help="Leave out the built-in packs.")
@click.option("--config", "config_path", type=click.Path(), help="Config file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="markdown: the rule catalogue with rationale, params and examples (docs/rules.md).")
def rules(policies: tuple[str, ...], no_builtin: bool, config_path: str | None, fmt: str) -> None:
    """List the rules: id, severity in force, title, pack."""
    import json

    try:
        rule_set = _rule_set(config_path, policies, no_builtin)
    except UsmError as err:
        _fail(err)
        return
    from .codes import lint_codes, tool_codes

    if fmt == "markdown":
        from .ruledocs import render_markdown

        click.echo(render_markdown(rule_set.metas.values(), tool_codes()), nl=False)
        return
    order = {"engine": 0, "lint": 2}
    infos = sorted({**lint_codes(), **rule_set.infos}.values(), key=lambda r: (order.get(r.pack, 1), r.pack, r.id))
    ramps = rule_set.ramps
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "severity": r.severity.label, "title": r.title, "pack": r.pack,
                                "help": r.help, "tags": list(r.tags),
                                **({"enforcement": ramps[r.id].to_dict()} if r.id in ramps else {})}
                               for r in infos], indent=2))
        return
    width = max(len(r.id) for r in infos)
    for r in infos:
        schedule = f"  [{ramps[r.id].describe()}]" if r.id in ramps else ""
        click.echo(f"{r.id:<{width}}  {r.severity.label:<7}  {r.pack:<6}  {r.title}{schedule}")


@main.command()
@click.argument("rule_id")
@click.option("--policy", "policies", multiple=True, type=click.Path(), help="Extra policy file or directory.")
@click.option("--config", "config_path", type=click.Path(), help="Config file.")
def explain(rule_id: str, policies: tuple[str, ...], config_path: str | None) -> None:
    """Show a rule's metadata, rationale, params, examples and source."""
    try:
        rule_set = _rule_set(config_path, policies, False)
    except UsmError as err:
        _fail(err)
        return
    from .codes import lint_codes, tool_codes
    from .ruledocs import render_code, render_rule

    rule_id = rule_id.upper()
    info = rule_set.infos.get(rule_id)
    meta = rule_set.metas.get(rule_id)
    code = tool_codes().get(rule_id)
    if meta is None:
        if code is None:
            from .engine import unknown_rule_error

            known = set(rule_set.infos) | set(rule_set.metas) | set(lint_codes())
            click.echo(f"usm-rules: {unknown_rule_error(rule_id, known)}", err=True)
            sys.exit(EXIT_ERROR)
        click.echo(render_code(code), nl=False)
        return
    text = render_rule(meta)
    if info is not None and info.severity.label != meta.severity:
        text = text.replace(f"  severity: {meta.severity} (default)",
                            f"  severity: {info.severity.label} (configured; default {meta.severity})", 1)
    elif info is None:
        text = text.replace(f"  severity: {meta.severity} (default)",
                            f"  severity: {meta.severity} (default; switched off by the config)", 1)
    ramp = rule_set.ramps.get(rule_id)
    if ramp is not None:  # the schedule in force, config included, after the id, severity and pack lines
        lines = [line for line in text.split("\n") if not line.startswith("  enforced: ")]
        text = "\n".join(lines[:3] + [f"  enforced: {ramp.describe()}"] + lines[3:])
    click.echo(text, nl=False)


@main.command()
@click.argument("action", type=click.Choice(["create", "update"]))
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--policy", "policies", multiple=True, type=click.Path(), help="Extra policy file or directory.")
@click.option("--config", "config_path", type=click.Path(), help="Config file.")
@click.option("--as-of", callback=_date, help="Date for date-dependent rules, YYYY-MM-DD.")
def baseline(action: str, file: str, paths: tuple[str, ...], policies: tuple[str, ...], config_path: str | None,
             as_of: _dt.date | None) -> None:
    """Record today's findings in FILE, so that `check --baseline FILE` reports only new ones.

    `create` refuses to overwrite an existing FILE; `update` rewrites it.
    """
    from . import baseline as baseline_file
    from .engine import Flags, build_options, run

    if action == "create" and os.path.exists(file):
        click.echo(f"usm-rules: `{file}` exists; use `usm-rules baseline update {file}` to rewrite it", err=True)
        sys.exit(EXIT_ERROR)
    try:
        config = _load_config(config_path)
        options = dataclasses.replace(build_options(config, Flags(policies=policies, as_of=as_of)), baseline=None)
        result = run(list(paths or (".",)), options)
        _write_output(file, baseline_file.render(result.findings, __version__).encode("utf-8"),
                      _inputs(result, options, config))
    except UsmError as err:
        _fail(err)
        return
    count = len(result.active())
    click.echo(f"Recorded {count} finding{'' if count == 1 else 's'} in {file}.")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="markdown: the reference of every field (docs/spec-format.md).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write it to FILE, atomically (for editors: "
              "docs/editors.md).")
def schema(fmt: str, output: str | None) -> None:
    """Print the v1 spec JSON Schema (for editors' autocompletion), or its reference in Markdown."""
    from .schema import schema_text

    if fmt == "markdown":
        from .schema.reference import render_reference

        text = render_reference()
    else:
        text = schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        _write_output(output, text.encode("utf-8"))
    except UsmError as err:
        _fail(err)


class Interrupted(BaseException):
    """Ctrl-C, raised by our own SIGINT handler so that click's "Aborted!" (exit 1) never stands for it."""


def _interrupt(signum: int, frame: Any) -> None:
    raise Interrupted()


def entry() -> None:
    """Console entry point: no input ever ends in a traceback, and Ctrl-C exits 130 with one line."""
    import signal

    try:
        signal.signal(signal.SIGINT, _interrupt)
    except ValueError:  # not the main thread (embedded): keep the default
        pass
    try:
        main()
    except (Interrupted, KeyboardInterrupt):
        _interrupted()
    except Exception as err:  # a bug of ours: say so plainly, and never exit 0
        if os.environ.get("USM_RULES_DEBUG"):
            raise
        click.echo(f"usm-rules: internal error: {type(err).__name__}: {err} (set USM_RULES_DEBUG=1 for details; "
                   "please report it)", err=True)
        sys.exit(EXIT_ERROR)


def _interrupted() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the goodbye
    try:
        sys.stderr.write("usm-rules: interrupted\n")
        sys.stderr.flush()
    except OSError:
        pass
    os._exit(130)  # no cleanup that could block: nothing was written but whole files

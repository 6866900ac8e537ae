"""`usm-rules diff-rules`: what a rule-set change does to the findings, compared with a git ref. Imported only
when the command is named (see `cli._Commands`)."""
from __future__ import annotations

import datetime as _dt
import sys

import click

from .cli import EXIT_FINDINGS, EXIT_OK, SEVERITY_NAMES, _date, _fail, _notify, _split, _write_output
from .errors import UsmError

FORMATS = ("text", "json", "markdown")


@click.command("diff-rules")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--base", "ref", required=True, metavar="REF",
              help="The git ref (branch, tag, commit) whose rule set to compare with the working tree's.")
@click.option("--policy", "policies", multiple=True, type=click.Path(),
              help="Extra policy file or directory, on both sides (repeatable).")
@click.option("--pack", "packs", multiple=True, help="Built-in pack to use (repeatable; default: as configured).")
@click.option("--no-builtin", is_flag=True, help="Use no built-in pack.")
@click.option("--select", multiple=True, help="Only these rule ids or prefixes, on both sides.")
@click.option("--ignore", multiple=True, help="Skip these rule ids or prefixes, on both sides.")
@click.option("--waivers", type=click.Path(dir_okay=False), help="Waivers file, on both sides [default: as configured].")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Baseline file, on both sides [default: as configured].")
@click.option("--as-of", callback=_date, help="Date for date-dependent rules, on both sides [default: today].")
@click.option("--config", "config_path", type=click.Path(),
              help="Config file (the base uses the file at the same path at REF).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="markdown: a summary for a pull-request comment.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), help="Write the report to FILE, atomically.")
@click.option("--fail-on-new", type=click.Choice(SEVERITY_NAMES),
              help="Exit 1 when the change brings findings at or above this severity (new, or raised to it).")
@click.option("--no-cache", is_flag=True, help="Compile the policies afresh, without the user cache.")
@click.option("--jobs", "-j", type=click.IntRange(min=1, max=256), help="Worker processes for each side's run.")
def diff_rules(paths: tuple[str, ...], ref: str, policies: tuple[str, ...], packs: tuple[str, ...],
               no_builtin: bool, select: tuple[str, ...], ignore: tuple[str, ...], waivers: str | None,
               baseline: str | None, as_of: _dt.date | None, config_path: str | None, fmt: str,
               output: str | None, fail_on_new: str | None, no_cache: bool, jobs: int | None) -> None:
    """Compare the findings of the rule set at git REF with the working tree's, on the same spec files.

    The config, local policies, waivers and baseline are taken as they are at REF (the built-in packs are the
    installed ones on both sides). Exit status: 0, or 1 with --fail-on-new when the change brings findings
    at or above that severity; 2 when a side's rule set does not load, REF is not a commit, or there is no
    git repository.
    """
    from .engine import Flags
    from .findings import Severity
    from .impact import diff_rules as compare_rule_sets
    from .impact.render import RENDERERS

    flags = Flags(policies=policies, packs=_split(packs) or None, no_builtin=no_builtin, select=_split(select),
                  ignore=_split(ignore), as_of=as_of, use_cache=not no_cache, waivers=waivers, baseline=baseline,
                  jobs=jobs)
    try:
        found = compare_rule_sets(list(paths or (".",)), ref, config_path, flags)
        report = RENDERERS[fmt](found)
        if output:
            _write_output(output, report.encode("utf-8"), found.inputs)
    except UsmError as err:
        _fail(err)
        return
    _notify(list(dict.fromkeys(found.notices)))
    if not output:
        click.echo(report, nl=False)
    if fail_on_new and found.impact.introduces(Severity.parse(fail_on_new)):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


COMMANDS = (diff_rules,)

"""The benchmark of DESIGN §7: `usm-rules check` against the parse-only floor, in one run.

    python bench/bench.py [--quick] [--sizes 1,1000,10000] [--repeat N] [--json FILE]

It generates corpora of realistic specs (bench/gen_specs.py) and one ~5 MB spec in a temporary directory,
then times, as separate processes with the same environment, alternating and repeated:

* the floor: a Python process that only loads every file with ``yaml.load(..., Loader=yaml.CSafeLoader)``;
* the tool: ``python -m usm_rules check --format json --no-show-source PATH --as-of 2026-11-24`` (both
  built-in packs, default config, warm policy cache), and for 1,000 specs and more also with ``--jobs 2``;

and prints medians, ratios, peak RSS and throughput, then the targets of DESIGN §7 with PASS/MISS.
Standard library and PyYAML only. See bench/README.md for what each line means.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import gen_specs  # noqa: E402

AS_OF = "2026-11-24"
SPEC_SUFFIXES = (".yaml", ".yml", ".json")

# The floor: load every file of the corpus with libyaml, nothing else. A directory is walked (sorted), so
# that no file list has to be passed on the command line.
FLOOR_SCRIPT = """\
import os, sys, yaml
target = sys.argv[1]
if os.path.isdir(target):
    files = []
    for d, dirs, names in os.walk(target):
        dirs.sort()
        files.extend(os.path.join(d, n) for n in names if n.endswith((".yaml", ".yml", ".json")))
    files.sort()
else:
    files = [target]
for f in files:
    with open(f, encoding="utf-8") as fh:
        yaml.load(fh.read(), Loader=yaml.CSafeLoader)
"""

# Engine findings that a generated (schema-valid, well-formed, small) spec must never get.
UNEXPECTED_RULES = ("SPEC-PARSE", "SPEC-SCHEMA", "SPEC-DUPLICATE-KEY", "SPEC-LIMIT", "RULE-ERROR")

TARGETS = {  # DESIGN §7: (target, stretch)
    "ratio_10k": (1.2, 1.0),
    "ratio_10k_jobs2": (0.7, 0.6),
    "ratio_1_warm": (2.0, 1.6),
    "memory_10k_over_1k": (1.5, None),
    "big_mb_per_s": (5.0, None),
}


class BenchError(Exception):
    """A run failed: the benchmark stops and says why."""


@dataclass
class Sample:
    seconds: float
    maxrss_kib: int
    cpu_seconds: float
    returncode: int


@dataclass
class Command:
    label: str
    argv: list[str]
    ok_codes: tuple[int, ...]
    samples: list[Sample] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # the tool's JSON summary, from the warm-up run

    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    def peak_rss_mib(self) -> float:
        return max(s.maxrss_kib for s in self.samples) / 1024

    def as_json(self) -> dict[str, Any]:
        return {"argv": self.argv, "median_seconds": self.median(),
                "min_seconds": min(s.seconds for s in self.samples),
                "max_seconds": max(s.seconds for s in self.samples),
                "peak_rss_mib": self.peak_rss_mib(),
                "samples": [vars(s) for s in self.samples], "tool_summary": self.summary}


# The launcher: a minimal Python process that starts every timed child and reaps it with os.wait4. It exists
# because Linux charges a new process with the peak RSS of the process that spawns it (exec records the old
# memory map's high-water mark in ru_maxrss): children spawned straight from this script, which holds the
# generated specs, would all report this script's peak. The launcher stays at about the size of a bare
# Python, below any child's own peak. Protocol, one line per run: timeout, stdout path, stderr path and argv,
# each UTF-8 in hex, space-separated; the answer is "seconds exitcode maxrss_kib cpu_seconds" or "ERR why".
LAUNCHER = """\
import os, signal, sys, time
child = [0]
def on_alarm(signum, frame):
    if child[0]:
        os.kill(child[0], signal.SIGKILL)
signal.signal(signal.SIGALRM, on_alarm)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    timeout, out, err, *argv = [bytes.fromhex(field).decode("utf-8") for field in line.split()]
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
               (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    try:
        start = time.perf_counter()
        child[0] = os.posix_spawn(argv[0], argv, os.environ, file_actions=actions)
        signal.alarm(int(timeout))
        _, status, usage = os.wait4(child[0], 0)
        elapsed = time.perf_counter() - start
        signal.alarm(0)
        child[0] = 0
        code = os.waitstatus_to_exitcode(status)
        answer = f"{elapsed!r} {code} {usage.ru_maxrss} {usage.ru_utime + usage.ru_stime!r}"
    except OSError as e:
        answer = f"ERR {e}"
    sys.stdout.write(answer + "\\n")
    sys.stdout.flush()
"""


class Runner:
    """Runs child processes (through the launcher) in a fixed cwd and environment; measures the wall time
    (time.perf_counter around spawn .. os.wait4) and the peak RSS (ru_maxrss from os.wait4) of each."""

    def __init__(self, cwd: Path, env: dict[str, str], scratch: Path, timeout: float) -> None:
        self.scratch, self.timeout = scratch, timeout
        self._n = 0
        self._launcher = subprocess.Popen([sys.executable, "-S", "-I", "-c", LAUNCHER], cwd=cwd, env=env,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                          encoding="utf-8")

    def close(self) -> None:
        if self._launcher.poll() is None:
            self._launcher.stdin.close()
            try:
                self._launcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._launcher.kill()
                self._launcher.wait()

    def launcher_hwm_kib(self) -> int | None:
        """The launcher's own peak RSS: the least ru_maxrss any child can report."""
        try:
            with open(f"/proc/{self._launcher.pid}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def run(self, cmd: Command, capture: bool = False) -> tuple[Sample, bytes]:
        """One run; stdout goes to /dev/null unless `capture` (then it is returned)."""
        self._n += 1
        err_path = self.scratch / f"stderr-{self._n}.txt"
        out_path = self.scratch / f"stdout-{self._n}.txt" if capture else Path(os.devnull)
        fields = [str(max(1, int(self.timeout))), str(out_path), str(err_path), *cmd.argv]
        request = " ".join(f.encode("utf-8").hex() for f in fields)
        try:
            self._launcher.stdin.write(request + "\n")
            self._launcher.stdin.flush()
            answer = self._launcher.stdout.readline().split()
        except OSError as err:
            raise BenchError(f"the launcher process died: {err}") from None
        if not answer or answer[0] == "ERR":
            raise BenchError(f"cannot start `{cmd.label}`: {' '.join(answer[1:]) or 'the launcher died'}")
        sample = Sample(float(answer[0]), int(answer[2]), float(answer[3]), int(answer[1]))
        stderr = err_path.read_bytes() if err_path.exists() else b""
        err_path.unlink(missing_ok=True)
        stdout = b""
        if capture:
            stdout = out_path.read_bytes()
            out_path.unlink()
        if sample.returncode not in cmd.ok_codes:
            text = stderr.decode("utf-8", "replace").rstrip()
            why = ("killed (after the timeout?)" if sample.returncode < 0 else f"exit status {sample.returncode}")
            raise BenchError(f"`{cmd.label}` failed ({why}):\n  $ {' '.join(cmd.argv)}\n{text}")
        return sample, stdout


def measure(runner: Runner, commands: list[Command], repeat: int, title: str) -> None:
    """One untimed warm-up run of each command, then `repeat` rounds that alternate the commands (the order
    rotates from round to round, so no command always runs first)."""
    print(f"  {title}: warm-up", end="", flush=True)
    for cmd in commands:
        _, stdout = runner.run(cmd, capture=cmd.label.startswith("tool"))
        if cmd.label.startswith("tool"):
            cmd.summary = _tool_summary(stdout)
    for r in range(repeat):
        print(f", {r + 1}", end="", flush=True)
        k = r % len(commands)
        for cmd in commands[k:] + commands[:k]:
            cmd.samples.append(runner.run(cmd)[0])
    print(" done", flush=True)


def _tool_summary(stdout: bytes) -> dict[str, Any]:
    """The summary of the tool's JSON report, and the engine findings a generated spec should never get."""
    try:
        report = json.loads(stdout)
    except ValueError as err:
        return {"problem": f"the tool's output is not JSON: {err}"}
    if not isinstance(report, dict):
        return {"problem": "the tool's JSON output is not an object"}
    summary = dict(report.get("summary") or {})
    unexpected: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for f in report.get("findings") or ():
        rule = f.get("rule", "?")
        by_rule[rule] = by_rule.get(rule, 0) + 1
        if rule in UNEXPECTED_RULES:
            unexpected[rule] = unexpected.get(rule, 0) + 1
    summary["by_rule"] = dict(sorted(by_rule.items()))
    summary["unexpected"] = unexpected
    if unexpected:
        first = next(f for f in report["findings"] if f.get("rule") in UNEXPECTED_RULES)
        summary["first_unexpected"] = (f"{first.get('file')}:{first.get('line')}: {first.get('rule')} "
                                       f"{first.get('message')}")
    return summary


def _check_summary(summary: dict[str, Any] | None, specs: int, where: str) -> list[str]:
    """Warnings when the tool did not check what it was given (so its timing would mean nothing)."""
    if summary is None:
        return []
    if "problem" in summary:
        return [f"{where}: {summary['problem']}"]
    warnings = []
    if summary.get("specs") != specs:
        warnings.append(f"{where}: the tool reports {summary.get('specs')} specs checked, expected {specs}")
    if summary.get("unexpected"):
        counts = ", ".join(f"{k} ×{v}" for k, v in summary["unexpected"].items())
        warnings.append(f"{where}: engine findings on generated specs: {counts} (first: {summary['first_unexpected']})")
    return warnings


# --------------------------------------------------------------------------------------------------------
# Set-up
# --------------------------------------------------------------------------------------------------------

def _config_in_the_way(start: Path) -> Path | None:
    """A usm-rules config that `check` would pick up when run from `start` (it walks up), if any."""
    for d in (start, *start.parents):
        if (d / "usm-rules.toml").is_file():
            return d / "usm-rules.toml"
        pyproject = d / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "[tool.usm-rules" in pyproject.read_text(encoding="utf-8", errors="replace"):
                    return pyproject
            except OSError:
                pass
    return None


def child_environment(cache: Path, installed: bool) -> tuple[dict[str, str], list[str]]:
    """The environment of every child (floor and tool alike), and what was changed, in words."""
    env = dict(os.environ)
    notes = []
    if env.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        notes.append("PYTHONDONTWRITEBYTECODE removed (it is set here; it makes every import recompile the "
                     "source): children use .pyc files as in a real install")
    else:
        notes.append("PYTHONDONTWRITEBYTECODE not set: children use .pyc files as in a real install")
    if env.pop("USM_RULES_CACHE_DIR", None) is not None:
        notes.append("USM_RULES_CACHE_DIR removed")
    env["XDG_CACHE_HOME"] = str(cache)
    notes.append(f"XDG_CACHE_HOME={cache} (the policy cache lives there, not in your own cache)")
    if not installed:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        notes.append(f"PYTHONPATH starts with {ROOT} (this checkout is benchmarked; --installed: the installed "
                     "package)")
    return env, notes


def _probe(runner: Runner, code: str, what: str) -> str:
    cmd = Command(what, [sys.executable, "-c", code], (0,))
    return runner.run(cmd, capture=True)[1].decode().strip()


def make_corpora(base: Path, sizes: list[int], seed: int) -> dict[int, tuple[Path, int]]:
    """One directory per size (spec i is the same in all, so smaller corpora are hard links into the
    largest); size 1 is a single file. Returns size -> (path to check, total bytes)."""
    largest = max(sizes)
    dirs = {n: base / f"corpus-{n}" for n in sizes}
    totals = dict.fromkeys(sizes, 0)
    for i in range(largest):
        rel = gen_specs.spec_filename(i, seed)
        data = gen_specs.generate_spec(i, seed).encode("utf-8")
        first: Path | None = None
        for n in sorted(sizes, reverse=True):
            if i >= n:
                continue
            path = dirs[n] / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if first is None:
                path.write_bytes(data)
                first = path
            else:
                try:
                    os.link(first, path)
                except OSError:
                    path.write_bytes(data)
            totals[n] += len(data)
    out = {}
    for n in sizes:
        if n == 1:
            (single,) = [p for p in dirs[1].rglob("*") if p.is_file()]
            out[n] = (single, totals[n])
        else:
            out[n] = (dirs[n], totals[n])
    return out


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------

def _status(value: float | None, target: float, stretch: float | None, higher_is_better: bool = False) -> str:
    if value is None:
        return "n/a"
    def ok(limit: float) -> bool:
        return value >= limit if higher_is_better else value <= limit
    if stretch is not None and ok(stretch):
        return "PASS (stretch too)"
    return "PASS" if ok(target) else "MISS"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark usm-rules against the parse-only floor (DESIGN §7).")
    ap.add_argument("--quick", action="store_true", help="3 repeats, sizes 1,1000")
    ap.add_argument("--sizes", help="comma-separated corpus sizes [1,1000,10000]")
    ap.add_argument("--repeat", type=int, help="timed runs of each command per size [5; 3 with --quick]")
    ap.add_argument("--json", metavar="FILE", help="also write the raw numbers to FILE")
    ap.add_argument("--big-mb", type=float, default=5.0, help="size of the single big spec in MB [5]; 0 skips it")
    ap.add_argument("--seed", type=int, default=gen_specs.DEFAULT_SEED, help="generator seed")
    ap.add_argument("--installed", action="store_true", help="benchmark the installed usm_rules, not this checkout")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a child is killed [900]")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (corpora, cache)")
    args = ap.parse_args(argv)

    try:
        sizes = sorted({int(s) for s in (args.sizes or ("1,1000" if args.quick else "1,1000,10000")).split(",")
                        if s.strip()})
    except ValueError:
        ap.error("--sizes takes comma-separated integers")
    if not sizes or min(sizes) < 1:
        ap.error("--sizes must be positive")
    repeat = args.repeat or (3 if args.quick else 5)
    if repeat < 1:
        ap.error("--repeat must be at least 1")
    big_bytes = int(args.big_mb * 1_000_000)
    notes = []
    if big_bytes and 1 not in sizes:
        sizes.insert(0, 1)
        notes.append("size 1 added: the 5 MB line subtracts the one-spec start-up time")

    tmp = Path(tempfile.mkdtemp(prefix="usm-rules-bench-"))
    try:
        return _bench(args, sizes, repeat, big_bytes, notes, tmp)
    except BenchError as err:
        print(f"\nbench: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench: interrupted", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _bench(args: argparse.Namespace, sizes: list[int], repeat: int, big_bytes: int, notes: list[str],
           tmp: Path) -> int:
    cwd, cache, scratch = tmp / "cwd", tmp / "cache", tmp / "scratch"
    for d in (cwd, cache, scratch):
        d.mkdir()
    found = _config_in_the_way(cwd)
    if found:
        raise BenchError(f"{found} would be picked up as the tool's config when run from {cwd}; "
                         "set TMPDIR to a directory without one above it")
    env, env_notes = child_environment(cache, args.installed)
    runner = Runner(cwd, env, scratch, args.timeout)
    try:
        return _bench_with(runner, args, sizes, repeat, big_bytes, notes, tmp, cwd, env_notes)
    finally:
        runner.close()


def _bench_with(runner: Runner, args: argparse.Namespace, sizes: list[int], repeat: int, big_bytes: int,
                notes: list[str], tmp: Path, cwd: Path, env_notes: list[str]) -> int:
    py = sys.executable

    tool_info = _probe(runner, "import usm_rules, yaml; print(getattr(usm_rules, '__version__', '?'), "
                               "usm_rules.__file__, yaml.__version__, hasattr(yaml, 'CSafeLoader'), sep='\\n')",
                       "probe")
    version, where, yaml_version, has_libyaml = tool_info.splitlines()
    if has_libyaml != "True":
        raise BenchError("PyYAML has no libyaml (yaml.CSafeLoader): the floor of DESIGN §7 cannot be measured")

    rss_note, rss_warning = _rss_check(runner)

    print("usm-rules benchmark (DESIGN §7)")
    print(f"  tool:   usm_rules {version} from {Path(where).parent}")
    print(f"  python: {py} ({platform.python_version()}), PyYAML {yaml_version} with libyaml; "
          f"{os.cpu_count()} CPUs, {platform.platform()}")
    print(f"  runs:   {repeat} timed runs per command after one warm-up, alternated; figures are medians")
    for note in env_notes + notes:
        print(f"  env:    {note}" if note in env_notes else f"  note:   {note}")
    print(f"  cwd:    {cwd} (no usm-rules.toml or pyproject.toml above it: default config)")
    print("  output: the tool's JSON report goes to stdout, sent to /dev/null by the benchmark")
    print(f"  rss:    {rss_note}")

    print(f"generating {max(sizes):,} specs" + (f" and a {big_bytes / 1e6:g} MB spec" if big_bytes else "")
          + f" (seed {args.seed}) ...", flush=True)
    t0 = time.perf_counter()
    corpora = make_corpora(tmp / "specs", sizes, args.seed)
    big_path = tmp / "big" / "estate-wide.yaml"
    if big_bytes:
        big_path.parent.mkdir()
        big_size = gen_specs.write_big_spec(big_path, big_bytes, args.seed)
    print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)

    def floor(target: Path) -> Command:
        return Command("floor", [py, "-c", FLOOR_SCRIPT, str(target)], (0,))

    def tool(target: Path, jobs: int | None = None) -> Command:
        argv = [py, "-m", "usm_rules", "check", "--format", "json", "--no-show-source", str(target),
                "--as-of", AS_OF]
        if jobs:
            argv += ["--jobs", str(jobs)]
        return Command("tool" if jobs is None else f"tool-j{jobs}", argv, (0, 1))

    results: dict[int, dict[str, Command]] = {}
    warnings: list[str] = []
    print("measuring:", flush=True)
    for n in sizes:
        target, _ = corpora[n]
        cmds = [floor(target), tool(target)]
        if n >= 1000:
            cmds.append(tool(target, 2))
        measure(runner, cmds, repeat, f"{n:,} spec" + ("s" if n > 1 else "") + (" (warm cache)" if n == 1 else ""))
        results[n] = {c.label: c for c in cmds}
        if n == 1 and not any(p.is_file() for p in (tmp / "cache").rglob("*")):
            warnings.append("the tool wrote nothing into $XDG_CACHE_HOME: the one-spec line measures a cold start")
        for c in cmds:
            warnings += _check_summary(c.summary, n, f"{c.label} on {n:,} specs")
    big: dict[str, Command] = {}
    if big_bytes:
        cmds = [floor(big_path), tool(big_path)]
        measure(runner, cmds, repeat, f"one {big_size / 1e6:.2f} MB spec")
        big = {c.label: c for c in cmds}
        warnings += _check_summary(big["tool"].summary, 1, "tool on the big spec")
    pyc = _pyc_check(runner)
    if pyc:
        warnings.append(pyc)
    if rss_warning:
        warnings.append(rss_warning)

    # ---- table
    print()
    header = (f"{'specs':>7}  {'floor s':>8}  {'tool s':>8}  {'tool/floor':>10}  {'-j2 s':>8}  {'-j2/floor':>9}"
              f"  {'tool RSS MiB':>12}  {'tool specs/s':>12}  {'floor specs/s':>13}")
    print(header)
    print("-" * len(header))
    rows = {}
    for n in sizes:
        r = results[n]
        f_med, t_med = r["floor"].median(), r["tool"].median()
        j2 = r.get("tool-j2")
        row = {"floor_s": f_med, "tool_s": t_med, "ratio": t_med / f_med, "tool_rss_mib": r["tool"].peak_rss_mib(),
               "floor_rss_mib": r["floor"].peak_rss_mib(), "tool_specs_per_s": n / t_med,
               "floor_specs_per_s": n / f_med, "bytes": corpora[n][1]}
        if j2:
            row.update(jobs2_s=j2.median(), jobs2_ratio=j2.median() / f_med, jobs2_rss_mib=j2.peak_rss_mib())
        rows[n] = row
        j2_cols = (f"{row['jobs2_s']:>8.3f}  {row['jobs2_ratio']:>8.2f}×" if j2 else f"{'-':>8}  {'-':>9}")
        print(f"{n:>7,}  {f_med:>8.3f}  {t_med:>8.3f}  {row['ratio']:>9.2f}×  {j2_cols}  {row['tool_rss_mib']:>12.1f}"
              f"  {row['tool_specs_per_s']:>12,.0f}  {row['floor_specs_per_s']:>13,.0f}")
    big_row: dict[str, Any] = {}
    if big:
        f_med, t_med = big["floor"].median(), big["tool"].median()
        start = rows[1]["tool_s"]
        net = t_med - start
        big_row = {"bytes": big_size, "floor_s": f_med, "tool_s": t_med, "tool_1spec_s": start,
                   "raw_mb_per_s": big_size / 1e6 / t_med, "net_mb_per_s": big_size / 1e6 / net if net > 0 else None,
                   "floor_mb_per_s": big_size / 1e6 / f_med, "tool_rss_mib": big["tool"].peak_rss_mib(),
                   "floor_rss_mib": big["floor"].peak_rss_mib()}
        net_text = (f"{big_row['net_mb_per_s']:.2f} MB/s" if big_row["net_mb_per_s"]
                    else "n/a (no time left after start-up)")
        print(f"\none {big_size / 1e6:.2f} MB spec: floor {f_med:.3f} s ({big_row['floor_mb_per_s']:.2f} MB/s), "
              f"tool {t_med:.3f} s = {big_row['raw_mb_per_s']:.2f} MB/s raw, {net_text} without the one-spec "
              f"start-up ({start:.3f} s); tool RSS {big_row['tool_rss_mib']:.1f} MiB")

    # ---- targets
    targets = _targets(rows, big_row)
    print("\ntargets (DESIGN §7):")
    for t in targets:
        print(f"  {t['what']:<46} {t['target']:<40} {t['value_text']:<24} {t['status']}")
        if t.get("note"):
            print(f"  {'':<46} {t['note']}")
    for w in warnings:
        print(f"warning: {w}")

    if args.json:
        data = {
            "meta": {"date": _dt.datetime.now().isoformat(timespec="seconds"), "usm_rules_version": version,
                     "usm_rules_path": where, "python": platform.python_version(), "executable": py,
                     "pyyaml": yaml_version, "platform": platform.platform(), "cpus": os.cpu_count(),
                     "seed": args.seed, "repeat": repeat, "sizes": sizes, "as_of": AS_OF,
                     "environment": env_notes, "notes": notes, "floor_script": FLOOR_SCRIPT},
            "sizes": {str(n): {"row": rows[n], "commands": {k: c.as_json() for k, c in results[n].items()}}
                      for n in sizes},
            "big": {"row": big_row, "commands": {k: c.as_json() for k, c in big.items()}} if big else None,
            "targets": targets, "warnings": warnings,
        }
        Path(args.json).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        print(f"raw numbers written to {args.json}")
    return 0


def _rss_check(runner: Runner) -> tuple[str, str | None]:
    """Check that ru_maxrss is the child's own peak: a child prints its VmHWM at exit, to compare."""
    launcher = runner.launcher_hwm_kib()
    code = ("import atexit, yaml\n"
            "def hwm():\n"
            "    with open('/proc/self/status') as fh:\n"
            "        print(next(line.split()[1] for line in fh if line.startswith('VmHWM:')))\n"
            "atexit.register(hwm)\n")
    try:
        sample, out = runner.run(Command("rss probe", [sys.executable, "-c", code], (0,)), capture=True)
        own = int(out.decode().strip())
    except (BenchError, ValueError):
        return "ru_maxrss from os.wait4 (not cross-checked: no /proc)", None
    note = (f"ru_maxrss from os.wait4; children are spawned by a small launcher (peak {launcher / 1024:.1f} MiB) "
            f"since Linux charges a child with the peak RSS of the process that spawns it; check: a Python child "
            f"importing yaml reports {sample.maxrss_kib / 1024:.1f} MiB, its own VmHWM is {own / 1024:.1f} MiB"
            if launcher else "ru_maxrss from os.wait4")
    if sample.maxrss_kib > own + 1024:
        return note, (f"ru_maxrss overstates a child's peak ({sample.maxrss_kib / 1024:.1f} MiB reported, "
                      f"{own / 1024:.1f} MiB own): the RSS column is not reliable here")
    return note, None


def _pyc_check(runner: Runner) -> str | None:
    """After the runs, the tool's modules must have .pyc files (else start-up includes compiling them)."""
    code = ("import importlib.util, os, usm_rules.cli as m; "
            "print(os.path.exists(importlib.util.cache_from_source(m.__file__)))")
    try:
        if _probe(runner, code, "pyc probe") != "True":
            return "no .pyc next to usm_rules/cli.py: its directory may not be writable, start-up includes compiling"
    except BenchError:
        return None
    return None


def _targets(rows: dict[int, dict[str, Any]], big_row: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    many = [n for n in rows if n >= 1000]
    at = 10000 if 10000 in rows else (max(many) if many else None)
    note = None if at == 10000 else (f"measured at {at:,} specs, not 10,000: indicative only" if at else None)

    def add(key: str, what: str, target: str, value: float | None, text: str, note: str | None = None,
            higher: bool = False) -> None:
        limit, stretch = TARGETS[key]
        out.append({"key": key, "what": what, "target": target, "value": value,
                    "value_text": text if value is not None else (text or "not measured"),
                    "status": _status(value, limit, stretch, higher), "note": note})

    r = rows.get(at) if at else None
    add("ratio_10k", "check 10,000 specs, one process", "≤ 1.2× floor (stretch ≤ 1.0×)",
        r["ratio"] if r else None, f"{r['ratio']:.2f}×" if r else "", note)
    add("ratio_10k_jobs2", "the same with --jobs 2", "≤ 0.7× floor (stretch ≤ 0.6×)",
        r.get("jobs2_ratio") if r else None, f"{r['jobs2_ratio']:.2f}×" if r and "jobs2_ratio" in r else "", note)
    one = rows.get(1)
    add("ratio_1_warm", "one spec, warm policy cache (pre-commit)", "≤ 2.0× one-file floor (stretch ≤ 1.6×)",
        one["ratio"] if one else None,
        f"{one['ratio']:.2f}× ({one['tool_s'] * 1000:.0f} vs {one['floor_s'] * 1000:.0f} ms)" if one else "")
    if 10000 in rows and 1000 in rows:
        lo, hi, mem_note = 1000, 10000, None
    elif len(many) >= 2:
        lo, hi = sorted(many)[-2:]
        mem_note = f"{hi:,} vs {lo:,} specs, not 10,000 vs 1,000: indicative only"
    elif many and 1 in rows:
        lo, hi = 1, max(many)
        mem_note = f"{hi:,} specs vs 1 spec, not 10,000 vs 1,000: indicative only"
    else:
        lo = hi = 0
        mem_note = None
    mem = rows[hi]["tool_rss_mib"] / rows[lo]["tool_rss_mib"] if hi else None
    add("memory_10k_over_1k", "peak memory flat in the number of files", "10k peak ≤ 1.5× the 1k peak", mem,
        f"{mem:.2f}× ({rows[hi]['tool_rss_mib']:.0f} vs {rows[lo]['tool_rss_mib']:.0f} MiB)" if mem else "", mem_note)
    net = big_row.get("net_mb_per_s") if big_row else None
    if net:
        big_text = f"{net:.2f} MB/s (raw {big_row['raw_mb_per_s']:.2f})"
    elif big_row:
        big_text = f"n/a: no time left after start-up (raw {big_row['raw_mb_per_s']:.2f} MB/s)"
    else:
        big_text = ""
    add("big_mb_per_s", "a single 5 MB spec", "≥ 5 MB/s (net of start-up)", net, big_text, None, higher=True)
    return out


if __name__ == "__main__":
    sys.exit(main())

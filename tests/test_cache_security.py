"""The compiled-policy cache never runs what someone else wrote, never unpickles, never runs a corrupt entry.

Built from the reproducers of the security issue: a swapped code object in a cache another user can write,
a planted lark grammar pickle, random corruption of an entry, a same-size edit with the mtime restored, and
`--no-cache` / an empty `USM_RULES_CACHE_DIR` touching no cache at all. A planted entry creates a marker
directory when its code runs; `test_a_trusted_verified_entry_is_used` shows that the plant is live, so that
the marker's absence elsewhere means something.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import pickle
import random
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from usm_rules import cache
from usm_rules.config import Config
from usm_rules.engine import run
from usm_rules.errors import PolicyError
from usm_rules.lang import parser, program
from usm_rules.lang.program import instantiate, load_program
from usm_rules.resources import grammar_file
from usm_rules.engine import Flags, build_options

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "cache"
POLICY = str(CASES / "local.policy")
SPEC = str(CASES / "spec.yaml")
AS_OF = dt.date(2026, 11, 24)
EXPECTED = [("CACHE-001", 15, 14, "customer `hr` is at level 4")]
AS_ROOT = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                             reason="only root can give a file to another user")
OTHER_UID = 12345


@pytest.fixture(autouse=True)
def _private_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test has its own cache directory and home, and starts with no queued cache warnings."""
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    (tmp_path / "home").mkdir()
    cache.cache_warnings()
    _NOTICES.clear()


_NOTICES: list[str] = []


def findings(policy: str = POLICY, *, use_cache: bool = True) -> list[tuple]:
    options = build_options(Config(path=None, root=str(CASES), packs=()),
                             Flags(policies=(policy,), no_builtin=True, as_of=AS_OF, use_cache=use_cache))
    result = run([SPEC], options)
    _NOTICES.extend(result.notices)
    return [(f.rule, f.line, f.column, f.message) for f in result.findings]


def warnings_seen() -> list[str]:
    """The cache's one-line warnings since the last call: handed to the caller with a run's results (the
    engine prints nothing), or still queued by the cache when no run collected them."""
    lines = [f"usm-rules: {n}" for n in _NOTICES] + cache.cache_warnings()
    _NOTICES.clear()
    return lines


def entry_for(directory: Path, policy: str = POLICY) -> tuple[Path, bytes]:
    """Where the entry of `policy` lives in `directory`, and its full key."""
    key = program._cache_key(program.read_sources([policy]), False, False)
    assert key is not None
    return directory / program._entry_name(key), key


def only_entry(directory: Path) -> Path:
    [path] = directory.glob("policies-*.bin")
    return path


def planted_payload(marker: Path) -> bytes:
    """A payload of the right shape whose code creates `marker` when it runs."""
    real = load_program([POLICY], use_cache=False)
    code = compile(f"import os\nos.mkdir({str(marker)!r})\ndef make(params, R):\n    return {{}}\n",
                   "<planted>", "exec")
    return marshal.dumps((program.CACHE_FORMAT, [m.to_marshal() for m in real.rules], code))


def plant(directory: Path, marker: Path, *, key: bytes | None = None, mode: int = 0o600) -> Path:
    """A fully valid planted entry (right name, key and checksum) in `directory`; `key` overrides the key."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path, real_key = entry_for(directory)
    path.write_bytes(cache.pack_entry(real_key if key is None else key, planted_payload(marker)))
    path.chmod(mode)
    return path


def usm(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=ROOT, capture_output=True, env=full)


def cli_check(*extra: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return usm("check", "--no-builtin", "--policy", POLICY, "--as-of", "2026-11-24", "--format", "json", *extra,
               SPEC, env=env)


# ---------------------------------------------------------------------------------------------- the plant is live


def test_a_trusted_verified_entry_is_used(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    plant(tmp_path / "cache", marker)
    loaded = load_program([POLICY])
    assert loaded.from_cache
    instantiate(loaded, {"CACHE-001": {}}, AS_OF)
    assert marker.exists()  # so a missing marker in the tests below means the entry was never run


def test_a_warm_run_reads_the_entry_it_wrote() -> None:
    assert findings() == EXPECTED
    assert load_program([POLICY]).from_cache
    assert findings() == EXPECTED


# ---------------------------------------------------------------------------------------------- swapped entries


def test_an_entry_with_a_correct_checksum_for_another_key_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    plant(tmp_path / "cache", marker, key=b"the key of other policy text")
    assert findings() == EXPECTED
    assert not marker.exists()
    assert warnings_seen() == []  # a mismatch is an ordinary miss: rebuilt silently


def test_an_entry_with_a_wrong_checksum_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = plant(tmp_path / "cache", marker)
    data = bytearray(path.read_bytes())
    data[16 + 32] ^= 0x01  # the first byte of the payload's SHA-256
    path.write_bytes(bytes(data))
    assert findings() == EXPECTED
    assert not marker.exists()
    assert warnings_seen() == []
    assert load_program([POLICY]).from_cache  # rebuilt and rewritten


# ---------------------------------------------------------------------------------------------- who may write


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_a_group_or_other_writable_entry_is_not_used_and_is_replaced(tmp_path: Path, mode: int) -> None:
    marker = tmp_path / "ran"
    path = plant(tmp_path / "cache", marker, mode=mode)
    assert findings() == EXPECTED
    assert not marker.exists()
    [line] = warnings_seen()
    assert line.startswith(f"usm-rules: not using the cache entry {path}: it is writable by ")
    assert f"(mode {mode:o})" in line
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_program([POLICY]).from_cache


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o707])
def test_a_group_or_other_writable_directory_is_not_used(tmp_path: Path, mode: int) -> None:
    marker = tmp_path / "ran"
    directory = tmp_path / "cache"
    path = plant(directory, marker)
    directory.chmod(mode)
    before = path.read_bytes()
    assert findings() == EXPECTED
    assert not marker.exists()
    assert warnings_seen() == [
        f"usm-rules: not using the cache directory {directory}: it is writable by "
        f"{ {0o777: 'group and others', 0o770: 'group', 0o707: 'others'}[mode] } (mode {mode:o}); "
        "set USM_RULES_CACHE_DIR to a private directory (or to an empty value for no cache)"]
    assert sorted(os.listdir(directory)) == [path.name] and path.read_bytes() == before  # nothing written


@AS_ROOT
def test_a_directory_owned_by_another_user_is_not_used(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    directory = tmp_path / "cache"
    plant(directory, marker)
    os.chown(directory, OTHER_UID, OTHER_UID)
    assert findings() == EXPECTED
    assert not marker.exists()
    assert warnings_seen() == [
        f"usm-rules: not using the cache directory {directory}: it is owned by uid {OTHER_UID}, not you (uid 0); "
        "set USM_RULES_CACHE_DIR to a private directory (or to an empty value for no cache)"]


@AS_ROOT
def test_an_entry_owned_by_another_user_is_not_used(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = plant(tmp_path / "cache", marker)
    os.chown(path, OTHER_UID, OTHER_UID)
    assert findings() == EXPECTED
    assert not marker.exists()
    [line] = warnings_seen()
    assert f"it is owned by uid {OTHER_UID}, not you (uid 0)" in line
    assert path.stat().st_uid == 0 and load_program([POLICY]).from_cache  # replaced by our own


def test_a_symlinked_directory_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    plant(tmp_path / "real", marker)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(tmp_path / "link"))
    assert findings() == EXPECTED
    assert not marker.exists()
    [line] = warnings_seen()
    assert "it is a symbolic link" in line


def test_a_symlinked_entry_is_not_used_nor_written_through(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    elsewhere = plant(tmp_path / "elsewhere", marker)
    before = elsewhere.read_bytes()
    (tmp_path / "cache").mkdir(mode=0o700)
    path, _ = entry_for(tmp_path / "cache")
    path.symlink_to(elsewhere)
    assert findings() == EXPECTED
    assert not marker.exists()
    [line] = warnings_seen()
    assert "it is a symbolic link" in line and "remove it" in line
    assert path.is_symlink() and elsewhere.read_bytes() == before


def test_a_fifo_in_place_of_an_entry_is_neither_opened_nor_written(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir(mode=0o700)
    path, _ = entry_for(tmp_path / "cache")
    os.mkfifo(path, 0o600)
    assert findings() == EXPECTED  # a blocking open or write would hang here
    [line] = warnings_seen()
    assert "it is a FIFO (named pipe), not a regular file" in line and "remove it" in line


def test_a_refused_directory_is_reported_once_per_process(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir(mode=0o700)
    (tmp_path / "cache").chmod(0o777)
    for _ in range(3):
        assert findings() == EXPECTED
    assert len(warnings_seen()) == 1
    assert findings() == EXPECTED
    assert warnings_seen() == []


def test_the_cli_prints_one_line_for_an_untrusted_directory(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    directory.chmod(0o777)
    out = cli_check(env={"USM_RULES_CACHE_DIR": str(directory)})
    assert out.returncode == 1
    assert out.stderr.decode().splitlines() == [
        f"usm-rules: not using the cache directory {directory}: it is writable by group and others (mode 777); "
        "set USM_RULES_CACHE_DIR to a private directory (or to an empty value for no cache)"]
    assert os.listdir(directory) == []


def test_commands_without_a_run_print_the_line_too(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    directory.chmod(0o777)
    out = usm("rules", "--no-builtin", "--policy", POLICY, env={"USM_RULES_CACHE_DIR": str(directory)})
    assert out.returncode == 0
    assert [line for line in out.stderr.decode().splitlines() if "not using the cache directory" in line] == [
        f"usm-rules: not using the cache directory {directory}: it is writable by group and others (mode 777); "
        "set USM_RULES_CACHE_DIR to a private directory (or to an empty value for no cache)"]


def test_a_missing_cache_directory_is_created_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(tmp_path / "a" / "b"))
    assert cache.cache_dir() == tmp_path / "a" / "b"
    assert (tmp_path / "a" / "b").stat().st_mode & 0o777 == 0o700


def test_a_cache_directory_name_with_control_characters_is_shown_escaped(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "bad\nname"
    directory.mkdir()
    directory.chmod(0o777)
    monkeypatch.setenv("USM_RULES_CACHE_DIR", str(directory))
    assert cache.cache_dir() is None
    [line] = warnings_seen()
    assert "\n" not in line and "bad\\nname" in line


# ---------------------------------------------------------------------------------------------- no pickle


def _plant_grammar_pickles(directories: list[Path], marker: Path) -> list[Path]:
    """`grammar-*.lark` files that run `os.mkdir(marker)` when unpickled, under the old name and others."""
    class Payload:
        def __reduce__(self) -> tuple:
            return os.mkdir, (str(marker),)

    import lark

    text = grammar_file().read_text(encoding="utf-8")
    old_name = f"grammar-{hashlib.sha256((text + lark.__version__).encode()).hexdigest()[:16]}.lark"
    body = b"0" * 64 + b"\n" + pickle.dumps(Payload())
    planted = []
    for directory in directories:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in (old_name, "grammar-0000000000000000.lark"):
            (directory / name).write_bytes(body)
            planted.append(directory / name)
    return planted


def test_the_planted_grammar_pickle_is_live(tmp_path: Path) -> None:
    import lark

    marker = tmp_path / "ran"
    [path, _] = _plant_grammar_pickles([tmp_path / "cache"], marker)
    # lark unpickles before it compares hashes, and then shrugs off the mismatch
    lark.Lark(grammar_file().read_text(encoding="utf-8"), parser="lalr", cache=str(path))
    assert marker.exists()  # so its absence below means the pickle was never loaded


@pytest.mark.parametrize("use_cache", [True, False])
def test_a_planted_grammar_pickle_is_never_loaded(tmp_path: Path, use_cache: bool) -> None:
    marker = tmp_path / "ran"
    _plant_grammar_pickles([tmp_path / "cache", tmp_path / "home" / ".cache" / "usm-rules"], marker)
    parser._lark.cache_clear()  # build the parser afresh in this process
    assert findings(use_cache=use_cache) == EXPECTED
    assert not marker.exists()


@pytest.mark.parametrize("flag", [(), ("--no-cache",)])
def test_a_planted_grammar_pickle_is_never_loaded_by_the_cli(tmp_path: Path, flag: tuple[str, ...]) -> None:
    marker = tmp_path / "ran"
    _plant_grammar_pickles([tmp_path / "cache"], marker)
    out = cli_check(*flag, env={"USM_RULES_CACHE_DIR": str(tmp_path / "cache")})
    assert out.returncode == 1 and out.stderr == b""
    assert not marker.exists()


# ---------------------------------------------------------------------------------------------- corruption


def _corrupt(clean: bytes, rng: random.Random) -> bytes:
    data = bytearray(clean)
    for at in rng.sample(range(len(data)), rng.randint(1, 4)):
        data[at] ^= rng.randint(1, 255)  # never 0: every corruption changes the entry
    return bytes(data)


def test_300_random_corruptions_are_rebuilt_and_never_unmarshalled(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert findings() == EXPECTED
    path = only_entry(tmp_path / "cache")
    clean = path.read_bytes()
    unmarshalled: list[bytes] = []

    def spy(data: bytes) -> object:
        unmarshalled.append(data)
        return marshal.loads(data)

    monkeypatch.setattr(program, "marshal", SimpleNamespace(loads=spy, dumps=marshal.dumps))
    rng = random.Random(20261124)
    for _ in range(300):
        path.write_bytes(_corrupt(clean, rng))
        loaded = load_program([POLICY])
        assert not loaded.from_cache
        assert instantiate(loaded, {"CACHE-001": {}}, AS_OF).keys() == {"CACHE-001"}
        assert path.read_bytes() == clean  # rebuilt: the same bytes as a clean compile
    assert unmarshalled == []
    for truncated in (clean[:0], clean[:10], clean[:16 + 64], clean[:-1], clean + b"\0"):
        path.write_bytes(truncated)
        assert not load_program([POLICY]).from_cache
    assert unmarshalled == []
    assert findings() == EXPECTED and len(unmarshalled) == 1  # the spy sees a clean entry


def test_corrupt_entries_through_the_cli_exit_normally_with_the_same_findings(tmp_path: Path) -> None:
    env = {"USM_RULES_CACHE_DIR": str(tmp_path / "cache")}
    first = cli_check(env=env)
    assert first.returncode == 1
    path = only_entry(tmp_path / "cache")
    clean = path.read_bytes()
    rng = random.Random(139)
    for _ in range(3):
        path.write_bytes(_corrupt(clean, rng))
        again = cli_check(env=env)
        assert (again.returncode, again.stdout, again.stderr) == (1, first.stdout, b"")


# ---------------------------------------------------------------------------------------------- the key


def test_a_same_size_edit_with_the_mtime_restored_runs_the_new_rules(tmp_path: Path) -> None:
    policy = tmp_path / "local.policy"
    shutil.copyfile(POLICY, policy)
    assert findings(str(policy)) == EXPECTED
    before = policy.stat()
    text = policy.read_text(encoding="utf-8")
    edited = text.replace("level <= 3", "level <= 1")
    assert len(edited) == len(text)
    policy.write_text(edited, encoding="utf-8")
    os.utime(policy, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = policy.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert findings(str(policy)) == [*EXPECTED, ("CACHE-001", 19, 14, "customer `finance` is at level 2")]


def test_the_key_covers_the_policy_path_text_flags_and_the_tools_own_files() -> None:
    sources = program.read_sources([POLICY])
    key = program._cache_key(sources, False, False)
    assert key == program._cache_key(sources, False, False)
    others = {program._cache_key([("other.policy", sources[0][1])], False, False),
              program._cache_key([(POLICY, sources[0][1] + " ")], False, False),
              program._cache_key(sources, True, False), program._cache_key(sources, False, True)}
    assert key not in others and len(others) == 4
    names = {p.name for p in program._tool_files()}
    assert {"policy.lark", "spec-v1.schema.json", "compiler.py", "checker.py", "parser.py",
            "formatter.py"} <= names


# ---------------------------------------------------------------------------------------------- no cache at all


def _tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


def test_no_cache_reads_and_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    plant(tmp_path / "cache", marker)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    before = _tree(tmp_path)
    parser._lark.cache_clear()
    assert findings(use_cache=False) == EXPECTED
    assert not marker.exists()
    assert _tree(tmp_path) == before
    assert warnings_seen() == []


def test_an_empty_cache_dir_variable_reads_and_writes_no_cache(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "ran"
    plant(tmp_path / "home" / ".cache" / "usm-rules", marker)
    plant(tmp_path / "xdg" / "usm-rules", marker)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("USM_RULES_CACHE_DIR", "")
    before = _tree(tmp_path)
    parser._lark.cache_clear()
    assert findings() == EXPECTED
    assert not marker.exists()
    assert _tree(tmp_path) == before
    assert cache.cache_dir() is None and cache.cache_warnings() == []


@pytest.mark.parametrize("how", ["--no-cache", "empty variable"])
def test_the_cli_without_a_cache_creates_nothing(tmp_path: Path, how: str) -> None:
    env = {"HOME": str(tmp_path / "home"), "XDG_CACHE_HOME": str(tmp_path / "xdg"),
           "USM_RULES_CACHE_DIR": str(tmp_path / "cache") if how == "--no-cache" else ""}
    out = cli_check(*(("--no-cache",) if how == "--no-cache" else ()), env=env)
    assert out.returncode == 1 and out.stderr == b""
    assert _tree(tmp_path) == ["home"]


# ---------------------------------------------------------------------------------------------- policy files


def test_refused_policy_files_are_located_policy_errors(tmp_path: Path) -> None:
    bad_utf8 = tmp_path / "latin1.policy"
    bad_utf8.write_bytes(b"policy x \"caf\xe9\"\n")
    fifo = tmp_path / "pipe.policy"
    os.mkfifo(fifo)
    with pytest.raises(PolicyError) as info:
        load_program([str(bad_utf8), str(fifo), "/dev/zero", str(tmp_path)])
    assert [(p.file, p.line, p.column, p.message) for p in info.value.problems] == [
        (str(bad_utf8), 1, 1, "cannot read policy file: it is not valid UTF-8 (byte 13)"),
        (str(fifo), 1, 1, "cannot read policy file: it is a FIFO (named pipe), not a regular file"),
        ("/dev/zero", 1, 1, "cannot read policy file: it is a character device, not a regular file"),
        (str(tmp_path), 1, 1, "cannot read policy file: it is a directory"),
    ]
    assert _tree(tmp_path / "cache") == []

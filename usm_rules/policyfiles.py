"""Where policies and their tests are: the one walker for `*.policy` and `*.test.yaml` files.

`check --policy`, config `policies`, `fmt`, `lint` and `test` all find policy files here, so they agree on what a
directory holds: files named directly are taken as given; directories are walked in a stable order, skipping
hidden directories and the usual tool directories. A policy's tests are the test files named after it, beside
it (`usm.policy` -> `usm.test.yaml`, `usm.test.yml`), never every test file under its directory.
"""
from __future__ import annotations

import os
from typing import Iterable

POLICY_SUFFIX = ".policy"
TEST_SUFFIXES = (".test.yaml", ".test.yml")
SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "venv"})


def _posix(path: str) -> str:
    return path.replace(os.sep, "/") if os.sep != "/" else path


def is_test_file(name: str) -> bool:
    return name.endswith(TEST_SUFFIXES)


def walk(directory: str, want: tuple[str, ...]) -> list[str]:
    """Files under `directory` whose names end with one of `want`, posix, in a stable order."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in SKIPPED_DIRS)
        out.extend(_posix(os.path.join(dirpath, f)) for f in sorted(filenames) if f.endswith(want))
    return out


def policy_files(paths: Iterable[str]) -> list[str]:
    """`.policy` files named (as given) or found under directories, each once, in order."""
    out: list[str] = []
    for given in paths:
        out.extend(walk(given, (POLICY_SUFFIX,)) if os.path.isdir(given) else [_posix(given)])
    return list(dict.fromkeys(out))


def tests_of(policy: str) -> list[str]:
    """The test files that belong to `policy`: named after it, beside it."""
    stem = policy[:-len(POLICY_SUFFIX)] if policy.endswith(POLICY_SUFFIX) else policy
    return [stem + suffix for suffix in TEST_SUFFIXES if os.path.isfile(stem + suffix)]


def policies_and_tests(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """(test files, policy files) named or found under `paths`: a named file is a test file unless it is a
    policy; a directory contributes both kinds."""
    tests: list[str] = []
    policies: list[str] = []
    for given in paths:
        if os.path.isdir(given):
            found = walk(given, (POLICY_SUFFIX, *TEST_SUFFIXES))
            tests.extend(f for f in found if is_test_file(f))
            policies.extend(f for f in found if f.endswith(POLICY_SUFFIX))
        elif given.endswith(POLICY_SUFFIX):
            policies.append(_posix(given))
        else:
            tests.append(_posix(given))
    return list(dict.fromkeys(tests)), list(dict.fromkeys(policies))

"""Checking files in worker processes (`--jobs N`): in order, with a bounded window, and robust to a lost worker.

Workers are forked, so they inherit the compiled rules without pickling them. Results come back in the order
the batches were handed out, so output is byte-identical to a one-process run. A worker that dies (killed,
out of memory, a crash in a C extension) breaks the pool; the files it and its siblings had not finished are
then checked again one at a time in a fresh worker, and a file that kills that worker too is reported to the
caller as lost, so the run always ends. Workers ignore Ctrl-C: the parent alone handles it, so an interrupted
run prints one line, not a traceback per worker.
"""
from __future__ import annotations

import signal
from collections import deque
from typing import Any, Callable, Iterable, TypeVar

from ..findings import RuleInfo, Severity

T = TypeVar("T")

CODES = (
    RuleInfo("CHECK-ABORTED", Severity.ERROR, "File was checked to the end", "engine",
             "The worker process checking this file (`--jobs`) ended abnormally twice (killed, out of memory or "
             "crashed): the file was not checked, and the rest of the run went on.",
             example="a worker killed by the kernel's out-of-memory killer, twice on the same file"),
)

# In a worker process only: the function that checks one file, handed over when the worker starts (a forked
# worker inherits it; nothing is pickled).
_WORKER_CHECK: list[Callable[[str], Any]] = []


def _start_worker(check: Callable[[str], Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent alone handles Ctrl-C
    _WORKER_CHECK[:] = [check]


def _call(batch: list[str]) -> list[Any]:
    check = _WORKER_CHECK[0]
    return [check(path) for path in batch]


def _executor(jobs: int, check: Callable[[str], Any]) -> Any:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker, initargs=(check,))


def _stop(pool: Any) -> None:
    pool.shutdown(wait=True, cancel_futures=True)


def check_parallel(files: list[str], jobs: int, check: Callable[[str], T], on_result: Callable[[T], None],
                   on_lost: Callable[[str, str], None], progress: Callable[[int, int], None] | None = None) -> None:
    """Run `check(path)` for every file in `jobs` forked workers. `on_result` gets the results in file order
    (the files of a lost worker's batches come last, after their re-check); `on_lost(path, reason)` gets each
    file that could not be checked because its worker died twice."""
    from concurrent.futures.process import BrokenProcessPool

    chunk = max(1, min(256, len(files) // (jobs * 8) or 1))
    todo = iter([files[i:i + chunk] for i in range(0, len(files), chunk)])
    pending: deque = deque()
    unfinished: list[str] = []  # files of batches that a lost worker took down with it
    broken = False
    done = 0
    pool = _executor(jobs, check)

    def submit_next() -> None:
        nonlocal broken
        for batch in todo:
            if not broken:
                try:
                    pending.append((batch, pool.submit(_call, batch)))
                    return
                except BrokenProcessPool:
                    broken = True
            unfinished.extend(batch)

    try:
        for _ in range(jobs * 4):  # a bounded window keeps memory flat and results in order
            submit_next()
        while pending:
            batch, future = pending.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                broken = True
                unfinished.extend(batch)
                submit_next()
                continue
            for item in outcome:
                on_result(item)
            done += len(batch)
            if progress:
                progress(done, len(files))
            submit_next()
    finally:
        _stop(pool)
    _recheck(unfinished, check, on_result, on_lost)
    if progress and unfinished:
        progress(len(files), len(files))


def _recheck(files: Iterable[str], check: Callable[[str], Any], on_result: Callable[[Any], None],
             on_lost: Callable[[str, str], None]) -> None:
    """Check each file alone in a fresh single worker; a file whose worker dies again is lost."""
    from concurrent.futures.process import BrokenProcessPool

    pool = None
    try:
        for path in files:
            if pool is None:
                pool = _executor(1, check)
            try:
                result = pool.submit(_call, [path]).result()
            except BrokenProcessPool:
                on_lost(path, "the worker process checking it ended abnormally (killed, out of memory or crashed)")
                _stop(pool)
                pool = None
                continue
            for item in result:
                on_result(item)
    finally:
        if pool is not None:
            _stop(pool)

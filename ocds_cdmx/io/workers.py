"""Worker processes: how many, and one pool that works with every start method.

Workers get their state from an initializer with picklable arguments (frozen options, schema
locations), never from what a forked parent happened to hold, so the pool works where ``fork`` does not
(Windows, macOS: ``spawn``) and gives the same results. ``fork`` is used where the platform has it,
because it starts workers faster; ``CDMX_START_METHOD`` chooses another. When processes cannot be
started at all (a read-only ``/dev/shm``), the work runs in this process, with the same results.

Workers never outlive the run: on Linux each asks the kernel to kill it when its parent dies (even by
SIGKILL), and each leaves SIGINT and SIGTERM to the main process, which stops them (no traceback from a
worker reaches the user).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

ENV_START_METHOD = "CDMX_START_METHOD"


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def start_method() -> str:
    """The start method for worker processes: ``$CDMX_START_METHOD``, else ``fork`` on Linux, else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    chosen = os.environ.get(ENV_START_METHOD)
    if chosen in methods:
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn"


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (``prctl(PR_SET_PDEATHSIG)``)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG


def _worker_start(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    # The main process handles Ctrl-C and SIGTERM (and terminates the pool); a worker just ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)
    if initializer is not None:
        initializer(*initargs)


class _Done:
    """A result computed in this process, with the interface of an ``AsyncResult``."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def get(self) -> Any:
        return self.value


class WorkerPool:
    """``jobs`` worker processes, each set up by ``initializer(*initargs)``.

    With ``jobs`` ≤ 1 (unless ``in_process`` is false: then one worker is started), or where processes
    cannot be started, tasks run in this process after the same initializer has run here: callers need
    not care which. ``lazy`` waits for the first task to start the workers.
    """

    def __init__(
        self,
        jobs: int,
        initializer: Callable[..., None] | None = None,
        initargs: tuple = (),
        *,
        lazy: bool = False,
        in_process: bool | None = None,
    ) -> None:
        self.jobs = max(1, jobs)
        self.initializer = initializer
        self.initargs = initargs
        self.pool: Any = None
        self.local = self.jobs <= 1 if in_process is None else in_process
        self._initialized_here = False
        if not lazy:
            self.start()

    def start(self) -> None:
        """Start the workers (or prepare to work here)."""
        if self.pool is not None or (self.local and self._initialized_here):
            return
        if not self.local:
            try:
                context = multiprocessing.get_context(start_method())
                self.pool = context.Pool(self.jobs, _worker_start, (os.getpid(), self.initializer, self.initargs))
                return
            except (OSError, ImportError, PermissionError):
                # No semaphores (a read-only /dev/shm) or no processes: work here instead.
                self.local = True
        self.init_here()

    def init_here(self) -> None:
        """Run the initializer in this process (once), so that tasks can also run here."""
        if not self._initialized_here:
            if self.initializer is not None:
                self.initializer(*self.initargs)
            self._initialized_here = True

    def submit(self, function: Callable[[Any], Any], task: Any) -> Any:
        """Run ``function(task)``; the result's ``get()`` gives its value."""
        self.start()
        if self.pool is None:
            return _Done(function(task))
        return self.pool.apply_async(function, (task,))

    def map_ordered(self, function: Callable[[Any], Any], tasks: Iterable, window: int = 2) -> Iterator:
        """``function`` over ``tasks``, results in task order, at most ``window`` tasks per worker in flight,
        so memory stays bounded however many tasks there are."""
        self.start()
        if self.pool is None:
            yield from map(function, tasks)
            return
        pending: deque = deque()
        for task in tasks:
            pending.append(self.pool.apply_async(function, (task,)))
            while len(pending) > window * self.jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self) -> None:
        """Wait for the workers and stop them."""
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def terminate(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: Any, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.terminate()

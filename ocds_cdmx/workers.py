"""Worker processes: how many, and a bounded, ordered map over them."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(
    function: Callable[[Any], Any], tasks: Iterable, jobs: int, before_fork: Callable[[], None] | None = None
) -> Iterator:
    """``function`` over ``tasks``, results in task order.

    With ``jobs`` > 1 (and where processes can be forked) the tasks run in that many worker processes,
    which inherit whatever ``before_fork`` sets up; at most two tasks per worker are in flight, so
    memory stays bounded however many tasks there are. Otherwise they run here, one after another.
    """
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(function, tasks)
        return
    if before_fork is not None:
        before_fork()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(function, (task,)))
            while len(pending) > 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

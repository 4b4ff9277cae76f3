"""Scratch folders in the temporary directory that no run leaves behind, however it ends.

A run removes its folder when it ends, also on SIGTERM and SIGINT (the CLI turns them into an exception
that unwinds every ``with``). A run killed with SIGKILL cannot: its folder holds a lock file that the
operating system unlocks when the process dies, so the next run sees that nobody owns it and removes it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .output import try_lock

PREFIX = "cdmx-"
LOCK = ".cdmx-lock"


def remove_stale_scratch(folder: str | os.PathLike | None = None) -> None:
    """Remove the ``cdmx-*`` scratch folders of ``folder`` (default: the temporary directory) that no
    live run holds."""
    root = Path(folder or tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for candidate in root.glob(f"{PREFIX}*"):
            if candidate.is_symlink() or not candidate.is_dir():
                continue
            lock = candidate / LOCK
            try:
                fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError:  # not one of ours (ours always have the lock file), or being made
                continue
            try:
                if try_lock(fd):
                    shutil.rmtree(candidate, ignore_errors=True)
            finally:
                os.close(fd)


@contextlib.contextmanager
def scratch_dir(kind: str, folder: str | os.PathLike | None = None) -> Iterator[str]:
    """A new folder ``cdmx-<kind>-…`` in ``folder`` (default: the temporary directory), locked while it
    is used and removed afterwards; stale ones of killed runs are removed first."""
    remove_stale_scratch(folder)
    path = tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-", dir=folder)
    # The lock is taken under another name and only then given its own: another run's cleaner, which
    # passes over a folder without LOCK, can never find it unlocked and remove a folder in use.
    fd = os.open(os.path.join(path, LOCK + ".new"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try_lock(fd)
        os.rename(os.path.join(path, LOCK + ".new"), os.path.join(path, LOCK))
        yield path
    finally:
        os.close(fd)
        shutil.rmtree(path, ignore_errors=True)

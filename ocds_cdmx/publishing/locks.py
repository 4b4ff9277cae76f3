"""Locks that a crashed run cannot leave behind: an exclusive lock on a file, held by the open file.

The operating system drops the lock when the process that holds it ends, however it ends (``kill -9``
included), so there is no stale lock to clean up and no timeout to guess.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO

from ..core.errors import CdmxError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


class LockBusy(CdmxError):
    """Another run holds the lock."""

    default_key = "lock_busy"


class FileLock:
    """An exclusive lock on ``path`` (created if needed)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.file: IO | None = None

    def acquire(self, wait: bool = False) -> None:
        """Take the lock; :class:`LockBusy` if another process holds it (unless ``wait``: then wait)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - the open file is the lock
        try:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            else:  # pragma: no cover - Windows
                msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            handle.close()
            raise LockBusy(str(self.path)) from None
        self.file = handle

    def release(self) -> None:
        if self.file is not None:
            with contextlib.suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            self.file.close()
            self.file = None

    def __enter__(self) -> FileLock:
        self.acquire(wait=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

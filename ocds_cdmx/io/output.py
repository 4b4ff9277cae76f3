"""Output: files written atomically, standard output, and the one writer of release and record packages.

Every output file is written to a temporary file beside it and renamed over it only when complete, so
an interrupted run leaves the previous output as it was. Packages are written one item at a time, so
memory does not grow with their size.

The rename lands on whatever the path names, so the path is checked first: a symbolic link is followed
(the file it points at is replaced, the link stays), a device or a directory is refused, and the file
replaced keeps its permissions (a new one gets those of the umask), since a web server running as another
user reads it. The temporary file is locked while it is written: a run killed with SIGKILL leaves it
unlocked, and the next run that writes beside it removes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..core.errors import OutputError
from ..core.jsontext import dumps

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: Paths that name a process's streams or the kernel's devices, whatever they resolve to.
_SPECIAL_ROOTS = ("/dev/", "/proc/", "/sys/")


#: In the name of every temporary output (``.records.json.cdmx-k3j2h1.tmp``): only such files are
#: ever removed as leftovers.
TMP_MARK = "cdmx-"
#: The folders whose leftovers this process has removed already.
_CLEANED: set[str] = set()


def _umask_mode() -> int:
    """The permissions a new file gets from the umask (0644 under the usual 022)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on an open file without waiting; whether it was free."""
    if fcntl is None:  # pragma: no cover - Windows: files in use cannot be removed anyway
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale(folder: str | os.PathLike, pattern: str) -> None:
    """Remove the files matching ``pattern`` in ``folder`` that no live process holds locked: what a run
    killed with SIGKILL left behind."""
    for leftover in Path(folder).glob(pattern):
        try:
            fd = os.open(leftover, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode) and try_lock(fd):
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
        finally:
            os.close(fd)


def output_target(path: str | os.PathLike) -> Path:
    """The file that writing ``path`` replaces: the target of a symbolic link; refused
    (:class:`OutputError`) when it is a device, a directory or anything but a regular file."""
    shown = str(path)
    if any(hop.startswith(_SPECIAL_ROOTS) and not (hop + "/").startswith("/dev/shm/") for hop in _link_chain(path)):
        raise OutputError("output_device", shown)
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as e:
        raise OutputError("output_error", shown, detail=e.strerror or str(e)) from None
    if stat.S_ISDIR(info.st_mode):
        raise OutputError("output_directory", shown)
    if not stat.S_ISREG(info.st_mode):
        raise OutputError("output_device", shown)
    return target


def _link_chain(path: str | os.PathLike) -> Iterator[str]:
    """The absolute paths a name goes through, link after link (``/proc/self/fd/1`` before what it
    points at: realpath alone would hide that the output is a process's stream)."""
    current = os.path.abspath(path)
    for _ in range(40):
        yield current
        yield os.path.realpath(os.path.dirname(current))
        if not os.path.islink(current):
            return
        current = os.path.join(os.path.dirname(current), os.readlink(current))
        current = os.path.abspath(current)


def refuse_inputs(output: Any, inputs: Iterable[str | os.PathLike], allowed: str | os.PathLike | None = None) -> None:
    """:class:`OutputError` when the output file is one of ``inputs`` (other than ``allowed``, the file an
    update reads before it replaces it): writing it would destroy what is being read."""
    if not isinstance(output, str | os.PathLike) or is_stdout(output) or not os.path.exists(output):
        return
    for name in inputs:
        if str(name) == "-" or (allowed is not None and os.path.exists(allowed) and os.path.samefile(name, allowed)):
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(name, output):
                raise OutputError("output_is_input", str(output))


class AtomicFile:
    """A temporary file beside ``path`` that replaces ``path`` on :meth:`commit`, or vanishes.

    Use as a context manager: leaving it without :meth:`commit` (an exception, a check that failed)
    removes the temporary file and leaves ``path`` untouched.
    """

    def __init__(self, path: str | os.PathLike, mode: str = "w") -> None:
        self.target = output_target(path)
        self.committed = False
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            folder = str(self.target.parent)
            if folder not in _CLEANED:  # once per folder and process: a site writes thousands of files in one
                _CLEANED.add(folder)
                remove_stale(folder, f".*.{TMP_MARK}*.tmp")
            # Made under a name that the cleaners of other runs pass over, locked, then named: a cleaner
            # can never find it unlocked (as a killed run's leftover is) and remove it while in use.
            fd, made = tempfile.mkstemp(prefix=f".{self.target.name}.{TMP_MARK}", suffix=".new", dir=self.target.parent)
        except OSError as e:
            raise OutputError("output_error", str(path), detail=e.strerror or str(e)) from None
        try:
            self.tmp = made
            try_lock(fd)
            os.rename(made, made[: -len(".new")] + ".tmp")
            self.tmp = made[: -len(".new")] + ".tmp"
            try:
                info = os.stat(self.target)
                os.fchmod(fd, stat.S_IMODE(info.st_mode))
                if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.geteuid(), os.getegid()):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(fd, info.st_uid, info.st_gid)
            except FileNotFoundError:
                os.fchmod(fd, _umask_mode())
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            raise
        self.file: IO = os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")

    def close(self) -> None:
        """Flush the data to disk and close the temporary file (it can then be read, e.g. validated)."""
        if not self.file.closed:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()

    def commit(self) -> None:
        """Put the temporary file in place of ``path``."""
        self.close()
        os.replace(self.tmp, self.target)
        self.committed = True

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.file.close()
        if not self.committed:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)

    def __enter__(self) -> AtomicFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike, mode: str = "w") -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` only on success."""
    with AtomicFile(path, mode) as atomic:
        yield atomic.file
        atomic.commit()


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, "wb") as f:
        f.write(data)


def is_stdout(output: Any) -> bool:
    """Whether ``output`` names standard output (``-``)."""
    return isinstance(output, str | os.PathLike) and str(output) == "-"


@contextlib.contextmanager
def open_output(output: str | os.PathLike | IO[str]) -> Iterator[IO[str]]:
    """A text stream for ``output``: standard output for ``-``, a file written atomically for a path,
    or the stream itself."""
    if is_stdout(output):
        yield from _stdout_utf8()
    elif isinstance(output, str | os.PathLike):
        with atomic_writer(output) as f:
            yield f
    else:
        yield output


def _stdout_utf8() -> Iterator[IO[str]]:
    # JSON is UTF-8 (RFC 8259) whatever the locale says standard output is (cp1252, ASCII under LC_ALL=C).
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or (sys.stdout.encoding or "").lower().replace("-", "") == "utf8":
        yield sys.stdout
        sys.stdout.flush()
        return
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="\n")
    try:
        yield stream
        stream.flush()
    finally:
        stream.detach()


def output_name(output: Any) -> str | None:
    """How a result names its output: the path, or the stream's name."""
    return str(output) if isinstance(output, str | os.PathLike) else getattr(output, "name", None)


class PackageWriter:
    """Writes a release or record package (or JSON Lines) one item at a time.

    ``compact`` writes the package as ``ocdskit`` does (no spaces, items separated by commas);
    otherwise one item per line, easier to read and to diff. ``key`` is ``releases`` or ``records``.
    """

    def __init__(
        self,
        out: IO[str],
        metadata: dict,
        key: str,
        *,
        fmt: str = "package",
        ascii_only: bool = False,
        compact: bool = True,
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.count = 0
        self.dumps = {"ensure_ascii": ascii_only, "separators": (",", ":") if compact else (", ", ": ")}
        self.item_sep = "," if compact else ",\n"
        self.compact = compact
        if fmt == "package":
            head = json.dumps(metadata, **self.dumps)
            opening = f'"{key}":[' if compact else f'"{key}": [\n'
            joiner = self.dumps["separators"][0] if metadata else ""
            out.write(head[:-1] + joiner + opening)

    def write(self, item: Any) -> None:
        """Write one item."""
        if self.compact:
            self.write_texts([dumps(item, ascii_only=self.dumps["ensure_ascii"])])
        else:
            self.write_texts([json.dumps(item, **self.dumps)])

    def write_all(self, items: Iterable[Any]) -> None:
        for item in items:
            self.write(item)

    def write_texts(self, texts: list[str]) -> None:
        """Write items already encoded as JSON."""
        if not texts:
            return
        if self.fmt == "package":
            self.out.write(("" if not self.count else self.item_sep) + self.item_sep.join(texts))
        else:
            self.out.write("\n".join(texts) + "\n")
        self.count += len(texts)

    def close(self) -> None:
        if self.fmt == "package":
            self.out.write("]}\n" if self.compact else "\n]}\n")

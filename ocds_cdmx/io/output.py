"""Output: files written atomically, standard output, and the one writer of release and record packages.

Every output file is written to a temporary file beside it and renamed over it only when complete, so
an interrupted run leaves the previous output as it was. Packages are written one item at a time, so
memory does not grow with their size.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any


class AtomicFile:
    """A temporary file beside ``path`` that replaces ``path`` on :meth:`commit`, or vanishes.

    Use as a context manager: leaving it without :meth:`commit` (an exception, a check that failed)
    removes the temporary file and leaves ``path`` untouched.
    """

    def __init__(self, path: str | os.PathLike, mode: str = "w") -> None:
        self.target = Path(path)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        self.file: IO = os.fdopen(fd, mode, encoding=None if "b" in mode else "utf-8")
        self.committed = False

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
        yield sys.stdout
        sys.stdout.flush()
    elif isinstance(output, str | os.PathLike):
        with atomic_writer(output) as f:
            yield f
    else:
        yield output


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

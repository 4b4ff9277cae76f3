"""What every command shares: the language and schema options, the progress line, the report consoles,
and :class:`CdmxGroup`, the one place where every error that escapes a command becomes a message.

Whatever happens below (a full disk, a damaged gzip, a closed pipe, SIGTERM from ``timeout`` or cron),
the user gets one line and an exit code, never a traceback: 2 for usage, input and output errors (a
broken pipe too, quietly), the data's own problems being 1 as the commands report them.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import io
import os
import signal
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..core.errors import CdmxError
from ..io.tempfiles import remove_stale_scratch
from ..report.messages import LANGS, default_lang, input_error_text, text

SCHEMA_DIR_HELP = (
    "Directory with the OCDS schemas (layout of ../shared/ocds: 1__1__5/…, extensions/…). "
    "Default: $CDMX_SCHEMA_DIR, then the user cache, then download."
)
REPORT_HELP = "The report on standard error: text for people, json for scripts, or none."
MAX_LOCATIONS_HELP = "Locations kept for each kind of problem (0: all)."
ENCODING_HELP = "Read the files in this encoding (e.g. latin-1). Default: UTF-8/UTF-16."


def lang_option(f: Callable) -> Callable:
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        help="Language of the messages (es or en). Default: from the locale.",
    )(f)


def schema_options(f: Callable) -> Callable:
    f = click.option("--schema-dir", type=click.Path(file_okay=False), default=None, help=SCHEMA_DIR_HELP)(f)
    f = click.option(
        "--offline", is_flag=True, default=None, help="Never download: use only local schemas and extensions."
    )(f)
    return f


def report_option(f: Callable) -> Callable:
    return click.option(
        "--report", "report_fmt", type=click.Choice(["text", "json", "none"]), default="text", show_default=True,
        help=REPORT_HELP,
    )(f)  # fmt: skip


def max_locations_option(f: Callable) -> Callable:
    return click.option(
        "--max-locations", type=click.IntRange(min=0), default=100, show_default=True, help=MAX_LOCATIONS_HELP
    )(f)


_LANG: list[str] = []


def language(lang: str | None) -> str:
    """The language asked for, else the locale's (remembered for the messages of errors)."""
    chosen = lang or default_lang()
    _LANG[:] = [chosen]
    return chosen


# --- Errors, signals and streams: the one place ---------------------------------------------------

#: What a stream that cannot encode them gets instead of the reports' typographic characters.
ASCII_FALLBACK = {
    "→": "->", "←": "<-", "“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"', "—": "-", "–": "-",
    "…": "...", "≥": ">=", "≤": "<=", "×": "x", "·": "*", "•": "*", "✓": "ok", "✗": "x", "\u00a0": " ",
}  # fmt: skip


def _fallback(error: UnicodeError) -> tuple[str, int]:
    """An encoding error handler: ASCII look-alikes, letters without their accents, else ``?``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for char in error.object[error.start : error.end]:
        if char in ASCII_FALLBACK:
            out.append(ASCII_FALLBACK[char])
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        try:
            plain.encode(error.encoding)
            out.append(plain or "?")
        except (UnicodeEncodeError, LookupError):
            out.append("?")
    return "".join(out), error.end


codecs.register_error("cdmx-fallback", _fallback)


def _encodable_streams() -> None:
    """Reports written to a stream that cannot encode "→" or "é" (cp1252, ASCII) get look-alikes, not
    a UnicodeEncodeError. Data written to standard output is UTF-8 whatever the stream is
    (:func:`ocds_cdmx.io.output.open_output`)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            if (stream.encoding or "").lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig"):
                stream.reconfigure(errors="cdmx-fallback")


class _ClosedStream(io.TextIOBase):
    """Stands for a standard stream the process was started without: writing to it is an error, not a
    silent loss of the data."""

    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed", "-")

    def fileno(self) -> int:
        raise OSError(errno.EBADF, "standard output is closed", "-")


@contextlib.contextmanager
def update_lock(output: str | os.PathLike | None) -> Iterator[None]:
    """Hold the lock of an output that a command updates in place (``merge --update``, ``site``'s
    folder): a second run waits for the first and then reads what it wrote, so no night is lost."""
    if output is None or str(output) == "-":
        yield
        return
    from ..publishing.locks import FileLock

    target = Path(os.path.realpath(output))
    with FileLock(target.parent / f".{target.name}.lock"):
        yield


class Interrupted(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that every ``with`` removes its temporary files."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Interrupted()


def _say(message: str) -> None:
    with contextlib.suppress(Exception):
        click.echo(message, err=True)


def _quiet_stdout() -> None:
    # The reader went away: what is still buffered must not raise again when Python exits.
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(2)
    except (OSError, ValueError, AttributeError):
        pass


def error_message(error: BaseException, lang: str) -> str:
    """The one line that explains an error that escaped a command."""
    if isinstance(error, CdmxError):
        return input_error_text(error, lang)
    if isinstance(error, MemoryError | RecursionError):
        return text("out_of_memory", lang)
    if isinstance(error, zlib.error | zipfile.BadZipFile | gzip.BadGzipFile | EOFError):
        return text("damaged_input", lang, detail=f"{type(error).__name__}: {error}")
    if isinstance(error, OSError):
        detail = error.strerror or str(error) or type(error).__name__
        name = error.filename
        if name is None:
            return text("os_error_nofile", lang, detail=detail)
        return text("os_error", lang, source=os.fsdecode(name), detail=detail)
    if isinstance(error, UnicodeError | LookupError):
        return text("damaged_input", lang, detail=f"{type(error).__name__}: {error}")
    return text("internal_error", lang, detail=f"{type(error).__name__}: {error}")


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Run a command so that nothing but a message and an exit code reaches the user."""
    previous = None
    if sys.stdout is None:  # started with its standard output closed
        sys.stdout = _ClosedStream()
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the report has nowhere to go
    with contextlib.suppress(ValueError):  # not the main thread
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    _encodable_streams()
    remove_stale_scratch()
    try:
        yield
        _flush_stdout()
    except SystemExit:
        _flush_stdout()  # what is still buffered would fail when Python exits, with code 120
        raise
    except (click.exceptions.Exit, click.ClickException, click.Abort):
        raise
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(2)
    except KeyboardInterrupt:
        _say(text("interrupted", (_LANG or [default_lang()])[0]))
        sys.exit(2)
    except Exception as e:
        if os.environ.get("CDMX_DEBUG"):
            raise
        if isinstance(e, OSError) and e.errno == errno.EPIPE:  # from a library that wrapped it
            _quiet_stdout()
            sys.exit(2)
        _say(error_message(e, (_LANG or [default_lang()])[0]))
        sys.exit(2)
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, previous)


class CdmxGroup(click.Group):
    """The ``cdmx`` group: every command runs :func:`guarded`."""

    def invoke(self, ctx: click.Context) -> Any:
        with guarded():
            return super().invoke(ctx)


def report_console() -> Console:
    """The console that reports go to when standard output carries the data: standard error."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


class ProgressLine:
    """A transient progress line on standard error, shown only on a terminal and for text reports."""

    def __init__(self, name: str, show: bool, *, bar: bool = False) -> None:
        stderr = Console(stderr=True)
        columns: list[Any] = [TextColumn("{task.description}")]
        if bar:
            columns.append(BarColumn())
        columns += [TextColumn("{task.completed}"), TimeElapsedColumn()]
        self.progress = Progress(*columns, console=stderr, transient=True, disable=not (show and stderr.is_terminal))
        self.name = name
        self.task: Any = None

    def __enter__(self) -> ProgressLine:
        self.progress.__enter__()
        self.task = self.progress.add_task(self.name, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def count(self, n: int) -> None:
        self.progress.update(self.task, completed=n)

    def phase(self, phase: str, n: int) -> None:
        self.progress.update(self.task, description=phase, completed=n)

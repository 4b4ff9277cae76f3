"""What every command shares: the language and schema options, the progress line, the report consoles,
and the command classes that show every help text and every one of click's own messages in the user's
language; :func:`guarded` is the one place where every error that escapes a command becomes a message.

Whatever happens below (a full disk, a damaged gzip, a closed pipe, SIGTERM from ``timeout`` or cron),
the user gets one line and an exit code, never a traceback: 2 for usage, input and output errors (a
broken pipe too, quietly), the data's own problems being 1 as the commands report them.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gettext
import gzip
import importlib
import inspect
import io
import os
import re
import signal
import sys
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..core.errors import CdmxError
from ..io.tempfiles import remove_stale_scratch
from ..report import messages
from ..report.messages import LANGS, N_, Plural, default_lang, input_error_text, ntr, text, tr

SCHEMA_DIR_HELP = (
    "Directory with the OCDS schemas (layout of ../shared/ocds: 1__1__5/…, extensions/…). "
    "Default: $CDMX_SCHEMA_DIR, then the user cache, then download."
)
REPORT_HELP = "The report on standard error: text for people, json for scripts, or none."
MAX_LOCATIONS_HELP = "Locations kept for each kind of problem (0: all)."
ENCODING_HELP = "Read the files in this encoding (e.g. latin-1). Default: UTF-8/UTF-16."


LANG_HELP = "Language of the messages (es or en). Default: from the locale."


def lang_option(f: Callable) -> Callable:
    return click.option("--lang", type=click.Choice(LANGS), default=None, help=LANG_HELP)(f)


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


def language(lang: str | None) -> str:
    """The language asked for, else the command line's (a group's ``--lang``: ``cdmx --lang es merge …``),
    else the locale's."""
    return lang or current_language()


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
        _say(text("interrupted", current_language()))
        sys.exit(2)
    except Exception as e:
        if os.environ.get("CDMX_DEBUG"):
            raise
        if isinstance(e, OSError) and e.errno == errno.EPIPE:  # from a library that wrapped it
            _quiet_stdout()
            sys.exit(2)
        _say(error_message(e, current_language()))
        sys.exit(2)
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, previous)


def report_console() -> Console:
    """The console that reports go to when standard output carries the data: standard error."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


#: The steps that progress lines name (the commands' names and the API's phases), as people read them.
STEPS = {
    "validate": N_("validating"),
    "convert": N_("converting"),
    "merge": N_("merging"),
    "publish": N_("publishing"),
    "site": N_("building the site"),
    "read": N_("reading"),
    "write": N_("writing"),
    "pages": N_("writing pages"),
    "compare": N_("comparing"),
    "store": N_("storing"),
    "build": N_("building the publication"),
}


def step(name: str) -> str:
    """A step of a progress line (``"SAF convert"``: the agency, then the step) in the command's language."""
    words = name.split(" ")
    return " ".join([*words[:-1], say(STEPS[words[-1]]) if words[-1] in STEPS else words[-1]])


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
        self.task = self.progress.add_task(step(self.name), total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def count(self, n: int) -> None:
        self.progress.update(self.task, completed=n)

    def phase(self, phase: str, n: int) -> None:
        self.progress.update(self.task, description=step(phase), completed=n)


# -- every word in the user's language ------------------------------------------------------------------

#: The language of the command line being run; None outside ``cdmx`` (then click speaks as it always does).
_LANG: ContextVar[str | None] = ContextVar("cdmx_lang", default=None)
_gettext, _ngettext = gettext.gettext, gettext.ngettext


def current_language() -> str:
    """The language of the running command: its ``--lang``, else the locale's."""
    return _LANG.get() or default_lang()


def say(message: str | Plural, **params: Any) -> str:
    """A message of a command module (marked with ``N_`` or ``NP_``) in the running command's language."""
    return messages.say(message, params, current_language())


def _click_gettext(message: str) -> str:
    lang = _LANG.get()
    return _gettext(message) if lang is None else tr(message, lang)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    lang = _LANG.get()
    return _ngettext(singular, plural, n) if lang is None else ntr(singular, plural, n, lang)


#: click's modules that say something to users; each looks its texts up through its own ``_`` and
#: ``ngettext``, which are the stdlib's. Those names are rebound to lookups in our catalog, where click's
#: texts are translated like ours (tools/i18n.py extracts them from click's source), so that click's
#: usage errors, headings and help come out in the command's language. Outside a cdmx command line the
#: lookups are the stdlib's, so any other program in the same process sees click unchanged.
CLICK_MODULES = (
    "click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
    "click.termui", "click.types", "click.utils", "click.shell_completion", "click._termui_impl",
)  # fmt: skip
for _name in CLICK_MODULES:
    with contextlib.suppress(ImportError):
        _module = importlib.import_module(_name)
        if getattr(_module, "_", None) is _gettext:
            _module._ = _click_gettext  # type: ignore[attr-defined]
        if getattr(_module, "ngettext", None) is _ngettext:
            _module.ngettext = _click_ngettext  # type: ignore[attr-defined]


#: The names of click's parameter types, which show in the help (``--jobs INTEGER RANGE``) and in usage
#: errors ("'x' is not a valid integer"). click sets them when a type is made, at import time, so they are
#: translated while a command line runs. ("file", "directory" and "path" are click's own texts.)
TYPE_NAMES = (
    N_("text"), N_("integer"), N_("integer range"), N_("float"), N_("float range"), N_("boolean"),
    N_("choice"), N_("datetime"), N_("uuid"), N_("filename"), "file", "directory", "path",
)  # fmt: skip


#: The usage line's words for options and subcommands (click's defaults, which it does not translate).
USAGE_WORDS = (N_("[OPTIONS]"), N_("COMMAND [ARGS]..."))


@contextlib.contextmanager
def _speaking(command: click.Command, lang: str) -> Iterator[None]:
    """``command`` and its subcommands with their usage words, metavars and parameter types in ``lang``
    while a command line runs: the usage line, the help and the usage errors show them."""
    saved: list[tuple[object, str, str]] = []

    def swap(owner: object, attribute: str) -> None:
        value = getattr(owner, attribute, None)
        if isinstance(value, str) and value and all(owner is not o or attribute != a for o, a, _ in saved):
            saved.append((owner, attribute, value))
            setattr(owner, attribute, tr(value, lang))

    def visit(cmd: click.Command) -> None:
        swap(cmd, "options_metavar")
        swap(cmd, "subcommand_metavar")
        for param in cmd.params:
            swap(param, "metavar")
            if getattr(param.type, "name", None) in TYPE_NAMES:
                swap(param.type, "name")
        for sub in getattr(cmd, "commands", {}).values():
            visit(sub)

    if lang != "en":
        visit(command)
    try:
        yield
    finally:
        for owner, attribute, value in reversed(saved):
            setattr(owner, attribute, value)


class LazyText(str):
    """A click message given at import time (``version_option(message=…)``) that is translated when it
    is shown: click fills it with ``%``."""

    def __mod__(self, values: Any) -> str:
        return tr(str(self), current_language()) % values


def _asked_language(args: Sequence[str]) -> str | None:
    """The value of the last ``--lang`` of a command line, read before click parses it, because
    ``--help`` and usage errors are shown while parsing, before ``--lang`` has been processed."""
    lang = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            lang = args[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.partition("=")[2]
    return lang if lang in LANGS else None


_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_NO_REWRAP = "\b"


def help_messages(help_text: str | None) -> list[str]:
    """The catalog's texts for a help text: one per paragraph, as click shows them (lines of a
    paragraph joined, since click rewraps them; a ``\\b`` paragraph keeps its lines, without the mark)."""
    if not help_text:
        return []
    messages = []
    for paragraph in _PARAGRAPHS.split(inspect.cleandoc(help_text).partition("\f")[0]):
        if paragraph.startswith(_NO_REWRAP):
            messages.append(paragraph[len(_NO_REWRAP) :].strip("\n"))
        elif paragraph.strip():
            messages.append(" ".join(paragraph.split()))
    return messages


def translate_help(help_text: str | None, lang: str) -> str | None:
    """A help text in ``lang``, paragraph by paragraph."""
    if not help_text or lang == "en":
        return help_text
    paragraphs = []
    for paragraph in _PARAGRAPHS.split(inspect.cleandoc(help_text).partition("\f")[0]):
        if paragraph.startswith(_NO_REWRAP):
            body = paragraph[len(_NO_REWRAP) :].strip("\n")
            paragraphs.append(f"{_NO_REWRAP}\n{tr(body, lang)}")
        elif paragraph.strip():
            joined = " ".join(paragraph.split())
            paragraphs.append(tr(joined, lang))
    return "\n\n".join(paragraphs)


def command_texts(command: click.Command) -> Iterator[tuple[str, int, str]]:
    """(file, line, text) of every help text of ``command`` and its subcommands, for the catalog: the
    command's help, short help and epilog, and the help and metavar of each of its parameters."""
    callback = inspect.unwrap(command.callback) if command.callback else None
    try:
        where = (inspect.getsourcefile(callback) or "", callback.__code__.co_firstlineno) if callback else ("", 0)
    except TypeError:
        where = ("", 0)
    for help_text in (command.help, command.short_help, command.epilog):
        for message in help_messages(help_text):
            yield (*where, message)
    for param in command.params:
        for message in help_messages(getattr(param, "help", None)):
            yield (*where, message)
        if param.metavar:
            yield (*where, param.metavar)
    for sub in subcommands(command):
        yield from command_texts(sub)


def subcommands(command: click.Command) -> list[click.Command]:
    """The commands of a group (those imported on use too), in the order of its help; none otherwise."""
    if not isinstance(command, click.Group):
        return []
    found = (command.get_command(None, name) for name in command.list_commands(None))  # type: ignore[arg-type]
    return [sub for sub in found if sub is not None]


def _with_lang(command: click.Command) -> None:
    """Give ``command`` a ``--lang`` if it has none (the language is read before parsing, so the
    option only has to be accepted)."""
    if not any(param.name == "lang" for param in command.params):
        option = click.Option(["--lang"], type=click.Choice(LANGS), default=None, expose_value=False, help=LANG_HELP)
        command.params.append(option)


class CdmxCommand(click.Command):
    """A command whose help, and click's own messages, are shown in the language of ``--lang`` or of
    the locale (LC_ALL, LC_MESSAGES, LANG, LANGUAGE). The help texts are written in English in the
    command modules and translated in the catalog, where ``tools/i18n.py extract`` puts them. Every
    command accepts ``--lang``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_lang(self)

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        asked = _asked_language(sys.argv[1:] if args is None else list(args))
        lang = asked or default_lang()
        token = _LANG.set(lang)
        try:
            with _speaking(self, lang):
                return super().main(args, *rest, **extra)
        finally:
            _LANG.reset(token)

    @contextlib.contextmanager
    def _in_language(self, ctx: click.Context | None) -> Iterator[None]:
        """The command's and its parameters' help texts translated while they are formatted."""
        lang = current_language()
        params = self.get_params(ctx) if ctx is not None else self.params
        saved = (self.help, self.short_help, self.epilog, [getattr(p, "help", None) for p in params])
        self.help, self.short_help, self.epilog = (translate_help(t, lang) for t in saved[:3])
        for param, help_text in zip(params, saved[3], strict=True):
            if help_text is not None:
                param.help = translate_help(help_text, lang)  # type: ignore[attr-defined]
        try:
            yield
        finally:
            self.help, self.short_help, self.epilog = saved[:3]
            for param, help_text in zip(params, saved[3], strict=True):
                if help_text is not None:
                    param.help = help_text  # type: ignore[attr-defined]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with self._in_language(ctx):
            super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        with self._in_language(None):
            return super().get_short_help_str(limit)


class CdmxGroup(CdmxCommand, click.Group):
    """A group of :class:`CdmxCommand`: every command added to it, however it was declared, speaks the
    user's language too (commands are written in their own modules by several people at once)."""

    command_class = CdmxCommand
    group_class = type  # groups declared on a group are of its own class

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: name → "module:object" of the commands imported only when they are used.
        self.lazy = dict(lazy or {})

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        speak(cmd)
        super().add_command(cmd, name)

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        # A click group made a CdmxGroup by speak() has no lazy commands.
        return sorted({*self.commands, *getattr(self, "lazy", {})})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        lazy = getattr(self, "lazy", {})
        if cmd_name not in self.commands and cmd_name in lazy:
            module, _, name = lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        if ctx.parent is not None:  # a subgroup runs inside its root's guard
            return super().invoke(ctx)
        with guarded():
            return super().invoke(ctx)


def speak(command: click.Command) -> click.Command:
    """Make ``command`` (and its subcommands) a :class:`CdmxCommand` or :class:`CdmxGroup`. Their classes
    only add behaviour to click's, so a command of click's class takes theirs in place."""
    if type(command) is click.Group:
        command.__class__ = CdmxGroup
        for sub in command.commands.values():
            speak(sub)
    elif type(command) is click.Command:
        command.__class__ = CdmxCommand
    if isinstance(command, CdmxCommand):
        _with_lang(command)
    return command

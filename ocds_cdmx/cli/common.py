"""What every command shares: the language and schema options, the progress line, the report consoles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..report.messages import LANGS, default_lang

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


def language(lang: str | None) -> str:
    """The language asked for, else the locale's."""
    return lang or default_lang()


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

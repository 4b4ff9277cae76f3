"""``cdmx site``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..core.options import SiteOptions
from ..report.messages import input_error_text, text
from ..site import build_site
from .common import (
    ENCODING_HELP,
    ProgressLine,
    lang_option,
    language,
    report_console,
    report_option,
    update_lock,
)


@click.command("site")
@click.argument("publication", type=click.Path(exists=True), metavar="PUBLICATION")
@click.option(
    "-o", "--output", required=True, type=click.Path(file_okay=False), metavar="DIR",
    help="The folder of the site (created if needed; only changed pages are rewritten).",
)  # fmt: skip
@click.option(
    "--data-url", default=None, metavar="URL",
    help="Where the publication's files are served, for the download links. Default: the relative path from the site to PUBLICATION.",
)  # fmt: skip
@click.option("--title", default=SiteOptions.title, show_default=True, help="The site's name, on every page.")
@click.option("--full", is_flag=True, help="Rebuild every page, even those whose data did not change.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per CPU)."
)  # fmt: skip
@click.option("--encoding", default=None, help=ENCODING_HELP)
@report_option
@lang_option
def site_command(publication: str, output: str, report_fmt: str, lang: str | None, **fields) -> None:
    """Build the static site where citizens follow the city's contracts.

    PUBLICATION is the folder cdmx publish writes, or a file of records (cdmx merge --versioned). The
    site is plain files, in Spanish and English: open DIR/index.html from disk or serve DIR with any
    web server. Run again after each night's publication: only the pages of processes, suppliers and
    agencies that changed are rewritten.

    \b
    Examples:
      cdmx site publicacion/ -o sitio/
      cdmx site records.json -o sitio/
      cdmx site publicacion/ -o sitio/ --data-url https://datos.cdmx.gob.mx/ocds/
    """
    lang = language(lang)
    options = SiteOptions(**fields)
    with update_lock(output), ProgressLine("site", report_fmt == "text") as line:
        result = build_site(publication, output, options, progress=line.phase)
    if report_fmt == "json":
        body = {
            "exit_code": result.exit_code,
            **result.as_dict(),
            "duplicates": result.problems,
            "input_errors": [
                {"key": e.key, "source": e.source, "params": e.params, "message": input_error_text(e, lang)}
                for e in result.input_errors
            ],
        }
        json.dump(body, sys.stderr, ensure_ascii=False, indent=2, default=str)
        sys.stderr.write("\n")
    elif report_fmt == "text":
        console = report_console()
        for error in result.input_errors:
            console.print(input_error_text(error, lang), markup=False, highlight=False)
        if not result.input_errors:
            console.print(text("site_headline", lang, **result.as_dict()), markup=False)
            if result.full:
                console.print(text("site_full", lang), markup=False)
            if result.problems:
                shown = ", ".join(result.problems[:10])
                console.print(text("site_duplicates", lang, count=len(result.problems), ocids=shown), markup=False)
            console.print(text("site_open", lang, index=str(Path(output) / "index.html")), markup=False)
    sys.exit(result.exit_code)

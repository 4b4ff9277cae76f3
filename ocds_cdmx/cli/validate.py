"""``cdmx validate``."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from ..core.options import ValidateOptions
from ..io.output import is_stdout, open_output
from ..report.html import write_html
from ..report.jsonreport import write_json
from ..report.messages import text
from ..report.text import write_text
from ..schema import TAGS
from ..validation import validate
from .common import ENCODING_HELP, ProgressLine, lang_option, language, max_locations_option, schema_options


@click.command("validate")
@click.argument("sources", nargs=-1, required=True, metavar="FILE…")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
    help="text: a report for people; json: one JSON document (shape in the README); html: one file to open "
    "in a browser or print, with charts.",
)  # fmt: skip
@click.option(
    "-o", "--output", default="-", show_default=True, metavar="PATH",
    help="Where to write the report (written atomically; - for standard output).",
)  # fmt: skip
@click.option(
    "--ocid-prefix",
    default=None,
    metavar="PREFIX",
    help="The publisher's registered OCID prefix (e.g. ocds-87sd3t): every OCID must start with it, exactly.",
)
@click.option(
    "--schema-version",
    type=click.Choice(sorted(TAGS)),
    default=None,
    help="Validate against this OCDS version whatever the data declares.",
)
@click.option("--encoding", default=None, help=ENCODING_HELP)
@click.option(
    "--no-quality",
    is_flag=True,
    help="Only the Review Tool's checks: skip references, coherence and Mexican data checks.",
)
@max_locations_option
@click.option("--no-statistics", is_flag=True, help="Leave the key field information out of the text report.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None,
    help="Processes that share the checking of large packages (default: one per CPU). The report is the same.",
)  # fmt: skip
@schema_options
@lang_option
def validate_command(
    sources: tuple[str, ...],
    fmt: str,
    output: str,
    no_quality: bool,
    no_statistics: bool,
    lang: str | None,
    **fields,
) -> None:
    """Check OCDS release or record packages and explain every problem.

    FILE… are files (JSON, JSON Lines, concatenated JSON, gzip), directories, or - for standard input.

    \b
    Examples:
      cdmx validate releases.json
      cdmx validate --ocid-prefix ocds-87sd3t --lang es data/
      cdmx validate --format json releases.json.gz > report.json
      cdmx validate --format html -o reporte.html releases.json
    """
    lang = language(lang)
    options = ValidateOptions(quality_checks=not no_quality, **fields)
    with ProgressLine("validate", fmt == "text", bar=True) as line:
        result = validate(list(sources), options, progress=line.count)
    try:
        with open_output(output) as out:
            if fmt == "json":
                write_json(result, lang, out)
            elif fmt == "html":
                write_html(result, lang, out, show_statistics=not no_statistics)
            else:
                console = Console(highlight=False, soft_wrap=True, **({} if is_stdout(output) else {"file": out}))
                write_text(result, lang, console, show_statistics=not no_statistics)
    except OSError as e:
        Console(stderr=True).print(text("cannot_write", lang, source=output, detail=e.strerror or e), markup=False)
        sys.exit(2)
    sys.exit(result.exit_code)

"""``cdmx convert``."""

from __future__ import annotations

import sys

import click

from ..conversion import convert
from ..core.options import ConvertOptions
from ..report.jsonreport import write_convert_json
from ..report.text import write_convert_text
from .common import ProgressLine, lang_option, language, report_console, report_option, schema_options


@click.command("convert")
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="FILE [MORE…]")
@click.option(
    "-m", "--mapping", default=None, metavar="MAPPING",
    help="The agency's mapping: a .yaml file or a bundled name (cdmx mappings list). "
    "Default: the bundled mapping of the layout the workbook has.",
)  # fmt: skip
@click.option(
    "-o", "--output", default="-", show_default=True, metavar="PATH",
    help="Where to write the release package (written atomically; - for standard output).",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["package", "jsonl"]), default="package", show_default=True,
    help="package: one release package; jsonl: one release per line.",
)  # fmt: skip
@click.option("--uri", default=None, help="The package's uri. Default: urn:ocds-cdmx:<file name>.")
@click.option(
    "--release-date", default=None, metavar="DATETIME",
    help="The date of releases whose date columns are blank (RFC 3339, e.g. 2024-10-01T00:00:00-06:00).",
)  # fmt: skip
@click.option("--published-date", default=None, metavar="DATETIME", help="The package's publishedDate. Default: now.")
@click.option("--encoding", default=None, help="The encoding of a CSV file (e.g. latin-1). Default: detected.")
@click.option("--no-validate", is_flag=True, help="Do not check the output with cdmx validate.")
@click.option(
    "--rejects", type=click.Path(dir_okay=False), default=None, metavar="FILE.csv",
    help="Write the rows that were not converted and the values that could not be read (file, sheet, row, "
    "column, cell, label, value, reason) to this CSV file.",
)  # fmt: skip
@report_option
@schema_options
@lang_option
def convert_command(
    sources: tuple[str, ...],
    mapping: str | None,
    output: str,
    no_validate: bool,
    report_fmt: str,
    lang: str | None,
    **fields,
) -> None:
    """Convert an agency's spreadsheet into an OCDS release package, with its mapping.

    FILE is an .xlsx, .xlsm, .xls, .ods or .csv file with the mapping's main sheet (for ocds-template,
    also a folder of CSV files, one per sheet); MORE are files with the mapping's other sheets (e.g. the
    PAAAPS programme or the CLC payment orders for finanzas). Without -m, the layout of the workbook
    (its labels) picks the bundled mapping, and the report says which. Every row is converted or
    reported with its reason; the output is checked with cdmx validate before it is written.

    \b
    Examples:
      cdmx convert 28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx -o 2024T3.json
      cdmx convert A121Fr30B_2024T3.xlsx -m transparencia-adjudicaciones -o saf-2024T3.json
      cdmx convert A121Fr30B.xlsx paaaps.xlsx clc.csv -m finanzas --rejects rechazos.csv -o saf.json
    """
    lang = language(lang)
    options = ConvertOptions(validate_output=not no_validate, lang=lang, **fields)
    source = sources[0] if len(sources) == 1 else list(sources)
    with ProgressLine("convert", report_fmt == "text") as line:
        result = convert(source, mapping, output, options, progress=line.count)
    if report_fmt == "json":
        write_convert_json(result, lang, sys.stderr)
    elif report_fmt == "text":
        write_convert_text(result, lang, report_console())
    sys.exit(result.exit_code)

"""``cdmx convert``."""

from __future__ import annotations

import contextlib
import sys

import click
from rich.console import Console

from ..conversion import convert
from ..core.errors import CdmxError
from ..core.options import ConvertOptions
from ..io.output import open_output
from ..report.annotate import annotate_workbook, check_target, summary_line
from ..report.html import write_html
from ..report.jsonreport import write_convert_json
from ..report.messages import input_error_text, text
from ..report.text import write_convert_text
from .common import ProgressLine, lang_option, language, report_console, schema_options


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
@click.option(
    "--annotate", type=click.Path(dir_okay=False), default=None, metavar="FILE.xlsx",
    help="Write a copy of the workbook with every cell that has a problem highlighted and commented, and a "
    "first sheet that lists the problems (the workbook itself is not modified).",
)  # fmt: skip
@click.option(
    "--report", "report_fmt", type=click.Choice(["text", "json", "html", "none"]), default="text",
    show_default=True,
    help="The report: text for people, json for scripts, html (one file to open in a browser or print: give "
    "--report-file), or none.",
)  # fmt: skip
@click.option(
    "--report-file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="Write the report to this file (atomically) instead of standard error.",
)  # fmt: skip
@click.option(
    "--agency", default=None, metavar="NAME",
    help='The agency whose workbook it is, when the mapping does not name it (e.g. "Alcaldía Coyoacán"): '
    "the buyer of every release and the publisher.",
)  # fmt: skip
@click.option(
    "--agency-key", default=None, metavar="KEY",
    help="The agency's key (e.g. COY): OCIDs start with it (ocds-87sd3t-COY-…) and its buyer id is CDMX-KEY.",
)  # fmt: skip
@schema_options
@lang_option
def convert_command(
    sources: tuple[str, ...],
    mapping: str | None,
    output: str,
    no_validate: bool,
    annotate: str | None,
    report_fmt: str,
    report_file: str | None,
    lang: str | None,
    **fields,
) -> None:
    """Convert an agency's spreadsheet into an OCDS release package, with its mapping.

    FILE is an .xlsx, .xlsm, .xls, .ods or .csv file with the mapping's main sheet (for ocds-template,
    also a folder of CSV files, one per sheet); MORE are files with the mapping's other sheets (e.g. the
    PAAAPS programme or the CLC payment orders for finanzas). Without -m, the layout of the workbook
    (its labels) picks the bundled mapping, and the report says which; an agency's mapping reads every
    layout. Every release has its buyer: from the mapping, --agency, or the workbook's "Sujeto obligado"
    column. Every row is converted or reported with its reason; the output is checked with cdmx validate
    before it is written.

    \b
    Examples:
      cdmx convert 28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx -o 2024T3.json
      cdmx convert A121Fr30B_2024T3.xlsx -m transparencia-adjudicaciones -o saf-2024T3.json
      cdmx convert A121Fr30B.xlsx paaaps.xlsx clc.csv -m finanzas --rejects rechazos.csv -o saf.json
      cdmx convert A121Fr30B_2024T3.xlsx -o saf.json --annotate revisado.xlsx
      cdmx convert A121Fr30B_2024T3.xlsx -o saf.json --report html --report-file reporte.html
      cdmx convert 28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx --agency "Alcaldía Coyoacán" --agency-key COY -o coy.json
    """
    lang = language(lang)
    if fields.get("agency_key") and not fields.get("agency"):
        raise click.UsageError(text("agency_key_alone", lang))
    if annotate is not None:
        try:
            check_target(sources[0], annotate)
        except CdmxError as e:
            report_console().print(input_error_text(e, lang), markup=False, highlight=False)
            sys.exit(2)
        # Every cell with a problem is marked, not only the first ones that a report shows.
        fields["max_locations"] = 0
    if report_fmt == "html" and report_file is None:
        raise click.UsageError(text("report_file_needed", lang))
    options = ConvertOptions(validate_output=not no_validate, lang=lang, **fields)
    source = sources[0] if len(sources) == 1 else list(sources)
    with ProgressLine("convert", report_fmt == "text" and report_file is None) as line:
        result = convert(source, mapping, output, options, progress=line.count)
    if report_fmt != "none":
        try:
            with open_output(report_file) if report_file else contextlib.nullcontext(sys.stderr) as out:
                if report_fmt == "json":
                    write_convert_json(result, lang, out)
                elif report_fmt == "html":
                    write_html(result, lang, out)
                else:
                    write_convert_text(result, lang, Console(file=out, highlight=False, soft_wrap=True)
                                       if report_file else report_console())  # fmt: skip
        except OSError as e:
            report_console().print(text("cannot_write", lang, source=report_file, detail=e.strerror or e),
                                   markup=False, highlight=False)  # fmt: skip
            sys.exit(2)
    if annotate is not None and not result.input_errors:
        try:
            annotated = annotate_workbook(result, sources[0], annotate, lang, encoding=options.encoding)
        except CdmxError as e:
            report_console().print(input_error_text(e, lang), markup=False, highlight=False)
            sys.exit(2)
        if report_fmt in ("text", "html"):
            report_console().print(summary_line(annotated, lang), markup=False, highlight=False)
    sys.exit(result.exit_code)

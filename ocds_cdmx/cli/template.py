"""``cdmx template``."""

from __future__ import annotations

import sys

import click

from ..conversion.template import write_template
from ..core.errors import CdmxError, MappingError
from ..report.messages import input_error_text, problem_text, text
from .common import lang_option


@click.command("template")
@click.argument("mapping", metavar="MAPPING")
@click.option(
    "-o", "--output", default=None, type=click.Path(dir_okay=False), metavar="FILE.xlsx",
    help="Where to write the workbook (written atomically). Default: plantilla-<mapping>.xlsx.",
)  # fmt: skip
@lang_option
def template_command(mapping: str, output: str | None, lang: str | None) -> None:
    """Write the blank workbook a data officer fills for MAPPING (a bundled name or a .yaml file).

    The platform's upload layout (labels, field ids, Tabla_ sub-table sheets, hidden catalog sheets),
    every catalog column a dropdown, dates and amounts formatted, headers frozen, the agency's own
    sheets (PAAAPS, CLC, works progress) and a first sheet "Instrucciones" (Spanish; --lang en for
    English; the labels stay the platform's). An agency's mapping gives the current (2024+) layout.

    \b
    Examples:
      cdmx template sedema -o plantilla.xlsx
      cdmx template finanzas -o plantilla-saf.xlsx --lang en
    """
    # The instructions are Spanish unless English is asked for, whatever the locale: they are for the
    # city's data officers.
    lang = lang or "es"
    target = output or f"plantilla-{mapping.rsplit('/', 1)[-1].removesuffix('.yaml')}.xlsx"
    try:
        result = write_template(mapping, target, lang=lang)
    except MappingError as e:
        for line, message in e.problems:
            click.echo(f"{e.source}:{line or '?'}: {problem_text(message, lang)}", err=True)
        sys.exit(2)
    except CdmxError as e:
        click.echo(input_error_text(e, lang), err=True)
        sys.exit(2)
    columns = sum(len(s.columns) for s in result.sheets)
    click.echo(text("template_written", lang, output=result.output, mapping=result.mapping, sheets=len(result.sheets),
                    columns=columns, dropdowns=result.dropdowns))  # fmt: skip

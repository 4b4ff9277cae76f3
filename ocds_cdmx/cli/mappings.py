"""``cdmx mappings list`` and ``cdmx mappings check``."""

from __future__ import annotations

import sys

import click

from ..conversion.mapping import bundled, check_file, load
from ..core.errors import MappingError, SchemaError
from ..report.messages import N_, input_error_text, problem_text, text
from .common import current_language, lang_option, language, say, schema_options


@click.group("mappings")
def mappings_group() -> None:
    """The mapping files that say how a spreadsheet becomes OCDS."""


@mappings_group.command("list")
def mappings_list() -> None:
    """The bundled mappings, with their titles."""
    for name in bundled():
        try:
            title = load(name).data.get("title", "")
        except MappingError as e:
            title = say(
                N_("(invalid: {problems})"),
                problems="; ".join(problem_text(m, current_language()) for _, m in e.problems),
            )
        click.echo(f"{name:<32} {title}")


@mappings_group.command("check")
@click.argument("path", metavar="FILE")
@schema_options
@lang_option
def mappings_check(path: str, schema_dir: str | None, offline: bool | None, lang: str | None) -> None:
    """Check a mapping, every problem at once at its line: its format, the columns its templates and parts
    use (with the valid ones and the closest), its stages, the sheets no row reaches, and its fields,
    roles and codes against the OCDS schema with the mapping's extensions."""
    lang = language(lang)
    try:
        mapping, problems = check_file(path, schema_dir=schema_dir, offline=offline)
    except MappingError as e:
        for line, message in e.problems:
            click.echo(f"{e.source}:{line or '?'}: {problem_text(message, lang)}", err=True)
        sys.exit(1)
    except SchemaError as e:
        raise click.ClickException(input_error_text(e, lang)) from None
    for line, message in problems:
        click.echo(f"{mapping.source}:{line or '?'}: {problem_text(message, lang)}", err=True)
    if problems:
        sys.exit(1)
    columns = mapping.data.get("columns", {})
    reasons = sum(1 for c in columns.values() if c.get("reason"))
    click.echo(text("check_ok", lang, source=mapping.source, columns=len(columns), reasons=reasons))

"""``cdmx merge``."""

from __future__ import annotations

import sys

import click

from ..core.options import MergeOptions
from ..merging import merge
from ..report.jsonreport import write_merge_json
from ..report.messages import N_
from ..report.text import write_merge_text
from .common import (
    ENCODING_HELP,
    ProgressLine,
    lang_option,
    language,
    max_locations_option,
    report_console,
    report_option,
    say,
    schema_options,
    update_lock,
)

PUBLISHER_FIELDS = ("name", "scheme", "uid", "uri")


def _overrides(values: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    overrides = {}
    for override in values:
        path, _, strategy = override.partition("=")
        if strategy not in ("append", "by-position") or not path:
            message = say(N_("{override!r}: expected PATH=append or PATH=by-position"), override=override)
            raise click.BadParameter(message, param_hint="--override")
        overrides[tuple(p for p in path.replace(".", "/").split("/") if p)] = strategy
    return overrides


@click.command("merge")
@click.argument("sources", nargs=-1, required=True, metavar="FILE…")
@click.option(
    "-o", "--output", default="-", show_default=True, metavar="PATH",
    help="Where to write the records (written atomically; - for standard output).",
)  # fmt: skip
@click.option("--versioned", is_flag=True, help="Add each record's versionedRelease (the history of every field).")
@click.option(
    "--linked-releases", is_flag=True,
    help="In records, link to releases (package uri#release id) instead of embedding them, when the package has a uri.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["package", "jsonl"]), default="package", show_default=True,
    help="package: one record package; jsonl: one record per line, for very large outputs.",
)  # fmt: skip
@click.option(
    "--update", "existing", type=click.Path(dir_okay=False), default=None, metavar="RECORDS",
    help="A record package to update: OCIDs that the new releases touch are merged again, the rest copied "
    "(when it does not exist yet, the releases are merged from scratch).",
)  # fmt: skip
@click.option(
    "--uri", default=None,
    help="The record package's uri (the URL where it is served). Default: urn:ocds-cdmx:<output file name>.",
)  # fmt: skip
@click.option(
    "--published-date", default=None, metavar="DATETIME",
    help="The record package's publishedDate. Default: the latest publishedDate of the inputs, else now.",
)  # fmt: skip
@click.option("--version", "version", default="1.1", show_default=True, help="The record package's version.")
@click.option("--publisher-name", default="", help="The record package's publisher name.")
@click.option("--publisher-uri", default="", help="The record package's publisher uri.")
@click.option("--publisher-scheme", default="", help="The record package's publisher scheme.")
@click.option("--publisher-uid", default="", help="The record package's publisher uid.")
@click.option(
    "--schema", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
    help="Take the merge rules from this release schema, as ocdskit compile --schema does (extensions are then not applied).",
)  # fmt: skip
@click.option("--no-upgrade", is_flag=True, help="Do not upgrade OCDS 1.0 releases to 1.1 (then versions may not mix).")
@click.option(
    "--override", "overrides", multiple=True, metavar="PATH=append|by-position",
    help="Merge objects of this array (e.g. awards/suppliers) by appending them or by position, not by id.",
)  # fmt: skip
@click.option("--strict", is_flag=True, help="Warnings count as errors: exit code 1.")
@click.option("--ascii", "ascii_only", is_flag=True, help="Escape non-ASCII characters in the output.")
@click.option("--encoding", default=None, help=ENCODING_HELP)
@report_option
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None,
    help="Worker processes (default: one per CPU). The output is the same whatever the number.",
)  # fmt: skip
@max_locations_option
@schema_options
@lang_option
def merge_command(
    sources: tuple[str, ...],
    output: str,
    existing: str | None,
    overrides: tuple[str, ...],
    no_upgrade: bool,
    report_fmt: str,
    lang: str | None,
    **fields,
) -> None:
    """Merge releases by OCID into records, as ocdskit compile --package does.

    FILE… are release packages, bare releases, JSON Lines, concatenated JSON or record packages (files,
    directories, gzip, or - for standard input), from any agency and any night, OCDS 1.0 or 1.1. Each
    record gets the releases of its OCID, its compiledRelease and, with --versioned, its versionedRelease.

    \b
    Examples:
      cdmx merge nights/ -o records.json --uri https://datos.cdmx.gob.mx/ocds/records.json
      cdmx merge --versioned --format jsonl saf-*.json obras-*.json -o records.jsonl
      cdmx merge --update records.json tonight.json -o records.json
    """
    lang = language(lang)
    publisher = {key: value for key in PUBLISHER_FIELDS if (value := fields.pop(f"publisher_{key}"))}
    options = MergeOptions(
        publisher=publisher or None, upgrade=not no_upgrade, rule_overrides=_overrides(overrides), **fields
    )
    with update_lock(output if existing else None), ProgressLine("merge", report_fmt == "text") as line:
        result = merge(list(sources), output, options, existing=existing, progress=line.phase)
    if report_fmt == "json":
        write_merge_json(result, lang, sys.stderr)
    elif report_fmt == "text":
        write_merge_text(result, lang, report_console())
    sys.exit(result.exit_code)

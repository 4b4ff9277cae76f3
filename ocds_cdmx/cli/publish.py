"""``cdmx publish``."""

from __future__ import annotations

import sys

import click

from ..core.options import PublishOptions
from ..publishing import publish
from ..report.jsonreport import write_publish_json
from ..report.text import write_publish_text
from .common import (
    ProgressLine,
    lang_option,
    language,
    max_locations_option,
    report_console,
    report_option,
    schema_options,
)


@click.command("publish")
@click.argument("config", type=click.Path(dir_okay=False), metavar="CONFIG.yaml")
@click.option(
    "--agency", "agencies", multiple=True, metavar="KEY",
    help="Publish only this agency (repeat for several). Default: every agency of the configuration.",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing (neither the store nor the files).")
@click.option("--rebuild", is_flag=True, help="Regenerate every published file from the store alone (no conversion).")
@click.option(
    "--night", default=None, metavar="DATETIME",
    help="The night's date and time (RFC 3339, e.g. 2024-10-16T02:00:00-06:00). Default: now. "
    "An interrupted night is resumed with its own.",
)  # fmt: skip
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes (default: one per CPU).")
@report_option
@max_locations_option
@schema_options
@lang_option
def publish_command(config: str, agencies: tuple[str, ...], report_fmt: str, lang: str | None, **fields) -> None:
    """Run one night of the publication that CONFIG.yaml describes.

    For each agency: convert its files, compare each process with what the store last published for it,
    mint a new release only where something changed (a new id, a later date, the update tag, null for
    what disappeared), validate, and store it. Then build the publication directory from the store
    (record packages at permanent URLs, the nights' release packages, bulk files, CSV and XLSX
    downloads, Atom feeds, manifest.json) and switch it in at once. An agency that fails publishes
    nothing that night and keeps its last good data online; the others go on.

    \b
    CONFIG.yaml (paths relative to it; see the README for a complete example):
      publisher: {name: …, uri: …, scheme: MX-RFC, uid: …}
      license: https://…            publicationPolicy: https://…
      base_url: https://datos.cdmx.gob.mx/ocds/     ocid_prefix: ocds-87sd3t
      output: publicacion           store: publicacion.sqlite   (or postgresql://…)
      agencies:
        - {key: SAF, name: …, mapping: finanzas, files: [[A121Fr30B_*.xlsx, clc-*.csv]]}

    \b
    Examples:
      cdmx publish publicacion.yaml
      cdmx publish publicacion.yaml --agency SAF --dry-run
      cdmx publish publicacion.yaml --rebuild

    Exit codes: 0 fine; 1 an agency failed or its data has errors (the others published);
    2 the configuration, the store or the output cannot be used (the previous publication is intact).
    """
    lang = language(lang)
    options = PublishOptions(agencies=agencies or None, **fields)
    with ProgressLine("publish", report_fmt == "text") as line:
        result = publish(config, options, progress=lambda agency, phase: line.phase(f"{agency} {phase}".strip(), 0))
    if report_fmt == "json":
        write_publish_json(result, lang, sys.stderr)
    elif report_fmt == "text":
        write_publish_text(result, lang, report_console())
    sys.exit(result.exit_code)

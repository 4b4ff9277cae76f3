"""The ``cdmx`` command: a thin shell over the :mod:`ocds_cdmx` API, one module per command.

Exit codes: 0 fine, 1 the data has problems, 2 usage or input/output errors.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import CdmxGroup, LazyText

#: Each command's module and object, imported when the command is used (or its help listed): a
#: command does not pay for the others' imports (``cdmx validate`` started in 0.45 s, 0.1 s now).
COMMANDS = {
    "convert": "ocds_cdmx.cli.convert:convert_command",
    "mappings": "ocds_cdmx.cli.mappings:mappings_group",
    "template": "ocds_cdmx.cli.template:template_command",
    "validate": "ocds_cdmx.cli.validate:validate_command",
    "merge": "ocds_cdmx.cli.merge:merge_command",
    "publish": "ocds_cdmx.cli.publish:publish_command",
    "site": "ocds_cdmx.cli.site:site_command",
    "schema": "ocds_cdmx.cli.schema:schema_group",
}


@click.group(cls=CdmxGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdmx", message=LazyText("%(prog)s, version %(version)s"))
def main() -> None:
    """Publish and check Mexico City's procurement data as OCDS 1.1.

    \b
    cdmx convert FILE -m M   an agency's spreadsheet → OCDS release package
    cdmx mappings list|check the mappings from spreadsheets to OCDS
    cdmx template MAPPING    the blank workbook to fill for a mapping
    cdmx validate FILE…      every problem in release or record packages
    cdmx merge FILE…         releases from every agency and night → records
    cdmx publish CONFIG.yaml the nightly job: every agency → store → publication
    cdmx schema fetch|where  offline copies of the OCDS schemas and extensions
    cdmx site PUBLICATION    the static site where citizens follow the contracts

    Exit codes: 0 fine, 1 the data has problems, 2 usage or unreadable input.
    """


__all__ = ["main"]

"""The ``cdmx`` command: a thin shell over the :mod:`ocds_cdmx` API, one module per command.

Exit codes: 0 fine, 1 the data has problems, 2 usage or input/output errors.
"""

from __future__ import annotations

import click

from .. import __version__
from .common import CdmxGroup, LazyText
from .convert import convert_command
from .mappings import mappings_group
from .merge import merge_command
from .publish import publish_command
from .schema import schema_group
from .site import site_command
from .template import template_command
from .validate import validate_command


@click.group(cls=CdmxGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


for command in (
    convert_command,
    mappings_group,
    template_command,
    validate_command,
    merge_command,
    publish_command,
    site_command,
    schema_group,
):
    main.add_command(command)

__all__ = ["main"]

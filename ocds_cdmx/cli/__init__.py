"""The ``cdmx`` command: a thin shell over the :mod:`ocds_cdmx` API, one module per command.

Exit codes: 0 fine, 1 the data has problems, 2 usage or input/output errors.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: Each command's module and object, imported when the command runs (or help lists it), so that
#: ``cdmx validate`` does not load the converter, the publisher and the site builder first.
COMMANDS = {
    "convert": ("convert", "convert_command"),
    "mappings": ("mappings", "mappings_group"),
    "validate": ("validate", "validate_command"),
    "merge": ("merge", "merge_command"),
    "publish": ("publish", "publish_command"),
    "site": ("site", "site_command"),
    "schema": ("schema", "schema_group"),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(f".{module}", __name__), attr), cmd_name)
        return self.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdmx")
def main() -> None:
    """Publish and check Mexico City's procurement data as OCDS 1.1.

    \b
    cdmx convert FILE -m M   an agency's spreadsheet → OCDS release package
    cdmx mappings list|check the mappings from spreadsheets to OCDS
    cdmx validate FILE…      every problem in release or record packages
    cdmx merge FILE…         releases from every agency and night → records
    cdmx publish CONFIG.yaml the nightly job: every agency → store → publication
    cdmx schema fetch|where  offline copies of the OCDS schemas and extensions
    cdmx site PUBLICATION    the static site where citizens follow the contracts

    Exit codes: 0 fine, 1 the data has problems, 2 usage or unreadable input.
    """


__all__ = ["main"]

"""``cdmx schema fetch`` and ``cdmx schema where``."""

from __future__ import annotations

import sys

import click

from ..core.errors import CdmxError
from ..io.jsonin import iter_documents
from ..report.messages import N_, input_error_text
from ..schema import TAGS, SchemaStore, fetch
from .common import lang_option, language, say, schema_options

#: Where a schema file is read from, as the store says (``SchemaStore`` origins) and as people read it.
ORIGINS = {
    "option": N_("option"),
    "environment": N_("environment"),
    "cache": N_("cache"),
    "downloaded": N_("downloaded"),
    "missing": N_("missing"),
    "extension": N_("extension"),
}


def _origin(origin: str) -> str:
    return say(ORIGINS[origin]) if origin in ORIGINS else origin


@click.group("schema")
def schema_group() -> None:
    """Offline copies of the OCDS schemas, codelists and extensions."""


@schema_group.command("fetch")
@click.option(
    "--version", "versions", multiple=True, type=click.Choice(sorted(TAGS)), default=["1.1"], show_default=True,
    help="OCDS version(s) to fetch.",
)  # fmt: skip
@click.option("--extension", "extensions", multiple=True, metavar="URL", help="An extension.json URL to fetch too.")
@click.option(
    "--from-package", "packages", multiple=True, type=click.Path(exists=True, dir_okay=False),
    help="Also fetch the extensions that this package declares.",
)  # fmt: skip
@schema_options
@lang_option
def schema_fetch(versions, extensions, packages, schema_dir, offline, lang) -> None:
    """Fill the user cache so that later runs work offline."""
    lang = language(lang)
    urls = list(extensions)
    try:
        for package in packages:
            for doc in iter_documents(package):
                declared = doc.metadata.get("extensions")
                if isinstance(declared, list):
                    urls.extend(u for u in declared if isinstance(u, str))
    except CdmxError as e:
        raise click.ClickException(input_error_text(e, lang)) from None
    store = SchemaStore(schema_dir, offline=offline)
    missing = 0
    for located in fetch(store, list(versions), urls):
        where = located.path if located.path else say(N_("MISSING ({url})"), url=located.url)
        click.echo(f"{_origin(located.origin):<12} {located.name}  {where}")
        missing += located.path is None
    click.echo(say(N_("cache: {path}"), path=store.cache))
    if missing:
        sys.exit(1)


@schema_group.command("where")
@click.option(
    "--version", "versions", multiple=True, type=click.Choice(sorted(TAGS)), default=["1.1"], show_default=True
)
@schema_options
def schema_where(versions, schema_dir, offline) -> None:
    """Tell where each schema file is read from (option, environment, cache or missing), without downloading."""
    store = SchemaStore(schema_dir, offline=True)
    order = ", ".join(f"{_origin(origin)}={path}" for origin, path in store.dirs)
    click.echo(say(N_("search order: {order}"), order=order))
    for item in fetch(store, list(versions)):
        click.echo(f"{_origin(item.origin):<12} {item.name}  {item.path or item.url}")
    for url, entry in sorted(store.extension_index().items()):
        click.echo(f"{_origin('extension'):<12} {url}  {entry['_root']}/{entry['folder']}")

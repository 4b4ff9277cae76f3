"""The ``cdmx`` command: a thin shell over the :mod:`ocds_cdmx` API.

Exit codes: 0 fine, 1 the data has problems, 2 usage or input/output errors.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .convert import convert
from .mapping import MappingError, bundled, check_against_ocds, load
from .merge import merge
from .messages import LANGS, default_lang, input_error_text
from .report import (
    write_convert_json,
    write_convert_text,
    write_json,
    write_merge_json,
    write_merge_text,
    write_text,
)
from .schema import TAGS, SchemaError, SchemaStore, fetch, load_profile
from .validate import validate

SCHEMA_DIR_HELP = (
    "Directory with the OCDS schemas (layout of ../shared/ocds: 1__1__5/…, extensions/…). "
    "Default: $CDMX_SCHEMA_DIR, then the user cache, then download."
)


def _lang_option(f):
    return click.option(
        "--lang",
        type=click.Choice(LANGS),
        default=None,
        help="Language of the messages (es or en). Default: from the locale.",
    )(f)


def _schema_options(f):
    f = click.option("--schema-dir", type=click.Path(file_okay=False), default=None, help=SCHEMA_DIR_HELP)(f)
    f = click.option(
        "--offline", is_flag=True, default=None, help="Never download: use only local schemas and extensions."
    )(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cdmx")
def main() -> None:
    """Publish and check Mexico City's procurement data as OCDS 1.1.

    \b
    cdmx convert FILE -m M   an agency's spreadsheet → OCDS release package
    cdmx mappings list|check the mappings from spreadsheets to OCDS
    cdmx validate FILE…      every problem in release or record packages
    cdmx merge FILE…         releases from every agency and night → records
    cdmx schema fetch|where  offline copies of the OCDS schemas and extensions

    Exit codes: 0 fine, 1 the data has problems, 2 usage or unreadable input.
    """


@main.command("validate")
@click.argument("sources", nargs=-1, required=True, metavar="FILE…")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: a report for people; json: one JSON document (shape in the README).",
)  # fmt: skip
@click.option(
    "--ocid-prefix",
    default=None,
    metavar="PREFIX",
    help="The publisher's registered OCID prefix (e.g. ocds-87sd3t): every OCID must start with it, exactly.",
)
@click.option(
    "--schema-version",
    type=click.Choice(sorted(TAGS)),
    default=None,
    help="Validate against this OCDS version whatever the data declares.",
)
@click.option("--encoding", default=None, help="Read the files in this encoding (e.g. latin-1). Default: UTF-8/UTF-16.")
@click.option(
    "--no-quality",
    is_flag=True,
    help="Only the Review Tool's checks: skip references, coherence and Mexican data checks.",
)
@click.option(
    "--max-locations", type=click.IntRange(min=0), default=100, show_default=True,
    help="Locations kept for each kind of problem (0: all).",
)  # fmt: skip
@click.option("--no-statistics", is_flag=True, help="Leave the key field information out of the text report.")
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None,
    help="Processes that share the checking of large packages (default: one per CPU). The report is the same.",
)  # fmt: skip
@_schema_options
@_lang_option
def validate_command(
    sources: tuple[str, ...],
    fmt: str,
    ocid_prefix: str | None,
    schema_version: str | None,
    encoding: str | None,
    no_quality: bool,
    max_locations: int,
    no_statistics: bool,
    jobs: int | None,
    schema_dir: str | None,
    offline: bool | None,
    lang: str | None,
) -> None:
    """Check OCDS release or record packages and explain every problem.

    FILE… are files (JSON, JSON Lines, concatenated JSON, gzip), directories, or - for standard input.

    \b
    Examples:
      cdmx validate releases.json
      cdmx validate --ocid-prefix ocds-87sd3t --lang es data/
      cdmx validate --format json releases.json.gz > report.json
    """
    lang = lang or default_lang()
    stderr = Console(stderr=True)
    show_progress = fmt == "text" and stderr.is_terminal
    progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"),
                        TimeElapsedColumn(), console=stderr, transient=True, disable=not show_progress)  # fmt: skip
    with progress:
        task = progress.add_task("validate", total=None)
        result = validate(
            list(sources),
            schema_dir=schema_dir,
            offline=offline,
            ocid_prefix=ocid_prefix,
            schema_version=schema_version,
            encoding=encoding,
            quality_checks=not no_quality,
            max_locations=max_locations,
            progress=lambda n: progress.update(task, completed=n),
            jobs=jobs,
        )
    if fmt == "json":
        write_json(result, lang, sys.stdout)
    else:
        write_text(result, lang, Console(highlight=False, soft_wrap=True), show_statistics=not no_statistics)
    sys.exit(result.exit_code)


@main.command("merge")
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
    "--update", "existing", type=click.Path(exists=True, dir_okay=False), default=None, metavar="RECORDS",
    help="A record package to update: OCIDs that the new releases touch are merged again, the rest copied.",
)  # fmt: skip
@click.option("--uri", default="", help="The record package's uri.")
@click.option(
    "--published-date", default=None, metavar="DATETIME",
    help="The record package's publishedDate. Default: the latest publishedDate of the inputs, else now.",
)  # fmt: skip
@click.option("--version", "package_version", default="1.1", show_default=True, help="The record package's version.")
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
@click.option("--encoding", default=None, help="Read the files in this encoding (e.g. latin-1). Default: UTF-8/UTF-16.")
@click.option(
    "--report", "report_fmt", type=click.Choice(["text", "json", "none"]), default="text", show_default=True,
    help="The report on standard error: text for people, json for scripts, or none.",
)  # fmt: skip
@click.option(
    "--jobs", type=click.IntRange(min=1), default=None,
    help="Worker processes (default: one per CPU). The output is the same whatever the number.",
)  # fmt: skip
@click.option(
    "--max-locations", type=click.IntRange(min=0), default=100, show_default=True,
    help="Locations kept for each kind of problem (0: all).",
)  # fmt: skip
@_schema_options
@_lang_option
def merge_command(
    sources: tuple[str, ...],
    output: str,
    versioned: bool,
    linked_releases: bool,
    fmt: str,
    existing: str | None,
    uri: str,
    published_date: str | None,
    package_version: str,
    publisher_name: str,
    publisher_uri: str,
    publisher_scheme: str,
    publisher_uid: str,
    schema: str | None,
    no_upgrade: bool,
    overrides: tuple[str, ...],
    strict: bool,
    ascii_only: bool,
    encoding: str | None,
    report_fmt: str,
    jobs: int | None,
    max_locations: int,
    schema_dir: str | None,
    offline: bool | None,
    lang: str | None,
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
    lang = lang or default_lang()
    rule_overrides = {}
    for override in overrides:
        path, _, strategy = override.partition("=")
        if strategy not in ("append", "by-position") or not path:
            raise click.BadParameter(f"{override!r}: expected PATH=append or PATH=by-position", param_hint="--override")
        rule_overrides[tuple(p for p in path.replace(".", "/").split("/") if p)] = strategy
    publisher = {
        key: value
        for key, value in (
            ("name", publisher_name), ("scheme", publisher_scheme), ("uid", publisher_uid), ("uri", publisher_uri)
        )
        if value
    }  # fmt: skip
    stderr = Console(stderr=True)
    show_progress = report_fmt == "text" and stderr.is_terminal
    progress = Progress(TextColumn("{task.description}"), TextColumn("{task.completed}"), TimeElapsedColumn(),
                        console=stderr, transient=True, disable=not show_progress)  # fmt: skip
    with progress:
        task = progress.add_task("merge", total=None)
        result = merge(
            list(sources),
            output,
            existing=existing,
            versioned=versioned,
            linked_releases=linked_releases,
            fmt=fmt,
            uri=uri,
            published_date=published_date,
            publisher=publisher or None,
            version=package_version,
            schema=schema,
            schema_dir=schema_dir,
            offline=offline,
            upgrade=not no_upgrade,
            strict=strict,
            encoding=encoding,
            rule_overrides=rule_overrides,
            ascii_only=ascii_only,
            max_locations=max_locations,
            jobs=jobs,
            progress=lambda phase, n: progress.update(task, description=phase, completed=n),
        )
    if report_fmt == "json":
        write_merge_json(result, lang, sys.stderr)
    elif report_fmt == "text":
        write_merge_text(result, lang, Console(stderr=True, highlight=False, soft_wrap=True))
    sys.exit(result.exit_code)


@main.command("convert")
@click.argument("sources", nargs=-1, required=True, type=click.Path(), metavar="FILE [MORE…]")
@click.option(
    "-m", "--mapping", required=True, metavar="MAPPING",
    help="The agency's mapping: a .yaml file or a bundled name (cdmx mappings list).",
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
    help="Write the rows that were not converted (file, sheet, row, reason) to this CSV file.",
)  # fmt: skip
@click.option(
    "--report", "report_fmt", type=click.Choice(["text", "json", "none"]), default="text", show_default=True,
    help="The report on standard error: text for people, json for scripts, or none.",
)  # fmt: skip
@_schema_options
@_lang_option
def convert_command(
    sources: tuple[str, ...],
    mapping: str,
    output: str,
    fmt: str,
    uri: str | None,
    release_date: str | None,
    published_date: str | None,
    encoding: str | None,
    no_validate: bool,
    rejects: str | None,
    report_fmt: str,
    schema_dir: str | None,
    offline: bool | None,
    lang: str | None,
) -> None:
    """Convert an agency's spreadsheet into an OCDS release package, with its mapping.

    FILE is an .xlsx, .xlsm, .xls, .ods or .csv file with the mapping's main sheet (for ocds-template,
    also a folder of CSV files, one per sheet); MORE are files with the mapping's other sheets (e.g. the PAAAPS programme or the CLC payment orders for finanzas). Every row
    is converted or reported with its reason; the output is checked with cdmx validate before it is
    written.

    \b
    Examples:
      cdmx convert A121Fr30B_2024T3.xlsx -m transparencia-adjudicaciones -o saf-2024T3.json
      cdmx convert A121Fr30B.xlsx paaaps.xlsx clc.csv -m finanzas --rejects rechazos.csv -o saf.json
    """
    lang = lang or default_lang()
    stderr = Console(stderr=True)
    progress = Progress(TextColumn("{task.description}"), TextColumn("{task.completed}"), TimeElapsedColumn(),
                        console=stderr, transient=True, disable=not (report_fmt == "text" and stderr.is_terminal))  # fmt: skip
    with progress:
        task = progress.add_task("convert", total=None)
        result = convert(
            sources[0] if len(sources) == 1 else list(sources),
            mapping,
            output,
            fmt=fmt,
            uri=uri,
            release_date=release_date,
            published_date=published_date,
            encoding=encoding,
            validate_output=not no_validate,
            rejects=rejects,
            schema_dir=schema_dir,
            offline=offline,
            progress=lambda n: progress.update(task, completed=n),
        )
    if report_fmt == "json":
        write_convert_json(result, lang, sys.stderr)
    elif report_fmt == "text":
        write_convert_text(result, lang, Console(stderr=True, highlight=False, soft_wrap=True))
    sys.exit(result.exit_code)


@main.group("mappings")
def mappings_group() -> None:
    """The mapping files that say how a spreadsheet becomes OCDS."""


@mappings_group.command("list")
def mappings_list() -> None:
    """The bundled mappings, with their titles."""
    for name in bundled():
        try:
            title = load(name).data.get("title", "")
        except MappingError as e:
            title = f"(invalid: {e})"
        click.echo(f"{name:<32} {title}")


@mappings_group.command("check")
@click.argument("path", metavar="FILE")
@_schema_options
@_lang_option
def mappings_check(path: str, schema_dir: str | None, offline: bool | None, lang: str | None) -> None:
    """Check a mapping, with line numbers: its format, the columns its parts use, and its fields and codes
    against the OCDS schema with the mapping's extensions."""
    lang = lang or default_lang()
    try:
        mapping = load(path)
        profile = load_profile(SchemaStore(schema_dir, offline=offline), "1.1", mapping.data.get("extensions", []))
    except MappingError as e:
        for line, message in e.problems:
            click.echo(f"{e.source}:{line or '?'}: {message}", err=True)
        sys.exit(1)
    except SchemaError as e:
        raise click.ClickException(input_error_text(e, lang)) from None
    problems = check_against_ocds(mapping, profile.release_schema, profile.codelists)
    for status in profile.extensions:
        if not status.applied:
            problems.append((mapping.line("extensions"), f"extension not available: {status.url}"))
    for line, message in problems:
        click.echo(f"{mapping.source}:{line or '?'}: {message}", err=True)
    columns = len(mapping.data.get("columns", {}))
    reasons = sum(1 for c in mapping.data.get("columns", {}).values() if c.get("reason"))
    if problems:
        sys.exit(1)
    click.echo(f"{mapping.source}: OK ({columns} columns, {reasons} deliberately unmapped)")


@main.group("schema")
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
@_schema_options
@_lang_option
def schema_fetch(versions, extensions, packages, schema_dir, offline, lang) -> None:
    """Fill the user cache so that later runs work offline."""
    from .jsonio import InputError, iter_documents

    lang = lang or default_lang()
    urls = list(extensions)
    try:
        for package in packages:
            for doc in iter_documents(package):
                declared = doc.metadata.get("extensions")
                if isinstance(declared, list):
                    urls.extend(u for u in declared if isinstance(u, str))
    except InputError as e:
        raise click.ClickException(input_error_text(e, lang)) from None
    store = SchemaStore(schema_dir, offline=offline)
    missing = 0
    for located in fetch(store, list(versions), urls):
        where = located.path if located.path else f"MISSING ({located.url})"
        click.echo(f"{located.origin:<12} {located.name}  {where}")
        missing += located.path is None
    click.echo(f"cache: {store.cache}")
    if missing:
        sys.exit(1)


@schema_group.command("where")
@click.option(
    "--version", "versions", multiple=True, type=click.Choice(sorted(TAGS)), default=["1.1"], show_default=True
)
@_schema_options
def schema_where(versions, schema_dir, offline) -> None:
    """Tell where each schema file is read from (option, environment, cache or missing), without downloading."""
    store = SchemaStore(schema_dir, offline=True)
    click.echo("search order: " + ", ".join(f"{origin}={path}" for origin, path in store.dirs))
    try:
        located = fetch(store, list(versions))
    except SchemaError as e:  # pragma: no cover - fetch reports missing files instead of raising
        raise click.ClickException(str(e)) from None
    for item in located:
        click.echo(f"{item.origin:<12} {item.name}  {item.path or item.url}")
    for url, entry in sorted(store.extension_index().items()):
        click.echo(f"{'extension':<12} {url}  {entry['_root']}/{entry['folder']}")


if __name__ == "__main__":  # pragma: no cover
    main()

"""The options of each command, as frozen dataclasses: the CLI builds them, the API takes them, and
worker processes receive them (they pickle).

The API functions also take the fields as keyword arguments (``merge(..., versioned=True)``), which
:func:`with_fields` turns into options.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class SchemaOptions:
    """Where the OCDS schemas are (see :class:`~ocds_cdmx.schema.SchemaStore`)."""

    #: A directory with the layout of ``../shared/ocds``; default: ``$CDMX_SCHEMA_DIR``, the cache, a download.
    schema_dir: str | None = None
    #: Never download (default: ``$CDMX_OFFLINE``).
    offline: bool | None = None


@dataclass(frozen=True, kw_only=True)
class ValidateOptions(SchemaOptions):
    """How :func:`ocds_cdmx.validate` checks."""

    #: The publisher's registered OCID prefix: every OCID must start with it, exactly.
    ocid_prefix: str | None = None
    #: Validate against this OCDS version (``1.0``, ``1.1``) whatever the data declares.
    schema_version: str | None = None
    #: Read the files in this encoding (default: UTF-8 or UTF-16, detected).
    encoding: str | None = None
    #: Run the checks beyond the Review Tool's (references, coherence, Mexican data).
    quality_checks: bool = True
    #: Locations kept per group of findings (0: all).
    max_locations: int = 100
    #: Processes that share the checking of large packages (default: one per CPU).
    jobs: int | None = None


@dataclass(frozen=True, kw_only=True)
class MergeOptions(SchemaOptions):
    """How :func:`ocds_cdmx.merge` merges releases into records."""

    versioned: bool = False
    linked_releases: bool = False
    #: ``package`` (one record package) or ``jsonl`` (one record per line).
    fmt: str = "package"
    #: The record package's ``uri``. Default (None): ``urn:ocds-cdmx:<output file name>`` (``records`` for
    #: standard output); ``""`` writes an empty one, as ``ocdskit compile`` does.
    uri: str | None = None
    #: Default: the latest ``publishedDate`` of the inputs, else now.
    published_date: str | None = None
    #: Default: the publisher of the last input package.
    publisher: dict | None = None
    version: str = "1.1"
    #: Take the merge rules from this release schema (a path or a dict), as ``ocdskit compile --schema``.
    schema: Any = None
    #: Upgrade OCDS 1.0 releases to 1.1.
    upgrade: bool = True
    #: Warnings make the exit code 1 too.
    strict: bool = False
    encoding: str | None = None
    #: An array's path (``("awards", "suppliers")``) → ``append`` or ``by-position``.
    rule_overrides: dict | None = None
    ascii_only: bool = False
    max_locations: int = 100
    jobs: int | None = None
    #: Where the scratch files go (default: the system's temporary directory).
    temp_dir: str | None = None


@dataclass(frozen=True, kw_only=True)
class ConvertOptions(SchemaOptions):
    """How :func:`ocds_cdmx.convert` converts a workbook."""

    #: ``package`` (one release package) or ``jsonl`` (one release per line).
    fmt: str = "package"
    #: The package's ``uri`` (default: ``urn:ocds-cdmx:<file name>``).
    uri: str | None = None
    #: The date of releases whose date columns are blank.
    release_date: str | None = None
    #: The package's ``publishedDate`` (default: now).
    published_date: str | None = None
    #: The encoding of a CSV file (default: detected).
    encoding: str | None = None
    #: Check the package with the ``cdmx validate`` engine before it is written.
    validate_output: bool = True
    #: A CSV file listing the rows that were not converted.
    rejects: str | None = None
    max_locations: int = 100
    #: The agency whose workbook it is, when the mapping does not say (``Alcaldía Coyoacán``): the buyer
    #: of every release and the publisher; ``agency_key`` (``COY``) starts its OCIDs.
    agency: str | None = None
    agency_key: str | None = None
    #: The language of the rejects file's column titles (``es`` or ``en``).
    lang: str = "en"


@dataclass(frozen=True, kw_only=True)
class SiteOptions:
    """How :func:`ocds_cdmx.build_site` builds the static site."""

    #: Where the publication's files are served, for the download links (default: the relative path
    #: from the site to the publication's folder, which works from disk and when both are served).
    data_url: str | None = None
    #: The site's name, shown on every page (default: the city's).
    title: str = "Contrataciones Abiertas de la Ciudad de México"
    #: Rebuild every page, whatever changed.
    full: bool = False
    #: Worker processes that render the pages of processes (default: one per CPU).
    jobs: int | None = None
    #: The encoding of a records file (default: UTF-8/UTF-16, detected).
    encoding: str | None = None


@dataclass(frozen=True, kw_only=True)
class PublishOptions(SchemaOptions):
    """How :func:`ocds_cdmx.publish` runs a night."""

    #: Publish only these agencies (their keys); default: every agency of the configuration.
    agencies: tuple[str, ...] | None = None
    #: Say what would change, write nothing (neither the store nor the publication).
    dry_run: bool = False
    #: Regenerate every output from the store alone (no conversion, no cache).
    rebuild: bool = False
    #: The night's date and time (RFC 3339), for a new night; default: now, in the configuration's time
    #: zone. An interrupted night is resumed with its own.
    night: str | None = None
    #: Worker processes for conversions and records (default: one per CPU).
    jobs: int | None = None
    max_locations: int = 100


def with_fields(cls: type[T], options: T | None, fields: dict[str, Any]) -> T:
    """``options`` (or the defaults of ``cls``) with ``fields`` replaced; an unknown field is a TypeError."""
    if options is None:
        return cls(**fields)
    return dataclasses.replace(options, **fields) if fields else options

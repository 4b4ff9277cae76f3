"""Where each published file is, and its URL: the layout of the publication directory (see the README).

The layout is a contract with whoever reads the publication (the ``cdmx site`` portal, people's
scripts): paths and names here do not change without a new ``layout`` number in ``manifest.json``.
"""

from __future__ import annotations

import urllib.parse

from .config import Config

#: The version of the layout, in manifest.json.
LAYOUT = 1
MANIFEST = "manifest.json"
RECORDS_DIR = "records"
RELEASES_DIR = "releases"
BULK_DIR = "bulk"
DOWNLOADS_DIR = "downloads"
FEEDS_DIR = "feeds"
#: Characters of an OCID kept as they are in its file name (RFC 3986's unreserved characters).
SAFE = "-._~"


def night_slug(night: str) -> str:
    """A night's date and time as a file name: ``2024-10-16T02:00:00-06:00`` → ``2024-10-16T020000-0600``."""
    date, _, rest = night.partition("T")
    return f"{date}T{rest.replace(':', '')}" if rest else date


def night_package_path(agency: str, night: str) -> str:
    """The agency's release package of a night: ``releases/<AGENCY>/<night>.json``."""
    return f"{RELEASES_DIR}/{agency}/{night_slug(night)}.json"


def record_file_name(ocid: str) -> str:
    """The record file's name: the OCID, with every character but letters, digits and ``-._~``
    percent-encoded (UTF-8), so that any OCID makes one safe file name."""
    return urllib.parse.quote(ocid, safe=SAFE) + ".json"


def record_path(ocid: str) -> str:
    """A process's record package: ``records/<OCID>.json``."""
    return f"{RECORDS_DIR}/{record_file_name(ocid)}"


def url_of(config: Config, path: str) -> str:
    """The URL of a published file (a ``%`` in a file name is itself encoded, as ``%25``)."""
    return url_for(config.base_url, path)


def url_for(base_url: str, path: str) -> str:
    """``base_url`` (ending with ``/``) and a path of the publication → the file's URL."""
    return base_url + urllib.parse.quote(path, safe="/" + SAFE)


def feed_path(agency: str) -> str:
    return f"{FEEDS_DIR}/{agency}.atom"


def bulk_path(kind: str, name: str) -> str:
    """``bulk/<kind>/<name>.jsonl.gz`` (kind: ``compiled-releases``, ``releases``; name: ``full`` or a year),
    or ``bulk/records.json.gz`` (one record package with every record)."""
    return f"{BULK_DIR}/records.json.gz" if kind == "records" else f"{BULK_DIR}/{kind}/{name}.jsonl.gz"


def download_path(name: str, suffix: str) -> str:
    """``downloads/<name>.csv.zip`` or ``downloads/<name>.xlsx`` (name: ``full``, a year, ``<year>-<n>``)."""
    return f"{DOWNLOADS_DIR}/{name}{suffix}"

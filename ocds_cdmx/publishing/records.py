"""One process's published outputs, made from its releases in the store: its record package (linked
releases, compiled and versioned release, as ``ocdskit compile --package --linked-releases --versioned``
makes them from the night packages), its line in the bulk files, and its rows in the downloads.

This runs in worker processes, a batch of OCIDs at a time; what it returns is kept in the output's
cache until one of the process's releases changes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import marshal
import re
import zlib
from typing import Any

from ..io.scratch import RELEASE, Item
from ..merging.compile import Rules
from ..merging.records import RecordMerger
from .downloads import csv_rows, xml_rows
from .layout import record_path, url_for
from .tables import rows_of

GZIP_LEVEL = 6
_YEAR = re.compile(r"^\d{4}")
DUMPS = {"ensure_ascii": False, "separators": (",", ":")}


def gz(text: str) -> bytes:
    """A gzip member of ``text`` (no name, no time: the same text gives the same bytes)."""
    return gzip.compress(text.encode("utf-8"), compresslevel=GZIP_LEVEL, mtime=0)


def year_of(date: Any) -> str:
    """The year of a date (``undated`` when there is none), as the Data Registry splits its bulk files."""
    return date[:4] if isinstance(date, str) and _YEAR.match(date) else "undated"


_STATE: dict[str, Any] = {}


def init_worker(rules: Rules, publication: dict) -> None:
    """Set up a worker: the merge rules and what the configuration says of the published files."""
    _STATE["merger"] = RecordMerger(rules, versioned=True, linked=True, ascii_only=False, max_locations=10)
    _STATE["publication"] = publication


def record_batch(batch: list[tuple]) -> list[dict]:
    """The outputs of a batch of processes ``(ocid, agency, version, rows)`` (see :func:`record_outputs`)."""
    return [record_outputs(*task) for task in batch]


def record_outputs(ocid: str, agency: str, version: str, rows: list[tuple]) -> dict:
    """``rows`` are ``(night, package uri, package extensions, release text)`` in order of publication."""
    merger: RecordMerger = _STATE["merger"]
    publication = _STATE["publication"]
    merger.reset()
    items = [Item(RELEASE, uri, uri, json.loads(text)) for _, uri, _, text in rows]
    record = merger.record(ocid, items)
    if record is None:  # the store's releases are valid: this would be a bug, said plainly
        raise ValueError(f"{ocid}: its releases cannot be merged: {merger.findings.groups}")
    extensions: dict[str, None] = {}
    for _, _, declared, _ in rows:
        extensions.update(dict.fromkeys(declared))
    package: dict[str, Any] = {
        "uri": url_for(publication["base_url"], record_path(ocid)),
        "publisher": publication["publisher"],
        "publishedDate": max(night for night, _, _, _ in rows),
    }
    for key in ("license", "publicationPolicy"):
        if publication.get(key):
            package[key] = publication[key]
    package["version"] = "1.1"
    if extensions:
        package["extensions"] = list(extensions)
    package["packages"] = list(dict.fromkeys(uri for _, uri, _, _ in rows))
    head = json.dumps(package, **DUMPS)
    prefix = head[:-1] + ',"records":['
    record_text = json.dumps(record, **DUMPS)
    data = (prefix + record_text + "]}\n").encode("utf-8")
    compiled = record["compiledRelease"]
    dates = [r.get("date") for r in record["releases"] if isinstance(r.get("date"), str)]
    url = package["uri"]
    tables = rows_of(compiled, agency, url)
    return {
        "ocid": ocid,
        "version": version,
        "agency": agency,
        "year": year_of(compiled.get("date")),
        "releases": len(record["releases"]),
        "first_date": min(dates) if dates else None,
        "last_date": max(dates) if dates else None,
        "compiled_date": compiled.get("date"),
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "prefix": prefix,
        # The record as it follows another in the bulk record package.
        "record_gz": gz("," + record_text),
        "compiled_gz": gz(json.dumps(compiled, **DUMPS) + "\n"),
        "rows": zlib.compress(marshal.dumps(([xml_rows(t) for t in tables], [csv_rows(t) for t in tables])), 1),
        "counts": [len(t) for t in tables],
    }


def record_text(record_gz: bytes) -> str:
    """A record's JSON text from its cached gzip member."""
    return gzip.decompress(record_gz).decode("utf-8")[1:]


def record_file(prefix: str, record_gz: bytes) -> bytes:
    """A record package's bytes from its cached parts."""
    return (prefix + record_text(record_gz) + "]}\n").encode("utf-8")


def load_rows(blob: bytes) -> tuple[list[bytes], list[bytes]]:
    """A process's rows in the downloads: (XLSX fragments, CSV fragments), one per table."""
    return marshal.loads(zlib.decompress(blob))

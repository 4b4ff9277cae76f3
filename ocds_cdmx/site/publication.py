"""The directory ``cdmx publish`` writes, as the site reads it: the one place that knows its layout.

The layout is guessed from issue 11 while ``cdmx publish`` is being written; when its file names are
fixed, align :data:`LAYOUT` and :func:`_kind` here and nothing else changes. What is read:

- ``manifest.json``: ``files`` (each with ``path``, ``size``, ``sha256`` and, where given, ``kind``,
  ``ocid``, ``count``/``releases``/``records``, ``firstDate``/``lastDate`` or ``dateRange``, ``agency``,
  ``year``), ``publisher``, ``license``, ``publicationPolicy``, ``publishedDate``, ``versions``
  (``toolkit``, ``ocds``), ``agencies`` (key → name or {name, …}) and the night's ``changes`` per
  agency (new, updated, unchanged, failed);
- one record package per process (linked releases, ``compiledRelease``, ``versionedRelease``) under
  ``records/``: the SHA-256 the manifest gives for each is its content hash, so an unchanged process
  is not even read;
- without per-process files, the bulk record file (``records.jsonl.gz``, ``records.json``…).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from .sources import Download, PublicationInfo, RecordInput, RecordsFile, modified, sha256_file

LAYOUT = {
    "manifest": "manifest.json",
    #: Folders whose .json files are one process's record package each.
    "record_dirs": ("records", "registros"),
    #: Bulk files of every record, tried in this order when there are no per-process files.
    "bulk_records": (
        "records.jsonl.gz",
        "records.jsonl",
        "records.json.gz",
        "records.json",
        "bulk/records.jsonl.gz",
        "bulk/records.json",
    ),
}


def _kind(path: str) -> str:
    """What a file of the publication is, from its name (when the manifest does not say)."""
    name = path.rsplit("/", 1)[-1].lower()
    first = path.split("/", 1)[0].lower()
    if name == LAYOUT["manifest"]:
        return "manifest"
    if first in LAYOUT["record_dirs"] and name.endswith(".json"):
        return "record"
    if name.endswith((".atom", ".xml")):
        return "feed"
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith((".csv", ".csv.zip", ".zip")):
        return "csv"
    if "compiled" in name:
        return "compiled"
    if "record" in name:
        return "records"
    if "release" in name or first in ("releases", "entregas", "packages"):
        return "releases"
    return "other"


def _first(entry: dict, *keys: str) -> Any:
    for key in keys:
        if entry.get(key) not in (None, ""):
            return entry[key]
    return None


class PublicationDir:
    """A publication directory (see the module's docstring)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.manifest: dict = {}
        path = self.root / LAYOUT["manifest"]
        if path.is_file():
            try:
                self.manifest = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as e:
                raise InputError("cannot_open", str(path), detail=str(e)) from None
            if not isinstance(self.manifest, dict):
                raise InputError("cannot_open", str(path), detail="the manifest is not a JSON object")
        self.info = self._info()
        self._bulk: RecordsFile | None = None

    def _info(self) -> PublicationInfo:
        m = self.manifest
        versions = m.get("versions") if isinstance(m.get("versions"), dict) else {}
        agencies: dict[str, str] = {}
        raw = m.get("agencies")
        if isinstance(raw, dict):
            for key, value in raw.items():
                agencies[str(key)] = str(value.get("name", key)) if isinstance(value, dict) else str(value)
        elif isinstance(raw, list):
            for value in raw:
                if isinstance(value, dict) and value.get("key"):
                    agencies[str(value["key"])] = str(value.get("name") or value["key"])
        night = m.get("night") if isinstance(m.get("night"), dict) else {}
        changes = m.get("changes") or night.get("changes") or {}
        return PublicationInfo(
            publisher=m.get("publisher") if isinstance(m.get("publisher"), dict) else {},
            license=str(m.get("license") or ""),
            publication_policy=str(m.get("publicationPolicy") or ""),
            published_date=str(m.get("publishedDate") or m.get("generated") or ""),
            ocds_version=str(versions.get("ocds") or m.get("version") or "1.1"),
            toolkit_version=str(versions.get("toolkit") or versions.get("ocds-cdmx") or ""),
            agencies=agencies,
            changes=changes if isinstance(changes, dict) else {},
            night=str(night.get("date") or ""),
        )

    def _entries(self) -> list[dict]:
        """The manifest's files, or (without a manifest) every file under the root."""
        files = self.manifest.get("files")
        if isinstance(files, dict):  # {path: {...}}
            files = [{"path": path, **(meta if isinstance(meta, dict) else {})} for path, meta in files.items()]
        if isinstance(files, list):
            return [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
        found = []
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                found.append({"path": path.relative_to(self.root).as_posix()})
        return found

    def records(self) -> Iterator[RecordInput]:
        entries = [e for e in self._entries() if (e.get("kind") or _kind(e["path"])) == "record"]
        if entries:
            for entry in entries:
                path = self.root / entry["path"]
                if not path.is_file():
                    raise InputError("cannot_open", str(path), detail="listed in the manifest but missing")
                digest = entry.get("sha256") or sha256_file(path)
                yield RecordInput(ocid=str(entry.get("ocid") or ""), digest=digest, path=str(path), url=entry["path"])
            return
        for name in LAYOUT["bulk_records"]:
            if (self.root / name).is_file():
                self._bulk = RecordsFile(self.root / name)
                yield from self._bulk.records()
                return
        raise InputError(
            "site_no_records", str(self.root), expected=", ".join([*LAYOUT["record_dirs"], *LAYOUT["bulk_records"]])
        )

    def downloads(self) -> list[Download]:
        found = []
        for entry in self._entries():
            kind = str(entry.get("kind") or _kind(entry["path"]))
            if kind == "record":  # one per process: linked from the process's page
                continue
            path = self.root / entry["path"]
            if not path.is_file():
                continue
            size = entry.get("size")
            date_range = entry.get("dateRange") if isinstance(entry.get("dateRange"), dict) else {}
            found.append(
                Download(
                    path=entry["path"],
                    size=int(size) if isinstance(size, int) else path.stat().st_size,
                    sha256=str(entry.get("sha256") or sha256_file(path)),
                    modified=str(entry.get("modified") or modified(path)),
                    kind=kind,
                    count=_first(entry, "count", "releases", "records", "rows"),
                    first_date=str(_first(entry, "firstDate", "first_date") or date_range.get("from") or ""),
                    last_date=str(_first(entry, "lastDate", "last_date") or date_range.get("to") or ""),
                    agency=str(entry.get("agency") or ""),
                    year=str(entry.get("year") or ""),
                )
            )
        return found

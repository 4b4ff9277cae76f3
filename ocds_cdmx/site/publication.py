"""The directory ``cdmx publish`` writes, as the site reads it: the one place that knows its layout.

The layout is :mod:`ocds_cdmx.publishing.layout` (version ``layout`` 1 of ``manifest.json``); this
module reads only what the manifest says, so that a publication served from elsewhere, or copied,
reads the same. What is read:

- the manifest's head: ``publisher``, ``license``, ``publicationPolicy``, ``generated`` (the last
  night), ``toolkit``, ``ocds``, ``counts``, ``date_range`` and ``agencies`` (key → name, counts,
  feed, ``last_publication`` — the counts of its last night that published — and ``status``);
- ``files``: every published file but the records, each with ``kind``, ``size``, ``sha256`` and what
  it holds (``count``, ``first_date``/``last_date``, ``agency``, ``night``, ``year``, ``sheets``):
  the downloads page;
- ``records``: one record package per process (``records/<OCID>.json``), each with its ``ocid``,
  ``agency`` and ``sha256``. The SHA-256 is the record's content hash, so a nightly rebuild does not
  even open the file of a process that did not change. The entries are read as a stream (the
  manifest of 100,000 processes is never held in memory).

Without a ``records`` section (another tool's folder), the bulk record package
(``bulk/records.json.gz``) is read, or else every ``records/*.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core.errors import CdmxError, InputError
from ..io.jsonin import iter_documents
from .sources import Download, PublicationInfo, RecordInput, RecordsFile, modified, sha256_file

MANIFEST = "manifest.json"
RECORDS_DIR = "records"
BULK_RECORDS = "bulk/records.json.gz"
#: The manifest's ``kind`` of each file → the site's (see :class:`~ocds_cdmx.site.sources.Download`).
KINDS = {
    "release-package": "releases",
    "bulk-releases": "bulk-releases",
    "bulk-compiled-releases": "compiled",
    "bulk-records": "records",
    "download-csv": "csv",
    "download-xlsx": "xlsx",
    "feed": "feed",
    "manifest": "manifest",
}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class PublicationDir:
    """A publication directory (see the module's docstring)."""

    def __init__(self, root: str | os.PathLike) -> None:
        # Not resolved: ``cdmx publish`` makes its output a symbolic link switched to each night's
        # build, and the site's links must follow the link, not the build it points at tonight.
        self.root = Path(os.path.abspath(root))
        self.path = self.root / MANIFEST
        self.manifest: dict = {}
        self.files: list[dict] = []
        self.has_records = False
        #: Where the record entries start when the manifest has one per line (as cdmx publish writes it).
        self.records_at: int | None = None
        if self.path.is_file() and not self._read_lines_head():
            self._read_head()
        self.info = self._info()

    def _documents(self) -> Iterator[Any]:
        try:
            yield from iter_documents(str(self.path), "utf-8")
        except CdmxError:
            raise
        except (OSError, ValueError) as e:
            raise InputError("cannot_open", str(self.path), detail=str(e)) from None

    def _read_lines_head(self) -> bool:
        """The head of a manifest laid out as ``cdmx publish`` writes it (everything before a line
        ``"records": [``, then one record entry per line), read without parsing the records: whether
        the manifest has that shape."""
        try:
            with open(self.path, "rb") as f:
                head = []
                for line in f:
                    if line.strip() == b'"records": [':
                        self.records_at = f.tell()
                        break
                    head.append(line)
                else:
                    return False
        except OSError as e:
            raise InputError("cannot_open", str(self.path), detail=str(e)) from None
        try:
            value = json.loads(b"".join(head).rstrip().rstrip(b",") + b"}")
        except ValueError:
            return False
        if not isinstance(value, dict) or "files" not in value:
            return False
        self.manifest = value
        self.has_records = True
        files = value.get("files")
        self.files = (
            [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
            if isinstance(files, list)
            else []
        )
        return True

    def _line_entries(self) -> Iterator[dict] | None:
        """The record entries, one per line; None if the first one is not a whole line (a manifest
        formatted otherwise: then it is read as JSON, as a stream)."""
        assert self.records_at is not None
        f = open(self.path, "rb")  # noqa: SIM115 - closed by the generator
        f.seek(self.records_at)
        first = f.readline()
        while first and not first.strip():
            first = f.readline()
        text = first.strip()
        if text.startswith(b"]"):
            f.close()
            return iter(())
        try:
            entry = json.loads(text.lstrip(b",").rstrip(b","))
        except ValueError:
            f.close()
            return None

        def entries() -> Iterator[dict]:
            with f:
                yield entry
                for number, line in enumerate(f, 2):
                    text = line.strip()
                    if not text:
                        continue
                    if text.startswith(b"]"):
                        return
                    try:
                        yield json.loads(text.lstrip(b",").rstrip(b","))
                    except ValueError as e:
                        where = f"{self.path}, record entry {number}"
                        raise InputError("cannot_open", where, detail=str(e)) from None

        return entries()

    def _entries(self) -> Iterator[dict]:
        """The manifest's record entries, as a stream."""
        if self.records_at is not None:
            lines = self._line_entries()
            if lines is not None:
                yield from lines
                return
        for doc in self._documents():
            for key, _, entry in doc.items:
                if key == "records":
                    yield entry
            return

    def _read_head(self) -> None:
        """Everything but the records (read later, one at a time): the reader stops at the first one."""
        documents = self._documents()
        doc = next(documents, None)
        if doc is None or doc.shape not in ("object", "package"):
            raise InputError("cannot_open", str(self.path), detail="the manifest is not a JSON object")
        self.has_records = doc.item_key == "records"
        self.manifest = {k: v for k, v in doc.metadata.items() if k != "records"}
        documents.close()
        files = self.manifest.get("files")
        self.files = (
            [f for f in files if isinstance(f, dict) and isinstance(f.get("path"), str)]
            if isinstance(files, list)
            else []
        )

    def _info(self) -> PublicationInfo:
        m = self.manifest
        ocds = m.get("ocds") if isinstance(m.get("ocds"), dict) else {}
        toolkit = m.get("toolkit") if isinstance(m.get("toolkit"), dict) else {}
        agencies: dict[str, str] = {}
        changes: dict[str, dict] = {}
        details: dict[str, dict] = {}
        raw = m.get("agencies") if isinstance(m.get("agencies"), dict) else {}
        for key, value in raw.items():
            value = value if isinstance(value, dict) else {"name": value}
            name = _text(value.get("name")) or str(key)
            agencies[str(key)] = name
            last = value.get("last_publication") if isinstance(value.get("last_publication"), dict) else {}
            failed = value.get("status") == "failed"
            changes[str(key)] = {
                "name": name,
                "night": _text(last.get("night")),
                "new": int(last.get("new") or 0),
                "updated": int(last.get("updated") or 0),
                "unchanged": int(last.get("unchanged") or 0),
                "vanished": int(last.get("vanished") or 0),
                "releases": int(last.get("releases") or 0),
                "failed": failed,
                "failed_since": _text(value.get("failed_since")) if failed else "",
            }
            details[str(key)] = {
                "name": name,
                "processes": value.get("processes") if isinstance(value.get("processes"), int) else None,
                "releases": value.get("releases") if isinstance(value.get("releases"), int) else None,
                "first_date": _text(value.get("first_date")),
                "last_date": _text(value.get("last_date")),
                "feed": _text(value.get("feed")),
                "changes": changes[str(key)],
            }
        return PublicationInfo(
            publisher=m.get("publisher") if isinstance(m.get("publisher"), dict) else {},
            license=_text(m.get("license")),
            publication_policy=_text(m.get("publicationPolicy")),
            published_date=_text(m.get("generated")),
            ocds_version=_text(ocds.get("version")) or "1.1",
            toolkit_version=_text(toolkit.get("version")),
            agencies=agencies,
            changes=changes,
            night=_text(m.get("generated")),
            agency_details=details,
        )

    def records(self) -> Iterator[RecordInput]:
        if self.has_records:
            root = str(self.root) + os.sep  # strings, not Paths: 100,000 of them each night
            for entry in self._entries():
                if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                    continue
                path = root + entry["path"]
                digest = entry.get("sha256")
                if not isinstance(digest, str) or not digest:
                    if not os.path.isfile(path):
                        raise InputError("cannot_open", path, detail="listed in the manifest but missing")
                    digest = sha256_file(path)
                yield RecordInput(
                    ocid=_text(entry.get("ocid")),
                    digest=digest,
                    path=path,
                    url=entry["path"],
                    agency=_text(entry.get("agency")),
                )
            return
        if (self.root / BULK_RECORDS).is_file():
            yield from RecordsFile(self.root / BULK_RECORDS).records()
            return
        folder = self.root / RECORDS_DIR
        paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not paths:
            raise InputError("site_no_records", str(self.root), expected=f"{MANIFEST}, {BULK_RECORDS}, {RECORDS_DIR}/")
        for path in paths:
            relative = path.relative_to(self.root).as_posix()
            yield RecordInput(ocid="", digest=sha256_file(path), path=str(path), url=relative)

    def downloads(self) -> list[Download]:
        found = []
        generated = _text(self.manifest.get("generated"))
        for entry in self.files:
            path = self.root / entry["path"]
            if not path.is_file():
                continue  # listed but not served here: no broken link
            size = entry.get("size")
            count = entry.get("count")
            sheets = entry.get("sheets") if isinstance(entry.get("sheets"), dict) else {}
            found.append(
                Download(
                    path=entry["path"],
                    size=size if isinstance(size, int) else path.stat().st_size,
                    sha256=_text(entry.get("sha256")) or sha256_file(path),
                    # A night's package is dated by its night; the others by when their content was
                    # last written (an unchanged file is carried over from build to build as it is).
                    modified=_text(entry.get("night")) or modified(path),
                    kind=KINDS.get(_text(entry.get("kind")), "other"),
                    count=count if isinstance(count, int) else None,
                    first_date=_text(entry.get("first_date")),
                    last_date=_text(entry.get("last_date")),
                    agency=_text(entry.get("agency")),
                    year=_text(entry.get("year")),
                    sheets=tuple((str(k), int(v)) for k, v in sheets.items() if isinstance(v, int)),
                    media_type=_text(entry.get("media_type")),
                )
            )
        if self.path.is_file():  # the manifest cannot list its own checksum
            found.append(
                Download(
                    path=MANIFEST,
                    size=self.path.stat().st_size,
                    sha256=sha256_file(self.path),
                    modified=generated or modified(self.path),
                    kind="manifest",
                    count=self.manifest.get("counts", {}).get("processes")
                    if isinstance(self.manifest.get("counts"), dict)
                    else None,
                    first_date=_text((self.manifest.get("date_range") or {}).get("first"))
                    if isinstance(self.manifest.get("date_range"), dict)
                    else "",
                    last_date=_text((self.manifest.get("date_range") or {}).get("last"))
                    if isinstance(self.manifest.get("date_range"), dict)
                    else "",
                    media_type="application/json",
                )
            )
        return found

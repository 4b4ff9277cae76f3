"""What the site is built from: a small reader interface and the reader of record files.

A :class:`Source` gives the records (each with a content hash, so that a nightly rebuild skips the
processes whose record did not change), what is known of the publication (publisher, licence, the
night's changes) and the files people can download, with their metadata. Two sources exist:
:class:`RecordsFile` (a record package or JSON Lines of records, as ``cdmx merge --versioned``
writes) and :class:`~ocds_cdmx.site.publication.PublicationDir` (what ``cdmx publish`` writes, read
through its manifest; the layout is known in that one module). :func:`open_source` chooses.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ..core.errors import InputError
from ..io.jsonin import iter_documents, open_text


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One process's record, not yet read: its JSON text, or a file that holds it."""

    ocid: str
    #: Changes exactly when the record does (a SHA-256 of its bytes).
    digest: str
    text: str | None = None
    #: A file holding a record package with this record (or the bare record).
    path: str | None = None
    #: Where the record is published, relative to the publication's root (None: the site writes it).
    url: str | None = None
    #: The publishing agency's key, when the publication says (``cdmx publish``'s configuration).
    agency: str = ""


@dataclass(frozen=True, slots=True)
class Download:
    """A file of the publication that people can download."""

    #: Relative to the publication's root, with ``/``.
    path: str
    size: int
    sha256: str
    #: When it was written (ISO 8601), if known.
    modified: str = ""
    #: ``records``, ``releases`` (one night's package), ``bulk-releases``, ``compiled``, ``csv``, ``xlsx``,
    #: ``feed``, ``manifest``, ``other``.
    kind: str = "other"
    #: What it holds, in the publication's words (counts, date range, agency, year, format).
    count: int | None = None
    first_date: str = ""
    last_date: str = ""
    agency: str = ""
    year: str = ""
    #: The tables of a spreadsheet download and their rows: ``(("procesos", 14), …)``.
    sheets: tuple[tuple[str, int], ...] = ()
    media_type: str = ""


@dataclass(slots=True)
class PublicationInfo:
    """What the site says about the publication as a whole."""

    publisher: dict = field(default_factory=dict)
    license: str = ""
    publication_policy: str = ""
    published_date: str = ""
    ocds_version: str = "1.1"
    toolkit_version: str = ""
    #: Agency key → name, as the publication names them (may be empty: the buyers name them then).
    agencies: dict[str, str] = field(default_factory=dict)
    #: The last night's changes per agency: key → {"new": n, "updated": n, "unchanged": n, "failed": n}.
    changes: dict[str, dict] = field(default_factory=dict)
    night: str = ""
    #: Agency key → what the publication says of it: name, processes, releases, first_date,
    #: last_date, feed (a path of the publication), changes (its entry of ``changes``).
    agency_details: dict[str, dict] = field(default_factory=dict)


class Source(Protocol):
    """What :func:`ocds_cdmx.site.build_site` reads."""

    #: The folder the downloads' paths are relative to.
    root: Path
    info: PublicationInfo

    def records(self) -> Iterator[RecordInput]:
        """Every process's record, each once."""
        ...

    def downloads(self) -> list[Download]:
        """The files of the publication, for the downloads page."""
        ...


def sha256_file(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def modified(path: str | os.PathLike) -> str:
    return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).isoformat(timespec="seconds")


class RecordsFile:
    """Records from a record package, JSON Lines of records or concatenated records (gzip too), as
    ``cdmx merge [--versioned]`` writes them."""

    def __init__(self, path: str | os.PathLike, encoding: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("cannot_open", str(path), detail="not a file")
        self.root = self.path.parent
        self.encoding = encoding
        self.info = PublicationInfo()

    def records(self) -> Iterator[RecordInput]:
        if self._json_lines():
            yield from self._lines()
            return
        for doc in iter_documents(str(self.path), self.encoding):
            if doc.shape == "package" and doc.item_key == "records":
                self._package_info(doc.metadata)
            for key, _, value in doc.items:
                if key == "releases" or not isinstance(value, dict):
                    continue  # a release package, not records: nothing for the site
                if "compiledRelease" not in value and "releases" not in value:
                    continue
                text = doc.item_text() if key == "records" else json.dumps(value, ensure_ascii=False)
                yield self._input(value, text)

    def _input(self, value: dict, text: str) -> RecordInput:
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        ocid = value.get("ocid") or (value.get("compiledRelease") or {}).get("ocid") or ""
        return RecordInput(ocid=str(ocid), digest=digest, text=text)

    def _json_lines(self) -> bool:
        """Whether the file holds one record per line (``cdmx merge --format jsonl``): its first line is
        a whole record. (The general reader would take each line for a package of its releases.)"""
        with open_text(self.path, self.encoding) as text:
            first = text.readline().strip()
        try:
            value = json.loads(first)
        except ValueError:
            return False
        return isinstance(value, dict) and "records" not in value and ("compiledRelease" in value or "ocid" in value)

    def _lines(self) -> Iterator[RecordInput]:
        with open_text(self.path, self.encoding) as text:
            for number, line in enumerate(text, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    value = json.loads(line)
                except ValueError as e:
                    raise InputError("cannot_open", f"{self.path}, line {number}", detail=str(e)) from None
                if isinstance(value, dict):
                    yield self._input(value, line)

    def _package_info(self, metadata: dict) -> None:
        info = self.info
        info.publisher = metadata.get("publisher") if isinstance(metadata.get("publisher"), dict) else {}
        info.license = str(metadata.get("license") or "")
        info.publication_policy = str(metadata.get("publicationPolicy") or "")
        info.published_date = str(metadata.get("publishedDate") or "")
        info.ocds_version = str(metadata.get("version") or "1.1")

    def downloads(self) -> list[Download]:
        return [
            Download(
                path=self.path.name,
                size=self.path.stat().st_size,
                sha256=sha256_file(self.path),
                modified=modified(self.path),
                kind="records",
            )
        ]


def open_source(path: str | os.PathLike, encoding: str | None = None) -> Source:
    """A directory written by ``cdmx publish``, or a file of records."""
    from .publication import PublicationDir

    target = Path(path)
    if target.is_dir():
        return PublicationDir(target)
    if not target.exists():
        raise InputError("cannot_open", str(path), detail="no such file or directory")
    return RecordsFile(target, encoding)

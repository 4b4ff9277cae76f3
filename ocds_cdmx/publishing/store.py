"""The store: every release ever published, append-only, with its agency, night and content hash.

Two backends behind one class: SQLite (a file, the default: nothing to install) and PostgreSQL
(``postgresql://…``, through psycopg 3, for a shared publishing server where agencies publish from their
own machines). The SQL is the same for both but for the placeholders and the column types.

Tables:

- ``releases``: one row per release (``seq`` its order of publication, ``agency``, ``night``, ``ocid``,
  ``release_id``, ``date``, ``hash`` of its content, ``data`` its JSON text as published); rows are only
  ever inserted;
- ``processes``: per OCID, the agency that publishes it, the hash of the state last published (what the
  night compares with), the latest release date and the number of releases;
- ``fingerprints``: per OCID, the fingerprint of the rows that build the state last published
  (:class:`~ocds_cdmx.conversion.Incremental`): a night skips building the processes whose rows it
  finds again. Only a cache: a process without one is built, and nothing published depends on it;
- ``nights``: per agency and night, its ``state`` (``open`` while it runs, ``stored`` once its releases
  are in, ``done`` once the publication has been built from them), ``status`` (``published``,
  ``unchanged`` or ``failed``), the night package's metadata, a summary (counts, problems) and
  ``position``, the order in which nights were stored (the order of the release packages in bulk files).

A night's releases, its processes and its ``stored`` state are written in one transaction: a run that
is killed either stored the whole night or nothing of it. Runs for one agency exclude each other: a
PostgreSQL session advisory lock, or an exclusive lock on a file beside the SQLite file; the operating
system or the server drops either when the process dies, so a crashed run never leaves one behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..core.errors import StoreError
from .locks import FileLock, LockBusy

SCHEMA_VERSION = "1"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS releases (
    seq {serial},
    agency TEXT NOT NULL,
    night TEXT NOT NULL,
    ocid TEXT {collate} NOT NULL,
    release_id TEXT NOT NULL,
    date TEXT NOT NULL,
    hash TEXT NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (ocid, release_id)
);
CREATE INDEX IF NOT EXISTS releases_by_ocid ON releases (ocid, seq);
CREATE INDEX IF NOT EXISTS releases_by_night ON releases (agency, night, seq);
CREATE TABLE IF NOT EXISTS processes (
    ocid TEXT {collate} PRIMARY KEY,
    agency TEXT NOT NULL,
    state TEXT NOT NULL,
    last_date TEXT NOT NULL,
    releases INTEGER NOT NULL,
    first_night TEXT NOT NULL,
    last_night TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS processes_by_agency ON processes (agency, ocid);
CREATE TABLE IF NOT EXISTS fingerprints (
    ocid TEXT {collate} PRIMARY KEY,
    agency TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS fingerprints_by_agency ON fingerprints (agency, ocid);
CREATE TABLE IF NOT EXISTS nights (
    agency TEXT NOT NULL,
    night TEXT NOT NULL,
    state TEXT NOT NULL,
    status TEXT,
    position INTEGER,
    package TEXT,
    summary TEXT,
    PRIMARY KEY (agency, night)
);
"""


def is_postgresql(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL server rather than a SQLite file."""
    return url.startswith(("postgresql://", "postgres://"))


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"
    return url


class Store:
    """The store of published releases (see the module's documentation). Use :meth:`open`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgresql = is_postgresql(url)
        self.db: Any = None
        self._locks: dict[str, Any] = {}

    # -- connection ----------------------------------------------------------------------------------
    @classmethod
    def open(cls, url: str, *, create: bool = True) -> Store:
        """Open (and, unless ``create`` is false, create) the store; a :class:`StoreError` says why not."""
        store = cls(url)
        try:
            if store.postgresql:
                store._open_postgresql()
            else:
                store._open_sqlite(create)
            store._create()
        except StoreError:
            store.close()
            raise
        except Exception as e:  # the driver's errors: a server that does not answer, a bad file
            store.close()
            raise StoreError("store_unavailable", _safe_url(url), detail=_first_line(e)) from None
        return store

    def _open_sqlite(self, create: bool) -> None:
        path = Path(self.url)
        if not create and not path.exists():
            raise StoreError("store_missing", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, timeout=600)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")

    def _open_postgresql(self) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError("store_no_driver", _safe_url(self.url)) from None
        self.db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)

    def _create(self) -> None:
        serial = "BIGSERIAL PRIMARY KEY" if self.postgresql else "INTEGER PRIMARY KEY AUTOINCREMENT"
        collate = 'COLLATE "C"' if self.postgresql else ""
        statements = [s for s in _TABLES.format(serial=serial, collate=collate).split(";") if s.strip()]
        with self.transaction():
            if self.postgresql:
                # Two runs creating the tables at once would collide on the catalog.
                self.execute("SELECT pg_advisory_xact_lock(?)", (_lock_key("schema"),))
            for statement in statements:
                self.execute(statement)
            self.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO NOTHING", (SCHEMA_VERSION,)
            )

    def close(self) -> None:
        for lock in list(self._locks.values()):
            with contextlib.suppress(Exception):
                lock.release()
        self._locks.clear()
        if self.db is not None:
            with contextlib.suppress(Exception):
                self.db.close()
            self.db = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- SQL -----------------------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.postgresql else sql

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        try:
            return self.db.execute(self._sql(sql), params)
        except StoreError:
            raise
        except Exception as e:
            raise StoreError("store_failed", _safe_url(self.url), detail=_first_line(e)) from None

    def executemany(self, sql: str, rows: Iterable[tuple]) -> None:
        try:
            if self.postgresql:
                with self.db.cursor() as cursor:
                    cursor.executemany(self._sql(sql), list(rows))
            else:
                self.db.executemany(sql, rows)
        except Exception as e:
            raise StoreError("store_failed", _safe_url(self.url), detail=_first_line(e)) from None

    def rows(self, sql: str, params: tuple | list = ()) -> Iterator[tuple]:
        """The rows of a query, streamed (a server-side stream on PostgreSQL)."""
        try:
            if self.postgresql:
                # A second connection: the stream must not hold this one while it writes.
                import psycopg

                with psycopg.connect(self.url, autocommit=True) as reader, reader.cursor() as cursor:
                    yield from cursor.stream(self._sql(sql), params)
            else:
                reader = sqlite3.connect(self.url, timeout=600)
                try:
                    yield from reader.execute(sql, params)
                finally:
                    reader.close()
        except StoreError:
            raise
        except GeneratorExit:
            raise
        except Exception as e:
            raise StoreError("store_failed", _safe_url(self.url), detail=_first_line(e)) from None

    def one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        return self.execute(sql, params).fetchone()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        self.execute("BEGIN" if self.postgresql else "BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self.db.execute("ROLLBACK")
            raise
        self.execute("COMMIT")

    # -- locks ---------------------------------------------------------------------------------------
    def lock_agency(self, agency: str) -> None:
        """Take the agency's lock, or raise :class:`LockBusy` when another run holds it."""
        if agency in self._locks:
            return
        if self.postgresql:
            lock = _AdvisoryLock(self.url, _lock_key(f"agency:{agency}"))
        else:
            lock = FileLock(Path(f"{self.url}.locks") / f"{_file_key(agency)}.lock")
        lock.acquire()
        self._locks[agency] = lock

    def unlock_agency(self, agency: str) -> None:
        lock = self._locks.pop(agency, None)
        if lock is not None:
            lock.release()

    # -- nights --------------------------------------------------------------------------------------
    def unfinished_night(self, agency: str) -> tuple[str, str] | None:
        """The agency's night that has not been published yet, ``(night, state)``, if any."""
        row = self.one(
            "SELECT night, state FROM nights WHERE agency = ? AND state IN ('open', 'stored') ORDER BY night LIMIT 1",
            (agency,),
        )
        return (row[0], row[1]) if row else None

    def night_exists(self, agency: str, night: str) -> bool:
        return self.one("SELECT 1 FROM nights WHERE agency = ? AND night = ?", (agency, night)) is not None

    def open_night(self, agency: str, night: str) -> None:
        """Record that the agency's night has begun (so that an interrupted run resumes it)."""
        with self.transaction():
            self.execute(
                "INSERT INTO nights (agency, night, state) VALUES (?, ?, 'open') ON CONFLICT (agency, night) DO NOTHING",
                (agency, night),
            )

    def latest_night(self, agency: str) -> str | None:
        row = self.one("SELECT MAX(night) FROM nights WHERE agency = ?", (agency,))
        return row[0] if row else None

    def store_night(
        self,
        agency: str,
        night: str,
        status: str,
        package: dict | None,
        releases: Iterable[tuple[str, str, str, str, str]],
        processes: Iterable[tuple],
        summary: dict,
        fingerprints: Iterable[tuple[str, str | None]] = (),
    ) -> None:
        """Store a night in one transaction: its releases ``(ocid, release_id, date, hash, text)``, its
        processes ``(ocid, state, last_date, releases, night)`` (inserted or updated), the fingerprints
        ``(ocid, fingerprint)`` of the rows of its processes (None: forget it), and its state."""
        with self.transaction():
            if self.postgresql:
                # Positions follow the order of commits: one storing night at a time takes the next.
                self.execute("LOCK TABLE nights IN SHARE ROW EXCLUSIVE MODE")
            batch: list[tuple] = []
            for ocid, release_id, date, digest, text in releases:
                batch.append((agency, night, ocid, release_id, date, digest, text))
                if len(batch) >= 1000:
                    self._insert_releases(batch)
                    batch = []
            self._insert_releases(batch)
            self.executemany(
                "INSERT INTO processes (ocid, agency, state, last_date, releases, first_night, last_night) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ocid) DO UPDATE SET state = excluded.state, "
                "last_date = excluded.last_date, releases = processes.releases + excluded.releases, "
                "last_night = excluded.last_night",
                [(ocid, agency, state, date, count, at, at) for ocid, state, date, count, at in processes],
            )
            kept, forgotten = [], []
            for ocid, fingerprint in fingerprints:
                if fingerprint is None:
                    forgotten.append((ocid, agency))
                else:
                    kept.append((ocid, agency, fingerprint))
                if len(kept) + len(forgotten) >= 1000:
                    self._fingerprints(kept, forgotten)
                    kept, forgotten = [], []
            self._fingerprints(kept, forgotten)
            position = self.one("SELECT COALESCE(MAX(position), 0) + 1 FROM nights")[0]
            self.execute(
                "INSERT INTO nights (agency, night, state, status, position, package, summary) "
                "VALUES (?, ?, 'stored', ?, ?, ?, ?) ON CONFLICT (agency, night) DO UPDATE SET state = 'stored', "
                "status = excluded.status, position = excluded.position, package = excluded.package, "
                "summary = excluded.summary",
                (agency, night, status, position, _dumps(package), _dumps(summary)),
            )

    def _fingerprints(self, kept: list[tuple], forgotten: list[tuple]) -> None:
        if kept:
            self.executemany(
                "INSERT INTO fingerprints (ocid, agency, fingerprint) VALUES (?, ?, ?) ON CONFLICT (ocid) "
                "DO UPDATE SET agency = excluded.agency, fingerprint = excluded.fingerprint",
                kept,
            )
        if forgotten:
            self.executemany("DELETE FROM fingerprints WHERE ocid = ? AND agency = ?", forgotten)

    def fingerprints(self, agency: str) -> dict[str, str]:
        """OCID → the fingerprint of the rows that build what the agency last published for it."""
        return dict(self.rows("SELECT ocid, fingerprint FROM fingerprints WHERE agency = ?", (agency,)))

    def _insert_releases(self, batch: list[tuple]) -> None:
        if batch:
            self.executemany(
                "INSERT INTO releases (agency, night, ocid, release_id, date, hash, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                batch,
            )

    def finish_nights(self, nights: Iterable[tuple[str, str]]) -> None:
        """Mark nights as published (their outputs are built)."""
        with self.transaction():
            for agency, night in nights:
                self.execute(
                    "UPDATE nights SET state = 'done' WHERE agency = ? AND night = ? AND state = 'stored'",
                    (agency, night),
                )

    def nights(self) -> list[dict]:
        """Every stored night, in the order they were stored."""
        rows = self.execute(
            "SELECT agency, night, state, status, position, package, summary FROM nights "
            "WHERE state IN ('stored', 'done') ORDER BY position"
        ).fetchall()
        return [
            {
                "agency": agency,
                "night": night,
                "state": state,
                "status": status,
                "position": position,
                "package": json.loads(package) if package else None,
                "summary": json.loads(summary) if summary else {},
            }
            for agency, night, state, status, position, package, summary in rows
        ]

    # -- processes and releases ----------------------------------------------------------------------
    def agency_processes(self, agency: str) -> Iterator[tuple[str, str, str, int]]:
        """``(ocid, state, last_date, releases)`` of the agency's processes, in OCID order."""
        return self.rows(
            "SELECT ocid, state, last_date, releases FROM processes WHERE agency = ? ORDER BY ocid", (agency,)
        )

    def owners(self, ocids: list[str]) -> dict[str, str]:
        """The agency that publishes each of ``ocids`` (those in the store)."""
        owners: dict[str, str] = {}
        for start in range(0, len(ocids), 500):
            chunk = ocids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for ocid, agency in self.execute(f"SELECT ocid, agency FROM processes WHERE ocid IN ({marks})", chunk):
                owners[ocid] = agency
        return owners

    def first_nights(self, ocids: list[str]) -> dict[str, str]:
        """The night each of ``ocids`` was first published."""
        found: dict[str, str] = {}
        for start in range(0, len(ocids), 500):
            chunk = ocids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for ocid, night in self.execute(f"SELECT ocid, first_night FROM processes WHERE ocid IN ({marks})", chunk):
                found[ocid] = night
        return found

    def releases_of(self, ocid: str) -> list[tuple[int, str, str, str]]:
        """``(seq, agency, night, text)`` of the OCID's releases, in order of publication."""
        return self.execute(
            "SELECT seq, agency, night, data FROM releases WHERE ocid = ? ORDER BY seq", (ocid,)
        ).fetchall()

    def all_processes(self) -> Iterator[tuple[str, str, int, int]]:
        """``(ocid, agency, releases, last seq)`` of every process, in OCID order."""
        return self.rows(
            "SELECT p.ocid, p.agency, p.releases, (SELECT MAX(r.seq) FROM releases r WHERE r.ocid = p.ocid) "
            "FROM processes p ORDER BY p.ocid"
        )

    def night_releases(self, agency: str, night: str) -> Iterator[tuple[int, str, str]]:
        """``(seq, date, text)`` of a night's releases, in order of publication."""
        return self.rows(
            "SELECT seq, date, data FROM releases WHERE agency = ? AND night = ? ORDER BY seq", (agency, night)
        )

    def recent_releases(self, agency: str, limit: int) -> list[tuple[str, str, str, str]]:
        """``(night, ocid, release_id, text)`` of the agency's latest releases, newest first."""
        # The latest seqs are found in the index (agency, night, seq) alone: sorting the agency's rows
        # themselves would read every release text it ever published.
        return self.execute(
            "SELECT night, ocid, release_id, data FROM releases WHERE seq IN "
            "(SELECT seq FROM releases WHERE agency = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq DESC",
            (agency, limit),
        ).fetchall()

    def totals(self) -> tuple[int, int]:
        """``(releases, last seq)``: what identifies the set of releases, since rows are only added."""
        count, last = self.one("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM releases")
        return int(count), int(last)

    def dump(self) -> list[tuple]:
        """Every release and night, in order (for tests and for people comparing two stores)."""
        releases = self.execute(
            "SELECT agency, night, ocid, release_id, date, hash, data FROM releases ORDER BY seq"
        ).fetchall()
        nights = self.execute(
            "SELECT agency, night, state, status, position, package, summary FROM nights ORDER BY agency, night"
        ).fetchall()
        processes = self.execute(
            "SELECT ocid, agency, state, last_date, releases, first_night, last_night FROM processes ORDER BY ocid"
        ).fetchall()
        return [tuple(r) for r in releases] + [tuple(n) for n in nights] + [tuple(p) for p in processes]


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _lock_key(name: str) -> int:
    """A 64-bit advisory lock key for ``name`` (signed, as PostgreSQL takes it)."""
    value = int.from_bytes(hashlib.sha256(f"ocds-cdmx:{name}".encode()).digest()[:8], "big")
    return value - (1 << 64) if value >= 1 << 63 else value


def _file_key(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else f"_{ord(c):x}" for c in name)


class _AdvisoryLock:
    """A PostgreSQL session advisory lock on its own connection: the server drops it with the connection."""

    def __init__(self, url: str, key: int) -> None:
        self.url = url
        self.key = key
        self.db: Any = None

    def acquire(self) -> None:
        import psycopg

        try:
            self.db = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            got = self.db.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0]
        except Exception as e:
            raise StoreError("store_unavailable", _safe_url(self.url), detail=_first_line(e)) from None
        if not got:
            self.db.close()
            self.db = None
            raise LockBusy(self.url)

    def release(self) -> None:
        if self.db is not None:
            with contextlib.suppress(Exception):
                self.db.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            with contextlib.suppress(Exception):
                self.db.close()
            self.db = None


def store_location(url: str) -> str:
    """How messages name the store: a path, or the server without its password."""
    return _safe_url(url) if is_postgresql(url) else os.fspath(url)

"""The publication directory, built from the store alone and switched in atomically.

``output`` (the configuration's) is a symbolic link to the current build, ``.<output>.cdmx/builds/<n>``
beside it. A night builds ``n + 1`` next to it, then replaces the link in one ``rename``: a reader sees
the whole of one night or the whole of the next, never half. Files that did not change are hard links to
the previous build's (not written again: same bytes, same inode, same modification time). The build
before the current one is kept, for readers still downloading from it; older ones are removed.

What each process publishes (record file, bulk lines, download rows) is kept in ``.<output>.cdmx/
cache.sqlite`` under the version of its releases (their number and the last one's ``seq``), so a night
merges again only the processes it changed; bulk files are concatenations of per-process gzip members
(a multi-member gzip file is one gzip file, RFC 1952 §2.2), so they are written without compressing the
unchanged ones again. Everything here is a function of the store and the configuration: ``--rebuild``
(no cache, no links) gives the same bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import marshal
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .. import __version__
from ..core.errors import OutputError
from ..io.workers import WorkerPool
from ..merging.compile import rules_from_schema
from ..schema import TAGS, SchemaStore, load_profile
from . import layout
from .config import Config
from .downloads import CsvArchive, SplitWorkbook
from .feeds import feed
from .locks import FileLock
from .night import write_package
from .records import gz, init_worker, load_rows, record_batch, record_file, record_text, year_of
from .store import Store
from .tables import sheet_names, titles

CACHE_VERSION = "4"
BATCH = 200
KEEP_BUILDS = 2


def state_dir(output: str | os.PathLike) -> Path:
    """Where the builds, the cache and the lock of an output live: ``.<name>.cdmx`` beside it."""
    path = Path(output)
    return path.parent / f".{path.name}.cdmx"


class _Hasher:
    """The SHA-256, size and line count of a file being written."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.sha.update(data)
        self.size += len(data)


@dataclass
class _Derived:
    """A file made from many processes (bulk, download): its fingerprint and what goes into it."""

    path: str
    kind: str
    fingerprint: Any = field(default_factory=hashlib.sha256)
    count: int = 0
    first: str | None = None
    last: str | None = None

    def see(self, date: str | None) -> None:
        self.count += 1
        if date:
            self.first = date if self.first is None or date < self.first else self.first
            self.last = date if self.last is None or date > self.last else self.last


class Cache:
    """The output's cache (see the module's documentation)."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, timeout=600)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS processes (
                ocid TEXT PRIMARY KEY, version TEXT NOT NULL, agency TEXT NOT NULL, year TEXT NOT NULL,
                releases INTEGER NOT NULL, first_date TEXT, last_date TEXT, compiled_date TEXT,
                sha256 TEXT NOT NULL, size INTEGER NOT NULL, prefix TEXT NOT NULL,
                record_gz BLOB NOT NULL, compiled_gz BLOB NOT NULL, rows BLOB NOT NULL, counts BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS packages (
                agency TEXT NOT NULL, night TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
                releases INTEGER NOT NULL, first_date TEXT, last_date TEXT, members BLOB NOT NULL,
                PRIMARY KEY (agency, night));
            CREATE TABLE IF NOT EXISTS members (
                agency TEXT NOT NULL, night TEXT NOT NULL, year TEXT NOT NULL, gz BLOB NOT NULL,
                PRIMARY KEY (agency, night, year));
            CREATE TABLE IF NOT EXISTS builds (n INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL);
            """
        )
        row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        if row is None or row[0] != fingerprint:
            # Another configuration or toolkit version: what was kept no longer describes the files.
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM processes")
            self.db.execute("DELETE FROM packages")
            self.db.execute("DELETE FROM members")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
            self.db.execute("COMMIT")

    def versions(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT ocid, version FROM processes"))

    def put_processes(self, outputs: list[dict]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR REPLACE INTO processes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (o["ocid"], o["version"], o["agency"], o["year"], o["releases"], o["first_date"], o["last_date"],
                 o["compiled_date"], o["sha256"], o["size"], o["prefix"], o["record_gz"], o["compiled_gz"],
                 o["rows"], marshal.dumps(o["counts"]))
                for o in outputs
            ],
        )  # fmt: skip
        self.db.execute("COMMIT")

    def processes(self, columns: str) -> Iterator[tuple]:
        reader = sqlite3.connect(self.db.execute("PRAGMA database_list").fetchone()[2])
        try:
            yield from reader.execute(f"SELECT ocid, {columns} FROM processes ORDER BY ocid")
        finally:
            reader.close()

    def package(self, agency: str, night: str) -> tuple | None:
        return self.db.execute(
            "SELECT sha256, size, releases, first_date, last_date, members FROM packages WHERE agency = ? AND night = ?",
            (agency, night),
        ).fetchone()

    def put_package(self, agency: str, night: str, values: tuple) -> None:
        self.db.execute("INSERT OR REPLACE INTO packages VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (agency, night, *values))

    def put_member(self, agency: str, night: str, year: str, member: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?)", (agency, night, year, member))

    def member(self, agency: str, night: str, year: str) -> bytes:
        return self.db.execute(
            "SELECT gz FROM members WHERE agency = ? AND night = ? AND year = ?", (agency, night, year)
        ).fetchone()[0]

    def build_fingerprint(self, n: int) -> str | None:
        row = self.db.execute("SELECT fingerprint FROM builds WHERE n = ?", (n,)).fetchone()
        return row[0] if row else None

    def put_build(self, n: int, fingerprint: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO builds VALUES (?, ?)", (n, fingerprint))

    def close(self) -> None:
        self.db.close()


def agency_states(nights: list[dict]) -> dict[str, dict]:
    """Per agency, what the manifest says of its nights: the last night that published releases (with
    its counts), and whether its latest night failed (since when, why). Nights that changed nothing
    change nothing here, so an unchanged night rewrites no file."""
    states: dict[str, dict] = {}
    for night in sorted(nights, key=lambda n: n["night"]):
        state = states.setdefault(night["agency"], {"last_publication": None, "status": "ok"})
        if night["status"] == "published":
            state["last_publication"] = {"night": night["night"], **night["summary"].get("counts", {})}
        if night["status"] == "failed":
            if state["status"] != "failed":
                state["status"] = "failed"
                state["failed_since"] = night["night"]
            state["problems"] = night["summary"].get("problems", [])
        elif state["status"] == "failed":
            state.clear()
            state.update({"last_publication": state.get("last_publication"), "status": "ok"})
    return states


class Builder:
    """Builds the publication from the store (see the module's documentation)."""

    def __init__(
        self, config: Config, store: Store, *, schema_dir: str | None, offline: bool | None, jobs: int,
        rebuild: bool = False,
    ) -> None:  # fmt: skip
        self.config = config
        self.store = store
        self.schema_dir = schema_dir
        self.offline = offline
        self.jobs = jobs
        self.rebuild = rebuild
        self.output = Path(config.output)
        self.state = state_dir(self.output)
        self.written = 0
        self.kept = 0

    # -- the whole build ---------------------------------------------------------------------------------
    def build(self) -> str | None:
        """Build and switch in a new publication if the store changed it; the new build's path, or None."""
        try:
            self.state.mkdir(parents=True, exist_ok=True)
            (self.state / "builds").mkdir(exist_ok=True)
        except OSError as e:
            raise OutputError("output_unwritable", str(self.state), detail=e.strerror or str(e)) from None
        with FileLock(self.state / "lock"):
            return self._build_locked()

    def _build_locked(self) -> str | None:
        self._check_output()
        nights = self.store.nights()
        totals = self.store.totals()
        states = agency_states(nights)
        content = _sha(
            [layout.LAYOUT, __version__, self.config.fingerprint(), totals, states,
             [(n["agency"], n["night"], n["position"]) for n in nights if n["status"] == "published"]]
        )  # fmt: skip
        cache_fp = _sha([CACHE_VERSION, __version__, self.config.fingerprint()])
        if self.rebuild:
            with contextlib.suppress(FileNotFoundError):
                for suffix in ("", "-wal", "-shm"):
                    (self.state / f"cache.sqlite{suffix}").unlink()
        cache = Cache(self.state / "cache.sqlite", cache_fp)
        try:
            current = self._current()
            if not self.rebuild and current is not None and cache.build_fingerprint(current[0]) == content:
                return None
            number = max([current[0] if current else 0, *self._numbers()]) + 1
            target = self.state / "builds" / f"{number:06d}"
            scratch = self.state / "builds" / f"{number:06d}.tmp"
            shutil.rmtree(scratch, ignore_errors=True)
            try:
                scratch.mkdir()
                previous = None if self.rebuild or current is None else current[1]
                self._fill(scratch, previous, cache, nights, states)
                os.replace(scratch, target)
                self._switch(target)
            except OSError as e:
                shutil.rmtree(scratch, ignore_errors=True)
                raise OutputError(
                    "output_unwritable", str(e.filename or self.output), detail=e.strerror or str(e)
                ) from None
            cache.put_build(number, content)
            self._prune(number)
            return str(target)
        finally:
            cache.close()

    def _check_output(self) -> None:
        if self.output.is_symlink() or not self.output.exists():
            return
        if self.output.is_dir() and not any(self.output.iterdir()):
            self.output.rmdir()
            return
        raise OutputError("output_not_ours", str(self.output))

    def _current(self) -> tuple[int, Path] | None:
        if not self.output.is_symlink():
            return None
        target = (self.output.parent / os.readlink(self.output)).resolve()
        try:
            return int(target.name), target
        except ValueError:
            return None

    def _numbers(self) -> list[int]:
        """The numbers of the finished builds (an interrupted one's ``.tmp`` is made again)."""
        numbers = []
        for entry in (self.state / "builds").iterdir():
            with contextlib.suppress(ValueError):
                numbers.append(int(entry.name))
        return numbers

    def _switch(self, target: Path) -> None:
        link = self.output.parent / f".{self.output.name}.link"
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.symlink(os.path.relpath(target, self.output.parent), link)
        os.replace(link, self.output)
        with contextlib.suppress(OSError):
            fd = os.open(self.output.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _prune(self, number: int) -> None:
        for entry in (self.state / "builds").iterdir():
            try:
                n = int(entry.name.split(".")[0])
            except ValueError:
                continue
            if n <= number - KEEP_BUILDS or entry.name.endswith(".tmp"):
                shutil.rmtree(entry, ignore_errors=True)

    # -- the files -----------------------------------------------------------------------------------------
    def _fill(self, root: Path, previous: Path | None, cache: Cache, nights: list[dict], states: dict) -> None:
        self.root = root
        self._root = os.fspath(root)
        self._made: set[str] = set()
        self.previous = previous
        self._previous = os.fspath(previous) if previous is not None else ""
        self.prev_files = {e["path"]: e for e in _manifest_lines(previous, "files")}
        self.records_list = root.parent / f"{root.name}.records.jsonl"
        packages = [n for n in nights if n["status"] == "published" and n["package"]]
        extensions: dict[str, None] = {}
        for night in packages:
            extensions.update(dict.fromkeys(night["package"].get("extensions", [])))
        profile = load_profile(SchemaStore(self.schema_dir, offline=self.offline), "1.1", list(extensions))
        rules = rules_from_schema(profile.release_schema)
        files: list[dict] = []
        files += self._packages(packages, cache)
        records_entries = self._processes(packages, cache, rules, files)
        files += self._feeds()
        try:
            self._manifest(files, records_entries, states, nights, profile)
        finally:
            self.records_list.unlink(missing_ok=True)

    def _path(self, relative: str) -> Path:
        path = self.root / relative
        folder = relative.rpartition("/")[0]
        # Every record file is in one folder: made once, not asked for again 100,000 times.
        if folder not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        return path

    def _target(self, relative: str) -> str:
        """:meth:`_path` as text (the record files, one by one, spare pathlib's work)."""
        folder = relative.rpartition("/")[0]
        if folder not in self._made:
            self._path(relative)
        return os.path.join(self._root, relative)

    def _link(self, relative: str) -> bool:
        """Link the previous build's file (unchanged) into this build; False when there is none."""
        if self.previous is None:
            return False
        source = os.path.join(self._previous, relative)
        try:
            os.link(source, self._target(relative))
        except FileNotFoundError:
            return False
        except OSError:
            shutil.copy2(source, self._target(relative))
        self.kept += 1
        return True

    def _put(self, relative: str, data: bytes) -> dict:
        """Write a small file, or link the previous one when its bytes are the same."""
        sha = hashlib.sha256(data).hexdigest()
        previous = self.prev_files.get(relative)
        if not (previous and previous.get("sha256") == sha and self._link(relative)):
            self._path(relative).write_bytes(data)
            self.written += 1
        return {"path": relative, "size": len(data), "sha256": sha}

    def _packages(self, packages: list[dict], cache: Cache) -> list[dict]:
        """The nights' release packages, and the bulk files of every release."""
        entries = []
        members: dict[str, list[tuple]] = {}  # year → (position, agency, night, (count, first, last, sha))
        for night in packages:
            agency, when = night["agency"], night["night"]
            path = layout.night_package_path(agency, when)
            cached = cache.package(agency, when)
            if cached is None:
                cached = self._write_package(path, night, cache)
                cache.put_package(agency, when, cached)
            elif not (self.prev_files.get(path, {}).get("sha256") == cached[0] and self._link(path)):
                self._write_package(path, night, None)
            sha, size, count, first, last, blob = cached
            for year, summary in marshal.loads(blob).items():
                members.setdefault(year, []).append((night["position"], agency, when, summary))
            entries.append({
                "path": path, "url": layout.url_of(self.config, path), "kind": "release-package",
                "media_type": "application/json", "size": size, "sha256": sha, "agency": agency, "night": when,
                "count": count, "first_date": first, "last_date": last,
            })  # fmt: skip
        full = members.pop("full", [])
        entries.append(self._concat(layout.bulk_path("releases", "full"), "full", full, None, cache))
        for year in sorted(members):
            entries.append(self._concat(layout.bulk_path("releases", year), year, members[year], year, cache))
        return entries

    def _write_package(self, path: str, night: dict, cache: Cache | None) -> tuple:
        """Write a night's release package from the store, and (with ``cache``) keep its bulk members:
        one gzip member per year and one of all its releases, compressed as they are read."""
        streams: dict[str, tuple[io.BytesIO, gzip.GzipFile, list]] = {}
        dates: list[str] = []

        def member(year: str) -> tuple:
            if year not in streams:
                buffer = io.BytesIO()
                streams[year] = (
                    buffer,
                    gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0),
                    [0, None, None],
                )
            return streams[year]

        with open(self._path(path), "w", encoding="utf-8") as out:

            def releases() -> Iterator[str]:
                for _, date, text in self.store.night_releases(night["agency"], night["night"]):
                    dates.append(date)
                    if cache is not None:
                        line = (text + "\n").encode("utf-8")
                        for year in ("full", year_of(date)):
                            _, stream, summary = member(year)
                            stream.write(line)
                            summary[0] += 1
                            summary[1] = date if summary[1] is None or date < summary[1] else summary[1]
                            summary[2] = date if summary[2] is None or date > summary[2] else summary[2]
                    yield text

            count = write_package(out, night["package"], releases())
        self.written += 1
        sha, size = _file_sha(self._path(path))
        summaries = {}
        for year, (buffer, stream, summary) in streams.items():
            stream.close()
            data = buffer.getvalue()
            cache.put_member(night["agency"], night["night"], year, data)
            summaries[year] = (summary[0], summary[1], summary[2], hashlib.sha256(data).hexdigest())
        first = min(dates) if dates else None
        last = max(dates) if dates else None
        return sha, size, count, first, last, marshal.dumps(summaries)

    def _concat(self, path: str, year_key: str, members: list[tuple], year: str | None, cache: Cache) -> dict:
        """A bulk file of releases: the packages' gzip members in the order they were stored."""
        members = sorted(members, key=lambda m: m[0])
        fingerprint = _sha([[m[1], m[2], m[3][3]] for m in members])
        previous = self.prev_files.get(path)
        if previous and previous.get("fingerprint") == fingerprint and self._link(path):
            return previous
        count, first, last = 0, None, None
        with open(self._path(path), "wb") as f:
            out = _Hasher(f)
            for _, agency, night, (n, low, high, _) in members:
                out.write(cache.member(agency, night, year_key))
                count += n
                first = low if first is None or (low and low < first) else first
                last = high if last is None or (high and high > last) else last
        self.written += 1
        entry = {
            "path": path, "url": layout.url_of(self.config, path), "kind": "bulk-releases",
            "media_type": "application/gzip", "size": out.size, "sha256": out.sha.hexdigest(), "count": count,
            "first_date": first, "last_date": last, "fingerprint": fingerprint,
        }  # fmt: skip
        if year is not None:
            entry["year"] = year
        return entry

    # -- processes: records, compiled releases, downloads ------------------------------------------------
    def _update_cache(self, packages: list[dict], cache: Cache, rules: Any) -> None:
        """Make the outputs of every process whose releases changed since the cache last saw it."""
        by_night = {(n["agency"], n["night"]): n["package"] for n in packages}
        versions = cache.versions()
        publication = {
            "base_url": self.config.base_url,
            "publisher": self.config.publisher,
            "license": self.config.license,
            "publicationPolicy": self.config.publication_policy,
        }

        def batches() -> Iterator[list[tuple]]:
            batch: list[tuple] = []
            for ocid, agency, count, last in self.store.all_processes():
                version = f"{count}:{last}"
                if versions.get(ocid) == version:
                    continue
                rows = []
                for _, release_agency, night, text in self.store.releases_of(ocid):
                    package = by_night.get((release_agency, night)) or {}
                    rows.append((night, package.get("uri", ""), package.get("extensions", []), text))
                batch.append((ocid, agency, version, rows))
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

        with WorkerPool(self.jobs, init_worker, (rules, publication), lazy=True) as pool:
            for outputs in pool.map_ordered(record_batch, batches()):
                cache.put_processes(outputs)

    def _processes(self, packages: list[dict], cache: Cache, rules: Any, files: list[dict]) -> dict:
        self._update_cache(packages, cache, rules)
        lang = self.config.lang
        names, heads = sheet_names(lang), titles(lang)
        # Pass one: which derived files each process goes into, and their fingerprints.
        derived: dict[str, _Derived] = {}
        years: set[str] = set()
        totals = [0] * len(names)
        for ocid, version, year, counts in cache.processes("version, year, counts"):
            years.add(year)
            for key in ("full", year):
                for kind in ("compiled", "downloads"):
                    item = derived.setdefault(f"{kind}:{key}", _Derived(key, kind))
                    item.fingerprint.update(f"{ocid}\x00{version}\n".encode())
            derived.setdefault("records", _Derived("full", "records")).fingerprint.update(
                f"{ocid}\x00{version}\n".encode()
            )
            for i, n in enumerate(marshal.loads(counts)):
                totals[i] += n
        tables_fp = _sha([names, heads])
        # Pass two: write what changed, link what did not.
        writers: dict[str, Any] = {}
        entries: dict[str, dict] = {}

        def reuse(path: str, fingerprint: str) -> bool:
            previous = self.prev_files.get(path)
            if previous and previous.get("fingerprint") == fingerprint and self._link(path):
                entries[path] = previous
                return True
            return False

        # With one year, "full" holds the same as that year: made once, linked under both names.
        single = next(iter(years)) if len(years) == 1 else None
        aliases: list[tuple[str, str]] = []
        scratch = tempfile.mkdtemp(prefix="downloads-", dir=self.root.parent)
        try:
            for key, item in sorted(derived.items()):
                if single is not None and item.path == "full" and item.kind in ("compiled", "downloads"):
                    item.fingerprint = item.fingerprint.hexdigest()
                    if item.kind == "compiled":
                        aliases.append(
                            (
                                layout.bulk_path("compiled-releases", single),
                                layout.bulk_path("compiled-releases", "full"),
                            )
                        )
                    else:
                        for suffix in (".csv.zip", ".xlsx"):
                            aliases.append((layout.download_path(single, suffix), layout.download_path("full", suffix)))
                    continue
                fingerprint = item.fingerprint.hexdigest()
                if item.kind == "downloads":
                    fingerprint = _sha([fingerprint, tables_fp])
                    csv_path = layout.download_path(item.path, ".csv.zip")
                    if not reuse(csv_path, fingerprint):
                        writers[f"csv:{item.path}"] = (CsvArchive(scratch, names, heads), csv_path, fingerprint)
                    xlsx_fp = _sha([fingerprint, "xlsx"])
                    xlsx_key = f"xlsx:{item.path}"
                    xlsx_path = layout.download_path(item.path, ".xlsx")
                    parts = [e for e in self.prev_files.values() if e.get("group") == xlsx_path]
                    if (
                        parts
                        and all(e.get("fingerprint") == xlsx_fp for e in parts)
                        and all(self._link(e["path"]) for e in parts)
                    ):
                        entries.update({e["path"]: e for e in parts})
                    else:
                        split = item.path != "full"
                        writers[xlsx_key] = (SplitWorkbook(scratch, names, heads, split=split), xlsx_path, xlsx_fp)
                else:
                    path = layout.bulk_path("records" if item.kind == "records" else "compiled-releases", item.path)
                    if item.kind == "records":
                        fingerprint = _sha([fingerprint, self._records_head(packages)])
                    if not reuse(path, fingerprint):
                        f = open(self._path(path), "wb")  # noqa: SIM115 - closed below
                        writers[key] = (_Hasher(f), path, fingerprint)
                        if item.kind == "records":
                            writers[key][0].write(gz(self._records_head(packages)))
                item.fingerprint = fingerprint
            record_entries = self._write_processes(cache, writers, derived)
            for key, (writer, path, fingerprint) in writers.items():
                item = derived.get(key)
                if isinstance(writer, _Hasher):
                    if item.kind == "records":
                        writer.write(gz("]}\n"))
                    writer.file.close()
                    self.written += 1
                    kind = "bulk-records" if item.kind == "records" else "bulk-compiled-releases"
                    entries[path] = {
                        "path": path, "url": layout.url_of(self.config, path), "kind": kind,
                        "media_type": "application/gzip", "size": writer.size, "sha256": writer.sha.hexdigest(),
                        "count": item.count, "first_date": item.first, "last_date": item.last,
                        "fingerprint": fingerprint, **({} if item.path == "full" else {"year": item.path}),
                    }  # fmt: skip
                elif isinstance(writer, CsvArchive):
                    counts = writer.counts()
                    writer.save(self._path(path))
                    entries[path] = self._file_entry(path, "download-csv", "application/zip", fingerprint, counts)
                else:
                    parts = writer.finish()
                    described = []
                    for index, (temporary, counts) in enumerate(parts, 1):
                        name = path if len(parts) == 1 else path.replace(".xlsx", f"-{index}.xlsx")
                        shutil.move(temporary, self._path(name))
                        os.chmod(self._path(name), 0o644)
                        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        entry = self._file_entry(name, "download-xlsx", media, fingerprint, counts)
                        entry["group"] = path
                        if len(parts) > 1:
                            entry["part"] = index
                        described.append(entry)
                    entries.update({d["path"]: d for d in described})
            for source, alias in aliases:
                if source in entries:
                    os.link(self.root / source, self._path(alias))
                    entry = {**entries[source], "path": alias, "url": layout.url_of(self.config, alias)}
                    entry.pop("year", None)
                    if "group" in entry:
                        entry["group"] = alias
                    entries[alias] = entry
        finally:
            for writer, _, _ in writers.values():
                if isinstance(writer, _Hasher) and not writer.file.closed:
                    writer.file.close()
            shutil.rmtree(scratch, ignore_errors=True)
        files.extend(entries[p] for p in sorted(entries))
        return record_entries

    def _records_head(self, packages: list[dict]) -> str:
        """The bulk record package up to its records: the URIs of every night package, their extensions."""
        extensions: dict[str, None] = {}
        for night in packages:
            extensions.update(dict.fromkeys(night["package"].get("extensions", [])))
        package: dict[str, Any] = {
            "uri": layout.url_of(self.config, layout.bulk_path("records", "full")),
            "publisher": self.config.publisher,
            "publishedDate": max((n["night"] for n in packages), default="1970-01-01T00:00:00Z"),
        }
        if self.config.license:
            package["license"] = self.config.license
        if self.config.publication_policy:
            package["publicationPolicy"] = self.config.publication_policy
        package["version"] = "1.1"
        if extensions:
            package["extensions"] = list(extensions)
        package["packages"] = [n["package"]["uri"] for n in packages]
        return json.dumps(package, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"records":['

    def _file_entry(self, path: str, kind: str, media: str, fingerprint: str, counts: dict) -> dict:
        sha, size = _file_sha(self._path(path))
        self.written += 1
        name = Path(path).name
        year = name.split(".")[0]
        entry = {
            "path": path, "url": layout.url_of(self.config, path), "kind": kind, "media_type": media,
            "size": size, "sha256": sha, "sheets": counts,
            "fingerprint": fingerprint,
        }  # fmt: skip
        if year != "full":
            entry["year"] = year.split("-")[0]
        return entry

    def _write_processes(self, cache: Cache, writers: dict, derived: dict[str, _Derived]) -> dict:
        """Pass two over the processes: record files, bulk lines, download rows. The record files' manifest
        entries go to a file (read back into the manifest), the previous build's are read as a stream:
        both are in OCID order, so memory does not grow with the number of processes."""
        entries = {"count": 0, "releases": 0, "first": None, "last": None}
        listing = open(self.records_list, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        previous = _manifest_lines(self.previous, "records")
        before = next(previous, None)
        self.agencies: dict[str, dict] = {}
        wanted_rows = any(not isinstance(w[0], _Hasher) for w in writers.values())
        columns = (
            "year, releases, first_date, last_date, compiled_date, sha256, size, prefix, record_gz, compiled_gz, agency"
        )
        columns += ", rows, counts" if wanted_rows else ", NULL, NULL"
        for (
            ocid,
            year,
            releases,
            first,
            last,
            compiled_date,
            sha,
            size,
            prefix,
            record_gz,
            compiled_gz,
            agency,
            rows,
            counts,
        ) in cache.processes(columns):
            path = layout.record_path(ocid)
            while before is not None and before["ocid"] < ocid:
                before = next(previous, None)
            same = before is not None and before["ocid"] == ocid and before["sha256"] == sha
            if not (same and self._link(path)):
                with open(self._target(path), "wb") as f:
                    f.write(record_file(prefix, record_gz))
                self.written += 1
            entry = {
                "path": path, "url": layout.url_of(self.config, path), "ocid": ocid, "agency": agency,
                "size": size, "sha256": sha, "releases": releases, "first_date": first, "last_date": last,
            }  # fmt: skip
            listing.write(
                ("," if entries["count"] else "") + json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
            )
            entries["count"] += 1
            entries["releases"] += releases
            if first and (entries["first"] is None or first < entries["first"]):
                entries["first"] = first
            if last and (entries["last"] is None or last > entries["last"]):
                entries["last"] = last
            stats = self.agencies.setdefault(
                agency, {"processes": 0, "releases": 0, "first_date": None, "last_date": None}
            )
            stats["processes"] += 1
            stats["releases"] += releases
            if first and (stats["first_date"] is None or first < stats["first_date"]):
                stats["first_date"] = first
            if last and (stats["last_date"] is None or last > stats["last_date"]):
                stats["last_date"] = last
            fragments = load_rows(rows) if rows is not None else None
            table_counts = marshal.loads(counts) if counts is not None else None
            for key in ("full", year):
                compiled = writers.get(f"compiled:{key}")
                derived[f"compiled:{key}"].see(compiled_date)
                if compiled is not None:
                    compiled[0].write(compiled_gz)
                if fragments is not None:
                    for index, prefix_key in enumerate(("xlsx", "csv")):
                        writer = writers.get(f"{prefix_key}:{key}")
                        if writer is not None:
                            writer[0].add(table_counts, fragments[index])
            derived["records"].see(compiled_date)
            if "records" in writers:
                # The first record follows the package's "records":[ without a comma.
                writers["records"][0].write(record_gz if derived["records"].count > 1 else gz(record_text(record_gz)))
        listing.close()
        return entries

    def _feeds(self) -> list[dict]:
        entries = []
        for agency in sorted({a.key for a in self.config.agencies} | set(self.agencies)):
            configured = self.config.agency(agency)
            name = configured.name if configured else agency
            recent = self.store.recent_releases(agency, 5 * 100)
            first = self.store.first_nights(sorted({ocid for _, ocid, _, _ in recent}))
            data = feed(self.config.base_url, agency, name, recent, first, self.config.lang)
            path = layout.feed_path(agency)
            entry = self._put(path, data)
            entry.update(url=layout.url_of(self.config, path), kind="feed", media_type="application/atom+xml",
                         agency=agency, count=data.count(b"<entry>"))  # fmt: skip
            entries.append(entry)
        return entries

    def _manifest(self, files: list[dict], records: dict, states: dict, nights: list[dict], profile: Any) -> None:
        """Write manifest.json (one file entry per line), or link the previous one if it is the same."""
        stored = [n["night"] for n in nights if n["status"] == "published"]
        agencies = {}
        for agency in sorted({a.key for a in self.config.agencies} | set(self.agencies) | set(states)):
            configured = self.config.agency(agency)
            stats = self.agencies.get(agency, {"processes": 0, "releases": 0, "first_date": None, "last_date": None})
            state = states.get(agency, {"last_publication": None, "status": "ok"})
            agencies[agency] = {
                "name": configured.name if configured else agency,
                **stats,
                "feed": layout.feed_path(agency),
                **state,
            }
        head = {
            "layout": layout.LAYOUT,
            "generated": max(stored) if stored else None,
            "base_url": self.config.base_url,
            "publisher": self.config.publisher,
            "license": self.config.license,
            "publicationPolicy": self.config.publication_policy,
            "toolkit": {"name": "ocds-cdmx", "version": __version__},
            "ocds": {"version": "1.1", "schema": TAGS["1.1"], "extensions": [e.url for e in profile.extensions]},
            "counts": {"agencies": len(agencies), "processes": records["count"], "releases": records["releases"]},
            "date_range": {"first": records["first"], "last": records["last"]},
            "agencies": agencies,
        }
        dumps = {"ensure_ascii": False, "separators": (",", ":")}
        target = self._path(layout.MANIFEST)
        with open(target, "wb") as f:
            out = _Hasher(f)
            out.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2].encode() + b',\n "files": [\n')
            lines = [json.dumps(entry, **dumps) for entry in files]
            out.write(",\n".join(lines).encode() + b'\n ],\n "records": [\n')
            with open(self.records_list, "rb") as listing:
                for line in listing:
                    out.write(line)
            out.write(b" ]\n}\n")
        previous = self.prev_files.get(layout.MANIFEST)
        if previous is not None and previous.get("sha256") == out.sha.hexdigest():
            target.unlink()
            self._link(layout.MANIFEST)
        else:
            self.written += 1


def _manifest_lines(build: Path | None, section: str) -> Iterator[dict]:
    """The entries of a section (``files`` or ``records``) of a build's manifest, read line by line (the
    manifest has one entry per line), so that a large one is not held in memory; the manifest's own
    SHA-256 is given as the ``files`` entry ``manifest.json``."""
    if build is None:
        return
    path = build / layout.MANIFEST
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return
    with f:
        digest = hashlib.sha256()
        inside = False
        for line in f:
            digest.update(line)
            text = line.strip()
            if text in (b'"files": [', b'"records": ['):
                inside = text == f'"{section}": ['.encode()
                continue
            if inside:
                if text.startswith(b"]"):
                    inside = False
                    continue
                yield json.loads(text.lstrip(b",").rstrip(b","))
        if section == "files":
            yield {"path": layout.MANIFEST, "sha256": digest.hexdigest()}


def _file_sha(path: Path) -> tuple[str, int]:
    """A file's SHA-256 and size, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()

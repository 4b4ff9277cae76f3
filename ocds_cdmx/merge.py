"""Release packages → record packages: read → upgrade 1.0 → group by OCID → merge → write.

:func:`merge` reads every source as a stream, upgrades OCDS 1.0 releases to 1.1, groups releases by
OCID in a temporary SQLite file (:mod:`ocds_cdmx.grouping`), merges each group with the OCDS rules
(:mod:`ocds_cdmx.merging`) and writes one record per OCID, in OCID order, as ``ocdskit compile
--package`` does. Records of an existing record package can be fed in too: the OCIDs that new
releases touch are merged again, the others are copied, which is what a nightly update needs.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from .findings import Counted, Findings, Key
from .grouping import RECORD, RELEASE, Item, Row, RunWriter, iter_groups, load
from .jsonio import InputError, atomic_writer, expand_sources, iter_documents, spooled_stdin
from .merging import (
    APPEND,
    BY_POSITION,
    ItemKey,
    MergeConflict,
    Rules,
    compiled_flat,
    compiled_release_fast,
    flatten,
    rules_from_schema,
    unflatten,
    versioned_flat,
    versioned_release_fast,
)
from .schema import ExtensionStatus, SchemaError, SchemaStore, load_profile
from .upgrade import minor_version, upgrade_release
from .workers import default_jobs, ordered_map

#: RFC 3339 date-time, as OCDS requires of ``date``.
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
STRATEGIES = {"append": APPEND, "by-position": BY_POSITION}


@dataclass
class MergeResult(Counted):
    """What :func:`merge` did. ``exit_code`` is 0 fine, 1 data problems, 2 unreadable input."""

    findings: Findings
    input_errors: list[Exception] = field(default_factory=list)
    strict: bool = False
    releases: int = 0
    upgraded: int = 0
    duplicates: int = 0
    records: int = 0
    merged: int = 0
    copied: int = 0
    excluded: int = 0
    extensions: list[ExtensionStatus] = field(default_factory=list)
    output: str | None = None
    written: bool = False

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors or (self.strict and self.warnings) else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "releases": self.releases,
            "upgraded": self.upgraded,
            "duplicates": self.duplicates,
            "records": self.records,
            "merged": self.merged,
            "copied": self.copied,
            "excluded": self.excluded,
            "output": self.output,
            "written": self.written,
        }


@dataclass
class _Metadata:
    """Package metadata gathered from the inputs, as the reference gathers it (the last one wins)."""

    fields: dict = field(default_factory=dict)  # publisher, license, publicationPolicy, when seen
    extensions: dict = field(default_factory=dict)
    packages: list = field(default_factory=list)
    published: str | None = None
    updating: bool = False  # a record package was read: its packages must not repeat

    def update(self, package: dict) -> None:
        for name in ("publisher", "license", "publicationPolicy"):
            if name in package:
                self.fields[name] = package[name]
        if isinstance(package.get("extensions"), list):
            self.extensions.update(dict.fromkeys(e for e in package["extensions"] if isinstance(e, str)))
        if isinstance(package.get("publishedDate"), str) and package["publishedDate"] > (self.published or ""):
            self.published = package["publishedDate"]

    def extend(self, later: _Metadata) -> None:
        """Take in the metadata of inputs read after these."""
        self.fields.update(later.fields)
        self.extensions.update(later.extensions)
        self.packages += later.packages
        self.updating = self.updating or later.updating
        if later.published and later.published > (self.published or ""):
            self.published = later.published


@dataclass
class _RunResult:
    """What reading one source gave: sent back from a worker process."""

    findings: Findings
    input_errors: list
    meta: _Metadata
    versions: dict
    releases: int
    upgraded: int


class _Reader:
    """Phase one: every item of one source into a run, problems into findings."""

    def __init__(self, writer: RunWriter, findings: Findings, upgrade: bool, progress: Callable | None) -> None:
        self.writer = writer
        self.findings = findings
        self.upgrade = upgrade
        self.progress = progress
        self.meta = _Metadata()
        self.versions: dict[str, str] = {}  # version → first source that used it
        self.releases = 0
        self.upgraded = 0

    def document(self, doc: Any) -> None:
        self.findings.source = doc.source
        if doc.shape == "scalar":
            self.findings.add("merge_not_object", (), doc.metadata.get("value"), expected="package")
            return
        if doc.shape == "array":
            for _, index, value in doc.items:
                if isinstance(value, dict) and ("releases" in value or "records" in value):
                    self.package(value, doc.source, (index,), None)
                else:
                    self.bare(value, doc.source, (index,))
            return
        if doc.shape == "package" or "releases" in doc.metadata or "records" in doc.metadata:
            self.package(doc.metadata, doc.source, (), doc.items if doc.shape == "package" else None)
        else:
            self.bare(doc.metadata, doc.source, ())

    def package(self, metadata: dict, source: str, path: tuple, items: Iterator | None) -> None:
        key = "records" if "records" in metadata else "releases"
        if items is None:
            value = metadata.get(key)
            items = ((key, i, v) for i, v in enumerate(value)) if isinstance(value, list) else iter(())
        version = minor_version(metadata, package=True)
        if version not in ("1.0", "1.1"):
            raise InputError("merge_version", source, version=version)
        self.meta.update(metadata)
        uri = metadata.get("uri") if isinstance(metadata.get("uri"), str) else ""
        if key == "releases" and uri:
            self.meta.packages.append(uri)
        elif key == "records" and isinstance(metadata.get("packages"), list):
            # A record package being updated: the release packages it was merged from.
            self.meta.packages += metadata["packages"]
            self.meta.updating = True
        for _, index, item in items:
            if key == "records":
                self.record(item, source, (*path, key, index))
            else:
                self.release(item, version, source, uri, (*path, key, index))

    def bare(self, value: Any, source: str, path: tuple) -> None:
        if isinstance(value, dict) and ("compiledRelease" in value or ("releases" in value and "tag" not in value)):
            self.record(value, source, path)
        elif isinstance(value, dict):
            self.release(value, minor_version(value, package=False), source, "", path)
        else:
            self.findings.add("merge_not_object", path, value, expected="release")

    def release(self, release: Any, version: str, source: str, uri: str, path: tuple) -> None:
        self.releases += 1
        if not isinstance(release, dict):
            self.findings.add("merge_not_object", path, release, expected="release")
            return
        ocid = release.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            self.findings.add("merge_missing_ocid", (*path, "ocid"), ocid, release_id=_text(release.get("id")))
            return
        if version == "1.0" and self.upgrade:
            upgrade_release(release, lambda check, p, value: self.findings.add(check, (*path, *p), value))
            self.upgraded += 1
            version = "1.1"
        self.versions.setdefault(version, source)
        self.writer.add(ocid, RELEASE, source, uri, release)
        if self.progress is not None and self.releases % 500 == 0:
            self.progress("read", self.releases)

    def record(self, record: Any, source: str, path: tuple) -> None:
        ocid = record.get("ocid") if isinstance(record, dict) else None
        if not isinstance(ocid, str) or not ocid:
            self.findings.add("merge_not_object" if not isinstance(record, dict) else "merge_missing_ocid", path, None)
            return
        self.writer.add(ocid, RECORD, source, "", record)


def _read_source(task: tuple) -> _RunResult:
    """Read one source into its run (in a worker process, or in this one)."""
    path, label, run_path, encoding, upgrade, max_locations, progress = task
    findings = Findings(max_locations)
    writer = RunWriter(run_path)
    reader = _Reader(writer, findings, upgrade, progress)
    errors: list = []
    try:
        for doc in iter_documents(path, encoding, label=label):
            reader.document(doc)
    except InputError as e:
        errors.append(e)
    finally:
        writer.close()
    return _RunResult(findings, errors, reader.meta, reader.versions, reader.releases, reader.upgraded)


def _steps(path: tuple) -> list:
    """A merge path for people: array steps named by their object's id."""
    return [Key(p) if isinstance(p, ItemKey) else p for p in path]


def _ids(releases: list[dict]) -> str:
    return ", ".join(_text(r.get("id")) for r in releases)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class _Merger:
    """Phase two: one OCID's items → one record (or a reason to leave it out)."""

    def __init__(self, rules: Rules, *, versioned: bool, linked: bool, ascii_only: bool, max_locations: int) -> None:
        self.rules = rules
        self.versioned = versioned
        self.linked = linked
        self.dumps = {"ensure_ascii": ascii_only, "separators": (",", ":")}
        self.max_locations = max_locations
        self.reset()

    def reset(self) -> None:
        """Start a new batch: fresh findings and counts."""
        self.findings = Findings(self.max_locations)
        self.counts = dict.fromkeys(("merged", "copied", "excluded", "duplicates"), 0)

    def batch(self, groups: list[tuple[str, list[Row]]]) -> tuple[list[str], Findings, dict]:
        """Merge a batch of OCID groups; return the records as JSON texts, the findings and the counts."""
        self.reset()
        texts = []
        for ocid, rows in groups:
            record = self.record(ocid, load(rows))
            if record is not None:
                texts.append(json.dumps(record, **self.dumps))
        return texts, self.findings, self.counts

    def record(self, ocid: str, items: list[Item]) -> dict | None:
        existing = [it for it in items if it.kind == RECORD]
        new = [it for it in items if it.kind == RELEASE]
        if len(existing) > 1:
            self.findings.source = existing[-1].source
            self.findings.add("unique_record_ocid", (Key(ocid),), ocid)
        if not new:
            self.counts["copied"] += len(existing)
            return existing[-1].data if existing else None
        self.findings.source = new[0].source
        base_record = existing[-1].data if existing else None
        entries: list[tuple[str, dict]] = []  # (package uri, release)
        links: list = []
        for it in existing:
            for entry in it.data.get("releases") or []:
                if isinstance(entry, dict) and "url" in entry and "id" not in entry:
                    links.append(entry)
                elif isinstance(entry, dict):
                    entries.append(("", entry))
        entries += [(it.uri, it.data) for it in new]
        entries = self._unique(ocid, entries)
        if not self._dates(ocid, [r for _, r in entries]):
            self.counts["excluded"] += 1
            return None
        releases = [r for _, r in entries]
        ordered = sorted(releases, key=lambda r: r["date"]) if len(releases) > 1 else releases
        base_compiled = base_versioned = None
        if links and isinstance(base_record, dict):
            # Linked releases cannot be merged again: build on the record's merged releases.
            base_compiled, base_versioned = self._bases(ocid, base_record, links, ordered)
        try:
            warned: set = set()

            def warn(check: str, names: tuple, value: Any) -> None:
                if (names, value) not in warned:
                    warned.add((names, value))
                    self.findings.add(check, (Key(ocid), *names), value, field=".".join(names))

            ignored: list = []
            if base_compiled is None:
                compiled = compiled_release_fast(ordered, self.rules, warn, ignored)
            else:
                compiled = unflatten(compiled_flat(ordered, self.rules, warn, base_compiled), ignored)
            versioned = None
            if self.versioned and (base_versioned is not None or not links):
                if base_versioned is None:
                    versioned = versioned_release_fast(ordered, self.rules)
                else:
                    versioned = unflatten(versioned_flat(ordered, self.rules, None, base_versioned))
        except MergeConflict as e:
            self.findings.add(
                "merge_conflict",
                (Key(ocid), *_steps(e.path)),
                _ids(ordered),
                earlier=e.earlier,
                current=e.current,
            )
            self.counts["excluded"] += 1
            return None
        for path in ignored:
            self.findings.add("merge_value_ignored", (Key(ocid), *_steps(path)), _ids(ordered))
        listed: list = list(links)
        for uri, release in entries:
            if self.linked and uri:
                link = {"url": f"{uri}#{_text(release.get('id'))}"}
                link.update((k, release[k]) for k in ("date", "tag") if k in release)
                listed.append(link)
            else:
                listed.append(release)
        record = {"ocid": ocid, "releases": listed, "compiledRelease": compiled}
        if versioned is not None:
            record["versionedRelease"] = versioned
        self.counts["merged"] += 1
        return record

    def _unique(self, ocid: str, entries: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
        """Drop exact re-publications of a release; report different releases that share an id."""
        kept: list[tuple[str, dict]] = []
        by_id: dict[Any, list[dict]] = {}
        for uri, release in entries:
            rid = release.get("id")
            key = _text(rid)
            same = by_id.setdefault(key, [])
            if any(release == other for other in same):
                self.counts["duplicates"] += 1
                self.findings.add("duplicate_release", (Key(ocid), "releases", Key(key)), key)
                continue
            if same:
                self.findings.add("release_id_conflict", (Key(ocid), "releases", Key(key)), key)
            same.append(release)
            kept.append((uri, release))
        return kept

    def _dates(self, ocid: str, releases: list[dict]) -> bool:
        """Report missing and malformed dates; False when the releases cannot be put in order."""
        orderable = True
        for release in releases:
            date = release.get("date")
            rid = _text(release.get("id"))
            if not isinstance(date, str):
                self.findings.add("release_date_missing", (Key(ocid), "releases", Key(rid), "date"), date)
                orderable = False
            elif not DATE_TIME.match(date):
                self.findings.add("release_date_invalid", (Key(ocid), "releases", Key(rid), "date"), date)
        # One release needs no ordering: the reference merges it whatever its date.
        return orderable or len(releases) == 1

    def _bases(self, ocid: str, record: dict, links: list, ordered: list[dict]) -> tuple[dict | None, dict | None]:
        latest = max((str(link.get("date") or "") for link in links), default="")
        if ordered and ordered[0]["date"] < latest:
            self.findings.add("release_out_of_order", (Key(ocid), "date"), ordered[0]["date"], latest=latest)
        compiled = versioned = None
        previous = record.get("compiledRelease")
        if isinstance(previous, dict):
            # The fields that merging leaves out (tag, id, date) lead, as in a compiled release built anew.
            start = {("tag",): ["compiled"], ("id",): previous.get("id"), ("date",): previous.get("date")}
            compiled = flatten(previous, self.rules, start)
        if isinstance(record.get("versionedRelease"), dict):
            versioned = flatten(record["versionedRelease"], self.rules, {}, versioned=True)
        if compiled is None:
            compiled = {("tag",): ["compiled"]}
        return compiled, versioned


def _merge_batch(groups: list[tuple[str, list[Row]]]) -> tuple[list[str], Findings, dict]:
    assert _FORKED is not None
    return _FORKED.batch(groups)


# The merger that forked workers inherit: set just before their pool starts, only read in workers.
_FORKED: _Merger | None = None


def _batches(groups: Iterator[tuple[str, list[Row]]], size: int = 1 << 20) -> Iterator[list]:
    """Groups in batches of about ``size`` bytes, so that sending them to a worker costs little."""
    batch: list = []
    weight = 0
    for ocid, rows in groups:
        batch.append((ocid, rows))
        weight += sum(len(r.blob) for r in rows)
        if weight >= size:
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


class _Writer:
    """Writes records as they come: one record package, or JSON Lines."""

    def __init__(self, out: IO[str], metadata: dict, fmt: str, ascii_only: bool) -> None:
        self.out = out
        self.fmt = fmt
        self.first = True
        if fmt == "package":
            head = json.dumps(metadata, ensure_ascii=ascii_only, separators=(",", ":"))
            out.write(head[:-1] + (',"records":[' if metadata else '"records":['))

    def write(self, texts: list[str]) -> None:
        if not texts:
            return
        if self.fmt == "package":
            self.out.write(("" if self.first else ",") + ",".join(texts))
        else:
            self.out.write("\n".join(texts) + "\n")
        self.first = False

    def close(self) -> None:
        if self.fmt == "package":
            self.out.write("]}\n")


def _package_metadata(
    meta: _Metadata,
    *,
    uri: str,
    published_date: str | None,
    publisher: dict | None,
    version: str,
) -> dict:
    """The record package's fields, in the reference's order, without the records."""
    if published_date is None:
        published_date = meta.published or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package: dict[str, Any] = {
        "uri": uri,
        "publisher": publisher or meta.fields.get("publisher", {}),
        "publishedDate": published_date,
    }
    for name in ("license", "publicationPolicy"):
        if meta.fields.get(name) is not None:
            package[name] = meta.fields[name]
    if version:
        package["version"] = version
    if meta.extensions:
        package["extensions"] = list(meta.extensions)
    if meta.packages:
        # The reference lists a package once per time it is read; a nightly update reads its
        # packages again and again, so there each is listed once.
        package["packages"] = list(dict.fromkeys(meta.packages)) if meta.updating else meta.packages
    return package


def _rules(
    versions: dict[str, str],
    extensions: list[str],
    store: SchemaStore,
    schema: str | os.PathLike | dict | None,
    overrides: dict | None,
    result: MergeResult,
) -> Rules:
    if schema is not None:
        if not isinstance(schema, dict):
            try:
                with open(schema, encoding="utf-8") as f:
                    schema = json.load(f)
            except (OSError, ValueError) as e:
                raise InputError("cannot_open", str(schema), detail=str(e)) from None
        return rules_from_schema(schema, overrides)
    if len(versions) > 1:
        sources = ", ".join(f"{v}: {versions[v]}" for v in sorted(versions))
        raise InputError("merge_versions_mixed", sources, versions=", ".join(sorted(versions)))
    profile = load_profile(store, next(iter(versions), "1.1"), extensions)
    result.extensions = profile.extensions
    for status in profile.extensions:
        if not status.applied:
            result.findings.source = ""
            result.findings.add("extension_unavailable", ("extensions",), status.url, problem=status.problem)
    return rules_from_schema(profile.release_schema, overrides)


def merge(
    sources: str | os.PathLike | Iterable[str | os.PathLike],
    output: str | os.PathLike | IO[str] | None = None,
    *,
    existing: str | os.PathLike | None = None,
    versioned: bool = False,
    linked_releases: bool = False,
    fmt: str = "package",
    uri: str = "",
    published_date: str | None = None,
    publisher: dict | None = None,
    version: str = "1.1",
    schema: str | os.PathLike | dict | None = None,
    schema_dir: str | os.PathLike | None = None,
    offline: bool | None = None,
    upgrade: bool = True,
    strict: bool = False,
    encoding: str | None = None,
    rule_overrides: dict[tuple[str, ...], str] | None = None,
    ascii_only: bool = False,
    max_locations: int = 100,
    progress: Callable[[str, int], None] | None = None,
    temp_dir: str | None = None,
    jobs: int | None = None,
) -> MergeResult:
    """Merge releases by OCID into records and write them to ``output``.

    ``sources`` are files, directories or ``"-"`` (standard input) holding release packages, record
    packages, bare releases, JSON Lines, concatenated JSON or top-level arrays. ``output`` is a path
    (written atomically, and only when every input could be read), a text stream, or ``None`` to merge
    and report without writing. ``existing`` names a record package to update: the OCIDs that the new
    releases touch are merged again (from its embedded releases, or on top of its compiled and
    versioned releases when they are linked); the other records are copied as they are.

    ``fmt`` is ``"package"`` (one record package, as ``ocdskit compile --package``) or ``"jsonl"`` (one
    record per line). ``uri``, ``published_date``, ``publisher`` and ``version`` set the package's
    metadata (by default ``publishedDate`` is the latest of the inputs'); ``extensions`` is the union of
    the inputs'. OCDS 1.0 releases are upgraded to 1.1 unless ``upgrade`` is false. The merge rules come
    from the 1.1 release schema with the inputs' extensions, or from ``schema`` (a path or dict) as
    ``ocdskit compile --schema`` takes it; ``rule_overrides`` maps an array's path, like
    ``("awards", "suppliers")``, to ``"append"`` or ``"by-position"``.

    ``jobs`` worker processes read several sources at once and merge batches of OCIDs (default: every
    CPU); the output is the same whatever their number.

    Problems are in ``result.findings``; ``result.exit_code`` is 0, 1 (data problems; with ``strict``,
    warnings too) or 2 (unreadable input: nothing is written).

    >>> result = merge(["night-1.json", "night-2.json"], "records.json", versioned=True)  # doctest: +SKIP
    """
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    if fmt not in ("package", "jsonl"):
        raise ValueError(f"fmt must be 'package' or 'jsonl', not {fmt!r}")
    jobs = default_jobs() if jobs is None else max(1, jobs)
    overrides = {tuple(k): STRATEGIES.get(v, v) for k, v in (rule_overrides or {}).items()}
    result = MergeResult(Findings(max_locations), strict=strict)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="cdmx-merge-", dir=temp_dir))
        try:
            paths = expand_sources([str(s) for s in sources])
            if existing is not None:
                paths = [*expand_sources([str(existing)]), *paths]
        except InputError as e:
            result.input_errors.append(e)
            return result
        tasks = []
        for run, path in enumerate(paths):
            real = stack.enter_context(spooled_stdin()) if path == "-" else path
            label = "<stdin>" if path == "-" else path
            read_progress = progress if jobs <= 1 or len(paths) == 1 else None
            tasks.append(
                (
                    real,
                    label,
                    os.path.join(scratch, f"run-{run}.sqlite"),
                    encoding,
                    upgrade,
                    max_locations,
                    read_progress,
                )
            )
        # Phase one: each source into its own run, several sources at once.
        meta = _Metadata()
        versions: dict[str, str] = {}
        for run_result in ordered_map(_read_source, iter(tasks), min(jobs, len(tasks))):
            result.findings.merge(run_result.findings)
            result.input_errors += run_result.input_errors
            meta.extend(run_result.meta)
            for seen, source in run_result.versions.items():
                versions.setdefault(seen, source)
            result.releases += run_result.releases
            result.upgraded += run_result.upgraded
            if progress is not None and read_progress is None:
                progress("read", result.releases)
        if result.input_errors:
            return result
        try:
            rules = _rules(
                versions, list(meta.extensions), SchemaStore(schema_dir, offline=offline), schema, overrides, result
            )
        except (InputError, SchemaError) as e:
            result.input_errors.append(e)
            return result
        metadata = _package_metadata(meta, uri=uri, published_date=published_date, publisher=publisher, version=version)
        # Phase two: OCID groups, in order, merged in batches by workers.
        merger = _Merger(
            rules, versioned=versioned, linked=linked_releases, ascii_only=ascii_only, max_locations=max_locations
        )

        def share() -> None:
            global _FORKED
            _FORKED = merger

        batches = _batches(iter_groups([t[2] for t in tasks]))
        out = stack.enter_context(_open_output(output)) if output is not None else None
        writer = _Writer(out, metadata, fmt, ascii_only) if out is not None else None
        for texts, findings, counts in ordered_map(_merge_batch if jobs > 1 else merger.batch, batches, jobs, share):
            result.findings.merge(findings)
            for name, count in counts.items():
                setattr(result, name, getattr(result, name) + count)
            result.records += len(texts)
            if writer is not None:
                writer.write(texts)
            if progress is not None:
                progress("write", result.records)
        if writer is not None:
            writer.close()
            result.output = str(output) if isinstance(output, str | os.PathLike) else getattr(output, "name", None)
            result.written = True
    return result


@contextlib.contextmanager
def _open_output(output: str | os.PathLike | IO[str]) -> Iterator[IO[str]]:
    if isinstance(output, str | os.PathLike):
        if str(output) == "-":
            yield sys.stdout
            sys.stdout.flush()
            return
        with atomic_writer(output) as f:
            yield f
        return
    yield output

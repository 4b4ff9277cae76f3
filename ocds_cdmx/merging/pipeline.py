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
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ..core.errors import CdmxError, InputError
from ..core.findings import Findings
from ..core.ocds import is_record, package_key
from ..core.options import MergeOptions, with_fields
from ..core.results import Result
from ..io.documents import DocumentVisitor, Items, package_items
from ..io.jsonin import Document, ItemArray, expand_sources, iter_documents, spooled, type_name
from ..io.output import PackageWriter, is_stdout, open_output, output_name, refuse_inputs
from ..io.scratch import RECORD, RELEASE, Row, RunWriter, iter_groups
from ..io.tempfiles import scratch_dir
from ..io.workers import WorkerPool, default_jobs
from ..schema import ExtensionStatus, SchemaStore, load_profile
from .compile import APPEND, BY_POSITION, Rules, rules_from_schema
from .records import RecordMerger
from .upgrade import minor_version, upgrade_release

STRATEGIES = {"append": APPEND, "by-position": BY_POSITION}


@dataclass(kw_only=True)
class MergeResult(Result):
    """What :func:`merge` did. ``exit_code`` is 0 fine, 1 data problems (with ``strict``, warnings too),
    2 unreadable input."""

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


class _Reader(DocumentVisitor):
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

    def document(self, doc: Document) -> None:
        self.findings.source = doc.source
        self.visit(doc)

    def not_object(self, doc: Document, path: tuple, value: Any, expected: str) -> None:
        self.findings.add("merge_not_object", path, value, expected=expected)

    def package(self, metadata: dict, doc: Document, path: tuple, items: Items | None) -> None:
        source = doc.source
        key = package_key(metadata)
        if not isinstance(metadata.get(key), list | ItemArray):
            # Merging nothing would replace the previous records with an empty package.
            raise InputError("items_not_array", source, name=key, found=type_name(metadata.get(key)))
        if items is None:
            items, metadata = package_items(metadata)
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

    def bare(self, value: Any, doc: Document, path: tuple) -> None:
        if is_record(value):
            self.record(value, doc.source, path)
        elif isinstance(value, dict):
            self.release(value, minor_version(value, package=False), doc.source, "", path)
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


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read_source(task: tuple) -> _RunResult:
    """Read one source into its run (in a worker process, or in this one).

    The source is read once, on the guess that each package's keys come before its releases (as
    every publisher writes them); a package with a key after them is read again from the start, each
    package's keys then read ahead, so that its releases are stored with its ``uri`` and version.
    """
    result = _read_run(task, lookahead=False)
    if result is None:
        os.unlink(task[2])
        result = _read_run(task, lookahead=True)
        assert result is not None
    return result


def _read_run(task: tuple, lookahead: bool) -> _RunResult | None:
    """The run of one source; ``None`` when, without ``lookahead``, a package has keys after its items."""
    path, label, run_path, encoding, upgrade, max_locations, progress = task
    findings = Findings(max_locations)
    writer = RunWriter(run_path)
    reader = _Reader(writer, findings, upgrade, progress)
    errors: list = []
    try:
        for doc in iter_documents(path, encoding, label=label, lookahead=lookahead):
            reader.document(doc)
            if not lookahead and doc.shape == "package" and doc.late_keys():
                return None
    except CdmxError as e:
        errors.append(e)
    finally:
        writer.close()
    return _RunResult(findings, errors, reader.meta, reader.versions, reader.releases, reader.upgraded)


def _init_merger(rules: Rules, options: MergeOptions) -> None:
    global _MERGER
    _MERGER = RecordMerger(
        rules,
        versioned=options.versioned,
        linked=options.linked_releases,
        ascii_only=options.ascii_only,
        max_locations=options.max_locations,
    )


def _merge_batch(groups: list[tuple[str, list[Row]]]) -> tuple[list[str], Findings, dict]:
    assert _MERGER is not None
    return _MERGER.batch(groups)


#: The record merger of this process (a worker's, or this one's when it works alone).
_MERGER: RecordMerger | None = None


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


def default_uri(output: Any) -> str:
    """The record package's ``uri`` when none is given: ``urn:ocds-cdmx:<output file name>`` (``records``
    for standard output or a stream). The schema requires a URI, and ``""`` (the reference's default) is
    not one; give the URL where the file is served instead, when it is known."""
    name = Path(str(output)).stem if isinstance(output, str | os.PathLike) and not is_stdout(output) else ""
    name = name.removesuffix(".json") or "records"
    return f"urn:ocds-cdmx:{urllib.parse.quote(name, safe='-._~')}"


def _package_metadata(meta: _Metadata, options: MergeOptions, output: Any = None) -> dict:
    """The record package's fields, in the reference's order, without the records."""
    published_date, publisher, version = options.published_date, options.publisher, options.version
    if published_date is None:
        published_date = meta.published or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    package: dict[str, Any] = {
        "uri": default_uri(output) if options.uri is None else options.uri,
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
    options: MergeOptions | None = None,
    *,
    existing: str | os.PathLike | None = None,
    progress: Callable[[str, int], None] | None = None,
    **fields: Any,
) -> MergeResult:
    """Merge releases by OCID into records and write them to ``output``.

    ``sources`` are files, directories or ``"-"`` (standard input) holding release packages, record
    packages, bare releases, JSON Lines, concatenated JSON or top-level arrays. ``output`` is a path
    (written atomically, and only when every input could be read), ``"-"`` (standard output), a text
    stream, or ``None`` to merge and report without writing. ``existing`` names a record package to
    update (when it does not exist yet, as on the first night, the releases are merged from scratch): the OCIDs that the new releases touch are merged again (from its embedded releases, or on
    top of its compiled and versioned releases when they are linked); the other records are copied.

    ``options`` (or its fields as keyword arguments) are a :class:`~ocds_cdmx.core.options.MergeOptions`:
    ``fmt`` is ``"package"`` (one record package, as ``ocdskit compile --package``) or ``"jsonl"``;
    ``uri``, ``published_date``, ``publisher`` and ``version`` set the package's metadata (by default
    ``uri`` is :func:`default_uri` and ``publishedDate`` the latest of the inputs'); ``extensions`` is the union of the inputs'. OCDS 1.0
    releases are upgraded to 1.1 unless ``upgrade`` is false. The merge rules come from the 1.1 release
    schema with the inputs' extensions, or from ``schema`` (a path or dict) as ``ocdskit compile
    --schema`` takes it; ``rule_overrides`` maps an array's path, like ``("awards", "suppliers")``, to
    ``"append"`` or ``"by-position"``. ``jobs`` worker processes read several sources at once and merge
    batches of OCIDs (default: every CPU); the output is the same whatever their number.

    Problems are in ``result.findings``; ``result.exit_code`` is 0, 1 (data problems; with ``strict``,
    warnings too) or 2 (unreadable input: nothing is written).

    >>> result = merge(["night-1.json", "night-2.json"], "records.json", versioned=True)  # doctest: +SKIP
    """
    options = with_fields(MergeOptions, options, fields)
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    if options.fmt not in ("package", "jsonl"):
        raise ValueError(f"fmt must be 'package' or 'jsonl', not {options.fmt!r}")
    jobs = default_jobs() if options.jobs is None else max(1, options.jobs)
    overrides = {tuple(k): STRATEGIES.get(v, v) for k, v in (options.rule_overrides or {}).items()}
    result = MergeResult(findings=Findings(options.max_locations), strict=options.strict)
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(scratch_dir("merge", options.temp_dir))
        try:
            paths = expand_sources([str(s) for s in sources])
            # The first night of a nightly update has no records yet: it merges from scratch.
            if existing is not None and os.path.exists(existing):
                paths = [*expand_sources([str(existing)]), *paths]
            refuse_inputs(output, paths, allowed=existing)
        except CdmxError as e:
            result.input_errors.append(e)
            return result
        tasks = []
        for run, path in enumerate(paths):
            try:
                real, label = stack.enter_context(spooled(path))
            except CdmxError as e:
                result.input_errors.append(e)
                return result
            read_progress = progress if jobs <= 1 or len(paths) == 1 else None
            run_path = os.path.join(scratch, f"run-{run}.sqlite")
            tasks.append(
                (real, label, run_path, options.encoding, options.upgrade, options.max_locations, read_progress)
            )
        # Phase one: each source into its own run, several sources at once.
        meta = _Metadata()
        versions: dict[str, str] = {}
        with WorkerPool(min(jobs, len(tasks))) as readers:
            for run_result in readers.map_ordered(_read_source, iter(tasks)):
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
            store = SchemaStore(options.schema_dir, offline=options.offline)
            rules = _rules(versions, list(meta.extensions), store, options.schema, overrides, result)
        except CdmxError as e:
            result.input_errors.append(e)
            return result
        metadata = _package_metadata(meta, options, output)
        # Phase two: OCID groups, in order, merged in batches by workers.
        batches = _batches(iter_groups([t[2] for t in tasks]))
        out = stack.enter_context(open_output(output)) if output is not None else None
        writer = (
            None
            if out is None
            else PackageWriter(out, metadata, "records", fmt=options.fmt, ascii_only=options.ascii_only)
        )
        with WorkerPool(jobs, _init_merger, (rules, options)) as mergers:
            for texts, findings, counts in mergers.map_ordered(_merge_batch, batches):
                result.findings.merge(findings)
                for name, count in counts.items():
                    setattr(result, name, getattr(result, name) + count)
                result.records += len(texts)
                if writer is not None:
                    writer.write_texts(texts)
                if progress is not None:
                    progress("write", result.records)
        if writer is not None:
            writer.close()
            result.output = output_name(output)
            result.written = True
    return result

"""Validate OCDS release and record packages: read → check → findings.

:func:`validate` streams every source, one release or record at a time, through the schema pass
(:mod:`.schema_pass`), the OCDS rules below, the quality checks (:mod:`.quality`) and the statistics
(:mod:`.stats`).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CdmxError, VersionError
from ..core.findings import Findings
from ..core.ocds import is_record, package_key
from ..core.options import ValidateOptions, with_fields
from ..core.results import Result
from ..io.documents import DocumentVisitor, Items, package_items
from ..io.jsonin import Document, ItemArray, expand_sources, iter_documents, reread_document, spooled
from ..io.workers import WorkerPool, default_jobs
from ..schema import TAGS, Profile, SchemaStore, load_profile
from . import coherence, quality
from .schema_pass import Compiler, Node, Walker
from .stats import Statistics
from .strict import CleanCheck

OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}")
#: Releases per batch handed to a worker, and how many releases a package must have read before a
#: worker is started (small files are not worth its start-up).
BATCH = 200
PARALLEL_AFTER = 1000


@dataclass
class SourceSummary:
    """What one document of one source was and how it was read."""

    source: str
    document: int
    kind: str
    version: str | None
    count: int = 0
    extensions: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "document": self.document,
            "kind": self.kind,
            "version": self.version,
            "count": self.count,
            "extensions": [
                {"url": e.url, "applied": e.applied, "name": e.name, "problem": e.problem} for e in self.extensions
            ],
        }


@dataclass(kw_only=True)
class ValidationResult(Result):
    """Everything :func:`validate` found. ``exit_code`` is 0 valid, 1 data errors, 2 unreadable input."""

    statistics: Statistics = field(default_factory=Statistics)
    sources: list[SourceSummary] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.input_errors


class _Compiled:
    """The compiled nodes of one profile, built on first use."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.compiler = Compiler(profile)
        self._nodes: dict[str, Node] = {}
        self._clean: dict[bool, CleanCheck] = {}

    def clean_check(self, quality: bool) -> CleanCheck:
        """The gate that tells releases in which the walk finds nothing (:mod:`.strict`)."""
        if quality not in self._clean:
            codes = {name: cl.codes for name, cl in self.profile.codelists.items()}
            self._clean[quality] = CleanCheck(self.node("release"), codes, quality=quality)
        return self._clean[quality]

    def node(self, name: str) -> Node:
        if name not in self._nodes:
            p = self.profile
            if name == "release":
                self._nodes[name] = self.compiler.compile(p.release_schema)
            elif name == "record":
                schema = p.record_package_schema
                self._nodes[name] = self.compiler.compile(schema["definitions"]["record"], schema)
            else:  # "release package" / "record package": the package without its items
                schema = p.release_package_schema if name == "release package" else p.record_package_schema
                key = "releases" if name == "release package" else "records"
                shell = copy.deepcopy(schema)
                items = shell.get("properties", {}).get(key)
                if isinstance(items, dict):
                    for keyword in ("items", "uniqueItems"):
                        items.pop(keyword, None)
                self._nodes[name] = Compiler(p).compile(shell)
        return self._nodes[name]


class Validator(DocumentVisitor):
    """Validates documents one after another, accumulating findings and statistics."""

    def __init__(
        self, store: SchemaStore, options: ValidateOptions, progress: Callable[[int], None] | None = None
    ) -> None:
        self.store = store
        self.options = options
        self.jobs = default_jobs() if options.jobs is None else max(1, options.jobs)
        self.parallel_after = PARALLEL_AFTER
        self.findings = Findings(options.max_locations)
        self.stats = Statistics()
        self.result = ValidationResult(findings=self.findings, statistics=self.stats)
        self.progress = progress
        self._compiled: dict[int, _Compiled] = {}
        self._done = 0
        self._summary: SourceSummary | None = None
        self.names = coherence.NameVariants()

    def compiled(self, profile: Profile) -> _Compiled:
        if id(profile) not in self._compiled:
            self._compiled[id(profile)] = _Compiled(profile)
        return self._compiled[id(profile)]

    def profile_for(self, metadata: dict, source: str) -> Profile:
        version = self.options.schema_version
        if version is None:
            declared = metadata.get("version")
            if isinstance(declared, str):
                if declared not in TAGS:
                    raise VersionError(source=source, version=declared)
                version = declared
            else:
                version = "1.1"
        extensions = metadata.get("extensions")
        extensions = extensions if isinstance(extensions, list) else []
        return load_profile(self.store, version, extensions)

    # -- documents ------------------------------------------------------------------------------
    def document(self, doc: Document) -> None:
        """Validate one top-level JSON value."""
        self.findings.source = doc.source
        self._summary = None
        self.visit(doc)
        if self.options.quality_checks:
            self.names.report(self.findings)
        if doc.shape == "array" and self._summary is not None and self._summary.count == 0:
            # As {"releases": []} is an error, so is a list of nothing.
            self.findings.add("empty_array", (), None)

    def not_object(self, doc: Document, path: tuple, value: Any, expected: str) -> None:
        self.findings.add("not_an_object", path, value, expected=expected)
        self.result.sources.append(SourceSummary(doc.source, doc.number, "invalid", None))

    def array(self, doc: Document) -> None:
        self._summary = SourceSummary(doc.source, doc.number, "array", None)
        self.result.sources.append(self._summary)

    def bare(self, value: Any, doc: Document, path: tuple) -> None:
        """A release or record outside a package."""
        summary = self._summary
        if summary is None:
            summary = SourceSummary(doc.source, doc.number, "object", None)
            self.result.sources.append(summary)
        summary.count += 1
        if not isinstance(value, dict):
            self.findings.add("not_an_object", path, value, expected="release")
            return
        profile = self.profile_for({}, doc.source)
        summary.version = profile.version
        record = is_record(value)
        summary.kind = "record" if record else "release"
        self.findings.add("not_packaged", path, None, kind=summary.kind)
        if record:
            self.record(profile, value, path)
        else:
            self.release(profile, value, path)

    def package(self, metadata: dict, doc: Document, path: tuple, items: Items | None) -> None:
        streamed = items is not None and doc.shape == "package"
        if not streamed or {"version", "extensions"} <= doc.leading:
            self.check_package(metadata, doc, path, items)
            return
        # The file is read once, on the guess that no "version" or "extensions" comes after the
        # releases; when one does, what was found is undone and the package is read again.
        snapshot = self._snapshot()
        try:
            self.check_package(metadata, doc, path, items)
            late = doc.late_keys() & {"version", "extensions"}
            if late:
                self.profile_for(metadata, doc.source)
        except VersionError:
            self._restore(snapshot)
            raise
        if late:
            self._restore(snapshot)
            with reread_document(doc) as again:
                self.check_package(again.metadata, again, path, again.items)

    def _snapshot(self) -> tuple:
        groups = {key: (g.count, len(g.locations)) for key, g in self.findings.groups.items()}
        return groups, copy.deepcopy(self.stats), len(self.result.sources), self._done, self._summary

    def _restore(self, snapshot: tuple) -> None:
        groups, stats, sources, done, summary = snapshot
        for key in [k for k in self.findings.groups if k not in groups]:
            del self.findings.groups[key]
        for key, (count, kept) in groups.items():
            group = self.findings.groups[key]
            group.count = count
            del group.locations[kept:]
        self.stats = self.result.statistics = stats
        del self.result.sources[sources:]
        self._done, self._summary = done, summary

    def check_package(self, metadata: dict, doc: Document, path: tuple, items: Items | None) -> None:
        """Validate one package: its items, then the package without them."""
        if self._summary is not None:
            self._summary.count += 1
        source = doc.source
        key = package_key(metadata)
        kind = "record package" if key == "records" else "release package"
        profile = self.profile_for(metadata, source)
        summary = SourceSummary(source, doc.number, kind, profile.version, extensions=profile.extensions)
        self.result.sources.append(summary)
        for status in profile.extensions:
            if not status.applied:
                self.findings.add("extension_unavailable", path + ("extensions",), status.url, problem=status.problem)
        item_text = doc.item_text if items is not None and doc.shape == "package" else None
        if items is None:
            items, metadata = package_items(metadata)
        seen: set = set()
        dupes: list = []
        idless: dict[int, int] = {}
        idless_dupe = False
        shared = _Shared(self, profile, source) if self.jobs > 1 and key == "releases" and item_text else None
        try:
            for _, index, item in items:
                item_path = path + (key, index)
                if shared is not None and index >= self.parallel_after:
                    # Workers check releases from their JSON text; statistics and uniqueness stay here,
                    # where the order of the items is known.
                    shared.add(item_path, item, item_text)
                    self.stats.add_release(item)
                    if self.options.quality_checks:
                        self.names.add(item, item_path)
                    ids = (item.get("ocid"), item.get("id")) if isinstance(item, dict) else None
                elif key == "releases":
                    self.release(profile, item, item_path)
                    ids = (item.get("ocid"), item.get("id")) if isinstance(item, dict) else None
                else:
                    self.record(profile, item, item_path)
                    ids = (item.get("ocid"),) if isinstance(item, dict) else None
                if ids and all(isinstance(i, str | int | float) and not isinstance(i, bool) for i in ids):
                    if ids in seen:
                        dupes.append(ids)
                    seen.add(ids)
                else:
                    digest = hash(repr(item))
                    if digest in idless:
                        idless_dupe = True
                    idless[digest] = index
                summary.count += 1
        finally:
            # Batches in flight hold the findings of releases already read: merged even when the
            # input breaks off.
            if shared is not None:
                shared.finish()
        # The item array is checked against the package schema without its items, which were walked above.
        value = metadata.get(key)
        if isinstance(value, ItemArray):
            metadata = {**metadata, key: [0] * min(value.count, 1)}
        self.compiled_walker(profile).walk(self.compiled(profile).node(kind), metadata, path)
        if idless_dupe:
            self.findings.add("schema", path + (key,), None, type="uniqueItems", field=key, duplicate=None)
        check = "unique_release_id" if key == "releases" else "unique_record_ocid"
        for ids in sorted(set(dupes), key=repr):
            self.findings.add(check, path + (key,), ", ".join(map(str, ids)), type="uniqueItems", field=key)

    def compiled_walker(self, profile: Profile) -> Walker:
        compiled = self.compiled(profile)
        walker = getattr(compiled, "walker", None)
        if walker is None:
            walker = compiled.walker = Walker(profile, self.findings, quality_checks=self.options.quality_checks)
        return walker

    # -- items ----------------------------------------------------------------------------------
    def release(self, profile: Profile, release: Any, path: tuple) -> None:
        """Validate one release."""
        self.check_release(profile, release, path, self.compiled_walker(profile), self.findings)
        self.stats.add_release(release)
        if self.options.quality_checks:
            self.names.add(release, path)
        self.tick()

    def check_release(self, profile: Profile, release: Any, path: tuple, walker: Walker, findings: Findings) -> None:
        """The checks that need nothing but the release itself: schema, OCID and quality."""
        compiled = self.compiled(profile)
        if not compiled.clean_check(self.options.quality_checks).clean(release):
            walker.walk(compiled.node("release"), release, path)
        if isinstance(release, dict):
            self.ocid(release, path, findings)
            if self.options.quality_checks:
                quality.check_release(release, path, findings)

    def check_batch(self, profile: Profile, source: str, batch: Iterable[tuple[tuple, Any]]) -> Findings:
        """Check releases into findings of their own, to be merged in order (``batch`` may be a
        generator: each release is checked as soon as it is made, while it is in the CPU's caches)."""
        findings = Findings(self.findings.max_locations)
        findings.source = source
        walker = Walker(profile, findings, quality_checks=self.options.quality_checks)
        for path, release in batch:
            self.check_release(profile, release, path, walker, findings)
        return findings

    def record(self, profile: Profile, record: Any, path: tuple) -> None:
        """Validate one record, its embedded releases and its compiled release."""
        self.compiled_walker(profile).walk(self.compiled(profile).node("record"), record, path)
        if isinstance(record, dict):
            self.stats.add_record(record)
            self.ocid(record, path)
            releases = record.get("releases")
            if isinstance(releases, list):
                for j, release in enumerate(releases):
                    if isinstance(release, dict):
                        self.ocid(release, path + ("releases", j))
                        if self.options.quality_checks and "id" in release:
                            quality.check_release(release, path + ("releases", j), self.findings)
                            self.names.add(release, path + ("releases", j))
            compiled = record.get("compiledRelease")
            if isinstance(compiled, dict):
                self.ocid(compiled, path + ("compiledRelease",))
                if self.options.quality_checks:
                    quality.check_release(compiled, path + ("compiledRelease",), self.findings)
                    self.names.add(compiled, path + ("compiledRelease",))
        self.tick()

    def ocid(self, obj: dict, path: tuple, findings: Findings | None = None) -> None:
        findings = self.findings if findings is None else findings
        ocid = obj.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            return
        prefix = self.options.ocid_prefix
        if prefix and not (ocid.startswith(prefix) and ocid[len(prefix) : len(prefix) + 1] in ("", "-")):
            # One OCID, one problem: the error already says which prefix it must have.
            findings.add("ocid_prefix_registered", path + ("ocid",), ocid, prefix=prefix)
        elif not OCID_PREFIX.match(ocid):
            findings.add("ocid_prefix_format", path + ("ocid",), ocid)

    def tick(self, n: int = 1) -> None:
        before = self._done
        self._done += n
        if self.progress is not None and self._done // 200 != before // 200:
            self.progress(self._done)


#: In a worker process: the validator and profile that its initializer built.
_WORKER: tuple[Validator, Profile] | None = None
#: Batches handed to worker processes in this process's lifetime (tests look at it).
worker_batches = 0


def _init_worker(options: ValidateOptions, dirs: list, version: str, extensions: list) -> None:
    global _WORKER
    store = SchemaStore(options.schema_dir, offline=options.offline)
    store.dirs = [tuple(d) for d in dirs]
    validator = Validator(store, options)
    profile = load_profile(store, version, extensions)
    validator.compiled(profile).clean_check(options.quality_checks)
    _WORKER = (validator, profile)


def _check_texts(task: tuple[str, list[tuple[tuple, str]]]) -> Findings:
    assert _WORKER is not None
    validator, profile = _WORKER
    source, batch = task
    return validator.check_batch(profile, source, ((path, json.loads(text)) for path, text in batch))


class _Shared:
    """Shares the checking of one package's releases between this process and workers.

    This process has already decoded each release (to find where it ends); a worker decodes it again
    from its text, which costs less than sending the decoded release. A batch goes to the workers
    while they have fewer than ``IN_FLIGHT`` batches each to do, and is checked here otherwise, so
    that neither side waits for the other whatever the share of reading and checking. A batch checked
    here is checked release by release as they are read (a release checked long after it was decoded
    is no longer in the CPU's caches, which doubles the cost); the results of all batches are merged in
    input order.
    """

    IN_FLIGHT = 4

    def __init__(self, validator: Validator, profile: Profile, source: str) -> None:
        self.validator = validator
        self.profile = profile
        self.source = source
        self.texts: list[tuple[tuple, str]] | None = None  # a batch for the workers
        self.local: tuple[Findings, Walker] | None = None  # or a batch checked here
        self.size = 0
        self.pending: deque = deque()
        self.remote = 0
        store = validator.store
        self.pool = WorkerPool(
            max(1, validator.jobs - 1),
            _init_worker,
            (validator.options, store.dirs, profile.version, [e.url for e in profile.extensions]),
            lazy=True,
            in_process=False,
        )

    def add(self, path: tuple, release: Any, text: Callable[[], str]) -> None:
        """One release, and how to get its JSON text (only a worker's batch needs it)."""
        if self.texts is None and self.local is None:
            self._start()
        if self.texts is not None:
            self.texts.append((path, text()))
        else:
            assert self.local is not None
            findings, walker = self.local
            self.validator.check_release(self.profile, release, path, walker, findings)
        self.size += 1
        if self.size >= BATCH:
            self._end()

    def _start(self) -> None:
        self.pool.start()
        if self.pool.pool is not None and self.remote < self.IN_FLIGHT * self.pool.jobs:
            self.texts = []
        else:
            findings = Findings(self.validator.findings.max_locations)
            findings.source = self.source
            quality = self.validator.options.quality_checks
            self.local = (findings, Walker(self.profile, findings, quality_checks=quality))

    def _end(self) -> None:
        global worker_batches
        if self.texts is not None:
            self.pending.append((self.size, self.pool.submit(_check_texts, (self.source, self.texts))))
            self.remote += 1
            worker_batches += 1
        elif self.local is not None:
            self.pending.append((self.size, self.local[0]))
        self.texts = self.local = None
        self.size = 0
        while self.pending and (isinstance(self.pending[0][1], Findings) or self.pending[0][1].ready()):
            self._collect()
        while len(self.pending) > 4 * (self.IN_FLIGHT * self.pool.jobs + 1):
            self._collect()  # results held for the order stay few

    def _collect(self) -> None:
        n, result = self.pending.popleft()
        if not isinstance(result, Findings):
            result = result.get()
            self.remote -= 1
        self.validator.findings.merge(result)
        self.validator.tick(n)

    def finish(self) -> None:
        """Check what is left and merge every result; stop the workers."""
        try:
            if self.size:
                self._end()
            while self.pending:
                self._collect()
        finally:
            self.pool.close()


def validate(
    sources: str | os.PathLike | Iterable[str | os.PathLike],
    options: ValidateOptions | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    **fields: Any,
) -> ValidationResult:
    """Validate OCDS files and return every problem found.

    ``sources`` are files, directories (their ``.json``/``.jsonl``/``.gz`` files) or ``"-"`` for
    standard input. ``options`` (or the same fields as keyword arguments: ``ocid_prefix=``,
    ``schema_dir=``, ``jobs=``…) are a :class:`~ocds_cdmx.core.options.ValidateOptions`. Unreadable
    input does not raise: it is in ``result.input_errors`` and makes ``result.exit_code`` 2. Schemas
    are looked up as :class:`~ocds_cdmx.schema.SchemaStore` explains. With ``jobs`` > 1 (default: one
    per CPU) worker processes share the checking of large packages; the result is the same whatever
    their number.

    >>> result = validate("releases.json", ocid_prefix="ocds-87sd3t")  # doctest: +SKIP
    >>> result.exit_code, result.errors, result.warnings  # doctest: +SKIP
    """
    options = with_fields(ValidateOptions, options, fields)
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    store = SchemaStore(options.schema_dir, offline=options.offline)
    validator = Validator(store, options, progress)
    result = validator.result
    try:
        paths = expand_sources([str(s) for s in sources])
    except CdmxError as e:
        result.input_errors.append(e)
        return result
    for path in paths:
        try:
            with contextlib.ExitStack() as stack:
                real, label = stack.enter_context(spooled(path))
                for doc in iter_documents(real, options.encoding, label=label, lookahead=False):
                    validator.document(doc)
        except CdmxError as e:
            result.input_errors.append(e)
    result.statistics.finish()
    return result

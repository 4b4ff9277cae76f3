"""Validate OCDS release and record packages: read → check → findings.

:func:`validate` streams every source, one release or record at a time, through the schema walker
(:mod:`ocds_cdmx.checks.schema`), the OCDS rules below, the quality checks and the statistics.
"""

from __future__ import annotations

import contextlib
import copy
import json
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .checks import quality
from .checks.schema import Compiler, Node, Walker
from .checks.stats import Statistics
from .findings import Counted, Findings
from .jsonio import Document, InputError, ItemArray, expand_sources, iter_documents, spooled_stdin
from .schema import TAGS, Profile, SchemaError, SchemaStore, load_profile
from .workers import default_jobs

OCID_PREFIX = re.compile(r"^ocds-[a-z0-9]{6}")
#: Releases per batch handed to a worker, and how many releases a package must have read before a
#: worker is started (small files are not worth its start-up).
BATCH = 200
PARALLEL_AFTER = 2000


class VersionError(Exception):
    """The data declares an OCDS version that no schema exists for."""

    def __init__(self, source: str, version: Any) -> None:
        super().__init__(f"{source}: version {version!r}")
        self.key = "version"
        self.source = source
        self.version = version


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


@dataclass
class ValidationResult(Counted):
    """Everything :func:`validate` found. ``exit_code`` is 0 valid, 1 data errors, 2 unreadable input."""

    findings: Findings
    statistics: Statistics
    sources: list[SourceSummary] = field(default_factory=list)
    input_errors: list[Exception] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and not self.input_errors

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors else 0


class _Compiled:
    """The compiled nodes of one profile, built on first use."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.compiler = Compiler(profile)
        self._nodes: dict[str, Node] = {}

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


class Validator:
    """Validates documents one after another, accumulating findings and statistics."""

    def __init__(
        self,
        store: SchemaStore,
        *,
        ocid_prefix: str | None = None,
        schema_version: str | None = None,
        quality_checks: bool = True,
        max_locations: int = 100,
        progress: Callable[[int], None] | None = None,
        jobs: int = 1,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.parallel_after = PARALLEL_AFTER
        self.ocid_prefix = ocid_prefix
        self.schema_version = schema_version
        self.quality_checks = quality_checks
        self.findings = Findings(max_locations)
        self.stats = Statistics()
        self.result = ValidationResult(self.findings, self.stats)
        self.progress = progress
        self._compiled: dict[int, _Compiled] = {}
        self._done = 0

    def compiled(self, profile: Profile) -> _Compiled:
        if id(profile) not in self._compiled:
            self._compiled[id(profile)] = _Compiled(profile)
        return self._compiled[id(profile)]

    def profile_for(self, metadata: dict, source: str) -> Profile:
        version = self.schema_version
        if version is None:
            declared = metadata.get("version")
            if isinstance(declared, str):
                if declared not in TAGS:
                    raise VersionError(source, declared)
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
        if doc.shape == "scalar":
            self.findings.add("not_an_object", (), doc.metadata.get("value"), expected="package")
            self.result.sources.append(SourceSummary(doc.source, doc.number, "invalid", None))
            return
        if doc.shape == "array":
            summary = SourceSummary(doc.source, doc.number, "array", None)
            self.result.sources.append(summary)
            for _, index, value in doc.items:
                summary.count += 1
                if isinstance(value, dict) and ("releases" in value or "records" in value):
                    self.package(value, doc.source, doc.number, (index,), items=None)
                else:
                    self.bare(value, doc.source, (index,), summary)
            return
        metadata = doc.metadata
        if doc.shape == "package" or "releases" in metadata or "records" in metadata:
            streamed = doc.shape == "package"
            self.package(
                metadata,
                doc.source,
                doc.number,
                (),
                items=doc.items if streamed else None,
                item_text=doc.item_text if streamed else None,
            )
        else:
            summary = SourceSummary(doc.source, doc.number, "object", None, count=1)
            self.result.sources.append(summary)
            self.bare(metadata, doc.source, (), summary)

    def bare(self, value: Any, source: str, path: tuple, summary: SourceSummary) -> None:
        """A release or record outside a package."""
        if not isinstance(value, dict):
            self.findings.add("not_an_object", path, value, expected="release")
            return
        profile = self.profile_for({}, source)
        summary.version = profile.version
        is_record = "compiledRelease" in value or ("releases" in value and "tag" not in value)
        summary.kind = "record" if is_record else "release"
        self.findings.add("not_packaged", path, None, kind=summary.kind)
        if is_record:
            self.record(profile, value, path)
        else:
            self.release(profile, value, path)

    def package(
        self,
        metadata: dict,
        source: str,
        number: int,
        path: tuple,
        items: Iterator[tuple[str | None, int | None, Any]] | None,
        item_text: Callable[[], str] | None = None,
    ) -> None:
        key = "records" if "records" in metadata else "releases"
        kind = "record package" if key == "records" else "release package"
        profile = self.profile_for(metadata, source)
        summary = SourceSummary(source, number, kind, profile.version, extensions=profile.extensions)
        self.result.sources.append(summary)
        for status in profile.extensions:
            if not status.applied:
                self.findings.add("extension_unavailable", path + ("extensions",), status.url, problem=status.problem)
        if items is None:  # an in-memory package: its items are a plain list
            value = metadata.get(key)
            items = ((key, i, v) for i, v in enumerate(value)) if isinstance(value, list) else iter(())
            if isinstance(value, list):
                metadata = {**metadata, key: ItemArray(len(value))}
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
                    shared.add(item_path, item, item_text())
                    self.stats.add_release(item)
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
            walker = compiled.walker = Walker(profile, self.findings)
        return walker

    # -- items ----------------------------------------------------------------------------------
    def release(self, profile: Profile, release: Any, path: tuple) -> None:
        """Validate one release."""
        self.check_release(profile, release, path, self.compiled_walker(profile), self.findings)
        self.stats.add_release(release)
        self.tick()

    def check_release(self, profile: Profile, release: Any, path: tuple, walker: Walker, findings: Findings) -> None:
        """The checks that need nothing but the release itself: schema, OCID and quality."""
        walker.walk(self.compiled(profile).node("release"), release, path)
        if isinstance(release, dict):
            self.ocid(release, path, findings)
            if self.quality_checks:
                quality.check_release(release, path, findings)

    def check_batch(self, profile: Profile, source: str, batch: list[tuple[tuple, Any]]) -> Findings:
        """Check releases into findings of their own, to be merged in order."""
        findings = Findings(self.findings.max_locations)
        findings.source = source
        walker = Walker(profile, findings)
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
                        if self.quality_checks and "id" in release:
                            quality.check_release(release, path + ("releases", j), self.findings)
            compiled = record.get("compiledRelease")
            if isinstance(compiled, dict):
                self.ocid(compiled, path + ("compiledRelease",))
                if self.quality_checks:
                    quality.check_release(compiled, path + ("compiledRelease",), self.findings)
        self.tick()

    def ocid(self, obj: dict, path: tuple, findings: Findings | None = None) -> None:
        findings = self.findings if findings is None else findings
        ocid = obj.get("ocid")
        if not isinstance(ocid, str) or not ocid:
            return
        if not OCID_PREFIX.match(ocid):
            findings.add("ocid_prefix_format", path + ("ocid",), ocid)
        if self.ocid_prefix and not (
            ocid.startswith(self.ocid_prefix) and ocid[len(self.ocid_prefix) : len(self.ocid_prefix) + 1] in ("", "-")
        ):
            findings.add("ocid_prefix_registered", path + ("ocid",), ocid, prefix=self.ocid_prefix)

    def tick(self, n: int = 1) -> None:
        before = self._done
        self._done += n
        if self.progress is not None and self._done // 200 != before // 200:
            self.progress(self._done)


# The validator that forked workers inherit: set just before their pool starts, only read in workers.
_FORKED: tuple[Validator, Profile] | None = None


def _check_texts(task: tuple[str, list[tuple[tuple, str]]]) -> Findings:
    assert _FORKED is not None
    validator, profile = _FORKED
    source, batch = task
    return validator.check_batch(profile, source, [(path, json.loads(text)) for path, text in batch])


class _Shared:
    """Shares the checking of one package's releases between this process and a worker.

    This process has already decoded each release (to find where it ends); the worker decodes it again
    from its text, which costs less than sending the decoded release. So this process keeps a share of
    the batches for itself, and the results of all batches are merged in input order.
    """

    LOCAL_EVERY = 2  # one batch in two is checked here

    def __init__(self, validator: Validator, profile: Profile, source: str) -> None:
        self.validator = validator
        self.profile = profile
        self.source = source
        self.batch: list[tuple[tuple, Any, str]] = []
        self.count = 0
        self.pending: deque = deque()
        self.pool: Any = None

    def add(self, path: tuple, release: Any, text: str) -> None:
        self.batch.append((path, release, text))
        if len(self.batch) >= BATCH:
            self._submit()

    def _submit(self) -> None:
        batch, self.batch = self.batch, []
        self.count += 1
        if self.pool is None:
            self._start()
        if self.pool is None or self.count % self.LOCAL_EVERY == 0:
            findings = self.validator.check_batch(self.profile, self.source, [(p, r) for p, r, _ in batch])
            self.pending.append((len(batch), findings))
        else:
            task = (self.source, [(p, t) for p, _, t in batch])
            self.pending.append((len(batch), self.pool.apply_async(_check_texts, (task,))))
        while len(self.pending) > 4 or (self.pending and isinstance(self.pending[0][1], Findings)):
            self._collect()

    def _start(self) -> None:
        global _FORKED
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        self.validator.compiled(self.profile).node("release")  # compiled once, before the fork
        _FORKED = (self.validator, self.profile)
        self.pool = multiprocessing.get_context("fork").Pool(max(1, self.validator.jobs - 1))

    def _collect(self) -> None:
        n, result = self.pending.popleft()
        self.validator.findings.merge(result if isinstance(result, Findings) else result.get())
        self.validator.tick(n)

    def finish(self) -> None:
        """Check what is left and merge every result; stop the worker."""
        if self.batch:
            self._submit()
        while self.pending:
            self._collect()
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None


def validate(
    sources: str | os.PathLike | Iterable[str | os.PathLike],
    *,
    schema_dir: str | os.PathLike | None = None,
    offline: bool | None = None,
    ocid_prefix: str | None = None,
    schema_version: str | None = None,
    encoding: str | None = None,
    quality_checks: bool = True,
    max_locations: int = 100,
    progress: Callable[[int], None] | None = None,
    jobs: int | None = None,
) -> ValidationResult:
    """Validate OCDS files and return every problem found.

    ``sources`` are files, directories (their ``.json``/``.jsonl``/``.gz`` files) or ``"-"`` for
    standard input. Unreadable input does not raise: it is in ``result.input_errors`` and makes
    ``result.exit_code`` 2. Schemas are looked up as :class:`~ocds_cdmx.schema.SchemaStore` explains.
    With ``jobs`` > 1 (default: one per CPU) a worker process shares the checking of large packages;
    the result is the same whatever the number.

    >>> result = validate("releases.json", ocid_prefix="ocds-87sd3t")  # doctest: +SKIP
    >>> result.exit_code, result.errors, result.warnings  # doctest: +SKIP
    """
    if isinstance(sources, str | os.PathLike):
        sources = [sources]
    store = SchemaStore(schema_dir, offline=offline)
    validator = Validator(
        store,
        ocid_prefix=ocid_prefix,
        schema_version=schema_version,
        quality_checks=quality_checks,
        max_locations=max_locations,
        progress=progress,
        jobs=default_jobs() if jobs is None else max(1, jobs),
    )
    result = validator.result
    try:
        paths = expand_sources([str(s) for s in sources])
    except InputError as e:
        result.input_errors.append(e)
        return result
    for path in paths:
        try:
            with contextlib.ExitStack() as stack:
                real = stack.enter_context(spooled_stdin()) if path == "-" else path
                for doc in iter_documents(real, encoding, label="<stdin>" if path == "-" else path):
                    validator.document(doc)
        except (InputError, SchemaError, VersionError) as e:
            result.input_errors.append(e)
    return result

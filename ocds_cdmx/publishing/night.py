"""One agency's night: convert its files → compare with the store → the night's releases → validate → store.

Everything before the store is written to a scratch directory: the conversions, the night's release
package (exactly as it will be published, so that what is validated is what is published), the rows to
store. Then one transaction stores the night (:meth:`Store.store_night`); an agency whose files cannot be
read, whose data has errors or whose releases are invalid stores only its failure, and its last good
data stays online.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..conversion import Incremental, convert
from ..conversion.mapping import Mapping
from ..core.findings import Key
from ..core.options import ConvertOptions
from ..core.release_ids import content_hash
from ..io.jsonin import iter_documents
from ..io.output import PackageWriter
from ..io.scratch import RELEASE, Item, RunWriter, iter_groups, load
from ..merging.compile import rules_from_schema
from ..schema import SchemaStore, load_profile
from ..validation import validate
from .changes import Changes
from .config import Agency, Config
from .layout import night_package_path, url_of
from .results import FAILED, PUBLISHED, UNCHANGED, AgencyResult
from .store import Store

DUMPS = {"ensure_ascii": False, "separators": (",", ":")}


class _Fingerprints(Incremental):
    """Skips the processes whose rows are those the store last published, and lists every process's
    fingerprint in a file (one JSON line each, in OCID order) for the comparison."""

    def __init__(self, known: dict[str, str], path: str) -> None:
        self.known = known
        self.out = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed by the caller

    def unchanged(self, ocid: str, fingerprint: str) -> bool:
        return self.known.get(ocid) == fingerprint

    def seen(self, ocid: str, fingerprint: str, *, built: bool, clean: bool) -> None:
        self.out.write(json.dumps([ocid, fingerprint, built, clean], ensure_ascii=False) + "\n")


def convert_agency(task: tuple) -> list:
    """Convert each of an agency's file groups into a release package in ``scratch`` (run in a worker).
    With ``known`` fingerprints (an agency of one file group), the processes whose rows did not change
    are not built; each conversion then comes with the file of its fingerprints. ``agency`` (name, key)
    is the configuration's, for a mapping that names no agency."""
    files, mapping, scratch, night, schema_dir, offline, max_locations, known, agency = task
    name, key = agency if agency is not None else (None, None)
    results = []
    for index, group in enumerate(files):
        output = os.path.join(scratch, f"conversion-{index}.json")
        options = ConvertOptions(
            schema_dir=schema_dir, offline=offline, published_date=night,
            validate_output=False, max_locations=max_locations, agency=name, agency_key=key,
        )  # fmt: skip
        source = group[0] if len(group) == 1 else group
        incremental = None
        if known is not None:
            incremental = _Fingerprints(known, os.path.join(scratch, f"fingerprints-{index}.jsonl"))
        try:
            result = convert(source, mapping, output, options, incremental=incremental)
        finally:
            if incremental is not None:
                incremental.out.close()
        marks = incremental.out.name if incremental is not None and result.written else None
        results.append((output, result, marks))
    return results


def package_metadata(config: Config, agency: Agency, night: str, extensions: list[str]) -> dict:
    """The night's release package, without its releases (stored with the night, so that rebuilding it
    from the store gives the same bytes whatever the configuration says later)."""
    package: dict[str, Any] = {
        "uri": url_of(config, night_package_path(agency.key, night)),
        "version": "1.1",
        "publishedDate": night,
        "publisher": config.publisher,
    }
    if config.license:
        package["license"] = config.license
    if config.publication_policy:
        package["publicationPolicy"] = config.publication_policy
    if extensions:
        package["extensions"] = extensions
    return package


def write_package(out: Any, metadata: dict, texts: Iterator[str]) -> int:
    """Write a release package from release texts, as the publication has it; the number written."""
    writer = PackageWriter(out, metadata, "releases", compact=True)
    for text in texts:
        writer.write_texts([text])
    writer.close()
    return writer.count


class AgencyNight:
    """Compares an agency's converted releases with the store and stores the night."""

    def __init__(
        self, config: Config, agency: Agency, mapping: Mapping, store: Store, result: AgencyResult, scratch: str,
        schema_dir: str | None, offline: bool | None, max_locations: int, jobs: int | None,
    ) -> None:  # fmt: skip
        self.config = config
        self.agency = agency
        self.mapping = mapping
        self.store = store
        self.result = result
        self.scratch = scratch
        self.schema_dir = schema_dir
        self.offline = offline
        self.max_locations = max_locations
        self.jobs = jobs
        self.extensions = [e for e in mapping.data.get("extensions", []) if isinstance(e, str)]
        self.findings = result.findings

    def fail(self, problem: str) -> None:
        self.result.status = FAILED
        if problem not in self.result.problems:
            self.result.problems.append(problem)

    def take_conversions(self, converted: list) -> list[str]:
        """The conversions' outputs that can be used; an agency with a conversion that failed fails."""
        outputs = []
        self.marks = []
        for output, conversion, marks in converted:
            self.result.conversions.append(conversion)
            if conversion.input_errors:
                self.fail("files_unreadable")
            elif conversion.exit_code != 0:
                self.fail("data_errors")
            elif conversion.written:
                outputs.append(output)
                self.marks.append(marks)
        if not converted:
            self.fail("no_files")
        return outputs

    def compare(self, outputs: list[str], night: str) -> tuple[str, str, str, dict, str] | None:
        """Tonight's releases: the night package and the rows to store, in the scratch directory. Returns
        (package path, releases path, processes path, package metadata, fingerprints path), or None when
        the agency fails."""
        store_schema = SchemaStore(self.schema_dir, offline=self.offline)
        profile = load_profile(store_schema, "1.1", self.extensions)
        changes = Changes(rules_from_schema(profile.release_schema), profile.release_schema)
        # A mapping's own ids hash the release's content (core.release_ids): the latest stage's id then
        # tells its state, without hashing it again. OCDS-path workbooks carry ids of their own.
        minted = self.mapping.data.get("mode") != "ocds-paths"
        metadata = package_metadata(self.config, self.agency, night, self.extensions)
        package_path = os.path.join(self.scratch, "night.json")
        releases_path = os.path.join(self.scratch, "releases.jsonl")
        processes_path = os.path.join(self.scratch, "processes.jsonl")
        fingerprints_path = os.path.join(self.scratch, "fingerprints.jsonl")
        stored = self.store.agency_processes(self.agency.key)
        current = next(stored, None)
        new_ocids: list[str] = []
        with (
            open(package_path, "w", encoding="utf-8") as package,
            open(releases_path, "w", encoding="utf-8") as rows,
            open(processes_path, "w", encoding="utf-8") as processes,
            open(fingerprints_path, "w", encoding="utf-8") as fingerprints,
        ):
            writer = PackageWriter(package, metadata, "releases", compact=True)
            for ocid, items, mark in self._tonight(outputs, minted):
                while current is not None and current[0] < ocid:
                    self._vanished(current[0])
                    current = next(stored, None)
                previous = current if current is not None and current[0] == ocid else None
                if previous is not None:
                    current = next(stored, None)
                if items is None:  # its rows are those of what was last published: not even built
                    self.result.unchanged += 1
                    continue
                sources = sorted({it.source for it in items})
                if len(sources) > 1:
                    self.findings.source = self.agency.key
                    self.findings.add("publish_ocid_in_several_files", (Key(ocid),), ocid, files=", ".join(sources))
                # The conversion that comes last wins: files are in the configuration's order.
                chosen = max(sources, key=outputs.index)
                stage_releases = [it.data for it in items if it.source == chosen]
                for release in stage_releases:
                    # A release whose date columns are blank was first recorded tonight.
                    if not release.get("date"):
                        release["date"] = night
                outcome = changes.outcome(
                    ocid, stage_releases, previous[1] if previous else None,
                    lambda ocid=ocid: [json.loads(text) for _, _, _, text in self.store.releases_of(ocid)],
                    night, f"id:{stage_releases[-1]['id']}" if minted else None,
                )  # fmt: skip
                for path in outcome.kept:
                    self.findings.source = self.agency.key
                    field = "/".join(str(p) for p in path)
                    self.findings.add("publish_value_not_removable", (Key(ocid), field), None, field=field)
                if mark is not None:
                    # A process whose building or comparison had something to say is built again
                    # the next night, to say it again.
                    clean = mark[1] and not outcome.kept
                    fingerprints.write(json.dumps([ocid, mark[0] if clean else None]) + "\n")
                if outcome.kind == "unchanged":
                    self.result.unchanged += 1
                    continue
                if outcome.kind == "new":
                    self.result.new += 1
                    new_ocids.append(ocid)
                else:
                    self.result.updated += 1
                last_date = max(str(r["date"]) for r in outcome.releases)
                if previous is not None:
                    last_date = max(last_date, previous[2])
                for release in outcome.releases:
                    text = json.dumps(release, **DUMPS)
                    writer.write_texts([text])
                    digest = content_hash(release)
                    rows.write(json.dumps([ocid, release["id"], release["date"], digest, text], **DUMPS) + "\n")
                    self.result.releases += 1
                processes.write(json.dumps([ocid, outcome.state, last_date, len(outcome.releases), night]) + "\n")
            while current is not None:
                self._vanished(current[0])
                current = next(stored, None)
            writer.close()
        owners = self.store.owners(new_ocids) if new_ocids else {}
        for ocid, owner in sorted(owners.items()):
            self.findings.source = self.agency.key
            self.findings.add("publish_ocid_of_other_agency", (Key(ocid),), ocid, agency=owner)
            self.fail("ocid_of_other_agency")
        return package_path, releases_path, processes_path, metadata, fingerprints_path

    def _tonight(self, outputs: list[str], minted: bool) -> Iterator[tuple[str, list[Item] | None, tuple | None]]:
        """``(ocid, items, mark)`` of tonight's processes in OCID order: ``items`` None for a process the
        conversion skipped (unchanged), ``mark`` its ``(fingerprint, clean)`` when the conversion has
        fingerprints (one conversion of a mapping)."""
        marks = self.marks[0] if len(outputs) == 1 and minted and self.marks and self.marks[0] else None
        if marks is None:
            for ocid, items in self._groups(outputs, minted):
                yield ocid, items, None
            return
        groups = self._groups(outputs, minted)
        group = next(groups, None)
        with open(marks, encoding="utf-8") as f:
            for line in f:
                ocid, fingerprint, built, clean = json.loads(line)
                if not built:
                    yield ocid, None, None
                    continue
                # A process built into no release (no stage) has no group.
                while group is not None and group[0] < ocid:
                    yield group[0], group[1], None
                    group = next(groups, None)
                if group is not None and group[0] == ocid:
                    yield ocid, group[1], (fingerprint, clean)
                    group = next(groups, None)
        while group is not None:
            yield group[0], group[1], None
            group = next(groups, None)

    def _groups(self, outputs: list[str], in_order: bool) -> Iterator[tuple[str, list[Item]]]:
        """Tonight's releases by OCID, in OCID order. A mapping's conversion writes them in that order
        (it groups rows by OCID, sorted as the store sorts): one is read as it is; several, or an
        OCDS-path workbook's, are grouped on disk first."""
        if len(outputs) == 1 and in_order:
            for ocid, group in itertools.groupby(_releases(outputs[0]), key=lambda r: r["ocid"]):
                yield ocid, [Item(RELEASE, outputs[0], "", r) for r in group]
            return
        runs = []
        for index, output in enumerate(outputs):
            run = os.path.join(self.scratch, f"run-{index}.sqlite")
            writer = RunWriter(run)
            for release in _releases(output):
                writer.add(release["ocid"], RELEASE, output, "", release)
            writer.close()
            runs.append(run)
        for ocid, group in iter_groups(runs):
            yield ocid, load(group)

    def _vanished(self, ocid: str) -> None:
        self.result.vanished += 1
        self.findings.source = self.agency.key
        self.findings.add("publish_process_vanished", (Key(ocid),), ocid)

    def check(self, package_path: str, night: str) -> None:
        """Validate the night's package, as ``cdmx validate`` would the published file."""
        if not self.result.releases:
            return
        validation = validate(
            package_path, schema_dir=self.schema_dir, offline=self.offline, ocid_prefix=self.config.ocid_prefix,
            max_locations=self.max_locations, jobs=self.jobs,
        )  # fmt: skip
        shown = night_package_path(self.agency.key, night)
        for group in validation.findings.groups.values():
            for location in group.locations:
                location.source = shown
        for summary in validation.sources:
            summary.source = shown
        self.result.validation = validation
        if validation.input_errors or validation.errors:
            self.fail("releases_invalid")

    def save(self, night: str, paths: tuple[str, str, str, dict, str] | None) -> None:
        """Store the night (its releases, processes and summary) in one transaction."""
        result = self.result
        if result.status != FAILED:
            result.status = PUBLISHED if result.releases else UNCHANGED
        summary = {"counts": result.counts(), "problems": result.problems}
        if result.status == FAILED or paths is None:
            self.store.store_night(self.agency.key, night, FAILED if result.status == FAILED else UNCHANGED,
                                   None, [], [], summary)  # fmt: skip
            return
        _, releases_path, processes_path, metadata, fingerprints_path = paths
        self.store.store_night(
            self.agency.key, night, result.status, metadata if result.releases else None,
            _json_lines(releases_path), _json_lines(processes_path), summary, _json_lines(fingerprints_path),
        )  # fmt: skip


def _releases(path: str) -> Iterator[dict]:
    for doc in iter_documents(path):
        for _, _, release in doc.items:
            yield release


def _json_lines(path: str) -> Iterator[tuple]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            yield tuple(json.loads(line))


def scratch_dir(base: str, agency: str) -> str:
    path = Path(base) / agency
    path.mkdir(parents=True, exist_ok=True)
    return str(path)

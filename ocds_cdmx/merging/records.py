"""Phase two of a merge: the items of one OCID → one record, or a reason to leave the OCID out.

New releases are merged with the releases a record already embeds; when its releases are only linked
(they cannot be read again), new releases are merged on top of its compiled and versioned releases —
which is how a nightly ``--update`` re-merges only the OCIDs that new releases touch.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..core.findings import Findings, Key
from ..core.jsontext import dumps
from ..io.scratch import RECORD, RELEASE, Item, Row, load
from .compile import (
    ItemKey,
    MergeConflict,
    Rules,
    compiled_flat,
    compiled_release_fast,
    flatten,
    unflatten,
    versioned_flat,
    versioned_release_fast,
)

#: RFC 3339 date-time, as OCDS requires of ``date``.
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _steps(path: tuple) -> list:
    """A merge path for people: array steps named by their object's id."""
    return [Key(p) if isinstance(p, ItemKey) else p for p in path]


def _ids(releases: list[dict]) -> str:
    return ", ".join(_text(r.get("id")) for r in releases)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


class RecordMerger:
    """Phase two: one OCID's items → one record (or a reason to leave it out)."""

    def __init__(self, rules: Rules, *, versioned: bool, linked: bool, ascii_only: bool, max_locations: int) -> None:
        self.rules = rules
        self.versioned = versioned
        self.linked = linked
        self.ascii_only = ascii_only
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
                texts.append(dumps(record, ascii_only=self.ascii_only))
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

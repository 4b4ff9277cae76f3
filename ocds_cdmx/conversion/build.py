"""Rows → contracting processes → releases, as a mapping says.

A :class:`Builder` takes the rows of the main sheet (already matched to the mapping's columns) and the
rows of its sub-table sheets, and keeps one process per OCID. Rows of the same OCID add to the same
process: awards and contracts by their ids, parties by theirs. :meth:`Builder.releases` then gives,
for each OCID in order, one cumulative release per stage present, tagged by stage, with deterministic
ids (``<ocid>-<stage>``), so that converting the same spreadsheet twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ValueProblem
from ..core.ocds import ROLE_STAGE, STAGES, iter_references
from .plan import Document, Item, Party, Plan, SheetPlan, Subtable, Target
from .values import cast, is_blank, normalize_label, to_string

_OCID_CLEAN = re.compile(r"[\s/\\]+")
_SLUG = re.compile(r"[^A-Z0-9&Ñ]+")


@dataclass
class Cell:
    """Where a value came from, for messages: file, sheet, row, column label, value."""

    source: str
    sheet: str
    row: int
    label: str
    value: Any


Report = Callable[[str, Cell, dict], None]


@dataclass
class Process:
    """Everything known of one contracting process, built up row by row."""

    ocid: str
    body: dict = field(default_factory=dict)
    awards: dict = field(default_factory=dict)
    contracts: dict = field(default_factory=dict)
    parties: dict = field(default_factory=dict)
    dates: dict = field(default_factory=dict)  # stage → release date
    rows: int = 0


def ocid_of(prefix: str, text: str) -> str:
    """The OCID: the prefix (lower case, as registered) and the identifier, trimmed, with spaces and
    slashes turned into dashes."""
    ident = _OCID_CLEAN.sub("-", text.strip()).strip("-")
    return f"{prefix.lower()}-{ident}"


def _set(target: dict, path: tuple[str, ...] | list[str], value: Any) -> None:
    """Set ``value`` at ``path``; a number in the path is an element of an array (given an id)."""
    node: Any = target
    for part, following in itertools.pairwise(path):
        if following.isdigit():
            node = node.setdefault(part, [])
        elif isinstance(node, list):
            index = int(part)
            while len(node) <= index:
                node.append({"id": str(len(node) + 1)})
            node = node[index]
        else:
            node = node.setdefault(part, {})
    node[path[-1]] = value


class Builder:
    """Builds processes from rows; problems go to ``report(check, cell, params)``."""

    def __init__(self, plan: Plan, report: Report, *, agency: dict | None = None) -> None:
        self.plan = plan
        self.report = report
        self.agency = {**plan.agency, **(agency or {})}
        self.processes: dict[str, Process] = {}

    # -- one row -------------------------------------------------------------------------------------
    def add_row(
        self,
        ocid: str,
        raw: dict[str, Any],
        cells: dict[str, Cell],
        subrows: Callable[[Subtable, Any], list],
        sheet: SheetPlan,
    ) -> None:
        """Add one row (``raw``: column name → cell value) of ``sheet`` (the main sheet or one of the
        mapping's other sheets) to the process ``ocid`` (see :meth:`ocid_for`)."""
        columns = sheet.columns
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        for name, column in columns.items():
            if name not in raw:
                continue
            try:
                values[name] = cast(raw[name], column.type)
            except ValueProblem as e:
                self.report("value_unreadable", cells[name], {"expected": e.expected})
                values[name] = None
        process = self.processes.setdefault(ocid, Process(ocid))
        process.rows += 1
        award_id = sheet.award_id.fill({**values, "ocid": ocid})
        contract_id = sheet.contract_id.fill({**values, "ocid": ocid})
        targets = {"awards": (process.awards, award_id), "contracts": (process.contracts, contract_id)}
        for name, column in columns.items():
            value = values.get(name)
            for target in column.targets:
                mapped = self._value(value, target, cells.get(name))
                if mapped is not None:
                    self._put(process, targets, target.parts, mapped)
            if column.document is not None and value is not None:
                self._document(process, targets, column.document, value)
        references = [self._party(process, targets, party, values) for party in sheet.parties]
        if sheet.item is not None:
            self._item(process, targets, sheet.item, values, next((r for r in references if r), None))
        for sub in sheet.subtables:
            key = raw.get(sub.key)
            if is_blank(key):
                continue
            for sub_raw, sub_cells in subrows(sub, key):
                self._subrow(process, targets, sub, sub_raw, sub_cells)
        for stage, names in sheet.release_date:
            for name in names:
                if values.get(name):
                    date = values[name]
                    if stage not in process.dates or date > process.dates[stage]:
                        process.dates[stage] = date
                    break

    def ocid_for(self, raw: dict[str, Any], sheet: SheetPlan) -> str | None:
        """The OCID of a row, or None when a column its template needs is blank or unreadable."""
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        for name, kind in sheet.ocid_columns:
            if name in raw:
                try:
                    values[name] = cast(raw[name], kind)
                except ValueProblem:
                    values[name] = None
        ident = sheet.ocid.fill(values)
        return None if ident is None else ocid_of(self.plan.ocid_prefix, ident)

    def _value(self, value: Any, target: Target, cell: Cell | None) -> Any:
        if target.has_const:
            return target.const if value is not None else None
        if value is None:
            return target.default
        if target.table is not None:
            key = normalize_label(value)
            if key not in target.table:
                if cell is not None:
                    self.report("value_not_in_map", cell, {"expected": target.expected})
                return target.default
            return target.table[key]
        if target.split:
            return [part.strip() for part in str(value).split(target.split) if part.strip()]
        return value

    def _put(self, process: Process, targets: dict, parts: tuple[str, ...], value: Any) -> None:
        if parts[0] in targets and len(parts) > 2 and parts[1] == "0":
            store, ident = targets[parts[0]]
            if ident is None:
                return
            obj = store.setdefault(ident, {"id": ident})
            if parts[0] == "contracts" and "awardID" not in obj and targets["awards"][1] is not None:
                obj["awardID"] = targets["awards"][1]
            _set(obj, parts[2:], value)
        else:
            _set(process.body, parts, value)

    def _section(self, process: Process, targets: dict, path: str) -> dict | None:
        parts = path.split("/")
        if parts[0] in targets:
            store, ident = targets[parts[0]]
            if ident is None:
                return None
            obj = store.setdefault(ident, {"id": ident})
            parts = parts[2:]
        else:
            obj = process.body
        for part in parts:
            obj = obj.setdefault(part, {})
        return obj

    def _document(self, process: Process, targets: dict, spec: Document, url: str) -> None:
        section = self._section(process, targets, spec.section)
        if section is None:
            return
        documents = section.setdefault("documents", [])
        if any(d.get("url") == url for d in documents):
            return
        same = sum(1 for d in documents if d.get("documentType") == spec.document_type)
        doc = {"id": spec.document_type + (f"-{same + 1}" if same else ""), "documentType": spec.document_type}
        if spec.title:
            doc["title"] = spec.title
        doc["url"] = url
        documents.append(doc)

    def _party(self, process: Process, targets: dict, spec: Party, values: dict) -> dict | None:
        name = None
        for parts in spec.name:
            text = " ".join(to_string(values[p]) for p in parts if not is_blank(values.get(p)))
            if text:
                name = text
                break
        rfc = values.get(spec.rfc) if spec.rfc else None
        rfc = to_string(rfc).strip().upper().replace(" ", "") if not is_blank(rfc) else None
        if not name and not rfc:
            return None
        if rfc:
            ident = f"MX-RFC-{rfc}"
        else:
            slug = _SLUG.sub("-", normalize_label(name).upper()).strip("-")
            ident = f"{self.plan.ocid_prefix}-{hashlib.sha1(slug.encode()).hexdigest()[:10]}"
        party = process.parties.get(ident)
        if party is None:
            party = {"id": ident}
            if name:
                party["name"] = name
            if rfc:
                party["identifier"] = {"scheme": "MX-RFC", "id": rfc}
                if name:
                    party["identifier"]["legalName"] = name
            party["roles"] = []
            process.parties[ident] = party
        elif name and "name" not in party:
            party["name"] = name
        for role in spec.roles:
            if role not in party["roles"]:
                party["roles"].append(role)
        reference = {"id": ident, **({"name": party["name"]} if "name" in party else {})}
        for path in spec.refs:
            section_path, _, key = path.rpartition("/")
            section = self._section(process, targets, section_path) if section_path else process.body
            if section is None:
                continue
            refs = section.setdefault(key, [])
            if all(r.get("id") != ident for r in refs):
                refs.append(reference)
        return reference

    def _subrow(self, process: Process, targets: dict, sub: Subtable, raw: dict, cells: dict) -> None:
        values: dict[str, Any] = {}
        for name, column in sub.columns.items():
            try:
                values[name] = cast(raw.get(name), column.type)
            except ValueProblem as e:
                self.report("value_unreadable", cells[name], {"expected": e.expected})
                values[name] = None
        reference = self._party(process, targets, sub.party, values) if sub.party is not None else None
        if sub.item is not None:
            self._item(process, targets, sub.item, values, reference)

    def _item(self, process: Process, targets: dict, spec: Item, values: dict, reference: dict | None) -> None:
        """One element of an array (``spec.into``) from a row's values; merged into an element
        with the same id, if there is one."""
        section = self._section(process, targets, spec.section) if spec.section else process.body
        if section is None:
            return
        items = section.setdefault(spec.key, [])
        ident = spec.id.fill({**values, "n": len(items) + 1})
        ident = ident if ident is not None else str(len(items) + 1)
        item = next((i for i in items if i.get("id") == ident), None)
        fresh = item is None
        item = {"id": ident} if fresh else item
        for field_spec in spec.fields:
            value = field_spec.value(values)
            if value is not None:
                _set(item, field_spec.parts, value)
        if reference is not None:
            if spec.party_in:
                _set(item, spec.party_in, [reference])
            if spec.party_ref:
                _set(item, spec.party_ref, reference)
        if fresh and len(item) > 1:
            items.append(item)
        elif fresh and not items:
            section.pop(spec.key, None)

    # -- releases ------------------------------------------------------------------------------------
    def releases(self, release_date: str | None = None) -> Iterator[dict]:
        """One cumulative release per OCID and stage present, OCIDs in order."""
        buyer = self.agency.get("buyer")
        for ocid in sorted(self.processes):
            process = self.processes[ocid]
            stages = self._stages(process)
            for stage in stages:
                release = self._release(process, stage, buyer, release_date)
                if release is not None:
                    yield release

    def _stages(self, process: Process) -> list[str]:
        present = []
        if process.body.get("planning"):
            present.append("planning")
        if process.body.get("tender"):
            present.append("tender")
        if process.awards:
            present.append("award")
        if process.contracts:
            present.append("contract")
            if any(c.get("implementation") for c in process.contracts.values()):
                present.append("implementation")
        return present

    def _release(self, process: Process, stage: str, buyer: dict | None, release_date: str | None) -> dict:
        level = STAGES.index(stage)
        date = release_date or process.dates.get(stage) or _latest(process.dates, level)
        release: dict[str, Any] = {
            "ocid": process.ocid,
            "id": f"{process.ocid}-{stage}",
            "date": date,
            "tag": [stage],
            "initiationType": "tender",
            "language": "es",
        }
        refs: set[str] = set()
        if buyer:
            release["buyer"] = {"id": buyer["id"], "name": buyer.get("name")}
            refs.add(buyer["id"])
        if "planning" in process.body:
            release["planning"] = process.body["planning"]
        if level >= 1 and "tender" in process.body:
            release["tender"] = process.body["tender"]
        if level >= 2 and process.awards:
            release["awards"] = list(process.awards.values())
        if level >= 3 and process.contracts:
            contracts = list(process.contracts.values())
            if level < 4:
                contracts = [{k: v for k, v in c.items() if k != "implementation"} for c in contracts]
            release["contracts"] = contracts
        for key, value in process.body.items():
            if key not in ("planning", "tender") and key not in release:
                release[key] = value
        refs |= _references(release)
        parties = []
        if buyer:
            parties.append({**buyer, "roles": list(dict.fromkeys([*buyer.get("roles", []), "buyer"]))})
        # A party is in a release once it is referenced there, or once the stage its roles belong to
        # is reached (invited suppliers, who are referenced nowhere, appear from the tender on).
        parties += [
            p
            for i, p in process.parties.items()
            if (i in refs or min((ROLE_STAGE.get(r, 1) for r in p["roles"]), default=1) <= level)
            and (not buyer or i != buyer["id"])
        ]
        if parties:
            release["parties"] = parties
        release = {k: v for k, v in release.items() if v is not None}
        order = ["ocid", "id", "date", "tag", "initiationType", "language", "parties", "buyer"]
        return {k: release[k] for k in order if k in release} | {k: v for k, v in release.items() if k not in order}


def _latest(dates: dict[str, str], level: int) -> str | None:
    """A stage without its own date takes the latest date of the stages before it, else any."""
    earlier = [d for s, d in dates.items() if STAGES.index(s) <= level]
    return max(earlier) if earlier else (max(dates.values()) if dates else None)


def _references(release: dict) -> set[str]:
    """The ids of the organization references in a release."""
    return {str(ref["id"]) for ref, _, _ in iter_references(release) if "id" in ref}

"""Rows → contracting processes → releases, as a mapping's plan says.

A :class:`Builder` takes the rows of the main sheet (already matched to the mapping's columns) and the
rows of its sub-table sheets, and keeps one process per OCID. Rows of the same OCID add to the same
process: awards and contracts by their ids, parties by theirs. :meth:`Builder.releases` then gives,
for each OCID in order, one cumulative release per stage present, tagged by stage, with deterministic
ids that change with the content (``<ocid>-<stage>-<hash>``, :mod:`ocds_cdmx.core.release_ids`), so that
converting the same spreadsheet twice gives the same bytes and a corrected one new releases.

A builder made with ``track=True`` also remembers the cell every value came from, so that a problem
the validation of the package finds at a JSON path can be reported at its cell (:meth:`Builder.locate`).
Conversion builds without it; only the few processes with problems are built again with it.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ValueProblem
from ..core.ocds import ROLE_STAGE, STAGES
from ..core.release_ids import release_id
from .plan import (
    ESSENTIALS,
    PARTY_SECTION,
    Address,
    Amounts,
    Column,
    Document,
    Item,
    Party,
    Plan,
    SheetPlan,
    Subtable,
    Target,
)
from .values import cast, is_blank, normalize_label, to_string

_OCID_CLEAN = re.compile(r"[\s/\\]+")
_SLUG = re.compile(r"[^A-Z0-9&Ñ]+")


@dataclass(slots=True)
class Cell:
    """Where a value came from, for messages: file, sheet, row, column label, value, column letter."""

    source: str
    sheet: str
    row: int
    label: str
    value: Any
    column: str = ""

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}" if self.column else ""

    def where(self) -> dict:
        """The cell as a location's ``where``: file, sheet, row, column letter, cell and label."""
        return {"file": self.source, "sheet": self.sheet, "row": self.row, "column": self.column or None,
                "cell": self.cell or None, "label": self.label}  # fmt: skip


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
    #: The cells of the first main-sheet row (messages about the whole process point at it).
    first: Any = None


def ocid_of(prefix: str, text: str) -> str:
    """The OCID: the prefix (lower case, as registered) and the identifier, trimmed, with spaces and
    slashes turned into dashes."""
    ident = _OCID_CLEAN.sub("-", text.strip()).strip("-")
    return f"{prefix.lower()}-{ident}"


def _set(target: dict, path: tuple[str, ...] | list[str], value: Any) -> dict:
    """Set ``value`` at ``path``; a number in the path is an element of an array (given an id).
    Returns the object that holds the value."""
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
    return node


def _money(value: Any) -> float | int | None:
    """An amount to cents; None for blank, zero or what is not a number."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    rounded = round(value, 2)
    return int(rounded) if isinstance(value, int) else rounded


class Builder:
    """Builds processes from rows; problems go to ``report(check, cell, params)``."""

    def __init__(self, plan: Plan, report: Report, *, agency: dict | None = None, track: bool = False) -> None:
        self.plan = plan
        self.report = report
        self.agency = {**plan.agency, **(agency or {})}
        self.processes: dict[str, Process] = {}
        self.track = track
        #: (id of an object, key) → the cell its value came from; objects kept alive while tracked.
        self.sources: dict[tuple[int, Any], Cell] = {}
        self._aliases: dict[int, int] = {}
        self._kept: list[Any] = []
        # Placeholders are short: a longer cell (spaces around it allowed) is not one.
        every = [
            *plan.placeholders,
            *(p for sheet in plan.sheets for c in sheet.columns.values() for p in c.placeholders),
        ]
        if plan.main is not None:
            every += [p for c in plan.main.columns.values() for p in c.placeholders]
            every += [p for sub in plan.main.subtables for c in sub.columns.values() for p in c.placeholders]
        self._longest = max(map(len, every), default=0) + 8

    # -- values --------------------------------------------------------------------------------------
    def is_nothing(self, value: Any) -> bool:
        """Blank, or a placeholder ("N/A", "No aplica") of the mapping."""
        if value is None:
            return True
        if value.__class__ is str:
            return not value.strip() or (
                len(value) <= 60 and " ".join(value.split()).casefold() in self.plan.placeholders
            )
        return False

    def _placeholder(self, value: Any, column: Column) -> bool:
        if value.__class__ is str:
            if len(value) > self._longest:  # most cells: longer than any placeholder
                return False
            folded = " ".join(value.split()).casefold()
            return folded in self.plan.placeholders or folded in column.placeholders
        return (
            bool(column.placeholders) and not isinstance(value, bool) and str(value).casefold() in column.placeholders
        )

    def _values(self, columns: Any, raw: dict, cells: Any) -> dict[str, Any]:
        """The row's cells as the types their columns ask for; placeholders and unreadable cells are None."""
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        for name, column in columns.items():
            if name not in raw:
                continue
            value = raw[name]
            if value is None:
                values[name] = None
                continue
            if self._placeholder(value, column):
                if value.__class__ is not str or value.strip():
                    self.report("placeholder_value", cells[name], {})
                values[name] = None
                continue
            try:
                values[name] = cast(value, column.type)
            except ValueProblem as e:
                self.report("value_unreadable", cells[name], {"expected": e.expected})
                values[name] = None
        return values

    def _track(self, container: Any, key: Any, cell: Cell | None) -> None:
        if cell is not None:
            self.sources[(id(container), key)] = cell
            self._kept.append(container)

    # -- one row -------------------------------------------------------------------------------------
    def add_row(
        self,
        ocid: str,
        raw: dict[str, Any],
        cells: Any,
        subrows: Callable[[Subtable, Any], list],
        sheet: SheetPlan,
    ) -> None:
        """Add one row (``raw``: column name → cell value) of ``sheet`` (the main sheet or one of the
        mapping's other sheets) to the process ``ocid`` (see :meth:`ocid_for`)."""
        columns = sheet.columns
        values = self._values(columns, raw, cells)
        process = self.processes.setdefault(ocid, Process(ocid))
        process.rows += 1
        if sheet.is_main and process.first is None:
            process.first = cells
        award_id = sheet.award_id.fill({**values, "ocid": ocid})
        contract_id = sheet.contract_id.fill({**values, "ocid": ocid})
        targets = {"awards": (process.awards, award_id), "contracts": (process.contracts, contract_id)}
        track = self.track
        for name, column in columns.items():
            value = values.get(name)
            if column.targets:
                # A cell is made only when something needs it: a message, or tracking.
                cell = cells.get(name) if track else None
                for target in column.targets:
                    mapped = self._value(value, target, cells, name)
                    if mapped is not None:
                        self._put(process, targets, target.parts, mapped, cell)
            if column.document is not None and value is not None:
                self._document(process, targets, column.document, value, values, cells.get(name) if track else None)
        for derived in sheet.derived:
            if derived.first:
                source = next((n for n in derived.first if values.get(n) is not None), None)
                value = values[source] if source else None
            else:
                assert derived.template is not None
                value = derived.template.fill(values)
                source = derived.template.names[0] if derived.template.names else None
            if value is not None:
                self._put(process, targets, derived.parts, value, cells.get(source) if track and source else None)
        if sheet.amounts is not None:
            self._amounts(process, targets, sheet.amounts, values, cells)
        # The mapping's (or --agency's) buyer is the agency's identity: a column naming the filing body
        # (the 2024+ CSV export's "Sujeto obligado") only stands in for it.
        own_buyer = bool(self.agency.get("buyer"))
        references = [
            None if own_buyer and "buyer" in party.ref else self._party(process, targets, party, values, cells)
            for party in sheet.parties
        ]
        if sheet.item is not None:
            reference = next((r for r in references if r), None)
            self._item(process, targets, sheet.item, values, reference, None, cells)
        for sub in sheet.subtables:
            key = raw.get(sub.key)
            if is_blank(key):
                continue
            for sub_raw, sub_cells in subrows(sub, key):
                self._subrow(process, targets, sub, sub_raw, sub_cells, references)
        for stage, names in sheet.release_date:
            for name in names:
                if values.get(name):
                    date = values[name]
                    if stage not in process.dates or date > process.dates[stage]:
                        process.dates[stage] = date
                    break

    def ocid_for(self, raw: dict[str, Any], sheet: SheetPlan) -> str | None:
        """The OCID of a row, or None when a column its template needs is blank, a placeholder ("0",
        "N/A") or unreadable."""
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        placeholders = self.plan.id_placeholders
        for name, kind in sheet.ocid_columns:
            if name in raw:
                value = raw[name]
                if value is not None and placeholders and " ".join(str(value).split()).casefold() in placeholders:
                    values[name] = None
                    continue
                try:
                    values[name] = cast(value, kind)
                except ValueProblem:
                    values[name] = None
        ident = sheet.ocid.fill(values)
        if ident is None:
            return None
        key = values["agency"]
        if key and sheet.ocid.text.startswith("{agency}"):
            # An expediente that already starts with the agency's key ("SAF/DGRMSG/AD-001/2024") is not
            # given it twice: ocds-87sd3t-SAF-DGRMSG-AD-001-2024, as the city's OCIDs read.
            tail = ident[len(key) :].lstrip("-/ _")
            if tail[: len(key)].casefold() == key.casefold() and tail[len(key) : len(key) + 1] in ("-", "/", " ", "_"):
                ident = tail
        return ocid_of(self.plan.ocid_prefix, ident)

    def ocid_placeholder(self, raw: dict[str, Any], sheet: SheetPlan) -> str | None:
        """The OCID column of a row that holds a placeholder identifier, if one does."""
        placeholders = self.plan.id_placeholders
        for name, _ in sheet.ocid_columns:
            value = raw.get(name)
            if value is not None and " ".join(str(value).split()).casefold() in placeholders:
                return name
        return None

    def _value(self, value: Any, target: Target, cells: Any, name: str) -> Any:
        if target.has_const:
            return target.const if value is not None else None
        if value is None:
            return target.default
        if target.table is not None:
            key = normalize_label(value)
            if key not in target.table:
                cell = cells.get(name)
                if cell is not None:
                    self.report("value_not_in_map", cell, {"expected": target.expected})
                return target.default
            return target.table[key]
        if target.split:
            return [part.strip() for part in str(value).split(target.split) if part.strip()]
        return value

    def _put(
        self, process: Process, targets: dict, parts: tuple[str, ...], value: Any, cell: Cell | None = None
    ) -> None:
        if parts[0] in targets and len(parts) > 2 and parts[1] == "0":
            store, ident = targets[parts[0]]
            if ident is None:
                return
            obj = store.setdefault(ident, {"id": ident})
            if parts[0] == "contracts" and "awardID" not in obj and targets["awards"][1] is not None:
                obj["awardID"] = targets["awards"][1]
            holder = _set(obj, parts[2:], value)
        else:
            holder = _set(process.body, parts, value)
        if cell is not None:
            self._track(holder, parts[-1], cell)

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

    def _amounts(self, process: Process, targets: dict, spec: Amounts, values: dict, cells: Any) -> None:
        """The total with taxes, else (an open-ended contract: total 0 or blank) the maximum, as the
        value of the award and the contract; the maximum as the tender's value, the minimum as its
        ``minValue``."""
        total = _money(values.get(spec.total)) if spec.total else None
        maximum = _money(values.get(spec.maximum)) if spec.maximum else None
        minimum = _money(values.get(spec.minimum)) if spec.minimum else None
        if total is None and maximum is None and minimum is None:
            return
        currency = spec.default_currency
        if spec.currency and values.get(spec.currency) is not None:
            key = normalize_label(values[spec.currency])
            if key in spec.currencies:
                currency = spec.currencies[key]
            else:
                self.report("value_not_in_map", cells[spec.currency], {"expected": ", ".join(spec.currencies)})
        track = self.track
        amount, source = (total, spec.total) if total is not None else (maximum, spec.maximum)
        if amount is not None:
            if total is None:
                self.report("open_ended_contract", cells[spec.maximum], {})
            for path in spec.into:
                self._put(process, targets, (*path, "amount"), amount, cells.get(source) if track else None)
                self._put(process, targets, (*path, "currency"), currency)
        if maximum is not None:
            self._put(
                process, targets, ("tender", "value", "amount"), maximum, cells.get(spec.maximum) if track else None
            )
            self._put(process, targets, ("tender", "value", "currency"), currency)
        if minimum is not None:
            self._put(
                process, targets, ("tender", "minValue", "amount"), minimum, cells.get(spec.minimum) if track else None
            )
            self._put(process, targets, ("tender", "minValue", "currency"), currency)

    def _document(
        self, process: Process, targets: dict, spec: Document, url: str, values: dict, cell: Cell | None
    ) -> None:
        section = self._section(process, targets, spec.section)
        if section is None:
            return
        documents = section.setdefault("documents", [])
        # The same link in two columns (physical and financial progress reports in one PDF) is two documents.
        if any(d.get("url") == url and d.get("documentType") == spec.document_type for d in documents):
            return
        same = sum(1 for d in documents if d.get("documentType") == spec.document_type)
        doc = {"id": spec.document_type + (f"-{same + 1}" if same else ""), "documentType": spec.document_type}
        title = spec.title.fill(values) if spec.title else None
        if title:
            doc["title"] = title
        doc["url"] = url
        documents.append(doc)
        self._track(doc, "url", cell)

    def _party(self, process: Process, targets: dict, spec: Party, values: dict, cells: Any) -> dict | None:
        name = name_column = None
        for parts in spec.name:
            filled = [p for p in parts if not is_blank(values.get(p))]
            if filled:
                name = " ".join(to_string(values[p]) for p in filled)
                name_column = filled[0]
                break
        rfc = values.get(spec.rfc) if spec.rfc else None
        # As given (trimmed): an RFC of 11 or 14 characters, or in lower case, is published as it is
        # and flagged by the quality checks, not silently "corrected".
        rfc = to_string(rfc).strip() if not is_blank(rfc) else None
        if not name and not rfc:
            return None
        if rfc:
            ident = f"MX-RFC-{rfc}"
        else:
            slug = _SLUG.sub("-", normalize_label(name).upper()).strip("-")
            ident = f"{self.plan.ocid_prefix}-{hashlib.sha1(slug.encode()).hexdigest()[:10]}"
        party = process.parties.get(ident)
        track = self.track
        if party is None:
            party = {"id": ident}
            if name:
                party["name"] = name
            if rfc:
                party["identifier"] = {"scheme": "MX-RFC", "id": rfc}
                if name:
                    party["identifier"]["legalName"] = name
                if track:
                    self._track(party["identifier"], "id", cells.get(spec.rfc))
            if spec.address is not None:
                address = _address(spec.address, values)
                if address:
                    party["address"] = address
                    if track:
                        for key in address:
                            self._track(address, key, cells.get(spec.address.street[0] if spec.address.street else ""))
            party["roles"] = []
            process.parties[ident] = party
            if track:
                self._track(party, "name", cells.get(name_column) if name_column else None)
                self._track(
                    party, "id", cells.get(spec.rfc) if rfc else cells.get(name_column) if name_column else None
                )
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
        for path in spec.ref:
            section_path, _, key = path.rpartition("/")
            section = self._section(process, targets, section_path) if section_path else process.body
            if section is not None and key not in section:
                section[key] = reference
        return reference

    def _subrow(self, process: Process, targets: dict, sub: Subtable, raw: dict, cells: Any, references: list) -> None:
        values = self._values(sub.columns, raw, cells)
        track = self.track
        for name, column in sub.columns.items():
            if column.document is not None and values.get(name) is not None:
                self._document(
                    process, targets, column.document, values[name], values, cells.get(name) if track else None
                )
        reference = self._party(process, targets, sub.party, values, cells) if sub.party is not None else None
        if sub.item is not None:
            owner = next((r for r in references if r), None)
            self._item(process, targets, sub.item, values, reference, owner, cells)

    def _item(
        self,
        process: Process,
        targets: dict,
        spec: Item,
        values: dict,
        reference: dict | None,
        owner: dict | None,
        cells: Any,
    ) -> None:
        """One element of an array (``spec.into``) from a row's values; merged into an element
        with the same id, if there is one. ``owner``: the main row's party, for items of a party."""
        if spec.section == PARTY_SECTION:
            section = process.parties.get(owner["id"]) if owner else None
        else:
            section = self._section(process, targets, spec.section) if spec.section else process.body
        if section is None:
            return
        items = section.setdefault(spec.key, [])
        ident = spec.id.fill({**values, "n": len(items) + 1})
        ident = ident if ident is not None else str(len(items) + 1)
        item = next((i for i in items if i.get("id") == ident), None)
        fresh = item is None
        item = {"id": ident} if fresh else item
        track = self.track
        for field_spec in spec.fields:
            value = field_spec.value(values)
            if value is not None:
                holder = _set(item, field_spec.parts, value)
                if track:
                    source = field_spec.column or (field_spec.join[0] if field_spec.join else None)
                    if source is None and field_spec.template is not None and field_spec.template.names:
                        source = field_spec.template.names[0]
                    self._track(holder, field_spec.parts[-1], cells.get(source) if source else None)
        if reference is not None:
            if spec.party_in:
                _set(item, spec.party_in, [reference])
            if spec.party_ref:
                _set(item, spec.party_ref, reference)
        if fresh and spec.unique:
            content = {k: v for k, v in item.items() if k != "id"}
            if any({k: v for k, v in other.items() if k != "id"} == content for other in items):
                fresh = False
                item = {}
        if fresh and len(item) > 1:
            items.append(item)
        elif not items:
            section.pop(spec.key, None)

    # -- what a process lacks ------------------------------------------------------------------------
    def missing(self, process: Process) -> list[str]:
        """The essentials that a process came out without (all of them are checked when the mapping
        names any: a layout without an RFC column still gives processes without an RFC)."""
        if not self.plan.essentials or process.first is None:
            return []
        tender = process.body.get("tender", {})
        have = {"method": "procurementMethod" in tender, "category": "mainProcurementCategory" in tender,
                "buyer": bool(self.agency.get("buyer")) or "buyer" in process.body}  # fmt: skip
        if tender.get("status") != "unsuccessful":  # a tender declared void has no supplier nor contract
            suppliers = [p for p in process.parties.values() if "supplier" in p["roles"]]
            have["supplier"] = any("name" in p for p in suppliers)
            have["rfc"] = any("identifier" in p for p in suppliers)
            have["amount"] = any(
                "amount" in (o.get("value") or {})
                for o in itertools.chain(process.contracts.values(), process.awards.values())
            )
            have["contract_date"] = any("dateSigned" in c for c in process.contracts.values())
        return [name for name in ESSENTIALS if have.get(name) is False]

    # -- where a value came from ---------------------------------------------------------------------
    def locate(self, release: dict, path: list[str]) -> Cell | None:
        """The cell the value at ``path`` in ``release`` (made by this builder, with ``track``) came
        from; for an object, the cell of one of its values; else the row the process came from."""
        chain: list[Any] = [release]
        node: Any = release
        for step in path:
            if isinstance(node, list) and step.isdigit() and int(step) < len(node):
                node = node[int(step)]
            elif isinstance(node, dict) and step in node:
                node = node[step]
            else:
                break
            chain.append(node)
        for depth in range(len(chain) - 1, 0, -1):
            container, key = chain[depth - 1], path[depth - 1]
            key = int(key) if isinstance(container, list) else key
            cell = self._source(container, key)
            if cell is not None:
                return cell
            obj = chain[depth]
            for element in obj if isinstance(obj, list) else [obj]:
                if isinstance(element, dict):
                    for child in element:
                        cell = self._source(element, child)
                        if cell is not None:
                            return cell
        return None

    def _source(self, container: Any, key: Any) -> Cell | None:
        cell = self.sources.get((id(container), key))
        if cell is None and id(container) in self._aliases:
            cell = self.sources.get((self._aliases[id(container)], key))
        return cell

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
            release["tender"] = tender = process.body["tender"]
            # An agency that is its own procuring entity (its party says so) is referred to as such.
            if buyer and "procuringEntity" in buyer.get("roles", ()) and "procuringEntity" not in tender:
                tender["procuringEntity"] = {"id": buyer["id"], "name": buyer.get("name")}
        if level >= 2 and process.awards:
            release["awards"] = list(process.awards.values())
        if level >= 3 and process.contracts:
            contracts = list(process.contracts.values())
            if level < 4:
                copies = [{k: v for k, v in c.items() if k != "implementation"} for c in contracts]
                if self.track:
                    self._aliases.update((id(copy), id(c)) for copy, c in zip(copies, contracts, strict=True))
                    self._kept += copies
                contracts = copies
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
        release = {k: release[k] for k in order if k in release} | {k: v for k, v in release.items() if k not in order}
        release["id"] = release_id(process.ocid, stage, release)
        return release


def _latest(dates: dict[str, str], level: int) -> str | None:
    """A stage without its own date takes the latest date of the stages before it, else any."""
    earlier = [d for s, d in dates.items() if STAGES.index(s) <= level]
    return max(earlier) if earlier else (max(dates.values()) if dates else None)


def _references(release: dict) -> set[str]:
    """The ids of the organization references in a release: those of
    :data:`~ocds_cdmx.core.ocds.ORGANIZATION_REFERENCES`, followed by hand (the generic walk is a tenth
    of the time of a conversion; tests check that both find the same)."""
    found: set[str] = set()

    def add(ref: Any) -> None:
        if isinstance(ref, dict) and "id" in ref:
            found.add(str(ref["id"]))

    def each(value: Any) -> list:
        return value if isinstance(value, list) else []

    add(release.get("buyer"))
    tender = release.get("tender")
    if isinstance(tender, dict):
        add(tender.get("procuringEntity"))
        for ref in each(tender.get("tenderers")):
            add(ref)
    for award in each(release.get("awards")):
        if isinstance(award, dict):
            for ref in each(award.get("suppliers")):
                add(ref)
    bids = release.get("bids")
    if isinstance(bids, dict):
        for detail in each(bids.get("details")):
            if isinstance(detail, dict):
                for ref in each(detail.get("tenderers")):
                    add(ref)
    for contract in each(release.get("contracts")):
        implementation = contract.get("implementation") if isinstance(contract, dict) else None
        if isinstance(implementation, dict):
            for transaction in each(implementation.get("transactions")):
                if isinstance(transaction, dict):
                    add(transaction.get("payer"))
                    add(transaction.get("payee"))
    return found


def _address(spec: Address, values: dict) -> dict:
    """An OCDS address from a Mexican fiscal address in columns (or a foreign one, when its country is
    given): ``streetAddress`` = type and name of the road, outside number, ``int.`` interior number,
    type and name of the settlement, and the locality when it is not the municipality; ``locality`` =
    the municipality (else the locality); ``region`` = the state as written; ``postalCode`` as text
    with its leading zeros; ``countryName`` México."""

    def get(name: str | None) -> str | None:
        value = values.get(name) if name else None
        return None if is_blank(value) else to_string(value)

    def joined(names: tuple[str, ...]) -> str:
        return " ".join(v for v in (get(n) for n in names) if v)

    country = get(spec.country)
    if country:
        address = {"streetAddress": joined(spec.foreign_street), "locality": get(spec.foreign_city),
                   "countryName": country}  # fmt: skip
        return {k: v for k, v in address.items() if v}
    street = joined(spec.street)
    interior = get(spec.interior)
    if interior:
        street += f" int. {interior}"
    if spec.settlement and get(spec.settlement[-1]):
        street += ", " + joined(spec.settlement)
    municipality, locality = get(spec.municipality), get(spec.locality)
    if locality and municipality and locality.casefold() != municipality.casefold():
        street += f", {locality}"
    postal = get(spec.postal_code)
    if postal and postal.isdigit() and len(postal) < 5:
        postal = postal.zfill(5)
    address = {
        "streetAddress": street.strip(" ,"),
        "locality": municipality or locality,
        "region": get(spec.region),
        "postalCode": postal,
    }
    address = {k: v for k, v in address.items() if v}
    if address:
        address["countryName"] = "México"
    return address

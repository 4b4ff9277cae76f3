"""Rows → contracting processes → releases, as a mapping says.

A :class:`Builder` takes the rows of the main sheet (already matched to the mapping's columns) and the
rows of its sub-table sheets, and keeps one process per OCID. Rows of the same OCID add to the same
process: awards and contracts by their ids, parties by theirs. :meth:`Builder.releases` then gives,
for each OCID in order, one cumulative release per stage present, tagged by stage, with deterministic
ids that change with the content (``<ocid>-<stage>-<hash>``, :mod:`ocds_cdmx.core.release_ids`), so that
converting the same spreadsheet twice gives the same bytes and a corrected one new releases.
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
from ..core.release_ids import release_id
from .mapping import Mapping
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


def _template(text: str, values: dict[str, Any]) -> str | None:
    """Fill ``{name}`` placeholders; None when one of them is blank."""
    missing = False

    def fill(match: re.Match) -> str:
        nonlocal missing
        value = values.get(match.group(1))
        if is_blank(value):
            missing = True
            return ""
        return to_string(value)

    out = re.sub(r"\{([^{}]+)\}", fill, text)
    return None if missing else out


def _set(target: dict, path: list[str], value: Any) -> None:
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

    def __init__(self, mapping: Mapping, report: Report, *, agency: dict | None = None) -> None:
        self.mapping = mapping
        self.data = mapping.data
        self.report = report
        self.agency = {**self.data.get("agency", {}), **(agency or {})}
        self.processes: dict[str, Process] = {}
        self._maps: dict[int, dict] = {}  # value maps with normalized labels, by target

    # -- one row -------------------------------------------------------------------------------------
    def add_row(
        self,
        ocid: str,
        raw: dict[str, Any],
        cells: dict[str, Cell],
        subrows: Callable[[str, Any], list],
        sheet: dict | None = None,
    ) -> None:
        """Add one row (``raw``: column name → cell value) of the main sheet, or of one of the mapping's
        other ``sheets`` when ``sheet`` is its spec, to the process ``ocid`` (see :meth:`ocid_for`)."""
        spec = self.data if sheet is None else sheet
        columns = spec["columns"]
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        for name, column in columns.items():
            if name not in raw:
                continue
            try:
                values[name] = cast(raw[name], column.get("type", "string"))
            except ValueProblem as e:
                self.report("value_unreadable", cells[name], {"expected": e.expected})
                values[name] = None
        process = self.processes.setdefault(ocid, Process(ocid))
        process.rows += 1
        ids = {**self.data.get("ids", {}), **spec.get("ids", {})}
        award_id = _template(ids.get("award", "{ocid}-award"), {**values, "ocid": ocid})
        contract_id = _template(ids.get("contract", "{ocid}-contract"), {**values, "ocid": ocid})
        targets = {"awards": (process.awards, award_id), "contracts": (process.contracts, contract_id)}
        for name, column in columns.items():
            value = values.get(name)
            for target in _fields(column):
                mapped = self._value(value, target, column, cells.get(name))
                if mapped is not None:
                    self._put(process, targets, target["path"], mapped)
            if column.get("document") and value is not None:
                self._document(process, targets, column["document"], value)
        references = [self._party(process, targets, party, values) for party in spec.get("parties", [])]
        if spec.get("item"):
            self._item(process, targets, spec["item"], values, next((r for r in references if r), None))
        for sub in spec.get("subtables", []):
            key = raw.get(sub["key"])
            if is_blank(key):
                continue
            for sub_raw, sub_cells in subrows(sub["name"], key):
                self._subrow(process, targets, sub, sub_raw, sub_cells)
        for stage, names in spec.get("release_date", {}).items():
            for name in names:
                if values.get(name):
                    date = values[name]
                    if stage not in process.dates or date > process.dates[stage]:
                        process.dates[stage] = date
                    break

    def ocid_template(self, sheet: dict | None = None) -> str:
        """The OCID template of the main sheet, or of one of the mapping's other sheets."""
        spec = self.data if sheet is None else sheet
        return spec["ocid"] if isinstance(spec.get("ocid"), str) else self.data["ocid"]["template"]

    def ocid_columns(self, sheet: dict | None = None) -> list[str]:
        """The columns that make a row's OCID."""
        return [n for n in re.findall(r"\{([^{}]+)\}", self.ocid_template(sheet)) if n != "agency"]

    def ocid_for(self, raw: dict[str, Any], sheet: dict | None = None) -> str | None:
        """The OCID of a row, or None when a column its template needs is blank or unreadable."""
        spec = self.data if sheet is None else sheet
        template = self.ocid_template(sheet)
        values: dict[str, Any] = {"agency": self.agency.get("key", "")}
        for name in re.findall(r"\{([^{}]+)\}", template):
            if name in raw and name in spec["columns"]:
                try:
                    values[name] = cast(raw[name], spec["columns"][name].get("type", "string"))
                except ValueProblem:
                    values[name] = None
        ident = _template(template, values)
        return None if ident is None else ocid_of(self.data["ocid"]["prefix"], ident)

    def _value(self, value: Any, target: dict, spec: dict, cell: Cell | None) -> Any:
        if "const" in target:
            return target["const"] if value is not None or target.get("always") else None
        if value is None:
            return target.get("default")
        if "map" in target:
            # Keyed by the map itself, which lives as long as the mapping (field targets do not).
            table = self._maps.get(id(target["map"]))
            if table is None:
                table = self._maps[id(target["map"])] = {normalize_label(k): v for k, v in target["map"].items()}
            key = normalize_label(value)
            if key not in table:
                if cell is not None:
                    self.report("value_not_in_map", cell, {"expected": ", ".join(target["map"])})
                return target.get("default")
            return table[key]
        if target.get("split"):
            return [part.strip() for part in str(value).split(target["split"]) if part.strip()]
        return value

    def _put(self, process: Process, targets: dict, path: str, value: Any) -> None:
        parts = path.split("/")
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

    def _document(self, process: Process, targets: dict, spec: dict, url: str) -> None:
        section = self._section(process, targets, spec["in"])
        if section is None:
            return
        documents = section.setdefault("documents", [])
        if any(d.get("url") == url for d in documents):
            return
        same = sum(1 for d in documents if d.get("documentType") == spec["documentType"])
        doc = {"id": spec["documentType"] + (f"-{same + 1}" if same else ""), "documentType": spec["documentType"]}
        if spec.get("title"):
            doc["title"] = spec["title"]
        doc["url"] = url
        documents.append(doc)

    def _party(self, process: Process, targets: dict, spec: dict, values: dict) -> dict | None:
        name = None
        for option in spec.get("name", []):
            parts = option if isinstance(option, list) else [option]
            text = " ".join(to_string(values[p]) for p in parts if not is_blank(values.get(p)))
            if text:
                name = text
                break
        rfc = values.get(spec["rfc"]) if spec.get("rfc") else None
        rfc = to_string(rfc).strip().upper().replace(" ", "") if not is_blank(rfc) else None
        if not name and not rfc:
            return None
        if rfc:
            ident = f"MX-RFC-{rfc}"
        else:
            slug = _SLUG.sub("-", normalize_label(name).upper()).strip("-")
            ident = f"{self.data['ocid']['prefix']}-{hashlib.sha1(slug.encode()).hexdigest()[:10]}"
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
        for role in spec.get("roles", []):
            if role not in party["roles"]:
                party["roles"].append(role)
        reference = {"id": ident, **({"name": party["name"]} if "name" in party else {})}
        for path in spec.get("refs", []):
            section_path, _, key = path.rpartition("/")
            section = self._section(process, targets, section_path) if section_path else process.body
            if section is None:
                continue
            refs = section.setdefault(key, [])
            if all(r.get("id") != ident for r in refs):
                refs.append(reference)
        return reference

    def _subrow(self, process: Process, targets: dict, sub: dict, raw: dict, cells: dict) -> None:
        values: dict[str, Any] = {}
        for name, spec in sub["columns"].items():
            try:
                values[name] = cast(raw.get(name), spec.get("type", "string"))
            except ValueProblem as e:
                self.report("value_unreadable", cells[name], {"expected": e.expected})
                values[name] = None
        reference = self._party(process, targets, sub["party"], values) if sub.get("party") else None
        if sub.get("item"):
            self._item(process, targets, sub["item"], values, reference)

    def _item(self, process: Process, targets: dict, spec: dict, values: dict, reference: dict | None) -> None:
        """One element of an array (``spec["into"]``) from a row's values; merged into an element
        with the same id, if there is one."""
        section_path, _, key = spec["into"].rpartition("/")
        section = self._section(process, targets, section_path) if section_path else process.body
        if section is None:
            return
        items = section.setdefault(key, [])
        ident = _template(spec.get("id", "{n}"), {**values, "n": len(items) + 1})
        ident = ident if ident is not None else str(len(items) + 1)
        item = next((i for i in items if i.get("id") == ident), None)
        fresh = item is None
        item = {"id": ident} if fresh else item
        for path, source in spec.get("fields", {}).items():
            if isinstance(source, dict):
                value = source["const"]
            elif "{" in source:  # a template over the row's values
                value = _template(source, values)
            else:
                value = values.get(source)
            if value is not None:
                _set(item, path.split("/"), value)
        if reference is not None:
            if spec.get("party_in"):
                _set(item, spec["party_in"].split("/"), [reference])
            if spec.get("party_ref"):
                _set(item, spec["party_ref"].split("/"), reference)
        if fresh and len(item) > 1:
            items.append(item)
        elif fresh and not items:
            section.pop(key, None)

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
        release = {k: release[k] for k in order if k in release} | {k: v for k, v in release.items() if k not in order}
        release["id"] = release_id(process.ocid, stage, release)
        return release


def _latest(dates: dict[str, str], level: int) -> str | None:
    """A stage without its own date takes the latest date of the stages before it, else any."""
    earlier = [d for s, d in dates.items() if STAGES.index(s) <= level]
    return max(earlier) if earlier else (max(dates.values()) if dates else None)


def _references(release: dict) -> set[str]:
    """The ids of the organization references in a release."""
    return {str(ref["id"]) for ref, _, _ in iter_references(release) if "id" in ref}


def _fields(spec: dict) -> list[dict]:
    if "fields" in spec:
        return [f if isinstance(f, dict) else {"path": f} for f in spec["fields"]]
    if "field" in spec:
        return [{"path": spec["field"], **{k: spec[k] for k in ("map", "default", "split") if k in spec}}]
    return []

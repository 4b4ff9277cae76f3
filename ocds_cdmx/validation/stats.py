"""Key field information, as the Review Tool's statistics, counted per contracting process.

Releases are cumulative: a process's award is in its award release, again in its contract release and
again in its implementation release. Adding up every release would count it three times. So the
amounts, procedure types, buyers and suppliers come from each process's latest state, as its compiled
release has it: each award and contract once (by id), the value of the latest release that gave one,
the procedure type and buyer of the latest release that names them. A record package gives that state
in each record's ``compiledRelease``. Only the counts of releases and tags (the releases of each stage,
a record's releases too) and the date range are per release.

The coverage of the eight fields that OCDS's guidance names (:data:`~ocds_cdmx.core.ocds.COVERAGE_FIELDS`)
is counted from the same state, per buyer: a field is there when a release of the process gave it (as
in its compiled release, where a later release that leaves a field out does not remove it).

Memory: one small state per process, spilled to a scratch file on disk when there are many
(:data:`SPILL_AFTER`), and merged again process by process at the end.
"""

from __future__ import annotations

import contextlib
import decimal
import math
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..core.ocds import COVERAGE_FIELDS
from ..io.scratch import KeyedStore

#: Processes kept in memory before their states go to a scratch file (about 1 KB each).
SPILL_AFTER = 20_000
#: Exact sums, whatever the order in which processes are added.
_CONTEXT = decimal.Context(prec=40)
_CENT = decimal.Decimal("0.01")

# A value as (order, amount, currency); order = (date, sequence number) of the release that gave it.
Dated = tuple[tuple[str, int], Any]


@dataclass
class _Award:
    value: Dated | None = None
    date: Dated | None = None
    suppliers: set[str] = field(default_factory=set)
    #: For the coverage: an amount (with or without currency), a supplier with a name.
    valued: bool = False
    supplier_named: bool = False


@dataclass
class _Contract:
    value: Dated | None = None
    period: bool = False


@dataclass
class _Process:
    """What one contracting process's compiled release says, as far as the statistics need."""

    buyer: Dated | None = None
    method: Dated | None = None
    date: Dated | None = None
    #: Whether a tender gave its value, period and title; None: no release had a tender.
    tender: tuple[bool, bool, bool] | None = None
    awards: dict[str, _Award] = field(default_factory=dict)
    contracts: dict[str, _Contract] = field(default_factory=dict)

    def merge(self, other: _Process) -> None:
        """Fold in another partial state of the same process (order decides, as the merge rules do)."""
        self.buyer = _latest(self.buyer, other.buyer)
        self.method = _latest(self.method, other.method)
        self.date = _latest(self.date, other.date)
        self.tender = _either(self.tender, other.tender)
        for key, theirs in other.awards.items():
            mine = self.awards.setdefault(key, _Award())
            mine.value = _latest(mine.value, theirs.value)
            mine.date = _latest(mine.date, theirs.date)
            mine.suppliers |= theirs.suppliers
            mine.valued |= theirs.valued
            mine.supplier_named |= theirs.supplier_named
        for key, contract in other.contracts.items():
            own = self.contracts.setdefault(key, _Contract())
            own.value = _latest(own.value, contract.value)
            own.period |= contract.period


def _latest(a: Dated | None, b: Dated | None) -> Dated | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b[0] >= a[0] else a


def _either(a: tuple[bool, ...] | None, b: tuple[bool, ...] | None) -> Any:
    """Fields that either state has (None: neither has the part at all)."""
    if a is None or b is None:
        return b if a is None else a
    return tuple(x or y for x, y in zip(a, b, strict=True))


def _has_amount(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    amount = value.get("amount")
    return isinstance(amount, int | float) and not isinstance(amount, bool)


def _has_period(value: Any) -> bool:
    return isinstance(value, dict) and bool(value.get("startDate") or value.get("endDate"))


def _amount(value: Any) -> tuple[decimal.Decimal, str] | None:
    if not isinstance(value, dict):
        return None
    amount, currency = value.get("amount"), value.get("currency")
    if isinstance(amount, int | float) and not isinstance(amount, bool) and isinstance(currency, str):
        # A whole number of 400 digits (kept exact by the reader) or inf is no amount: a total beyond a
        # double would be written as Infinity, which is not JSON. The sums leave it out.
        try:
            if not math.isfinite(float(amount)):
                return None
        except OverflowError:
            return None
        return decimal.Decimal(repr(amount)) if isinstance(amount, float) else decimal.Decimal(amount), currency
    return None


def _cents(total: decimal.Decimal) -> float:
    """A total rounded to cents (a total too long for cents is past them anyway)."""
    try:
        return float(total.quantize(_CENT, context=_CONTEXT))
    except decimal.InvalidOperation:
        return float(total)


def _key(obj: dict, index: int) -> str:
    """An award's or contract's identity: its id; an object without id by its place in the list."""
    ident = obj.get("id")
    if isinstance(ident, str | int) and not isinstance(ident, bool):
        return f"id:{ident}"
    return f"#{index}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class Statistics:
    """Accumulates statistics one release or record at a time; :meth:`as_dict` reports them."""

    def __init__(self, spill_after: int = SPILL_AFTER, scratch_dir: str | None = None) -> None:
        self.releases = 0
        self.records = 0
        self.tags: Counter[str] = Counter()
        self.first_date: str | None = None
        self.last_date: str | None = None
        self.spill_after = spill_after
        self.scratch_dir = scratch_dir
        self._seq = 0
        self._processes: dict[str, _Process] = {}
        self._spilled: KeyedStore | None = None
        self._folder: str | None = None
        self._summary: dict | None = None

    # -- input ----------------------------------------------------------------------------------
    def add_release(self, release: Any) -> None:
        """Count one release: its tags and date, and what it says of its process."""
        if not isinstance(release, dict):
            return
        self.releases += 1
        self._tag(release)
        self._fold(release)

    def _tag(self, release: dict) -> None:
        tags = release.get("tag")
        if isinstance(tags, list):
            self.tags.update({t for t in tags if isinstance(t, str)})

    def add_record(self, record: Any) -> None:
        """Count one record: its process's state is its compiled release, or else its embedded releases."""
        if not isinstance(record, dict):
            return
        self.records += 1
        releases = record.get("releases")
        releases = [r for r in releases if isinstance(r, dict)] if isinstance(releases, list) else []
        for release in releases:  # the record's releases, embedded or linked, by their stage
            self._tag(release)
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            self._fold(compiled, record.get("ocid"))
            return
        folded = False
        for release in releases:
            # Linked releases (url and date only) say nothing of the process but its date.
            if "id" in release:
                self._fold(release, record.get("ocid"))
                folded = True
        if not folded and isinstance(record.get("ocid"), str) and record["ocid"]:
            self._fold({}, record["ocid"])

    def _fold(self, release: dict, ocid: Any = None) -> None:
        self._summary = None
        date = release.get("date")
        date = date if isinstance(date, str) and date else None
        if date is not None:
            if self.first_date is None or date < self.first_date:
                self.first_date = date
            if self.last_date is None or date > self.last_date:
                self.last_date = date
        ocid = release.get("ocid") if isinstance(release.get("ocid"), str) else ocid
        if not isinstance(ocid, str) or not ocid:
            return
        self._seq += 1
        # Releases are merged in date order, ties in input order; a release without date first.
        order = (date or "", self._seq)
        state = self._processes.get(ocid)
        if state is None:
            if len(self._processes) >= self.spill_after:
                self._spill()
            state = self._processes[ocid] = _Process()
        if date is not None:
            state.date = _latest(state.date, (order, date))
        buyer = release.get("buyer")
        if isinstance(buyer, dict) and _text(buyer.get("name")):
            state.buyer = _latest(state.buyer, (order, buyer["name"].strip()))
        tender = release.get("tender")
        if isinstance(tender, dict):
            if _text(tender.get("procurementMethod")):
                state.method = _latest(state.method, (order, tender["procurementMethod"]))
            given = (
                _has_amount(tender.get("value")),
                _has_period(tender.get("tenderPeriod")),
                bool(_text(tender.get("title"))),
            )
            state.tender = _either(state.tender, given)
        awards = release.get("awards")
        for i, award in enumerate(awards if isinstance(awards, list) else []):
            if not isinstance(award, dict):
                continue
            mine = state.awards.setdefault(_key(award, i), _Award())
            value = _amount(award.get("value"))
            if value is not None:
                mine.value = _latest(mine.value, (order, value))
            mine.valued |= _has_amount(award.get("value"))
            if _text(award.get("date")):
                mine.date = _latest(mine.date, (order, award["date"]))
            suppliers = award.get("suppliers")
            for supplier in suppliers if isinstance(suppliers, list) else []:
                if isinstance(supplier, dict):
                    mine.supplier_named |= bool(_text(supplier.get("name")))
                    name = supplier.get("id") if supplier.get("id") not in (None, "") else supplier.get("name")
                    if isinstance(name, str | int) and not isinstance(name, bool) and str(name).strip():
                        mine.suppliers.add(str(name).strip())
        contracts = release.get("contracts")
        for i, contract in enumerate(contracts if isinstance(contracts, list) else []):
            if not isinstance(contract, dict):
                continue
            own = state.contracts.setdefault(_key(contract, i), _Contract())
            value = _amount(contract.get("value"))
            if value is not None:
                own.value = _latest(own.value, (order, value))
            own.period |= _has_period(contract.get("period"))

    def _spill(self) -> None:
        if self._spilled is None:
            self._folder = tempfile.mkdtemp(prefix="cdmx-stats-", dir=self.scratch_dir)
            self._spilled = KeyedStore(os.path.join(self._folder, "processes.sqlite"))
        for ocid, state in self._processes.items():
            self._spilled.add(ocid, state)
        self._processes.clear()

    def _states(self):
        """Every process's merged state, once."""
        if self._spilled is None:
            yield from self._processes.values()
            return
        self._spill()
        for _, parts in self._spilled.groups():
            state = parts[0]
            for part in parts[1:]:
                state.merge(part)
            yield state

    def finish(self) -> None:
        """Compute the totals and remove the scratch file: nothing more will be added."""
        self._compute()
        self.close()

    def close(self) -> None:
        """Remove the scratch file, if the processes were many enough to need one."""
        if self._spilled is not None:
            self._spilled.close()
            self._spilled = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # -- output ---------------------------------------------------------------------------------
    def _compute(self) -> dict:
        if self._summary is not None:
            return self._summary
        zero = decimal.Decimal(0)
        processes = 0
        buyers: Counter[str] = Counter()
        methods: Counter[str] = Counter()
        suppliers: set[str] = set()
        awards_total: dict[str, decimal.Decimal] = {}
        contracts_total: dict[str, decimal.Decimal] = {}
        by_method: dict[str, dict[str, decimal.Decimal]] = {}
        by_month: dict[str, dict[str, decimal.Decimal]] = {}
        award_count = contract_count = 0
        # Per buyer ("" for none) and field: [have it, of how many] (processes, or awards, or contracts).
        coverage: dict[str, dict[str, list[int]]] = {}

        def add(into: dict, currency: str, amount: decimal.Decimal) -> None:
            into[currency] = _CONTEXT.add(into.get(currency, zero), amount)

        for state in self._states():
            processes += 1
            if state.buyer is not None:
                buyers[state.buyer[1]] += 1
            method = state.method[1] if state.method is not None else None
            if method is not None:
                methods[method] += 1
            buyer = state.buyer[1] if state.buyer is not None else ""
            row = coverage.get(buyer)
            if row is None:
                row = coverage[buyer] = {name: [0, 0] for _, name in COVERAGE_FIELDS}
            present = [("buyer_name", state.buyer is not None)]
            if state.tender is not None:
                present += zip(("tender_value", "tender_period", "tender_title"), state.tender, strict=True)
            for award in state.awards.values():
                present += [("award_value", award.valued), ("award_date", award.date is not None),
                            ("supplier_name", award.supplier_named)]  # fmt: skip
            present += [("contract_period", c.period) for c in state.contracts.values()]
            for name, there in present:
                row[name][0] += there
                row[name][1] += 1
            for award in state.awards.values():
                award_count += 1
                suppliers |= award.suppliers
                if award.value is None:
                    continue
                amount, currency = award.value[1]
                add(awards_total, currency, amount)
                add(by_method.setdefault(method or "", {}), currency, amount)
                when = award.date[1] if award.date is not None else state.date[1] if state.date is not None else ""
                add(by_month.setdefault(when[:7], {}), currency, amount)
            for contract in state.contracts.values():
                contract_count += 1
                if contract.value is not None:
                    add(contracts_total, contract.value[1][1], contract.value[1][0])

        def money(totals: dict[str, decimal.Decimal]) -> dict[str, float]:
            rounded = {k: _cents(v) for k, v in sorted(totals.items())}
            return {k: v for k, v in rounded.items() if math.isfinite(v)}

        self._summary = {
            "processes": processes,
            "buyers": buyers,
            "methods": methods,
            "suppliers": len(suppliers),
            "awards": award_count,
            "contracts": contract_count,
            "award_amounts": money(awards_total),
            "contract_amounts": money(contracts_total),
            "by_method": {k: money(v) for k, v in sorted(by_method.items())},
            "by_month": {k: money(v) for k, v in sorted(by_month.items())},
            "coverage": coverage,
        }
        return self._summary

    @property
    def ocids(self) -> int:
        """How many contracting processes (distinct OCIDs) were seen."""
        return self._compute()["processes"]

    def as_dict(self) -> dict:
        """The statistics as JSON-ready data (their meaning is in the README)."""
        s = self._compute()
        coverage = s["coverage"]
        total = {name: [0, 0] for _, name in COVERAGE_FIELDS}
        for row in coverage.values():
            for name, (have, of) in row.items():
                total[name][0] += have
                total[name][1] += of
        return {
            "releases": self.releases,
            "records": self.records,
            "ocids": s["processes"],
            "tags": dict(sorted(self.tags.items())),
            "first_date": self.first_date,
            "last_date": self.last_date,
            "buyers": dict(s["buyers"].most_common(20)),
            "buyers_count": len(s["buyers"]),
            "suppliers_count": s["suppliers"],
            "procurement_methods": dict(sorted(s["methods"].items())),
            "awards_count": s["awards"],
            "contracts_count": s["contracts"],
            "award_amounts": s["award_amounts"],
            "contract_amounts": s["contract_amounts"],
            "award_amounts_by_method": s["by_method"],
            "award_amounts_by_month": s["by_month"],
            "coverage": {b: coverage[b] for b in sorted(coverage, key=lambda b: (not b, b.casefold(), b))},
            "coverage_total": total,
        }

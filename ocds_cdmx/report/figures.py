"""The figures of the HTML report, counted per contracting process, not per release.

Releases are cumulative: a process published at its tender, its award and its contract carries the same
award in two or three releases. So each process is followed to its latest state (for each of its parts,
the value from its latest release, as a compiled release has it; a record's ``compiledRelease`` when it
has one), and every award and contract is counted once: amounts by procedure type and by month, the
releases of each stage, and the coverage of the eight fields that OCDS's guidance says make data useful,
by agency (buyer) and stage. Memory grows with the processes (a few numbers each), not with releases.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CdmxError
from ..io.jsonin import expand_sources, iter_documents

#: The fields that OCDS's guidance names as the minimum for useful data, with the stage each belongs to.
COVERAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("tender", "tender_value"),
    ("tender", "tender_period"),
    ("tender", "tender_title"),
    ("buyer", "buyer_name"),
    ("award", "award_value"),
    ("award", "award_date"),
    ("award", "supplier_name"),
    ("contract", "contract_period"),
)
#: Which count each stage's fields are shares of: processes with a tender, all processes, awards, contracts.
STAGES = ("tender", "buyer", "award", "contract")


@dataclass
class _Award:
    date: str = ""
    amount: float | None = None
    currency: str | None = None
    month: str | None = None
    has_date: bool = False
    suppliers: tuple[str, ...] = ()
    supplier_named: bool = False


@dataclass
class _Contract:
    date: str = ""
    amount: float | None = None
    currency: str | None = None
    has_period: bool = False


@dataclass
class _Process:
    """The latest state of one process: each part with the date of the release it came from."""

    dates: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    buyer: str | None = None
    tender: tuple[bool, bool, bool] | None = None
    awards: dict[str, _Award] = field(default_factory=dict)
    contracts: dict[str, _Contract] = field(default_factory=dict)

    def newer(self, part: str, date: str) -> bool:
        """Whether a release of ``date`` is as new as the one ``part`` came from (and record it)."""
        if date >= self.dates.get(part, ""):
            self.dates[part] = date
            return True
        return False


class Figures:
    """Accumulates releases and records, one at a time, into per-process figures (:meth:`as_dict`)."""

    def __init__(self) -> None:
        self.processes: dict[str, _Process] = {}
        self.releases = 0
        self.records = 0
        self.stages: Counter[str] = Counter()
        self.first_date: str | None = None
        self.last_date: str | None = None

    def add(self, item: Any, kind: str | None = None) -> None:
        """Add a release or a record (``kind`` ``releases``/``records``, or guessed from its keys)."""
        if not isinstance(item, dict):
            return
        if kind == "records" or (kind is None and ("compiledRelease" in item or _is_record(item))):
            self.add_record(item)
        else:
            self.add_release(item)

    def add_record(self, record: dict) -> None:
        self.records += 1
        releases = [r for r in record.get("releases") or [] if isinstance(r, dict)]
        for release in releases:
            self._stage(release)
        compiled = record.get("compiledRelease")
        if isinstance(compiled, dict):
            self._apply(compiled, record.get("ocid"))
        else:
            for release in releases:
                if "id" in release:  # embedded, not linked
                    self._apply(release, record.get("ocid"))

    def add_release(self, release: dict) -> None:
        self.releases += 1
        self._stage(release)
        self._apply(release, release.get("ocid"))

    def _stage(self, release: dict) -> None:
        tags = release.get("tag")
        if isinstance(tags, list):
            self.stages.update({t for t in tags if isinstance(t, str)})
        date = release.get("date")
        if isinstance(date, str) and date:
            if self.first_date is None or date < self.first_date:
                self.first_date = date
            if self.last_date is None or date > self.last_date:
                self.last_date = date

    def _apply(self, release: dict, ocid: Any) -> None:
        if not isinstance(ocid, str):
            return
        process = self.processes.get(ocid)
        if process is None:
            process = self.processes[ocid] = _Process()
        date = release.get("date") if isinstance(release.get("date"), str) else ""
        buyer = release.get("buyer")
        if isinstance(buyer, dict) and process.newer("buyer", date):
            process.buyer = _text(buyer.get("name"))
        tender = release.get("tender")
        if isinstance(tender, dict) and process.newer("tender", date):
            process.method = _text(tender.get("procurementMethod")) or process.method
            period = tender.get("tenderPeriod")
            process.tender = (
                _amount(tender.get("value"))[0] is not None,
                isinstance(period, dict) and bool(period.get("startDate") or period.get("endDate")),
                bool(_text(tender.get("title"))),
            )
        for index, award in enumerate(release.get("awards") or []):
            if not isinstance(award, dict):
                continue
            key = str(award.get("id", f"#{index}"))
            old = process.awards.get(key)
            if old is not None and date < old.date:
                continue
            amount, currency = _amount(award.get("value"))
            award_date = _text(award.get("date"))
            suppliers = [s for s in award.get("suppliers") or [] if isinstance(s, dict)]
            process.awards[key] = _Award(
                date=date,
                amount=amount,
                currency=currency,
                month=(award_date or date or "")[:7] or None,
                has_date=bool(award_date),
                suppliers=tuple(str(s.get("id") or s.get("name")) for s in suppliers if s.get("id") or s.get("name")),
                supplier_named=any(_text(s.get("name")) for s in suppliers),
            )
        for index, contract in enumerate(release.get("contracts") or []):
            if not isinstance(contract, dict):
                continue
            key = str(contract.get("id", f"#{index}"))
            old_contract = process.contracts.get(key)
            if old_contract is not None and date < old_contract.date:
                continue
            amount, currency = _amount(contract.get("value"))
            period = contract.get("period")
            process.contracts[key] = _Contract(
                date=date,
                amount=amount,
                currency=currency,
                has_period=isinstance(period, dict) and bool(period.get("startDate") or period.get("endDate")),
            )

    def as_dict(self) -> dict[str, Any]:
        """The figures as plain data: totals, the three charts' series and the coverage table."""
        awards_by_currency: Counter[str] = Counter()
        contracts_by_currency: Counter[str] = Counter()
        by_method: dict[str, Counter[str]] = defaultdict(Counter)
        by_month: dict[str, Counter[str]] = defaultdict(Counter)
        methods: Counter[str] = Counter()
        buyers: set[str] = set()
        suppliers: set[str] = set()
        coverage: dict[str, dict[str, list[int]]] = {}
        for process in self.processes.values():
            method = process.method or ""
            methods[method] += 1
            buyer = process.buyer or ""
            if buyer:
                buyers.add(buyer)
            row = coverage.setdefault(buyer, {name: [0, 0] for _, name in COVERAGE_FIELDS})
            row["buyer_name"][1] += 1
            row["buyer_name"][0] += bool(process.buyer)
            if process.tender is not None:
                for name, present in zip(
                    ("tender_value", "tender_period", "tender_title"), process.tender, strict=True
                ):
                    row[name][1] += 1
                    row[name][0] += present
            for award in process.awards.values():
                suppliers.update(award.suppliers)
                for name, present in (
                    ("award_value", award.amount is not None),
                    ("award_date", award.has_date),
                    ("supplier_name", award.supplier_named),
                ):
                    row[name][1] += 1
                    row[name][0] += present
                if award.amount is not None and award.currency:
                    awards_by_currency[award.currency] += award.amount
                    by_method[award.currency][method] += award.amount
                    if award.month:
                        by_month[award.currency][award.month] += award.amount
            for contract in process.contracts.values():
                row["contract_period"][1] += 1
                row["contract_period"][0] += contract.has_period
                if contract.amount is not None and contract.currency:
                    contracts_by_currency[contract.currency] += contract.amount
        currency = awards_by_currency.most_common(1)[0][0] if awards_by_currency else None
        total = {name: [0, 0] for _, name in COVERAGE_FIELDS}
        for row in coverage.values():
            for name, (have, of) in row.items():
                total[name][0] += have
                total[name][1] += of
        return {
            "processes": len(self.processes),
            "releases": self.releases,
            "records": self.records,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "buyers": len(buyers),
            "suppliers": len(suppliers),
            "award_amounts": _rounded(awards_by_currency),
            "contract_amounts": _rounded(contracts_by_currency),
            "currency": currency,
            "methods": dict(methods.most_common()),
            "amounts_by_method": dict(
                sorted(_rounded(by_method.get(currency, Counter())).items(), key=lambda kv: -kv[1])
            ),
            "amounts_by_month": dict(sorted(_rounded(by_month.get(currency, Counter())).items())),
            "stages": dict(self.stages.most_common()),
            "coverage": {buyer: coverage[buyer] for buyer in sorted(coverage, key=lambda b: (not b, b.casefold()))},
            "coverage_total": total,
        }


def figures_of(sources: Iterable[str], encoding: str | None = None) -> dict[str, Any] | None:
    """The figures of release or record packages in files or directories (``-`` cannot be read twice:
    None when nothing could be read). A source that cannot be read adds what was read before the problem
    (its validation reports the problem)."""
    figures = Figures()
    read = False
    try:
        paths = expand_sources(list(sources))
    except CdmxError:
        return None
    for path in paths:
        if path == "-":
            continue
        read = True
        with contextlib.suppress(CdmxError, OSError, ValueError):
            for document in iter_documents(path, encoding):
                for key, _, item in document.items:
                    figures.add(item, key)
    return figures.as_dict() if read else None


def _is_record(item: dict) -> bool:
    releases = item.get("releases")
    return isinstance(releases, list) and "id" not in item and "tag" not in item


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _amount(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, dict):
        amount = value.get("amount")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            currency = value.get("currency")
            return float(amount), currency if isinstance(currency, str) else None
    return None, None


def _rounded(counter: Counter[str]) -> dict[str, float]:
    return {k: round(v, 2) for k, v in sorted(counter.items())}

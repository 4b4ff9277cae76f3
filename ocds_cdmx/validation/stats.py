"""Key field information, as the Review Tool's statistics: counts, tags, dates, parties, amounts."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any


class Statistics:
    """Accumulates statistics one release at a time; memory grows only with distinct OCIDs and names."""

    def __init__(self) -> None:
        self.releases = 0
        self.records = 0
        self.ocids: set[str] = set()
        self.tags: Counter[str] = Counter()
        self.first_date: str | None = None
        self.last_date: str | None = None
        self.buyers: Counter[str] = Counter()
        self.suppliers: set[str] = set()
        self.methods: Counter[str] = Counter()
        self.awards_by_currency: Counter[str] = Counter()
        self.contracts_by_currency: Counter[str] = Counter()

    def add_record(self, record: dict) -> None:
        self.records += 1
        if isinstance(record.get("ocid"), str):
            self.ocids.add(record["ocid"])

    def add_release(self, release: Any) -> None:
        """Count one release (or compiled release)."""
        if not isinstance(release, dict):
            return
        self.releases += 1
        ocid = release.get("ocid")
        if isinstance(ocid, str):
            self.ocids.add(ocid)
        tags = release.get("tag")
        if isinstance(tags, list):
            self.tags.update(t for t in tags if isinstance(t, str))
        date = release.get("date")
        if isinstance(date, str) and date:
            if self.first_date is None or date < self.first_date:
                self.first_date = date
            if self.last_date is None or date > self.last_date:
                self.last_date = date
        buyer = release.get("buyer")
        if isinstance(buyer, dict) and isinstance(buyer.get("name"), str):
            self.buyers[buyer["name"]] += 1
        tender = release.get("tender")
        if isinstance(tender, dict) and isinstance(tender.get("procurementMethod"), str):
            self.methods[tender["procurementMethod"]] += 1
        for award in _list(release.get("awards")):
            if not isinstance(award, dict):
                continue
            for supplier in _list(award.get("suppliers")):
                if isinstance(supplier, dict):
                    key = supplier.get("id") or supplier.get("name")
                    if isinstance(key, str):
                        self.suppliers.add(key)
            _sum(award.get("value"), self.awards_by_currency)
        for contract in _list(release.get("contracts")):
            if isinstance(contract, dict):
                _sum(contract.get("value"), self.contracts_by_currency)

    def as_dict(self) -> dict:
        """The statistics as JSON-ready data."""
        return {
            "releases": self.releases,
            "records": self.records,
            "ocids": len(self.ocids),
            "tags": dict(sorted(self.tags.items())),
            "first_date": self.first_date,
            "last_date": self.last_date,
            "buyers": dict(self.buyers.most_common(20)),
            "buyers_count": len(self.buyers),
            "suppliers_count": len(self.suppliers),
            "procurement_methods": dict(sorted(self.methods.items())),
            "award_amounts": {k: round(v, 2) for k, v in sorted(self.awards_by_currency.items())},
            "contract_amounts": {k: round(v, 2) for k, v in sorted(self.contracts_by_currency.items())},
        }


def _list(value: Any) -> list:
    """An array of the data, or nothing when it is not one (the schema pass reports it)."""
    return value if isinstance(value, list) else []


def _sum(value: Any, into: Counter) -> None:
    if isinstance(value, dict):
        amount, currency = value.get("amount"), value.get("currency")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and isinstance(currency, str):
            # A whole number of 400 digits, or a sum beyond a double (written as Infinity, which is not
            # JSON), is no amount: the sums leave it out.
            try:
                total = into[currency] + amount
                finite = math.isfinite(float(total))
            except OverflowError:
                return
            if finite:
                into[currency] = total

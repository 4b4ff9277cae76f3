"""The single-release checks of OCP's Pelican that the Review Tool lacks, kept where Mexico agrees.

Pelican (pelican-backend, ``contracting_process``) checks each compiled release; these functions take
one release, cumulative or compiled, and report to a :class:`~ocds_cdmx.core.findings.Findings`.
Like :mod:`.quality` they never raise on malformed data and skip what they cannot read (a date that
does not parse, an amount that is not a number, a value in another currency).

Left out on purpose (the README's list of checks says why): "at most one tenderer for sole sourcing"
(an adjudicación directa asks for three quotes), "monetary values are realistic" (needs exchange rates
of the release date) and "planning budget commensurate with tender value" (a programme's budget line
covers many procedures).

:class:`NameVariants` is the one check across releases: the same organization named in several ways.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..core.findings import Findings

#: A date before this year is a typing error or a placeholder (Pelican's "date is realistic").
EARLIEST_YEAR = 1990
#: Dates in ``date_too_early``: every date a data officer types (the release's own date is the tool's).
DATE_FIELDS = (
    ("tender", "tenderPeriod", "startDate"),
    ("tender", "tenderPeriod", "endDate"),
    ("tender", "awardPeriod", "startDate"),
    ("tender", "contractPeriod", "startDate"),
)
#: Placeholders ("1970-01-01") are reported as such by :func:`.quality.check_date_text`.
PLACEHOLDER_PREFIXES = ("1970-01-01", "1900-01-01", "0001-01-01")
#: A signature "in the future" allows a day, for time zones and clocks.
FUTURE_SLACK = timedelta(days=1)
#: Contracts worth less than half or more than one and a half times their award (Pelican's bounds).
RATIO_LOW, RATIO_HIGH = 0.5, 1.5

#: The sections of OCDS 1.1's documentType.csv ("Section" column): where each code belongs. Codes
#: of extensions are not here and are not checked.
DOCUMENT_SECTIONS: dict[str, frozenset[str]] = {
    code: frozenset(sections.split())
    for code, sections in {
        "plannedProcurementNotice": "planning", "tenderNotice": "tender", "awardNotice": "award",
        "contractNotice": "contract", "completionCertificate": "implementation", "procurementPlan": "planning",
        "biddingDocuments": "tender", "technicalSpecifications": "tender", "evaluationCriteria": "tender",
        "evaluationReports": "tender", "contractDraft": "tender award", "contractSigned": "contract",
        "contractArrangements": "tender award contract", "contractSchedule": "tender award contract",
        "physicalProgressReport": "implementation", "financialProgressReport": "implementation",
        "finalAudit": "implementation", "hearingNotice": "tender", "marketStudies": "planning",
        "eligibilityCriteria": "tender", "clarifications": "tender", "shortlistedFirms": "tender",
        "environmentalImpact": "planning implementation", "assetAndLiabilityAssessment": "planning",
        "riskProvisions": "planning", "winningBid": "award", "complaints": "tender award",
        "contractAnnexe": "contract", "contractGuarantees": "tender contract", "subContract": "contract",
        "needsAssessment": "planning", "feasibilityStudy": "planning", "projectPlan": "planning",
        "billOfQuantity": "tender", "bidders": "tender bidder",
        "conflictOfInterest": "tender award contract implementation", "debarments": "implementation",
        "illustration": "tender bid contract implementation", "submissionDocuments": "bid award contract",
        "contractSummary": "contract", "cancellationDetails": "tender award contract implementation",
    }.items()
}  # fmt: skip

#: Roles whose party must be referenced somewhere, and the section that holds the reference (the
#: check waits for that section: a cumulative tender release may name the future supplier). Pelican
#: leaves 'buyer' out: a release has one buyer field but may list several buyers.
ROLE_SECTIONS = {
    "procuringEntity": "tender",
    "tenderer": "tender",
    "supplier": "awards",
    "payer": "transactions",
    "payee": "transactions",
}
_SPACES = re.compile(r"\s+")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or value.startswith(PLACEHOLDER_PREFIXES):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _amount(value: Any) -> tuple[float, str] | None:
    value = _dict(value)
    amount, currency = value.get("amount"), value.get("currency")
    if isinstance(amount, int | float) and not isinstance(amount, bool) and isinstance(currency, str) and currency:
        try:
            number = float(amount)
        except OverflowError:  # a whole number of 400 digits, kept exact by the reader: no amount to compare
            return None
        return (number, currency) if math.isfinite(number) else None
    return None


def _name(value: Any) -> str | None:
    return _SPACES.sub(" ", value).strip() or None if isinstance(value, str) else None


def check_release(release: dict, path: tuple, f: Findings, now: datetime | None = None) -> None:
    """Run every check of this module on one release (``now``: the time a signature cannot be after)."""
    _realistic_dates(release, path, f, now or datetime.now(UTC))
    _timeline(release, path, f)
    _contract_values(release, path, f)
    _number_of_tenderers(release, path, f)
    _references(release, path, f)
    _document_types(release, path, f)


def _realistic_dates(release: dict, path: tuple, f: Findings, now: datetime) -> None:
    """No contract signed in the future; no date a person typed before 1990."""
    # RFC 3339 dates start with the year: most are told apart from the text alone, without parsing.
    earliest = f"{EARLIEST_YEAR:04d}"
    soonest = (now + FUTURE_SLACK - timedelta(days=1)).strftime("%Y-%m-%d")
    dates: list[tuple[Any, tuple]] = [(_dict_at(release, steps), steps) for steps in DATE_FIELDS]
    for i, award in enumerate(_list(release.get("awards"))):
        dates.append((_dict(award).get("date"), ("awards", i, "date")))
    for i, contract in enumerate(_list(release.get("contracts"))):
        contract = _dict(contract)
        signed = contract.get("dateSigned")
        dates.append((signed, ("contracts", i, "dateSigned")))
        dates.append((_dict(contract.get("period")).get("startDate"), ("contracts", i, "period", "startDate")))
        parsed = _date(signed) if isinstance(signed, str) and signed[:10] >= soonest else None
        if parsed is not None and parsed > now + FUTURE_SLACK:
            f.add("date_in_future", path + ("contracts", i, "dateSigned"), signed)
        for k, tx in enumerate(_list(_dict(contract.get("implementation")).get("transactions"))):
            dates.append((_dict(tx).get("date"), ("contracts", i, "implementation", "transactions", k, "date")))
    for value, rel in dates:
        if not isinstance(value, str) or value[:4] >= earliest:
            continue
        parsed = _date(value)
        if parsed is not None and parsed.year < EARLIEST_YEAR:
            f.add("date_too_early", path + rel, value, year=EARLIEST_YEAR)


def _dict_at(obj: Any, steps: tuple) -> Any:
    for step in steps:
        obj = _dict(obj).get(step)
    return obj


def _timeline(release: dict, path: tuple, f: Findings) -> None:
    """Tender period end ≤ award date ≤ contract signature ≤ payments (award ≤ signature is
    ``signed_before_award``, in :mod:`.quality`)."""
    tender = _dict(release.get("tender"))
    tender_end = _date(_dict(tender.get("tenderPeriod")).get("endDate"))
    awards: dict[str, datetime | None] = {}
    for i, award in enumerate(_list(release.get("awards"))):
        award = _dict(award)
        date = _date(award.get("date"))
        if isinstance(award.get("id"), str | int):
            awards[str(award["id"])] = date
        if tender_end and date and date < tender_end:
            f.add("timeline", path + ("awards", i, "date"), award.get("date"),
                  earlier="tender/tenderPeriod/endDate", later="awards/date")  # fmt: skip
    for i, contract in enumerate(_list(release.get("contracts"))):
        contract = _dict(contract)
        cpath = path + ("contracts", i)
        signed = _date(contract.get("dateSigned"))
        if tender_end and signed and signed < tender_end:
            f.add("timeline", cpath + ("dateSigned",), contract.get("dateSigned"),
                  earlier="tender/tenderPeriod/endDate", later="contracts/dateSigned")  # fmt: skip
        if signed is None:
            continue
        for k, tx in enumerate(_list(_dict(contract.get("implementation")).get("transactions"))):
            tx = _dict(tx)
            paid = _date(tx.get("date"))
            if paid and paid < signed:
                f.add("timeline", cpath + ("implementation", "transactions", k, "date"), tx.get("date"),
                      earlier="contracts/dateSigned", later="contracts/implementation/transactions/date")  # fmt: skip


def _contract_values(release: dict, path: tuple, f: Findings) -> None:
    """Payments not above their contract's value; contracts within 50–150% of their award's value."""
    by_award: dict[str, list[tuple[float, str]]] = {}
    for i, contract in enumerate(_list(release.get("contracts"))):
        contract = _dict(contract)
        value = _amount(contract.get("value"))
        award_id = contract.get("awardID")
        if value is not None and isinstance(award_id, str | int) and not isinstance(award_id, bool):
            by_award.setdefault(str(award_id), []).append(value)
        if value is None:
            continue
        amount, currency = value
        paid = [
            _amount(_dict(tx).get("value") if "value" in _dict(tx) else _dict(tx).get("amount"))
            for tx in _list(_dict(contract.get("implementation")).get("transactions"))
        ]
        total = sum(p[0] for p in paid if p is not None and p[1] == currency)
        # A cent of rounding per payment is not an overpayment.
        if paid and total > amount + 0.01 * len(paid):
            f.add("payments_exceed_contract", path + ("contracts", i, "value", "amount"), amount,
                  paid=round(total, 2), currency=currency)  # fmt: skip
    awards = [_dict(a) for a in _list(release.get("awards"))]
    ids = [str(a.get("id")) for a in awards]
    for i, award in enumerate(awards):
        value = _amount(award.get("value"))
        award_id = ids[i]
        # Pelican skips contracts whose awardID matches no award or several.
        if value is None or award_id not in by_award or ids.count(award_id) != 1:
            continue
        amount, currency = value
        contracts = [a for a, c in by_award[award_id] if c == currency]
        if not contracts or len(contracts) != len(by_award[award_id]) or not amount:
            continue
        total = sum(contracts)
        if (total > 0) != (amount > 0) or total == 0:
            continue
        ratio = total / amount
        if not RATIO_LOW <= ratio <= RATIO_HIGH:
            f.add("contract_award_ratio", path + ("awards", i, "value", "amount"), amount,
                  percent=round(ratio * 100))  # fmt: skip


def _number_of_tenderers(release: dict, path: tuple, f: Findings) -> None:
    tender = _dict(release.get("tender"))
    number = tender.get("numberOfTenderers")
    tenderers = tender.get("tenderers")
    counted = isinstance(tenderers, list) and isinstance(number, int) and not isinstance(number, bool)
    if counted and number != len(tenderers):
        f.add("tenderers_count", path + ("tender", "numberOfTenderers"), number, listed=len(tenderers))


def _references(release: dict, path: tuple, f: Findings) -> None:
    """A reference whose name is not its party's; a party's role that no reference uses."""
    parties: dict[str, list[dict]] = {}
    for party in _list(release.get("parties")):
        party = _dict(party)
        if isinstance(party.get("id"), str | int) and not isinstance(party.get("id"), bool):
            parties.setdefault(str(party["id"]), []).append(party)
    if not parties:
        return
    referenced: set[tuple[str, str]] = set()
    for ref, rel, role in _references_of(release):
        ref_id = ref.get("id")
        if not isinstance(ref_id, str | int) or isinstance(ref_id, bool):
            continue
        referenced.add((str(ref_id), role))
        matches = parties.get(str(ref_id), [])
        if len(matches) != 1:  # a missing or doubled party is reported by party_missing / uniqueness
            continue
        raw, party_name = ref.get("name"), matches[0].get("name")
        if raw == party_name:  # nearly always: spare the normalisation
            continue
        mine, theirs = _name(raw), _name(party_name)
        if mine and theirs and mine != theirs and not _cut(mine, theirs):
            f.add("party_name_differs", path + rel + ("name",), ref.get("name"), role=role, party=theirs)
    present = {
        "tender": isinstance(release.get("tender"), dict),
        "awards": bool(_list(release.get("awards"))),
        "transactions": any(
            _list(_dict(_dict(c).get("implementation")).get("transactions")) for c in _list(release.get("contracts"))
        ),
    }
    for i, party in enumerate(_list(release.get("parties"))):
        party = _dict(party)
        party_id = party.get("id")
        if not isinstance(party_id, str | int) or isinstance(party_id, bool):
            continue
        for role in _list(party.get("roles")):
            section = ROLE_SECTIONS.get(role) if isinstance(role, str) else None
            if section and present[section] and (str(party_id), role) not in referenced:
                f.add("party_role_unreferenced", path + ("parties", i, "roles"), role, role=role)


def _references_of(release: dict) -> list[tuple[dict, tuple, str]]:
    """What :func:`~ocds_cdmx.core.ocds.iter_references` yields, in the same order, by plain loops:
    this runs on every release, and nested generators cost several times more."""
    out: list[tuple[dict, tuple, str]] = []
    buyer = release.get("buyer")
    if isinstance(buyer, dict):
        out.append((buyer, ("buyer",), "buyer"))
    tender = release.get("tender")
    if isinstance(tender, dict):
        entity = tender.get("procuringEntity")
        if isinstance(entity, dict):
            out.append((entity, ("tender", "procuringEntity"), "procuringEntity"))
        tenderers = tender.get("tenderers")
        if isinstance(tenderers, list):
            out.extend(
                (t, ("tender", "tenderers", i), "tenderer") for i, t in enumerate(tenderers) if isinstance(t, dict)
            )
    awards = release.get("awards")
    for i, award in enumerate(awards if isinstance(awards, list) else ()):
        suppliers = award.get("suppliers") if isinstance(award, dict) else None
        if isinstance(suppliers, list):
            out.extend(
                (s, ("awards", i, "suppliers", k), "supplier") for k, s in enumerate(suppliers) if isinstance(s, dict)
            )
    details = _dict(release.get("bids")).get("details")
    for i, detail in enumerate(details if isinstance(details, list) else ()):
        tenderers = detail.get("tenderers") if isinstance(detail, dict) else None
        if isinstance(tenderers, list):
            out.extend((t, ("bids", "details", i, "tenderers", k), "tenderer")
                       for k, t in enumerate(tenderers) if isinstance(t, dict))  # fmt: skip
    contracts = release.get("contracts")
    payers: list[tuple[dict, tuple, str]] = []
    payees: list[tuple[dict, tuple, str]] = []
    for i, contract in enumerate(contracts if isinstance(contracts, list) else ()):
        implementation = contract.get("implementation") if isinstance(contract, dict) else None
        transactions = implementation.get("transactions") if isinstance(implementation, dict) else None
        for k, tx in enumerate(transactions if isinstance(transactions, list) else ()):
            if not isinstance(tx, dict):
                continue
            base = ("contracts", i, "implementation", "transactions", k)
            if isinstance(tx.get("payer"), dict):
                payers.append((tx["payer"], (*base, "payer"), "payer"))
            if isinstance(tx.get("payee"), dict):
                payees.append((tx["payee"], (*base, "payee"), "payee"))
    # iter_references lists every payer before every payee.
    return out + payers + payees


def _cut(a: str, b: str) -> bool:
    """One name is the other cut short: :class:`NameVariants` reports that, once."""
    short, long = sorted((a, b), key=len)
    return len(short) >= 20 and long.startswith(short)


def _document_types(release: dict, path: tuple, f: Findings) -> None:
    """Each document's type against the sections documentType.csv gives it (by plain loops: every release)."""
    places: list[tuple[Any, tuple, str]] = []
    for key, section in (("planning", "planning"), ("tender", "tender")):
        obj = release.get(key)
        if isinstance(obj, dict) and "documents" in obj:
            places.append((obj["documents"], (key, "documents"), section))
    awards = release.get("awards")
    for i, award in enumerate(awards if isinstance(awards, list) else ()):
        if isinstance(award, dict) and "documents" in award:
            places.append((award["documents"], ("awards", i, "documents"), "award"))
    contracts = release.get("contracts")
    for i, contract in enumerate(contracts if isinstance(contracts, list) else ()):
        if not isinstance(contract, dict):
            continue
        if "documents" in contract:
            places.append((contract["documents"], ("contracts", i, "documents"), "contract"))
        implementation = contract.get("implementation")
        if isinstance(implementation, dict) and "documents" in implementation:
            places.append(
                (implementation["documents"], ("contracts", i, "implementation", "documents"), "implementation")
            )
    for documents, rel, section in places:
        for k, document in enumerate(documents if isinstance(documents, list) else ()):
            code = document.get("documentType") if isinstance(document, dict) else None
            sections = DOCUMENT_SECTIONS.get(code) if isinstance(code, str) else None
            if sections and section not in sections:
                f.add("document_type_section", path + rel + (k, "documentType"), code,
                      code=code, section=section, sections=", ".join(sorted(sections)))  # fmt: skip


class NameVariants:
    """Names of organizations across the releases of a source, by identifier: a name that is another
    one cut short is reported once per party, where it was first seen, however many releases repeat it."""

    MIN_LENGTH = 20

    def __init__(self) -> None:
        self.names: dict[str, dict[str, tuple]] = {}

    def add(self, release: Any, path: tuple) -> None:
        """Collect the names of one release's parties and organization references."""
        if not isinstance(release, dict):
            return
        found: list[tuple[dict, tuple]] = [(ref, rel) for ref, rel, _ in _references_of(release)]
        found += [(_dict(p), ("parties", i)) for i, p in enumerate(_list(release.get("parties")))]
        for obj, rel in found:
            ident = _dict(obj.get("identifier")).get("id")
            name = obj.get("name")
            if isinstance(ident, str) and isinstance(name, str) and name.strip():
                self.names.setdefault(ident, {}).setdefault(name.strip(), path + rel + ("name",))

    def report(self, f: Findings) -> None:
        """Report the names cut short seen since the last report, and forget them."""
        for ident, variants in self.names.items():
            for name, where in variants.items():
                if len(name) >= self.MIN_LENGTH and any(o != name and o.startswith(name) for o in variants):
                    f.add("name_truncated", where, name, identifier=ident, length=len(name))
        self.names.clear()

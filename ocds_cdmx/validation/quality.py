"""Checks beyond the schema: references between sections, coherence, and Mexican data.

Each function takes one release (a dict that may be invalid in any way) and its path, and reports to
a :class:`~ocds_cdmx.core.findings.Findings`. They never raise on malformed data. The checks of single
texts (placeholders, mojibake, placeholder dates) are called by the schema pass, which visits every
string anyway (:func:`check_text`, :func:`check_date_text`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..core.findings import Findings
from ..core.ocds import STAGE_SECTIONS, TAG_STAGE, iter_references
from . import coherence

RFC = re.compile(r"^[A-ZÑ&]{3,4}[0-9]{6}[A-Z0-9]{3}$")
GENERIC_RFCS = frozenset({"XAXX010101000", "XEXX010101000"})
MEXICO = frozenset({"mx", "mex", "méxico", "mexico", "estados unidos mexicanos"})

#: Texts that agencies typed where they had no data.
PLACEHOLDERS = frozenset(
    s.casefold()
    for s in (
        "No Capturado", "No capturado", "Por definir", "por definir", "N/A", "n/d", "S/D",
        "Sin dato", "Sin datos", "No aplica", "No disponible", "Pendiente", "xxx", "XXXX", "-", "--",
        "null", "None", "undefined", "sin información", "no especificado",
    )
)  # fmt: skip
# casefold() can change a length ("ß" → "ss"), so the lengths of every case variant are kept.
PLACEHOLDER_LENGTHS = frozenset(len(p) for p in PLACEHOLDERS) | frozenset(len(p.upper()) for p in PLACEHOLDERS)
#: UTF-8 bytes decoded as Latin-1/cp1252: "AUTORIZACIÃ“N" for "AUTORIZACIÓN".
MOJIBAKE = re.compile(
    "[\u00c3\u00c2][\u0080-\u00bf\u201a-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u2122]"
)
PLACEHOLDER_DATES = ("1970-01-01", "1900-01-01", "0001-01-01")

Add = Callable[..., None]


def check_text(text: str, path: tuple, add: Add) -> None:
    """A text that is a placeholder ("No Capturado") or has mojibake ("AUTORIZACIÃ“N")."""
    stripped = text.strip()
    if len(stripped) in PLACEHOLDER_LENGTHS and stripped.casefold() in PLACEHOLDERS:
        add("placeholder_text", path, text)
    if not text.isascii() and MOJIBAKE.search(text):
        add("mojibake", path, text)


def check_date_text(text: str, path: tuple, add: Add) -> None:
    """A date-time that stands for no date (1970-01-01)."""
    if text.startswith(PLACEHOLDER_DATES):
        add("placeholder_date", path, text)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _date(value: Any) -> datetime | None:
    return _parse_date(value) if isinstance(value, str) else None


# The dates of a process repeat in each of its cumulative releases.
@functools.lru_cache(maxsize=1 << 14)
def _parse_date(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def check_release(release: dict, path: tuple, f: Findings) -> None:
    """Run every quality check on one release."""
    parties = {}
    for i, party in enumerate(_list(release.get("parties"))):
        if isinstance(party, dict) and isinstance(party.get("id"), str):
            roles = party.get("roles")
            parties[party["id"]] = {r for r in _list(roles) if isinstance(r, str)}
        if isinstance(party, dict):
            _organization(party, path + ("parties", i), f)
    has_parties = "parties" in release
    tender = _dict(release.get("tender"))
    awards = _list(release.get("awards"))
    award_dates: dict[str, datetime | None] = {}
    for award in awards:
        award = _dict(award)
        if isinstance(award.get("id"), str | int):
            award_dates[str(award["id"])] = _date(award.get("date"))
    contracts = _list(release.get("contracts"))
    for ref, rel_path, role in iter_references(release):
        full = path + rel_path
        if "identifier" in ref:
            _identifier(ref.get("identifier"), full + ("identifier",), f)
        if "address" in ref:
            _address(ref.get("address"), full + ("address",), f)
        ref_id = ref.get("id")
        if not isinstance(ref_id, str | int):
            continue
        ref_id = str(ref_id)
        if ref_id not in parties:
            f.add("party_missing", full + ("id",), ref_id, role=role, has_parties=has_parties)
        elif role not in parties[ref_id]:
            f.add("party_role_missing", full + ("id",), ref_id, role=role)
    # Names cut short are compared across releases: coherence.NameVariants, called by the engine.

    for i, contract in enumerate(contracts):
        contract = _dict(contract)
        award_id = contract.get("awardID")
        cpath = path + ("contracts", i)
        if isinstance(award_id, str | int) and str(award_id) not in award_dates:
            f.add("award_missing", cpath + ("awardID",), str(award_id))
        signed = _date(contract.get("dateSigned"))
        award_date = award_dates.get(str(award_id)) if award_id is not None else None
        if signed and award_date and signed < award_date:
            f.add("signed_before_award", cpath + ("dateSigned",), contract.get("dateSigned"))
        _period(contract.get("period"), cpath + ("period",), f)
    for key in ("tenderPeriod", "enquiryPeriod", "awardPeriod", "contractPeriod"):
        _period(tender.get(key), path + ("tender", key), f)
    for i, award in enumerate(awards):
        _period(_dict(award).get("contractPeriod"), path + ("awards", i, "contractPeriod"), f)

    _amounts(release, path, f)
    _tags(release, path, f)
    _buyer(release, path, f)
    coherence.check_release(release, path, f)


def _buyer(release: dict, path: tuple, f: Findings) -> None:
    """A release without its buyer: citizens cannot tell which agency signed the contract."""
    buyer = release.get("buyer")
    if not isinstance(buyer, dict) or not (buyer.get("id") or buyer.get("name")):
        f.add("buyer_missing", path + ("buyer",), release.get("ocid") if isinstance(release.get("ocid"), str) else None)


def _period(period: Any, path: tuple, f: Findings) -> None:
    period = _dict(period)
    start, end = _date(period.get("startDate")), _date(period.get("endDate"))
    if start and end and end < start:
        f.add("period_reversed", path + ("endDate",), period.get("endDate"), start=period.get("startDate"))


def _amounts(release: dict, path: tuple, f: Findings) -> None:
    values: list[tuple[Any, tuple]] = []
    tender = _dict(release.get("tender"))
    values.append((_dict(_dict(release.get("planning")).get("budget")).get("amount"), ("planning", "budget", "amount")))
    values.append((tender.get("value"), ("tender", "value")))
    values.append((tender.get("minValue"), ("tender", "minValue")))
    for i, award in enumerate(_list(release.get("awards"))):
        values.append((_dict(award).get("value"), ("awards", i, "value")))
    for i, contract in enumerate(_list(release.get("contracts"))):
        contract = _dict(contract)
        values.append((contract.get("value"), ("contracts", i, "value")))
        for k, tx in enumerate(_list(_dict(contract.get("implementation")).get("transactions"))):
            tx = _dict(tx)
            key = "value" if "value" in tx else "amount"
            values.append((tx.get(key), ("contracts", i, "implementation", "transactions", k, key)))
    currencies: dict[str, tuple] = {}
    for value, rel in values:
        value = _dict(value)
        amount = value.get("amount")
        if isinstance(amount, int | float) and not isinstance(amount, bool) and amount < 0:
            f.add("negative_amount", path + rel + ("amount",), amount)
        currency = value.get("currency")
        if isinstance(currency, str) and currency:
            currencies.setdefault(currency, rel)
    if len(currencies) > 1:
        f.add("mixed_currencies", path, ", ".join(sorted(currencies)), currencies=sorted(currencies))


def _tags(release: dict, path: tuple, f: Findings) -> None:
    tags = release.get("tag")
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
        return
    if "compiled" in tags or not any(t in TAG_STAGE for t in tags):
        return
    tagged = max(TAG_STAGE.get(t, -1) for t in tags)
    carried = -1
    if release.get("awards"):
        carried = 2
    contracts = _list(release.get("contracts"))
    if contracts:
        carried = 3
        if any(_dict(_dict(c).get("implementation")).get("transactions") for c in contracts):
            carried = 4
    if carried > tagged:
        f.add("tag_inconsistent", path + ("tag",), ", ".join(tags), section=STAGE_SECTIONS[carried])


def _organization(org: dict, path: tuple, f: Findings) -> None:
    if "identifier" in org:
        _identifier(org.get("identifier"), path + ("identifier",), f)
    for i, extra in enumerate(_list(org.get("additionalIdentifiers"))):
        _identifier(extra, path + ("additionalIdentifiers", i), f)
    if "address" in org:
        _address(org.get("address"), path + ("address",), f)


def _identifier(identifier: Any, path: tuple, f: Findings) -> None:
    identifier = _dict(identifier)
    ident = identifier.get("id")
    scheme = identifier.get("scheme")
    if ident in (None, ""):
        return
    ident = str(ident).strip()
    if not scheme:
        # At the id, whose value is what is shown: the scheme has none.
        f.add("identifier_no_scheme", path + ("id",), ident)
        looks_rfc = bool(RFC.match(ident.upper()))
        if not looks_rfc:
            return
    elif scheme != "MX-RFC":
        return
    if ident.upper() in GENERIC_RFCS:
        f.add("rfc_generic", path + ("id",), ident)
    elif RFC.match(ident.upper()) and not RFC.match(ident):
        f.add("rfc_format", path + ("id",), ident, reason="lower_case")
    elif not RFC.match(ident) and len(ident) in (12, 13):
        f.add("rfc_format", path + ("id",), ident, reason="pattern", length=len(ident))
    elif not RFC.match(ident):
        f.add("rfc_format", path + ("id",), ident, length=len(ident))


def _address(address: Any, path: tuple, f: Findings) -> None:
    address = _dict(address)
    code = address.get("postalCode")
    country = address.get("countryName")
    if not isinstance(country, str) or country.strip().casefold() not in MEXICO:
        return
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if isinstance(code, str) and code.strip() and not re.fullmatch(r"[0-9]{5}", code.strip()):
        f.add("postal_code_format", path + ("postalCode",), code)

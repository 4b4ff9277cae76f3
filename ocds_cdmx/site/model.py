"""What the pages say about a contracting process, read from its record.

Two views of one record: :func:`summary`, the few facts that the search index, the supplier and agency
pages and the home page add up (small, JSON, kept between builds), and :func:`process_view`, everything
the process page shows. Both read the record's ``compiledRelease``; the page also reads its releases and
its ``versionedRelease``, which says, field by field, which release changed what (when a record has no
versioned release but embeds its releases, it is merged here with the toolkit's merge).

What a process *amounts to*, everywhere on the site: the sum of its contracts' values (contracts not
cancelled) when it has contracts, else the sum of its awards' values (awards neither cancelled nor
unsuccessful); per currency. A supplier is credited the contracts of the awards it won (the award
values when there are no contracts); an award shared by several suppliers counts whole for each.
The *date* of a process: its first contract's signature, else its first award, else the start of its
tender period, else the date of its first release; its year and month are that date's in Mexico City.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from . import formats

STAGES = ("planning", "tender", "award", "contract", "implementation")
#: Sections of a release that the history names; other top-level fields belong to the process.
SECTIONS = ("planning", "tender", "awards", "contracts", "parties", "buyer", "bids", "relatedProcesses")
COMPETITIVE = ("open", "selective", "limited")
_INACTIVE_AWARD = ("cancelled", "unsuccessful")
_INACTIVE_CONTRACT = ("cancelled",)
_MARKS = re.compile("[\u0300-\u036f]")
_WORD = re.compile("[a-z0-9&]+")
#: Words too common to search for (they are in almost every process); the search page skips them too.
STOPWORDS = frozenset(
    [
        "de",
        "la",
        "el",
        "los",
        "las",
        "y",
        "en",
        "del",
        "para",
        "por",
        "con",
        "al",
        "un",
        "una",
        "o",
        "e",
        "se",
        "su",
        "sus",
        "que",
        "sa",
        "cv",
        "rl",
        "the",
        "of",
        "and",
    ]
)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def normalize(text: str) -> str:
    """Lower case without accents (``Ñ`` → ``n``), as the search page normalizes what is typed."""
    return _MARKS.sub("", unicodedata.normalize("NFD", text)).lower()


def words(text: str) -> list[str]:
    """The searchable words of ``text`` (``&`` is kept: it is part of RFCs)."""
    return _WORD.findall(normalize(text))


def value_of(obj: Any) -> tuple[Decimal | None, str]:
    """(amount, currency) of an OCDS Value object."""
    value = _dict(obj)
    return formats.number(value.get("amount")), _str(value.get("currency")) or "MXN"


def add(totals: dict[str, Decimal], obj: Any) -> None:
    amount, currency = value_of(obj)
    if amount is not None:
        totals[currency] = totals.get(currency, Decimal(0)) + amount


def parties_by_id(compiled: dict) -> dict[str, dict]:
    return {_str(p.get("id")): p for p in _list(compiled.get("parties"))}


def party_key(reference: dict, parties: dict[str, dict]) -> str:
    """The key of an organization on the site: its RFC when it has one (``MX-RFC``), else its id."""
    party = parties.get(_str(reference.get("id")), {})
    identifier = _dict(party.get("identifier")) or _dict(reference.get("identifier"))
    if _str(identifier.get("scheme")).upper() == "MX-RFC" and identifier.get("id"):
        return _str(identifier["id"]).strip().upper()
    return _str(reference.get("id") or party.get("id") or reference.get("name")).strip()


def party_name(reference: dict, parties: dict[str, dict]) -> str:
    party = parties.get(_str(reference.get("id")), {})
    return _str(party.get("name") or reference.get("name") or _dict(party.get("identifier")).get("legalName"))


def active_awards(compiled: dict) -> list[dict]:
    return [a for a in _list(compiled.get("awards")) if a.get("status") not in _INACTIVE_AWARD]


def active_contracts(compiled: dict) -> list[dict]:
    return [c for c in _list(compiled.get("contracts")) if c.get("status") not in _INACTIVE_CONTRACT]


def process_amounts(compiled: dict) -> dict[str, Decimal]:
    """What the process amounts to, per currency (see the module's docstring)."""
    totals: dict[str, Decimal] = {}
    contracts = active_contracts(compiled)
    for item in contracts or active_awards(compiled):
        add(totals, item.get("value"))
    return totals


def transactions(compiled: dict) -> Iterator[tuple[dict, dict]]:
    """(contract, transaction) for every payment."""
    for contract in _list(compiled.get("contracts")):
        for transaction in _list(_dict(contract.get("implementation")).get("transactions")):
            yield contract, transaction


def stage_reached(compiled: dict) -> str:
    """The last of the five stages the process has data for."""
    for contract in _list(compiled.get("contracts")):
        implementation = _dict(contract.get("implementation"))
        if implementation.get("transactions") or implementation.get("milestones") or implementation.get("documents"):
            return "implementation"
    if _list(compiled.get("contracts")):
        return "contract"
    if _list(compiled.get("awards")):
        return "award"
    if set(_dict(compiled.get("tender"))) - {"id"}:
        return "tender"
    return "planning"


def release_dates(record: dict) -> list[tuple[str, list[str]]]:
    """(date, tags) of the record's releases, embedded or linked, in date order."""
    found = []
    for release in _list(record.get("releases")):
        tags = release.get("tag") if isinstance(release.get("tag"), list) else []
        found.append((_str(release.get("date")), [_str(t) for t in tags]))
    return sorted(found, key=lambda pair: pair[0])


def _first(values: Iterable[str]) -> str:
    dated = sorted((formats.iso_day(v), v) for v in values if v and formats.iso_day(v))
    return dated[0][1] if dated else ""


def stage_dates(compiled: dict, releases: list[tuple[str, list[str]]]) -> dict[str, str]:
    """The date of each stage the process reached (``""`` when it has none)."""
    tender = _dict(compiled.get("tender"))

    def tagged(prefix: str) -> str:
        return _first(date for date, tags in releases if any(t.startswith(prefix) for t in tags))

    return {
        "planning": tagged("planning"),
        "tender": _first([_str(_dict(tender.get("tenderPeriod")).get("startDate")), _str(tender.get("datePublished"))])
        or tagged("tender"),
        "award": _first(_str(a.get("date")) for a in _list(compiled.get("awards"))) or tagged("award"),
        "contract": _first(_str(c.get("dateSigned")) for c in _list(compiled.get("contracts"))) or tagged("contract"),
        "implementation": _first(_str(t.get("date")) for _, t in transactions(compiled)) or tagged("implementation"),
    }


def main_date(compiled: dict, releases: list[tuple[str, list[str]]]) -> str:
    """The date of the process (see the module's docstring)."""
    dates = stage_dates(compiled, releases)
    for stage in ("contract", "award", "tender"):
        if dates[stage]:
            return dates[stage]
    return _first(date for date, _ in releases) or _str(compiled.get("date"))


def participants(compiled: dict) -> dict[str, dict]:
    """Every organization that bid or was awarded: key → {name, won, amounts}."""
    parties = parties_by_id(compiled)
    found: dict[str, dict] = {}

    def seen(reference: dict) -> dict | None:
        if not isinstance(reference, dict):
            return None
        key = party_key(reference, parties)
        if not key:
            return None
        entry = found.setdefault(key, {"name": party_name(reference, parties), "won": False, "amounts": {}})
        return entry

    tender = _dict(compiled.get("tender"))
    for reference in _list(tender.get("tenderers")):
        seen(reference)
    for bid in _list(_dict(compiled.get("bids")).get("details")):
        for reference in _list(bid.get("tenderers")):
            seen(reference)
    for party in parties.values():
        if "tenderer" in (party.get("roles") or []) or "supplier" in (party.get("roles") or []):
            seen(party)
    contracts = active_contracts(compiled)
    for award in active_awards(compiled):
        award_contracts = [c for c in contracts if _str(c.get("awardID")) == _str(award.get("id"))]
        for reference in _list(award.get("suppliers")):
            entry = seen(reference)
            if entry is None:
                continue
            entry["won"] = True
            if contracts:
                for contract in award_contracts:
                    add(entry["amounts"], contract.get("value"))
            else:
                add(entry["amounts"], award.get("value"))
    for entry in found.values():
        entry["amounts"] = {k: str(v) for k, v in entry["amounts"].items()}
    return found


def coverage(compiled: dict) -> list[str]:
    """The useful fields (``texts.COVERAGE``) this process publishes."""
    tender = _dict(compiled.get("tender"))
    awards = _list(compiled.get("awards"))
    contracts = _list(compiled.get("contracts"))
    parties = parties_by_id(compiled)
    suppliers = [s for a in awards for s in _list(a.get("suppliers"))]

    def has_rfc(reference: dict) -> bool:
        identifier = _dict(parties.get(_str(reference.get("id")), {}).get("identifier"))
        return _str(identifier.get("scheme")).upper() == "MX-RFC" and bool(identifier.get("id"))

    documents = any(
        _list(section.get("documents"))
        for section in [_dict(compiled.get("planning")), tender, *awards, *contracts]
        + [_dict(c.get("implementation")) for c in contracts]
    )
    present = {
        "title": bool(tender.get("title")),
        "method": bool(tender.get("procurementMethod")),
        "category": bool(tender.get("mainProcurementCategory")),
        "budget": value_of(_dict(_dict(compiled.get("planning")).get("budget")).get("amount"))[0] is not None,
        "tender_value": value_of(tender.get("value"))[0] is not None,
        "tender_period": bool(_dict(tender.get("tenderPeriod")).get("startDate")),
        "tenderers": bool(_list(tender.get("tenderers")) or _list(_dict(compiled.get("bids")).get("details"))),
        "supplier_rfc": bool(suppliers) and all(has_rfc(s) for s in suppliers),
        "award_value": bool(awards) and all(value_of(a.get("value"))[0] is not None for a in awards),
        "award_date": bool(awards) and all(a.get("date") for a in awards),
        "contract_value": bool(contracts) and all(value_of(c.get("value"))[0] is not None for c in contracts),
        "contract_signed": bool(contracts) and all(c.get("dateSigned") for c in contracts),
        "contract_period": bool(contracts) and all(_dict(c.get("period")).get("startDate") for c in contracts),
        "documents": documents,
        "payments": any(True for _ in transactions(compiled)),
    }
    return [key for key, yes in present.items() if yes]


def identifiers(compiled: dict) -> list[str]:
    """Expediente and contract numbers, award ids: what people search a process by."""
    tender = _dict(compiled.get("tender"))
    found = [_str(compiled.get("ocid")), _str(tender.get("id"))]
    found += [_str(c.get("id")) for c in _list(compiled.get("contracts"))]
    found += [_str(a.get("id")) for a in _list(compiled.get("awards"))]
    return [f for f in found if f]


def title_of(compiled: dict) -> str:
    tender = _dict(compiled.get("tender"))
    for candidate in (
        tender.get("title"),
        tender.get("description"),
        *(c.get("title") for c in _list(compiled.get("contracts"))),
        _dict(compiled.get("planning")).get("rationale"),
    ):
        if candidate and isinstance(candidate, str):
            return candidate.strip()
    return _str(compiled.get("ocid"))


def agency_of(compiled: dict) -> tuple[str, str]:
    """(key, name) of the agency that buys: the ``buyer``."""
    buyer = _dict(compiled.get("buyer"))
    parties = parties_by_id(compiled)
    if not buyer:
        buyer = next((p for p in parties.values() if "buyer" in (p.get("roles") or [])), {})
    key = _str(buyer.get("id")).strip() or "—"
    return key, party_name(buyer, parties) or key


def summary(record: dict) -> dict:
    """The facts of one process that the site adds up (JSON-serializable)."""
    compiled = _dict(record.get("compiledRelease"))
    releases = release_dates(record)
    tender = _dict(compiled.get("tender"))
    date = main_date(compiled, releases)
    local = formats.local_date(date) if date else None
    key, name = agency_of(compiled)
    people = participants(compiled)
    text = [title_of(compiled), _str(tender.get("description")), name]
    text += [entry["name"] for entry in people.values()]
    tokens = set()
    for piece in text + list(people) + identifiers(compiled):
        tokens.update(w for w in words(piece) if len(w) > 1 and w not in STOPWORDS)
    return {
        "ocid": _str(record.get("ocid") or compiled.get("ocid")),
        "title": title_of(compiled),
        "agency": key,
        "agency_name": name,
        "date": date,
        "day": local.isoformat() if local else "",
        "year": local.year if local else 0,
        "month": local.strftime("%Y-%m") if local else "",
        "method": _str(tender.get("procurementMethod")),
        "category": _str(tender.get("mainProcurementCategory")),
        "stage": stage_reached(compiled),
        "amounts": {k: str(v) for k, v in process_amounts(compiled).items()},
        "suppliers": people,
        "coverage": coverage(compiled),
        "releases": len(releases),
        "tokens": sorted(tokens),
    }


# --- The process page -------------------------------------------------------------------------------


def _is_versions(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and "releaseID" in v and "value" in v for v in value)
    )


def _walk_versions(node: Any, path: tuple) -> Iterator[tuple[tuple, list]]:
    if _is_versions(node):
        yield path, node
    elif isinstance(node, dict):
        for key, child in node.items():
            if key == "id" and not _is_versions(child):
                continue
            yield from _walk_versions(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            label = _str(child.get("id")) if isinstance(child, dict) and "id" in child else str(index)
            yield from _walk_versions(child, (*path, label))


def _short(value: Any, limit: int = 140) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = _str(value)
    else:
        import json

        text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def changes(versioned: dict) -> dict[str, list[dict]]:
    """Release id → the fields it published for the first time (``new``), changed or removed (``null``).

    Read from the versioned release, in which a field gets a new version only where a release gave it
    another value, so that what each release changed is exact, removals included (OCDS Show, which
    compares merged states, does not see a removed field).
    """
    found: dict[str, list[dict]] = {}
    for path, versions in _walk_versions(versioned, ()):
        if path == ("ocid",):
            continue
        for i, version in enumerate(versions):
            value = version.get("value")
            if i == 0:
                status = "new"
            elif value is None:
                status = "removed"
            else:
                status = "changed"
            found.setdefault(_str(version.get("releaseID")), []).append(
                {
                    "path": " / ".join(path),
                    "section": path[0] if path and path[0] in SECTIONS else "",
                    "status": status,
                    "old": _short(versions[i - 1].get("value")) if i else "",
                    "new": _short(value),
                }
            )
    return found


def _versioned(record: dict) -> dict | None:
    versioned = record.get("versionedRelease")
    if isinstance(versioned, dict):
        return versioned
    releases = [r for r in _list(record.get("releases")) if "url" not in r or len(r) > 3]
    if not releases or not all(isinstance(r.get("date"), str) for r in releases):
        return None
    from ..merging.compile import Rules, versioned_release_fast

    ordered = sorted(releases, key=lambda r: r["date"])
    try:
        return versioned_release_fast(ordered, Rules())
    except Exception:  # an unmergeable record still gets its page, without the changes
        return None


def _money(obj: Any) -> dict | None:
    amount, currency = value_of(obj)
    if amount is None:
        return None
    return {"value": str(amount), "text": formats.amount(amount, currency), "currency": currency}


def _sum_money(objects: Iterable[Any]) -> list[dict]:
    totals: dict[str, Decimal] = {}
    for obj in objects:
        add(totals, obj)
    return [{"value": str(v), "text": formats.amount(v, c), "currency": c} for c, v in sorted(totals.items())]


def _documents(section: str, owner: str, documents: Any) -> list[dict]:
    return [
        {
            "section": section,
            "owner": owner,
            "type": _str(d.get("documentType")),
            "title": _str(d.get("title") or d.get("description") or d.get("url")),
            "url": _str(d.get("url")),
            "date": formats.day(d.get("datePublished")),
            "format": _str(d.get("format")),
        }
        for d in _list(documents)
    ]


def process_view(record: dict) -> dict:
    """Everything the page of one process shows."""
    compiled = _dict(record.get("compiledRelease"))
    parties = parties_by_id(compiled)
    releases_list = release_dates(record)
    dates = stage_dates(compiled, releases_list)
    tender = _dict(compiled.get("tender"))
    planning = _dict(compiled.get("planning"))
    awards = _list(compiled.get("awards"))
    contracts = _list(compiled.get("contracts"))
    people = participants(compiled)
    reached = stage_reached(compiled)

    stage_amounts = {
        "planning": _sum_money([_dict(planning.get("budget")).get("amount")]),
        "tender": _sum_money([tender.get("value")]),
        "award": _sum_money(a.get("value") for a in awards),
        "contract": _sum_money(c.get("value") for c in contracts),
        "implementation": _sum_money(t.get("value") for _, t in transactions(compiled)),
    }
    timeline = []
    for stage in STAGES:
        present = {
            "planning": bool(planning) or any(any(t.startswith("planning") for t in tags) for _, tags in releases_list),
            "tender": bool(set(tender) - {"id"}),
            "award": bool(awards),
            "contract": bool(contracts),
            "implementation": reached == "implementation",
        }[stage]
        timeline.append(
            {
                "stage": stage,
                "present": present,
                "date": formats.day(dates[stage]),
                "iso": formats.iso_day(dates[stage]),
                "amounts": stage_amounts[stage],
            }
        )

    def name(reference: Any) -> str:
        return party_name(reference, parties) if isinstance(reference, dict) else ""

    def key(reference: Any) -> str:
        return party_key(reference, parties) if isinstance(reference, dict) else ""

    party_rows = []
    for party in parties.values():
        identifier = _dict(party.get("identifier"))
        roles = [r for r in party.get("roles") or [] if isinstance(r, str)]
        party_rows.append(
            {
                "name": _str(party.get("name") or identifier.get("legalName")),
                "identifier": _str(identifier.get("id")),
                "scheme": _str(identifier.get("scheme")),
                "roles": roles,
                "key": party_key(party, parties),
            }
        )

    bids = []
    for bid in _list(_dict(compiled.get("bids")).get("details")):
        bids.append(
            {
                "id": _str(bid.get("id")),
                "tenderers": [(name(t), key(t)) for t in _list(bid.get("tenderers"))],
                "value": _money(bid.get("value")),
                "status": _str(bid.get("status")),
                "date": formats.day(bid.get("date")),
            }
        )
    tenderers = [(name(t), key(t)) for t in _list(tender.get("tenderers"))]

    award_rows = [
        {
            "id": _str(a.get("id")),
            "title": _str(a.get("title")),
            "date": formats.day(a.get("date")),
            "status": _str(a.get("status")),
            "suppliers": [(name(s), key(s)) for s in _list(a.get("suppliers"))],
            "value": _money(a.get("value")),
        }
        for a in awards
    ]
    contract_rows = []
    payments = []
    milestones = []
    documents = _documents("planning", "", planning.get("documents")) + _documents(
        "tender", _str(tender.get("id")), tender.get("documents")
    )
    for a in awards:
        documents += _documents("awards", _str(a.get("id")), a.get("documents"))
    for c in contracts:
        implementation = _dict(c.get("implementation"))
        period = _dict(c.get("period"))
        contract_rows.append(
            {
                "id": _str(c.get("id")),
                "title": _str(c.get("title")),
                "description": _str(c.get("description")),
                "status": _str(c.get("status")),
                "signed": formats.day(c.get("dateSigned")),
                "start": formats.day(period.get("startDate")),
                "end": formats.day(period.get("endDate")),
                "value": _money(c.get("value")),
                "amendments": [
                    {
                        "id": _str(m.get("id")),
                        "date": formats.day(m.get("date")),
                        "rationale": _str(m.get("rationale")),
                        "description": _str(m.get("description")),
                    }
                    for m in _list(c.get("amendments"))
                ],
            }
        )
        documents += _documents("contracts", _str(c.get("id")), c.get("documents"))
        documents += _documents("contracts", _str(c.get("id")), implementation.get("documents"))
        for t in _list(implementation.get("transactions")):
            payments.append(
                {
                    "id": _str(t.get("id")),
                    "contract": _str(c.get("id")),
                    "date": formats.day(t.get("date")),
                    "iso": formats.iso_day(t.get("date")),
                    "payer": name(t.get("payer")),
                    "payee": name(t.get("payee")),
                    "value": _money(t.get("value") or t.get("amount")),
                }
            )
        for m in _list(implementation.get("milestones")):
            milestones.append(
                {
                    "title": _str(m.get("title") or m.get("description") or m.get("id")),
                    "status": _str(m.get("status")),
                    "due": formats.day(m.get("dueDate")),
                    "met": formats.day(m.get("dateMet")),
                    "contract": _str(c.get("id")),
                }
            )
    payments.sort(key=lambda p: p["iso"])
    tender_amendments = [
        {
            "id": _str(m.get("id")),
            "date": formats.day(m.get("date")),
            "rationale": _str(m.get("rationale")),
            "description": _str(m.get("description")),
        }
        for m in _list(tender.get("amendments"))
    ]
    items = [
        {
            "description": _str(i.get("description")),
            "quantity": _str(i.get("quantity")),
            "unit": _str(_dict(i.get("unit")).get("name")),
            "unit_value": _money(_dict(i.get("unit")).get("value")),
            "classification": _str(_dict(i.get("classification")).get("id")),
        }
        for i in _list(tender.get("items"))
    ]

    versioned = _versioned(record)
    changed = changes(versioned) if versioned else {}
    release_rows = []
    ordered = sorted(_list(record.get("releases")), key=lambda r: _str(r.get("date")))  # stable: the record's order
    for number, release in enumerate(ordered, 1):
        release_id = _str(release.get("id"))
        url = _str(release.get("url"))
        if not release_id and "#" in url:
            release_id = url.rsplit("#", 1)[1]
        entries = changed.get(release_id, [])
        sections = sorted({e["section"] for e in entries})
        release_rows.append(
            {
                "number": number,
                "id": release_id,
                "url": url,
                "date": formats.day(release.get("date")),
                "tags": [t for t in release.get("tag") or [] if isinstance(t, str)],
                "changes": entries,
                "groups": [
                    (status, [e for e in entries if e["status"] == status])
                    for status in ("new", "changed", "removed")
                    if any(e["status"] == status for e in entries)
                ],
                "sections": sections,
                "counts": {s: sum(1 for e in entries if e["status"] == s) for s in ("new", "changed", "removed")},
            }
        )

    key_, agency_name = agency_of(compiled)
    amounts = process_amounts(compiled)
    return {
        "ocid": _str(record.get("ocid") or compiled.get("ocid")),
        "title": title_of(compiled),
        "description": _str(tender.get("description")),
        "tender_id": _str(tender.get("id")),
        "agency": key_,
        "agency_name": agency_name,
        "method": _str(tender.get("procurementMethod")),
        "method_details": _str(tender.get("procurementMethodDetails")),
        "method_rationale": _str(tender.get("procurementMethodRationale")),
        "category": _str(tender.get("mainProcurementCategory")),
        "status": _str(tender.get("status")),
        "stage": reached,
        "amounts": [{"value": str(v), "text": formats.amount(v, c), "currency": c} for c, v in sorted(amounts.items())],
        "timeline": timeline,
        "parties": party_rows,
        "participants": people,
        "bids": bids,
        "tenderers": tenderers,
        "awards": award_rows,
        "contracts": contract_rows,
        "payments": payments,
        "payments_total": _sum_money((t.get("value") or t.get("amount")) for _, t in transactions(compiled)),
        "milestones": milestones,
        "documents": documents,
        "tender_amendments": tender_amendments,
        "lines": items,
        "releases": release_rows,
        "has_changes": versioned is not None,
        "budget": _money(_dict(planning.get("budget")).get("amount")),
        "budget_description": _str(_dict(planning.get("budget")).get("description")),
        "tender_period": (
            formats.day(_dict(tender.get("tenderPeriod")).get("startDate")),
            formats.day(_dict(tender.get("tenderPeriod")).get("endDate")),
        ),
    }

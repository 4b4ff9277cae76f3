"""What the site's pages must say, computed straight from the records (not with the site's code), and
how to read the numbers back from a page (every number is in a ``<data value="…">`` element)."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

CDMX = ZoneInfo("America/Mexico_City")


def load_records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith('{"uri"') or '"records"' in text[:2000]:
        return json.loads(text)["records"]
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def dec(value) -> Decimal:
    return Decimal(str(value))


def amounts(compiled: dict) -> dict[str, Decimal]:
    """Contracts not cancelled, else awards neither cancelled nor unsuccessful (the site's definition)."""
    contracts = [c for c in compiled.get("contracts", []) if c.get("status") != "cancelled"]
    awards = [a for a in compiled.get("awards", []) if a.get("status") not in ("cancelled", "unsuccessful")]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for item in contracts or awards:
        value = item.get("value") or {}
        if "amount" in value:
            totals[value.get("currency", "MXN")] += dec(value["amount"])
    return dict(totals)


def local_day(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(CDMX).date()


def main_day(record: dict) -> date:
    """First contract signed, else first award, else tender start, else first release."""
    c = record["compiledRelease"]
    for values in (
        [x.get("dateSigned") for x in c.get("contracts", [])],
        [x.get("date") for x in c.get("awards", [])],
        [(c.get("tender", {}).get("tenderPeriod") or {}).get("startDate")],
        [r.get("date") for r in record.get("releases", [])],
    ):
        days = sorted(local_day(v) for v in values if v)
        if days:
            return days[0]
    raise AssertionError(record["ocid"])


def rfc_of(compiled: dict, reference: dict) -> str:
    party = next((p for p in compiled.get("parties", []) if p.get("id") == reference.get("id")), {})
    identifier = party.get("identifier") or {}
    return identifier["id"] if identifier.get("scheme") == "MX-RFC" else reference["id"]


def participants(record: dict) -> set[str]:
    """The RFCs of every tenderer, bidder and supplier of a process."""
    c = record["compiledRelease"]
    refs = list(c.get("tender", {}).get("tenderers", []))
    refs += [t for b in (c.get("bids") or {}).get("details", []) for t in b.get("tenderers", [])]
    refs += [s for a in c.get("awards", []) for s in a.get("suppliers", [])]
    refs += [p for p in c.get("parties", []) if {"tenderer", "supplier"} & set(p.get("roles", []))]
    return {rfc_of(c, r) for r in refs}


def won(record: dict, rfc: str) -> dict[str, Decimal]:
    """What a supplier is credited in a process: the contracts of the awards it won (else the awards)."""
    c = record["compiledRelease"]
    contracts = [x for x in c.get("contracts", []) if x.get("status") != "cancelled"]
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for award in c.get("awards", []):
        if award.get("status") in ("cancelled", "unsuccessful"):
            continue
        if rfc not in {rfc_of(c, s) for s in award.get("suppliers", [])}:
            continue
        items = [x for x in contracts if x.get("awardID") == award.get("id")] if contracts else [award]
        for item in items:
            value = item.get("value") or {}
            if "amount" in value:
                totals[value.get("currency", "MXN")] += dec(value["amount"])
    return dict(totals)


def winners(record: dict) -> set[str]:
    c = record["compiledRelease"]
    return {
        rfc_of(c, s)
        for a in c.get("awards", [])
        if a.get("status") not in ("cancelled", "unsuccessful")
        for s in a.get("suppliers", [])
    }


_DATA = re.compile(r'<data value="([^"]*)"(?: data-currency="([^"]*)")?>([^<]*)</data>')


def numbers(html: str, element_id: str) -> list[tuple[Decimal, str]]:
    """(value, shown text) of every number inside the element with ``id``."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    depth, pos = 0, tag
    opening, closing = re.compile(rf"<{name}[\s>]"), f"</{name}>"
    while True:
        next_open = opening.search(html, pos + 1)
        next_close = html.index(closing, pos + 1)
        if next_open and next_open.start() < next_close:
            depth += 1
            pos = next_open.start()
        elif depth:
            depth -= 1
            pos = next_close
        else:
            end = next_close
            break
    return [(Decimal(v), text) for v, _, text in _DATA.findall(html[tag:end])]


def table_rows(html: str, element_id: str) -> dict[str, list[Decimal]]:
    """``data-key`` → the numbers of that row, in a table with ``id`` (or ``data-chart``)."""
    marker = f'id="{element_id}"' if f'id="{element_id}"' in html else f'data-chart="{element_id}"'
    start = html.index(marker)
    end = html.index("</table>", start)
    rows = {}
    for key, body in re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', html[start:end], re.S):
        rows[key] = [Decimal(v) for v, _, _ in _DATA.findall(body)]
    return rows


def money_text(value: Decimal, currency: str = "MXN") -> str:
    """How Mexicans write an amount: $1,234,567.89 MXN."""
    rounded = value.quantize(Decimal("0.01"))
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.2f} {currency}"

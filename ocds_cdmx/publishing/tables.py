"""Compiled releases as tables for people: few sheets, columns with titles in the publication's language.

One row per process in ``processes`` and one row per party, award, contract, payment, document,
amendment and quote in the other sheets, each starting with the process's OCID so that they can be
joined. The columns are fixed (not guessed from the data), so that every night's files have the same
columns and a process's rows can be made once and kept until it changes. The full data stays in the
JSON files; these are for reading and counting.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..report.messages import N_, tr

Row = list[Any]


def _get(node: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _number(value: Any) -> Any:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list):
        return ", ".join(str(_text(v)) for v in value if v is not None)
    return str(value)


def _list(node: Any, *path: str) -> list[dict]:
    value = _get(node, *path)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _names(references: Any) -> str | None:
    names = (
        [r.get("name") or r.get("id") for r in references if isinstance(r, dict)]
        if isinstance(references, list)
        else []
    )
    return "; ".join(str(n) for n in names if n is not None) or None


def _sum(values: list[Any]) -> Any:
    numbers = [v for v in values if _number(v) is not None]
    return sum(numbers) if numbers else None


def _process(c: dict, ctx: dict) -> Iterator[Row]:
    awards, contracts = _list(c, "awards"), _list(c, "contracts")
    payments = [t for k in contracts for t in _list(k, "implementation", "transactions")]
    yield [
        c.get("ocid"), ctx["url"], ctx["agency"], c.get("date"), _get(c, "tender", "id"), _get(c, "tender", "title"),
        _get(c, "tender", "description"), _get(c, "buyer", "name"), _get(c, "tender", "procurementMethod"),
        _get(c, "tender", "procurementMethodDetails"), _get(c, "tender", "procurementMethodRationale"),
        _get(c, "tender", "mainProcurementCategory"), _get(c, "tender", "status"),
        _number(_get(c, "planning", "budget", "amount", "amount")),
        _number(_get(c, "tender", "value", "amount")), _get(c, "tender", "value", "currency"),
        _get(c, "tender", "tenderPeriod", "startDate"), _get(c, "tender", "tenderPeriod", "endDate"),
        _number(_get(c, "tender", "numberOfTenderers")), len(awards),
        _sum([_get(a, "value", "amount") for a in awards]), len(contracts),
        _sum([_get(k, "value", "amount") for k in contracts]), len(payments),
        _sum([_get(t, "value", "amount") for t in payments]),
    ]  # fmt: skip


def _parties(c: dict, ctx: dict) -> Iterator[Row]:
    for p in _list(c, "parties"):
        yield [
            c.get("ocid"), p.get("id"), p.get("name"), _get(p, "identifier", "scheme"), _get(p, "identifier", "id"),
            _text(p.get("roles")), _get(p, "address", "locality"), _get(p, "address", "postalCode"),
        ]  # fmt: skip


def _awards(c: dict, ctx: dict) -> Iterator[Row]:
    for a in _list(c, "awards"):
        suppliers = a.get("suppliers")
        ids = [s.get("id") for s in suppliers if isinstance(s, dict)] if isinstance(suppliers, list) else []
        yield [
            c.get("ocid"), a.get("id"), a.get("title"), a.get("date"), a.get("status"),
            _number(_get(a, "value", "amount")), _get(a, "value", "currency"), _names(suppliers),
            "; ".join(str(i) for i in ids if i is not None) or None,
        ]  # fmt: skip


def _contracts(c: dict, ctx: dict) -> Iterator[Row]:
    for k in _list(c, "contracts"):
        yield [
            c.get("ocid"), k.get("id"), k.get("awardID"), k.get("title"), k.get("description"), k.get("status"),
            k.get("dateSigned"), _get(k, "period", "startDate"), _get(k, "period", "endDate"),
            _number(_get(k, "value", "amount")), _get(k, "value", "currency"), len(_list(k, "amendments")),
        ]  # fmt: skip


def _payments(c: dict, ctx: dict) -> Iterator[Row]:
    for k in _list(c, "contracts"):
        for t in _list(k, "implementation", "transactions"):
            yield [
                c.get("ocid"), k.get("id"), t.get("id"), t.get("date"), _number(_get(t, "value", "amount")),
                _get(t, "value", "currency"), _get(t, "payer", "name"), _get(t, "payee", "name"),
            ]  # fmt: skip


def _sections(c: dict) -> Iterator[tuple[str, Any, dict]]:
    """(section, id of its award or contract, object) of every object that holds documents or amendments."""
    for name in ("planning", "tender"):
        if isinstance(c.get(name), dict):
            yield name, None, c[name]
    for a in _list(c, "awards"):
        yield "award", a.get("id"), a
    for k in _list(c, "contracts"):
        yield "contract", k.get("id"), k
        if isinstance(k.get("implementation"), dict):
            yield "implementation", k.get("id"), k["implementation"]


def _documents(c: dict, ctx: dict) -> Iterator[Row]:
    for section, parent, node in _sections(c):
        for d in _list(node, "documents"):
            yield [
                c.get("ocid"), section, parent, d.get("id"), d.get("documentType"), d.get("title"), d.get("url"),
                d.get("datePublished"),
            ]  # fmt: skip


def _amendments(c: dict, ctx: dict) -> Iterator[Row]:
    for section, parent, node in _sections(c):
        for m in _list(node, "amendments"):
            yield [c.get("ocid"), section, parent, m.get("id"), m.get("date"), m.get("description"), m.get("rationale")]


def _quotes(c: dict, ctx: dict) -> Iterator[Row]:
    for b in _list(c, "bids", "details"):
        yield [
            c.get("ocid"), b.get("id"), _names(b.get("tenderers")), b.get("status"),
            _number(_get(b, "value", "amount")), _get(b, "value", "currency"),
        ]  # fmt: skip


#: (sheet name, column titles, rows of one compiled release), in English: shown in the publication's language.
TABLES: list[tuple[str, list[str], Callable[[dict, dict], Iterator[Row]]]] = [
    (N_("processes"), [
        N_("OCID"), N_("Record (JSON)"), N_("Agency"), N_("Last change"), N_("Procedure number"), N_("Title"),
        N_("Description"), N_("Buyer"), N_("Procurement method"), N_("Procedure type"), N_("Legal basis"),
        N_("Category"), N_("Tender status"), N_("Budget"), N_("Tender value"), N_("Currency"),
        N_("Tender period start"), N_("Tender period end"), N_("Number of tenderers"), N_("Awards"),
        N_("Awarded amount"), N_("Contracts"), N_("Contracted amount"), N_("Payments"), N_("Amount paid"),
    ], _process),
    (N_("parties"), [
        N_("OCID"), N_("Party id"), N_("Name"), N_("Identifier scheme"), N_("Identifier (RFC)"), N_("Roles"),
        N_("Locality"), N_("Postal code"),
    ], _parties),
    (N_("awards"), [
        N_("OCID"), N_("Award id"), N_("Title"), N_("Date"), N_("Status"), N_("Amount"), N_("Currency"),
        N_("Suppliers"), N_("Supplier ids"),
    ], _awards),
    (N_("contracts"), [
        N_("OCID"), N_("Contract id"), N_("Award id"), N_("Title"), N_("Description"), N_("Status"),
        N_("Date signed"), N_("Start"), N_("End"), N_("Amount"), N_("Currency"), N_("Amendments"),
    ], _contracts),
    (N_("payments"), [
        N_("OCID"), N_("Contract id"), N_("Payment id"), N_("Date"), N_("Amount"), N_("Currency"), N_("Payer"),
        N_("Payee"),
    ], _payments),
    (N_("documents"), [
        N_("OCID"), N_("Stage"), N_("Award or contract id"), N_("Document id"), N_("Document type"), N_("Title"),
        N_("Address (URL)"), N_("Date published"),
    ], _documents),
    (N_("amendments"), [
        N_("OCID"), N_("Stage"), N_("Award or contract id"), N_("Amendment id"), N_("Date"), N_("Description"),
        N_("Rationale"),
    ], _amendments),
    (N_("quotes"), [
        N_("OCID"), N_("Quote id"), N_("Tenderer"), N_("Status"), N_("Amount"), N_("Currency"),
    ], _quotes),
]  # fmt: skip


def sheet_names(lang: str) -> list[str]:
    return [tr(name, lang) for name, _, _ in TABLES]


def titles(lang: str) -> list[list[str]]:
    return [[tr(title, lang) for title in columns] for _, columns, _ in TABLES]


def rows_of(compiled: dict, agency: str, url: str) -> list[list[Row]]:
    """The rows of one compiled release in each table."""
    context = {"agency": agency, "url": url}
    return [list(rows(compiled, context)) for _, _, rows in TABLES]

"""Turn validation results into words: rich text on a terminal, plain text in a pipe, or JSON."""

from __future__ import annotations

import json
from typing import IO, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .findings import ERROR
from .messages import finding_text, input_error_text, text
from .validate import ValidationResult

SHOWN_LOCATIONS = 5


def result_as_dict(result: ValidationResult, lang: str) -> dict[str, Any]:
    """The JSON document of ``cdmx validate --format json`` (its shape is documented in the README)."""
    findings = []
    for group in result.findings.sorted_groups():
        first_value = group.locations[0].value if group.locations else None
        title, advice = finding_text(group.check, group.params, group.field, lang, first_value)
        findings.append({**group.as_dict(), "title": title, "advice": advice})
    return {
        "valid": result.valid,
        "exit_code": result.exit_code,
        "errors": result.errors,
        "warnings": result.warnings,
        "sources": [s.as_dict() for s in result.sources],
        "input_errors": [_input_error_dict(e, lang) for e in result.input_errors],
        "findings": findings,
        "statistics": result.statistics.as_dict(),
    }


def _input_error_dict(error: Exception, lang: str) -> dict[str, Any]:
    return {
        "key": getattr(error, "key", type(error).__name__),
        "source": getattr(error, "source", None),
        "params": {k: v for k, v in getattr(error, "params", {}).items() if _jsonable(v)},
        "message": input_error_text(error, lang),
    }


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None))


def write_json(result: ValidationResult, lang: str, out: IO[str]) -> None:
    """Write the JSON report."""
    json.dump(result_as_dict(result, lang), out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


def write_text(result: ValidationResult, lang: str, console: Console, show_statistics: bool = True) -> None:
    """Write the report for people: rich on a terminal, plain lines otherwise."""
    rich = console.is_terminal
    for error in result.input_errors:
        console.print(("[bold red]✗[/] " if rich else "ERROR: ") + escape(input_error_text(error, lang)))
    status = "unreadable" if result.input_errors else ("valid" if result.valid else "invalid")
    count = result.statistics.releases + result.statistics.records
    headline = text(
        "headline",
        lang,
        status=text(status, lang),
        errors=result.errors,
        warnings=result.warnings,
        count=count,
        things=text("things", lang),
        sources=len({s.source for s in result.sources}),
    )
    colour = "green" if status == "valid" else "red"
    console.print(f"[bold {colour}]{escape(headline)}[/]" if rich else headline)
    groups = result.findings.sorted_groups()
    if not groups and not result.input_errors:
        console.print(text("no_problems", lang))
    for group in groups:
        first_value = group.locations[0].value if group.locations else None
        title, advice = finding_text(group.check, group.params, group.field, lang, first_value)
        label = text(f"severity_{group.severity}", lang)
        times = text("occurrences", lang, count=group.count)
        if rich:
            style = "red" if group.severity == ERROR else "yellow"
            console.print(
                f"\n[bold {style}]{label}[/] [bold]{escape(title)}[/] [dim]({escape(group.field)}, {times})[/]"
            )
        else:
            console.print(f"\n[{label}] {title} ({group.field}, {times})", markup=False, highlight=False)
        for loc in group.locations[:SHOWN_LOCATIONS]:
            value = "" if loc.value is None else f" = {json.dumps(loc.value, ensure_ascii=False)[:80]}"
            where = f"{loc.source}: " if len({s.source for s in result.sources}) > 1 else ""
            line = f"    {where}{loc.path or '/'}{value}"
            console.print(escape(line) if rich else line, markup=rich, highlight=False)
        if group.count > SHOWN_LOCATIONS:
            more = "    " + text("more", lang, count=group.count - SHOWN_LOCATIONS)
            console.print(f"[dim]{escape(more)}[/]" if rich else more, markup=rich, highlight=False)
        if advice:
            line = f"    → {advice}"
            console.print(f"[cyan]{escape(line)}[/]" if rich else line, markup=rich, highlight=False)
    if show_statistics and count:
        _statistics(result, lang, console, rich)


def _statistics(result: ValidationResult, lang: str, console: Console, rich: bool) -> None:
    stats = result.statistics.as_dict()
    rows = [
        ("releases", stats["releases"]),
        ("records", stats["records"]),
        ("ocids", stats["ocids"]),
        ("tags", ", ".join(f"{k}: {v}" for k, v in stats["tags"].items())),
        ("dates", f"{stats['first_date']} … {stats['last_date']}" if stats["first_date"] else ""),
        ("buyers", stats["buyers_count"]),
        ("suppliers", stats["suppliers_count"]),
        ("procurementMethod", ", ".join(f"{k}: {v}" for k, v in stats["procurement_methods"].items())),
        ("awards", ", ".join(f"{v:,.2f} {k}" for k, v in stats["award_amounts"].items())),
        ("contracts", ", ".join(f"{v:,.2f} {k}" for k, v in stats["contract_amounts"].items())),
    ]
    title = text("statistics", lang)
    if rich:
        table = Table(title=title, show_header=False)
        for name, value in rows:
            table.add_row(name, escape(str(value)))
        console.print()
        console.print(table)
    else:
        console.print(f"\n{title}", markup=False)
        for name, value in rows:
            console.print(f"    {name}: {value}", markup=False, highlight=False)

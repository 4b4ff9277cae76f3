"""Results for people: rich text on a terminal, plain text in a pipe."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..core.findings import ERROR, Findings
from .messages import counted, finding_text, input_error_text, label, text

if TYPE_CHECKING:
    from ..conversion import ConvertResult
    from ..merging import MergeResult
    from ..publishing import PublishResult
    from ..validation import ValidationResult

SHOWN_LOCATIONS = 5


def write_text(result: ValidationResult, lang: str, console: Console, show_statistics: bool = True) -> None:
    """Write the report for people: rich on a terminal, plain lines otherwise."""
    rich = console.is_terminal
    for error in result.input_errors:
        console.print(("[bold red]✗[/] " if rich else "ERROR: ") + escape(input_error_text(error, lang)))
    status = "unreadable" if result.input_errors else ("valid" if result.valid else "invalid")
    count = result.statistics.releases + result.statistics.records
    headline = text(
        "headline_counts",
        lang,
        status=text(status, lang),
        errors=counted("errors", result.errors, lang),
        warnings=counted("warnings", result.warnings, lang),
        things=counted("things", count, lang),
        sources=counted("sources", len({s.source for s in result.sources}), lang),
    )
    colour = "green" if status == "valid" else "red"
    console.print(f"[bold {colour}]{escape(headline)}[/]" if rich else headline)
    if not result.findings.groups and not result.input_errors:
        console.print(text("no_problems", lang))
    _write_groups(result.findings, lang, console, len({s.source for s in result.sources}) > 1)
    if show_statistics and count:
        _statistics(result, lang, console, rich)


#: Findings that open a conversion's report: the workbook may not be what the mapping expects.
OPENING = ("layout_mismatch", "essential_column_missing", "many_unmapped_columns")


def _where(where: dict, lang: str) -> str:
    """A spreadsheet location for people: file, sheet, cell and label (or the row)."""
    if where.get("cell"):
        return text("cell_location", lang, **where)
    return text("row_location", lang, **where)


def _write_groups(
    findings: Findings,
    lang: str,
    console: Console,
    show_source: bool,
    only: tuple[str, ...] | None = None,
    skip: tuple[str, ...] = (),
) -> None:
    """Problems grouped by check and field, each with its first locations and what to do."""
    rich = console.is_terminal
    for group in findings.sorted_groups():
        if (only is not None and group.check not in only) or group.check in skip:
            continue
        first_value = group.locations[0].value if group.locations else None
        title, advice = finding_text(group.check, group.params, group.field, lang, first_value)
        label = text(f"severity_{group.severity}", lang)
        times = counted("times", group.count, lang)
        # A field that is only separators (a blank label) would print "(, 3 times)".
        where = ", ".join(part for part in (group.field.strip(" /,;"), times) if part)
        if rich:
            style = "red" if group.severity == ERROR else "yellow"
            console.print(f"\n[bold {style}]{label}[/] [bold]{escape(title)}[/] [dim]({escape(where)})[/]")
        else:
            console.print(f"\n[{label}] {title} ({where})", markup=False, highlight=False)
        for loc in group.locations[:SHOWN_LOCATIONS]:
            value = "" if loc.value is None else f" = {json.dumps(loc.value, ensure_ascii=False)[:80]}"
            if loc.where and loc.where.get("sheet"):
                line = f"    {_where(loc.where, lang)}{value}"
            else:
                where = f"{loc.source}: " if show_source and loc.source else ""
                line = f"    {where}{loc.path or '/'}{value}"
            console.print(escape(line) if rich else line, markup=rich, highlight=False)
        if group.count > SHOWN_LOCATIONS:
            more = "    " + text("more", lang, count=group.count - SHOWN_LOCATIONS)
            console.print(f"[dim]{escape(more)}[/]" if rich else more, markup=rich, highlight=False)
        if advice:
            line = f"    → {advice}"
            console.print(f"[cyan]{escape(line)}[/]" if rich else line, markup=rich, highlight=False)


def _summary(validation: ValidationResult, lang: str) -> str:
    """ "Output checked with cdmx validate: 1 error, 2 warnings." """
    return text(
        "validation_summary_counts",
        lang,
        errors=counted("errors", validation.errors, lang),
        warnings=counted("warnings", validation.warnings, lang),
    )


def _stopped(result: MergeResult | ConvertResult, lang: str, console: Console) -> bool:
    """Print the input errors; True when there were some (then nothing was written)."""
    rich = console.is_terminal
    for error in result.input_errors:
        console.print(("[bold red]✗[/] " if rich else "ERROR: ") + escape(input_error_text(error, lang)))
    if result.input_errors:
        line = text("merge_not_written", lang)
        console.print(f"[bold red]{escape(line)}[/]" if rich else line)
    return bool(result.input_errors)


def write_merge_text(result: MergeResult, lang: str, console: Console) -> None:
    """Write the report of a merge for people."""
    rich = console.is_terminal
    if _stopped(result, lang, console):
        return
    problems = result.exit_code != 0
    status = text("merged_with_problems" if problems else "merged", lang)
    headline = text(
        "merge_headline", lang, status=status, errors=result.errors, warnings=result.warnings, **result.as_dict()
    )
    colour = "red" if problems else "green"
    console.print(f"[bold {colour}]{escape(headline)}[/]" if rich else headline)
    if result.upgraded:
        console.print(text("merge_upgraded", lang, count=result.upgraded))
    if result.duplicates:
        console.print(text("merge_duplicates", lang, count=result.duplicates))
    if result.written and result.output:
        console.print(text("merge_written", lang, output=result.output))
    _write_groups(result.findings, lang, console, True)


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
            table.add_row(escape(label(name, lang)), escape(str(value)))
        console.print()
        console.print(table)
    else:
        console.print(f"\n{title}", markup=False)
        for name, value in rows:
            console.print(f"    {label(name, lang)}: {value}", markup=False, highlight=False)


def write_convert_text(result: ConvertResult, lang: str, console: Console) -> None:
    """Write the report of a conversion for people."""
    rich = console.is_terminal
    if _stopped(result, lang, console):
        return
    main = result.sheets[0] if result.sheets else None
    problems = result.exit_code != 0
    headline = text(
        "convert_headline",
        lang,
        status=text("converted_with_problems" if problems else "converted", lang),
        releases=result.releases,
        ocids=result.ocids,
        errors=result.errors,
        warnings=result.warnings,
        **({k: getattr(main, k) for k in ("read", "converted", "rejected", "blank")} if main else {}),
    )
    colour = "red" if problems else "green"
    console.print(f"[bold {colour}]{escape(headline)}[/]" if rich else headline)
    line = layout_line(result, lang)
    if line:
        console.print(escape(line) if rich else line, markup=rich, highlight=False)
    _write_groups(result.findings, lang, console, False, only=OPENING)
    for sheet in result.sheets:
        line = "    " + text("sheet_counts", lang, nothing=sheet.nothing_to_report, **sheet.as_dict())
        console.print(escape(line) if rich else line, markup=rich, highlight=False)
        if sheet.unmapped_columns:
            note = "    " + text("unmapped_columns", lang, sheet=sheet.sheet, columns="; ".join(sheet.unmapped_columns))
            console.print(escape(note) if rich else note, markup=rich, highlight=False)
    if result.written and result.output:
        console.print(text("merge_written", lang, output=result.output))
    _write_groups(result.findings, lang, console, False, skip=OPENING)
    if result.validation is not None:
        summary = _summary(result.validation, lang)
        console.print("\n" + summary)
        _write_groups(result.validation.findings, lang, console, False)


def write_publish_text(result: PublishResult, lang: str, console: Console) -> None:
    """Write the report of a night for people: per agency what it published and its problems, as
    ``cdmx convert`` and ``cdmx validate`` report them."""
    rich = console.is_terminal

    def line(message: str, style: str | None = None) -> None:
        console.print(f"[{style}]{escape(message)}[/]" if rich and style else message, markup=rich, highlight=False)

    for error in result.input_errors:
        line(("✗ " if rich else "ERROR: ") + input_error_text(error, lang), "bold red")
    failed = sum(1 for a in result.agencies if a.status == "failed")
    problems = result.exit_code != 0
    headline = text(
        "publish_headline",
        lang,
        status=text("published_with_problems" if problems else "published_ok", lang),
        agencies=len(result.agencies),
        releases=sum(a.releases for a in result.agencies),
        new=sum(a.new for a in result.agencies),
        updated=sum(a.updated for a in result.agencies),
        unchanged=sum(a.unchanged for a in result.agencies),
        failed=failed,
        errors=result.errors,
        warnings=result.warnings,
    )
    line(headline, "bold red" if problems else "bold green")
    for agency in result.agencies:
        console.print()
        if agency.status == "busy":
            line(text("publish_busy", lang, agency=agency.key, name=agency.name), "bold red")
            continue
        status_text = text(f"status_{agency.status}", lang)
        line(
            text(
                "publish_agency",
                lang,
                status_text=status_text,
                agency=agency.key,
                **{k: v for k, v in agency.as_dict().items() if k != "key"},
            ),
            "bold red" if agency.status == "failed" else "bold",
        )
        if agency.resumed:
            line(text("publish_resumed", lang, night=agency.night))
        if agency.status == "failed":
            reasons = ", ".join(text(f"problem_{p}", lang) for p in agency.problems)
            line(text("publish_problems", lang, problems=reasons), "red")
        for error in agency.input_errors:
            line("    " + input_error_text(error, lang), "red")
        for conversion in agency.conversions:
            if conversion.input_errors or conversion.findings.groups:
                write_convert_text(conversion, lang, console)
        _write_groups(agency.findings, lang, console, False)
        if agency.validation is not None and agency.validation.findings.groups:
            summary = _summary(agency.validation, lang)
            line("\n" + summary)
            _write_groups(agency.validation.findings, lang, console, False)
    console.print()
    if result.dry_run:
        line(text("publish_dry_run", lang))
    elif result.built:
        line(text("publish_built", lang, build=result.build, written=result.files_written, kept=result.files_kept))
    elif not result.input_errors:
        line(text("publish_not_rebuilt", lang))


def layout_line(result: Any, lang: str) -> str:
    """The line that says which layout a converted workbook has and which mapping read it ("" when the
    conversion recognised none), for the text and HTML reports."""
    layout = result.layout
    if layout is None:
        return ""
    return text(
        "layout_picked" if result.picked else "layout_found",
        lang,
        format=layout.format,
        layout=layout.name,
        form=text(f"form_{layout.form}", lang) if layout.form else "-",
        row=layout.header_row,
        mapping=result.mapping,
        score=f"{layout.score:.0%}",
    )

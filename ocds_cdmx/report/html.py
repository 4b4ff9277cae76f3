"""The HTML report: ``cdmx validate --format html -o reporte.html`` and ``cdmx convert --report html``.

One self-contained file (its style and charts inline, no script, nothing fetched), in Spanish or English,
that prints well: the headline, the problems grouped as OCP's Review Tool groups them (validation
errors, structure and additional fields, conformance, quality; for a workbook, what its reading found
too) with what each means, how to fix it and its first places (cells, for a converted workbook), the
key figures with their charts (amounts by procedure type and by month, releases by stage) and the
coverage of the eight fields that OCDS's guidance names, by agency and stage. The figures are the
statistics that the validation counted per process in its one pass over the package (the result's
``statistics``), not a second reading of the files.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from markupsafe import Markup, escape

from .. import __version__
from ..core.findings import ERROR, INFO, WARNING, Findings
from ..core.ocds import COVERAGE_FIELDS, COVERAGE_STAGES, TAG_STAGE
from .messages import N_, finding_text, input_error_text, ntr, text, tr
from .text import layout_line

if TYPE_CHECKING:
    from ..conversion import ConvertResult
    from ..validation import ValidationResult

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Places shown for each kind of problem (the JSON report has them all).
SHOWN = 10

#: The report's own words, in English here and in Spanish in the catalog.
WORDS: dict[str, str] = {
    "title_validate": N_("Validation report"),
    "title_convert": N_("Conversion report"),
    "generated": N_("Made by cdmx {version} on {date}"),
    "sources": N_("Files"),
    "valid": N_("Valid"),
    "invalid": N_("Not valid"),
    "unreadable": N_("Could not be read"),
    "converted": N_("Converted"),
    "converted_with_problems": N_("Converted with problems"),
    "errors": N_("Errors"),
    "warnings": N_("Warnings"),
    "releases": N_("Releases"),
    "records": N_("Records"),
    "processes": N_("Processes"),
    "contents": N_("Contents"),
    "input_errors": N_("Files that could not be read"),
    "workbook": N_("The workbook"),
    "sheet": N_("Sheet"),
    "read": N_("Read"),
    "converted_rows": N_("Converted"),
    "rejected": N_("Rejected"),
    "blank": N_("Blank"),
    "nothing": N_("Nothing to report"),
    "problems": N_("Problems"),
    "no_problems": N_("No problems found."),
    "how_to_fix": N_("How to fix it"),
    "places": N_("First places"),
    "place": N_("Place"),
    "value": N_("Value"),
    "statistics": N_("Key figures"),
    "statistics_note": N_(
        "Counted per contracting process, from its latest state: each award and contract once, however many releases repeat it."
    ),
    "buyers": N_("Buyers"),
    "suppliers": N_("Suppliers"),
    "dates": N_("Release dates"),
    "awarded": N_("Awarded"),
    "contracted": N_("Contracted"),
    "by_method": N_("Amount awarded by procedure type ({currency})"),
    "by_month": N_("Amount awarded by month ({currency})"),
    "by_stage": N_("Releases by stage"),
    "no_amounts": N_("No award has an amount."),
    "coverage": N_("Coverage of the fields that make data useful"),
    "coverage_note": N_(
        "OCDS's guidance names eight fields without which data cannot answer the basic questions. Each cell is the share of the agency's processes (for the award and contract fields: of its awards and contracts) that have the field."
    ),
    "agency": N_("Agency (buyer)"),
    "all_agencies": N_("All agencies"),
    "no_buyer": N_("(no buyer)"),
    "not_applicable": N_("none"),
    "stage_tender": N_("Tender"),
    "stage_buyer": N_("Buyer"),
    "stage_award": N_("Award"),
    "stage_contract": N_("Contract"),
    "tender_value": N_("Tender value"),
    "tender_period": N_("Tender period"),
    "tender_title": N_("Tender title"),
    "buyer_name": N_("Buyer name"),
    "award_value": N_("Award value"),
    "award_date": N_("Award date"),
    "supplier_name": N_("Supplier name"),
    "contract_period": N_("Contract period"),
    "method_": N_("Not stated"),
    "method_open": N_("Open (public tender)"),
    "method_selective": N_("Selective (restricted invitation)"),
    "method_limited": N_("Limited (direct award)"),
    "method_direct": N_("Direct award"),
    "tag_planning": N_("Planning"),
    "tag_tender": N_("Tender"),
    "tag_award": N_("Award"),
    "tag_contract": N_("Contract"),
    "tag_implementation": N_("Implementation"),
    "tag_tenderUpdate": N_("Tender update"),
    "tag_awardUpdate": N_("Award update"),
    "tag_contractUpdate": N_("Contract update"),
    "tag_tenderAmendment": N_("Tender amendment"),
    "tag_contractAmendment": N_("Contract amendment"),
    "tag_implementationUpdate": N_("Implementation update"),
    "tag_planningUpdate": N_("Planning update"),
    "tag_tenderCancellation": N_("Tender cancellation"),
    "tag_awardCancellation": N_("Award cancellation"),
    "tag_contractTermination": N_("Contract termination"),
    "tag_compiled": N_("Compiled"),
    "section_workbook": N_("Reading the workbook"),
    "explain_workbook": N_(
        "What the conversion found in the workbook's cells: values that could not be read, rows that were not converted, columns that are missing. Fix them in the workbook and convert it again."
    ),
    "section_validation": N_("Validation errors"),
    "explain_validation": N_(
        "The data does not follow the OCDS schema: a required field is missing, a value has the wrong type or format, or a code is not in a closed codelist. Tools that read OCDS may reject these releases."
    ),
    "section_structure": N_("Structure and additional fields"),
    "explain_structure": N_(
        "Fields that the schema does not define, deprecated fields, list entries without an id, empty values, codes outside open codelists and extensions that could not be read. The data is valid, but these parts may not be understood by others."
    ),
    "section_conformance": N_("Conformance"),
    "explain_conformance": N_(
        "The rules of OCDS beyond the schema: OCIDs that start with the publisher's registered prefix, a unique id for every release, packages and versions."
    ),
    "section_quality": N_("Quality"),
    "explain_quality": N_(
        "Checks of the content: references between sections, dates and amounts that agree with each other, Mexican identifiers (RFC, postal codes), placeholders and garbled text."
    ),
    "section_other": N_("Other checks"),
    "explain_other": N_("Checks of merging and publishing the data."),
    "chart_label": N_("{label}: {value}"),
    "place_cell": N_("Sheet {sheet}, cell {cell} ({label})"),
    "place_row": N_("Sheet {sheet}, row {row}"),
    "compact_thousands": N_("{value} k"),
    "compact_millions": N_("{value} M"),
    "compact_billions": N_("{value} bn"),
}

#: The Review Tool's groups, in its order: check families (and a few checks) → section.
SECTIONS = ("workbook", "validation", "structure", "conformance", "quality", "other")
_FAMILY_SECTION = {
    "convert": "workbook",
    "schema": "validation",
    "structure": "structure",
    "extensions": "structure",
    "ocds": "conformance",
    "references": "quality",
    "coherence": "quality",
    "mexico": "quality",
    "quality": "quality",
}
_CHECK_SECTION = {"closed_codelist": "validation", "open_codelist": "structure"}


def word(key: str, lang: str, **params: Any) -> str:
    """One of the report's :data:`WORDS` in ``lang``."""
    message = tr(WORDS[key], lang)
    return message.format(**params) if params else message


def section_of(check: str, family: str) -> str:
    """The Review Tool's group a check belongs to."""
    return _CHECK_SECTION.get(check) or _FAMILY_SECTION.get(family, "other")


def html_report(
    result: ValidationResult | ConvertResult,
    lang: str,
    statistics: dict[str, Any] | None = None,
    *,
    show_statistics: bool = True,
) -> str:
    """The HTML report of a validation or a conversion. Its figures are ``statistics`` (a
    ``Statistics.as_dict()``), by default those that the result carries (for a conversion, those of the
    package it wrote); none without releases or records, or with ``show_statistics`` false."""
    convert = hasattr(result, "sheets")
    validation = result.validation if convert else result
    if statistics is None and show_statistics and getattr(result, "statistics", None) is not None:
        statistics = result.statistics.as_dict()
    if not show_statistics or not statistics or not (statistics.get("releases") or statistics.get("records")):
        statistics = None
    findings: list[Findings] = [result.findings]
    if convert and validation is not None:
        findings.append(validation.findings)
    if convert:
        status = "converted_with_problems" if result.exit_code else "converted"
        if result.input_errors:
            status = "unreadable"
        ok = result.exit_code == 0
    else:
        status = "unreadable" if result.input_errors else ("valid" if result.valid else "invalid")
        ok = status == "valid"
    context = {
        "lang": lang,
        "w": functools.partial(word, lang=lang),
        "title": word("title_convert" if convert else "title_validate", lang),
        "generated": word(
            "generated", lang, version=__version__, date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        ),
        "status": word(status, lang),
        "ok": ok,
        "counts": _counts(result, validation, convert, lang),
        "sources": _sources(result, validation, convert),
        "input_errors": [input_error_text(e, lang) for e in result.input_errors],
        "workbook": _workbook(result, lang) if convert else None,
        "sections": _sections(
            findings,
            lang,
            main=result.findings.source if convert else None,
            show_source=not convert and len({s.source for s in result.sources}) > 1,
        ),
        "figures": _figures(statistics, lang) if statistics is not None else None,
    }
    return _template().render(**context)


def write_html(
    result: ValidationResult | ConvertResult, lang: str, out: IO[str], *, show_statistics: bool = True
) -> None:
    """Write the HTML report to ``out`` (:func:`html_report`)."""
    out.write(html_report(result, lang, show_statistics=show_statistics))


@functools.cache
def _template() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=StrictUndefined,
    )  # fmt: skip
    return env.get_template("report.html")


def _counts(result: Any, validation: Any, convert: bool, lang: str) -> list[tuple[str, Any, str]]:
    """The headline's numbers: (label, number, style)."""
    counts = [
        (word("errors", lang), result.errors, "error" if result.errors else "ok"),
        (word("warnings", lang), result.warnings, "warning" if result.warnings else "ok"),
    ]
    if convert:
        counts += [(word("releases", lang), result.releases, ""), (word("processes", lang), result.ocids, "")]
    else:
        stats = validation.statistics.as_dict()
        if stats.get("records"):
            counts.append((word("records", lang), stats["records"], ""))
        counts.append((word("releases", lang), stats.get("releases", 0), ""))
        counts.append((word("processes", lang), stats.get("ocids", 0), ""))
    return counts


def _sources(result: Any, validation: Any, convert: bool) -> list[str]:
    if convert:
        files = list(dict.fromkeys(r.source for r in result.rejects))
        first = result.findings.source
        return [first, *[f for f in files if f != first]] if first else files
    return list(dict.fromkeys(s.source for s in validation.sources))


def _workbook(result: ConvertResult, lang: str) -> dict[str, Any]:
    line = layout_line(result, lang)
    main = result.sheets[0] if result.sheets else None
    headline = ""
    if main is not None:
        headline = text(
            "convert_headline",
            lang,
            status=word("converted_with_problems" if result.exit_code else "converted", lang),
            releases=result.releases,
            ocids=result.ocids,
            errors=result.errors,
            warnings=result.warnings,
            **{k: getattr(main, k) for k in ("read", "converted", "rejected", "blank")},
        )
    return {
        "headline": headline,
        "layout": line,
        "sheets": [s.as_dict() for s in result.sheets],
        "output": result.output if result.written else None,
    }


def _sections(
    sets: list[Findings], lang: str, *, show_source: bool = False, main: str | None = None
) -> list[dict[str, Any]]:
    """The problems, by the Review Tool's groups, each group with its first places (a cell of a file
    other than the ``main`` workbook is named with its file)."""
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTIONS}
    for findings in sets:
        for group in findings.sorted_groups():
            first = group.locations[0].value if group.locations else None
            title, advice = finding_text(group.check, group.params, group.field, lang, first)
            places: list[dict[str, str]] = []
            seen = 0  # the occurrences behind the places shown
            for location in group.locations:
                if len(places) == SHOWN:
                    break
                seen += 1
                where = location.where or {}
                if where.get("sheet"):
                    place = word("place_cell" if where.get("cell") else "place_row", lang, sheet=where["sheet"],
                                 cell=where.get("cell"), label=where.get("label") or "", row=where.get("row"))  # fmt: skip
                    if main is not None and where.get("file") and where["file"] != main:
                        place = f"{Path(str(where['file'])).name}: {place}"
                else:
                    place = location.path or "/"
                    if show_source and location.source:
                        place = f"{location.source}: {place}"
                value = "" if location.value is None else json.dumps(location.value, ensure_ascii=False)[:120]
                if {"place": place, "value": value} not in places:  # one cell behind several releases
                    places.append({"place": place, "value": value})
            grouped[section_of(group.check, group.family)].append({
                "severity": group.severity,
                "severity_label": text(f"severity_{group.severity}", lang).capitalize(),
                "title": title,
                "advice": advice,
                "field": group.field,
                "times": ntr("{count} time", "{count} times", group.count, lang).format(count=group.count),
                "places": places,
                "more": text("more", lang, count=group.count - seen) if group.count > seen else "",
            })  # fmt: skip
    sections = []
    for name in SECTIONS:
        groups = grouped[name]
        if not groups:
            continue
        errors = sum(1 for g in groups if g["severity"] == ERROR)
        warnings = sum(1 for g in groups if g["severity"] == WARNING)
        notes = sum(1 for g in groups if g["severity"] == INFO)
        kinds = [
            ntr("{count} kind of error", "{count} kinds of error", errors, lang) if errors else "",
            ntr("{count} kind of warning", "{count} kinds of warning", warnings, lang) if warnings else "",
            ntr("{count} note", "{count} notes", notes, lang) if notes else "",
        ]
        summary = ", ".join(k.format(count=n) for k, n in zip(kinds, (errors, warnings, notes), strict=True) if k)
        sections.append({
            "id": name,
            "title": word(f"section_{name}", lang),
            "explain": word(f"explain_{name}", lang),
            "summary": summary,
            "worst": ERROR if errors else WARNING if warnings else INFO,
            "groups": groups,
        })  # fmt: skip
    return sections


def chart_series(stats: dict[str, Any]) -> dict[str, Any]:
    """The charts' series, from the statistics: the amounts awarded in the currency most awarded, by
    procedure type (largest first) and by month (in order; awards of no known month left out), and the
    releases of each stage (most first; as many in the order of the stages)."""
    amounts = stats.get("award_amounts") or {}
    currency = max(amounts, key=lambda c: (amounts[c], c)) if amounts else None

    def series(by: dict[str, dict[str, float]]) -> dict[str, float]:
        return {k: v[currency] for k, v in by.items() if currency in v}

    by_method = series(stats.get("award_amounts_by_method") or {})
    by_month = series(stats.get("award_amounts_by_month") or {})
    tags = stats.get("tags") or {}
    return {
        "currency": currency,
        "by_method": dict(sorted(by_method.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_month": {k: v for k, v in sorted(by_month.items()) if k},
        "by_stage": dict(sorted(tags.items(), key=lambda kv: (-kv[1], TAG_STAGE.get(kv[0], len(TAG_STAGE)), kv[0]))),
    }


def _figures(stats: dict[str, Any], lang: str) -> dict[str, Any]:
    series = chart_series(stats)
    currency = series["currency"] or ""
    first, last = stats.get("first_date"), stats.get("last_date")
    numbers = [
        (word("processes", lang), _int(stats["ocids"])),
        (word("releases", lang), _int(stats["releases"])),
        *([(word("records", lang), _int(stats["records"]))] if stats.get("records") else []),
        (word("buyers", lang), _int(stats["buyers_count"])),
        (word("suppliers", lang), _int(stats["suppliers_count"])),
        (word("dates", lang), f"{first[:10]} – {last[:10]}" if first and last else "–"),
        (word("awarded", lang), _money_list(stats["award_amounts"]) or "–"),
        (word("contracted", lang), _money_list(stats["contract_amounts"]) or "–"),
    ]
    methods = [(_method(k, lang), v) for k, v in series["by_method"].items()]
    months = list(series["by_month"].items())
    stages = [(_tag(k, lang), v) for k, v in series["by_stage"].items()]
    charts = []
    if methods:
        title = word("by_method", lang, currency=currency)
        charts.append((title, _hbars(methods, title, _money, lang)))
    if months:
        title = word("by_month", lang, currency=currency)
        charts.append((title, _columns(months, title, lang)))
    if stages:
        title = word("by_stage", lang)
        charts.append((title, _hbars(stages, title, _int, lang)))
    return {"numbers": numbers, "charts": charts, "amounts": bool(methods), "coverage": _coverage(stats, lang)}


def _coverage(stats: dict[str, Any], lang: str) -> dict[str, Any]:
    stages = [
        (word(f"stage_{stage}", lang), sum(1 for s, _ in COVERAGE_FIELDS if s == stage)) for stage in COVERAGE_STAGES
    ]
    fields = [word(name, lang) for _, name in COVERAGE_FIELDS]

    def cells(row: dict[str, list[int]]) -> list[dict[str, Any]]:
        out = []
        for _, name in COVERAGE_FIELDS:
            have, of = row[name]
            if not of:
                out.append({"text": word("not_applicable", lang), "level": "na", "title": ""})
                continue
            share = have / of
            level = "full" if share >= 0.999 else "most" if share >= 0.8 else "some" if share >= 0.4 else "few"
            out.append({"text": f"{share:.0%}", "level": level, "title": f"{have} / {of}"})
        return out

    rows = [{"name": buyer or word("no_buyer", lang), "cells": cells(row)} for buyer, row in stats["coverage"].items()]
    total = {"name": word("all_agencies", lang), "cells": cells(stats["coverage_total"])}
    return {"stages": stages, "fields": fields, "rows": rows, "total": total}


def _method(code: str, lang: str) -> str:
    return word(f"method_{code}", lang) if f"method_{code}" in WORDS else code


def _tag(code: str, lang: str) -> str:
    return word(f"tag_{code}", lang) if f"tag_{code}" in WORDS else code


def _int(value: float) -> str:
    return f"{value:,.0f}"


def _money(value: float) -> str:
    return f"{value:,.2f}"


def _money_list(amounts: dict[str, float]) -> str:
    return "; ".join(f"{_money(v)} {k}" for k, v in amounts.items())


# --- charts: inline SVG, drawn here so that the file needs no script -----------------------------------

_BAR = "#1f5f99"
_TEXT = "#1a1a1a"


def _hbars(items: list[tuple[str, float]], title: str, fmt: Any, lang: str) -> Markup:
    """Horizontal bars with their labels and values: for categories with long names."""
    label_width, bar_width, height, gap = 230, 330, 22, 8
    value_width = 140
    width = label_width + bar_width + value_width
    top = max((v for _, v in items), default=0) or 1
    total_height = len(items) * (height + gap) + gap
    parts = [_svg_open(width, total_height, title, items, fmt, lang)]
    for index, (label, value) in enumerate(items):
        y = gap + index * (height + gap)
        length = max(1.0, bar_width * value / top) if value else 0
        parts.append(
            f'<text x="{label_width - 8}" y="{y + height * 0.7:.1f}" text-anchor="end" fill="{_TEXT}">'
            f"{escape(_short(label, 34))}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{height}" fill="{_BAR}" rx="2"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + height * 0.7:.1f}" fill="{_TEXT}">{escape(fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _columns(items: list[tuple[str, float]], title: str, lang: str) -> Markup:
    """Vertical bars, one per month, with the amount on top (in millions when large)."""
    width = max(360, 64 * len(items) + 40)
    chart_height, bottom, top_pad = 220, 40, 24
    column = (width - 40) / max(1, len(items))
    top = max((v for _, v in items), default=0) or 1
    parts = [_svg_open(width, chart_height + bottom + top_pad, title, items, _money, lang)]
    base = top_pad + chart_height
    parts.append(f'<line x1="20" y1="{base}" x2="{width - 20}" y2="{base}" stroke="#666"/>')
    for index, (month, value) in enumerate(items):
        x = 20 + index * column
        bar = chart_height * value / top
        parts.append(
            f'<rect x="{x + column * 0.15:.1f}" y="{base - bar:.1f}" width="{column * 0.7:.1f}" height="{bar:.1f}" '
            f'fill="{_BAR}" rx="2"/>'
            f'<text x="{x + column / 2:.1f}" y="{base - bar - 6:.1f}" text-anchor="middle" fill="{_TEXT}" '
            f'font-size="11">{escape(_compact(value, lang))}</text>'
            f'<text x="{x + column / 2:.1f}" y="{base + 18}" text-anchor="middle" fill="{_TEXT}" '
            f'font-size="11">{escape(month)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _svg_open(width: float, height: float, title: str, items: list, fmt: Any, lang: str) -> str:
    """The chart's element, named for screen readers with its title and every value it shows."""
    described = "; ".join(word("chart_label", lang, label=label, value=fmt(value)) for label, value in items)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{escape(title)}: {escape(described)}" font-family="inherit" font-size="13">'
        f"<title>{escape(title)}</title>"
    )


def _short(label: str, size: int) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def _compact(value: float, lang: str) -> str:
    """12,345,678 → 12.3 M: the figure above a column (its exact value is in the chart's description)."""
    if value >= 1e9:
        return word("compact_billions", lang, value=f"{value / 1e9:,.1f}")
    if value >= 1e6:
        return word("compact_millions", lang, value=f"{value / 1e6:,.1f}")
    if value >= 1e3:
        return word("compact_thousands", lang, value=f"{value / 1e3:,.0f}")
    return f"{value:,.0f}"

"""Which transparency-platform layout a workbook has, and which bundled mapping reads it.

Formats change every few years (2015–2017, 2018–2020 43335/43336, 2021–2023 52276/52273, 2024+ 59483)
and their ids differ between states, so a layout is recognised by its labels: each bundled layout
mapping is scored on the header row it finds in the workbook's main sheet, as the share of labels the
two have in common (matched columns over the mapping's columns and the header's labels together, a
Jaccard index), and the best one wins. Row 1's format id (upload templates) breaks ties and is
reported when it disagrees with the labels; the labels win.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..io.workbook import Sheet, Workbook
from .mapping import BUNDLED, load
from .plan import Plan, compile_plan
from .reader import data_sheets, header_key, pick_sheet
from .results import LayoutFound
from .values import is_blank

#: A workbook whose best layout scores less than this is not a transparency format we know.
MIN_SCORE = 0.5
#: A mapping given with -m is refused when another layout fits better by this much.
MISMATCH_MARGIN = 0.1
_FORMAT_ID = re.compile(r"^\d{4,6}$")


@dataclass(frozen=True)
class Score:
    """How well a plan's columns and a sheet's header row agree."""

    score: float
    matched: int
    header_row: int | None
    labels: int


@functools.cache
def layout_plans() -> tuple[Plan, ...]:
    """The bundled mappings that read a layout (not the agencies' mappings that extend them)."""
    plans = []
    for path in sorted(BUNDLED.glob("*.yaml")):
        mapping = load(path)
        if mapping.data.get("layout") and not mapping.data.get("agency"):
            plans.append(compile_plan(mapping))
    return tuple(plans)


def head(sheet: Sheet, rows: int = 30) -> list[tuple[int, list[Any]]]:
    """The first rows of a sheet."""
    return list(itertools.islice(sheet.rows(), rows))


def score(plan: Plan, rows: Iterable[tuple[int, list[Any]]]) -> Score:
    """The best agreement between ``plan``'s main columns and one of ``rows``."""
    assert plan.main is not None
    columns = plan.main.columns.values()
    best = Score(0.0, 0, None, 0)
    for number, values in itertools.islice(rows, plan.main.sheet.header_rows):
        keys = {header_key(v) for v in values if not is_blank(v)}
        if not keys:
            continue
        matched = sum(1 for c in columns if any(k in keys for k in c.keys))
        jaccard = matched / (len(columns) + len(keys) - matched)
        if jaccard > best.score:
            best = Score(jaccard, matched, number, len(keys))
    return best


def main_sheet(book: Workbook, names: tuple[str, ...] = ()) -> Sheet | None:
    """The sheet a main table is in: one named as the mapping says, else the first that is neither a
    catalog nor a sub-table."""
    sheets = book.sheets()
    found = pick_sheet(sheets, names) if names else None
    if found is None:
        for name in ("Reporte de Formatos", "Informacion"):
            found = pick_sheet(sheets, (name,))
            if found is not None:
                break
    return found or next(iter(data_sheets(sheets)), None)


def format_id(rows: list[tuple[int, list[Any]]]) -> str | None:
    """The format id of an upload template: row 1's first cell, digits."""
    if rows and rows[0][0] == 1 and rows[0][1]:
        first = rows[0][1][0]
        text = str(first).strip() if first is not None else ""
        if _FORMAT_ID.match(text):
            return text
    return None


def _form(header_row: int | None, found_id: str | None) -> str:
    """``template`` (row 1 a format id, labels on row 7), ``download`` (a metadata block above the
    header) or ``export`` (the header on row 1)."""
    if found_id and header_row == 7:
        return "template"
    if header_row is not None and header_row > 1:
        return "download"
    return "export"


def detect(book: Workbook, plans: tuple[Plan, ...] | None = None, rows: list | None = None) -> list[LayoutFound]:
    """Every bundled layout scored on the workbook (or on its main sheet's first ``rows``), best first."""
    plans = layout_plans() if plans is None else plans
    if rows is None:
        sheet = main_sheet(book)
        if sheet is None:
            return []
        rows = head(sheet)
    found_id = format_id(rows)
    out = []
    for plan in plans:
        assert plan.layout is not None
        result = score(plan, rows)
        formats = {plan.layout.format, *plan.layout.formats}
        out.append(
            LayoutFound(
                mapping=plan.name,
                format=plan.layout.format,
                name=plan.layout.name,
                score=round(result.score, 3),
                header_row=result.header_row,
                format_id=found_id,
                form=_form(result.header_row, found_id),
            )
        )
        if found_id and found_id in formats:
            # Labels decide; the format id only breaks ties.
            out[-1] = LayoutFound(**{**out[-1].as_dict(), "score": round(result.score + 1e-6, 6)})
    out.sort(key=lambda f: -f.score)
    return out


def score_plan(book: Workbook, plan: Plan, rows: list | None = None) -> Score:
    """How well a (given) mapping's main sheet agrees with the workbook's (or with ``rows``)."""
    assert plan.main is not None
    if rows is None:
        sheet = main_sheet(book, plan.main.sheet.names)
        if sheet is None:
            return Score(0.0, 0, None, 0)
        rows = head(sheet)
    return score(plan, rows)

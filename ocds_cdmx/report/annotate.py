"""The data officer's own workbook with its problems on it: ``cdmx convert … --annotate revisado.xlsx``.

A copy of the workbook (an .xlsx or .xlsm is loaded with openpyxl and keeps its formatting; an .xls,
.ods or .csv is written as a new .xlsx with the same sheets and values) in which every cell that has a
problem is filled (errors and warnings in two colours) and carries a comment that says what is wrong
and how to fix it, and whose first sheet lists every problem, one a line, sortable and filterable.
Problems that only the validation of the package finds are on their cells too: the conversion has
already traced each of them to the cell its value came from. The original file is only read.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import OutputError, WorkbookError
from ..core.findings import ERROR, INFO, SEVERITY_ORDER, WARNING, Findings
from ..io.output import AtomicFile
from ..io.workbook import Workbook
from .messages import finding_text, ntr, text

if TYPE_CHECKING:
    from ..conversion import ConvertResult

#: Fills of the cells with problems: Excel's own "bad" and "neutral" styles, which officers know.
FILLS = {ERROR: "FFC7CE", WARNING: "FFEB9C"}
#: The colour of the text in the list's severity column, matching the fills.
FONTS = {ERROR: "9C0006", WARNING: "9C5700"}
#: The list's columns: key of the header text, width.
COLUMNS = (
    ("annotate_col_severity", 12),
    ("annotate_col_sheet", 22),
    ("annotate_col_cell", 9),
    ("annotate_col_label", 40),
    ("annotate_col_value", 30),
    ("annotate_col_problem", 60),
    ("annotate_col_fix", 70),
)
#: The suffixes an annotated copy may have.
SUFFIXES = (".xlsx", ".xlsm")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Problem:
    """One problem of one cell (or row, or of the whole file), ready for people."""

    severity: str
    check: str
    file: str
    sheet: str
    row: int | None
    column: str
    label: str
    value: Any
    title: str
    advice: str

    @property
    def cell(self) -> str:
        """The cell shown and marked: the column's, or the row's first for a problem of a whole row."""
        if self.row is None:
            return ""
        return f"{self.column or 'A'}{self.row}"


@dataclass
class AnnotateResult:
    """What :func:`annotate_workbook` wrote."""

    output: str
    problems: int = 0
    cells: int = 0


def problems_of(result: ConvertResult, lang: str) -> list[Problem]:
    """Every error and warning of a conversion and of the validation of its package, one per cell
    (a value repeated in several releases is one problem), in the order of the workbook."""
    found: dict[tuple, Problem] = {}
    sets: list[Findings] = [result.findings]
    if result.validation is not None:
        sets.append(result.validation.findings)
    for findings in sets:
        for group in findings.sorted_groups():
            if group.severity == INFO:
                continue
            for location in group.locations or [None]:
                where = (location.where if location is not None else None) or {}
                value = location.value if location is not None else None
                title, advice = finding_text(group.check, group.params, group.field, lang, value)
                row = where.get("row")
                problem = Problem(
                    severity=group.severity,
                    check=group.check,
                    file=str(where.get("file") or ""),
                    sheet=str(where.get("sheet") or ""),
                    row=int(row) if isinstance(row, int) else None,
                    column=str(where.get("column") or ""),
                    label=str(where.get("label") or ""),
                    value=value,
                    title=title,
                    advice=advice,
                )
                found.setdefault((problem.file, problem.sheet, problem.cell, group.check, title), problem)
    return sorted(
        found.values(),
        key=lambda p: (not p.sheet, p.file, p.sheet, p.row or 0, _column_number(p.column), SEVERITY_ORDER[p.severity]),
    )


def check_target(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Refuse, before converting, a copy that would overwrite the original or that Excel could not open."""
    target_path = Path(target)
    if target_path.suffix.lower() not in SUFFIXES:
        raise OutputError("annotate_suffix", str(target))
    if _same(Path(source), target_path):
        raise OutputError("annotate_same_file", str(target))


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file (also through links)."""
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def annotate_workbook(
    result: ConvertResult,
    source: str | os.PathLike,
    target: str | os.PathLike,
    lang: str,
    *,
    encoding: str | None = None,
) -> AnnotateResult:
    """Write to ``target`` (atomically) a copy of the workbook ``source`` with the problems of
    ``result`` (its conversion) marked on their cells and listed in a first sheet. ``source`` is never
    written to. Problems of the conversion's other files are listed with their file's name."""
    check_target(source, target)
    source = Path(source)
    problems = problems_of(result, lang)
    book, titles = _copy(source, Path(target), encoding)
    mine = {f for f in {p.file for p in problems} if f and _same(Path(f), source)} | {str(source)}
    marked: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        if problem.row is not None and problem.sheet in titles and (not problem.file or problem.file in mine):
            marked.setdefault((titles[problem.sheet], problem.cell), []).append(problem)
    for (title, ref), here in marked.items():
        _mark(book[title], ref, here, lang)
    listed = _list_sheet(book, problems, titles, mine, lang)
    book.active = book.index(listed)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is listed
    try:
        with AtomicFile(target, "wb") as atomic:
            book.save(atomic.file)
            atomic.commit()
    except OSError as e:
        raise OutputError("cannot_write", str(target), detail=e.strerror or str(e)) from None
    return AnnotateResult(output=str(target), problems=len(problems), cells=len(marked))


def _copy(source: Path, target: Path, encoding: str | None) -> tuple[Any, dict[str, str]]:
    """The workbook to annotate, and the title of each of its sheets by the name the reader gives it."""
    import openpyxl

    kind = source.suffix.lower()
    if kind in (".xlsx", ".xlsm"):
        # Refused like the conversion refuses it (a zip bomb, XML entities) before openpyxl parses it.
        with Workbook(source, encoding):
            pass
        with warnings.catch_warnings():
            # openpyxl warns about parts it does not keep (data-validation extensions): not the officer's concern.
            warnings.simplefilter("ignore")
            try:
                book = openpyxl.load_workbook(source, keep_vba=kind == ".xlsm" and target.suffix.lower() == ".xlsm")
            except Exception as e:  # openpyxl raises many kinds on a damaged file: all mean the same here
                raise WorkbookError("corrupt", str(source), detail=f"{type(e).__name__}: {e}") from None
        return book, {name: name for name in book.sheetnames}
    book = openpyxl.Workbook()
    book.remove(book.active)
    titles: dict[str, str] = {}
    with Workbook(source, encoding) as reader:
        for sheet in reader.sheets():
            title = _sheet_title(sheet.name, set(titles.values()))
            titles[sheet.name] = title
            out = book.create_sheet(title)
            if sheet.hidden:
                out.sheet_state = "hidden"
            for number, values in sheet.rows():
                for index, value in enumerate(values, 1):
                    if value is not None:
                        _put(out.cell(row=number, column=index), value)
    return book, titles


def _put(cell: Any, value: Any) -> None:
    """A value as the original showed it: text stays text, even when it starts with '='."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    elif hasattr(value, "text") and isinstance(value, int):
        cell.value = int(value)  # a number the cell showed with zeros ("0007"): the number, as Excel keeps it
    else:
        cell.value = value


def _sheet_title(name: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = _SHEET_NAME_BAD.sub("_", name)[:31] or "Hoja"
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    return title


def _mark(sheet: Any, ref: str, problems: list[Problem], lang: str) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    worst = min(problems, key=lambda p: SEVERITY_ORDER[p.severity]).severity
    cell = sheet[ref]
    cell.fill = PatternFill("solid", start_color=FILLS[worst], end_color=FILLS[worst])
    lines = [_comment_line(p, lang) for p in problems]
    if cell.comment is not None and cell.comment.text:
        lines.insert(0, cell.comment.text.rstrip())
    body = "\n\n".join(lines)
    comment = Comment(body, text("annotate_author", lang))
    # Sized for its text, so that the note opens readable (openpyxl's default is 144 × 79 points).
    comment.width = 320
    comment.height = min(600, 40 + 15 * sum(1 + len(line) // 48 for line in body.splitlines()))
    cell.comment = comment


def _comment_line(problem: Problem, lang: str) -> str:
    severity = text(f"severity_{problem.severity}", lang)
    line = text("annotate_comment", lang, severity=severity.capitalize(), title=problem.title)
    if not problem.column:
        line += " " + text("annotate_whole_row", lang)
    if problem.advice:
        line += "\n" + text("annotate_comment_fix", lang, advice=problem.advice)
    return line


def _list_sheet(book: Any, problems: Iterable[Problem], titles: dict[str, str], mine: set[str], lang: str) -> Any:
    """The first sheet: one line per problem, with a header that stays in view and filters on it."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    problems = list(problems)
    others = sorted({p.file for p in problems if p.file and p.file not in mine})
    name = _sheet_title(text("annotate_sheet", lang), set(book.sheetnames))
    sheet = book.create_sheet(name, 0)
    columns = list(COLUMNS)
    if others:
        columns.insert(1, ("annotate_col_file", 30))
    header = [text(key, lang) for key, _ in columns]
    sheet.append(header)
    bold = Font(bold=True, color="FFFFFF")
    for index, (_, width) in enumerate(columns, 1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = PatternFill("solid", start_color="1F4E79", end_color="1F4E79")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    wrap = Alignment(vertical="top", wrap_text=True)
    for problem in problems:
        elsewhere = bool(problem.file and problem.file not in mine)
        sheet_title = titles.get(problem.sheet, problem.sheet) if not elsewhere else problem.sheet
        label = problem.label or (text("annotate_whole_row", lang) if problem.row is not None else "")
        value = problem.value
        if problem.column and not elsewhere and problem.sheet in titles:
            # What the officer sees in the cell, which may differ from the OCDS value made of it.
            shown = book[titles[problem.sheet]][problem.cell]
            if shown.value is not None and shown.data_type != "f":
                value = shown.value
        row = [text(f"severity_{problem.severity}", lang).capitalize(), sheet_title, problem.cell, label,
               _shown(value), problem.title, problem.advice]  # fmt: skip
        if others:
            row.insert(1, Path(problem.file).name if elsewhere else "")
        sheet.append(row)
        number = sheet.max_row
        for cell in sheet[number]:
            cell.alignment = wrap
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a value such as "=A1" is shown, never calculated
        sheet.cell(row=number, column=1).font = Font(bold=True, color=FONTS[problem.severity])
        if problem.row is not None and not elsewhere and problem.sheet in titles:
            target = sheet.cell(row=number, column=3 + bool(others))
            quoted = titles[problem.sheet].replace("'", "''")
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{quoted}'!{problem.cell}")
            target.font = Font(color="0563C1", underline="single")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(1, sheet.max_row)}"
    return sheet


def _shown(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def summary_line(annotated: AnnotateResult, lang: str) -> str:
    """``Annotated workbook: revisado.xlsx (12 problems, 9 cells marked).``"""
    problems = ntr("{count} problem", "{count} problems", annotated.problems, lang).format(count=annotated.problems)
    cells = ntr("{count} cell marked", "{count} cells marked", annotated.cells, lang).format(count=annotated.cells)
    return text("annotate_written", lang, output=annotated.output, problems=problems, cells=cells)

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
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
    #: Copied as values (an .xls, .ods or .csv, or a very large .xlsx), not with the workbook's formatting.
    streamed: bool = False


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
    if Path(source).is_dir():
        raise OutputError("annotate_folder", str(source))
    if target_path.suffix.lower() not in SUFFIXES:
        raise OutputError("annotate_suffix", str(target))
    if _same(Path(source), target_path):
        raise OutputError("annotate_same_file", str(target))


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file (also through links)."""
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


#: Above this much worksheet XML an .xlsx is copied as values (streamed), not loaded whole with its
#: formatting: openpyxl needs ~2.5 s per MB of it here (a 5,000-row template with its quotes, 15 MB:
#: 38 s loaded, 9.5 s streamed), and memory for every cell.
LARGE_XML = 8 << 20


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
    written to. Problems of the conversion's other files are listed with their file's name.

    An .xlsx or .xlsm keeps its formatting, formulas, hidden sheets and catalogs; one larger than
    :data:`LARGE_XML`, and an .xls, .ods or .csv, become a new .xlsx with the same sheets and values
    (:attr:`AnnotateResult.streamed`)."""
    check_target(source, target)
    source = Path(source)
    problems = problems_of(result, lang)
    mine = {f for f in {p.file for p in problems} if f and _same(Path(f), source)} | {str(source)}
    with Workbook(source, encoding) as reader:  # refused as the conversion refuses it (zip bombs, entities)
        names = [(sheet.name, sheet.hidden) for sheet in reader.sheets()]
    kind = source.suffix.lower()
    streamed = kind not in (".xlsx", ".xlsm") or _sheet_xml_size(source) > LARGE_XML
    titles: dict[str, str] = {}
    for name, _ in names:
        titles[name] = name if not streamed or kind in (".xlsx", ".xlsm") else _sheet_title(name, set(titles.values()))
    marked: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        if problem.row is not None and problem.sheet in titles and (not problem.file or problem.file in mine):
            marked.setdefault((titles[problem.sheet], problem.cell), []).append(problem)
    try:
        with AtomicFile(target, "wb") as atomic:
            if streamed:
                _write_streamed(atomic.file, source, encoding, names, titles, marked, problems, mine, lang)
            else:
                _write_loaded(atomic.file, source, Path(target), marked, problems, titles, mine, lang)
            atomic.commit()
    except OSError as e:
        raise OutputError("cannot_write", str(target), detail=e.strerror or str(e)) from None
    return AnnotateResult(output=str(target), problems=len(problems), cells=len(marked), streamed=streamed)


def _sheet_xml_size(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))


def _write_loaded(
    out: IO[bytes],
    source: Path,
    target: Path,
    marked: dict,
    problems: list[Problem],
    titles: dict,
    mine: set,
    lang: str,
) -> None:
    """The workbook loaded whole with openpyxl, marked and saved: it keeps its formatting."""
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns about parts it does not keep (data-validation extensions): not the officer's concern.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                source, keep_vba=source.suffix.lower() == ".xlsm" and target.suffix.lower() == ".xlsm"
            )
        except Exception as e:  # openpyxl raises many kinds on a damaged file: all mean the same here
            raise WorkbookError("corrupt", str(source), detail=f"{type(e).__name__}: {e}") from None
    for (title, ref), here in marked.items():
        _mark(book[title][ref], here, lang)

    def shown(problem: Problem) -> Any:
        cell = book[titles[problem.sheet]][problem.cell]
        return cell.value if cell.data_type != "f" else None

    listed = _list_sheet(book, problems, titles, mine, lang, shown)
    book.active = book.index(listed)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is listed
    book.save(out)


def _write_streamed(
    out: IO[bytes],
    source: Path,
    encoding: str | None,
    names: list[tuple[str, bool]],
    titles: dict[str, str],
    marked: dict,
    problems: list[Problem],
    mine: set,
    lang: str,
) -> None:
    """A new workbook written row by row (openpyxl's write-only mode) from the values the reader gives:
    memory holds one row, whatever the size of the workbook."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    # Sheet title → row → (column number, problems) of the cells to mark.
    by_sheet: dict[str, dict[int, list[tuple[int, list[Problem]]]]] = {}
    for (title, _), here in marked.items():
        row, column = here[0].row, _column_number(here[0].column or "A")
        by_sheet.setdefault(title, {}).setdefault(row, []).append((column, here))
    values: dict[tuple[str, str], Any] = {}
    with Workbook(source, encoding) as reader:
        # A first pass for the values of the cells with problems, which the list (written first) shows.
        for sheet in reader.sheets():
            rows = by_sheet.get(titles[sheet.name])
            if not rows:
                continue
            for number, row in sheet.rows():
                for column, here in rows.get(number, ()):
                    if column <= len(row):
                        values[(titles[sheet.name], here[0].cell)] = row[column - 1]
    book = openpyxl.Workbook(write_only=True)
    _list_sheet(book, problems, titles, mine, lang, lambda p: values.get((titles[p.sheet], p.cell)))
    with Workbook(source, encoding) as reader:
        for sheet, (name, hidden) in zip(reader.sheets(), names, strict=True):
            title = titles[name]
            target = book.create_sheet(title)
            if hidden:
                target.sheet_state = "hidden"
            rows = by_sheet.get(title, {})
            for number, row in sheet.rows():
                line: list[Any] = [_plain(target, v) for v in row]
                for column, here in rows.get(number, ()):
                    line += [None] * (column - len(line))
                    old = line[column - 1]
                    cell = old if isinstance(old, Cell) else WriteOnlyCell(target, old)
                    _mark(cell, here, lang)
                    line[column - 1] = cell
                target.append(line)
    book.save(out)


def _plain(sheet: Any, value: Any) -> Any:
    """A value for a write-only sheet, shown as the original showed it: text stays text, even when it
    starts with '='; a number the cell showed with zeros ("0007") is the number, as Excel keeps it."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            return cell
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value


def _sheet_title(name: str, taken: set[str]) -> str:
    """A sheet title Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = _SHEET_NAME_BAD.sub("_", name)[:31] or "Hoja"
    title, n = base, 1
    while title in taken:
        n += 1
        title = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    return title


def _mark(cell: Any, problems: list[Problem], lang: str) -> None:
    """Fill ``cell`` in its worst problem's colour and comment on it (after any note it had)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    worst = min(problems, key=lambda p: SEVERITY_ORDER[p.severity]).severity
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


def _list_sheet(
    book: Any,
    problems: Iterable[Problem],
    titles: dict[str, str],
    mine: set[str],
    lang: str,
    shown: Callable[[Problem], Any],
) -> Any:
    """The first sheet: one line per problem, with a header that stays in view and filters on it.
    ``shown`` gives the value a problem's cell shows in the workbook (None if unknown)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    problems = list(problems)
    others = sorted({p.file for p in problems if p.file and p.file not in mine})
    # Not the name of one of the workbook's sheets (in a write-only copy they come after the list).
    name = _sheet_title(text("annotate_sheet", lang), set(book.sheetnames) | set(titles.values()))
    # Cells are made with WriteOnlyCell, which both kinds of workbook take: a write-only one cannot be
    # styled after a row is written.
    sheet = book.create_sheet(name) if getattr(book, "write_only", False) else book.create_sheet(name, 0)
    columns = list(COLUMNS)
    if others:
        columns.insert(1, ("annotate_col_file", 30))
    for index, (_, width) in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True, color="FFFFFF")
    fill = PatternFill("solid", start_color="1F4E79", end_color="1F4E79")
    header = []
    for key, _ in columns:
        cell = WriteOnlyCell(sheet, text(key, lang))
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(vertical="top", wrap_text=True)
    link = Font(color="0563C1", underline="single")
    ref_column = 3 + bool(others)
    for number, problem in enumerate(problems, 2):
        elsewhere = bool(problem.file and problem.file not in mine)
        local = problem.row is not None and not elsewhere and problem.sheet in titles
        sheet_title = titles.get(problem.sheet, problem.sheet) if not elsewhere else problem.sheet
        label = problem.label or (text("annotate_whole_row", lang) if problem.row is not None else "")
        value = problem.value
        if local and problem.column:
            # What the officer sees in the cell, which may differ from the OCDS value made of it.
            seen = shown(problem)
            value = seen if seen is not None else value
        values = [text(f"severity_{problem.severity}", lang).capitalize(), sheet_title, problem.cell, label,
                  _shown(value), problem.title, problem.advice]  # fmt: skip
        if others:
            values.insert(1, Path(problem.file).name if elsewhere else "")
        row = []
        for index, item in enumerate(values, 1):
            cell = WriteOnlyCell(sheet, item)
            if isinstance(item, str):
                cell.data_type = "s"  # a value such as "=A1" is shown, never calculated
            cell.alignment = wrap
            if index == 1:
                cell.font = Font(bold=True, color=FONTS[problem.severity])
            elif index == ref_column and local:
                quoted = titles[problem.sheet].replace("'", "''")
                ref = f"{get_column_letter(ref_column)}{number}"
                cell.hyperlink = Hyperlink(ref=ref, location=f"'{quoted}'!{problem.cell}")
                cell.hyperlink.ref = ref
                cell.font = link
            row.append(cell)
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(problems) + 1}"
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

"""Pass one of a conversion: find each sheet's header row by its labels, then store every row by OCID.

Rows are grouped by OCID in a scratch store on disk (sub-table rows by their ID), so that memory does
not grow with the workbook; pass two (:mod:`.pipeline`) builds releases one OCID at a time.

Labels are compared with :func:`~ocds_cdmx.conversion.values.label_key`, which ignores what layouts
write around them (case, accents, punctuation, the ``\\nTabla_<id>`` suffix). A sub-table's sheet is
the one the main column names (``…\\nTabla_492972``, or the field id above the header of an upload
template), else one of the mapping's names, so that the same mapping finds the sub-tables of every
state and version. Every row read is accounted for: converted, rejected, blank or "nothing to report".
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass
from typing import Any

from ..core.errors import ColumnsError
from ..core.findings import Key
from ..io.scratch import KeyedStore
from ..io.workbook import Sheet, Workbook
from .build import Builder, Cell
from .plan import Column, Plan, SheetPlan, Subtable, column
from .results import ConvertResult, Reject, SheetCount
from .values import is_blank, label_key, normalize_label, sheet_key, table_of

_FIELD_ID = re.compile(r"^\d{4,7}$")
_TABLE_SHEET = re.compile(r"^tabla\d+$")


def header_key(value: Any) -> str:
    """A header cell as :func:`~ocds_cdmx.conversion.values.label_key` compares it."""
    return label_key(value) if value is not None else ""


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Header:
    """A sheet's header row, found by its labels."""

    row: int
    #: Column name → 0-based position.
    index: dict[str, int]
    values: list[Any]
    #: The labels present but not mapped.
    unmapped: list[str]
    #: The rows above the header (a template's format id, type codes and field ids).
    above: list[tuple[int, list[Any]]]
    #: The rows after the header.
    rest: Iterator[tuple[int, list[Any]]]


def find_header(
    rows: Iterator[tuple[int, list[Any]]], columns: MappingABC[str, Column], search: int, source: str, sheet: str
) -> Header:
    """The header row among the first ``search`` rows: the one that matches most mapped labels."""
    wanted = {name: col.keys for name, col in columns.items()}
    seen: list[tuple[int, list[Any]]] = []
    best: tuple[int, int, list[Any]] | None = None
    for number, values in rows:
        seen.append((number, values))
        keys = {header_key(v) for v in values}
        score = sum(1 for labels in wanted.values() if any(label in keys for label in labels))
        if score and (best is None or score > best[1]):
            best = (number, score, values)
        if len(seen) >= search:
            break
    if best is None:
        found = [str(v) for _, vs in seen for v in vs if not is_blank(v)][:12]
        raise ColumnsError("no_header", source, sheet=sheet, rows=search, found=", ".join(found) or "-")
    number, _, values = best
    keys = [header_key(v) for v in values]
    index: dict[str, int] = {}
    for name, labels in wanted.items():
        positions = [i for i, k in enumerate(keys) if k in labels]
        if len(positions) > 1:
            raise ColumnsError("duplicate_label", source, sheet=sheet, row=number, label=columns[name].label)
        if positions:
            index[name] = positions[0]
    missing = [name for name, col in columns.items() if col.required and name not in index]
    if missing:
        present = [str(v) for v in values if not is_blank(v)]
        nearest = []
        for name in missing:
            close = difflib.get_close_matches(columns[name].label, present, n=2, cutoff=0.5)
            nearest.append(f"'{columns[name].label}' → {', '.join(repr(c) for c in close) or '-'}")
        raise ColumnsError("columns_missing", source, sheet=sheet, row=number, missing="; ".join(nearest))
    mapped = set(index.values())
    unmapped = [str(values[i]) for i, k in enumerate(keys) if k and i not in mapped]
    above = [item for item in seen if item[0] < number]
    rest = itertools.chain((item for item in seen if item[0] > number), rows)
    return Header(number, index, list(values), unmapped, above, rest)


def nearest_labels(label: str, labels: list[str], n: int = 3) -> list[str]:
    """The labels most like ``label``, compared as :func:`label_key` does."""
    keys = {label_key(x): x for x in labels}
    return [keys[k] for k in difflib.get_close_matches(label_key(label), list(keys), n=n, cutoff=0.4)]


def pick_sheet(sheets: list[Sheet], names: tuple[str, ...]) -> Sheet | None:
    """The sheet with one of ``names``; else, for a file of one sheet (a CSV), that one; else the first
    that is neither a catalog (``Hidden_…``) nor a sub-table (``Tabla_…``), whatever their visibility
    (real templates leave every sheet visible)."""
    by_name = {sheet_key(s.name): s for s in sheets}
    for name in names:
        if sheet_key(name) in by_name:
            return by_name[sheet_key(name)]
    if len(sheets) == 1:
        return sheets[0]
    if not names:
        visible = [s for s in sheets if not s.hidden]
        return visible[0] if visible else None
    return None


def data_sheets(sheets: list[Sheet]) -> list[Sheet]:
    """The sheets that may hold a main table: not catalogs, not sub-tables."""
    return [s for s in sheets if not sheet_key(s.name).startswith(("hidden", "tabla"))]


class Cells:
    """The cells of one row, made when a message needs one (most rows need none)."""

    __slots__ = ("columns", "number", "raw", "sheet_key")

    def __init__(self, sheet_key: tuple[str, str], number: int, columns: dict[str, tuple[str, str]], raw: dict) -> None:
        self.sheet_key = sheet_key
        self.number = number
        self.columns = columns
        self.raw = raw

    def __getitem__(self, name: str) -> Cell:
        source, sheet = self.sheet_key
        label, letter = self.columns[name]
        return Cell(source, sheet, self.number, label, self.raw.get(name), letter)

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self.columns else default

    def values(self) -> Iterator[Cell]:
        return (self[name] for name in self.columns)

    def first(self) -> Cell:
        """The row's first filled cell (else its first cell): where a message about the whole row points."""
        filled = [name for name in self.columns if not is_blank(self.raw.get(name))]
        name = filled[0] if filled else next(iter(self.columns))
        return self[name]


class Reader:
    """Pass one: the rows of every sheet, by OCID, into a store on disk (sub-table rows by their ID)."""

    def __init__(
        self,
        plan: Plan,
        builder: Builder,
        result: ConvertResult,
        rows: KeyedStore,
        subs: KeyedStore,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.plan = plan
        self.builder = builder
        self.result = result
        self.rows = rows
        self.subs = subs
        self.progress = progress
        #: (file, sheet) → column name → (label, column letter).
        self.columns: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self.present: set[str] = set()  # sub-tables whose sheet was found
        self.missing: dict[str, int] = {}
        self.dangling: dict[str, list] = {}  # sub-table → IDs that main rows name but the sheet lacks
        self.used: set[str] = set()
        self.main: str | None = None
        #: Sub-table → the sheet name it has (or would have: a CSV has none).
        self.tables: dict[str, str] = {}

    def workbook(self, book: Workbook, source: str, *, main_sheet: bool) -> None:
        plan = self.plan
        assert plan.main is not None
        sheets = book.sheets()
        for sheet_name, refs in book.formulas_without_values().items():
            for ref in refs:
                self.result.findings.source = source
                self.result.findings.add("formula_without_value", (Key(sheet_name), ref), None, field=ref)
        if not main_sheet:
            self._other(book, source, sheets)
            return
        main = pick_sheet(sheets, plan.main.sheet.names) or next(iter(data_sheets(sheets)), None)
        if main is None:
            raise ColumnsError("sheet_missing", source, names=", ".join(plan.main.sheet.names))
        self.main = main.name
        count = SheetCount(main.name)
        self.result.sheets.insert(0, count)
        header = find_header(main.rows(), plan.main.columns, plan.main.sheet.header_rows, source, main.name)
        self._check_header(header, source, main.name)
        read: set[str] = {sheet_key(main.name)}
        for sub in plan.main.subtables:
            position = header.index.get(sub.key)
            named = table_of(header.values[position]) if position is not None else None
            self.tables[sub.name] = f"Tabla_{named}" if named else ", ".join(sub.sheet.names)
        if book.kind != ".csv":
            by_key = {sheet_key(s.name): s for s in sheets}
            for sub in plan.main.subtables:
                sheet = self._subtable_sheet(sub, header, by_key)
                if sheet is not None:
                    read.add(sheet_key(sheet.name))
                    self.tables[sub.name] = sheet.name
                    self._subtable(sheet, sub, source)
        self._rows(main, plan.main, source, count, header)
        for spec in plan.sheets:
            names = {sheet_key(n) for n in spec.sheet.names}
            for sheet in sheets:
                if sheet is not main and sheet_key(sheet.name) in names:
                    read.add(sheet_key(sheet.name))
                    self.result.sheets.append(SheetCount(sheet.name))
                    self._rows(sheet, spec, source, self.result.sheets[-1])
        self._unread_tables(sheets, read, header, source, main.name)

    def _check_header(self, header: Header, source: str, sheet: str) -> None:
        """Warnings that open the report: essential columns the workbook lacks, too many unmapped labels."""
        plan = self.plan
        assert plan.main is not None
        columns = plan.main.columns
        where = {"file": source, "sheet": sheet, "row": header.row}
        findings = self.result.findings
        findings.source = source
        for essential, names in plan.essentials:
            if any(name in header.index for name in names):
                continue
            label = columns[names[0]].label
            nearest = nearest_labels(label, header.unmapped)
            findings.add_at(
                "essential_column_missing",
                (Key(sheet), label),
                {**where, "label": label},
                None,
                essential=essential,
                label=label,
                nearest="; ".join(f"'{n}'" for n in nearest) or "-",
            )
        labels = sum(1 for v in header.values if not is_blank(v))
        if len(header.unmapped) > max(3, labels // 10):
            findings.add_at(
                "many_unmapped_columns",
                (Key(sheet),),
                where,
                None,
                count=len(header.unmapped),
                labels=labels,
                mapping=plan.name,
            )

    def _subtable_sheet(self, sub: Subtable, header: Header, by_key: dict[str, Sheet]) -> Sheet | None:
        """The sheet of a sub-table: the one its main column names, else one of the mapping's names."""
        candidates = []
        position = header.index.get(sub.key)
        if position is not None:
            named = table_of(header.values[position])
            if named:
                candidates.append(f"tabla{named}")
            for _, row in header.above:  # an upload template's field ids
                value = row[position] if position < len(row) else None
                if value is not None and _FIELD_ID.match(str(value).strip()):
                    candidates.append(f"tabla{str(value).strip()}")
        candidates += [sheet_key(n) for n in sub.sheet.names]
        return next((by_key[c] for c in candidates if c in by_key), None)

    def _unread_tables(self, sheets: list[Sheet], read: set[str], header: Header, source: str, main: str) -> None:
        """``Tabla_`` sheets that no mapped column points at: their data would be lost without a word."""
        columns = self.plan.main.columns if self.plan.main else {}
        deliberate = set()
        for name, position in header.index.items():
            named = table_of(header.values[position])
            if named and columns[name].reason:
                deliberate.add(f"tabla{named}")
        for sheet in sheets:
            key = sheet_key(sheet.name)
            if _TABLE_SHEET.match(key) and key not in read and key not in deliberate:
                rows = sum(
                    1 for _, values in itertools.islice(sheet.rows(), 3, None) if any(not is_blank(v) for v in values)
                )
                if rows:
                    self.result.findings.source = source
                    self.result.findings.add_at(
                        "subtable_unread", (Key(sheet.name),), {"file": source, "sheet": sheet.name}, None,
                        table=sheet.name, rows=rows, main=main,
                    )  # fmt: skip

    def _other(self, book: Workbook, source: str, sheets: list[Sheet]) -> None:
        """Another file: each sheet is read with the mapping's other sheet whose labels it matches best."""
        specs = self.plan.sheets
        for sheet in sheets:
            if sheet.hidden:
                continue
            names = {sheet_key(sheet.name)}
            by_name = [i for i, s in enumerate(specs) if names & {sheet_key(n) for n in s.sheet.names}]
            head = list(itertools.islice(sheet.rows(), 30))
            best, best_score = None, 0
            for i in by_name or range(len(specs)):
                labels = {key for col in specs[i].columns.values() for key in col.keys}
                score = max((sum(1 for v in values if header_key(v) in labels) for _, values in head), default=0)
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                found = ", ".join(s.name for s in specs) or "-"
                raise ColumnsError(
                    "no_header", source, sheet=sheet.name, rows=30, found=f"(no sheet of the mapping: {found})"
                )
            count = SheetCount(sheet.name)
            self.result.sheets.append(count)
            rows = itertools.chain(head, itertools.islice(sheet.rows(), len(head), None))
            self._rows(sheet, specs[best], source, count, None, rows)

    def _rows(
        self,
        sheet: Sheet,
        spec: SheetPlan,
        source: str,
        count: SheetCount,
        header: Header | None = None,
        rows: Iterator[tuple[int, list[Any]]] | None = None,
    ) -> None:
        columns = spec.columns
        if header is None:
            header = find_header(rows if rows is not None else sheet.rows(), columns, spec.sheet.header_rows,
                                 source, sheet.name)  # fmt: skip
        count.header_row, index, count.unmapped_columns = header.row, header.index, header.unmapped
        key = (source, sheet.name)
        labels = self.columns[key] = {name: (columns[name].label, column_letter(i)) for name, i in index.items()}
        essentials = [n for n in self.plan.essential_columns if n in index] if spec.is_main else []
        note = self.plan.note_column if spec.is_main and self.plan.note_column in index else None
        builder = self.builder
        items = list(index.items())
        for number, values in header.rest:
            if number <= count.header_row:
                continue
            count.read += 1
            width = len(values)
            raw = {name: values[i] if i < width else None for name, i in items}
            if all(is_blank(v) for v in raw.values()):
                count.blank += 1
                continue
            ocid = builder.ocid_for(raw, spec)
            if ocid is None:
                self._without_ocid(spec, key, number, labels, raw, count, essentials, note)
                continue
            self.rows.add(ocid, (spec.index, key, number, raw))
            count.converted += 1
            if self.progress is not None and count.read % 1000 == 0:
                self.progress(count.read)

    def _without_ocid(
        self,
        spec: SheetPlan,
        key: tuple[str, str],
        number: int,
        labels: dict,
        raw: dict,
        count: SheetCount,
        essentials: list[str],
        note: str | None,
    ) -> None:
        """A row without an identifier: "nothing to report" when it carries none of a process's essentials
        (the platform's way to file an empty quarter), else rejected."""
        builder = self.builder
        cells = Cells(key, number, labels, raw)
        if essentials and all(builder.is_nothing(raw.get(n)) for n in essentials):
            count.nothing_to_report += 1
            cell = cells[note] if note else cells.first()
            builder.report("nothing_to_report", cell, {})
            return
        placeholder = builder.ocid_placeholder(raw, spec)
        used = ", ".join(n for n in spec.ocid.required if n != "agency")
        if placeholder is not None:
            builder.report("row_placeholder_ocid", cells[placeholder], {"columns": used})
            reason = "row_placeholder_ocid"
        else:
            # At the blank cell that the OCID needs (the expediente), not at the row's first filled one.
            blank = [n for n in spec.ocid.required if n in cells and is_blank(raw.get(n))]
            builder.report("row_without_ocid", cells[blank[0]] if blank else cells.first(), {"columns": used})
            reason = "row_without_ocid"
        count.rejected += 1
        self.result.rejects.append(Reject(key[0], key[1], number, reason))

    def _subtable(self, sheet: Sheet, sub: Subtable, source: str) -> None:
        self.present.add(sub.name)
        id_label = sub.sheet.id_label
        columns = {"__id__": column("__id__", {"label": id_label}), **sub.columns}
        count = SheetCount(sheet.name)
        self.result.sheets.append(count)
        header = find_header(sheet.rows(), columns, sub.sheet.header_rows, source, sheet.name)
        count.header_row, count.unmapped_columns = header.row, header.unmapped
        index = header.index
        key = (source, sheet.name)
        self.columns[key] = {
            name: (columns[name].label, column_letter(i)) for name, i in index.items() if name != "__id__"
        }
        items = list(index.items())
        id_letter = column_letter(index["__id__"]) if "__id__" in index else "A"
        for number, values in header.rest:
            count.read += 1
            width = len(values)
            raw = {name: values[i] if i < width else None for name, i in items}
            if all(is_blank(v) for v in raw.values()):
                count.blank += 1
                continue
            ident = raw.pop("__id__", None)
            if is_blank(ident):
                count.rejected += 1
                self.result.rejects.append(Reject(source, sheet.name, number, "subrow_without_id"))
                cell = Cell(source, sheet.name, number, id_label, None, id_letter)
                self.builder.report("subrow_without_id", cell, {})
                continue
            count.converted += 1
            self.subs.add(f"{sub.name}\x00{normalize_label(ident)}", (key, number, raw))

    def subrows(self, sub: Subtable, key: Any) -> list:
        name = sub.name
        if name not in self.present:
            self.missing[name] = self.missing.get(name, 0) + 1
            return []
        stored = f"{name}\x00{normalize_label(key)}"
        self.used.add(stored)
        found = [
            (raw, Cells(sheet_key, number, self.columns[sheet_key], raw))
            for sheet_key, number, raw in self.subs.get(stored)
        ]
        if not found:
            self.dangling.setdefault(name, []).append(key)
        return found

    def report_subtables(self) -> None:
        """Sub-tables that the file lacks, IDs they lack, and sub-table rows that no main row points at."""
        main = self.plan.main
        assert main is not None
        findings = self.result.findings
        for sub in main.subtables:
            key_column = main.columns.get(sub.key)
            label = key_column.label if key_column is not None else sub.key
            if sub.name in self.missing:
                # A CSV download, or a workbook without the Tabla_ sheet: the IDs point nowhere.
                findings.add(
                    "subtable_missing",
                    (Key(self.main or ""), label),
                    None,
                    table=self.tables.get(sub.name, ", ".join(sub.sheet.names)),
                    rows=self.missing[sub.name],
                )
            if sub.name in self.dangling:
                ids = self.dangling[sub.name]
                findings.add(
                    "subtable_rows_missing",
                    (Key(self.main or ""), label),
                    ids[0],
                    table=self.tables.get(sub.name, sub.name),
                    rows=len(ids),
                    ids=", ".join(str(i) for i in ids[:10]),
                )
        for stored in self.subs.all_keys():
            if stored not in self.used:
                name = stored.split("\x00", 1)[0]
                for sheet_key, number, raw in self.subs.get(stored):
                    cell = Cells(sheet_key, number, self.columns[sheet_key], raw).first()
                    self.builder.report("orphan_subrow", cell, {"table": name})
                    self.result.rejects.append(Reject(cell.source, cell.sheet, number, "orphan_subrow"))

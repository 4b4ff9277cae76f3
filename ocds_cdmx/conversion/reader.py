"""Pass one of a conversion: find each sheet's header row by its labels, then store every row by OCID.

Rows are grouped by OCID in a scratch store on disk (sub-table rows by their ID), so that memory does
not grow with the workbook; pass two (:mod:`.pipeline`) builds releases one OCID at a time.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from collections.abc import Mapping as MappingABC
from typing import Any

from ..core.errors import ColumnsError
from ..core.findings import Key
from ..io.scratch import KeyedStore
from ..io.workbook import Sheet, Workbook
from .build import Builder, Cell
from .plan import Column, Plan, SheetPlan, Subtable, column
from .results import ConvertResult, SheetCount
from .values import is_blank, normalize_label

_TABLE_SUFFIX = re.compile(r"\s*\(tabla_\d+\)$")


def header_key(value: Any) -> str:
    return _TABLE_SUFFIX.sub("", normalize_label(value))


def find_header(
    rows: Iterator[tuple[int, list[Any]]], columns: MappingABC[str, Column], search: int, source: str, sheet: str
) -> tuple[int, dict[str, int], list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row among the first ``search`` rows: the one that matches most mapped labels.

    Returns its number, column name → index, the labels present but not mapped, and the rows after it.
    """
    wanted = {name: column.keys for name, column in columns.items()}
    seen: list[tuple[int, list[Any]]] = []
    best: tuple[int, int, list[Any]] | None = None
    for number, values in rows:
        seen.append((number, values))
        keys = [header_key(v) for v in values]
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
    missing = [name for name, column in columns.items() if column.required and name not in index]
    if missing:
        present = [str(v) for v in values if not is_blank(v)]
        nearest = []
        for name in missing:
            close = difflib.get_close_matches(columns[name].label, present, n=2, cutoff=0.5)
            nearest.append(f"'{columns[name].label}' → {', '.join(repr(c) for c in close) or '-'}")
        raise ColumnsError("columns_missing", source, sheet=sheet, row=number, missing="; ".join(nearest))
    mapped = set(index.values())
    unmapped = [str(values[i]) for i, k in enumerate(keys) if k and i not in mapped]
    rest = itertools.chain((item for item in seen if item[0] > number), rows)
    return number, index, unmapped, rest


def pick_sheet(sheets: list[Sheet], names: tuple[str, ...]) -> Sheet | None:
    by_name = {normalize_label(s.name): s for s in sheets}
    for name in names:
        if normalize_label(name) in by_name:
            return by_name[normalize_label(name)]
    visible = [s for s in sheets if not s.hidden]
    return visible[0] if visible and not names else (visible[0] if len(sheets) == 1 else None)


class Cells:
    """The cells of one row, made when a message needs one (most rows need none)."""

    __slots__ = ("labels", "number", "raw", "sheet_key")

    def __init__(self, sheet_key: tuple[str, str], number: int, labels: dict[str, str], raw: dict) -> None:
        self.sheet_key = sheet_key
        self.number = number
        self.labels = labels
        self.raw = raw

    def __getitem__(self, name: str) -> Cell:
        source, sheet = self.sheet_key
        return Cell(source, sheet, self.number, self.labels[name], self.raw.get(name))

    def __contains__(self, name: str) -> bool:
        return name in self.labels

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self.labels else default

    def values(self) -> Iterator[Cell]:
        return (self[name] for name in self.labels)


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
        self.labels: dict[tuple[str, str], dict[str, str]] = {}
        self.present: set[str] = set()  # sub-tables whose sheet was found
        self.missing: dict[str, int] = {}
        self.used: set[str] = set()
        self.main: str | None = None

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
        main = pick_sheet(sheets, plan.main.sheet.names)
        if main is None:
            raise ColumnsError("sheet_missing", source, names=", ".join(plan.main.sheet.names))
        self.main = main.name
        for sub in plan.main.subtables:
            self._subtable(book, sheets, sub, source)
        self.result.sheets.insert(0, SheetCount(main.name))
        self._rows(main, plan.main, source, self.result.sheets[0])
        for spec in plan.sheets:
            names = {normalize_label(n) for n in spec.sheet.names}
            for sheet in sheets:
                if sheet is not main and normalize_label(sheet.name) in names:
                    self.result.sheets.append(SheetCount(sheet.name))
                    self._rows(sheet, spec, source, self.result.sheets[-1])

    def _other(self, book: Workbook, source: str, sheets: list[Sheet]) -> None:
        """Another file: each sheet is read with the mapping's other sheet whose labels it matches best."""
        specs = self.plan.sheets
        for sheet in sheets:
            if sheet.hidden:
                continue
            names = {normalize_label(sheet.name)}
            by_name = [i for i, s in enumerate(specs) if names & {normalize_label(n) for n in s.sheet.names}]
            head = list(itertools.islice(sheet.rows(), 30))
            best, best_score = None, 0
            for i in by_name or range(len(specs)):
                labels = {key for column in specs[i].columns.values() for key in column.keys}
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
            self._rows(sheet, specs[best], source, count, rows)

    def _rows(
        self,
        sheet: Sheet,
        spec: SheetPlan,
        source: str,
        count: SheetCount,
        rows: Iterator[tuple[int, list[Any]]] | None = None,
    ) -> None:
        columns = spec.columns
        search = spec.sheet.header_rows
        count.header_row, index, count.unmapped_columns, rest = find_header(
            rows if rows is not None else sheet.rows(), columns, search, source, sheet.name
        )
        key = (source, sheet.name)
        labels = self.labels[key] = {name: columns[name].label for name in index}
        for number, values in rest:
            if number <= count.header_row:
                continue
            count.read += 1
            raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
            if all(is_blank(v) for v in raw.values()):
                count.blank += 1
                continue
            ocid = self.builder.ocid_for(raw, spec)
            if ocid is None:
                columns_used = [n for n in spec.ocid.names if n != "agency"]
                first = next(Cells(key, number, labels, raw).values())
                self.builder.report("row_without_ocid", first, {"columns": ", ".join(columns_used)})
                count.rejected += 1
                self.result.rejects.append((source, sheet.name, number, "row_without_ocid"))
                continue
            self.rows.add(ocid, (spec.index, key, number, raw))
            count.converted += 1
            if self.progress is not None and count.read % 1000 == 0:
                self.progress(count.read)

    def _subtable(self, book: Workbook, sheets: list[Sheet], sub: Subtable, source: str) -> None:
        names = {normalize_label(n) for n in sub.sheet.names}
        sheet = next((s for s in sheets if normalize_label(s.name) in names), None) if book.kind != ".csv" else None
        if sheet is None:
            return
        self.present.add(sub.name)
        id_label = sub.sheet.id_label
        columns = {"__id__": column("__id__", {"label": id_label}), **sub.columns}
        count = SheetCount(sheet.name)
        self.result.sheets.append(count)
        count.header_row, index, count.unmapped_columns, rest = find_header(
            sheet.rows(), columns, sub.sheet.header_rows, source, sheet.name
        )
        key = (source, sheet.name)
        self.labels[key] = {name: columns[name].label for name in sub.columns}
        for number, values in rest:
            count.read += 1
            raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
            if all(is_blank(v) for v in raw.values()):
                count.blank += 1
                continue
            ident = raw.pop("__id__", None)
            if is_blank(ident):
                count.rejected += 1
                self.result.rejects.append((source, sheet.name, number, "subrow_without_id"))
                self.result.findings.add("subrow_without_id", (Key(sheet.name), Key(str(number)), id_label), None)
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
        return [
            (raw, Cells(sheet_key, number, self.labels[sheet_key], raw))
            for sheet_key, number, raw in self.subs.get(stored)
        ]

    def report_subtables(self) -> None:
        """Sub-tables that the file lacks, and sub-table rows that no main row points at."""
        main = self.plan.main
        assert main is not None
        for sub in main.subtables:
            if sub.name in self.missing:
                # A CSV download, or a workbook without the Tabla_ sheet: the IDs point nowhere.
                key_column = main.columns.get(sub.key)
                label = key_column.label if key_column is not None else sub.key
                self.result.findings.add(
                    "subtable_missing",
                    (Key(self.main or ""), label),
                    None,
                    table=", ".join(sub.sheet.names),
                    rows=self.missing[sub.name],
                )
        for stored in self.subs.all_keys():
            if stored not in self.used:
                name = stored.split("\x00", 1)[0]
                for sheet_key, number, raw in self.subs.get(stored):
                    first = next(Cells(sheet_key, number, self.labels[sheet_key], raw).values())
                    self.builder.report("orphan_subrow", first, {"table": name})

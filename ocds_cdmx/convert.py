"""An agency's spreadsheet + its mapping → an OCDS release package: read → map → build → validate → write.

:func:`convert` finds the mapped columns by their labels, converts every row (or reports why not),
builds one release per OCID and stage (:mod:`ocds_cdmx.build`), checks the package with the
``cdmx validate`` engine and writes it atomically. Every row read is accounted for: converted,
rejected (with the reason; ``rejects`` writes them to a CSV file) or blank.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .build import Builder, Cell
from .findings import ERROR, Counted, Findings, Key
from .grouping import KeyedStore
from .jsonio import InputError, atomic_writer
from .mapping import Mapping, MappingError, load
from .schema import SchemaError, SchemaStore, load_profile
from .unflatten import Unflattener
from .validate import validate
from .values import is_blank, normalize_label
from .workbook import Sheet, Workbook, WorkbookError

_TABLE_SUFFIX = re.compile(r"\s*\(tabla_\d+\)$")


@dataclass
class SheetCount:
    """Row accounting for one sheet."""

    sheet: str
    header_row: int | None = None
    read: int = 0
    converted: int = 0
    rejected: int = 0
    blank: int = 0
    unmapped_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ConvertResult(Counted):
    """What :func:`convert` did. ``exit_code``: 0 fine, 1 data problems, 2 unreadable input."""

    findings: Findings
    input_errors: list[Exception] = field(default_factory=list)
    sheets: list[SheetCount] = field(default_factory=list)
    rejects: list[tuple[str, str, int, str]] = field(default_factory=list)
    releases: int = 0
    ocids: int = 0
    validation: Any = None
    output: str | None = None
    written: bool = False

    @property
    def errors(self) -> int:
        return self.findings.count(ERROR) + (self.validation.errors if self.validation is not None else 0)

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors or self.rejects else 0


class ColumnsError(InputError):
    """The header row lacks mapped columns, or has one label twice."""


def _labels(spec: dict) -> list[str]:
    return [normalize_label(spec["label"]), *(normalize_label(x) for x in spec.get("labels", []))]


def _header_key(value: Any) -> str:
    return _TABLE_SUFFIX.sub("", normalize_label(value))


def find_header(
    rows: Iterator[tuple[int, list[Any]]], columns: dict, search: int, source: str, sheet: str
) -> tuple[int, dict[str, int], list[str], Iterator[tuple[int, list[Any]]]]:
    """The header row among the first ``search`` rows: the one that matches most mapped labels.

    Returns its number, column name → index, the labels present but not mapped, and the rows after it.
    """
    wanted = {name: _labels(spec) for name, spec in columns.items()}
    seen: list[tuple[int, list[Any]]] = []
    best: tuple[int, int, list[Any]] | None = None
    for number, values in rows:
        seen.append((number, values))
        keys = [_header_key(v) for v in values]
        score = sum(1 for labels in wanted.values() if any(label in keys for label in labels))
        if score and (best is None or score > best[1]):
            best = (number, score, values)
        if len(seen) >= search:
            break
    if best is None:
        found = [str(v) for _, vs in seen for v in vs if not is_blank(v)][:12]
        raise ColumnsError("no_header", source, sheet=sheet, rows=search, found=", ".join(found) or "-")
    number, _, values = best
    keys = [_header_key(v) for v in values]
    index: dict[str, int] = {}
    for name, labels in wanted.items():
        positions = [i for i, k in enumerate(keys) if k in labels]
        if len(positions) > 1:
            raise ColumnsError("duplicate_label", source, sheet=sheet, row=number, label=columns[name]["label"])
        if positions:
            index[name] = positions[0]
    missing = [name for name, spec in columns.items() if spec.get("required") and name not in index]
    if missing:
        present = [str(v) for v in values if not is_blank(v)]
        nearest = []
        for name in missing:
            close = difflib.get_close_matches(columns[name]["label"], present, n=2, cutoff=0.5)
            nearest.append(f"'{columns[name]['label']}' → {', '.join(repr(c) for c in close) or '-'}")
        raise ColumnsError("columns_missing", source, sheet=sheet, row=number, missing="; ".join(nearest))
    mapped = set(index.values())
    unmapped = [str(values[i]) for i, k in enumerate(keys) if k and i not in mapped]
    rest = itertools.chain((item for item in seen if item[0] > number), rows)
    return number, index, unmapped, rest


def _pick_sheet(sheets: list[Sheet], names: list[str]) -> Sheet | None:
    by_name = {normalize_label(s.name): s for s in sheets}
    for name in names:
        if normalize_label(name) in by_name:
            return by_name[normalize_label(name)]
    visible = [s for s in sheets if not s.hidden]
    return visible[0] if visible and not names else (visible[0] if len(sheets) == 1 else None)


def convert(
    source: str | os.PathLike | Iterable[str | os.PathLike],
    mapping: str | os.PathLike | Mapping,
    output: str | os.PathLike | IO[str] | None = None,
    *,
    fmt: str = "package",
    uri: str | None = None,
    release_date: str | None = None,
    published_date: str | None = None,
    encoding: str | None = None,
    validate_output: bool = True,
    rejects: str | os.PathLike | None = None,
    schema_dir: str | os.PathLike | None = None,
    offline: bool | None = None,
    max_locations: int = 100,
    progress: Callable[[int], None] | None = None,
) -> ConvertResult:
    """Convert a workbook (.xlsx, .xlsm, .xls or .csv) with a mapping into an OCDS release package.

    ``source`` is the workbook with the mapping's main sheet, or a list of files whose first has it and
    whose others hold the mapping's other ``sheets`` (a programme, payment orders, works progress).

    ``mapping`` is a path, a bundled mapping's name (``transparencia-adjudicaciones``) or a loaded
    :class:`~ocds_cdmx.mapping.Mapping`. ``output`` is a path (written atomically), a text stream, or
    ``None`` to convert and report without writing. ``fmt`` is ``"package"`` or ``"jsonl"`` (one
    release per line). ``release_date`` is used where the mapping's date columns are blank;
    ``published_date`` defaults to now. The package is checked with the ``cdmx validate`` engine unless
    ``validate_output`` is false; its result is ``result.validation``.
    """
    result = ConvertResult(Findings(max_locations))
    if not isinstance(source, str | os.PathLike):
        source, *more = list(source)
    else:
        more = []
    try:
        loaded = mapping if isinstance(mapping, Mapping) else load(mapping)
    except MappingError as e:
        result.input_errors.append(e)
        return result
    data = loaded.data
    report_findings = result.findings
    report_findings.source = str(source)

    def report(check: str, cell: Cell, params: dict) -> None:
        # The label is the field: it may hold "/" ("y/o"), which paths use as separator.
        path = (Key(cell.sheet), Key(f"{cell.row}"), cell.label)
        report_findings.add(check, path, _plain(cell.value), field=cell.label, **params)

    if data.get("mode") == "ocds-paths":
        try:
            releases = _read_ocds_paths(source, encoding, result, data, schema_dir, offline)
        except (WorkbookError, SchemaError) as e:
            result.input_errors.append(e)
            return result
        return _finish(result, data, releases, source, uri, published_date, validate_output, schema_dir, offline,
                       max_locations, rejects, output, fmt)  # fmt: skip
    builder = Builder(loaded, report)
    with tempfile.TemporaryDirectory(prefix="cdmx-convert-") as scratch:
        # Rows are grouped by OCID on disk, so that memory does not grow with the workbook.
        rows = KeyedStore(os.path.join(scratch, "rows.sqlite"))
        subs = KeyedStore(os.path.join(scratch, "subrows.sqlite"))
        reader = _Reader(data, builder, result, rows, subs, progress)
        try:
            with Workbook(source, encoding) as book:
                reader.workbook(book, str(source), main_sheet=True)
            for other in more:
                with Workbook(other, encoding) as book:
                    reader.workbook(book, str(other), main_sheet=False)
        except (WorkbookError, ColumnsError) as e:
            result.input_errors.append(e)
            return result

        def releases() -> Iterator[dict]:
            for ocid, stored in rows.groups():
                builder.processes.clear()
                for spec_index, sheet_key, number, raw in stored:
                    spec = None if spec_index < 0 else data["sheets"][spec_index]
                    cells = _Cells(sheet_key, number, reader.labels[sheet_key], raw)
                    builder.add_row(ocid, raw, cells, reader.subrows, spec)
                result.ocids += 1
                yield from builder.releases(release_date)

        finished = _finish(
            result, data, releases(), source, uri, published_date, validate_output, schema_dir, offline,
            max_locations, rejects, output, fmt,
        )  # fmt: skip
        reader.report_subtables()
        rows.close()
        subs.close()
    return finished


class _Cells:
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


class _Reader:
    """Pass one: the rows of every sheet, by OCID, into a store on disk (sub-table rows by their ID)."""

    def __init__(
        self,
        data: dict,
        builder: Builder,
        result: ConvertResult,
        rows: KeyedStore,
        subs: KeyedStore,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.data = data
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
        data = self.data
        sheets = book.sheets()
        for sheet_name, refs in book.formulas_without_values().items():
            for ref in refs:
                self.result.findings.source = source
                self.result.findings.add("formula_without_value", (Key(sheet_name), ref), None, field=ref)
        if not main_sheet:
            self._other(book, source, sheets)
            return
        main = _pick_sheet(sheets, data.get("sheet", {}).get("names", []))
        if main is None:
            raise ColumnsError("sheet_missing", source, names=", ".join(data["sheet"]["names"]))
        self.main = main.name
        for sub in data.get("subtables", []):
            self._subtable(book, sheets, sub, source)
        self.result.sheets.insert(0, SheetCount(main.name))
        self._rows(main, -1, source, self.result.sheets[0])
        for index, spec in enumerate(data.get("sheets", [])):
            names = {normalize_label(n) for n in spec["sheet"].get("names", [])}
            for sheet in sheets:
                if sheet is not main and normalize_label(sheet.name) in names:
                    self.result.sheets.append(SheetCount(sheet.name))
                    self._rows(sheet, index, source, self.result.sheets[-1])

    def _other(self, book: Workbook, source: str, sheets: list[Sheet]) -> None:
        """Another file: each sheet is read with the mapping's other sheet whose labels it matches best."""
        specs = self.data.get("sheets", [])
        for sheet in sheets:
            if sheet.hidden:
                continue
            names = {normalize_label(sheet.name)}
            by_name = [
                i for i, s in enumerate(specs) if names & {normalize_label(n) for n in s["sheet"].get("names", [])}
            ]
            head = list(itertools.islice(sheet.rows(), 30))
            best, best_score = None, 0
            for i in by_name or range(len(specs)):
                labels = {label for column in specs[i]["columns"].values() for label in _labels(column)}
                score = max((sum(1 for v in values if _header_key(v) in labels) for _, values in head), default=0)
                if score > best_score:
                    best, best_score = i, score
            if best is None:
                found = ", ".join(s["name"] for s in specs) or "-"
                raise ColumnsError(
                    "no_header", source, sheet=sheet.name, rows=30, found=f"(no sheet of the mapping: {found})"
                )
            count = SheetCount(sheet.name)
            self.result.sheets.append(count)
            rows = itertools.chain(head, itertools.islice(sheet.rows(), len(head), None))
            self._rows(sheet, best, source, count, rows)

    def _rows(
        self,
        sheet: Sheet,
        spec_index: int,
        source: str,
        count: SheetCount,
        rows: Iterator[tuple[int, list[Any]]] | None = None,
    ) -> None:
        spec = self.data if spec_index < 0 else self.data["sheets"][spec_index]
        columns = spec["columns"]
        search = spec.get("sheet", {}).get("header_rows", 12)
        count.header_row, index, count.unmapped_columns, rest = find_header(
            rows if rows is not None else sheet.rows(), columns, search, source, sheet.name
        )
        key = (source, sheet.name)
        labels = self.labels[key] = {name: columns[name]["label"] for name in index}
        for number, values in rest:
            if number <= count.header_row:
                continue
            count.read += 1
            raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
            if all(is_blank(v) for v in raw.values()):
                count.blank += 1
                continue
            ocid = self.builder.ocid_for(raw, None if spec_index < 0 else spec)
            if ocid is None:
                columns_used = self.builder.ocid_columns(None if spec_index < 0 else spec)
                first = next(_Cells(key, number, labels, raw).values())
                self.builder.report("row_without_ocid", first, {"columns": ", ".join(columns_used)})
                count.rejected += 1
                self.result.rejects.append((source, sheet.name, number, "row_without_ocid"))
                continue
            self.rows.add(ocid, (spec_index, key, number, raw))
            count.converted += 1
            if self.progress is not None and count.read % 1000 == 0:
                self.progress(count.read)

    def _subtable(self, book: Workbook, sheets: list[Sheet], sub: dict, source: str) -> None:
        names = {normalize_label(n) for n in sub["sheet"]["names"]}
        sheet = next((s for s in sheets if normalize_label(s.name) in names), None) if book.kind != ".csv" else None
        if sheet is None:
            return
        self.present.add(sub["name"])
        id_label = sub["sheet"].get("id_label", "ID")
        columns = {"__id__": {"label": id_label}, **sub["columns"]}
        count = SheetCount(sheet.name)
        self.result.sheets.append(count)
        count.header_row, index, count.unmapped_columns, rest = find_header(
            sheet.rows(), columns, sub["sheet"].get("header_rows", 6), source, sheet.name
        )
        key = (source, sheet.name)
        self.labels[key] = {name: columns[name]["label"] for name in sub["columns"]}
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
            self.subs.add(f"{sub['name']}\x00{normalize_label(ident)}", (key, number, raw))

    def subrows(self, name: str, key: Any) -> list:
        if name not in self.present:
            self.missing[name] = self.missing.get(name, 0) + 1
            return []
        stored = f"{name}\x00{normalize_label(key)}"
        self.used.add(stored)
        return [
            (raw, _Cells(sheet_key, number, self.labels[sheet_key], raw))
            for sheet_key, number, raw in self.subs.get(stored)
        ]

    def report_subtables(self) -> None:
        """Sub-tables that the file lacks, and sub-table rows that no main row points at."""
        for sub in self.data.get("subtables", []):
            if sub["name"] in self.missing:
                # A CSV download, or a workbook without the Tabla_ sheet: the IDs point nowhere.
                label = self.data["columns"].get(sub["key"], {}).get("label", sub["key"])
                self.result.findings.add(
                    "subtable_missing",
                    (Key(self.main or ""), label),
                    None,
                    table=", ".join(sub["sheet"]["names"]),
                    rows=self.missing[sub["name"]],
                )
        for stored in self.subs.all_keys():
            if stored not in self.used:
                name = stored.split("\x00", 1)[0]
                for sheet_key, number, raw in self.subs.get(stored):
                    first = next(_Cells(sheet_key, number, self.labels[sheet_key], raw).values())
                    self.builder.report("orphan_subrow", first, {"table": name})


def _finish(
    result: ConvertResult,
    data: dict,
    releases: Iterable[dict],
    source: str | os.PathLike,
    uri: str | None,
    published_date: str | None,
    validate_output: bool,
    schema_dir: str | os.PathLike | None,
    offline: bool | None,
    max_locations: int,
    rejects: str | os.PathLike | None,
    output: str | os.PathLike | IO[str] | None,
    fmt: str,
) -> ConvertResult:
    """Package and write the releases as they come, then validate the file (streamed, like
    ``cdmx validate``) and put it in place."""
    package = _package(data, [], uri or f"urn:ocds-cdmx:{Path(str(source)).stem}", published_date)
    target = Path(str(output)) if isinstance(output, str | os.PathLike) and str(output) != "-" else None
    folder = target.parent if target is not None else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".cdmx-convert.", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            result.releases = _write(package, releases, f, fmt)
        if validate_output:
            validation = validate(tmp, schema_dir=schema_dir, offline=offline, max_locations=max_locations)
            if validation.input_errors:
                result.input_errors += validation.input_errors
                return result
            shown = str(output) if target is not None else "(output)"
            for group in validation.findings.groups.values():
                for location in group.locations:
                    location.source = shown
            for summary in validation.sources:
                summary.source = shown
            result.validation = validation
        if rejects is not None:
            with atomic_writer(rejects) as f:
                writer = csv.writer(f)
                writer.writerow(["file", "sheet", "row", "reason"])
                writer.writerows(result.rejects)
        if output is None:
            return result
        if target is not None:
            os.replace(tmp, target)
        else:
            stream = sys.stdout if str(output) == "-" else output
            with open(tmp, encoding="utf-8") as f:
                shutil.copyfileobj(f, stream)
        result.output = str(output) if isinstance(output, str | os.PathLike) else getattr(output, "name", None)
        result.written = True
        return result
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _read_ocds_paths(
    source: str | os.PathLike,
    encoding: str | None,
    result: ConvertResult,
    data: dict,
    schema_dir: str | os.PathLike | None,
    offline: bool | None,
) -> list[dict]:
    """Every sheet of a workbook whose headers are OCDS paths (flattentool's layout) → releases."""
    profile = load_profile(SchemaStore(schema_dir, offline=offline), "1.1", data.get("extensions", []))

    def warn(sheet: str, row: int, header: str, value: Any, expected: str) -> None:
        result.findings.add("value_unreadable", (Key(sheet), Key(str(row)), header), _plain(value), expected=expected)

    unflattener = Unflattener(profile.release_schema, warn)
    if Path(source).is_dir():
        # A folder of CSV files, one per sheet, as flattentool writes them: the releases first.
        files = sorted(Path(source).glob("*.csv"), key=lambda p: (p.stem != "releases", p.name))
        for path in files:
            with Workbook(path, encoding) as book:
                _unflatten_sheets(book, unflattener, result)
        return unflattener.releases
    with Workbook(source, encoding) as book:
        _unflatten_sheets(book, unflattener, result)
    return unflattener.releases


def _unflatten_sheets(book: Workbook, unflattener: Unflattener, result: ConvertResult) -> None:
    for sheet in book.sheets():
        if sheet.hidden or normalize_label(sheet.name) == "meta":  # flattentool's metadata sheet
            continue
        rows = sheet.rows()
        first = next(rows, None)
        count = SheetCount(sheet.name, header_row=first[0] if first else None)
        result.sheets.append(count)
        if first is None:
            continue
        count.read, count.converted, count.blank = unflattener.sheet(sheet.name, first[1], rows)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _package(data: dict, releases: list[dict], uri: str, published_date: str | None) -> dict:
    package: dict[str, Any] = {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if data.get("publisher"):
        package["publisher"] = data["publisher"]
    else:
        package["publisher"] = {"name": data.get("agency", {}).get("name", "Gobierno de la Ciudad de México")}
    for key in ("license", "publicationPolicy"):
        if data.get(key):
            package[key] = data[key]
    if data.get("extensions"):
        package["extensions"] = list(data["extensions"])
    package["releases"] = releases
    return package


def _write(package: dict, releases: Iterable[dict], f: IO[str], fmt: str) -> int:
    """Write the package (or JSON Lines) one release at a time; return how many."""
    count = 0
    if fmt == "jsonl":
        for release in releases:
            f.write(json.dumps(release, ensure_ascii=False) + "\n")
            count += 1
        return count
    # One release at a time through the C encoder: json.dump(indent=...) would take the slow path.
    head = json.dumps({k: v for k, v in package.items() if k != "releases"}, ensure_ascii=False)
    f.write(head[:-1] + ', "releases": [\n')
    for release in releases:
        f.write((",\n" if count else "") + json.dumps(release, ensure_ascii=False))
        count += 1
    f.write("\n]}\n")
    return count

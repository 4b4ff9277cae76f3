"""An agency's spreadsheet + its mapping → an OCDS release package: read → map → build → validate → write.

:func:`convert` finds the mapped columns by their labels, converts every row (or reports why not),
builds one release per OCID and stage (:mod:`ocds_cdmx.build`), checks the package with the
``cdmx validate`` engine and writes it atomically. Every row read is accounted for: converted,
rejected (with the reason; ``rejects`` writes them to a CSV file) or blank.
"""

from __future__ import annotations

import csv
import difflib
import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .build import Builder, Cell
from .findings import ERROR, WARNING, Findings, Key
from .jsonio import atomic_writer
from .mapping import Mapping, MappingError, load
from .schema import SchemaError, SchemaStore, load_profile
from .unflatten import Unflattener
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
class ConvertResult:
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
    def warnings(self) -> int:
        return self.findings.count(WARNING)

    @property
    def exit_code(self) -> int:
        if self.input_errors:
            return 2
        return 1 if self.errors or self.rejects else 0


class ColumnsError(Exception):
    """The header row lacks mapped columns, or has one label twice."""

    def __init__(self, key: str, source: str, **params: Any) -> None:
        super().__init__(f"{source}: {key} {params}")
        self.key = key
        self.source = source
        self.params = params


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
        path = (Key(cell.sheet), Key(f"{cell.row}"), cell.label)
        report_findings.add(check, path, _plain(cell.value), **params)

    if data.get("mode") == "ocds-paths":
        try:
            releases = _read_ocds_paths(source, encoding, result, data, schema_dir, offline)
        except (WorkbookError, SchemaError) as e:
            result.input_errors.append(e)
            return result
        return _finish(result, data, releases, source, uri, published_date, validate_output, schema_dir, offline,
                       max_locations, rejects, output, fmt)  # fmt: skip
    builder = Builder(loaded, report)
    try:
        with Workbook(source, encoding) as book:
            sheets = book.sheets()
            main = _pick_sheet(sheets, data.get("sheet", {}).get("names", []))
            if main is None:
                raise ColumnsError("sheet_missing", str(source), names=", ".join(data["sheet"]["names"]))
            subtables = {
                sub["name"]: _load_subtable(book, sheets, sub, result, str(source)) for sub in data.get("subtables", [])
            }
            used: dict[str, set] = {name: set() for name in subtables}

            missing: dict[str, int] = {}

            def subrows(name: str, key: Any) -> list:
                table = subtables.get(name)
                if table is None:
                    missing[name] = missing.get(name, 0) + 1
                    return []
                ident = normalize_label(key)
                used[name].add(ident)
                return table.get(ident, [])

            result.sheets.insert(0, SheetCount(main.name))
            _read_rows(main, None, data, builder, result, str(source), subrows, progress, result.sheets[0])
            for spec in data.get("sheets", []):
                sheet = _pick_sheet(sheets, spec["sheet"].get("names", [])) if spec["sheet"].get("names") else None
                if (
                    sheet is not None
                    and sheet is not main
                    and normalize_label(sheet.name) in {normalize_label(n) for n in spec["sheet"]["names"]}
                ):
                    result.sheets.append(SheetCount(sheet.name))
                    _read_rows(sheet, spec, data, builder, result, str(source), subrows, progress, result.sheets[-1])
            for sub in data.get("subtables", []):
                if sub["name"] in missing:
                    # A CSV download, or a workbook without the Tabla_ sheet: the IDs point nowhere.
                    label = data["columns"].get(sub["key"], {}).get("label", sub["key"])
                    report_findings.add(
                        "subtable_missing",
                        (Key(main.name), label),
                        None,
                        table=", ".join(sub["sheet"]["names"]),
                        rows=missing[sub["name"]],
                    )
            for name, table in subtables.items():
                if table is None:
                    continue
                for ident, entries in table.items():
                    if ident not in used[name]:
                        for _, cells in entries:
                            first = next(iter(cells.values()))
                            report("orphan_subrow", first, {"table": name})
        for other in more:
            _read_other(other, data, builder, result, encoding, progress)
    except (WorkbookError, ColumnsError) as e:
        result.input_errors.append(e)
        return result
    releases = list(builder.releases(release_date))
    result.ocids = len(builder.processes)
    return _finish(result, data, releases, source, uri, published_date, validate_output, schema_dir, offline,
                   max_locations, rejects, output, fmt)  # fmt: skip


def _finish(
    result: ConvertResult,
    data: dict,
    releases: list[dict],
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
    """Package, validate and write the releases."""
    result.releases = len(releases)
    result.ocids = result.ocids or len({r.get("ocid") for r in releases})
    package = _package(data, releases, uri or f"urn:ocds-cdmx:{Path(str(source)).stem}", published_date)
    if validate_output:
        from .validate import Validator

        validator = Validator(SchemaStore(schema_dir, offline=offline), max_locations=max_locations)
        validator.findings.source = "(output)"
        try:
            validator.package(package, "(output)", 0, (), items=None)
        except Exception as e:  # a missing schema: reported, nothing written
            result.input_errors.append(e)
            return result
        result.validation = validator.result
    if rejects is not None:
        with atomic_writer(rejects) as f:
            writer = csv.writer(f)
            writer.writerow(["file", "sheet", "row", "reason"])
            writer.writerows(result.rejects)
    if output is not None:
        _write(package, output, fmt)
        result.output = str(output) if isinstance(output, str | os.PathLike) else getattr(output, "name", None)
        result.written = True
    return result


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


def _read_rows(
    sheet: Sheet,
    spec: dict | None,
    data: dict,
    builder: Builder,
    result: ConvertResult,
    source: str,
    subrows: Callable[[str, Any], list],
    progress: Callable[[int], None] | None,
    count: SheetCount,
    rows: Iterator[tuple[int, list[Any]]] | None = None,
) -> None:
    """The rows of the main sheet (``spec`` None) or of one of the mapping's other sheets, into the builder."""
    columns = (spec or data)["columns"]
    search = (spec or data).get("sheet", {}).get("header_rows", 12)
    count.header_row, index, count.unmapped_columns, rest = find_header(
        rows if rows is not None else sheet.rows(), columns, search, source, sheet.name
    )
    labels = {name: columns[name]["label"] for name in index}
    for number, values in rest:
        if number <= count.header_row:
            continue
        count.read += 1
        raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
        if all(is_blank(v) for v in raw.values()):
            count.blank += 1
            continue
        cells = {name: Cell(source, sheet.name, number, labels[name], raw[name]) for name in index}
        if builder.add_row(raw, cells, subrows, spec):
            count.converted += 1
        else:
            count.rejected += 1
            result.rejects.append((source, sheet.name, number, "row_without_ocid"))
        if progress is not None and count.read % 1000 == 0:
            progress(count.read)


def _read_other(
    path: str | os.PathLike,
    data: dict,
    builder: Builder,
    result: ConvertResult,
    encoding: str | None,
    progress: Callable[[int], None] | None,
) -> None:
    """Another file: each of its sheets is read with the mapping's other sheet it matches best."""
    specs = data.get("sheets", [])
    with Workbook(path, encoding) as book:
        for sheet in book.sheets():
            if sheet.hidden:
                continue
            by_name = [
                s
                for s in specs
                if normalize_label(sheet.name) in {normalize_label(n) for n in s["sheet"].get("names", [])}
            ]
            candidates = by_name or specs
            best, best_score, head = None, 0, list(itertools.islice(sheet.rows(), 30))
            for spec in candidates:
                labels = [label for column in spec["columns"].values() for label in _labels(column)]
                score = max((sum(1 for v in values if _header_key(v) in labels) for _, values in head), default=0)
                if score > best_score:
                    best, best_score = spec, score
            if best is None:
                names = ", ".join(s["name"] for s in specs) or "-"
                raise ColumnsError(
                    "no_header", str(path), sheet=sheet.name, rows=30, found=f"(no sheet of the mapping: {names})"
                )
            count = SheetCount(sheet.name)
            result.sheets.append(count)
            rows = itertools.chain(head, itertools.islice(sheet.rows(), len(head), None))
            _read_rows(sheet, best, data, builder, result, str(path), lambda *_: [], progress, count, rows)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _load_subtable(book: Workbook, sheets: list[Sheet], sub: dict, result: ConvertResult, source: str) -> dict | None:
    """ID → rows of a sub-table sheet; None when the workbook has no such sheet (a CSV has none)."""
    sheet = _pick_sheet(sheets, sub["sheet"]["names"]) if book.kind != ".csv" else None
    if (
        sheet is None
        or sheet.name not in [s.name for s in sheets]
        or normalize_label(sheet.name) not in {normalize_label(n) for n in sub["sheet"]["names"]}
    ):
        return None
    id_label = sub["sheet"].get("id_label", "ID")
    columns = {"__id__": {"label": id_label}, **sub["columns"]}
    count = SheetCount(sheet.name)
    result.sheets.append(count)
    count.header_row, index, count.unmapped_columns, rest = find_header(
        sheet.rows(), columns, sub["sheet"].get("header_rows", 6), source, sheet.name
    )
    table: dict[str, list] = {}
    for number, values in rest:
        count.read += 1
        raw = {name: values[i] if i < len(values) else None for name, i in index.items()}
        if all(is_blank(v) for v in raw.values()):
            count.blank += 1
            continue
        ident = raw.pop("__id__", None)
        cells = {
            name: Cell(source, sheet.name, number, columns[name]["label"], raw.get(name)) for name in sub["columns"]
        }
        if is_blank(ident):
            count.rejected += 1
            result.rejects.append((source, sheet.name, number, "subrow_without_id"))
            result.findings.add("subrow_without_id", (Key(sheet.name), Key(str(number)), id_label), None)
            continue
        count.converted += 1
        table.setdefault(normalize_label(ident), []).append((raw, cells))
    return table


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


def _write(package: dict, output: str | os.PathLike | IO[str], fmt: str) -> None:
    def emit(f: IO[str]) -> None:
        if fmt == "jsonl":
            for release in package["releases"]:
                f.write(json.dumps(release, ensure_ascii=False) + "\n")
        else:
            json.dump(package, f, ensure_ascii=False, indent=2)
            f.write("\n")

    if isinstance(output, str | os.PathLike):
        if str(output) == "-":
            emit(sys.stdout)
            return
        with atomic_writer(output) as f:
            emit(f)
    else:
        emit(output)

"""An agency's spreadsheet + its mapping → an OCDS release package: read → map → build → validate → write.

:func:`convert` finds the mapped columns by their labels and stores every row by OCID (pass one,
:mod:`.reader`), builds one release per OCID and stage (pass two, :mod:`.build`), checks the package
with the ``cdmx validate`` engine and writes it atomically. Every row read is accounted for: converted,
rejected (with the reason; ``rejects`` writes them to a CSV file) or blank.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ..core.errors import CdmxError
from ..core.findings import Findings, Key
from ..core.options import ConvertOptions, with_fields
from ..io.output import AtomicFile, PackageWriter, atomic_writer, is_stdout, output_name
from ..io.scratch import KeyedStore
from ..io.workbook import Workbook
from ..schema import SchemaStore, load_profile
from ..validation import validate
from .build import Builder, Cell
from .mapping import Mapping, load
from .ocds_paths import Unflattener
from .plan import Plan, compile_plan
from .reader import Cells, Reader
from .results import ConvertResult, SheetCount
from .values import normalize_label, plain


def convert(
    source: str | os.PathLike | Iterable[str | os.PathLike],
    mapping: str | os.PathLike | Mapping,
    output: str | os.PathLike | IO[str] | None = None,
    options: ConvertOptions | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    **fields: Any,
) -> ConvertResult:
    """Convert a workbook (.xlsx, .xlsm, .xls, .ods or .csv) with a mapping into an OCDS release package.

    ``source`` is the workbook with the mapping's main sheet, or a list of files whose first has it and
    whose others hold the mapping's other ``sheets`` (a programme, payment orders, works progress).

    ``mapping`` is a path, a bundled mapping's name (``transparencia-adjudicaciones``) or a loaded
    :class:`~ocds_cdmx.conversion.mapping.Mapping`. ``output`` is a path (written atomically), ``"-"``
    (standard output), a text stream, or ``None`` to convert and report without writing. ``options``
    (or its fields as keyword arguments: ``fmt=``, ``published_date=``…) are a
    :class:`~ocds_cdmx.core.options.ConvertOptions`. The package is checked with the ``cdmx validate``
    engine unless ``validate_output`` is false; its result is ``result.validation``.
    """
    options = with_fields(ConvertOptions, options, fields)
    result = ConvertResult(findings=Findings(options.max_locations))
    if not isinstance(source, str | os.PathLike):
        source, *more = list(source)
    else:
        more = []
    try:
        loaded = mapping if isinstance(mapping, Mapping) else load(mapping)
    except CdmxError as e:
        result.input_errors.append(e)
        return result
    plan = compile_plan(loaded)
    result.findings.source = str(source)
    if plan.mode == "ocds-paths":
        try:
            releases = _read_ocds_paths(source, result, plan, options)
        except CdmxError as e:
            result.input_errors.append(e)
            return result
        return _finish(result, plan, releases, source, output, options)

    findings = result.findings

    def report(check: str, cell: Cell, params: dict) -> None:
        # The label is the field: it may hold "/" ("y/o"), which paths use as separator.
        path = (Key(cell.sheet), Key(f"{cell.row}"), cell.label)
        findings.add(check, path, plain(cell.value), field=cell.label, **params)

    builder = Builder(plan, report)
    main = plan.main
    assert main is not None
    with tempfile.TemporaryDirectory(prefix="cdmx-convert-") as scratch:
        # Rows are grouped by OCID on disk, so that memory does not grow with the workbook.
        rows = KeyedStore(os.path.join(scratch, "rows.sqlite"))
        subs = KeyedStore(os.path.join(scratch, "subrows.sqlite"))
        reader = Reader(plan, builder, result, rows, subs, progress)
        try:
            try:
                with Workbook(source, options.encoding) as book:
                    reader.workbook(book, str(source), main_sheet=True)
                for other in more:
                    with Workbook(other, options.encoding) as book:
                        reader.workbook(book, str(other), main_sheet=False)
            except CdmxError as e:
                result.input_errors.append(e)
                return result

            def releases() -> Iterator[dict]:
                for ocid, stored in rows.groups():
                    builder.processes.clear()
                    for spec_index, sheet_key, number, raw in stored:
                        spec = main if spec_index < 0 else plan.sheets[spec_index]
                        cells = Cells(sheet_key, number, reader.labels[sheet_key], raw)
                        builder.add_row(ocid, raw, cells, reader.subrows, spec)
                    result.ocids += 1
                    yield from builder.releases(options.release_date)

            finished = _finish(result, plan, releases(), source, output, options)
            reader.report_subtables()
            return finished
        finally:
            rows.close()
            subs.close()


def _finish(
    result: ConvertResult,
    plan: Plan,
    releases: Iterable[dict],
    source: str | os.PathLike,
    output: str | os.PathLike | IO[str] | None,
    options: ConvertOptions,
) -> ConvertResult:
    """Package and write the releases as they come, then validate the file (streamed, like
    ``cdmx validate``) and put it in place."""
    package = _package(plan, options.uri or f"urn:ocds-cdmx:{Path(str(source)).stem}", options.published_date)
    to_file = isinstance(output, str | os.PathLike) and not is_stdout(output)
    # A file is written beside its target; standard output, a stream or nothing go through a temporary file.
    if to_file:
        atomic = AtomicFile(output)
    else:
        atomic = AtomicFile(Path(tempfile.gettempdir()) / "cdmx-convert.json")
    with atomic:
        writer = PackageWriter(atomic.file, package, "releases", fmt=options.fmt, compact=False)
        writer.write_all(releases)
        writer.close()
        result.releases = writer.count
        atomic.close()
        if options.validate_output:
            validation = validate(atomic.tmp, schema_dir=options.schema_dir, offline=options.offline,
                                  max_locations=options.max_locations)  # fmt: skip
            if validation.input_errors:
                result.input_errors += validation.input_errors
                return result
            shown = str(output) if to_file else "(output)"
            for group in validation.findings.groups.values():
                for location in group.locations:
                    location.source = shown
            for summary in validation.sources:
                summary.source = shown
            result.validation = validation
        if options.rejects is not None:
            with atomic_writer(options.rejects) as f:
                rejects = csv.writer(f)
                rejects.writerow(["file", "sheet", "row", "reason"])
                rejects.writerows(result.rejects)
        if output is None:
            return result
        if to_file:
            atomic.commit()
        else:
            stream = sys.stdout if is_stdout(output) else output
            with open(atomic.tmp, encoding="utf-8") as f:
                shutil.copyfileobj(f, stream)
        result.output = output_name(output)
        result.written = True
        return result


def _read_ocds_paths(
    source: str | os.PathLike, result: ConvertResult, plan: Plan, options: ConvertOptions
) -> list[dict]:
    """Every sheet of a workbook whose headers are OCDS paths (flattentool's layout) → releases."""
    store = SchemaStore(options.schema_dir, offline=options.offline)
    profile = load_profile(store, "1.1", list(plan.extensions))

    def warn(sheet: str, row: int, header: str, value: Any, expected: str) -> None:
        result.findings.add("value_unreadable", (Key(sheet), Key(str(row)), header), plain(value), expected=expected)

    unflattener = Unflattener(profile.release_schema, warn)
    if Path(source).is_dir():
        # A folder of CSV files, one per sheet, as flattentool writes them: the releases first.
        files = sorted(Path(source).glob("*.csv"), key=lambda p: (p.stem != "releases", p.name))
        for path in files:
            with Workbook(path, options.encoding) as book:
                _unflatten_sheets(book, unflattener, result)
        return unflattener.releases
    with Workbook(source, options.encoding) as book:
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


def _package(plan: Plan, uri: str, published_date: str | None) -> dict:
    """The release package's metadata, from the mapping."""
    package: dict[str, Any] = {
        "uri": uri,
        "version": "1.1",
        "publishedDate": published_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if plan.publisher:
        package["publisher"] = plan.publisher
    else:
        package["publisher"] = {"name": plan.agency.get("name", "Gobierno de la Ciudad de México")}
    if plan.license:
        package["license"] = plan.license
    if plan.publication_policy:
        package["publicationPolicy"] = plan.publication_policy
    if plan.extensions:
        package["extensions"] = list(plan.extensions)
    return package

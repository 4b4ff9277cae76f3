"""An agency's spreadsheet + its mapping → an OCDS release package: read → map → build → validate → write.

:func:`convert` finds the mapped columns by their labels and stores every row by OCID (pass one,
:mod:`.reader`), builds one release per OCID and stage (pass two, :mod:`.build`), checks the package
with the ``cdmx validate`` engine and writes it atomically. Every row read is accounted for: converted,
rejected (with the reason; ``rejects`` writes them to a CSV file) or blank.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from .. import __version__
from ..core.errors import CdmxError, ColumnsError
from ..core.findings import Findings, Key
from ..core.options import ConvertOptions, with_fields
from ..io.output import AtomicFile, PackageWriter, atomic_writer, is_stdout, open_output, output_name, refuse_inputs
from ..io.scratch import KeyedStore
from ..io.tempfiles import scratch_dir
from ..io.workbook import Workbook
from ..report.messages import label
from ..schema import SchemaStore, load_profile
from ..validation import validate
from ..validation.stats import Statistics
from .build import Builder, Cell
from .layouts import MIN_SCORE, MISMATCH_MARGIN, detect, head, layout_plans, main_sheet, score_plan
from .mapping import Mapping, is_agency, load, rebase, with_agency
from .ocds_paths import Unflattener
from .plan import Plan, compile_plan
from .reader import Cells, Reader
from .results import ConvertResult, LayoutFound, Reject, SheetCount
from .values import is_blank, normalize_label, plain


def convert(
    source: str | os.PathLike | Iterable[str | os.PathLike],
    mapping: str | os.PathLike | Mapping | None = None,
    output: str | os.PathLike | IO[str] | None = None,
    options: ConvertOptions | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    incremental: Incremental | None = None,
    **fields: Any,
) -> ConvertResult:
    """Convert a workbook (.xlsx, .xlsm, .xls, .ods or .csv) with a mapping into an OCDS release package.

    ``source`` is the workbook with the mapping's main sheet, or a list of files whose first has it and
    whose others hold the mapping's other ``sheets`` (a programme, payment orders, works progress).

    ``mapping`` is a path, a bundled mapping's name (``transparencia-adjudicaciones``) or a loaded
    :class:`~ocds_cdmx.conversion.mapping.Mapping`; ``None`` picks the bundled mapping of the layout the
    workbook has (``result.mapping``, ``result.layout``). A mapping for another layout than the
    workbook's is an input error that names the layout found and the mapping to use. ``output`` is a
    path (written atomically), ``"-"`` (standard output), a text stream, or ``None`` to convert and
    report without writing. ``options`` (or its fields as keyword arguments: ``fmt=``,
    ``published_date=``…) are a :class:`~ocds_cdmx.core.options.ConvertOptions`. The package is checked
    with the ``cdmx validate`` engine unless ``validate_output`` is false; its result is
    ``result.validation``, every problem located at the cell its value came from. The package's
    statistics (per process, as ``cdmx validate`` counts them) are ``result.statistics``: the
    validation's, or counted as the releases are written when the package is not validated.

    ``incremental`` (an :class:`Incremental`) hears the fingerprint of every process's rows and may
    have the processes it already knows left out of the package, unbuilt (``result.skipped``).
    """
    options = with_fields(ConvertOptions, options, fields)
    result = ConvertResult(findings=Findings(options.max_locations))
    if not isinstance(source, str | os.PathLike):
        source, *more = list(source)
    else:
        more = []
    try:
        refuse_inputs(output, [source, *more])
        if options.rejects is not None:
            refuse_inputs(options.rejects, [source, *more])
        if mapping is None and _ocds_paths(source, options):
            mapping = "ocds-template"
        loaded = mapping if isinstance(mapping, Mapping) or mapping is None else load(mapping)
    except CdmxError as e:
        result.input_errors.append(e)
        return result
    try:
        if loaded is not None and options.agency:
            loaded = with_agency(loaded, options.agency, options.agency_key)
    except CdmxError as e:
        result.input_errors.append(e)
        return result
    plan = compile_plan(loaded) if loaded is not None else None
    result.findings.source = str(source)
    if plan is not None and plan.mode == "ocds-paths":
        result.mapping = plan.name
        try:
            releases = _read_ocds_paths(source, result, plan, options)
        except CdmxError as e:
            result.input_errors.append(e)
            return result
        return _finish(result, plan, releases, source, output, options)

    findings = result.findings

    dirty = [False]  # whether the process being built had a problem reported

    def report(check: str, cell: Cell, params: dict) -> None:
        dirty[0] = True
        # The label is the field: it may hold "/" ("y/o"), which paths use as separator.
        path = (Key(cell.sheet), Key(f"{cell.row}"), cell.label)
        value = plain(cell.value)
        findings.add_at(check, path, cell.where(), value, field=cell.label, **params)
        if check in VALUE_REJECTS:
            result.rejects.append(Reject(cell.source, cell.sheet, cell.row, check, cell.column, cell.label, value))

    with scratch_dir("convert") as scratch:
        # Rows are grouped by OCID on disk, so that memory does not grow with the workbook.
        rows = KeyedStore(os.path.join(scratch, "rows.sqlite"))
        subs = KeyedStore(os.path.join(scratch, "subrows.sqlite"))
        try:
            try:
                with Workbook(source, options.encoding) as book:
                    plan = _choose(book, plan, result, str(source), loaded, options)
                    builder = Builder(plan, report)
                    reader = Reader(plan, builder, result, rows, subs, progress)
                    reader.workbook(book, str(source), main_sheet=True)
                    _require_buyer(plan, reader, str(source))
                for other in more:
                    with Workbook(other, options.encoding) as book:
                        reader.workbook(book, str(other), main_sheet=False)
            except CdmxError as e:
                result.input_errors.append(e)
                return result
            main = plan.main
            assert main is not None
            written: list[str] = []  # the OCID of every release written, in order

            def add_rows(target: Builder, ocid: str, stored: list, subrows: Callable = reader.subrows) -> None:
                for spec_index, sheet_key, number, raw in stored:
                    spec = main if spec_index < 0 else plan.sheets[spec_index]
                    cells = Cells(sheet_key, number, reader.columns[sheet_key], raw)
                    target.add_row(ocid, raw, cells, subrows, spec)

            base = _fingerprint_base(loaded, plan, options) if incremental is not None else b""

            def releases() -> Iterator[dict]:
                for ocid, stored in rows.groups():
                    subrows: Callable = reader.subrows
                    digest = ""
                    if incremental is not None:
                        # The sub-table rows are looked up once, in the order building looks them up,
                        # so that a skipped process counts them as used exactly as a built one does.
                        looked = _subrows_of(stored, main, plan, reader)
                        digest = _fingerprint(base, stored, looked)
                        if incremental.unchanged(ocid, digest):
                            result.ocids += 1
                            result.skipped += 1
                            incremental.seen(ocid, digest, built=False, clean=True)
                            continue
                        subrows = _replay(looked)
                    builder.processes.clear()
                    dirty[0] = False
                    add_rows(builder, ocid, stored, subrows)
                    for process in builder.processes.values():
                        dirty[0] = _report_missing(builder, process, findings) or dirty[0]
                    result.ocids += 1
                    if incremental is not None:
                        incremental.seen(ocid, digest, built=True, clean=not dirty[0])
                    for release in builder.releases(options.release_date):
                        written.append(ocid)
                        yield release

            def locate(validation: Any) -> None:
                """Every problem of the package at the cell its value came from: the processes with
                problems are built again, remembering where each value came from."""
                built: dict[str, tuple[Builder, list[dict]]] = {}
                for group in validation.findings.groups.values():
                    for location in group.locations:
                        match = _RELEASE_PATH.match(location.path)
                        if not match or int(match.group(1)) >= len(written):
                            continue
                        index = int(match.group(1))
                        ocid = written[index]
                        if ocid not in built:
                            tracker = Builder(plan, lambda *_: None, track=True)
                            with _quiet(reader):
                                add_rows(tracker, ocid, rows.get(ocid))
                            built[ocid] = (tracker, list(tracker.releases(options.release_date)))
                        tracker, made = built[ocid]
                        first = index
                        while first > 0 and written[first - 1] == ocid:
                            first -= 1
                        if index - first >= len(made):
                            continue
                        rest = match.group(2)
                        cell = tracker.locate(made[index - first], rest.split("/") if rest else [])
                        if cell is None and tracker.processes.get(ocid) and tracker.processes[ocid].first:
                            cell = tracker.processes[ocid].first.first()
                        if cell is not None:
                            location.where = cell.where()

            return _finish(
                result, plan, releases(), source, output, options, after_write=reader.report_subtables, locate=locate,
            )  # fmt: skip
        finally:
            rows.close()
            subs.close()


#: The columns of the ``--rejects`` file.
REJECT_COLUMNS = ("file", "sheet", "row", "column", "cell", "label", "value", "reason")
#: The checks whose cell is also listed in ``--rejects``: values that could not be read.
VALUE_REJECTS = frozenset({"value_unreadable", "value_not_in_map"})
_RELEASE_PATH = re.compile(r"^(?:releases/)?(\d+)(?:/(.*))?$")


class _quiet:
    """Sub-table lookups of a second build do not count again as missing or dangling."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    def __enter__(self) -> None:
        self.saved = (dict(self.reader.missing), {k: list(v) for k, v in self.reader.dangling.items()})

    def __exit__(self, *exc: object) -> None:
        self.reader.missing, self.reader.dangling = self.saved


def _report_missing(builder: Builder, process: Any, findings: Findings) -> bool:
    """A process that came out without one of its essentials: a warning at its first row (True)."""
    missing = builder.missing(process)
    if missing:
        cell = process.first.first()
        findings.add_at(
            "essential_missing", (Key(cell.sheet), Key(str(cell.row))), cell.where(), process.ocid,
            missing=", ".join(missing),
        )  # fmt: skip
    return bool(missing)


class Incremental:
    """What a conversion tells of each process's rows, for a caller that keeps what it built before
    (``cdmx publish``). The fingerprint of a process covers its rows (main sheet, other sheets,
    sub-tables: values, and the files, sheets and rows they came from), the mapping, the options that
    shape releases and the toolkit's version: equal fingerprints build equal releases with equal
    findings. This base class skips nothing."""

    def unchanged(self, ocid: str, fingerprint: str) -> bool:
        """Whether the process need not be built: its releases are known already."""
        return False

    def seen(self, ocid: str, fingerprint: str, *, built: bool, clean: bool) -> None:
        """Each process, in OCID order: built or skipped; ``clean`` when building it reported nothing."""


def _fingerprint_base(mapping: Mapping | None, plan: Plan, options: ConvertOptions) -> bytes:
    shape = {
        "toolkit": __version__,
        "mapping": mapping.data if mapping is not None else plan.name,
        "release_date": options.release_date,
    }
    return json.dumps(shape, sort_keys=True, ensure_ascii=False, default=str).encode()


def _subrows_of(stored: list, main: Any, plan: Plan, reader: Reader) -> list:
    """The sub-table rows that building ``stored`` looks up, in the order it looks them up."""
    looked = []
    for spec_index, _, _, raw in stored:
        spec = main if spec_index < 0 else plan.sheets[spec_index]
        for sub in spec.subtables:
            key = raw.get(sub.key)
            if not is_blank(key):
                looked.append(reader.subrows(sub, key))
    return looked


def _replay(looked: list) -> Callable[[Any, Any], list]:
    """A sub-table lookup that gives what :func:`_subrows_of` looked up, in turn."""
    rest = iter(looked)
    return lambda sub, key: next(rest)


def _fingerprint(base: bytes, stored: list, looked: list) -> str:
    digest = hashlib.blake2b(base, digest_size=16)
    # repr is exact and stable for what cells hold (text, numbers, dates, booleans, None).
    digest.update(repr(stored).encode())
    for found in looked:
        digest.update(repr([(cells.sheet_key, cells.number, raw) for raw, cells in found]).encode())
    return digest.hexdigest()


def _ocds_paths(source: Any, options: ConvertOptions) -> bool:
    """Whether a file's headers are OCDS paths (``ocid``, ``id``, ``tender/id``…), as flattentool and
    OCP's templates write them: a folder of CSV files, or a first row that starts with ``ocid``."""
    path = Path(str(source))
    if path.is_dir():
        return True
    with Workbook(path, options.encoding) as book:
        sheets = [s for s in book.sheets() if not s.hidden]
        first = next(iter(sheets[0].rows()), None) if sheets else None
    labels = {str(v).strip() for v in (first[1] if first else []) if v is not None}
    return "ocid" in labels and ("id" in labels or any("/" in label for label in labels))


def _require_buyer(plan: Plan, reader: Reader, source: str) -> None:
    """No release without a buyer: the mapping's agency, ``--agency``, or a column of the workbook that
    names the body that filed it (the 2024+ CSV export's "Sujeto obligado"). Raises an input error
    that says how to give it otherwise."""
    if plan.agency.get("buyer") or plan.main is None:
        return
    present = reader.columns.get((source, reader.main or ""), {})
    for party in plan.main.parties:
        if "buyer" in party.ref and any(c in present for option in party.name for c in option):
            return
    raise ColumnsError("buyer_missing", source, mapping=plan.name)


def _choose(
    book: Workbook,
    plan: Plan | None,
    result: ConvertResult,
    source: str,
    mapping: Mapping | None = None,
    options: ConvertOptions | None = None,
) -> Plan:
    """The plan to read ``book`` with: the given one, if it fits the workbook's layout (an agency's
    mapping is laid over the layout the workbook has), else the bundled mapping of that layout (when
    none is given). Raises an input error otherwise."""
    # The first rows of the main sheet, read once for every layout and the given mapping.
    sheet = main_sheet(book, plan.main.sheet.names if plan is not None and plan.main is not None else ())
    rows = head(sheet) if sheet is not None else []
    found = detect(book, rows=rows) if sheet is not None else []
    best = found[0] if found else None
    if plan is None:
        if best is None or best.score < MIN_SCORE:
            candidates = ", ".join(f"{f.mapping} ({f.score:.0%})" for f in found[:3]) or "-"
            raise ColumnsError("layout_unknown", source, candidates=candidates)
        plan = next(p for p in layout_plans() if p.name == best.mapping)
        if options is not None and options.agency:
            plan = compile_plan(with_agency(load(plan.source), options.agency, options.agency_key))
        result.layout = best
        result.picked = True
    else:
        given = score_plan(book, plan, rows)
        mine = plan.layout.format if plan.layout else None
        if (
            mapping is not None
            and is_agency(mapping)
            and best is not None
            and best.score >= MIN_SCORE
            and best.format != mine
            and given.score + MISMATCH_MARGIN < best.score
        ):
            # An agency files every layout: its identity and its own sheets over the one the workbook has.
            layout = next(p for p in layout_plans() if p.name == best.mapping)
            rebased = rebase(mapping, layout.source)
            if options is not None and options.agency:
                rebased = with_agency(rebased, options.agency, options.agency_key)
            plan = compile_plan(rebased)
            given = score_plan(book, plan, rows)
            mine = plan.layout.format if plan.layout else None
        if best is not None and best.score >= MIN_SCORE and best.format != mine:
            worse = given.score + MISMATCH_MARGIN < best.score if mine else given.score < MIN_SCORE / 2
            if worse:
                raise ColumnsError(
                    "mapping_mismatch", source, mapping=plan.name, format=best.format, layout=best.name,
                    use=best.mapping, score=f"{given.score:.0%}", best=f"{best.score:.0%}",
                )  # fmt: skip
        same = next((f for f in found if mine and f.format == mine), None)
        result.layout = same or LayoutFound(
            mapping=plan.name,
            format=mine or "",
            name=plan.layout.name if plan.layout else plan.title,
            score=round(given.score, 3),
            header_row=given.header_row,
            format_id=best.format_id if best else None,
        )
    result.mapping = plan.name
    layout = result.layout
    known = {plan.layout.format, *plan.layout.formats} if plan.layout else set()
    if layout is not None and layout.format_id and known and layout.format_id not in known:
        result.findings.add(
            "layout_mismatch", ("A1",), layout.format_id, format=plan.layout.format, layout=plan.layout.name
        )
    return plan


def _finish(
    result: ConvertResult,
    plan: Plan,
    releases: Iterable[dict],
    source: str | os.PathLike,
    output: str | os.PathLike | IO[str] | None,
    options: ConvertOptions,
    *,
    after_write: Callable[[], None] | None = None,
    locate: Callable[[Any], None] | None = None,
) -> ConvertResult:
    """Package and write the releases as they come, then validate the file (streamed, like
    ``cdmx validate``) and put it in place. ``after_write`` runs once every release is written;
    ``locate`` gets the validation's result to point its problems at cells. The statistics are the
    validation's; without validation, they are counted as the releases are written."""
    package = _package(plan, options.uri or f"urn:ocds-cdmx:{Path(str(source)).stem}", options.published_date)
    to_file = isinstance(output, str | os.PathLike) and not is_stdout(output)
    # A file is written beside its target; standard output, a stream or nothing go through a temporary file.
    if to_file:
        atomic = AtomicFile(output)
    else:
        atomic = AtomicFile(Path(tempfile.gettempdir()) / "cdmx-convert.json")
    with atomic:
        writer = PackageWriter(atomic.file, package, "releases", fmt=options.fmt, compact=False)
        if options.validate_output:
            writer.write_all(releases)
        else:
            statistics = Statistics()
            writer.write_all(_counted(releases, statistics))
            statistics.finish()
            result.statistics = statistics
        writer.close()
        result.releases = writer.count
        atomic.close()
        if after_write is not None:
            after_write()
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
            if locate is not None:
                locate(validation)
            result.validation = validation
            result.statistics = validation.statistics
        if options.rejects is not None:
            with atomic_writer(options.rejects) as f:
                rejects = csv.writer(f)
                rejects.writerow([label(column, options.lang) for column in REJECT_COLUMNS])
                rejects.writerows([r.as_dict()[c] for c in REJECT_COLUMNS] for r in result.rejects)
        if output is None:
            return result
        if to_file:
            atomic.commit()
        else:
            with open(atomic.tmp, encoding="utf-8") as f, open_output(output) as stream:
                shutil.copyfileobj(f, stream)
        result.output = output_name(output)
        result.written = True
        return result


def _counted(releases: Iterable[dict], statistics: Statistics) -> Iterator[dict]:
    for release in releases:
        statistics.add_release(release)
        yield release


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
        # A folder of CSV files, one per sheet, read in flattentool's order: by name.
        files = sorted(Path(source).glob("*.csv"), key=lambda p: p.stem)
        for path in files:
            with Workbook(path, options.encoding) as book:
                _unflatten_sheets(book, unflattener, result)
        return unflattener.releases
    with Workbook(source, options.encoding) as book:
        if not _ocds_paths(source, options):
            # Not OCDS paths: a transparency-platform workbook given -m ocds-template, say.
            found = detect(book)
            if found and found[0].score >= MIN_SCORE:
                best = found[0]
                raise ColumnsError("mapping_mismatch", str(source), mapping=plan.name, format=best.format,
                                   layout=best.name, use=best.mapping, score="0%", best=f"{best.score:.0%}")  # fmt: skip
        _unflatten_sheets(book, unflattener, result)
    return unflattener.releases


def _unflatten_sheets(book: Workbook, unflattener: Unflattener, result: ConvertResult) -> None:
    # Every sheet is read, hidden ones too, as flattentool does; but not the "Meta" sheet, whose package
    # metadata (read by the Review Tool through flattentool's metatab) is left to the options: said.
    for sheet in book.sheets():
        if normalize_label(sheet.name) == "meta":
            result.findings.add("sheet_ignored", (Key(sheet.name),), None, sheet=sheet.name)
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

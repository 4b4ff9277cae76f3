"""Read spreadsheets as rows: .xlsx, .xlsm and .xls with python-calamine, .ods from its XML, .csv with csv.

Every sheet is a stream of ``(row number, values)``; values are what the cell holds (str, int, float,
bool, datetime, or None), formulas giving their cached values. python-calamine (Rust) reads a 80,000-row
workbook in 1.9 s where openpyxl's read-only mode takes 31.9 s (benchmarks/convert.py's workbook), so it
reads every format. Workbooks from outside are untrusted: a file whose parts would inflate beyond reason
is refused before it is opened, and so is one whose XML declares entities (the reader would not expand
them, but such a file is an attack, not a report). Both checks inflate every part of the zip (.xlsx,
.xlsm, .ods) and count the bytes that really come out, not the sizes its headers claim, so a file that
lies about them is refused (or found damaged) after at most :data:`MAX_UNZIPPED` bytes, read a megabyte
at a time. CSV files are read as a stream: a line or a cell of any length costs its own size only.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import html
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import WorkbookError

#: An .xlsx is a zip: refuse one whose parts inflate more than this, in all or relative to their size.
MAX_UNZIPPED = 2 << 30
MAX_RATIO = 200
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass
class Sheet:
    """One sheet: its name, whether the workbook hides it, and a way to read its rows."""

    name: str
    hidden: bool
    workbook: Workbook

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """``(row number, values)`` for every row, 1-based, blank rows included."""
        return self.workbook._rows(self)


class Workbook:
    """An open spreadsheet file. Use as a context manager."""

    def __init__(self, path: str | os.PathLike, encoding: str | None = None) -> None:
        self.path = Path(path)
        self.source = str(path)
        self.encoding = encoding
        self.kind = self.path.suffix.lower()
        self._book: Any = None
        self._compacted: str | None = None
        self._row_numbers: dict[str, list[int]] = {}  # a compacted sheet part → its rows' real numbers
        if not self.path.exists():
            raise WorkbookError("cannot_open", self.source, detail="no such file")
        if self.kind not in SPREADSHEETS:
            raise WorkbookError("not_a_spreadsheet", self.source, suffix=self.kind or "(none)")
        if self.kind in (".xlsx", ".xlsm"):
            self._open_xlsx()
        elif self.kind == ".xls":
            self._open_xls()
        elif self.kind == ".ods":
            self._book = _OdsBook(self.path, self.source)

    def _open_xlsx(self) -> None:
        sparse = check_zip(self.path, self.source)
        if sparse:
            # Calamine holds a sheet as a dense grid down to its last row: 1,048,576 rows with two
            # values would take most of a gigabyte. Its blank rows are dropped from a copy first.
            self._compacted, self._row_numbers = _compact_sheets(self.path, sparse, self.source)
            self.path = Path(self._compacted)
        self._open_xls()

    def _open_xls(self) -> None:
        try:
            from python_calamine import CalamineWorkbook

            self._book = CalamineWorkbook.from_path(str(self.path))
        except Exception as e:
            raise WorkbookError("corrupt", self.source, detail=f"{type(e).__name__}: {e}") from None

    def formulas_without_values(self) -> dict[str, list[str]]:
        """Sheet name → the cells (``B7``) of an .xlsx/.xlsm whose formula has no cached value.

        Such a cell reads as blank, though the file says it is not: a workbook saved by a program that
        does not calculate. Scanning the sheets' XML costs nothing when they hold no formula.
        """
        if self.kind not in (".xlsx", ".xlsm"):
            return {}
        found: dict[str, list[str]] = {}
        with _zip_errors(self.source), zipfile.ZipFile(self.path) as z:
            names = set(z.namelist())
            sheets = _sheet_parts(z, names)
            for name, part in sheets.items():
                if part not in names:
                    continue
                data = z.read(part)
                if b"<f" not in data:
                    continue
                for match in _CELL.finditer(data):
                    body = match.group(2)
                    if body is not None and b"<f" in body and not _VALUE.search(body):
                        found.setdefault(name, []).append(match.group(1).decode())
        return found

    def sheets(self) -> list[Sheet]:
        """The sheets, in workbook order (a CSV file is one sheet named after the file)."""
        if self.kind == ".csv":
            return [Sheet(self.path.stem, False, self)]
        if self.kind == ".ods":
            return [Sheet(name, False, self) for name in self._book.names]
        return [Sheet(s.name, not str(s.visible).endswith("Visible"), self) for s in self._book.sheets_metadata]

    def _rows(self, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
        if self.kind == ".csv":
            yield from _csv_rows(self.path, self.encoding, self.source)
        elif self.kind == ".ods":
            yield from self._book.rows(sheet.name)
        else:
            try:
                data = self._book.get_sheet_by_name(sheet.name).iter_rows()
            except Exception as e:
                raise WorkbookError("corrupt", self.source, detail=f"{sheet.name}: {type(e).__name__}: {e}") from None
            numbers = self._row_numbers.get(self._part(sheet.name), []) if self._row_numbers else []
            for number, row in enumerate(_guarded_rows(data, self.source, sheet.name), 1):
                if numbers:
                    if number > len(numbers):
                        return
                    number = numbers[number - 1]
                # calamine gives every number as a float. Excel writes whole numbers below 10^15 without
                # a decimal point or exponent, and openpyxl reads those as int: so do we.
                yield (
                    number,
                    [
                        None if v == "" else int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v
                        for v in row
                    ],
                )

    def _part(self, sheet: str) -> str:
        with zipfile.ZipFile(self.path) as z:
            return _sheet_parts(z, set(z.namelist())).get(sheet, "")

    def close(self) -> None:
        if self._book is not None and hasattr(self._book, "close"):
            self._book.close()
        if self._compacted is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._compacted)
            self._compacted = None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_entities(head: bytes, source: str, part: str) -> None:
    """Entity declarations (billion laughs, external entities) have no business in a spreadsheet."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise WorkbookError("unsafe_xml", source, detail=f"{part}: DOCTYPE/ENTITY")


class _zip_errors:
    """Turns what a damaged zip raises (a bad CRC, a truncated stream, a bad header) into a message."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type | None, error: BaseException | None, tb: object) -> None:
        if error is not None and isinstance(error, zipfile.BadZipFile | zlib.error | EOFError | OSError | KeyError):
            raise WorkbookError("corrupt", self.source, detail=f"{type(error).__name__}: {error}") from None


def check_zip(path: str | os.PathLike, source: str, parts: tuple[str, ...] = (".xml", ".rels", ".vml")) -> list[str]:
    """Inflate every part of a zip-based workbook, a megabyte at a time: refuse it when what really
    comes out exceeds :data:`MAX_UNZIPPED`, or :data:`MAX_RATIO` times the file (above 50 MB); when an
    XML part declares entities anywhere; or when it is damaged (a bad CRC: a header that lies).

    Returns the .xlsx sheet parts that are mostly blank rows (see :data:`SPARSE_ROWS`)."""
    zipped = max(1, os.path.getsize(path))
    unzipped = 0
    sparse = []
    with _zip_errors(source), zipfile.ZipFile(path) as z:
        for info in z.infolist():
            check = info.filename.endswith(parts)
            sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            tail = b""
            valued, last_row = 0, 0
            with z.open(info) as part:
                while chunk := part.read(1 << 20):
                    unzipped += len(chunk)
                    if unzipped > MAX_UNZIPPED or (unzipped > 50 << 20 and unzipped / zipped > MAX_RATIO):
                        raise WorkbookError("bomb", source, unzipped=unzipped, zipped=zipped)
                    if check:
                        data = tail + chunk
                        _refuse_entities(data, source, info.filename)
                        if sheet:
                            # Counted in what this chunk adds (the tail was counted with the last one).
                            valued += sum(data.count(t) - tail.count(t) for t in (b"<v>", b"<v ", b"<is>"))
                            rows = _ROW_NUMBER.findall(data)
                            if rows:
                                last_row = max(last_row, int(rows[-1]))
                        tail = chunk[-64:]
            if sheet and last_row > SPARSE_ROWS and last_row > 4 * valued:
                sparse.append(info.filename)
    return sparse


#: A sheet whose last row is beyond this, with fewer values than a quarter of its rows, is read without
#: its blank rows (it would otherwise cost its full grid).
SPARSE_ROWS = 100_000
_ROW_NUMBER = re.compile(rb'<row[^>]*? r="([0-9]+)"')
_ROW = re.compile(rb"<row\b[^>]*?(?:/>|>.*?</row>)", re.DOTALL)
_CELL_REF = re.compile(rb'(<c\b[^>]*? r="[A-Z]+)[0-9]+"')


def _compact_sheets(path: Path, parts: list[str], source: str) -> tuple[str, dict[str, list[int]]]:
    """A copy of the workbook whose ``parts`` keep only the rows that hold a value, numbered 1, 2, …;
    and, for each part, the real number of every row kept. Streamed, a megabyte at a time."""
    import tempfile

    fd, copy = tempfile.mkstemp(prefix="cdmx-sparse-", suffix=".xlsx")
    os.close(fd)
    numbers: dict[str, list[int]] = {}
    try:
        with _zip_errors(source), zipfile.ZipFile(path) as z, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
            for info in z.infolist():
                if info.filename not in parts:
                    out.writestr(info, z.read(info))
                    continue
                kept: list[int] = []
                with z.open(info) as part, out.open(info.filename, "w", force_zip64=True) as target:
                    pending = b""
                    started = False
                    while True:
                        chunk = part.read(1 << 20)
                        pending += chunk
                        if not started:
                            at = pending.find(b"<row")
                            if at < 0 and chunk:
                                continue
                            head = pending[: max(at, 0)] if at >= 0 else pending
                            # The dimension names the full grid: left out, calamine sizes the sheet by its cells.
                            target.write(re.sub(rb"<dimension [^>]*/>", b"", head))
                            pending = pending[len(head) :]
                            started = True
                        end = 0
                        for match in _ROW.finditer(pending):
                            row = match.group(0)
                            end = match.end()
                            if b"<v" not in row and b"<is>" not in row:
                                continue
                            number = _ROW_NUMBER.match(row)
                            kept.append(int(number.group(1)) if number else (kept[-1] + 1 if kept else 1))
                            new = str(len(kept)).encode()
                            row = _ROW_NUMBER.sub(lambda m, n=new: m.group(0).replace(m.group(1), n), row, 1)
                            target.write(_CELL_REF.sub(lambda m, n=new: m.group(1) + n + b'"', row))
                        pending = pending[end:]
                        if not chunk:
                            target.write(pending)
                            break
                numbers[info.filename] = kept
    except BaseException:
        os.unlink(copy)
        raise
    return copy, numbers


def _guarded_rows(rows: Iterator, source: str, sheet: str) -> Iterator:
    try:
        yield from rows
    except Exception as e:
        raise WorkbookError("corrupt", source, detail=f"{sheet}: {type(e).__name__}: {e}") from None


class Shown(int):
    """A whole number as a cell shows it ("0007"): a string field takes the text, a number field the number."""

    text: str

    def __new__(cls, value: int, text: str) -> Shown:
        number = super().__new__(cls, value)
        number.text = text
        return number


_ODS = "{urn:oasis:names:tc:opendocument:xmlns:%s:1.0}"
_TABLE, _OFFICE, _TEXT = _ODS % "table", _ODS % "office", _ODS % "text"


class _OdsBook:
    """An OpenDocument spreadsheet read from its content.xml: cell values with their shown text."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.source = source
        check_zip(path, source)
        self.names = []
        tail = b""
        for chunk in self._content():
            data = tail + chunk
            self.names += [html.unescape(n.decode("utf-8")) for n in _ODS_TABLE.findall(data)]
            # A name cut by the chunk's end is found in the next round, with what follows it.
            cut = data.rfind(b"<table:table ")
            tail = data[cut:] if cut >= 0 and not _ODS_TABLE.match(data, cut) else b""

    def _content(self) -> Iterator[bytes]:
        """content.xml, a megabyte at a time."""
        with _zip_errors(self.source), zipfile.ZipFile(self.path) as z, z.open("content.xml") as part:
            while chunk := part.read(1 << 20):
                yield chunk

    def _events(self) -> Iterator[tuple[str, Any]]:
        from xml.etree.ElementTree import ParseError, XMLPullParser

        parser = XMLPullParser(events=("start", "end"))
        try:
            for chunk in self._content():
                parser.feed(chunk)
                yield from parser.read_events()
            parser.close()
        except ParseError as e:
            raise WorkbookError("corrupt", self.source, detail=f"content.xml: {e}") from None
        yield from parser.read_events()

    def rows(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        inside, number = False, 0
        row: list[Any] = []
        for event, element in self._events():
            tag = element.tag
            if tag == f"{_TABLE}table":
                if event == "start":
                    inside = element.get(f"{_TABLE}name") == name
                elif inside:
                    return
            elif not inside:
                if event == "end" and tag == f"{_TABLE}table-row":
                    element.clear()
                continue
            elif tag == f"{_TABLE}table-row" and event == "end":
                repeat = int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                while row and row[-1] is None:
                    row.pop()
                for _ in range(min(repeat, 1 if not row else repeat)):
                    number += 1
                    yield number, list(row)
                if not row and repeat > 1:
                    number += repeat - 1
                row = []
                element.clear()
            elif tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell") and event == "end":
                value = _ods_value(element)
                repeat = int(element.get(f"{_TABLE}number-columns-repeated", "1"))
                row.extend([value] * (repeat if value is not None or repeat < 1000 else 1))


def _ods_value(cell: Any) -> Any:
    kind = cell.get(f"{_OFFICE}value-type")
    text = "\n".join("".join(p.itertext()) for p in cell.findall(f"{_TEXT}p"))
    if kind is None:
        return text or None
    if kind in ("float", "percentage", "currency"):
        number = float(cell.get(f"{_OFFICE}value", "nan"))
        if number.is_integer() and abs(number) < 1e15:
            return Shown(int(number), text) if text and text != str(int(number)) else int(number)
        return number
    if kind == "boolean":
        return cell.get(f"{_OFFICE}boolean-value") == "true"
    if kind == "date":
        from datetime import datetime

        return datetime.fromisoformat(cell.get(f"{_OFFICE}date-value"))
    return text or None


_ODS_TABLE = re.compile(rb'<table:table table:name="([^"]*)"')
_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>(.*?)</c>)', re.DOTALL)
_VALUE = re.compile(rb"<v>[^<]")
_ELEMENT = re.compile(rb"<(?:\w+:)?(sheet|Relationship) ([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')


def _sheet_parts(z: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Sheet name → its XML part, from the workbook and its relationships (attributes in any order)."""
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}

    def elements(part: str, tag: bytes) -> list[dict[bytes, bytes]]:
        found = _ELEMENT.findall(z.read(part))
        return [dict(_ATTRIBUTE.findall(attributes)) for kind, attributes in found if kind == tag]

    rels = {
        r.get(b"Id", b"").decode(): r.get(b"Target", b"").decode()
        for r in elements("xl/_rels/workbook.xml.rels", b"Relationship")
    }
    parts = {}
    for sheet in elements("xl/workbook.xml", b"sheet"):
        target = rels.get(sheet.get(b"r:id", b"").decode(), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[html.unescape(sheet.get(b"name", b"").decode("utf-8"))] = target
    return parts


def _csv_rows(path: Path, encoding: str | None, source: str) -> Iterator[tuple[int, list[Any]]]:
    chosen = encoding or _csv_encoding(path)
    try:
        if not codecs.lookup(chosen)._is_text_encoding:
            raise LookupError(f"{chosen!r} is not a text encoding")
    except LookupError as e:
        raise WorkbookError("csv_encoding", source, encoding=chosen, detail=str(e)) from None
    errors = "replace" if encoding is None and chosen == "cp1252" else "strict"
    # A cell may be as long as the file: the csv module's limit (131,072 characters) is for the
    # careless, and the line is held once anyway.
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding=chosen, errors=errors, newline="") as text:
            # The separator is the one the header uses most: the platform's downloads start with a
            # metadata block that would mislead csv.Sniffer.
            head = text.read(65536)
            lines = head.splitlines()[:30]
            delimiter = max(",;\t|", key=lambda d: max((line.count(d) for line in lines), default=0))
            text.seek(0)
            for number, row in enumerate(csv.reader(text, delimiter=delimiter), 1):
                yield number, [cell if cell != "" else None for cell in row]
    except UnicodeDecodeError as e:
        raise WorkbookError("csv_encoding", source, encoding=chosen, detail=str(e)) from None
    except csv.Error as e:
        raise WorkbookError("corrupt", source, detail=f"CSV: {e}") from None


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes; else the platform's
    Windows-1252 CSVs, else Latin-1. Read a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    cp1252 = codecs.getincrementaldecoder("cp1252")()
    utf8, windows = True, True
    with open(path, "rb") as raw:
        while chunk := raw.read(1 << 20):
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if windows:
                try:
                    cp1252.decode(chunk)
                except UnicodeDecodeError:
                    windows = False
            if not utf8 and not windows:
                break
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    return "utf-8-sig" if utf8 else "cp1252" if windows else "latin-1"

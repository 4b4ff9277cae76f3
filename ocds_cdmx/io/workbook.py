"""Read spreadsheets as rows: .xlsx, .xlsm and .xls with python-calamine, .ods from its XML, .csv with csv.

Every sheet is a stream of ``(row number, values)``; values are what the cell holds (str, int, float,
bool, datetime, or None), formulas giving their cached values. python-calamine (Rust) reads a 80,000-row
workbook in 1.9 s where openpyxl's read-only mode takes 31.9 s (benchmarks/convert.py's workbook), so it
reads every format. Workbooks from outside are untrusted: a file whose parts would inflate beyond reason
is refused before it is opened, and so is one whose XML declares entities (the reader would not expand
them, but such a file is an attack, not a report).
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import zipfile
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
        try:
            with zipfile.ZipFile(self.path) as z:
                infos = z.infolist()
                unzipped = sum(i.file_size for i in infos)
                zipped = max(1, sum(i.compress_size for i in infos))
                if unzipped > MAX_UNZIPPED or (unzipped > 50 << 20 and unzipped / zipped > MAX_RATIO):
                    raise WorkbookError("bomb", self.source, unzipped=unzipped, zipped=zipped)
                for info in infos:
                    if info.filename.endswith((".xml", ".rels", ".vml")):
                        with z.open(info) as part:
                            _refuse_entities(part.read(4096), self.source, info.filename)
        except (zipfile.BadZipFile, OSError) as e:
            raise WorkbookError("corrupt", self.source, detail=str(e)) from None
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
        with zipfile.ZipFile(self.path) as z:
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
            for number, row in enumerate(data, 1):
                # calamine gives every number as a float. Excel writes whole numbers below 10^15 without
                # a decimal point or exponent, and openpyxl reads those as int: so do we.
                yield (
                    number,
                    [
                        None if v == "" else int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v
                        for v in row
                    ],
                )

    def close(self) -> None:
        if self._book is not None and hasattr(self._book, "close"):
            self._book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _refuse_entities(head: bytes, source: str, part: str) -> None:
    """Entity declarations (billion laughs, external entities) have no business in a spreadsheet."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise WorkbookError("unsafe_xml", source, detail=f"{part}: DOCTYPE/ENTITY")


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
        try:
            with zipfile.ZipFile(path) as z:
                self.content = z.read("content.xml")
        except (zipfile.BadZipFile, KeyError, OSError) as e:
            raise WorkbookError("corrupt", source, detail=str(e)) from None
        _refuse_entities(self.content[:4096], source, "content.xml")
        self.names = [
            html.unescape(n.decode("utf-8")) for n in re.findall(rb'<table:table table:name="([^"]*)"', self.content)
        ]

    def rows(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        from xml.etree.ElementTree import XMLPullParser

        parser = XMLPullParser(events=("start", "end"))
        parser.feed(self.content)
        inside, number = False, 0
        row: list[Any] = []
        for event, element in parser.read_events():
            tag = element.tag
            if tag == f"{_TABLE}table":
                if event == "start":
                    inside = element.get(f"{_TABLE}name") == name
                elif inside:
                    return
            elif not inside:
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
    raw = path.read_bytes()
    if encoding is None:
        # UTF-8 (with or without BOM) when it decodes; else the platform's Latin-1/Windows-1252 CSVs.
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace") if _cp1252_ok(raw) else raw.decode("latin-1")
    else:
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as e:
            raise WorkbookError("csv_encoding", source, encoding=encoding, detail=str(e)) from None
    # The separator is the one the header uses most: the platform's downloads start with a metadata
    # block that would mislead csv.Sniffer.
    lines = text[:65536].splitlines()[:30]
    delimiter = max(",;\t|", key=lambda d: max((line.count(d) for line in lines), default=0))
    for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 1):
        yield number, [cell if cell != "" else None for cell in row]


def _cp1252_ok(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True

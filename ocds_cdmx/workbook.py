"""Read spreadsheets as rows: .xlsx/.xlsm (openpyxl, read-only), .xls and .ods (python-calamine), .csv.

Every sheet is a stream of ``(row number, values)``; values are what the cell holds (str, int, float,
bool, datetime, or None), formulas giving their cached values. Workbooks from outside are untrusted:
XML entity tricks are refused by defusedxml (which openpyxl uses when it is installed), and a file whose
parts would inflate beyond reason is refused before it is opened.
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: An .xlsx is a zip: refuse one whose parts inflate more than this, in all or relative to their size.
MAX_UNZIPPED = 2 << 30
MAX_RATIO = 200
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


class WorkbookError(Exception):
    """A file that cannot be read as a spreadsheet. ``key`` names the message."""

    def __init__(self, key: str, source: str, **params: Any) -> None:
        super().__init__(f"{source}: {key} {params}")
        self.key = key
        self.source = source
        self.params = params


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
        elif self.kind in (".xls", ".ods"):
            self._open_xls()

    def _open_xlsx(self) -> None:
        try:
            with zipfile.ZipFile(self.path) as z:
                infos = z.infolist()
        except (zipfile.BadZipFile, OSError) as e:
            raise WorkbookError("corrupt", self.source, detail=str(e)) from None
        unzipped = sum(i.file_size for i in infos)
        zipped = max(1, sum(i.compress_size for i in infos))
        if unzipped > MAX_UNZIPPED or (unzipped > 50 << 20 and unzipped / zipped > MAX_RATIO):
            raise WorkbookError("bomb", self.source, unzipped=unzipped, zipped=zipped)
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(self.path, read_only=True, data_only=True, keep_links=False)
        except Exception as e:  # openpyxl raises many kinds on malformed or hostile files
            key = "unsafe_xml" if type(e).__module__.startswith("defusedxml") else "corrupt"
            raise WorkbookError(key, self.source, detail=f"{type(e).__name__}: {e}") from None

    def _open_xls(self) -> None:
        try:
            from python_calamine import CalamineWorkbook

            self._book = CalamineWorkbook.from_path(str(self.path))
        except Exception as e:
            raise WorkbookError("corrupt", self.source, detail=f"{type(e).__name__}: {e}") from None

    def sheets(self) -> list[Sheet]:
        """The sheets, in workbook order (a CSV file is one sheet named after the file)."""
        if self.kind == ".csv":
            return [Sheet(self.path.stem, False, self)]
        if self.kind in (".xls", ".ods"):
            return [Sheet(s.name, not str(s.visible).endswith("Visible"), self) for s in self._book.sheets_metadata]
        return [Sheet(ws.title, ws.sheet_state != "visible", self) for ws in self._book.worksheets]

    def _rows(self, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
        if self.kind == ".csv":
            yield from _csv_rows(self.path, self.encoding, self.source)
        elif self.kind in (".xls", ".ods"):
            data = self._book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            for number, row in enumerate(data, 1):
                # calamine gives every number as a float; openpyxl gives whole numbers as int: so do we.
                yield (
                    number,
                    [None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v for v in row],
                )
        else:
            ws = self._book[sheet.name]
            try:
                for number, row in enumerate(ws.iter_rows(values_only=True), 1):
                    yield number, list(row)
            except Exception as e:
                raise WorkbookError("corrupt", self.source, detail=f"{sheet.name}: {type(e).__name__}: {e}") from None

    def close(self) -> None:
        if self._book is not None and hasattr(self._book, "close"):
            self._book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), 1):
        yield number, [cell if cell != "" else None for cell in row]


def _cp1252_ok(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True

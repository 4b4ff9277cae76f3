"""Downloads for people: the tables of :mod:`.tables` as CSV files in a ZIP and as an XLSX workbook.

Safe to open in Excel: a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return would be read as a formula; in CSV such a cell gets a leading ``'``, in XLSX the cell's style has
``quotePrefix`` (Excel's own mark for "text, not a formula"), and no cell is ever written as a formula.
A workbook whose sheet would pass Excel's limit of 1,048,576 rows is split into parts
(``<name>-1.xlsx``, ``<name>-2.xlsx``, …; a process's rows are never split between parts).

The XLSX writer is ours, not openpyxl: it streams rows to disk (openpyxl, not a run-time dependency,
builds each worksheet in memory or, in write-only mode, still formats cell by cell in Python) and writes
only the parts Excel needs: inline strings, numbers, two styles. The ZIP entries carry a fixed date, so
that the same rows make the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any

#: Rows per sheet in Excel, the header included.
EXCEL_ROWS = 1_048_576
#: Characters per cell in Excel.
EXCEL_CELL = 32_767
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text that Excel would take for a formula gets a leading ``'``."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return "" if value is None else value


def _xml_text(text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    if len(text) > EXCEL_CELL:
        text = text[: EXCEL_CELL - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_rows(rows: list[list[Any]]) -> bytes:
    """Worksheet rows as SpreadsheetML, without row or cell references (they are optional: a row follows
    the one before, a cell the one before it, an empty cell is ``<c/>``), so that a process's rows can be
    made once and put anywhere in a sheet."""
    out = []
    for row in rows:
        cells = []
        for value in row:
            if value is None:
                cells.append("<c/>")
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, int | float):
                cells.append(f"<c><v>{value!r}</v></c>")
                continue
            text = str(value)
            mark = ' s="1"' if is_formula_like(text) else ""
            cells.append(f'<c t="inlineStr"{mark}><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>')
        out.append(f"<row>{''.join(cells)}</row>")
    return "".join(out).encode("utf-8")


def csv_rows(rows: list[list[Any]]) -> bytes:
    """Rows as CSV lines (``\r\n``, as the csv module writes them), formula-like text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _zip_entry(archive: zipfile.ZipFile, name: str, source: str | bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    if isinstance(source, bytes):
        archive.writestr(info, source)
        return
    size = os.path.getsize(source)
    with open(source, "rb") as f, archive.open(info, "w", force_zip64=size >= 1 << 31) as out:
        shutil.copyfileobj(f, out, 1 << 20)


class _Sheet:
    """One worksheet spooled to disk as XML rows."""

    def __init__(self, folder: str, index: int, titles: list[str]) -> None:
        self.path = os.path.join(folder, f"sheet{index}.xml")
        self.file: IO[bytes] = open(self.path, "wb")  # noqa: SIM115 - closed in finish()
        self.rows = 1
        header = "".join(f'<c t="inlineStr" s="2"><is><t>{_xml_text(t)}</t></is></c>' for t in titles)
        self.file.write(
            (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}">'
                '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                f'state="frozen"/></sheetView></sheetViews><sheetData><row>{header}</row>'
            ).encode()
        )

    def add(self, count: int, fragment: bytes) -> None:
        self.rows += count
        self.file.write(fragment)

    def finish(self) -> None:
        self.file.write(b"</sheetData></worksheet>")
        self.file.close()


class Workbook:
    """An XLSX workbook written row by row (see the module's documentation)."""

    def __init__(self, folder: str, sheets: list[str], titles: list[list[str]]) -> None:
        self.folder = tempfile.mkdtemp(prefix="xlsx-", dir=folder)
        self.names = sheets
        self.sheets = [_Sheet(self.folder, i + 1, t) for i, t in enumerate(titles)]

    def fits(self, counts: list[int]) -> bool:
        """Whether so many more rows still fit in every sheet."""
        return all(sheet.rows + n <= EXCEL_ROWS for sheet, n in zip(self.sheets, counts, strict=True))

    def add(self, counts: list[int], fragments: list[bytes]) -> None:
        """Add rows made by :func:`xml_rows` (``counts`` of them in each sheet)."""
        for sheet, n, fragment in zip(self.sheets, counts, fragments, strict=True):
            if n:
                sheet.add(n, fragment)

    def counts(self) -> dict[str, int]:
        """Data rows per sheet."""
        return {name: sheet.rows - 1 for name, sheet in zip(self.names, self.sheets, strict=True)}

    def save(self, path: str | os.PathLike) -> None:
        for sheet in self.sheets:
            sheet.finish()
        n = len(self.sheets)
        types = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, n + 1)
        )
        content_types = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{types}"
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
        )
        rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        )
        sheets = "".join(
            f'<sheet name="{_xml_text(name)[:31]}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(self.names, 1)
        )
        workbook = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_NS}" xmlns:r="{_REL}">'
            f"<sheets>{sheets}</sheets></workbook>"
        )
        workbook_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
        )
        with zipfile.ZipFile(path, "w") as archive:
            _zip_entry(archive, "[Content_Types].xml", content_types.encode())
            _zip_entry(archive, "_rels/.rels", rels.encode())
            _zip_entry(archive, "xl/workbook.xml", workbook.encode())
            _zip_entry(archive, "xl/_rels/workbook.xml.rels", workbook_rels.encode())
            _zip_entry(archive, "xl/styles.xml", _STYLES.encode())
            for i, sheet in enumerate(self.sheets, 1):
                _zip_entry(archive, f"xl/worksheets/sheet{i}.xml", sheet.path)
        self.discard()

    def discard(self) -> None:
        for sheet in self.sheets:
            if not sheet.file.closed:
                sheet.file.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class CsvArchive:
    """The tables as CSV files (UTF-8 with a byte-order mark, which Excel needs to read accents) in a ZIP."""

    def __init__(self, folder: str, sheets: list[str], titles: list[list[str]]) -> None:
        self.folder = tempfile.mkdtemp(prefix="csv-", dir=folder)
        self.names = sheets
        self.paths = [os.path.join(self.folder, f"{i}.csv") for i in range(len(sheets))]
        self.files = [open(p, "wb") for p in self.paths]  # noqa: SIM115 - closed in save()
        self.rows = [0] * len(sheets)
        for f, row in zip(self.files, titles, strict=True):
            f.write(b"\xef\xbb\xbf" + csv_rows([row]))

    def add(self, counts: list[int], fragments: list[bytes]) -> None:
        """Add rows made by :func:`csv_rows`."""
        for i, (f, n, fragment) in enumerate(zip(self.files, counts, fragments, strict=True)):
            if n:
                f.write(fragment)
                self.rows[i] += n

    def counts(self) -> dict[str, int]:
        return dict(zip(self.names, self.rows, strict=True))

    def save(self, path: str | os.PathLike) -> None:
        for f in self.files:
            f.close()
        with zipfile.ZipFile(path, "w") as archive:
            for name, source in zip(self.names, self.paths, strict=True):
                _zip_entry(archive, f"{name}.csv", source)
        self.discard()

    def discard(self) -> None:
        for f in self.files:
            if not f.closed:
                f.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SplitWorkbook:
    """Workbooks of one name, split into parts where a sheet would pass Excel's row limit."""

    def __init__(self, folder: str, sheets: list[str], titles: list[list[str]], *, split: bool = True) -> None:
        self.folder = folder
        self.sheets = sheets
        self.titles = titles
        self.split = split
        self.parts: list[tuple[str, dict[str, int]]] = []
        self.current = Workbook(folder, sheets, titles)
        self.too_big = False

    def add(self, counts: list[int], fragments: list[bytes]) -> None:
        if self.too_big:
            return
        if not self.current.fits(counts):
            if not self.split or not any(self.current.counts().values()):
                # Not split (the whole publication in one file) or one process alone is too big.
                self.too_big = True
                self.current.discard()
                return
            self._close()
            self.current = Workbook(self.folder, self.sheets, self.titles)
        self.current.add(counts, fragments)

    def _close(self) -> None:
        fd, path = tempfile.mkstemp(suffix=".xlsx", dir=self.folder)
        os.close(fd)
        counts = self.current.counts()
        self.current.save(path)
        self.parts.append((path, counts))

    def finish(self) -> list[tuple[str, dict[str, int]]]:
        """The saved parts: (temporary path, rows per sheet); none when the rows did not fit."""
        if self.too_big:
            for path, _ in self.parts:
                Path(path).unlink(missing_ok=True)
            return []
        self._close()
        return self.parts


def read_csv_archive(path: str | os.PathLike) -> dict[str, list[list[str]]]:
    """The tables of a CSV archive (for tests and people's scripts)."""
    with zipfile.ZipFile(path) as archive:
        return {
            name.removesuffix(".csv"): list(csv.reader(io.TextIOWrapper(archive.open(name), encoding="utf-8-sig")))
            for name in archive.namelist()
        }

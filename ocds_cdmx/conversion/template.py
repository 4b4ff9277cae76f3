"""Blank workbooks to fill in: the platform's upload layout of a mapping, ready for ``cdmx convert``.

:func:`template_sheets` works out, from a mapping, the sheets a data officer fills: the main sheet
("Reporte de Formatos": row 1 the format id, rows 2–3 its title and short name, row 4 the type codes,
row 5 the field ids, row 6 "Tabla Campos", row 7 the labels, data from row 8), its ``Tabla_<id>``
sub-tables (row 3 the labels from ``ID``, data from row 4) and the agency's own sheets (PAAAPS, CLC,
works progress: labels on row 1). Every column has its label, field id and type code, its catalog
(the platform's ``Hidden_`` values, else the labels the mapping's value map knows), whether a useful
publication needs it, what goes in it and an example value. :func:`write_template` writes them with
openpyxl: catalog columns as dropdowns (data validation over hidden catalog sheets), dates and amounts
formatted, widths set, headers frozen, and a first sheet "Instrucciones" in Spanish (or English).

An agency's mapping reads every layout: its template is the platform's current one (2024+).
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..core.errors import CdmxError
from ..io.output import write_bytes_atomic
from ..report.messages import N_, text, tr
from .mapping import Mapping, is_agency, load, rebase

#: The layout an agency's template follows: the platform's current one.
CURRENT_LAYOUT = "transparencia-2024"
#: Rows given a dropdown (the platform's templates take about a thousand a quarter).
ROWS = 1000
#: Type codes of the upload templates' row 4 (1 short text, 2 long text, 4 date, 6 amount, 7 link,
#: 9 catalog, 10 sub-table), for the columns whose code the mapping does not give.
_CODES = {"date": "4", "number": "6", "url": "7", "boolean": "9"}
_DATE = datetime(2024, 7, 15)


@dataclass(frozen=True)
class TemplateColumn:
    """One column to fill."""

    name: str
    label: str
    type: str = "string"
    field_id: str = ""
    type_code: str = "1"
    catalog: tuple[str, ...] = ()
    #: Needed for a useful publication (the OCID, an essential, a required column).
    needed: bool = False
    #: The OCDS fields it feeds, or why it is not published (the mapping's words).
    ocds: str = ""
    note: str = ""
    published: bool = True
    example: Any = None
    #: The sub-table sheet its value points at (``Tabla_579209``).
    table: str | None = None


@dataclass(frozen=True)
class TemplateSheet:
    """One sheet to fill: ``main``, a ``subtable`` or one of the agency's own ``sheet``s."""

    name: str
    kind: str
    columns: tuple[TemplateColumn, ...]
    #: The row of the labels; data start on the next one.
    header_row: int = 1
    #: The mapping's name of a sub-table or an agency sheet.
    key: str = ""


@dataclass
class TemplateResult:
    """What :func:`write_template` wrote."""

    output: str
    mapping: str
    sheets: list[TemplateSheet] = field(default_factory=list)

    @property
    def dropdowns(self) -> int:
        return sum(1 for s in self.sheets for c in s.columns if c.catalog)


def _mapping(mapping: str | os.PathLike | Mapping) -> Mapping:
    loaded = mapping if isinstance(mapping, Mapping) else load(mapping)
    if loaded.data.get("mode") == "ocds-paths":
        raise CdmxError("template_ocds_paths", loaded.source)
    if is_agency(loaded) and loaded.layout_base and not loaded.layout_base.endswith(f"{CURRENT_LAYOUT}.yaml"):
        loaded = rebase(loaded, CURRENT_LAYOUT)
    return loaded


def template_sheets(mapping: str | os.PathLike | Mapping) -> list[TemplateSheet]:
    """The sheets of a mapping's blank workbook, in order: the main sheet, its sub-tables, the agency's."""
    data = _mapping(mapping).data
    layout = data.get("layout") or {}
    ids = layout.get("field_ids", {})
    catalogs = layout.get("catalogs", {})
    ocid = re.findall(r"\{([^{}]+)\}", (data.get("ocid") or {}).get("template", ""))
    needed = {c for columns in data.get("essentials", {}).values() for c in columns} | set(ocid)
    subtables = {s["key"]: (s, i) for i, s in enumerate(data.get("subtables", []))}
    # The columns a process reads only when another one is blank (a person's name after the company's,
    # the contract's validity after the delivery dates, a foreign address): blank in the example.
    fallbacks = _fallbacks(data)
    key = (data.get("agency") or {}).get("key") or "CLAVE"

    def columns(specs: dict, prefix: str = "", tables: dict | None = None) -> tuple[TemplateColumn, ...]:
        out = []
        for name, spec in specs.items():
            ident, _, code = str(ids.get(prefix + name, "")).partition("/")
            if ids and not ident and not prefix:
                continue  # not in the upload template (the CSV export's first columns)
            catalog = tuple(catalogs.get(prefix + name) or _map_labels(spec))
            sub = (tables or {}).get(name)
            table = _table_name(*sub) if sub else None
            kind = spec.get("type", "string")
            code = code or ("10" if table else "9" if catalog else _CODES.get(kind, "1"))
            out.append(
                TemplateColumn(
                    name=name,
                    label=spec["label"],
                    type=kind,
                    field_id=ident,
                    type_code=code,
                    catalog=catalog,
                    needed=name in needed or bool(spec.get("required")),
                    ocds=_ocds(spec),
                    note=spec.get("reason") or spec.get("use") or "",
                    published=not spec.get("reason"),
                    example=None if prefix + name in fallbacks else _example(name, kind, catalog, table, key),
                    table=table,
                )
            )
        return tuple(out)

    sheets = [TemplateSheet("Reporte de Formatos", "main", columns(data["columns"], tables=subtables), 7)]
    for position, sub in enumerate(data.get("subtables", [])):
        sheets.append(TemplateSheet(_table_name(sub, position), "subtable", columns(sub["columns"], f"{sub['name']}."), 3,
                                    sub["name"]))  # fmt: skip
    for sheet in data.get("sheets", []):
        names = (sheet.get("sheet") or {}).get("names") or [sheet["name"]]
        sheets.append(TemplateSheet(names[0][:31], "sheet", columns(sheet["columns"], f"{sheet['name']}."), 1,
                                    sheet["name"]))  # fmt: skip
    return sheets


def _table_name(sub: dict, position: int) -> str:
    """The sheet of a sub-table: its name in the mapping, else (the 2015–2017 layouts, known only from
    downloads) a numbered one, which its column's label names as the platform's do."""
    names = (sub.get("sheet") or {}).get("names") or [f"Tabla_{position + 1}"]
    return names[0]


def _map_labels(spec: dict) -> list[str]:
    """The labels a column's value map knows, when it is a catalog."""
    for target in [spec, *(t for t in spec.get("fields", []) if isinstance(t, dict))]:
        if isinstance(target.get("map"), dict):
            return [str(k) for k in target["map"]]
    if spec.get("type") == "boolean":
        return ["Si", "No"]
    return []


def _ocds(spec: dict) -> str:
    paths = [spec["field"]] if spec.get("field") else []
    paths += [f if isinstance(f, str) else f["path"] for f in spec.get("fields", [])]
    if spec.get("document"):
        paths.append(f"{spec['document']['in']}/documents ({spec['document']['documentType']})")
    return ", ".join(paths)


def _fallbacks(data: dict) -> set[str]:
    out: set[str] = set()

    def party(spec: dict, prefix: str = "") -> None:
        for option in spec.get("name", [])[1:]:
            out.update(prefix + c for c in (option if isinstance(option, list) else [option]))
        address = spec.get("address") or {}
        for part in ("country", "foreign_city"):
            if address.get(part):
                out.add(prefix + address[part])
        out.update(prefix + c for c in address.get("foreign_street", []))

    for spec in data.get("parties", []):
        party(spec)
    for sub in data.get("subtables", []):
        if sub.get("party"):
            party(sub["party"], f"{sub['name']}.")
    for derived in (data.get("derived") or {}).values():
        out.update(derived.get("first", [])[1:])
    # Sex is a personal datum that is not published: the example leaves it blank.
    out.update(n for n in data["columns"] if n == "sexo")
    out.update(f"{s['name']}.sexo" for s in data.get("subtables", []) if "sexo" in s["columns"])
    return out


def _example(name: str, kind: str, catalog: tuple[str, ...], table: str | None, key: str) -> Any:
    """A value that reads as the column asks (a company, a direct award, an amount in pesos)."""
    if table:
        return 1
    if catalog:
        if set(catalog) >= {"Si", "No"}:
            return "No"
        return catalog[0]
    if kind == "date":
        return _DATE
    if kind == "number":
        return 150000.0
    if kind == "url":
        return f"https://transparencia.cdmx.gob.mx/{key.lower()}/2024/{name}.pdf"
    if kind == "code":
        return "06000" if "cp" in name or "postal" in name else "015"
    hints = {
        "ejercicio": "2024",
        "expediente": f"{key}/DRM/AD-001/2024",
        "contrato": f"{key}/DRM/AD-001/2024",
        "numero": "CM-01",
        "clc": "CLC0010000009-2024",
        "partida": "2111",
        "moneda": "MXN",
        "tipo_cambio": "1",
    }
    if name in hints:
        return hints[name]
    if "rfc" in name:
        return "EFA1506224M8"
    if "razon_social" in name or name == "beneficiario":
        return "Equipos Forestales del Ajusco, S.A. de C.V."
    return f"{name.replace('_', ' ').capitalize()} (ejemplo)"


def write_template(
    mapping: str | os.PathLike | Mapping, output: str | os.PathLike, *, lang: str = "es"
) -> TemplateResult:
    """Write the blank workbook of ``mapping`` to ``output`` (.xlsx, atomically), its instructions in
    ``lang``. Needs openpyxl."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise CdmxError("template_no_openpyxl", str(output)) from None
    loaded = _mapping(mapping)
    data = loaded.data
    name = os.path.splitext(os.path.basename(loaded.source))[0]
    sheets = template_sheets(loaded)
    book = Workbook()
    notes = book.active
    notes.title = "Instrucciones"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    def catalog_sheet(values: tuple[str, ...], sheet_name: str) -> str:
        ws = book.create_sheet(sheet_name[:31])
        for value in values:
            ws.append([value])
        ws.sheet_state = "hidden"
        return f"'{ws.title}'!$A$1:$A${len(values)}"

    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        first = sheet.header_row + 1
        if sheet.kind == "main":
            layout = data.get("layout") or {}
            ws.append([layout.get("format", "")])
            ws.append(["TÍTULO", None, None, "NOMBRE CORTO", None, None, "DESCRIPCIÓN"])
            ws.append([layout.get("title", layout.get("name", "")), None, None, layout.get("short_name", ""), None,
                       None, data.get("title", "")])  # fmt: skip
            ws.append([c.type_code for c in sheet.columns])
            ws.append([c.field_id or None for c in sheet.columns])
            ws.append(["Tabla Campos"])
            ws.append([f"{c.label}\n{c.table}" if c.table else c.label for c in sheet.columns])
        elif sheet.kind == "subtable":
            ws.append([None, *(c.type_code for c in sheet.columns)])
            ws.append([None, *(c.field_id or None for c in sheet.columns)])
            ws.append(["ID", *(c.label for c in sheet.columns)])
        else:
            ws.append([c.label for c in sheet.columns])
        offset = 1 if sheet.kind == "subtable" else 0
        own = 0
        for i, column in enumerate(sheet.columns):
            letter = get_column_letter(i + 1 + offset)
            header = ws[f"{letter}{sheet.header_row}"]
            header.font = bold
            header.alignment = wrap
            ws.column_dimensions[letter].width = max(14, min(48, len(column.label) * 0.45))
            cells = f"{letter}{first}:{letter}{ROWS + first}"
            if column.catalog:
                # Named as the platform names them: Hidden_<n> for the main sheet's, Hidden_<n>_<sheet> for
                # a sub-table's (and the agency's sheets').
                own += 1
                where = f"Hidden_{own}" if sheet.kind == "main" else f"Hidden_{own}_{sheet.name}"
                validation = DataValidation(type="list", formula1=f"={catalog_sheet(column.catalog, where)}",
                                            allow_blank=True, showErrorMessage=True)  # fmt: skip
                validation.add(cells)
                ws.add_data_validation(validation)
            fmt = {"date": "dd/mm/yyyy", "number": "#,##0.00"}.get(column.type)
            if fmt:
                # The column's style, not its cells': empty cells would be read as a thousand blank rows.
                ws.column_dimensions[letter].number_format = fmt
        if sheet.kind == "subtable":
            ws.column_dimensions["A"].width = 8
        ws.freeze_panes = f"{'B' if sheet.kind == 'subtable' else 'A'}{first}"
    _instructions(notes, sheets, name, data, lang, bold, wrap)
    buffer = io.BytesIO()
    book.save(buffer)
    write_bytes_atomic(output, buffer.getvalue())
    return TemplateResult(str(output), name, sheets)


def _instructions(ws: Any, sheets: list[TemplateSheet], name: str, data: dict, lang: str, bold: Any, wrap: Any) -> None:
    """The first sheet: how to fill the workbook, then every column (what goes in it, whether it is
    needed, its values and an example)."""
    main = sheets[0]
    own = [s.name for s in sheets if s.kind == "sheet"]
    from openpyxl.styles import Font

    ws.append([text("template_title", lang, mapping=name, title=data.get("title", ""))])
    ws["A1"].font = Font(bold=True, size=14)
    agency = (data.get("agency") or {}).get("name")
    if agency:
        ws.append([text("template_agency", lang, agency=agency)])
    steps = ["template_step_rows", "template_step_needed", "template_step_values", "template_step_subtables"]
    if own:
        steps.append("template_step_own")
    steps.append("template_step_convert")
    for step in steps:
        ws.append([text(step, lang, main=main.name, row=main.header_row + 1, sheets=", ".join(own), mapping=name)])
    ws.append([])
    heads = ["template_sheet", "template_column", "template_field_id", "template_type", "template_needed",
             "template_what", "template_values", "template_example"]  # fmt: skip
    ws.append([text(h, lang) for h in heads])
    header = ws.max_row
    for cell in ws[header]:
        cell.font = bold
    for sheet in sheets:
        for column in sheet.columns:
            if column.published:
                what = column.ocds or column.note
                if column.ocds and column.note:
                    what = f"{column.ocds} — {column.note}"
            else:
                what = text("template_not_published", lang, reason=column.note)
            example = column.example.strftime("%d/%m/%Y") if isinstance(column.example, datetime) else column.example
            ws.append([
                sheet.name, column.label, column.field_id or None, tr(_type_name(column), lang),
                text("template_yes", lang) if column.needed else None, what,
                " | ".join(column.catalog) if column.catalog else None, example,
            ])  # fmt: skip
            for cell in ws[ws.max_row]:
                cell.alignment = wrap
    for letter, width in zip("ABCDEFGH", (22, 48, 10, 12, 10, 60, 40, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header + 1}"


def _type_name(column: TemplateColumn) -> str:
    if column.table:
        return TYPE_NAMES["subtable"]
    if column.catalog:
        return TYPE_NAMES["catalog"]
    return TYPE_NAMES.get(column.type, TYPE_NAMES["string"])


#: Column types as the instructions name them.
TYPE_NAMES = {
    "catalog": N_("catalog"),
    "subtable": N_("sub-table ID"),
    "string": N_("text"),
    "date": N_("date"),
    "number": N_("amount"),
    "integer": N_("whole number"),
    "url": N_("link"),
    "boolean": N_("yes/no"),
    "code": N_("code"),
}

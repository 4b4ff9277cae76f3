"""cdmx template: the blank workbook of every mapping; filled in with openpyxl, it converts keeping every value."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ocds_cdmx.cli import main
from ocds_cdmx.conversion.mapping import bundled, load
from ocds_cdmx.conversion.template import template_sheets

from .conftest import AGENCY, OCDS

MAPPINGS = [m for m in bundled() if m != "ocds-template"]


def _template(mapping: str, path: Path, *options: str) -> None:
    result = CliRunner().invoke(main, ["template", mapping, "-o", str(path), *options])
    assert result.exit_code == 0, result.output
    assert path.exists()


def _fill(path: Path, mapping: str) -> dict[tuple[str, str], object]:
    """One row per sheet, as a data officer types it: the example of each column. Returns what was typed."""
    book = load_workbook(path)
    typed: dict[tuple[str, str], object] = {}
    for sheet in template_sheets(mapping):
        ws = book[sheet.name]
        row = sheet.header_row + 1
        offset = 2 if sheet.kind == "subtable" else 1
        if sheet.kind == "subtable":
            ws.cell(row, 1, 1)
        for i, column in enumerate(sheet.columns):
            assert ws.cell(sheet.header_row, i + offset).value.split("\n")[0] == column.label
            if column.example is None:
                continue
            value = column.example
            if column.name in ("expediente", "contrato") and sheet.kind != "subtable":
                value = "AGENCIA/DRM/AD-001/2024"
            ws.cell(row, i + offset, value)
            typed[(sheet.name, column.name)] = value
    book.save(path)
    return typed


@pytest.mark.parametrize("mapping", MAPPINGS)
def test_every_mapping_has_a_template_in_the_platforms_layout(mapping, tmp_path: Path):
    path = tmp_path / "plantilla.xlsx"
    _template(mapping, path)
    book = load_workbook(path)
    assert book.sheetnames[0] == "Instrucciones" and book.sheetnames[1] == "Reporte de Formatos"
    main_sheet = book["Reporte de Formatos"]
    assert main_sheet.freeze_panes == "A8" and main_sheet["A6"].value == "Tabla Campos"
    sheets = template_sheets(mapping)
    catalogs = [c for c in sheets[0].columns if c.catalog]
    validations = main_sheet.data_validations.dataValidation
    assert len(validations) == len(catalogs) > 0
    hidden = [ws for ws in book.worksheets if ws.sheet_state == "hidden"]
    assert hidden and all(ws.title.startswith("Hidden_") for ws in hidden)
    for column, validation in zip(catalogs, validations, strict=True):
        sheet_name = validation.formula1.split("!")[0].lstrip("=").strip("'")
        assert [r[0] for r in book[sheet_name].iter_rows(values_only=True)] == list(column.catalog)
    for sheet in sheets[1:]:
        assert sheet.name in book.sheetnames
    dates = [i for i, c in enumerate(sheets[0].columns) if c.type == "date"]
    letter = main_sheet.cell(7, dates[0] + 1).column_letter
    assert main_sheet.column_dimensions[letter].number_format == "dd/mm/yyyy"


def test_the_current_layout_with_its_field_ids_and_the_agencys_sheets(tmp_path: Path):
    path = tmp_path / "plantilla.xlsx"
    _template("obras", path)
    book = load_workbook(path)
    main_sheet = book["Reporte de Formatos"]
    assert main_sheet["A1"].value == "59483"  # an agency's template: the platform's current layout
    assert main_sheet["A5"].value == "579212" and main_sheet["A7"].value == "Ejercicio"
    labels = [c.value for c in main_sheet[7]]
    assert "Posibles licitantes, proveedora(e)s o contratistas\nTabla_579209" in labels
    assert "Sujeto obligado" not in labels  # the CSV export's columns are not the upload template's
    assert {"Tabla_579209", "Tabla_579240", "PAAAPS", "Avance de obra"} <= set(book.sheetnames)
    assert book["Tabla_579209"]["A3"].value == "ID" and book["Tabla_579209"]["B2"].value == "79654"


def test_instructions_in_spanish_and_in_english(tmp_path: Path):
    es, en = tmp_path / "es.xlsx", tmp_path / "en.xlsx"
    _template("sedema", es)
    _template("sedema", en, "--lang", "en")
    spanish = list(load_workbook(es)["Instrucciones"].iter_rows(values_only=True))
    english = list(load_workbook(en)["Instrucciones"].iter_rows(values_only=True))
    assert "Plantilla" in spanish[0][0] and "Template" in english[0][0]
    heading = next(r for r in spanish if r[0] == "Hoja")
    assert heading[1] == "Columna (etiqueta)" and heading[7] == "Ejemplo"
    assert any(r[0] == "Sheet" for r in english)
    expediente = next(r for r in spanish if r[1] == "Número de expediente, folio o nomenclatura")
    assert expediente[4] == "necesaria" and expediente[7]
    # The labels stay the platform's in English.
    assert load_workbook(en)["Reporte de Formatos"]["A7"].value == "Ejercicio"


def _values(obj) -> list:
    if isinstance(obj, dict):
        return [v for value in obj.values() for v in _values(value)]
    if isinstance(obj, list):
        return [v for value in obj for v in _values(value)]
    return [obj]


@pytest.mark.parametrize("mapping", ["sedema", "finanzas", "obras", "transparencia-adjudicaciones",
                                     "transparencia-licitaciones-2021", "transparencia-adjudicaciones-2015"])  # fmt: skip
def test_a_filled_template_converts_keeping_every_value(mapping, tmp_path: Path):
    path = tmp_path / "plantilla.xlsx"
    _template(mapping, path)
    typed = _fill(path, mapping)
    agency = () if load(mapping).data.get("agency") else AGENCY
    result = CliRunner().invoke(main, ["convert", str(path), "-m", mapping, *agency, "--report", "json", "--lang", "en",
                                       "--schema-dir", str(OCDS), "--offline"])  # fmt: skip
    report = json.loads(result.stderr)
    assert result.exit_code == 0, report
    assert report["validation"]["errors"] == 0
    assert not report["rejects"] and not [f for f in report["findings"] if f["severity"] == "error"]
    assert not [f for f in report["findings"] if f["check"] == "value_not_in_map"]
    # Nothing missing but what the layout has no column for (the 2015–2017 layouts have no RFC).
    lacks = {"rfc"} - set(load(mapping).data.get("essentials", {}))
    missing = [f["params"]["missing"] for f in report["findings"] if f["check"] == "essential_missing"]
    assert all(set(m.split(", ")) <= lacks for m in missing), missing
    assert report["sheets"][0]["converted"] == 1 and report["sheets"][0]["blank"] == 0
    package = json.loads(result.stdout)
    values = [str(v) for r in package["releases"] for v in _values(r)]
    every = "\n".join(values)
    sheets = {s.name: s for s in template_sheets(mapping)}
    for (sheet, name), value in typed.items():
        column = next(c for c in sheets[sheet].columns if c.name == name)
        if not column.published or column.table or column.catalog or name in ("moneda", "sexo"):
            continue  # not published by design; an ID; a catalog label published as its code
        if isinstance(value, datetime):
            assert any(v.startswith("2024-07-15") for v in values), (sheet, name)
        elif isinstance(value, float):
            assert any(v in ("150000", "150000.0") for v in values), (sheet, name)
        else:
            assert str(value) in every, (sheet, name, value)
    assert all("buyer" in r for r in package["releases"])


def test_ocds_path_sheets_have_no_template(tmp_path: Path):
    result = CliRunner().invoke(main, ["template", "ocds-template", "-o", str(tmp_path / "x.xlsx"), "--lang", "en"])
    assert result.exit_code == 2 and "flattentool" in result.stderr and not (tmp_path / "x.xlsx").exists()

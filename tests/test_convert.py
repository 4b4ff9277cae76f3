"""cdmx convert: the transparency format 43335 in its layouts, values, row accounting, bad input."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ocds_cdmx.cli import main
from ocds_cdmx.conversion.mapping import load
from ocds_cdmx.conversion.values import ValueProblem, normalize_label, to_datetime, to_number
from ocds_cdmx.core.errors import MappingError
from ocds_cdmx.core.release_ids import release_id

from .conftest import AGENCY, MAPPINGS, OCDS, ROOT

SAMPLES = ROOT / "samples"
XLSX = SAMPLES / "A121Fr30B_2024T3.xlsx"
XLS = SAMPLES / "A121Fr30B_2024T3.xls"
CSV = SAMPLES / "A121Fr30B_2024T3_descarga.csv"
MAPPING = "transparencia-adjudicaciones"
PUBLISHED = "2024-10-16T00:00:00-06:00"


def _convert(source: Path, *options: str, mapping: str = MAPPING) -> tuple[int, dict, dict | None]:
    result = CliRunner().invoke(
        main, ["convert", str(source), "-m", mapping, *AGENCY, "--report", "json", "--lang", "en", "--published-date",
               PUBLISHED, "--schema-dir", str(OCDS), "--offline", *options],
    )  # fmt: skip
    report = json.loads(result.stderr)
    package = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, report, package


def _releases(package: dict, ocid: str) -> dict[str, dict]:
    return {r["tag"][0]: r for r in package["releases"] if r["ocid"] == ocid}


def _check(report: dict, check: str) -> dict:
    (finding,) = [f for f in report["findings"] if f["check"] == check]
    return finding


# -- the sample, upload template ------------------------------------------------------------------


@pytest.fixture(scope="module")
def converted() -> tuple[int, dict, dict]:
    code, report, package = _convert(XLSX)
    return code, report, package


def test_the_sample_converts_to_a_valid_package(converted):
    code, report, package = converted
    assert code == 0, report
    assert report["validation"]["errors"] == 0 and report["validation"]["valid"]
    assert report["releases"] == 32 and report["ocids"] == 8
    main_sheet = report["sheets"][0]
    # Every row read is accounted for: the blank row in the middle too.
    assert main_sheet == {"sheet": "Reporte de Formatos", "header_row": 7, "read": 9, "converted": 8,
                          "rejected": 0, "blank": 1, "nothing_to_report": 0, "unmapped_columns": []}  # fmt: skip
    assert package["extensions"] == [
        "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"
    ]


def test_values_at_their_ocds_paths(converted):
    _, _, package = converted
    ocid = "ocds-87sd3t-SAF-DGRMSG-AD-001-2024"  # trailing spaces trimmed, / turned into -
    stages = _releases(package, ocid)
    assert list(stages) == ["planning", "tender", "award", "contract"]
    contract = stages["contract"]
    assert contract["id"] == release_id(ocid, "contract", contract) and contract["tag"] == ["contract"]
    assert contract["id"].startswith(f"{ocid}-contract-")
    assert contract["tender"]["procurementMethod"] == "direct"
    assert contract["tender"]["procurementMethodDetails"] == "Adjudicación directa"
    (signed,) = contract["contracts"]
    # An Excel serial date, in Mexico City's offset.
    assert signed["dateSigned"] == "2024-07-08T00:00:00-06:00"
    assert signed["value"] == {"amount": 1452664.9, "currency": "MXN"}  # "$1,452,664.90" in the cell
    assert signed["documents"][0]["documentType"] == "contractSigned"
    assert signed["documents"][0]["url"] == "https://transparencia.cdmx.gob.mx/contratos/CS-001-2024.pdf"
    supplier = next(p for p in contract["parties"] if "supplier" in p["roles"])
    assert supplier["identifier"] == {
        "scheme": "MX-RFC", "id": "CPV0105228K3", "legalName": "Construcciones Peña del Valle, S.A. de C.V."
    }  # fmt: skip
    assert contract["awards"][0]["suppliers"] == [{"id": supplier["id"], "name": supplier["name"]}]
    # The quotes of Tabla_334271: tenderers and their bids.
    assert len(contract["tender"]["tenderers"]) == 3
    assert [b["value"]["amount"] for b in contract["bids"]["details"]][:1] == [1452664.9]
    # The tender release does not carry the award's supplier as a party yet.
    assert all("supplier" not in p["roles"] or "tenderer" in p["roles"] for p in stages["tender"]["parties"])


def test_text_dates_persons_rfcs_with_ampersand_and_amendments(converted):
    _, _, package = converted
    second = _releases(package, "ocds-87sd3t-SAF-DGRMSG-AD-002-2024")["contract"]
    assert second["contracts"][0]["dateSigned"] == "2024-07-15T00:00:00-06:00"  # "15/07/2024" as text
    assert any(p.get("identifier", {}).get("id") == "MAS&980312AB1" for p in second["parties"])
    person = _releases(package, "ocds-87sd3t-SAF-DGRMSG-AD-003-2024")["contract"]
    supplier = next(p for p in person["parties"] if "supplier" in p["roles"])
    assert supplier["name"] == "María Fernanda López Güemes"  # Nombre(s) + apellidos
    amended = _releases(package, "ocds-87sd3t-SAF-DGRMSG-AD-004-2024")["contract"]
    (amendment,) = amended["contracts"][0]["amendments"]
    assert amendment == {
        "id": "CM-01", "date": "2024-10-20T00:00:00-06:00", "description": "Ampliación del plazo de ejecución",
        "rationale": "Ampliación del plazo de ejecución",
    }  # fmt: skip
    # Public works (Tabla_334255): the stage of the works as a milestone of the contract.
    assert second["contracts"][0]["milestones"][0]["title"] == "en ejecución"
    assert second["tender"]["mainProcurementCategory"] == "works"


def test_the_same_workbook_gives_the_same_bytes(tmp_path: Path):
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"{n}.json"
        code, _, _ = _convert(XLSX, "-o", str(out))
        assert code == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_xlsm_gives_the_same_releases(converted, tmp_path: Path):
    # A macro-enabled workbook is the same package with another content type; its macros are never run.
    book = load_workbook(XLSX)
    path = tmp_path / "A121Fr30B_2024T3.xlsm"
    book.save(path)
    _, _, from_xlsx = converted
    code, _, from_xlsm = _convert(path)
    assert code == 0
    assert from_xlsm["releases"] == from_xlsx["releases"]


def test_xls_template_gives_the_same_releases(converted):
    _, _, from_xlsx = converted
    code, _, from_xls = _convert(XLS)
    assert code == 0
    assert from_xls["releases"] == from_xlsx["releases"]


def test_public_download_xlsx_with_title_cased_labels_on_row_6(converted):
    _, _, from_template = converted
    code, report, package = _convert(SAMPLES / "A121Fr30B_2024T3_descarga.xlsx")
    assert code == 0, report["findings"]
    assert report["sheets"][0]["header_row"] == 6
    # "Nombre Completo O Razón Social De Las Cotizaciones… (Tabla_334271)" still points at its sub-table.
    assert [s["sheet"] for s in report["sheets"][1:]] == ["Tabla_334271", "Tabla_334255", "Tabla_334268"]
    assert package["releases"] == from_template["releases"]


def test_latin1_public_download_csv(converted):
    _, _, from_xlsx = converted
    code, report, package = _convert(CSV)
    assert code == 0
    assert report["sheets"][0]["header_row"] == 4  # after the metadata block, Title-Cased labels
    # Without the sub-tables the content differs, and so do the ids (they hash the content).
    ours = {(r["ocid"], r["tag"][0]): r for r in package["releases"]}
    assert set(ours) == {(r["ocid"], r["tag"][0]) for r in from_xlsx["releases"]}
    first = ours["ocds-87sd3t-SAF-DGRMSG-AD-001-2024", "contract"]
    assert first["contracts"][0]["value"] == {"amount": 1452664.9, "currency": "MXN"}
    assert first["tender"]["description"].startswith("Mantenimiento")
    # The CSV has no Tabla_ sheets: the rows that point at them are reported, not silently dropped.
    missing = [f for f in report["findings"] if f["check"] == "subtable_missing"]
    assert {f["params"]["table"] for f in missing} == {"Tabla_334271", "Tabla_334255", "Tabla_334268"}


def test_format_43336_licitaciones_with_its_subtables():
    code, report, package = _convert(SAMPLES / "A121Fr30A_2024T3.xlsx", mapping="transparencia-licitaciones")
    assert code == 0, report["findings"]
    assert report["validation"]["valid"] and report["releases"] == 24
    first = _releases(package, "ocds-87sd3t-SOBSE-DGOP-LPN-001-2024")
    second = _releases(package, "ocds-87sd3t-SOBSE-DGOP-IR-002-2024")
    assert first["tender"]["tender"]["procurementMethod"] == "open"
    assert second["tender"]["tender"]["procurementMethod"] == "limited"
    assert second["tender"]["tender"]["tenderPeriod"] == {"startDate": "2024-07-23T00:00:00-06:00"}
    # Invited suppliers (Tabla_334277) are interested parties from the tender on; bidders are tenderers.
    roles = {p["name"]: p["roles"] for p in second["tender"]["parties"]}
    assert "interestedParty" in roles["Servicios Integrales Ñandú SC"]
    assert roles["MAÑANA & ASOCIADOS S.A. DE C.V."] == ["interestedParty", "tenderer"]
    assert roles["José Ángel Hernández Núñez"] == ["enquirer"]  # at the clarifications meeting
    # Budget lines (partida presupuestal, Tabla_334309) with the budget breakdown extension.
    assert second["contract"]["planning"]["budget"]["budgetBreakdown"] == [{"id": "6121", "description": "6121"}]
    # Public works: the place as an item, the stage as the contract's status, the amendment.
    assert second["contract"]["tender"]["items"] == [{"id": "1", "description": "Alcaldía Iztapalapa"}]
    assert second["contract"]["contracts"][0]["status"] == "active"
    fifth = _releases(package, "ocds-87sd3t-SOBSE-DGOP-LPN-005-2024")["contract"]
    assert fifth["contracts"][0]["amendments"][0]["id"] == "CM-OP-005-1"


def test_format_43336_public_download_csv():
    code, report, package = _convert(SAMPLES / "A121Fr30A_2024T3_descarga.csv", mapping="transparencia-licitaciones")
    assert code == 0, report["findings"]
    assert report["sheets"][0]["header_row"] == 4 and report["sheets"][0]["converted"] == 6
    _, _, from_xlsx = _convert(SAMPLES / "A121Fr30A_2024T3.xlsx", mapping="transparencia-licitaciones")
    ours = {(r["ocid"], r["tag"][0]): r for r in package["releases"]}
    assert set(ours) == {(r["ocid"], r["tag"][0]) for r in from_xlsx["releases"]}
    release = ours["ocds-87sd3t-SOBSE-DGOP-LPN-001-2024", "contract"]
    assert release["tender"]["procurementMethod"] == "open"
    assert release["contracts"][0]["value"]["currency"] == "MXN"
    assert {f["params"]["table"] for f in report["findings"] if f["check"] == "subtable_missing"} >= {"Tabla_334277"}


def _convert_many(sources: list[Path], mapping: str) -> tuple[int, dict, dict]:
    result = CliRunner().invoke(
        main, ["convert", *map(str, sources), "-m", mapping, "--report", "json", "--published-date", PUBLISHED,
               "--schema-dir", str(OCDS), "--offline"],
    )  # fmt: skip
    return result.exit_code, json.loads(result.stderr), json.loads(result.stdout)


def test_finanzas_adds_its_programme_and_payment_orders():
    sources = [XLSX, SAMPLES / "paaaps-2024.xlsx", SAMPLES / "clc-2024T3.csv"]
    code, report, package = _convert_many(sources, "finanzas")
    assert code == 0, report["findings"]
    assert report["validation"]["valid"]
    assert [s["sheet"] for s in report["sheets"]][-2:] == ["PAAAPS", "clc-2024T3"]
    assert package["publisher"]["uid"] == "GDF9712054NA" and len(package["extensions"]) == 2
    stages = _releases(package, "ocds-87sd3t-SAF-DGRMSG-AD-001-2024")
    assert list(stages) == ["planning", "tender", "award", "contract", "implementation"]
    planning = stages["planning"]
    assert planning["date"] == "2024-01-31T00:00:00-06:00"
    assert planning["planning"]["budget"]["budgetBreakdown"][0]["id"] == "3571"  # partida presupuestal
    assert planning["buyer"] == {"id": "CDMX-SAF", "name": "Secretaría de Administración y Finanzas"}
    transactions = stages["implementation"]["contracts"][0]["implementation"]["transactions"]
    assert [t["id"] for t in transactions] == ["CLC0001001-2024", "CLC0001002-2024"]
    assert transactions[0]["payer"]["id"] == "CDMX-SAF"
    assert transactions[0]["payee"]["id"] == "MX-RFC-CPV0105228K3"
    assert transactions[1]["value"] == {"amount": 2000.0, "currency": "MXN"}
    # The contract release does not carry the payments yet.
    assert "implementation" not in stages["contract"]["contracts"][0]


def test_obras_adds_works_progress():
    sources = [SAMPLES / "A121Fr30A_2024T3.xlsx", SAMPLES / "avance-obras-2024T3.xlsx"]
    code, report, package = _convert_many(sources, "obras")
    assert code == 0, report["findings"]
    implementation = _releases(package, "ocds-87sd3t-SOBSE-DGOP-IR-002-2024")["implementation"]
    contract = implementation["contracts"][0]
    assert contract["status"] == "active"
    milestones = contract["implementation"]["milestones"]
    assert [m["title"] for m in milestones] == [
        "Avance físico 35 %, financiero 30 %",
        "Avance físico 60 %, financiero 52 %",
    ]
    assert {d["documentType"] for d in contract["implementation"]["documents"]} == {"physicalProgressReport"}
    assert implementation["date"] == "2024-11-30T00:00:00-06:00"


def test_the_builders_references_are_those_of_the_generic_walk():
    from ocds_cdmx.conversion.build import _references
    from ocds_cdmx.core.ocds import iter_references

    sources = [SAMPLES / "A121Fr30B_2024T3.xlsx", SAMPLES / "paaaps-2024.xlsx", SAMPLES / "clc-2024T3.csv"]
    _, _, package = _convert_many(sources, "finanzas")
    releases = package["releases"] + json.loads((SAMPLES / "releases.json").read_text(encoding="utf-8"))["releases"]
    payers = 0
    for release in releases:
        generic = {str(ref["id"]) for ref, _, _ in iter_references(release) if "id" in ref}
        assert _references(release) == generic, release["id"]
        payers += any(role == "payer" for _, _, role in iter_references(release))
    assert payers  # the payment orders' transactions are among them


# -- bad input ----------------------------------------------------------------------------------------


def _edit(tmp_path: Path, change) -> Path:
    book = load_workbook(XLSX)
    change(book["Reporte de Formatos"], book)
    path = tmp_path / "edited.xlsx"
    book.save(path)
    return path


def _column(sheet, label: str) -> int:
    return next(c.column for c in sheet[7] if c.value and normalize_label(c.value) == normalize_label(label))


def test_missing_required_column_names_the_nearest_labels(tmp_path: Path):
    def rename(sheet, _):
        sheet.cell(
            7, _column(sheet, "Número de expediente, folio o nomenclatura que lo identifique")
        ).value = "Número de expediente o folio"

    code, report, _ = _convert(_edit(tmp_path, rename))
    assert code == 2
    message = report["input_errors"][0]["message"]
    assert "required columns are missing" in message and "'Número de expediente o folio'" in message


def test_duplicate_label(tmp_path: Path):
    def duplicate(sheet, _):
        sheet.cell(7, _column(sheet, "Nota")).value = "Fecha del contrato"

    code, report, _ = _convert(_edit(tmp_path, duplicate))
    assert code == 2 and "appears twice" in report["input_errors"][0]["message"]


def test_unreadable_dates_and_amounts_are_reported_with_their_cell(tmp_path: Path):
    def spoil(sheet, _):
        sheet.cell(8, _column(sheet, "Fecha del contrato")).value = "el martes pasado"
        sheet.cell(
            9, _column(sheet, "Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)")
        ).value = "mucho"

    code, report, _ = _convert(_edit(tmp_path, spoil))
    assert code == 1
    problems = {(f["field"], f["locations"][0]["path"], f["locations"][0]["value"], f["params"]["expected"])
                for f in report["findings"] if f["check"] == "value_unreadable"}  # fmt: skip
    assert ("Fecha del contrato", "Reporte de Formatos/8/Fecha del contrato", "el martes pasado", "date") in problems
    assert any(p[2] == "mucho" and p[3] == "number" for p in problems)
    finding = next(f for f in report["findings"] if f["params"].get("expected") == "date")
    assert "15/03/2024" in finding["advice"]


def test_rows_without_ocid_are_rejected_and_listed(tmp_path: Path):
    def clear(sheet, _):
        sheet.cell(10, _column(sheet, "Número de expediente, folio o nomenclatura que lo identifique")).value = None

    rejects = tmp_path / "rechazos.csv"
    code, report, _ = _convert(_edit(tmp_path, clear), "--rejects", str(rejects))
    assert code == 1
    assert report["sheets"][0]["rejected"] == 1 and report["sheets"][0]["converted"] == 7
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0] == ["file", "sheet", "row", "column", "cell", "label", "value", "reason"]
    assert rows[1][1:] == ["Reporte de Formatos", "10", "", "", "", "", "row_without_ocid"]
    # Its quotes now point at nothing: reported as orphans.
    assert _check(report, "orphan_subrow")["count"] == 3


def test_a_formula_without_its_value_names_the_cell(tmp_path: Path):
    def formula(sheet, _):
        sheet.cell(9, _column(sheet, "Monto total de garantías y/o contragarantías, en caso de que se otorgaran "
                                     "durante el procedimiento")).value = "=T9*0.1"  # fmt: skip

    code, report, _ = _convert(_edit(tmp_path, formula))
    assert code == 1
    finding = _check(report, "formula_without_value")
    assert finding["locations"][0]["path"] == "Reporte de Formatos/AB9"
    assert "AB9" in finding["title"]


def test_corrupt_file_and_not_a_spreadsheet(tmp_path: Path):
    corrupt = tmp_path / "roto.xlsx"
    corrupt.write_bytes(XLSX.read_bytes()[:3000])
    code, report, _ = _convert(corrupt)
    assert code == 2 and "damaged" in report["input_errors"][0]["message"]
    other = tmp_path / "contrato.pdf"
    other.write_bytes(b"%PDF-1.4")
    code, report, _ = _convert(other)
    assert code == 2 and "not a spreadsheet" in report["input_errors"][0]["message"]


def test_zip_bomb_is_refused(tmp_path: Path):
    bomb = tmp_path / "bomba.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (300 << 20))
    code, report, _ = _convert(bomb)
    assert code == 2 and "zip bombs" in report["input_errors"][0]["message"]


def test_xml_entities_are_refused(tmp_path: Path):
    hostile = tmp_path / "entidades.xlsx"
    with zipfile.ZipFile(XLSX) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                text = data.decode("utf-8")
                head, _, rest = text.partition("?>")
                data = (head + '?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + rest).encode()
            target.writestr(item, data)
    code, report, _ = _convert(hostile)
    assert code == 2
    assert report["input_errors"][0]["key"] in ("unsafe_xml", "corrupt")


# -- mappings and values -------------------------------------------------------------------------------


def test_mappings_list_and_check():
    runner = CliRunner()
    listed = runner.invoke(main, ["mappings", "list"])
    assert listed.exit_code == 0 and "transparencia-adjudicaciones" in listed.output
    checked = runner.invoke(
        main,
        ["mappings", "check", str(MAPPINGS / "transparencia-adjudicaciones.yaml"), "--schema-dir", str(OCDS)],
    )
    assert checked.exit_code == 0 and "deliberately unmapped" in checked.output


def test_mappings_are_checked_against_ocds(tmp_path: Path):
    bad = tmp_path / "agencia.yaml"
    bad.write_text(
        "extends: transparencia-adjudicaciones\n"
        "columns:\n"
        "  tipo_procedimiento:\n"
        "    label: Tipo de procedimiento (catálogo)\n"
        "    fields:\n"
        "      - path: tender/procurementMethod\n"
        '        map: {"Adjudicación directa": directa}\n'
        "  materia:\n"
        "    label: Materia (catálogo)\n"
        "    field: tender/categoriaPrincipal\n"
        "  monto_sin_impuestos:\n"
        "    label: Monto del contrato sin impuestos incluidos\n"
        "    type: number\n"
        "    field: tender/title\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["mappings", "check", str(bad), "--schema-dir", str(OCDS), "--offline"])
    assert result.exit_code == 1
    assert ":3: tipo_procedimiento: 'directa' is not in the closed codelist method.csv" in result.stderr
    assert ":10: materia: tender/categoriaPrincipal is not an OCDS field" in result.stderr
    assert ":11: monto_sin_impuestos: makes a number, but tender/title holds string" in result.stderr
    for name in ("transparencia-adjudicaciones", "transparencia-licitaciones", "finanzas", "obras", "ocds-template"):
        path = MAPPINGS / f"{name}.yaml"
        checked = CliRunner().invoke(main, ["mappings", "check", str(path), "--schema-dir", str(OCDS), "--offline"])
        assert checked.exit_code == 0, checked.stderr


def test_a_bad_mapping_names_its_line(tmp_path: Path):
    bad = tmp_path / "agencia.yaml"
    bad.write_text("extends: transparencia-adjudicaciones\nagency:\n  key: SAF\n  nombre: typo\n", encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load(bad)
    assert any(line == 4 and "nombre" in message for line, message in raised.value.problems)
    result = CliRunner().invoke(main, ["mappings", "check", str(bad)])
    assert result.exit_code == 1 and ":4:" in result.stderr


@pytest.mark.parametrize(
    ("fmt", "name"), [("43335", "transparencia-adjudicaciones"), ("43336", "transparencia-licitaciones")]
)
def test_every_column_of_the_formats_is_mapped_or_explained(fmt: str, name: str):
    reference = (ROOT.parent / "shared" / "reference" / "pnt_formats_columns.md").read_text(encoding="utf-8")
    section = reference.split(f"## Format {fmt}")[1].split("## Format")[0]
    top = []
    for line in section.splitlines():
        if line.startswith("- ["):
            label = line[line.index("]") + 2 :].split(" → ")[0]
            top.append(re.sub(r" \((?:[^()]|\([^()]*\))*\)$", "", label))  # without its "(type)"
    mapping = load(name).data
    labels = {normalize_label(c["label"]) for c in mapping["columns"].values()}
    labels |= {normalize_label(x) for c in mapping["columns"].values() for x in c.get("labels", [])}
    assert [t for t in top if normalize_label(t) not in labels] == []
    for spec in mapping["columns"].values():
        assert spec.get("field") or spec.get("fields") or spec.get("document") or spec.get("use") or spec.get("reason")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15/03/2024", "2024-03-15T00:00:00-06:00"),
        ("2021-07-01", "2021-07-01T00:00:00-05:00"),  # daylight saving time, before 2022
        (45366, "2024-03-15T00:00:00-06:00"),  # an Excel serial date
        ("2024-03-15T10:30:00Z", "2024-03-15T10:30:00+00:00"),
    ],
)
def test_dates_take_mexico_citys_offset_on_that_day(value, expected):
    assert to_datetime(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("$1,234,567.89", 1234567.89), ("1.234.567,89", 1234567.89), ("(1,000.00)", -1000.0), ("12 MXN", 12), (7.5, 7.5)],
)
def test_amounts_in_mexican_formats(value, expected):
    assert to_number(value) == expected


@pytest.mark.parametrize("value", ["mucho", "1,2,3", "12..5"])
def test_unreadable_amounts(value):
    with pytest.raises(ValueProblem):
        to_number(value)


# -- OCDS-path workbooks, as flattentool reads them ----------------------------------------------------

FLATTENTOOL = ROOT.parent / "shared" / "fixtures" / "convert"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("flattentool_xlsx_cell_types/input.xlsx", "flattentool_xlsx_cell_types/expected_flattentool-0.28.0.json"),
        ("flattentool_type_conversion_quirks/input_csv_dir",
         "flattentool_type_conversion_quirks/expected_flattentool-0.28.0.json"),
        ("cove_ocds_tenders_releases_2_releases/input.xlsx",
         "cove_ocds_tenders_releases_2_releases/expected_flattentool-0.28.0/unflattened.json"),
        ("cove_ocds_tenders_releases_2_releases_with_metatab_version_1_1_extensions/input.xlsx",
         "cove_ocds_tenders_releases_2_releases_with_metatab_version_1_1_extensions/expected_flattentool-0.28.0/unflattened.json"),
        ("ocds_roundtrip_contract/flattened.xlsx", "ocds_roundtrip_contract/unflattened/unflattened.json"),
        ("ocds_roundtrip_contract/flattened-titles.xlsx", "ocds_roundtrip_contract/unflattened-titles/unflattened.json"),
        ("ocds_roundtrip_contract/flattened.ods", "ocds_roundtrip_contract/unflattened/unflattened.json"),
        ("ocds_roundtrip_contract/flattened-titles.ods", "ocds_roundtrip_contract/unflattened-titles/unflattened.json"),
        ("ocds_xlsx_with_errors/input.xlsx", "ocds_xlsx_with_errors/unflattened/unflattened.json"),
    ],
    ids=lambda value: value.split("/")[0] + ("/csv" if "." not in value.rsplit("/", 1)[-1] else "")
    + ("/titles" if "titles" in value else "") + ("/ods" if value.endswith(".ods") else ""),
)  # fmt: skip
def test_ocds_template_equals_flattentool(source: str, expected: str):
    code, report, package = _convert(FLATTENTOOL / source, "--no-validate", mapping="ocds-template")
    assert code in (0, 1), report["input_errors"]
    want = json.loads((FLATTENTOOL / expected).read_text(encoding="utf-8"))["releases"]
    # Same values, same key order.
    assert json.dumps(package["releases"]) == json.dumps(want)


def test_ocds_template_warns_as_flattentool_does():
    _, report, _ = _convert(FLATTENTOOL / "flattentool_type_conversion_quirks" / "input_csv_dir", "--no-validate",
                            mapping="ocds-template")  # fmt: skip
    unreadable = {(f["locations"][0]["value"], f["params"]["expected"]) for f in report["findings"]}
    # flattentool: 'Non-numeric value "1,000.50" found in number column, returning as string instead.' etc.
    assert unreadable == {("1,000.50", "number"), ("yes", "boolean"), ("3.0", "integer")}


def test_a_corrected_row_gets_new_release_ids_and_merges_with_the_night_before(tmp_path: Path):
    """The id hashes the content: a changed amount is a new release, so two nights' packages merge."""
    night1 = tmp_path / "noche-1.json"
    code, _, first = _convert(SAMPLES / "A121Fr30B_2024T3.xlsx")
    assert code == 0
    night1.write_text(json.dumps(first), encoding="utf-8")
    book = load_workbook(SAMPLES / "A121Fr30B_2024T3.xlsx")
    sheet = book["Reporte de Formatos"]
    labels = [c.value for c in sheet[7]]
    column = labels.index("Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)") + 1
    sheet.cell(row=8, column=column).value = 1999999.5
    corrected = tmp_path / "corregido.xlsx"
    book.save(corrected)
    code, _, second = _convert(corrected)
    assert code == 0
    before = {(r["ocid"], r["tag"][0]): r["id"] for r in first["releases"]}
    after = {(r["ocid"], r["tag"][0]): r["id"] for r in second["releases"]}
    changed = {key for key in before if before[key] != after[key]}
    # Only the stages that carry the contract's amount changed: the contract (and the award, whose value it is).
    assert changed and all(ocid == "ocds-87sd3t-SAF-DGRMSG-AD-001-2024" for ocid, _ in changed)
    assert ("ocds-87sd3t-SAF-DGRMSG-AD-001-2024", "contract") in changed
    night2 = tmp_path / "noche-2.json"
    night2.write_text(json.dumps(second), encoding="utf-8")
    merged = CliRunner().invoke(main, ["merge", str(night1), str(night2), "--report", "json"])
    report = json.loads(merged.stderr)
    assert merged.exit_code == 0, report["findings"]
    assert not [f for f in report["findings"] if f["check"] == "release_id_conflict"]

"""cdmx convert on the samples of every layout (2015–2017, 2018–2020, 2021–2023, 2024+), in their forms
(upload template .xlsx/.xls, public download .xlsx/CSV, the 2024+ CSV export): layout recognition, the
columns the newer layouts add, open-ended contracts, placeholders, "nothing to report" rows, and the
warnings that keep a workbook of an unknown layout from converting into a silent, empty package."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ocds_cdmx.cli import main
from ocds_cdmx.conversion.mapping import load
from ocds_cdmx.conversion.values import label_key

from .conftest import AGENCY, OCDS, ROOT, SHARED

SAMPLES = ROOT / "samples"
S2024 = SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx"
S52276 = SAMPLES / "a69_f28_b_2023T2.xlsx"
S52273 = SAMPLES / "a69_f28_a_2023T2.xlsx"
S2017 = SAMPLES / "LGTA70FXXVIIIB_2017T2.xlsx"
PUBLISHED = "2024-10-16T00:00:00-06:00"


def _convert(source: Path, *options: str, agency: tuple = AGENCY) -> tuple[int, dict, dict | None]:
    result = CliRunner().invoke(
        main, ["convert", str(source), *agency, "--report", "json", "--lang", "en", "--published-date", PUBLISHED,
               "--schema-dir", str(OCDS), "--offline", *options],
    )  # fmt: skip
    report = json.loads(result.stderr)
    package = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result.exit_code, report, package


def _last(package: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for release in package["releases"]:
        out[release["ocid"]] = release
    return out


def _findings(report: dict, check: str) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == check]


def _supplier(release: dict) -> dict:
    (supplier,) = [p for p in release["parties"] if "supplier" in p["roles"]]
    return supplier


@pytest.mark.parametrize(
    ("sample", "mapping", "fmt", "form", "processes"),
    [
        ("A121Fr30B_2024T3.xlsx", "transparencia-adjudicaciones", "43335", "template", 8),
        ("A121Fr30B_2024T3.xls", "transparencia-adjudicaciones", "43335", "template", 8),
        ("A121Fr30B_2024T3_descarga.xlsx", "transparencia-adjudicaciones", "43335", "download", 8),
        ("A121Fr30B_2024T3_descarga.csv", "transparencia-adjudicaciones", "43335", "download", 8),
        ("A121Fr30A_2024T3.xlsx", "transparencia-licitaciones", "43336", "template", 6),
        ("A121Fr30A_2024T3_descarga.csv", "transparencia-licitaciones", "43336", "download", 6),
        ("a69_f28_b_2023T2.xlsx", "transparencia-adjudicaciones-2021", "52276", "template", 4),
        ("a69_f28_b_2023T2_descarga.csv", "transparencia-adjudicaciones-2021", "52276", "download", 4),
        ("a69_f28_a_2023T2.xlsx", "transparencia-licitaciones-2021", "52273", "template", 3),
        ("28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "transparencia-2024", "59483", "template", 7),
        ("28_LGT_Art_70_Fr_XXVIII_2024T3.xls", "transparencia-2024", "59483", "template", 7),
        ("28_LGT_Art_70_Fr_XXVIII_2024T3_descarga.xlsx", "transparencia-2024", "59483", "download", 7),
        ("28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv", "transparencia-2024", "59483", "export", 7),
        ("LGTA70FXXVIIIB_2017T2.xlsx", "transparencia-adjudicaciones-2015", "2017-AD", "export", 2),
        ("LGTA70FXXVIIIA_2017T2.xlsx", "transparencia-licitaciones-2015", "2017-LP", "export", 1),
    ],
)
def test_without_a_mapping_the_layout_picks_it(sample, mapping, fmt, form, processes):
    code, report, package = _convert(SAMPLES / sample)
    assert code == 0, (report["input_errors"], report["findings"])
    assert (report["mapping"], report["picked"]) == (mapping, True)
    assert (report["layout"]["format"], report["layout"]["form"]) == (fmt, form)
    assert report["ocids"] == processes and report["validation"]["errors"] == 0
    # Every data row became a process: none rejected, none lost.
    main_sheet = report["sheets"][0]
    assert main_sheet["read"] == main_sheet["converted"] + main_sheet["blank"] + main_sheet["nothing_to_report"]
    assert main_sheet["unmapped_columns"] in ([], ["Id"])
    # Every process has its essentials, or a warning names its row and what it lacks.
    warned = {loc["value"] for f in _findings(report, "essential_missing") for loc in f["locations"]}  # OCIDs
    for release in _last(package).values():
        tender = release["tender"]
        complete = tender.get("status") == "unsuccessful" or (
            "procurementMethod" in tender and "mainProcurementCategory" in tender
            and all("amount" in c.get("value", {}) and "dateSigned" in c for c in release["contracts"])
            and any("supplier" in p["roles"] and "identifier" in p for p in release["parties"])
        )  # fmt: skip
        assert complete or release["ocid"] in warned, release["ocid"]


# -- 2024+: every procedure type in one sheet --------------------------------------------------------------


@pytest.fixture(scope="module")
def s2024():
    code, report, package = _convert(S2024)
    assert code == 0, report["findings"]
    return report, _last(package)


def test_2024_every_procedure_type(s2024):
    _, releases = s2024
    assert sorted({r["tender"]["procurementMethod"] for r in releases.values()}) == ["direct", "limited", "open"]
    tender = releases["ocds-87sd3t-SEDEMA-DGOP-LPI-007-2024"]
    assert tender["tender"]["procurementMethodDetails"] == "Licitación pública (Internacional)"
    assert [t["name"] for t in tender["tender"]["tenderers"]] == [
        "Construcciones Xochimilco, S.A. de C.V.", "Obras Lacustres, S.A. de C.V."]  # fmt: skip
    roles = {p["name"]: p["roles"] for p in tender["parties"]}
    assert roles["Obras Lacustres, S.A. de C.V."] == ["tenderer", "enquirer"]
    # The dictamen is an evaluation report, which OCDS's documentType list places in the tender.
    assert {d["documentType"] for d in tender["awards"][0]["documents"]} == {"awardNotice"}
    assert "Dictamen" in {
        d.get("title") for d in tender["tender"]["documents"] if d["documentType"] == "evaluationReports"
    }
    (amendment,) = tender["contracts"][0]["amendments"]
    assert amendment["id"] == "CM-SEDEMA-OP-007-1"
    assert {d["documentType"]: d["title"] for d in tender["contracts"][0]["documents"]}["contractAnnexe"] == (
        "Convenio modificatorio CM-SEDEMA-OP-007-1"
    )
    invitation = releases["ocds-87sd3t-SEDEMA-DRM-IR-012-2024"]
    invited = [p["name"] for p in invitation["parties"] if "interestedParty" in p["roles"]]
    assert invited == ["Limpieza Integral Coyoacán, S.A. de C.V.", "Servicios Ambientales del Sur, S.A.",
                       "Rosa María Quintero Lemus"]  # fmt: skip


def test_2024_a_void_tender_is_unsuccessful_and_needs_no_supplier(s2024):
    report, releases = s2024
    void = releases["ocds-87sd3t-SEDEMA-DRM-LPN-015-2024"]
    assert void["tag"] == ["tender"] and void["tender"]["status"] == "unsuccessful"
    assert "awards" not in void and "contracts" not in void
    assert not _findings(report, "essential_missing")


def test_2024_open_ended_contract_publishes_its_maximum_and_keeps_its_minimum(s2024):
    report, releases = s2024
    release = releases["ocds-87sd3t-SEDEMA-DRM-AD-047-2024"]
    assert release["contracts"][0]["value"] == release["awards"][0]["value"] == {"amount": 600000, "currency": "MXN"}
    assert release["tender"]["value"] == {"amount": 600000, "currency": "MXN"}
    assert release["tender"]["minValue"] == {"amount": 150000, "currency": "MXN"}
    (note,) = _findings(report, "open_ended_contract")
    assert note["severity"] == "info" and note["locations"][0]["cell"] == "BF13"


def test_2024_beneficial_owners_budget_lines_and_validity_as_period(s2024):
    _, releases = s2024
    first = releases["ocds-87sd3t-SEDEMA-DRM-AD-041-2024"]
    assert _supplier(first)["beneficialOwners"] == [
        {"id": "1", "name": "Marta Vianey Rangel Guerrero"}, {"id": "2", "name": "Luis Manuel Durán Hernández"}]  # fmt: skip
    assert first["planning"]["budget"]["budgetBreakdown"] == [{"id": "272001", "description": "272001"}]
    # Delivery dates filled: they are the contract's period; blank: its validity is.
    assert first["contracts"][0]["period"]["startDate"] == "2024-07-15T00:00:00-06:00"
    person = releases["ocds-87sd3t-SEDEMA-DRM-AD-042-2024"]
    assert person["contracts"][0]["period"] == {"startDate": "2024-07-22T00:00:00-06:00",
                                                "endDate": "2024-12-31T00:00:00-06:00"}  # fmt: skip
    assert "beneficialOwners" not in _supplier(person)
    assert _supplier(person)["address"] == {
        "streetAddress": "Calle Cedros 103 int. manzana 9, Colonia Álamos", "locality": "Benito Juárez",
        "region": "Ciudad de México", "postalCode": "03400", "countryName": "México"}  # fmt: skip


def test_2024_nothing_to_report_row_is_counted_not_rejected(s2024):
    report, _ = s2024
    assert report["sheets"][0]["nothing_to_report"] == 1 and not report["rejects"]
    (finding,) = _findings(report, "nothing_to_report")
    assert finding["locations"][0]["label"] == "Nota" and "no realizó" in finding["locations"][0]["value"]


def test_2024_other_forms_give_the_same_processes(s2024):
    _, from_xlsx = s2024
    for name in ("28_LGT_Art_70_Fr_XXVIII_2024T3.xls", "28_LGT_Art_70_Fr_XXVIII_2024T3_descarga.xlsx"):
        code, _, package = _convert(SAMPLES / name)
        assert code == 0 and _last(package) == from_xlsx, name
    # No --agency: the export names the body that filed each row.
    code, report, package = _convert(SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv", agency=())
    assert code == 0
    exported = _last(package)
    assert set(exported) == set(from_xlsx)
    # The export names the body that filed it (its four first columns): the buyer. It has no sub-tables.
    release = exported["ocds-87sd3t-SEDEMA-DRM-AD-042-2024"]
    assert release["buyer"]["name"] == "Secretaría del Medio Ambiente"
    assert release["contracts"][0]["value"] == from_xlsx["ocds-87sd3t-SEDEMA-DRM-AD-042-2024"]["contracts"][0]["value"]
    assert {f["params"]["table"] for f in _findings(report, "subtable_missing")} >= {"Tabla_579206", "Tabla_579239"}


# -- 2021–2023 -----------------------------------------------------------------------------------------------


def test_52276_names_addresses_rfcs_links_and_open_ended_contracts():
    code, report, package = _convert(S52276)
    assert code == 0
    releases = _last(package)
    first = releases["ocds-87sd3t-SACMEX-AD-014-2023"]
    address = _supplier(first)["address"]
    assert address["postalCode"] == "08400"  # typed as a number, its leading zero lost
    assert address["streetAddress"] == "Avenida Río Churubusco 1072 int. B, Colonia Granjas México"
    assert first["tender"]["documents"][0]["url"].endswith("/AUTORIZACION%20SACMEX-014.pdf")
    kinds = [d["documentType"] for d in first["contracts"][0]["implementation"]["documents"]]
    assert kinds == ["physicalProgressReport", "financialProgressReport"]  # one URL in two columns
    assert [b["value"]["amount"] for b in first["bids"]["details"]] == [500000, 534500.5]
    person = releases["ocds-87sd3t-SACMEX-AD-015-2023"]
    assert _supplier(person)["name"] == "Laura Estela Ramírez Ñúñez"
    assert (
        _supplier(person)["address"]["streetAddress"] == "Calle sin número, Pueblo San Andrés Mixquic"
    )  # "Sin nombre" left out
    assert person["contracts"][0]["period"] == {"startDate": "2023-05-02T00:00:00-06:00",
                                                "endDate": "2023-05-31T00:00:00-06:00"}  # fmt: skip
    open_ended = releases["ocds-87sd3t-SACMEX-AD-016-2023"]
    # The company's name, not its representative's; the RFC as given, in lower case, flagged.
    supplier = _supplier(open_ended)
    assert supplier["name"] == "Seguridad Privada Tenochtitlan, S.C." and supplier["identifier"]["id"] == "spt1204173z2"
    assert open_ended["contracts"][0]["value"] == {"amount": 2000000, "currency": "MXN"}
    assert open_ended["tender"]["minValue"]["amount"] == 800000
    flagged = [f for f in report["validation"]["findings"] if f["check"] == "rfc_format"]
    assert flagged and flagged[0]["severity"] == "warning" and flagged[0]["locations"][0]["cell"] == "Q10"
    abroad = releases["ocds-87sd3t-SACMEX-AD-017-2023"]
    assert _supplier(abroad)["address"] == {"streetAddress": "Calle de Alcalá 120", "locality": "Madrid",
                                            "countryName": "España"}  # fmt: skip
    assert abroad["contracts"][0]["milestones"][0]["description"] == (
        "Calzada de los Misterios, alcaldía Gustavo A. Madero. Se cerrará un carril de 22 a 5 h"
    )
    assert [d["documentType"] for d in abroad["contracts"][0]["documents"]] == ["contractSigned", "contractAnnexe"]
    # "No aplica" in a link column says there is no document: left out, counted, not an error.
    assert any(f["locations"][0]["value"] == "No aplica" for f in _findings(report, "placeholder_value"))


def test_52273_invited_bidders_attendees_budget_lines_and_amendments():
    code, _, package = _convert(S52273)
    assert code == 0
    releases = _last(package)
    first = releases["ocds-87sd3t-SOBSE-LPN-031-2023"]
    assert first["tender"]["procurementMethodDetails"] == "Licitación pública (Nacional)"
    roles = {p["name"]: p["roles"] for p in first["parties"]}
    assert roles["Constructora Tlalpan, S.A."] == ["interestedParty", "tenderer"]
    assert roles["Marco Antonio Lugo Salas"] == ["enquirer"]
    assert first["planning"]["budget"]["budgetBreakdown"] == [{"id": "6151", "description": "6151"}]
    assert first["contracts"][0]["amendments"][0]["id"] == "CM-SOBSE-031-1"
    assert first["contracts"][0]["status"] == "active"
    invitation = releases["ocds-87sd3t-SOBSE-IR-032-2023"]
    assert invitation["tender"]["procurementMethod"] == "limited"
    assert _supplier(invitation)["name"] == "Ricardo Peña Ortiz"


# -- 2015–2017 ---------------------------------------------------------------------------------------------


def test_2017_informacion_sheet_with_the_winner_in_a_sub_table():
    code, report, package = _convert(S2017)
    assert code == 0
    assert [s["sheet"] for s in report["sheets"]][:2] == ["Informacion", "Tabla 217180"]
    releases = _last(package)
    first = releases["ocds-87sd3t-SEDEMA-AD-0027-2017"]
    assert _supplier(first)["name"] == "Viveros de Cuemanco, S.A."
    assert first["awards"][0]["suppliers"] == [{"id": _supplier(first)["id"], "name": "Viveros de Cuemanco, S.A."}]
    # The layout has no RFC, and the open-ended contract's total is 0: said, row by row; 0 is never published.
    warned = {
        loc["row"]: f["params"]["missing"] for f in _findings(report, "essential_missing") for loc in f["locations"]
    }
    assert warned == {2: "rfc", 3: "rfc, amount"}
    assert "value" not in releases["ocds-87sd3t-SEDEMA-AD-0031-2017"]["contracts"][0]


# -- a mapping that does not fit, a layout never seen ------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "mapping", "found", "use"),
    [
        ("A121Fr30A_2024T3.xlsx", "transparencia-adjudicaciones", "43336", "transparencia-licitaciones"),
        ("a69_f28_b_2023T2.xlsx", "transparencia-adjudicaciones", "52276", "transparencia-adjudicaciones-2021"),
        ("LGTA70FXXVIIIB_2017T2.xlsx", "transparencia-adjudicaciones", "2017-AD", "transparencia-adjudicaciones-2015"),
    ],
)
def test_a_mapping_for_another_layout_is_refused(sample, mapping, found, use, tmp_path):
    out = tmp_path / "out.json"
    code, report, _ = _convert(SAMPLES / sample, "-m", mapping, "-o", str(out))
    assert code == 2 and not out.exists()
    (error,) = report["input_errors"]
    assert error["key"] == "mapping_mismatch"
    assert f"format {found}" in error["message"] and f"-m {use}" in error["message"] and mapping in error["message"]


def test_an_agency_mapping_reads_another_layout_with_its_identity():
    """An agency files every layout: its mapping is laid over the one the workbook has."""
    code, report, package = _convert(SAMPLES / "28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "-m", "finanzas", agency=())
    assert code == 0 and report["mapping"] == "finanzas" and report["layout"]["format"] == "59483"
    assert {r["buyer"]["id"] for r in package["releases"]} == {"CDMX-SAF"}
    assert package["publisher"]["name"].startswith("Secretaría de Administración y Finanzas")


def test_the_bundled_mapping_of_the_same_layout_and_an_agency_mapping_that_extends_it_fit():
    code, report, _ = _convert(SAMPLES / "A121Fr30B_2024T3.xlsx", "-m", "finanzas")
    assert code == 0 and report["mapping"] == "finanzas" and not report["picked"]
    assert report["layout"]["format"] == "43335"


def _edit(source: Path, tmp_path: Path, change) -> Path:
    book = load_workbook(source)
    change(book)
    path = tmp_path / source.name
    book.save(path)
    return path


def _column(sheet, start: str, row: int = 7) -> int:
    return next(c.column for c in sheet[row] if c.value and label_key(c.value).startswith(label_key(start)))


def test_a_renamed_essential_column_opens_the_report_and_names_the_rows(tmp_path):
    def rename(book):
        sheet = book["Reporte de Formatos"]
        sheet.cell(7, _column(sheet, "Monto total del contrato")).value = "Importe total del contrato, IVA incluido"
        sheet.cell(7, _column(sheet, "Monto máximo")).value = "Importe máximo"

    code, report, _package = _convert(_edit(S52276, tmp_path, rename))
    assert code == 0  # warnings: the package is written, and says what it lacks
    (warning,) = _findings(report, "essential_column_missing")
    assert warning["params"]["essential"] == "amount"
    assert "Importe total del contrato, IVA incluido" in warning["params"]["nearest"]
    assert warning["locations"][0]["row"] == 7
    rows = {loc["row"] for f in _findings(report, "essential_missing") for loc in f["locations"]}
    assert rows == {8, 9, 10, 11}
    assert "Importe total del contrato, IVA incluido" in report["sheets"][0]["unmapped_columns"]
    text = CliRunner().invoke(main, ["convert", str(tmp_path / S52276.name), *AGENCY, "--lang", "en", "--schema-dir", str(OCDS),
                                     "--offline", "-o", str(tmp_path / "x.json")]).stderr  # fmt: skip
    assert text.index("has no column 'Monto total del contrato") < text.index("Reporte de Formatos: 4 read")


def test_a_layout_never_seen_is_refused_without_a_mapping(tmp_path):
    path = tmp_path / "otra_cosa.csv"
    path.write_text("Folio,Proveedor,Importe\nA-1,Papelería del Centro,1000\n", encoding="utf-8")
    code, report, _ = _convert(path)
    assert code == 2 and report["input_errors"][0]["key"] == "layout_unknown"


def test_a_format_id_that_disagrees_with_the_labels_is_a_warning(tmp_path):
    def relabel(book):
        book["Reporte de Formatos"]["A1"] = "43335"

    code, report, _ = _convert(_edit(S52276, tmp_path, relabel))
    assert code == 0 and report["mapping"] == "transparencia-adjudicaciones-2021"
    (warning,) = _findings(report, "layout_mismatch")
    assert warning["locations"][0]["value"] == "43335" and warning["params"]["format"] == "52276"


def test_sub_tables_not_found_not_read_or_missing_ids_are_warnings(tmp_path):
    def spoil(book):
        del book["Tabla_492969"]  # the amendments' sheet
        sheet = book["Reporte de Formatos"]
        column = _column(sheet, "Datos de la obra pública")
        sheet.cell(7, column).value = "Obra"  # nothing points at Tabla_492957 any more
        sheet.cell(8, _column(sheet, "Nombre completo o razón social de las cotizaciones")).value = 99

    code, report, _ = _convert(_edit(S52276, tmp_path, spoil))
    assert code == 0
    (missing,) = _findings(report, "subtable_missing")
    assert missing["params"] == {"table": "Tabla_492969", "rows": 1}
    (unread,) = _findings(report, "subtable_unread")
    assert unread["params"]["table"] == "Tabla_492957"
    (dangling,) = _findings(report, "subtable_rows_missing")
    assert dangling["params"]["ids"] == "99" and dangling["params"]["table"] == "Tabla_492972"
    # The quotes that row 8 no longer points at are orphans, listed with the rejects.
    assert {r["reason"] for r in report["rejects"]} == {"orphan_subrow"}


def test_placeholder_identifiers_never_become_a_process(tmp_path):
    def placeholders(book):
        sheet = book["Reporte de Formatos"]
        expediente = _column(sheet, "Número de expediente")
        sheet.cell(8, expediente).value = "N/A"  # a row with data and no identifier
        sheet.cell(15, expediente).value = "0"  # the "nothing to report" row, with a 0 for an identifier

    rejects = tmp_path / "rechazos.csv"
    code, report, package = _convert(_edit(S2024, tmp_path, placeholders), "--rejects", str(rejects))
    assert code == 1
    assert not [o for o in _last(package) if o.endswith(("-N-A", "-0"))]
    assert report["sheets"][0]["rejected"] == 1 and report["sheets"][0]["nothing_to_report"] == 1
    (rejected,) = _findings(report, "row_placeholder_ocid")
    assert rejected["locations"][0]["cell"] == "G8" and rejected["locations"][0]["value"] == "N/A"
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert [(r["sheet"], r["row"], r["reason"]) for r in rows if r["reason"] != "orphan_subrow"] == [
        ("Reporte de Formatos", "8", "row_placeholder_ocid")]  # fmt: skip
    # The sub-table rows that only row 8 pointed at are listed too.
    assert {r["sheet"] for r in rows if r["reason"] == "orphan_subrow"} == {
        "Tabla_579236",
        "Tabla_579206",
        "Tabla_579239",
    }


def test_unreadable_values_are_located_at_their_cells_and_listed_in_rejects(tmp_path):
    def spoil(book):
        sheet = book["Reporte de Formatos"]
        sheet.cell(9, _column(sheet, "Fecha del contrato")).value = "el martes"
        sheet.cell(10, _column(sheet, "Materia")).value = "Consultorías"

    rejects = tmp_path / "rechazos.csv"
    code, report, _ = _convert(_edit(S2024, tmp_path, spoil), "--rejects", str(rejects))
    assert code == 1
    (date,) = _findings(report, "value_unreadable")
    location = date["locations"][0]
    assert {k: location[k] for k in ("sheet", "row", "column", "cell", "label", "value")} == {
        "sheet": "Reporte de Formatos", "row": 9, "column": "AZ", "cell": "AZ9",
        "label": "Fecha del contrato expresada con el formato día/mes/año", "value": "el martes"}  # fmt: skip
    assert location["file"].endswith(S2024.name)
    rows = list(csv.DictReader(rejects.open(encoding="utf-8")))
    assert sorted((r["cell"], r["value"], r["reason"]) for r in rows) == [
        ("AZ9", "el martes", "value_unreadable"), ("E10", "Consultorías", "value_not_in_map")]  # fmt: skip
    (date_row,) = [r for r in rows if r["cell"] == "AZ9"]
    assert date_row["label"] == "Fecha del contrato expresada con el formato día/mes/año" and date_row["column"] == "AZ"


# -- every column of the 2021–2024 layouts is mapped or explained -------------------------------------------

REFERENCE = SHARED / "reference" / "pnt_formats_2021_2024.md"


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("52276", "transparencia-adjudicaciones-2021"), ("52273", "transparencia-licitaciones-2021"),
     ("59483", "transparencia-2024")],
)  # fmt: skip
def test_every_column_of_the_2021_2024_layouts_is_mapped_or_explained(fmt, name):
    section = REFERENCE.read_text(encoding="utf-8").split(f"## Format {fmt}")[1].split("## Format")[0]
    labels = [m.group(1).replace("\\n", "\n") for m in re.finditer(r"^\| \d+ \| \d+ \| \d+ \| (.*) \|$", section, re.M)]
    data = load(name).data
    keys = {label_key(x) for c in data["columns"].values() for x in [c["label"], *c.get("labels", [])]}
    assert [label for label in labels if label_key(label) not in keys] == []
    # And every sub-table column, except those of the officials' table, which is deliberately not read.
    sub_keys = {label_key(x) for s in data.get("subtables", []) for c in s["columns"].values()
                for x in [c["label"], *c.get("labels", [])]}  # fmt: skip
    for table in re.finditer(r"^`Tabla_\d+` \(row 2 field ids, row 3 labels\): ID \[\]; (.*?)(?: — |$)", section, re.M):
        table_labels = [re.sub(r" \[\d+\]$", "", x).strip() for x in table.group(1).split("; ")]
        if any("Servidor" in x or "servidora" in x for x in table_labels):
            continue
        assert [x for x in table_labels if label_key(x) not in sub_keys] == [], table_labels
    for spec in data["columns"].values():
        assert spec.get("field") or spec.get("fields") or spec.get("document") or spec.get("use") or spec.get("reason")


def test_every_bundled_mapping_checks_against_ocds_offline():
    from ocds_cdmx.conversion.mapping import BUNDLED

    for path in sorted(BUNDLED.glob("*.yaml")):
        checked = CliRunner().invoke(main, ["mappings", "check", str(path), "--schema-dir", str(OCDS), "--offline"])
        assert checked.exit_code == 0, (path.name, checked.stderr)


LAYOUT_MAPPINGS = ["transparencia-2024", "transparencia-adjudicaciones-2021", "transparencia-licitaciones-2021",
                   "transparencia-adjudicaciones", "transparencia-licitaciones", "transparencia-adjudicaciones-2015",
                   "transparencia-licitaciones-2015", "finanzas", "obras", "ocds-template"]  # fmt: skip


@pytest.mark.parametrize(
    "sample",
    ["28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", "28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv", "a69_f28_b_2023T2.xlsx",
     "a69_f28_a_2023T2.xlsx", "A121Fr30B_2024T3_descarga.csv", "LGTA70FXXVIIIB_2017T2.xlsx"],
)  # fmt: skip
def test_no_traceback_whatever_the_mapping(sample, tmp_path):
    """Any layout with any mapping: a package, or exit 2 with a message; never a traceback."""
    for mapping in LAYOUT_MAPPINGS:
        result = CliRunner().invoke(
            main, ["convert", str(SAMPLES / sample), "-m", mapping, *AGENCY, "--report", "json", "--schema-dir", str(OCDS),
                   "--offline", "--no-validate", "-o", str(tmp_path / "out.json")],
        )  # fmt: skip
        assert isinstance(result.exception, SystemExit | None), (mapping, result.exception)
        report = json.loads(result.stderr)
        assert result.exit_code in (0, 1, 2), mapping
        if result.exit_code == 2:
            assert report["input_errors"] and report["input_errors"][0]["message"], mapping
        else:
            assert report["releases"] > 0, mapping

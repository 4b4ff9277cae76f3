"""cdmx convert on the two real upload templates of ../shared/data/real/pnt/, row by row.

The expected values are read from the cells by the test itself, with openpyxl (not with the
converter's reader): supplier, RFC, amounts, dates, method, category, documents, tenderers and quotes,
beneficial owners and budget lines of every data row; the "nothing to report" row yields no process.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from ocds_cdmx.cli import main

from .conftest import AGENCY, OCDS, REAL

PNT = REAL / "pnt"
CEAA = PNT / "HGO_CEAA_52276_a69_f28_b_adjudicaciones_2023T2.xlsx"
SEMARNATH = PNT / "HGO_SEMARNATH_59483_28-LGT_Art_70_Fr_XXVIII_2024T3.xlsx"
PUBLISHED = "2024-10-16T00:00:00-06:00"
METHODS = {"adjudicacion directa": "direct", "licitacion publica": "open",
           "invitacion a cuando menos tres personas": "limited"}  # fmt: skip
CATEGORIES = {"obra publica": "works", "servicios relacionados con obra publica": "works", "adquisiciones": "goods",
              "arrendamientos": "goods", "servicios": "services"}  # fmt: skip


def _plain(text: object) -> str:
    text = unicodedata.normalize("NFKD", str(text or ""))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


class Sheet:
    """A sheet read with openpyxl: its cells by (row, label)."""

    def __init__(self, book, name: str, header: int) -> None:
        self.sheet = book[name]
        self.header = header
        self.labels = {c.column: str(c.value) for c in self.sheet[header] if c.value is not None}

    def column(self, start: str) -> int:
        """The column whose label starts with ``start`` (compared without case or accents)."""
        (found,) = [col for col, label in self.labels.items() if _plain(label).startswith(_plain(start))]
        return found

    def value(self, row: int, start: str) -> object:
        return self.sheet.cell(row, self.column(start)).value

    def rows(self) -> range:
        return range(self.header + 1, self.sheet.max_row + 1)


def _convert(path, tmp_path) -> tuple[int, dict, dict]:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        main, ["convert", str(path), *AGENCY, "-o", str(out), "--report", "json", "--lang", "en", "--published-date", PUBLISHED,
               "--schema-dir", str(OCDS), "--offline", "--rejects", str(tmp_path / "rejects.csv")],
    )  # fmt: skip
    return result.exit_code, json.loads(result.stderr), json.loads(out.read_text(encoding="utf-8"))


def _ocid(expediente: str) -> str:
    return "ocds-87sd3t-" + re.sub(r"[\s/\\]+", "-", expediente.strip()).strip("-")


def _date(value: object) -> str:
    assert isinstance(value, datetime | date), value
    return f"{value:%Y-%m-%d}T00:00:00-06:00"  # CDMX has had no daylight saving time since 2022


def _url(text: object) -> str:
    return quote(str(text).strip(), safe=":/?#[]@!$&'()*+,;=%~-._")


def _last(package: dict) -> dict[str, dict]:
    """Each OCID's last (most complete) release."""
    out: dict[str, dict] = {}
    for release in package["releases"]:
        out[release["ocid"]] = release
    return out


def _documents(release: dict) -> set[tuple[str, str, str]]:
    """(section, documentType, url) of every document of a release."""
    found = set()
    for doc in release.get("tender", {}).get("documents", []):
        found.add(("tender", doc["documentType"], doc["url"]))
    for award in release.get("awards", []):
        found |= {("awards/0", d["documentType"], d["url"]) for d in award.get("documents", [])}
    for contract in release.get("contracts", []):
        found |= {("contracts/0", d["documentType"], d["url"]) for d in contract.get("documents", [])}
        implementation = contract.get("implementation", {})
        found |= {
            ("contracts/0/implementation", d["documentType"], d["url"]) for d in implementation.get("documents", [])
        }
    return found


def _supplier(release: dict) -> dict:
    (supplier,) = [p for p in release["parties"] if "supplier" in p["roles"]]
    return supplier


def _check_common(sheet: Sheet, row: int, release: dict, *, supplier_columns, rfc_column, total, maximum, signed,
                  method, category, links) -> None:  # fmt: skip
    """What every data row must give: supplier, RFC, amount (or maximum), date, method, category, documents."""
    company = _text(sheet.value(row, supplier_columns[0]))
    person = " ".join(t for t in (_text(sheet.value(row, c)) for c in supplier_columns[1:]) if t)
    supplier = _supplier(release)
    assert supplier["name"] == (company or person), row
    rfc = _text(sheet.value(row, rfc_column))
    assert supplier["identifier"] == {"scheme": "MX-RFC", "id": rfc, "legalName": supplier["name"]}, row
    assert release["awards"][0]["suppliers"] == [{"id": supplier["id"], "name": supplier["name"]}]
    amount = sheet.value(row, total) or sheet.value(row, maximum)
    (contract,) = release["contracts"]
    assert contract["value"] == {"amount": round(amount, 2), "currency": "MXN"}, row
    assert release["awards"][0]["value"] == contract["value"]
    assert contract["dateSigned"] == _date(sheet.value(row, signed)) == release["awards"][0]["date"]
    assert release["tender"]["procurementMethod"] == METHODS[_plain(sheet.value(row, method))]
    assert release["tender"]["mainProcurementCategory"] == CATEGORIES[_plain(sheet.value(row, category))]
    wanted = {(section, kind, _url(sheet.value(row, start))) for start, (section, kind) in links.items()
              if _text(sheet.value(row, start))}  # fmt: skip
    assert _documents(release) == wanted, row


# -- CEAA, format 52276 (2021–2023, direct awards) ---------------------------------------------------------


@pytest.fixture(scope="module")
def ceaa(tmp_path_factory):
    code, report, package = _convert(CEAA, tmp_path_factory.mktemp("ceaa"))
    book = load_workbook(CEAA)
    return code, report, package, Sheet(book, "Reporte de Formatos", 7), Sheet(book, "Tabla_492972", 3)


CEAA_LINKS = {
    "Hipervínculo a la autorización o documento": ("tender", "evaluationReports"),
    "Hipervínculo al documento del contrato": ("contracts/0", "contractSigned"),
    "Hipervínculo al comunicado de suspensión": ("contracts/0", "cancellationDetails"),
    "Hipervínculo, en su caso a los informes de avance físico": (
        "contracts/0/implementation",
        "physicalProgressReport",
    ),
    "Hipervínculo a los informes de avance financiero": ("contracts/0/implementation", "financialProgressReport"),
    "Hipervínculo acta de recepción física": ("contracts/0/implementation", "completionCertificate"),
    "Hipervínculo al finiquito": ("contracts/0/implementation", "finalAudit"),
}


def test_ceaa_picks_its_layout_and_reads_every_row(ceaa):
    code, report, _package, sheet, _ = ceaa
    assert code == 0, report["findings"]
    assert report["mapping"] == "transparencia-adjudicaciones-2021" and report["picked"]
    assert report["layout"]["format"] == "52276" and report["layout"]["format_id"] == "52276"
    counts = {s["sheet"]: s for s in report["sheets"]}
    rows = [r for r in sheet.rows() if _text(sheet.value(r, "Número de expediente"))]
    assert counts["Reporte de Formatos"]["converted"] == len(rows) == 3
    assert counts["Tabla_492972"]["converted"] == 3  # the quotes, found from the column's "\nTabla_492972"
    assert report["sheets"][0]["unmapped_columns"] == []
    assert not [f for f in report["findings"] if f["severity"] == "warning"]
    assert report["validation"]["errors"] == 0


def test_ceaa_row_by_row(ceaa):
    _, _, package, sheet, quotes = ceaa
    releases = _last(package)
    for row in sheet.rows():
        expediente = _text(sheet.value(row, "Número de expediente"))
        release = releases[_ocid(expediente)]
        assert release["tender"]["id"] == expediente
        _check_common(
            sheet, row, release, rfc_column="Registro Federal de Contribuyentes",
            supplier_columns=["Razón social del adjudicado", "Nombre(s) del adjudicado", "Primer apellido del adjudicado",
                              "Segundo apellido del adjudicado"],
            total="Monto total del contrato con impuestos", maximum="Monto máximo", signed="Fecha del contrato",
            method="Tipo de procedimiento", category="Materia", links=CEAA_LINKS,
        )  # fmt: skip
        # The procedure's character, and the delivery dates as the contract's period.
        character = _text(sheet.value(row, "Carácter del procedimiento"))
        assert (
            release["tender"]["procurementMethodDetails"]
            == f"{_text(sheet.value(row, 'Tipo de procedimiento'))} ({character})"
        )
        assert release["contracts"][0]["period"] == {
            "startDate": _date(sheet.value(row, "Fecha de inicio del plazo de entrega")),
            "endDate": _date(sheet.value(row, "Fecha de término del plazo de entrega")),
        }
        # The quotes of Tabla_492972 that the row points at: tenderers and bids.
        ident = sheet.value(row, "Nombre completo o razón social de las cotizaciones")
        mine = [r for r in range(4, quotes.sheet.max_row + 1) if quotes.sheet.cell(r, 1).value == ident]
        assert mine
        names = [_text(quotes.value(r, "Razón social")) for r in mine]
        assert [t["name"] for t in release["tender"]["tenderers"]] == list(dict.fromkeys(names))
        assert [b["value"]["amount"] for b in release["bids"]["details"]] == [
            quotes.value(r, "Monto total de la cotización") for r in mine
        ]
        assert all(b["tenderers"][0]["name"] in names for b in release["bids"]["details"])
        # The fiscal address of the supplier.
        supplier = _supplier(release)
        street = _text(sheet.value(row, "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de vialidad"))
        assert street in supplier["address"]["streetAddress"]
        assert supplier["address"]["postalCode"] == str(
            sheet.value(row, "Domicilio fiscal de la empresa, contratista o proveedor. Código postal")
        )
        assert supplier["address"]["region"] == _text(
            sheet.value(row, "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de la entidad")
        )


def test_ceaa_a_link_with_a_space_and_one_report_in_two_columns(ceaa):
    _, _, package, sheet, _ = ceaa
    release = _last(package)["ocds-87sd3t-CEAA-PSERV-EST-04-2023"]
    assert " " in str(sheet.value(8, "Hipervínculo a la autorización o documento"))
    (authorisation,) = release["tender"]["documents"]
    assert authorisation["url"].endswith("/AUTORIZACION%20SFP-0196-2023.pdf")
    # The physical and financial progress reports are one PDF: both documents are kept.
    kinds = [d["documentType"] for d in release["contracts"][0]["implementation"]["documents"]]
    assert kinds == ["physicalProgressReport", "financialProgressReport"]


# -- SEMARNATH, format 59483 (2024+, every procedure type) -------------------------------------------------


@pytest.fixture(scope="module")
def semarnath(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("semarnath")
    code, report, package = _convert(SEMARNATH, tmp)
    book = load_workbook(SEMARNATH)
    sheets = {name: Sheet(book, name, 3) for name in ("Tabla_579206", "Tabla_579239")}
    return code, report, package, Sheet(book, "Reporte de Formatos", 7), sheets, tmp


SEMARNATH_LINKS = {
    "Hipervínculo a la autorización o documento de suficiencia": ("tender", "evaluationReports"),
    "Hipervínculo a la convocatoria": ("tender", "tenderNotice"),
    "Hipervínculo al(as) acta(s) de la(s) junta(s)": ("tender", "clarifications"),
    "Hipervínculo al acta o documento donde conste": ("tender", "bidders"),
    "Hipervínculo al (los) dictámenes": ("tender", "evaluationReports"),
    "Hipervínculo al acta de fallo": ("awards/0", "awardNotice"),
    "Hipervínculo al documento del contrato": ("contracts/0", "contractSigned"),
    "Hipervínculo al comunicado de suspensión": ("contracts/0", "cancellationDetails"),
    "Hipervínculo a los estudios de impacto": ("tender", "environmentalImpact"),
    "Hipervínculo a informes de avances físicos": ("contracts/0/implementation", "physicalProgressReport"),
    "Hipervínculo a los informes de avance financiero": ("contracts/0/implementation", "financialProgressReport"),
    "Hipervínculo al acta de recepción física": ("contracts/0/implementation", "completionCertificate"),
    "Hipervínculo al finiquito": ("contracts/0/implementation", "finalAudit"),
    "Hipervínculo a la factura": ("contracts/0/implementation", "invoice"),
}


def test_semarnath_picks_its_layout_and_accounts_for_every_row(semarnath):
    code, report, _package, sheet, _, _ = semarnath
    assert code == 0, report["findings"]
    assert report["mapping"] == "transparencia-2024" and report["layout"]["format_id"] == "59483"
    main_sheet = report["sheets"][0]
    data = [r for r in sheet.rows() if _text(sheet.value(r, "Número de expediente"))]
    assert main_sheet["read"] == 17 and main_sheet["converted"] == len(data) == 16
    # Row 24 holds only the period, the area, the update date and a note: nothing to report.
    assert main_sheet["nothing_to_report"] == 1 and main_sheet["rejected"] == 0
    (nothing,) = [f for f in report["findings"] if f["check"] == "nothing_to_report"]
    assert nothing["severity"] == "info" and nothing["locations"][0]["cell"] == "CI24"
    assert report["ocids"] == 16 and not report["rejects"]
    assert not [f for f in report["findings"] if f["severity"] == "warning"]
    assert report["validation"]["errors"] == 0


def test_semarnath_row_by_row(semarnath):
    _, _, package, sheet, tables, _ = semarnath
    releases = _last(package)
    owners, lines = tables["Tabla_579206"], tables["Tabla_579239"]
    for row in sheet.rows():
        expediente = _text(sheet.value(row, "Número de expediente"))
        if expediente is None:
            assert row == 24
            continue
        release = releases[_ocid(expediente)]
        _check_common(
            sheet, row, release, rfc_column="Registro Federal de Contribuyentes",
            supplier_columns=["Denominación o razón social", "Nombre(s) de la persona física", "Primer apellido de la persona",
                              "Segundo apellido de la persona"],
            total="Monto total del contrato con impuestos", maximum="Monto máximo", signed="Fecha del contrato",
            method="Tipo de procedimiento", category="Materia o tipo de contratación", links=SEMARNATH_LINKS,
        )  # fmt: skip
        contract = release["contracts"][0]
        # The delivery dates are blank in this file: the contract's validity is its period.
        assert sheet.value(row, "Fecha de inicio del plazo de entrega") is None
        assert contract["period"] == {"startDate": _date(sheet.value(row, "Fecha de inicio de la vigencia")),
                                      "endDate": _date(sheet.value(row, "Fecha de término de la vigencia"))}  # fmt: skip
        assert release["tender"]["value"] == {"amount": sheet.value(row, "Monto máximo"), "currency": "MXN"}
        # The budget line of Tabla_579239 (six digits, as text), shared by several rows.
        ident = sheet.value(row, "Partida presupuestal")
        (line,) = [r for r in range(4, lines.sheet.max_row + 1) if lines.sheet.cell(r, 1).value == ident]
        code = str(lines.value(line, "Partida Presupuestal"))
        assert release["planning"]["budget"]["budgetBreakdown"] == [{"id": code, "description": code}]
        # The beneficial owners of Tabla_579206, on the supplier.
        ident = sheet.value(row, "Nombre completo de la(s) persona(s) beneficiaria(s)")
        mine = [
            r
            for r in range(4, owners.sheet.max_row + 1)
            if ident is not None and owners.sheet.cell(r, 1).value == ident
        ]
        names = [" ".join(_text(owners.sheet.cell(r, c).value) for c in (2, 3, 4)) for r in mine]
        assert [o["name"] for o in _supplier(release).get("beneficialOwners", [])] == names, row


def test_semarnath_an_rfc_of_11_characters_is_kept_and_flagged_at_its_cell(semarnath):
    _, report, package, sheet, _, _ = semarnath
    release = _last(package)["ocds-87sd3t-SEMARNATH-DJ-22-2024"]
    assert (
        _supplier(release)["identifier"]["id"] == sheet.value(17, "Registro Federal de Contribuyentes") == "DUPM0331AP5"
    )
    (finding,) = [f for f in report["validation"]["findings"] if f["check"] == "rfc_format"]
    assert finding["severity"] == "warning"
    location = finding["locations"][0]
    assert (location["sheet"], location["row"], location["column"], location["cell"]) == (
        "Reporte de Formatos",
        17,
        "AC",
        "AC17",
    )
    assert location["label"].startswith("Registro Federal de Contribuyentes") and location["value"] == "DUPM0331AP5"
    assert location["file"].endswith(SEMARNATH.name)


def test_semarnath_as_the_2018_mapping_is_refused_naming_the_layout_and_the_mapping(tmp_path):
    result = CliRunner().invoke(
        main, ["convert", str(SEMARNATH), "-m", "transparencia-adjudicaciones", *AGENCY, "-o", str(tmp_path / "x.json"),
               "--report", "json", "--lang", "en", "--schema-dir", str(OCDS), "--offline"],
    )  # fmt: skip
    assert result.exit_code == 2
    (error,) = json.loads(result.stderr)["input_errors"]
    assert error["key"] == "mapping_mismatch"
    assert "format 59483" in error["message"] and "-m transparencia-2024" in error["message"]
    assert not (tmp_path / "x.json").exists()

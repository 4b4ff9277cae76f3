"""Make the sample workbooks in this folder: synthetic, in Spanish, with the real files' messiness.

    python samples/make_samples.py            # writes samples/A121Fr30B_2024T3*.{xlsx,csv}

The transparency platform's format 43335 (adjudicaciones directas) in its two layouts:
- the upload template (``A121Fr30B_2024T3.xlsx``): sheet "Reporte de Formatos" with the format id on
  row 1, field-type codes on row 4, field ids on row 5, labels on row 7 and data from row 8; sub-tables in
  ``Tabla_<id>`` sheets (labels on row 3, data from row 4); catalogs in hidden ``Hidden_*`` sheets;
- the public download as CSV (``A121Fr30B_2024T3_descarga.csv``): Latin-1, a metadata block, Title-Cased
  labels.
Messiness on purpose: Excel serial dates and ``dd/mm/aaaa`` text dates, amounts like ``$1,234,567.89``,
RFCs with ``&`` and ``Ñ``, accents, blank rows, trailing spaces. Deterministic: the same files each run.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
COLUMNS = [  # (field id, type code, label) of format 43335, in the platform's order
    ("334233", "1", "Ejercicio"),
    ("334258", "4", "Fecha de inicio del periodo que se informa"),
    ("334259", "4", "Fecha de término del periodo que se informa"),
    ("334270", "9", "Tipo de procedimiento (catálogo)"),
    ("334269", "9", "Materia (catálogo)"),
    ("334230", "1", "Número de expediente, folio o nomenclatura que lo identifique"),
    ("334238", "2", "Motivos y fundamentos legales aplicados para realizar la adjudicación directa"),
    ("334250", "7", "Hipervínculo a la autorización del ejercicio de la opción"),
    ("334239", "2", "Descripción de obras, bienes o servicios"),
    ("334271", "10", "Nombre completo o razón social de las cotizaciones consideradas y monto de las mismas"),
    ("334264", "2", "Nombre(s) del adjudicado"),
    ("334260", "2", "Primer apellido del adjudicado"),
    ("334265", "2", "Segundo apellido del adjudicado"),
    ("334266", "2", "Razón social del adjudicado"),
    ("334267", "1", "Registro Federal de Contribuyentes (RFC) de la persona física o moral adjudicada"),
    ("334235", "2", "Área(s) solicitante(s)"),
    ("334236", "2", "Área(s) responsable(s) de la ejecución del contrato"),
    ("334231", "1", "Número que identifique al contrato"),
    ("334243", "4", "Fecha del contrato"),
    ("334244", "6", "Monto del contrato sin impuestos incluidos"),
    ("334245", "6", "Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)"),
    ("334247", "6", "Monto mínimo, en su caso"),
    ("334248", "6", "Monto máximo, en su caso"),
    ("334228", "1", "Tipo de moneda"),
    ("334229", "1", "Tipo de cambio de referencia, en su caso"),
    ("334232", "1", "Forma de pago"),
    ("334240", "2", "Objeto del contrato"),
    (
        "334246",
        "6",
        "Monto total de garantías y/o contragarantías, en caso de que se otorgaran durante el procedimiento",
    ),
    ("334241", "4", "Fecha de inicio del plazo de entrega o ejecución de servicios contratados u obra pública"),
    ("334261", "4", "Fecha de término del plazo de entrega o ejecución de servicios u obra pública"),
    ("334254", "7", "Hipervínculo al documento del contrato y anexos, versión pública si así corresponde"),
    ("334253", "7", "Hipervínculo al comunicado de suspensión, rescisión o terminación anticipada del contrato"),
    ("334234", "1", "Origen de los recursos públicos"),
    ("334272", "2", "Fuentes de financiamiento"),
    ("334255", "10", "Datos de la obra pública y/o servicios relacionados con la misma"),
    ("334273", "9", "Se realizaron convenios modificatorios (catálogo)"),
    ("334268", "10", "Datos de los convenios modificatorios de la contratación"),
    ("334237", "2", "Mecanismos de vigilancia y supervisión contratos"),
    ("334274", "7", "Hipervínculo, en su caso a los informes de avance físico en versión pública"),
    ("334251", "7", "Hipervínculo a los informes de avance financiero"),
    ("334252", "7", "Hipervínculo acta de recepción física de trabajos ejecutados u homóloga"),
    ("334249", "7", "Hipervínculo al finiquito"),
    ("334262", "2", "Área(s) responsable(s) que genera(n), posee(n), publica(n) y actualizan la información"),
    ("334242", "4", "Fecha de validación"),
    ("334257", "13", "Fecha de actualización"),
    ("334263", "12", "Nota"),
]
COTIZACIONES = ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido", "Razón social",
                "RFC de los posibles contratantes", "Monto total de la cotización con impuestos incluidos"]  # fmt: skip
OBRA = ["ID", "Lugar donde se realizará la obra pública", "Hipervínculo a estudios de impacto urbano y ambiental",
        "En su caso, observaciones dirigidas a la población",
        "Etapa de la obra pública y/o servicio de la misma (catálogo)"]  # fmt: skip
CONVENIOS = ["ID", "Número de convenio modificatorio", "Objeto del convenio modificatorio",
             "Fecha de firma del convenio modificatorio", "Hipervínculo al documento del convenio"]  # fmt: skip
COMPANIES = [("MAÑANA & ASOCIADOS S.A. DE C.V.", "MAS&980312AB1"), ("Construcciones Peña del Valle, S.A. de C.V.", "CPV0105228K3"),
             ("Papelería y Cómputo Xóchitl S.A.", "PCX120704QW5"), ("Servicios Integrales Ñandú SC", "SIÑ150918T21")]  # fmt: skip
PEOPLE = [("José Ángel", "Hernández", "Núñez", "HENA790415MN2"), ("María Fernanda", "López", "Güemes", "LOGM850203AB9")]
ITEMS = ["Adquisición de papelería y consumibles de cómputo", "Mantenimiento preventivo a equipo de aire acondicionado",
         "Rehabilitación de banquetas en la colonia Doctores", "Servicio de limpieza en oficinas centrales"]  # fmt: skip
MATERIAS = ["Adquisiciones", "Servicios", "Obra pública", "Servicios"]
EXCEL_EPOCH = datetime(1899, 12, 30)


def _serial(day: datetime) -> int:
    return (day - EXCEL_EPOCH).days


def _money(amount: float) -> str:
    return f"${amount:,.2f}"


def rows_43335(seed: int = 2024) -> tuple[list[list], list[list], list[list], list[list]]:
    """Main rows and the three sub-tables' rows (with their IDs)."""
    rng = random.Random(seed)
    main, quotes, works, amendments = [], [], [], []
    start = datetime(2024, 7, 1)
    for n in range(1, 9):
        signed = start + timedelta(days=7 * n)
        amount = round(rng.uniform(80_000, 3_000_000), 2)
        materia = MATERIAS[n % 4]
        person = n % 3 == 0
        given, family, second, rfc = PEOPLE[n % 2] if person else ("", "", "", "")
        company, company_rfc = ("", "") if person else COMPANIES[n % 4]
        expediente = f"SAF/DGRMSG/AD-{n:03d}/2024"
        contrato = f"CS-{n:03d}-2024"
        dates = _serial(signed) if n % 2 else signed.strftime("%d/%m/%Y")  # serials and dd/mm/aaaa text
        row = [
            "2024", _serial(datetime(2024, 7, 1)), "30/09/2024", "Adjudicación directa", materia, expediente + "  ",
            "Artículo 55 de la Ley de Adquisiciones para el Distrito Federal", f"https://transparencia.cdmx.gob.mx/autorizacion/{n}.pdf",
            ITEMS[n % 4], str(n), given, family, second, company, rfc or company_rfc,
            "Dirección General de Recursos Materiales", "Dirección de Servicios Generales", contrato, dates,
            _money(amount / 1.16), _money(amount) if n % 2 else amount, "", "", "Peso mexicano", "", "Transferencia",
            f"{ITEMS[n % 4]} para la Secretaría", "", dates, (signed + timedelta(days=90)).strftime("%d/%m/%Y"),
            f"https://transparencia.cdmx.gob.mx/contratos/{contrato}.pdf", "", "Estatales", "Recursos fiscales",
            str(n) if materia == "Obra pública" else "", "Si" if n == 4 else "No", str(n) if n == 4 else "",
            "Supervisión de la Dirección de Servicios Generales", "", "", "", "",
            "Dirección General de Recursos Materiales y Servicios Generales", "15/10/2024", _serial(datetime(2024, 10, 15)),
            "",
        ]  # fmt: skip
        main.append(row)
        for k, (name, qrfc) in enumerate(COMPANIES[:3]):
            quotes.append([str(n), "", "", "", name, qrfc, _money(amount * (1 + 0.04 * k))])
        if materia == "Obra pública":
            works.append(
                [
                    str(n),
                    "Colonia Doctores, alcaldía Cuauhtémoc",
                    "",
                    "Se cerrará un carril de 9 a 18 h",
                    "en ejecución",
                ]
            )
        if n == 4:
            amendments.append([str(n), "CM-01", "Ampliación del plazo de ejecución", "20/10/2024",
                               "https://transparencia.cdmx.gob.mx/convenios/CM-01.pdf"])  # fmt: skip
    return main, quotes, works, amendments


def write_upload_template(path: Path, seed: int = 2024) -> None:
    """The platform's upload template layout, as an .xlsx."""
    main, quotes, works, amendments = rows_43335(seed)
    book = Workbook()
    sheet = book.active
    sheet.title = "Reporte de Formatos"
    sheet.append(["43335"])
    sheet.append(["TÍTULO", "NOMBRE CORTO", "DESCRIPCIÓN"])
    sheet.append(["Resultados adjudicaciones, invitaciones y licitaciones_Procedimientos de adjudicación directa",
                  "A121Fr30B_Resultados-de-procedimientos-de-adjudicacion-directa", "-"])  # fmt: skip
    sheet.append([code for _, code, _ in COLUMNS])
    sheet.append([field_id for field_id, _, _ in COLUMNS])
    sheet.append(["Tabla Campos"])
    sheet.append([label for _, _, label in COLUMNS])
    for i, row in enumerate(main):
        sheet.append(row)
        if i == 3:
            sheet.append([None] * len(COLUMNS))  # a blank row in the middle, as agencies leave them
    for title, header, rows in (("Tabla_334271", COTIZACIONES, quotes), ("Tabla_334255", OBRA, works),
                                ("Tabla_334268", CONVENIOS, amendments)):  # fmt: skip
        table = book.create_sheet(title)
        table.append([None, *[str(43300 + i) for i in range(1, len(header))]])
        table.append([None, *["" for _ in header[1:]]])
        table.append(header)
        for row in rows:
            table.append(row)
    for n, values in enumerate(
        [["Adjudicación directa", "Otra (especificar)"], MATERIAS[:3] + ["Arrendamientos"], ["Si", "No"]], 1
    ):
        hidden = book.create_sheet(f"Hidden_{n}")
        for value in values:
            hidden.append([value])
        hidden.sheet_state = "hidden"
    book.save(path)


def write_upload_template_xls(path: Path, seed: int = 2024) -> None:
    """The same upload template as an .xls (the platform hands out .xls templates). Needs xlwt."""
    import xlwt

    main, quotes, works, amendments = rows_43335(seed)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Reporte de Formatos")
    top = [["43335"], ["TÍTULO", "NOMBRE CORTO", "DESCRIPCIÓN"], ["Resultados adjudicaciones", "A121Fr30B", "-"],
           [code for _, code, _ in COLUMNS], [field_id for field_id, _, _ in COLUMNS], ["Tabla Campos"],
           [label for _, _, label in COLUMNS]]  # fmt: skip
    for r, row in enumerate(top + main):
        for c, value in enumerate(row):
            if value not in (None, ""):
                sheet.write(r, c, value)
    for title, header, rows in (("Tabla_334271", COTIZACIONES, quotes), ("Tabla_334255", OBRA, works),
                                ("Tabla_334268", CONVENIOS, amendments)):  # fmt: skip
        table = book.add_sheet(title)
        for r, row in enumerate([[""] * len(header), [""] * len(header), header, *rows]):
            for c, value in enumerate(row):
                if value not in (None, ""):
                    table.write(r, c, value)
    hidden = book.add_sheet("Hidden_1")
    hidden.write(0, 0, "Adjudicación directa")
    hidden.visibility = 1
    book.save(str(path))


def write_public_download_csv(path: Path, seed: int = 2024) -> None:
    """The platform's public download as CSV: Latin-1, a metadata block, Title-Cased labels."""
    main, *_ = rows_43335(seed)
    with path.open("w", encoding="latin-1", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["Resultados adjudicaciones, invitaciones y licitaciones_Procedimientos de adjudicación directa"]
        )
        writer.writerow(["Sujeto obligado: Secretaría de Administración y Finanzas"])
        writer.writerow(["Periodo: 01/07/2024 - 30/09/2024"])
        writer.writerow([_title_case(label) for _, _, label in COLUMNS])
        for row in main:
            writer.writerow(
                ["" if v is None else (_text_date(v) if isinstance(v, int) and v > 40000 else v) for v in row]
            )


def _text_date(serial: int) -> str:
    return (EXCEL_EPOCH + timedelta(days=serial)).strftime("%d/%m/%Y")


def _title_case(label: str) -> str:
    # The platform's downloads capitalise every word: "Rfc de La Persona Física O Moral…"
    return " ".join(word[:1].upper() + word[1:].lower() if len(word) > 2 else word for word in label.split())


def main() -> None:
    write_upload_template(HERE / "A121Fr30B_2024T3.xlsx")
    write_public_download_csv(HERE / "A121Fr30B_2024T3_descarga.csv")
    try:
        write_upload_template_xls(HERE / "A121Fr30B_2024T3.xls")
    except ImportError:  # pragma: no cover - xlwt is only needed to remake the .xls sample
        print("xlwt is not installed: samples/A121Fr30B_2024T3.xls was left as it was")


if __name__ == "__main__":
    main()

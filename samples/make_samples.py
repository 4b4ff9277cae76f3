"""Make the sample workbooks in this folder: synthetic, in Spanish, with the real files' messiness.

    python samples/make_samples.py            # writes samples/A121Fr30{A,B}_2024T3*.{xlsx,xls,csv}

The transparency platform's format 43336 (licitaciones e invitaciones: ``A121Fr30A_2024T3.xlsx``, upload
template) and format 43335 (adjudicaciones directas) in its two layouts:
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


COLUMNS_43336 = [
    ("334280", "1", "Ejercicio"), ("334314", "4", "Fecha de inicio del periodo que se informa"),
    ("334315", "4", "Fecha de término del periodo que se informa"), ("334323", "9", "Tipo de procedimiento (catálogo)"),
    ("334304", "9", "Materia (catálogo)"), ("334277", "10", "Posibles contratantes"),
    ("334278", "1", "Número de expediente, folio o nomenclatura"),
    ("334331", "7", "Hipervínculo a la convocatoria o invitaciones emitidas"),
    ("334332", "4", "Fecha de la convocatoria o invitación"), ("334287", "2", "Descripción de las obras, bienes o servicios"),
    ("334306", "10", "Personas físicas o morales con proposición u oferta"),
    ("334334", "4", "Fecha en la que se celebró la junta de aclaraciones"),
    ("334307", "10", "Relación de asistentes a la junta de aclaraciones"),
    ("334308", "10", "Relación con los datos de los servidores públicos asistentes a la junta de aclaraciones"),
    ("334279", "7", "Hipervínculo al fallo de la junta de aclaraciones o al documento correspondiente"),
    ("334335", "7", "Hipervínculo al documento donde conste la presentación las propuestas"),
    ("334275", "7", "Hipervínculo al (los) dictámenes, en su caso"), ("334324", "2", "Nombre(s) del contratista o proveedor"),
    ("334316", "2", "Primer apellido del contratista o proveedor"), ("334317", "2", "Segundo apellido del contratista o proveedor"),
    ("334318", "2", "Razón social del contratista o proveedor"),
    ("334325", "1", "RFC de la persona física o moral contratista o proveedor"),
    ("334326", "2", "Descripción de las razones que justifican su elección"), ("334285", "2", "Área(s) solicitante"),
    ("334284", "2", "Área(s) contratante(s)"), ("334286", "2", "Área(s) responsable de su ejecución"),
    ("334281", "1", "Número que identifique al contrato"), ("334290", "4", "Fecha del contrato"),
    ("334295", "6", "Monto del contrato sin impuestos (en MXN)"),
    ("334296", "6", "Monto total del contrato con impuestos incluidos (MXN)"),
    ("334294", "6", "Monto mínimo, con impuestos incluidos, en su caso"),
    ("334297", "6", "Monto máximo, con impuestos incluidos, en su caso"), ("334283", "1", "Tipo de moneda"),
    ("334282", "1", "Tipo de cambio de referencia, en su caso"), ("334327", "1", "Forma de pago"),
    ("334288", "2", "Objeto del contrato"), ("334292", "4", "Fecha de inicio del plazo de entrega o ejecución"),
    ("334291", "4", "Fecha de término del plazo de entrega o ejecución"),
    ("334301", "7", "Hipervínculo al documento del contrato y anexos, en versión pública, en su caso"),
    ("334302", "7", "Hipervínculo al comunicado de suspensión, en su caso"),
    ("334309", "10", "Partida presupuestal de acuerdo con el COG"),
    ("334313", "9", "Origen de los recursos públicos (catálogo)"), ("334333", "1", "Fuente de financiamiento"),
    ("334276", "1", "Tipo de fondo de participación o aportación respectiva"),
    ("334328", "2", "Lugar donde se realizará la obra pública, en su caso"),
    ("334319", "2", "Breve descripción de la obra pública, en su caso"),
    ("334329", "7", "Hipervínculo a los estudios de impacto urbano y ambiental, en su caso"),
    ("334330", "2", "Observaciones dirigidas a la población relativas a la realización de las obras públicas, en su caso"),
    ("334320", "9", "Etapa de la obra pública y/o servicio de la misma (catálogo)"),
    ("334305", "9", "Se realizaron convenios modificatorios (catálogo)"), ("334310", "10", "Convenios modificatorios"),
    ("334289", "2", "Mecanismos de vigilancia y supervisión de la ejecución, en su caso"),
    ("334298", "7", "Hipervínculo a informes de avances físicos, en su caso"),
    ("334303", "7", "Hipervínculo a los informes de avance financiero, en su caso"),
    ("334299", "7", "Hipervínculo al acta de recepción física de los trabajos ejecutados u homóloga, en su caso"),
    ("334300", "7", "Hipervínculo al finiquito, en su  caso"),
    ("334321", "2", "Área(s) responsable(s) que genera(n), posee(n), publica(n) y actualizan la información"),
    ("334293", "4", "Fecha de validación"), ("334312", "13", "Fecha de actualización"), ("334322", "12", "Nota"),
]  # fmt: skip
PERSON_TABLE = ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido"]
TABLES_43336 = {
    "Tabla_334277": [*PERSON_TABLE, "Razón Social", "RFC de los posibles contratantes"],
    "Tabla_334306": [*PERSON_TABLE, "Denominación o razón social",
                     "RFC de las personas físicas o morales que presentaron una proposición u oferta"],
    "Tabla_334307": [*PERSON_TABLE, "Denominación o razón social",
                     "RFC de las personas físicas o morales asistentes a la junta de aclaraciones"],
    "Tabla_334308": ["ID", "Nombre(s) del Servidor Público", "Primer apellido del Servidor Público",
                     "Segundo apellido del Servidor Público", "Cargo que ocupa el Servidor Público dentro del SO",
                     "RFC de los servidores públicos asistentes a la junta de aclaraciones"],
    "Tabla_334309": ["ID", "Partida Presupuestal"],
    "Tabla_334310": ["ID", "Número de convenio modificatorio", "Objeto del convenio modificatorio",
                     "Fecha de firma del convenio modificatorio", "Hipervínculo al documento del convenio"],
}  # fmt: skip


def rows_43336(seed: int = 2024) -> tuple[list[list], dict[str, list[list]]]:
    """Main rows of format 43336 (licitaciones e invitaciones) and its sub-tables' rows."""
    rng = random.Random(seed)
    main: list[list] = []
    tables: dict[str, list[list]] = {name: [] for name in TABLES_43336}
    start = datetime(2024, 7, 3)
    for n in range(1, 7):
        call = start + timedelta(days=10 * n)
        signed = call + timedelta(days=30)
        amount = round(rng.uniform(900_000, 25_000_000), 2)
        method = "Licitación pública" if n % 2 else "Invitación a cuando menos tres personas"
        works = n in (2, 5)
        company, rfc = COMPANIES[n % 4]
        expediente = f"SOBSE/DGOP/LPN-{n:03d}-2024" if n % 2 else f"SOBSE/DGOP/IR-{n:03d}-2024"
        contrato = f"OP-{n:03d}-2024"
        values = {
            "Ejercicio": "2024", "Fecha de inicio del periodo que se informa": "01/07/2024",
            "Fecha de término del periodo que se informa": _serial(datetime(2024, 9, 30)),
            "Tipo de procedimiento (catálogo)": method, "Materia (catálogo)": "Obra pública" if works else MATERIAS[n % 4],
            "Posibles contratantes": str(n), "Número de expediente, folio o nomenclatura": expediente,
            "Hipervínculo a la convocatoria o invitaciones emitidas": f"https://transparencia.cdmx.gob.mx/convocatorias/{n}.pdf",
            "Fecha de la convocatoria o invitación": call.strftime("%d/%m/%Y"),
            "Descripción de las obras, bienes o servicios": ITEMS[n % 4],
            "Personas físicas o morales con proposición u oferta": str(n),
            "Fecha en la que se celebró la junta de aclaraciones": _serial(call + timedelta(days=7)),
            "Relación de asistentes a la junta de aclaraciones": str(n),
            "Relación con los datos de los servidores públicos asistentes a la junta de aclaraciones": str(n),
            "Hipervínculo al (los) dictámenes, en su caso": f"https://transparencia.cdmx.gob.mx/dictamenes/{n}.pdf",
            "Razón social del contratista o proveedor": company, "RFC de la persona física o moral contratista o proveedor": rfc,
            "Descripción de las razones que justifican su elección": "Propuesta solvente más baja",
            "Área(s) contratante(s)": "Dirección General de Obras Públicas", "Número que identifique al contrato": contrato,
            "Fecha del contrato": signed.strftime("%d/%m/%Y"),
            "Monto del contrato sin impuestos (en MXN)": _money(amount / 1.16),
            "Monto total del contrato con impuestos incluidos (MXN)": _money(amount), "Tipo de moneda": "Peso mexicano",
            "Forma de pago": "Transferencia", "Objeto del contrato": f"{ITEMS[n % 4]}, conforme a la convocatoria",
            "Fecha de inicio del plazo de entrega o ejecución": _serial(signed + timedelta(days=1)),
            "Fecha de término del plazo de entrega o ejecución": _serial(signed + timedelta(days=180)),
            "Hipervínculo al documento del contrato y anexos, en versión pública, en su caso":
                f"https://transparencia.cdmx.gob.mx/contratos/{contrato}.pdf",
            "Partida presupuestal de acuerdo con el COG": str(n),
            "Origen de los recursos públicos (catálogo)": "Estatales", "Fuente de financiamiento": "Recursos fiscales",
            "Lugar donde se realizará la obra pública, en su caso": "Alcaldía Iztapalapa" if works else "",
            "Etapa de la obra pública y/o servicio de la misma (catálogo)": "En ejecución" if works else "",
            "Se realizaron convenios modificatorios (catálogo)": "Si" if n == 5 else "No",
            "Convenios modificatorios": str(n) if n == 5 else "",
            "Fecha de validación": "15/10/2024", "Fecha de actualización": "15/10/2024",
        }  # fmt: skip
        main.append([values.get(label, "") for _, _, label in COLUMNS_43336])
        for name, qrfc in COMPANIES:
            tables["Tabla_334277"].append([str(n), "", "", "", name, qrfc])
        for name, qrfc in COMPANIES[:3]:
            tables["Tabla_334306"].append([str(n), "", "", "", name, qrfc])
        tables["Tabla_334307"].append([str(n), *PEOPLE[0][:3], "", PEOPLE[0][3]])
        tables["Tabla_334308"].append([str(n), "Laura", "Ríos", "Peña", "Subdirectora de Concursos", ""])
        tables["Tabla_334309"].append([str(n), "6121" if works else "3511"])
        if n == 5:
            tables["Tabla_334310"].append([str(n), "CM-OP-005-1", "Ampliación de monto", "10/12/2024",
                                           "https://transparencia.cdmx.gob.mx/convenios/CM-OP-005-1.pdf"])  # fmt: skip
    return main, tables


def write_upload_template_43336(path: Path, seed: int = 2024) -> None:
    """Format 43336's upload template layout, as an .xlsx."""
    main, tables = rows_43336(seed)
    book = Workbook()
    sheet = book.active
    sheet.title = "Reporte de Formatos"
    sheet.append(["43336"])
    sheet.append(["TÍTULO", "NOMBRE CORTO", "DESCRIPCIÓN"])
    sheet.append(["Resultados adjudicaciones, invitaciones y licitaciones_Procedimientos de licitación pública e "
                  "invitación a cuando menos tres personas", "A121Fr30A", "-"])  # fmt: skip
    sheet.append([code for _, code, _ in COLUMNS_43336])
    sheet.append([field_id for field_id, _, _ in COLUMNS_43336])
    sheet.append(["Tabla Campos"])
    sheet.append([label for _, _, label in COLUMNS_43336])
    for row in main:
        sheet.append(row)
    for title, header in TABLES_43336.items():
        table = book.create_sheet(title)
        table.append([None, *[str(43300 + i) for i in range(1, len(header))]])
        table.append([None])
        table.append(header)
        for row in tables[title]:
            table.append(row)
    for n, values in enumerate([["Licitación pública", "Invitación a cuando menos tres personas", "Otro (especificar)"],
                                ["Federales", "Estatales", "Municipales"]], 1):  # fmt: skip
        hidden = book.create_sheet(f"Hidden_{n}")
        for value in values:
            hidden.append([value])
        hidden.sheet_state = "hidden"
    book.save(path)


def write_paaaps(path: Path, seed: int = 2024) -> None:
    """SAF's annual procurement programme (PAAAPS), one line per process and budget item."""
    rng = random.Random(seed + 1)
    book = Workbook()
    sheet = book.active
    sheet.title = "PAAAPS"
    sheet.append(["Programa Anual de Adquisiciones, Arrendamientos y Prestación de Servicios 2024"])
    sheet.append(["Secretaría de Administración y Finanzas"])
    sheet.append([])
    sheet.append(["Número de expediente", "Partida presupuestal", "Descripción del bien o servicio",
                  "Monto anual programado", "Moneda", "Fecha de autorización"])  # fmt: skip
    for n in range(1, 9):
        sheet.append([f"SAF/DGRMSG/AD-{n:03d}/2024", ["2111", "3571", "6121", "3581"][n % 4], ITEMS[n % 4],
                      _money(round(rng.uniform(500_000, 4_000_000), 2)), "MXN", "31/01/2024"])  # fmt: skip
    book.save(path)


def write_clc_csv(path: Path, seed: int = 2024) -> None:
    """SAF's payment orders (Cuentas por Liquidar Certificadas), as the finance system exports them: Latin-1."""
    main, *_ = rows_43335(seed)
    with path.open("w", encoding="latin-1", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Número de CLC", "Fecha de pago", "Importe pagado", "Número de expediente", "Número de contrato",
                         "Beneficiario", "RFC del beneficiario", "Estatus del contrato"])  # fmt: skip
        for n, row in enumerate(main, 1):
            if n % 3 == 0:
                continue  # not every contract has been paid yet
            name = row[13] or " ".join(part for part in row[10:13] if part)
            for k in (1, 2):
                writer.writerow([f"CLC{n:04d}{k:03d}-2024", f"{k * 10:02d}/09/2024", f"{1000 * n * k:,.2f}",
                                 row[5].strip(), row[17], name, row[14], "Vigente"])  # fmt: skip


def write_avance_obras(path: Path) -> None:
    """SOBSE's physical and financial progress report of its works."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Avance de obra"
    sheet.append(["Reporte de avance físico y financiero", None, None, "Secretaría de Obras y Servicios"])
    sheet.append([])
    sheet.append(["Número de expediente", "Número de contrato", "Fecha de corte", "Avance físico (%)",
                  "Avance financiero (%)", "Etapa de la obra", "Hipervínculo al reporte de avance"])  # fmt: skip
    for n in (2, 5):
        for month, (physical, financial) in ((10, (35, 30)), (11, (60, 52))):
            sheet.append([f"SOBSE/DGOP/{'IR' if n % 2 == 0 else 'LPN'}-{n:03d}-2024", f"OP-{n:03d}-2024",
                          datetime(2024, month, 30), physical, financial, "En ejecución",
                          f"https://transparencia.cdmx.gob.mx/avance/OP-{n:03d}-2024-{month}.pdf"])  # fmt: skip
    book.save(path)


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


def write_public_download_csv_43336(path: Path, seed: int = 2024) -> None:
    """Format 43336's public download as CSV: Latin-1, a metadata block, Title-Cased labels."""
    main, _ = rows_43336(seed)
    with path.open("w", encoding="latin-1", newline="") as f:
        writer = csv.writer(f, delimiter=";")  # the platform's CSVs come with either separator
        writer.writerow(["Resultados adjudicaciones, invitaciones y licitaciones_Procedimientos de licitación pública"])
        writer.writerow(["Sujeto obligado: Secretaría de Obras y Servicios"])
        writer.writerow(["Periodo: 01/07/2024 - 30/09/2024"])
        writer.writerow([_title_case(label) for _, _, label in COLUMNS_43336])
        for row in main:
            writer.writerow(
                ["" if v is None else (_text_date(v) if isinstance(v, int) and v > 40000 else v) for v in row]
            )


def write_public_download_xlsx(path: Path, seed: int = 2024) -> None:
    """Format 43335's public download as .xlsx: a metadata block, the header on row 6 with Title-Cased
    labels, sub-table columns named with their table ("… (Tabla_334271)"), and the Tabla_ sheets."""
    main, quotes, works, amendments = rows_43335(seed)
    tables = {"334271": quotes, "334255": works, "334268": amendments}
    book = Workbook()
    sheet = book.active
    sheet.title = "Reporte de Formatos"
    sheet.append(["Plataforma Nacional de Transparencia"])
    sheet.append(["Sujeto obligado: Secretaría de Administración y Finanzas"])
    sheet.append(["Formato: Resultados de procedimientos de adjudicación directa"])
    sheet.append(["Periodo: 01/07/2024 - 30/09/2024"])
    sheet.append([])
    sheet.append(
        [_title_case(label) + (f" (Tabla_{field_id})" if code == "10" else "") for field_id, code, label in COLUMNS]
    )
    for row in main:
        sheet.append(row)
    headers = {"334271": COTIZACIONES, "334255": OBRA, "334268": CONVENIOS}
    for field_id, rows in tables.items():
        table = book.create_sheet(f"Tabla_{field_id}")
        table.append([f"Tabla_{field_id}"])
        table.append([])
        table.append(["Id", *[_title_case(h) for h in headers[field_id][1:]]])
        for row in rows:
            table.append(row)
    book.save(path)


def _text_date(serial: int) -> str:
    return (EXCEL_EPOCH + timedelta(days=serial)).strftime("%d/%m/%Y")


def _title_case(label: str) -> str:
    # The platform's downloads capitalise every word: "Rfc de La Persona Física O Moral…"
    return " ".join(word[:1].upper() + word[1:].lower() if len(word) > 2 else word for word in label.split())


def main() -> None:
    write_upload_template(HERE / "A121Fr30B_2024T3.xlsx")
    write_upload_template_43336(HERE / "A121Fr30A_2024T3.xlsx")
    write_public_download_csv_43336(HERE / "A121Fr30A_2024T3_descarga.csv")
    write_paaaps(HERE / "paaaps-2024.xlsx")
    write_clc_csv(HERE / "clc-2024T3.csv")
    write_avance_obras(HERE / "avance-obras-2024T3.xlsx")
    write_public_download_csv(HERE / "A121Fr30B_2024T3_descarga.csv")
    write_public_download_xlsx(HERE / "A121Fr30B_2024T3_descarga.xlsx")
    try:
        write_upload_template_xls(HERE / "A121Fr30B_2024T3.xls")
    except ImportError:  # pragma: no cover - xlwt is only needed to remake the .xls sample
        print("xlwt is not installed: samples/A121Fr30B_2024T3.xls was left as it was")


if __name__ == "__main__":
    main()

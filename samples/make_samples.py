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
import sys
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the package, for the mappings' labels

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


def template_labels(columns: list[tuple[str, str, str]]) -> list[str]:
    """Row 7 of an upload template: the label of a sub-table column (type 10) ends with a line break
    and ``Tabla_<field id>``, as the platform's templates write it."""
    return [label if code != "10" or "Tabla_" in label else f"{label} \nTabla_{fid}" for fid, code, label in columns]


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
    sheet.append(template_labels(COLUMNS))
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
        hidden = book.create_sheet(f"Hidden_{n}")  # visible, as in real templates: "hidden" is only a name
        for value in values:
            hidden.append([value])
    book.save(path)


def write_upload_template_xls(path: Path, seed: int = 2024) -> None:
    """The same upload template as an .xls (the platform hands out .xls templates). Needs xlwt."""
    import xlwt

    main, quotes, works, amendments = rows_43335(seed)
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Reporte de Formatos")
    top = [["43335"], ["TÍTULO", "NOMBRE CORTO", "DESCRIPCIÓN"], ["Resultados adjudicaciones", "A121Fr30B", "-"],
           [code for _, code, _ in COLUMNS], [field_id for field_id, _, _ in COLUMNS], ["Tabla Campos"],
           template_labels(COLUMNS)]  # fmt: skip
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
    sheet.append(template_labels(COLUMNS_43336))
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


# -- 2021–2023 (52276, 52273), 2024+ (59483) and 2015–2017 layouts -----------------------------------------
# The columns of the real templates (row 5 field id, row 4 type code, row 7 label), in their order.
COLUMNS_52276 = [
    ("492935", "1", "Ejercicio"),
    ("492959", "4", "Fecha de inicio del periodo que se informa"),
    ("492960", "4", "Fecha de término del periodo que se informa"),
    ("492971", "9", "Tipo de procedimiento (catálogo)"),
    ("492970", "9", "Materia (catálogo)"),
    ("562022", "9", "Carácter del procedimiento (catálogo)"),
    ("492932", "1", "Número de expediente, folio o nomenclatura que lo identifique"),
    ("492940", "2", "Motivos y fundamentos legales aplicados para realizar la adjudicación directa"),
    (
        "492952",
        "7",
        "Hipervínculo a la autorización o documento que dé cuenta de la suficiencia de recursos para efectuar el procedimiento",
    ),
    ("492941", "2", "Descripción de obras, bienes o servicios"),
    (
        "492972",
        "10",
        "Nombre completo o razón social de las cotizaciones consideradas y monto de las mismas \nTabla_492972",
    ),
    ("492965", "2", "Nombre(s) del adjudicado"),
    ("492961", "2", "Primer apellido del adjudicado"),
    ("492966", "2", "Segundo apellido del adjudicado"),
    ("492967", "2", "Razón social del adjudicado"),
    ("570813", "9", "ESTE CRITERIO APLICA A PARTIR DEL 01/07/2023 -> Sexo (catálogo)"),
    ("492968", "1", "Registro Federal de Contribuyentes (RFC) de la persona física o moral adjudicada"),
    ("562023", "9", "Domicilio fiscal de la empresa, contratista o proveedor. Tipo de vialidad (catálogo)"),
    ("562024", "2", "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de vialidad"),
    ("562025", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Número exterior"),
    ("562026", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Número interior, en su caso"),
    ("562027", "9", "Domicilio fiscal de la empresa, contratista o proveedor. Tipo de asentamiento (catálogo)"),
    ("562028", "2", "Domicilio fiscal de la empresa, contratista o proveedor Nombre del asentamiento"),
    ("562029", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Clave de la localidad"),
    ("562030", "2", "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de la localidad"),
    ("562031", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Clave del municipio"),
    ("562032", "2", "Domicilio fiscal de la empresa, contratista o proveedor. Nombre del municipio o delegación"),
    ("562033", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Clave de la entidad federativa"),
    (
        "562034",
        "9",
        "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de la entidad federativa (catálogo)",
    ),
    ("562035", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Código postal"),
    ("562036", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor País"),
    ("562037", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor Ciudad"),
    ("562038", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor Calle"),
    ("562039", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor Número"),
    ("492937", "2", "Área(s) solicitante(s)"),
    ("492938", "2", "Área(s) responsable(s) de la ejecución del contrato"),
    ("492933", "1", "Número que identifique al contrato"),
    ("492945", "4", "Fecha del contrato"),
    ("562040", "4", "Fecha de inicio de la vigencia del contrato (día/mes/año)"),
    ("562041", "4", "Fecha de término de la vigencia del contrato (día/mes/año)"),
    ("492946", "6", "Monto del contrato sin impuestos incluidos"),
    ("492947", "6", "Monto total del contrato con impuestos incluidos (expresado en pesos mexicanos)"),
    ("492949", "6", "Monto mínimo, en su caso"),
    ("492950", "6", "Monto máximo, en su caso"),
    ("492930", "1", "Tipo de moneda"),
    ("492931", "1", "Tipo de cambio de referencia, en su caso"),
    ("492934", "1", "Forma de pago"),
    ("492942", "2", "Objeto del contrato"),
    (
        "492948",
        "6",
        "Monto total de garantías y/o contragarantías, en caso de que se otorgaran durante el procedimiento",
    ),
    ("492943", "4", "Fecha de inicio del plazo de entrega o ejecución de servicios contratados u obra pública"),
    ("492962", "4", "Fecha de término del plazo de entrega o ejecución de servicios u obra pública"),
    ("492956", "7", "Hipervínculo al documento del contrato y anexos, versión pública si así corresponde"),
    ("492955", "7", "Hipervínculo al comunicado de suspensión, rescisión o terminación anticipada del contrato"),
    ("492936", "1", "Origen de los recursos públicos"),
    ("492973", "2", "Fuentes de financiamiento"),
    ("492957", "10", "Datos de la obra pública y/o servicios relacionados con la misma \nTabla_492957"),
    ("492974", "9", "Se realizaron convenios modificatorios (catálogo)"),
    ("492969", "10", "Datos de los convenios modificatorios de la contratación \nTabla_492969"),
    ("492939", "2", "Mecanismos de vigilancia y supervisión contratos"),
    ("492975", "7", "Hipervínculo, en su caso a los informes de avance físico en versión pública"),
    ("492953", "7", "Hipervínculo a los informes de avance financiero"),
    ("492954", "7", "Hipervínculo acta de recepción física de trabajos ejecutados u homóloga"),
    (
        "492951",
        "7",
        "Hipervínculo al finiquito, contrato sin efectos concluido con anticipación o informe de resultados,",
    ),
    ("492963", "2", "Área(s) responsable(s) que genera(n), posee(n), publica(n) y actualizan la información"),
    ("492944", "4", "Fecha de validación"),
    ("492958", "13", "Fecha de actualización"),
    ("492964", "14", "Nota"),
]
TABLES_52276 = {
    "Tabla_492972": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Razón social",
        "Sexo (catálogo)",
        "RFC de los posibles contratantes",
        "Monto total de la cotización con impuestos incluidos",
    ],
    "Tabla_492957": [
        "ID",
        "Lugar donde se realizará la obra pública",
        "Hipervínculo a estudios de impacto urbano y ambiental",
        "En su caso, observaciones dirigidas a la población",
        "Etapa de la obra pública y/o servicio de la misma (catálogo)",
    ],
    "Tabla_492969": [
        "ID",
        "Número de convenio modificatorio",
        "Objeto del convenio modificatorio",
        "Fecha de firma del convenio modificatorio",
        "Hipervínculo al documento del convenio",
    ],
}
COLUMNS_52273 = [
    ("492841", "1", "Ejercicio"),
    ("492874", "4", "Fecha de inicio del periodo que se informa"),
    ("492875", "4", "Fecha de término del periodo que se informa"),
    ("492883", "9", "Tipo de procedimiento (catálogo)"),
    ("492865", "9", "Materia o tipo de contratación (catálogo)"),
    ("562001", "9", "Carácter del procedimiento (catálogo)"),
    ("492838", "10", "Posibles contratantes \nTabla_492838"),
    ("492839", "1", "Número de expediente, folio o nomenclatura"),
    ("492891", "7", "Hipervínculo a la convocatoria o invitaciones emitidas"),
    ("492892", "4", "Fecha de la convocatoria o invitación"),
    ("492848", "2", "Descripción de las obras, bienes o servicios"),
    ("492867", "10", "Personas físicas o morales con proposición u oferta \nTabla_492867"),
    ("492894", "4", "Fecha en la que se celebró la junta de aclaraciones"),
    ("492868", "10", "Relación de asistentes a la junta de aclaraciones \nTabla_492868"),
    (
        "492869",
        "10",
        "Relación con los datos de los servidores públicos asistentes a la junta de aclaraciones \nTabla_492869",
    ),
    ("492840", "7", "Hipervínculo al fallo de la junta de aclaraciones o al documento correspondiente"),
    ("492895", "7", "Hipervínculo al documento donde conste la presentación las propuestas"),
    ("492836", "7", "Hipervínculo al (los) dictámenes, en su caso"),
    ("492884", "2", "Nombre(s) del contratista o proveedor"),
    ("492876", "2", "Primer apellido del contratista o proveedor"),
    ("492877", "2", "Segundo apellido del contratista o proveedor"),
    ("492878", "2", "Razón social del contratista o proveedor"),
    ("570812", "9", "Sexo (catálogo)"),
    ("492885", "1", "RFC de la persona física o moral contratista o proveedor"),
    ("562002", "9", "Domicilio fiscal de la empresa, contratista o proveedor Tipo de vialidad (catálogo)"),
    ("562003", "1", "Domicilio fiscal de la empresa, contratista o proveedor Nombre de vialidad"),
    ("562004", "1", "Domicilio fiscal de la empresa, contratista o proveedor Número exterior"),
    ("562005", "1", "Domicilio fiscal de la empresa, contratista o proveedor Número interior, en su caso"),
    ("562006", "9", "Domicilio fiscal de la empresa, contratista o proveedor Tipo de asentamiento (catálogo)"),
    ("562007", "2", "Domicilio fiscal de la empresa, contratista o proveedor Nombre del asentamiento"),
    ("562008", "1", "Domicilio fiscal de la empresa, contratista o proveedor Clave de la localidad"),
    ("562009", "2", "Domicilio fiscal de la empresa, contratista o proveedor Nombre de la localidad"),
    ("562010", "1", "Domicilio fiscal de la empresa, contratista o proveedor.  Clave del municipio"),
    ("562011", "2", "Domicilio fiscal de la empresa, contratista o proveedor. Nombre del municipio o delegación"),
    ("562012", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Clave de la entidad federativa"),
    (
        "562013",
        "9",
        "Domicilio fiscal de la empresa, contratista o proveedor. Nombre de la entidad federativa (catálogo)",
    ),
    ("562014", "1", "Domicilio fiscal de la empresa, contratista o proveedor. Código postal"),
    ("562015", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor. País"),
    ("562016", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor. Ciudad"),
    ("562017", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor. Calle"),
    ("562018", "2", "Domicilio en el extranjero de la empresa, contratista o proveedor. Número"),
    ("492886", "2", "Descripción de las razones que justifican su elección"),
    ("492846", "2", "Área(s) solicitante"),
    ("492845", "2", "Área(s) contratante(s)"),
    ("492847", "2", "Área(s) responsable de su ejecución"),
    ("492842", "1", "Número que identifique al contrato"),
    ("492851", "4", "Fecha del contrato"),
    ("562019", "4", "Fecha de inicio de la vigencia del contrato (día/mes/año)"),
    ("562020", "4", "Fecha de término de la vigencia del contrato (día/mes/año)"),
    ("492856", "6", "Monto del contrato sin impuestos (en MXN)"),
    ("492857", "6", "Monto total del contrato con impuestos incluidos (MXN)"),
    ("492855", "6", "Monto mínimo, con impuestos incluidos, en su caso"),
    ("492858", "6", "Monto máximo, con impuestos incluidos, en su caso"),
    ("492844", "1", "Tipo de moneda"),
    ("492843", "1", "Tipo de cambio de referencia, en su caso"),
    ("492887", "1", "Forma de pago"),
    ("492849", "2", "Objeto del contrato"),
    ("492853", "4", "Fecha de inicio del plazo de entrega o ejecución"),
    ("492852", "4", "Fecha de término del plazo de entrega o ejecución"),
    ("492862", "7", "Hipervínculo al documento del contrato y anexos, en versión pública, en su caso"),
    ("492863", "7", "Hipervínculo al comunicado de suspensión, en su caso"),
    ("492870", "10", "Partida presupuestal de acuerdo con el COG \nTabla_492870"),
    ("492873", "9", "Origen de los recursos públicos (catálogo)"),
    ("492893", "1", "Fuente de financiamiento"),
    ("492837", "1", "Tipo de fondo de participación o aportación respectiva"),
    ("492888", "2", "Lugar donde se realizará la obra pública, en su caso"),
    ("492879", "2", "Breve descripción de la obra pública, en su caso"),
    ("492889", "7", "Hipervínculo a los estudios de impacto urbano y ambiental, en su caso"),
    (
        "492890",
        "2",
        "Observaciones dirigidas a la población relativas a la realización de las obras públicas, en su caso",
    ),
    ("492880", "9", "Etapa de la obra pública y/o servicio de la misma (catálogo)"),
    ("492866", "9", "Se realizaron convenios modificatorios (catálogo)"),
    ("492871", "10", "Convenios modificatorios \nTabla_492871"),
    ("492850", "2", "Mecanismos de vigilancia y supervisión de la ejecución, en su caso"),
    ("492859", "7", "Hipervínculo a informes de avances físicos, en su caso"),
    ("492864", "7", "Hipervínculo a los informes de avance financiero, en su caso"),
    ("492860", "7", "Hipervínculo al acta de recepción física de los trabajos ejecutados u homóloga, en su caso"),
    (
        "562021",
        "7",
        "Hipervínculo al finiquito, contrato sin efectos concluido con anticipación o informe de resultados",
    ),
    ("492881", "2", "Área(s) responsable(s) que genera(n), posee(n), publica(n) y actualizan la información"),
    ("492854", "4", "Fecha de validación"),
    ("492872", "13", "Fecha de actualización"),
    ("492882", "14", "Nota"),
]
TABLES_52273 = {
    "Tabla_492838": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Razón Social",
        "Sexo (catálogo)",
        "RFC de los posibles contratantes",
    ],
    "Tabla_492867": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Denominación o razón social",
        "Sexo (catálogo)",
        "RFC de las personas físicas o morales que presentaron una proposición u oferta",
    ],
    "Tabla_492868": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Denominación o razón social",
        "Sexo (catálogo)",
        "RFC de las personas físicas o morales asistentes a la junta de aclaraciones",
    ],
    "Tabla_492869": [
        "ID",
        "Nombre(s) del Servidor Público",
        "Primer apellido del Servidor Público",
        "Segundo apellido del Servidor Público",
        "Sexo (catálogo)",
        "RFC de los servidores públicos asistentes a la junta de aclaraciones",
        "Cargo que ocupa el Servidor Público dentro del SO",
    ],
    "Tabla_492870": ["ID", "Partida Presupuestal"],
    "Tabla_492871": [
        "ID",
        "Número de convenio modificatorio",
        "Objeto del convenio modificatorio",
        "Fecha de firma del convenio modificatorio",
        "Hipervínculo al documento del convenio",
    ],
}
COLUMNS_59483 = [
    ("579212", "1", "Ejercicio"),
    ("579243", "4", "Fecha de inicio del periodo que se informa"),
    ("579244", "4", "Fecha de término del periodo que se informa"),
    ("579286", "9", "Tipo de procedimiento (catálogo)"),
    ("579234", "9", "Materia o tipo de contratación (catálogo)"),
    ("579265", "9", "Carácter del procedimiento (catálogo)"),
    ("579210", "1", "Número de expediente, folio o nomenclatura"),
    ("579203", "9", "Se declaró desierta la licitación pública (catálogo)"),
    ("579204", "2", "Motivos y fundamentos legales aplicados para realizar el procedimiento"),
    ("579205", "7", "Hipervínculo a la autorización o documento de suficiencia presupuestal"),
    ("579209", "10", "Posibles licitantes, proveedora(e)s o contratistas \nTabla_579209"),
    ("579259", "7", "Hipervínculo a la convocatoria o invitaciones emitidas"),
    ("579260", "4", "Fecha de la convocatoria o invitación"),
    ("579219", "2", "Descripción de las obras públicas, los bienes o los servicios contratados o arrendados"),
    (
        "579236",
        "10",
        "Relación con los nombres de las personas físicas o morales que presentaron una proposición u oferta, o cotizaciones como parte de la investigación de mercado \nTabla_579236",
    ),
    ("579262", "4", "Fecha en la que se celebró la junta de aclaraciones"),
    (
        "579237",
        "10",
        "Relación con los nombres de las/los participantes en la junta de aclaraciones. En el caso de personas morales especificar su denominación o razón social \nTabla_579237",
    ),
    (
        "579238",
        "10",
        "Relación con los nombres de las personas servidoras públicas participantes en las juntas de aclaraciones \nTabla_579238",
    ),
    ("579211", "7", "Hipervínculo al(as) acta(s) de la(s) junta(s) de aclaraciones o al documento correspondiente."),
    ("579263", "7", "Hipervínculo al acta o documento donde conste la presentación y apertura de las propuestas"),
    ("579207", "7", "Hipervínculo al (los) dictámenes base del fallo o documento(s) equivalente(s)"),
    (
        "579287",
        "7",
        "Hipervínculo al acta de fallo adjudicatorio y a la resolución de asignación del contrato u oficio de notificación de adjudicación.",
    ),
    ("579252", "2", "Nombre(s) de la persona física ganadora, asignada o adjudicada"),
    ("579245", "2", "Primer apellido de la persona física ganadora, asignada o adjudicada"),
    ("579246", "2", "Segundo apellido de la persona física ganadora, asignada o adjudicada"),
    ("579264", "9", "Sexo (catálogo)"),
    ("579247", "2", "Denominación o razón social"),
    ("579206", "10", "Nombre completo de la(s) persona(s) beneficiaria(s) final(es) \nTabla_579206"),
    (
        "579253",
        "1",
        "Registro Federal de Contribuyentes (RFC) de la persona física o moral contratista o proveedora ganadora, asignada o adjudicada",
    ),
    ("579266", "9", "Domicilio fiscal de la empresa, persona contratista o proveedora. Tipo de vialidad (catálogo)"),
    ("579267", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Nombre de vialidad"),
    ("579268", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Número exterior"),
    ("579269", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Número interior, en su caso"),
    (
        "579270",
        "9",
        "Domicilio fiscal de la empresa, persona contratista o proveedora. Tipo de asentamiento (catálogo)",
    ),
    ("579271", "2", "Domicilio fiscal de la empresa, persona contratista o proveedora. Nombre del asentamiento"),
    ("579272", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Clave de la localidad"),
    ("579273", "2", "Domicilio fiscal de la empresa, persona contratista o proveedora. Nombre de la localidad"),
    ("579274", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Clave del municipio"),
    (
        "579275",
        "2",
        "Domicilio fiscal de la empresa, persona contratista o proveedora. Nombre del municipio o delegación",
    ),
    ("579276", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Clave de la entidad federativa"),
    (
        "579277",
        "9",
        "Domicilio fiscal de la empresa, persona contratista o proveedora. Nombre de la entidad federativa (catálogo)",
    ),
    ("579278", "1", "Domicilio fiscal de la empresa, persona contratista o proveedora. Código postal"),
    ("579279", "2", "Domicilio en el extranjero de la empresa, persona contratista o proveedora ganadora. País"),
    ("579280", "2", "Domicilio en el extranjero de la empresa, persona contratista o proveedora ganadora. Ciudad"),
    ("579281", "2", "Domicilio en el extranjero de la empresa, persona contratista o proveedora ganadora. Calle"),
    ("579282", "2", "Domicilio en el extranjero de la empresa, persona contratista o proveedora ganadora. Número"),
    (
        "579254",
        "2",
        "Descripción breve de las razones que justifican la elección de la(s) persona(s) proveedora(s) o contratista(s) ganadora(s), asignada(s) o adjudicada(s)",
    ),
    (
        "579217",
        "2",
        "Área(s) solicitante(s) de las obras públicas, el arrendamiento, la adquisición de bienes y/o la prestación de servicios",
    ),
    ("579216", "2", "Área(s) contratante(s)"),
    ("579218", "2", "Área(s) responsable de su ejecución"),
    ("579213", "1", "Número que identifique al contrato"),
    ("579222", "4", "Fecha del contrato expresada con el formato día/mes/año"),
    ("579283", "4", "Fecha de inicio de la vigencia del contrato (día/mes/año)"),
    ("579284", "4", "Fecha de término de la vigencia del contrato (día/mes/año)"),
    ("579226", "6", "Monto del contrato sin impuestos (en MXN)"),
    ("579227", "6", "Monto total del contrato con impuestos incluidos (MXN)"),
    ("579225", "6", "Monto mínimo, con impuestos incluidos, en su caso"),
    ("579228", "6", "Monto máximo, con impuestos incluidos, en su caso"),
    ("579215", "1", "Tipo de moneda"),
    ("579214", "1", "Tipo de cambio de referencia, en su caso"),
    ("579255", "1", "Forma de pago"),
    ("579220", "2", "Objeto del contrato"),
    (
        "579289",
        "6",
        "Monto total de las garantías y/o contragarantías  que, en su caso, se hubieren otorgado durante el procedimiento respectivo.",
    ),
    ("579224", "4", "Fecha de inicio del plazo de entrega o ejecución"),
    ("579223", "4", "Fecha de término del plazo de entrega o ejecución"),
    ("579231", "7", "Hipervínculo al documento del contrato y sus anexos, en versión pública si así corresponde."),
    (
        "579232",
        "7",
        "Hipervínculo al comunicado de suspensión,rescisión o terminación anticipada del contrato, en su caso",
    ),
    ("579239", "10", "Partida presupuestal de acuerdo con el COG \nTabla_579239"),
    ("579242", "9", "Origen de los recursos públicos (catálogo)"),
    ("579261", "1", "Fuente de financiamiento"),
    ("579208", "1", "Tipo de fondo de participación o aportación respectiva"),
    ("579256", "2", "Lugar donde se realizará la obra pública, en su caso"),
    ("579248", "2", "Breve descripción de la obra pública, en su caso"),
    (
        "579257",
        "7",
        "Hipervínculo a los estudios de impacto urbano y ambiental, en su caso, hay que señalar que no se realizaron.",
    ),
    (
        "579258",
        "2",
        "Observaciones dirigidas a la población relativas a la realización de las obras públicas, en su caso",
    ),
    ("579249", "9", "Etapa de la obra pública y/o servicio de la misma (catálogo)"),
    ("579235", "9", "Se realizaron convenios y/o contratos modificatorios (catálogo):"),
    ("579240", "10", "Convenios modificatorios \nTabla_579240"),
    ("579221", "2", "Mecanismos de vigilancia y supervisión de la ejecución, en su caso"),
    ("579229", "7", "Hipervínculo a informes de avances físicos, si así corresponde"),
    ("579233", "7", "Hipervínculo a los informes de avance financiero, si así corresponde"),
    ("579230", "7", "Hipervínculo al acta de recepción física de los trabajos ejecutados u homóloga, en su caso"),
    (
        "579285",
        "7",
        "Hipervínculo al finiquito, contrato sin efectos concluido con anticipación o informe de resultados, en su caso",
    ),
    ("579288", "7", "Hipervínculo a la factura o documento que cumpla con requisitos fiscales."),
    ("579250", "2", "Área(s) responsable(s) que genera(n), posee(n), publica(n) y actualizan la información"),
    ("579241", "13", "Fecha de actualización"),
    ("579251", "14", "Nota"),
]
TABLES_59483 = {
    "Tabla_579209": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Sexo (catálogo)",
        "Denominación o razón Social",
        "Registro Federal de Contribuyentes (RFC) de los posibles licitantes, proveedores o contratistas",
    ],
    "Tabla_579236": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Sexo (catálogo)",
        "Denominación o razón social",
        "Registro Federal de Contribuyentes (RFC) de las personas físicas o morales que presentaron una proposición u oferta",
    ],
    "Tabla_579237": [
        "ID",
        "Nombre(s)",
        "Primer apellido",
        "Segundo apellido",
        "Sexo (catálogo)",
        "Denominación o razón social",
        "Registro Federal de Contribuyantes (RFC) de las personas físicas o morales participantes en la junta de aclaraciones",
    ],
    "Tabla_579238": [
        "ID",
        "Nombre (s) de la persona servidora pública",
        "Primer apellido de la persona servidora pública",
        "Segundo apellido de la persona servidora pública",
        "Sexo (catálogo)",
        "Registro Federal de Contribuyentes (RFC) de las personas servidoras públicas",
        "Cargo que ocupan en el sujeto obligado las personas servidoras públicas participantes en las juntas públicas o de aclaraciones",
    ],
    "Tabla_579206": [
        "ID",
        "Nombre(s) de la(s) persona(s) beneficiaria(s) final(es),",
        "Primer apellido de la(s) persona(s) beneficiaria(s) final(es),",
        "Segundo apellido de la(s) persona(s) beneficiaria(s) final(es)",
    ],
    "Tabla_579239": ["ID", "Partida Presupuestal"],
    "Tabla_579240": [
        "ID",
        "Número de convenio y/o contrato",
        "Objeto del convenio y/o contrato modificatorio.",
        "Fecha de firma del convenio y/o contrato modificatorio",
        "Hipervínculo al documento del convenio y/o contrato, en versión pública",
    ],
}


CATALOGS_52276 = [["Adjudicación directa", "Otra (especificar)"], MATERIAS_ALL := [
    "Obra pública", "Servicios relacionados con obra pública", "Adquisiciones", "Arrendamientos", "Servicios"],
    ["Nacional", "Internacional"], ["Hombre", "Mujer"], ["Calle", "Avenida", "Carretera", "Boulevard", "Privada"],
    ["Colonia", "Barrio", "Pueblo", "Fraccionamiento", "Unidad habitacional"],
    ["Ciudad de México", "México", "Hidalgo", "Jalisco", "Puebla"], ["Si", "No"]]  # fmt: skip
CATALOGS_52273 = [["Licitación pública", "Invitación a cuando menos tres personas", "Otro (especificar)"],
                  *CATALOGS_52276[1:7], ["Federales", "Estatales", "Municipales"],
                  ["En planeación", "En ejecución", "En finiquito"], ["Si", "No"]]  # fmt: skip
CATALOGS_59483 = [["Licitación pública", "Invitación a cuando menos tres personas", "Adjudicación directa",
                   "Otra (especificar)"], *CATALOGS_52276[1:3], ["Si", "No"], *CATALOGS_52276[3:7],
                  ["Federales", "Estatales", "Municipales"], ["En planeación", "En ejecución", "En finiquito"],
                  ["Si", "No"]]  # fmt: skip

# The 2015–2017 layout of the public download: one sheet "Informacion", the header on row 1, sub-table
# columns that name their table ("… (Tabla_217180)") and sub-tables in sheets "Tabla 217180". Labels
# after the 2016 guidelines' criteria (no real file of those years was at hand).
COLUMNS_2017_AD = [
    ("", "1", "Ejercicio"), ("", "1", "Periodo que se informa"), ("", "9", "Tipo de procedimiento"),
    ("", "9", "Categoría:"), ("", "1", "Número de expediente, folio o nomenclatura"),
    ("", "2", "Los motivos y fundamentos legales aplicados"),
    ("", "7", "Hipervínculo a la autorización del ejercicio de la opción"),
    ("", "2", "Descripción de obras, bienes o servicios"),
    ("217177", "10", "Nombre completo o razón social de las cotizaciones consideradas y monto de las mismas"),
    ("217180", "10", "Nombre o razón social del adjudicado"), ("", "2", "Unidad administrativa solicitante"),
    ("", "2", "Unidad administrativa responsable de la ejecución"), ("", "1", "Número que identifique al contrato"),
    ("", "4", "Fecha del contrato"), ("", "6", "Monto del contrato sin impuestos incluidos"),
    ("", "6", "Monto del contrato con impuestos incluidos"), ("", "1", "Monto mínimo, y máximo, en su caso"),
    ("", "1", "Tipo de moneda"), ("", "1", "Tipo de cambio de referencia, en su caso"), ("", "1", "Forma de pago"),
    ("", "2", "Objeto del contrato"), ("", "4", "Fecha de inicio del plazo de entrega o ejecución"),
    ("", "4", "Fecha de término del plazo de entrega o ejecución"),
    ("", "7", "Hipervínculo al documento del contrato y anexos"),
    ("", "7", "Hipervínculo al comunicado de suspensión, en su caso"), ("", "1", "Origen de los recursos públicos"),
    ("217184", "10", "Obra pública y/o servicios relacionados con ésta"),
    ("", "9", "Se realizaron convenios modificatorios"), ("217185", "10", "Convenios modificatorios"),
    ("", "2", "Mecanismos de vigilancia y supervisión de la ejecución"),
    ("", "7", "Hipervínculo a los informes de avance físico, en su caso"),
    ("", "7", "Hipervínculo a los informes de avance financiero"),
    ("", "7", "Hipervínculo acta de recepción física de trabajos ejecutados"), ("", "7", "Hipervínculo al finiquito"),
    ("", "4", "Fecha de validación"), ("", "2", "Área responsable de la información"), ("", "1", "Año"),
    ("", "4", "Fecha de actualización"), ("", "2", "Nota"),
]  # fmt: skip
TABLES_2017_AD = {
    "Tabla 217177": ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido", "Razón social",
                     "Monto total de la cotización"],
    "Tabla 217180": ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido", "Razón social"],
    "Tabla 217184": ["ID", "Lugar donde se realizará la obra pública",
                     "Hipervínculo a los estudios de impacto urbano y ambiental",
                     "Observaciones dirigidas a la población relativas a la realización de las obras públicas",
                     "Etapa de la obra pública y/o servicio de la misma"],
    "Tabla 217185": ["ID", "Número de convenio modificatorio", "Objeto del convenio modificatorio",
                     "Fecha de firma del convenio modificatorio", "Hipervínculo al documento del convenio"],
}  # fmt: skip


TABLES_2017_LP = {
    "Tabla 217190": ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido", "Razón social"],
    "Tabla 217191": ["ID", "Nombre(s)", "Primer apellido", "Segundo apellido", "Denominación o razón social"],
}


def _aligned(columns: list[tuple[str, str, str]], mapping: str, values: dict) -> list:
    """One row of ``columns`` from ``values`` keyed by the mapping's column names: every name must be
    the name of a column whose label is in the layout (so a mapping that lost a label fails here)."""
    from ocds_cdmx.conversion.mapping import load
    from ocds_cdmx.conversion.plan import compile_plan
    from ocds_cdmx.conversion.values import label_key

    plan = _plans.get(mapping) or _plans.setdefault(mapping, compile_plan(load(mapping)))
    assert plan.main is not None
    position = {label_key(label): i for i, (_, _, label) in enumerate(columns)}
    row: list = [None] * len(columns)
    for name, value in values.items():
        keys = plan.main.columns[name].keys
        index = next((position[k] for k in keys if k in position), None)
        if index is None:
            raise KeyError(f"{mapping}: column {name!r} is not in the layout")
        row[index] = value
    return row


_plans: dict = {}
D = datetime


def _address(kind: str, street: str, number: object, settlement: tuple[str, str], town: str, state: str,
             postal: object, interior: object = None, locality: str | None = None) -> dict:  # fmt: skip
    """A supplier's fiscal address in the 2021+ columns (INEGI keys as the platform's users fill them)."""
    return {"dom_tipo_vialidad": kind, "dom_vialidad": street, "dom_num_ext": number, "dom_num_int": interior,
            "dom_tipo_asentamiento": settlement[0], "dom_asentamiento": settlement[1],
            "dom_clave_localidad": 1, "dom_localidad": locality or town, "dom_clave_municipio": 15,
            "dom_municipio": town, "dom_clave_entidad": 9, "dom_entidad": state, "dom_cp": postal}  # fmt: skip


def rows_52276() -> tuple[list[dict], dict[str, list[list]]]:
    """Format 52276 (2021–2023, direct awards): the rows and their sub-tables."""
    base = {"ejercicio": 2023, "periodo_inicio": D(2023, 4, 1), "periodo_fin": D(2023, 6, 30),
            "tipo_procedimiento": "Adjudicación directa", "caracter": "Nacional",
            "fundamento": "Artículo 55 de la Ley de Adquisiciones para el Distrito Federal",
            "area_solicitante": "Dirección de Administración ", "area_responsable": "Subdirección de Recursos Materiales ",
            "moneda": "Pesos", "tipo_cambio": "No se involucra moneda extranjera", "forma_pago": "Transferencia electrónica",
            "monto_garantias": 0, "origen_recursos": "Recursos fiscales", "fuentes_financiamiento": "Estatales",
            "hubo_convenios": "No", "mecanismos_vigilancia": "Órgano Interno de Control",
            "area_responsable_informacion": "Subdirección de Recursos Materiales", "fecha_validacion": D(2023, 7, 10),
            "fecha_actualizacion": D(2023, 7, 10)}  # fmt: skip
    docs = "https://transparencia.cdmx.gob.mx/storage/app/uploads/public/sacmex/2023/R30B"
    rows = [
        {**base, "materia": "Servicios", "expediente": "SACMEX-AD-014/2023", "contrato": "SACMEX-AD-014/2023",
         # a link with a space, as agencies paste them: published percent-encoded
         "hipervinculo_autorizacion": f"{docs}/AUTORIZACION SACMEX-014.pdf",
         "descripcion": "Servicio de mantenimiento a equipos de bombeo", "cotizaciones": 1,
         "adjudicado_razon_social": "Bombas y Motores del Valle, S.A. de C.V.", "adjudicado_rfc": "BMV0803125T7",
         **_address("Avenida", "Río Churubusco ", 1072, ("Colonia", "Granjas México"), "Iztacalco",
                    "Ciudad de México", 8400, interior="B"),  # a postal code typed as a number: 08400
         "fecha_contrato": D(2023, 4, 10), "vigencia_inicio": D(2023, 4, 10), "vigencia_fin": D(2023, 6, 30),
         "plazo_inicio": D(2023, 4, 17), "plazo_fin": D(2023, 6, 16), "monto_sin_impuestos": 431034.48,
         "monto_con_impuestos": 500000, "objeto": "Mantenimiento preventivo y correctivo a 12 equipos de bombeo",
         "hipervinculo_contrato": f"{docs}/SACMEX-AD-014-2023.pdf",
         # one report for both: both documents are published
         "hipervinculo_avance_fisico": f"{docs}/Avance2023T2.pdf", "hipervinculo_avance_financiero": f"{docs}/Avance2023T2.pdf",
         "nota": "Sin convenios modificatorios"},
        {**base, "materia": "Adquisiciones", "expediente": "SACMEX-AD-015/2023", "contrato": "SACMEX-AD-015/2023",
         "descripcion": "Adquisición de refacciones para válvulas", "cotizaciones": 2,
         "adjudicado_nombre": "Laura Estela", "adjudicado_primer_apellido": "Ramírez", "adjudicado_segundo_apellido": "Ñúñez",
         "sexo": "Mujer", "adjudicado_rfc": "RANL8502147Q3",
         **_address("Calle", "Sin nombre", "sin número", ("Pueblo", "San Andrés Mixquic"), "Tláhuac",
                    "Ciudad de México", "13630"),
         "fecha_contrato": "02/05/2023", "vigencia_inicio": "02/05/2023", "vigencia_fin": "31/05/2023",
         "monto_sin_impuestos": 86206.9, "monto_con_impuestos": "$100,000.00",
         "objeto": "Refacciones para válvulas de compuerta", "hipervinculo_contrato": f"{docs}/SACMEX-AD-015-2023.pdf",
         "nota": "Persona física; la vigencia es el plazo de entrega"},
        # An open-ended contract: total 0, minimum and maximum filled. The company's name and a person's
        # are both filled (the person is the legal representative): the company's is the supplier's.
        {**base, "materia": "Servicios", "expediente": "SACMEX-AD-016/2023", "contrato": "SACMEX-AD-016/2023",
         "descripcion": "Servicio de vigilancia en plantas de bombeo (contrato abierto)", "cotizaciones": 3,
         "adjudicado_nombre": "Alejandro ", "adjudicado_primer_apellido": "Jiménez", "adjudicado_segundo_apellido": "Nova",
         "sexo": "Hombre", "adjudicado_razon_social": "Seguridad Privada Tenochtitlan, S.C.",
         "adjudicado_rfc": "spt1204173z2",  # lower case: published as given, flagged by the checks
         **_address("Calle", "Mina", 45, ("Colonia", "Guerrero"), "Cuauhtémoc", "Ciudad de México", "06300"),
         "fecha_contrato": D(2023, 5, 15), "vigencia_inicio": D(2023, 5, 15), "vigencia_fin": D(2023, 12, 31),
         "plazo_inicio": D(2023, 5, 16), "plazo_fin": D(2023, 12, 31), "monto_sin_impuestos": 0,
         "monto_con_impuestos": 0, "monto_minimo": 800000, "monto_maximo": 2000000,
         "objeto": "Vigilancia de 6 plantas de bombeo", "hipervinculo_contrato": f"{docs}/SACMEX-AD-016-2023.pdf",
         "nota": "Contrato abierto"},
        # Public works, with its works data and an amendment; a supplier abroad.
        {**base, "materia": "Obra pública", "expediente": "SACMEX-AD-017/2023", "contrato": "SACMEX-AD-017/2023",
         "descripcion": "Rehabilitación del colector Aztecas", "cotizaciones": 4,
         "adjudicado_razon_social": "Hidráulica Ibérica, S.L.", "adjudicado_rfc": "XEXX010101000",
         "ext_pais": "España", "ext_ciudad": "Madrid", "ext_calle": "Calle de Alcalá", "ext_numero": 120,
         "fecha_contrato": D(2023, 6, 1), "plazo_inicio": D(2023, 6, 5), "plazo_fin": D(2023, 9, 29),
         "monto_sin_impuestos": 2586206.9, "monto_con_impuestos": 3000000, "objeto": "Rehabilitación de 800 m de colector",
         "obra_publica": 4, "hubo_convenios": "Si", "convenios": 4, "hipervinculo_contrato": f"{docs}/SACMEX-AD-017-2023.pdf",
         "hipervinculo_finiquito": "No aplica", "nota": "Adjudicación por excepción, artículo 54"},
    ]  # fmt: skip
    tables = {
        "Tabla_492972": [
            [1, None, None, None, "Bombas y Motores del Valle, S.A. de C.V.", None, "BMV0803125T7", 500000],
            [1, None, None, None, "Hidrobombas del Centro, S.A. de C.V.", None, "HCE110915KJ8", 534500.5],
            [2, "Laura Estela", "Ramírez", "Ñúñez", None, "Mujer", "RANL8502147Q3", 100000],
            [2, None, None, None, "Válvulas Industriales Xochimilco, S.A.", None, "VIX0307228U1", 112300],
            [3, None, None, None, "Seguridad Privada Tenochtitlan, S.C.", None, "SPT1204173Z2", 2000000],
            [4, None, None, None, "Hidráulica Ibérica, S.L.", None, "XEXX010101000", 3000000],
        ],
        "Tabla_492957": [[4, "Calzada de los Misterios, alcaldía Gustavo A. Madero", "No aplica",
                          "Se cerrará un carril de 22 a 5 h", "en ejecución"]],
        "Tabla_492969": [[4, "CM-SACMEX-017-1", "Ampliación del plazo de ejecución", D(2023, 9, 15),
                          f"{docs}/CM-SACMEX-017-1.pdf"]],
    }  # fmt: skip
    return rows, tables


def rows_52273() -> tuple[list[dict], dict[str, list[list]]]:
    """Format 52273 (2021–2023, tenders and invitations): the rows and their sub-tables."""
    base = {"ejercicio": 2023, "periodo_inicio": D(2023, 4, 1), "periodo_fin": D(2023, 6, 30), "moneda": "MXN",
            "forma_pago": "Transferencia", "origen_recursos": "Federales", "fuente_financiamiento": "Participaciones",
            "area_solicitante": "Dirección de Obras", "area_contratante": "Dirección de Concursos",
            "area_responsable": "Dirección de Obras", "area_responsable_informacion": "Dirección de Concursos",
            "fecha_validacion": D(2023, 7, 12), "fecha_actualizacion": D(2023, 7, 12), "hubo_convenios": "No"}  # fmt: skip
    docs = "https://transparencia.cdmx.gob.mx/storage/app/uploads/public/sobse/2023/R30A"
    rows = [
        {**base, "tipo_procedimiento": "Licitación pública", "materia": "Obra pública", "caracter": "Nacional",
         "posibles_contratantes": 1, "expediente": "SOBSE-LPN-031/2023", "hipervinculo_convocatoria": f"{docs}/convocatoria-031.pdf",
         "fecha_convocatoria": D(2023, 4, 12), "descripcion": "Repavimentación de la calzada Ignacio Zaragoza",
         "proposiciones": 1, "fecha_junta": D(2023, 4, 19), "asistentes_junta": 1, "servidores_junta": 1,
         "hipervinculo_fallo_junta": f"{docs}/junta-031.pdf", "hipervinculo_dictamenes": f"{docs}/dictamen-031.pdf",
         "proveedor_razon_social": "Pavimentos Anáhuac, S.A. de C.V.", "proveedor_rfc": "PAN0610203H5",
         **_address("Avenida", "Tláhuac", 5502, ("Colonia", "San Lorenzo Tezonco"), "Iztapalapa", "Ciudad de México", 9900),
         "razones_eleccion": "Propuesta solvente más baja", "contrato": "SOBSE-OP-031-2023",
         "fecha_contrato": D(2023, 5, 8), "vigencia_inicio": D(2023, 5, 8), "vigencia_fin": D(2023, 11, 30),
         "plazo_inicio": D(2023, 5, 15), "plazo_fin": D(2023, 11, 15), "monto_sin_impuestos": 15517241.38,
         "monto_con_impuestos": 18000000, "objeto": "Repavimentación de 4.2 km", "hipervinculo_contrato": f"{docs}/SOBSE-OP-031-2023.pdf",
         "partida": 1, "lugar_obra": "Calzada Ignacio Zaragoza, alcaldía Iztapalapa", "etapa_obra": "En ejecución",
         "hubo_convenios": "Si", "convenios": 1},
        {**base, "tipo_procedimiento": "Invitación a cuando menos tres personas", "materia": "Servicios relacionados con obra pública",
         "caracter": "Nacional", "posibles_contratantes": 2, "expediente": "SOBSE-IR-032/2023",
         "hipervinculo_convocatoria": f"{docs}/invitacion-032.pdf", "fecha_convocatoria": D(2023, 5, 2),
         "descripcion": "Supervisión externa de la repavimentación", "proposiciones": 2,
         "proveedor_nombre": "Ricardo", "proveedor_primer_apellido": "Peña", "proveedor_segundo_apellido": "Ortiz",
         "sexo": "Hombre", "proveedor_rfc": "PEOR7712093K1",
         **_address("Calle", "Moctezuma", 14, ("Barrio", "La Asunción"), "Xochimilco", "Ciudad de México", 16040),
         "razones_eleccion": "Mejor evaluación técnica", "contrato": "SOBSE-SR-032-2023", "fecha_contrato": "22/05/2023",
         "plazo_inicio": "23/05/2023", "plazo_fin": "30/11/2023", "monto_sin_impuestos": 689655.17,
         "monto_con_impuestos": 800000, "objeto": "Supervisión de obra", "hipervinculo_contrato": f"{docs}/SOBSE-SR-032-2023.pdf",
         "partida": 2},
        {**base, "tipo_procedimiento": "Licitación pública", "materia": "Adquisiciones", "caracter": "Internacional",
         "posibles_contratantes": 3, "expediente": "SOBSE-LPI-033/2023", "fecha_convocatoria": D(2023, 5, 10),
         "descripcion": "Adquisición de señalamiento vial", "proposiciones": 3,
         "proveedor_razon_social": "Señales y Sistemas de Monterrey, S.A. de C.V.", "proveedor_rfc": "SSM9905311Q0",
         **_address("Avenida", "Constitución", 2050, ("Colonia", "Obispado"), "Monterrey", "Nuevo León", 64060),
         "contrato": "SOBSE-AD-033-2023", "fecha_contrato": D(2023, 6, 20), "vigencia_inicio": D(2023, 6, 20),
         "vigencia_fin": D(2023, 8, 31), "monto_sin_impuestos": 1034482.76, "monto_con_impuestos": 1200000,
         "objeto": "1,500 señales verticales", "hipervinculo_contrato": f"{docs}/SOBSE-AD-033-2023.pdf", "partida": 3},
    ]  # fmt: skip
    tables = {
        "Tabla_492838": [[1, None, None, None, "Pavimentos Anáhuac, S.A. de C.V.", None, "PAN0610203H5"],
                         [1, None, None, None, "Constructora Tlalpan, S.A.", None, "CTL0202149B2"],
                         [2, "Ricardo", "Peña", "Ortiz", None, "Hombre", "PEOR7712093K1"],
                         [2, None, None, None, "Supervisión y Control, S.C.", None, "SCO1010101A1"],
                         [2, None, None, None, "Ingenieros Asociados del Sur, S.C.", None, "IAS0405068C3"],
                         [3, None, None, None, "Señales y Sistemas de Monterrey, S.A. de C.V.", None, "SSM9905311Q0"]],
        "Tabla_492867": [[1, None, None, None, "Pavimentos Anáhuac, S.A. de C.V.", None, "PAN0610203H5"],
                         [1, None, None, None, "Constructora Tlalpan, S.A.", None, "CTL0202149B2"],
                         [2, "Ricardo", "Peña", "Ortiz", None, "Hombre", "PEOR7712093K1"],
                         [2, None, None, None, "Supervisión y Control, S.C.", None, "SCO1010101A1"],
                         [3, None, None, None, "Señales y Sistemas de Monterrey, S.A. de C.V.", None, "SSM9905311Q0"]],
        "Tabla_492868": [[1, "Marco Antonio", "Lugo", "Salas", None, "Hombre", "LUSM800101AB3"]],
        "Tabla_492869": [[1, "Adriana", "Cruz", "Vega", "Mujer", None, "Subdirectora de Concursos"]],
        "Tabla_492870": [[1, 6151], [2, 6291], [3, 2491]],
        "Tabla_492871": [[1, "CM-SOBSE-031-1", "Ampliación de monto", D(2023, 10, 2), f"{docs}/CM-SOBSE-031-1.pdf"]],
    }  # fmt: skip
    return rows, tables


def rows_59483() -> tuple[list[dict], dict[str, list[list]]]:
    """Format 59483 (2024+): every procedure type in one sheet, a void tender, an open-ended contract,
    beneficial owners, an RFC of 11 characters and a row with nothing to report."""
    base = {"ejercicio": 2024, "periodo_inicio": D(2024, 7, 1), "periodo_fin": D(2024, 9, 30),
            "caracter": "Nacional", "moneda": "pesos ", "forma_pago": "Transferencia", "origen_recursos": "Estatales",
            "fuente_financiamiento": "Recursos fiscales", "hubo_convenios": "No",
            "area_solicitante": "Dirección General de Administración", "area_contratante": "Dirección de Recursos Materiales",
            "area_responsable": "Dirección de Recursos Materiales",
            "area_responsable_informacion": "Dirección de Recursos Materiales", "fecha_actualizacion": D(2024, 10, 10)}  # fmt: skip
    docs = "https://transparencia.cdmx.gob.mx/storage/app/uploads/public/sedema/2024/28"
    direct = {**base, "tipo_procedimiento": "Adjudicación directa",
              "fundamento": "Artículos 27 inciso c), 52 y 55 de la Ley de Adquisiciones para el Distrito Federal"}  # fmt: skip
    rows = [
        # A direct award to a company, with the quotes of its market research and its beneficial owners.
        {**direct, "materia": "Adquisiciones", "expediente": "SEDEMA/DRM/AD-041/2024", "contrato": "SEDEMA/DRM/AD-041/2024",
         "hipervinculo_autorizacion": f"{docs}/suficiencia-041.pdf", "proposiciones": 1,
         "descripcion": "Adquisición de equipo de protección para brigadas forestales",
         "proveedor_razon_social": "Equipos Forestales del Ajusco, S.A. de C.V.", "beneficiarios": 1,
         "proveedor_rfc": "EFA1506224M8",
         **_address("Carretera", "Picacho-Ajusco", "km 5.5", ("Pueblo", "San Miguel Ajusco"), "Tlalpan",
                    "Ciudad de México", 14700),
         "razones_eleccion": "Mejor precio de la investigación de mercado", "fecha_contrato": D(2024, 7, 8),
         "vigencia_inicio": D(2024, 7, 8), "vigencia_fin": D(2024, 8, 30), "plazo_inicio": D(2024, 7, 15),
         "plazo_fin": D(2024, 7, 31), "monto_sin_impuestos": 120689.66, "monto_con_impuestos": 140000,
         "monto_maximo": 140000, "objeto": "40 equipos de protección personal",
         "hipervinculo_contrato": f"{docs}/SEDEMA-DRM-AD-041-2024.pdf", "partida": 1,
         "hipervinculo_factura": f"{docs}/facturas/EFA-2291.pdf", "nota": "Persona moral"},
        # A direct award to a person: the delivery dates are blank, the validity is the contract's period.
        {**direct, "materia": "Servicios", "expediente": "SEDEMA/DRM/AD-042/2024", "contrato": "SEDEMA/DRM/AD-042/2024",
         "hipervinculo_autorizacion": f"{docs}/suficiencia-042.pdf",
         "descripcion": "Servicio de poda y derribo de arbolado en riesgo",
         "proveedor_nombre": "José Luis", "proveedor_primer_apellido": "Lara", "proveedor_segundo_apellido": "Hernández",
         "sexo": "Hombre", "proveedor_rfc": "LAHL640902QN2",
         **_address("Calle", "Cedros", 103, ("Colonia", "Álamos"), "Benito Juárez", "Ciudad de México", 3400,
                    interior="manzana 9"),
         "fecha_contrato": D(2024, 7, 22), "vigencia_inicio": D(2024, 7, 22), "vigencia_fin": D(2024, 12, 31),
         "monto_sin_impuestos": 60344.83, "monto_con_impuestos": 70000, "monto_maximo": 70000,
         "objeto": "Poda de 120 árboles", "hipervinculo_contrato": f"{docs}/SEDEMA-DRM-AD-042-2024.pdf", "partida": 2,
         "hipervinculo_factura": f"{docs}/facturas/LAHL-17.pdf", "nota": "Persona física: sin persona beneficiaria final"},
        # A public tender, with bidders, the attendees of the clarifications meeting, its ruling and an amendment.
        {**base, "tipo_procedimiento": "Licitación pública", "materia": "Obra pública", "caracter": "Internacional",
         "expediente": "SEDEMA/DGOP/LPI-007/2024", "desierta": "No",
         "fundamento": "Artículos 24 y 25 de la Ley de Obras Públicas del Distrito Federal",
         "hipervinculo_convocatoria": f"{docs}/convocatoria-LPI-007.pdf", "fecha_convocatoria": D(2024, 7, 3),
         "descripcion": "Rehabilitación del vivero de San Luis Tlaxialtemalco", "proposiciones": 2,
         "fecha_junta": D(2024, 7, 10), "asistentes_junta": 2, "servidores_junta": 2,
         "hipervinculo_fallo_junta": f"{docs}/junta-LPI-007.pdf", "hipervinculo_propuestas": f"{docs}/apertura-LPI-007.pdf",
         "hipervinculo_dictamenes": f"{docs}/dictamen-LPI-007.pdf", "hipervinculo_fallo": f"{docs}/fallo-LPI-007.pdf",
         "proveedor_razon_social": "Construcciones Xochimilco, S.A. de C.V.", "beneficiarios": 2,
         "proveedor_rfc": "CXO980515KJ2",
         **_address("Avenida", "Guadalupe I. Ramírez", 401, ("Barrio", "San Pedro"), "Xochimilco", "Ciudad de México", 16090),
         "razones_eleccion": "Propuesta solvente más baja", "contrato": "SEDEMA-OP-007-2024",
         "fecha_contrato": "05/08/2024", "vigencia_inicio": "05/08/2024", "vigencia_fin": "31/12/2024",
         "plazo_inicio": "12/08/2024", "plazo_fin": "29/11/2024", "monto_sin_impuestos": 7758620.69,
         "monto_con_impuestos": "$9,000,000.00", "objeto": "Rehabilitación de 12 invernaderos",
         "monto_garantias": 900000, "hipervinculo_contrato": f"{docs}/SEDEMA-OP-007-2024.pdf", "partida": 3,
         "lugar_obra": "San Luis Tlaxialtemalco, alcaldía Xochimilco", "etapa_obra": "En ejecución",
         "hubo_convenios": "Si", "convenios": 1,
         "hipervinculo_avance_fisico": f"{docs}/avance-OP-007.pdf", "hipervinculo_avance_financiero": f"{docs}/avance-OP-007.pdf"},
        # An invitation to three suppliers: the invited, the bidders.
        {**base, "tipo_procedimiento": "Invitación a cuando menos tres personas", "materia": "Servicios",
         "expediente": "SEDEMA/DRM/IR-012/2024", "posibles_contratantes": 3,
         "fundamento": "Artículo 55 de la Ley de Adquisiciones para el Distrito Federal",
         "hipervinculo_convocatoria": f"{docs}/invitacion-IR-012.pdf", "fecha_convocatoria": D(2024, 8, 1),
         "descripcion": "Servicio de limpieza en el Bosque de Tlalpan", "proposiciones": 3,
         "proveedor_razon_social": "Limpieza Integral Coyoacán, S.A. de C.V.", "proveedor_rfc": "LIC0711303B9",
         **_address("Calle", "Francisco Sosa", 77, ("Barrio", "Santa Catarina"), "Coyoacán", "Ciudad de México", 4010),
         "contrato": "SEDEMA-SERV-012-2024", "fecha_contrato": D(2024, 8, 26), "plazo_inicio": D(2024, 9, 1),
         "plazo_fin": D(2024, 12, 31), "monto_sin_impuestos": 1379310.34, "monto_con_impuestos": 1600000,
         "objeto": "Limpieza de 252 hectáreas", "hipervinculo_contrato": f"{docs}/SEDEMA-SERV-012-2024.pdf", "partida": 4},
        # A public tender declared void: no supplier, no contract.
        {**base, "tipo_procedimiento": "Licitación pública", "materia": "Adquisiciones", "expediente": "SEDEMA/DRM/LPN-015/2024",
         "desierta": "Si", "fundamento": "Artículo 51 de la Ley de Adquisiciones para el Distrito Federal",
         "hipervinculo_convocatoria": f"{docs}/convocatoria-LPN-015.pdf", "fecha_convocatoria": D(2024, 8, 12),
         "descripcion": "Adquisición de vehículos eléctricos para vigilancia ambiental", "fecha_junta": D(2024, 8, 19),
         "hipervinculo_fallo": f"{docs}/fallo-LPN-015.pdf", "nota": "Se declaró desierta: ninguna propuesta cumplió"},
        # An open-ended contract: the total is 0, the minimum and the maximum are filled.
        {**direct, "materia": "Servicios", "expediente": "SEDEMA/DRM/AD-047/2024", "contrato": "SEDEMA/DRM/AD-047/2024",
         "hipervinculo_autorizacion": f"{docs}/suficiencia-047.pdf",
         "descripcion": "Servicio de fumigación en viveros (contrato abierto)",
         "proveedor_razon_social": "Fumigaciones Tláhuac, S.A. de C.V.", "proveedor_rfc": "FTL1409193N4",
         **_address("Calle", "Severino Ceniceros", 12, ("Colonia", "Zapotitla"), "Tláhuac", "Ciudad de México", 13310),
         "fecha_contrato": D(2024, 9, 2), "vigencia_inicio": D(2024, 9, 2), "vigencia_fin": D(2024, 12, 31),
         "monto_sin_impuestos": 0, "monto_con_impuestos": 0, "monto_minimo": 150000, "monto_maximo": 600000,
         "objeto": "Fumigación por evento", "hipervinculo_contrato": f"{docs}/SEDEMA-DRM-AD-047-2024.pdf", "partida": 5,
         "nota": "Contrato abierto"},
        # A person whose RFC has 11 characters, as filed: published as given and flagged.
        {**direct, "materia": "Adquisiciones", "expediente": "SEDEMA/DRM/AD-048/2024", "contrato": "SEDEMA/DRM/AD-048/2024",
         "descripcion": "Adquisición de composta", "proveedor_nombre": "Manuel Félix", "proveedor_primer_apellido": "Durán",
         "proveedor_segundo_apellido": "Pérez", "sexo": "Hombre", "proveedor_rfc": "DUPM0331AP5",
         **_address("Carretera", "Metztitlán-Pachuca", "sin número", ("Barrio", "La Alameda"), "Milpa Alta",
                    "Ciudad de México", 12000, locality="Villa Milpa Alta"),
         "fecha_contrato": D(2024, 9, 9), "plazo_inicio": D(2024, 9, 10), "plazo_fin": D(2024, 9, 20),
         "monto_sin_impuestos": 34482.76, "monto_con_impuestos": 40000, "monto_maximo": 40000,
         "objeto": "20 toneladas de composta", "hipervinculo_contrato": f"{docs}/SEDEMA-DRM-AD-048-2024.pdf", "partida": 2,
         "hipervinculo_factura": f"{docs}/facturas/A-0000038281.pdf"},
        # Nothing to report: the period, the area, the date and a note.
        {"ejercicio": 2024, "periodo_inicio": D(2024, 7, 1), "periodo_fin": D(2024, 9, 30),
         "area_responsable_informacion": "Dirección de Recursos Materiales", "fecha_actualizacion": D(2024, 10, 10),
         "nota": "La Dirección de Recursos Materiales no realizó procedimientos de arrendamiento en el periodo que se informa."},
    ]  # fmt: skip
    tables = {
        "Tabla_579209": [[3, None, None, None, None, "Limpieza Integral Coyoacán, S.A. de C.V.", "LIC0711303B9"],
                         [3, None, None, None, None, "Servicios Ambientales del Sur, S.A.", "SAS1102283K5"],
                         [3, "Rosa María", "Quintero", "Lemus", "Mujer", None, "QULR8306129A2"]],
        "Tabla_579236": [[1, None, None, None, None, "Equipos Forestales del Ajusco, S.A. de C.V.", "EFA1506224M8"],
                         [1, None, None, None, None, "Protección Industrial Azteca, S.A.", "PIA0904013V6"],
                         [2, None, None, None, None, "Construcciones Xochimilco, S.A. de C.V.", "CXO980515KJ2"],
                         [2, None, None, None, None, "Obras Lacustres, S.A. de C.V.", "OLA0309182T1"],
                         [3, None, None, None, None, "Limpieza Integral Coyoacán, S.A. de C.V.", "LIC0711303B9"],
                         [3, "Rosa María", "Quintero", "Lemus", "Mujer", None, "QULR8306129A2"]],
        "Tabla_579237": [[2, None, None, None, None, "Obras Lacustres, S.A. de C.V.", "OLA0309182T1"]],
        "Tabla_579238": [[2, "Adriana", "Cruz", "Vega", "Mujer", None, "Subdirectora de Concursos"]],
        "Tabla_579206": [[1, "Marta Vianey", "Rangel", "Guerrero"], [1, "Luis Manuel", "Durán", "Hernández"],
                         [2, "Israel", "Cerón", "Ortiz"]],
        # Several rows point at one budget line: the ID is the line's, not the row's.
        "Tabla_579239": [[1, 272001], [2, 351001], [3, 622001], [4, 358001], [5, 359001]],
        "Tabla_579240": [[1, "CM-SEDEMA-OP-007-1", "Ampliación del plazo de ejecución", D(2024, 11, 20),
                          f"{docs}/CM-SEDEMA-OP-007-1.pdf"]],
    }  # fmt: skip
    return rows, tables


def rows_2017() -> tuple[list[dict], dict[str, list[list]]]:
    """The 2015–2017 layout (direct awards): the winner in a sub-table, no RFC."""
    base = {"ejercicio": 2017, "periodo": "Abril-Junio", "tipo_procedimiento": "Adjudicación directa",
            "fundamento": "Artículo 55 de la Ley de Adquisiciones para el Distrito Federal",
            "unidad_solicitante": "Dirección de Administración", "unidad_responsable": "Dirección de Administración",
            "moneda": "Peso mexicano", "forma_pago": "Transferencia", "origen_recursos": "Recursos fiscales",
            "hubo_convenios": "No", "fecha_validacion": "10/07/2017",
            "area_responsable_informacion": "Dirección de Recursos Materiales", "anio": 2017,
            "fecha_actualizacion": "10/07/2017"}  # fmt: skip
    docs = "http://www.transparencia.cdmx.gob.mx/2017/SEDEMA/A121Fr30B"
    rows = [
        {**base, "materia": "Adquisiciones", "expediente": "SEDEMA-AD-0027-2017", "descripcion": "Adquisición de plantas",
         "cotizaciones": 1, "adjudicados": 1, "contrato": "SEDEMA-AD-0027-2017", "fecha_contrato": "12/05/2017",
         "monto_sin_impuestos": 103448.28, "monto_con_impuestos": 120000, "objeto": "3,000 plantas de ornato",
         "plazo_inicio": "15/05/2017", "plazo_fin": "30/05/2017", "hipervinculo_contrato": f"{docs}/0027.pdf"},
        {**base, "materia": "Servicios", "expediente": "SEDEMA-AD-0031-2017", "descripcion": "Servicio de vigilancia",
         "cotizaciones": 2, "adjudicados": 2, "contrato": "SEDEMA-AD-0031-2017", "fecha_contrato": "01/06/2017",
         "monto_con_impuestos": 0, "monto_minimo_maximo": "Mínimo $200,000.00 máximo $800,000.00",
         "objeto": "Vigilancia de viveros", "hipervinculo_contrato": f"{docs}/0031.pdf", "nota": "Contrato abierto"},
    ]  # fmt: skip
    tables = {
        "Tabla 217177": [[1, None, None, None, "Viveros de Cuemanco, S.A.", 120000],
                         [1, None, None, None, "Jardinería Moderna, S.A.", 131500],
                         [2, None, None, None, "Seguridad del Valle, S.C.", None]],
        "Tabla 217180": [[1, None, None, None, "Viveros de Cuemanco, S.A."], [2, None, None, None, "Seguridad del Valle, S.C."]],
        "Tabla 217184": [],
        "Tabla 217185": [],
    }  # fmt: skip
    return rows, tables


def columns_2017_lp() -> list[tuple[str, str, str]]:
    """The 2015–2017 tenders' layout, in the order of the mapping (made from the same criteria)."""
    from ocds_cdmx.conversion.mapping import load

    data = load("transparencia-licitaciones-2015").data
    keys = {sub["key"]: str(217190 + i) for i, sub in enumerate(data["subtables"])}
    return [
        (keys.get(name, ""), "10" if name in keys else "1", column["label"]) for name, column in data["columns"].items()
    ]


def rows_2017_lp() -> tuple[list[dict], dict[str, list[list]]]:
    """The 2015–2017 layout (tenders): the chosen contractor in a sub-table."""
    rows = [
        {"ejercicio": 2017, "periodo": "Abril-Junio", "tipo_procedimiento": "Licitación pública", "materia": "Obra pública",
         "expediente": "SOBSE-LP-0154-2017", "fecha_convocatoria": "03/04/2017",
         "descripcion": "Construcción de la ciclovía Eje 7 Sur", "proposiciones": 1, "contratistas": 1,
         "razones_eleccion": "Propuesta solvente más baja", "contrato": "SOBSE-OP-0154-2017",
         "fecha_contrato": "15/05/2017", "monto_con_impuestos": 12500000, "moneda": "Peso mexicano",
         "plazo_inicio": "22/05/2017", "plazo_fin": "30/11/2017", "fecha_actualizacion": "10/07/2017",
         "hubo_convenios": "No"},
    ]  # fmt: skip
    contractors = [[1, None, None, None, "Ciclovías del Valle, S.A. de C.V."]]
    tables = {"Tabla 217190": contractors, "Tabla 217191": [[1, None, None, None, "Ciclovías del Valle, S.A. de C.V."],
                                                             [1, None, None, None, "Urbanizadora Sur, S.A."]]}  # fmt: skip
    return rows, tables


def _cells(sheet, values: list) -> None:
    """Append a row; dates as date cells, shown as the platform's templates show them."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, datetime):
            cell.number_format = "mm-dd-yy"


def write_template(path: Path, fmt: str, title: str, short: str, columns: list, rows: list[list],
                   tables: dict[str, tuple[list[str], list[list]]], catalogs: list[list[str]]) -> None:  # fmt: skip
    """An upload template as the platform generates it: row 1 the format id, rows 2–3 title, short name
    and description, row 4 type codes, row 5 field ids, row 6 "Tabla Campos", row 7 the labels (a
    sub-table column's ends with "\\nTabla_<id>"), data from row 8; ``Hidden_<n>`` catalog sheets and
    ``Tabla_<id>`` sub-table sheets (type codes on row 1, field ids on row 2, labels on row 3 from
    ``ID``), all of them visible."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Reporte de Formatos"
    sheet.append([fmt])
    sheet.append(["TÍTULO", None, None, "NOMBRE CORTO", None, None, "DESCRIPCIÓN"])
    sheet.append([title, None, None, short, None, None, "La información de los resultados de los procedimientos"])
    sheet.append([code for _, code, _ in columns])
    sheet.append([fid for fid, _, _ in columns])
    sheet.append(["Tabla Campos"])
    sheet.append(template_labels(columns))
    for row in rows:
        _cells(sheet, row)
    for n, values in enumerate(catalogs, 1):
        hidden = book.create_sheet(f"Hidden_{n}")
        for value in values:
            hidden.append([value])
    for name, (header, table_rows) in tables.items():
        table = book.create_sheet(name)
        table.append([None, *["1" for _ in header[1:]]])
        table.append([None, *[str(63000 + i) for i in range(1, len(header))]])
        table.append(header)
        for row in table_rows:
            _cells(table, row)
        if any("Sexo" in h for h in header):
            book.create_sheet(f"Hidden_1_{name}").append(["Hombre"])
            book[f"Hidden_1_{name}"].append(["Mujer"])
    book.save(path)


def write_public_download(path: Path, title: str, agency: str, columns: list, rows: list[list],
                          tables: dict[str, tuple[list[str], list[list]]]) -> None:  # fmt: skip
    """The platform's public download as .xlsx: a metadata block, the header on row 6 with Title-Cased
    labels (sub-table columns named "… (Tabla_<id>)") and the Tabla_ sheets."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Reporte de Formatos"
    for line in (["Plataforma Nacional de Transparencia"], [f"Sujeto obligado: {agency}"], [f"Formato: {title}"],
                 ["Periodo: 01/07/2024 - 30/09/2024"], []):  # fmt: skip
        sheet.append(line)
    sheet.append([_title_case(label.split("\n")[0]) + (f" (Tabla_{fid})" if code == "10" else "")
                  for fid, code, label in columns])  # fmt: skip
    for row in rows:
        _cells(sheet, row)
    for name, (header, table_rows) in tables.items():
        table = book.create_sheet(name)
        table.append([name])
        table.append([])
        table.append(["Id", *[_title_case(h) for h in header[1:]]])
        for row in table_rows:
            _cells(table, row)
    book.save(path)


def write_export_csv(path: Path, agency: str, columns: list, rows: list[list]) -> None:
    """The platform's 2024+ CSV export: UTF-8, the header on row 1, four columns first with the state
    and the body that filed the rows; no sub-tables."""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Entidad federativa", "Id entidad federativa", "Id sujeto obligado", "Sujeto obligado",
                         *[label.split("\n")[0].strip() for _, _, label in columns]])  # fmt: skip
        for row in rows:
            cells = ["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v for v in row]
            writer.writerow(["Ciudad de México", "9", "90013", agency, *cells])


def write_template_xls(path: Path, fmt: str, columns: list, rows: list[list],
                       tables: dict[str, tuple[list[str], list[list]]]) -> None:  # fmt: skip
    """The same upload template as an .xls (the platform hands out .xls templates too). Needs xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    dates = xlwt.easyxf(num_format_str="mm-dd-yy")

    def put(sheet, r: int, row: list) -> None:
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write(r, c, value, dates)
            elif value not in (None, ""):
                sheet.write(r, c, value)

    sheet = book.add_sheet("Reporte de Formatos")
    top = [[fmt], ["TÍTULO", None, None, "NOMBRE CORTO"], ["-", None, None, "-"], [c for _, c, _ in columns],
           [f for f, _, _ in columns], ["Tabla Campos"], template_labels(columns)]  # fmt: skip
    for r, row in enumerate(top + rows):
        put(sheet, r, row)
    for name, (header, table_rows) in tables.items():
        table = book.add_sheet(name)
        for r, row in enumerate([[None], [None], header, *table_rows]):
            put(table, r, row)
    book.save(str(path))


def layout_samples() -> dict[str, tuple]:
    """Each layout's columns, rows (aligned) and sub-tables, by sample name."""
    out = {}
    for name, fmt, columns, tables, mapping, make in (
        ("a69_f28_b_2023T2", "52276", COLUMNS_52276, TABLES_52276, "transparencia-adjudicaciones-2021", rows_52276),
        ("a69_f28_a_2023T2", "52273", COLUMNS_52273, TABLES_52273, "transparencia-licitaciones-2021", rows_52273),
        ("28_LGT_Art_70_Fr_XXVIII_2024T3", "59483", COLUMNS_59483, TABLES_59483, "transparencia-2024", rows_59483),
        ("LGTA70FXXVIIIB_2017T2", "", COLUMNS_2017_AD, TABLES_2017_AD, "transparencia-adjudicaciones-2015", rows_2017),
        (
            "LGTA70FXXVIIIA_2017T2",
            "",
            columns_2017_lp(),
            TABLES_2017_LP,
            "transparencia-licitaciones-2015",
            rows_2017_lp,
        ),
    ):
        rows, table_rows = make()
        aligned = [_aligned(columns, mapping, row) for row in rows]
        out[name] = (fmt, columns, aligned, {t: (tables[t], table_rows.get(t, [])) for t in tables})
    return out


def write_layouts() -> None:
    """The 2015–2017, 2021–2023 and 2024+ samples."""
    samples = layout_samples()
    titles = {"52276": ("Procedimientos de adjudicación directa", "a69_f28_b", CATALOGS_52276),
              "52273": ("Procedimientos de licitación pública e invitación a cuando menos tres personas", "a69_f28_a",
                        CATALOGS_52273),
              "59483": ("Resultados de procedimientos de adjudicación directa, licitación pública e invitación restringida",
                        "28 LGT_Art_70_Fr_XXVIII", CATALOGS_59483)}  # fmt: skip
    for name, (fmt, columns, rows, tables) in samples.items():
        if fmt:
            title, short, catalogs = titles[fmt]
            write_template(HERE / f"{name}.xlsx", fmt, title, short, columns, rows, tables, catalogs)
        else:  # 2015–2017: the public download's one sheet "Informacion", header on row 1
            book = Workbook()
            sheet = book.active
            sheet.title = "Informacion"
            sheet.append([label + (f" (Tabla_{fid})" if code == "10" else "") for fid, code, label in columns])
            for row in rows:
                _cells(sheet, row)
            for table_name, (header, table_rows) in tables.items():
                table = book.create_sheet(table_name)
                table.append([table_name])
                table.append([])
                table.append(header)
                for row in table_rows:
                    _cells(table, row)
            book.save(HERE / f"{name}.xlsx")
    fmt, columns, rows, tables = samples["28_LGT_Art_70_Fr_XXVIII_2024T3"]
    agency = "Secretaría del Medio Ambiente"
    write_public_download(HERE / "28_LGT_Art_70_Fr_XXVIII_2024T3_descarga.xlsx", titles["59483"][0], agency,
                          columns, rows, tables)  # fmt: skip
    write_export_csv(HERE / "28_LGT_Art_70_Fr_XXVIII_2024T3_exportacion.csv", agency, columns, rows)
    try:
        write_template_xls(HERE / "28_LGT_Art_70_Fr_XXVIII_2024T3.xls", fmt, columns, rows, tables)
    except ImportError:  # pragma: no cover - xlwt is only needed to remake the .xls sample
        print("xlwt is not installed: samples/28_LGT_Art_70_Fr_XXVIII_2024T3.xls was left as it was")
    fmt, columns, rows, tables = samples["a69_f28_b_2023T2"]
    with (HERE / "a69_f28_b_2023T2_descarga.csv").open("w", encoding="latin-1", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Procedimientos de adjudicación directa"])
        writer.writerow(["Sujeto obligado: Sistema de Aguas de la Ciudad de México"])
        writer.writerow(["Periodo: 01/04/2023 - 30/06/2023"])
        writer.writerow([_title_case(label.split("\n")[0]) + (f" (Tabla_{fid})" if code == "10" else "")
                         for fid, code, label in columns])  # fmt: skip
        for row in rows:
            writer.writerow(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, datetime) else v
                             for v in row])  # fmt: skip


#: The agencies of the programme that file the 2024+ format here (SEDEMA's is the layout sample itself):
#: key, name and the area that files it.
AGENCY_SAMPLES = {
    "OM": "Dirección General de Recursos Materiales y Servicios Generales",
    "SEPI": "Secretaría de Pueblos y Barrios Originarios y Comunidades Indígenas Residentes",
    "SGIRPC": "Secretaría de Gestión Integral de Riesgos y Protección Civil",
}


def _as_agency(value: object, key: str) -> object:
    """A value of SEDEMA's 2024 sample as another agency files it: its key in expedientes and links."""
    if isinstance(value, str):
        return value.replace("SEDEMA", key).replace("/sedema/", f"/{key.lower()}/")
    return value


def write_agency_paaaps(path: Path, key: str, name: str, expedientes: list[str]) -> None:
    """An agency's annual procurement programme (PAAAPS): one line per process, with its budget line."""
    rng = random.Random(key)
    book = Workbook()
    sheet = book.active
    sheet.title = "PAAAPS"
    sheet.append(["Programa Anual de Adquisiciones, Arrendamientos y Prestación de Servicios 2024"])
    sheet.append([name])
    sheet.append([])
    sheet.append(["Número de expediente", "Partida presupuestal", "Descripción del bien o servicio",
                  "Monto anual programado", "Moneda", "Fecha de autorización"])  # fmt: skip
    for n, expediente in enumerate(expedientes):
        sheet.append([expediente, ["2111", "3571", "6121", "3581"][n % 4], ITEMS[n % 4],
                      _money(round(rng.uniform(500_000, 4_000_000), 2)), "MXN", "31/01/2024"])  # fmt: skip
    book.save(path)


def write_agencies() -> None:
    """Each agency's sample: its 2024+ upload template (as SEDEMA's, with its own expedientes) and its
    PAAAPS; SEDEMA's and SOBSE's programmes for their existing samples."""
    fmt, columns, rows, tables = layout_samples()["28_LGT_Art_70_Fr_XXVIII_2024T3"]
    index = [label for _, _, label in columns].index("Número de expediente, folio o nomenclatura")
    title = "Resultados de procedimientos de adjudicación directa, licitación pública e invitación restringida"
    for key, name in AGENCY_SAMPLES.items():
        mine = [[_as_agency(v, key) for v in row] for row in rows]
        mine_tables = {
            t: (header, [[_as_agency(v, key) for v in r] for r in body]) for t, (header, body) in tables.items()
        }
        write_template(HERE / f"{key}_28_LGT_Art_70_Fr_XXVIII_2024T3.xlsx", fmt, title, "28 LGT_Art_70_Fr_XXVIII",
                       columns, mine, mine_tables, CATALOGS_59483)  # fmt: skip
        write_agency_paaaps(HERE / f"{key}_paaaps-2024.xlsx", key, name, [r[index] for r in mine if r[index]])
    write_agency_paaaps(HERE / "SEDEMA_paaaps-2024.xlsx", "SEDEMA", "Secretaría del Medio Ambiente",
                        [r[index] for r in rows if r[index]])  # fmt: skip
    main, _ = rows_43336()
    expedientes = [f"SOBSE/DGOP/LPN-{n:03d}-2024" if n % 2 else f"SOBSE/DGOP/IR-{n:03d}-2024" for n in range(1, 7)]
    assert len(main) == len(expedientes)
    write_agency_paaaps(HERE / "SOBSE_paaaps-2024.xlsx", "SOBSE", "Secretaría de Obras y Servicios", expedientes)


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
    write_layouts()
    write_agencies()


if __name__ == "__main__":
    main()

"""Every message of the toolkit, in Spanish and English.

Findings and errors carry a key and parameters; this module turns them into a title (what is wrong) and
advice (how to fix it). A message exists once per language, and a test checks that both languages have
the same keys and placeholders.
"""

from __future__ import annotations

import locale
import os
from typing import Any

from ..core.errors import CdmxError, MappingError

LANGS = ("es", "en")

# check (or "schema:<type>") → language → (title, advice). Titles and advice are str.format templates
# over the finding's parameters and ``field``.
FINDINGS: dict[str, dict[str, tuple[str, str]]] = {
    "schema:required": {
        "en": ("'{field}' is missing but required", "Add the field '{field}': the OCDS schema requires it."),
        "es": ("Falta '{field}', que es obligatorio", "Agregue el campo '{field}': el esquema OCDS lo exige."),
    },
    "schema:string": {
        "en": ("'{field}' is not a string", "Write the value between double quotes, as text."),
        "es": ("'{field}' no es texto", "Escriba el valor entre comillas dobles, como texto."),
    },
    "schema:number": {
        "en": (
            "'{field}' is not a number",
            "Write digits and a decimal point only, without quotes, currency signs or thousands separators.",
        ),
        "es": (
            "'{field}' no es un número",
            "Use solo dígitos y punto decimal, sin comillas, signo de pesos ni separadores de miles.",
        ),
    },
    "schema:integer": {
        "en": ("'{field}' is not an integer", "Write a whole number without quotes or decimal point."),
        "es": ("'{field}' no es un número entero", "Escriba un número entero, sin comillas ni punto decimal."),
    },
    "schema:boolean": {
        "en": ("'{field}' is not true or false", "Use true or false, without quotes."),
        "es": ("'{field}' no es true ni false", "Use true o false, sin comillas."),
    },
    "schema:object": {
        "en": (
            "'{field}' is not a JSON object",
            "This field holds an object with its own fields ({{...}}), not a single value.",
        ),
        "es": (
            "'{field}' no es un objeto JSON",
            "Este campo contiene un objeto con sus propios campos ({{...}}), no un valor suelto.",
        ),
    },
    "schema:array": {
        "en": ("'{field}' is not a JSON array", "This field holds a list ([...]), even when it has a single element."),
        "es": (
            "'{field}' no es una lista JSON",
            "Este campo contiene una lista ([...]), aunque tenga un solo elemento.",
        ),
    },
    "schema:null": {
        "en": ("'{field}' must be null", "Remove the value."),
        "es": ("'{field}' debe ser null", "Quite el valor."),
    },
    "schema:date-time": {
        "en": (
            "'{field}' is not a valid date and time",
            "Use RFC 3339 with the offset, e.g. 2024-03-15T10:00:00-06:00 (CDMX).",
        ),
        "es": (
            "'{field}' no es una fecha y hora válida",
            "Use RFC 3339 con la zona horaria, p. ej. 2024-03-15T10:00:00-06:00 (CDMX).",
        ),
    },
    "schema:uri": {
        "en": (
            "'{field}' is not a valid URI",
            "Give a full address, starting with https://, with spaces and accents percent-encoded.",
        ),
        "es": (
            "'{field}' no es una URI válida",
            "Escriba la dirección completa, empezando por https://, con espacios y acentos codificados (%20…).",
        ),
    },
    "schema:minLength": {
        "en": ("'{field}' is empty", "Fill the field in, or remove it when there is no value."),
        "es": ("'{field}' está vacío", "Llene el campo, o quítelo si no hay valor."),
    },
    "schema:maxLength": {
        "en": ("'{field}' is longer than {limit} characters", "Shorten the value."),
        "es": ("'{field}' tiene más de {limit} caracteres", "Acorte el valor."),
    },
    "schema:minItems": {
        "en": ("'{field}' is an empty list", "Give at least {limit} element(s), or remove the field."),
        "es": ("'{field}' es una lista vacía", "Dé al menos {limit} elemento(s), o quite el campo."),
    },
    "schema:maxItems": {
        "en": ("'{field}' has more than {limit} elements", "Remove the extra elements."),
        "es": ("'{field}' tiene más de {limit} elementos", "Quite los elementos sobrantes."),
    },
    "schema:pattern": {
        "en": ("'{field}' does not have the expected form", "The value must match the pattern {pattern}."),
        "es": ("'{field}' no tiene la forma esperada", "El valor debe seguir el patrón {pattern}."),
    },
    "schema:enum": {
        "en": (
            "'{field}' has a value that is not allowed",
            "Use one of the values that the schema lists for this field.",
        ),
        "es": (
            "'{field}' tiene un valor no permitido",
            "Use uno de los valores que el esquema admite para este campo.",
        ),
    },
    "schema:uniqueItems": {
        "en": (
            "'{field}' has repeated elements",
            "Remove the duplicates: every element of this list must be different.",
        ),
        "es": (
            "'{field}' tiene elementos repetidos",
            "Quite los duplicados: cada elemento de esta lista debe ser distinto.",
        ),
    },
    "schema:additionalProperties": {
        "en": ("'{field}' is not allowed here", "Remove the field, or declare the extension that defines it."),
        "es": ("'{field}' no está permitido aquí", "Quite el campo, o declare la extensión que lo define."),
    },
    "schema:other": {
        "en": ("'{field}' does not satisfy the schema ({type})", "{detail}"),
        "es": ("'{field}' no cumple el esquema ({type})", "{detail}"),
    },
    "unique_item_id": {
        "en": ("Two elements of '{field}' share an id", "Give each element of the list its own 'id'."),
        "es": ("Dos elementos de '{field}' comparten un id", "Dé a cada elemento de la lista su propio 'id'."),
    },
    "unique_release_id": {
        "en": (
            "Two releases share the same ocid and id",
            "Each release of a process needs its own 'id'; a release published again must be identical or get a new id.",
        ),
        "es": (
            "Dos entregas (releases) comparten ocid e id",
            "Cada entrega de un proceso necesita su propio 'id'; si se republica, debe ser idéntica o llevar un id nuevo.",
        ),
    },
    "unique_record_ocid": {
        "en": (
            "Two records share the same ocid",
            "A record package has one record per contracting process: merge them.",
        ),
        "es": (
            "Dos registros (records) comparten ocid",
            "Un paquete de registros lleva un registro por proceso: únalos.",
        ),
    },
    "records_mixed_releases": {
        "en": (
            "'releases' mixes embedded and linked releases",
            "Embedded releases have an 'id'; linked releases have only url, date and tag. Use one kind.",
        ),
        "es": (
            "'releases' mezcla entregas completas y enlazadas",
            "Las entregas completas llevan 'id'; las enlazadas solo url, date y tag. Use un solo tipo.",
        ),
    },
    "closed_codelist": {
        "en": (
            "'{code}' is not a code of the closed codelist {codelist}",
            "Use one of the codes of {codelist}; closed codelists admit no other value.",
        ),
        "es": (
            "'{code}' no está en la lista cerrada {codelist}",
            "Use uno de los códigos de {codelist}; las listas cerradas no admiten otros valores.",
        ),
    },
    "open_codelist": {
        "en": (
            "'{code}' is not in the open codelist {codelist}",
            "Prefer a code of {codelist}; a new code is allowed only when none fits.",
        ),
        "es": (
            "'{code}' no está en la lista abierta {codelist}",
            "Prefiera un código de {codelist}; uno nuevo solo si ninguno corresponde.",
        ),
    },
    "additional_field": {
        "en": (
            "'{field}' is not in the OCDS schema",
            "Check the spelling, declare the extension that defines it, or remove it.",
        ),
        "es": (
            "'{field}' no está en el esquema OCDS",
            "Revise la ortografía, declare la extensión que lo define, o quítelo.",
        ),
    },
    "deprecated_field": {
        "en": (
            "'{field}' is deprecated since OCDS {version}",
            "Move the data to where the current schema puts it (see the field's documentation).",
        ),
        "es": (
            "'{field}' está en desuso desde OCDS {version}",
            "Pase el dato a donde lo pone el esquema actual (vea la documentación del campo).",
        ),
    },
    "missing_id": {
        "en": (
            "An element of a list has no 'id'",
            "Give every element of the list an 'id', so that releases can be merged.",
        ),
        "es": (
            "Un elemento de una lista no tiene 'id'",
            "Dé un 'id' a cada elemento de la lista, para poder unir las entregas.",
        ),
    },
    "empty_field": {
        "en": ("Empty value", "Remove fields that have no value instead of publishing them empty."),
        "es": ("Valor vacío", "Quite los campos sin valor en lugar de publicarlos vacíos."),
    },
    "ocid_prefix_format": {
        "en": (
            "The OCID does not start with a registered prefix (ocds-xxxxxx)",
            "OCIDs start with the lower-case prefix that OCP registered for the publisher: Mexico City's is ocds-87sd3t.",
        ),
        "es": (
            "El OCID no empieza con un prefijo registrado (ocds-xxxxxx)",
            "Los OCID empiezan con el prefijo en minúsculas que OCP registró al publicador: el de la CDMX es ocds-87sd3t.",
        ),
    },
    "ocid_prefix_registered": {
        "en": (
            "The OCID does not start with {prefix}",
            "Every OCID must start with the publisher's prefix exactly, in lower case: {prefix}-…",
        ),
        "es": (
            "El OCID no empieza con {prefix}",
            "Todo OCID debe empezar exactamente con el prefijo del publicador, en minúsculas: {prefix}-…",
        ),
    },
    "not_packaged": {
        "en": (
            "A {kind} outside a package",
            "Publish releases in a release package (with uri, publisher, publishedDate and version).",
        ),
        "es": (
            "Un {kind} fuera de un paquete",
            "Publique las entregas dentro de un paquete (con uri, publisher, publishedDate y version).",
        ),
    },
    "extension_unavailable": {
        "en": (
            "An extension could not be read: {problem}",
            "Its fields are reported as not in the schema. Run `cdmx schema fetch` with network, or fix the URL.",
        ),
        "es": (
            "No se pudo leer una extensión: {problem}",
            "Sus campos aparecen como ajenos al esquema. Ejecute `cdmx schema fetch` con red, o corrija la URL.",
        ),
    },
    "not_an_object": {
        "en": ("Expected a {expected} (a JSON object)", "Each element must be a JSON object {{...}}."),
        "es": ("Se esperaba un {expected} (un objeto JSON)", "Cada elemento debe ser un objeto JSON {{...}}."),
    },
    "party_missing": {
        "en": ("The {role} is not in 'parties'", "Add an entry with this id and the role '{role}' to 'parties'."),
        "es": ("El {role} no está en 'parties'", "Agregue a 'parties' una entrada con este id y el rol '{role}'."),
    },
    "party_role_missing": {
        "en": ("The party lacks the role '{role}'", "Add '{role}' to the roles of that entry of 'parties'."),
        "es": ("A la parte le falta el rol '{role}'", "Agregue '{role}' a los roles de esa entrada de 'parties'."),
    },
    "award_missing": {
        "en": (
            "The contract's awardID is not an award of the release",
            "Use the id of the award the contract comes from.",
        ),
        "es": (
            "El awardID del contrato no corresponde a ninguna adjudicación",
            "Use el id de la adjudicación de la que viene el contrato.",
        ),
    },
    "period_reversed": {
        "en": ("The period ends before it starts ({start})", "Check the start and end dates: they may be swapped."),
        "es": (
            "El periodo termina antes de empezar ({start})",
            "Revise las fechas de inicio y fin: pueden estar invertidas.",
        ),
    },
    "signed_before_award": {
        "en": ("The contract was signed before its award", "Check the signing date and the award date."),
        "es": ("El contrato se firmó antes de la adjudicación", "Revise la fecha de firma y la de adjudicación."),
    },
    "negative_amount": {
        "en": ("Negative amount", "Amounts are positive; a reduction is a new amount or an amendment."),
        "es": (
            "Monto negativo",
            "Los montos son positivos; una reducción es un monto nuevo o un convenio modificatorio.",
        ),
    },
    "mixed_currencies": {
        "en": (
            "One process uses several currencies: {value}",
            "Check the currencies: a Mexican process is usually all in MXN.",
        ),
        "es": (
            "Un proceso usa varias monedas: {value}",
            "Revise las monedas: un proceso mexicano suele ir todo en MXN.",
        ),
    },
    "rfc_format": {
        "en": (
            "Not a valid RFC ({length} characters)",
            "An RFC has 12 characters (companies) or 13 (individuals): 3–4 letters, the date YYMMDD and 3 characters.",
        ),
        "es": (
            "RFC no válido ({length} caracteres)",
            "El RFC tiene 12 caracteres (personas morales) o 13 (físicas): 3–4 letras, la fecha AAMMDD y 3 caracteres.",
        ),
    },
    "rfc_generic": {
        "en": (
            "Generic RFC, which identifies nobody",
            "XAXX010101000 and XEXX010101000 are for anonymous sales: give the supplier's own RFC.",
        ),
        "es": (
            "RFC genérico, que no identifica a nadie",
            "XAXX010101000 y XEXX010101000 son para ventas al público: dé el RFC propio del proveedor.",
        ),
    },
    "placeholder_text": {
        "en": (
            "Placeholder instead of data",
            "Remove the field or give the real value: placeholders such as 'No Capturado' hide missing data.",
        ),
        "es": (
            "Texto de relleno en lugar de datos",
            "Quite el campo o dé el valor real: rellenos como 'No Capturado' ocultan datos faltantes.",
        ),
    },
    "placeholder_date": {
        "en": (
            "Placeholder date",
            "Dates such as 1970-01-01 stand for a missing date: remove the field or give the real date.",
        ),
        "es": (
            "Fecha de relleno",
            "Fechas como 1970-01-01 sustituyen a una fecha faltante: quite el campo o dé la fecha real.",
        ),
    },
    "mojibake": {
        "en": ("Garbled accents (UTF-8 read as Latin-1)", "Re-export the source as UTF-8: 'Ã“' should read 'Ó'."),
        "es": (
            "Acentos corrompidos (UTF-8 leído como Latin-1)",
            "Vuelva a exportar el origen en UTF-8: 'Ã“' debe leerse 'Ó'.",
        ),
    },
    "postal_code_format": {
        "en": (
            "Mexican postal code without 5 digits",
            "Mexican postal codes have 5 digits: restore the leading zero (06720, not 6720).",
        ),
        "es": (
            "Código postal mexicano sin 5 dígitos",
            "Los códigos postales tienen 5 dígitos: recupere el cero inicial (06720, no 6720).",
        ),
    },
    "identifier_no_scheme": {
        "en": ("Identifier without scheme", "Say which register the id comes from: 'MX-RFC' for an RFC."),
        "es": ("Identificador sin esquema", "Indique de qué registro viene el id: 'MX-RFC' para un RFC."),
    },
    "name_truncated": {
        "en": (
            "A name looks cut ({length} characters)",
            "The same organization has a longer name elsewhere in the release: publish the full name.",
        ),
        "es": (
            "Un nombre parece cortado ({length} caracteres)",
            "La misma organización tiene un nombre más largo en otra parte de la entrega: publique el nombre completo.",
        ),
    },
    "tag_inconsistent": {
        "en": (
            "The release carries {section} but its tag does not say so",
            "Tag each release with the stage it reports (award, contract, implementation…).",
        ),
        "es": (
            "La entrega trae {section} pero su etiqueta no lo dice",
            "Etiquete cada entrega con la etapa que reporta (award, contract, implementation…).",
        ),
    },
    "version_unsupported": {
        "en": ("Unsupported OCDS version", ""),
        "es": ("Versión de OCDS no admitida", ""),
    },
    "version_mixed": {
        "en": ("Packages of different OCDS versions", ""),
        "es": ("Paquetes de distintas versiones de OCDS", ""),
    },
    "merge_not_object": {
        "en": (
            "An item is not a JSON object: it was left out",
            "A {expected} is an object ({{...}}). Remove or fix the item at this place.",
        ),
        "es": (
            "Un elemento no es un objeto JSON: se omitió",
            "Una entrega o paquete es un objeto ({{...}}). Quite o corrija el elemento en este lugar.",
        ),
    },
    "merge_missing_ocid": {
        "en": (
            "A release without 'ocid' (id {release_id}) was left out",
            "Without its ocid a release cannot join its contracting process. Add the ocid and merge again.",
        ),
        "es": (
            "Se omitió una entrega sin 'ocid' (id {release_id})",
            "Sin ocid, una entrega no puede unirse a su proceso de contratación. Agregue el ocid y vuelva a unir.",
        ),
    },
    "release_date_missing": {
        "en": (
            "A release has no date: its contracting process was left out",
            "Releases are merged in date order. Give every release of this ocid a 'date' (RFC 3339, e.g. 2024-03-01T00:00:00-06:00).",
        ),
        "es": (
            "Una entrega no tiene fecha: su proceso de contratación se omitió",
            "Las entregas se unen en orden de fecha. Dé a cada entrega de este ocid una 'date' (RFC 3339, p. ej. 2024-03-01T00:00:00-06:00).",
        ),
    },
    "release_date_invalid": {
        "en": (
            "A release's date is not an RFC 3339 date-time",
            "The releases were put in order by the text of their dates, which may be the wrong order. Write dates like 2024-03-01T00:00:00-06:00.",
        ),
        "es": (
            "La fecha de una entrega no es fecha-hora RFC 3339",
            "Las entregas se ordenaron por el texto de sus fechas, que puede no ser el orden real. Escriba fechas como 2024-03-01T00:00:00-06:00.",
        ),
    },
    "release_id_conflict": {
        "en": (
            "Two different releases of one process share the id {value}",
            "Both were merged, in date order, as the reference does. A corrected release needs a new id; an unchanged one must be identical.",
        ),
        "es": (
            "Dos entregas distintas de un proceso comparten el id {value}",
            "Se unieron ambas, en orden de fecha, como lo hace la referencia. Una entrega corregida necesita un id nuevo; una sin cambios debe ser idéntica.",
        ),
    },
    "duplicate_release": {
        "en": (
            "A release was published twice, identical: the copy was left out",
            "Nothing to fix if the same file was merged twice; otherwise check that each night's file is merged once.",
        ),
        "es": (
            "Una entrega se publicó dos veces, idéntica: se omitió la copia",
            "No hay nada que corregir si el mismo archivo se unió dos veces; si no, revise que cada archivo nocturno se una una sola vez.",
        ),
    },
    "duplicate_item_id": {
        "en": (
            "Two objects in '{field}' of one release share the id {value}",
            "Objects in a list are merged by id: the later one replaced the earlier one. Give each object its own id.",
        ),
        "es": (
            "Dos objetos de '{field}' en una entrega comparten el id {value}",
            "Los objetos de una lista se unen por id: el posterior reemplazó al anterior. Dé a cada objeto su propio id.",
        ),
    },
    "merge_conflict": {
        "en": (
            "'{field}' is {earlier} in one release and {current} in another: the process was left out",
            "A field must keep its type across the releases of a process (ids: {value}). Fix the release that is different.",
        ),
        "es": (
            "'{field}' es {earlier} en una entrega y {current} en otra: se omitió el proceso",
            "Un campo debe conservar su tipo en todas las entregas de un proceso (ids: {value}). Corrija la entrega distinta.",
        ),
    },
    "merge_value_ignored": {
        "en": (
            "'{field}' is an object or a list in one release and a single value in a later one: the value was ignored",
            "The compiled release keeps the object, as the reference does. Fix the releases (ids: {value}) so that the field keeps its type.",
        ),
        "es": (
            "'{field}' es un objeto o una lista en una entrega y un valor suelto en otra posterior: se ignoró el valor",
            "La entrega compilada conserva el objeto, como la referencia. Corrija las entregas (ids: {value}) para que el campo conserve su tipo.",
        ),
    },
    "release_out_of_order": {
        "en": (
            "A new release is older ({value}) than the record's linked releases ({latest})",
            "Linked releases cannot be merged again, so the new release was applied last. Merge from the release packages to get the right order.",
        ),
        "es": (
            "Una entrega nueva es anterior ({value}) a las entregas enlazadas del registro ({latest})",
            "Las entregas enlazadas no pueden volver a unirse, así que la nueva se aplicó al final. Una desde los paquetes de entregas para obtener el orden correcto.",
        ),
    },
    "value_unreadable": {
        "en": (
            "A value of '{field}' cannot be read as {expected}: it was left out",
            "Fix the cell: {expected_advice}",
        ),
        "es": (
            "Un valor de '{field}' no se puede leer como {expected}: se omitió",
            "Corrija la celda: {expected_advice}",
        ),
    },
    "value_not_in_map": {
        "en": (
            "A value of '{field}' is not one of the catalog's",
            "Use one of: {expected}. Or add the value to the mapping's 'map'.",
        ),
        "es": (
            "Un valor de '{field}' no está en el catálogo",
            "Use uno de: {expected}. O agregue el valor al 'map' del mapeo.",
        ),
    },
    "row_without_ocid": {
        "en": (
            "A row without the columns that make its OCID ({columns}) was not converted",
            "Fill those columns in the row, or delete the row if it is not a contracting process.",
        ),
        "es": (
            "Una fila sin las columnas que forman su OCID ({columns}) no se convirtió",
            "Llene esas columnas en la fila, o borre la fila si no es un proceso de contratación.",
        ),
    },
    "subrow_without_id": {
        "en": (
            "A row of a sub-table has no ID: it was not converted",
            "Write in the ID column the number that the main sheet's row uses to point at it.",
        ),
        "es": (
            "Una fila de una tabla secundaria no tiene ID: no se convirtió",
            "Escriba en la columna ID el número con que la fila de la hoja principal la señala.",
        ),
    },
    "formula_without_value": {
        "en": (
            "The cell {field} holds a formula without a calculated value: it was read as blank",
            "Open the file in a spreadsheet program, let it calculate and save it again, or type the value in place of the formula.",
        ),
        "es": (
            "La celda {field} tiene una fórmula sin valor calculado: se leyó vacía",
            "Abra el archivo en una hoja de cálculo, deje que calcule y guárdelo de nuevo, o escriba el valor en lugar de la fórmula.",
        ),
    },
    "subtable_missing": {
        "en": (
            "{rows} rows point at the sub-table {table}, which this file does not have: that data was not converted",
            "Convert the workbook that has the {table} sheet (a CSV download has only the main table).",
        ),
        "es": (
            "{rows} filas señalan la tabla {table}, que este archivo no tiene: esos datos no se convirtieron",
            "Convierta el libro que tiene la hoja {table} (la descarga CSV solo trae la tabla principal).",
        ),
    },
    "orphan_subrow": {
        "en": (
            "A row of the sub-table '{table}' is pointed at by no row of the main sheet",
            "Check its ID: the main sheet's column for this sub-table must hold the same number.",
        ),
        "es": (
            "Ninguna fila de la hoja principal señala una fila de la tabla '{table}'",
            "Revise su ID: la columna de la hoja principal para esta tabla debe llevar el mismo número.",
        ),
    },
    "upgrade_party_differs": {
        "en": (
            "While upgrading from OCDS 1.0, one organization ({value}) had different details in different roles",
            "The details first seen were kept in 'parties'. Check the organization's data in the original release.",
        ),
        "es": (
            "Al actualizar de OCDS 1.0, una organización ({value}) tenía datos distintos en distintos roles",
            "Se conservaron en 'parties' los primeros datos. Revise los datos de la organización en la entrega original.",
        ),
    },
}

#: What a cell was expected to hold: (name, how to write it), by language.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "number": {
        "en": ("a number", "digits with an optional decimal point, e.g. 1234567.89 or $1,234,567.89."),
        "es": ("un número", "dígitos con punto decimal opcional, p. ej. 1234567.89 o $1,234,567.89."),
    },
    "integer": {
        "en": ("a whole number", "digits only, without decimals."),
        "es": ("un número entero", "solo dígitos, sin decimales."),
    },
    "date": {
        "en": ("a date", "a date cell, or text like 15/03/2024 (day/month/year) or 2024-03-15."),
        "es": ("una fecha", "una celda de fecha, o texto como 15/03/2024 (día/mes/año) o 2024-03-15."),
    },
    "boolean": {
        "en": ("yes or no", "Sí or No."),
        "es": ("sí o no", "Sí o No."),
    },
    "url": {
        "en": ("a web address", "a full address starting with https:// (or http://)."),
        "es": ("una dirección web", "una dirección completa que empiece con https:// (o http://)."),
    },
}

#: Messages for input that cannot be read (exit code 2), and for the report's frame.
TEXTS: dict[str, dict[str, str]] = {
    "json_syntax": {
        "en": "{source}, line {line}, column {column}: invalid JSON: {detail}. Found: {found!r}. Fix the file there (a trailing comma, a missing quote or bracket, or two documents run together are the usual causes).",
        "es": "{source}, línea {line}, columna {column}: JSON inválido: {detail}. Se encontró: {found!r}. Corrija el archivo ahí (suele ser una coma sobrante, una comilla o corchete faltante, o dos documentos pegados).",
    },
    "encoding": {
        "en": "{source}: the file is not {encoding} (byte {byte} near position {position}).{hint}",
        "es": "{source}: el archivo no está en {encoding} (byte {byte} cerca de la posición {position}).{hint}",
    },
    "encoding_hint": {
        "en": " It looks like Latin-1 (ISO-8859-1/Windows-1252): read it with --encoding latin-1, or convert it to UTF-8.",
        "es": " Parece Latin-1 (ISO-8859-1/Windows-1252): léalo con --encoding latin-1, o conviértalo a UTF-8.",
    },
    "cannot_open": {"en": "{source}: cannot open: {detail}", "es": "{source}: no se puede abrir: {detail}"},
    "io_error": {"en": "{source}: cannot read: {detail}", "es": "{source}: no se puede leer: {detail}"},
    "empty_file": {"en": "{source}: the file is empty", "es": "{source}: el archivo está vacío"},
    "empty_directory": {
        "en": "{source}: the directory has no .json, .jsonl or .json.gz file",
        "es": "{source}: la carpeta no tiene archivos .json, .jsonl ni .json.gz",
    },
    "unknown_encoding": {
        "en": "{source}: unknown encoding {encoding!r}",
        "es": "{source}: codificación desconocida {encoding!r}",
    },
    "version": {
        "en": '{source}: the data says "version": {version!r}, which is not an OCDS version (1.0 or 1.1): there is no schema to validate it with. Fix the version, or force one with --schema-version 1.1.',
        "es": '{source}: los datos dicen "version": {version!r}, que no es una versión de OCDS (1.0 o 1.1): no hay esquema con qué validarlos. Corrija la versión, o fuerce una con --schema-version 1.1.',
    },
    "schema_missing": {
        "en": "The schema file {file} is not in {dirs}{offline_note}. Run `cdmx schema fetch` once with network, or point --schema-dir (or CDMX_SCHEMA_DIR) at a copy.",
        "es": "El archivo de esquema {file} no está en {dirs}{offline_note}. Ejecute `cdmx schema fetch` una vez con red, o apunte --schema-dir (o CDMX_SCHEMA_DIR) a una copia.",
    },
    "schema_missing_offline": {"en": " (offline: no download tried)", "es": " (sin red: no se intentó descargar)"},
    "schema_missing_online": {
        "en": " and could not be downloaded from {url}",
        "es": " y no se pudo descargar de {url}",
    },
    "schema_unreadable": {
        "en": "Cannot read the schema file {file}: {detail}",
        "es": "No se puede leer el archivo de esquema {file}: {detail}",
    },
    "extension_bad_url": {"en": "not an http(s) URL: {url}", "es": "no es una URL http(s): {url}"},
    "extension_not_offline": {"en": "not in the offline cache: {url}", "es": "no está en la caché local: {url}"},
    "extension_fetch_failed": {"en": "could not be downloaded: {url}", "es": "no se pudo descargar: {url}"},
    "extension_not_json": {"en": "not a JSON extension.json: {url}", "es": "no es un extension.json válido: {url}"},
    "extension_unreadable": {"en": "unreadable files: {url}", "es": "archivos ilegibles: {url}"},
    "merge_version": {
        "en": '{source}: the package says "version": {version!r}, which is not an OCDS version this tool merges (1.0 or 1.1). Fix the version.',
        "es": '{source}: el paquete dice "version": {version!r}, que no es una versión de OCDS que esta herramienta una (1.0 o 1.1). Corrija la versión.',
    },
    "merge_versions_mixed": {
        "en": "The inputs mix OCDS versions {versions} ({source}) and upgrading is off. Merge without --no-upgrade, which upgrades 1.0 releases to 1.1.",
        "es": "Las entradas mezclan versiones de OCDS {versions} ({source}) y la actualización está desactivada. Una sin --no-upgrade, que actualiza las entregas 1.0 a 1.1.",
    },
    "merge_headline": {
        "en": "{status}: {releases} releases read, {records} records written ({merged} merged, {copied} copied), {excluded} processes left out; {errors} errors, {warnings} warnings.",
        "es": "{status}: {releases} entregas leídas, {records} registros escritos ({merged} unidos, {copied} copiados), {excluded} procesos omitidos; {errors} errores, {warnings} advertencias.",
    },
    "merge_upgraded": {
        "en": "{count} OCDS 1.0 releases were upgraded to 1.1.",
        "es": "{count} entregas OCDS 1.0 se actualizaron a 1.1.",
    },
    "merge_duplicates": {
        "en": "{count} identical copies of releases were left out.",
        "es": "Se omitieron {count} copias idénticas de entregas.",
    },
    "merge_not_written": {
        "en": "Nothing was written: every input must be readable first.",
        "es": "No se escribió nada: antes, todas las entradas deben poder leerse.",
    },
    "merge_written": {"en": "Written: {output}", "es": "Escrito: {output}"},
    "not_a_spreadsheet": {
        "en": "{source}: not a spreadsheet ({suffix}). Give an .xlsx, .xlsm, .xls or .csv file.",
        "es": "{source}: no es una hoja de cálculo ({suffix}). Use un archivo .xlsx, .xlsm, .xls o .csv.",
    },
    "corrupt": {
        "en": "{source}: the file is damaged or is not what its name says ({detail}). Open it in a spreadsheet program and save it again.",
        "es": "{source}: el archivo está dañado o no es lo que dice su nombre ({detail}). Ábralo en una hoja de cálculo y guárdelo de nuevo.",
    },
    "bomb": {
        "en": "{source}: refused: its {zipped} compressed bytes would inflate to {unzipped}, as zip bombs do.",
        "es": "{source}: rechazado: sus {zipped} bytes comprimidos se inflarían a {unzipped}, como las bombas zip.",
    },
    "unsafe_xml": {
        "en": "{source}: refused: its XML declares entities, which can be used to attack the reader ({detail}).",
        "es": "{source}: rechazado: su XML declara entidades, que pueden usarse para atacar al lector ({detail}).",
    },
    "csv_encoding": {
        "en": "{source}: the CSV file is not {encoding} ({detail}).",
        "es": "{source}: el archivo CSV no está en {encoding} ({detail}).",
    },
    "no_header": {
        "en": "{source}, sheet {sheet}: none of the mapping's column labels is in the first {rows} rows (found: {found}). Is it the right mapping?",
        "es": "{source}, hoja {sheet}: ninguna etiqueta de columna del mapeo está en las primeras {rows} filas (se encontró: {found}). ¿Es el mapeo correcto?",
    },
    "duplicate_label": {
        "en": "{source}, sheet {sheet}, row {row}: the column '{label}' appears twice. Rename or delete one of them.",
        "es": "{source}, hoja {sheet}, fila {row}: la columna '{label}' aparece dos veces. Renombre o borre una de ellas.",
    },
    "columns_missing": {
        "en": "{source}, sheet {sheet}, row {row}: required columns are missing (label → nearest labels found): {missing}.",
        "es": "{source}, hoja {sheet}, fila {row}: faltan columnas obligatorias (etiqueta → etiquetas parecidas encontradas): {missing}.",
    },
    "sheet_missing": {
        "en": "{source}: no sheet named {names}.",
        "es": "{source}: no hay una hoja llamada {names}.",
    },
    "mapping": {
        "en": "{source}: the mapping has problems: {problems}",
        "es": "{source}: el mapeo tiene problemas: {problems}",
    },
    "convert_headline": {
        "en": "{status}: {releases} releases of {ocids} processes from {converted} rows ({rejected} rejected, {blank} blank) of {read} read; {errors} errors, {warnings} warnings.",
        "es": "{status}: {releases} entregas de {ocids} procesos a partir de {converted} filas ({rejected} rechazadas, {blank} vacías) de {read} leídas; {errors} errores, {warnings} advertencias.",
    },
    "converted": {"en": "Converted", "es": "Convertido"},
    "converted_with_problems": {"en": "Converted with problems", "es": "Convertido con problemas"},
    "unmapped_columns": {
        "en": "Columns present but not in the mapping ({sheet}): {columns}",
        "es": "Columnas presentes pero no en el mapeo ({sheet}): {columns}",
    },
    "validation_summary": {
        "en": "Output checked with cdmx validate: {errors} errors, {warnings} warnings.",
        "es": "Salida revisada con cdmx validate: {errors} errores, {warnings} advertencias.",
    },
    "merged": {"en": "Merged", "es": "Unido"},
    "merged_with_problems": {"en": "Merged with problems", "es": "Unido con problemas"},
    "valid": {"en": "Valid", "es": "Válido"},
    "invalid": {"en": "Not valid", "es": "No válido"},
    "unreadable": {"en": "Could not be read", "es": "No se pudo leer"},
    "headline": {
        "en": "{status}: {errors} errors, {warnings} warnings in {count} {things} ({sources} sources).",
        "es": "{status}: {errors} errores, {warnings} advertencias en {count} {things} ({sources} fuentes).",
    },
    "things": {"en": "releases/records", "es": "entregas/registros"},
    "occurrences": {"en": "{count} times", "es": "{count} veces"},
    "more": {"en": "… and {count} more", "es": "… y {count} más"},
    "what_to_do": {"en": "What to do", "es": "Qué hacer"},
    "statistics": {"en": "Key field information", "es": "Información de campos clave"},
    "severity_error": {"en": "error", "es": "error"},
    "severity_warning": {"en": "warning", "es": "advertencia"},
    "no_problems": {"en": "No problems found.", "es": "No se encontraron problemas."},
    "extensions": {"en": "Extensions", "es": "Extensiones"},
    "applied": {"en": "applied", "es": "aplicada"},
}


def default_lang() -> str:
    """``es`` when the locale is Spanish, else ``en``."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var)
        if value:
            return "es" if value.lower().startswith("es") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "es" if loc.lower().startswith("es") else "en"


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def finding_key(check: str, params: dict) -> str:
    """The message key of a finding: schema findings are keyed by their type."""
    if check == "schema":
        key = f"schema:{params.get('type')}"
        return key if key in FINDINGS else "schema:other"
    return check


def finding_text(check: str, params: dict, field: str, lang: str, value: Any = None) -> tuple[str, str]:
    """(title, advice) for a finding group."""
    entry = FINDINGS[finding_key(check, params)][lang]
    values = _Default({**params, "field": params.get("field", field.rsplit("/", 1)[-1]), "value": value})
    if "expected" in params and params["expected"] in EXPECTED:
        values["expected_advice"] = EXPECTED[params["expected"]][lang][1]
        values["expected"] = EXPECTED[params["expected"]][lang][0]
    if "problem" in params and params["problem"] in TEXTS:
        values["problem"] = TEXTS[params["problem"]][lang].format_map(_Default(url=value))
    return entry[0].format_map(values), entry[1].format_map(values)


def text(key: str, lang: str, **params: Any) -> str:
    """A frame or input-error message."""
    return TEXTS[key][lang].format_map(_Default(params))


def input_error_text(error: Exception, lang: str) -> str:
    """Explain an error for people: an unreadable input, a missing schema, an unknown version, a mapping."""
    if not isinstance(error, CdmxError):
        return str(error)
    params = dict(error.params)
    if error.key == "encoding":
        params["hint"] = TEXTS["encoding_hint"][lang] if params.get("guess") else ""
    elif error.key == "schema_missing":
        note = "schema_missing_offline" if params.get("offline") else "schema_missing_online"
        params["offline_note"] = text(note, lang, url=params.get("url"))
    elif isinstance(error, MappingError):
        params["problems"] = "; ".join(f"line {line}: {m}" if line else m for line, m in error.problems)
    if error.key in TEXTS:
        return text(error.key, lang, source=error.source, **params)
    return str(error)

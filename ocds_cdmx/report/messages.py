"""Every message of the toolkit, in Spanish and English.

Findings and errors carry a key and parameters; this module turns them into a title (what is wrong) and
advice (how to fix it). The texts are written here in English and translated in gettext catalogs,
``locale/<lang>/LC_MESSAGES/ocds_cdmx.po``, which a translator edits without touching Python
(``tools/i18n.py`` extracts, updates and compiles them with Babel; a test fails when a text lacks a
translation or the two disagree on their placeholders).
"""

from __future__ import annotations

import functools
import gettext
import locale
import os
import re
from pathlib import Path
from typing import Any, NamedTuple

from ..core.errors import CdmxError, ConfigError, MappingError
from ..core.texts import Text

LANGS = ("es", "en")
DOMAIN = "ocds_cdmx"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs without translating it (it is translated where it is shown)."""
    return message


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalog of ``lang``; English is the language of the source texts."""
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def tr(message: str, lang: str) -> str:
    """``message`` in ``lang``."""
    # gettext("") is the catalog's header, not an empty text.
    return translations(lang).gettext(message) if message else message


def ntr(singular: str, plural: str, n: int, lang: str) -> str:
    """The singular or plural form of a message for ``n``, in ``lang``."""
    return translations(lang).ngettext(singular, plural, n)


class Plural(NamedTuple):
    """A text with a singular and a plural form, chosen by the parameter ``count`` names."""

    singular: str
    plural: str
    count: str = "count"


def NP_(singular: str, plural: str, count: str = "count") -> Plural:
    """Mark a text with its plural for the catalogs (``count``: the parameter that holds the number)."""
    return Plural(singular, plural, count)


def say(message: str | Plural, values: dict, lang: str) -> str:
    """``message`` in ``lang``, in the form its count asks for, filled with ``values``."""
    if isinstance(message, Plural):
        n = values.get(message.count)
        message = ntr(message.singular, message.plural, n if isinstance(n, int) else 2, lang)
    else:
        message = tr(message, lang)
    return message.format_map(values if isinstance(values, _Default) else _Default(values))


#: Counts in words, singular and plural ("1 source", "2 sources"; "1 vez", "2 veces").
COUNTS: dict[str, Plural] = {
    "times": NP_("{count} time", "{count} times"),
    "errors": NP_("{count} error", "{count} errors"),
    "warnings": NP_("{count} warning", "{count} warnings"),
    "things": NP_("{count} release/record", "{count} releases/records"),
    "sources": NP_("{count} source", "{count} sources"),
}


def counted(key: str, n: int, lang: str) -> str:
    """``n`` and the word :data:`COUNTS` has for ``key``, in the form ``n`` takes in ``lang``."""
    noun = COUNTS[key]
    return ntr(noun.singular, noun.plural, n, lang).format(count=n)


# check (or "schema:<type>") → (title, advice), in English; the Spanish is in the catalog
# (locale/es/LC_MESSAGES/ocds_cdmx.po). Titles and advice are str.format templates over the finding's
# parameters and ``field``. N_ marks a text for extraction without translating it here.
FINDINGS: dict[str, tuple[str | Plural, str | Plural]] = {
    "schema:required": (
        N_("'{field}' is missing but required"),
        N_("Add the field '{field}': the OCDS schema requires it."),
    ),
    "schema:string": (
        N_("'{field}' is not a string"),
        N_("Write the value between double quotes, as text."),
    ),
    "schema:number": (
        N_("'{field}' is not a number"),
        N_("Write digits and a decimal point only, without quotes, currency signs or thousands separators."),
    ),
    "schema:integer": (
        N_("'{field}' is not an integer"),
        N_("Write a whole number without quotes or decimal point."),
    ),
    "schema:boolean": (
        N_("'{field}' is not true or false"),
        N_("Use true or false, without quotes."),
    ),
    "schema:object": (
        N_("'{field}' is not a JSON object"),
        N_("This field holds an object with its own fields ({{...}}), not a single value."),
    ),
    "schema:array": (
        N_("'{field}' is not a JSON array"),
        N_("This field holds a list ([...]), even when it has a single element."),
    ),
    "schema:null": (
        N_("'{field}' must be null"),
        N_("Remove the value."),
    ),
    "schema:date-time": (
        N_("'{field}' is not a valid date and time"),
        N_("Use RFC 3339 with the offset, e.g. 2024-03-15T10:00:00-06:00 (CDMX)."),
    ),
    "schema:uri": (
        N_("'{field}' is not a valid URI"),
        N_("Give a full address, starting with https://, with spaces and accents percent-encoded."),
    ),
    "schema:minLength": (
        N_("'{field}' is empty"),
        N_("Fill the field in, or remove it when there is no value."),
    ),
    "schema:maxLength": (
        N_("'{field}' is longer than {limit} characters"),
        N_("Shorten the value."),
    ),
    "schema:minItems": (
        N_("'{field}' is an empty list"),
        NP_(
            "Give at least {limit} element, or remove the field.",
            "Give at least {limit} elements, or remove the field.",
            "limit",
        ),
    ),
    "schema:maxItems": (
        N_("'{field}' has more than {limit} elements"),
        N_("Remove the extra elements."),
    ),
    "schema:pattern": (
        N_("'{field}' does not have the expected form"),
        N_("The value must match the pattern {pattern}."),
    ),
    "schema:enum": (
        N_("'{field}' has a value that is not allowed"),
        N_("Use one of the values that the schema lists for this field."),
    ),
    "schema:uniqueItems": (
        N_("'{field}' has repeated elements"),
        N_("Remove the duplicates: every element of this list must be different."),
    ),
    "schema:additionalProperties": (
        N_("'{field}' is not allowed here"),
        N_("Remove the field, or declare the extension that defines it."),
    ),
    "schema:other": (
        N_("'{field}' does not satisfy the schema ({type})"),
        N_("{detail}"),
    ),
    "unique_item_id": (
        N_("Two elements of '{field}' share an id"),
        N_("Give each element of the list its own 'id'."),
    ),
    "unique_release_id": (
        N_("Two releases share the same ocid and id"),
        N_(
            "Each release of a process needs its own 'id'; a release published again must be identical or get a new id."
        ),
    ),
    "unique_record_ocid": (
        N_("Two records share the same ocid"),
        N_("A record package has one record per contracting process: merge them."),
    ),
    "records_mixed_releases": (
        N_("'releases' mixes embedded and linked releases"),
        N_("Embedded releases have an 'id'; linked releases have only url, date and tag. Use one kind."),
    ),
    "closed_codelist": (
        N_("'{code}' is not a code of the closed codelist {codelist}"),
        N_("Use one of the codes of {codelist}; closed codelists admit no other value."),
    ),
    "open_codelist": (
        N_("'{code}' is not in the open codelist {codelist}"),
        N_("Prefer a code of {codelist}; a new code is allowed only when none fits."),
    ),
    "additional_field": (
        N_("'{field}' is not in the OCDS schema"),
        N_("Check the spelling, declare the extension that defines it, or remove it."),
    ),
    "deprecated_field": (
        N_("'{field}' is deprecated since OCDS {version}"),
        N_("Move the data to where the current schema puts it (see the field's documentation)."),
    ),
    "missing_id": (
        N_("An element of a list has no 'id'"),
        N_("Give every element of the list an 'id', so that releases can be merged."),
    ),
    "empty_field": (
        N_("Empty value"),
        N_("Remove fields that have no value instead of publishing them empty."),
    ),
    "ocid_prefix_format": (
        N_("The OCID does not start with a registered prefix (ocds-xxxxxx)"),
        N_(
            "OCIDs start with the lower-case prefix that OCP registered for the publisher: Mexico City's is ocds-87sd3t."
        ),
    ),
    "ocid_prefix_registered": (
        N_("The OCID does not start with {prefix}"),
        N_("Every OCID must start with the publisher's prefix exactly, in lower case: {prefix}-…"),
    ),
    "not_packaged": (
        N_("A {kind} outside a package"),
        N_("Publish releases in a release package (with uri, publisher, publishedDate and version)."),
    ),
    "extension_unavailable": (
        N_("An extension could not be read: {problem}"),
        N_("Its fields are reported as not in the schema. Run `cdmx schema fetch` with network, or fix the URL."),
    ),
    "not_an_object": (
        N_("Expected a {expected} (a JSON object)"),
        N_("Each element must be a JSON object {{...}}."),
    ),
    "empty_array": (
        N_("The file is an empty list: it has no package, release or record"),
        N_(
            "Publish a release package (uri, publisher, publishedDate, version) with at least one release in 'releases'."
        ),
    ),
    "party_missing": (
        N_("The {role} is not in 'parties'"),
        N_("Add an entry with this id and the role '{role}' to 'parties'."),
    ),
    "party_role_missing": (
        N_("The party lacks the role '{role}'"),
        N_("Add '{role}' to the roles of that entry of 'parties'."),
    ),
    "award_missing": (
        N_("The contract's awardID is not an award of the release"),
        N_("Use the id of the award the contract comes from."),
    ),
    "period_reversed": (
        N_("The period ends before it starts ({start})"),
        N_("Check the start and end dates: they may be swapped."),
    ),
    "signed_before_award": (
        N_("The contract was signed before its award"),
        N_("Check the signing date and the award date."),
    ),
    "negative_amount": (
        N_("Negative amount"),
        N_("Amounts are positive; a reduction is a new amount or an amendment."),
    ),
    "mixed_currencies": (
        N_("One process uses several currencies: {value}"),
        N_("Check the currencies: a Mexican process is usually all in MXN."),
    ),
    "rfc_format": (
        N_("Not a valid RFC ({length} characters)"),
        N_("An RFC has 12 characters (companies) or 13 (individuals): 3–4 letters, the date YYMMDD and 3 characters."),
    ),
    "rfc_format:lower_case": (
        N_("RFC in lower case"),
        N_("Write the RFC in capital letters, as the SAT issues it: {upper}."),
    ),
    "rfc_format:pattern": (
        N_("Not a valid RFC: its {length} characters are not 3–4 letters, the date YYMMDD and 3 characters"),
        N_("Copy the RFC again from the supplier's tax certificate (constancia de situación fiscal)."),
    ),
    "date_in_future": (
        N_("A contract signed in the future"),
        N_(
            "Check the signing date: a signed contract has a date that has passed. A contract not signed yet has no dateSigned."
        ),
    ),
    "date_too_early": (
        N_("A date before {year}"),
        N_("Check the year: a date this old is usually a typing error (0224 for 2024) or a placeholder."),
    ),
    "timeline": (
        N_("'{later}' is before '{earlier}'"),
        N_(
            "The process goes tender period end → award → contract signature → payments. Check both dates: one may be wrong or swapped."
        ),
    ),
    "payments_exceed_contract": (
        N_("The contract's payments add up to more than its value ({paid} {currency})"),
        N_("Check the payments and the contract's value: an increase is an amendment that updates the value."),
    ),
    "contract_award_ratio": (
        N_("The award's contracts are worth {percent}% of its value"),
        N_(
            "Contracts are usually worth 50–150% of their award. Check both amounts (a missing or extra zero, taxes included in one only)."
        ),
    ),
    "tenderers_count": (
        NP_(
            "numberOfTenderers says {value} but {listed} tenderer is listed",
            "numberOfTenderers says {value} but {listed} tenderers are listed",
            "listed",
        ),
        N_("Give the number of tenderers listed in 'tenderers', or list them all."),
    ),
    "party_name_differs": (
        N_("The {role} is named differently than its entry in 'parties' ({party})"),
        N_("Use the same name for an organization everywhere in the release, as in 'parties'."),
    ),
    "party_role_unreferenced": (
        N_("A party has the role '{role}' but nothing refers to it as such"),
        N_("Refer to the party where the role applies (tenderers, suppliers, payer, payee…), or remove the role."),
    ),
    "document_type_section": (
        N_("Document type {code} does not belong in the {section} section"),
        N_(
            "In OCDS's documentType list this type belongs to: {sections}. Choose a type for this section, or move the document."
        ),
    ),
    "rfc_generic": (
        N_("Generic RFC, which identifies nobody"),
        N_("XAXX010101000 and XEXX010101000 are for anonymous sales: give the supplier's own RFC."),
    ),
    "placeholder_text": (
        N_("Placeholder instead of data"),
        N_("Remove the field or give the real value: placeholders such as 'No Capturado' hide missing data."),
    ),
    "placeholder_date": (
        N_("Placeholder date"),
        N_("Dates such as 1970-01-01 stand for a missing date: remove the field or give the real date."),
    ),
    "mojibake": (
        N_("Garbled accents (UTF-8 read as Latin-1)"),
        N_("Re-export the source as UTF-8: 'Ã“' should read 'Ó'."),
    ),
    "postal_code_format": (
        N_("Mexican postal code without 5 digits"),
        N_("Mexican postal codes have 5 digits: restore the leading zero (06720, not 6720)."),
    ),
    "identifier_no_scheme": (
        N_("Identifier without scheme (the value shown is its id)"),
        N_("Say which register the id comes from: 'MX-RFC' for an RFC."),
    ),
    "name_truncated": (
        N_("A name looks cut ({length} characters)"),
        N_("The same organization has a longer name elsewhere in the release: publish the full name."),
    ),
    "buyer_missing": (
        N_("A release has no buyer: nobody can tell which agency contracts"),
        N_(
            "Give every release its buyer (the agency, in 'buyer' and in 'parties' with the role buyer). With cdmx convert: the agency's mapping, --agency, or the workbook's 'Sujeto obligado' column."
        ),
    ),
    "tag_inconsistent": (
        N_("The release carries {section} but its tag does not say so"),
        N_("Tag each release with the stage it reports (award, contract, implementation…)."),
    ),
    "version_unsupported": (
        N_("Unsupported OCDS version"),
        "",
    ),
    "version_mixed": (
        N_("Packages of different OCDS versions"),
        "",
    ),
    "merge_not_object": (
        N_("An item is not a JSON object: it was left out"),
        N_("Releases and packages are JSON objects ({{...}}). Remove or fix the item at this place."),
    ),
    "merge_missing_ocid": (
        N_("A release without 'ocid' (id {release_id}) was left out"),
        N_("Without its ocid a release cannot join its contracting process. Add the ocid and merge again."),
    ),
    "release_date_missing": (
        N_("A release has no date: its contracting process was left out"),
        N_(
            "Releases are merged in date order. Give every release of this ocid a 'date' (RFC 3339, e.g. 2024-03-01T00:00:00-06:00)."
        ),
    ),
    "release_date_invalid": (
        N_("A release's date is not an RFC 3339 date-time"),
        N_(
            "The releases were put in order by the text of their dates, which may be the wrong order. Write dates like 2024-03-01T00:00:00-06:00."
        ),
    ),
    "release_id_conflict": (
        N_("Two different releases of one process share the id {value}"),
        N_(
            "Both were merged, in date order, as the reference does. A corrected release needs a new id; an unchanged one must be identical."
        ),
    ),
    "duplicate_release": (
        N_("A release was published twice, identical: the copy was left out"),
        N_("Nothing to fix if the same file was merged twice; otherwise check that each night's file is merged once."),
    ),
    "duplicate_item_id": (
        N_("Two objects in '{field}' of one release share the id {value}"),
        N_("Objects in a list are merged by id: the later one replaced the earlier one. Give each object its own id."),
    ),
    "merge_conflict": (
        N_("'{field}' is {earlier} in one release and {current} in another: the process was left out"),
        N_(
            "A field must keep its type across the releases of a process (ids: {value}). Fix the release that is different."
        ),
    ),
    "merge_value_ignored": (
        N_("'{field}' is an object or a list in one release and a single value in a later one: the value was ignored"),
        N_(
            "The compiled release keeps the object, as the reference does. Fix the releases (ids: {value}) so that the field keeps its type."
        ),
    ),
    "release_out_of_order": (
        N_("A new release is older ({value}) than the record's linked releases ({latest})"),
        N_(
            "Linked releases cannot be merged again, so the new release was applied last. Merge from the release packages to get the right order."
        ),
    ),
    "value_unreadable": (
        N_("A value of '{field}' cannot be read as {expected}: it was left out"),
        N_("Fix the cell: {expected_advice}"),
    ),
    "value_not_in_map": (
        N_("A value of '{field}' is not one of the catalog's"),
        N_("Use one of: {expected}. Or add the value to the mapping's 'map'."),
    ),
    "row_without_ocid": (
        N_("A row without the columns that make its OCID ({columns}) was not converted"),
        N_("Fill those columns in the row, or delete the row if it is not a contracting process."),
    ),
    "subrow_without_id": (
        N_("A row of a sub-table has no ID: it was not converted"),
        N_("Write in the ID column the number that the main sheet's row uses to point at it."),
    ),
    "formula_without_value": (
        N_("The cell {field} holds a formula without a calculated value: it was read as blank"),
        N_(
            "Open the file in a spreadsheet program, let it calculate and save it again, or type the value in place of the formula."
        ),
    ),
    "subtable_missing": (
        NP_(
            "{rows} row points at the sub-table {table}, which this file does not have: that data was not converted",
            "{rows} rows point at the sub-table {table}, which this file does not have: that data was not converted",
            "rows",
        ),
        N_("Convert the workbook that has the {table} sheet (a CSV download has only the main table)."),
    ),
    "orphan_subrow": (
        N_("A row of the sub-table '{table}' is pointed at by no row of the main sheet"),
        N_("Check its ID: the main sheet's column for this sub-table must hold the same number."),
    ),
    "row_placeholder_ocid": (
        N_("A row whose identifier is a placeholder ({value}) was not converted"),
        N_("Write the process's identifier in {columns}, or delete the row if it is not a contracting process."),
    ),
    "layout_mismatch": (
        N_(
            "Row 1 says format {value}, but the labels are those of format {format} ({layout}): it was read as {format}"
        ),
        N_("Check that the file is the one you meant: the labels decide how it is read."),
    ),
    "essential_column_missing": (
        N_("The workbook has no column '{label}' ({essential}): no process will have it"),
        N_(
            "Nearest labels found: {nearest}. If one of them is that column, add its label to the column's 'labels' in the mapping; otherwise fill the column in the workbook."
        ),
    ),
    "essential_missing": (
        N_("A process came out without {missing}"),
        N_("Fill those columns in its row (the value shown is its OCID), or check that the mapping has their labels."),
    ),
    "many_unmapped_columns": (
        N_("{count} of the sheet's {labels} columns are not in the mapping {mapping}"),
        N_(
            "Is it the mapping of this layout? cdmx convert without -m picks the one that fits. The columns are listed under the sheet's counts."
        ),
    ),
    "subtable_unread": (
        NP_(
            "The sheet {table} ({rows} row) is a sub-table that no column of the mapping points at: it was not read",
            "The sheet {table} ({rows} rows) is a sub-table that no column of the mapping points at: it was not read",
            "rows",
        ),
        N_("The label of the column that points at it must end with {table}, or the mapping must name the sheet."),
    ),
    "subtable_rows_missing": (
        NP_(
            "{rows} row points at IDs that the sub-table {table} does not have ({ids})",
            "{rows} rows point at IDs that the sub-table {table} does not have ({ids})",
            "rows",
        ),
        N_("Check the IDs in the main sheet's column and in the sub-table's ID column."),
    ),
    "nothing_to_report": (
        N_("A row says there is nothing to report: counted as such, not converted"),
        N_("Nothing to do: it is how the platform files a quarter without procedures."),
    ),
    "open_ended_contract": (
        N_("An open-ended contract (total 0 or blank): its maximum is its value"),
        N_(
            "The maximum is the value of the award and the contract and the tender's value; the minimum is the tender's minValue."
        ),
    ),
    "placeholder_value": (
        N_("A value of '{field}' says there is nothing: it was left out"),
        N_("Nothing to do; a blank cell says the same."),
    ),
    "sheet_ignored": (
        N_("The sheet {sheet} holds package metadata, which is not read"),
        N_("The package's metadata come from the mapping and the options (--uri, --published-date)."),
    ),
    "publish_ocid_of_other_agency": (
        N_("The process {value} is published by another agency ({agency}): this agency published nothing tonight"),
        N_(
            "An OCID belongs to one agency. Check the OCID template of the mapping (it should hold {{agency}}) or the row's number."
        ),
    ),
    "publish_process_vanished": (
        N_("The process {value} is no longer in the agency's files: its published releases stay as they are"),
        N_("Nothing is ever deleted. If the process was removed by mistake, put its row back in the workbook."),
    ),
    "publish_ocid_in_several_files": (
        N_("The process {value} is in several of the agency's files ({files}): the last one was used"),
        N_("Keep each process in one file, or make sure the last file has its latest data."),
    ),
    "publish_value_not_removable": (
        N_("A value of '{field}' disappeared, but the schema does not let it be null: the record keeps it"),
        N_("OCDS removes a value by publishing null; this field cannot be null. Correct it instead of deleting it."),
    ),
    "upgrade_party_differs": (
        N_("While upgrading from OCDS 1.0, one organization ({value}) had different details in different roles"),
        N_("The details first seen were kept in 'parties'. Check the organization's data in the original release."),
    ),
}

#: Titles that name a kind of document, one per kind, because the article and the noun agree in
#: Spanish ("una entrega", "un registro"): (check, kind) → the title that replaces the check's.
KIND_TITLES: dict[tuple[str, str], str] = {
    ("not_an_object", "package"): N_("Expected a package (a JSON object)"),
    ("not_an_object", "release"): N_("Expected a release (a JSON object)"),
    ("not_an_object", "record"): N_("Expected a record (a JSON object)"),
    ("not_packaged", "release"): N_("A release outside a package"),
    ("not_packaged", "record"): N_("A record outside a package"),
}

#: What a value was expected to be: (what, how to write it).
EXPECTED: dict[str, tuple[str, str]] = {
    "number": (N_("a number"), N_("digits with an optional decimal point, e.g. 1234567.89 or $1,234,567.89.")),
    "integer": (N_("a whole number"), N_("digits only, without decimals.")),
    "date": (N_("a date"), N_("a date cell, or text like 15/03/2024 (day/month/year) or 2024-03-15.")),
    "boolean": (N_("yes or no"), N_("Sí or No.")),
    "url": (N_("a web address"), N_("a full address starting with https:// (or http://).")),
    "code": (N_("a code"), N_("the digits of the code as text, e.g. 06000.")),
}

#: What a process needs, as :data:`ocds_cdmx.conversion.plan.ESSENTIALS` names it.
ESSENTIALS: dict[str, str] = {
    "supplier": N_("the supplier's name"),
    "rfc": N_("the supplier's RFC"),
    "amount": N_("the amount"),
    "contract_date": N_("the contract's date"),
    "method": N_("the procedure type"),
    "category": N_("the category (materia)"),
    "buyer": N_("the buyer (the agency)"),
}

#: Frames of the reports and messages of errors, by key.
TEXTS: dict[str, str | Plural] = {
    "json_syntax": N_(
        "{source}, line {line}, column {column}: invalid JSON: {detail}. Found: {found!r}. Fix the file there (a trailing comma, a missing quote or bracket, or two documents run together are the usual causes)."
    ),
    "encoding": N_("{source}: the file is not {encoding} (byte {byte} near position {position}).{hint}"),
    "encoding_hint": N_(
        " It looks like Latin-1 (ISO-8859-1/Windows-1252): read it with --encoding latin-1, or convert it to UTF-8."
    ),
    "spreadsheet_given": N_(
        "{source}: this is a spreadsheet, not OCDS JSON. Convert it first (cdmx convert {source} -o paquete.json), then validate the package it writes."
    ),
    "cannot_open": N_("{source}: cannot open: {detail}"),
    "io_error": N_("{source}: cannot read: {detail}"),
    "empty_file": N_("{source}: the file is empty"),
    "duplicate_key": N_(
        '{source}, line {line}, column {column}: the key "{name}" appears twice in the same object; which one is meant cannot be told. Keep one.'
    ),
    "items_not_array": N_(
        '{source}: "{name}" is {found}, not an array of releases or records: nothing could be read from it.'
    ),
    "both_item_keys": N_(
        '{source}, line {line}, column {column}: the package has both "releases" and "records"; a package holds one or the other. Split it in two.'
    ),
    "stdin_too_large": N_(
        "{source}: more than {limit} bytes on standard input or a pipe, the most that is copied to the temporary directory ($CDMX_MAX_STDIN). Give a file instead."
    ),
    "output_device": N_(
        "{source}: is a device or a stream, not a file: the output is written to a file and renamed into place. Use - for standard output."
    ),
    "output_directory": N_("{source}: is a directory; give the name of the file to write."),
    "output_error": N_("{source}: cannot write: {detail}. The previous file, if any, is intact."),
    "output_is_input": N_(
        "{source}: is also an input: writing it would replace what is read. Write to another file (or update it with --update)."
    ),
    "os_error": N_("{source}: {detail}. Nothing was replaced: the previous output, if any, is intact."),
    "os_error_nofile": N_(
        "Input/output error: {detail}. Nothing was replaced: the previous output, if any, is intact."
    ),
    "damaged_input": N_("An input is damaged ({detail}): a compressed file or a workbook that cannot be read."),
    "out_of_memory": N_("Out of memory: the input is too large or too deeply nested for this machine."),
    "interrupted": N_("Interrupted: temporary files were removed; the previous output, if any, is intact."),
    "internal_error": N_(
        "Internal error ({detail}). Nothing was replaced: the previous output, if any, is intact. Please report it, with the command."
    ),
    "empty_directory": N_("{source}: the directory has no .json, .jsonl or .json.gz file"),
    "unknown_encoding": N_("{source}: unknown encoding {encoding!r}"),
    "version": N_(
        '{source}: the data says "version": {version!r}, which is not an OCDS version (1.0 or 1.1): there is no schema to validate it with. Fix the version, or force one with --schema-version 1.1.'
    ),
    "schema_missing": N_(
        "The schema file {file} is not in {dirs}{offline_note}. Run `cdmx schema fetch` once with network, or point --schema-dir (or CDMX_SCHEMA_DIR) at a copy."
    ),
    "schema_missing_offline": N_(" (offline: no download tried)"),
    "schema_missing_online": N_(" and could not be downloaded from {url}"),
    "schema_unreadable": N_("Cannot read the schema file {file}: {detail}"),
    "extension_bad_url": N_("not an http(s) URL: {url}"),
    "extension_not_offline": N_("not in the offline cache: {url}"),
    "extension_fetch_failed": N_("could not be downloaded: {url}"),
    "extension_not_json": N_("not a JSON extension.json: {url}"),
    "extension_unreadable": N_("unreadable files: {url}"),
    "merge_version": N_(
        '{source}: the package says "version": {version!r}, which is not an OCDS version this tool merges (1.0 or 1.1). Fix the version.'
    ),
    "merge_versions_mixed": N_(
        "The inputs mix OCDS versions {versions} ({source}) and upgrading is off. Merge without --no-upgrade, which upgrades 1.0 releases to 1.1."
    ),
    "merge_headline": N_("{status}: {releases}, {records} ({merged}, {copied}), {excluded}; {errors}, {warnings}."),
    "merge_upgraded": NP_(
        "{count} OCDS 1.0 release was upgraded to 1.1.", "{count} OCDS 1.0 releases were upgraded to 1.1."
    ),
    "merge_duplicates": NP_(
        "{count} identical copy of a release was left out.", "{count} identical copies of releases were left out."
    ),
    "merge_not_written": N_("Nothing was written: every input must be readable first."),
    "merge_written": N_("Written: {output}"),
    "not_a_spreadsheet": N_("{source}: not a spreadsheet ({suffix}). Give an .xlsx, .xlsm, .xls or .csv file."),
    "corrupt": N_(
        "{source}: the file is damaged or is not what its name says ({detail}). Open it in a spreadsheet program and save it again."
    ),
    "bomb": N_("{source}: refused: its {zipped} compressed bytes would inflate to {unzipped}, as zip bombs do."),
    "unsafe_xml": N_(
        "{source}: refused: its XML declares entities, which can be used to attack the reader ({detail})."
    ),
    "csv_encoding": N_("{source}: the CSV file is not {encoding} ({detail})."),
    "no_header": N_(
        "{source}, sheet {sheet}: none of the mapping's column labels is in the first {rows} rows (found: {found}). Is it the right mapping?"
    ),
    "duplicate_label": N_(
        "{source}, sheet {sheet}, row {row}: the column '{label}' appears twice. Rename or delete one of them."
    ),
    "columns_missing": N_(
        "{source}, sheet {sheet}, row {row}: required columns are missing (label → nearest labels found): {missing}."
    ),
    "sheet_missing": N_("{source}: no sheet named {names}."),
    "mapping": N_("{source}: the mapping has problems: {problems}"),
    "line_problem": N_("line {line}: {problem}"),
    "agency_key_alone": N_(
        '--agency-key goes with --agency, the agency\'s name: --agency "Alcaldía Coyoacán" --agency-key COY.'
    ),
    "closest": N_(" Did you mean `{closest}`?"),
    "check_unknown_column": N_("{where}: unknown column `{value}` (the columns of {scope}: {choices})."),
    "check_unknown_key": N_("{where}: unknown key `{value}` (the keys here: {choices})."),
    "check_unknown_stage": N_("{where}: unknown stage `{value}` (the stages: {choices})."),
    "check_unknown_code_closed": N_(
        "{where}: '{value}' is not in the closed codelist {codelist} (its codes: {choices})."
    ),
    "check_unknown_code_open": N_(
        "{where}: '{value}' is not in the open codelist {codelist} (its codes: {choices}; a new code goes in the mapping's new_codes)."
    ),
    "check_sheet_unreached": N_(
        "{where}: no row of the sheet {sheet} reaches a process of the main sheet: its OCID template `{template}` does not make the main one's (`{main}`), so its rows would be processes of their own. Use `{main}` with this sheet's columns."
    ),
    "check_unknown_type": N_("{where}: unknown type '{value}' (the types: {choices})."),
    "check_maps_to_nothing": N_("{where}: maps to nothing and gives no reason"),
    "check_not_a_field": N_("{where}: {path} is not an OCDS field (with the mapping's extensions)."),
    "check_type_mismatch": N_("{where}: makes {made_text}, but {path} holds {holds}"),
    "made_list": N_("a list"),
    "made_type": N_("a {type}"),
    "check_extension_unavailable": N_("extension not available: {url}"),
    "scope_main": N_("the main sheet"),
    "scope_subtable": N_("the sub-table {name}"),
    "scope_sheet": N_("the sheet {name}"),
    "template_title": N_("Template for the mapping {mapping}: {title}"),
    "template_agency": N_("Agency: {agency}"),
    "template_step_rows": N_(
        "1. Fill in one row per contract (or per procedure without a contract) in the sheet '{main}', from row {row}: the labels on the row above are the platform's, as in its upload template; do not change them, nor the rows above them."
    ),
    "template_step_needed": N_(
        "2. The columns marked 'needed' make a useful publication: the procedure's number (it makes the OCID), the supplier and its RFC, the amount, the contract's date, the procedure type and the category. Without them a process is published incomplete, with a warning."
    ),
    "template_step_values": N_(
        "3. A catalog column takes one of its values (choose it in the cell's list). Dates are dates (day/month/year); amounts are numbers, without the currency sign; links start with https://."
    ),
    "template_step_subtables": N_(
        "4. A column that points at a sub-table (its label ends with Tabla_<id>) holds a number (1, 2, …); the rows of the sheet Tabla_<id> with that number in their ID column belong to that row."
    ),
    "template_step_own": N_(
        "5. The sheets {sheets} are the agency's own (programme, payment orders, works progress): one row per line, linked to the procedure by its number (and to the contract by its number)."
    ),
    "template_step_convert": N_("Convert it with: cdmx convert FILE.xlsx -m {mapping} -o releases.json"),
    "template_sheet": N_("Sheet"),
    "template_column": N_("Column (label)"),
    "template_field_id": N_("Field id"),
    "template_type": N_("Type"),
    "template_needed": N_("Needed"),
    "template_what": N_("What goes in it (OCDS)"),
    "template_values": N_("Allowed values"),
    "template_example": N_("Example"),
    "template_yes": N_("needed"),
    "template_not_published": N_("Not published: {reason}"),
    "template_written": N_("Written: {output} (the template of {mapping}: {sheets}, {columns}, {dropdowns})."),
    "template_ocds_paths": N_(
        "{source}: its sheets are OCDS paths (flattentool's layout): use OCP's spreadsheet templates or flattentool create-template."
    ),
    "template_no_openpyxl": N_("{source}: cdmx template needs openpyxl: pip install openpyxl."),
    "check_ok": N_("{source}: OK ({columns}, {reasons})"),
    "buyer_missing": N_(
        "{source}: the releases would have no buyer (the agency that contracts): the mapping {mapping} does not name it and the workbook has no column 'Sujeto obligado'. Give it with --agency \"Alcaldía Coyoacán\" --agency-key COY, or convert with the agency's mapping (-m sedema; see cdmx mappings list)."
    ),
    "convert_headline": N_(
        "{status}: {releases} of {ocids} from {converted} ({rejected}, {blank}) of {read}; {errors}, {warnings}."
    ),
    "converted": N_("Converted"),
    "converted_with_problems": N_("Converted with problems"),
    "unmapped_columns": N_("Columns present but not in the mapping ({sheet}): {columns}"),
    "layout_unknown": N_(
        "{source}: its labels are those of no transparency-platform layout this tool knows (closest: {candidates}). Give the mapping to read it with -m."
    ),
    "mapping_mismatch": N_(
        "{source}: this is format {format} ({layout}), which the mapping {mapping} does not read ({score} of the labels agree; {best} with {use}). Convert it with -m {use}, or without -m."
    ),
    "layout_found": N_(
        "Layout: format {format} ({layout}), {form}, header on row {row}; read with the mapping {mapping}."
    ),
    "layout_picked": N_(
        "Layout: format {format} ({layout}), {form}, header on row {row}; mapping {mapping} picked by the labels ({score} agree)."
    ),
    "sheet_counts": N_("{sheet}: {read}, {converted}, {rejected}, {blank}, {nothing}"),
    "form_template": N_("upload template"),
    "form_download": N_("public download"),
    "form_export": N_("export with the header on row 1"),
    "cell_location": N_("{file}, sheet {sheet}, cell {cell} ({label})"),
    "row_location": N_("{file}, sheet {sheet}, row {row}"),
    "validation_summary": N_("Output checked with cdmx validate: {errors}, {warnings}."),
    "config": N_("{source}: the configuration has problems: {problems}"),
    "store_unavailable": N_(
        "The store {source} cannot be opened: {detail}. Nothing was published; the previous publication is intact."
    ),
    "store_missing": N_("The store {source} does not exist."),
    "store_no_driver": N_(
        "The store {source} is a PostgreSQL server, which needs psycopg: pip install 'ocds-cdmx[postgresql]'."
    ),
    "store_failed": N_("The store {source} failed: {detail}. Nothing of the agency's night was stored; run again."),
    "lock_busy": N_("{source} is locked by another run."),
    "output_unwritable": N_(
        "The publication cannot be written at {source}: {detail}. The previous publication is intact; the night is stored and the next run publishes it."
    ),
    "output_not_ours": N_("{source} is a directory that cdmx publish did not make: give another output, or empty it."),
    "night_invalid": N_("{source}: {value!r} is not a date and time with its offset (e.g. 2024-10-16T02:00:00-06:00)."),
    "agency_unknown": N_("{source}: no agency {agencies} (the configuration has {known})."),
    "publish_headline": N_(
        "{status}: {agencies}, {releases} ({new}, {updated}, {unchanged}), {failed}; {errors}, {warnings}."
    ),
    "publish_agency": N_(
        "{agency} ({name}), night {night}: {status_text}: {releases}; {new}, {updated}, {unchanged}, {vanished}."
    ),
    "publish_resumed": N_("    The interrupted night {night} was resumed."),
    "publish_problems": N_("    Nothing was published tonight ({problems}); its last good data stays online."),
    "publish_busy": N_("{agency} ({name}): another run is publishing this agency: it was left alone."),
    "publish_built": N_("Published: {build} ({written}, {kept})."),
    "publish_not_rebuilt": N_("Nothing changed: no file was rewritten."),
    "publish_dry_run": N_("Dry run: nothing was written."),
    "status_published": N_("published"),
    "status_unchanged": N_("unchanged"),
    "status_failed": N_("FAILED"),
    "status_busy": N_("busy"),
    "problem_files_unreadable": N_("files that cannot be read"),
    "problem_data_errors": N_("errors in the files"),
    "problem_no_files": N_("no file matched"),
    "problem_releases_invalid": N_("invalid releases"),
    "problem_ocid_of_other_agency": N_("processes of another agency"),
    "published_ok": N_("Published"),
    "published_with_problems": N_("Published with problems"),
    "merged": N_("Merged"),
    "merged_with_problems": N_("Merged with problems"),
    "valid": N_("Valid"),
    "invalid": N_("Not valid"),
    "unreadable": N_("Could not be read"),
    "headline": N_("{status}: {errors}, {warnings} in {count} ({sources})."),
    "things": N_("releases/records"),
    "headline_counts": N_("{status}: {errors}, {warnings} in {things} ({sources})."),
    "validation_summary_counts": N_("Output checked with cdmx validate: {errors}, {warnings}."),
    "occurrences": NP_("{count} time", "{count} times"),
    "more": N_("… and {count} more"),
    "what_to_do": N_("What to do"),
    "statistics": N_("Key field information"),
    "severity_error": N_("error"),
    "severity_warning": N_("warning"),
    "severity_info": N_("note"),
    "no_problems": N_("No problems found."),
    "extensions": N_("Extensions"),
    "applied": N_("applied"),
    "cannot_write": N_("{source}: cannot write there: {detail}"),
    "site_no_records": N_(
        "{source}: no records found: expected a manifest.json listing them, or one of {expected}. Give the folder cdmx publish wrote, or a file of records (cdmx merge --versioned)."
    ),
    "site_headline": N_(
        "Site built in {output}: {processes} ({process_pages}, {removed}), {suppliers} ({supplier_pages}), {agencies} ({agency_pages}), {other_files}, in {seconds} s."
    ),
    "site_full": N_("Every page was rebuilt (first build, or the templates, texts or options changed)."),
    "site_duplicates": NP_(
        "{count} process appears twice in the input; its last record was used: {ocids}",
        "{count} processes appear twice in the input; the last record of each was used: {ocids}",
    ),
    "site_open": N_("Open {index} in a browser, or serve the folder with any web server."),
    # The annotated workbook (cdmx convert --annotate)
    "annotate_sheet": N_("Problems"),
    "annotate_col_severity": N_("Severity"),
    "annotate_col_file": N_("File"),
    "annotate_col_sheet": N_("Sheet"),
    "annotate_col_cell": N_("Cell"),
    "annotate_col_label": N_("Column"),
    "annotate_col_value": N_("Value"),
    "annotate_col_problem": N_("Problem"),
    "annotate_col_fix": N_("How to fix it"),
    "annotate_author": N_("cdmx convert"),
    "annotate_comment": N_("{severity}: {title}"),
    "annotate_comment_fix": N_("How to fix it: {advice}"),
    "annotate_whole_row": N_("(the whole row)"),
    "annotate_written": N_("Annotated workbook: {output} ({problems}, {cells})."),
    "report_file_needed": N_("--report html writes a file: give its name with --report-file (e.g. reporte.html)."),
    "annotate_suffix": N_(
        "{source}: the annotated copy is an Excel workbook: give a name that ends in .xlsx (or .xlsm for a workbook with macros)."
    ),
    "annotate_folder": N_(
        "{source}: a folder of CSV files cannot be annotated: convert the workbook they come from, or one of the files."
    ),
    "annotate_same_file": N_(
        "{source}: the annotated copy would replace the original workbook, which is never modified: give another name."
    ),
}
#: The labels of the key statistics (the names the text report lists them by) and of the columns of
#: the rejects file.
LABELS: dict[str, str] = {
    "releases": N_("releases"),
    "records": N_("records"),
    "ocids": N_("OCIDs"),
    "tags": N_("release tags"),
    "dates": N_("dates"),
    "buyers": N_("buyers"),
    "suppliers": N_("suppliers"),
    "procurementMethod": N_("procedure types"),
    "awards": N_("awards"),
    "contracts": N_("contracts"),
    "file": N_("file"),
    "sheet": N_("sheet"),
    "row": N_("row"),
    "column": N_("column"),
    "cell": N_("cell"),
    "label": N_("label"),
    "value": N_("value"),
    "reason": N_("reason"),
}


def label(name: str, lang: str) -> str:
    """The label of a statistic or a column, in ``lang`` (a name without one is shown as it is)."""
    return tr(LABELS[name], lang) if name in LABELS else name


ERRORS = NP_("{count} error", "{count} errors")
WARNINGS = NP_("{count} warning", "{count} warnings")
PROCESSES = NP_("{count} process", "{count} processes")
AGENCIES = NP_("{count} agency", "{count} agencies")
PAGES_WRITTEN = NP_("{count} page written", "{count} pages written")
NEW_PROCESSES = {
    "releases": NP_("{count} new release", "{count} new releases"),
    "new": NP_("{count} new process", "{count} new processes"),
    "updated": NP_("{count} updated", "{count} updated"),
    "unchanged": NP_("{count} unchanged", "{count} unchanged"),
}
ROWS = {
    "read": NP_("{count} read", "{count} read"),
    "rejected": NP_("{count} rejected", "{count} rejected"),
    "blank": NP_("{count} blank", "{count} blank"),
}
#: The counts of the frames that hold several: text key → parameter → its noun, singular and plural (one
#: form for both where English has one, as "{count} read": Spanish says "1 leída", "2 leídas"). Each count
#: is shown with its own noun, so that every language puts each in the form its number asks for.
COUNTED: dict[str, dict[str, Plural]] = {
    "headline": {
        "errors": ERRORS,
        "warnings": WARNINGS,
        "count": NP_("{count} release/record", "{count} releases/records"),
        "sources": NP_("{count} source", "{count} sources"),
    },
    "merge_headline": {
        "releases": NP_("{count} release read", "{count} releases read"),
        "records": NP_("{count} record written", "{count} records written"),
        "merged": NP_("{count} merged", "{count} merged"),
        "copied": NP_("{count} copied", "{count} copied"),
        "excluded": NP_("{count} process left out", "{count} processes left out"),
        "errors": ERRORS,
        "warnings": WARNINGS,
    },
    "convert_headline": {
        "releases": NP_("{count} release", "{count} releases"),
        "ocids": PROCESSES,
        "converted": NP_("{count} row", "{count} rows"),
        **ROWS,
        "errors": ERRORS,
        "warnings": WARNINGS,
    },
    "sheet_counts": {
        **ROWS,
        "converted": NP_("{count} converted", "{count} converted"),
        "nothing": NP_("{count} with nothing to report", "{count} with nothing to report"),
    },
    "validation_summary": {"errors": ERRORS, "warnings": WARNINGS},
    "publish_headline": {
        "agencies": AGENCIES,
        **NEW_PROCESSES,
        "failed": NP_("{count} agency failed", "{count} agencies failed"),
        "errors": ERRORS,
        "warnings": WARNINGS,
    },
    "publish_agency": {
        **NEW_PROCESSES,
        "vanished": NP_("{count} no longer in the files", "{count} no longer in the files"),
    },
    "publish_built": {
        "written": NP_("{count} file written", "{count} files written"),
        "kept": NP_("{count} unchanged file kept", "{count} unchanged files kept"),
    },
    "template_written": {
        "sheets": NP_("{count} sheet to fill", "{count} sheets to fill"),
        "columns": NP_("{count} column", "{count} columns"),
        "dropdowns": NP_("{count} with a list of values", "{count} with a list of values"),
    },
    "check_ok": {
        "columns": NP_("{count} column", "{count} columns"),
        "reasons": NP_("{count} deliberately unmapped", "{count} deliberately unmapped"),
    },
    "site_headline": {
        "processes": PROCESSES,
        "process_pages": PAGES_WRITTEN,
        "removed": NP_("{count} removed", "{count} removed"),
        "suppliers": NP_("{count} supplier", "{count} suppliers"),
        "supplier_pages": PAGES_WRITTEN,
        "agencies": AGENCIES,
        "agency_pages": NP_("{count} written", "{count} written"),
        "other_files": NP_("{count} other file written", "{count} other files written"),
    },
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
    # A check that finds several kinds of problem says which in "reason" (rfc_format: lower_case…).
    if "reason" in params and f"{check}:{params['reason']}" in FINDINGS:
        return f"{check}:{params['reason']}"
    return check


def finding_text(check: str, params: dict, field: str, lang: str, value: Any = None) -> tuple[str, str]:
    """(title, advice) for a finding group."""
    title, advice = FINDINGS[finding_key(check, params)]
    title = KIND_TITLES.get((check, str(params.get("expected") or params.get("kind"))), title)
    values = _Default({**params, "field": params.get("field", field.rsplit("/", 1)[-1]), "value": value})
    if "expected" in params and params["expected"] in EXPECTED:
        what, how = EXPECTED[params["expected"]]
        values["expected_advice"] = tr(how, lang)
        values["expected"] = tr(what, lang)
    for key in ("missing", "essential"):
        if key in params:
            values[key] = ", ".join(tr(ESSENTIALS.get(k, k), lang) for k in str(params[key]).split(", "))
    if isinstance(value, str):
        values["upper"] = value.upper()
    if "problem" in params and params["problem"] in TEXTS:
        values["problem"] = tr(TEXTS[params["problem"]], lang).format_map(_Default(url=value))
    return say(title, values, lang), say(advice, values, lang)


def localized(message: str, lang: str) -> str:
    """A message made by a lower layer (a :class:`~ocds_cdmx.core.texts.Text`) in ``lang``; other strings
    as they are."""
    if not isinstance(message, Text):
        return message
    params = {k: localized(v, lang) if isinstance(v, Text) else v for k, v in message.params.items()}
    return tr(message.template, lang).format_map(_Default(params))


def text(key: str, lang: str, **params: Any) -> str:
    """A frame or input-error message; each count in it with its noun in the form the number asks for."""
    values = _Default(params)
    for name, noun in COUNTED.get(key, {}).items():
        n = params.get(name)
        if isinstance(n, int):
            values[name] = ntr(noun.singular, noun.plural, n, lang).format(count=n)
    return say(TEXTS[key], values, lang)


#: The details of input errors that come in English from the system (``strerror``) or from lower layers.
DETAILS = {
    text.lower(): text
    for text in (
        N_("No such file or directory"),
        N_("Permission denied"),
        N_("Is a directory"),
        N_("Not a directory"),
        N_("No space left on device"),
        N_("File exists"),
        N_("Read-only file system"),
        N_("Directory not empty"),
        N_("File name too long"),
        N_("Too many open files"),
        N_("Connection refused"),
        N_("no such file"),
        N_("not a file"),
        N_("not a record"),
        N_("the manifest is not a JSON object"),
        N_("listed in the manifest but missing"),
        # What the JSON reader (io.jsonin) and Python's json say of invalid JSON.
        N_("the file ends before the JSON is complete"),
        N_("expected ',' or ']' after an array element"),
        N_("expected ':' after a property name"),
        N_("expected ',' or '}' after a property value"),
        N_("expected ':'"),
        N_("expected ',' or '}'"),
        N_("expected a property name in double quotes"),
        N_("nesting too deep"),
        N_("Expecting value"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Invalid \\uXXXX escape"),
        N_("Extra data"),
    )
}
_ERRNO = re.compile(r"^\[Errno \d+\] (?P<text>[^:]+)(?P<rest>:.*)?$")


def _detail(detail: str, lang: str) -> str:
    """An error's detail in ``lang`` when it is one of :data:`DETAILS` (also as ``[Errno 2] …: 'path'``)."""
    known = DETAILS.get(detail.lower())
    if known:
        return tr(known, lang)
    match = _ERRNO.match(detail)
    if match and match["text"].lower() in DETAILS:
        return tr(DETAILS[match["text"].lower()], lang) + (match["rest"] or "")
    return detail


def problem_text(problem: str, lang: str) -> str:
    """A mapping's problem in ``lang``: worded from its key when it has one (:class:`~ocds_cdmx.core.errors.Problem`)."""
    if isinstance(problem, Text):
        return localized(problem, lang)
    key = getattr(problem, "key", None)
    if key not in TEXTS:
        return str(problem)
    params = dict(problem.params)  # type: ignore[attr-defined]
    closest = params.pop("closest", None)
    if "made" in params:
        listed = params.pop("listed", False)
        params["made_text"] = text("made_list", lang) if listed else text("made_type", lang, type=params.pop("made"))
    if "scope_kind" in params:
        params["scope"] = text(f"scope_{params.pop('scope_kind')}", lang, name=params.pop("scope_name", ""))
    out = text(key, lang, **params)
    return out + text("closest", lang, closest=closest) if closest else out


def input_error_text(error: Exception, lang: str) -> str:
    """Explain an error for people: an unreadable input, a missing schema, an unknown version, a mapping."""
    if not isinstance(error, CdmxError):
        return str(error)
    params = dict(error.params)
    if isinstance(params.get("detail"), str):
        params["detail"] = _detail(params["detail"], lang)
    if error.key == "encoding":
        params["hint"] = text("encoding_hint", lang) if params.get("guess") else ""
    elif error.key == "schema_missing":
        note = "schema_missing_offline" if params.get("offline") else "schema_missing_online"
        params["offline_note"] = text(note, lang, url=params.get("url"))
    elif isinstance(error, MappingError | ConfigError):
        params["problems"] = "; ".join(
            text("line_problem", lang, line=line, problem=problem_text(m, lang)) if line else problem_text(m, lang)
            for line, m in error.problems
        )
    if error.key in TEXTS:
        return text(error.key, lang, source=error.source, **params)
    return str(error)
